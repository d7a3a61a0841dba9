"""One table of test functions, each runnable on floats and through the engine.

Every entry gives the operation applied to Values, the same function on plain floats
(the forward oracle), its derivative in closed form (the first gradient oracle), and the
interval its inputs are drawn from, kept away from kinks and domain edges. Central
differences (``gradcheck``) are the second, independent gradient oracle.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from autograd import Value


@dataclass(frozen=True)
class Unary:
    name: str
    on_value: Callable[[Value], Value]
    on_float: Callable[[float], float]
    derivative: Callable[[float], float]
    low: float = -5.0
    high: float = 5.0
    avoid: tuple = ()  # points (kinks) to stay away from


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


UNARY = [
    Unary("neg", lambda v: -v, lambda x: -x, lambda x: -1.0),
    Unary("abs", abs, abs, lambda x: math.copysign(1.0, x), avoid=(0.0,)),
    Unary("exp", Value.exp, math.exp, math.exp),
    Unary("log", Value.log, math.log, lambda x: 1 / x, low=0.1, high=20.0),
    Unary("sqrt", Value.sqrt, math.sqrt, lambda x: 0.5 / math.sqrt(x), low=0.1, high=20.0),
    Unary("tanh", Value.tanh, math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    Unary("sigmoid", Value.sigmoid, _sig, lambda x: _sig(x) * (1 - _sig(x))),
    Unary("relu", Value.relu, lambda x: max(x, 0.0), lambda x: 1.0 if x > 0 else 0.0,
          avoid=(0.0,)),
    Unary("leaky_relu", Value.leaky_relu, lambda x: x if x > 0 else 0.01 * x,
          lambda x: 1.0 if x > 0 else 0.01, avoid=(0.0,)),
    Unary("leaky_relu(0.2)", lambda v: v.leaky_relu(0.2), lambda x: x if x > 0 else 0.2 * x,
          lambda x: 1.0 if x > 0 else 0.2, avoid=(0.0,)),
    Unary("softplus", Value.softplus, lambda x: math.log1p(math.exp(x)), _sig),
    Unary("softsign", Value.softsign, lambda x: x / (1 + abs(x)),
          lambda x: 1 / (1 + abs(x)) ** 2, avoid=(0.0,)),
    Unary("hardtanh", Value.hardtanh, lambda x: min(1.0, max(-1.0, x)),
          lambda x: 1.0 if -1 < x < 1 else 0.0, avoid=(-1.0, 1.0)),
    Unary("step", Value.step, lambda x: 1.0 if x > 0 else 0.0, lambda x: 0.0, avoid=(0.0,)),
    Unary("sign", Value.sign, lambda x: math.copysign(1.0, x), lambda x: 0.0, avoid=(0.0,)),
    Unary("square", lambda v: v**2, lambda x: x**2, lambda x: 2 * x),
    Unary("cube", lambda v: v**3, lambda x: x**3, lambda x: 3 * x**2),
    Unary("pow -1.5", lambda v: v**-1.5, lambda x: x**-1.5, lambda x: -1.5 * x**-2.5,
          low=0.2, high=10.0),
    Unary("2 ** x", lambda v: 2**v, lambda x: 2**x, lambda x: 2**x * math.log(2)),
    Unary("x + 3", lambda v: v + 3, lambda x: x + 3, lambda x: 1.0),
    Unary("3 - x", lambda v: 3 - v, lambda x: 3 - x, lambda x: -1.0),
    Unary("x - 3", lambda v: v - 3, lambda x: x - 3, lambda x: 1.0),
    Unary("2.5 * x", lambda v: 2.5 * v, lambda x: 2.5 * x, lambda x: 2.5),
    Unary("x / 4", lambda v: v / 4, lambda x: x / 4, lambda x: 0.25),
    Unary("4 / x", lambda v: 4 / v, lambda x: 4 / x, lambda x: -4 / x**2, low=0.2, high=10.0),
    Unary("max(x, 1, -x)", lambda v: Value.max([v, Value(1.0), -v]),
          lambda x: max(x, 1.0, -x), lambda x: 0.0 if abs(x) < 1 else math.copysign(1.0, x),
          avoid=(-1.0, 1.0)),
    Unary("min(x, 1)", lambda v: Value.min([v, 1.0]), lambda x: min(x, 1.0),
          lambda x: 1.0 if x < 1 else 0.0, avoid=(1.0,)),
    Unary("sum(x, 2x, 3)", lambda v: Value.sum([v, 2 * v, 3]), lambda x: 3 * x + 3,
          lambda x: 3.0),
]


@dataclass(frozen=True)
class Binary:
    name: str
    on_value: Callable[[Value, Value], Value]
    on_float: Callable[[float, float], float]
    derivatives: Callable[[float, float], tuple]
    low: float = -5.0
    high: float = 5.0
    nonzero_second: bool = False


BINARY = [
    Binary("x + y", lambda a, b: a + b, lambda x, y: x + y, lambda x, y: (1.0, 1.0)),
    Binary("x - y", lambda a, b: a - b, lambda x, y: x - y, lambda x, y: (1.0, -1.0)),
    Binary("x * y", lambda a, b: a * b, lambda x, y: x * y, lambda x, y: (y, x)),
    Binary("x / y", lambda a, b: a / b, lambda x, y: x / y,
           lambda x, y: (1 / y, -x / y**2), nonzero_second=True),
    Binary("x ** y", lambda a, b: a**b, lambda x, y: x**y,
           lambda x, y: (y * x ** (y - 1), x**y * math.log(x)), low=0.2, high=3.0),
    Binary("max(x, y)", lambda a, b: Value.max([a, b]), max,
           lambda x, y: (1.0, 0.0) if x >= y else (0.0, 1.0)),
    Binary("tanh(x*y) + x", lambda a, b: (a * b).tanh() + a, lambda x, y: math.tanh(x * y) + x,
           lambda x, y: (1 + y * (1 - math.tanh(x * y) ** 2), x * (1 - math.tanh(x * y) ** 2)),
           low=-2.0, high=2.0),
    Binary("sigmoid(x) * log(y)", lambda a, b: a.sigmoid() * b.log(),
           lambda x, y: _sig(x) * math.log(y),
           lambda x, y: (_sig(x) * (1 - _sig(x)) * math.log(y), _sig(x) / y), low=0.1),
]


