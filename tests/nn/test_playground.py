"""nn.playground: the logic driven without a browser, what the views show checked
against independent computations, and the widget tree's handlers called directly."""

import asyncio
import math
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

import nn
from autograd import Value
from nn.playground import FEATURES, Playground, playground

matplotlib.use("Agg")


def small(**knobs):
    base = dict(data="circle", n_samples=80, test_fraction=0.5, layers=[4, 2], batch_size=8,
                lr=0.1, seed=1)
    base.update(knobs)
    return playground(**base)


# --- knobs ----------------------------------------------------------------------------------


def test_knobs_rebuild_the_network_and_keep_or_restart_history():
    pg = small()
    assert pg.model.nin == 2 and [la.nout for la in pg.model.layers] == [4, 2, 1]
    pg.play(epochs=2)
    assert pg.history.epochs == 2
    pg.set(lr=0.03, l2=0.01)                     # training knobs: same weights, same history
    assert pg.history.epochs == 2 and pg.optimizer.lr == 0.03
    pg.set(features=["x1", "x2", "x1^2", "x2^2"], layers=[3], activation="relu")
    assert pg.model.nin == 4 and [la.nout for la in pg.model.layers] == [3, 1]
    assert pg.model.layers[0].activation == "relu" and pg.history.epochs == 0
    assert pg.transform(np.array([[2.0, -3.0]])).tolist() == [[2.0, -3.0, 4.0, 9.0]]
    pg.play(epochs=1)
    pg.set(data="xor")                            # a data knob: new points and new weights
    fresh = small(data="xor", features=["x1", "x2", "x1^2", "x2^2"], layers=[3],
                  activation="relu")
    assert pg.model.state_dict() == fresh.model.state_dict() and pg.history.epochs == 0
    assert np.array_equal(pg.X_train, fresh.X_train)


@pytest.mark.parametrize("knob, value, error, words", [
    ("layers", [4] * 7, ValueError, "0 to 6"),
    ("layers", [9], ValueError, "1 to 8"),
    ("layers", "4,2", TypeError, "layers"),
    ("activation", "swish", ValueError, "'tanh'"),
    ("lr", 0, ValueError, "(0, 10]"),
    ("lr", 11.5, ValueError, "(0, 10]"),
    ("lr", "fast", TypeError, "lr"),
    ("l2", -0.1, ValueError, "l2"),
    ("features", [], ValueError, "at least one"),
    ("features", ["x3"], ValueError, "x1*x2"),
    ("batch_size", 41, ValueError, "[1, 40]"),
    ("optimizer", "rmsprop", ValueError, "'adam'"),
    ("loss", "cross_entropy", ValueError, "'max_margin'"),
    ("test_fraction", 0.95, ValueError, "[0.1, 0.9]"),
    ("data", "donut", ValueError, "'spiral'"),
    ("colour", 1, TypeError, "unknown knob"),
])
def test_a_bad_knob_names_itself_and_keeps_the_last_good_state(knob, value, error, words):
    pg = small()
    pg.play(epochs=1)
    before = (pg.knobs, pg.model, pg.model.state_dict(), pg.history.loss[:], pg.steps)
    with pytest.raises(error) as e:
        pg.set(**{knob: value})
    assert knob in str(e.value) and words in str(e.value)
    assert knob == "colour" or repr(value)[:4] in str(e.value)
    assert (pg.knobs, pg.model, pg.model.state_dict(), pg.history.loss, pg.steps) == before
    pg.play(epochs=1)  # and it still trains
    assert pg.history.epochs == 2


def test_the_same_seed_gives_the_same_run_and_regenerate_new_data():
    a, b = small(), small()
    a.play(epochs=3)
    b.play(epochs=3)
    assert a.history.loss == b.history.loss
    X = a.X_train.copy()
    a.regenerate()
    assert a.knobs["seed"] == 2 and not np.array_equal(a.X_train, X)


def test_step_play_pause_reset():
    pg = small()
    start = pg.model.state_dict()
    loss = pg.step()
    assert pg.steps == 1 and len(pg.batch) == 8 and math.isfinite(loss)
    assert pg.model.state_dict() != start and pg.history.epochs == 0
    pg.play(epochs=3)                             # the epoch under way counts as the first
    assert pg.history.epochs == 3 and pg.steps == 15  # 40 training points, batches of 8
    assert len(pg.history.val_loss) == len(pg.history.grad_norms) == 3
    pg.pause()
    assert not pg.playing
    pg.reset()
    assert pg.model.state_dict() == start and pg.history.epochs == 0 and pg.steps == 0
    assert pg.deltas() is None


def test_divergence_stops_and_says_so():
    pg = small(lr=10.0, loss="mse", activation="relu", layers=[8, 8, 8])
    with pytest.warns(RuntimeWarning, match="learning rate"):
        pg.play(epochs=200)
    assert pg.diverged and pg.history.loss[-1] == math.inf and pg.history.epochs < 200


def test_the_learners_model_and_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    model = nn.MLP(3, [5, 1], activation="tanh", rng=0)
    pg = playground(model=model, data=(X, y), features=["x1", "x2", "x1*x2"], lr=0.3)
    assert pg.model is model and pg.knobs["layers"] == (5,)
    assert len(pg.X_train) + len(pg.X_test) == 60
    pg.play(epochs=30)
    assert isinstance(pg.history, nn.History) and pg.history.epochs == 30
    assert pg.accuracy()[0] > 0.9  # x1*x2 is the feature this data needs
    ax = nn.plot.loss_curves(pg.history)
    assert list(ax.get_lines()[0].get_ydata()) == pg.history.loss
    matplotlib.pyplot.close(ax.figure)
    with pytest.raises(ValueError, match="noise and n_samples apply"):
        pg.set(noise=0.2)
    with pytest.raises(ValueError, match="3 inputs but 2 features"):
        playground(model=model, data=(X, y), features=["x1", "x2"])
    with pytest.raises(ValueError, match="biases"):
        playground(model=nn.MLP(2, [2, 1], bias=False))
    with pytest.raises(ValueError, match="shape \\(60,\\)"):
        playground(data=(X, y[:-1]))


# --- what it shows is what it trained ------------------------------------------------------


def eager_batch(pg, weights, idx):
    """The batch's loss as an eager graph built from the numbers alone (not the
    model): returns the loss, every sample's pre-activations u[layer][j], and the
    parameter leaves, after backward()."""
    W = [(np.asarray(Wl), np.asarray(bl)) for Wl, bl in weights]
    leaves = [([[Value(float(v)) for v in row] for row in Wl], [Value(float(v)) for v in bl])
              for Wl, bl in W]
    f = {"tanh": Value.tanh, "relu": Value.relu}[pg.knobs["activation"]]
    total, us = Value(0.0), []
    F = pg.transform(pg.X_train[idx])
    for x, label in zip(F, pg.y_train[idx]):
        h, sample_u = [Value(float(v)) for v in x], []
        for layer, (Wl, bl) in enumerate(leaves):
            u = [Value.sum([w * hi for w, hi in zip(row, h)] + [b]) for row, b in zip(Wl, bl)]
            sample_u.append(u)
            h = u if layer == len(leaves) - 1 else [f(v) for v in u]
        if pg.knobs["loss"] == "max_margin":
            total = total + (1 - (2.0 * label - 1.0) * h[0]).relu()   # on -1/+1
        else:                                                         # bce on the logit
            total = total + (h[0].softplus() - float(label) * h[0])
        us.append(sample_u)
    loss = total * (1.0 / len(idx))
    l2 = pg.knobs["l2"]
    if l2:
        loss = loss + l2 * 0.5 * Value.sum([w * w for Wl, _ in leaves for row in Wl for w in row])
    loss.backward()
    return loss, us, leaves


@pytest.mark.parametrize("loss", ["bce", "max_margin"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_deltas_and_weight_gradients_equal_backward_on_the_eager_graph(activation, loss):
    pg = small(activation=activation, l2=0.01, loss=loss)
    pg.play(epochs=1)
    before = pg.weights()
    loss = pg.step()
    eager_loss, us, leaves = eager_batch(pg, before, pg.batch)
    assert loss == pytest.approx(eager_loss.data, abs=1e-12)
    for layer, delta in enumerate(pg.deltas()):
        # δ_j: the batch mean of ∂ℓ_n/∂u_j, i.e. the sum of u.grad over the mean loss' graph
        expected = [sum(u[layer][j].grad for u in us) for j in range(len(delta))]
        np.testing.assert_allclose(delta, expected, rtol=0, atol=1e-12)
    for (dW, db), (Wl, bl) in zip(pg.weight_grads(), leaves):
        np.testing.assert_allclose(dW, [[w.grad for w in row] for row in Wl], atol=1e-12)
        np.testing.assert_allclose(db, [b.grad for b in bl], atol=1e-12)
    assert any(np.any(d != 0) for d in pg.deltas())  # not a dead network


def test_the_neuron_trace_is_one_sample_of_the_batch_and_averages_to_delta():
    pg = small()
    pg.play(epochs=2)
    pg.step()
    before = pg.weights()
    grads = [p.grad for p in pg.model.parameters()]
    per_sample = [pg.neuron_trace(0, 1, sample=n) for n in range(len(pg.batch))]
    deltas = [trace.neuron_steps[k - 1].delta for trace, k in per_sample]
    assert np.mean(deltas) == pytest.approx(pg.deltas()[0][1], abs=1e-12)
    assert [p.grad for p in pg.model.parameters()] == grads     # .grad left alone
    assert all(np.array_equal(a, b) for wb, wb2 in zip(before, pg.weights())
               for a, b in zip(wb, wb2))                         # weights put back
    trace, k = per_sample[0]
    assert trace.neuron_steps[k - 1].name == "L0N1"
    drawing, caption = pg.neuron_graph(0, 1)
    assert "L0N1: δ = ∂E/∂u" in caption and "L0N1" in drawing.source
    scalar, _ = pg.neuron_graph(0, 1, view="scalar")
    assert "L0N1.u" in scalar.source
    with pytest.raises(ValueError, match="neuron must be in \\[0, 3\\], got 4"):
        pg.neuron_trace(0, 4)


def grid_of(pg, resolution):
    P = np.vstack([pg.X_train, pg.X_test])
    lo, hi = P.min(axis=0) - 0.5, P.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    return gx, gy


def test_the_boundary_and_neuron_maps_are_the_models_outputs():
    pg = small(features=["x1", "x2", "sin(x1)"], layers=[3])
    pg.play(epochs=2)
    gx, gy = grid_of(pg, 30)
    F = np.column_stack([gx.ravel(), gy.ravel(), np.sin(gx.ravel())])
    _, _, Z = pg.boundary(30)
    np.testing.assert_allclose(Z, pg.model.predict(F).reshape(30, 30), atol=1e-12)
    _, _, maps = pg.neuron_outputs(30)
    for j, neuron in enumerate(pg.model.layers[0].neurons):
        row = [neuron(list(x)).data for x in F[:50]]
        np.testing.assert_allclose(maps[0][j].ravel()[:50], row, atol=1e-12)


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


def test_import_nn_imports_neither_ipywidgets_nor_matplotlib():
    code = ("import sys, nn; pg = nn.playground(n_samples=40); pg.play(epochs=1); "
            "print('ipywidgets' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_the_still_figure_renders(tmp_path):
    pg = small()
    pg.play(epochs=2)
    png = pg.png(neuron=(0, 0))
    assert png[:4] == b"\x89PNG" and len(png) > 10_000
    assert set(FEATURES) == {"x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"}
    assert isinstance(pg, Playground) and "epoch 2" in repr(pg)


# --- the live view in a real JupyterLab -------------------------------------------------------

CHECKOUT = Path(__file__).resolve().parents[2]


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
