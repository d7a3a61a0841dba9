"""Student notebooks: the solutions of an exercise notebook taken out (and the command
line, which also writes the graders' versions: ``graders``).

``python -m autograd.exercises --strip notebooks/10_exercises.ipynb -o student.ipynb``
writes a copy in which every solution cell (a code cell whose first line is
``# SOLUTION: name, name.grad, ...``) keeps only ``# your code here`` and one
``name = ...`` line per answer; the checkers then say "not done yet" instead of
failing with a ``NameError``. Outputs are cleared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from .. import _internal

__all__ = ["strip_solutions", "strip_notebook", "main", "SOLUTION_MARK", "HIDDEN_TESTS",
           "cell_source", "solution_answers", "without_hidden_tests", "read_notebook"]


# --- the student version of a notebook ---------------------------------------------------------

SOLUTION_MARK = "# SOLUTION"
# a check cell's checks that a student does not see (nbgrader's markers, which it reads too)
HIDDEN_TESTS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
_MARK = re.compile(r"\s*# SOLUTION\s*(:|$)")  # "# SOLUTION: names" (not "# SOLUTIONS ...")
_TARGET = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")  # a name or name.attribute


def cell_source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def solution_answers(cell, index: int) -> list[str] | None:
    """The answer names of a solution cell (``# SOLUTION: tanh_rule, L.grad``), else None."""
    if cell.get("cell_type") != "code":
        return None
    lines = [ln for ln in cell_source(cell).splitlines() if ln.strip()]
    if not lines or not _MARK.match(lines[0]):
        return None
    rest = lines[0].lstrip()[len(SOLUTION_MARK):].strip()
    names = [n.strip() for n in rest[1:].split(",")] if rest.startswith(":") else []
    names = [n for n in names if n]
    if not names or not all(_TARGET.fullmatch(n) for n in names):
        raise ValueError(f"cell {index} is marked {SOLUTION_MARK} but does not name its "
                         f"answers as '{SOLUTION_MARK}: name, other.grad' (got {lines[0]!r})")
    return names


def without_hidden_tests(source: str, index: int) -> str:
    """``source`` without its hidden-test regions (the marker lines included)."""
    begin, end = HIDDEN_TESTS
    kept, hidden = [], False
    for line in source.split("\n"):
        if begin.lstrip("#").strip() in line:
            if hidden:
                raise ValueError(f"cell {index}: '{begin}' inside a hidden-test region")
            hidden = True
        elif end.lstrip("#").strip() in line:
            if not hidden:
                raise ValueError(f"cell {index}: '{end}' without '{begin}'")
            hidden = False
        elif not hidden:
            kept.append(line)
    if hidden:
        raise ValueError(f"cell {index}: '{begin}' without '{end}'")
    return "\n".join(kept)


def strip_solutions(notebook: dict) -> tuple[dict, int]:
    """The student version of a notebook (nbformat 4, as a dict) and how many
    solution cells it had: each solution cell's body becomes ``# your code here``
    and one ``name = ...`` per answer; hidden-test regions are taken out; every
    output and execution count is cleared. The input is not changed."""
    check_notebook(notebook)
    out = json.loads(json.dumps(notebook))  # a deep copy
    count = 0
    for i, cell in enumerate(out["cells"]):
        if not isinstance(cell, dict):
            raise ValueError(f"not a Jupyter notebook: cell {i} is not an object")
        names = solution_answers(cell, i)
        if names is not None:
            count += 1
            body = ["# your code here: replace each `...` below (a def is fine too)\n"]
            body += [f"{n} = ...\n" for n in names]
            body[-1] = body[-1].rstrip("\n")
            cell["source"] = body
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
            source = cell_source(cell)
            if HIDDEN_TESTS[0].lstrip("#").strip() in source:
                cell["source"] = without_hidden_tests(source, i)
    return out, count


def check_notebook(notebook) -> None:
    """A ValueError unless ``notebook`` is an nbformat 4 notebook (as a dict)."""
    if not isinstance(notebook, dict) or notebook.get("nbformat") != 4 \
            or not isinstance(notebook.get("cells"), list):
        raise ValueError("not a Jupyter notebook (nbformat 4 with a list of cells)")


def read_notebook(src) -> dict:
    """The notebook at ``src`` as a dict, or an error naming the file."""
    src = Path(src)
    if not src.is_file():
        raise FileNotFoundError(f"{src}: no such notebook")
    try:
        notebook = json.loads(src.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{src}: not a Jupyter notebook (not JSON: {e})") from None
    try:
        check_notebook(notebook)
    except ValueError as e:
        raise ValueError(f"{src}: {e}") from None
    return notebook


def strip_notebook(src, dst, in_place: bool = False) -> int:
    """Write the student version of notebook ``src`` to ``dst`` atomically (a temporary
    file beside it, then a rename); returns the number of solution cells. ``dst`` may
    be ``src`` only with ``in_place=True``."""
    src, dst = _internal.file_path(src, "src"), _internal.file_path(dst, "dst")
    in_place = _internal.boolean(in_place, "in_place")
    if not src.is_file():
        raise FileNotFoundError(f"{src}: no such notebook")
    if not in_place and dst.exists() and os.path.samefile(src, dst):
        raise ValueError(f"{dst} is the input notebook: refusing to overwrite it "
                         "(write the student version elsewhere, or pass --in-place)")
    if not dst.parent.is_dir():
        raise FileNotFoundError(f"{dst.parent}: no such folder for the output")
    try:
        notebook = json.loads(src.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{src}: not a Jupyter notebook (not JSON: {e})") from None
    try:
        student, count = strip_solutions(notebook)
    except ValueError as e:
        raise ValueError(f"{src}: {e}") from None
    text = json.dumps(student, indent=1, ensure_ascii=False) + "\n"
    _internal.write_atomically(dst, text.encode("utf-8"))
    return count


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
        from . import graders

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
