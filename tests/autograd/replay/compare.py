"""The oracle of the replay's tests: the eager engine itself. Build the graph of every
sample, reduce, call backward(), and compare the loss and every parameter's gradient
with what the compiled program gives for the same batch."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Value, compile


def eager(fn, params, *arrays, reduction="mean"):
    """Loss and parameter gradients from the eager graph of the reduced loss."""
    for p in params:
        p.grad = 0.0
    losses = []
    for row in zip(*arrays):
        args = [Value(float(a)) if np.ndim(a) == 0 else [Value(float(v)) for v in a]
                for a in row]
        losses.append(fn(*args))
    total = Value.sum(losses)
    if reduction == "mean":
        total = total * (1.0 / len(losses))
    total.backward()
    return total.data, np.array([p.grad for p in params])


def replayed(fn, params, *arrays, reduction="mean", fuse=True):
    """Loss and parameter gradients from ``compile(fn).value_and_grad`` on the batch. It
    runs twice: the first call interprets the plan's steps, the second runs the code
    generated for them (``codegen.py``); the two agree to the last bit."""
    program = compile(fn, fuse=fuse)
    runs = []
    for _ in range(2):
        for p in params:
            p.grad = 0.0
        loss = program.value_and_grad(*arrays, reduction=reduction)
        runs.append((loss, np.array([p.grad for p in params])))
    (interpreted, first), (generated, second) = runs
    np.testing.assert_array_equal([generated], [interpreted])  # NaN equals NaN here
    np.testing.assert_array_equal(second, first)
    return generated, second


def assert_same(a, b, rtol=1e-12):
    """Two (loss, gradients) pairs agree: the loss to ``rtol``, the gradients to ``rtol``
    times the largest of them."""
    (la, ga), (lb, gb) = a, b
    assert lb == pytest.approx(la, rel=rtol, abs=1e-300)
    scale = max(np.max(np.abs(ga), initial=0.0), 1e-300)
    np.testing.assert_allclose(gb, ga, rtol=0, atol=rtol * scale)


def inputs_between(low, high, avoid, n=40, columns=1, seed=0):
    """An (n, columns) batch uniform in [low, high), moved away from the points
    ``avoid`` (kinks, where one-sided derivatives differ)."""
    x = np.random.default_rng(seed).uniform(low, high, size=(n, columns))
    for point in avoid:
        x = np.where(np.abs(x - point) < 1e-3, x + 2e-3, x)
    return x
