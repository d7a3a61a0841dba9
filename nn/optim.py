"""Optimizers and learning-rate schedules (``torch.optim``, ``torch.optim.lr_scheduler``).

An optimizer updates parameters from their ``.grad`` in ``step()``. A schedule
wraps an optimizer and sets its ``lr`` once per epoch in ``step(metric)``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np

from autograd import Value, _internal
from autograd.engine import assign_data, data_version
from autograd.replay.held import holding

__all__ = ["Optimizer", "SGD", "Adam", "Schedule", "ConstantLR", "StepLR", "ReduceLROnPlateau",
           "InverseTimeLR", "LinearLR"]




def _positive(name: str, value, allow_zero: bool = False) -> float:
    """A finite number > 0 (>= 0 with ``allow_zero``), named in the error."""
    if allow_zero:
        return _internal.real(value, name, minimum=0)
    return _internal.real(value, name, above=0)


class Optimizer:
    """Holds the parameters and the learning rate ``lr`` (settable, e.g. by a
    schedule; checked: a finite number >= 0). (``torch.optim.Optimizer``.)"""

    def __init__(self, params: Iterable[Value], lr: float):
        who = type(self).__name__
        if hasattr(params, "named_parameters") and hasattr(params, "parameters"):
            raise TypeError(f"{who} expects the parameters, not the model: "
                            f"{who}(model.parameters(), ...)")
        if isinstance(params, Value) or not isinstance(params, Iterable):
            raise TypeError(f"{who} expects a list of parameters (Values), "
                            f"got {type(params).__name__}")
        # never changes: a compiled step may match it by identity
        self._params = tuple(_internal.items(params, f"{who}: params", "a list of parameters"))
        if not self._params:
            raise ValueError(f"{who} got an empty parameter list")
        seen = set()
        for i, p in enumerate(self._params):
            if not isinstance(p, Value):
                raise TypeError(f"{who}: parameter {i} is a {type(p).__name__}, not a Value")
            if not p.is_leaf:
                raise ValueError(f"{who}: parameter {i} is a computed Value "
                                 f"(op {p.op!r}); parameters must be leaves")
            if p in seen:  # identity: it would be updated twice per step
                raise ValueError(f"{who}: parameter {i} appears twice in the list")
            seen.add(p)
        self._lr = _positive("lr", lr)
        self._theta, self._version = None, -1  # the numbers the last step wrote, and when

    @property
    def params(self) -> list:
        """The parameters this optimizer updates, in order (a new list: the optimizer's own
        is fixed when it is made, as ``torch.optim``'s parameter groups are)."""
        return list(self._params)

    @property
    def lr(self) -> float:
        """The learning rate (step size) alpha used by the next ``step()``."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _positive("lr", value, allow_zero=True)

    def _held(self):
        """The arrays of a compiled step holding exactly these parameters in this order, if
        it holds them (``autograd/replay/held.py``): then a step reads and writes those
        arrays, and no Value is touched."""
        return holding(self._params)

    def _numbers(self) -> tuple[np.ndarray, np.ndarray]:
        """The parameters' data and grads as two arrays (one step works on them, without
        changing them in place). The arrays of a compiled step that holds the parameters;
        else the data is the array the last step wrote, as long as no leaf's .data has
        changed since (the data version tells), or read from the Values."""
        bank = self._held()
        if bank is not None:
            return bank.data, bank.grad
        params = self._params
        n = len(params)
        theta = self._theta if self._version == data_version() else \
            np.fromiter([p._data for p in params], float, n)
        return theta, np.fromiter([p.grad for p in params], float, n)

    def _assign(self, theta: np.ndarray) -> None:
        """Write the step's numbers into the parameters (one new data version; into the
        arrays while a compiled step holds them) and keep the array for the next step and
        for a compiled step's forward pass."""
        bank = self._held()
        if bank is not None:
            self._version = bank.assign(theta)
        else:
            self._version = assign_data(self._params, theta, checked=True)
        self._theta = theta

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0."""
        bank = self._held()
        if bank is not None:
            bank.zero_grad()
            return
        for p in self._params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``.grad``."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with the lectures' momentum form::

        v <- momentum * v - lr * (grad + weight_decay * theta)
        theta <- theta + v

    With ``nesterov=True`` the step looks ahead: theta <- theta + momentum * v - lr * g
    (Nesterov's accelerated gradient in the form of Bengio et al. 2013: the stored
    parameters are the look-ahead point theta + momentum * v, where the gradient is
    taken). Momentum must be in [0, 1]; the lectures use 0.5, then 0.9.
    ``weight_decay`` adds the gradient of (weight_decay / 2) * theta^2 to every
    parameter it is given. (PyTorch's ``SGD`` keeps v with the opposite sign and
    lr outside it; the trajectories are the same for a constant lr.)
    """

    def __init__(self, params, lr: float = 0.01, momentum: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(params, lr)
        self.momentum = _positive("momentum", momentum, allow_zero=True)
        if self.momentum > 1:
            raise ValueError(f"momentum must be in [0, 1], got {momentum!r}")
        self.weight_decay = _positive("weight_decay", weight_decay, allow_zero=True)
        self.nesterov = _internal.boolean(nesterov, "nesterov")
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs a momentum > 0")
        self.velocity = np.zeros(len(self._params))

    def step(self) -> None:
        # Written over arrays of all parameters at once; elementwise it is exactly the
        # scalar formula above (the same float operations in the same order).
        lr, gamma, decay = self.lr, self.momentum, self.weight_decay
        theta, g = self._numbers()
        if decay:
            g = g + decay * theta
        if gamma:
            v = gamma * self.velocity - lr * g
            self.velocity = v
            theta = theta + (gamma * v - lr * g if self.nesterov else v)
        else:
            theta = theta - lr * g
        self._assign(theta)


class Adam(Optimizer):
    """Adam (Kingma and Ba): per-parameter step sizes from running averages of
    the gradient and of its square, with bias correction (``torch.optim.Adam``)."""

    def __init__(self, params, lr: float = 0.001, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}")
        self.betas = tuple(_internal.real(b, f"betas[{i}]") for i, b in enumerate(betas))
        if not all(0 <= b < 1 for b in self.betas):
            raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}")
        self.eps = _positive("eps", eps)
        self.weight_decay = _positive("weight_decay", weight_decay, allow_zero=True)
        self.m = np.zeros(len(self._params))
        self.v = np.zeros(len(self._params))
        self.t = 0

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        theta, g = self._numbers()
        if self.weight_decay:
            g = g + self.weight_decay * theta
        self.m = b1 * self.m + (1 - b1) * g
        self.v = b2 * self.v + (1 - b2) * g * g
        theta = theta - self.lr * (self.m / c1) / (np.sqrt(self.v / c2) + self.eps)
        self._assign(theta)


# --- schedules -------------------------------------------------------------------------------


MAX_EPOCH = 10**9  # (fit trains at most a million: a larger epoch is a mistake)


def _epoch(epoch) -> int:
    """The argument of every schedule's ``lr_at``: an epoch count, 0 or more."""
    return _internal.integer(epoch, "lr_at: epoch", minimum=0, maximum=MAX_EPOCH)


class Schedule:
    """Sets ``optimizer.lr`` once per epoch: call ``step(metric)`` after each epoch.

    ``epoch`` counts the calls; ``lr`` is the rate for the next epoch.
    """

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a schedule wraps an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.epoch = 0
        optimizer.lr = self.lr_at(0)

    @property
    def lr(self) -> float:
        return self.optimizer.lr

    def lr_at(self, epoch: int) -> float:
        raise NotImplementedError

    def step(self, metric: float | None = None) -> float:
        if metric is not None and not isinstance(metric, Value) and (
                isinstance(metric, bool) or not isinstance(metric, numbers.Real)):
            raise TypeError(f"{type(self).__name__}.step: metric must be a number (or a Value) "
                            f"or None, got {type(metric).__name__}: {metric!r:.40}")
        self.epoch += 1
        self.optimizer.lr = self.lr_at(self.epoch)
        return self.optimizer.lr


class ConstantLR(Schedule):
    """lr stays as it is."""

    def lr_at(self, epoch: int) -> float:
        _epoch(epoch)
        return self.base_lr


class StepLR(Schedule):
    """lr = base_lr * gamma ** (epoch // step_size); gamma = 0.5 halves it."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.5):
        self.step_size = _internal.integer(step_size, "step_size", minimum=1)
        self.gamma = _positive("gamma", gamma)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (_epoch(epoch) // self.step_size)


class InverseTimeLR(Schedule):
    """lr = a / (b + epoch), the lectures' annealing schedule."""

    def __init__(self, optimizer, a: float, b: float):
        self.a, self.b = _positive("a", a), _positive("b", b)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.a / (self.b + _epoch(epoch))


class LinearLR(Schedule):
    """lr goes linearly from start_lr to end_lr over total_epochs, then stays."""

    def __init__(self, optimizer, start_lr: float, end_lr: float, total_epochs: int):
        self.start_lr = _positive("start_lr", start_lr)
        self.end_lr = _positive("end_lr", end_lr, allow_zero=True)
        self.total_epochs = _internal.integer(total_epochs, "total_epochs", minimum=1)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        f = min(_epoch(epoch), self.total_epochs) / self.total_epochs
        return self.start_lr + (self.end_lr - self.start_lr) * f


class ReduceLROnPlateau(Schedule):
    """Halve (``factor``) the lr when the metric has not improved by a relative
    ``threshold`` for more than ``patience`` epochs ("halve when progress slows")."""

    def __init__(self, optimizer, factor: float = 0.5, patience: int = 5,
                 threshold: float = 1e-4, min_lr: float = 0.0):
        self.factor = _internal.real(factor, "factor")
        if not 0 < self.factor < 1:
            raise ValueError(f"factor must be in (0, 1), got {factor!r}")
        self.patience = _internal.integer(patience, "patience", minimum=0)
        self.threshold = _positive("threshold", threshold, allow_zero=True)
        self.min_lr = _positive("min_lr", min_lr, allow_zero=True)
        self.best = math.inf
        self.bad_epochs = 0
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        _epoch(epoch)
        return self.optimizer.lr

    def step(self, metric: float | None = None) -> float:
        if metric is None:
            raise ValueError("ReduceLROnPlateau.step needs the epoch's metric, e.g. the loss")
        if isinstance(metric, Value):
            metric = metric.data
        if isinstance(metric, bool) or not isinstance(metric, numbers.Real):
            raise TypeError(f"ReduceLROnPlateau.step: metric must be a number (or a Value), "
                            f"got {type(metric).__name__}: {metric!r:.40}")
        try:
            metric = float(metric)
        except OverflowError:
            raise ValueError("ReduceLROnPlateau.step: metric is an int too large for a float") \
                from None
        # a NaN or infinite metric (diverging training) never counts as progress
        self.epoch += 1
        if math.isfinite(metric) and (self.best == math.inf
                                      or metric < self.best - abs(self.best) * self.threshold):
            self.best, self.bad_epochs = metric, 0
        else:
            self.bad_epochs += 1
            if self.bad_epochs > self.patience:
                self.optimizer.lr = max(self.optimizer.lr * self.factor, self.min_lr)
                self.bad_epochs = 0
        return self.optimizer.lr
