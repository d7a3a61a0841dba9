"""Weight initialisation schemes (``torch.nn.init``).

Each scheme is a function ``(n_in, n_out, rng) -> array of shape (n_out, n_in)``;
``get(name)`` looks one up by name. Biases always start at 0.

| name | distribution | std |
|---|---|---|
| ``gaussian(std=0.01)`` | normal | ``std`` (the lectures' small fixed std) |
| ``uniform(a=1.0)`` | U(-a, a) | ``a / sqrt(3)`` (micrograd uses a = 1) |
| ``xavier`` / ``xavier_normal`` | normal | ``1 / sqrt(n_in)`` (as the lecture writes it) |
| ``xavier_uniform`` | U(-sqrt(3/n_in), sqrt(3/n_in)) | ``1 / sqrt(n_in)`` |
| ``glorot`` / ``glorot_normal`` | normal | ``sqrt(2 / (n_in + n_out))`` |
| ``glorot_uniform`` | U(-sqrt(6/(n_in+n_out)), +same) | ``sqrt(2 / (n_in + n_out))`` |
| ``he`` / ``msra`` | normal | ``sqrt(2 / n_in)`` |

"xavier" is the lecture's fan-in form, std 1/sqrt(n_in). Glorot and Bengio's
paper averages fan-in and fan-out, std sqrt(2/(n_in+n_out)): that is "glorot"
here and PyTorch's ``xavier_normal_``/``xavier_uniform_``. For He/MSRA the lecture
writes 2/sqrt(n_in); the usual form, used here and by PyTorch's
``kaiming_normal_``, is sqrt(2/n_in).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from autograd import _internal

from .serialization import MAX_PARAMETERS

Initializer = Callable[[int, int, np.random.Generator], np.ndarray]

__all__ = ["gaussian", "uniform", "xavier_normal", "xavier_uniform", "glorot_normal",
           "glorot_uniform", "he", "get", "NAMES"]


def _positive(who: str, name: str, value) -> float:
    return _internal.real(value, f"{who} init: {name}", above=0)


def gaussian(std: float = 0.01) -> Initializer:
    """Normal with a small fixed standard deviation (``torch.nn.init.normal_``)."""
    std = _positive("gaussian", "std", std)
    return lambda n_in, n_out, rng: rng.normal(0.0, std, size=(n_out, n_in))


def uniform(a: float = 1.0) -> Initializer:
    """Uniform on (-a, a) (``torch.nn.init.uniform_(w, -a, a)``)."""
    a = _positive("uniform", "a", a)
    return lambda n_in, n_out, rng: rng.uniform(-a, a, size=(n_out, n_in))


def _shape(who: str, n_in, n_out, rng) -> tuple[int, int]:
    """The checks of the named initializers (a model calls them with its own sizes)."""
    n_in = _internal.integer(n_in, f"{who}: n_in", minimum=1, maximum=MAX_PARAMETERS)
    n_out = _internal.integer(n_out, f"{who}: n_out", minimum=1,
                              maximum=MAX_PARAMETERS // n_in)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{who}: rng must be a numpy Generator (np.random.default_rng(seed)), "
                        f"got {type(rng).__name__}: {rng!r:.40}")
    return n_in, n_out


def xavier_normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Normal with std 1/sqrt(n_in)."""
    n_in, n_out = _shape("xavier_normal", n_in, n_out, rng)
    return rng.normal(0.0, 1.0 / math.sqrt(n_in), size=(n_out, n_in))


def xavier_uniform(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform with std 1/sqrt(n_in), i.e. on (-sqrt(3/n_in), sqrt(3/n_in))."""
    n_in, n_out = _shape("xavier_uniform", n_in, n_out, rng)
    a = math.sqrt(3.0 / n_in)
    return rng.uniform(-a, a, size=(n_out, n_in))


def glorot_normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Normal with std sqrt(2/(n_in+n_out)) (``torch.nn.init.xavier_normal_``)."""
    n_in, n_out = _shape("glorot_normal", n_in, n_out, rng)
    return rng.normal(0.0, math.sqrt(2.0 / (n_in + n_out)), size=(n_out, n_in))


def glorot_uniform(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform on +-sqrt(6/(n_in+n_out)), std sqrt(2/(n_in+n_out))
    (``torch.nn.init.xavier_uniform_``)."""
    n_in, n_out = _shape("glorot_uniform", n_in, n_out, rng)
    a = math.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_out, n_in))


def he(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Normal with std sqrt(2/n_in) (He et al., "MSRA"), made for ReLU layers
    (``torch.nn.init.kaiming_normal_``)."""
    n_in, n_out = _shape("he", n_in, n_out, rng)
    return rng.normal(0.0, math.sqrt(2.0 / n_in), size=(n_out, n_in))


_BY_NAME = {
    "gaussian": gaussian(),
    "uniform": uniform(),
    "xavier": xavier_normal,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "glorot": glorot_normal,
    "glorot_normal": glorot_normal,
    "glorot_uniform": glorot_uniform,
    "he": he,
    "msra": he,
}
NAMES = tuple(_BY_NAME)


def get(init) -> Initializer:
    """An initializer from a name in ``NAMES`` or a callable ``(n_in, n_out, rng)``
    returning an (n_out, n_in) array. ``gaussian`` and ``uniform`` by name use
    std 0.01 and a = 1; call ``gaussian(std)`` / ``uniform(a)`` for others."""
    if callable(init):
        return init
    if isinstance(init, str) and init in _BY_NAME:
        return _BY_NAME[init]
    raise ValueError(f"unknown init {init!r}; expected one of {', '.join(NAMES)} or a callable")
