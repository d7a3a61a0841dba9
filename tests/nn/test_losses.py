"""Losses: the lectures' worked numbers, closed-form gradients, gradcheck, stability."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import TracingError, Value, compile, gradcheck
from nn import MLP
from nn.losses import (
    binary_cross_entropy,
    cross_entropy,
    half_squared_error,
    hinge,
    l2_penalty,
    log_softmax,
    max_margin,
    mse,
    softmax,
)
from tests.autograd.replay.compare import assert_same, eager, replayed


def test_softmax_cat_car_frog():
    p = softmax([Value(3.2), Value(5.1), Value(-1.7)])
    assert [round(v.data, 2) for v in p] == [0.13, 0.87, 0.0]
    e = np.exp([3.2, 5.1, -1.7])
    assert [v.data for v in p] == pytest.approx(e / e.sum(), rel=1e-14)


def test_hinge_with_the_slide_scores():
    # columns are three images labelled cat, car, frog; rows are class scores
    scores = np.array([[3.2, 1.3, 2.2], [5.1, 4.9, 2.5], [-1.7, 2.0, -3.1]])
    outputs = [[Value(s) for s in scores[:, i]] for i in range(3)]
    per_image = [hinge([o], [c]).data for o, c in zip(outputs, [0, 1, 2])]
    assert per_image == pytest.approx([2.9, 0.0, 12.9])
    assert hinge(outputs, [0, 1, 2]).data == pytest.approx((2.9 + 0 + 12.9) / 3)


def test_cross_entropy_gradient_is_softmax_minus_target():
    logits = [Value(0.5), Value(-1.0), Value(2.0), Value(0.1)]
    loss = cross_entropy([logits], [2])
    loss.backward()
    p = softmax([Value(z.data) for z in logits])
    target = [0, 0, 1, 0]
    assert [z.grad for z in logits] == pytest.approx([pi.data - t for pi, t in zip(p, target)],
                                                     abs=1e-15)
    assert loss.data == pytest.approx(-math.log(p[2].data), rel=1e-14)


def test_cross_entropy_one_hot_equals_index_and_is_stable_for_huge_logits():
    a = cross_entropy([[Value(1.0), Value(3.0)]], [1]).data
    b = cross_entropy([[Value(1.0), Value(3.0)]], [[0.0, 1.0]]).data
    assert a == b
    z = [Value(1000.0), Value(-1000.0), Value(0.0)]
    loss = cross_entropy([z], [1])
    assert loss.data == pytest.approx(2000.0)
    loss.backward()
    assert [v.grad for v in z] == pytest.approx([1.0, -1.0, 0.0])
    assert all(math.isfinite(v.data) for v in log_softmax(z))


def test_binary_cross_entropy_from_logits():
    z = [Value(0.3), Value(-2.0), Value(800.0), Value(-800.0)]
    t = [1, 0, 1, 0]
    loss = binary_cross_entropy(z, t)
    sig = lambda x: 1 / (1 + math.exp(-x))
    expected = (-math.log(sig(0.3)) - math.log(1 - sig(-2.0)) + 0 + 0) / 4
    assert loss.data == pytest.approx(expected, rel=1e-12)
    loss.backward()
    assert [v.grad for v in z] == pytest.approx([(sig(0.3) - 1) / 4, sig(-2.0) / 4, 0, 0])


def test_mse_and_half_squared_error():
    y, t = [Value(1.0), Value(3.0)], [0.0, 1.0]
    assert mse(y, t).data == (1 + 4) / 2
    e = half_squared_error(y, t)
    e.backward()
    assert e.data == 2.5 and [v.grad for v in y] == [1.0, 2.0]  # dE/dy = y - t


def test_max_margin_and_l2_penalty():
    s = [Value(0.5), Value(-2.0), Value(3.0)]
    assert max_margin(s, [1, 1, -1]).data == pytest.approx((0.5 + 3.0 + 4.0) / 3)
    m = MLP.from_weights([[[1.0, 2.0]]], [[5.0]])
    assert l2_penalty(m).data == 0.5 * (1 + 4)  # the bias is not decayed
    assert l2_penalty(m, weights_only=False).data == 0.5 * (1 + 4 + 25)


@pytest.mark.parametrize("loss,targets", [
    (lambda z: cross_entropy([z], [1]), None),
    (lambda z: hinge([z], [0]), None),
    (lambda z: mse([z], [[0.5, -0.5, 1.0]]), None),
    (lambda z: binary_cross_entropy(z[:1], [1]) + binary_cross_entropy(z[1:2], [0]), None),
    (lambda z: Value.sum(softmax(z)[:2]), None),
    (lambda z: log_softmax(z)[2], None),
    (lambda z: max_margin([z[0], z[1]], [1, -1]), None),
])
def test_every_loss_passes_gradcheck(loss, targets):
    assert gradcheck(lambda a, b, c: loss([a, b, c]), [0.3, -0.8, 1.9])


@pytest.mark.parametrize("call,exc,match", [
    (lambda: mse([Value(1.0)], [1.0, 2.0]), ValueError, "1 outputs but 2 targets"),
    (lambda: mse(Value(1.0), [1.0]), TypeError, "list of outputs"),
    (lambda: cross_entropy([[Value(1.0), Value(2.0)]], [2]), ValueError, r"\[0, 2\)"),
    (lambda: max_margin([Value(1.0)], [0]), ValueError, "-1 or \\+1"),
    (lambda: binary_cross_entropy([Value(1.0)], [2]), ValueError, "0 or 1"),
    (lambda: softmax([]), TypeError, "non-empty"),
    (lambda: mse([1.0], [1.0]), TypeError, "Value"),
    # nonsense that went through as raw Python errors or NaN losses
    (lambda: mse(5, [1.0]), TypeError, "mse: outputs must be a list with one output per "
                                       "sample .*got int: 5"),
    (lambda: mse([Value(1.0)], None), TypeError, "mse: targets must be numbers"),
    (lambda: mse([Value(1.0)], ["a"]), TypeError, "mse: targets must be numbers"),
    (lambda: mse([Value(1.0)], [float("nan")]), ValueError,
     "mse: targets must be finite numbers, got nan for sample 0"),
    (lambda: half_squared_error([Value(1.0), Value(2.0)], [0.0, float("inf")]), ValueError,
     "got inf for sample 1"),
    (lambda: hinge([[Value(1.0), Value(2.0)]], [0], margin=float("nan")), ValueError,
     "hinge: margin must be a finite number, got nan"),
    (lambda: hinge([[Value(1.0), Value(2.0)]], [0], margin="1"), TypeError, "hinge: margin"),
    (lambda: softmax(None), TypeError, "softmax expects a non-empty list of Values .*NoneType"),
    (lambda: log_softmax(Value(1.0)), TypeError, "log_softmax expects a non-empty list"),
    (lambda: l2_penalty(MLP(2, [1], rng=0), weights_only="yes"), TypeError,
     "weights_only must be True or False"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_softmax_jacobian_is_h_i_times_delta_minus_h_k():
    """The lecture's formula: d h_i / d u_k = h_i (delta_ik - h_k)."""
    from autograd import grad

    u = [Value(0.2), Value(-1.3), Value(0.7)]
    h = softmax(u)
    for i in range(3):
        row = grad(h[i], u)
        for k in range(3):
            expected = h[i].data * ((1.0 if i == k else 0.0) - h[k].data)
            assert row[k] == pytest.approx(expected, abs=1e-15)


def test_a_nan_score_is_a_nan_loss_never_a_perfect_one():
    nan = float("nan")
    for loss in (nn.max_margin([Value(nan)], [1.0]), nn.hinge([[Value(nan), Value(0.0)]], [1]),
                 nn.mse([Value(nan)], [1.0]), nn.cross_entropy([[Value(nan), Value(1.0)]], [0])):
        assert math.isnan(loss.data)


# --- the losses under autograd.compile: traced per sample, replayed over a batch ----------


@pytest.mark.parametrize("fuse", [True, False])
@pytest.mark.parametrize("name", ["max_margin", "mse", "binary_cross_entropy", "cross_entropy",
                                  "hinge", "half_squared_error"])
def test_every_loss_compiled_matches_eager(name, fuse):
    """Each loss of one sample with Value targets (what compile traces), replayed over a
    batch: the eager graph's loss and gradients, the l2 penalty included."""
    rng = np.random.default_rng(7)
    k = 1 if name in ("max_margin", "binary_cross_entropy") else 3
    T = {"max_margin": rng.choice([-1.0, 1.0], 12),
         "binary_cross_entropy": rng.integers(0, 2, 12).astype(float),
         "cross_entropy": np.eye(3)[rng.integers(0, 3, 12)],
         "hinge": np.eye(3)[rng.integers(0, 3, 12)]}.get(name, rng.normal(size=(12, k)))
    X = rng.normal(size=(12, 2))
    model = MLP(2, [5, k], activation="tanh", rng=0)
    loss = getattr(nn.losses, name)

    def fn(x, t):
        return loss([model(x)], [t]) + 1e-3 * l2_penalty(model)

    reduction = "sum" if name == "half_squared_error" else "mean"
    assert_same(eager(fn, model.parameters(), X, T, reduction=reduction),
                replayed(fn, model.parameters(), X, T, reduction=reduction, fuse=fuse))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30))
def test_batched_loss_equals_the_nn_loss_of_the_whole_batch(seed, n):
    # value_and_grad of the per-sample loss == backward() of nn.losses on the batch
    rng = np.random.default_rng(seed)
    model = nn.MLP(2, [5, 3], activation="relu", rng=seed)
    X, labels = rng.normal(size=(n, 2)), rng.integers(0, 3, n)
    model.zero_grad()
    batch = nn.losses.cross_entropy([model(x) for x in X], labels)
    batch.backward()
    expected = np.array([p.grad for p in model.parameters()])
    model.zero_grad()
    program = compile(lambda x, t: nn.losses.cross_entropy([model(x)], [t]))
    loss = program.value_and_grad(X, np.eye(3)[labels])
    assert loss == pytest.approx(batch.data, rel=1e-12)
    got = np.array([p.grad for p in model.parameters()])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * np.abs(expected).max())


def test_traced_class_index_targets_are_refused_with_a_hint():
    model = nn.MLP(2, [3], rng=0)
    program = compile(lambda x, t: nn.losses.cross_entropy([model(x)], [t]))
    with pytest.raises(TracingError, match="one-hot"):
        program(np.zeros((2, 2)), np.array([0.0, 1.0]))


def test_compiled_losses_refuse_non_finite_targets_on_every_batch():
    model = nn.MLP(2, [3, 1], rng=0)
    X = np.random.default_rng(0).normal(size=(3, 2))
    program = compile(lambda x, t: nn.mse([model(x)], [t]))
    assert math.isfinite(program.value_and_grad(X, np.array([0.5, 1.0, -2.0])))
    with pytest.raises(ValueError, match=r"mse: targets must be finite numbers, got \[.*nan"):
        program.value_and_grad(X, np.array([0.5, np.nan, -2.0]))


def test_compiled_losses_check_their_targets_on_every_batch():
    """What an eager loss refuses, its compiled replay refuses too."""
    model = nn.MLP(2, [3, 1], rng=0)
    X = np.random.default_rng(0).normal(size=(4, 2))
    bce = compile(lambda x, t: nn.binary_cross_entropy([model(x)], [t]))
    assert math.isfinite(bce.value_and_grad(X, np.array([0.0, 1.0, 1.0, 0.0])))
    with pytest.raises(ValueError, match=r"targets 0 or 1, got \[0. 1. 2.\]"):
        bce.value_and_grad(X, np.array([0.0, 1.0, 2.0, 0.0]))  # the trace exists: replayed
    with pytest.raises(ValueError, match="targets 0 or 1"):
        bce(X, np.array([0.5, 1.0, 1.0, 0.0]))
    margin = compile(lambda x, t: nn.max_margin([model(x)], [t]))
    with pytest.raises(ValueError, match="-1 or \\+1"):
        margin.value_and_grad(X, np.array([0.0, 1.0, 1.0, 0.0]))  # 0/1 labels: to_pm1 first
    assert math.isfinite(margin.value_and_grad(X, np.array([-1.0, 1.0, 1.0, -1.0])))
    model3 = nn.MLP(2, [3, 3], rng=0)
    hinge = compile(lambda x, t: nn.hinge([model3(x)], [t]))
    assert math.isfinite(hinge.value_and_grad(X, nn.data.one_hot(np.array([0, 1, 2, 0]), 3)))
    with pytest.raises(ValueError, match="one-hot target rows"):
        hinge.value_and_grad(X, np.full((4, 3), 1 / 3))
    with pytest.raises(ValueError, match="targets 0 or 1"):  # Value targets, not traced
        nn.binary_cross_entropy([Value(0.3)], [Value(3.0)])
