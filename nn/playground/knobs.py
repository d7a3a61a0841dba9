"""The playground's knobs: their table and defaults, the data sets and input
features they choose from, and the check of each knob's value (a bad one raises
a ``ValueError``/``TypeError`` naming the knob, what it allows and what came)."""

from __future__ import annotations

import math

import numpy as np

from autograd import _internal

from .. import data as datasets
from ..activations import ACTIVATIONS
from ..modules import MLP

__all__ = ["FEATURES", "DATASETS", "KNOBS", "ALIASES", "PLAYGROUND_LOSSES", "OPTIMIZERS",
           "MAX_LAYERS", "MAX_NEURONS", "DATA_KNOBS", "NETWORK_KNOBS", "check_knob",
           "check_knob_names", "check_model", "choice", "in_range", "same_value"]

# the input features TensorFlow Playground offers, as functions of the plane's points (n, 2)
FEATURES = {
    "x1": lambda P: P[:, 0],
    "x2": lambda P: P[:, 1],
    "x1^2": lambda P: P[:, 0] ** 2,
    "x2^2": lambda P: P[:, 1] ** 2,
    "x1*x2": lambda P: P[:, 0] * P[:, 1],
    "sin(x1)": lambda P: np.sin(P[:, 0]),
    "sin(x2)": lambda P: np.sin(P[:, 1]),
}


def _gauss(n, noise=0.1, seed=0):
    """Two Gaussian blobs at (-1, -1) and (1, 1), spread 0.3 + noise (the playground's)."""
    return datasets.blobs(n, centers=[[-1.0, -1.0], [1.0, 1.0]], std=0.3 + noise, seed=seed)


# name -> (generator(n, noise, seed), its default noise)
DATASETS = {
    "circle": (lambda n, noise, seed: datasets.circles(n, noise=noise, seed=seed), 0.05),
    "xor": (lambda n, noise, seed: datasets.xor_quadrants(n, noise=noise, seed=seed), 0.0),
    "gauss": (lambda n, noise, seed: _gauss(n, noise=noise, seed=seed), 0.1),
    "spiral": (lambda n, noise, seed: datasets.spirals(n, noise=noise, seed=seed), 0.1),
    "moons": (lambda n, noise, seed: datasets.moons(n, noise=noise, seed=seed), 0.1),
}
ALIASES = {"circles": "circle", "blobs": "gauss", "spirals": "spiral", "xor_quadrants": "xor"}
PLAYGROUND_LOSSES = ("bce", "max_margin", "mse")  # one output, labels 0/1
OPTIMIZERS = ("sgd", "momentum", "adam")           # momentum: SGD with momentum 0.9
MAX_LAYERS, MAX_NEURONS = 6, 8

# every knob and its default; which ones start the network again (new weights, history)
KNOBS = {
    "data": "circle", "n_samples": 500, "noise": None, "test_fraction": 0.5, "seed": 0,
    "features": ("x1", "x2"), "layers": (4,), "activation": "tanh",
    "loss": "bce", "optimizer": "sgd", "lr": 0.03, "l2": 0.0, "batch_size": 10,
    "epochs_per_update": 1,
}
DATA_KNOBS = {"data", "n_samples", "noise", "test_fraction", "seed"}
NETWORK_KNOBS = {"features", "layers", "activation", "loss"}


# --- knob checks: each names the knob, what it allows and what came ----------------------


def choice(value, knob: str, allowed) -> str:
    """``value`` if it is one of the names ``allowed``."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"playground: {knob} must be one of {', '.join(map(repr, allowed))}, "
                         f"got {value!r}")
    return value


def in_range(value, knob: str, lo: float, hi: float, integer: bool = False):
    """``value`` as a number (an int with ``integer``) in [lo, hi]."""
    check = _internal.integer if integer else _internal.real
    value = check(value, f"playground: {knob}")
    if not lo <= value <= hi:
        raise ValueError(f"playground: {knob} must be in [{lo:g}, {hi:g}], got {value:g}")
    return value


def check_knob_names(names) -> None:
    """A TypeError naming the first of ``names`` that is not a knob."""
    for knob in names:
        if knob not in KNOBS:
            raise TypeError(f"playground: unknown knob {knob!r}; the knobs are "
                            f"{', '.join(KNOBS)}")


def _check_data(value):
    if isinstance(value, str):
        return choice(ALIASES.get(value, value), "data", tuple(DATASETS))
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise TypeError(f"playground: data must be a name ({', '.join(DATASETS)}) or a pair "
                        f"(X, y) of points (n, 2) and 0/1 labels, got {type(value).__name__}")
    X, y = value
    if np.iscomplexobj(X) or isinstance(X, (str, bytes)):
        raise TypeError("playground: data's X must hold real numbers, shape (n, 2)")
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as e:
        raise TypeError(f"playground: data's X must be numbers of shape (n, 2): {e}") from None
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) < 4:
        raise ValueError(f"playground: data's X must be points of the plane, shape (n, 2) with "
                         f"n >= 4, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("playground: data's X has non-finite values (nan or inf)")
    if y.shape != (len(X),) or not np.all((y == 0) | (y == 1)):
        raise ValueError(f"playground: data's y must hold one label 0 or 1 per point, shape "
                         f"({len(X)},), got shape {y.shape} with values {np.unique(y)[:5]}")
    return X, y.astype(int)


def _check_features(value) -> tuple:
    if isinstance(value, str) or not isinstance(value, (tuple, list)):
        raise TypeError(f"playground: features must be a list of names from "
                        f"{', '.join(FEATURES)}, got {type(value).__name__}: {value!r:.60}")
    for f in value:
        if not isinstance(f, str) or f not in FEATURES:
            raise ValueError(f"playground: features must be names from "
                             f"{', '.join(FEATURES)}, got {f!r} in {list(value)!r}")
    if not value or len(set(value)) != len(value):
        raise ValueError(f"playground: features must name at least one feature, each once, "
                         f"from {', '.join(FEATURES)}, got {list(value)}")
    return tuple(f for f in FEATURES if f in value)  # the playground's order


def _check_layers(value) -> tuple:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        raise TypeError(f"playground: layers must be a list of hidden layer sizes such as "
                        f"[4, 2], got {type(value).__name__}: {value!r:.60}")
    if len(value) > MAX_LAYERS:
        raise ValueError(f"playground: layers may have 0 to {MAX_LAYERS} hidden layers, got "
                         f"{len(value)}: {list(value)}")
    sizes = []
    for i, s in enumerate(value):
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or \
                not 1 <= s <= MAX_NEURONS:
            raise ValueError(f"playground: layers[{i}] must be an int from 1 to {MAX_NEURONS} "
                             f"neurons, got {s!r} (layers={list(value)!r})")
        sizes.append(int(s))
    return tuple(sizes)


def _check_lr(value) -> float:
    value = _internal.real(value, "playground: lr")
    if not 0 < value <= 10:
        raise ValueError(f"playground: lr must be in (0, 10], got {value:g}")
    return value


# knob -> its check; the plain ranges are (lo, hi, integer)
_CHECKS = {
    "data": _check_data,
    "features": _check_features,
    "layers": _check_layers,
    "activation": lambda v: choice(v, "activation", tuple(ACTIVATIONS)),
    "loss": lambda v: choice(v, "loss", PLAYGROUND_LOSSES),
    "optimizer": lambda v: choice(v, "optimizer", OPTIMIZERS),
    "noise": lambda v: None if v is None else in_range(v, "noise", 0.0, 1.0),
    "lr": _check_lr,
}
_RANGES = {
    "l2": (0.0, 10.0, False),
    "test_fraction": (0.1, 0.9, False),
    "n_samples": (20, 5000, True),
    "seed": (0, 2**32 - 1, True),
    "batch_size": (1, 5000, True),
    "epochs_per_update": (1, 100, True),
}


def check_knob(knob: str, value):
    """The knob's value, checked and in its plain type."""
    if knob in _CHECKS:
        return _CHECKS[knob](value)
    if knob in _RANGES:
        lo, hi, integer = _RANGES[knob]
        return in_range(value, knob, lo, hi, integer=integer)
    raise TypeError(f"playground: unknown knob {knob!r}; the knobs are {', '.join(KNOBS)}")


def check_model(model, n_in: int):
    """The learner's own model: an nn.MLP with one output and biases, n_in inputs."""
    layers = getattr(model, "layers", None)
    if not isinstance(model, MLP) or not layers:
        raise TypeError(f"playground: model must be an nn.MLP such as nn.MLP(2, [4, 1]), got "
                        f"{type(model).__name__}")
    if layers[-1].nout != 1:
        raise ValueError(f"playground: model must have one output (a score for class 1), got "
                         f"{layers[-1].nout}")
    if any(n.b is None for layer in layers for n in layer.neurons):
        raise ValueError("playground: model must have biases (MLP(..., bias=True)): each "
                         "neuron's δ is read as ∂E/∂b")
    if model.nin != n_in:
        raise ValueError(f"playground: model takes {model.nin} inputs but {n_in} features are "
                         f"on: pass features= with {model.nin} names")
    return model


def same_value(a, b) -> bool:
    """Whether two checked values of a knob are the same (data: the same points; two
    numbers one rounding apart, as a slider sends 0.1 + 2 × 0.1 = 0.30000000000000004
    back for 0.3: the same, or showing the live view would start the network again)."""
    if isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], np.ndarray):
        return isinstance(b, tuple) and len(b) == 2 and isinstance(b[0], np.ndarray) and \
            a[0].shape == b[0].shape and np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    if type(a) is float and type(b) is float:
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return type(a) is type(b) and a == b
