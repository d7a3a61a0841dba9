"""The operation table: each operation of the engine written down once, its
forward value on floats beside its local gradients ``d out / d input``.

The local gradients use ordinary arithmetic, so the same rule runs on floats
(``backward()``) and on Values (``grad(..., create_graph=True)``); the few
helpers below pick the float or the Value form. (HIPS/autograd and JAX's
autodidax keep such a table keyed by op; PyTorch keeps ``derivatives.yaml``.)
"""

from __future__ import annotations

import copy
import math
import operator


def _is_number(x) -> bool:
    """A plain number (backward() on floats) rather than a Value (create_graph)."""
    return isinstance(x, (float, int))


# --- small float helpers used by the forward functions ----------------------


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:  # exp(1000) is +inf, as in numpy and PyTorch
        return math.inf


def sigmoid_number(x: float) -> float:
    # Two branches so that exp never overflows: for x >= 0 use 1/(1+e^-x),
    # for x < 0 use e^x/(1+e^x). Both are exact rewrites of 1/(1+e^-x).
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus(x: float) -> float:
    # ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|): no overflow for large |x|.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError(
            f"log: expected a positive number, got {x!r} "
            "(log(0) is -inf; for losses use the stable forms in nn.losses)"
        )
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0:
        raise ValueError(f"sqrt: expected a number >= 0, got {x!r}")
    return math.sqrt(x)


def _div(x: float, y: float) -> float:
    if y == 0:
        raise ZeroDivisionError(f"div: division by zero ({x!r} / {y!r})")
    return x / y


def _pow(x: float, k: float) -> float:
    if x == 0 and k < 0:
        raise ZeroDivisionError(f"pow: 0.0 cannot be raised to the negative power {k!r}")
    if x < 0 and math.isfinite(k) and k != int(k):  # ±inf, nan: C's pow, as torch
        raise ValueError(
            f"pow: a negative base ({x!r}) to a non-integer power ({k!r}) is not a real number"
        )
    try:
        return x**k
    except OverflowError:  # 10.0 ** 400 is +inf, like exp
        return math.inf if x > 0 or k % 2 == 0 else -math.inf


# --- helpers used by the local-gradient rules -------------------------------
# A rule receives floats during backward() and Values during
# grad(..., create_graph=True); these dispatch to the right implementation.


def number(x):
    """The number a rule branches on: ``x`` itself in backward(), the Value's ``.data``
    under create_graph=True. Every rule that branches (abs at 0, relu's kink, ``x ** y``
    at x = 0) branches on this, never on ``x`` itself: ``==`` on Values is identity
    (``x == 0`` was never true under create_graph, so abs''(0) came out 1), and
    ``.data`` refuses a per-sample number while compiling. Whichever side is taken, its
    value is differentiable again: a constant (relu's 0 or 1) has derivative 0."""
    return x if isinstance(x, (float, int)) else x.data


def _sign(x: float) -> float:
    # abs'(x): 1, -1, 0 at 0 (as PyTorch's sgn), NaN stays NaN
    return 1.0 if x > 0 else (-1.0 if x < 0 else (0.0 if x == 0 else x))


def _rule_pow(x, k):
    """x ** k in a local-gradient rule: a number too large for a float is ±inf, as
    in the forward pass (10.0 ** 399 in the gradient of 10.0 ** 400); 0.0 ** -1
    still raises: that gradient is not defined."""
    if not (_is_number(x) and _is_number(k)):
        return x ** k
    try:
        return x ** k
    except OverflowError:
        return math.inf if x > 0 or k % 2 == 0 else -math.inf


def _rule_log(x):
    return math.log(x) if _is_number(x) else x.log()


def _rule_sigmoid(x):
    return sigmoid_number(x) if _is_number(x) else x.sigmoid()


def _rule_exp(x):
    return math.exp(x) if _is_number(x) else x.exp()


def _nan_or(pick, xs):
    """max/min of the inputs, or the first NaN among them (as torch.max): Python's
    own max([nan, 1]) and max([1, nan]) disagree."""
    for x in xs:
        if x != x:
            return x
    return pick(xs)


def _logsumexp(xs) -> float:
    # log sum_i e^{x_i} = m + log sum_i e^{x_i - m} with m = max x_i: no overflow. The
    # maximum is _nan_or's: Python's max([inf, nan]) is inf but max([nan, inf]) nan.
    m = _nan_or(max, xs)
    if math.isinf(m):
        return m
    return m + math.log(sum(math.exp(x - m) for x in xs))


def _rule_pow_log(x, out):
    # d/dy x**y = x**y * ln x. At x = 0 the limit is 0 (for y > 0), a constant, so its
    # own derivatives are 0; for x < 0 the real-valued power has no derivative in y: nan,
    # as PyTorch returns, written as out * nan so that its derivatives are nan too.
    n = number(x)
    if n > 0:
        return out * _rule_log(x)
    return 0.0 if n == 0 else out * math.nan


def _first_index_of(xs, target) -> int:
    # max/min send the gradient to the first input that attains the extreme.
    nan = target != target  # a NaN output came from the first NaN input
    for i, x in enumerate(xs):
        if x == target or (nan and x != x):
            return i
    raise ValueError("max/min: the output is not one of the inputs (was .data changed?)")


def _one_hot_local(xs, out):
    hit = _first_index_of([number(x) for x in xs], number(out))
    return tuple(1.0 if i == hit else 0.0 for i in range(len(xs)))


# --- the operation table ------------------------------------------------------


# How backward() applies an op's local gradients (``Op.rule``): the sums pass the upstream
# gradient on unchanged; a product's local gradients are each other's number; the others
# call their rule.
FAN_OUT, PRODUCT, UNARY, BINARY, NARY = range(5)


def _product_local(x, y, out):
    # d(x y)/dx = y, d(x y)/dy = x
    return (y, x)


class Op:
    """One operation: its name, forward function and local-gradient rule.

    ``arity`` is 1 (unary), 2 (binary) or 0 (n-ary). Signatures:

    - unary:  ``forward(x, arg) -> out``,  ``local(x, out, arg) -> d``
    - binary: ``forward(x, y) -> out``,   ``local(x, y, out) -> (dx, dy)``
    - n-ary:  ``forward(xs) -> out``,     ``local(xs, out) -> (d0, d1, ...)``

    ``arg`` is a constant of the operation (the exponent of ``x ** 3``, the slope
    of ``leaky_relu``); it is ``None`` for the others, and ``row`` is the table's op it
    was bound from (itself for the table's own): every other table that says something
    about an op (the array rules of ``autograd.compile``, ``nn``'s activations) is keyed
    by that object. ``fan_out`` marks the sums,
    whose local gradients are all 1 ("sum forward, fan-out backward"): backward()
    then copies the upstream gradient to every input without calling ``local``; ``rule``
    says so (``FAN_OUT``), or ``PRODUCT`` for ``x * y``, whose local gradients are each
    other's number (multiplied in directly), else ``UNARY``/``BINARY``/``NARY``.
    This table plays the role of PyTorch's ``derivatives.yaml`` or of JAX's rule
    registries.

    A node does not hold the table's op itself but a copy ``bound(stamp)`` that also
    carries the data version the node was made at (``stamp``: what tells a stale graph)
    and, for a node given a label, that label: one copy is shared by every node made
    between two changes of a leaf's ``.data``, so a node needs no slot of its own for
    either. ``origin`` is the op a copy was made from (itself for the table's own).
    """

    __slots__ = ("name", "arity", "forward", "local", "arg", "fan_out", "row", "rule",
                 "origin", "stamp", "label", "bound")

    def __init__(self, name, arity, forward, local, arg=None, fan_out=False, row=None):
        self.name, self.arity, self.forward, self.local = name, arity, forward, local
        self.arg, self.fan_out = arg, fan_out
        self.row = self if row is None else row
        self.rule = FAN_OUT if fan_out else PRODUCT if local is _product_local else \
            (NARY, UNARY, BINARY)[arity]
        self.origin, self.stamp, self.label, self.bound = self, -1, "", self

    def with_arg(self, arg) -> Op:
        """The same operation with a constant bound (``pow`` with exponent 3)."""
        return _op_with_arg(self, arg)

    def bind(self, stamp: int) -> Op:
        """The copy that nodes made at data version ``stamp`` share (kept as ``bound``
        until the version changes)."""
        bound = copy.copy(self.origin)
        bound.stamp, bound.label, bound.bound = stamp, "", None
        self.origin.bound = bound
        return bound

    def labelled(self, label) -> Op:
        """A copy of this node's op carrying a node's label (one node's own)."""
        copied = copy.copy(self)
        copied.label, copied.bound = label, None
        return copied

    def __repr__(self) -> str:
        return f"Op({self.name!r})" if self.arg is None else f"Op({self.name!r}, arg={self.arg!r})"


_OPS_WITH_ARG: dict = {}


def _op_with_arg(op: Op, arg) -> Op:
    key = (op.name, arg)
    bound = _OPS_WITH_ARG.get(key)
    if bound is None:
        bound = Op(op.name, op.arity, op.forward, op.local, arg, op.fan_out, op.row)
        if len(_OPS_WITH_ARG) < 4096:  # a few distinct constants are shared, not one per node
            _OPS_WITH_ARG[key] = bound
    return bound


# name        arity  forward                                  local gradient(s)
ADD = Op("+", 2, operator.add, lambda x, y, out: (1.0, 1.0), fan_out=True)
SUM = Op("sum", 0, sum, lambda xs, out: (1.0,) * len(xs), fan_out=True)
SUB = Op("-", 2, operator.sub, lambda x, y, out: (1.0, -1.0))
MUL = Op("*", 2, operator.mul, _product_local)
DIV = Op("/", 2, _div, lambda x, y, out: (1.0 / y, -out / y))
POW = Op("**", 2, _pow,  # d/dx x**y at y = 0 is 0, also at x = 0 (0 ** 0 = 1, as torch)
         lambda x, y, out: (0.0 if number(y) == 0 else y * _rule_pow(x, y - 1),
                            _rule_pow_log(x, out)))
MAX = Op("max", 0, lambda xs: _nan_or(max, xs), _one_hot_local)
MIN = Op("min", 0, lambda xs: _nan_or(min, xs), _one_hot_local)
LOGSUMEXP = Op("logsumexp", 0, _logsumexp,  # local gradients: the softmax e^{x_i - out}
               lambda xs, out: tuple(_rule_exp(x - out) for x in xs))

NEG = Op("neg", 1, lambda x, a: -x, lambda x, out, a: -1.0)
POWC = Op("**", 1, _pow, lambda x, out, k: k * _rule_pow(x, k - 1) if k != 0 else 0.0)
ABS = Op("abs", 1, lambda x, a: abs(x),  # abs'(0) := 0; NaN in, NaN out
         lambda x, out, a: _sign(number(x)))
EXP = Op("exp", 1, lambda x, a: _exp(x), lambda x, out, a: out)
LOG = Op("log", 1, lambda x, a: _log(x), lambda x, out, a: 1.0 / x)
SQRT = Op("sqrt", 1, lambda x, a: _sqrt(x), lambda x, out, a: 0.5 / out)
TANH = Op("tanh", 1, lambda x, a: math.tanh(x), lambda x, out, a: 1.0 - out * out)
SIGMOID = Op("sigmoid", 1, lambda x, a: sigmoid_number(x), lambda x, out, a: out * (1.0 - out))
# The ReLU family tests x <= 0, so a NaN passes through (value NaN, local gradient
# 1), as in PyTorch: a NaN is never turned into a clean 0.
RELU = Op("relu", 1, lambda x, a: 0.0 if x <= 0 else x,
          lambda x, out, a: 0.0 if number(x) <= 0 else 1.0)  # relu'(0) := 0, as PyTorch
LEAKY_RELU = Op("leaky_relu", 1, lambda x, alpha: alpha * x if x <= 0 else x,
                lambda x, out, alpha: alpha if number(x) <= 0 else 1.0)  # slope alpha at 0
SOFTPLUS = Op("softplus", 1, lambda x, a: _softplus(x), lambda x, out, a: _rule_sigmoid(x))
SOFTSIGN = Op("softsign", 1, lambda x, a: x / (1.0 + abs(x)),
              lambda x, out, a: 1.0 / ((1.0 + abs(x)) * (1.0 + abs(x))))
HARDTANH = Op("hardtanh", 1, lambda x, a: -1.0 if x < -1 else (1.0 if x > 1 else x),
              lambda x, out, a: 1.0 if -1 < number(x) < 1 else 0.0)  # 0 at the corners
STEP = Op("step", 1, lambda x, a: 1.0 if x > 0 else (0.0 if x <= 0 else x),  # NaN stays
          lambda x, out, a: 0.0)
SIGN = Op("sign", 1, lambda x, a: _sign(x), lambda x, out, a: 0.0)

ALL_OPS = (ADD, SUM, SUB, MUL, DIV, POW, MAX, MIN, LOGSUMEXP, NEG, POWC, ABS, EXP, LOG, SQRT,
           TANH, SIGMOID, RELU, LEAKY_RELU, SOFTPLUS, SOFTSIGN, HARDTANH, STEP, SIGN)
# The unary ops a neuron may use as its activation (``nn``'s ACTIVATIONS and its PyTorch
# maps are made from this list): each is also a method of Value, ``Value.relu`` ...
ACTIVATION_OPS = (RELU, TANH, SIGMOID, LEAKY_RELU, SOFTPLUS, SOFTSIGN, HARDTANH, STEP, SIGN)
