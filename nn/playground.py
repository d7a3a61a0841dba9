"""A playground in Jupyter: TensorFlow Playground's lesson, with the gradients it never shows.

    import nn
    pg = nn.playground(data="spiral", layers=[8, 8], activation="tanh", lr=0.03)
    pg                                   # the live view in Jupyter: knobs, Play/Pause/Step/Reset
    pg.set(l2=0.01); pg.play(epochs=50)  # or drive it from cells
    nn.plot.loss_curves(pg.history)      # pg.model, pg.history: an nn.MLP and an nn.History

The logic is the plain object ``Playground`` (no browser, no widgets): knobs
(``pg.set(...)``), ``step()`` (one batch), ``play(epochs=n)``, ``pause()``,
``reset()``. A bad knob value raises a ``ValueError``/``TypeError`` naming the knob,
what it allows and what came, and leaves the playground as it was.

What it shows beyond the web playground, every number read off the training step
it describes:

- **δ of each neuron** on the current batch. For neuron j with pre-activation
  ``u_j = Σ_i w_ji y_i + b_j`` and the batch's loss ``E = (1/B) Σ_n ℓ_n`` (plus the
  L2 term, which does not depend on u), ``δ_j = (1/B) Σ_n ∂ℓ_n/∂u_j^(n)``: the
  lecture's local sensitivity ∂E/∂u, averaged over the batch's B samples. It is
  exactly ``∂E/∂b_j`` (∂u/∂b = 1, and L2 leaves biases alone), so it is read from
  the bias's gradient of the step.
- the neuron's **graph with its gradients**: the backward pass of one sample of
  the batch, neuron by neuron (``autograd.backward_trace(..., module=model,
  collapse="neuron")``), with the formula of its δ filled in;
- each layer's **gradient norm**, step by step (vanishing gradients, live), and
  each weight's gradient on the current batch (``∂E/∂w``, drawn on the edges).

Training is the compiled replay (``autograd.compile``, as ``fit(compiled=True)``):
the same numbers as the eager graph to ~1e-12, fast enough to draw ten times a
second. (The peer: TensorFlow Playground, playground.tensorflow.org.)
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
import warnings
from collections import deque
from contextlib import contextmanager

import numpy as np

from autograd import _internal, backward_trace, draw_graph, no_grad
from autograd.engine import assign_data

from . import data as datasets
from .modules import ACTIVATIONS, MLP
from .optim import SGD, Adam
from .train import LOSSES, History, accuracy, compiled_losses

__all__ = ["Playground", "playground", "FEATURES", "DATASETS", "KNOBS"]

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
_ALIASES = {"circles": "circle", "blobs": "gauss", "spirals": "spiral", "xor_quadrants": "xor"}
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
_DATA_KNOBS = {"data", "n_samples", "noise", "test_fraction", "seed"}
_NETWORK_KNOBS = {"features", "layers", "activation", "loss"}
_STEP_NORMS = 400  # how many steps of per-layer gradient norms the live strip keeps


# --- knob checks: each names the knob, what it allows and what came ----------------------


def _choice(value, knob: str, allowed) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"playground: {knob} must be one of {', '.join(map(repr, allowed))}, "
                         f"got {value!r}")
    return value


def _check_data(value):
    if isinstance(value, str):
        return _choice(_ALIASES.get(value, value), "data", tuple(DATASETS))
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


def _in_range(value, knob: str, lo: float, hi: float, integer: bool = False):
    check = _internal.integer if integer else _internal.real
    value = check(value, f"playground: {knob}")
    if not lo <= value <= hi:
        raise ValueError(f"playground: {knob} must be in [{lo:g}, {hi:g}], got {value:g}")
    return value


def _check(knob: str, value):
    """The knob's value, checked and in its plain type."""
    if knob == "data":
        return _check_data(value)
    if knob == "features":
        return _check_features(value)
    if knob == "layers":
        return _check_layers(value)
    if knob == "activation":
        return _choice(value, "activation", tuple(ACTIVATIONS))
    if knob == "loss":
        return _choice(value, "loss", PLAYGROUND_LOSSES)
    if knob == "optimizer":
        return _choice(value, "optimizer", OPTIMIZERS)
    if knob == "noise":
        return None if value is None else _in_range(value, "noise", 0.0, 1.0)
    if knob == "lr":
        value = _internal.real(value, "playground: lr")
        if not 0 < value <= 10:
            raise ValueError(f"playground: lr must be in (0, 10], got {value:g}")
        return value
    if knob == "l2":
        return _in_range(value, "l2", 0.0, 10.0)
    if knob == "test_fraction":
        return _in_range(value, "test_fraction", 0.1, 0.9)
    if knob == "n_samples":
        return _in_range(value, "n_samples", 20, 5000, integer=True)
    if knob == "seed":
        return _in_range(value, "seed", 0, 2**32 - 1, integer=True)
    if knob == "batch_size":
        return _in_range(value, "batch_size", 1, 5000, integer=True)
    if knob == "epochs_per_update":
        return _in_range(value, "epochs_per_update", 1, 100, integer=True)
    raise TypeError(f"playground: unknown knob {knob!r}; the knobs are {', '.join(KNOBS)}")


def _check_model(model, n_in: int):
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


# --- the logic ---------------------------------------------------------------------------------


class Playground:
    """The playground's state and training, without any front end.

    Knobs (``pg.set(**knobs)``, or keywords of ``nn.playground``; ``pg.knobs`` reads them):

    - data: ``data`` (circle, xor, gauss, spiral, moons, or a pair ``(X, y)`` of the
      learner's points (n, 2) and 0/1 labels), ``n_samples`` (20-5000), ``noise``
      (0-1, None for the data set's default), ``test_fraction`` (0.1-0.9), ``seed``;
    - network: ``features`` (names from ``FEATURES``; the model's n_in is their
      number), ``layers`` (0 to 6 hidden layers of 1 to 8 neurons), ``activation``
      (any of ``nn.modules.ACTIVATIONS``), ``loss`` (bce, the default: its gradient
      never vanishes on a right answer, so the δ and gradient views keep moving;
      max_margin, whose gradient is exactly 0 past the margin; mse);
    - training: ``optimizer`` (sgd, momentum = SGD with momentum 0.9, adam), ``lr``
      (0-10], ``l2`` (0-10), ``batch_size``; ``epochs_per_update`` (the live view).

    Changing a data or network knob starts again (new weights from ``seed``, empty
    history); changing a training knob keeps the weights and the history (a new
    optimizer, so momentum and Adam's averages start again). ``model=`` takes the
    learner's ``nn.MLP`` (one output, biases); ``reset()`` puts its starting weights
    back, and a network knob replaces it with a new MLP.
    """

    def __init__(self, model=None, data="circle", **knobs):
        self._lock = threading.RLock()
        self._front = None
        self.playing = False
        values = dict(KNOBS)
        values["data"] = data
        unknown = sorted(set(knobs) - set(KNOBS))
        if unknown:
            raise TypeError(f"playground: unknown knob {unknown[0]!r}; the knobs are "
                            f"{', '.join(KNOBS)}")
        values.update(knobs)
        checked = {k: _check(k, v) for k, v in values.items()}
        if model is not None:
            if "features" not in knobs and getattr(model, "nin", 2) != 2:
                raise ValueError(f"playground: model takes {model.nin} inputs: pass features= "
                                 f"with {model.nin} names from {', '.join(FEATURES)}")
            _check_model(model, len(checked["features"]))
            checked["layers"] = tuple(layer.nout for layer in model.layers[:-1])
            act = model.layers[0].activation if len(model.layers) > 1 else "tanh"
            checked["activation"] = act if isinstance(act, str) else "custom"
        state = self._build(checked, model=model, rebuild=("data", "network"))
        self._install(checked, state)

    # -- building: everything new is made first, then swapped in at once ----------------
    def _build(self, k: dict, *, model=None, rebuild=("data", "network"), old=None) -> dict:
        s = dict(old or {})
        if "data" in rebuild:
            if isinstance(k["data"], str):
                make, default_noise = DATASETS[k["data"]]
                noise = default_noise if k["noise"] is None else k["noise"]
                X, y = make(k["n_samples"], noise, k["seed"])
            else:
                X, y = k["data"]
            try:
                Xtr, Xte, ytr, yte = datasets.train_test_split(X, y, k["test_fraction"],
                                                               seed=k["seed"])
            except ValueError as e:
                raise ValueError(f"playground: data: {e}") from None
            s.update(X_train=Xtr, X_test=Xte, y_train=ytr, y_test=yte)
        if "network" in rebuild:
            if model is None:
                model = MLP(len(k["features"]), [*k["layers"], 1], activation=k["activation"],
                            rng=k["seed"])
            s.update(model=model, initial=model.state_dict())
        if k["batch_size"] > len(s["X_train"]):
            raise ValueError(f"playground: batch_size must be in [1, {len(s['X_train'])}] (the "
                             f"training points), got {k['batch_size']}")
        columns = [FEATURES[f] for f in k["features"]]
        s["transform"] = lambda P: np.column_stack([f(np.asarray(P, float)) for f in columns])
        loss_fn, prepare = LOSSES[k["loss"]]
        s["F_train"], s["F_test"] = s["transform"](s["X_train"]), s["transform"](s["X_test"])
        s["T_train"], s["T_test"] = prepare(s["y_train"]), prepare(s["y_test"])
        s["train_program"], s["test_program"] = compiled_losses(s["model"], loss_fn, k["l2"])
        s["loss_fn"] = loss_fn
        s["optimizer"] = _optimizer(k["optimizer"], s["model"].parameters(), k["lr"])
        return s

    def _install(self, knobs: dict, s: dict, keep_history: bool = False) -> None:
        self._knobs = knobs
        self._s = s
        self.model = s["model"]
        self.optimizer = s["optimizer"]
        self.X_train, self.y_train = s["X_train"], s["y_train"]
        self.X_test, self.y_test = s["X_test"], s["y_test"]
        self.transform = s["transform"]
        if not keep_history:
            self._clear()
        if self._front is not None:
            self._front.rebuilt()

    def _clear(self) -> None:
        self.history = History()
        self.steps = 0
        self.batch = None          # indices (into X_train) of the last step's batch
        self.diverged = False
        self._grads = None         # the last step's gradient of every parameter
        self._rng = np.random.default_rng(self._knobs["seed"])
        self._order, self._cursor = None, 0
        self._epoch = None
        self.step_norms = deque(maxlen=_STEP_NORMS)  # per step: one norm per layer

    @property
    def knobs(self) -> dict:
        """The current knob values (a copy)."""
        return dict(self._knobs)

    @property
    def features(self) -> tuple:
        return self._knobs["features"]

    @property
    def threshold(self) -> float:
        """The score above which a point is class 1: 0.5 for mse on 0/1, else 0."""
        return 0.5 if self._knobs["loss"] == "mse" else 0.0

    def set(self, **knobs) -> Playground:
        """Change knobs, e.g. ``pg.set(layers=[4, 2], activation="relu", lr=0.03)``.
        Every value is checked before anything changes: a bad one raises and the
        playground keeps its last good state. Returns the playground."""
        with self._lock:
            for knob in knobs:
                if knob not in KNOBS:
                    raise TypeError(f"playground: unknown knob {knob!r}; the knobs are "
                                    f"{', '.join(KNOBS)}")
            new = dict(self._knobs)
            new.update({k: _check(k, v) for k, v in knobs.items()})
            changed = {k for k in knobs if not _same(new[k], self._knobs[k])}
            if not changed:
                return self
            if "noise" in changed or "n_samples" in changed:
                if not isinstance(new["data"], str):
                    raise ValueError("playground: noise and n_samples apply to the generated "
                                     "data sets; data is the (X, y) you passed (set data= to "
                                     f"one of {', '.join(DATASETS)} first)")
            rebuild = set()
            if changed & _DATA_KNOBS:
                rebuild.add("data")
            if changed & (_NETWORK_KNOBS | _DATA_KNOBS):
                rebuild.add("network")  # new data or network: new weights from the seed
            state = self._build(new, rebuild=rebuild, old=self._s)
            self._install(new, state, keep_history=not rebuild)
            if not rebuild:
                self._order = None if "batch_size" in changed else self._order
            return self

    def regenerate(self, seed: int | None = None) -> Playground:
        """New data (and weights) from ``seed``, by default the next seed."""
        return self.set(seed=self._knobs["seed"] + 1 if seed is None else seed)

    def reset(self) -> Playground:
        """Back to the starting weights (the learner's, or those drawn from ``seed``),
        a fresh optimizer and an empty history; the knobs stay."""
        with self._lock:
            self.pause()
            self.model.load_state_dict(self._s["initial"])
            self._s["optimizer"] = _optimizer(self._knobs["optimizer"], self.model.parameters(),
                                              self._knobs["lr"])
            self.optimizer = self._s["optimizer"]
            self._clear()
        if self._front is not None:
            self._front.refresh()
        return self

    # -- training ---------------------------------------------------------------------
    def step(self) -> float:
        """One batch: forward, the gradients (compiled replay), one optimizer step.
        Returns the batch's loss. An epoch that ends with this batch is recorded
        in ``history`` (loss and accuracy over its batches, as ``fit`` records
        them; ``val_*`` on the test points; per-layer gradient norms)."""
        with self._lock:
            s, k = self._s, self._knobs
            n = len(s["X_train"])
            if self._order is None or self._cursor >= n:
                self._order, self._cursor = self._rng.permutation(n), 0
                self._epoch = {"total": 0.0, "outputs": [], "labels": [], "norms": []}
            idx = self._order[self._cursor:self._cursor + k["batch_size"]]
            self._cursor += len(idx)
            self.optimizer.zero_grad()
            loss, outputs = s["train_program"].value_and_grad(s["F_train"][idx],
                                                              s["T_train"][idx])
            params = self.model.parameters()
            self._grads = np.fromiter((p.grad for p in params), float, len(params))
            self._weights_before = np.fromiter((p.data for p in params), float, len(params))
            self.batch = idx
            norms = self._layer_norms()
            self.step_norms.append(norms)
            self.steps += 1
            e = self._epoch
            if not math.isfinite(loss):
                self.diverged, self.playing = True, False
                self._end_epoch(math.inf)
                warnings.warn(f"the loss became infinite or nan in epoch {self.history.epochs}; "
                              f"training stopped (is the learning rate {k['lr']} too large?)",
                              RuntimeWarning, stacklevel=2)
                return loss
            self.optimizer.step()
            e["total"] += loss * len(idx)
            e["outputs"].append(np.asarray(outputs))
            e["labels"].append(s["y_train"][idx])
            e["norms"].append(norms)
            if self._cursor >= n:
                self._end_epoch(e["total"] / n)
            return loss

    def _end_epoch(self, mean_loss: float) -> None:
        s, e, h = self._s, self._epoch, self.history
        h.lr.append(self.optimizer.lr)
        h.loss.append(mean_loss)
        if not math.isfinite(mean_loss):
            h.accuracy.append(None)
            return
        h.accuracy.append(accuracy(np.concatenate(e["outputs"]), np.concatenate(e["labels"]),
                                   self._knobs["loss"]))
        h.grad_norms.append(list(np.mean(e["norms"], axis=0)))
        per_sample, scores = s["test_program"](s["F_test"], s["T_test"])
        h.val_loss.append(float(np.sum(per_sample) / len(per_sample)))
        h.val_accuracy.append(accuracy(scores, s["y_test"], self._knobs["loss"]))

    def _layer_norms(self) -> list:
        """||∂E/∂θ|| over each layer's parameters on the last batch."""
        out, start = [], 0
        for layer in self.model.layers:
            size = layer.num_parameters
            with np.errstate(over="ignore", invalid="ignore"):  # a diverged step: inf
                out.append(float(np.sqrt(np.sum(self._grads[start:start + size] ** 2))))
            start += size
        return out

    def play(self, epochs: int | None = None) -> Playground:
        """Train ``epochs`` more epochs (whole passes over the training points; an
        epoch under way is finished first and counts as one). Stops early if the
        loss diverges. ``play()`` without epochs starts the live view's loop
        (``show()`` it first); ``pause()`` stops it. Returns the playground."""
        if epochs is None:
            if self._front is None:
                raise ValueError("playground: play() without epochs runs in the live view: "
                                 "show it first (pg.show()), or pass epochs=n")
            self._front.start()
            return self
        epochs = _in_range(epochs, "epochs", 1, 100_000, integer=True)
        with self._lock:
            self.diverged = False
            target = self.history.epochs + epochs
            while self.history.epochs < target and not self.diverged:
                self.step()
        return self

    def pause(self) -> Playground:
        """Stop the live view's loop (training stops after the update under way)."""
        self.playing = False
        if self._front is not None:
            self._front.stop()
        return self

    @property
    def epoch(self) -> int:
        return self.history.epochs

    # -- what the views show ------------------------------------------------------------
    def boundary(self, resolution: int = 100):
        """``(xs, ys, Z)``: the model's score over the plane around every point,
        ``nn.plot.boundary_grid`` of the model and the input features."""
        from .plot import boundary_grid

        return boundary_grid(self.model, self._points(), resolution=resolution, margin=0.5,
                             features=self.transform)

    def _points(self) -> np.ndarray:
        return np.vstack([self.X_train, self.X_test])

    def neuron_outputs(self, resolution: int = 40):
        """``(xs, ys, maps)``: every hidden neuron's output y = f(u) over the
        boundary's plane, ``maps[l]`` of shape (neurons of layer l, resolution,
        resolution); one compiled pass over the grid."""
        from .plot.figures import hidden_outputs

        xs, ys, points = self._grid(resolution)
        hidden = self.model.layers[:-1]
        if not hidden:
            return xs, ys, []
        out = hidden_outputs(self.model, self.transform(points))
        maps, start = [], 0
        for layer in hidden:
            block = out[:, start:start + layer.nout].T
            maps.append(block.reshape(layer.nout, resolution, resolution))
            start += layer.nout
        return xs, ys, maps

    def feature_maps(self, resolution: int = 40):
        """``(xs, ys, maps)``: each input feature over the plane, (features, res, res)."""
        xs, ys, points = self._grid(resolution)
        return xs, ys, self.transform(points).T.reshape(-1, resolution, resolution)

    def _grid(self, resolution: int):
        P = self._points()
        lo, hi = P.min(axis=0) - 0.5, P.max(axis=0) + 0.5
        xs, ys = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
        gx, gy = np.meshgrid(xs, ys)
        return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])

    def weights(self) -> list:
        """Each layer's ``(W, b)``: W (n_out, n_in), b (n_out,), the model's numbers now."""
        return [(np.array([[w.data for w in n.w] for n in layer.neurons]),
                 np.array([n.b.data for n in layer.neurons])) for layer in self.model.layers]

    def weight_grads(self) -> list | None:
        """Each layer's ``(∂E/∂W, ∂E/∂b)`` on the last step's batch (with the L2 term
        on the weights), or None before the first step."""
        if self._grads is None:
            return None
        out, start = [], 0
        for layer in self.model.layers:
            n_in = layer.nin
            block = self._grads[start:start + layer.nout * (n_in + 1)].reshape(layer.nout,
                                                                               n_in + 1)
            out.append((block[:, :n_in].copy(), block[:, n_in].copy()))
            start += layer.nout * (n_in + 1)
        return out

    def deltas(self) -> list | None:
        """Each layer's δ on the last step's batch, an array per layer (output last):
        δ_j = (1/B) Σ_n ∂ℓ_n/∂u_j^(n) = ∂E/∂b_j (see the module docstring). None
        before the first step."""
        grads = self.weight_grads()
        return None if grads is None else [db for _, db in grads]

    def layer_grad_norms(self) -> list | None:
        """||∂E/∂θ|| per layer on the last step's batch (weights and biases)."""
        return None if self._grads is None else self._layer_norms()

    @contextmanager
    def _at_batch_weights(self):
        """The model with the weights the last batch's gradient was taken at (before
        the optimizer's step), put back afterwards."""
        params = self.model.parameters()
        now = [p.data for p in params]
        assign_data(params, self._weights_before.tolist())
        try:
            yield
        finally:
            assign_data(params, now)

    def neuron_trace(self, layer: int, neuron: int, sample: int = 0):
        """The backward pass of one sample of the last batch, neuron by neuron, at
        the weights the batch's gradient was taken at: ``(trace, k)`` where ``trace
        = backward_trace(ℓ_n, module=model, collapse="neuron")`` of that sample's
        loss ℓ_n (without the L2 term, which reaches no u) and ``k`` the chosen
        neuron's step (``layer`` 0 is the first hidden layer, the last is the
        output). Its δ is the sample's ∂ℓ_n/∂u; the batch's δ (``deltas()``) is the
        mean of those over the batch. The model's ``.grad`` are left as they were."""
        with self._at_batch_weights():
            return self._neuron_trace(layer, neuron, sample)

    def _neuron_trace(self, layer, neuron, sample):
        self._check_neuron(layer, neuron)
        if self.batch is None:
            raise ValueError("playground: no batch yet: step() or play() first")
        sample = _in_range(sample, "sample", 0, len(self.batch) - 1, integer=True)
        i = self.batch[sample]
        x, t = self._s["F_train"][i].tolist(), float(self._s["T_train"][i])
        params = self.model.parameters()
        saved = [p.grad for p in params]
        try:
            for p in params:  # this pass only: no earlier gradient in the steps
                p.grad = 0.0
            loss = self._s["loss_fn"]([self.model(x)], [t])
            trace = backward_trace(loss, module=self.model, collapse="neuron")
            trace.grads = {v: v.grad for v in trace.order}
            name = f"L{layer}N{neuron}"
            k = next(s.number for s in trace.neuron_steps if s.name == name)
        finally:
            for p, g in zip(params, saved):
                p.grad = g
        return trace, k

    def neuron_graph(self, layer: int, neuron: int, sample: int = 0, view: str = "neuron"):
        """The chosen neuron in ``neuron_trace``'s backward pass: with
        ``view="neuron"`` the network drawn with every δ found up to this neuron's
        (highlighted, ∂E/∂w on its incoming edges; ``trace.frame(k)``); with
        ``view="scalar"`` the scalar graph that computes the neuron's output, each
        box with its gradient from that pass (``draw_graph(ℓ_n, module=model,
        focus=y, edge_labels="flow")``). Returns ``(GraphDrawing, caption)``."""
        _choice(view, "view", ("neuron", "scalar"))
        with self._at_batch_weights():
            trace, k = self._neuron_trace(layer, neuron, sample)
            caption = trace.caption(k)
            if view == "neuron":
                return trace.frame(k), caption
            return draw_graph(trace.root, module=self.model, focus=trace.neuron_steps[k - 1].y,
                              edge_labels="flow", grads=trace.grads), caption

    def _check_neuron(self, layer, neuron) -> None:
        n_layers = len(self.model.layers)
        layer = _in_range(layer, "layer", 0, n_layers - 1, integer=True)
        _in_range(neuron, "neuron", 0, self.model.layers[layer].nout - 1, integer=True)

    def accuracy(self) -> tuple[float, float]:
        """(train accuracy, test accuracy) of the model now, on all the points."""
        thr = self.threshold
        with no_grad():
            tr = self.model.predict(self._s["F_train"]) > thr
            te = self.model.predict(self._s["F_test"]) > thr
        return float(np.mean(tr == self.y_train)), float(np.mean(te == self.y_test))

    def __repr__(self) -> str:
        k = self._knobs
        data = k["data"] if isinstance(k["data"], str) else f"your {len(self._points())} points"
        return (f"Playground({data}, features {list(k['features'])}, layers {list(k['layers'])}, "
                f"{k['activation']}, {k['loss']}, {k['optimizer']} lr {k['lr']:g}, l2 "
                f"{k['l2']:g}, batch {k['batch_size']}: epoch {self.epoch}, step {self.steps})")

    # -- pictures and the front end ---------------------------------------------------
    def figure(self, neuron=None, edges: str = "weights"):
        """A still picture of everything (a matplotlib Figure, not pyplot's): the
        network (each neuron's output over the plane, edges = weights or the batch's
        ∂E/∂w), the decision boundary with train and test points, the loss curves,
        the gradient norms per layer, and the chosen neuron's δ."""
        return _static_figure(self, neuron=neuron, edges=edges)

    def png(self, **options) -> bytes:
        """``figure(**options)`` as PNG bytes."""
        import io

        buf = io.BytesIO()
        self.figure(**options).savefig(buf, format="png", dpi=80)
        return buf.getvalue()

    def show(self):
        """The live view (ipywidgets): knobs, Play / Pause / Step / Reset, the
        pictures, and a neuron picker. Needs ipywidgets and matplotlib
        (``pip install -e ".[notebooks]"``)."""
        if self._front is None:
            front = _LiveView(self)  # a clear ImportError without ipywidgets, nothing built
            self._front = front
        return self._front.widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        """In Jupyter the live view, with a still PNG for readers without a kernel
        (GitHub, nbviewer); the text elsewhere."""
        bundle = {"text/plain": repr(self)}
        try:
            widget = self.show()
            bundle.update(widget._repr_mimebundle_() or {})
        except ImportError as e:
            bundle["text/plain"] += f"\n({e})"
            return bundle
        import base64

        bundle["image/png"] = base64.b64encode(self.png()).decode()
        return bundle


def _same(a, b) -> bool:
    if isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], np.ndarray):
        return isinstance(b, tuple) and len(b) == 2 and isinstance(b[0], np.ndarray) and \
            a[0].shape == b[0].shape and np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    return type(a) is type(b) and a == b


def _optimizer(name: str, params, lr: float):
    if name == "adam":
        return Adam(params, lr=lr)
    return SGD(params, lr=lr, momentum=0.9 if name == "momentum" else 0.0)


def playground(model=None, data="circle", **knobs) -> Playground:
    """A playground: in Jupyter it shows as the live view; from cells, drive it with
    ``pg.set(...)``, ``pg.step()``, ``pg.play(epochs=n)``, ``pg.reset()`` and read
    ``pg.model`` and ``pg.history`` (an ``nn.History``, so ``nn.plot.loss_curves(
    pg.history)`` works). ``model=`` and ``data=(X, y)`` take the learner's own MLP
    and points. See ``Playground`` for the knobs."""
    return Playground(model=model, data=data, **knobs)



# --- drawing (matplotlib, imported on first use) -------------------------------------------

_NOTEBOOKS = ('the playground\'s live view needs ipywidgets and matplotlib: pip install -e '
              '".[notebooks]" from a gradlab checkout (or pip install ipywidgets matplotlib)')
_POSITIVE, _NEGATIVE, _HOT = "#4a6cd4", "#d44a4a", "#e6a700"  # as the network player draws


def require_matplotlib():
    try:
        import matplotlib
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError:
        raise ImportError('the playground draws with matplotlib: pip install -e ".[plot]" '
                          "(or pip install matplotlib)") from None
    return matplotlib


def _class_cmap():
    from matplotlib.colors import LinearSegmentedColormap

    from .plot.figures import CLASS_COLOURS

    return LinearSegmentedColormap.from_list("playground", [CLASS_COLOURS[0], "#ffffff",
                                                            CLASS_COLOURS[1]])


def _score_norm(pg):
    """Colours of the score: white at the threshold, full colour one margin away."""
    from matplotlib.colors import Normalize

    half = 0.5 if pg.knobs["loss"] == "mse" else 1.0
    return Normalize(vmin=pg.threshold - half, vmax=pg.threshold + half, clip=True)


def _symmetric(Z) -> tuple:
    m = float(np.max(np.abs(Z))) if np.size(Z) else 1.0
    return (-m, m) if m > 0 else (-1.0, 1.0)


def _edge_width(values: np.ndarray) -> np.ndarray:
    """Line width of each edge: 0.3 points plus up to 4 for the largest |value|."""
    top = float(np.max(np.abs(values))) if len(values) else 0.0
    return 0.3 + 4.0 * (np.abs(values) / top if top > 0 else np.zeros(len(values)))


def _neuron_names(model) -> list:
    return [(f"L{i}N{j}", i, j) for i, layer in enumerate(model.layers)
            for j in range(layer.nout)]


def _network_numbers(pg, edges: str, resolution: int) -> dict:
    """What the network drawing shows, as numbers: the maps of each column (input
    features, hidden layers, the output's score), the edges' values (weights, or
    the last batch's ∂E/∂w, in the order layer, neuron j, input i) and the δ."""
    _, _, fmaps = pg.feature_maps(resolution)
    _, _, hmaps = pg.neuron_outputs(resolution)
    _, _, out = pg.boundary(resolution)
    values = pg.weights() if edges == "weights" else pg.weight_grads()
    numbers = [] if values is None else [W[j, i] for W, _ in values
                                         for j in range(W.shape[0]) for i in range(W.shape[1])]
    return {"columns": [list(fmaps)] + [list(m) for m in hmaps] + [[out]],
            "edge_values": np.asarray(numbers, dtype=float), "deltas": pg.deltas()}


class _NetworkDrawing:
    """The network as TensorFlow Playground draws it: each input feature and each
    neuron a small map of its output over the plane (the output neuron: the score),
    each weight an edge, colour = sign (blue +, red −), width = size; with
    ``edges="grads"`` the edges show the last batch's ∂E/∂w instead. Under each
    neuron its δ on the last batch. The artists are made once per network and
    updated in place (``update``); ``drawn`` holds the numbers last drawn."""

    SIZE, GAP = 0.62, 2.2  # a map's side and the distance between columns

    def __init__(self, ax, pg, resolution: int = 24):
        from matplotlib.collections import LineCollection
        from matplotlib.patches import Rectangle

        self.ax, self.pg, self.resolution = ax, pg, resolution
        heights = [len(pg.features)] + [layer.nout for layer in pg.model.layers]
        tall, size = max(heights), self.SIZE
        self.pos = [[(c * self.GAP, (n - 1) / 2 - i) for i in range(n)]
                    for c, n in enumerate(heights)]
        segments = []
        for layer in range(len(heights) - 1):
            for j in range(heights[layer + 1]):
                for i in range(heights[layer]):
                    (x0, y0), (x1, y1) = self.pos[layer][i], self.pos[layer + 1][j]
                    segments.append([(x0 + size / 2, y0), (x1 - size / 2, y1)])
        self.lines = LineCollection(segments, zorder=1, alpha=0.85)
        ax.add_collection(self.lines)
        self.images, self.boxes, self.texts = [], [], []
        norm, cmap = _score_norm(pg), _class_cmap()
        blank = np.zeros((2, 2))
        last = len(heights) - 1
        for c, n in enumerate(heights):
            for i in range(n):
                x, y = self.pos[c][i]
                extent = (x - size / 2, x + size / 2, y - size / 2, y + size / 2)
                kind = {"cmap": cmap, "norm": norm} if c == last else {"cmap": "RdBu_r"}
                self.images.append(ax.imshow(blank, origin="lower", extent=extent, zorder=2,
                                             interpolation="bilinear", **kind))
                self.boxes.append(ax.add_patch(Rectangle((x - size / 2, y - size / 2), size,
                                                         size, fill=False, zorder=3)))
                if c == 0:
                    ax.text(x - size / 2 - 0.08, y, pg.features[i], ha="right", va="center",
                            fontsize=8)
                else:
                    self.texts.append(ax.text(x + size / 2 + 0.05, y, "", ha="left",
                                              va="center", fontsize=6, zorder=4,
                                              bbox={"fc": "white", "ec": "none",
                                                    "alpha": 0.75, "pad": 0.5}))
        for c in range(len(heights)):
            head = "input" if c == 0 else ("output" if c == last else f"layer {c}")
            ax.text(c * self.GAP, (tall - 1) / 2 + 0.55, head, ha="center", va="bottom",
                    fontsize=8)
        ax.set_xlim(-1.2, self.GAP * last + 1.3)
        ax.set_ylim(-(tall - 1) / 2 - 0.75, (tall - 1) / 2 + 0.85)
        ax.set_aspect("equal")
        ax.set_axis_off()
        self.title = ax.set_title("", fontsize=8)
        self.drawn = {}

    def update(self, selected=None, edges: str = "weights") -> dict:
        numbers = _network_numbers(self.pg, edges, self.resolution)
        values = numbers["edge_values"]
        colours = [_POSITIVE if v >= 0 else _NEGATIVE for v in values]
        widths = _edge_width(values)
        if len(values):
            self.lines.set_colors(colours)
            self.lines.set_linewidths(widths)
        self.lines.set_visible(bool(len(values)))
        maps = [Z for column in numbers["columns"] for Z in column]
        n_out = len(numbers["columns"][-1])
        for k, (image, Z) in enumerate(zip(self.images, maps)):
            image.set_data(Z)
            if k < len(maps) - n_out:
                image.set_clim(*_symmetric(Z))
        where = [(c - 1, i) for c, column in enumerate(numbers["columns"]) if c
                 for i in range(len(column))]
        n_inputs = len(numbers["columns"][0])
        for k, box in enumerate(self.boxes):
            hot = k >= n_inputs and where[k - n_inputs] == selected
            box.set_edgecolor(_HOT if hot else "0.3")
            box.set_linewidth(2.5 if hot else 0.6)
        deltas = numbers["deltas"]
        for text, (layer, i) in zip(self.texts, where):
            text.set_text("" if deltas is None else f"δ {deltas[layer][i]:+.2g}")
            text.set_color(_HOT if (layer, i) == selected else "0.2")
        what = "weights" if edges == "weights" else "this batch's ∂E/∂w"
        self.title.set_text(f"edges: {what} (blue +, red −, width = size); "
                            "δ = ∂E/∂u on the batch")
        self.drawn = dict(numbers, edge_colours=colours, edge_widths=widths,
                          segments=self.lines.get_segments(), maps=maps)
        return self.drawn


def _draw_deltas(ax, pg, selected) -> None:
    """|δ| of every neuron on the last batch, log scale, coloured by sign."""
    deltas = pg.deltas()
    ax.set_title("δ per neuron on the last batch", fontsize=9)
    if deltas is None:
        ax.text(0.5, 0.5, "no batch yet: step() or play()", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    names = [n for n, _, _ in _neuron_names(pg.model)]
    flat = np.concatenate(deltas)
    if not np.any(flat):
        ax.text(0.5, 0.5, "every δ is 0 on this batch: the loss of each of its\npoints is "
                "flat there (max_margin: past the margin)", ha="center", va="center",
                fontsize=8, transform=ax.transAxes)
        ax.set_axis_off()
        return
    colours = [_HOT if selected == (i, j) else (_POSITIVE if d >= 0 else _NEGATIVE)
               for (_, i, j), d in zip(_neuron_names(pg.model), flat)]
    ax.bar(range(len(flat)), np.abs(flat), color=colours)
    ax.set_xticks(range(len(flat)), names, rotation=90, fontsize=6)
    if np.all(np.abs(flat) > 0):
        ax.set_yscale("log")
    ax.set_ylabel("|δ| (blue +, red −)", fontsize=8)


def _static_figure(pg, neuron=None, edges="weights"):
    require_matplotlib()
    from matplotlib.figure import Figure

    from . import plot

    if edges not in ("weights", "grads"):
        raise ValueError(f"figure: edges must be 'weights' or 'grads', got {edges!r}")
    if neuron is not None:
        pg._check_neuron(*neuron)
    fig = Figure(figsize=(14, 8.4), layout="constrained")
    grid = fig.add_gridspec(2, 3, height_ratios=[1.25, 1], width_ratios=[1, 1, 1.15])
    _NetworkDrawing(fig.add_subplot(grid[0, :2]), pg).update(selected=neuron, edges=edges)
    ax = fig.add_subplot(grid[0, 2])
    plot.decision_boundary(pg.model, pg.X_train, pg.y_train, ax, X_test=pg.X_test,
                           y_test=pg.y_test, features=pg.transform, threshold=pg.threshold,
                           title=f"epoch {pg.epoch}, {pg.steps} steps")
    ax.title.set_fontsize(8.5)
    for ax, records, draw, title in (
            (fig.add_subplot(grid[1, 0]), pg.history.loss, plot.loss_curves,
             "loss: train (over the epoch's batches), test"),
            (fig.add_subplot(grid[1, 1]), pg.history.grad_norms, plot.gradient_norms,
             "gradient norm per layer (mean over each epoch's batches)")):
        if records:
            draw(pg.history, ax)
            ax.set_title(title, fontsize=9)
        else:
            ax.text(0.5, 0.5, "no epoch yet", ha="center", transform=ax.transAxes)
            ax.set_axis_off()
    _draw_deltas(fig.add_subplot(grid[1, 2]), pg, neuron)
    fig.suptitle(f"{pg!r}".replace(": epoch", "\nepoch"), fontsize=9)
    return fig


class _Panels:
    """The live view's pictures, each its own small figure drawn to PNG bytes. The
    boundary keeps its artists (one ``set_data`` per update); the network and the
    curves are drawn again. ``drawn`` keeps the numbers of the last drawing."""

    def __init__(self, pg, resolution: int = 100):
        require_matplotlib()
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.pg, self.resolution = pg, resolution
        self.figures = {}
        for name, size in (("boundary", (4.2, 4.0)), ("network", (5.4, 4.0)),
                           ("curves", (10.8, 2.5))):
            fig = Figure(figsize=size, dpi=80)
            FigureCanvasAgg(fig)
            self.figures[name] = fig
        self.drawn = {}
        self.rebuilt()

    def rebuilt(self) -> None:
        # new data or network: new points, limits, maps and edges
        self._boundary_artists = self._network = self._curves = None

    @staticmethod
    def _png(fig) -> bytes:
        import io

        from PIL import Image  # matplotlib's own dependency

        fig.canvas.draw()
        buf = io.BytesIO()
        Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3]).save(
            buf, format="png", compress_level=1)
        return buf.getvalue()

    def boundary(self) -> bytes:
        pg = self.pg
        xs, ys, Z = pg.boundary(self.resolution)
        fig = self.figures["boundary"]
        if self._boundary_artists is None:
            from .plot.figures import CLASS_COLOURS

            fig.clear()
            ax = fig.add_axes([0.12, 0.1, 0.84, 0.8])
            extent = (xs[0], xs[-1], ys[0], ys[-1])
            image = ax.imshow(Z, origin="lower", extent=extent, cmap=_class_cmap(),
                              norm=_score_norm(pg), interpolation="bilinear", aspect="auto")
            colours = np.array(CLASS_COLOURS[:2])
            ax.scatter(pg.X_train[:, 0], pg.X_train[:, 1], c=colours[pg.y_train], s=14,
                       edgecolors="k", linewidths=0.4, label="train")
            ax.scatter(pg.X_test[:, 0], pg.X_test[:, 1], c=colours[pg.y_test], s=18,
                       marker="^", edgecolors="w", linewidths=0.5, label="test")
            ax.legend(loc="lower right", fontsize=7, framealpha=0.7)
            ax.set_xlim(xs[0], xs[-1])
            ax.set_ylim(ys[0], ys[-1])
            ax.tick_params(labelsize=7)
            self._boundary_artists = (image, ax.set_title("", fontsize=9))
        image, title = self._boundary_artists
        image.set_data(Z)
        train, test = pg.accuracy()
        title.set_text(f"epoch {pg.epoch}: train accuracy {train:.2f}, test {test:.2f}")
        self.drawn["boundary"] = {"xs": xs, "ys": ys, "Z": np.asarray(image.get_array())}
        return self._png(fig)

    def network(self, selected=None, edges="weights") -> bytes:
        fig = self.figures["network"]
        if self._network is None:
            fig.clear()
            self._network = _NetworkDrawing(fig.add_axes([0.0, 0.0, 1.0, 0.93]), self.pg)
        self.drawn["network"] = self._network.update(selected, edges)
        return self._png(fig)

    def curves(self) -> bytes:
        pg, fig = self.pg, self.figures["curves"]
        n_layers = len(pg.model.layers)
        if self._curves is None or len(self._curves[3]) != n_layers:
            fig.clear()
            loss_ax, norm_ax = fig.subplots(1, 2)
            train, = loss_ax.plot([], [], label="train")
            test, = loss_ax.plot([], [], "--", label="test")
            loss_ax.set_xlabel("epoch", fontsize=8)
            loss_ax.set_title("loss (train: over the epoch's batches; test)", fontsize=9)
            loss_ax.legend(fontsize=7, loc="upper right")
            from matplotlib.ticker import FuncFormatter, NullFormatter

            loss_ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            loss_ax.yaxis.set_minor_formatter(NullFormatter())
            cmap = require_matplotlib().colormaps["viridis"]
            lines = [norm_ax.plot([], [], color=cmap(i / max(n_layers - 1, 1)), lw=0.9,
                                  label=f"layer {i + 1}" + (" (output)" if i == n_layers - 1
                                                             else ""))[0]
                     for i in range(n_layers)]
            norm_ax.set_yscale("log")
            norm_ax.set_xlabel("step", fontsize=8)
            norm_ax.set_title(f"gradient norm per layer, each batch (last {_STEP_NORMS} steps)",
                              fontsize=9)
            norm_ax.legend(fontsize=6, ncol=2 if n_layers > 3 else 1, loc="upper left")
            for ax in (loss_ax, norm_ax):
                ax.tick_params(labelsize=7)
            fig.subplots_adjust(left=0.06, right=0.99, bottom=0.2, top=0.88, wspace=0.15)
            self._curves = (loss_ax, norm_ax, (train, test), lines)
        loss_ax, norm_ax, (train, test), lines = self._curves
        h = pg.history
        train.set_data(np.arange(1, h.epochs + 1), h.loss)
        test.set_data(np.arange(1, len(h.val_loss) + 1), h.val_loss)
        finite = np.array([v for v in h.loss + h.val_loss if math.isfinite(v)])
        loss_ax.set_yscale("log" if len(finite) and finite.min() > 0 else "linear")
        loss_ax.relim()
        loss_ax.autoscale_view()
        norms = np.array(pg.step_norms, dtype=float).reshape(-1, n_layers)
        steps = np.arange(pg.steps - len(norms) + 1, pg.steps + 1)
        shown = np.where(norms > 0, norms, np.nan)  # a zero gradient: a gap on the log scale
        for i, line in enumerate(lines):
            line.set_data(steps, shown[:, i])
        norm_ax.relim()
        norm_ax.autoscale_view()
        self.drawn["curves"] = {"loss": train.get_ydata(), "val_loss": test.get_ydata(),
                                "norms": norms}
        return self._png(fig)


class _LiveView:
    """The ipywidgets front end of a Playground: knobs, buttons, the pictures and a
    neuron picker. Every handler goes through the Playground's own methods, so
    what it shows is what the logic holds. Play runs as an asyncio task on the
    kernel's event loop (a thread where no loop runs): the kernel stays free
    between updates, so Pause and the knobs answer while it plays."""

    PERIOD = 1 / 15  # seconds between the starts of two updates while playing
    LR = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
    L2 = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)

    def __init__(self, pg):
        try:
            import ipywidgets as w
        except ImportError:
            raise ImportError(_NOTEBOOKS) from None
        if w is None:  # sys.modules["ipywidgets"] = None also means: not installed
            raise ImportError(_NOTEBOOKS)
        require_matplotlib()
        self.pg, self.w = pg, w
        self.panels = _Panels(pg)
        self.selected = None
        self.edges = "weights"
        self._task = self._thread = None
        self._quiet = False
        self.updates = 0
        k = pg.knobs
        lay = w.Layout
        self.buttons = {
            "play": w.Button(description="▶ Play", button_style="success",
                             layout=lay(width="90px")),
            "pause": w.Button(description="❚❚ Pause", layout=lay(width="90px")),
            "step": w.Button(description="Step", tooltip="one batch", layout=lay(width="70px")),
            "reset": w.Button(description="Reset", button_style="warning",
                              layout=lay(width="70px")),
            "regenerate": w.Button(description="Regenerate", tooltip="new data: seed + 1",
                                   layout=lay(width="100px")),
        }
        for name, b in self.buttons.items():
            b.on_click(getattr(self, f"_on_{name}"))
        style = {"description_width": "104px"}
        data_name = k["data"] if isinstance(k["data"], str) else "yours"
        options = list(DATASETS) + ([] if isinstance(k["data"], str) else ["yours"])
        self.controls = {
            "data": w.Dropdown(options=options, value=data_name, description="data",
                               style=style),
            "noise": w.FloatSlider(value=k["noise"] if k["noise"] is not None else
                                   DATASETS.get(data_name, (None, 0.0))[1], min=0, max=1,
                                   step=0.05, description="noise", style=style),
            "test_fraction": w.FloatSlider(value=k["test_fraction"], min=0.1, max=0.9,
                                           step=0.1, description="test fraction", style=style),
            "n_samples": w.Dropdown(options=sorted({100, 200, 500, 1000, k["n_samples"]}),
                                    value=k["n_samples"], description="points", style=style),
            "seed": w.BoundedIntText(value=k["seed"], min=0, max=2**32 - 1,
                                     description="seed", style=style),
            "activation": w.Dropdown(options=list(ACTIVATIONS) + (
                [] if k["activation"] in ACTIVATIONS else [k["activation"]]),
                value=k["activation"], description="activation", style=style),
            "loss": w.Dropdown(options=list(PLAYGROUND_LOSSES), value=k["loss"],
                               description="loss", style=style),
            "optimizer": w.Dropdown(options=list(OPTIMIZERS), value=k["optimizer"],
                                    description="optimizer", style=style),
            "lr": w.Dropdown(options=sorted(set(self.LR) | {k["lr"]}), value=k["lr"],
                             description="learning rate", style=style),
            "l2": w.Dropdown(options=sorted(set(self.L2) | {k["l2"]}), value=k["l2"],
                             description="L2 rate", style=style),
            "batch_size": w.IntSlider(value=k["batch_size"], min=1, max=100,
                                      description="batch size", style=style),
            "epochs_per_update": w.IntSlider(value=k["epochs_per_update"], min=1, max=20,
                                             description="epochs/update", style=style),
        }
        for name, c in self.controls.items():
            c.observe(self._knob_handler(name), names="value")
        self.feature_toggles = {f: w.ToggleButton(value=f in k["features"], description=f,
                                                  layout=lay(width="74px"))
                                for f in FEATURES}
        for t in self.feature_toggles.values():
            t.observe(self._on_features, names="value")
        self.n_layers = w.BoundedIntText(value=len(k["layers"]), min=0, max=MAX_LAYERS,
                                         description="hidden layers", style=style,
                                         layout=lay(width="170px"))
        self.layer_sizes = [w.IntSlider(value=(k["layers"][i] if i < len(k["layers"]) else 4),
                                        min=1, max=MAX_NEURONS, description=f"layer {i + 1}",
                                        style={"description_width": "50px"},
                                        layout=lay(width="200px"))
                            for i in range(MAX_LAYERS)]
        self.n_layers.observe(self._on_layers, names="value")
        for s in self.layer_sizes:
            s.observe(self._on_layers, names="value")
        self.picker = w.ToggleButtons(options=[], description="neuron", style={
            "button_width": "64px", "description_width": "50px"})
        self.picker.observe(self._on_pick, names="value")
        self.edge_toggle = w.ToggleButtons(options=[("weights", "weights"), ("∂E/∂w", "grads")],
                                           value="weights", description="edges",
                                           style={"button_width": "80px",
                                                  "description_width": "50px"})
        self.edge_toggle.observe(self._on_edges, names="value")
        self.status = w.HTML()
        # pictures scale down to the notebook's width (never a sideways scroll bar)
        self.images = {name: w.Image(format="png", layout=lay(max_width="100%", height="auto"))
                       for name in ("network", "boundary", "curves", "neuron")}
        self.neuron_caption = w.HTML()
        controls = w.VBox([
            w.HTML("<b>data</b>"), *(self.controls[n] for n in
                                     ("data", "noise", "test_fraction", "n_samples", "seed")),
            w.HTML("<b>features</b>"),
            w.HBox(list(self.feature_toggles.values())[:4]),
            w.HBox(list(self.feature_toggles.values())[4:]),
            w.HTML("<b>network</b>"), self.n_layers, *self.layer_sizes,
            *(self.controls[n] for n in ("activation", "loss")),
            w.HTML("<b>training</b>"),
            *(self.controls[n] for n in ("optimizer", "lr", "l2", "batch_size",
                                         "epochs_per_update")),
        ], layout=lay(width="320px", flex="0 0 320px"))
        wrap = lay(display="flex", flex_flow="row wrap", align_items="flex-start")
        pictures = w.VBox([
            w.Box([self.images["network"], self.images["boundary"]], layout=wrap),
            self.images["curves"],
            w.HBox([self.picker]), w.HBox([self.edge_toggle]),
            self.neuron_caption, self.images["neuron"],
        ], layout=lay(flex="1 1 0%", min_width="0"))
        self.widget = w.VBox([w.HBox(list(self.buttons.values()) + [self.status]),
                              w.HBox([controls, pictures])])
        self._sync_layers()
        self.rebuilt()

    # -- handlers (tests call them directly) -------------------------------------------
    def _knob_handler(self, name):
        def handler(change):
            if self._quiet:
                return
            value = change["new"]
            if name == "data" and value == "yours":
                return
            self._set(**{name: value})
        return handler

    def _set(self, **knobs) -> bool:
        try:
            self.pg.set(**knobs)
        except (ValueError, TypeError) as e:
            self._sync_controls()  # back to the last good values
            self.status.value = f'<span style="color:#b00">{_html(str(e))}</span>'
            return False
        self.refresh()
        return True

    def _on_features(self, change):
        if self._quiet:
            return
        on = [f for f, t in self.feature_toggles.items() if t.value]
        self._set(features=on)

    def _on_layers(self, change):
        if self._quiet:
            return
        sizes = [s.value for s in self.layer_sizes[:self.n_layers.value]]
        self._sync_layers()
        self._set(layers=sizes)

    def _on_pick(self, change):
        if self._quiet or change["new"] is None:
            return
        name = change["new"]
        layer, neuron = (int(t) for t in name[1:].split("N"))
        self.selected = (layer, neuron)
        self.refresh()

    def _on_edges(self, change):
        self.edges = change["new"]
        self.refresh()

    def _on_play(self, _=None):
        self.start()

    def _on_pause(self, _=None):
        self.pg.pause()

    def _on_step(self, _=None):
        self.pg.pause()
        self.pg.step()
        self.refresh()

    def _on_reset(self, _=None):
        self.pg.reset()

    def _on_regenerate(self, _=None):
        self._set(seed=self.pg.knobs["seed"] + 1)

    # -- keeping the widgets in step with the logic ----------------------------------
    def _sync_layers(self):
        for i, s in enumerate(self.layer_sizes):
            s.layout.display = "" if i < self.n_layers.value else "none"

    def _sync_controls(self):
        k = self.pg.knobs
        self._quiet = True
        try:
            for name, c in self.controls.items():
                value = k[name]
                if name == "data":
                    value = value if isinstance(value, str) else "yours"
                    if value not in c.options:
                        c.options = list(c.options) + [value]
                elif name == "noise" and value is None:
                    continue
                if c.value != value:
                    c.value = value
            for f, t in self.feature_toggles.items():
                t.value = f in k["features"]
            self.n_layers.value = len(k["layers"])
            for i, size in enumerate(k["layers"]):
                self.layer_sizes[i].value = size
            self._sync_layers()
            names = [n for n, _, _ in _neuron_names(self.pg.model)]
            if list(self.picker.options) != names:
                self.picker.options = names
            if self.selected is None or f"L{self.selected[0]}N{self.selected[1]}" not in names:
                self.selected = (0, 0)
            self.picker.value = f"L{self.selected[0]}N{self.selected[1]}"
        finally:
            self._quiet = False

    def rebuilt(self):
        """After the network or the data changed."""
        self.panels.rebuilt()
        self._sync_controls()
        self.refresh()

    def refresh(self, full: bool = True):
        """Draw everything again from the logic's state. ``full=False`` (while
        playing) skips the neuron's graph, which needs a Graphviz layout."""
        pg, images = self.pg, self.images
        images["boundary"].value = self.panels.boundary()
        # while playing, the boundary every update and the other two in turn (each
        # takes as long as the boundary to draw): over 10 updates a second
        if full or self.updates % 2 == 0:
            images["network"].value = self.panels.network(self.selected, self.edges)
        if full or self.updates % 2 == 1:
            images["curves"].value = self.panels.curves()
        h = pg.history
        if h.loss:
            text = (f"epoch {pg.epoch}, step {pg.steps}: train loss {h.loss[-1]:.4f}, test loss "
                    f"{h.val_loss[-1] if h.val_loss else math.nan:.4f}")
        else:
            text = f"epoch {pg.epoch}, step {pg.steps}: press Play or Step"
        if pg.diverged:
            text += ' — <span style="color:#b00">the loss diverged: lower the learning rate ' \
                    'and Reset</span>'
        self.status.value = text + (" (playing)" if pg.playing else "")
        self._neuron_panel(full)
        self.updates += 1

    def _neuron_panel(self, full: bool):
        pg = self.pg
        if self.selected is None:
            return
        layer, j = self.selected
        deltas = pg.deltas()
        name = f"L{layer}N{j}"
        if deltas is None:
            self.neuron_caption.value = f"<b>{name}</b>: no batch yet (Step or Play)"
            self.images["neuron"].value = b""
            return
        head = (f"<b>{name}</b>: δ = ∂E/∂u = (1/B) Σ<sub>n</sub> ∂ℓ<sub>n</sub>/∂u<sup>(n)"
                f"</sup> = <b>{deltas[layer][j]:+.6g}</b> on the last batch of {len(pg.batch)} "
                f"(= ∂E/∂b); its weights' ∂E/∂w: "
                + ", ".join(f"{g:+.3g}" for g in pg.weight_grads()[layer][0][j]))
        if not full:
            self.neuron_caption.value = head + "<br><i>(the graph shows when paused)</i>"
            return
        try:
            drawing, caption = pg.neuron_graph(layer, j, sample=0)
            self.images["neuron"].value = drawing.png()
        except Exception as e:  # no Graphviz: the numbers still show
            caption = f"(the graph could not be drawn: {e})"
        self.neuron_caption.value = (head + "<br>the first sample of the batch, neuron by "
                                     f"neuron: {_html(caption)}")

    # -- the loop --------------------------------------------------------------------
    def start(self):
        pg = self.pg
        if pg.playing:
            return
        pg.playing = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            self._task = loop.create_task(self._run())
        else:
            self._thread = threading.Thread(target=self._run_in_thread, daemon=True)
            self._thread.start()

    def stop(self):
        self.pg.playing = False

    def _update(self) -> float:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the status says it
            self.pg.play(epochs=self.pg.knobs["epochs_per_update"])
        self.refresh(full=False)
        return time.perf_counter() - t0

    async def _run(self):
        try:
            while self.pg.playing:
                spent = self._update()
                await asyncio.sleep(max(0.005, self.PERIOD - spent))
        finally:
            self.pg.playing = False
            self.refresh()

    def _run_in_thread(self):
        try:
            while self.pg.playing:
                spent = self._update()
                time.sleep(max(0.005, self.PERIOD - spent))
        finally:
            self.pg.playing = False
            self.refresh()


def _html(text: str) -> str:
    import html

    return html.escape(text)
