"""nn.exercises: the network's checkers (the deltas of a layer, an SGD step, softmax
cross-entropy) pass a right answer and fail a planted wrong one with a hint."""

import math

import numpy as np
import pytest

import nn
from autograd.exercises import NotDoneYet, WrongAnswer


def sigma(x):
    return 1 / (1 + math.exp(-x))


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
    assert "at neuron L1N1" in str(e) and e.expected == pytest.approx(delta_hidden[0])
    assert "δ_j = f'(u_j) · Σ_k w_kj δ_k" in str(e) and "You have ∂E/∂y" in str(e)
    assert "Wrong for 3 of the 3 neurons" in str(e)


def test_deltas_one_wrong_neuron_and_a_sign():
    model, x, t, delta_out, delta_hidden, _ = tanh_net()
    planted = delta_hidden.copy()
    planted[2] += 0.01
    with pytest.raises(WrongAnswer, match=r"at neuron L1N3") as info:
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
    with pytest.raises(NotDoneYet, match="3 δ of layer L1"):
        nn.exercises.check_deltas(model, x, t, 0, ...)


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
