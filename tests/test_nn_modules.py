"""Neurons, layers and MLPs: shapes, names, seeds, hand-set weights (the lectures'
logic gates and ReLU XOR net), initialisation statistics, saving and loading."""

import json
import math

import numpy as np
import pytest

from autograd import Value, gradcheck
from nn import MLP, Layer, Neuron, init


def test_mlp_structure_names_and_count():
    m = MLP(2, [16, 16, 1], rng=0)
    names = [n for n, _ in m.named_parameters()]
    assert m.num_parameters == len(m.parameters()) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)
    assert names[0] == "layers.0.neurons.0.w.0" and names[2] == "layers.0.neurons.0.b"
    assert "layers.1.neurons.3.w.1" in names
    assert len(set(names)) == len(names)
    assert "Layer(16 -> 1, linear)" in repr(m) and "337 parameters" in repr(m)


def test_output_is_a_value_for_one_unit_and_a_list_otherwise():
    assert isinstance(MLP(2, [3, 1], rng=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 4], rng=0)(np.array([1.0, 2.0]))
    assert isinstance(out, list) and len(out) == 4
    deep = MLP(2, [16, 1, 1], rng=0)  # micrograd crashes on a 1-unit hidden layer
    assert isinstance(deep([0.5, -0.5]), Value)


def test_forward_matches_numpy():
    m = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", rng=1)
    x = np.array([0.3, -1.2, 2.0])
    W = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in m.layers]
    b = [np.array([n.b.data for n in layer.neurons]) for layer in m.layers]
    h = np.tanh(W[0] @ x + b[0])
    expected = 1 / (1 + np.exp(-(W[1] @ h + b[1])))
    assert [v.data for v in m(x)] == pytest.approx(expected, rel=1e-14)


def test_gradients_of_a_small_mlp_pass_gradcheck():
    m = MLP(2, [3, 1], activation="tanh", rng=2)
    params = m.parameters()

    def f(*values):  # the same network written out, with the given leaves as parameters
        layer0 = [Value.sum([w * x for w, x in zip(values[j * 3:j * 3 + 2], (0.5, -1.5))]
                            + [values[j * 3 + 2]]).tanh() for j in range(3)]
        return Value.sum([w * h for w, h in zip(values[9:12], layer0)] + [values[12]])

    assert gradcheck(f, [p.data for p in params])
    out = m([0.5, -1.5])
    out.backward()
    by_model = [p.grad for p in params]
    leaves = [Value(p.data) for p in params]
    f(*leaves).backward()
    assert by_model == pytest.approx([v.grad for v in leaves], rel=1e-14)


def test_same_seed_same_model_and_generator_accepted():
    a, b = MLP(2, [5, 1], rng=7), MLP(2, [5, 1], rng=7)
    assert a.state_dict() == b.state_dict()
    assert MLP(2, [5, 1], rng=8).state_dict() != a.state_dict()
    c = MLP(2, [5, 1], rng=np.random.default_rng(7))
    assert c.state_dict() == a.state_dict()


def test_bad_inputs_raise_clear_errors():
    m = MLP(2, [3, 1], rng=0)
    with pytest.raises(ValueError, match="MLP expects 2 inputs, got 3"):
        m([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="str"):
        m("ab")
    with pytest.raises(ValueError, match="shape"):
        m(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="unknown activation 'relux'"):
        MLP(2, [3, 1], activation="relux")
    with pytest.raises(ValueError, match="nin"):
        MLP(0, [3])
    with pytest.raises(ValueError, match="unknown init"):
        Neuron(2, init="zeros")
    with pytest.raises(ValueError, match="hidden activations"):
        MLP(2, [3, 3, 1], activation=["tanh"])


def test_activation_by_name_callable_and_per_layer():
    m = MLP(1, [2, 2, 1], activation=["tanh", "relu"], output_activation=lambda v: v * 2, rng=0)
    assert [layer.activation for layer in m.layers[:2]] == ["tanh", "relu"]
    out = m([0.3])
    assert out.op == "*"  # the custom output activation was applied
    for name in ["relu", "tanh", "sigmoid", "leaky_relu", "softplus", "softsign", "hardtanh",
                 "step", "linear"]:
        assert isinstance(Neuron(2, activation=name, rng=0)([1.0, -1.0]), Value)


# --- the lectures' hand-set networks ------------------------------------------------------

TABLE = [(0, 0), (0, 1), (1, 0), (1, 1)]


def _gate(weights, bias):
    n = Neuron.from_weights(weights, bias=bias, activation="sigmoid")
    return [round(n(list(x)).data) for x in TABLE]


def test_logic_gates_with_one_sigmoid_neuron():
    assert _gate([20, 20], -30) == [0, 0, 0, 1]  # AND
    assert _gate([20, 20], -10) == [0, 1, 1, 1]  # OR
    not_gate = Neuron.from_weights([-20], bias=10, activation="sigmoid")
    assert [round(not_gate([x]).data) for x in (0, 1)] == [1, 0]


def test_xnor_from_and_nor_feeding_or():
    xnor = MLP.from_weights([[[20, 20], [-20, -20]], [[20, 20]]], [[-30, 10], [-10]],
                            activations="sigmoid")
    assert [round(xnor(list(x)).data) for x in TABLE] == [1, 0, 0, 1]


def test_relu_xor_network_of_the_lecture():
    xor = MLP.from_weights([[[1, 1], [1, 1]], [[1, -2]]], [[0, -1], [0]], activations="relu")
    assert [xor(list(x)).data for x in TABLE] == [0.0, 1.0, 1.0, 0.0]


def test_from_weights_checks_shapes():
    with pytest.raises(ValueError, match="layer 1 expects 3 inputs"):
        MLP.from_weights([np.ones((2, 2)), np.ones((1, 3))])
    with pytest.raises(ValueError, match="biases"):
        MLP.from_weights([np.ones((2, 2))], [[1.0]])
    n = Neuron.from_weights([1.0, 2.0], bias=None)
    assert n.b is None and n([1.0, 1.0]).data == 3.0


# --- initialisation ----------------------------------------------------------------------

@pytest.mark.parametrize("name,n_in,expected_std", [
    ("xavier", 50, 1 / math.sqrt(50)),
    ("xavier_uniform", 50, 1 / math.sqrt(50)),
    ("he", 50, math.sqrt(2 / 50)),
    ("msra", 8, math.sqrt(2 / 8)),
    ("gaussian", 10, 0.01),
    ("uniform", 10, 1 / math.sqrt(3)),
])
def test_init_standard_deviations(name, n_in, expected_std):
    w = init.get(name)(n_in, 400, np.random.default_rng(0))
    assert w.shape == (400, n_in)
    # std of the sample std for n = 400 * n_in draws is about expected / sqrt(2n) < 1 %
    assert np.std(w) == pytest.approx(expected_std, rel=0.03)
    assert abs(np.mean(w)) < 4 * expected_std / math.sqrt(w.size)


def test_biases_start_at_zero_and_auto_init_follows_activation():
    m = MLP(100, [200, 1], activation="relu", rng=0)
    w = np.array([[w.data for w in n.w] for n in m.layers[0].neurons])
    assert np.std(w) == pytest.approx(math.sqrt(2 / 100), rel=0.03)
    assert all(n.b.data == 0.0 for n in m.layers[0].neurons)
    t = MLP(100, [200, 1], activation="tanh", rng=0)
    wt = np.array([[w.data for w in n.w] for n in t.layers[0].neurons])
    assert np.std(wt) == pytest.approx(1 / math.sqrt(100), rel=0.03)


# --- state, saving, loading, predict -------------------------------------------------------

def test_save_load_round_trip_is_exact(tmp_path):
    a, b = MLP(2, [4, 1], rng=3), MLP(2, [4, 1], rng=4)
    path = tmp_path / "model.json"
    a.save(path)
    b.load(path)
    assert b.state_dict() == a.state_dict()
    assert json.loads(path.read_text())["format"] == "gradlab.nn"
    assert not [p for p in tmp_path.iterdir() if p.name != "model.json"]  # no temp file left


@pytest.mark.parametrize("content,match", [
    ("{not json", "not valid JSON"),
    ('{"format": "gradlab.nn", "version": 1, "parameters": {"layers.0.neurons.0.w.0": 1.0',
     "not valid JSON"),
    ('[1, 2]', "not a gradlab model file"),
    ('{"format": "gradlab.nn", "version": 1, "parameters": {"x": 1.0}}', "missing"),
])
def test_bad_files_leave_the_model_untouched(tmp_path, content, match):
    m = MLP(2, [4, 1], rng=3)
    before = m.state_dict()
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=match):
        m.load(path)
    assert m.state_dict() == before


def test_wrong_shape_and_bad_values_leave_the_model_untouched(tmp_path):
    small, big = MLP(2, [4, 1], rng=0), MLP(2, [5, 1], rng=1)
    path = tmp_path / "small.json"
    small.save(path)
    before = big.state_dict()
    with pytest.raises(ValueError, match="does not fit"):
        big.load(path)
    assert big.state_dict() == before
    state = small.state_dict()
    state["layers.0.neurons.0.w.0"] = "x"
    with pytest.raises(ValueError, match="finite number"):
        small.load_state_dict(state)


def test_save_replaces_atomically(tmp_path):
    path = tmp_path / "m.json"
    MLP(2, [2, 1], rng=0).save(path)
    first = path.read_text()
    MLP(2, [2, 1], rng=1).save(path)
    assert path.read_text() != first and json.loads(path.read_text())


def test_predict_shapes_and_no_graph():
    m = MLP(2, [3, 1], rng=0)
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    p = m.predict(X)
    assert p.shape == (3,)
    assert p[0] == m([0.0, 1.0]).data
    assert MLP(2, [3, 4], rng=0).predict(X).shape == (3, 4)


def test_zero_grad_and_layer_call():
    layer = Layer(2, 3, activation="tanh", rng=0)
    out = Value.sum(layer([1.0, 2.0]))
    out.backward()
    assert any(p.grad != 0 for p in layer.parameters())
    layer.zero_grad()
    assert all(p.grad == 0 for p in layer.parameters())
