"""Loss functions on a batch (``torch.nn.functional``).

Every loss takes ``outputs``, a list with one entry per sample (a Value for a
one-output model, a list of Values for a k-output model), and ``targets`` with
one entry per sample, and returns the mean over the batch as one Value::

    loss = mse([model(x) for x in X], y)

All of them are built from engine ops, so backward() differentiates them; the
ones with logarithms use stable forms (log-sum-exp, softplus), never log(x + eps).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autograd import Value

__all__ = ["mse", "half_squared_error", "binary_cross_entropy", "softmax", "log_softmax",
           "cross_entropy", "hinge", "max_margin", "l2_penalty"]


def _rows(outputs, targets, who: str):
    """Outputs as lists of Values, targets as a numpy array; same number of samples."""
    if isinstance(outputs, Value):
        raise TypeError(f"{who} expects a list of outputs, one per sample; got one Value "
                        f"(wrap a single sample as [{who}_output])")
    outputs = list(outputs)
    targets = np.asarray(targets, dtype=float)
    if targets.ndim == 0:
        raise TypeError(f"{who} expects one target per sample, got a single number")
    if len(outputs) != len(targets):
        raise ValueError(f"{who}: {len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError(f"{who}: the batch is empty")
    rows = []
    for i, o in enumerate(outputs):
        row = [o] if isinstance(o, Value) else (list(o) if isinstance(o, (list, tuple)) else [o])
        if not all(isinstance(v, Value) for v in row):
            raise TypeError(f"{who}: output {i} must be a Value or a list of Values")
        rows.append(row)
    return rows, targets


def _mean(terms: list, n: int) -> Value:
    return Value.sum(terms) * (1.0 / n)


def mse(outputs, targets) -> Value:
    """Mean squared error over all samples and outputs (``F.mse_loss``)."""
    rows, t = _rows(outputs, targets, "mse")
    t = t.reshape(len(rows), -1)
    terms = [(y - float(tk)) ** 2 for row, tr in zip(rows, t) for y, tk in zip(row, tr)]
    if t.shape[1] != len(rows[0]):
        raise ValueError(f"mse: outputs have {len(rows[0])} values, targets {t.shape[1]}")
    return _mean(terms, len(terms))


def half_squared_error(outputs, targets) -> Value:
    """The lectures' E = 1/2 ||y - t||^2 summed over the batch: dE/dy = y - t."""
    rows, t = _rows(outputs, targets, "half_squared_error")
    t = t.reshape(len(rows), -1)
    terms = [(y - float(tk)) ** 2 for row, tr in zip(rows, t) for y, tk in zip(row, tr)]
    return Value.sum(terms) * 0.5


def binary_cross_entropy(outputs, targets) -> Value:
    """Logistic loss from logits z and targets t in {0, 1}:
    -[t log sigmoid(z) + (1 - t) log(1 - sigmoid(z))] = softplus(z) - t z,
    which never takes the log of 0 (``F.binary_cross_entropy_with_logits``)."""
    rows, t = _rows(outputs, targets, "binary_cross_entropy")
    if any(len(r) != 1 for r in rows):
        raise ValueError("binary_cross_entropy expects one logit per sample")
    if not np.all((t == 0) | (t == 1)):
        raise ValueError(f"binary_cross_entropy expects targets 0 or 1, got {np.unique(t)}")
    return _mean([r[0].softplus() - float(tk) * r[0] for r, tk in zip(rows, t)], len(rows))


def _check_logits(logits, who: str) -> list:
    logits = list(logits)
    if not logits or not all(isinstance(z, Value) for z in logits):
        raise TypeError(f"{who} expects a non-empty list of Values (the logits)")
    return logits


def log_softmax(logits: Sequence[Value]) -> list[Value]:
    """log p_j = z_j - log sum_k e^{z_k}, by log-sum-exp: the largest logit m is
    subtracted first (a constant: the result does not depend on it), so no
    exponential overflows, even for logits of +-1000."""
    logits = _check_logits(logits, "log_softmax")
    m = max(z.data for z in logits)
    shifted = [z - m for z in logits]
    log_total = Value.sum([s.exp() for s in shifted]).log()
    return [s - log_total for s in shifted]


def softmax(logits: Sequence[Value]) -> list[Value]:
    """p_j = e^{z_j} / sum_k e^{z_k}, computed stably (shifted by the largest logit)."""
    logits = _check_logits(logits, "softmax")
    m = max(z.data for z in logits)
    exps = [(z - m).exp() for z in logits]
    total = Value.sum(exps)
    return [e / total for e in exps]


def _class_targets(t: np.ndarray, k: int, who: str) -> np.ndarray:
    """One-hot rows (n, k) from class indices (n,) or from one-hot rows."""
    if t.ndim == 1:
        if not np.all((t == np.round(t)) & (t >= 0) & (t < k)):
            raise ValueError(f"{who}: class targets must be integers in [0, {k}), got {t}")
        return np.eye(k)[t.astype(int)]
    if t.shape[1] != k:
        raise ValueError(f"{who}: one-hot targets have {t.shape[1]} columns, outputs {k}")
    return t


def cross_entropy(outputs, targets) -> Value:
    """Softmax cross-entropy from logits: E = -sum_k t_k log softmax(z)_k, with
    targets as class indices or one-hot rows (``F.cross_entropy``). Its gradient
    at the logits is softmax(z) - t."""
    rows, t = _rows(outputs, targets, "cross_entropy")
    k = len(rows[0])
    t = _class_targets(t, k, "cross_entropy")
    terms = []
    for row, tr in zip(rows, t):
        logp = log_softmax(row)
        terms.extend(-float(tk) * lp for tk, lp in zip(tr, logp) if tk != 0)
    return _mean(terms, len(rows))


def hinge(outputs, targets, margin: float = 1.0) -> Value:
    """Multiclass SVM loss: L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin)
    (``F.multi_margin_loss`` up to its 1/k factor)."""
    rows, t = _rows(outputs, targets, "hinge")
    k = len(rows[0])
    if t.ndim != 1:
        raise ValueError("hinge expects class-index targets")
    _class_targets(t, k, "hinge")
    terms = [(row[j] - row[int(y)] + margin).relu()
             for row, y in zip(rows, t) for j in range(k) if j != int(y)]
    return _mean(terms, len(rows))


def max_margin(outputs, targets) -> Value:
    """Binary max-margin loss, mean relu(1 - y * score) with y in {-1, +1}
    (micrograd's demo loss; ``F.hinge_embedding_loss``'s cousin)."""
    rows, t = _rows(outputs, targets, "max_margin")
    if any(len(r) != 1 for r in rows):
        raise ValueError("max_margin expects one score per sample")
    if not np.all(np.abs(t) == 1):
        raise ValueError(f"max_margin expects targets -1 or +1 (use nn.data.to_pm1), "
                         f"got {np.unique(t)}")
    return _mean([(1.0 - float(y) * r[0]).relu() for r, y in zip(rows, t)], len(rows))


def l2_penalty(module, weights_only: bool = True) -> Value:
    """1/2 sum of squared weights: multiply by lambda for weight decay lambda/2 ||w||^2.
    Biases (parameters named ``...b``) are left out unless ``weights_only=False``."""
    params = [p for name, p in module.named_parameters()
              if not (weights_only and name.rsplit(".", 1)[-1] == "b")]
    if not params:
        return Value(0.0)
    return Value.sum([p * p for p in params]) * 0.5
