"""nn.playground.live: the widget tree's handlers called directly, and the whole
live view played in a real JupyterLab (headless Chromium)."""

import asyncio
import os
import socket
import subprocess
import sys
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
    assert pg.model.nin == 3 and "L0N5" in v.picker.options
    v.picker.value = "L1N1"
    assert v.selected == (1, 1)
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


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server (the notebooks extra's) on a free port, serving a notebook
    whose one cell shows a playground; its kernels import this checkout."""
    import nbformat

    root = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        'import nn\npg = nn.playground(data="circle", layers=[4, 2], lr=0.1, seed=0)\npg')]
    nbformat.write(nb, root / "live.ipynb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(CHECKOUT), os.environ.get(
        "PYTHONPATH", "")]), JUPYTER_CONFIG_DIR=str(root / "config"),
        JUPYTER_RUNTIME_DIR=str(root / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"))
    log = open(root / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
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


def test_the_live_view_plays_and_pauses_in_a_real_jupyterlab(lab_driver, jupyterlab):
    """The whole front end in JupyterLab, in headless Chromium: the cell runs, Play
    trains on the kernel's event loop while the page keeps answering, the pictures
    change, Pause stops the training, and no cell output is an error."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver = lab_driver

    def wait(what, condition, timeout=90):
        try:
            return WebDriverWait(driver, timeout, poll_frequency=0.1, ignored_exceptions=(
                StaleElementReferenceException,)).until(lambda d: condition())
        except TimeoutException:
            outputs = [o.text for o in driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea")]
            raise AssertionError(f"timed out waiting for {what}; the outputs: {outputs}") from None

    def click(element):
        driver.execute_script("arguments[0].click()", element)  # past JupyterLab's popups

    def output_buttons():
        return {b.text: b for b in driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea button")}

    def status():
        return driver.find_element(By.CSS_SELECTOR, ".jp-OutputArea .widget-html").text

    def epoch():
        return int(status().split()[1].rstrip(","))

    driver.get(f"{jupyterlab}/lab/workspaces/test/tree/live.ipynb?reset")
    wait("the notebook's cell", lambda: driver.find_elements(By.CSS_SELECTOR, ".jp-CodeCell"))
    wait("the kernel", lambda: "| Idle" in driver.find_element(By.ID, "jp-main-statusbar").text)
    click(driver.find_element(By.CSS_SELECTOR, ".jp-CodeCell .jp-InputArea-editor"))
    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
    wait("the live view's Play button", lambda: "▶ Play" in output_buttons())
    assert "press Play or Step" in status() and epoch() == 0
    boundary = lambda: driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea img")[1] \
        .get_attribute("src")  # noqa: E731
    first = boundary()

    click(output_buttons()["▶ Play"])
    wait("three epochs played", lambda: "(playing)" in status() and epoch() >= 3, timeout=60)
    assert boundary() != first  # the picture follows the training
    click(output_buttons()["❚❚ Pause"])
    wait("the pause", lambda: "(playing)" not in status(), timeout=30)
    paused_at = epoch()
    time.sleep(1.0)
    assert epoch() == paused_at  # Pause stopped the training
    assert "train loss" in status()
    errors = driver.find_elements(By.CSS_SELECTOR,
                                  ".jp-OutputArea-output[data-mime-type*='error']")
    assert errors == []
