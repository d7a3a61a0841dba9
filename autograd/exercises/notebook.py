"""Student notebooks: the solutions of an exercise notebook taken out (the command line
that writes them, and the graders' versions, is ``command``).

``python -m autograd.exercises --strip notebooks/10_exercises.ipynb -o student.ipynb``
writes a copy in which every solution cell (a code cell whose first line is
``# SOLUTION: name, name.grad, ...``) keeps only ``# your code here`` and one
``name = ...`` line per answer; the checkers then say "not done yet" instead of
failing with a ``NameError``. Outputs are cleared.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .. import _internal

__all__ = ["strip_solutions", "strip_notebook", "SOLUTION_MARK", "HIDDEN_TESTS",
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


def split_hidden_tests(source: str, index: int) -> tuple[str, str]:
    """``(visible, hidden)``: the lines of ``source`` outside its hidden-test regions and
    those inside them (the marker lines in neither); a ValueError for unmatched markers."""
    begin, end = HIDDEN_TESTS
    visible, hidden, inside = [], [], False
    for line in source.split("\n"):
        if begin.lstrip("#").strip() in line:
            if inside:
                raise ValueError(f"cell {index}: '{begin}' inside a hidden-test region")
            inside = True
        elif end.lstrip("#").strip() in line:
            if not inside:
                raise ValueError(f"cell {index}: '{end}' without '{begin}'")
            inside = False
        else:
            (hidden if inside else visible).append(line)
    if inside:
        raise ValueError(f"cell {index}: '{begin}' without '{end}'")
    return "\n".join(visible), "\n".join(hidden)


def without_hidden_tests(source: str, index: int) -> str:
    """``source`` without its hidden-test regions (the marker lines included)."""
    return split_hidden_tests(source, index)[0]


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
    notebook = _json_of(src)
    try:
        check_notebook(notebook)
    except ValueError as e:
        raise ValueError(f"{src}: {e}") from None
    return notebook


def _json_of(src: Path):
    """The JSON in the file ``src`` (not yet checked to be a notebook), or an error naming it."""
    try:
        return json.loads(src.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{src}: not a Jupyter notebook (not JSON: {e})") from None


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
    notebook = _json_of(src)
    try:  # strip_solutions checks that it is a notebook
        student, count = strip_solutions(notebook)
    except ValueError as e:
        raise ValueError(f"{src}: {e}") from None
    write_notebook(dst, student)
    return count


def write_notebook(path: Path, notebook: dict) -> None:
    """Write ``notebook`` to ``path`` as nbformat's JSON (one-space indent, UTF-8),
    atomically (a temporary file beside it, then a rename)."""
    text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    _internal.write_atomically(path, text.encode("utf-8"))
