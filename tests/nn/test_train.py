"""Training: fit on the lectures' problems, the history it records, the classic rules."""

import math
import warnings

import numpy as np
import pytest

import nn
from autograd import TracingError, Value
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


# --- fit takes the fast path by default, and says so --------------------------------------------


def _classroom_fit(compiled, loss="max_margin", epochs=5, **kwargs):
    """The issue's classroom model: 2-16-16-16-k tanh on the spirals, batches of 16."""
    X, y = nn.data.spirals(100, seed=0)
    k = 2 if loss in ("cross_entropy", "hinge") else 1
    model = nn.MLP(2, [16, 16, 16, k], activation="tanh", rng=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = nn.fit(model, X, y, loss=loss, epochs=epochs, batch_size=16, l2=1e-4,
                     optimizer=optimizer, schedule=nn.optim.StepLR(optimizer, step_size=2),
                     validation=(X[:30], y[:30]), progress=False, compiled=compiled,
                     record_grad_norms=True, **kwargs)
    return history, np.array([p.data for p in model.parameters()])


@pytest.mark.parametrize("loss", ["max_margin", "mse", "bce", "cross_entropy", "hinge"])
def test_the_default_is_the_compiled_replay_with_the_eager_numbers_to_1e_12(loss):
    eager_h, eager_p = _classroom_fit(False, loss)
    h, p = _classroom_fit(None, loss)
    assert (h.path, h.path_reason) == ("compiled", "")
    assert (eager_h.path, eager_h.path_reason) == ("eager", "compiled=False")
    for got, expected in ((h.loss, eager_h.loss), (h.val_loss, eager_h.val_loss),
                          (h.grad_norms, eager_h.grad_norms)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    assert h.accuracy == eager_h.accuracy and h.val_accuracy == eager_h.val_accuracy
    assert h.lr == eager_h.lr
    np.testing.assert_allclose(p, eager_p, rtol=0, atol=1e-12)  # weights of size ~0.1 to 1


def test_the_progress_line_and_the_history_say_which_path(capsys):
    X, y = data.moons(20, seed=0)
    for compiled, line in ((None, "training (compiled)"), (True, "training (compiled)"),
                           (False, "training (eager)")):
        history = fit(MLP(2, [3, 1], rng=0), X, y, epochs=2, compiled=compiled)
        assert line in capsys.readouterr().err
        assert history.path == line[10:-1] and history.as_dict()["path"] == history.path


class _Branchy(nn.Module):
    """A model with a Python branch on a Value's number: it can't be traced."""

    def __init__(self):
        self.mlp = MLP(2, [4, 1], activation="tanh", rng=0)

    def named_parameters(self):
        return self.mlp.named_parameters()

    def __call__(self, x):
        out = self.mlp(x)
        return out if out.data > 0 else out * 0.5


def test_a_model_that_cant_be_traced_trains_eagerly_and_says_why(capsys):
    X, y = data.moons(30, seed=0)
    history = fit(_Branchy(), X, y, epochs=2)
    assert history.path == "eager" and "can't be traced: TracingError" in history.path_reason
    assert "training (eager: can't trace)" in capsys.readouterr().err
    same = fit(_Branchy(), X, y, epochs=2, compiled=False, progress=False)
    assert same.loss == history.loss
    model = _Branchy()
    before = model.mlp.state_dict()
    with pytest.raises(TracingError, match="read .data"):
        fit(model, X, y, epochs=2, compiled=True, progress=False)
    assert model.mlp.state_dict() == before


def test_a_custom_loss_is_replayed_only_when_it_is_a_mean_over_the_samples():
    X, y = data.moons(30, seed=0)
    mean_loss = lambda outputs, targets: nn.mse(outputs, targets)  # noqa: E731
    sum_loss = lambda outputs, targets: nn.half_squared_error(outputs, targets)  # noqa: E731
    runs = {}
    for name, loss in (("mean", mean_loss), ("sum", sum_loss)):
        for compiled in (None, False):
            model = MLP(2, [4, 1], activation="tanh", rng=0)
            runs[name, compiled] = fit(model, X, y, loss=loss, epochs=3, batch_size=8,
                                       progress=False, compiled=compiled)
    assert runs["mean", None].path == "compiled"
    np.testing.assert_allclose(runs["mean", None].loss, runs["mean", False].loss, rtol=1e-12)
    assert runs["sum", None].path == "eager" and "not a mean" in runs["sum", None].path_reason
    assert runs["sum", None].loss == runs["sum", False].loss


# --- nonsense is refused before the model changes ----------------------------------------------


def _refusals():
    X, y = data.moons(40, seed=0)
    other = MLP(2, [3, 1], rng=5)
    opt_of_other = SGD(other.parameters(), lr=0.1)
    nan_y, inf_y = y.astype(float), y.astype(float)
    nan_y[7], inf_y[31] = np.nan, np.inf
    late_label = np.r_[y[:-1], 2]  # a bad label in the last batch only
    late_class = np.r_[y[:-1], 3]
    return [
        (dict(X=X, y=nan_y, loss="mse"), ValueError,
         "fit: y has 1 non-finite value.*, the first nan for sample 7"),
        (dict(X=X, y=inf_y, loss="mse"), ValueError, "the first inf for sample 31"),
        (dict(X=X, y=inf_y, loss=nn.mse), ValueError, "the first inf for sample 31"),
        (dict(X=X, y=y, validation=(X, nan_y)), ValueError, "validation y has non-finite"),
        (dict(X=X, y=y, validation=(X[:, :1], y)), ValueError,
         r"validation must be \(X_val, y_val\) shaped as X \(40, 2\)"),
        (dict(X=X, y=y, validation=(X, y[:5])), ValueError, "validation must be"),
        (dict(X=X, y=y, loss="bce", validation=(X, late_label)), ValueError,
         "fit: validation y does not suit .*targets 0 or 1"),
        (dict(X=X, y=late_class, loss="cross_entropy", batch_size=8), ValueError,
         r"fit: y does not suit .*class targets must be integers in \[0, 3\)"),
        (dict(X=X[:, :1], y=y), ValueError, "the model takes 2 inputs, X has 1 columns"),
        (dict(X=X, y=y, optimizer=opt_of_other), ValueError,
         "the optimizer updates none of this model's parameters"),
        (dict(X=X, y=y, schedule=nn.optim.StepLR(opt_of_other, 2)), ValueError,
         "the schedule steers another optimizer"),
        (dict(X=X, y=y, seed=-1), ValueError, "fit: seed must be an int >= 0, got -1"),
        (dict(X=X, y=y, seed=1.5), TypeError, "fit: seed must be an int"),
        (dict(X=X, y=y, compiled="yes"), TypeError, "fit: compiled must be True or False or "
                                                    "None, got str"),
        (dict(X=X, y=y, shuffle=None), TypeError, "fit: shuffle must be True or False"),
        (dict(X=X, y=y, progress=1), TypeError, "fit: progress must be True or False"),
        (dict(X=[["a", "b"]], y=[1]), TypeError, "fit: X must be an array of numbers"),
        (dict(X=[[10**400, 0]], y=[1]), TypeError, "fit: X must be an array of numbers"),
        (dict(X=X, y=y, epochs=10**400), ValueError, "fit: epochs must be <= 1,000,000"),
    ]


@pytest.mark.parametrize("kwargs,error,match", _refusals())
def test_nonsense_is_refused_before_the_model_changes(kwargs, error, match):
    model = MLP(2, [3, 3] if kwargs.get("loss") == "cross_entropy" else [3, 1], rng=0)
    before = model.state_dict()
    with pytest.raises(error, match=match):
        fit(model, **{"progress": False, "epochs": 2, **kwargs})
    assert model.state_dict() == before


def test_a_model_that_is_no_model_is_named():
    X, y = data.moons(10, seed=0)
    for bad in (5, "mlp", None):
        with pytest.raises(TypeError, match="fit: model must be a model such as nn.MLP"):
            fit(bad, X, y, progress=False)


def test_numpy_numbers_are_accepted_where_python_ones_are():
    X, y = data.moons(24, seed=0)
    runs = []
    for number in (int, np.int64):
        model = MLP(2, [3, 1], rng=0)
        runs.append(fit(model, X, y, epochs=number(3), batch_size=number(8), seed=number(2),
                        l2=np.float32(1e-3) if number is np.int64 else float(np.float32(1e-3)),
                        shuffle=np.bool_(True), progress=False).loss)
    assert runs[0] == runs[1]


def test_accuracy_names_what_it_expects():
    assert nn.train.accuracy(np.array([1.0, -1.0]), [1, 0], "bce") == 1.0
    assert nn.train.accuracy([Value(1.0), Value(-1.0)], [1, 1], "bce") == 0.5
    with pytest.raises(TypeError, match="accuracy: outputs must be the model's outputs"):
        nn.train.accuracy(5, [1], "bce")
    with pytest.raises(ValueError, match=r"accuracy: 2 outputs but labels of shape \(3,\)"):
        nn.train.accuracy(np.array([1.0, 2.0]), [1, 0, 1], "bce")
