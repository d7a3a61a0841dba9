"""Every teaching notebook executes top to bottom; the numbers each one claims are
asserted in its own cells, so a wrong engine fails here."""

import json
import os
import re

import nbformat
import pytest
from nbclient import NotebookClient

from autograd import exercises
from tests import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError, with the failing cell, on any error
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_are_reproducible(path):
    """Committed with outputs (they read well on GitHub) but nothing that changes per run."""
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c.get("outputs") is not None for c in code)
    assert any(c["outputs"] for c in code), "commit the notebook with its outputs"
    text = path.read_text()
    assert not re.search(r" at 0x[0-9a-f]{6,}", text), "a memory address in an output"
    assert '"execution": {' not in text, "cell timings in the metadata"
    # a live widget's output without its saved state shows "model not found" in Jupyter:
    # commit the picture beside it instead (the playground's still PNG)
    assert "application/vnd.jupyter.widget-view+json" not in text, "a widget view in the outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_stay_small(path):
    """Players show their steps as data over one drawing, so outputs stay small:
    over 2 MB of outputs a notebook is slow to open and to review."""
    nb = json.loads(path.read_text())
    size = sum(len(json.dumps(c.get("outputs", []))) for c in nb["cells"]
               if c["cell_type"] == "code")
    assert size <= 2_000_000, f"{path.name}: {size / 1e6:.1f} MB of outputs"


def _outputs_text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_the_exercise_notebook_sums_up_every_check():
    """Notebook 10 (the teacher's copy) ends with the summary: all 9 checks done."""
    nb = nbformat.read(ROOT / "notebooks" / "10_exercises.ipynb", as_version=4)
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert last.source.startswith("exercises.summary()")
    assert _outputs_text(last).startswith("exercises: 9 done, 0 wrong, 0 not done yet")


def test_stripped_notebook_runs_to_its_end_saying_not_done_at_every_check(tmp_path):
    """The student version of notebook 10 (solutions stripped) runs to the end, as Run
    All does: no error stops it, each check says "not done yet", and the last cell sums
    up: 0 done, 0 wrong, 9 not done yet."""
    out = tmp_path / "student.ipynb"
    exercises.strip_notebook(ROOT / "notebooks" / "10_exercises.ipynb", out)
    nb = nbformat.read(out, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env={**os.environ, "PYTHONPATH": str(ROOT)})  # this checkout's autograd
    checks = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("exercises.")
              and "summary" not in c.source]
    assert len(checks) == 9
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    said = " ".join(_outputs_text(c) for c in checks)
    assert said.count("○ ") == 9 and said.count("not done yet") == 9 and "placeholder `...`" \
        in said
    for words in ("L.grad", "rule for sigmoid", "rule for tanh", "rule for div", "your loss",
                  "δ of layer L2", "δ of layer L1", "new velocity", "your op"):
        assert words in said
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert _outputs_text(last).startswith("exercises: 0 done, 0 wrong, 9 not done yet")
