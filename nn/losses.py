"""Loss functions on a batch (``torch.nn.functional``).

Every loss takes ``outputs``, a list with one entry per sample (a Value for a
one-output model, a list of Values for a k-output model), and ``targets`` with
one entry per sample, and returns the mean over the batch as one Value::

    loss = mse([model(x) for x in X], y)

All of them are built from engine ops, so backward() differentiates them; the
ones with logarithms use stable forms (log-sum-exp, softplus), never log(x + eps).

Targets may also be Values (a Value per sample, or a list of k Values for one-hot
rows): that is how ``autograd.compile`` traces a per-sample loss such as
``lambda x, t: cross_entropy([model(x)], [t])``. Class labels are then one-hot rows,
since indexing by a traced number can't be replayed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autograd import TracingError, Value, _internal
from autograd.replay import require

__all__ = ["mse", "half_squared_error", "binary_cross_entropy", "softmax", "log_softmax",
           "cross_entropy", "hinge", "max_margin", "l2_penalty"]


def _symbolic(targets) -> bool:
    """Whether the targets are Values (traced by autograd.compile) rather than numbers."""
    return any(isinstance(t, Value) or (isinstance(t, (list, tuple)) and t
                                        and isinstance(t[0], Value)) for t in targets) \
        if isinstance(targets, (list, tuple)) else False


def _target_rows(targets, n: int, who: str) -> list:
    """Value targets as rows of Values, one row per sample."""
    rows = [[t] if isinstance(t, Value) else list(t) if isinstance(t, (list, tuple)) else [t]
            for t in targets]  # (a number among Values: refused below, by name)
    if len(rows) != n:
        raise ValueError(f"{who}: {n} outputs but {len(rows)} targets")
    if not all(isinstance(v, Value) for row in rows for v in row):
        raise TypeError(f"{who}: mix of Value and number targets; use one kind")
    return rows


def _rows(outputs, targets, who: str):
    """Outputs as lists of Values, targets as a numpy array of finite numbers (or as
    rows of Values when they are Values); same number of samples."""
    if isinstance(outputs, Value):
        raise TypeError(f"{who} expects a list of outputs, one per sample; got one Value "
                        f"(wrap a single sample as [{who}_output])")
    if not isinstance(outputs, (list, tuple)):
        raise TypeError(f"{who}: outputs must be a list with one output per sample (a Value, "
                        f"or a list of Values), got {type(outputs).__name__}: {outputs!r:.40}")
    outputs = list(outputs)
    symbolic = _symbolic(targets)
    targets = _target_rows(targets, len(outputs), who) if symbolic else _numbers(targets, who)
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
    if symbolic:  # traced: checked on every batch the program runs
        require([v for row in targets for v in row], lambda a: np.all(np.isfinite(a)),
                f"{who}: targets must be finite numbers, got {{got}}")
    return rows, targets


def _numbers(targets, who: str) -> np.ndarray:
    """Number targets as a float array, one entry (or row) per sample, all finite."""
    try:
        t = _internal.numbers_array(targets, "targets")
    except TypeError as e:
        raise TypeError(f"{who}: targets must be numbers, one per sample ({e})") from None
    if t.ndim == 0:
        raise TypeError(f"{who} expects one target per sample, got a single number")
    bad = np.argwhere(~np.isfinite(t))
    if len(bad):
        raise ValueError(f"{who}: targets must be finite numbers, got {t[tuple(bad[0])]} for "
                         f"sample {bad[0][0]}")
    return t


def _same_width(rows: list, who: str) -> int:
    """The number of scores per sample, the same for every sample."""
    widths = sorted({len(r) for r in rows})
    if len(widths) > 1:
        raise ValueError(f"{who}: every sample needs the same number of scores, got "
                         f"{widths[0]} to {widths[-1]}")
    return widths[0]


def _mean(terms: list, n: int) -> Value:
    total = terms[0] if len(terms) == 1 else Value.sum(terms)
    return total if n == 1 else total * (1.0 / n)


def _one_per_sample(t, who: str) -> list:
    """One target per sample, as floats (numbers) or Values (traced rows of one)."""
    if isinstance(t, list):
        return [row[0] for row in t]
    if t.size != len(t):
        raise ValueError(f"{who} expects one target per sample, got targets of shape {t.shape}")
    return t.reshape(-1).tolist()


def _squared_errors(outputs, targets, who: str) -> list:
    rows, t = _rows(outputs, targets, who)
    if not isinstance(t, list):
        t = t.reshape(len(rows), -1).tolist()
    if len(t[0]) != len(rows[0]):
        raise ValueError(f"{who}: outputs have {len(rows[0])} values, targets {len(t[0])}")
    return [(y - tk) ** 2 for row, tr in zip(rows, t) for y, tk in zip(row, tr)]


def mse(outputs, targets) -> Value:
    """Mean squared error over all samples and outputs (``F.mse_loss``)."""
    terms = _squared_errors(outputs, targets, "mse")
    return _mean(terms, len(terms))


def half_squared_error(outputs, targets) -> Value:
    """The lectures' E = 1/2 ||y - t||^2 summed over the batch: dE/dy = y - t."""
    return Value.sum(_squared_errors(outputs, targets, "half_squared_error")) * 0.5


def binary_cross_entropy(outputs, targets) -> Value:
    """Logistic loss from logits z and targets t in {0, 1}:
    -[t log sigmoid(z) + (1 - t) log(1 - sigmoid(z))] = softplus(z) - t z,
    which never takes the log of 0 (``F.binary_cross_entropy_with_logits``)."""
    rows, t = _rows(outputs, targets, "binary_cross_entropy")
    if any(len(r) != 1 for r in rows):
        raise ValueError("binary_cross_entropy expects one logit per sample")
    if not isinstance(t, list) and not np.all((t == 0) | (t == 1)):
        raise ValueError(f"binary_cross_entropy expects targets 0 or 1, got {np.unique(t)}")
    if isinstance(t, list):  # traced: checked on every batch the program runs
        require([row[0] for row in t], lambda a: np.all((a == 0) | (a == 1)),
                "binary_cross_entropy expects targets 0 or 1, got {got}")
    t = _one_per_sample(t, "binary_cross_entropy")
    return _mean([r[0].softplus() - tk * r[0] for r, tk in zip(rows, t)], len(rows))


def _check_logits(logits, who: str) -> list:
    if not isinstance(logits, (list, tuple)) or not logits \
            or not all(isinstance(z, Value) for z in logits):
        raise TypeError(f"{who} expects a non-empty list of Values (the logits), got "
                        f"{type(logits).__name__}: {logits!r:.40}")
    return list(logits)


def log_softmax(logits: Sequence[Value]) -> list[Value]:
    """log p_j = z_j - log sum_k e^{z_k}, with the sum as one ``logsumexp`` node: it
    subtracts the largest logit m before exponentiating (the result does not depend
    on m), so no exponential overflows, even for logits of +-1000."""
    logits = _check_logits(logits, "log_softmax")
    log_total = Value.logsumexp(logits)
    return [z - log_total for z in logits]


def softmax(logits: Sequence[Value]) -> list[Value]:
    """p_j = e^{z_j - m} / sum_k e^{z_k - m} with m the largest logit (a max node: p
    does not depend on m, so its gradient through m is 0): no exponential overflows."""
    logits = _check_logits(logits, "softmax")
    m = Value.max(logits)
    exps = [(z - m).exp() for z in logits]
    total = Value.sum(exps)
    return [e / total for e in exps]


def _class_targets(t: np.ndarray, k: int, who: str) -> np.ndarray:
    """One-hot rows (n, k) from class indices (n,) or from one-hot rows."""
    if t.ndim > 2:
        raise ValueError(f"{who}: targets must be class indices (n,) or one-hot rows (n, k), "
                         f"got shape {t.shape}")
    if t.ndim == 1:
        if not np.all((t == np.round(t)) & (t >= 0) & (t < k)):
            raise ValueError(f"{who}: class targets must be integers in [0, {k}), got {t}")
        return np.eye(k)[t.astype(int)]
    if t.shape[1] != k:
        raise ValueError(f"{who}: one-hot targets have {t.shape[1]} columns, outputs {k}")
    return t
class_targets = _class_targets  # public: fit's compiled step (nn.train) uses it


def cross_entropy(outputs, targets) -> Value:
    """Softmax cross-entropy from logits: E = -sum_k t_k log softmax(z)_k, with
    targets as class indices or one-hot rows (``F.cross_entropy``). Its gradient
    at the logits is softmax(z) - t."""
    rows, t = _rows(outputs, targets, "cross_entropy")
    k = _same_width(rows, "cross_entropy")
    t = _one_hot_rows(t, k, "cross_entropy")
    terms = []
    for row, tr in zip(rows, t):
        logp = log_softmax(row)
        terms.extend(-tk * lp for tk, lp in zip(tr, logp) if isinstance(tk, Value) or tk != 0)
    return _mean(terms, len(rows))


def _one_hot_rows(t, k: int, who: str) -> list:
    """Targets as one-hot rows: floats from class indices or one-hot numbers; Values
    must already be one-hot rows of k (a traced class index can't pick a logit)."""
    if not isinstance(t, list):
        return _class_targets(t, k, who).tolist()
    if any(len(row) != k for row in t):
        raise TracingError(f"{who}: traced targets must be one-hot rows of {k} Values "
                           "(a class index can't be replayed); pass nn.data.one_hot(y)")
    return t


def hinge(outputs, targets, margin: float = 1.0) -> Value:
    """Multiclass SVM loss: L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin)
    (``F.multi_margin_loss`` up to its 1/k factor)."""
    margin = _internal.real(margin, "hinge: margin")
    rows, t = _rows(outputs, targets, "hinge")
    k = _same_width(rows, "hinge")
    if not isinstance(t, list):
        if t.ndim != 1:
            raise ValueError("hinge expects class-index targets")
        _class_targets(t, k, "hinge")
        terms = [(row[j] - row[int(y)] + margin).relu()
                 for row, y in zip(rows, t) for j in range(k) if j != int(y)]
        return _mean(terms, len(rows))
    # traced one-hot targets: s_y = sum_j t_j s_j, and the term of j = y is weighted 0
    t = _one_hot_rows(t, k, "hinge")
    for row in t:
        require(row, lambda a: np.all(((a == 0) | (a == 1)) & (a.sum(axis=1, keepdims=True) == 1)),
                "hinge expects one-hot target rows (nn.data.one_hot), got values {got}")
    terms = []
    for row, tr in zip(rows, t):
        s_y = Value.sum([tj * sj for tj, sj in zip(tr, row)])
        terms.extend((1.0 - tj) * (sj - s_y + margin).relu() for tj, sj in zip(tr, row))
    return _mean(terms, len(rows))


def max_margin(outputs, targets) -> Value:
    """Binary max-margin loss, mean relu(1 - y * score) with y in {-1, +1}
    (micrograd's demo loss; ``F.hinge_embedding_loss``'s cousin)."""
    rows, t = _rows(outputs, targets, "max_margin")
    if any(len(r) != 1 for r in rows):
        raise ValueError("max_margin expects one score per sample")
    if not isinstance(t, list) and not np.all(np.abs(t) == 1):
        raise ValueError(f"max_margin expects targets -1 or +1 (use nn.data.to_pm1), "
                         f"got {np.unique(t)}")
    if isinstance(t, list):
        require([row[0] for row in t], lambda a: np.all(np.abs(a) == 1),
                "max_margin expects targets -1 or +1 (use nn.data.to_pm1), got {got}")
    t = _one_per_sample(t, "max_margin")
    return _mean([(1.0 - y * r[0]).relu() for r, y in zip(rows, t)], len(rows))


def l2_penalty(module, weights_only: bool = True) -> Value:
    """1/2 sum of squared weights: multiply by lambda for weight decay lambda/2 ||w||^2.
    Biases (parameters named ``...b``) are left out unless ``weights_only=False``."""
    _internal.has_methods(module, "l2_penalty: module", ("named_parameters",),
                          "a model (nn.Neuron, nn.Layer or nn.MLP)")
    if not isinstance(weights_only, (bool, np.bool_)):
        raise TypeError(f"l2_penalty: weights_only must be True or False, got "
                        f"{type(weights_only).__name__}: {weights_only!r:.40}")
    params = [p for name, p in module.named_parameters()
              if not (weights_only and name.rsplit(".", 1)[-1] == "b")]
    if not params:
        return Value(0.0)
    return Value.sum([p * p for p in params]) * 0.5
