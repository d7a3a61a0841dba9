"""autograd.exercises.graders: notebook 10 as nbgrader and otter-grader read it, tested with
the graders themselves: the student version generated, a right and a wrong submission
filled in, both autograded, their scores asserted, and the checks' feedback found in the
graders' output."""

import copy
import csv
import json
import os
import subprocess
import sys

import pytest

from autograd import exercises
from autograd.exercises import graders
from tests import ROOT

NOTEBOOK = ROOT / "notebooks" / "10_exercises.ipynb"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
TEACHER = json.loads(NOTEBOOK.read_text())
SOLUTIONS = ["".join(c["source"]).split("\n", 1)[1] for c in TEACHER["cells"]
             if "".join(c["source"]).startswith("# SOLUTION")]
# the wrong submission: tanh' written with the input (2 points: a visible and a hidden
# check), the cross-entropy gradient as t - p (1 point); 13 - 3 = 10
WRONG = {2: lambda body: body.replace("1 - math.tanh(x) ** 2", "1 - x ** 2"),
         3: lambda body: body.replace("p_k - t_k", "t_k - p_k")}
TANH_FEEDBACK = ("tanh's local gradient: wrong at x = -2", "expected: 0.07065082485",
                 "Hint: tanh'(x) = 1 - tanh(x)^2. Your rule is 1 - x^2")
CE_FEEDBACK = ("cross-entropy gradient: wrong gradient[0] (class 0)", "expected: -0.870017461",
               "Yours is t − p")


def run(*args, cwd):
    done = subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


def code_of(notebook: dict) -> str:
    return "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")


def answered(student: dict, is_answer, wrong=None) -> dict:
    """The student version with every answer cell filled in (the teacher's solution),
    the k-th answer (from 1) changed by ``wrong[k]``."""
    nb, k = copy.deepcopy(student), 0
    for cell in nb["cells"]:
        if is_answer(cell):
            k += 1
            body = SOLUTIONS[k - 1]
            cell["source"] = (wrong or {}).get(k, lambda b: b)(body)
    assert k == len(SOLUTIONS) == 6
    return nb


def test_the_plan_of_notebook_10():
    plan = graders.exercise_plan(TEACHER)
    answers = [e for e in plan if e["kind"] == "answer"]
    checks = [e for e in plan if e["kind"] == "check"]
    assert [e["exercise"] for e in answers] == [1, 2, 3, 4, 5, 6]
    assert len(checks) == 9 and sum(len(e["checks"]) for e in checks) == 9
    assert [len(e["hidden_checks"]) for e in checks] == [0, 1, 1, 1, 0, 0, 0, 0, 1]
    assert all("at=" in c for e in checks for c in e["hidden_checks"])
    # the wrong-answer demo calls a checker too, but it is no exercise's check
    demo = next(e for e in plan if "lambda x: 1 - x ** 2" in "".join(e["cell"]["source"]))
    assert demo["kind"] == "code" and demo["exercise"] == 0


@pytest.mark.slow
def test_nbgrader_grades_a_right_and_a_wrong_submission(tmp_path):
    course = tmp_path / "course"
    assert exercises.main(["--nbgrader", str(NOTEBOOK), "-o", str(course),
                           "--assignment", "ps1"]) == 0
    source = json.loads((course / "source" / "ps1" / NOTEBOOK.name).read_text())
    ours = json.loads((course / "release" / "ps1" / NOTEBOOK.name).read_text())
    graded = [c["metadata"]["nbgrader"] for c in source["cells"]
              if c["metadata"].get("nbgrader", {}).get("grade")]
    assert sum(m["points"] for m in graded) == 13 and len(graded) == 9
    assert len({m["grade_id"] for m in graded}) == 9 and graded[0]["grade_id"] == "ex1-check-1"
    teacher_code, student_code = code_of(source), code_of(ours)
    assert teacher_code.count("### BEGIN SOLUTION") == 6
    assert teacher_code.count("### BEGIN HIDDEN TESTS") == 4
    assert "BEGIN" not in student_code and "at=[" not in student_code
    assert "math.tanh(x) ** 2" not in student_code and "# SOLUTION" not in student_code

    run("nbgrader", "generate_assignment", "ps1", "--force", cwd=course)
    release = json.loads((course / "release" / "ps1" / NOTEBOOK.name).read_text())
    assert len(release["cells"]) == len(ours["cells"])
    for theirs, mine in zip(release["cells"], ours["cells"]):  # nbgrader's release is ours
        assert "".join(theirs["source"]) == "".join(mine["source"])
        meta = dict(theirs["metadata"].get("nbgrader", {}))
        meta.pop("checksum", None), meta.pop("cell_type", None)
        assert meta == mine["metadata"].get("nbgrader", {})

    def is_answer(cell):
        return cell["metadata"].get("nbgrader", {}).get("solution", False)
    for student, wrong in (("alice", None), ("bob", WRONG)):
        folder = course / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        (folder / NOTEBOOK.name).write_text(json.dumps(answered(ours, is_answer, wrong)))
    run("nbgrader", "autograde", "ps1", "--force", cwd=course)
    run("nbgrader", "export", cwd=course)
    with open(course / "grades.csv") as f:
        scores = {row["student_id"]: (float(row["score"]), float(row["max_score"]))
                  for row in csv.DictReader(f)}
    assert scores == {"alice": (13.0, 13.0), "bob": (10.0, 13.0)}

    # the checks' feedback is in the autograded notebook: what, where, expected, the hint
    bob = json.loads((course / "autograded" / "bob" / "ps1" / NOTEBOOK.name).read_text())
    errors = {c["metadata"]["nbgrader"]["grade_id"]: o for c in bob["cells"]
              for o in c.get("outputs", []) if o["output_type"] == "error"}
    assert sorted(errors) == ["ex2-check-2", "ex3-check-1"]
    assert errors["ex2-check-2"]["ename"] == "WrongAnswer"
    assert all(words in errors["ex2-check-2"]["evalue"] for words in TANH_FEEDBACK)
    assert all(words in errors["ex3-check-1"]["evalue"] for words in CE_FEEDBACK)


@pytest.mark.slow
def test_otter_grades_a_right_and_a_wrong_submission(tmp_path):
    assert exercises.main(["--otter", str(NOTEBOOK), "-o", str(tmp_path)]) == 0
    master = tmp_path / NOTEBOOK.name
    run("otter", "assign", str(master), "dist", cwd=tmp_path)
    student = json.loads((tmp_path / "dist" / "student" / NOTEBOOK.name).read_text())
    code = code_of(student)
    assert "math.tanh(x) ** 2" not in code and "at=[" not in code and "BEGIN" not in code
    assert [f'grader.check("ex{k}")' in code for k in range(1, 7)] == [True] * 6
    autograder, = (tmp_path / "dist" / "autograder").glob("*.zip")

    def is_answer(cell):
        return "otter_answer_cell" in cell["metadata"].get("tags", [])
    results = {}
    for name, wrong in (("alice", None), ("bob", WRONG)):
        (tmp_path / f"{name}.ipynb").write_text(json.dumps(answered(student, is_answer, wrong)))
        (tmp_path / name).mkdir()
        run("otter", "run", "-a", str(autograder), "-o", name, f"{name}.ipynb", cwd=tmp_path)
        results[name] = json.loads((tmp_path / name / "results.json").read_text())["tests"]
    scores = {name: (sum(t["score"] for t in tests if "score" in t),
                     sum(t["max_score"] for t in tests if "max_score" in t))
              for name, tests in results.items()}
    assert scores == {"alice": (13, 13), "bob": (10, 13)}
    lost = {t["name"]: t for t in results["bob"] if t.get("score", 0) < t.get("max_score", 0)}
    assert sorted(lost) == ["ex2", "ex3"] and lost["ex2"]["score"] == 4
    assert all(words in lost["ex2"]["output"] for words in TANH_FEEDBACK)
    assert all(words in lost["ex3"]["output"] for words in CE_FEEDBACK)


def test_the_otter_tests_run_each_check_inside_grading():
    master, points = graders.otter_master(TEACHER, "ps1")
    tests = ["".join(c["source"]) for c in master["cells"]
             if "def test_" in "".join(c["source"])]
    assert points == 13 and len(tests) == 13
    assert sum("hidden: true" in t for t in tests) == 4
    first = tests[0]
    assert "def test_1(exercises, L):" in first and "with exercises.grading():" in first
    namespace = {}
    exec(first.split('""" # END TEST CONFIG\n')[1], namespace)  # a function of the names
    assert list(namespace["test_1"].__code__.co_varnames[:2]) == ["exercises", "L"]
    raws = [("".join(c["source"])).split("\n")[0] for c in master["cells"]
            if c["cell_type"] == "raw"]
    assert raws[0] == "# ASSIGNMENT CONFIG" and raws.count("# BEGIN QUESTION") == 6
    assert raws.count("# END QUESTION") == 6 and raws.count("# BEGIN TESTS") == 9


def tiny(*cells):
    def cell(source, kind="code"):
        extra = {"outputs": [], "execution_count": None} if kind == "code" else {}
        return {"cell_type": kind, "metadata": {}, "source": source, **extra}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [cell(s) if isinstance(s, str) else cell(*s) for s in cells]}


def test_a_section_without_an_answer_has_no_graded_cell(tmp_path, capsys):
    nb = tiny(("## warm-up", "markdown"), "exercises.check_backward(L)",
              ("## 1. rules", "markdown"), "# SOLUTION: rule\ndef rule(x):\n    return 1",
              "exercises.check_local_gradient('exp', rule)\nprint('done')")
    plan = graders.exercise_plan(nb)
    assert [e["kind"] for e in plan] == ["text", "code", "text", "answer", "check"]
    assert plan[4]["checks"] == ["exercises.check_local_gradient('exp', rule)"]
    teacher, student, points = graders.nbgrader_versions(nb)
    assert points == 1 and teacher["cells"][1]["metadata"]["nbgrader"]["locked"]
    assert "".join(student["cells"][3]["source"]) == f"rule = ...\n{graders.STUB}"
    src = tmp_path / "plain.ipynb"
    src.write_text(json.dumps(tiny("x = 1")))
    for flag in ("--nbgrader", "--otter"):
        assert exercises.main([flag, str(src), "-o", str(tmp_path / "out")]) == 1
        assert "no check cells to grade" in capsys.readouterr().err


def test_bad_markers_and_arguments_give_clear_errors(tmp_path, capsys):
    nb = tiny("# SOLUTION: rule\nrule = 1",
              "exercises.check_local_gradient('exp', rule)\n### BEGIN HIDDEN TESTS\nx = 1")
    with pytest.raises(ValueError, match="cell 1: '### BEGIN HIDDEN TESTS' without"):
        graders.nbgrader_versions(nb)
    with pytest.raises(ValueError, match="cell 1 is not valid Python"):
        graders.exercise_plan(tiny("# SOLUTION: rule\nrule = 1", "check_it(("))
    with pytest.raises(ValueError, match="assignment must be a name"):
        graders.write_nbgrader(NOTEBOOK, tmp_path, assignment="../up")
    with pytest.raises(SystemExit):
        exercises.main(["--nbgrader", str(NOTEBOOK), "--in-place"])
    assert "--in-place goes with --strip only" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        exercises.main(["--otter", str(NOTEBOOK), "-o", str(tmp_path), "--assignment", "a"])
    assert "--assignment goes with --nbgrader only" in capsys.readouterr().err


def test_both_writers_name_the_file_and_write_nothing_on_a_bad_notebook(tmp_path):
    src = tmp_path / "bad.ipynb"
    src.write_text(json.dumps(tiny("# SOLUTION: rule\nrule = 1",
                                   "exercises.check_local_gradient('exp', rule)\n"
                                   "### END HIDDEN TESTS")))
    for write in (graders.write_nbgrader, graders.write_otter):
        with pytest.raises(ValueError, match=r"bad\.ipynb: cell 1: '### END HIDDEN TESTS'"):
            write(src, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_course_config_is_written_once(tmp_path):
    graders.write_nbgrader(NOTEBOOK, tmp_path)
    config = tmp_path / "nbgrader_config.py"
    assert "c.ClearSolutions.code_stub" in config.read_text()
    config.write_text("c = get_config()  # the teacher's own\n")
    teacher, student, points = graders.write_nbgrader(NOTEBOOK, tmp_path)
    assert config.read_text() == "c = get_config()  # the teacher's own\n"
    assert teacher == tmp_path / "source" / "10_exercises" / NOTEBOOK.name and points == 13
    assert student.parent.parent.name == "release"
