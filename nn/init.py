"""Weight initialisation schemes (``torch.nn.init``).

Each scheme is a function ``(n_in, n_out, rng) -> array of shape (n_out, n_in)``;
``get(name)`` looks one up by name. Biases always start at 0.

| name | distribution | std |
|---|---|---|
| ``gaussian(std=0.01)`` | normal | ``std`` (the lectures' small fixed std) |
| ``uniform(a=1.0)`` | U(-a, a) | ``a / sqrt(3)`` (micrograd uses a = 1) |
| ``xavier`` / ``xavier_normal`` | normal | ``1 / sqrt(n_in)`` (as the lecture writes it) |
| ``xavier_uniform`` | U(-sqrt(3/n_in), sqrt(3/n_in)) | ``1 / sqrt(n_in)`` |
| ``he`` / ``msra`` | normal | ``sqrt(2 / n_in)`` |

Glorot and Bengio's paper averages fan-in and fan-out (std sqrt(2/(n_in+n_out)));
the lecture's 1/sqrt(n_in) is the fan-in form, kept here. For He/MSRA the lecture
writes 2/sqrt(n_in); the usual form, used here and by PyTorch's
``kaiming_normal_``, is sqrt(2/n_in).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

Initializer = Callable[[int, int, np.random.Generator], np.ndarray]

__all__ = ["gaussian", "uniform", "xavier_normal", "xavier_uniform", "he", "get", "NAMES"]


def gaussian(std: float = 0.01) -> Initializer:
    """Normal with a small fixed standard deviation."""
    if not std > 0:
        raise ValueError(f"gaussian init: std must be > 0, got {std!r}")
    return lambda n_in, n_out, rng: rng.normal(0.0, std, size=(n_out, n_in))


def uniform(a: float = 1.0) -> Initializer:
    """Uniform on (-a, a)."""
    if not a > 0:
        raise ValueError(f"uniform init: a must be > 0, got {a!r}")
    return lambda n_in, n_out, rng: rng.uniform(-a, a, size=(n_out, n_in))


def xavier_normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Normal with std 1/sqrt(n_in)."""
    return rng.normal(0.0, 1.0 / math.sqrt(n_in), size=(n_out, n_in))


def xavier_uniform(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform with std 1/sqrt(n_in), i.e. on (-sqrt(3/n_in), sqrt(3/n_in))."""
    a = math.sqrt(3.0 / n_in)
    return rng.uniform(-a, a, size=(n_out, n_in))


def he(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Normal with std sqrt(2/n_in) (He et al., "MSRA"), made for ReLU layers."""
    return rng.normal(0.0, math.sqrt(2.0 / n_in), size=(n_out, n_in))


_BY_NAME = {
    "gaussian": gaussian(),
    "uniform": uniform(),
    "xavier": xavier_normal,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "he": he,
    "msra": he,
}
NAMES = tuple(_BY_NAME)


def get(init) -> Initializer:
    """An initializer from a name in ``NAMES`` or a callable ``(n_in, n_out, rng)``."""
    if callable(init):
        return init
    if isinstance(init, str) and init in _BY_NAME:
        return _BY_NAME[init]
    raise ValueError(f"unknown init {init!r}; expected one of {', '.join(NAMES)} or a callable")
