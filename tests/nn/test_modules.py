"""nn.modules: forward vs numpy, backward vs the lecture's delta formulas, central
differences and gradcheck, graph shape, names and seeds, hand-set gates and the ReLU XOR,
predict, bad input. (The activations: test_activations.py; saving and
loading: test_serialization.py.)"""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import nn
from autograd import Value, gradcheck, is_grad_enabled, no_grad, topological_order
from nn import MLP, Layer, Neuron
from nn.modules import Module
from tests.nn.reference import NUMPY_ACTIVATIONS, numpy_backprop, numpy_forward, weights_of

SMOOTH = ["tanh", "sigmoid", "softplus", "softsign", "linear"]


def half_squared_error(outputs, targets):
    outputs = outputs if isinstance(outputs, list) else [outputs]
    return Value.sum([(o - t) ** 2 for o, t in zip(outputs, targets)]) * 0.5


# --- forward ------------------------------------------------------------------------------

@settings(max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), sizes=st.sampled_from([[4, 2], [5, 4, 2]]),
       hidden=st.sampled_from(sorted(NUMPY_ACTIVATIONS)),
       out=st.sampled_from(["linear", "sigmoid", "tanh"]),
       x=st.lists(st.floats(-3, 3), min_size=3, max_size=3))
@example(seed=1, sizes=[4, 2], hidden="tanh", out="sigmoid", x=[0.3, -1.2, 2.0])
def test_mlp_forward_equals_the_numpy_forward(seed, sizes, hidden, out, x):
    m = MLP(3, sizes, activation=hidden, output_activation=out, rng=seed)
    W, b = weights_of(m)
    _, ys = numpy_forward(W, b, [hidden] * (len(sizes) - 1) + [out], x)
    # the sums are added in another order than W @ y: equal to rounding, not bit for bit
    for inputs in (x, np.array(x)):
        assert [v.data for v in m(inputs)] == pytest.approx(ys[-1], rel=1e-13, abs=1e-12)


def test_outputs_value_for_one_unit_list_otherwise():
    assert isinstance(MLP(2, [4, 1], rng=0)([1, 2]), Value)
    many = MLP(2, [4, 3], rng=0)([1, 2])
    assert isinstance(many, list) and len(many) == 3 and all(isinstance(v, Value) for v in many)
    from_array = MLP(2, [3, 4], rng=0)(np.array([1.0, 2.0]))
    assert isinstance(from_array, list) and len(from_array) == 4
    one = Layer(2, 1, rng=0)([1, 2])
    assert isinstance(one, list) and len(one) == 1  # a Layer always returns a list
    assert isinstance(Neuron(2, rng=0)([1, 2]), Value)
    deep = MLP(2, [16, 1, 1], rng=0)  # micrograd crashes on a 1-unit hidden layer
    assert isinstance(deep([0.5, -0.5]), Value)


def test_one_unit_hidden_layers_work_and_pass_gradients():
    """micrograd 0.1.0's MLP crashes on MLP(2, [16, 1, 1]): its 1-unit layer returns
    a bare Value that the next layer cannot zip over."""
    m = MLP(2, [16, 1, 1], activation="tanh", rng=3)
    out = m([0.5, -0.25])
    assert isinstance(out, Value)
    out.backward()
    assert any(p.grad != 0 for p in m.layers[0].parameters())
    W, b = weights_of(m)
    _, ys = numpy_forward(W, b, ["tanh", "tanh", "linear"], [0.5, -0.25])
    assert out.data == pytest.approx(ys[-1][0], rel=1e-12)


def test_inputs_as_list_tuple_array_values_and_numpy_scalars_agree():
    m = MLP(3, [4, 1], activation="tanh", rng=5)
    x = [0.5, -1, 2.25]
    expected = m(x).data
    assert m(tuple(x)).data == expected
    assert m(np.array(x)).data == expected
    assert m([np.float32(0.5), np.int64(-1), 2.25]).data == expected
    assert m([Value(v) for v in x]).data == expected


# --- backward -----------------------------------------------------------------------------

@settings(max_examples=20)
@given(seed=st.integers(0, 2**32 - 1), hidden=st.sampled_from(SMOOTH),
       x=st.lists(st.floats(-2, 2), min_size=2, max_size=2),
       t=st.lists(st.floats(-1, 1), min_size=2, max_size=2))
def test_backward_equals_the_lecture_delta_formulas(seed, hidden, x, t):
    m = MLP(2, [3, 2], activation=hidden, rng=seed)
    xs = [Value(v) for v in x]
    half_squared_error(m(xs), t).backward()
    W, b = weights_of(m)
    _, dW, db, dx = numpy_backprop(W, b, [hidden, "linear"], x, np.array(t))
    for layer, dWl, dbl in zip(m.layers, dW, db):
        np.testing.assert_allclose([[w.grad for w in n.w] for n in layer.neurons], dWl,
                                   rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose([n.b.grad for n in layer.neurons], dbl, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose([v.grad for v in xs], dx, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "softplus", "relu", "leaky_relu"])
def test_parameter_gradients_match_central_differences_and_gradcheck(hidden):
    m = MLP(2, [4, 3, 1], activation=hidden, output_activation="sigmoid", rng=11)
    X = [[0.3, -0.8], [1.1, 0.4], [-0.6, 0.9]]
    activations = [hidden, hidden, "sigmoid"]

    def loss():
        return Value.sum([(m(x) - 0.5) ** 2 for x in X])

    def written_out(*params):  # the same network and loss, with the given leaves as parameters
        total = []
        for x in X:
            flat, ys = iter(params), list(x)
            for layer, act in zip(m.layers, activations):
                ys = [getattr(Value.sum([next(flat) * y for y in ys] + [next(flat)]), act)()
                      for _ in layer.neurons]  # per neuron: its weights, then its bias
            total.append((ys[0] - 0.5) ** 2)
        return Value.sum(total)

    m.zero_grad()
    loss().backward()
    h = 1e-6
    for name, p in m.named_parameters():
        start = p.data
        p.data = start + h
        up = loss().data
        p.data = start - h
        down = loss().data
        p.data = start
        numeric = (up - down) / (2 * h)
        assert p.grad == pytest.approx(numeric, rel=1e-4, abs=1e-7), name
    params = m.parameters()
    assert gradcheck(written_out, [p.data for p in params])
    leaves = [Value(p.data) for p in params]
    written_out(*leaves).backward()
    assert [p.grad for p in params] == pytest.approx([v.grad for v in leaves], rel=1e-14)


def test_graph_has_one_sum_node_per_neuron_and_shares_the_inputs():
    m = MLP(2, [3, 1], activation="relu", rng=0)
    out = m([1.0, 2.0])
    order = topological_order(out)
    leaves = [v for v in order if v.is_leaf]
    # the 2 inputs are made into Values once and shared by the 3 first-layer neurons
    assert len(leaves) == 2 + m.num_parameters
    ops = [v.op for v in order if not v.is_leaf]
    assert ops.count("sum") == 4 and "+" not in ops
    assert ops.count("*") == 2 * 3 + 3 and ops.count("relu") == 3
    assert len(order) == 2 + 13 + 9 + 4 + 3


# --- structure, names, seeds ----------------------------------------------------------------

@settings(max_examples=30)
@given(nin=st.integers(1, 5), sizes=st.lists(st.integers(1, 5), min_size=1, max_size=4),
       bias=st.booleans())
def test_parameter_count_names_and_order(nin, sizes, bias):
    m = MLP(nin, sizes, bias=bias, rng=0)
    dims = [nin] + sizes
    assert m.num_parameters == sum(o * (i + bias) for i, o in zip(dims, dims[1:]))
    named = m.named_parameters()
    assert [p for _, p in named] == m.parameters()
    assert all(a is b for a, b in zip(m.parameters(), m.parameters()))  # same objects
    names = [n for n, _ in named]
    assert len(set(names)) == len(names)
    assert names[0] == "layers.0.neurons.0.w.0"
    assert (f"layers.{len(sizes) - 1}.neurons.0.b" in names) == bias
    assert all(p.is_leaf and type(p) is Value for p in m.parameters())


def test_names_follow_the_module_tree_and_count_the_parameters():
    m = MLP(2, [3, 2], rng=0)
    assert dict(m.named_parameters())["layers.1.neurons.1.w.2"] is m.layers[1].neurons[1].w[2]
    assert dict(m.named_parameters())["layers.0.neurons.2.b"] is m.layers[0].neurons[2].b
    assert [n for n, _ in Neuron(2, rng=0).named_parameters()] == ["w.0", "w.1", "b"]
    assert [n for n, _ in Layer(1, 2, bias=False, rng=0).named_parameters()] == \
        ["neurons.0.w.0", "neurons.1.w.0"]
    big = MLP(2, [16, 16, 1], rng=0)
    names = [n for n, _ in big.named_parameters()]
    assert big.num_parameters == len(big.parameters()) == \
        (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)
    assert names[0] == "layers.0.neurons.0.w.0" and names[2] == "layers.0.neurons.0.b"
    assert "layers.1.neurons.3.w.1" in names
    assert len(set(names)) == len(names)
    assert "Layer(16 -> 1, linear)" in repr(big) and "337 parameters" in repr(big)


def test_repr_shows_the_architecture():
    text = repr(MLP(2, [16, 16, 1], activation="tanh", rng=0))
    assert text.splitlines()[1:4] == ["  (layers.0): Layer(2 -> 16, tanh)",
                                      "  (layers.1): Layer(16 -> 16, tanh)",
                                      "  (layers.2): Layer(16 -> 1, linear)"]
    assert "337 parameters" in text
    assert repr(Neuron(3, activation="sigmoid", bias=False, rng=0)) == \
        "Neuron(3, sigmoid, bias=False)"


def test_same_seed_same_model_different_seed_different_model():
    for build in (lambda r: MLP(3, [4, 2], rng=r), lambda r: Layer(3, 4, rng=r),
                  lambda r: Neuron(3, rng=r)):
        assert build(42).state_dict() == build(42).state_dict()
        assert build(42).state_dict() != build(43).state_dict()
    g = np.random.default_rng(42)
    first, second = MLP(3, [4, 2], rng=g), MLP(3, [4, 2], rng=g)  # the generator advances
    assert first.state_dict() == MLP(3, [4, 2], rng=42).state_dict()
    assert second.state_dict() != first.state_dict()


def test_zero_grad_clears_every_parameter():
    m = MLP(2, [3, 1], activation="tanh", rng=0)
    m([1.0, -1.0]).backward()
    assert any(p.grad for p in m.parameters())
    m.zero_grad()
    assert all(p.grad == 0.0 for p in m.parameters())
    layer = Layer(2, 3, activation="tanh", rng=0)  # a Layer called on its own, then cleared
    Value.sum(layer([1.0, 2.0])).backward()
    assert any(p.grad != 0 for p in layer.parameters())
    layer.zero_grad()
    assert all(p.grad == 0 for p in layer.parameters())


# --- the lectures' hand-set networks ------------------------------------------------------

TABLE = [(0, 0), (0, 1), (1, 0), (1, 1)]
SIG = lambda z: 1 / (1 + math.exp(-z))


@pytest.mark.parametrize("weights,bias,truth", [
    ([20, 20], -30, [0, 0, 0, 1]),  # AND
    ([20, 20], -10, [0, 1, 1, 1]),  # OR
    ([-20, -20], 10, [1, 0, 0, 0]),  # NOR
    ([-20], 10, [1, 0]),  # NOT
])
def test_logic_gates_from_one_sigmoid_neuron(weights, bias, truth):
    gate = Neuron.from_weights(weights, bias=bias, activation="sigmoid")
    table = TABLE if len(weights) == 2 else [(0,), (1,)]
    outputs = [gate(list(x)).data for x in table]
    assert outputs == pytest.approx([SIG(bias + sum(w * a for w, a in zip(weights, x)))
                                     for x in table], rel=1e-12)
    assert all(abs(o - t) < 5e-5 for o, t in zip(outputs, truth))  # sigma(+-10) is 4.5e-5 off


def test_xnor_from_and_and_nor_feeding_or():
    xnor = MLP.from_weights([[[20, 20], [-20, -20]], [[20, 20]]], [[-30, 10], [-10]],
                            activations="sigmoid")
    outputs = [xnor(list(x)).data for x in TABLE]
    assert all(abs(o - t) < 1e-4 for o, t in zip(outputs, [1, 0, 0, 1]))
    hidden = [[v.data for v in xnor.layers[0](list(x))] for x in TABLE]  # (AND, NOR)
    assert np.round(hidden).tolist() == [[0, 1], [0, 0], [0, 0], [1, 0]]


def test_relu_xor_network_of_the_lecture():
    xor = MLP.from_weights([[[1, 1], [1, 1]], [[1, -2]]], [[0, -1], [0]], activations="relu")
    assert [xor(list(x)).data for x in TABLE] == [0.0, 1.0, 1.0, 0.0]
    hidden = [[v.data for v in xor.layers[0](list(x))] for x in TABLE]
    assert hidden == [[0, 0], [1, 0], [1, 0], [2, 1]]  # h = ReLU(Vx + c)
    assert xor.predict(np.array(TABLE)).tolist() == [0.0, 1.0, 1.0, 0.0]


def test_from_weights_without_biases():
    m = MLP.from_weights([np.eye(2), [[1.0, 1.0]]], activations=["linear", "linear"])
    assert m.num_parameters == 6 and all(n.b is None for layer in m.layers for n in layer.neurons)
    assert m([2.0, 3.0]).data == 5.0
    n = Neuron.from_weights([1.5, -2], bias=None)
    assert n.b is None and n([2, 1]).data == 1.0


# --- predict --------------------------------------------------------------------------------

@settings(max_examples=20)
@given(seed=st.integers(0, 2**32 - 1), act=st.sampled_from(sorted(NUMPY_ACTIVATIONS)),
       k=st.integers(1, 3), bias=st.booleans())
def test_predict_equals_calling_the_model(seed, act, k, bias):
    m = MLP(2, [5, 4, k], activation=act, output_activation="tanh", bias=bias, rng=seed)
    X = np.random.default_rng(seed).normal(size=(7, 2)) * 3
    p = m.predict(X)
    assert p.shape == ((7,) if k == 1 else (7, k))
    expected = np.array([m(x).data if k == 1 else [v.data for v in m(x)] for x in X])
    # predict replays the compiled graph: a layer is one matrix product, whose sums
    # are added in another order, so equal to rounding, not bit for bit
    np.testing.assert_allclose(p, expected, rtol=1e-13, atol=1e-15)


def test_predict_shapes_for_every_module_and_edge_cases():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    assert Neuron(2, rng=0).predict(X).shape == (3,)
    assert MLP(2, [3, 1], rng=0).predict(X).shape == (3,)
    assert MLP(2, [3, 4], rng=0).predict(X).shape == (3, 4)
    assert Layer(2, 1, rng=0).predict(X).shape == (3, 1)
    assert Layer(2, 4, rng=0).predict(X).shape == (3, 4)
    assert MLP(2, [3, 4], rng=0).predict(np.zeros((0, 2))).shape == (0, 4)
    assert MLP(2, [3, 1], rng=0).predict(np.zeros((0, 2))).shape == (0,)
    one_input = MLP(1, [3, 1], activation="tanh", rng=0)
    np.testing.assert_allclose(one_input.predict([0.5, 1.0, 2.0]),
                               [one_input([x]).data for x in (0.5, 1.0, 2.0)], rtol=1e-13)
    two = MLP(2, [3, 1], rng=0)
    np.testing.assert_allclose(two.predict([1.0, 2.0]), [two([1.0, 2.0]).data],  # one sample
                               rtol=1e-13)


def test_predict_records_nothing_and_sees_updated_weights():
    m = MLP(2, [3, 1], activation="tanh", rng=0)
    X = [[0.2, 0.4]]
    before = m.predict(X)[0]
    assert is_grad_enabled()
    assert all(p.grad == 0.0 for p in m.parameters())
    m.layers[1].neurons[0].b.data += 1.0
    assert m.predict(X)[0] == pytest.approx(before + 1.0, rel=1e-12)


def test_predict_works_for_custom_activations_and_custom_modules():
    m = MLP(2, [3, 1], activation=lambda v: v * v, rng=0)
    X = np.array([[0.5, -1.0], [2.0, 0.1]])
    np.testing.assert_allclose(m.predict(X), [m(x).data for x in X], rtol=1e-13)

    class Doubler(Module):
        nin = 1

        def __call__(self, x):
            return Value(x[0]) * 2

    assert Doubler().predict([[1.5], [2.0]]).tolist() == [3.0, 4.0]
    with no_grad():
        assert Doubler().predict([[1.0]]).tolist() == [2.0]
    assert is_grad_enabled()


# --- a model changed after predict: traced again, or refused --------------------------------

X_CHANGE = np.array([[0.5, -1.0], [2.0, 0.25], [-0.3, 0.8]])


def _agrees(model, X=X_CHANGE):
    """predict (the cached replay) equals calling the model, sample by sample."""
    expected = [model(x).data for x in X]
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-13, atol=1e-15)
    return expected


def test_an_assigned_activation_is_honoured_by_forward_predict_save_and_torch(tmp_path):
    """``layer.activation = "relu"`` changed nothing in the forward pass and predict kept
    its old trace, but save() wrote "relu": the loaded model differed."""
    from nn import load

    model = MLP(2, [4, 1], activation="tanh", rng=0)
    before = _agrees(model)
    model.layers[0].activation = "relu"
    after = _agrees(model)
    assert after != before
    assert all(n.activation == "relu" for n in model.layers[0].neurons)
    model.output_activation = "sigmoid"
    assert model([0.5, -1.0]).op == "sigmoid" and model.config()["activations"] == [
        "relu", "sigmoid"]
    _agrees(model)
    model.activation = "softsign"  # the hidden layers, as MLP(activation=...)
    assert model.activation == "softsign" and model.output_activation == "sigmoid"
    expected = _agrees(model)
    model.save(tmp_path / "m.json")
    np.testing.assert_allclose(load(tmp_path / "m.json").predict(X_CHANGE), expected,
                               rtol=1e-13)
    assert "Layer(2 -> 4, softsign)" in repr(model)
    import torch

    seq = model.to_torch()
    assert [type(m).__name__ for m in seq] == ["Linear", "Softsign", "Linear", "Sigmoid"]
    np.testing.assert_allclose(seq(torch.tensor(X_CHANGE)).detach().numpy()[:, 0], expected,
                               rtol=1e-13)
    neuron = Neuron(2, activation="tanh", rng=0)
    neuron.activation = "linear"
    assert neuron([1.0, 2.0]).op == "sum"


def test_a_models_shape_and_parameters_are_fixed_with_advice():
    """``model.layers.append(...)`` and ``neuron.w[0] = Value(50)`` went unseen by predict
    (0.2645 vs 2.645; 0.138 vs 50.09); now they are refused, saying what to do."""
    model = MLP(2, [3, 1], rng=0)
    expected = _agrees(model)
    neuron = model.layers[0].neurons[0]
    refusals = [
        (lambda: model.layers.append(Layer(1, 1, rng=0)), TypeError, "build a new model"),
        (lambda: model.layers.pop(), TypeError, "nn.MLP.from_weights"),
        (lambda: model.layers.__setitem__(0, Layer(2, 3, rng=1)), TypeError, "new model"),
        (lambda: model.layers[0].neurons.insert(0, Neuron(2)), TypeError, "new model"),
        (lambda: neuron.w.__setitem__(0, Value(50.0)), TypeError, r"w\[i\]\.data = 0\.5"),
        (lambda: neuron.w.extend([Value(1.0)]), TypeError, "a parameter is created once"),
        (lambda: setattr(neuron, "w", [Value(1.0), Value(2.0)]), AttributeError,
         "Neuron.w is fixed"),
        (lambda: setattr(neuron, "b", None), AttributeError, "Neuron.b is fixed"),
        (lambda: setattr(model, "layers", []), AttributeError, "MLP.layers is fixed"),
        (lambda: setattr(model.layers[0], "neurons", []), AttributeError, "Layer.neurons"),
        (lambda: setattr(model, "nin", 3), AttributeError, "MLP.nin follows from"),
        (lambda: setattr(model.layers[1], "nout", 2), AttributeError, "Layer.nout follows"),
        (lambda: setattr(neuron, "activation", "tanh"), AttributeError,
         "belongs to a layer.*assign layer.activation"),
        (lambda: setattr(model.layers[0], "activation", "tanhh"), ValueError,
         "unknown activation 'tanhh'"),
    ]
    for change, error, match in refusals:
        with pytest.raises(error, match=match):
            change()
    assert len(model.layers) == 2 and len(neuron.w) == 2 and model.layers[0].activation == "relu"
    assert _agrees(model) == expected
    assert isinstance(model.layers, list) and model.layers[0].neurons[0] is neuron


def test_a_custom_modules_changes_trace_again():
    """A module of your own: an assigned attribute, another parameter Value or a list
    changed in place is a new trace, never the old replay."""
    class Scaled(Module):
        def __init__(self):
            self.w = Value(1.5)
            self.scale = 2.0
            self.offsets = [0.0]

        def named_parameters(self):
            return [("w", self.w)]

        def __call__(self, x):
            return self.w * x[0] * self.scale + self.offsets[0]

    m = Scaled()
    X = np.array([[1.0], [3.0]])
    assert m.predict(X).tolist() == [3.0, 9.0]
    m.scale = 3.0
    assert m.predict(X).tolist() == [4.5, 13.5]
    m.w = Value(2.0)
    assert m.predict(X).tolist() == [6.0, 18.0]
    m.offsets[0] = 1.0
    assert m.predict(X).tolist() == [7.0, 19.0]
    m.w.data = 1.0  # a number: read afresh by the replay, no new trace needed
    program = m._traced.program
    assert m.predict(X).tolist() == [4.0, 10.0] and m._traced.program is program


def test_a_parameter_assigned_by_another_thread_while_tracing_is_not_baked_in():
    """The trace took a parameter assigned during tracing for a constant, so predict
    kept that number forever (0.138 vs 50.09)."""
    import threading

    net = MLP(2, [3, 1], activation="tanh", rng=0)
    w = net.layers[1].neurons[0].w[0]
    go, done = threading.Event(), threading.Event()

    def other_thread():
        go.wait(10)
        w.data = 7.0  # while the main thread is tracing
        done.set()

    class Traced(Module):
        def named_parameters(self):
            return net.named_parameters()

        def __call__(self, x):
            out = net(x)
            if not done.is_set():  # the first trace: let the other thread in now
                go.set()
                done.wait(10)
            return out

    model = Traced()
    thread = threading.Thread(target=other_thread)
    thread.start()
    model.predict(X_CHANGE)
    thread.join()
    assert done.is_set()
    for number in (7.0, -3.0, 50.0):  # predict follows every later assignment
        w.data = number
        np.testing.assert_allclose(model.predict(X_CHANGE), [net(x).data for x in X_CHANGE],
                                   rtol=1e-13)


def _backward_in_a_child(model) -> list:
    """In another process: a graph built there back-propagates into the model."""
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    return [p.grad for p in model.parameters()]


def test_a_model_pickles_after_predict_and_trains_in_another_process():
    """pickle.dumps(model) failed after predict() (the cached plan holds lambdas), and an
    unpickled model's parameters kept the stamps of the process that pickled them, so a
    graph built in a fresh process raised StaleGraphError."""
    import multiprocessing
    import pickle

    model = MLP(2, [4, 1], activation="tanh", rng=0)
    for _ in range(50):  # stamps well past a fresh process's
        model.layers[0].neurons[0].w[0].data += 0.0
    model.predict(X_CHANGE)
    copy = pickle.loads(pickle.dumps(model))
    assert copy.state_dict() == model.state_dict() and repr(copy) == repr(model)
    np.testing.assert_array_equal(copy.predict(X_CHANGE), model.predict(X_CHANGE))
    with pytest.raises(TypeError, match="fixed"):
        copy.layers.append(copy.layers[0])
    expected = _backward_in_a_child(pickle.loads(pickle.dumps(model)))
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_backward_in_a_child, (model,)) == expected


def test_an_absurd_size_is_refused_before_anything_is_allocated():
    """nn.MLP(10**6, [10**6]) ended in numpy's "Unable to allocate 7.28 TiB"."""
    for build, count in ((lambda: MLP(10**6, [10**6]), "1,000,001,000,000"),
                         (lambda: Layer(10**4, 10**4), "100,010,000"),
                         (lambda: Neuron(10**8), "100,000,001")):
        with pytest.raises(ValueError, match=f"would have {count} parameters, more than"):
            build()


# --- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("call,error,match", [
    (lambda m: m([1.0, 2.0, 3.0]), ValueError, r"^MLP expects 2 inputs, got 3$"),
    (lambda m: m([1.0]), ValueError, r"^MLP expects 2 inputs, got 1$"),
    (lambda m: m(np.zeros((2, 2))), ValueError, r"1-D input of 2 numbers, got an array of shape"),
    (lambda m: m("ab"), TypeError, "got str"),
    (lambda m: m(1.0), TypeError, "got float"),
    (lambda m: m({"a": 1, "b": 2}), TypeError, "got dict"),
    (lambda m: m(["a", 1.0]), TypeError, "str"),
    (lambda m: m.predict(np.zeros((4, 3))), ValueError, r"shape \(N, 2\), got shape \(4, 3\)"),
    (lambda m: m.predict([["a", "b"]]), TypeError, "array of numbers"),
    (lambda m: m.predict([[10**400, 1.0]]), ValueError, "int too large for a float"),
    (lambda m: m.layers[0]([1.0]), ValueError, "Layer expects 2 inputs, got 1"),
    (lambda m: m.layers[0].neurons[0]([1.0]), ValueError, "Neuron expects 2 inputs, got 1"),
])
def test_bad_inputs_to_a_model(call, error, match):
    with pytest.raises(error, match=match):
        call(MLP(2, [3, 1], rng=0))


@pytest.mark.parametrize("build,error,match", [
    (lambda: MLP(0, [3]), ValueError, "nin .* must be an int >= 1, got 0"),
    (lambda: MLP(2.5, [3]), TypeError, r"nin \(the number of inputs\) must be an int, got float"),
    (lambda: MLP(True, [3]), TypeError, "nin"),
    (lambda: MLP(2, 3), TypeError, "list of layer sizes"),
    (lambda: MLP(2, "16"), TypeError, "list of layer sizes"),
    (lambda: MLP(2, []), ValueError, "at least one layer"),
    (lambda: MLP(2, [3, 0, 1]), ValueError, "size of layer 1 must be an int >= 1, got 0"),
    (lambda: MLP(2, [3, 1], activation="relux"), ValueError, "unknown activation 'relux'"),
    (lambda: MLP(2, [3, 1], output_activation=3), ValueError, "unknown activation 3"),
    (lambda: MLP(2, [3, 3, 1], activation=["tanh"]), ValueError,
     "2 hidden layers got 1 hidden activations"),
    (lambda: MLP(2, [3, 1], rng="seed"), TypeError, "rng must be"),
    (lambda: MLP(2, [3, 1], rng=1.5), TypeError, "rng must be"),
    (lambda: Neuron(2, init="zeros"), ValueError, "unknown init 'zeros'"),
    (lambda: Neuron(2, init=lambda i, o, r: np.zeros((i, o + 1))), ValueError, "init returned"),
    (lambda: Neuron(0), ValueError, "nin"),
    (lambda: Layer(2, 0), ValueError, "nout"),
    (lambda: Layer(2, 2, activation="nope"), ValueError, "unknown activation"),
    (lambda: Neuron.from_weights([]), ValueError, "at least one weight"),
    (lambda: Neuron.from_weights([1.0, float("nan")]), ValueError, "finite"),
    (lambda: Neuron.from_weights([1.0], bias="x"), ValueError, "finite"),
    (lambda: Neuron.from_weights(None), TypeError, "weights must be a list of numbers"),
    (lambda: Neuron.from_weights([10**400]), ValueError, "must be finite numbers, got 1000"),
    (lambda: MLP.from_weights([]), ValueError, "non-empty list"),
    (lambda: MLP.from_weights(5), TypeError, "weights must be a list of 2-D weight matrices"),
    (lambda: MLP.from_weights([np.ones((2, 2))], biases=5), TypeError,
     "biases must be None or a list of bias vectors, one per layer, got int: 5"),
    (lambda: MLP.from_weights([np.ones((2, 2))], biases=[["a", "b"]]), ValueError,
     "layer 0: biases are not numbers"),
    (lambda: Neuron(2, rng=-1), ValueError, r"rng must be a seed >= 0 \(or a numpy Generator"),
    (lambda: MLP.from_weights([[1.0, 2.0]]), ValueError, "2-D"),
    (lambda: MLP.from_weights([[["a"]]]), ValueError, "not a matrix of numbers"),
    (lambda: MLP.from_weights([[[np.inf]]]), ValueError, "finite"),
    (lambda: MLP.from_weights([np.ones((2, 2)), np.ones((1, 3))]), ValueError,
     "layer 1 expects 3 inputs but layer 0 has 2 outputs"),
    (lambda: MLP.from_weights([np.ones((2, 2))], [[1.0]]), ValueError, "2 neurons but 1 biases"),
    (lambda: MLP.from_weights([np.ones((2, 2))], [[1.0, 2.0], [3.0]]), ValueError,
     "1 layers but 2 bias vectors"),
    (lambda: MLP.from_weights([np.ones((2, 2))], activations=["relu", "relu"]), ValueError,
     "1 layers but 2 activations"),
])
def test_bad_construction_raises_clear_errors(build, error, match):
    with pytest.raises(error, match=match):
        build()




def test_other_modules_add_their_architectures_to_the_file_format():
    """nn.conv registers Conv1d, Conv2d and Sequential; nn.modules' own types stay its own."""
    from nn.modules import ARCHITECTURES, declared_parameters, from_config, register_architecture

    assert {"Conv1d", "Conv2d", "Sequential"} <= set(ARCHITECTURES)
    config = nn.Conv2d((5, 5), 2, 3, rng=0).config()
    assert declared_parameters(config) == 2 * (9 + 1)
    assert from_config(config).config() == config
    with pytest.raises(ValueError, match="'MLP' is one of nn.modules' own architectures"):
        register_architecture("MLP", lambda c: 0, lambda c: None)
