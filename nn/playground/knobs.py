"""The playground's knobs: their table and defaults, the data sets and input
features they choose from, and the check of each knob's value (a bad one raises
a ``ValueError``/``TypeError`` naming the knob, what it allows and what came)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from autograd import _internal

from .. import data as datasets
from ..activations import ACTIVATIONS
from ..modules import MLP

__all__ = ["FEATURES", "DATASETS", "KNOBS", "ALIASES", "PLAYGROUND_LOSSES", "OPTIMIZERS",
           "MAX_LAYERS", "MAX_NEURONS", "MAX_CLASSES", "MULTICLASS", "DATA_KNOBS",
           "NETWORK_KNOBS", "check_knob", "check_knob_names", "check_model", "check_together",
           "n_classes", "n_outputs", "choice", "in_range", "same_value"]

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


def _gauss(n, noise=0.1, seed=0, classes=2):
    """Gaussian blobs, spread 0.3 + noise: two at (-1, -1) and (1, 1) (the playground's),
    k > 2 evenly around a circle of radius 1.6."""
    if classes == 2:
        centres = [[-1.0, -1.0], [1.0, 1.0]]
    else:
        angles = np.pi / 2 + 2 * np.pi * np.arange(classes) / classes
        centres = 1.6 * np.column_stack([np.cos(angles), np.sin(angles)])
    return datasets.blobs(n, centers=centres, std=0.3 + noise, seed=seed)


def _two_classes(make):
    """A generator of two classes only (circle, xor, moons)."""
    def two(n, noise, seed, classes):
        if classes != 2:
            raise ValueError(f"playground: classes={classes} needs a data set of k classes: "
                             f"{', '.join(MULTICLASS)} (blobs with k centres, spirals with k "
                             "arms), or your own data=(X, y); circle, xor and moons have 2")
        return make(n, noise=noise, seed=seed)
    return two


# name -> (generator(n, noise, seed, classes), its default noise)
DATASETS = {
    "circle": (_two_classes(datasets.circles), 0.05),
    "xor": (_two_classes(datasets.xor_quadrants), 0.0),
    "gauss": (lambda n, noise, seed, classes: _gauss(n, noise, seed, classes), 0.1),
    "spiral": (lambda n, noise, seed, classes: datasets.spirals(n, arms=classes, noise=noise,
                                                               seed=seed), 0.1),
    "moons": (_two_classes(datasets.moons), 0.1),
}
MULTICLASS = ("gauss", "spiral")  # the data sets that make k classes
ALIASES = {"circles": "circle", "blobs": "gauss", "spirals": "spiral", "xor_quadrants": "xor"}
# bce, max_margin, mse: one output, labels 0/1; cross_entropy: softmax over k outputs
PLAYGROUND_LOSSES = ("bce", "max_margin", "mse", "cross_entropy")
OPTIMIZERS = ("sgd", "momentum", "adam")           # momentum: SGD with momentum 0.9
MAX_LAYERS, MAX_NEURONS, MAX_CLASSES = 6, 8, 6

# every knob and its default; which ones start the network again (new weights, history)
KNOBS = {
    "data": "circle", "n_samples": 500, "noise": None, "test_fraction": 0.5, "seed": 0,
    "classes": 2, "features": ("x1", "x2"), "layers": (4,), "activation": "tanh",
    "loss": "bce", "optimizer": "sgd", "lr": 0.03, "l2": 0.0, "batch_size": 10,
    "epochs_per_update": 1,
}
DATA_KNOBS = {"data", "n_samples", "noise", "test_fraction", "seed", "classes"}
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
        got = _internal.int_text(value) if integer else f"{value:g}"  # (10**400: by its size)
        raise ValueError(f"playground: {knob} must be in [{lo:g}, {hi:g}], got {got}")
    return value


def check_knob_names(names) -> None:
    """A TypeError naming the first of ``names`` that is not a knob."""
    for knob in names:
        if knob not in KNOBS:
            raise TypeError(f"playground: unknown knob {knob!r}; the knobs are "
                            f"{', '.join(KNOBS)}")


def _check_data(value):
    if isinstance(value, str) and ALIASES.get(value, value) in DATASETS:
        return ALIASES.get(value, value)
    if isinstance(value, Path) or (isinstance(value, str) and (
            value.lower().endswith(".csv") or Path(value).is_file())):
        try:
            return datasets.read_points_csv(value)
        except (OSError, ValueError) as e:
            raise type(e)(f"playground: data: {e}") from None
    if isinstance(value, str):
        return choice(value, "data", tuple(DATASETS))  # neither a data set nor a file
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise TypeError(f"playground: data must be a name ({', '.join(DATASETS)}), a CSV file "
                        f"(x1, x2, label) or a pair (X, y) of points (n, 2) and labels 0..k-1, "
                        f"got {type(value).__name__}")
    X, y = value
    if _internal.is_complex(X) or isinstance(X, (str, bytes)):
        raise TypeError("playground: data's X must hold real numbers, shape (n, 2)")
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError, OverflowError) as e:
        raise TypeError(f"playground: data's X must be numbers of shape (n, 2): {e}") from None
    y = _internal.numbers_array(y, "playground: data's y (labels 0..k-1)", dtype=None)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) < 4:
        raise ValueError(f"playground: data's X must be points of the plane, shape (n, 2) with "
                         f"n >= 4, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("playground: data's X has non-finite values (nan or inf)")
    if y.shape != (len(X),):
        raise ValueError(f"playground: data's y must hold one label per point, shape "
                         f"({len(X)},), got shape {y.shape}")
    y, k = datasets.check_class_labels(y, "playground: data's y")
    if k > MAX_CLASSES:
        raise ValueError(f"playground: data's y has {k} classes; the playground draws 2 to "
                         f"{MAX_CLASSES}")
    return X, y


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
    "classes": (2, MAX_CLASSES, True),
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


def n_classes(knobs: dict) -> int:
    """How many classes the data knobs make: the ``classes`` knob, or your labels'."""
    data = knobs["data"]
    return knobs["classes"] if isinstance(data, str) else int(data[1].max()) + 1


def n_outputs(knobs: dict) -> int:
    """The network's outputs: one score (bce, max_margin, mse) or a logit per class."""
    return n_classes(knobs) if knobs["loss"] == "cross_entropy" else 1


def check_together(knobs: dict) -> None:
    """The knobs that must agree: more than 2 classes need the softmax's cross_entropy."""
    k = n_classes(knobs)
    if k > 2 and knobs["loss"] != "cross_entropy":
        raise ValueError(f"playground: loss={knobs['loss']!r} scores one output for 2 classes; "
                         f"the data has {k}: use loss='cross_entropy' (softmax over {k} outputs)")


def check_model(model, n_in: int, n_out: int = 1):
    """The learner's own model: an nn.MLP with n_out outputs and biases, n_in inputs."""
    layers = getattr(model, "layers", None)
    if not isinstance(model, MLP) or not layers:
        raise TypeError(f"playground: model must be an nn.MLP such as nn.MLP(2, [4, 1]), got "
                        f"{type(model).__name__}")
    if layers[-1].nout != n_out:
        what = "one output (a score for class 1)" if n_out == 1 else \
            f"{n_out} outputs (a logit per class, for cross_entropy)"
        raise ValueError(f"playground: model must have {what}, got {layers[-1].nout}")
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
