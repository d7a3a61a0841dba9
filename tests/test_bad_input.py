"""Bad arguments get a specific error at the public boundary of both packages
(autograd and nn; their checks are autograd/_internal.py's, tested in
tests/autograd/test_internal.py): the cases an adversarial probe found, numpy integers
taken as ints, and hypothesis feeding junk to every public function, accepting only
TypeError and ValueError with a message."""

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value, draw_graph, gradcheck, local_gradients, zero_grad

X, Y = nn.data.moons(12, seed=0)


def _model():
    return nn.MLP(2, [3, 1], rng=0)


def _fit(**kwargs):
    options = {"epochs": 1, "progress": False} | kwargs
    return nn.fit(options.pop("model", _model()), options.pop("X", X), options.pop("y", Y),
                  **options)


CASES = [  # (what, call, exception, words of the message)
    ("zero_grad([1, 2])", lambda: zero_grad([1, 2]), TypeError, "values[0] must be a Value"),
    ("local_gradients(3)", lambda: local_gradients(3), TypeError, "node must be a Value"),
    ("draw_graph(module=3)", lambda: draw_graph(Value(1.0) * 2, module=3), TypeError,
     "named_parameters"),
    ("l2_penalty(None)", lambda: nn.l2_penalty(None), TypeError, "a model"),
    ("fit(optimizer='sgd')", lambda: _fit(optimizer="sgd"), TypeError, "nn.SGD"),
    ("fit(schedule='step')", lambda: _fit(schedule="step"), TypeError, "StepLR"),
    ("draw_graph(precision=-1)", lambda: draw_graph(Value(1.0) * 2, precision=-1), ValueError,
     "precision"),
    ("draw_graph(max_nodes='x')", lambda: draw_graph(Value(1.0) * 2, max_nodes="x"),
     ValueError, "max_nodes"),
    ("gradcheck(eps='x')", lambda: gradcheck(lambda a: a * a, [1.0], eps="x"), TypeError,
     "eps must be a real number"),
    ("gradcheck(f, Decimal(2))", lambda: gradcheck(lambda a: a * a, Decimal(2)), TypeError,
     "a number or a list of numbers"),
    ("fit with y a column", lambda: _fit(y=Y[:, None]), ValueError, "y.ravel()"),
    ("fit(y=None)", lambda: _fit(y=None), ValueError, "got None"),
    ("fit(validation=X)", lambda: _fit(validation=X), TypeError, "(X_val, y_val)"),
    ("MLP(rng=-1)", lambda: nn.MLP(2, [1], rng=-1), ValueError, "seed >= 0"),
    ("moons(seed='a')", lambda: nn.data.moons(10, seed="a"), TypeError, "seed must be an int"),
    ("one_hot([])", lambda: nn.data.one_hot([]), ValueError, "no labels"),
    ("one_hot(k=2.5)", lambda: nn.data.one_hot([0, 1], 2.5), TypeError, "k (the number"),
    ("cross_entropy, ragged outputs",
     lambda: nn.cross_entropy([[Value(1.0), Value(2.0)], [Value(1.0)]], [0, 0]), ValueError,
     "same number of scores"),
    ("cross_entropy, 3-D targets",
     lambda: nn.cross_entropy([[Value(1.0), Value(2.0)]], np.zeros((1, 2, 1))), ValueError,
     "shape (1, 2, 1)"),
    ("MLP(activation='foo')", lambda: nn.MLP(2, [1], activation="foo"), ValueError,
     "unknown activation 'foo'"),
    ("fit(l2=-1)", lambda: _fit(l2=-1), ValueError, "l2 must be >= 0"),
    ("make('blobs', noise=-1)", lambda: nn.data.make("blobs", noise=-1), ValueError, "noise"),
    ("Perceptron(lr=-1)", lambda: nn.Perceptron(2, lr=-1), ValueError, "lr must be > 0"),
    ("fit(epochs=-1)", lambda: _fit(epochs=-1), ValueError, "epochs must be an int >= 1"),
    ("predict(complex)", lambda: _model().predict(np.array([[1 + 1j, 0.0]])), TypeError,
     "complex"),
    ("compile(...)(complex)", lambda: nn.MLP(2, [1], rng=0).predict(np.array([[1j, 1j]])),
     TypeError, "complex"),
]


@pytest.mark.parametrize("what,call,exc,words", CASES, ids=[c[0] for c in CASES])
def test_each_bad_argument_gets_a_specific_error(what, call, exc, words):
    with pytest.raises(exc) as info:
        call()
    assert words in str(info.value), str(info.value)


def test_numpy_integers_are_ints_in_fit():
    history = _fit(epochs=np.int64(2), batch_size=np.int64(4))
    assert history.epochs == 2


JUNK = st.sampled_from([None, "x", "", b"1", 1j, Decimal("1.5"), float("nan"), float("inf"),
                        -1, 0, True, [], {}, [None], object(), ["a", 1], (1, 2, 3), -0.5])

PUBLIC = {  # name -> a call with one argument replaced by the junk
    "Value": lambda j: Value(j),
    "Value.__mul__": lambda j: Value(1.0) * j,
    "Value.leaky_relu": lambda j: Value(1.0).leaky_relu(j),
    "Value.backward": lambda j: (Value(1.0) * 2).backward(j),
    "Value.sum": lambda j: Value.sum(j),
    "zero_grad": lambda j: zero_grad(j),
    "local_gradients": lambda j: local_gradients(j),
    "gradcheck inputs": lambda j: gradcheck(lambda a: a * a, j),
    "gradcheck eps": lambda j: gradcheck(lambda a: a * a, [1.0], eps=j),
    "draw_graph": lambda j: draw_graph(j),
    "draw_graph rankdir": lambda j: draw_graph(Value(1.0) * 2, rankdir=j),
    "draw_graph precision": lambda j: draw_graph(Value(1.0) * 2, precision=j),
    "MLP nin": lambda j: nn.MLP(j, [1]),
    "MLP sizes": lambda j: nn.MLP(2, j),
    "MLP rng": lambda j: nn.MLP(2, [1], rng=j),
    "MLP activation": lambda j: nn.MLP(2, [2, 1], activation=j),
    "fit epochs": lambda j: _fit(epochs=j),
    "fit l2": lambda j: _fit(l2=j),
    "fit batch_size": lambda j: _fit(batch_size=j),
    "fit optimizer": lambda j: _fit(optimizer=j),
    "fit y": lambda j: _fit(y=j),
    "mse targets": lambda j: nn.mse([Value(1.0)], j),
    "one_hot": lambda j: nn.data.one_hot(j),
    "one_hot k": lambda j: nn.data.one_hot([0, 1], j),
    "moons n": lambda j: nn.data.moons(j),
    "moons seed": lambda j: nn.data.moons(10, seed=j),
    "SGD lr": lambda j: nn.SGD(_model().parameters(), lr=j),
    "predict": lambda j: _model().predict(j),
    "backward_trace": lambda j: __import__("autograd").backward_trace(j),
}


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(PUBLIC)), JUNK)
def test_junk_into_any_public_function_is_a_type_or_value_error(name, junk):
    try:
        PUBLIC[name](junk)
    except (TypeError, ValueError) as e:
        assert str(e), f"{name}({junk!r}) raised {type(e).__name__} without a message"
    # accepted: some junk is valid for some arguments (0, -0.5, True as a number ...)
