"""nn.activations: each named activation against its formula, an activation given by
name, as a callable or per layer, a unary op made with ``autograd.op`` as an activation
(saved by its name, loaded where it is defined), and a callable that cannot be saved by
name (PyTorch: the modules of ``torch.nn`` such as ``nn.Tanh``, or any function)."""

import json
import math

import numpy as np
import pytest

import autograd
import nn
from autograd import Value
from nn import MLP, Neuron, load
from nn import modules as nn_modules
from nn.activations import ACTIVATIONS, activation_function
from tests.nn.reference import NUMPY_ACTIVATIONS


def _silu_local(x, out):  # d/dx x s(x) = s + x s (1 - s) = out + s (1 - out)
    s = 1 / (1 + math.exp(-x)) if isinstance(x, float) else x.sigmoid()
    return out + s * (1 - out)


@autograd.op(local=_silu_local)
def silu(x):
    """x * sigmoid(x), also called swish (PyTorch: ``nn.SiLU``)."""
    return x / (1 + math.exp(-x))


# --- by name, as a callable, per layer ----------------------------------------------------

@pytest.mark.parametrize("name", sorted(NUMPY_ACTIVATIONS))
def test_every_named_activation_matches_its_formula(name):
    z = np.array([-2.5, -0.7, 0.3, 1.9])  # away from the kinks at 0 and +-1
    n = Neuron.from_weights([1.0], bias=0.0, activation=name)
    got = [n([zi]).data for zi in z]
    assert got == pytest.approx(NUMPY_ACTIVATIONS[name][0](z), rel=1e-12, abs=1e-15)
    assert set(NUMPY_ACTIVATIONS) <= set(ACTIVATIONS)


def test_activation_by_name_callable_and_per_layer():
    leaky = lambda v: v.leaky_relu(0.2)  # an activation with its own argument
    m = MLP.from_weights([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]],
                         activations=[leaky, "linear"])
    assert m([2.0]).data == pytest.approx(2.0 + 0.2 * -2.0, rel=1e-15)
    per_layer = MLP(2, [3, 3, 1], activation=("tanh", "sigmoid"), rng=0)
    assert [layer.activation for layer in per_layer.layers] == ["tanh", "sigmoid", "linear"]
    last_hidden = per_layer.layers[1](per_layer.layers[0]([0.1, 0.2]))
    assert all(v.op == "sigmoid" for v in last_hidden)
    as_list = MLP(1, [2, 2, 1], activation=["tanh", "relu"], output_activation=lambda v: v * 2,
                  rng=0)
    assert [layer.activation for layer in as_list.layers[:2]] == ["tanh", "relu"]
    out = as_list([0.3])
    assert out.op == "*"  # the callable output activation was applied
    for name in ["relu", "tanh", "sigmoid", "leaky_relu", "softplus", "softsign", "hardtanh",
                 "step", "linear"]:
        assert isinstance(Neuron(2, activation=name, rng=0)([1.0, -1.0]), Value)
    assert activation_function("linear") is None and activation_function(abs) is abs
    # nn.modules.ACTIVATIONS is the name the README and notebook 3 use
    assert nn_modules.ACTIVATIONS is ACTIVATIONS
    assert nn_modules.activation_function is activation_function


# --- saving an activation by name --------------------------------------------------------

def test_a_model_using_an_op_saves_it_by_name_and_loads_where_it_is_defined(tmp_path):
    model = nn.MLP(2, [3, 1], activation=silu, rng=0)
    assert model.layers[0].activation == "silu"
    path = tmp_path / "m.json"
    model.save(path)
    again = nn.load(path)
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    assert again.predict(X) == pytest.approx(model.predict(X), rel=1e-15)
    assert model.predict(X)[0] == pytest.approx(model([0.5, -1.0]).data, rel=1e-12)


def test_loading_a_model_whose_op_is_not_defined_names_it(tmp_path):
    gone = autograd.op("gone_soon", forward=math.atan, local=lambda x, out: 1 / (1 + x * x))
    path = tmp_path / "m.json"
    nn.MLP(2, [1], activation=[], output_activation=gone, rng=0).save(path)
    from autograd import custom
    del custom._USER_OPS["gone_soon"]
    with pytest.raises(ValueError, match="unknown activation 'gone_soon'.*autograd.op"):
        nn.load(path)


def test_custom_activation_saves_parameters_but_cannot_be_rebuilt_by_name(tmp_path):
    model = MLP(2, [3, 1], activation=lambda v: v.leaky_relu(0.2), rng=0)
    path = tmp_path / "m.json"
    model.save(path)
    assert json.loads(path.read_text())["architecture"] is None
    with pytest.raises(ValueError, match="custom activation .* model.load"):
        load(path)
    same = MLP(2, [3, 1], activation=lambda v: v.leaky_relu(0.2), rng=9).load(path)
    assert same.state_dict() == model.state_dict()


def test_a_user_op_cannot_take_a_name_that_means_something_in_nn(tmp_path):
    """An op named 'linear' (doubling) was stored by its name, and "linear" resolved to the
    identity: 3.0 where 6.0 was meant. Such an op is refused; a name is resolved once, when
    the neuron is made, and the neuron keeps the op itself."""
    from autograd import custom

    doubling = autograd.op("linear", forward=lambda x: 2 * x, local=lambda x, out: 2.0)
    try:
        for build in (lambda: Neuron.from_weights([3.0], bias=0.0, activation=doubling),
                      lambda: MLP(2, [3, 1], output_activation=doubling, rng=0),
                      lambda: setattr(MLP(2, [1], rng=0).layers[0], "activation", doubling)):
            with pytest.raises(ValueError, match="the op 'linear' has the name of nn's own "
                                                 "activation 'linear' .*identity.*'my_linear'"):
                build()
        identity = Neuron.from_weights([3.0], bias=0.0, activation="linear")
        assert identity([1.0]).data == 3.0  # the name "linear" means the identity, always
    finally:
        del custom._USER_OPS["linear"]
    neuron = Neuron.from_weights([3.0], bias=0.0, activation=silu)
    assert neuron.activation == "silu" and neuron._f is silu  # the op itself, not the name
