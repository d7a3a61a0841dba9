"""autograd.viz.explore: change a leaf, every value and gradient recomputed by the engine
and redrawn in place; and the same in a real JupyterLab (headless Chromium): change a
weight on the page, read its new gradient off the drawing, compare with backward()."""

import re

import pytest

from autograd import Value, topological_order
from autograd.viz import explore
from autograd.viz.style import fmt
from tests.autograd.graphs import tanh_neuron


def neuron(w1=-3.0, x1=2.0):
    """The README neuron with other numbers, built afresh: the reference."""
    leaves = dict(x1=Value(x1, label="x1"), x2=Value(0.0, label="x2"),
                  w1=Value(w1, label="w1"), w2=Value(1.0, label="w2"),
                  b=Value(6.8813735870195432, label="b"))
    n = Value.sum([leaves["x1"] * leaves["w1"], leaves["x2"] * leaves["w2"], leaves["b"]])
    return n.tanh(), leaves


def boxes(svg: str) -> dict:
    """Each value box's position in a drawing (its first polygon's points)."""
    return dict(re.findall(r'<g id="(v\d+)" class="node">\s*<title>[^<]*</title>\s*'
                           r'<polygon[^>]*points="([^"]+)"', svg))


def test_a_changed_weight_recomputes_every_value_and_gradient_with_the_engine():
    o = tanh_neuron()
    leaves = {v.label: v for v in topological_order(o) if v.is_leaf}
    ex = explore(o)
    assert list(ex.leaves) == ["x1", "w1", "x2", "w2", "b"]
    before = ex.drawing()
    assert leaves["w1"].grad == 0.0  # the explorer leaves the learner's .grad alone
    ex.set("w1", -2.5)
    reference, ref_leaves = neuron(w1=-2.5)
    reference.backward()
    assert ex.root.data == reference.data and leaves["w1"].data == -2.5
    for name, leaf in leaves.items():
        assert ex.grads[leaf] == ref_leaves[name].grad, name
    assert leaves["w1"].grad == 0.0
    after = ex.drawing()
    assert f"grad {fmt(ref_leaves['w1'].grad)}" in after.source
    assert "data -2.5000" in after.source and "data -3.0000" not in after.source
    assert f"data {fmt(reference.data)}" in after.source
    assert boxes(after.svg()) == boxes(before.svg())  # the same layout: nothing moves
    assert "w1: -3.0000 → -2.5000" in ex.message and f"∂o/∂w1 = {fmt(ref_leaves['w1'].grad)}" \
        in ex.message
    ex.set(leaves["x1"], 1.0)  # a Value works too
    reference, ref_leaves = neuron(w1=-2.5, x1=1.0)
    reference.backward()
    assert ex.grads[leaves["w1"]] == ref_leaves["w1"].grad
    ex.reset()
    assert (leaves["w1"].data, leaves["x1"].data) == (-3.0, 2.0)
    assert abs(ex.root.data - 0.7071) < 1e-4


def test_a_number_the_graph_cannot_take_is_refused_and_nothing_changes():
    x = Value(2.0, label="x")
    y = (x.log() * 3).exp()
    ex = explore(y)
    with pytest.raises(ValueError, match="x = -1.0: log"):
        ex.set("x", -1.0)
    assert x.data == 2.0 and ex.root.data == pytest.approx(8.0)
    with pytest.raises(ValueError, match="leaf must be one of x, got 'z'"):
        ex.set("z", 1.0)
    with pytest.raises(TypeError, match="Value.data"):
        ex.set("x", "one")
    with pytest.raises(TypeError, match="explore expects a Value"):
        explore(3.0)
    with pytest.raises(ValueError, match="root is a leaf"):
        explore(x)
    with pytest.raises(ValueError, match="no leaf to change"):
        explore(Value(1.0) * Value(2.0))
    with pytest.raises(ValueError, match="'q' is not a leaf of this graph"):
        explore(y, leaves=["q"])
    assert list(explore(y, leaves=[x]).leaves) == ["x"]


def test_without_a_kernel_it_shows_the_drawing_as_png():
    import base64

    from tests.layout import png_size

    bundle = explore(tanh_neuron())._repr_mimebundle_()
    assert png_size(base64.b64decode(bundle["image/png"]))[0] > 300
    assert bundle["text/plain"].startswith("Explorer(o = 0.7071; change x1, w1, x2, w2, b")


# --- in a real JupyterLab -----------------------------------------------------------------------

CELL = """from autograd import Value
from autograd.viz import explore
x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(6.8813735870195432, label="b")
o = Value.sum([x1 * w1, x2 * w2, b]).tanh()
ex = explore(o)
ex"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    import nbformat

    from tests.player import jupyterlab

    root = tmp_path_factory.mktemp("explore")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(CELL)]
    nbformat.write(nb, root / "explore.ipynb")
    with jupyterlab(root) as url:
        yield url


def test_change_a_weight_on_the_page_and_read_its_gradient(lab_driver, lab):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    from tests.player import lab_open, lab_run_cell, wait_for

    driver = lab_driver
    lab_open(driver, lab, "explore.ipynb")
    lab_run_cell(driver, 0, ".glx-picture svg")
    o, _ = neuron()
    index = {v.label: i for i, v in enumerate(topological_order(o)) if v.label}

    def grad_on_page(name):
        return driver.execute_script(
            "const g = document.querySelector('.glx-picture g[id=\"v' + arguments[0] + '\"]');"
            "const t = g ? g.querySelectorAll('text') : [];"
            "return t.length ? t[t.length - 1].textContent : null;", index[name])

    assert grad_on_page("w1") == "grad 1.0000"  # x1 * upstream 0.5
    Select(driver.find_element(By.CSS_SELECTOR, ".jp-OutputArea .widget-dropdown select")) \
        .select_by_visible_text("w1")
    box = driver.find_element(By.CSS_SELECTOR, ".jp-OutputArea .widget-text input")
    driver.execute_script("arguments[0].select()", box)
    box.send_keys("-2.5", Keys.ENTER)
    reference, leaves = neuron(w1=-2.5)
    reference.backward()
    expected = f"grad {fmt(leaves['w1'].grad)}"
    wait_for(driver, lambda: grad_on_page("w1") == expected,
             f"w1's new gradient {expected} on the page (it shows {grad_on_page('w1')})",
             timeout=30)
    assert grad_on_page("x1") == f"grad {fmt(leaves['x1'].grad)}"
    status = driver.find_element(By.CSS_SELECTOR, ".jp-OutputArea .glx-status").text
    assert status.startswith("w1: -3.0000 → -2.5000") and fmt(reference.data) in status
    errors = driver.find_elements(By.CSS_SELECTOR,
                                  ".jp-OutputArea-output[data-mime-type*='error']")
    assert errors == []
