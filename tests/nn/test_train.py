"""Training: fit on the lectures' problems, the history it records, the classic rules."""

import math
import warnings

import numpy as np
import pytest

import nn
from autograd import Value
from nn import MLP, SGD, data, fit
from nn.train import Epoch, History


def test_mlp_learns_moons_to_97_percent():
    X, y = data.moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], rng=0)
    history = fit(model, X, y, loss="max_margin", l2=1e-4, epochs=60, progress=False,
                  optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9))
    predicted = (model.predict(X) > 0).astype(int)
    assert np.mean(predicted == y) >= 0.97
    assert history.loss[-1] < history.loss[0] / 5
    assert history.epochs == 60 and len(history.lr) == 60


def test_small_mlp_learns_xor():
    X, y = data.logic_gate("XOR")
    model = MLP(2, [4, 1], activation="tanh", rng=1)
    fit(model, X, y, loss="bce", epochs=300, progress=False,
        optimizer=SGD(model.parameters(), lr=0.5, momentum=0.9))
    assert ((model.predict(X) > 0).astype(int) == y).all()


def test_cross_entropy_blobs_with_minibatches_validation_and_schedule():
    X, y = data.blobs(90, centers=[[-2, 0], [2, 0], [0, 3]], std=0.5, seed=0)
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, seed=0)
    model = MLP(2, [8, 3], activation="tanh", rng=0)
    opt = SGD(model.parameters(), lr=0.2)
    h = fit(model, Xtr, ytr, loss="cross_entropy", optimizer=opt, epochs=15, batch_size=16,
            schedule=nn.optim.StepLR(opt, step_size=5), validation=(Xte, yte), progress=False)
    assert h.lr == [0.2] * 5 + [0.1] * 5 + [0.05] * 5
    assert h.val_accuracy[-1] >= 0.9 and len(h.val_loss) == 15
    assert np.mean(np.argmax(model.predict(Xte), axis=1) == yte) == h.val_accuracy[-1]


def test_one_weight_regression_gradient_and_per_sample_sgd():
    w = Value(1.0)
    loss = (1.0 * w - 2.0) ** 2
    loss.backward()
    assert w.grad == -2.0  # 2x(xw - y) at x=1, y=2, w=1
    model = MLP.from_weights([[[1.0]]], None)  # y_hat = x * w, no bias
    X, y = np.array([[1.0], [2.0], [3.0]]), np.array([2.0, 4.0, 6.0])
    h = fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=0.01), epochs=30,
            batch_size=1, shuffle=False, progress=False)
    assert model.parameters()[0].data == pytest.approx(2.0, abs=1e-3)
    assert h.accuracy[0] is None  # regression: no accuracy
    # epoch 1 by hand: mse of one sample is (xw - y)^2, gradient 2x(xw - y)
    w_hand = 1.0
    for x_i, y_i in zip([1, 2, 3], [2, 4, 6]):
        w_hand -= 0.01 * 2 * x_i * (x_i * w_hand - y_i)
    m2 = MLP.from_weights([[[1.0]]], None)
    fit(m2, X, y, loss="mse", optimizer=SGD(m2.parameters(), lr=0.01), epochs=1, batch_size=1,
        shuffle=False, progress=False)
    assert m2.parameters()[0].data == pytest.approx(w_hand, rel=1e-14)


def test_grad_norms_are_recorded_per_layer():
    X, y = data.moons(20, seed=0)
    model = MLP(2, [4, 4, 1], activation="sigmoid", rng=0)
    h = fit(model, X, y, epochs=2, record_grad_norms=True, progress=False)
    assert len(h.grad_norms) == 2 and len(h.grad_norms[0]) == 3
    assert all(g >= 0 and math.isfinite(g) for g in h.grad_norms[0])


def test_too_large_learning_rate_stops_with_a_warning():
    X, y = data.regression_1d(20, seed=0)
    model = MLP(1, [8, 1], activation="relu", rng=0)
    with pytest.warns(RuntimeWarning, match="learning rate 50.0 too large") as record:
        h = fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=50.0), epochs=50,
                progress=False)
    assert h.epochs < 50 and not math.isfinite(h.loss[-1])
    assert record[0].filename == __file__  # the warning points at the call of fit


def test_progress_bar_quiet_when_asked(capsys):
    X, y = data.moons(10, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(MLP(2, [2, 1], rng=0), X, y, epochs=2, progress=False)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    fit(MLP(2, [2, 1], rng=0), X, y, epochs=2, progress=True)
    assert "training" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs,exc,match", [
    ({"loss": "l1"}, ValueError, "unknown loss"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"loss": 3}, TypeError, "loss"),
])
def test_fit_bad_arguments(kwargs, exc, match):
    X, y = data.moons(10, seed=0)
    with pytest.raises(exc, match=match):
        fit(MLP(2, [2, 1], rng=0), X, y, progress=False, **kwargs)
    with pytest.raises(ValueError, match="X of shape"):
        fit(MLP(2, [2, 1], rng=0), X[:5], y, progress=False)


def test_an_epoch_records_its_batches_as_fit_does():
    """Epoch, fed two batches by hand: the loss is the mean over the samples of the
    batch losses, the accuracy that of the outputs as they came, the norms averaged."""
    epoch, history = Epoch(5, "bce"), History()
    assert not epoch.diverges(0.5, history, lr=0.1)
    epoch.add(0.5, np.array([1.0, -1.0, 2.0]), [1, 0, 0], norms=[1.0, 4.0])
    epoch.add(2.0, np.array([-3.0, 0.5]), np.array([0, 0]), norms=[3.0, 2.0])
    epoch.record(history, lr=0.1, validation=(0.25, np.array([1.0, 1.0]), [1, 0]))
    assert history.loss == [(0.5 * 3 + 2.0 * 2) / 5] and history.accuracy == [3 / 5]
    assert history.grad_norms == [[2.0, 3.0]] and history.lr == [0.1]
    assert history.val_loss == [0.25] and history.val_accuracy == [0.5]


def test_a_diverged_batch_ends_the_epoch_with_one_warning():
    epoch, history = Epoch(4, "mse"), History()
    with pytest.warns(RuntimeWarning, match=r"infinite or nan in epoch 1; training stopped "
                                            r"\(is the learning rate 3.0 too large\?\)"):
        assert epoch.diverges(float("nan"), history, lr=3.0)
    assert history.loss == [math.inf] and history.accuracy == [None] and history.lr == [3.0]
    assert history.grad_norms == [] and history.val_loss == []


def test_fit_refuses_non_finite_inputs_naming_where():
    X, y = nn.data.moons(20, seed=0)
    model = nn.MLP(2, [3, 1], rng=0)
    before = [p.data for p in model.parameters()]
    for bad, what in ((np.nan, "nan"), (np.inf, "inf")):
        Xb = X.copy()
        Xb[7, 1] = bad
        with pytest.raises(ValueError, match=f"first {what} in row 7, column 1"):
            nn.fit(model, Xb, y, epochs=1, progress=False)
        with pytest.raises(ValueError, match="validation X"):
            nn.fit(model, X, y, epochs=1, progress=False, validation=(Xb, y))
    assert [p.data for p in model.parameters()] == before  # nothing trained


def test_a_nan_loss_stops_training_with_the_divergence_warning():
    X, y = nn.data.moons(20, seed=0)
    model = nn.MLP(2, [3, 1], rng=0)
    nan_loss = lambda outputs, targets: nn.mse(outputs, targets) * float("nan")
    with pytest.warns(RuntimeWarning, match="infinite or nan"):
        history = nn.fit(model, X, y, loss=nan_loss, epochs=3, progress=False)
    assert history.epochs == 1


def test_predict_on_nan_is_nan():
    model = nn.MLP(2, [3, 1], rng=0)
    out = model.predict(np.array([[np.nan, 0.0], [0.5, 0.5]]))
    assert np.isnan(out[0]).all() and np.isfinite(out[1]).all()


def test_snapshots_are_the_state_at_evenly_spaced_epochs():
    X, y = data.moons(30, seed=0)

    def run(epochs, snapshots=None):
        model = MLP(2, [4, 1], rng=0)
        start = model.state_dict()
        history = fit(model, X, y, epochs=epochs, progress=False, snapshots=snapshots,
                      optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9))
        return model, start, history
    model, start, history = run(8, snapshots=3)
    assert [epoch for epoch, _ in history.snapshots] == [0, 4, 8]
    assert history.snapshots[0][1] == start
    assert history.snapshots[1][1] == run(4)[0].state_dict()  # a run stopped at epoch 4
    assert history.snapshots[2][1] == model.state_dict()
    assert start != model.state_dict()  # copies: training did not change the first one
    assert len(run(5, snapshots=5)[2].snapshots) == 5 and run(3)[2].snapshots == []


@pytest.mark.parametrize("snapshots,error,message", [
    (1, ValueError, "fit: snapshots must be an int >= 2, got 1"),
    (9, ValueError, r"fit: snapshots must be <= epochs \(8\), got 9"),
    (2.5, TypeError, "fit: snapshots must be an int, got float"),
    (True, TypeError, "fit: snapshots must be an int, got bool"),
])
def test_bad_snapshots_are_refused(snapshots, error, message):
    X, y = data.moons(10, seed=0)
    with pytest.raises(error, match=message):
        fit(MLP(2, [2, 1], rng=0), X, y, epochs=8, progress=False, snapshots=snapshots)


# --- fit(compiled=True): the compiled replay (autograd.compile) gives eager training's numbers
# (moved here from the replay's tests, which do not import nn)


@pytest.mark.parametrize("loss", ["max_margin", "mse", "bce", "cross_entropy", "hinge"])
def test_fit_compiled_gives_the_eager_history(loss):
    X, y = nn.data.make("moons", n=120, noise=0.1, seed=0)
    k = 2 if loss in ("cross_entropy", "hinge") else 1
    runs = []
    for compiled in (False, True):
        model = nn.MLP(2, [6, k], activation="tanh", rng=1)
        h = nn.fit(model, X, y, loss=loss, epochs=4, batch_size=32, l2=1e-3, progress=False,
                   validation=(X[:40], y[:40]), compiled=compiled,
                   optimizer=nn.SGD(model.parameters(), lr=0.2, momentum=0.5))
        runs.append((h, np.array([p.data for p in model.parameters()])))
    (eager_h, eager_p), (h, p) = runs
    np.testing.assert_allclose(h.loss, eager_h.loss, rtol=1e-12)
    np.testing.assert_allclose(h.val_loss, eager_h.val_loss, rtol=1e-12)
    assert h.accuracy == eager_h.accuracy and h.val_accuracy == eager_h.val_accuracy
    np.testing.assert_allclose(p, eager_p, rtol=1e-10, atol=1e-13)


def test_fit_compiled_stops_on_divergence_like_eager():
    X, y = nn.data.make("moons", n=60, noise=0.1, seed=0)
    model = nn.MLP(2, [8, 1], activation="relu", rng=0)
    with pytest.warns(RuntimeWarning, match="infinite or nan"):
        h = nn.fit(model, X, y, loss="mse", epochs=50, progress=False, compiled=True,
                   optimizer=nn.SGD(model.parameters(), lr=50.0))
    assert h.loss[-1] == math.inf and h.accuracy[-1] is None
