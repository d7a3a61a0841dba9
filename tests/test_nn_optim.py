"""Optimizers and schedules: update formulas, momentum on Rosenbrock, Adam, lr sequences."""

import math

import pytest

from autograd import Value
from nn.optim import SGD, Adam, ConstantLR, InverseTimeLR, LinearLR, ReduceLROnPlateau, StepLR


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def steps_to_reach_minimum(optimizer_factory, max_steps=20000, radius=0.05):
    x, y = Value(-1.5), Value(2.0)
    opt = optimizer_factory([x, y])
    for step in range(1, max_steps + 1):
        opt.zero_grad()
        rosenbrock(x, y).backward()
        opt.step()
        if math.hypot(x.data - 1, y.data - 1) < radius:
            return step
    return None


def test_momentum_reaches_the_rosenbrock_minimum_in_fewer_steps():
    plain = steps_to_reach_minimum(lambda p: SGD(p, lr=1e-3))
    momentum = steps_to_reach_minimum(lambda p: SGD(p, lr=1e-3, momentum=0.9))
    nesterov = steps_to_reach_minimum(lambda p: SGD(p, lr=1e-3, momentum=0.9, nesterov=True))
    assert momentum is not None and plain is not None
    assert momentum < plain / 3
    assert nesterov is not None and nesterov < plain / 3


def test_adam_reaches_the_rosenbrock_minimum():
    assert steps_to_reach_minimum(lambda p: Adam(p, lr=0.02)) is not None


def test_sgd_update_formula_with_momentum_and_weight_decay():
    w = Value(2.0)
    opt = SGD([w], lr=0.1, momentum=0.5, weight_decay=0.01)
    w.grad = 3.0
    opt.step()  # v = -0.1 * (3 + 0.02) ; w = 2 + v
    v1 = -0.1 * (3.0 + 0.01 * 2.0)
    assert w.data == pytest.approx(2.0 + v1, rel=1e-15)
    w_before = w.data
    opt.step()  # same grad again
    v2 = 0.5 * v1 - 0.1 * (3.0 + 0.01 * w_before)
    assert w.data == pytest.approx(w_before + v2, rel=1e-15)


def test_adam_first_step_moves_by_lr():
    w = Value(1.0)
    opt = Adam([w], lr=0.01)
    w.grad = 123.0
    opt.step()  # bias-corrected: m/sqrt(v) = sign(g)
    assert w.data == pytest.approx(1.0 - 0.01, rel=1e-7)


def test_zero_grad():
    a = Value(1.0)
    a.grad = 5.0
    SGD([a], lr=0.1).zero_grad()
    assert a.grad == 0.0


@pytest.mark.parametrize("make,match", [
    (lambda: SGD([], lr=0.1), "empty"),
    (lambda: SGD([1.0], lr=0.1), "not a Value"),
    (lambda: SGD([Value(1.0) * 2], lr=0.1), "leaves"),
    (lambda: SGD([Value(1.0)], lr=-1), "lr must be > 0"),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=2), "momentum"),
    (lambda: SGD([Value(1.0)], lr=0.1, nesterov=True), "nesterov"),
    (lambda: Adam([Value(1.0)], betas=(0.9, 1.5)), "betas"),
])
def test_bad_optimizer_arguments(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def _lrs(schedule, n, metrics=None):
    out = [schedule.lr]
    for i in range(n):
        schedule.step(None if metrics is None else metrics[i])
        out.append(schedule.lr)
    return out


def _opt(lr=0.8):
    return SGD([Value(0.0)], lr=lr)


def test_schedules_follow_their_formulas():
    assert _lrs(ConstantLR(_opt()), 3) == [0.8] * 4
    assert _lrs(StepLR(_opt(), step_size=2), 5) == [0.8, 0.8, 0.4, 0.4, 0.2, 0.2]
    assert _lrs(InverseTimeLR(_opt(), a=1.0, b=2.0), 3) == [1 / 2, 1 / 3, 1 / 4, 1 / 5]
    assert _lrs(LinearLR(_opt(), 1.0, 0.0, total_epochs=4), 5) == [1, 0.75, 0.5, 0.25, 0, 0]


def test_reduce_on_plateau_halves_after_patience():
    s = ReduceLROnPlateau(_opt(1.0), patience=2)
    lrs = _lrs(s, 7, metrics=[1.0, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5])
    assert lrs == [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    with pytest.raises(ValueError, match="metric"):
        s.step()


def test_schedule_drives_the_optimizer():
    opt = _opt(1.0)
    StepLR(opt, step_size=1).step()
    assert opt.lr == 0.5
