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
