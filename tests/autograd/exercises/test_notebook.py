"""autograd.exercises.notebook: the strip script leaves no solution in the student version,
never touches its input, and says what is wrong with a bad file."""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograd import Value, exercises
from tests import ROOT

NOTEBOOK = ROOT / "notebooks" / "10_exercises.ipynb"


def solution_cells(nb):
    return [c for c in nb["cells"]
            if c["cell_type"] == "code" and "".join(c["source"]).startswith("# SOLUTION")]


def test_strip_leaves_no_solution_and_keeps_every_other_cell(tmp_path):
    before = NOTEBOOK.read_bytes()
    out = tmp_path / "student.ipynb"
    assert exercises.main(["--strip", str(NOTEBOOK), "-o", str(out)]) == 0
    assert NOTEBOOK.read_bytes() == before  # the input is never touched
    teacher, student = json.loads(before), json.loads(out.read_text())
    assert len(solution_cells(teacher)) == 6
    assert len(student["cells"]) == len(teacher["cells"])
    text = out.read_text()
    student_code = "\n".join("".join(c["source"]) for c in student["cells"]
                             if c["cell_type"] == "code")
    for cell in solution_cells(teacher):
        body = "".join(cell["source"]).splitlines()
        names = [n.strip() for n in body[0].split(":", 1)[1].split(",")]
        code = [ln.strip() for ln in body[1:] if ln.strip() and not ln.strip().startswith("#")]
        assert code and not any(ln in student_code for ln in code)
        assert all(f"{n} = ..." in student_code for n in names)
    hidden = 0
    for t, s in zip(teacher["cells"], student["cells"]):
        source = "".join(t["source"])
        if "### BEGIN HIDDEN TESTS" in source:  # a check cell: its hidden checks taken out
            hidden += 1
            visible = source.split("### BEGIN HIDDEN TESTS")[0]
            assert "".join(s["source"]) == visible.rstrip("\n") and "check_" in visible
        elif t not in solution_cells(teacher):
            assert s["source"] == t["source"]  # statements and checker cells kept
        if s["cell_type"] == "code":
            assert s["outputs"] == [] and s["execution_count"] is None
    assert hidden == 4 and "HIDDEN" not in student_code and "at=" not in student_code
    assert solution_cells(student) == [] and "SOLUTION" not in student_code
    nbformat.validate(nbformat.reads(text, as_version=4))


def test_strip_as_a_module_command(tmp_path):
    out = tmp_path / "student.ipynb"
    run = subprocess.run([sys.executable, "-m", "autograd.exercises", "--strip", str(NOTEBOOK),
                          "-o", str(out)], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    assert "6 solution cells stripped" in run.stdout and out.exists()


def test_strip_refuses_to_overwrite_its_input_unless_asked(tmp_path, capsys):
    copy = tmp_path / "teacher.ipynb"
    copy.write_bytes(NOTEBOOK.read_bytes())
    link = tmp_path / "link.ipynb"
    link.symlink_to(copy)
    for target in (copy, link):
        assert exercises.main(["--strip", str(copy), "-o", str(target)]) == 1
        assert "refusing to overwrite" in capsys.readouterr().err
    assert copy.read_bytes() == NOTEBOOK.read_bytes()
    assert exercises.main(["--strip", str(copy), "--in-place"]) == 0
    assert len(solution_cells(json.loads(copy.read_text()))) == 0
    with pytest.raises(SystemExit) as info:  # neither -o nor --in-place
        exercises.main(["--strip", str(copy)])
    assert info.value.code == 2


def test_strip_writes_atomically(tmp_path, monkeypatch):
    out = tmp_path / "student.ipynb"
    out.write_text("the previous student version")
    renames = []

    def failing_replace(src, dst):
        renames.append((Path(src), Path(dst)))
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        exercises.strip_notebook(NOTEBOOK, out)
    (tmp, dst), = renames
    assert tmp.parent == out.parent and tmp != out and dst == out  # a temporary file beside it
    assert out.read_text() == "the previous student version"  # never half a file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["student.ipynb"]  # no leftovers


@pytest.mark.parametrize("content, words", [
    (None, "no such notebook"),
    ("not json {", "not a Jupyter notebook (not JSON"),
    ('{"cells": "nope"}', "not a Jupyter notebook (nbformat 4"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": "# SOLUTION\nx = 1", "metadata": {}, "outputs": [],
         "execution_count": None}]}), "cell 0 is marked # SOLUTION but does not name"),
])
def test_strip_bad_input_gives_a_clear_error(tmp_path, capsys, content, words):
    src = tmp_path / "in.ipynb"
    if content is not None:
        src.write_text(content)
    out = tmp_path / "out.ipynb"
    assert exercises.main(["--strip", str(src), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and words in err and not out.exists()


def test_strip_errors_name_the_file_once(tmp_path):
    src, out = tmp_path / "bad.ipynb", tmp_path / "out.ipynb"
    with pytest.raises(FileNotFoundError) as info:
        exercises.strip_notebook(src, out)
    assert str(info.value) == f"{src}: no such notebook"
    src.write_text('{"cells": "nope"}')
    with pytest.raises(ValueError) as info:
        exercises.strip_notebook(src, out)
    assert str(info.value) == f"{src}: not a Jupyter notebook (nbformat 4 with a list of cells)"
    src.write_text("not json {")
    with pytest.raises(ValueError) as info:
        exercises.strip_notebook(src, out)
    assert str(info.value).startswith(f"{src}: not a Jupyter notebook (not JSON: ")
    assert str(info.value).count(str(src)) == 1 and not out.exists()


def test_strip_solutions_marks_and_placeholders():
    def cell(source, kind="code"):
        extra = {"outputs": [{"output_type": "stream", "name": "stdout", "text": "42"}],
                 "execution_count": 3} if kind == "code" else {}
        return {"cell_type": kind, "metadata": {}, "source": source, **extra}

    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        cell("\n# SOLUTION: rule, L.grad\ndef rule(x):\n    return 2 * x\nL.grad = 1.0"),
        cell(["# SOLUTIONS are discussed below\n", "x = 1"]),  # not the mark
        cell("# SOLUTION: rule", kind="markdown"),  # only code cells hold solutions
        cell("exercises.check_local_gradient('exp', rule)"),
    ]}
    student, count = exercises.strip_solutions(nb)
    assert count == 1 and nb["cells"][0]["outputs"]  # the input dict is not changed
    first = "".join(student["cells"][0]["source"])
    assert first.startswith("# your code here") and first.endswith("rule = ...\nL.grad = ...")
    assert "return 2 * x" not in first
    assert student["cells"][1]["source"] == nb["cells"][1]["source"]
    assert student["cells"][2] == nb["cells"][2]
    assert all(c["outputs"] == [] and c["execution_count"] is None
               for c in student["cells"] if c["cell_type"] == "code")
    namespace = {"L": Value(1.0) * 2}  # made by an earlier cell, as in the notebook
    exec(first, namespace)  # the placeholder runs: no NameError before the check
    assert namespace["rule"] is exercises.TODO and namespace["L"].grad is exercises.TODO
    with pytest.raises(ValueError, match="cell 0 .* does not name its answers"):
        exercises.strip_solutions({**nb, "cells": [cell("# SOLUTION: 2x\nx = 1")]})
    with pytest.raises(ValueError, match="not a Jupyter notebook"):
        exercises.strip_solutions({"nbformat": 3, "cells": []})


def test_split_hidden_tests_parts_and_unmatched_markers():
    from autograd.exercises.notebook import split_hidden_tests, without_hidden_tests
    source = ("a()\n### BEGIN HIDDEN TESTS\nb()\n### END HIDDEN TESTS\nc()\n"
              "### BEGIN HIDDEN TESTS\nd()\n### END HIDDEN TESTS")
    assert split_hidden_tests(source, 3) == ("a()\nc()", "b()\nd()")
    assert without_hidden_tests(source, 3) == "a()\nc()"
    assert split_hidden_tests("a()", 0) == ("a()", "")
    for bad, words in [("### BEGIN HIDDEN TESTS\n### BEGIN HIDDEN TESTS", "inside a hidden"),
                       ("### END HIDDEN TESTS", "END HIDDEN TESTS' without"),
                       ("### BEGIN HIDDEN TESTS\nb()", "BEGIN HIDDEN TESTS' without")]:
        with pytest.raises(ValueError, match=f"cell 7: .*{words}"):
            split_hidden_tests(bad, 7)


def test_strip_warns_when_there_is_nothing_to_strip(tmp_path, capsys):
    src = tmp_path / "plain.ipynb"
    src.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}))
    assert exercises.main(["--strip", str(src), "-o", str(tmp_path / "out.ipynb")]) == 0
    assert "no solution cells" in capsys.readouterr().err


def test_strip_output_folder_must_exist(tmp_path, capsys):
    assert exercises.main(["--strip", str(NOTEBOOK), "-o", str(tmp_path / "no" / "x.ipynb")]) == 1
    assert "no such folder" in capsys.readouterr().err


