"""nn.sequential: layers composed, h_N(... h_1(x)): the forward pass is each layer's in
turn, names follow the layers (L2N3, L1F2), sizes and kinds are checked when it is built,
and it saves, loads, predicts, trains and goes to PyTorch like an MLP."""

import numpy as np
import pytest
import torch

import nn
from autograd import Value, backward_trace, compile
from nn import MLP, Conv1d, Conv2d, Layer, Sequential


def _lenet(seed=0):
    return Sequential(Conv2d((8, 8), 2, 3, rng=seed), Layer(72, 5, activation="tanh", rng=seed),
                      Layer(5, 3, activation="linear", rng=seed))


def test_the_forward_pass_is_each_layer_in_turn():
    model = _lenet()
    x = np.random.default_rng(0).normal(size=64)
    h = [Value(v) for v in x]
    for layer in model.layers:
        h = layer(h)
    assert [v.data for v in model(x)] == [v.data for v in h]
    assert model.nin == 64 and model.nout == 3
    assert model.num_parameters == 2 * 10 + 5 * 73 + 3 * 6


def test_dense_layers_alone_compute_what_the_same_mlp_computes():
    mlp = MLP(3, [4, 2], activation="tanh", rng=0)
    seq = Sequential(*mlp.layers)
    x = [0.5, -1.0, 2.0]
    assert [v.data for v in seq(x)] == [v.data for v in mlp(x)]
    assert seq.state_dict() == mlp.state_dict()  # the same names: layers.0.neurons.2.w.1
    assert [n for _, n, _, _ in seq.neuron_paths()] == [n for _, n, _, _ in mlp.neuron_paths()]
    assert list(seq.trace_views()) == ["neuron"]  # dense only: the neuron (δ) view too
    assert [where for where, *_ in seq.linear_layers()] == ["layer L1", "layer L2"]


def test_names_follow_the_layers():
    model = _lenet()
    assert [name for _, name, _, _, _ in model.filter_paths()] == ["L1F1", "L1F2"]
    assert [name for _, name, _, _ in model.neuron_paths()][:2] == ["L2N1", "L2N2"]
    assert model.neuron_paths()[-1][:3] == ("layers.2.neurons.2", "L3N3", 2)
    assert model.filter_paths()[1][0] == "layers.0.filters.1"
    assert model.trace_views() == {}  # a convolution: the step-through of every scalar
    with pytest.raises(TypeError, match="has a convolution"):
        model.linear_layers()
    trace = backward_trace(Value.sum(model(np.ones(64))), module=model)
    names = set(trace.names.values())
    assert {"L1F2.w9", "L1F2.b", "L1F1.u[6,6]", "L1F1.y[1,1]", "L2N5.u", "L2N1.y", "L3N1.u",
            "x64"} - names == set()
    assert trace.parts.groups[model.layers[0].filters[1].w[0]] == ("layers.0",
                                                                   "layers.0.filters.1")
    assert trace.parts.titles["layers.0"] == "L1" and trace.parts.titles["layers.1"] == "L2"


@pytest.mark.parametrize("layers, error, match", [
    ((), ValueError, "at least one layer"),
    ((Layer(3, 2), Layer(3, 1)), ValueError, "L2 takes 3 inputs but L1 gives 2 outputs"),
    ((Conv1d(6, 2, 3), Layer(6, 1)), ValueError, "L2 takes 6 inputs but L1 gives 8 outputs"),
    ((MLP(2, [2]),), TypeError, r"layer L1 must be an nn.Layer, nn.Conv1d or nn.Conv2d, got MLP "
                                r"\(pass its layers"),
    (("relu",), TypeError, "got str"),
])
def test_layers_that_do_not_chain_are_refused(layers, error, match):
    with pytest.raises(error, match=match):
        Sequential(*layers)


def test_a_layer_in_two_places_is_refused_and_the_layers_are_fixed():
    layer = Layer(2, 2)
    with pytest.raises(ValueError, match="L2 is the same object as an earlier one"):
        Sequential(layer, layer)
    model = Sequential([Layer(2, 2), Layer(2, 1)])  # a list works too
    with pytest.raises(AttributeError, match="fixed"):
        model.layers = []
    with pytest.raises(TypeError, match="fixed when it is built"):
        model.layers.append(Layer(1, 1))
    assert isinstance(model([1.0, 2.0]), Value)  # one output: a Value
    with pytest.raises(ValueError, match="Sequential expects 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])


def test_save_and_load_rebuild_it(tmp_path):
    model = _lenet(3)
    model.save(tmp_path / "lenet.json")
    back = nn.load(tmp_path / "lenet.json")
    assert isinstance(back, Sequential) and repr(back) == repr(model)
    assert back.state_dict() == model.state_dict()
    X = np.random.default_rng(0).normal(size=(4, 64))
    assert np.array_equal(back.predict(X), model.predict(X))
    model.layers[1].activation = lambda v: v.tanh() * 2  # no name: nothing to write down
    assert model.config() is None


def test_a_file_with_another_kind_of_layer_is_refused(tmp_path):
    import json

    Sequential(Layer(2, 2), Layer(2, 1)).save(tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    doc["architecture"]["layers"][0] = {"type": "MLP", "nin": 2, "sizes": [2]}
    (tmp_path / "m.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="a Sequential's layers are Layer, Conv1d or Conv2d"):
        nn.load(tmp_path / "m.json")
    doc["architecture"]["layers"] = []
    (tmp_path / "m.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="'layers' must be a list of 1 to 1000 layers"):
        nn.load(tmp_path / "m.json")


def test_to_torch_and_the_same_gradients():
    model = _lenet(1)
    seq = model.to_torch()
    assert [type(m).__name__ for m in seq] == ["Unflatten", "Conv2d", "ReLU", "Flatten",
                                               "Linear", "Tanh", "Linear"]
    X = np.random.default_rng(0).normal(size=(6, 64))
    T = nn.data.one_hot(np.arange(6) % 3, 3)
    step = compile(lambda x, t: nn.cross_entropy([model(x)], [t]))
    model.zero_grad()
    loss = step.value_and_grad(X, T)
    out = seq(torch.from_numpy(X))
    t_loss = torch.nn.functional.cross_entropy(out, torch.from_numpy(T))
    t_loss.backward()
    assert abs(loss - t_loss.item()) < 1e-12
    conv_grads = np.array([[w.grad for w in f.w] for f in model.layers[0].filters])
    assert np.allclose(conv_grads, seq[1].weight.grad.numpy().reshape(2, 9), rtol=0, atol=1e-12)
    dense_grads = np.array([[w.grad for w in n.w] for n in model.layers[1].neurons])
    assert np.allclose(dense_grads, seq[4].weight.grad.numpy(), rtol=0, atol=1e-12)


def test_fit_with_per_layer_gradient_norms():
    X, y = nn.data.load_digits(classes=(0, 1, 2))
    model = _lenet(0)
    history = nn.fit(model, X, y, loss="cross_entropy", epochs=2, batch_size=64, progress=False,
                     record_grad_norms=True, optimizer=nn.Adam(model.parameters(), lr=0.01))
    assert history.path == "compiled" and len(history.grad_norms[0]) == 3
    assert history.loss[-1] < history.loss[0]
