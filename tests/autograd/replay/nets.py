"""Tiny networks and losses made of raw Values, for the replay's tests: autograd's tests
never import ``nn``, but the replay is there to run networks.

The graphs are the ones ``nn`` builds, node for node: a neuron is ONE n-ary
``Value.sum`` of its products ``w_i * x_i`` and its bias, then the activation (none on
the last layer: raw scores); the losses are written per sample, as ``nn.losses``
builds them for one sample whose targets are Values (what ``autograd.compile`` traces).
"""

from __future__ import annotations

import numpy as np

from autograd import Value
from autograd.replay import require


class Neuron:
    """``activation(sum_i w_i x_i + b)``; ``activation`` None is linear (no node)."""

    def __init__(self, weights, activation):
        self.w = [Value(float(w)) for w in weights]
        self.b = Value(0.0)
        self.activation = activation

    def __call__(self, xs: list) -> Value:
        out = Value.sum([wi * xi for wi, xi in zip(self.w, xs)] + [self.b])
        return out if self.activation is None else self.activation(out)


class Layer:
    """Neurons that see the same inputs."""

    def __init__(self, weights: np.ndarray, activation):
        self.neurons = [Neuron(row, activation) for row in weights]

    def __call__(self, xs: list) -> list:
        return [n(xs) for n in self.neurons]


class MLP:
    """``MLP(2, [16, 16, 1], "relu")``: hidden layers with ``activation`` (the name of a
    Value method: ``"tanh"``, ``"relu"``, ... or ``"linear"``), a linear output layer.
    Weights are normal with std ``1/sqrt(n_in)`` from ``seed``, biases 0. Calling it on
    one sample (Values or numbers) gives a Value for one output, else a list."""

    def __init__(self, n_in: int, sizes: list, activation: str = "relu", seed: int = 0):
        rng = np.random.default_rng(seed)
        f = None if activation == "linear" else getattr(Value, activation)
        dims = [n_in, *sizes]
        self.layers = [Layer(rng.normal(0.0, 1.0 / np.sqrt(dims[k]), size=(dims[k + 1], dims[k])),
                             f if k < len(sizes) - 1 else None) for k in range(len(sizes))]

    def __call__(self, x):
        h = [v if isinstance(v, Value) else Value(float(v)) for v in x]
        for layer in self.layers:
            h = layer(h)
        return h[0] if len(h) == 1 else h

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for n in layer.neurons for p in [*n.w, n.b]]

    def weights(self) -> list[Value]:
        return [w for layer in self.layers for n in layer.neurons for w in n.w]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


# --- losses of one sample (nn.losses with a batch of one, targets as Values) ---------------


def _as_list(scores) -> list:
    return [scores] if isinstance(scores, Value) else list(scores)


def max_margin(score: Value, t: Value) -> Value:
    """relu(1 - t * score), t in {-1, +1}."""
    require([t], lambda a: np.all(np.abs(a) == 1), "max_margin expects targets -1 or +1, "
            "got {got}")
    return (1.0 - t * score).relu()


def binary_cross_entropy(logit: Value, t: Value) -> Value:
    """softplus(z) - t z, t in {0, 1}."""
    require([t], lambda a: np.all((a == 0) | (a == 1)), "binary_cross_entropy expects "
            "targets 0 or 1, got {got}")
    return logit.softplus() - t * logit


def mse(scores, targets) -> Value:
    """Mean of (y_k - t_k)^2 over the k outputs."""
    terms = [(y - t) ** 2 for y, t in zip(_as_list(scores), _as_list(targets))]
    return terms[0] if len(terms) == 1 else Value.sum(terms) * (1.0 / len(terms))


def half_squared_error(scores, targets) -> Value:
    """1/2 sum of (y_k - t_k)^2."""
    return Value.sum([(y - t) ** 2 for y, t in zip(_as_list(scores), _as_list(targets))]) * 0.5


def cross_entropy(logits: list, one_hot: list) -> Value:
    """-sum_k t_k log softmax(z)_k, the log-softmax through one logsumexp node."""
    log_total = Value.logsumexp(logits)
    log_p = [z - log_total for z in logits]
    terms = [-t * lp for t, lp in zip(one_hot, log_p)]
    return terms[0] if len(terms) == 1 else Value.sum(terms)


def hinge(scores: list, one_hot: list, margin: float = 1.0) -> Value:
    """sum_{j != y} relu(s_j - s_y + margin), with s_y = sum_j t_j s_j."""
    require(one_hot, lambda a: np.all(((a == 0) | (a == 1)) & (a.sum(axis=1, keepdims=True) == 1)),
            "hinge expects one-hot target rows, got values {got}")
    s_y = Value.sum([t * s for t, s in zip(one_hot, scores)])
    terms = [(1.0 - t) * (s - s_y + margin).relu() for t, s in zip(one_hot, scores)]
    return terms[0] if len(terms) == 1 else Value.sum(terms)


def l2_penalty(params: list) -> Value:
    """1/2 sum of squares."""
    return Value.sum([p * p for p in params]) * 0.5
