"""The engine: a scalar ``Value``, the operations it records, and the backward pass.

Every arithmetic operation on ``Value`` objects creates a new node that remembers
its inputs (its *parents*, in order) and which operation made it. ``backward()``
then visits the graph in reverse topological order and applies the chain rule at
each node::

    gradient reaching an input  +=  upstream gradient  x  local gradient

Each operation is written down exactly once, in the table of ``ops.py``: its
forward value on floats next to its local gradients ``d out / d input``. The local
gradients are written with ordinary arithmetic, so the same rule runs on floats
(``backward()``) and on Values (``grad(..., create_graph=True)``, which builds a
graph of the gradient itself for second derivatives).
"""

from __future__ import annotations

import functools
import inspect
import numbers
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from . import _internal
from .ops import (  # the operation table
    ABS,
    ADD,
    BINARY,
    DIV,
    EXP,
    FAN_OUT,
    HARDTANH,
    LEAKY_RELU,
    LOG,
    LOGSUMEXP,
    MAX,
    MIN,
    MUL,
    NEG,
    POW,
    POWC,
    PRODUCT,
    RELU,
    SIGMOID,
    SIGN,
    SOFTPLUS,
    SOFTSIGN,
    SQRT,
    STEP,
    SUB,
    SUM,
    TANH,
    UNARY,
    Op,
)

try:  # Python's cyclic collector need not rescan nodes: they cannot be in a cycle
    from ._untrack import acyclic, node_class
except ImportError:  # built without a C compiler, or on Pyodide: the collector scans them
    acyclic = node_class = None

__all__ = [
    "Value",
    "Op",
    "apply",
    "StaleGraphError",
    "TracingError",
    "topological_order",
    "no_grad",
    "is_grad_enabled",
    "zero_grad",
    "assign_data",
    "vsum",
    "vmax",
    "vmin",
]


class StaleGraphError(RuntimeError):
    """A Value's ``.data`` was assigned after the graph that uses it was built.

    PyTorch raises a similar error ("one of the variables needed for gradient
    computation has been modified by an inplace operation").
    """


class TracingError(RuntimeError):
    """A compiled function used a number that changes from sample to sample as
    if it were fixed (``if v.data > 0``, ``float(v)``, ``no_grad``), so the
    recorded graph could not replay it over a batch. ``torch.jit.trace`` warns
    about the same thing; JAX raises ``ConcretizationTypeError``."""


# --- recording state ----------------------------------------------------------

# Incremented on every assignment to a leaf's .data; each node is stamped with the
# value current when it was made, so backward() can tell a stale graph.
_data_version = 0


class _Modes(threading.local):
    """What this thread is doing: recording operations (grad mode) and compiling
    (a trace). Per thread, as PyTorch keeps grad mode: one thread's ``no_grad()``
    or trace never changes what another thread records or reads. The class
    attributes are every new thread's starting values."""

    grad_enabled = True
    tracing = None  # the _Trace this thread is recording, if any


_modes = _Modes()
# How many threads are in a non-default mode right now (inside no_grad(), or
# tracing). While both are 0 — training, the usual case — the hot paths skip the
# per-thread lookup, which costs more than the rest of making a node.
_threads_without_grad = 0
_threads_tracing = 0
_mode_lock = threading.Lock()


def _count_mode(kind: str, delta: int) -> None:
    global _threads_without_grad, _threads_tracing
    with _mode_lock:
        if kind == "no_grad":
            _threads_without_grad += delta
        else:
            _threads_tracing += delta


def _set_grad_mode(enabled: bool) -> bool:
    """Record or not in this thread from now on, keeping the count of threads that do
    not; returns the mode before (to set back). no_grad, grad_mode and tracing use it."""
    previous = _modes.grad_enabled
    if previous != enabled:
        _modes.grad_enabled = enabled
        _count_mode("no_grad", -1 if enabled else +1)
    return previous


class _Trace:
    """What ``autograd.compile`` is recording: nodes stamped at or after ``start``
    (made during the trace) and the ``placeholders`` stand for a whole batch."""

    __slots__ = ("start", "placeholders", "reads", "checks")

    def __init__(self, placeholders, start: int):
        self.start, self.placeholders = start, frozenset(placeholders)
        self.reads = {}  # parameter -> its stamp, for each parameter whose number was read
        self.checks = []  # (placeholders, predicate, message): conditions on every batch


@contextmanager
def tracing(placeholders: Iterable[Value]) -> Iterator[_Trace]:
    """Record a function on ``placeholders`` for replay over a batch: inside,
    reading the number of a placeholder or of anything computed from one raises
    ``TracingError`` (the number would be the first sample's, baked into the replay)."""
    modes = _modes
    if modes.tracing is not None:
        raise TracingError("autograd.compile: already tracing (compile calls can't be nested)")
    stamp = new_data_version()
    placeholders = list(placeholders)
    for p in placeholders:
        p._x = stamp  # a leaf's stamp
    trace = modes.tracing = _Trace(placeholders, stamp)
    _count_mode("tracing", +1)
    recording = _set_grad_mode(True)  # a trace records, even under no_grad()
    try:
        yield trace
    finally:
        modes.tracing = None
        _count_mode("tracing", -1)
        _set_grad_mode(recording)


def current_trace() -> _Trace | None:
    """The trace this thread is recording for ``autograd.compile``, or None."""
    return _modes.tracing if _threads_tracing else None


def _read(v: Value, how: str) -> float:
    """``v``'s number, unless this thread is tracing and the number is per-sample."""
    t = _modes.tracing if _threads_tracing else None
    if t is None:
        return v._data
    if v._op is None and v._x < t.start:  # _x: a leaf's stamp
        t.reads[v] = v._x  # a parameter's number went into the trace: replay checks it
    elif v._op is not None or v in t.placeholders:
        raise TracingError(
            f"while compiling, the code {how} a Value computed from the inputs "
            f"({v._describe()}: that number is only the first sample's). Python branches "
            "and arithmetic on .data "
            "can't be replayed over a batch; use recorded ops instead: relu, abs, step, "
            "Value.max/min, logsumexp ... See help(autograd.compile)."
        )
    return v._data


def is_grad_enabled() -> bool:
    """Whether this thread records new operations (``torch.is_grad_enabled``)."""
    return _modes.grad_enabled


class no_grad:
    """Do not record operations in this thread inside this block (``torch.no_grad``).

    Values computed inside are leaves: use it for inference, plotting and
    parameter updates. Usable as ``with no_grad():``, or as a decorator with or
    without parentheses (``@no_grad()``, ``@no_grad``); on a generator function it
    covers the generator's body, each time it resumes, as torch's decorator does.
    Other threads keep recording.
    """

    def __new__(cls, func=None):
        if func is None:
            return super().__new__(cls)
        if not callable(func):
            raise TypeError(f"no_grad takes no arguments (or decorates a function), got "
                            f"{type(func).__name__}")
        return cls()(func)  # @no_grad without parentheses

    def __init__(self, func=None):
        self._previous = []

    def __enter__(self) -> None:
        self._previous.append(_set_grad_mode(False))

    def __exit__(self, *exc) -> bool:
        _set_grad_mode(self._previous.pop())
        return False

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):
            return _without_grad_each_step(func)

        @functools.wraps(func)
        def without_grad(*args, **kwargs):
            with no_grad():
                return func(*args, **kwargs)

        return without_grad


def _without_grad_each_step(func):
    """A generator function whose body runs under no_grad() every time it resumes (what
    ``torch.no_grad`` does to a generator); between steps the caller's mode holds."""

    @functools.wraps(func)
    def steps(*args, **kwargs):
        gen = func(*args, **kwargs)
        try:
            with no_grad():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with no_grad():
                        gen.close()
                    raise
                except BaseException as e:  # thrown in by the caller: into the body
                    with no_grad():
                        response = gen.throw(e)
                else:
                    with no_grad():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value

    return steps


@contextmanager
def grad_mode(enabled: bool) -> Iterator[None]:
    """Record (``True``) or not (``False``) in this thread inside the block, whatever the
    mode around it (``torch.set_grad_enabled``): ``grad(create_graph=True)`` builds the
    gradient's graph even inside ``no_grad()``, as torch's does."""
    previous = _set_grad_mode(enabled)
    try:
        yield
    finally:
        _set_grad_mode(previous)


def as_number(x, what: str = "Value: data") -> float:
    """Turn an int, float, bool or numpy scalar into a float; reject the rest, naming the
    argument (``what``)."""
    cls = x.__class__
    if cls is float:
        return x
    try:
        if cls is int or cls is bool:
            return float(x)
        if isinstance(x, numbers.Real) and not isinstance(x, Value):
            return float(x)
    except OverflowError:  # float(10**400): a raw OverflowError otherwise
        raise ValueError(f"{what} must fit in a float (|x| < 1.8e308), got an int of "
                         f"{int(x).bit_length()} bits") from None
    if type(x).__module__ == "numpy" and getattr(x, "shape", None) == () and \
            type(x).__name__ != "ndarray" and x.dtype.kind in "biuf":
        return float(x)  # numpy bool_ is not registered as numbers.Real
    raise TypeError(
        f"{what} must be a real number (int, float, bool or numpy scalar), "
        f"got {type(x).__name__}: {x!r:.60}"
    )


_new = object.__new__


def make_node(data: float, op: Op, x, y=None) -> Value:
    """Make the output node of ``op`` on input ``x`` (and ``y``; for an n-ary op ``x``
    is the tuple of inputs). Bypasses ``Value.__init__``'s checks. (The operator
    methods below make their nodes the same way, inline: it is the hot path.)"""
    node = _new(Value)
    node._data = data
    node.grad = 0.0
    if not _threads_without_grad or _modes.grad_enabled:
        op = op.origin
        bound = op.bound
        node._op = bound if bound.stamp == _data_version else op.bind(_data_version)
        node._x = x
        if y is not None:
            node._y = y
            if acyclic and op.__class__ is Op:  # the table's ops hold only numbers
                acyclic(node, x, y)
        elif acyclic and op.__class__ is Op:
            acyclic(node, x)
    else:
        if _threads_tracing and _modes.tracing is not None:
            raise TracingError("no_grad() inside a function being compiled: its results would be "
                               "recorded as constants of the first sample. Move it outside.")
        node._op, node._x, node._y = None, _data_version, ""  # a leaf: its stamp and label
        if acyclic:
            acyclic(node)
    return node


def _coerce(other):
    """A Value for ``other`` if it is a real number, else NotImplemented."""
    if isinstance(other, Value):
        return other
    try:
        return Value(other)
    except TypeError:
        return NotImplemented


def _binary_method(op: Op, formula: str, reflected: bool = False):
    """Make the operator method (``__mul__``, ``__rmul__``, ...) of a binary op. The
    node is made inline (what make_node does): an operator is most of a forward pass."""
    forward = op.forward

    def method(self, other):
        if other.__class__ is not Value:
            other = _coerce(other)
            if other is NotImplemented:
                return other
        if _threads_without_grad:  # some thread is in no_grad(): maybe this one
            return make_node(forward(self._data, other._data), op, self, other)
        node = _new(Value)
        node._data = forward(self._data, other._data)
        node.grad = 0.0
        bound = op.bound
        node._op = bound if bound.stamp == _data_version else op.bind(_data_version)
        node._x = self
        node._y = other
        if acyclic:
            acyclic(node, self, other)
        return node

    def reflected_method(self, other):  # other (op) self: the same node, inputs swapped
        if other.__class__ is not Value:
            other = _coerce(other)
            if other is NotImplemented:
                return other
        return method(other, self)

    made = reflected_method if reflected else method
    made.__doc__ = f"{formula} (op {op.name!r}), where self is x"
    return made


def _unary_method(op: Op, doc: str):
    """Make the method (``relu``, ``tanh``, ...) of a unary op of the table, its node made
    inline as the operators' are."""
    forward, arg = op.forward, op.arg

    def method(self):
        if _threads_without_grad:
            return make_node(forward(self._data, arg), op, self)
        node = _new(Value)
        node._data = forward(self._data, arg)
        node.grad = 0.0
        bound = op.bound
        node._op = bound if bound.stamp == _data_version else op.bind(_data_version)
        node._x = self
        if acyclic:
            acyclic(node, self)
        return node

    method.__doc__ = doc
    return method


def _unpickled_leaf(data, grad, label):
    """A pickled Value comes back as a leaf made now (``Tensor``'s pickle keeps no
    graph either): its stamp is this process's, never one from another process."""
    v = Value(data)
    v.grad, v._y = grad, label
    return v


class Value:
    """A scalar that remembers how it was computed (``torch.Tensor`` of shape ``()``).

    ``data`` is the number, ``grad`` the derivative of the last ``backward()``
    root with respect to it.

    Semantics worth knowing:

    - ``==``, ``!=`` and ``hash`` are by identity, so Values work as dict keys
      and in sets; compare numbers with ``a.data == b.data``.
    - ``<``, ``<=``, ``>``, ``>=`` compare ``.data`` and return a plain ``bool``
      (not recorded), so ``max(values)`` and ``sorted`` work; ``bool(v)`` is
      ``v.data != 0``.
    - Assigning ``.data`` is allowed on leaves only (inputs and parameters). A
      graph built before the assignment raises ``StaleGraphError`` on
      ``backward()`` instead of mixing old and new numbers.
    """

    # Five slots, 72 bytes (with the collector's header): the number, its gradient, the
    # op that made it and its inputs in _x and _y (one or two; an n-ary op keeps its tuple
    # in _x), not in a tuple per node. A leaf has no inputs: its _x holds its stamp (the
    # data version of its last assignment) and _y its label; a computed node's stamp and
    # label travel with its op (see Op: one copy of the op per data version is shared).
    __slots__ = ("_data", "grad", "_op", "_x", "_y")
    __array_ufunc__ = None  # numpy scalars defer to our reflected operators

    def __init__(self, data, label: str = ""):
        self._data = as_number(data)
        self.grad = 0.0
        self._op = None
        self._x = _data_version
        self._y = str(label)
        if acyclic:
            acyclic(self)

    def __reduce__(self):
        return _unpickled_leaf, (self._data, self.grad, self.label)

    # -- the number, and what made it --------------------------------------------------
    @property
    def data(self) -> float:
        if not _threads_tracing:
            return self._data
        return _read(self, "read .data of")

    @data.setter
    def data(self, value) -> None:
        if self._op is not None:
            raise AttributeError(
                f"can't assign .data of a computed Value ({self._describe()}): it must stay "
                "equal to its operation's result. Assign to a leaf (an input or parameter) "
                "and run the forward pass again, or start a new leaf with Value(v.data)."
            )
        self._data = as_number(value, "Value.data")
        self._x = new_data_version()

    @property
    def label(self) -> str:
        """A name for drawings and tables (``''``: none)."""
        op = self._op
        return self._y if op is None else op.label

    @label.setter
    def label(self, value) -> None:
        if value is None:  # no label
            value = ""
        elif not isinstance(value, str):  # (a list holding the node would hide a cycle)
            raise TypeError(f"Value.label must be a str, got {type(value).__name__}: "
                            f"{value!r:.40}")
        op = self._op
        if op is None:
            self._y = value
        elif op.label != value:
            self._op = op.labelled(value)

    @property
    def _stamp(self) -> int:
        """The data version when this Value was made (a leaf: when its .data was last
        assigned). A node older than one of its leaves belongs to a stale graph."""
        op = self._op
        return self._x if op is None else op.stamp

    @property
    def parents(self) -> tuple:
        """The inputs of the operation that made this Value, in order.

        PyTorch keeps them in ``grad_fn.next_functions``."""
        op = self._op
        if op is None:
            return ()
        if op.arity == 0:
            return self._x
        return (self._x,) if op.arity == 1 else (self._x, self._y)

    @property
    def op(self) -> str:
        """Name of the operation that made this Value; ``''`` for a leaf."""
        return "" if self._op is None else self._op.name

    @property
    def op_arg(self):
        """The constant of the operation (``3`` for ``x ** 3``), else ``None``."""
        return None if self._op is None else self._op.arg

    @property
    def is_leaf(self) -> bool:
        """True for Values made directly by the user (``Tensor.is_leaf``)."""
        return self._op is None

    def detach(self) -> Value:
        """A new leaf with the same number (``Tensor.detach``)."""
        return Value(self._data, self.label)

    def _describe(self) -> str:
        label = self.label
        what = f"Value {label!r}" if label else "a Value"
        how = "leaf" if self._op is None else f"op {self._op.name!r}"
        return f"{what} ({how}, data={self._data!r})"

    # -- applying operations (the methods are made from the table) --------------------
    def _unary(self, op: Op) -> Value:
        return make_node(op.forward(self._data, op.arg), op, self)

    __add__, __radd__ = _binary_method(ADD, "x + y"), _binary_method(ADD, "y + x", reflected=True)
    __sub__, __rsub__ = _binary_method(SUB, "x - y"), _binary_method(SUB, "y - x", reflected=True)
    __mul__, __rmul__ = _binary_method(MUL, "x * y"), _binary_method(MUL, "y * x", reflected=True)
    __truediv__ = _binary_method(DIV, "x / y")
    __rtruediv__ = _binary_method(DIV, "y / x", reflected=True)
    _pow_value = _binary_method(POW, "x ** y")
    __rpow__ = _binary_method(POW, "y ** x", reflected=True)

    def __pow__(self, exponent):
        """``x ** 3`` records a power with a constant exponent; ``x ** y`` with a
        Value exponent also sends a gradient to ``y`` (d/dy x^y = x^y ln x)."""
        if isinstance(exponent, Value):
            return self._pow_value(exponent)
        try:
            k = as_number(exponent, "pow: exponent")
        except TypeError:
            return NotImplemented
        return self._unary(POWC.with_arg(k))

    __neg__ = _unary_method(NEG, "-x (op 'neg')")
    __abs__ = _unary_method(ABS, "|x| (op 'abs'); its derivative at 0 is 0, as PyTorch's")
    exp = _unary_method(EXP, "e^x; a result too large for a float is inf.")
    log = _unary_method(LOG, "Natural log. ``log(0)`` and negative inputs raise ``ValueError``.")
    sqrt = _unary_method(SQRT, "Square root; negative inputs raise ``ValueError``.")
    tanh = _unary_method(TANH, "Hyperbolic tangent.")
    sigmoid = _unary_method(SIGMOID, "Logistic sigmoid 1/(1+e^-x), computed without overflow.")
    relu = _unary_method(RELU, "max(0, x). Its derivative at exactly 0 is taken to be 0 "
                               "(as PyTorch).")

    def leaky_relu(self, alpha: float = 0.01) -> Value:
        """x for x > 0, alpha*x otherwise (derivative alpha at 0)."""
        return self._unary(LEAKY_RELU.with_arg(as_number(alpha, "leaky_relu: alpha")))

    softplus = _unary_method(SOFTPLUS, "ln(1 + e^x), stable for large |x|; its derivative is "
                                       "the sigmoid.")
    softsign = _unary_method(SOFTSIGN, "x / (1 + |x|).")
    hardtanh = _unary_method(HARDTANH, "x clipped to [-1, 1]; derivative 1 inside, 0 outside "
                                       "and at +-1.")
    step = _unary_method(STEP, "Heaviside step: 1 if x > 0 else 0 (the perceptron's). Gradient "
                               "0 everywhere.")
    sign = _unary_method(SIGN, "-1, 0 or 1. Gradient 0 everywhere.")

    @staticmethod
    def sum(values: Iterable) -> Value:
        """One n-ary sum node: local gradient 1 to every input (``torch.sum``)."""
        return _nary(SUM, values, "Value.sum")

    @staticmethod
    def max(values: Iterable) -> Value:
        """One n-ary max node (maxout); the gradient goes to the first largest input."""
        return _nary(MAX, values, "Value.max")

    @staticmethod
    def min(values: Iterable) -> Value:
        """One n-ary min node; the gradient goes to the first smallest input."""
        return _nary(MIN, values, "Value.min")

    @staticmethod
    def logsumexp(values: Iterable) -> Value:
        """log(e^x1 + ... + e^xn) as one stable node (``torch.logsumexp``); its local
        gradients are the softmax of the inputs."""
        return _nary(LOGSUMEXP, values, "Value.logsumexp")

    # -- comparisons, hashing, printing -----------------------------------------------
    __hash__ = object.__hash__  # identity, like __eq__ (inherited from object)

    def __lt__(self, other):
        return _read(self, "compared") < _compare_data(other)

    def __le__(self, other):
        return _read(self, "compared") <= _compare_data(other)

    def __gt__(self, other):
        return _read(self, "compared") > _compare_data(other)

    def __ge__(self, other):
        return _read(self, "compared") >= _compare_data(other)

    def __bool__(self) -> bool:
        return _read(self, "tested the truth of") != 0

    def __format__(self, spec: str) -> str:
        return format(self._data, spec) if spec else repr(self)

    def __repr__(self) -> str:
        label = self.label
        label = f", label={label!r}" if label else ""
        return f"Value(data={self._data!r}, grad={self.grad!r}{label})"

    # -- gradients ---------------------------------------------------------------------
    def backward(self, gradient: float = 1.0) -> None:
        """Fill ``.grad`` of every Value this one depends on (``Tensor.backward``).

        Behaves like PyTorch with ``retain_graph=True``: leaves *accumulate*
        (call ``zero_grad`` between steps; a second call doubles them), while
        intermediate nodes are reset and hold this call's gradient afterwards.
        """
        with backward_pass(self, gradient) as order:
            propagate(order)


@contextmanager
def backward_pass(root: Value, gradient: float = 1.0) -> Iterator[list]:
    """The frame of every backward pass; the body propagates (``parent.grad += ...``)
    over the yielded topological order, outputs last.

    Before: every ``.grad`` in the graph is set to 0 and the root's to
    ``gradient``; leaves keep their earlier gradients aside. After: the leaves get
    them added back, so each leaf receives the pass's total in one addition (a
    second backward() doubles it exactly, as PyTorch's AccumulateGrad does). If
    anything fails, the leaves' earlier gradients are restored.
    """
    seed = as_number(gradient, "backward: gradient")
    if not isinstance(root, Value):
        raise TypeError(f"backward_pass: root must be a Value, got {type(root).__name__}")
    order, leaves, earlier, stale_possible = _walk_for_backward(root)
    try:
        if stale_possible:  # a leaf changed after some node was made: look closer
            check_not_stale(order)
        root.grad = seed
        yield order
    except BaseException:
        for leaf, g in zip(leaves, earlier):
            leaf.grad = g
        for node in order:  # no half-propagated numbers left on the computed nodes
            if node._op is not None:
                node.grad = 0.0
        raise
    for leaf, g in zip(leaves, earlier):
        leaf.grad += g


def propagate(order: list, record=None) -> None:
    """The chain rule, outputs before inputs: parent.grad += upstream × local gradient.

    This is the one loop every backward pass runs. Where the local gradient is 1
    (``+``, ``sum``, the open side of ``relu``) and the parent has no gradient yet, the
    parent receives the upstream float itself: the same number, not a copy (a
    product's terms all share their sum's gradient). With ``record``, it is called
    after each edge as ``record(node, parent, upstream, local, contribution, before)``,
    each node's parents in order: the step-through (``backward_trace``) watches this
    loop run instead of running one of its own, so the two cannot disagree.
    """
    # Kept in one piece: the loop runs once per node of every backward pass; a helper per
    # rule would cost a call per node, as much as the arithmetic it does.
    node = None
    try:
        for node in reversed(order):
            op = node._op
            if op is None:  # a leaf: nothing to pass on
                continue
            upstream = node.grad
            rule = op.rule
            if rule == PRODUCT:  # x * y: each input's local gradient is the other's number
                x, y = node._x, node._y
                if record is None:
                    x.grad = x.grad + upstream * y._data
                    y.grad = y.grad + upstream * x._data  # after x's: x * x adds twice
                    continue
                d = y._data
                contribution, before = upstream * d, x.grad
                x.grad = before + contribution
                record(node, x, upstream, d, contribution, before)
                d = x._data
                contribution, before = upstream * d, y.grad
                y.grad = before + contribution
                record(node, y, upstream, d, contribution, before)
            elif rule == FAN_OUT:  # + and sum: local gradient 1 to every input
                parents = (node._x, node._y) if op.arity == 2 else node._x
                if record is None:
                    for p in parents:
                        before = p.grad
                        p.grad = before + upstream if before else upstream
                    continue
                for p in parents:
                    before = p.grad
                    p.grad = before + upstream if before else upstream
                    record(node, p, upstream, 1.0, upstream, before)
            elif rule == UNARY:
                x = node._x
                d = op.local(x._data, node._data, op.arg)
                before = x.grad
                if d == 1.0 and not before:
                    x.grad = contribution = upstream
                else:
                    contribution = upstream * d
                    x.grad = before + contribution
                if record is not None:
                    record(node, x, upstream, d, contribution, before)
            elif rule == BINARY:
                x, y = node._x, node._y
                dx, dy = op.local(x._data, y._data, node._data)
                contribution, before = upstream * dx, x.grad
                x.grad = before + contribution
                if record is not None:
                    record(node, x, upstream, dx, contribution, before)
                contribution, before = upstream * dy, y.grad
                y.grad = before + contribution
                if record is not None:
                    record(node, y, upstream, dy, contribution, before)
            else:
                parents = node._x
                for p, d in zip(parents, op.local([p._data for p in parents], node._data)):
                    contribution = upstream * d
                    before = p.grad
                    p.grad = before + contribution
                    if record is not None:
                        record(node, p, upstream, d, contribution, before)
    except (ZeroDivisionError, OverflowError, ValueError) as e:
        raise _local_gradient_error(node, e) from e


def check_not_stale(order: list) -> None:
    """Raise StaleGraphError if a leaf's .data was assigned after a node used it.

    Every node carries the data version current when it was made (with its op), and
    a leaf whose .data is assigned gets a newer one. If no leaf is newer than the
    oldest computed node, nothing can be stale (the usual case, one pass); otherwise
    look at the edges to find the stale one, if any.
    """
    oldest = newest_leaf = -1
    for node in order:
        op = node._op
        if op is None:
            if node._x > newest_leaf:
                newest_leaf = node._x
        elif oldest < 0 or op.stamp < oldest:
            oldest = op.stamp
    if newest_leaf > oldest >= 0:
        for node in order:
            op = node._op
            if op is None:
                continue
            for parent in node.parents:
                if parent._stamp > op.stamp:
                    raise StaleGraphError(
                        f"the input {parent._describe()} had its .data assigned after "
                        f"{node._describe()} was computed from it; run the forward pass "
                        "again before backward()"
                    )


def _local_gradient_error(node: Value, error: Exception) -> Exception:
    inputs = ", ".join(repr(p._data) for p in node.parents)
    return type(error)(
        f"{node._op.name}: the local gradient is not defined at input(s) {inputs} "
        f"(output {node._data!r}): {error}"
    )


def _compare_data(other) -> float:
    if isinstance(other, Value):
        return _read(other, "compared")
    return as_number(other, "comparison")


def _nary(op: Op, values: Iterable, what: str) -> Value:
    if values.__class__ is not list and values.__class__ is not tuple:
        values = _internal.items(values, f"{what}: values", "a list of Values or numbers")
    values = tuple(values)
    try:
        data = [v._data for v in values]  # (faster than an attrgetter map on 3.11)
    except AttributeError:  # plain numbers among the Values become constant leaves
        values = tuple(v if isinstance(v, Value) else Value(as_number(v, f"{what}: values"))
                       for v in values)
        data = [v._data for v in values]
    if not values:
        raise ValueError(f"{what}: expected at least one value, got none")
    if _threads_without_grad:  # some thread is in no_grad(): maybe this one
        return make_node(op.forward(data), op, values)
    return _nary_node(op, values, data)


def _nary_node(op: Op, values: tuple, data: list) -> Value:
    """The node of an n-ary op on ``values`` (their numbers: ``data``), made inline as the
    operators make theirs (a sum per neuron), while grad mode is on."""
    node = _new(Value)
    node._data = op.forward(data)
    node.grad = 0.0
    op = op.origin
    bound = op.bound
    node._op = bound if bound.stamp == _data_version else op.bind(_data_version)
    node._x = values
    if acyclic and op.__class__ is Op:
        acyclic(node, values)
    return node


def linear(weights, inputs, bias=None) -> Value:
    """w·x + b as a neuron draws it: one product node per pair ``wi * xi``, then one sum
    node over the products and the bias (``torch.nn.functional.linear`` for one output).
    The same graph as ``Value.sum([w * x for w, x in zip(weights, inputs)] + [bias])``,
    made in one loop (it is most of an MLP's forward pass)."""
    if not isinstance(weights, (list, tuple)):  # (a model's weights: a list subclass)
        weights = _internal.items(weights, "linear: weights", "a list of Values or numbers")
    if not isinstance(inputs, (list, tuple)):
        inputs = _internal.items(inputs, "linear: inputs", "a list of Values or numbers")
    if len(weights) != len(inputs):
        raise ValueError(f"linear: weights and inputs must have the same length, got "
                         f"{len(weights)} weights and {len(inputs)} inputs")
    if bias is not None and bias.__class__ is not Value:
        bias = bias if isinstance(bias, Value) else Value(as_number(bias, "linear: bias"))
    if not _threads_without_grad:
        terms, data = [], []
        term, datum = terms.append, data.append
        op = MUL.bound if MUL.bound.stamp == _data_version else MUL.bind(_data_version)
        try:
            for w, x in zip(weights, inputs):  # each product made as __mul__ makes it
                node = _new(Value)
                node._data = d = w._data * x._data
                node.grad = 0.0
                node._op = op
                node._x = w
                node._y = x
                if acyclic:
                    acyclic(node, w, x)
                term(node)
                datum(d)
            if bias is not None:
                term(bias)
                datum(bias._data)
        except AttributeError:  # numbers among them: the slow way below makes their leaves
            pass
        else:
            if terms:  # the sum node, made as Value.sum makes it
                return _nary_node(SUM, tuple(terms), data)
    terms = []
    for w, x in zip(weights, inputs):
        if not isinstance(w, Value):
            w = Value(as_number(w, "linear: weights"))
        if not isinstance(x, Value):
            x = Value(as_number(x, "linear: inputs"))
        terms.append(w * x)
    if bias is not None:
        terms.append(bias)
    return _nary(SUM, terms, "linear")


def apply(op: Op, *inputs) -> Value:
    """``op`` applied to ``inputs`` (Values or numbers) as one recorded node: a
    built-in from the table or an op made with ``autograd.op``. An n-ary op takes
    its inputs as one list, or as separate arguments."""
    if not isinstance(op, Op):
        raise TypeError(f"apply: expected an op (autograd.op or the table's), got "
                        f"{type(op).__name__}")
    if op.arity == 0:
        values = inputs[0] if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)) \
            else inputs
        return _nary(op, values, op.name)
    if len(inputs) != op.arity:
        raise TypeError(f"{op.name} takes {op.arity} input(s), got {len(inputs)}")
    xs = [v if isinstance(v, Value) else Value(as_number(v, op.name)) for v in inputs]
    if op.arity == 1:
        x = xs[0]
        return make_node(op.forward(x._data, op.arg), op, x)
    x, y = xs
    return make_node(op.forward(x._data, y._data), op, x, y)


Value.apply = staticmethod(apply)  # Value.apply(op, *inputs), as Function.apply in torch
if node_class:
    node_class(Value)  # the class _untrack.c counts as nodes (with subclasses of no new slots)


def vsum(values: Iterable) -> Value:
    """Alias of ``Value.sum``: one sum node with n parents."""
    return Value.sum(values)


def vmax(values: Iterable) -> Value:
    """Alias of ``Value.max``."""
    return Value.max(values)


def vmin(values: Iterable) -> Value:
    """Alias of ``Value.min``."""
    return Value.min(values)


def assign_data(values, numbers, checked: bool = False) -> int:
    """``v.data = x`` for every pair, as one update (an optimizer step): each must be a
    leaf (``checked``: the caller knows they are, as an optimizer does), ``numbers``
    plain floats or a numpy array. Graphs built before it become stale, as with single
    assignments. Returns the new data version; while it is current, ``last_assigned()``
    still has the numbers, so a compiled step can read them in one piece."""
    global _last_assigned
    if len(values) != len(numbers):
        raise ValueError(f"assign_data: {len(values)} values but {len(numbers)} numbers")
    if not checked:
        for v in values:
            if v._op is not None:
                raise AttributeError(f"can't assign .data of a computed Value ({v._describe()})")
    array = numbers if hasattr(numbers, "tolist") else None
    stamp = new_data_version()
    for v, x in zip(values, numbers if array is None else array.tolist()):
        v._data = x
        v._x = stamp  # a leaf's stamp
    _last_assigned = (values, array, stamp)
    return stamp


_last_assigned: tuple = ((), None, -1)


def last_assigned():
    """``(values, array)`` of the last ``assign_data`` given an array, if no leaf's
    ``.data`` has changed since (else None): the parameters' numbers as the optimizer left
    them, which a compiled step reads instead of asking every Value."""
    values, array, stamp = _last_assigned
    return (values, array) if stamp == _data_version and array is not None else None


def data_version() -> int:
    """The data version: it changes whenever a leaf's ``.data`` is assigned (anywhere)."""
    return _data_version


def new_data_version() -> int:
    """A new data version, for an assignment that is starting (under a lock: two threads
    assigning at once never share one, and the version never goes back)."""
    global _data_version
    with _mode_lock:
        _data_version += 1
        return _data_version


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``.grad = 0.0`` on each Value (``optimizer.zero_grad``)."""
    values = _internal.items(values, "zero_grad: values", "a list of Values (the parameters)")
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"zero_grad: values[{i}] must be a Value, got "
                            f"{type(v).__name__}: {v!r:.40}")
    for v in values:
        v.grad = 0.0


class _Mark(float):
    """A 0.0 that is no other float: the marks a backward walk leaves in ``.grad``
    (which it resets to 0 anyway) to know the nodes it has seen, instead of a set."""

    __slots__ = ()


def _walk_for_backward(root: Value) -> tuple:
    """The topological order of ``root``'s graph, each node after all of its parents,
    with backward()'s bookkeeping done in the same pass: every ``.grad`` becomes 0 (a
    mark), the leaves' earlier gradients are set aside, and it tells whether a leaf's
    ``.data`` may have changed after a node used it.

    An iterative depth-first search (no recursion, so a chain of a million operations
    works). A node is marked in its own ``.grad`` when the walk enters it (``entered``)
    and when it is emitted (``done``, after its parents): marks on the nodes, not a
    set of them (hashing every node cost more than the chain rule). The marks are
    fresh objects per pass, so a walk never mistakes another pass's for its own. The
    order is the one ``topological_order`` gives.
    """
    # Kept in one piece: it runs once per node of every backward pass (a helper per case
    # would cost a call per node, as much as the walk itself).
    entered, done = _Mark(0.0), _Mark(0.0)
    order, leaves, earlier = [], [], []
    emit, set_aside, keep = order.append, leaves.append, earlier.append
    stack = [root]
    push, pop = stack.append, stack.pop
    oldest, newest_leaf, last_op = root._stamp, -1, None
    while stack:
        node = pop()
        g = node.grad
        if g is done:
            continue
        if g is entered:  # its parents are all emitted: its turn
            node.grad = done
            emit(node)
            continue
        op = node._op
        if op is None:  # a leaf: emitted at once
            set_aside(node)
            keep(g)
            if node._x > newest_leaf:
                newest_leaf = node._x
            node.grad = done
            emit(node)
            continue
        if op is not last_op:  # nodes in a row share their op (one copy per data version)
            last_op = op
            if op.stamp < oldest:
                oldest = op.stamp
        # its parents still to emit go on the stack above it; with none (a product whose
        # inputs were emitted through another node) it is emitted at once
        arity = op.arity
        if arity == 2:
            x, y = node._x, node._y
            if x.grad is done and y.grad is done:
                node.grad = done
                emit(node)
                continue
            node.grad = entered
            push(node)
            if x.grad is not done:
                push(x)
            if y.grad is not done:
                push(y)
        elif arity == 1:
            x = node._x
            if x.grad is done:
                node.grad = done
                emit(node)
                continue
            node.grad = entered
            push(node)
            push(x)
        else:  # n-ary (a neuron's sum): its inputs would be popped last to first, and a
            # product of done inputs emitted at its pop; those are emitted here at once, in
            # that order, without the stack (the first other input stops it)
            parents = node._x
            k = len(parents)
            while k:
                x = parents[k - 1]
                g = x.grad
                if g is not done:
                    op = x._op
                    if op is None or op.arity != 2 or g is entered or \
                            x._x.grad is not done or x._y.grad is not done:
                        break
                    if op is not last_op:
                        last_op = op
                        if op.stamp < oldest:
                            oldest = op.stamp
                    x.grad = done
                    emit(x)
                k -= 1
            if not k:
                node.grad = done
                emit(node)
                continue
            node.grad = entered
            push(node)
            for x in parents[:k]:
                if x.grad is not done:
                    push(x)
    return order, leaves, earlier, newest_leaf > oldest


def topological_order(root: Value) -> list:
    """All nodes ``root`` depends on, inputs first and ``root`` last.

    Deterministic: the same graph always gives the same order (the walk follows
    each node's parents in order; no sets or ids decide anything). It is the order
    ``backward()`` walks, and it leaves every ``.grad`` as it is.
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order: root must be a Value, got {type(root).__name__}")
    order, state, stack = [], {}, [root]
    emit, push, pop = order.append, stack.append, stack.pop
    for_done = _DONE
    while stack:
        node = pop()
        seen = state.get(node)
        if seen is for_done:
            continue
        if seen is not None or node._op is None:  # entered before, or a leaf
            state[node] = for_done
            emit(node)
            continue
        state[node] = _ENTERED
        push(node)
        for x in node.parents:
            if state.get(x) is not for_done:
                push(x)
    return order


_ENTERED, _DONE = object(), object()


def local_gradients(node: Value, create_graph: bool = False) -> tuple:
    """The local gradients ``d node / d parent`` of ``node``, one per parent, in order.

    Floats by default; with ``create_graph=True`` the rule is evaluated on the
    Values themselves, so the result is part of the graph (differentiable again).
    A leaf has no parents and returns ``()``.
    """
    if not isinstance(node, Value):
        raise TypeError(f"local_gradients: node must be a Value, got {type(node).__name__}")
    create_graph = _internal.boolean(create_graph, "local_gradients: create_graph")
    op = node._op
    if op is None:
        return ()
    if create_graph:
        args, out = node.parents, node
    else:
        args, out = [p._data for p in node.parents], node._data
    try:
        if op.arity == 2:
            return tuple(op.local(args[0], args[1], out))
        if op.arity == 1:
            return (op.local(args[0], out, op.arg),)
        return tuple(op.local(list(args), out))
    except (ZeroDivisionError, OverflowError, ValueError) as e:
        raise _local_gradient_error(node, e) from e
