"""A training loop that records what the lectures plot: ``fit`` returns a ``History``.

One epoch's bookkeeping is an ``Epoch``, fed one batch at a time: ``fit`` runs
whole epochs of it, ``nn.Playground.step`` one batch per call.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from autograd import TracingError, Value, _internal, compile, no_grad  # noqa: A004

from . import losses
from .data import minibatches, to_pm1
from .optim import SGD, Optimizer

__all__ = ["fit", "History", "LOSSES", "accuracy", "Epoch", "compiled_losses", "MAX_EPOCHS"]

MAX_EPOCHS = 1_000_000  # more is a mistake (epochs=10**9 would train for weeks), not a plan

# name -> (loss function, how targets are prepared)
LOSSES = {
    "max_margin": (losses.max_margin, to_pm1),
    "mse": (losses.mse, lambda y: np.asarray(y, dtype=float)),
    "bce": (losses.binary_cross_entropy, lambda y: np.asarray(y, dtype=float)),
    "binary_cross_entropy": (losses.binary_cross_entropy, lambda y: np.asarray(y, dtype=float)),
    "cross_entropy": (losses.cross_entropy, lambda y: np.asarray(y)),
    "hinge": (losses.hinge, lambda y: np.asarray(y)),
}
_ONE_LABEL_LOSSES = ("max_margin", "bce", "binary_cross_entropy", "hinge")  # y of shape (n,)


def _check_finite(X: np.ndarray, what: str) -> None:
    """Refuse NaN or infinite inputs: they train to nonsense that no loss reports."""
    bad = np.argwhere(~np.isfinite(X))
    if len(bad):
        row, col = bad[0]
        raise ValueError(f"fit: {what} has {len(bad)} non-finite value(s), the first "
                         f"{X[row, col]} in row {row}, column {col}: clean or impute the data "
                         "first")


@dataclass
class History:
    """Per-epoch records of a ``fit`` run, and the path it took: ``path`` is
    ``"compiled"`` (the traced replay, ``autograd.compile``) or ``"eager"`` (a Value
    graph and ``backward()`` per batch), ``path_reason`` why it was eager."""

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    grad_norms: list = field(default_factory=list)  # per epoch: one norm per layer
    snapshots: list = field(default_factory=list)  # fit(snapshots=k): (epoch, state_dict)
    path: str = ""  # how fit ran the batches: "compiled" (the replay) or "eager" (graphs)
    path_reason: str = ""  # why it took the eager path ("" when compiled)

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def as_dict(self) -> dict:
        return {k: list(v) if isinstance(v, list) else v for k, v in self.__dict__.items()}


def accuracy(outputs, y, loss: str) -> float | None:
    """Fraction of samples whose predicted class is y. ``outputs`` are the model's
    outputs (Values, one or a list per sample) or their numbers as an array (N,) or
    (N, k). One output: the class is 1 when the score is > 0 (max_margin, bce:
    logits) or > 0.5 (mse on 0/1 targets); several outputs: the argmax. None for
    regression targets."""
    y = np.asarray(y)
    if isinstance(outputs, np.ndarray):
        scores = outputs
    elif isinstance(outputs, (list, tuple)) and all(
            isinstance(o, Value) or (isinstance(o, (list, tuple))
                                     and all(isinstance(v, Value) for v in o)) for o in outputs):
        scores = _scores(outputs)
    else:
        raise TypeError(f"accuracy: outputs must be the model's outputs (Values, or lists of "
                        f"Values, one per sample) or an array of their numbers, got "
                        f"{type(outputs).__name__}: {outputs!r:.40}")
    if len(scores) != len(y) or y.ndim == 0:
        raise ValueError(f"accuracy: {len(scores)} outputs but labels of shape {y.shape}")
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.ndim == 1:
        if not np.all((y == 0) | (y == 1)):
            return None
        threshold = 0.5 if loss == "mse" else 0.0
        return float(np.mean((scores > threshold).astype(int) == y))
    labels = y if y.ndim == 1 else np.argmax(y, axis=1)
    return float(np.mean(np.argmax(scores, axis=1) == labels))


# --- one epoch, a batch at a time ------------------------------------------------------------


class Epoch:
    """One pass over the training points, fed a batch at a time, and its line in a
    ``History``. Per batch: ``diverges(loss)`` first (the divergence check), then
    the optimizer's step, then ``add(...)``; after the last batch ``record(...)``.
    What it records is what ``fit`` always recorded: the mean loss over the
    epoch's batches, the accuracy of their outputs as the batches computed them
    (the weights moved in between), each layer's gradient norm averaged over the
    batches, and the validation loss and accuracy. (Keras: the logs of one epoch
    of ``model.fit``; PyTorch leaves this loop to you.)"""

    def __init__(self, n_samples: int, loss_name: str):
        self.n_samples, self.loss_name = n_samples, loss_name
        self.total = 0.0  # Σ over the batches of batch loss × batch size
        self.outputs, self.labels, self.norms = [], [], []

    def diverges(self, loss_value: float, history: History, lr: float,
                 stacklevel: int = 1) -> bool:
        """The divergence check, before the optimizer steps: False for a finite
        loss. An infinite or nan loss ends the epoch in ``history`` (loss inf,
        accuracy None) with a RuntimeWarning, and returns True: do not step, stop
        training. ``stacklevel`` as the caller would pass to ``warnings.warn``."""
        if math.isfinite(loss_value):
            return False
        history.lr.append(lr)
        history.loss.append(math.inf)
        history.accuracy.append(None)
        warnings.warn(f"the loss became infinite or nan in epoch {history.epochs}; "
                      f"training stopped (is the learning rate {lr} too large?)",
                      RuntimeWarning, stacklevel=stacklevel + 1)
        return True

    def add(self, loss_value: float, outputs: np.ndarray, labels, norms=None) -> None:
        """A batch the optimizer stepped on: its loss (the mean over its samples),
        the model's outputs on it (N,) or (N, k), its labels and, if recorded, one
        gradient norm per layer."""
        self.total += loss_value * len(outputs)
        self.outputs.append(outputs)
        self.labels.append(np.asarray(labels))
        if norms is not None:
            self.norms.append(norms)

    def record(self, history: History, lr: float, validation=None) -> None:
        """The epoch's line in ``history``: ``lr``, the loss and accuracy over its
        batches, the mean gradient norms (if added), and ``validation`` =
        ``(val_loss, val_outputs, val_labels)`` as val_loss and val_accuracy."""
        history.lr.append(lr)
        history.loss.append(self.total / self.n_samples)
        history.accuracy.append(accuracy(np.concatenate(self.outputs),
                                         np.concatenate(self.labels), self.loss_name))
        if self.norms:
            history.grad_norms.append(list(np.mean(self.norms, axis=0)))
        if validation is not None:
            val_loss, val_outputs, val_labels = validation
            history.val_loss.append(val_loss)
            history.val_accuracy.append(accuracy(val_outputs, val_labels, self.loss_name))


# --- fit ---------------------------------------------------------------------------------------


def fit(model, X, y, loss="max_margin", optimizer: Optimizer | None = None, epochs: int = 100,
        batch_size: int | None = None, schedule=None, l2: float = 0.0, shuffle: bool = True,
        seed: int = 0, progress: bool = True, record_grad_norms: bool = False,
        validation=None, compiled: bool | None = None, snapshots: int | None = None) -> History:
    """Train ``model`` on (X, y) with minibatch gradient descent.

    ``loss`` is a name in ``LOSSES`` (targets are converted for it: 0/1 labels
    become -1/+1 for max_margin) or a callable ``(outputs, targets) -> Value``.
    ``optimizer`` defaults to ``SGD(lr=0.1)``. ``l2`` adds ``l2 * l2_penalty(model)``
    (weights only). Each epoch shuffles the data (seeded), runs every batch
    (zero_grad, forward, backward, step), then calls ``schedule.step(epoch_loss)``.
    The recorded loss and accuracy of an epoch are over its batches, as they
    were computed during the epoch. If the loss becomes infinite or nan, training
    stops with a RuntimeWarning and the history ends with that epoch.
    ``validation=(X_val, y_val)`` adds
    ``val_loss``/``val_accuracy`` after each epoch. A tqdm progress bar shows
    unless ``progress=False``. Every argument, and every target, is checked before
    the model changes.

    How the batches run (``compiled``): by default (None) the per-sample loss is
    traced once (``autograd.compile``) and each batch replayed with numpy, with the
    numbers of the eager graph (to ~1e-15 per step) and one to two orders of
    magnitude faster, whenever the model and the loss can be traced; otherwise (a
    Python branch on a Value's number, a custom loss that is not a mean over the
    samples) each batch builds the eager graph and calls ``backward()``.
    ``compiled=False`` always takes the eager graph (to watch or change it),
    ``compiled=True`` insists on the replay. The progress line and ``history.path``
    say which path it took (PyTorch: eager by default, ``torch.compile`` on request).

    ``snapshots=k`` (2 <= k <= epochs) keeps k copies of ``model.state_dict()`` in
    ``history.snapshots`` as ``(epoch, state)`` pairs, at evenly spaced epochs from
    0 (before training) to the last: the frames of ``nn.plot.training_animation``
    (Keras: a ``ModelCheckpoint`` callback). A run that diverges keeps those it reached.
    """
    # the arguments, checked in this order (the first bad one is the error)
    _internal.has_methods(model, "fit: model", ("parameters", "__call__"),
                          "a model such as nn.MLP(2, [16, 1])")
    X, y = _checked_data(model, X, y)
    loss_name, loss_fn, prepare = _named_loss(loss)
    epochs, l2, batch_size, seed = _checked_settings(
        model, epochs, l2, batch_size, seed, shuffle=shuffle, progress=progress,
        record_grad_norms=record_grad_norms, compiled=compiled)
    snapshot_epochs = _snapshot_epochs(model, snapshots, epochs)
    _check_parts(model, loss_name, y, optimizer, schedule, validation)
    # the targets as the loss takes them, every one checked by the loss itself
    targets = _prepared(prepare, y, "y")
    val_set = None if validation is None else _validation_set(validation, prepare, X, y)
    if loss_name != "custom":  # a custom loss may need outputs that differ: its first batch
        _check_targets(model, X, loss_fn, targets, val_set)
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=0.1)
    # the step is chosen once: the compiled replay of one sample's loss, or eager graphs
    train_batch, validate, path, reason = _steps(
        compiled, model, X, targets, loss_fn, loss_name, l2, optimizer, val_set)
    run = _Run(model, X, y, loss_name, optimizer, train_batch,
               validate if val_set else None, val_set and val_set[2],
               (lambda: _layer_grad_norms(model)) if record_grad_norms else None)
    history = History(path=path, path_reason=reason)
    return _train(run, history, epochs, batch_size, shuffle, seed, progress, schedule,
                  snapshot_epochs)


def _checked_settings(model, epochs, l2, batch_size, seed, **flags) -> tuple:
    """``(epochs, l2, batch_size, seed)`` as plain numbers; the flags True or False
    (``compiled`` also None)."""
    epochs = _internal.integer(epochs, "fit: epochs", minimum=1)
    if epochs > MAX_EPOCHS:
        raise ValueError(f"fit: epochs must be <= {MAX_EPOCHS:,}, got {epochs}")
    l2 = _internal.real(l2, "fit: l2", minimum=0)
    if batch_size is not None:
        batch_size = _internal.integer(batch_size, "fit: batch_size", minimum=1)
    seed = _internal.integer(seed, "fit: seed", minimum=0)
    for name, value in flags.items():
        none_ok = name == "compiled"
        if not (isinstance(value, (bool, np.bool_)) or (none_ok and value is None)):
            raise TypeError(f"fit: {name} must be True or False"
                            f"{' or None' if none_ok else ''}, got {type(value).__name__}: "
                            f"{value!r:.40}")
    if flags["record_grad_norms"] and not hasattr(model, "layers"):
        raise TypeError("record_grad_norms needs a model with .layers (an MLP)")
    return epochs, l2, batch_size, seed


def _checked_data(model, X, y) -> tuple[np.ndarray, np.ndarray]:
    if y is None:
        raise ValueError("fit expects labels y (one per row of X), got None")
    if _internal.is_complex(X):
        raise TypeError("fit expects X of real numbers, got complex")
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError, OverflowError) as e:
        raise TypeError(f"fit: X must be an array of numbers of shape (n, d): {e}") from None
    y = _internal.numbers_array(y, "fit: y", dtype=None)
    if y.ndim == 0 or X.ndim != 2 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"fit expects X of shape (n, d) and y of length n, "
                         f"got X {X.shape} and y {y.shape}")
    nin = getattr(model, "nin", None)
    if isinstance(nin, int) and X.shape[1] != nin:
        raise ValueError(f"fit: the model takes {nin} inputs, X has {X.shape[1]} columns")
    _check_finite(X, "X")
    if y.dtype.kind == "f":
        bad = np.argwhere(~np.isfinite(y))
        if len(bad):
            raise ValueError(f"fit: y has {len(bad)} non-finite value(s), the first "
                             f"{y[tuple(bad[0])]} for sample {bad[0][0]}: clean the targets "
                             "first")
    return X, y


def _named_loss(loss) -> tuple[str, Callable, Callable]:
    """``(name, loss function, how targets are prepared)``; a callable is "custom"."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; expected one of {', '.join(LOSSES)} "
                             "or a callable (outputs, targets) -> Value")
        return (loss, *LOSSES[loss])
    if callable(loss):
        return "custom", _checked_custom(loss), (lambda t: t)
    raise TypeError(f"loss must be a name or a callable, got {type(loss).__name__}")


def _checked_custom(loss: Callable) -> Callable:
    """A custom loss whose result is checked on every batch: a Value, else a TypeError
    naming ``loss`` (before the step: the model is unchanged)."""
    def checked(outputs, targets):
        value = loss(outputs, targets)
        if not isinstance(value, Value):
            raise TypeError(f"fit: loss must return a Value (the batch's loss), got "
                            f"{type(value).__name__}: {value!r:.40}")
        return value
    return checked


def _snapshot_epochs(model, snapshots, epochs: int) -> set | tuple:
    """The epochs after which ``fit(snapshots=k)`` copies the model (0: before training)."""
    if snapshots is None:
        return ()
    snapshots = _internal.integer(snapshots, "fit: snapshots", minimum=2)
    if snapshots > epochs:
        raise ValueError(f"fit: snapshots must be <= epochs ({epochs}), got {snapshots}")
    _internal.has_methods(model, "fit: model", ("state_dict",),
                          "a model with state_dict() to take snapshots of")
    return {int(e) for e in np.round(np.linspace(0, epochs, snapshots))}


def _check_parts(model, loss_name: str, y, optimizer, schedule, validation) -> None:
    if loss_name in _ONE_LABEL_LOSSES and y.ndim != 1:
        raise ValueError(f"fit: y must hold one label per sample, shape ({len(y)},), got "
                         f"{y.shape} (y.ravel() makes a column flat)")
    if optimizer is not None:
        _internal.has_methods(optimizer, "fit: optimizer", ("step", "zero_grad"),
                              "an optimizer such as nn.SGD(model.parameters(), lr=0.1)")
        held = getattr(optimizer, "params", None)
        if isinstance(held, list) and not set(held) & set(model.parameters()):
            raise ValueError("fit: the optimizer updates none of this model's parameters "
                             "(was it made for another model?); pass "
                             "optimizer=nn.SGD(model.parameters(), lr=...)")
    if schedule is not None:
        if isinstance(schedule, Value):  # (a Value has a step(): the step function)
            raise TypeError(f"fit: schedule must be a schedule such as nn.optim.StepLR("
                            f"optimizer, ...), got a Value: {schedule!r:.40}")
        _internal.has_methods(schedule, "fit: schedule", ("step",),
                              "a schedule such as nn.optim.StepLR(optimizer, ...)")
        if hasattr(schedule, "optimizer") and schedule.optimizer is not optimizer:
            raise ValueError("fit: the schedule steers another optimizer than fit's: make "
                             "the optimizer, pass it, and the schedule of it, "
                             "StepLR(optimizer, ...)")
    if validation is not None and not (isinstance(validation, (tuple, list))
                                       and len(validation) == 2):
        raise TypeError(f"fit: validation must be a pair (X_val, y_val), got "
                        f"{type(validation).__name__}")


def _prepared(prepare, y: np.ndarray, what: str) -> np.ndarray:
    """The labels as the loss takes them (0/1 as -1/+1 for max_margin), or a clear error."""
    try:
        return prepare(y)
    except (TypeError, ValueError) as e:
        raise type(e)(f"fit: {what}: {e}") from None


def _validation_set(validation, prepare, X: np.ndarray, y: np.ndarray) -> tuple:
    """``(X_val, its targets for the loss, y_val)``, shaped as the training data."""
    if _internal.is_complex(validation[0]):
        raise TypeError("fit: validation X must hold real numbers, got complex")
    try:
        Xv = np.asarray(validation[0], dtype=float)
    except (TypeError, ValueError, OverflowError) as e:
        raise TypeError(f"fit: validation X must be an array of numbers: {e}") from None
    yv = np.asarray(validation[1])
    if yv.dtype.kind == "f" and not np.all(np.isfinite(yv)):
        raise ValueError("fit: validation y has non-finite values: clean the targets first")
    if Xv.ndim != 2 or Xv.shape[1] != X.shape[1] or yv.ndim == 0 or len(Xv) != len(yv) \
            or not len(Xv) or yv.shape[1:] != y.shape[1:]:
        raise ValueError(f"fit: validation must be (X_val, y_val) shaped as X {X.shape} and "
                         f"y {y.shape} (any number of rows), got X_val {Xv.shape} and "
                         f"y_val {yv.shape}")
    _check_finite(Xv, "validation X")
    return Xv, _prepared(prepare, yv, "validation y"), yv


def _check_targets(model, X, loss_fn, targets, val_set) -> None:
    """The loss (one of ``LOSSES``) takes every target, those of the validation set too,
    before any step: it runs (recording nothing) on the model's output for the first
    sample, repeated, with each distinct target (what it says of one depends on that
    target only)."""
    with no_grad():
        out = model(X[0])
        for what, t in (("y", targets), ("validation y", val_set and val_set[1])):
            if t is None:
                continue
            t = np.unique(np.asarray(t), axis=0)
            for start in range(0, len(t), 4096):  # a bounded number of nodes at a time
                chunk = t[start:start + 4096]
                try:
                    loss_fn([out] * len(chunk), chunk)
                except (TypeError, ValueError) as e:
                    raise type(e)(f"fit: {what} does not suit the loss and the model's "
                                  f"outputs: {e}") from None


def _layer_grad_norms(model) -> list:
    """||∂E/∂θ|| over each layer's parameters, from their ``.grad``."""
    return [math.sqrt(sum(p.grad**2 for p in layer.parameters())) for layer in model.layers]


@dataclass
class _Run:
    """What every epoch of one ``fit`` call uses, settled before the first."""

    model: object
    X: np.ndarray
    y: np.ndarray
    loss_name: str
    optimizer: object
    train_batch: Callable      # (X_batch, rows) -> (loss, outputs, backward)
    validate: Callable | None  # () -> (val_loss, val_outputs)
    y_val: np.ndarray | None
    grad_norms: Callable | None  # () -> one gradient norm per layer


def _train(run: _Run, history: History, epochs, batch_size, shuffle, seed, progress, schedule,
           snapshot_epochs) -> History:
    """The epoch loop: each epoch, then the snapshot, the schedule and the bar (its
    line says the path: "training (compiled)", "training (eager)", or with the reason
    when the default had to take the eager graph: "training (eager: can't trace)")."""
    from tqdm.auto import tqdm

    rng = np.random.default_rng(seed)
    why = {"": "", "compiled=False": ""}.get(history.path_reason, ": " + (
        "custom loss not a mean" if "custom loss" in history.path_reason else "can't trace"))
    bar = tqdm(range(epochs), disable=not progress, desc=f"training ({history.path}{why})",
               unit="epoch")
    if 0 in snapshot_epochs:
        history.snapshots.append((0, run.model.state_dict()))
    for _ in bar:
        batches = minibatches(run.X, np.arange(len(run.X)), batch_size, rng, shuffle)
        if not _run_epoch(run, history, batches):
            break
        if history.epochs in snapshot_epochs:
            history.snapshots.append((history.epochs, run.model.state_dict()))
        if schedule is not None:
            schedule.step(history.loss[-1])
        acc = history.accuracy[-1]
        bar.set_postfix(loss=f"{history.loss[-1]:.4f}",
                        **({} if acc is None else {"acc": f"{acc:.3f}"}))
    return history


def _run_epoch(run: _Run, history: History, batches) -> bool:
    """One epoch, recorded in ``history``; False when its loss diverged."""
    lr = run.optimizer.lr
    epoch = Epoch(len(run.X), run.loss_name)
    for Xb, rows in batches:
        loss_value, outputs, backward = run.train_batch(Xb, rows)
        if epoch.diverges(loss_value, history, lr, stacklevel=4):  # the caller of fit
            return False
        backward()
        run.optimizer.step()
        epoch.add(loss_value, outputs, run.y[rows], run.grad_norms and run.grad_norms())
    validation = None if run.validate is None else (*run.validate(), run.y_val)
    epoch.record(history, lr, validation)
    return True


# --- the two ways to run a batch ---------------------------------------------------------------


def compiled_losses(model, loss_fn, l2: float) -> tuple:
    """The per-sample training loss (with the L2 term) and validation loss (without),
    compiled, each returning (loss, the model's outputs)."""
    def per_sample(with_l2):
        def loss_of_one_sample(x, t):
            out = model(x)
            value = loss_fn([out], [t])
            if with_l2:
                value = value + l2 * losses.l2_penalty(model)
            return value, out
        return loss_of_one_sample
    return (compile(per_sample(bool(l2)), has_aux=True),
            compile(per_sample(False), has_aux=True))


def _traceable_targets(model, x0, targets, loss_name: str) -> np.ndarray:
    """Targets as numbers a compiled loss can take: class indices (cross_entropy,
    hinge) become one-hot rows, since a traced index can't pick a logit."""
    targets = np.asarray(targets)
    if loss_name in ("cross_entropy", "hinge") and targets.ndim == 1:
        with no_grad():
            out = model(x0)
        k = 1 if isinstance(out, Value) else len(out)
        return losses.class_targets(targets.astype(float), k, loss_name)
    return targets.astype(float)


def _scores(outputs) -> np.ndarray:
    """The model's outputs as numbers, (N,) or (N, k), for accuracy."""
    return np.array([o.data if isinstance(o, Value) else [v.data for v in o] for o in outputs])


def _steps(compiled, model, X, targets, loss_fn, loss_name, l2, optimizer, val_set) -> tuple:
    """``(train_batch, validate, path, reason)``: the compiled replay when asked for, or
    by default when the model and the loss can be traced (and a custom loss is a mean
    over the samples); else the eager graph, and the reason why."""
    validation = val_set and val_set[:2]

    def eager(reason: str) -> tuple:
        return (*_eager_steps(model, X, targets, loss_fn, loss_name, l2, optimizer, validation),
                "eager", reason)
    if compiled is False:
        return eager("compiled=False")
    try:
        train_batch, validate, check = _compiled_steps(model, X, targets, loss_fn, loss_name,
                                                       l2, optimizer, validation)
    except (TracingError, TypeError, ValueError) as e:
        if compiled:
            raise
        return eager(f"the model or the loss can't be traced: {type(e).__name__}: {e}")
    if loss_name == "custom" and compiled is None and not check():
        return eager("a custom loss that is not a mean over the samples: on the first "
                     "samples, it differs from the mean of its per-sample values, which is "
                     "what the replay computes")
    return train_batch, validate, "compiled", ""


def _eager_steps(model, X, targets, loss_fn, loss_name, l2, optimizer, validation):
    """One batch and one validation pass on the eager graph (backward() per batch)."""
    def train_batch(Xb, tb):
        outputs = [model(x) for x in Xb]
        batch_loss = loss_fn(outputs, targets[tb])
        if l2:
            batch_loss = batch_loss + l2 * losses.l2_penalty(model)

        def backward():
            optimizer.zero_grad()
            batch_loss.backward()
        return batch_loss.data, _scores(outputs), backward

    def validate():
        Xv, tv = validation
        with no_grad():
            out = [model(x) for x in Xv]
            return loss_fn(out, tv).data, _scores(out)
    return train_batch, validate


def _compiled_steps(model, X, targets, loss_fn, loss_name, l2, optimizer, validation):
    """The same two, replayed over numpy batches (``autograd.compile``): the
    gradients come with the loss, so there is nothing left to do backward. Traced
    here, on the first sample, so that a model or loss that can't be traced is known
    before training starts. Also returns ``is_a_mean()``: whether the loss of a few
    samples equals the mean of its per-sample replay (a custom loss must be a mean)."""
    train_program, val_program = compiled_losses(model, loss_fn, l2)
    train_targets = _traceable_targets(model, X[0], targets, loss_name)
    train_program.plan(X[:1], train_targets[:1])
    if validation is not None:
        val_targets = _traceable_targets(model, X[0], validation[1], loss_name)
        val_program.plan(validation[0][:1], val_targets[:1])

    def train_batch(Xb, tb):
        optimizer.zero_grad()
        loss_value, outputs = train_program.value_and_grad(Xb, train_targets[tb])
        return loss_value, np.asarray(outputs), lambda: None

    def validate():
        Xv, tv = validation
        per_sample, out = val_program(Xv, val_targets)
        return float(np.sum(per_sample) * (1.0 / len(Xv))), out

    def is_a_mean() -> bool:
        m = min(len(X), 4)
        with no_grad():
            eager = loss_fn([model(x) for x in X[:m]], targets[:m]).data
        per_sample, _ = val_program(X[:m], train_targets[:m])
        return math.isclose(eager, float(np.mean(per_sample)), rel_tol=1e-9, abs_tol=1e-12)
    return train_batch, validate, is_a_mean
