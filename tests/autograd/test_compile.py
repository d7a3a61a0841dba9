"""autograd.compile: the replayed batch gives the eager graph's numbers.

The oracle everywhere is the eager engine itself: build the graph of every sample,
reduce, call backward(), and compare the loss and every parameter's gradient.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import TracingError, Value, compile, no_grad
from autograd.ops import ALL_OPS
from autograd.viz import GraphDrawing
from tests.autograd.oracles import BINARY, UNARY


def eager(fn, params, *arrays, reduction="mean"):
    """Loss and parameter gradients from the eager graph of the reduced loss."""
    for p in params:
        p.grad = 0.0
    losses = []
    for row in zip(*arrays):
        args = [Value(float(a)) if np.ndim(a) == 0 else [Value(float(v)) for v in a]
                for a in row]
        losses.append(fn(*args))
    total = Value.sum(losses)
    if reduction == "mean":
        total = total * (1.0 / len(losses))
    total.backward()
    return total.data, np.array([p.grad for p in params])


def replayed(fn, params, *arrays, reduction="mean", fuse=True):
    for p in params:
        p.grad = 0.0
    loss = compile(fn, fuse=fuse).value_and_grad(*arrays, reduction=reduction)
    return loss, np.array([p.grad for p in params])


def assert_same(a, b, rtol=1e-12):
    (la, ga), (lb, gb) = a, b
    assert lb == pytest.approx(la, rel=rtol, abs=1e-300)
    scale = max(np.max(np.abs(ga), initial=0.0), 1e-300)
    np.testing.assert_allclose(gb, ga, rtol=0, atol=rtol * scale)


def inputs_between(low, high, avoid, n=40, columns=1, seed=0):
    x = np.random.default_rng(seed).uniform(low, high, size=(n, columns))
    for point in avoid:  # keep away from kinks, where one-sided derivatives differ
        x = np.where(np.abs(x - point) < 1e-3, x + 2e-3, x)
    return x


# --- every op, per sample and over the batch ------------------------------------------------


def test_every_engine_op_has_an_array_rule():
    from autograd.replay import array_rules
    for op in ALL_OPS:
        if op.arity == 0:
            assert op.name in ("sum", "max", "min", "logsumexp")
        else:
            forward, local, how = array_rules(op)
            assert callable(forward) and callable(local) and how == ""


@pytest.mark.parametrize("fuse", [True, False])
@pytest.mark.parametrize("entry", UNARY, ids=lambda e: e.name)
def test_unary_ops_match_eager(entry, fuse):
    # w + x is per sample and carries the gradient to w; the op also runs on the
    # parameter alone (same for every sample) and on a per-sample product
    w, c = Value(0.0, label="w"), Value(0.5, label="c")
    X = inputs_between(entry.low, entry.high, entry.avoid)

    def fn(x):
        return entry.on_value(x[0] + w) + entry.on_value(c + 0.25) * x[0]

    assert_same(eager(fn, [w, c], X), replayed(fn, [w, c], X, fuse=fuse))
    values = compile(lambda x: entry.on_value(x[0]))(X)
    np.testing.assert_allclose(values, [entry.on_float(float(x)) for x in X[:, 0]],
                               rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("entry", [e for e in UNARY if e.avoid], ids=lambda e: e.name)
def test_kinks_follow_the_engines_conventions(entry):
    # exactly at a kink (relu'(0) = 0, abs'(0) = 0, hardtanh'(1) = 0, max ties: first)
    w = Value(0.0)
    X = np.array([[p + d] for p in entry.avoid for d in (0.0, -0.0, 1e-300, -1e-300)])

    def fn(x):
        return entry.on_value(x[0] + w)

    assert_same(eager(fn, [w], X, reduction="sum"), replayed(fn, [w], X, reduction="sum"))
    for x in X:  # sample by sample, so one wrong sample can't hide in a sum
        assert_same(eager(fn, [w], x[None]), replayed(fn, [w], x[None], fuse=False))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("entry", BINARY, ids=lambda e: e.name)
def test_binary_ops_match_eager(entry, reduction):
    a, b = Value(0.0, label="a"), Value(0.0, label="b")
    X = inputs_between(entry.low, entry.high, (), columns=2)
    if entry.nonzero_second:
        X[:, 1] = np.where(np.abs(X[:, 1]) < 0.1, 0.5, X[:, 1])

    def fn(x):
        return entry.on_value(x[0] + a, x[1] + b) + entry.on_value(x[0] + a, b + 0.5 * entry.high)

    assert_same(eager(fn, [a, b], X, reduction=reduction),
                replayed(fn, [a, b], X, reduction=reduction))


def test_nary_max_min_logsumexp_match_eager_with_ties():
    w = [Value(v) for v in (0.3, -0.2, 0.3)]
    X = np.array([[0.3, 1.0], [0.1, 0.1], [-2.0, 5.0], [0.3, 0.3]])  # ties go to the first

    def fn(x):
        mixed = [x[0], w[0], x[1], w[2]]
        return (Value.max(mixed) * 2 + Value.min(mixed) + Value.logsumexp([x[0] * w[1], *w, x[1]])
                + Value.max(w) * x[0] + Value.logsumexp(w))

    assert_same(eager(fn, w, X), replayed(fn, w, X, fuse=False))
    assert_same(eager(fn, w, X), replayed(fn, w, X))


def test_logsumexp_of_huge_logits_is_finite():
    program = compile(lambda z: Value.logsumexp(z))
    out = program(np.array([[1000.0, -1000.0, 999.0], [-1e300, -1e300, -1e300]]))
    assert out[0] == pytest.approx(1000 + math.log1p(math.exp(-1)), rel=1e-15)
    assert out[1] == pytest.approx(-1e300 + math.log(3), rel=1e-15)


# --- the classic traps ----------------------------------------------------------------------


def test_the_classic_traps():
    w, v = Value(0.7, label="w"), Value(-1.3, label="v")
    X = np.random.default_rng(1).normal(size=(25, 2))

    def fn(x):
        a = x[0] * w
        twice = a + a                       # one node, two parents that are the same
        square = x[1] * x[1]                # per-sample times per-sample
        shared = (a * v).tanh()             # a reused: a diamond
        return twice * shared + square * w + shared + (w * w) * x[0] + Value.sum([a, a, v])

    assert_same(eager(fn, [w, v], X), replayed(fn, [w, v], X))
    assert_same(eager(fn, [w, v], X), replayed(fn, [w, v], X, fuse=False))


def test_a_second_call_accumulates_like_a_second_backward():
    model = nn.MLP(3, [4, 1], activation="tanh", rng=0)
    X = np.random.default_rng(0).normal(size=(10, 3))
    program = compile(lambda x: model(x) ** 2)
    model.zero_grad()
    program.value_and_grad(X)
    once = np.array([p.grad for p in model.parameters()])
    program.value_and_grad(X)
    assert np.array_equal(np.array([p.grad for p in model.parameters()]), 2 * once)


def test_weights_shared_between_neurons_and_inputs_used_twice():
    # a parameter in two rows of a "layer", and a neuron that uses one input twice:
    # the weight matrix can't be a view, and entries must add up
    w = [Value(v) for v in (0.5, -1.0, 2.0)]
    X = np.random.default_rng(2).normal(size=(7, 2))

    def fn(x):
        h0 = Value.sum([w[0] * x[0], w[1] * x[1], w[2] * x[0]])
        h1 = Value.sum([w[0] * x[1], w[2] * x[0]])
        return (h0.relu() * h1).sigmoid()

    plan = compile(fn).plan(X)
    assert plan.n_fused == 2
    assert_same(eager(fn, w, X), replayed(fn, w, X))


def test_parameters_are_read_afresh_on_every_call():
    model = nn.MLP(2, [3, 1], rng=0)
    X = np.random.default_rng(3).normal(size=(6, 2))
    program = compile(model)
    before = program(X)
    model.layers[1].neurons[0].b.data += 1.0
    np.testing.assert_allclose(program(X), before + 1.0, rtol=1e-13)


def test_inputs_are_per_sample_and_constants_are_not_parameters():
    p = Value(2.0)
    program = compile(lambda x, y: (x * p - y) ** 2 + 3.0)
    x, y = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 1.0])
    np.testing.assert_allclose(program(x, y), (2 * x - y) ** 2 + 3)
    plan = program.plan(x, y)
    assert len(plan.params) == 1 and len(plan.constants) >= 1
    p.grad = 0.0
    loss = program.value_and_grad(x, y, reduction="sum")
    assert loss == pytest.approx(np.sum((2 * x - y) ** 2 + 3))
    assert p.grad == pytest.approx(np.sum(2 * (2 * x - y) * x))


# --- random networks, activations and losses (hypothesis) ------------------------------------

ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear", "leaky_relu", "softplus", "softsign",
               "hardtanh"]
LOSSES = ["max_margin", "mse", "bce", "cross_entropy", "hinge", "half_squared_error"]


def _loss_and_targets(name, k, rng, n):
    if name == "max_margin":
        return (lambda o, t: nn.losses.max_margin([o], [t])), rng.choice([-1.0, 1.0], n), 1
    if name == "bce":
        return (lambda o, t: nn.losses.binary_cross_entropy([o], [t])), \
            rng.integers(0, 2, n).astype(float), 1
    if name in ("cross_entropy", "hinge"):
        f = getattr(nn.losses, name)
        return (lambda o, t: f([o], [t])), np.eye(k)[rng.integers(0, k, n)], k
    f = getattr(nn.losses, name)
    return (lambda o, t: f([o], [t])), rng.normal(size=(n, k)) if k > 1 else rng.normal(size=n), k


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), loss=st.sampled_from(LOSSES),
       act=st.sampled_from(ACTIVATIONS), hidden=st.lists(st.integers(1, 6), min_size=0, max_size=3),
       k=st.integers(2, 4), n=st.integers(1, 17), n_in=st.integers(1, 4),
       l2=st.sampled_from([0.0, 1e-3]), fuse=st.booleans())
def test_random_networks_and_losses_match_eager(seed, loss, act, hidden, k, n, n_in, l2, fuse):
    rng = np.random.default_rng(seed)
    loss_fn, T, k = _loss_and_targets(loss, k, rng, n)
    model = nn.MLP(n_in, [*hidden, k], activation=act, rng=seed)
    params = model.parameters()
    X = rng.normal(size=(n, n_in)) * 2

    def fn(x, t):
        value = loss_fn(model(x), t)
        return value + l2 * nn.losses.l2_penalty(model) if l2 else value

    reduction = "sum" if loss == "half_squared_error" else "mean"
    assert_same(eager(fn, params, X, T, reduction=reduction),
                replayed(fn, params, X, T, reduction=reduction, fuse=fuse))


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


# --- what the program looks like ------------------------------------------------------------


def test_level_scheduling_runs_groups_not_nodes():
    model = nn.MLP(2, [16, 16, 1], rng=0)
    program = compile(lambda x, y: nn.losses.max_margin([model(x)], [y])
                      + 1e-4 * nn.losses.l2_penalty(model, weights_only=False))
    X, y = np.zeros((4, 2)), np.ones(4)
    replay = program.plan(X, y, fuse=False)
    fused = program.plan(X, y)
    assert len(replay.nodes) > 1000
    assert len(replay.steps) <= 20  # one numpy operation per (level, op), not per node
    assert fused.n_fused == 33 and fused.n_absorbed == 16 * 2 + 16 * 16 + 16
    assert len(fused.steps) < len(replay.steps)


def test_call_shapes_and_aux():
    model = nn.MLP(3, [4, 2], rng=0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    out = compile(model)(X)
    assert out.shape == (5, 2)
    np.testing.assert_allclose(out, [[v.data for v in model(x)] for x in X], rtol=1e-13)
    program = compile(lambda x, t: (nn.losses.cross_entropy([model(x)], [t]), model(x)),
                      has_aux=True)
    T = np.eye(2)[[0, 1, 1, 0, 1]]
    losses, aux = program(X, T)
    assert losses.shape == (5,) and aux.shape == (5, 2)
    loss, aux2 = program.value_and_grad(X, T)
    assert loss == pytest.approx(np.mean(losses), rel=1e-14) and np.array_equal(aux, aux2)
    assert compile(lambda x: x[0] * 2)(np.ones((3, 1))).shape == (3,)
    assert compile(lambda x: x * 2)(np.arange(3.0)).tolist() == [0.0, 2.0, 4.0]


def test_call_records_nothing_and_leaves_grads_alone():
    w = Value(1.5)
    w.grad = 7.0
    program = compile(lambda x: (x * w).tanh())
    program(np.arange(4.0))
    assert w.grad == 7.0
    with no_grad():
        assert program(np.arange(4.0)).shape == (4,)


def test_draw_shows_batch_means_and_keeps_grads(tmp_path):
    w = Value(0.8, label="w")
    w.grad = 0.25
    X = np.array([0.5, -1.0, 2.0, 3.0])
    program = compile(lambda x: (x * w).tanh())
    drawing = program.draw(X)
    assert isinstance(drawing, GraphDrawing)
    mean_tanh = np.mean(np.tanh(X * 0.8))
    mean_grad_w = np.mean(X * (1 - np.tanh(X * 0.8) ** 2))
    assert f"{mean_tanh:.4f}" in drawing.source and f"{mean_grad_w:.4f}" in drawing.source
    assert w.grad == 0.25
    svg = drawing.svg()
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg[:500]
    drawing.save(tmp_path / "batch.svg")
    assert (tmp_path / "batch.svg").read_text().count("<svg") == 1


# --- the rule, and bad input ----------------------------------------------------------------


@pytest.mark.parametrize("fn", [
    lambda x: x[0] if x[0].data > 0 else -x[0],
    lambda x: x[0] * 2 if x[0] > 0 else x[0],
    lambda x: x[0] if x[0] else x[1],
    lambda x: max(x[0], x[1]),
    lambda x: Value(max(v.data for v in x)),
    lambda x: (x[0] * 2).relu() if (x[0] * 2).data > 0 else x[1],
], ids=["data", "compare", "bool", "builtin max", "max of data", "computed data"])
def test_python_branches_on_traced_numbers_raise(fn):
    with pytest.raises(TracingError, match="can't be replayed over a batch"):
        compile(fn)(np.ones((3, 2)))


def test_no_grad_inside_a_compiled_function_raises():
    def fn(x):
        with no_grad():
            return x[0] * 2
    with pytest.raises(TracingError, match="no_grad"):
        compile(fn)(np.ones((2, 1)))


def test_traced_class_index_targets_are_refused_with_a_hint():
    model = nn.MLP(2, [3], rng=0)
    program = compile(lambda x, t: nn.losses.cross_entropy([model(x)], [t]))
    with pytest.raises(TracingError, match="one-hot"):
        program(np.zeros((2, 2)), np.array([0.0, 1.0]))


def test_parameters_data_can_still_be_read_while_tracing():
    w = Value(2.0)
    program = compile(lambda x: x * w if w.data > 0 else -x)  # w is the same for all samples
    assert program(np.array([1.0, 2.0])).tolist() == [2.0, 4.0]
    w.data = -3.0  # the branch taken while tracing no longer holds: traced again
    assert program(np.array([1.0, 2.0])).tolist() == [-1.0, -2.0]  # -x, not x * w


def test_a_parameters_number_read_in_python_is_never_stale():
    w = Value(1.0, label="w")
    program = compile(lambda x: x * (w.data * 3))  # a float, not a recorded op
    X = np.array([1.0, 2.0])
    assert program(X).tolist() == [3.0, 6.0]
    w.data = 2.0
    assert program(X).tolist() == [6.0, 12.0]  # was [3, 6]: the traced number
    w.grad = 1.0
    nn.SGD([w], lr=0.5).step()  # optimizers' bulk updates count as changes too
    assert program(X).tolist() == [4.5, 9.0]
    model = nn.MLP(2, [3, 1], rng=0)  # a model reads no parameter's number: traced once
    traced = compile(model)
    traced(np.zeros((2, 2)))
    plan = next(iter(traced._plans.values()))
    assert plan.reads == ()


def test_output_shape_belongs_to_each_input_signature():
    program = compile(lambda x: x[0] * 2 if len(x) == 2 else [x[0], x[1] + x[2]])
    assert program(np.ones((4, 2))).shape == (4,)
    assert program(np.ones((4, 3))).shape == (4, 2)
    assert program(np.ones((4, 2))).shape == (4,)  # was (4, 1): the last trace's shape
    assert program.value_and_grad(np.ones((4, 2))) == 2.0
    with pytest.raises(ValueError, match="returns a list"):
        program.value_and_grad(np.ones((4, 3)))


@pytest.mark.parametrize("arrays,error,match", [
    ((np.array([["a", "b"]]),), TypeError, "array of numbers"),
    ((np.zeros((2, 2, 2)),), ValueError, r"shape \(B,\) or \(B, n\), got \(2, 2, 2\)"),
    ((np.zeros((0, 2)),), ValueError, "the batch is empty"),
    ((np.zeros((3, 2)), np.zeros(4)), ValueError, r"different batch sizes \[3, 4\]"),
    ((), TypeError, "one batch array per argument"),
])
def test_bad_arrays_are_refused(arrays, error, match):
    program = compile(lambda x, *rest: x[0] * 2)
    with pytest.raises(error, match=match):
        program(*arrays)


def test_bad_functions_and_arguments_are_refused():
    with pytest.raises(TypeError, match="expects a function"):
        compile(3)
    with pytest.raises(TypeError, match="must return a Value or a list of Values, got float"):
        compile(lambda x: 1.0)(np.ones(2))
    with pytest.raises(ValueError, match="one Value per sample"):
        compile(lambda x: [x[0], x[1]]).value_and_grad(np.ones((2, 2)))
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        compile(lambda x: x * 2).value_and_grad(np.ones(2), reduction="max")
    with pytest.raises(TypeError, match=r"has_aux=True.*\(loss Value, aux\)"):
        compile(lambda x: x * 2, has_aux=True)(np.ones(2))


def test_domain_errors_name_the_sample():
    with pytest.raises(ValueError, match=r"log: expected a positive number, got -1\.0 "
                                         r"\(sample 2 of the batch\)"):
        compile(lambda x: x.log())(np.array([1.0, 2.0, -1.0]))
    with pytest.raises(ZeroDivisionError, match=r"division by zero.*sample 1"):
        compile(lambda x: 1.0 / x)(np.array([1.0, 0.0]))
    w = Value(0.0)
    with pytest.raises(ZeroDivisionError, match=r"sqrt: the local gradient is not defined"):
        compile(lambda x: (x * w).sqrt()).value_and_grad(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="not a real number"):
        compile(lambda x: x ** 0.5)(np.array([-1.0]))


def test_a_new_input_shape_is_traced_again():
    program = compile(lambda x: Value.sum(x))
    assert program(np.ones((2, 3))).tolist() == [3.0, 3.0]
    assert program(np.ones((2, 5))).tolist() == [5.0, 5.0]
    assert len(program._plans) == 2 and "(3,)" in repr(program)


# --- nn on the compiled path ---------------------------------------------------------------


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


def test_nan_propagates_through_the_replay_as_through_the_engine():
    """A NaN input gives the same NaNs, values and gradients, compiled and eager."""
    w = Value(0.5, label="w")

    def f(row):
        x, y = row
        return (Value.max([x, y]) * w).relu() + (x * w).leaky_relu(0.1) + abs(y).step() \
            + Value.min([y, x]) * w

    X = np.array([[np.nan, 1.0], [2.0, np.nan], [1.0, 3.0]])
    program = compile(f)
    got = program(X)
    for row, value in zip(X, got):
        eager = f([Value(row[0]), Value(row[1])]).data
        assert (math.isnan(eager) and math.isnan(value)) or eager == value
    w.grad = 0.0
    loss = program.value_and_grad(X, reduction="sum")
    compiled_grad = w.grad
    w.grad = 0.0
    total = Value.sum([f([Value(a), Value(b)]) for a, b in X])
    total.backward()
    assert math.isnan(loss) and math.isnan(total.data)
    assert math.isnan(compiled_grad) and math.isnan(w.grad)


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
