"""The command line ``python -m autograd.exercises``: the student version of an exercise
notebook (``notebook.strip_notebook``) or the versions nbgrader and otter-grader read
(``graders``). Its own module, as both of those build on ``notebook``."""

from __future__ import annotations

import argparse
import sys

from .. import _internal
from . import graders
from .notebook import SOLUTION_MARK, strip_notebook

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograd.exercises",
        description="Write the versions of an exercise notebook (the teacher's, with "
                    f"solution cells whose first line is '{SOLUTION_MARK}: name, ...'): the "
                    "student version (--strip), nbgrader's course folder (--nbgrader) or "
                    "otter-grader's master notebook (--otter).")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--strip", metavar="NOTEBOOK",
                      help="write the student version: each solution cell keeps "
                           "'# your code here' and 'name = ...', outputs are cleared")
    what.add_argument("--nbgrader", metavar="NOTEBOOK",
                      help="write nbgrader's teacher (source/NAME/) and student (release/NAME/) "
                           "versions and nbgrader_config.py into the course folder OUT")
    what.add_argument("--otter", metavar="NOTEBOOK",
                      help="write otter-grader's master notebook into the folder OUT "
                           "(then: otter assign OUT/NOTEBOOK dist)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("-o", "--output", metavar="OUT",
                       help="the student version (--strip) or the folder to write into")
    where.add_argument("--in-place", action="store_true",
                       help="with --strip: overwrite NOTEBOOK itself with the student version")
    parser.add_argument("--assignment", metavar="NAME",
                        help="with --nbgrader: the assignment's name (default: the notebook's)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """``python -m autograd.exercises --strip teacher.ipynb -o student.ipynb``, or
    ``--nbgrader teacher.ipynb -o course``, or ``--otter teacher.ipynb -o folder``."""
    if argv is not None:
        argv = _internal.items(argv, "main: argv", "a list of str (the command line's words)")
        if not all(isinstance(a, str) for a in argv):
            raise TypeError(f"main: argv must be a list of str (the command line's words), got "
                            f"{argv!r:.60}")
    parser = _parser()
    args = parser.parse_args(argv)
    if args.in_place and not args.strip:
        parser.error("--in-place goes with --strip only (graders' versions go to -o FOLDER)")
    if args.assignment is not None and not args.nbgrader:
        parser.error("--assignment goes with --nbgrader only")
    try:
        if args.strip:
            return _strip(args, parser.prog)
        if args.nbgrader:
            teacher, student, points = graders.write_nbgrader(args.nbgrader, args.output,
                                                              args.assignment)
            print(f"wrote {teacher} (teacher) and {student} (student): {points} points; "
                  f"next, in {args.output}: nbgrader generate_assignment {teacher.parent.name}")
        else:
            master, points = graders.write_otter(args.otter, args.output)
            print(f"wrote {master} (otter's master notebook): {points} points; next: "
                  f"otter assign {master} dist")
    except (OSError, ValueError) as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 1
    return 0


def _strip(args, prog: str) -> int:
    out = args.strip if args.in_place else args.output
    count = strip_notebook(args.strip, out, in_place=args.in_place)
    if count == 0:
        print(f"{prog}: warning: {args.strip} has no solution cells (mark them with "
              f"'{SOLUTION_MARK}: name' on their first line)", file=sys.stderr)
    print(f"wrote {out}: {count} solution cell{'s' if count != 1 else ''} stripped")
    return 0
