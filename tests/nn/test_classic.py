"""nn.classic: the perceptron and ADALINE learn what a line separates (AND, OR, two blobs)
and fail on XOR, as the lectures show."""

import numpy as np
import pytest

from nn import Adaline, Perceptron, data


@pytest.mark.parametrize("gate", ["AND", "OR"])
def test_perceptron_learns_and_or(gate):
    X, y = data.logic_gate(gate)
    p = Perceptron(2)
    mistakes = p.fit(X, y, epochs=20)
    assert mistakes[-1] == 0 and (p.predict(X) == y).all()


def test_adaline_learns_a_linear_target():
    X, y = data.blobs(60, centers=[[-2, -2], [2, 2]], std=0.5, seed=0)
    a = Adaline(2, lr=0.01)
    errors = a.fit(X, y, epochs=30)
    assert errors[-1] < errors[0] and np.mean(a.predict(X) == y) >= 0.97


def test_single_neurons_fail_on_xor():
    X, y = data.logic_gate("XOR")
    p, a = Perceptron(2), Adaline(2, lr=0.05)
    assert min(p.fit(X, y, epochs=100)) >= 1  # never a clean epoch
    a.fit(X, y, epochs=200)
    assert np.mean(p.predict(X) == y) <= 0.75 and np.mean(a.predict(X) == y) <= 0.75


@pytest.mark.parametrize("call,error,match", [
    (lambda: Perceptron(10**400), ValueError, "would have .* parameters, more than"),
    (lambda: Perceptron(2.0), TypeError, r"Perceptron: nin \(the number of inputs\) must be an "
                                         "int"),
    (lambda: Adaline(0), ValueError, "Adaline: nin .* must be an int >= 1"),
    (lambda: Perceptron(2).fit(*data.logic_gate("AND"), epochs=10**400), ValueError,
     "Perceptron.fit: epochs must be <= 1,000,000"),
    (lambda: Adaline(2).fit(*data.logic_gate("AND"), epochs=2.5), TypeError,
     "Adaline.fit: epochs must be an int"),
    (lambda: Adaline(2).fit(*data.logic_gate("AND"), seed=-1), ValueError,
     "Adaline.fit: seed must be an int >= 0"),
    (lambda: Perceptron(2).fit([["a", "b"]], [1]), TypeError,
     "Perceptron.fit expects X, an array of numbers"),
    (lambda: Perceptron(2).fit([[np.nan, 0.0]], [1]), ValueError, "finite numbers in X"),
])
def test_nonsense_is_refused_naming_the_argument(call, error, match):
    """Perceptron(10**400) ended in "cannot fit 'int' into an index-sized integer", and
    fit(epochs=10**400) never returned."""
    with pytest.raises(error, match=match):
        call()


def test_numpy_numbers_are_accepted_where_python_ones_are():
    X, y = data.logic_gate("OR")
    assert Perceptron(np.int64(2)).fit(X, y, epochs=np.int32(5), seed=np.uint8(0)) == \
        Perceptron(2).fit(X, y, epochs=5, seed=0)
