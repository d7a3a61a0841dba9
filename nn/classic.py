"""The classic single-neuron learning rules, for contrast with backprop.

Both are neurons built from ``autograd.Value`` (so they can be drawn), trained
on 0/1 labels, and both fail on XOR: a single neuron only draws a straight line.
"""

from __future__ import annotations

import numpy as np

from autograd import Value, _internal

from .data import to_pm1
from .modules import Neuron
from .train import MAX_EPOCHS

__all__ = ["Perceptron", "Adaline"]


def _check(X, y, nin: int, who: str):
    if _internal.is_complex(X):
        raise TypeError(f"{who}.fit expects X of real numbers, got complex")
    try:
        X = _internal.numbers_array(X, f"{who}.fit: X")
    except TypeError as e:
        raise TypeError(f"{who}.fit expects X, an array of numbers of shape (n, {nin}): "
                        f"{e}") from None
    y = _internal.numbers_array(y, f"{who}.fit: y (labels 0 or 1)", dtype=None)
    if X.ndim != 2 or X.shape[1] != nin or y.ndim != 1 or len(X) != len(y):
        raise ValueError(f"{who} expects X of shape (n, {nin}) and y of length n, "
                         f"got X {X.shape} and y {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(f"{who} expects labels 0 or 1, got {np.unique(y)}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{who}.fit expects finite numbers in X, got nan or inf")
    return X, y


def _epochs_and_rng(epochs, seed, who: str) -> tuple[int, np.random.Generator]:
    epochs = _internal.integer(epochs, f"{who}.fit: epochs", minimum=1)
    if epochs > MAX_EPOCHS:
        raise ValueError(f"{who}.fit: epochs must be <= {MAX_EPOCHS:,}, got {epochs}")
    return epochs, np.random.default_rng(_internal.integer(seed, f"{who}.fit: seed",
                                                           minimum=0))


def _zeros(n_in: int, n_out: int, rng) -> np.ndarray:
    return np.zeros((n_out, n_in))


class Perceptron:
    """Rosenblatt's perceptron: output step(w.x + b) in {0, 1}; the rule
    w <- w + lr (t - y) x, b <- b + lr (t - y) changes weights only on mistakes.
    No gradient: the step function's derivative is 0 everywhere."""

    def __init__(self, nin: int, lr: float = 1.0):
        nin = _internal.integer(nin, "Perceptron: nin (the number of inputs)", minimum=1)
        self.neuron = Neuron(nin, activation="step", init=_zeros)  # weights and bias 0
        self.lr = _internal.real(lr, f"{type(self).__name__}: lr", above=0)

    def __call__(self, x) -> Value:
        return self.neuron(x)

    def predict(self, X) -> np.ndarray:
        return self.neuron.predict(X).astype(int)

    def fit(self, X, y, epochs: int = 20, seed: int = 0) -> list[int]:
        """Train; returns the number of mistakes in each epoch."""
        X, y = _check(X, y, self.neuron.nin, "Perceptron")
        epochs, rng = _epochs_and_rng(epochs, seed, "Perceptron")
        mistakes = []
        for _ in range(epochs):
            wrong = 0
            for i in rng.permutation(len(X)):
                error = y[i] - self.neuron(X[i]).data  # t - y: -1, 0 or 1
                if error:
                    wrong += 1
                    for w, xi in zip(self.neuron.w, X[i]):
                        w.data += self.lr * error * xi
                    self.neuron.b.data += self.lr * error
            mistakes.append(wrong)
        return mistakes


class Adaline:
    """ADALINE / Widrow-Hoff (LMS): a linear neuron z = w.x + b trained on
    targets -1/+1 by gradient descent on 1/2 (z - t)^2 per sample, which is the
    delta rule w <- w + lr (t - z) x. The class is 1 when z > 0."""

    def __init__(self, nin: int, lr: float = 0.05):
        nin = _internal.integer(nin, "Adaline: nin (the number of inputs)", minimum=1)
        self.neuron = Neuron(nin, activation="linear", init=_zeros)  # weights and bias 0
        self.lr = _internal.real(lr, f"{type(self).__name__}: lr", above=0)

    def __call__(self, x) -> Value:
        return self.neuron(x)

    def predict(self, X) -> np.ndarray:
        return (self.neuron.predict(X) > 0).astype(int)

    def fit(self, X, y, epochs: int = 50, seed: int = 0) -> list[float]:
        """Train; returns the mean squared error of each epoch."""
        X, y = _check(X, y, self.neuron.nin, "Adaline")
        epochs, rng = _epochs_and_rng(epochs, seed, "Adaline")
        t = to_pm1(y)
        params = self.neuron.parameters()
        errors = []
        for _ in range(epochs):
            total = 0.0
            for i in rng.permutation(len(X)):
                loss = 0.5 * (self.neuron(X[i]) - t[i]) ** 2
                for p in params:
                    p.grad = 0.0
                loss.backward()  # the gradient is -(t - z) x: the delta rule
                for p in params:
                    p.data -= self.lr * p.grad
                total += 2 * loss.data
            errors.append(total / len(X))
        return errors
