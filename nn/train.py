"""A training loop that records what the lectures plot: ``fit`` returns a ``History``."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from autograd import Value, no_grad

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


@dataclass
class History:
    """Per-epoch records of a ``fit`` run."""

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    grad_norms: list = field(default_factory=list)  # per epoch: one norm per layer

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def as_dict(self) -> dict:
        return {k: list(v) for k, v in self.__dict__.items()}


def accuracy(outputs, y, loss: str) -> float | None:
    """Fraction of samples whose predicted class is y. One output: the class is
    1 when the score is > 0 (max_margin, bce: logits) or > 0.5 (mse on 0/1 targets);
    several outputs: the argmax. None for regression targets."""
    y = np.asarray(y)
    first = outputs[0]
    if isinstance(first, Value) or len(first) == 1:
        scores = np.array([(o if isinstance(o, Value) else o[0]).data for o in outputs])
        if not np.all((y == 0) | (y == 1)):
            return None
        threshold = 0.5 if loss == "mse" else 0.0
        return float(np.mean((scores > threshold).astype(int) == y))
    predicted = np.array([int(np.argmax([v.data for v in o])) for o in outputs])
    labels = y if y.ndim == 1 else np.argmax(y, axis=1)
    return float(np.mean(predicted == labels))


def fit(model, X, y, loss="max_margin", optimizer: Optimizer | None = None, epochs: int = 100,
        batch_size: int | None = None, schedule=None, l2: float = 0.0, shuffle: bool = True,
        seed: int = 0, progress: bool = True, record_grad_norms: bool = False,
        validation=None) -> History:
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
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"fit expects X of shape (n, d) and y of length n, "
                         f"got X {X.shape} and y {y.shape}")
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
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an int >= 1, got {epochs!r}")
    targets = prepare(y)
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(seed)
    history = History()

    from tqdm.auto import tqdm

    if record_grad_norms and not hasattr(model, "layers"):
        raise TypeError("record_grad_norms needs a model with .layers (an MLP)")
    bar = tqdm(range(epochs), disable=not progress, desc="training", unit="epoch")
    diverged = False
    for _ in bar:
        history.lr.append(optimizer.lr)
        total, outputs_seen, labels_seen, norms = 0.0, [], [], []
        for Xb, tb in minibatches(X, np.arange(len(X)), batch_size, rng, shuffle):
            outputs = [model(x) for x in Xb]
            batch_loss = loss_fn(outputs, targets[tb])
            if l2:
                batch_loss = batch_loss + l2 * losses.l2_penalty(model)
            if not math.isfinite(batch_loss.data):
                diverged = True
                total = math.inf
                break
            optimizer.zero_grad()
            batch_loss.backward()
            optimizer.step()
            total += batch_loss.data * len(Xb)
            outputs_seen += outputs
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
        history.accuracy.append(accuracy(outputs_seen, labels_seen, loss_name))
        if record_grad_norms:
            history.grad_norms.append(list(np.mean(norms, axis=0)))
        if validation is not None:
            Xv, yv = validation
            with no_grad():
                out_v = [model(x) for x in np.asarray(Xv, dtype=float)]
                history.val_loss.append(loss_fn(out_v, prepare(np.asarray(yv))).data)
            history.val_accuracy.append(accuracy(out_v, yv, loss_name))
        if schedule is not None:
            schedule.step(history.loss[-1])
        acc = history.accuracy[-1]
        bar.set_postfix(loss=f"{history.loss[-1]:.4f}",
                        **({} if acc is None else {"acc": f"{acc:.3f}"}))
    return history
