"""Student notebooks: the solutions of an exercise notebook taken out.

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

__all__ = ["strip_solutions", "strip_notebook", "main", "SOLUTION_MARK"]


# --- the student version of a notebook ---------------------------------------------------------

SOLUTION_MARK = "# SOLUTION"
_MARK = re.compile(r"\s*# SOLUTION\s*(:|$)")  # "# SOLUTION: names" (not "# SOLUTIONS ...")
_TARGET = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")  # a name or name.attribute


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _solution_answers(cell, index: int) -> list[str] | None:
    """The answer names of a solution cell (``# SOLUTION: tanh_rule, L.grad``), else None."""
    if cell.get("cell_type") != "code":
        return None
    lines = [ln for ln in _source(cell).splitlines() if ln.strip()]
    if not lines or not _MARK.match(lines[0]):
        return None
    rest = lines[0].lstrip()[len(SOLUTION_MARK):].strip()
    names = [n.strip() for n in rest[1:].split(",")] if rest.startswith(":") else []
    names = [n for n in names if n]
    if not names or not all(_TARGET.fullmatch(n) for n in names):
        raise ValueError(f"cell {index} is marked {SOLUTION_MARK} but does not name its "
                         f"answers as '{SOLUTION_MARK}: name, other.grad' (got {lines[0]!r})")
    return names


def strip_solutions(notebook: dict) -> tuple[dict, int]:
    """The student version of a notebook (nbformat 4, as a dict) and how many
    solution cells it had: each solution cell's body becomes ``# your code here``
    and one ``name = ...`` per answer; every output and execution count is cleared.
    The input is not changed."""
    if not isinstance(notebook, dict) or notebook.get("nbformat") != 4 \
            or not isinstance(notebook.get("cells"), list):
        raise ValueError("not a Jupyter notebook (nbformat 4 with a list of cells)")
    out = json.loads(json.dumps(notebook))  # a deep copy
    count = 0
    for i, cell in enumerate(out["cells"]):
        if not isinstance(cell, dict):
            raise ValueError(f"not a Jupyter notebook: cell {i} is not an object")
        names = _solution_answers(cell, i)
        if names is not None:
            count += 1
            body = ["# your code here: replace each `...` below (a def is fine too)\n"]
            body += [f"{n} = ...\n" for n in names]
            body[-1] = body[-1].rstrip("\n")
            cell["source"] = body
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return out, count


def strip_notebook(src, dst, in_place: bool = False) -> int:
    """Write the student version of notebook ``src`` to ``dst`` atomically (a temporary
    file beside it, then a rename); returns the number of solution cells. ``dst`` may
    be ``src`` only with ``in_place=True``."""
    src, dst = Path(src), Path(dst)
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


def main(argv: list[str] | None = None) -> int:
    """``python -m autograd.exercises --strip teacher.ipynb -o student.ipynb``."""
    parser = argparse.ArgumentParser(
        prog="python -m autograd.exercises",
        description="Write the student version of an exercise notebook: the body of every "
                    f"solution cell (first line '{SOLUTION_MARK}: name, ...') becomes "
                    "'# your code here' and 'name = ...', outputs are cleared.")
    parser.add_argument("--strip", metavar="NOTEBOOK", required=True,
                        help="the teacher's notebook, with solutions")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("-o", "--output", metavar="OUT", help="where to write the student version")
    where.add_argument("--in-place", action="store_true",
                       help="overwrite NOTEBOOK itself with the student version")
    args = parser.parse_args(argv)
    out = args.strip if args.in_place else args.output
    try:
        count = strip_notebook(args.strip, out, in_place=args.in_place)
    except (OSError, ValueError) as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 1
    if count == 0:
        print(f"{parser.prog}: warning: {args.strip} has no solution cells (mark them with "
              f"'{SOLUTION_MARK}: name' on their first line)", file=sys.stderr)
    print(f"wrote {out}: {count} solution cell{'s' if count != 1 else ''} stripped")
    return 0

