"""nn.playground.state: the Playground driven without a browser (knobs, step, play,
pause, reset), what the views read off it checked against independent computations
(an eager graph built from the numbers alone, the model itself), and the views read
from one thread while another trains: the training is exactly an undisturbed one."""

import math
import subprocess
import sys
import threading

import matplotlib  # the test extra installs it; without it these tests fail
import numpy as np
import pytest

import nn
from autograd import Value
from nn.playground import playground, state

from .helpers import grid_of, small

matplotlib.use("Agg")


# --- knobs, training and the history ------------------------------------------------------


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
    with pytest.warns(RuntimeWarning, match="learning rate") as record:
        pg.play(epochs=200)
    assert record[0].filename == __file__  # the warning points at the call of play()
    assert pg.diverged and pg.history.loss[-1] == math.inf and pg.history.epochs < 200
    with pytest.warns(RuntimeWarning, match="learning rate") as record:
        pg.step()
    assert record[0].filename == __file__ and state.__file__ != __file__

def test_the_playgrounds_epochs_are_recorded_as_fit_records_them():
    """One Epoch for both: the playground and fit(compiled=True) on the same
    points, start, batches and optimizer give the same history and weights."""
    pg = small(l2=0.01)
    model = nn.MLP(2, [4, 2, 1], activation="tanh", rng=0)
    model.load_state_dict(pg.model.state_dict())
    history = nn.fit(model, pg.X_train, pg.y_train, loss="bce", epochs=3, batch_size=8, l2=0.01,
                     seed=1, optimizer=nn.SGD(model.parameters(), lr=0.1), compiled=True,
                     record_grad_norms=True, validation=(pg.X_test, pg.y_test), progress=False)
    pg.play(epochs=3)
    assert pg.history.loss == history.loss and pg.history.accuracy == history.accuracy
    assert pg.history.lr == history.lr and pg.history.val_accuracy == history.val_accuracy
    np.testing.assert_allclose(pg.history.val_loss, history.val_loss, rtol=1e-12)
    np.testing.assert_allclose(pg.history.grad_norms, history.grad_norms, rtol=1e-12)
    assert pg.model.state_dict() == model.state_dict()


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
    with pytest.raises(ValueError, match="noise, n_samples and classes apply"):
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
    assert trace.neuron_steps[k - 1].name == "L1N2"
    assert trace.module is not pg.model  # traced on a copy holding the batch's weights
    assert [p.data for p in trace.module.parameters()] == pytest.approx(
        [w for W, b in before_step_weights(pg) for w in np.c_[W, b].ravel()], abs=1e-12)
    drawing, caption = pg.neuron_graph(0, 1)
    assert "L1N2: δ = ∂E/∂u" in caption and "L1N2" in drawing.source
    scalar, _ = pg.neuron_graph(0, 1, view="scalar")
    assert "L1N2.u" in scalar.source
    with pytest.raises(ValueError, match="neuron must be in \\[0, 3\\], got 4"):
        pg.neuron_trace(0, 4)


def before_step_weights(pg):
    """The weights the last step's gradient was taken at: now's, minus the SGD step
    (small() trains with plain SGD)."""
    lr = pg.optimizer.lr
    return [(W + lr * dW, b + lr * db) for (W, b), (dW, db) in zip(pg.weights(),
                                                                   pg.weight_grads())]


def test_before_the_first_step_a_neurons_backward_pass_is_a_clear_error():
    pg = small()
    for call in (lambda: pg.neuron_trace(0, 1), lambda: pg.neuron_graph(1, 0)):
        with pytest.raises(ValueError, match=r"no batch yet, so no backward pass of neuron "
                                             r"L\d N\d|no batch yet.*step\(\) or play\(\) first"):
            call()
    with pytest.raises(ValueError, match=r"layer must be in \[0, 2\], got 3"):
        pg.neuron_trace(3, 0)  # the arguments are checked first
    assert pg.deltas() is None and pg.weight_grads() is None


VIEWS = [
    lambda pg: pg.neuron_graph(0, 1),
    lambda pg: pg.neuron_graph(1, 1, view="scalar"),
    lambda pg: pg.neuron_trace(2, 0, sample=3),
    lambda pg: pg.boundary(30),
    lambda pg: pg.neuron_outputs(12),
    lambda pg: (pg.deltas(), pg.weight_grads(), pg.layer_grad_norms(), pg.weights()),
    lambda pg: pg.accuracy(),
    lambda pg: pg.png(neuron=(0, 1)),
]


def test_views_read_from_another_thread_never_change_the_training():
    """A real thread trains while this one reads every view of the model (a neuron's
    backward pass, its graph, the boundary, the figure) twice over: the weights and
    the losses are exactly those of an undisturbed run of as many steps, and neither
    thread sees an error (the views hold the lock or work on a copy)."""
    pg, quiet = small(), small()
    pg.step()
    quiet.step()
    errors, losses, done = [], [], threading.Event()

    def train():
        try:
            while not done.is_set() or len(losses) < 150:
                losses.append(pg.step())
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(repr(e))

    trainer = threading.Thread(target=train)
    trainer.start()
    try:
        for view in VIEWS * 2:
            view(pg)
    finally:
        done.set()
        trainer.join()
    assert errors == [] and len(losses) >= 150
    assert losses == [quiet.step() for _ in losses]
    assert pg.model.state_dict() == quiet.model.state_dict()


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
    # the maps follow the training and a new network (their compiled pass is the model's)
    for change in (lambda: pg.play(epochs=1), lambda: pg.set(layers=[2, 2], seed=3),
                   lambda: pg.reset()):
        change()
        gx, gy = grid_of(pg, 30)
        F = np.column_stack([gx.ravel(), gy.ravel(), np.sin(gx.ravel())])
        _, _, maps = pg.neuron_outputs(30)
        assert [m.shape[0] for m in maps] == [la.nout for la in pg.model.layers[:-1]]
        for j, neuron in enumerate(pg.model.layers[0].neurons):
            row = [neuron(list(x)).data for x in F[:50]]
            np.testing.assert_allclose(maps[0][j].ravel()[:50], row, atol=1e-12)


def test_import_nn_imports_neither_ipywidgets_nor_matplotlib():
    code = ("import sys, nn; pg = nn.playground(n_samples=40); pg.play(epochs=1); "
            "print('ipywidgets' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


# --- several classes: softmax cross-entropy ------------------------------------------------


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_spirals_with_three_arms_train_with_softmax_cross_entropy():
    pg = small(data="spiral", classes=3, n_samples=240, layers=[8, 8], optimizer="adam",
               lr=0.1, batch_size=10)
    assert pg.knobs["loss"] == "cross_entropy" and pg.multiclass and pg.classes == 3
    assert pg.model.layers[-1].nout == 3 and sorted(set(pg.y_train)) == [0, 1, 2]
    pg.play(epochs=40)
    assert pg.history.loss[-1] < 0.5 * pg.history.loss[0]
    train, test = pg.accuracy()
    logits = np.asarray(pg.model.predict(pg.transform(pg.X_test)))
    assert test == np.mean(logits.argmax(axis=1) == pg.y_test) and train > 0.8
    assert pg.history.accuracy[-1] > 0.8  # the epoch's accuracy is the argmax's too
    xs, ys, P = pg.probabilities(30)
    gx, gy = np.meshgrid(xs, ys)
    want = softmax(np.asarray(pg.model.predict(np.c_[gx.ravel(), gy.ravel()])))
    np.testing.assert_allclose(P.reshape(3, -1).T, want, atol=1e-12)
    np.testing.assert_array_equal(pg.boundary(30)[2], P.argmax(axis=0))
    assert "spiral (3 classes)" in repr(pg)


def test_the_output_delta_is_p_minus_t_per_class_on_the_batch():
    pg = small(data="gauss", classes=4, n_samples=120, layers=[3], batch_size=6, l2=0.01)
    assert pg.output_deltas() is None  # no batch yet
    pg.play(epochs=2)
    pg.step()
    d = pg.output_deltas()
    before = pg._weights_before  # the weights the batch's gradient was taken at
    copy = nn.MLP(2, [3, 4], activation="tanh")
    for p, v in zip(copy.parameters(), before):
        p.data = float(v)
    z = np.asarray(copy.predict(pg.X_train[pg.batch]))
    t = np.eye(4)[pg.y_train[pg.batch]]
    np.testing.assert_allclose(d["p"], softmax(z), atol=1e-12)
    np.testing.assert_allclose(d["p_minus_t"], softmax(z) - t, atol=1e-12)
    # the mean over the batch is each output neuron's δ = ∂E/∂b (L2 leaves biases alone)
    np.testing.assert_allclose(d["delta"], pg.deltas()[-1], atol=1e-12)
    assert d["p_minus_t"].shape == (6, 4) and abs(d["delta"].sum()) < 1e-12
    binary = small(loss="bce")
    binary.step()
    np.testing.assert_allclose(binary.output_deltas()["delta"], binary.deltas()[-1],
                               atol=1e-12)
    with pytest.raises(ValueError, match="p − t for cross_entropy and bce; loss is 'mse'"):
        small(loss="mse").output_deltas()


def _deltas_from_a_rebuilt_model(pg) -> dict:
    """output_deltas as it was once computed: a model rebuilt from the weights the
    last batch's gradient was taken at, predicting that batch."""
    copy = state._copy_model(pg.model, pg._weights_before)
    z = np.asarray(copy.predict(pg.transform(pg.X_train[pg.batch]))).reshape(len(pg.batch), -1)
    loss = pg.knobs["loss"]
    p = state._probabilities(z, loss)[:, -z.shape[1]:]
    t = np.eye(z.shape[1])[pg.y_train[pg.batch]] if loss == "cross_entropy" else \
        pg.y_train[pg.batch].reshape(p.shape).astype(float)
    return {"p": p, "t": t, "p_minus_t": p - t, "delta": (p - t).mean(axis=0)}


def _assert_same_deltas(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], atol=1e-12, rtol=0, err_msg=key)


@pytest.mark.parametrize("knobs", [dict(data="gauss", classes=4, n_samples=120, layers=[3]),
                                   dict(loss="bce")])
def test_output_deltas_are_the_batch_outputs_at_the_weights_before_the_step(knobs,
                                                                           monkeypatch):
    pg = small(batch_size=6, **knobs)
    for _ in range(3):
        pg.step()
        want = _deltas_from_a_rebuilt_model(pg)
        with monkeypatch.context() as m:  # the step's own outputs: no model is rebuilt
            m.setattr(state, "_copy_model", lambda *a: pytest.fail("a model was rebuilt"))
            _assert_same_deltas(pg.output_deltas(), want)


def test_output_deltas_are_never_stale():
    pg = small(data="gauss", classes=3, n_samples=90, layers=[3], batch_size=5)
    pg.step()
    first = pg.output_deltas()
    pg.step()                     # a new batch, new weights: new numbers
    second = pg.output_deltas()
    assert not np.array_equal(first["p"], second["p"])
    _assert_same_deltas(second, _deltas_from_a_rebuilt_model(pg))
    pg.set(lr=0.5, l2=0.01)       # a training knob: the same batch and weights before
    _assert_same_deltas(pg.output_deltas(), second)
    pg.set(seed=7)                # new data and weights: no batch until the next step
    assert pg.output_deltas() is None
    pg.step()
    _assert_same_deltas(pg.output_deltas(), _deltas_from_a_rebuilt_model(pg))
    pg.reset()                    # the starting weights: no batch until the next step
    assert pg.output_deltas() is None
    pg.step()
    _assert_same_deltas(pg.output_deltas(), _deltas_from_a_rebuilt_model(pg))


@pytest.mark.parametrize("loss, threshold", [("mse", 0.5), ("bce", 0.0), ("max_margin", 0.0),
                                             ("cross_entropy", None)])
def test_accuracy_is_the_fraction_of_points_whose_predicted_class_is_their_label(loss,
                                                                                 threshold):
    pg = small(loss=loss)
    pg.play(epochs=2)
    for X, y, got in zip((pg.X_train, pg.X_test), (pg.y_train, pg.y_test), pg.accuracy()):
        scores = np.asarray(pg.model.predict(pg.transform(X))).reshape(len(X), -1)
        predicted = scores.argmax(axis=1) if threshold is None else scores[:, 0] > threshold
        assert got == np.mean(predicted == y)


def test_classes_and_the_loss_agree():
    pg = small(data="gauss")
    pg.set(classes=3)  # more than 2 classes: the loss becomes the softmax's
    assert pg.knobs["loss"] == "cross_entropy" and pg.model.layers[-1].nout == 3
    pg.set(classes=2)  # back to 2: cross-entropy on 2 logits still works
    assert pg.knobs["loss"] == "cross_entropy" and pg.model.layers[-1].nout == 2
    pg.set(loss="bce")
    assert pg.model.layers[-1].nout == 1
    before = pg.knobs
    with pytest.raises(ValueError, match="loss='bce' scores one output for 2 classes; the "
                                         "data has 3: use loss='cross_entropy'"):
        pg.set(classes=3, loss="bce")
    assert pg.knobs == before
    with pytest.raises(ValueError, match="classes=3 needs a data set of k classes"):
        small(data="moons", classes=3)
    with pytest.raises(ValueError, match="loss='max_margin' scores one output"):
        small(data="spiral", classes=3, loss="max_margin")


def test_your_own_data_and_model_with_k_classes(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] > 0).astype(int) + 2 * (X[:, 1] > 0).astype(int)  # quadrants: 4 classes
    pg = nn.playground(data=(X, y), layers=[6], lr=0.3, batch_size=8)
    assert pg.classes == 4 and pg.knobs["classes"] == 4 and pg.knobs["loss"] == "cross_entropy"
    pg.play(epochs=30)
    assert pg.accuracy()[0] > 0.8
    model = nn.MLP(2, [5, 4], rng=3)
    mine = nn.playground(model=model, data=(X, y))
    assert mine.model is model and mine.knobs["layers"] == (5,)
    with pytest.raises(ValueError, match="model must have 4 outputs"):
        nn.playground(model=nn.MLP(2, [5, 1]), data=(X, y))
    csv = tmp_path / "points.csv"
    csv.write_text("x1,x2,label\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, y)))
    from_file = nn.playground(data=str(csv), layers=[6], lr=0.3, batch_size=8)
    np.testing.assert_array_equal(np.vstack([from_file.X_train, from_file.X_test])[
        np.lexsort(np.vstack([from_file.X_train, from_file.X_test]).T)], X[np.lexsort(X.T)])
    assert from_file.classes == 4
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0.5,0.1,0\n0.2,oops,1\n")
    with pytest.raises(ValueError, match=r"playground: data: .*bad.csv, row 3, column 2 "
                                         r"\(x2\): 'oops' is not a number"):
        nn.playground(data=str(bad))
    with pytest.raises(FileNotFoundError, match="playground: data: .*missing.csv: no such file"):
        nn.playground(data=str(tmp_path / "missing.csv"))


def test_an_output_neurons_backward_pass_has_delta_p_minus_t_for_its_sample():
    pg = small(data="spiral", classes=3, n_samples=90, layers=[3])
    pg.play(epochs=1)
    d = pg.output_deltas()
    for n in (0, 3):
        for k in range(3):
            trace, step = pg.neuron_trace(1, k, sample=n)  # the sample's δ of class k's neuron
            assert trace.neuron_steps[step - 1].delta == pytest.approx(d["p_minus_t"][n][k],
                                                                       abs=1e-12)
    drawing, caption = pg.neuron_graph(0, 1)
    assert "L1N2: δ = ∂E/∂u" in caption and drawing.png()[:4] == b"\x89PNG"
    pg.set(data="circle")  # a two-class data set: classes back to 2 (the loss stays)
    assert pg.classes == 2 and pg.knobs["loss"] == "cross_entropy"
