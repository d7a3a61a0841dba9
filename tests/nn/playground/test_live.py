"""nn.playground.live: the widget tree's handlers called directly, the live view's own
thread racing the main thread, and the whole live view played in a real JupyterLab
(headless Chromium): its smallest text, no broken image, and notebook 6 after Run All."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import matplotlib  # the test extra installs it; without it these tests fail
import numpy as np
import pytest
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException

from .helpers import grid_of, small

matplotlib.use("Agg")


# --- the widget tree ---------------------------------------------------------------------------


@pytest.fixture
def view():
    pg = small()  # the live view needs ipywidgets: the test extra installs it
    pg.show()
    return pg, pg._front


def test_the_widget_shows_what_the_logic_holds(view):
    pg, v = view
    v._on_step()
    v._on_step()
    pg.play(epochs=2)
    v.refresh()
    drawn = v.panels.drawn
    gx, gy = grid_of(pg, 100)
    np.testing.assert_allclose(drawn["boundary"]["Z"],
                               pg.model.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(100, 100),
                               atol=1e-12)
    assert list(drawn["curves"]["loss"]) == pg.history.loss
    assert list(drawn["curves"]["val_loss"]) == pg.history.val_loss
    np.testing.assert_allclose(drawn["curves"]["norms"][-1], pg.layer_grad_norms())
    # the edges: every weight, layer by layer, neuron j, input i; colour = sign, width = size
    weights = [w.data for layer in pg.model.layers for n in layer.neurons for w in n.w]
    assert list(drawn["network"]["edge_values"]) == weights
    assert drawn["network"]["edge_colours"] == ["#4a6cd4" if w >= 0 else "#d44a4a"
                                                for w in weights]
    order = np.argsort(np.abs(weights))
    assert np.all(np.diff(drawn["network"]["edge_widths"][order]) >= 0)
    assert "δ = ∂E/∂u" in v.neuron_caption.value and v.images["neuron"].value[:4] == b"\x89PNG"
    v._on_edges({"new": "grads"})
    grads = np.concatenate([dW.ravel() for dW, _ in pg.weight_grads()])
    np.testing.assert_allclose(v.panels.drawn["network"]["edge_values"], grads)


def test_buttons_and_knobs_change_the_state_and_the_images(view):
    pg, v = view
    first = v.images["boundary"].value
    v._on_step()
    assert pg.steps == 1 and v.images["boundary"].value != first
    v.controls["lr"].value = 0.3
    assert pg.knobs["lr"] == 0.3 and pg.steps == 1           # a training knob: goes on
    v.layer_sizes[0].value = 6
    assert [la.nout for la in pg.model.layers] == [6, 2, 1] and pg.steps == 0
    v.feature_toggles["x1*x2"].value = True
    assert pg.model.nin == 3 and ("L1N6", (0, 5)) in v.picker.options
    v.picker.value = (1, 1)
    assert v.selected == (1, 1) and v.picker.label == "L2N2"
    assert "<b>L2N2</b>: no batch yet" in v.neuron_caption.value
    v.controls["batch_size"].value = 60                       # more than the 40 points
    assert pg.knobs["batch_size"] == 8 and v.controls["batch_size"].value == 8
    assert "batch_size must be in [1, 40]" in v.status.value
    v._on_step()
    v._on_reset()
    assert pg.steps == 0 and pg.history.epochs == 0
    v._on_regenerate()
    assert pg.knobs["seed"] == 2 and v.controls["seed"].value == 2


def test_play_runs_on_the_event_loop_without_blocking_it(view):
    pg, v = view

    async def press_play_then_pause():
        v._on_play()
        ticks = 0
        while pg.history.epochs < 3:      # the loop runs while this coroutine keeps going
            await asyncio.sleep(0.01)
            ticks += 1
        v._on_pause()
        await v._task
        return ticks

    ticks = asyncio.run(press_play_then_pause())
    assert ticks > 0 and not pg.playing and pg.history.epochs >= 3
    assert v.updates >= 3 and "epoch" in v.status.value


def test_a_fresh_playground_shows_no_broken_image_and_code_redraws_the_view(view):
    pg, v = view
    assert v.images["neuron"].layout.display == "none"  # no picture yet: none shown
    assert "no batch yet" in v.neuron_caption.value
    assert all(v.images[n].value[:4] == b"\x89PNG" for n in ("network", "boundary", "curves"))
    assert [b for b, _ in v.picker.options] == ["L1N1", "L1N2", "L1N3", "L1N4", "L2N1",
                                                   "L2N2", "L3N1"]
    assert [s.description for s in v.layer_sizes[:2]] == ["L1 neurons", "L2 neurons"]
    boundary = v.images["boundary"].value
    pg.play(epochs=3)                     # from code, as a notebook cell does
    assert "epoch 3" in v.status.value and v.images["boundary"].value != boundary
    assert list(v.panels.drawn["curves"]["loss"]) == pg.history.loss
    assert v.images["neuron"].layout.display == "" and v.images["neuron"].value[:4] == b"\x89PNG"
    updates = v.updates
    pg.set(layers=[3])                    # a network knob: drawn again, picker follows
    assert v.updates == updates + 1 and [b for b, _ in v.picker.options] == [
        "L1N1", "L1N2", "L1N3", "L2N1"]
    assert v.images["neuron"].layout.display == "none"


def test_several_classes_in_the_live_view():
    pg = small(data="spiral", classes=3, n_samples=90, layers=[4])
    pg.show()
    v = pg._front
    assert v.view_toggle.layout.display == "" and v.output_table.layout.display == ""
    assert [label for label, _ in v.view_toggle.options] == ["classes", "p(0)", "p(1)", "p(2)"]
    assert "after the first batch" in v.output_table.value
    v._on_step()
    v.refresh()
    d = pg.output_deltas()
    table = v.output_table.value
    assert "δ = ∂E/∂u = p − t" in table and "δ (mean)" in table
    assert all(f"{x:+.3f}" in table for x in list(d["delta"]) + list(d["p_minus_t"][0]))
    assert "regions" in v.panels.drawn["boundary"]
    assert v.images["neuron"].layout.display == "" and "could not" not in v.neuron_caption.value
    v._on_pick({"new": (1, 2)})  # the output neuron of class 2: its probability map
    assert v.boundary_view == 2 and v.view_toggle.value == 2
    assert v.panels.drawn["boundary"]["view"] == 2 and "p(class 2)" in v.captions["boundary"].value
    v.view_toggle.value = -1  # back to the classes
    assert v.boundary_view is None and v.panels.drawn["boundary"]["view"] is None
    v.controls["classes"].value = 5  # the slider: five arms, the softmax over five outputs
    assert pg.classes == 5 and pg.model.layers[-1].nout == 5 and len(v.view_toggle.options) == 6
    v.controls["classes"].value = 2
    v.controls["loss"].value = "bce"
    assert v.view_toggle.layout.display == "none" and v.output_table.layout.display == "none"


def test_the_live_view_offers_the_runs_setup_to_copy(view):
    import html as html_module

    import nn

    pg, v = view
    pg.play(epochs=1)
    v.refresh()
    box = v.setup_box.value
    line = html_module.unescape(box.split('value="')[1].split('"')[0])
    assert line == pg.setup().text and "copy setup" in box and "clipboard" in box
    assert nn.playground(setup=line).history.loss == pg.history.loss
    v.refresh(full=False)  # while playing: the setup would be stale at once
    assert "pause to copy it" in v.setup_box.value


def test_a_slider_echoing_its_value_rounded_keeps_the_training():
    """Shown in JupyterLab, the test fraction's slider sends 0.1 + 2 × 0.1 back for 0.3
    (notebook 6's value): the trained playground stays (it used to start again)."""
    pg = small(test_fraction=0.3)
    pg.play(epochs=3)
    pg.show()
    view = pg._front
    view.controls["test_fraction"].value = 0.1 + 0.1 * 2
    assert pg.epoch == 3 and pg.batch is not None and "epoch 3" in view.status.value


def test_the_live_views_thread_and_the_main_thread_share_one_lock(view):
    """Play without an event loop trains in the live view's own thread; the main
    thread meanwhile draws a neuron's graph, the figure and reads the views. After
    Pause the weights are exactly those of an undisturbed run of as many steps."""
    pg, v = view
    quiet = small()
    pg.play()                              # no running loop here: a thread
    assert v._thread is not None and v._thread.is_alive()
    reads, deadline = 0, time.monotonic() + 120
    while (pg.steps < 60 or reads < 6) and time.monotonic() < deadline:
        if pg.steps:
            pg.neuron_graph(reads % 3, 0)
            pg.figure(neuron=(0, 1))
            pg.deltas(), pg.boundary(20)
            reads += 1
    pg.pause()
    v._thread.join(30)
    assert not v._thread.is_alive() and not pg.diverged
    for _ in range(pg.steps):
        quiet.step()
    assert pg.model.state_dict() == quiet.model.state_dict()
    assert pg.history.loss == quiet.history.loss and threading.active_count() >= 1


def test_without_ipywidgets_a_clear_error_and_nothing_drawn(monkeypatch):
    pg = small()
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[notebooks\]"'):
        pg.show()
    assert pg._front is None
    bundle = pg._repr_mimebundle_()
    assert set(bundle) == {"text/plain"} and "notebooks" in bundle["text/plain"]


# --- the live view in a real JupyterLab -------------------------------------------------------

CHECKOUT = Path(__file__).resolve().parents[3]
NOTEBOOK_6 = CHECKOUT / "notebooks" / "06_playground.ipynb"
# in the kernel: the smallest text of each picture the live view shows (px at its size)
TEXT_SIZES = """
import json, re, struct
from nn.playground.figures import TEXT_PX
def graph_text_px(drawing):
    svg, png = drawing.svg(), drawing.png()
    width = float(re.search(r'<svg width="([\\d.]+)pt"', svg).group(1))
    smallest = min(float(f) for f in re.findall(r'font-size="([\\d.]+)"', svg))
    return smallest * struct.unpack(">I", png[16:20])[0] / width
def text_px(pg):
    view = pg._front
    return {**view.panels.text_px(), "neuron": graph_text_px(pg.neuron_graph(*view.selected)[0])}
"""


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server (the notebooks extra's) on a free port, serving a notebook
    whose first cell shows a playground, and a copy of notebook 6; its kernels import
    this checkout. JupyterLab's default layout (the file browser open, so a cell's
    output is about 950 px wide in the 1400 px window)."""
    import nbformat

    root = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        'import nn\npg = nn.playground(data="circle", layers=[4, 2], lr=0.1, seed=0)\npg'),
        nbformat.v4.new_code_cell("pg.play(epochs=2)\nprint(pg.epoch)"),
        nbformat.v4.new_code_cell(TEXT_SIZES + "print(json.dumps(text_px(pg)))")]
    nbformat.write(nb, root / "live.ipynb")
    (root / "06_playground.ipynb").write_bytes(NOTEBOOK_6.read_bytes())
    # every cell in the page (JupyterLab 4 leaves cells far from view out of it by
    # default), so the test reads them all; what each shows is the same
    tracker = root / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(CHECKOUT), os.environ.get(
        "PYTHONPATH", "")]), JUPYTER_CONFIG_DIR=str(root / "config"),
        JUPYTER_RUNTIME_DIR=str(root / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"),
        JUPYTERLAB_SETTINGS_DIR=str(root / "settings"))
    log = open(root / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
         "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: Run All from the test
         f"--ServerApp.root_dir={root}"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/status", timeout=2):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"JupyterLab did not start: {(root / 'server.log').read_text()}",
                            pytrace=False)
            time.sleep(0.3)
    yield url
    server.terminate()
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


class Lab:
    """A notebook in JupyterLab, driven in headless Chromium: open it, run cells, and
    read what the page shows (each picture's size, the text's sizes, the widgets)."""

    def __init__(self, driver, url):
        self.driver, self.url = driver, url

    def wait(self, what, condition, timeout=90):
        from selenium.webdriver.support.ui import WebDriverWait

        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1, ignored_exceptions=(
                StaleElementReferenceException,)).until(lambda d: condition())
        except TimeoutException:
            outputs = [o.text[:300] for o in self.find(".jp-OutputArea")]
            raise AssertionError(f"timed out waiting for {what}; the outputs: {outputs}") \
                from None

    def find(self, css, scope=None):
        from selenium.webdriver.common.by import By

        return (scope or self.driver).find_elements(By.CSS_SELECTOR, css)

    def click(self, element):
        self.driver.execute_script("arguments[0].click()", element)  # past JupyterLab's popups

    def idle(self):
        return "| Idle" in self.find("#jp-main-statusbar")[0].text

    def open(self, name):
        self.driver.get(f"{self.url}/lab/workspaces/test/tree/{name}?reset")
        self.wait(f"the cells of {name}", lambda: self.find(".jp-Cell"))
        self.wait("the kernel", self.idle)

    def cells(self):
        return self.find(".jp-Notebook .jp-Cell")

    def run(self, index):
        """Run code cell ``index`` (shift-enter in its editor)."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        self.click(self.find(".jp-InputArea-editor", self.find(".jp-CodeCell")[index])[0])
        ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(
            Keys.SHIFT).perform()

    def run_all(self, timeout=300):
        self.driver.execute_script(
            "window.jupyterapp.commands.execute('notebook:run-all-cells')")
        prompts = lambda: [p.text for p in self.find(".jp-CodeCell .jp-InputPrompt")]  # noqa
        self.wait("every cell run", lambda: self.idle() and all(
            p.strip("[]: ").isdigit() for p in prompts()), timeout)

    def kernel(self, code: str) -> str:
        """What ``code`` prints, run in the notebook's kernel (not in a cell)."""
        self.driver.set_script_timeout(120)
        return self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const context = window.jupyterapp.shell.currentWidget.sessionContext;
            const future = context.session.kernel.requestExecute({code: arguments[0]});
            let text = '';
            future.onIOPub = msg => {
              if (msg.header.msg_type === 'stream') text += msg.content.text;
              if (msg.header.msg_type === 'error') text += 'ERROR ' + msg.content.evalue;
            };
            future.done.then(() => done(text), e => done('ERROR ' + e));""", code)

    def output_text(self, index):
        return self.find(".jp-OutputArea", self.find(".jp-CodeCell")[index])[0].text

    def images(self, scope=None):
        """Every picture: natural and shown width, loaded, shown at all."""
        return self.driver.execute_script("""
            return Array.from(arguments[0].querySelectorAll('.jp-OutputArea img')).map(i => {
              i.scrollIntoView({block: 'nearest'});
              return {natural: i.naturalWidth, shown: i.getBoundingClientRect().width,
                      loaded: i.complete && i.naturalWidth > 0,
                      visible: i.offsetParent !== null};
            });""", scope or self.find(".jp-Notebook")[0])

    def smallest_html_text(self, scope):
        """The smallest font size (CSS px) of any text the widgets show."""
        return self.driver.execute_script("""
            let smallest = Infinity;
            arguments[0].querySelectorAll('.jupyter-widgets *').forEach(e => {
              const text = Array.from(e.childNodes).some(
                n => n.nodeType === 3 && n.textContent.trim());
              if (text && e.offsetParent !== null)
                smallest = Math.min(smallest, parseFloat(getComputedStyle(e).fontSize));
            });
            return smallest;""", scope)


def live_views(lab):
    """Each live view on the page: ``(cell element, its status, data, hidden layers)``."""
    out = []
    for cell in lab.find(".jp-CodeCell"):
        if any(b.text == "▶ Play" for b in lab.find(".jp-OutputArea button", cell)):
            status = lab.find(".jp-OutputArea .widget-html", cell)[0].text
            data = lab.driver.execute_script(
                "return arguments[0].querySelector('.jp-OutputArea select').value", cell)
            layers = lab.driver.execute_script(
                "const label = Array.from(arguments[0].querySelectorAll('.widget-label'))"
                "  .find(e => e.textContent === 'hidden layers');"
                "return label.parentElement.querySelector('input').value", cell)
            out.append((cell, status, data, int(layers)))
    return out


def assert_text_at_least_10_px(lab, scope, sizes: dict):
    """Every picture of a live view shown with its smallest text >= 10 px (its size in the
    PNG times the scale it is shown at), and the widgets' own text too."""
    shown = [i for i in lab.images(scope) if i["visible"]]
    assert all(i["loaded"] for i in shown)
    for name, picture in zip(("network", "boundary", "curves", "neuron"), shown):
        assert sizes[name] * picture["shown"] / picture["natural"] >= 10, (name, picture)
    assert lab.smallest_html_text(scope) >= 10


def test_the_live_view_plays_and_pauses_in_a_real_jupyterlab(lab_driver, jupyterlab):
    """The whole front end in JupyterLab at its default width, in headless Chromium: the
    cell runs and shows no broken image; a cell that trains from code redraws the view;
    every text is at least 10 px; Play trains on the kernel's event loop while the page
    keeps answering, the pictures change, Pause stops the training; no error."""
    lab = Lab(lab_driver, jupyterlab)
    lab.open("live.ipynb")
    lab.run(0)
    buttons = lambda: {b.text: b for b in lab.find(".jp-OutputArea button")}  # noqa: E731
    lab.wait("the live view's Play button", lambda: "▶ Play" in buttons())
    status = lambda: live_views(lab)[0][1]  # noqa: E731
    epoch = lambda: int(status().split()[1].rstrip(","))  # noqa: E731
    assert "press Play or Step" in status() and epoch() == 0
    images = lab.images()
    assert [i["loaded"] for i in images if i["visible"]] == [True] * 3  # the neuron: hidden
    assert len(images) == 4 and not images[3]["visible"]

    lab.run(1)                            # pg.play(epochs=2) in a cell: the view follows
    lab.wait("the view redrawn after the cell", lambda: epoch() == 2, timeout=60)
    lab.run(2)
    lab.wait("the text sizes", lambda: "{" in lab.output_text(2))
    sizes = json.loads(lab.output_text(2))
    assert_text_at_least_10_px(lab, lab.find(".jp-CodeCell")[0], sizes)

    boundary = lambda: lab.find(".jp-OutputArea img")[1].get_attribute("src")  # noqa: E731
    first = boundary()
    lab.click(buttons()["▶ Play"])
    lab.wait("three epochs more", lambda: "(playing)" in status() and epoch() >= 5,
             timeout=60)
    assert boundary() != first  # the picture follows the training
    lab.click(buttons()["❚❚ Pause"])
    lab.wait("the pause", lambda: "(playing)" not in status(), timeout=30)
    paused_at = epoch()
    time.sleep(1.0)
    assert epoch() == paused_at  # Pause stopped the training
    assert "train loss" in status()
    # "copy setup": the paused run's setup, which replays it; the button runs in the page
    line = lab.find(".jp-OutputArea input[readonly]")[0].get_attribute("value")
    assert line.startswith("gradlab-playground:1:")
    assert lab.kernel(f"print(nn.playground(setup={line!r}).history.loss == "
                      "pg.history.loss)").strip() == "True"
    copy = lab.find(".jp-OutputArea button.gradlab-copy-setup")[0]
    lab.click(copy)
    lab.wait("the copy", lambda: copy.text in ("✓ copied", "press Ctrl+C"), timeout=10)
    assert lab.find(".jp-OutputArea-output[data-mime-type*='error']") == []


def test_notebook_6_reads_top_to_bottom_in_a_real_jupyterlab(lab_driver, jupyterlab):
    """Notebook 6 as a reader meets it. Before anything runs (untrusted, no kernel
    output yet): every output is a picture with a real size, none a widget's text.
    After Run All: each section's live view shows that section's playground, trained
    (its own data and hidden layers, its epochs and losses), no picture is broken,
    and no text of a live view is under 10 px."""
    lab = Lab(lab_driver, jupyterlab)
    lab.open("06_playground.ipynb")
    committed = nbformat_images(NOTEBOOK_6)
    images = lab.images()
    assert len(images) == committed and all(i["loaded"] and i["natural"] > 100 for i in images)
    words = " ".join(o.text for o in lab.find(".jp-OutputArea-output"))
    assert "VBox(" not in words and "GraphDrawing(" not in words and "Playground(" not in words

    lab.run_all()
    views = live_views(lab)
    assert [(data, layers) for _, _, data, layers in views] == [
        ("circle", 1), ("circle", 0), ("spiral", 5), ("spiral", 2)]
    assert [status.split(":")[0] for _, status, _, _ in views] == [
        "epoch 40, step 560", "epoch 40, step 560", "epoch 10, step 140", "epoch 60, step 900"]
    assert all("train loss" in status for _, status, _, _ in views)
    assert all(i["loaded"] for i in lab.images() if i["visible"])
    printed = lab.kernel(TEXT_SIZES + "print(json.dumps([text_px(p) for p in "
                         "(pg, squares, vanishing['sigmoid'], three)]))")
    assert printed.startswith("["), printed
    sizes = json.loads(printed)
    for (cell, _, _, _), picture_sizes in zip(views, sizes):
        assert_text_at_least_10_px(lab, cell, picture_sizes)
    assert lab.find(".jp-OutputArea-output[data-mime-type*='error']") == []


def nbformat_images(path) -> int:
    """How many pictures the committed notebook's outputs hold."""
    nb = json.loads(Path(path).read_text())
    return sum("image/png" in o.get("data", {}) for c in nb["cells"] if c["cell_type"] == "code"
               for o in c["outputs"])
