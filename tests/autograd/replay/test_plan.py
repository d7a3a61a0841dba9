"""autograd/replay/plan.py: the traced graph numbered and classified, neurons fused into
``W @ H``, nodes grouped by level and operation, rows laid out; and whatever the
schedule, the replayed batch gives the eager graph's numbers (``compare.eager``)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, compile
from autograd.replay.kernels import Linear
from tests.autograd.replay import nets
from tests.autograd.replay.compare import assert_same, eager, replayed

# --- leaves, and the classic traps ------------------------------------------------------------


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


# --- neurons fused into W @ H, levels and steps ---------------------------------------------


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


def test_level_scheduling_runs_groups_not_nodes():
    model = nets.MLP(2, [16, 16, 1], "relu")
    program = compile(lambda x, y: nets.max_margin(model(x), y)
                      + 1e-4 * nets.l2_penalty(model.parameters()))
    X, y = np.zeros((4, 2)), np.ones(4)
    replay = program.plan(X, y, fuse=False)
    fused = program.plan(X, y)
    assert len(replay.nodes) > 1000
    assert len(replay.steps) <= 20  # one numpy operation per (level, op), not per node
    assert fused.n_fused == 33 and fused.n_absorbed == 16 * 2 + 16 * 16 + 16
    assert len(fused.steps) < len(replay.steps)


def test_a_layer_is_one_block_of_rows_in_the_models_own_parameter_order():
    # neuron by neuron, its weights (in the order of its inputs' rows) then its bias, as
    # nn lists them: each layer is a (k, m + 1) block whose columns are W and b (views,
    # no copy), and the rows are in the order of model.parameters() (an optimizer's)
    model = nets.MLP(3, [4, 2], "tanh")
    plan = compile(model).plan(np.zeros((5, 3)))
    layers = [step for step in plan.steps if isinstance(step, Linear)]
    assert [(step.k, step.m) for step in layers] == [(4, 3), (2, 4)]
    assert all(isinstance(step.wb, slice) for step in layers)
    in_model_order = [p for layer in model.layers for n in layer.neurons for p in (*n.w, n.b)]
    assert plan.param_values == in_model_order


def test_a_layer_without_biases_keeps_its_weights_as_one_block():
    rng = np.random.default_rng(0)
    weights = [[[Value(rng.normal()) for _ in range(3)] for _ in range(4)],
               [[Value(rng.normal()) for _ in range(4)] for _ in range(2)]]

    def no_bias(x):
        for W in weights:
            x = [Value.sum([w * v for w, v in zip(row, x)]).tanh() for row in W]
        return x

    plan = compile(no_bias).plan(np.zeros((5, 3)))
    layers = [step for step in plan.steps if isinstance(step, Linear)]
    assert len(layers) == 2
    assert all(isinstance(step.block, slice) and step.wb is None for step in layers)
    assert plan.param_values == [w for W in weights for row in W for w in row]


# --- random networks, activations and losses (hypothesis) ------------------------------------

ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear", "leaky_relu", "softplus", "softsign",
               "hardtanh"]
LOSSES = ["max_margin", "mse", "bce", "cross_entropy", "hinge", "half_squared_error"]


def _loss_and_targets(name, k, rng, n):
    """(loss of one sample's scores and targets, the batch's targets, the model's width)."""
    if name == "max_margin":
        return nets.max_margin, rng.choice([-1.0, 1.0], n), 1
    if name == "bce":
        return nets.binary_cross_entropy, rng.integers(0, 2, n).astype(float), 1
    if name in ("cross_entropy", "hinge"):
        return getattr(nets, name), np.eye(k)[rng.integers(0, k, n)], k
    return getattr(nets, name), rng.normal(size=(n, k)) if k > 1 else rng.normal(size=n), k


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), loss=st.sampled_from(LOSSES),
       act=st.sampled_from(ACTIVATIONS), hidden=st.lists(st.integers(1, 6), min_size=0, max_size=3),
       k=st.integers(2, 4), n=st.integers(1, 17), n_in=st.integers(1, 4),
       l2=st.sampled_from([0.0, 1e-3]), fuse=st.booleans())
def test_random_networks_and_losses_match_eager(seed, loss, act, hidden, k, n, n_in, l2, fuse):
    rng = np.random.default_rng(seed)
    loss_fn, T, k = _loss_and_targets(loss, k, rng, n)
    model = nets.MLP(n_in, [*hidden, k], act, seed=seed)
    params = model.parameters()
    X = rng.normal(size=(n, n_in)) * 2

    def fn(x, t):
        value = loss_fn(model(x), t)
        return value + l2 * nets.l2_penalty(model.weights()) if l2 else value

    reduction = "sum" if loss == "half_squared_error" else "mean"
    assert_same(eager(fn, params, X, T, reduction=reduction),
                replayed(fn, params, X, T, reduction=reduction, fuse=fuse))
