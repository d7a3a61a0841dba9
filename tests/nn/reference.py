"""nn's networks written again in numpy, from the lectures' formulas: the reference the
model tests compare the engine with (independent of the op table)."""

import numpy as np

from nn import MLP

# Each named activation on numpy arrays, written from its formula, and its derivative
# (at points away from kinks). Independent of the engine's op table; the model tests
# (tests/nn/test_modules.py) use it as their numpy reference.
NUMPY_ACTIVATIONS = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    "softplus": (lambda z: np.log1p(np.exp(z)), lambda z: 1 / (1 + np.exp(-z))),
    "softsign": (lambda z: z / (1 + np.abs(z)), lambda z: 1 / (1 + np.abs(z)) ** 2),
    "hardtanh": (lambda z: np.clip(z, -1, 1), lambda z: (np.abs(z) < 1).astype(float)),
    "step": (lambda z: (z > 0).astype(float), lambda z: np.zeros_like(z)),
    "linear": (lambda z: z, lambda z: np.ones_like(z)),
}


def weights_of(model: MLP):
    W = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
    b = [np.array([n.b.data for n in layer.neurons]) for layer in model.layers]
    return W, b


def numpy_forward(W, b, acts, x):
    """u^(l) = W y^(l-1) + b, y^(l) = f(u^(l)); returns the u's and the y's."""
    us, ys = [], [np.asarray(x, dtype=float)]
    for Wl, bl, a in zip(W, b, acts):
        us.append(Wl @ ys[-1] + bl)
        ys.append(NUMPY_ACTIVATIONS[a][0](us[-1]))
    return us, ys


def numpy_backprop(W, b, acts, x, t):
    """Gradients of E = 1/2 ||y - t||^2 by the lecture's delta formulas."""
    us, ys = numpy_forward(W, b, acts, x)
    delta = (ys[-1] - t) * NUMPY_ACTIVATIONS[acts[-1]][1](us[-1])
    dW, db = [None] * len(W), [None] * len(W)
    for layer in reversed(range(len(W))):
        dW[layer], db[layer] = np.outer(delta, ys[layer]), delta
        if layer:
            delta = (W[layer].T @ delta) * NUMPY_ACTIVATIONS[acts[layer - 1]][1](us[layer - 1])
    return ys[-1], dW, db, W[0].T @ delta  # delta is now the first layer's: dE/dx
