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


# --- committed notebooks, opened untrusted in a real JupyterLab, without running them ----------

DOT_IDS = re.compile(r"\bl\d+_\d+\b|\bdigraph\b|GraphDrawing\(|\b[vo]\d+ -> ")


def _expected_pictures(path) -> int:
    """How many pictures the committed outputs hold: each image/png output (a drawing, a
    figure, a player's still beside its HTML is shown as HTML instead) and each <img> in
    an HTML output (a player's still frames)."""
    count = 0
    for cell in nbformat.read(path, as_version=4).cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/html" in data:
                count += data["text/html"].count("<img ")
            elif "image/png" in data:
                count += 1
    return count


READ_OUTPUTS = """
return Array.from(document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')).map(o => ({
  text: o.innerText,
  images: Array.from(o.querySelectorAll('img')).map(i => [i.complete, i.naturalWidth,
                                                          i.naturalHeight, i.clientWidth])}));
"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a copy of the committed notebooks (as from a fresh clone: never
    trusted)."""
    import shutil

    from tests.player import jupyterlab

    root = tmp_path_factory.mktemp("clone")
    for path in NOTEBOOKS:
        shutil.copy(path, root / path.name)
    with jupyterlab(root) as url:
        yield url


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_are_pictures_in_jupyterlab_before_anything_runs(lab_driver, lab,
                                                                           path):
    """Opened untrusted in JupyterLab 4 (headless Chromium) without running a cell: every
    drawing, figure and player still is an image with a real size, and no output is a wall
    of DOT ids or GraphDrawing(...) text (JupyterLab shows no SVG or script untrusted)."""
    from tests.player import lab_open, wait_for

    lab_open(lab_driver, lab, path.name)
    expected = _expected_pictures(path)

    def outputs():
        shown = lab_driver.execute_script(READ_OUTPUTS)
        images = [i for o in shown for i in o["images"]]
        return shown if len(images) >= expected and all(i[0] for i in images) else None

    shown = wait_for(lab_driver, outputs, f"the {expected} pictures of {path.name}", timeout=60)
    images = [i for o in shown for i in o["images"]]
    assert len(images) == expected
    assert all(w >= 100 and h >= 50 and shown_w > 0 for _, w, h, shown_w in images), images
    walls = [o["text"][:200] for o in shown if DOT_IDS.search(o["text"])]
    assert walls == [] and shown


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_name_each_neuron_and_layer_one_way(path):
    """Sources and committed outputs name a neuron L1N3 and a layer L1 (nn.graph), never
    L0N2, layers.0 / neurons.2 or layer 1."""
    from tests.player import other_name_forms

    texts = []
    for cell in nbformat.read(path, as_version=4).cells:
        texts.append(cell.source)
        for out in cell.get("outputs", []):
            texts.append(out.get("text", ""))
            texts += [out.get("data", {}).get(k, "") for k in ("text/plain", "text/html")]
    assert [hit for t in texts for hit in other_name_forms(t)] == []
