"""A training loop that records what the lectures plot: ``fit`` returns a ``History``."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from autograd import Value, _internal, compile, no_grad  # noqa: A004

from . import losses
from .data import minibatches, to_pm1
from .optim import SGD, Optimizer

__all__ = ["fit", "History", "LOSSES", "accuracy"]

# name -> (loss function, how targets are prepared)
LOSSES = {
    "max_margin": (losses.max_margin, to_pm1),
    "mse": (losses.mse, lambda y: np.asarray(y, dtype=float)),
    "bce": (losses.binary_cross_entropy, lambda y: np.asarray(y, dtype=float)),
    "binary_cross_entropy": (losses.binary_cross_entropy, lambda y: np.asarray(y, dtype=float)),
    "cross_entropy": (losses.cross_entropy, lambda y: np.asarray(y)),
    "hinge": (losses.hinge, lambda y: np.asarray(y)),
}


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
    """Per-epoch records of a ``fit`` run."""

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    grad_norms: list = field(default_factory=list)  # per epoch: one norm per layer
    snapshots: list = field(default_factory=list)  # fit(snapshots=k): (epoch, state_dict)

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def as_dict(self) -> dict:
        return {k: list(v) for k, v in self.__dict__.items()}


def accuracy(outputs, y, loss: str) -> float | None:
    """Fraction of samples whose predicted class is y. ``outputs`` are the model's
    outputs (Values, one or a list per sample) or their numbers as an array (N,) or
    (N, k). One output: the class is 1 when the score is > 0 (max_margin, bce:
    logits) or > 0.5 (mse on 0/1 targets); several outputs: the argmax. None for
    regression targets."""
    y = np.asarray(y)
    if isinstance(outputs, np.ndarray):
        scores = outputs
    else:
        scores = np.array([o.data if isinstance(o, Value) else [v.data for v in o]
                           for o in outputs])
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.ndim == 1:
        if not np.all((y == 0) | (y == 1)):
            return None
        threshold = 0.5 if loss == "mse" else 0.0
        return float(np.mean((scores > threshold).astype(int) == y))
    labels = y if y.ndim == 1 else np.argmax(y, axis=1)
    return float(np.mean(np.argmax(scores, axis=1) == labels))


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
        return losses._class_targets(targets.astype(float), k, loss_name)
    return targets.astype(float)


def fit(model, X, y, loss="max_margin", optimizer: Optimizer | None = None, epochs: int = 100,
        batch_size: int | None = None, schedule=None, l2: float = 0.0, shuffle: bool = True,
        seed: int = 0, progress: bool = True, record_grad_norms: bool = False,
        validation=None, compiled: bool = False, snapshots: int | None = None) -> History:
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
    unless ``progress=False``.

    ``compiled=True`` traces the per-sample loss once (``autograd.compile``) and
    runs each batch with numpy: the same numbers (to rounding), one to three
    orders of magnitude faster. A custom loss is then called on one sample at a
    time and must be a mean over samples.

    ``snapshots=k`` (2 <= k <= epochs) keeps k copies of ``model.state_dict()`` in
    ``history.snapshots`` as ``(epoch, state)`` pairs, at evenly spaced epochs from
    0 (before training) to the last: the frames of ``nn.plot.training_animation``
    (Keras: a ``ModelCheckpoint`` callback). A run that diverges keeps those it reached.
    """
    if y is None:
        raise ValueError("fit expects labels y (one per row of X), got None")
    if np.iscomplexobj(X):
        raise TypeError("fit expects X of real numbers, got complex")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if y.ndim == 0 or X.ndim != 2 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"fit expects X of shape (n, d) and y of length n, "
                         f"got X {X.shape} and y {y.shape}")
    _check_finite(X, "X")
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; expected one of {', '.join(LOSSES)} "
                             "or a callable (outputs, targets) -> Value")
        loss_name = loss
        loss_fn, prepare = LOSSES[loss]
    elif callable(loss):
        loss_name, loss_fn, prepare = "custom", loss, (lambda t: t)
    else:
        raise TypeError(f"loss must be a name or a callable, got {type(loss).__name__}")
    epochs = _internal.integer(epochs, "fit: epochs", minimum=1)
    l2 = _internal.real(l2, "fit: l2", minimum=0)
    if batch_size is not None:
        batch_size = _internal.integer(batch_size, "fit: batch_size", minimum=1)
    snapshot_epochs = ()
    if snapshots is not None:
        snapshots = _internal.integer(snapshots, "fit: snapshots", minimum=2)
        if snapshots > epochs:
            raise ValueError(f"fit: snapshots must be <= epochs ({epochs}), got {snapshots}")
        _internal.has_methods(model, "fit: model", ("state_dict",),
                          "a model with state_dict() to take snapshots of")
        snapshot_epochs = {int(e) for e in np.round(np.linspace(0, epochs, snapshots))}
    if loss_name in ("max_margin", "bce", "binary_cross_entropy", "hinge") and y.ndim != 1:
        raise ValueError(f"fit: y must hold one label per sample, shape ({len(y)},), got "
                         f"{y.shape} (y.ravel() makes a column flat)")
    if optimizer is not None:
        _internal.has_methods(optimizer, "fit: optimizer", ("step", "zero_grad"),
                          "an optimizer such as nn.SGD(model.parameters(), lr=0.1)")
    if schedule is not None:
        _internal.has_methods(schedule, "fit: schedule", ("step",),
                          "a schedule such as nn.optim.StepLR(optimizer, ...)")
    if validation is not None and not (isinstance(validation, (tuple, list))
                                       and len(validation) == 2):
        raise TypeError(f"fit: validation must be a pair (X_val, y_val), got "
                        f"{type(validation).__name__}")
    targets = prepare(y)
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(seed)
    history = History()

    from tqdm.auto import tqdm

    if record_grad_norms and not hasattr(model, "layers"):
        raise TypeError("record_grad_norms needs a model with .layers (an MLP)")
    if validation is not None:
        Xv = np.asarray(validation[0], dtype=float)
        _check_finite(Xv, "validation X")
        yv = np.asarray(validation[1])
    # the step is chosen once: eager graphs, or the compiled replay of one sample's loss
    if compiled:
        train_batch, validate = _compiled_steps(model, X, targets, loss_fn, loss_name, l2,
                                                optimizer, validation and (Xv, prepare(yv)))
    else:
        train_batch, validate = _eager_steps(model, targets, loss_fn, l2, optimizer,
                                             validation and (Xv, prepare(yv)))
    bar = tqdm(range(epochs), disable=not progress, desc="training", unit="epoch")
    diverged = False
    if 0 in snapshot_epochs:
        history.snapshots.append((0, model.state_dict()))
    for _ in bar:
        history.lr.append(optimizer.lr)
        total, outputs_seen, labels_seen, norms = 0.0, [], [], []
        for Xb, tb in minibatches(X, np.arange(len(X)), batch_size, rng, shuffle):
            loss_value, scores, backward = train_batch(Xb, tb)
            if not math.isfinite(loss_value):
                diverged = True
                total = math.inf
                break
            backward()
            optimizer.step()
            total += loss_value * len(Xb)
            outputs_seen.append(scores)
            labels_seen += list(y[tb])
            if record_grad_norms:
                norms.append([math.sqrt(sum(p.grad**2 for p in layer.parameters()))
                              for layer in model.layers])
        history.loss.append(total / len(X))
        if diverged:
            warnings.warn(f"the loss became infinite or nan in epoch {history.epochs}; "
                          f"training stopped (is the learning rate {optimizer.lr} too large?)",
                          RuntimeWarning, stacklevel=2)
            history.accuracy.append(None)
            break
        history.accuracy.append(accuracy(np.concatenate(outputs_seen), labels_seen, loss_name))
        if record_grad_norms:
            history.grad_norms.append(list(np.mean(norms, axis=0)))
        if validation is not None:
            val_loss, val_scores = validate()
            history.val_loss.append(val_loss)
            history.val_accuracy.append(accuracy(val_scores, yv, loss_name))
        if history.epochs in snapshot_epochs:
            history.snapshots.append((history.epochs, model.state_dict()))
        if schedule is not None:
            schedule.step(history.loss[-1])
        acc = history.accuracy[-1]
        bar.set_postfix(loss=f"{history.loss[-1]:.4f}",
                        **({} if acc is None else {"acc": f"{acc:.3f}"}))
    return history


def _scores(outputs) -> np.ndarray:
    """The model's outputs as numbers, (N,) or (N, k), for accuracy."""
    return np.array([o.data if isinstance(o, Value) else [v.data for v in o] for o in outputs])


def _eager_steps(model, targets, loss_fn, l2, optimizer, validation):
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
    gradients come with the loss, so there is nothing left to do backward."""
    train_program, val_program = compiled_losses(model, loss_fn, l2)
    train_targets = _traceable_targets(model, X[0], targets, loss_name)

    def train_batch(Xb, tb):
        optimizer.zero_grad()
        loss_value, outputs = train_program.value_and_grad(Xb, train_targets[tb])
        return loss_value, np.asarray(outputs), lambda: None

    def validate():
        Xv, tv = validation
        per_sample, out = val_program(Xv, val_targets)
        return float(np.sum(per_sample) * (1.0 / len(Xv))), out
    if validation is not None:
        val_targets = _traceable_targets(model, X[0], validation[1], loss_name)
    return train_batch, validate
