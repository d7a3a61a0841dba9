"""Small seeded data sets for the lectures' experiments, and minibatches.

Every generator returns ``(X, y)`` numpy arrays: ``X`` float64 of shape (n, d),
``y`` integer class labels (0/1 for two classes, 0..k-1 for k), except
``regression_1d`` whose ``y`` is float. The same ``seed`` gives the same arrays.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator

import numpy as np

from autograd import _internal

__all__ = ["logic_gate", "moons", "circles", "blobs", "spirals", "xor_quadrants",
           "regression_1d", "train_test_split", "minibatches", "to_pm1", "one_hot", "load_digits",
           "DATASETS", "make", "read_points_csv", "check_class_labels"]

_GATES = {
    "AND": [0, 0, 0, 1],
    "OR": [0, 1, 1, 1],
    "XOR": [0, 1, 1, 0],
    "XNOR": [1, 0, 0, 1],
    "NAND": [1, 1, 1, 0],
    "NOR": [1, 0, 0, 0],
}


MAX_SAMPLES = 1_000_000  # points a generator makes (16 MB of X): more is a mistake here


def _count(n, who: str, minimum: int = 2) -> int:
    return _internal.integer(n, f"{who}: n", minimum=minimum, maximum=MAX_SAMPLES)


def _rng(seed, who: str = "seed") -> np.random.Generator:
    """The generator of a data set: from an int seed >= 0, or a numpy Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(_internal.integer(seed, who, minimum=0))


def _noise(noise, who: str) -> float:
    return _internal.real(noise, f"{who}: noise", minimum=0)


def _finite(X: np.ndarray, who: str) -> np.ndarray:
    """A data set holds finite numbers only: a noise or centre so large that a point
    overflows float64 is refused, never returned as inf or nan."""
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{who}: the arguments make points that overflow float64 (inf or "
                         "nan); use a smaller noise or centres")
    return X


def logic_gate(name: str):
    """The truth table of AND, OR, XOR, XNOR, NAND or NOR: X (4, 2), y (4,)."""
    key = str(name).upper()
    if key not in _GATES:
        raise ValueError(f"unknown gate {name!r}; expected one of {', '.join(_GATES)}")
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array(_GATES[key])


def moons(n: int = 100, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles (as scikit-learn's ``make_moons``)."""
    n, noise = _count(n, "moons"), _noise(noise, "moons")
    rng = _rng(seed, "moons: seed")
    n_top = n - n // 2
    t_top = np.linspace(0, np.pi, n_top)
    t_bottom = np.linspace(0, np.pi, n // 2)
    X = np.vstack([np.c_[np.cos(t_top), np.sin(t_top)],
                   np.c_[1 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)]])
    y = np.r_[np.zeros(n_top, dtype=int), np.ones(n // 2, dtype=int)]
    X = _finite(X + rng.normal(0.0, noise, size=X.shape), "moons")
    order = rng.permutation(n)
    return X[order], y[order]


def circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0):
    """A small circle (class 1) inside a large one (class 0)."""
    n, noise = _count(n, "circles"), _noise(noise, "circles")
    factor = _internal.real(factor, "circles: factor", above=0)
    if not factor < 1:
        raise ValueError(f"circles: factor must be in (0, 1), got {factor!r}")
    rng = _rng(seed, "circles: seed")
    n_out = n - n // 2
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n // 2, endpoint=False)
    X = np.vstack([np.c_[np.cos(t_out), np.sin(t_out)],
                   factor * np.c_[np.cos(t_in), np.sin(t_in)]])
    y = np.r_[np.zeros(n_out, dtype=int), np.ones(n // 2, dtype=int)]
    X = _finite(X + rng.normal(0.0, noise, size=X.shape), "circles")
    order = rng.permutation(n)
    return X[order], y[order]


def blobs(n: int = 100, centers=2, std: float = 0.5, seed: int = 0):
    """Gaussian blobs: ``centers`` is a number of classes (centres drawn in
    [-3, 3]^2) or an array of centres, one class each."""
    n = _count(n, "blobs")
    std = _internal.real(std, "blobs: std", above=0)
    rng = _rng(seed, "blobs: seed")
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        centers = _internal.integer(centers, "blobs: centers (a number of classes)", minimum=2,
                                    maximum=n)
        centers = rng.uniform(-3, 3, size=(centers, 2))
    if isinstance(centers, (bool, str, bytes)) or _internal.is_complex(centers):
        raise TypeError(f"blobs: centers must be an int >= 2 or an array (k, d), "
                        f"got {type(centers).__name__}: {centers!r:.40}")
    try:
        centers = np.asarray(centers, dtype=float)
    except OverflowError:
        raise ValueError("blobs: centers hold an int too large for a float") from None
    except (TypeError, ValueError) as e:
        raise TypeError(f"blobs: centers must be an int >= 2 or an array (k, d) of numbers "
                        f"({e})") from None
    if centers.ndim != 2 or len(centers) < 2 or not centers.shape[1]:
        raise ValueError(f"blobs: centers must be an int >= 2 or an array (k, d), got {centers!r}")
    if not np.all(np.isfinite(centers)):
        raise ValueError(f"blobs: centers must be finite numbers, got {centers.tolist()!r:.80}")
    y = np.arange(n) % len(centers)
    X = _finite(centers[y] + rng.normal(0.0, std, size=(n, centers.shape[1])), "blobs")
    order = rng.permutation(n)
    return X[order], y[order]


def spirals(n: int = 100, arms: int = 2, noise: float = 0.1, turns: float = 1.0, seed: int = 0):
    """Interleaved spiral arms, one class per arm (the playground's spiral)."""
    n, noise = _count(n, "spirals"), _noise(noise, "spirals")
    arms = _internal.integer(arms, "spirals: arms", minimum=2, maximum=n)
    turns = _internal.real(turns, "spirals: turns")
    rng = _rng(seed, "spirals: seed")
    y = np.arange(n) % arms
    r = np.repeat(np.linspace(0.05, 1.0, -(-n // arms)), arms)[:n]
    t = 2 * np.pi * turns * r + 2 * np.pi * y / arms
    X = _finite(np.c_[r * np.cos(t), r * np.sin(t)] + rng.normal(0.0, noise * 0.1, size=(n, 2)),
                "spirals")
    order = rng.permutation(n)
    return X[order], y[order]


def xor_quadrants(n: int = 100, noise: float = 0.0, seed: int = 0):
    """Points in [-1, 1]^2; class 1 where x1 and x2 have different signs."""
    n, noise = _count(n, "xor_quadrants"), _noise(noise, "xor_quadrants")
    rng = _rng(seed, "xor_quadrants: seed")
    X = rng.uniform(-1, 1, size=(n, 2))
    X = X + 0.05 * np.sign(X)  # keep points off the axes, where the class flips
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)
    return _finite(X + rng.normal(0.0, noise, size=X.shape), "xor_quadrants"), y


def regression_1d(n: int = 50, noise: float = 0.1, seed: int = 0, fn=np.sin):
    """x uniform in [-3, 3] and y = fn(x) + noise: X (n, 1), y (n,) float."""
    n, noise = _count(n, "regression_1d"), _noise(noise, "regression_1d")
    if not callable(fn):
        raise TypeError(f"regression_1d: fn must be a function of an array, such as np.sin, "
                        f"got {type(fn).__name__}: {fn!r:.40}")
    rng = _rng(seed, "regression_1d: seed")
    x = np.sort(rng.uniform(-3, 3, size=n))
    with np.errstate(all="ignore"):
        fx = np.asarray(fn(x), dtype=float)
    if fx.shape != x.shape:
        raise ValueError(f"regression_1d: fn must return one number per x, shape {x.shape}, "
                         f"got {fx.shape}")
    bad = np.flatnonzero(~np.isfinite(fx))
    if len(bad):
        raise ValueError(f"regression_1d: fn gives {fx[bad[0]]} at x = {x[bad[0]]:.4g} "
                         "(x is uniform in [-3, 3]): use a function defined there")
    return x[:, None], _finite(fx + rng.normal(0.0, noise, size=n), "regression_1d")


def load_digits(classes=None):
    """The 8x8 handwritten digits that ship inside scikit-learn (1797 images, no
    download; ``pip install -e ".[digits]"`` in a checkout): X (n, 64) with pixels scaled from
    0..16 to [0, 1], y (n,) the digit. ``classes=(0, 1, 2)`` keeps those digits and
    relabels them 0, 1, 2 in that order (the lectures' 64-2-3 network)."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise ImportError('nn.data.load_digits needs scikit-learn: pip install -e ".[digits]" '
                          "from a gradlab checkout (or pip install scikit-learn)") from None
    bunch = sklearn_digits()
    X, y = bunch.data.astype(float) / 16.0, bunch.target.astype(int)
    if X.shape[1] != 64 or not np.all((0 <= X) & (X <= 1)):
        raise ValueError(f"load_digits: expected 8x8 images with pixels 0..16, got {X.shape}")
    if classes is None:
        return X, y
    if isinstance(classes, (str, bytes)) or not isinstance(classes, (list, tuple, range,
                                                                      np.ndarray)):
        raise TypeError(f"load_digits: classes must be a list of digits such as (0, 1, 2), "
                        f"got {type(classes).__name__}: {classes!r:.40}")
    classes = [_internal.integer(c, "load_digits: classes[i]")
               for c in _internal.items(classes, "load_digits: classes", "a list of digits")]
    if len(set(classes)) != len(classes) or not all(0 <= c <= 9 for c in classes) \
            or len(classes) < 2:
        raise ValueError(f"load_digits: classes must be two or more distinct digits 0-9, "
                         f"got {classes}")
    keep = np.isin(y, classes)
    relabel = {c: i for i, c in enumerate(classes)}
    return X[keep], np.array([relabel[c] for c in y[keep]])


def one_hot(y, k: int | None = None) -> np.ndarray:
    """Class labels 0..k-1 as one-hot rows (n, k) of floats."""
    y = _internal.numbers_array(y, "one_hot: y (the class labels)", dtype=None)
    if y.ndim != 1 or y.dtype.kind not in "biuf" or not np.all((y == np.round(y)) & (y >= 0)):
        raise ValueError(f"one_hot expects a 1-D array of class labels 0, 1, ..., got {y!r:.80}")
    if len(y) and not y.max() < MAX_SAMPLES:  # inf passed the check above (inf == round(inf))
        raise ValueError(f"one_hot: y (the class labels) must be below {MAX_SAMPLES:,}, got "
                         f"{y.max()!r:.40}")
    if k is not None:
        k = _internal.integer(k, "one_hot: k (the number of classes)", minimum=1,
                              maximum=MAX_SAMPLES)
    if len(y) == 0 and k is None:
        raise ValueError("one_hot: no labels, and no k to say how many classes")
    y = y.astype(int)
    k = int(y.max()) + 1 if k is None else k
    if len(y) and y.max() >= k:
        raise ValueError(f"one_hot: label {int(y.max())} does not fit in {k} classes")
    return np.eye(k)[y]


DATASETS = {"moons": moons, "circles": circles, "blobs": blobs, "spirals": spirals,
            "xor": xor_quadrants}


def make(name: str, n: int = 100, noise: float | None = None, seed: int = 0):
    """A 2-D classification data set by name: moons, circles, blobs, spirals or xor."""
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(DATASETS)}")
    if noise is None:
        return DATASETS[name](n=n, seed=seed)
    if name == "blobs":
        return blobs(n=n, std=max(_noise(noise, "make('blobs')"), 1e-3), seed=seed)
    return DATASETS[name](n=n, noise=noise, seed=seed)


def train_test_split(X, y, test_fraction: float = 0.25, seed: int = 0):
    """Shuffle and split: returns X_train, X_test, y_train, y_test."""
    X = _internal.numbers_array(X, "train_test_split: X", dtype=None)
    y = _internal.numbers_array(y, "train_test_split: y", dtype=None)
    if not X.ndim or not y.ndim:
        raise ValueError(f"train_test_split: X and y must hold one row per sample, got shapes "
                         f"{X.shape} and {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"train_test_split: {len(X)} rows in X but {len(y)} in y")
    test_fraction = _internal.real(test_fraction, "train_test_split: test_fraction", above=0)
    if not test_fraction < 1:
        raise ValueError(f"train_test_split: test_fraction must be in (0, 1), "
                         f"got {test_fraction!r}")
    n_test = max(1, int(round(len(X) * test_fraction)))
    if n_test >= len(X):
        raise ValueError(f"train_test_split: {len(X)} samples are too few to split")
    order = _rng(seed, "train_test_split: seed").permutation(len(X))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def minibatches(X, y, batch_size: int | None = None, rng=None,
                shuffle: bool = True) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, y_batch)`` covering the data once, in a new random order
    each call when ``shuffle`` (pass the same Generator every epoch). ``batch_size``
    None means one full batch; 1 is per-sample SGD."""
    X = _internal.numbers_array(X, "minibatches: X", dtype=None)
    y = _internal.numbers_array(y, "minibatches: y", dtype=None)
    if not X.ndim or not y.ndim:
        raise ValueError(f"minibatches: X and y must hold one row per sample, got shapes "
                         f"{X.shape} and {y.shape}")
    shuffle = _internal.boolean(shuffle, "minibatches: shuffle")
    if len(X) != len(y):
        raise ValueError(f"minibatches: {len(X)} rows in X but {len(y)} in y")
    n = len(X)
    batch_size = n if batch_size is None else \
        _internal.integer(batch_size, "minibatches: batch_size", minimum=1)
    if shuffle:
        rng = np.random.default_rng() if rng is None else _rng(rng, "minibatches: rng (a seed)")
        order = rng.permutation(n)
    else:
        order = np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def to_pm1(y) -> np.ndarray:
    """Labels 0/1 as -1.0/+1.0 (for max_margin and the perceptron's sign)."""
    y = _internal.numbers_array(y, "to_pm1: y", dtype=None)
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(f"to_pm1 expects labels 0 or 1, got {np.unique(y)}")
    return 2.0 * y - 1.0


# --- your own points, from a CSV file --------------------------------------------------------


def check_class_labels(y, who: str) -> tuple[np.ndarray, int]:
    """Class labels as ints 0..k-1, each class present and at least two of them:
    ``(y, k)``, or a ValueError naming ``who`` and saying what is wrong."""
    try:
        y = _internal.numbers_array(y, f"{who}: labels", dtype=None)
    except TypeError as e:  # (a ValueError here, as for every other wrong label)
        raise ValueError(str(e)) from None
    if y.ndim != 1 or y.dtype.kind not in "biuf":
        raise ValueError(f"{who}: labels must be numbers 0, 1, ..., k-1, one per point, got "
                         f"shape {y.shape} of {y.dtype}")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(f"{who}: labels must be numbers 0, 1, ..., k-1, got nan or inf")
    if not np.all(y == np.round(y)) or (len(y) and y.min() < 0):
        bad = y[(y != np.round(y)) | (y < 0)][0]
        raise ValueError(f"{who}: labels must be whole numbers 0, 1, ..., k-1, got {bad:g}")
    y = y.astype(int)
    present = np.unique(y)
    if len(present) < 2:
        only = present[0] if len(present) else "-"
        raise ValueError(f"{who}: all {len(y)} points are class {only}: a classifier needs "
                         "points of at least two classes")
    k = int(present[-1]) + 1
    if len(present) != k:
        missing = sorted(set(range(k)) - set(present.tolist()))
        raise ValueError(f"{who}: labels must be 0, 1, ..., k-1 with every class present; "
                         f"class {missing[0]} has no point (labels {present.tolist()})")
    return y, k


def _number(cell: str, where: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"{where}: {cell.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}: {cell.strip()} (every value must be a finite number)")
    return value


def read_points_csv(path) -> tuple[np.ndarray, np.ndarray]:
    """Points of the plane and their classes from a CSV file of three columns, x1, x2
    and the class label (0, 1, ..., k-1), one point per row; a first row with no number
    in it is a header. Returns ``(X, y)``: X float (n, 2), y int (n,). A bad file is a
    ValueError naming the file, the row (as a spreadsheet counts it) and the column:
    a cell that is not a number, nan or inf, a row of another width, labels that are
    not whole numbers, a single class. (pandas: ``pd.read_csv(path)``.)"""
    path = _internal.file_path(path, "read_points_csv: path")
    if not path.is_file():
        raise FileNotFoundError(f"read_points_csv: {path}: no such file")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = [(i, row) for i, row in enumerate(csv.reader(f), 1)
                    if any(cell.strip() for cell in row)]
    except (UnicodeDecodeError, csv.Error) as e:
        raise ValueError(f"{path}: not a CSV text file ({e})") from None
    names = ["x1", "x2", "label"]
    if rows and not any(_is_number(cell) for cell in rows[0][1]):
        names = [cell.strip() or default for cell, default in zip(rows[0][1], names)] + \
            names[len(rows[0][1]):]
        rows = rows[1:]
    values = []
    for line, row in rows:
        if len(row) != 3:
            raise ValueError(f"{path}, row {line}: {len(row)} cells, expected 3 "
                             f"(x1, x2, label)")
        values.append([_number(cell, f"{path}, row {line}, column {c + 1} ({names[c]})")
                       for c, cell in enumerate(row)])
    if len(values) < 4:
        raise ValueError(f"{path}: {len(values)} points; at least 4 are needed")
    table = np.array(values, dtype=float)
    y, _ = check_class_labels(table[:, 2], f"{path}, column 3 ({names[2]})")
    return table[:, :2].copy(), y


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
