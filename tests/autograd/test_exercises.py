"""autograd.exercises: every checker passes a right answer and fails a planted wrong one
with a message that teaches; the strip script leaves no solution in the student
version, and the stripped notebook's checks say "not done yet"."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import autograd
import nn
from autograd import Value, exercises
from autograd.exercises import NotDoneYet, WrongAnswer

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "10_exercises.ipynb"


def sigma(x):
    return 1 / (1 + math.exp(-x))


# --- check_local_gradient ------------------------------------------------------------------

# closed-form derivatives written here, independently of autograd/ops.py
RIGHT_RULES = {
    "sigmoid": lambda x: sigma(x) * (1 - sigma(x)),
    "tanh": lambda x: 1 / math.cosh(x) ** 2,
    "relu": lambda x: 1.0 if x > 0 else 0.0,
    "leaky_relu": lambda x: 1.0 if x > 0 else 0.01,
    "exp": math.exp,
    "log": lambda x: 1 / x,
    "sqrt": lambda x: 0.5 * x ** -0.5,
    "softplus": sigma,
    "softsign": lambda x: (1 + abs(x)) ** -2,
    "abs": lambda x: math.copysign(1.0, x),
    "neg": lambda x: -1,
    "hardtanh": lambda x: 1.0 if abs(x) < 1 else 0.0,
    "add": lambda x, y: (1, 1),
    "sub": lambda x, y: (1, -1),
    "mul": lambda x, y: (y, x),
    "div": lambda x, y: (1 / y, -x / y ** 2),
    "pow": lambda x, y: (y * x ** (y - 1), math.log(x) * x ** y),
}


@pytest.mark.parametrize("op", sorted(RIGHT_RULES))
def test_local_gradient_passes_a_right_rule(op):
    result = exercises.check_local_gradient(op, RIGHT_RULES[op])
    assert isinstance(result, exercises.Passed) and result.startswith("✓ " + op)
    assert repr(result) == str(result)  # shows without quotes in a notebook


def test_local_gradient_accepts_operator_symbols_and_values():
    assert exercises.check_local_gradient("*", lambda x, y: [Value(y), np.float64(x)])


def test_tanh_rule_with_x_instead_of_tanh_x():
    with pytest.raises(WrongAnswer) as info:
        exercises.check_local_gradient("tanh", lambda x: 1 - x ** 2)
    e = info.value
    assert isinstance(e, AssertionError)
    assert e.got == 1 - (-2.0) ** 2 and e.expected == pytest.approx(1 / math.cosh(-2.0) ** 2)
    message = str(e)
    assert "at x = -2" in message and "0.07065" in message
    assert "1 - tanh(x)^2" in message and "tanh(x), not the input x" in message


def test_a_rule_wrong_at_one_point_names_that_point():
    rule = lambda x: 0.5 if x == 1.3 else RIGHT_RULES["sigmoid"](x)  # noqa: E731
    with pytest.raises(WrongAnswer, match=r"at x = 1\.3") as info:
        exercises.check_local_gradient("sigmoid", rule)
    assert info.value.expected == pytest.approx(sigma(1.3) * (1 - sigma(1.3)))
    assert "Wrong at" not in str(info.value)  # only one point is wrong


@pytest.mark.parametrize("op, rule, words", [
    ("mul", lambda x, y: (x, y), "OTHER input"),
    ("div", lambda x, y: (1 / y, -1 / y ** 2), "factor x is missing"),
    ("pow", lambda x, y: (y * x ** (y - 1), x ** y), "ln(x) is missing"),
    ("sub", lambda x, y: (-1, 1), "wrong sign"),
    ("div", lambda x, y: (-x / y ** 2, 1 / y), "swapped"),
    ("exp", lambda x: -math.exp(x), "wrong sign"),
    ("log", math.log, "the forward value"),
    ("sqrt", lambda x: 1 / math.sqrt(x), "factor 1/2"),
    ("softsign", lambda x: 1 / (1 + abs(x)), "square is missing"),
])
def test_common_mistakes_are_recognised(op, rule, words):
    with pytest.raises(WrongAnswer) as info:
        exercises.check_local_gradient(op, rule)
    assert words in str(info.value)


def test_binary_rule_names_the_wrong_input():
    with pytest.raises(WrongAnswer, match=r"\(x, y\) = \(2, 3\): d out/dy") as info:
        exercises.check_local_gradient("div", lambda x, y: (1 / y, -1 / y ** 2))
    assert info.value.expected == [pytest.approx(1 / 3), pytest.approx(-2 / 9)]


def test_local_gradient_bad_arguments():
    with pytest.raises(TypeError, match="op must be an op name"):
        exercises.check_local_gradient(42, math.exp)
    with pytest.raises(ValueError, match="unknown op 'cosh'.*tanh"):
        exercises.check_local_gradient("cosh", math.sinh)
    with pytest.raises(TypeError, match="rule must be a function, got float"):
        exercises.check_local_gradient("exp", 1.0)
    with pytest.raises(TypeError, match="'mul' must take 2 arguments"):
        exercises.check_local_gradient("mul", lambda x: x)
    with pytest.raises(TypeError, match="'tanh' must take 1 argument"):
        exercises.check_local_gradient("tanh", lambda x, y: x)
    with pytest.raises(TypeError, match="must return two numbers"):
        exercises.check_local_gradient("mul", lambda x, y: x)
    with pytest.raises(TypeError, match="must be a number, got str"):
        exercises.check_local_gradient("exp", lambda x: "e^x")
    with pytest.raises(ValueError, match="tol must be > 0"):
        exercises.check_local_gradient("exp", math.exp, tol=0)


def test_local_gradient_not_done():
    with pytest.raises(NotDoneYet, match="rule for sigmoid .*placeholder `...`") as info:
        exercises.check_local_gradient("sigmoid", ...)
    assert not isinstance(info.value, WrongAnswer)
    with pytest.raises(NotDoneYet):
        exercises.check_local_gradient("tanh", lambda x: ...)


def test_errors_render_in_jupyter_as_their_message():
    with pytest.raises(WrongAnswer) as info:
        exercises.check_local_gradient("exp", lambda x: 2.0)
    lines = info.value._render_traceback_()  # what IPython shows instead of a traceback
    assert "WrongAnswer" in lines[0] and "exp's local gradient: wrong at x = -2" in lines[0]
    assert lines[1:] == str(info.value).splitlines()[1:]
    assert not any("Traceback" in line for line in lines)


# --- check_backward ---------------------------------------------------------------------------


def lecture_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return {"a": a, "b": b, "c": c, "f": f, "e": e, "d": d, "L": L}


# by hand: dL/dd = f, dL/df = d = 4, dL/de = dL/dc = dL/dd, dL/da = -2 b, dL/db = -2 a
LECTURE_GRADS = {"L": 1.0, "d": -2.0, "f": 4.0, "e": -2.0, "c": -2.0, "a": 6.0, "b": -4.0}


def fill(nodes, grads):
    for name, g in grads.items():
        nodes[name].grad = g


def test_backward_by_hand_passes_and_keeps_the_learners_numbers():
    nodes = lecture_graph()
    fill(nodes, LECTURE_GRADS)
    result = exercises.check_backward(nodes["L"])
    assert result == "✓ backward by hand: all 7 gradients right (L, d, f, e, c, a, b)"
    assert {k: v.grad for k, v in nodes.items()} == LECTURE_GRADS


def test_backward_names_the_first_wrong_node_in_reverse_topological_order():
    nodes = lecture_graph()
    fill(nodes, {**LECTURE_GRADS, "a": -2.0, "b": 99.0})
    with pytest.raises(WrongAnswer) as info:
        exercises.check_backward(nodes["L"])
    e = info.value
    assert (e.expected, e.got) == (6.0, -2.0)
    assert "a.grad (going back from L: L, d, f, e, c right)" in str(e)
    assert "e = a * b: upstream e.grad = -2 × local de/da = -3 → 6" in str(e)
    assert "without the local gradient" in str(e)
    assert nodes["a"].grad == -2.0 and nodes["b"].grad == 99.0  # not touched

    fill(nodes, {**LECTURE_GRADS, "d": 4.0, "a": -2.0})  # d is checked before a
    with pytest.raises(WrongAnswer, match=r"at d\.grad \(going back from L: L right\)"):
        exercises.check_backward(nodes["L"])


def test_backward_root_must_start_at_one():
    nodes = lecture_graph()
    fill(nodes, {k: 2 * g for k, g in LECTURE_GRADS.items()})
    with pytest.raises(WrongAnswer, match="starts from dL/dL = 1"):
        exercises.check_backward(nodes["L"])


def test_backward_fan_out_sums_the_paths():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    y.grad, x.grad = 1.0, 3.0  # one path only; d(x^2)/dx = 2x = 6
    with pytest.raises(WrongAnswer) as info:
        exercises.check_backward(y)
    assert info.value.expected == 6.0
    assert "the paths add up to 6" in str(info.value) and "one path only" in str(info.value)
    x.grad = 6.0
    assert exercises.check_backward(y).startswith("✓")


def test_backward_unlabelled_intermediates_are_named_as_in_drawings():
    a, b = Value(0.5, label="a"), Value(1.5, label="b")
    L = (a * b).tanh()
    L.label = "L"
    L.grad, a.grad, b.grad = 1.0, 0.0, 0.0
    with pytest.raises(WrongAnswer) as info:
        exercises.check_backward(L)
    assert "a.grad" in str(info.value) and "mul1 = a * b" in str(info.value)
    assert info.value.expected == pytest.approx(1.5 / math.cosh(0.75) ** 2)


def test_backward_not_done():
    nodes = lecture_graph()
    with pytest.raises(NotDoneYet, match="every .grad is still 0"):
        exercises.check_backward(nodes["L"])
    fill(nodes, {**LECTURE_GRADS, "a": ..., "b": ...})
    with pytest.raises(NotDoneYet, match=r"a\.grad, b\.grad are still the placeholder"):
        exercises.check_backward(nodes["L"])


def test_backward_bad_arguments():
    with pytest.raises(TypeError, match="root must be the Value"):
        exercises.check_backward(3.0)
    with pytest.raises(ValueError, match="root is a leaf"):
        exercises.check_backward(Value(1.0, label="a"))
    with pytest.raises(ValueError, match="label the nodes"):
        exercises.check_backward(Value(1.0) * Value(2.0))


# --- check_deltas -----------------------------------------------------------------------------


def weights(model):
    return [(np.array([[w.data for w in n.w] for n in layer.neurons]),
             np.array([n.b.data for n in layer.neurons])) for layer in model.layers]


def tanh_net():
    model = nn.MLP(2, [3, 1], activation="tanh", rng=0)
    x, t = [0.5, -1.0], 0.3
    (W1, b1), (W2, b2) = weights(model)
    y1 = np.tanh(W1 @ x + b1)
    y2 = W2 @ y1 + b2
    delta_out = y2 - t                              # E = 1/2 (y - t)^2, linear output
    delta_hidden = (W2.T @ delta_out) * (1 - y1 ** 2)
    return model, x, t, delta_out, delta_hidden, W2.T @ delta_out


def test_deltas_pass_for_the_recursion_written_in_numpy():
    model, x, t, delta_out, delta_hidden, _ = tanh_net()
    assert nn.exercises.check_deltas(model, x, t, layer=1, deltas=delta_out).startswith("✓")
    assert nn.exercises.check_deltas(model, x, t, layer=-1, deltas=list(delta_out))
    assert nn.exercises.check_deltas(model, x, t, layer=0, deltas=delta_hidden)


def test_deltas_of_a_deeper_sigmoid_net_with_cross_entropy():
    model = nn.MLP(3, [4, 3, 2], activation="sigmoid", rng=1)
    x, label = [0.2, -0.7, 1.1], 1
    (W1, b1), (W2, b2), (W3, b3) = weights(model)
    s = lambda u: 1 / (1 + np.exp(-u))  # noqa: E731
    y1 = s(W1 @ x + b1)
    y2 = s(W2 @ y1 + b2)
    z = W3 @ y2 + b3
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    d3 = p - np.eye(2)[label]                       # softmax-CE: delta = p - t
    d2 = (W3.T @ d3) * y2 * (1 - y2)
    d1 = (W2.T @ d2) * y1 * (1 - y1)
    for layer, d in enumerate([d1, d2, d3]):
        assert nn.exercises.check_deltas(model, x, label, layer, d, loss="cross_entropy")


def test_deltas_forgetting_f_prime_is_recognised():
    model, x, t, _, delta_hidden, dE_dy = tanh_net()
    with pytest.raises(WrongAnswer) as info:
        nn.exercises.check_deltas(model, x, t, layer=0, deltas=dE_dy)
    e = info.value
    assert "layer 0, neuron 0 (L0N0)" in str(e) and e.expected == pytest.approx(delta_hidden[0])
    assert "δ_j = f'(u_j) · Σ_k w_kj δ_k" in str(e) and "You have ∂E/∂y" in str(e)
    assert "Wrong for 3 of the 3 neurons" in str(e)


def test_deltas_one_wrong_neuron_and_a_sign():
    model, x, t, delta_out, delta_hidden, _ = tanh_net()
    planted = delta_hidden.copy()
    planted[2] += 0.01
    with pytest.raises(WrongAnswer, match=r"neuron 2 \(L0N2\)") as info:
        nn.exercises.check_deltas(model, x, t, layer=0, deltas=planted)
    assert info.value.got == planted[2]
    with pytest.raises(WrongAnswer, match="opposite sign") as info:
        nn.exercises.check_deltas(model, x, t, layer=1, deltas=-delta_out)
    assert "y − t for E = ½‖y − t‖²" in str(info.value)


def test_deltas_bad_arguments():
    model, x, t, delta_out, delta_hidden, _ = tanh_net()
    with pytest.raises(TypeError, match="model must be an nn.MLP"):
        nn.exercises.check_deltas(model.layers[0], x, t, 0, delta_hidden)
    with pytest.raises(ValueError, match="layer must be in 0..1"):
        nn.exercises.check_deltas(model, x, t, 2, delta_hidden)
    with pytest.raises(ValueError, match="deltas must have 3 numbers, got 2"):
        nn.exercises.check_deltas(model, x, t, 0, delta_hidden[:2])
    with pytest.raises(ValueError, match="x must have 2 numbers, got 3"):
        nn.exercises.check_deltas(model, [1.0, 2.0, 3.0], t, 0, delta_hidden)
    with pytest.raises(ValueError, match="loss must be one of"):
        nn.exercises.check_deltas(model, x, t, 0, delta_hidden, loss="l1")
    with pytest.raises(TypeError, match="layer must be an int"):
        nn.exercises.check_deltas(model, x, t, "0", delta_hidden)
    with pytest.raises(NotDoneYet, match="3 δ of layer 0"):
        nn.exercises.check_deltas(model, x, t, 0, ...)


# --- check_sgd_step ---------------------------------------------------------------------------

THETA, G, V, LR, GAMMA = [1.0, -0.5], [0.2, -0.4], [0.1, 0.0], 0.1, 0.9
NEW_V = [GAMMA * v - LR * g for v, g in zip(V, G)]       # the lectures' v <- gamma v - lr g
NEW_THETA = [t + v for t, v in zip(THETA, NEW_V)]        # theta <- theta + v


def momentum(new_theta, new_v, **kw):
    return nn.exercises.check_sgd_step(THETA, G, new_theta, lr=LR, momentum=GAMMA, velocity=V,
                                    new_velocity=new_v, **kw)


def test_sgd_steps_pass():
    assert momentum(NEW_THETA, NEW_V).startswith("✓ momentum step")
    plain = [t - LR * g for t, g in zip(THETA, G)]
    assert nn.exercises.check_sgd_step(THETA, G, plain, lr=LR).startswith("✓ SGD step")
    decayed = [t - LR * (g + 0.01 * t) for t, g in zip(THETA, G)]
    assert nn.exercises.check_sgd_step(THETA, G, np.array(decayed), lr=LR, weight_decay=0.01)
    from_rest = [t - LR * g for t, g in zip(THETA, G)]  # velocity omitted: starts at 0
    assert nn.exercises.check_sgd_step(THETA, G, from_rest, lr=LR, momentum=GAMMA,
                                    new_velocity=[-LR * g for g in G])


def test_momentum_in_pytorchs_convention_is_recognised():
    buffer = [GAMMA * v + g for v, g in zip(V, G)]
    with pytest.raises(WrongAnswer) as info:
        momentum(NEW_THETA, buffer)
    e = info.value
    assert "new_velocity[0]" in str(e) and e.expected == pytest.approx(0.07)
    assert "PyTorch's buffer" in str(e) and "0.9×0.1 − 0.1×0.2 = 0.07" in str(e)


@pytest.mark.parametrize("new_theta, words", [
    ([t - v for t, v in zip(THETA, NEW_V)], "minus sign is already in v"),
    ([t - LR * g for t, g in zip(THETA, G)], "plain SGD step"),
    ([NEW_THETA[0], 0.0], "new_params[1]"),
])
def test_momentum_wrong_parameters(new_theta, words):
    with pytest.raises(WrongAnswer, match="θ ← θ \\+ v") as info:
        momentum(new_theta, NEW_V)
    assert words in str(info.value)


def test_sgd_uphill():
    with pytest.raises(WrongAnswer, match="stepped uphill"):
        nn.exercises.check_sgd_step(THETA, G, [t + LR * g for t, g in zip(THETA, G)], lr=LR)


def test_sgd_bad_arguments_and_not_done():
    with pytest.raises(ValueError, match="grads must have 2 numbers, got 1"):
        nn.exercises.check_sgd_step(THETA, [0.1], NEW_THETA, lr=LR)
    with pytest.raises(ValueError, match="lr must be > 0"):
        nn.exercises.check_sgd_step(THETA, G, NEW_THETA, lr=-1)
    with pytest.raises(ValueError, match="momentum must be in"):
        nn.exercises.check_sgd_step(THETA, G, NEW_THETA, lr=LR, momentum=2, new_velocity=NEW_V)
    with pytest.raises(ValueError, match="give new_velocity"):
        nn.exercises.check_sgd_step(THETA, G, NEW_THETA, lr=LR, momentum=GAMMA)
    with pytest.raises(ValueError, match="for momentum > 0"):
        nn.exercises.check_sgd_step(THETA, G, NEW_THETA, lr=LR, velocity=V)
    with pytest.raises(TypeError, match="params must be a list of numbers, got float"):
        nn.exercises.check_sgd_step(1.0, G, NEW_THETA, lr=LR)
    with pytest.raises(TypeError, match=r"new_params\[1\] must be a number"):
        nn.exercises.check_sgd_step(THETA, G, [1.0, "x"], lr=LR)
    with pytest.raises(NotDoneYet, match="new velocity"):
        momentum(NEW_THETA, ...)
    with pytest.raises(NotDoneYet, match="new parameters"):
        momentum([..., ...], NEW_V)


# --- check_cross_entropy ----------------------------------------------------------------------


def softmax(z):
    z = np.asarray(z, float)
    e = np.exp(z - z.max())
    return e / e.sum()


CAT = [3.2, 5.1, -1.7]


def test_cross_entropy_passes():
    p = softmax(CAT)
    assert nn.exercises.check_cross_entropy(CAT, 0, -math.log(p[0]), p - [1, 0, 0]).startswith("✓")
    assert nn.exercises.check_cross_entropy(CAT, [0, 1, 0], -math.log(p[1]), p - [0, 1, 0])
    big = [1000.0, 999.0, -1000.0]  # stable: no overflow in the checker
    pb = softmax(big)
    assert nn.exercises.check_cross_entropy(big, 2, 2000 + math.log1p(math.exp(-1)), pb - [0, 0, 1])


@pytest.mark.parametrize("loss_of_p, grad_of_p, words", [
    (lambda p: math.log(p[0]), lambda p: p - [1, 0, 0], "minus sign is missing"),
    (lambda p: p[0], lambda p: p - [1, 0, 0], "probability p_target itself"),
    (lambda p: -math.log10(p[0]), lambda p: p - [1, 0, 0], "log base 10"),
    (lambda p: -math.log(p[0]), lambda p: p, "Yours is p: subtract"),
    (lambda p: -math.log(p[0]), lambda p: [1, 0, 0] - p, "Yours is t − p"),
])
def test_cross_entropy_mistakes(loss_of_p, grad_of_p, words):
    p = softmax(CAT)
    with pytest.raises(WrongAnswer) as info:
        nn.exercises.check_cross_entropy(CAT, 0, loss_of_p(p), grad_of_p(p))
    assert words in str(info.value)


def test_cross_entropy_names_the_wrong_class():
    p = softmax(CAT)
    planted = p - [1, 0, 0]
    planted[2] = 0.5
    with pytest.raises(WrongAnswer, match=r"gradient\[2\] \(class 2\)") as info:
        nn.exercises.check_cross_entropy(CAT, 0, -math.log(p[0]), planted)
    assert info.value.expected == pytest.approx(p[2])


def test_cross_entropy_bad_arguments_and_not_done():
    p = softmax(CAT)
    with pytest.raises(ValueError, match="class index in 0..2, got 3"):
        nn.exercises.check_cross_entropy(CAT, 3, 1.0, p)
    with pytest.raises(ValueError, match="one-hot"):
        nn.exercises.check_cross_entropy(CAT, [0.5, 0.5, 0], 1.0, p)
    with pytest.raises(ValueError, match="gradient must have 3 numbers"):
        nn.exercises.check_cross_entropy(CAT, 0, 1.0, p[:2])
    with pytest.raises(ValueError, match="at least 2 classes"):
        nn.exercises.check_cross_entropy([1.0], 0, 0.0, [0.0])
    with pytest.raises(NotDoneYet, match="your loss"):
        nn.exercises.check_cross_entropy(CAT, 0, ..., ...)
    with pytest.raises(NotDoneYet, match="your gradient"):
        nn.exercises.check_cross_entropy(CAT, 0, -math.log(p[0]), ...)


# --- check_custom_op --------------------------------------------------------------------------


def test_custom_op_passes():
    swish = autograd.op("swish_right", forward=lambda x: x * sigma(x),
                        local=lambda x, out: sigma(x) + out * (1 - sigma(x)))
    assert exercises.check_custom_op(swish, "swish").startswith("✓ swish_right")
    soft = autograd.op("my_softsign", forward=lambda x: x / (1 + abs(x)),
                       local=lambda x, out: (1 - abs(out)) ** 2)
    assert exercises.check_custom_op(soft, "softsign")
    cube = autograd.op("cube", forward=lambda x: x ** 3, local=lambda x, out: 3 * x * x)
    assert exercises.check_custom_op(cube, (lambda x: x ** 3, lambda x: 3 * x ** 2))


def test_custom_op_wrong_forward_is_named():
    bad = autograd.op("swish_bad_forward", forward=lambda x: x * sigma(-x),
                      local=lambda x, out: sigma(x) + out * (1 - sigma(x)))
    with pytest.raises(WrongAnswer, match="the forward function: wrong at x = -2.5") as info:
        exercises.check_custom_op(bad, "swish")
    assert info.value.expected == pytest.approx(-2.5 * sigma(-2.5))


def test_custom_op_wrong_local_gradient_is_named_with_check_op():
    bad = autograd.op("swish_bad_local", forward=lambda x: x * sigma(x),
                      local=lambda x, out: sigma(x))  # the product rule forgotten
    with pytest.raises(WrongAnswer) as info:
        exercises.check_custom_op(bad, "swish")
    message = str(info.value)
    assert "the local gradient: wrong at x = -2.5 (the forward is right)" in message
    assert "product rule" in message
    assert "check_op('swish_bad_local')" in message  # autograd.check_op's own table
    s = sigma(-2.5)
    assert info.value.expected == pytest.approx(s + -2.5 * s * (1 - s))


def test_custom_op_bad_arguments_and_not_done():
    def swish(x):
        return x * sigma(x)

    with pytest.raises(TypeError, match="decorate it with @autograd.op"):
        exercises.check_custom_op(swish, "swish")
    two = autograd.op("two_inputs", forward=lambda x, y: x * y, local=lambda x, y, out: (y, x))
    with pytest.raises(ValueError, match="must be unary"):
        exercises.check_custom_op(two, "swish")
    with pytest.raises(ValueError, match="unknown reference 'gelu'"):
        exercises.check_custom_op(two, "gelu")
    with pytest.raises(TypeError, match="reference must be"):
        exercises.check_custom_op(two, 3)
    with pytest.raises(NotDoneYet, match="your op"):
        exercises.check_custom_op(..., "swish")


# --- the student version ----------------------------------------------------------------------


def solution_cells(nb):
    return [c for c in nb["cells"]
            if c["cell_type"] == "code" and "".join(c["source"]).startswith("# SOLUTION")]


def test_strip_leaves_no_solution_and_keeps_every_other_cell(tmp_path):
    before = NOTEBOOK.read_bytes()
    out = tmp_path / "student.ipynb"
    assert exercises.main(["--strip", str(NOTEBOOK), "-o", str(out)]) == 0
    assert NOTEBOOK.read_bytes() == before  # the input is never touched
    teacher, student = json.loads(before), json.loads(out.read_text())
    assert len(solution_cells(teacher)) == 6
    assert len(student["cells"]) == len(teacher["cells"])
    text = out.read_text()
    student_code = "\n".join("".join(c["source"]) for c in student["cells"]
                             if c["cell_type"] == "code")
    for cell in solution_cells(teacher):
        body = "".join(cell["source"]).splitlines()
        names = [n.strip() for n in body[0].split(":", 1)[1].split(",")]
        code = [ln.strip() for ln in body[1:] if ln.strip() and not ln.strip().startswith("#")]
        assert code and not any(ln in student_code for ln in code)
        assert all(f"{n} = ..." in student_code for n in names)
    for t, s in zip(teacher["cells"], student["cells"]):
        if t not in solution_cells(teacher):
            assert s["source"] == t["source"]  # statements and checker cells kept
        if s["cell_type"] == "code":
            assert s["outputs"] == [] and s["execution_count"] is None
    assert solution_cells(student) == [] and "SOLUTION" not in student_code
    nbformat.validate(nbformat.reads(text, as_version=4))


def test_strip_as_a_module_command(tmp_path):
    out = tmp_path / "student.ipynb"
    run = subprocess.run([sys.executable, "-m", "autograd.exercises", "--strip", str(NOTEBOOK),
                          "-o", str(out)], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    assert "6 solution cells stripped" in run.stdout and out.exists()


def test_strip_refuses_to_overwrite_its_input_unless_asked(tmp_path, capsys):
    copy = tmp_path / "teacher.ipynb"
    copy.write_bytes(NOTEBOOK.read_bytes())
    link = tmp_path / "link.ipynb"
    link.symlink_to(copy)
    for target in (copy, link):
        assert exercises.main(["--strip", str(copy), "-o", str(target)]) == 1
        assert "refusing to overwrite" in capsys.readouterr().err
    assert copy.read_bytes() == NOTEBOOK.read_bytes()
    assert exercises.main(["--strip", str(copy), "--in-place"]) == 0
    assert len(solution_cells(json.loads(copy.read_text()))) == 0
    with pytest.raises(SystemExit) as info:  # neither -o nor --in-place
        exercises.main(["--strip", str(copy)])
    assert info.value.code == 2


def test_strip_writes_atomically(tmp_path, monkeypatch):
    out = tmp_path / "student.ipynb"
    out.write_text("the previous student version")
    renames = []

    def failing_replace(src, dst):
        renames.append((Path(src), Path(dst)))
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        exercises.strip_notebook(NOTEBOOK, out)
    (tmp, dst), = renames
    assert tmp.parent == out.parent and tmp != out and dst == out  # a temporary file beside it
    assert out.read_text() == "the previous student version"  # never half a file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["student.ipynb"]  # no leftovers


@pytest.mark.parametrize("content, words", [
    (None, "no such notebook"),
    ("not json {", "not a Jupyter notebook (not JSON"),
    ('{"cells": "nope"}', "not a Jupyter notebook (nbformat 4"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": "# SOLUTION\nx = 1", "metadata": {}, "outputs": [],
         "execution_count": None}]}), "cell 0 is marked # SOLUTION but does not name"),
])
def test_strip_bad_input_gives_a_clear_error(tmp_path, capsys, content, words):
    src = tmp_path / "in.ipynb"
    if content is not None:
        src.write_text(content)
    out = tmp_path / "out.ipynb"
    assert exercises.main(["--strip", str(src), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and words in err and not out.exists()


def test_strip_solutions_marks_and_placeholders():
    def cell(source, kind="code"):
        extra = {"outputs": [{"output_type": "stream", "name": "stdout", "text": "42"}],
                 "execution_count": 3} if kind == "code" else {}
        return {"cell_type": kind, "metadata": {}, "source": source, **extra}

    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        cell("\n# SOLUTION: rule, L.grad\ndef rule(x):\n    return 2 * x\nL.grad = 1.0"),
        cell(["# SOLUTIONS are discussed below\n", "x = 1"]),  # not the mark
        cell("# SOLUTION: rule", kind="markdown"),  # only code cells hold solutions
        cell("exercises.check_local_gradient('exp', rule)"),
    ]}
    student, count = exercises.strip_solutions(nb)
    assert count == 1 and nb["cells"][0]["outputs"]  # the input dict is not changed
    first = "".join(student["cells"][0]["source"])
    assert first.startswith("# your code here") and first.endswith("rule = ...\nL.grad = ...")
    assert "return 2 * x" not in first
    assert student["cells"][1]["source"] == nb["cells"][1]["source"]
    assert student["cells"][2] == nb["cells"][2]
    assert all(c["outputs"] == [] and c["execution_count"] is None
               for c in student["cells"] if c["cell_type"] == "code")
    namespace = {"L": Value(1.0) * 2}  # made by an earlier cell, as in the notebook
    exec(first, namespace)  # the placeholder runs: no NameError before the check
    assert namespace["rule"] is exercises.TODO and namespace["L"].grad is exercises.TODO
    with pytest.raises(ValueError, match="cell 0 .* does not name its answers"):
        exercises.strip_solutions({**nb, "cells": [cell("# SOLUTION: 2x\nx = 1")]})
    with pytest.raises(ValueError, match="not a Jupyter notebook"):
        exercises.strip_solutions({"nbformat": 3, "cells": []})


def test_strip_warns_when_there_is_nothing_to_strip(tmp_path, capsys):
    src = tmp_path / "plain.ipynb"
    src.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}))
    assert exercises.main(["--strip", str(src), "-o", str(tmp_path / "out.ipynb")]) == 0
    assert "no solution cells" in capsys.readouterr().err


def test_strip_output_folder_must_exist(tmp_path, capsys):
    assert exercises.main(["--strip", str(NOTEBOOK), "-o", str(tmp_path / "no" / "x.ipynb")]) == 1
    assert "no such folder" in capsys.readouterr().err


def test_stripped_notebook_says_not_done_at_every_check(tmp_path):
    out = tmp_path / "student.ipynb"
    exercises.strip_notebook(NOTEBOOK, out)
    nb = nbformat.read(out, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            record_timing=False, resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env={**os.environ, "PYTHONPATH": str(ROOT)})  # this checkout's autograd
    checks = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("exercises.")]
    assert len(checks) == 9
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert [e.ename for e in errors] == ["NotDoneYet"] * len(checks)  # no NameError, no other
    for cell in checks:
        (error,) = [o for o in cell.outputs if o.output_type == "error"]
        assert "not done yet" in error.evalue and "placeholder `...`" in error.evalue
        assert error.traceback == [error.traceback[0]]  # the message alone, no traceback
    evalues = " ".join(e.evalue for e in errors)
    for words in ("L.grad", "rule for sigmoid", "rule for tanh", "rule for div", "your loss",
                  "δ of layer 1", "δ of layer 0", "new velocity", "your op"):
        assert words in evalues
