"""nn.module_view: an MLP as modules h_1 ... h_N, every number read off one real backward
pass; the lectures' formulas (u = W y + b, δ = ∂E/∂y ⊙ f'(u), ∂E/∂W = δ yᵀ, the δ
recursion) checked against those numbers, and against backward() on a twin model."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value
from nn import MLP, module_view
from tests.nn.reference import NUMPY_ACTIVATIONS

TOL = 1e-12


def _loss(model, x, t):
    out = model(x)
    out = out if isinstance(out, list) else [out]
    return Value.sum([(o - ti) ** 2 for o, ti in zip(out, t)]) * 0.5


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3),
       st.sampled_from(["relu", "tanh", "sigmoid", "softplus"]),
       st.sampled_from(["linear", "sigmoid"]), st.integers(0, 2**16))
def test_every_module_obeys_the_lectures_formulas(sizes, act, out_act, seed):
    rng = np.random.default_rng(seed)
    model = MLP(3, sizes, activation=act, output_activation=out_act, rng=seed)
    x, t = rng.normal(size=3), rng.normal(size=sizes[-1])
    view = module_view(_loss(model, x, t), model)
    assert [m.name for m in view.modules] == [f"L{k}" for k in range(1, len(sizes) + 1)]
    below = x
    for k, m in enumerate(view.modules):
        f, df = NUMPY_ACTIVATIONS[m.activation]
        assert np.array_equal(m.kept, below)  # the input it keeps: the module below's output
        assert np.allclose(m.u, m.W @ m.kept + m.b, rtol=0, atol=TOL)
        assert np.allclose(m.y, f(m.u), rtol=0, atol=TOL)
        assert np.allclose(m.f_prime, df(m.u), rtol=0, atol=TOL)
        assert np.allclose(m.delta, m.dE_dy * m.f_prime, rtol=0, atol=TOL)
        assert np.allclose(m.dE_dW, np.outer(m.delta, m.kept), rtol=0, atol=TOL)
        assert np.allclose(m.dE_db, m.delta, rtol=0, atol=TOL)
        assert np.allclose(m.passed, m.W.T @ m.delta, rtol=0, atol=TOL)
        if k:  # what a module passes down is what the one below receives
            assert np.allclose(view.modules[k - 1].dE_dy, m.passed, rtol=0, atol=TOL)
        below = m.y
    assert np.allclose(view.modules[-1].dE_dy, view.modules[-1].y - t, rtol=0, atol=TOL)


def test_the_numbers_are_backwards():
    model, twin = MLP(2, [4, 3], rng=0), MLP(2, [4, 3], rng=0)
    x, t = [0.3, -1.2], [1.0, 0.0, -1.0]
    for p in model.parameters():
        p.grad = 5.0  # an earlier gradient is not this pass's
    view = module_view(_loss(model, x, t), model)
    _loss(twin, x, t).backward()
    for m, layer, twin_layer in zip(view.modules, model.layers, twin.layers):
        assert np.array_equal(m.dE_dW, [[w.grad for w in n.w] for n in twin_layer.neurons])
        assert np.array_equal(m.dE_dW + 5.0, [[w.grad for w in n.w] for n in layer.neurons])
    assert view.loss == _loss(twin, x, t).data


def test_the_text_reads_forward_then_backward():
    model = MLP(2, [3, 1], activation="tanh", rng=0)
    text = module_view(_loss(model, [0.5, -1.0], [1.0]), model).text(precision=3)
    lines = text.splitlines()
    assert lines[0].startswith("ỹ = h2(h1(x; W1, b1); W2, b2), E = ")
    assert "forward, h1 first:" in lines and "backward, h2 first:" in lines
    assert "  h1 = L1: y1 = tanh(W1 y0 + b1), W1 is 3x2" in lines
    assert "    keeps  y0 = [0.500, -1.000]" in lines
    assert any(line.startswith("  h2 = L2: receives ∂E/∂y2 = [") and line.endswith("the loss")
               for line in lines)
    assert lines[-1].startswith("    passes ∂E/∂y0 = W1ᵀ δ1 = [") and "input's gradient" in text
    wide = MLP(9, [1], rng=0)
    text = repr(module_view(_loss(wide, [0.5] * 9, [1.0]), wide))  # repr is the text
    assert "    keeps  y0 = [0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, " \
           "...]" in text.splitlines()


def test_a_custom_activation_of_several_nodes():
    swish = lambda v: v * v.sigmoid()  # noqa: E731  y = u·σ(u): two paths back to u
    model = MLP(2, [3, 1], activation=swish, rng=1)
    view = module_view(_loss(model, [0.4, 0.9], [0.0]), model)
    u = view.modules[0].u
    s = 1 / (1 + np.exp(-u))
    assert np.allclose(view.modules[0].f_prime, s + u * s * (1 - s), rtol=0, atol=TOL)
    assert np.allclose(view.modules[0].delta, view.modules[0].dE_dy * view.modules[0].f_prime,
                       rtol=0, atol=TOL)


def test_what_it_cannot_read_is_refused():
    model = MLP(2, [2, 1], rng=0)
    batch = Value.sum([_loss(model, x, [0.0]) for x in ([1.0, 2.0], [3.0, 4.0])])
    with pytest.raises(ValueError, match="runs L1N1 2 times"):
        module_view(batch, model)
    with pytest.raises(ValueError, match="every neuron of the model"):
        module_view(model.layers[0]([1.0, 2.0])[0], model)
    with pytest.raises(TypeError, match="as a Value"):
        module_view(1.0, model)
    with pytest.raises(TypeError, match="layers of neurons"):
        module_view(Value(1.0), nn.Perceptron(2))
    conv = nn.Sequential(nn.Conv1d(4, 1, 2), nn.Layer(3, 1))
    with pytest.raises(TypeError, match="has a convolution"):
        module_view(conv([1.0, 2.0, 3.0, 4.0]), conv)
