"""The versions of an exercise notebook that course graders read: nbgrader's and
otter-grader's, made from one source, the teacher's notebook (notebook 10).

The source marks three things, and nothing else is needed:

- an answer cell: a code cell whose first line is ``# SOLUTION: name, other.grad``;
- a check cell: a code cell after an answer cell, in the same section (the cells
  under one ``## `` heading), calling ``exercises.check_...``; each check call is
  worth one point;
- hidden checks: in a check cell, between ``### BEGIN HIDDEN TESTS`` and ``### END
  HIDDEN TESTS`` (nbgrader's own markers): graded, never shown to the student.

``python -m autograd.exercises --nbgrader 10_exercises.ipynb -o course`` writes
nbgrader's course layout: ``course/source/NAME/NAME.ipynb`` (the teacher's version:
solution regions, graded cells with ids and points, hidden tests),
``course/release/NAME/NAME.ipynb`` (the student's version, what ``nbgrader
generate_assignment NAME`` makes of it) and ``course/nbgrader_config.py`` (the
placeholder a solution region leaves: the student notebook still runs to its end).
``--otter`` writes otter-grader's master notebook, from which ``otter assign`` makes
the student version and the autograder: a question per exercise, a test per check
(exception-based: a wrong answer fails its test with the check's whole message).
Under either grader a check that fails raises (``exercises.grading()``), so the
grader counts it; the learner's own runs keep going (``keep_going()``).
"""

from __future__ import annotations

import ast
import builtins
import json
import re
from pathlib import Path

from .. import _internal
from .notebook import (
    cell_source,
    read_notebook,
    solution_answers,
    split_hidden_tests,
    write_notebook,
)

__all__ = ["exercise_plan", "nbgrader_versions", "otter_master", "write_nbgrader",
           "write_otter", "STUB", "NBGRADER_CONFIG"]

# what an nbgrader solution region leaves in the student's cell, after the placeholders
STUB = "# your code here: replace each `...` above (a def is fine too)"
NBGRADER_CONFIG = f"""\
# nbgrader's configuration for the course written by python -m autograd.exercises --nbgrader:
# a solution region leaves a comment, not nbgrader's `raise NotImplementedError()`, after
# the answer's placeholders (`name = ...`), so that a student's notebook runs to its end
# and each check says "not done yet".
c = get_config()  # noqa: F821
c.ClearSolutions.code_stub = {{"python": {STUB!r}}}
"""


# --- reading the source: answers, checks, hidden checks ----------------------------------


def _check_calls(code: str, index: int) -> list[str]:
    """The source of each statement of ``code`` that calls a checker (``check_...``)."""
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        raise ValueError(f"cell {index} is not valid Python: {e}") from None
    calls = []
    for stmt in tree.body:
        found = any(isinstance(n, ast.Call) and _called_name(n.func).startswith("check_")
                    for n in ast.walk(stmt))
        if found:
            calls.append(ast.get_source_segment(code, stmt))
    return calls


def _called_name(func) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def exercise_plan(notebook: dict) -> list[dict]:
    """Every cell of the source with what it is: ``kind`` "answer" (``names``, its
    ``body``), "check" (``visible`` and ``hidden`` code, their check calls
    ``checks`` and ``hidden_checks``), "code" or "text"; ``exercise`` is the number
    of the graded section it belongs to (1, 2, ...; 0 outside one)."""
    plan = []
    sections = _sections(notebook["cells"])
    graded = {s for s, cells in sections.items()
              if any(solution_answers(c, i) is not None for i, c in cells)}
    numbers = {s: k + 1 for k, s in enumerate(sorted(graded))}
    for s, cells in sections.items():
        answered, exercise = False, numbers.get(s, 0)
        for i, cell in cells:
            entry = {"index": i, "cell": cell, "exercise": exercise, "section": s}
            names = solution_answers(cell, i)
            source = cell_source(cell)
            if names is not None:
                answered = True
                body = source.lstrip().split("\n", 1)
                entry.update(kind="answer", names=names, body=body[1] if len(body) > 1 else "")
            elif cell.get("cell_type") == "code" and answered:
                entry.update(_code_cell(source, i))
            else:
                entry["kind"] = "code" if cell.get("cell_type") == "code" else "text"
            plan.append(entry)
    return plan


def _code_cell(source: str, index: int) -> dict:
    """What a code cell after an answer is: a "check" (its ``visible`` and ``hidden``
    code and their check calls) if its visible code calls a checker, else "code"."""
    visible, hidden = split_hidden_tests(source, index)
    checks = _check_calls(visible, index)
    if not checks:
        return {"kind": "code"}
    return {"kind": "check", "visible": visible, "hidden": hidden, "checks": checks,
            "hidden_checks": _check_calls(hidden, index)}


def _sections(cells: list) -> dict:
    """Cell indices grouped by section: a new one at each markdown cell that starts
    with a ``#`` heading."""
    out, s = {0: []}, 0
    for i, cell in enumerate(cells):
        if cell.get("cell_type") == "markdown" and cell_source(cell).lstrip().startswith("#"):
            s += 1
            out[s] = []
        out[s].append((i, cell))
    return out


def _placeholders(names: list[str]) -> str:
    return "".join(f"{n} = ...\n" for n in names)


def _points(entry: dict) -> int:
    return len(entry["checks"]) + len(entry["hidden_checks"])


def _check_ids(plan: list[dict]) -> dict:
    """A grade id per answer and check cell: ``ex2-answer``, ``ex2-check-1``, ..."""
    ids, counts = {}, {}
    for e in plan:
        if e["kind"] == "answer":
            ids[e["index"]] = f"ex{e['exercise']}-answer"
        elif e["kind"] == "check":
            counts[e["exercise"]] = counts.get(e["exercise"], 0) + 1
            ids[e["index"]] = f"ex{e['exercise']}-check-{counts[e['exercise']]}"
    return ids


# --- nbgrader ------------------------------------------------------------------------------


def _nbgrader_meta(grade_id: str, *, solution=False, grade=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def nbgrader_versions(notebook: dict) -> tuple[dict, dict, int]:
    """``(teacher, student, points)``: the source as nbgrader's teacher version (its
    ``source/``: solution regions, graded cells with ids and points, hidden tests,
    the other code cells locked) and its student version (its ``release/``: each
    region replaced by ``STUB`` after the placeholders, hidden tests taken out), and
    the points in all. Outputs are cleared."""
    plan = exercise_plan(notebook)
    ids = _check_ids(plan)
    teacher = json.loads(json.dumps(notebook))  # a deep copy
    student = json.loads(json.dumps(notebook))
    total, locked = 0, 0
    for e, t, s in zip(plan, teacher["cells"], student["cells"]):
        if t.get("cell_type") != "code":
            continue
        for cell in (t, s):
            cell["outputs"], cell["execution_count"] = [], None
        if e["kind"] == "answer":
            head = _placeholders(e["names"])
            t["source"] = f"{head}### BEGIN SOLUTION\n{e['body'].strip()}\n### END SOLUTION"
            s["source"] = head + STUB
            meta = _nbgrader_meta(ids[e["index"]], solution=True)
        elif e["kind"] == "check":
            points = _points(e)
            total += points
            t["source"] = cell_source(t)
            s["source"] = e["visible"]
            meta = _nbgrader_meta(ids[e["index"]], grade=True, locked=True, points=points)
        else:
            locked += 1
            meta = _nbgrader_meta(f"locked-{locked}", locked=True)
        for cell in (t, s):
            cell.setdefault("metadata", {})["nbgrader"] = dict(meta)
    return teacher, student, total


def write_nbgrader(src, course, assignment: str | None = None) -> tuple[Path, Path, int]:
    """Write nbgrader's versions of the notebook ``src`` into the course folder
    ``course`` (made if missing): ``source/NAME/`` (teacher), ``release/NAME/``
    (student) and ``nbgrader_config.py`` (only if the course has none). NAME is
    ``assignment``, by default the notebook's name. Returns the two paths and the
    points."""
    src, course = Path(src), Path(course)
    name = _assignment_name(assignment if assignment is not None else src.stem)
    (teacher, student), points = _graded_versions(src, nbgrader_versions)
    paths = []
    for folder, version in (("source", teacher), ("release", student)):
        out = course / folder / name / src.name
        out.parent.mkdir(parents=True, exist_ok=True)
        write_notebook(out, version)
        paths.append(out)
    config = course / "nbgrader_config.py"
    if not config.exists():
        _internal.write_atomically(config, NBGRADER_CONFIG.encode("utf-8"))
    return paths[0], paths[1], points


def _assignment_name(name) -> str:
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_][\w.-]*", name):
        raise ValueError(f"assignment must be a name of letters, digits, '_', '-' or '.', "
                         f"got {name!r}")
    return name


def _graded_versions(src: Path, make) -> tuple[list, int]:
    """``make(notebook)`` of the notebook at ``src`` (its versions, then its points) as
    ``(versions, points)``; its errors name ``src``, as does a notebook with nothing to grade."""
    notebook = read_notebook(src)
    try:
        *versions, points = make(notebook)
    except ValueError as e:
        raise ValueError(f"{src}: {e}") from None
    if points == 0:
        raise ValueError(f"{src}: no check cells to grade (a code cell calling "
                         "exercises.check_... after a '# SOLUTION: name' cell)")
    return versions, points


# --- otter-grader ----------------------------------------------------------------------------


def _raw(text: str) -> dict:
    return {"cell_type": "raw", "id": "", "metadata": {}, "source": text}


def _free_names(code: str) -> list[str]:
    """The names ``code`` reads that it does not define, builtins left out, in order."""
    tree = ast.parse(code)
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
              and isinstance(n.ctx, ast.Store)}
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in stored \
                and not hasattr(builtins, n.id) and n.id not in out:
            out.append(n.id)
    return out


def _otter_test(call: str, name: str, hidden: bool) -> dict:
    """A code cell holding one exception-based test: the check inside ``grading()``."""
    params = ["exercises"] + [n for n in _free_names(call) if n != "exercises"]
    body = "\n".join("        " + line for line in call.split("\n"))
    source = (f'""" # BEGIN TEST CONFIG\npoints: 1\nhidden: {str(hidden).lower()}\n'
              f'""" # END TEST CONFIG\ndef {name}({", ".join(params)}):\n'
              f"    with exercises.grading():  # a failed check raises: the test fails\n{body}")
    return {"cell_type": "code", "id": "", "metadata": {}, "source": source, "outputs": [],
            "execution_count": None}


def otter_master(notebook: dict, name: str) -> tuple[dict, int]:
    """The source as otter-grader's master notebook (``otter assign``'s input) and its
    points: an assignment config, then per exercise a question (``ex1``, ...) holding
    its section, the answer as a solution block and a test per check call (hidden
    ones hidden); the check cells themselves become the tests (``otter assign``
    writes ``grader.check("ex1")`` in their place)."""
    plan = exercise_plan(notebook)
    master = json.loads(json.dumps(notebook))
    config = (f"# ASSIGNMENT CONFIG\nname: {name}\ninit_cell: true\ncheck_all_cell: false\n"
              "export_cell: false\nrun_tests: false\ntests:\n  ok_format: false")
    cells, total, open_exercise, tests = [_raw(config)], 0, 0, 0
    for e in plan + [{"kind": "end", "exercise": -1}]:
        if e["exercise"] != open_exercise:
            if open_exercise:
                cells.append(_raw("# END QUESTION"))
            if e["exercise"] > 0:
                points = sum(_points(x) for x in plan
                             if x["exercise"] == e["exercise"] and x["kind"] == "check")
                cells.append(_raw(f"# BEGIN QUESTION\nname: ex{e['exercise']}\n"
                                  f"points: {points}"))
            open_exercise = max(e["exercise"], 0)
        if e["kind"] == "end":
            break
        cell = master["cells"][e["index"]]
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        if e["kind"] == "answer":
            cell["source"] = (_placeholders(e["names"]) + "# BEGIN SOLUTION NO PROMPT\n"
                              f"{e['body'].strip()}\n# END SOLUTION")
            cells += [_raw("# BEGIN SOLUTION"), cell, _raw("# END SOLUTION")]
        elif e["kind"] == "check":
            calls = [(c, False) for c in e["checks"]] + [(c, True) for c in e["hidden_checks"]]
            cells.append(_raw("# BEGIN TESTS"))
            for call, hidden in calls:
                tests += 1
                cells.append(_otter_test(call, f"test_{tests}", hidden))
            cells.append(_raw("# END TESTS"))
            total += len(calls)
        else:
            cells.append(cell)
    for k, cell in enumerate(cells):
        if cell.get("id") == "":  # a new cell: an id of its own (nbformat 4.5)
            cell["id"] = f"otter-{k}"
    master["cells"] = cells
    return master, total


def write_otter(src, out_dir) -> tuple[Path, int]:
    """Write otter-grader's master notebook of ``src`` into the folder ``out_dir``
    (made if missing), under the notebook's name; ``otter assign`` turns it into the
    student version and the autograder. Returns its path and the points."""
    src, out_dir = Path(src), Path(out_dir)
    (master,), points = _graded_versions(
        src, lambda notebook: otter_master(notebook, _assignment_name(src.stem)))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / src.name
    write_notebook(path, master)
    return path, points
