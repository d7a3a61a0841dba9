"""autograd/replay/codegen.py: from its second call on, a batch size runs the plan as two
generated straight-line functions; they compute what the plan's steps compute, to the
last bit, on every kind of step (written out or called), and ``Plan.code`` shows them."""

import gc
import math
import weakref

import numpy as np
import pytest

from autograd import Value, compile
from tests.autograd.replay import nets

RNG = np.random.default_rng(0)
X3 = RNG.normal(size=(7, 3))
SIGNS = np.sign(RNG.normal(size=7))
ONE_HOT = np.eye(3)[RNG.integers(0, 3, size=7)]


def _mlp(activation, sizes=(4, 2), seed=0):
    model = nets.MLP(3, list(sizes), activation, seed=seed)
    return model, model.parameters()


def _cases():
    """(name, fn, params, arrays): every kind of step, fused or not, with parameters,
    constants and inputs in both spaces."""
    relu, prelu = _mlp("relu"), _mlp("relu", (5, 1), seed=1)
    tanh, sigmoid = _mlp("tanh", (4, 3)), _mlp("sigmoid", (3, 3), seed=2)
    w, b = Value(0.7), Value(-0.2)
    unary = ["exp", "tanh", "sigmoid", "relu", "softplus", "softsign", "hardtanh", "step",
             "sign", "__neg__", "__abs__"]
    return [
        ("relu MLP + max-margin + L2", lambda x, y: nets.max_margin(prelu[0](x), y)
         + 1e-3 * nets.l2_penalty(prelu[1]), prelu[1], (X3, SIGNS)),
        ("relu MLP, two outputs, mse", lambda x: nets.mse(relu[0](x), [0.5, -0.5]),
         relu[1], (X3,)),
        ("tanh MLP, cross-entropy", lambda x, t: nets.cross_entropy(tanh[0](x), t), tanh[1],
         (X3, ONE_HOT)),
        ("sigmoid MLP, hinge", lambda x, t: nets.hinge(sigmoid[0](x), t), sigmoid[1],
         (X3, ONE_HOT)),
        ("every unary op of a product", lambda x: Value.sum(
            [getattr(x[0] * w + b, name)() for name in unary]), [w, b], (X3,)),
        ("+ - * / ** of inputs, parameters and constants", lambda x: (
            (x[0] - w) * (2.0 - x[1]) + x[2] / (1.5 + w * w) - b * b - (x[0] + x[0])
            + (x[1] - x[1]) + abs(x[2]) ** 1.5 + (w - 3.0) ** 2), [w, b], (X3,)),
        ("max, min, logsumexp", lambda x: Value.max([x[0] * w, x[1], b])
         - Value.min([x[2], w]) + Value.logsumexp([x[0], x[1] * b, w]), [w, b], (X3,)),
        ("a layer with no biases", lambda x: Value.sum([w * x[0], b * x[1]]).tanh(), [w, b],
         (X3,)),
    ]


CASES = _cases()


@pytest.mark.parametrize("name, fn, params, arrays", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("fuse", [True, False])
def test_the_generated_functions_compute_what_the_steps_compute_to_the_last_bit(
        name, fn, params, arrays, fuse):
    plan = compile(fn, fuse=fuse).plan(*arrays)
    arrays = [np.asarray(a, dtype=float) for a in arrays]
    S = plan.forward(arrays)  # a new set of work arrays: the steps, interpreted
    assert S[4] is None
    plan.backward(S, 0, 1.0 / len(arrays[0]))
    interpreted = [a.copy() for a in S[:4]]
    plan.release(S)
    S = plan.forward(arrays)  # the same set again: written out now
    assert S[4] is not None
    plan.backward(S, 0, 1.0 / len(arrays[0]))
    for got, want in zip(S[:4], interpreted):
        np.testing.assert_array_equal(got, want)
    plan.release(S)


def test_a_network_s_steps_are_written_out_as_numpy_calls():
    """The relu MLP's plan has no step left to call: every line is a numpy operation on
    views bound once (a layer is a matmul into its rows plus its bias)."""
    model, params = _mlp("relu", (16, 16, 1))
    program = compile(lambda x, y: nets.max_margin(model(x), y) + 1e-4 * nets.l2_penalty(params))
    with pytest.raises(ValueError, match="has not run yet"):
        program.plan(X3, SIGNS).code()
    program(X3, SIGNS)
    source = program.plan(X3, SIGNS).code(batch=7)
    forward, backward = source.split("def backward")
    assert "def forward(S, arrays, theta):" in forward and ".forward(S)" not in forward
    assert ".backward(S, G)" not in backward and "for " not in source
    assert forward.count("matmul(") == 3 and backward.count("matmul(") == 5
    assert "# level 1: layer of 16 neurons: W (16x3) @ H + bias" in forward
    assert "maximum(" in forward and "less_equal(" in backward  # relu and its local gradient


def test_a_domain_error_in_the_generated_code_is_the_steps_error():
    program = compile(lambda x: (x * 2.0).log())
    program(np.array([1.0, 2.0]))
    program(np.array([1.0, 2.0]))  # now generated
    with pytest.raises(ValueError, match=r"^log: expected a positive number, got -2.0 "
                                         r"\(sample 1 of the batch\)"):
        program(np.array([1.0, -1.0]))


def test_relu_of_minus_zero_is_zero_and_nan_passes_in_generated_code():
    program = compile(lambda x: x.relu())
    X = np.array([-0.0, math.nan, -1.0, 2.0])
    program(X)
    got = program(X)  # generated
    assert got.tolist()[0] == 0.0 and math.copysign(1.0, got[0]) == 1.0
    assert math.isnan(got[1]) and got.tolist()[2:] == [0.0, 2.0]


def test_requirements_are_checked_on_every_call_of_the_generated_code():
    program = compile(lambda x, y: nets.max_margin(x[0], y))
    program(X3, SIGNS)
    program(X3, SIGNS)
    with pytest.raises(ValueError, match=r"expects targets -1 or \+1, got \[-2\.  2\.\]"):
        program(X3, SIGNS * 2)


def test_a_dropped_set_of_work_arrays_is_freed_at_once_not_by_the_collector():
    """The generated functions hold views of the arrays, never the set itself: no reference
    cycle, so a large batch's arrays go when the plan lets them go."""
    w = Value(0.5)
    program = compile(lambda x: (x * w).tanh())
    program(np.ones(3))
    program(np.ones(3))
    plan = program.plan(np.ones(3))
    S = plan._spare[3][0]
    assert S[4] is not None
    values = weakref.ref(S[0])
    was = gc.isenabled()
    gc.disable()
    try:
        plan._spare.clear()
        del S
        assert values() is None
    finally:
        if was:
            gc.enable()
