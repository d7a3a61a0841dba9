"""Your own operations: a forward function and its local gradient(s), checked.

``@op`` turns a forward function on floats and a local-gradient rule into an
operation that behaves like a built-in: ``backward()``, ``grad(create_graph=True)``
(when the rule uses Value-friendly arithmetic), ``draw_graph`` (its name on the op
node), ``backward_trace``, ``autograd.compile`` and saving a model that uses it as
an activation (by name). PyTorch calls this ``torch.autograd.Function`` (with
``forward`` and ``backward``); JAX ``custom_vjp``::

    @autograd.op(local=lambda x, out: out + (1 - out) / (1 + math.exp(x)))  # d out/dx
    def swish(x):
        return x / (1 + math.exp(-x))

    y = swish(Value(0.5))        # a Value whose op is 'swish'
    autograd.check_op(swish)     # the rule against central differences

The rule's signature follows the op's arity (the number of inputs of ``forward``):

- unary ``forward(x)``: ``local(x, out) -> d``
- binary ``forward(x, y)``: ``local(x, y, out) -> (dx, dy)``
- n-ary (``arity="n"``) ``forward(xs)`` on a list: ``local(xs, out) -> [d0, d1, ...]``

The built-in table (``ops.py``) is made of the same ``Op`` objects, and
``Value.apply(op, *inputs)`` applies either kind.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Sequence

from . import _internal, ops
from .engine import Value, apply, no_grad
from .functional import GradcheckError

__all__ = ["op", "UserOp", "OpDefinitionError", "check_op", "user_op"]

# Every built-in op's name: a user op may not take one (drawings, compile and saved
# models find an op by its name).
BUILTIN_NAMES = frozenset(o.name for o in vars(ops).values() if isinstance(o, ops.Op))
_USER_OPS: dict[str, UserOp] = {}


class OpDefinitionError(TypeError):
    """A user op's forward or rule returned the wrong thing (not a number, or the
    wrong number of local gradients)."""


def _real(x, name: str, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        if type(x).__module__ == "numpy" and getattr(x, "shape", None) == () and \
                x.dtype.kind in "biuf":
            return float(x)
        raise OpDefinitionError(f"op {name!r}: {what} must return a real number, got "
                                f"{type(x).__name__}: {x!r:.60}")
    return float(x)


def _gradient(d, name: str, floats: bool):
    """One local gradient: a number during backward(), a Value or number with
    create_graph=True."""
    if not floats and isinstance(d, Value):
        return d
    return _real(d, name, "local")


class UserOp(ops.Op):
    """An operation defined with ``autograd.op``; calling it applies it to Values or
    numbers (``swish(x)`` is ``Value.apply(swish, x)``)."""

    __slots__ = ("user_forward", "user_local", "array_forward", "array_local")

    def __init__(self, name, arity, forward, local, array_forward=None, array_local=None):
        self.user_forward, self.user_local = forward, local
        self.array_forward, self.array_local = array_forward, array_local
        checked_forward, checked_local = _checked_rules(name, arity, forward, local)
        super().__init__(name, arity, checked_forward, checked_local)

    @property
    def __name__(self) -> str:  # noqa: A003 - as a function's, for activations and reprs
        return self.name

    def __call__(self, *inputs) -> Value:
        return apply(self, *inputs)

    def __repr__(self) -> str:
        return f"UserOp({self.name!r}, arity={'n' if self.arity == 0 else self.arity})"

    def array_rules(self) -> tuple[Callable, Callable, str]:
        """(forward, local, how) over (k, B) arrays for ``autograd.compile``: the
        array rules given to ``op``, else ``np.vectorize`` of the float rules. Either way
        the results are checked as the float rules' are (a real number per sample, one
        local gradient per input), with the same errors naming the op: a forward that
        returns None never becomes a NaN."""
        import numpy as np  # the replay's concern: the eager engine runs without numpy
        how = []
        if self.array_forward is not None:
            forward = _checked_array_rule(self.name, "array_forward", self.array_forward,
                                          self.arity, "forward")
        else:
            checked = self.forward  # the float forward, its result checked as eagerly
            if self.arity == 1:
                vf = np.vectorize(lambda x: checked(float(x), None), otypes=[float])
                forward = lambda x, a: vf(x)  # noqa: E731
            else:
                forward = np.vectorize(lambda x, y: checked(float(x), float(y)), otypes=[float])
            how.append("forward")
        if self.array_local is not None:
            local = _checked_array_rule(self.name, "array_local", self.array_local, self.arity,
                                        "local gradient")
        else:
            if self.arity == 1:
                vg = np.vectorize(lambda x, out: self.local(float(x), float(out), None),
                                  otypes=[float])
                local = lambda x, out, a: vg(x, out)  # noqa: E731
            else:
                local = np.vectorize(
                    lambda x, y, out: tuple(self.local(float(x), float(y), float(out))),
                    otypes=[float, float])
            how.append("local gradient")
        note = f"np.vectorize of the float {' and '.join(how)}" if how else "array rules"
        return forward, local, note


def _checked_array_rule(name: str, what: str, rule: Callable, arity: int, meaning: str):
    """A user's array rule with the engine's signature (``(x, arg)`` for a unary forward,
    ``(x, out, arg)`` for a unary local), its errors naming the op, and its result checked:
    an array of real numbers of the inputs' shape (a local gradient may be one number)."""
    forward = what == "array_forward"

    import numpy as np  # as in UserOp.array_rules: only the replay calls this

    def run(*arrays):
        shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
        try:
            out = rule(*arrays)
        except (ValueError, ZeroDivisionError, OverflowError) as e:
            raise type(e)(f"{name}: {meaning} is not defined at some sample of the batch "
                          f"({what}): {e}") from e
        if forward or arity == 1:
            return _real_array(out, name, what, shape, scalar_ok=not forward)
        if isinstance(out, (str, bytes)) or not isinstance(out, Sequence) or len(out) != 2:
            raise OpDefinitionError(f"op {name!r}: {what} must return 2 local gradients (one "
                                    f"per input), got {type(out).__name__}: {out!r:.60}")
        return tuple(_real_array(d, name, what, shape, scalar_ok=True) for d in out)

    if arity == 1:
        if forward:
            return lambda x, a: run(x)
        return lambda x, out, a: run(x, out)
    return run


def _real_array(out, name: str, what: str, shape: tuple, scalar_ok: bool):
    """``out`` as a float array of ``shape`` (or one real number where ``scalar_ok``)."""
    import numpy as np
    kind = getattr(getattr(out, "dtype", None), "kind", "")
    if isinstance(out, bool) or not (isinstance(out, numbers.Real) or kind in ("b", "i", "u", "f")):
        raise OpDefinitionError(f"op {name!r}: {what} must return an array of real numbers, "
                                f"got {type(out).__name__}: {out!r:.60}")
    out = np.asarray(out, dtype=float)
    if out.shape != shape and not (scalar_ok and out.ndim == 0):
        raise OpDefinitionError(f"op {name!r}: {what} returned shape {out.shape} for inputs "
                                f"of shape {shape}")
    return out


def _checked_rules(name: str, arity: int, forward: Callable, local: Callable):
    """The engine-facing forward and local of a user op: the table's signatures,
    with the result checked (a number; one local gradient per input)."""

    def run_forward(*args):
        try:
            out = forward(*args)
        except (ValueError, ZeroDivisionError, OverflowError) as e:
            shown = ", ".join(repr(a) for a in args)
            raise type(e)(f"{name}: forward is not defined at input(s) {shown}: {e}") from e
        return _real(out, name, "forward")

    def count(ds, n: int, floats: bool):
        if isinstance(ds, (str, bytes)) or not isinstance(ds, Sequence):
            raise OpDefinitionError(f"op {name!r}: local must return {n} local gradients "
                                    f"(one per input) as a tuple or list, got "
                                    f"{type(ds).__name__}: {ds!r:.60}")
        if len(ds) != n:
            raise OpDefinitionError(f"op {name!r}: local returned {len(ds)} local gradient(s) "
                                    f"for {n} input(s)")
        return tuple(_gradient(d, name, floats) for d in ds)

    if arity == 1:
        def f1(x, arg):
            return run_forward(x)

        def l1(x, out, arg):
            d = local(x, out)
            if isinstance(d, (tuple, list)):
                raise OpDefinitionError(f"op {name!r}: a unary op's local returns one local "
                                        f"gradient, got a {type(d).__name__} of {len(d)}")
            return _gradient(d, name, not isinstance(x, Value))
        return f1, l1
    if arity == 2:
        def l2(x, y, out):
            return count(local(x, y, out), 2, not isinstance(x, Value))
        return run_forward, l2

    def fn(xs):
        out = run_forward(list(xs))
        if out == out and any(x != x for x in xs):
            return math.nan  # a NaN input is a NaN output wherever it sits, as the built-ins
        return out

    def ln(xs, out):
        floats = not any(isinstance(x, Value) for x in xs)
        return count(local(list(xs), out), len(xs), floats)
    return fn, ln


def _arity_of(forward: Callable, arity) -> int:
    if arity is not None:
        if arity in ("n", 0):
            return 0
        if arity in (1, 2) and isinstance(arity, numbers.Integral) and \
                not isinstance(arity, bool):
            return int(arity)
        raise ValueError(f"op: arity must be 1, 2 or 'n', got {arity!r}")
    try:
        params = list(inspect.signature(forward).parameters.values())
    except (TypeError, ValueError):
        return 1  # a builtin such as math.erf: one input
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                  and p.default is p.empty]
    if any(p.kind == p.VAR_POSITIONAL for p in params) or len(positional) not in (1, 2):
        raise ValueError(f"op: forward takes {len(positional)} input(s); an op has 1 or 2, or "
                         "give arity='n' for forward(xs) on a list")
    return len(positional)


def op(fn: Callable | str | None = None, /, *, forward: Callable | None = None,
       local: Callable | None = None, name: str | None = None, arity=None,
       array_forward: Callable | None = None, array_local: Callable | None = None):
    """Define an operation from its forward function and local gradient(s).

    ``@op(local=rule)`` on the forward function, or ``op("name", forward=f,
    local=rule)``. ``forward`` runs on floats; ``local`` gets the inputs and the
    output (floats in ``backward()``, Values with ``grad(create_graph=True)``) and
    returns ``d out / d input`` for each input (see the module docstring for the
    signatures). ``array_forward``/``array_local`` are optional numpy versions
    that ``autograd.compile`` runs over whole batches (without them it runs
    ``np.vectorize`` of the float rules, and ``plan.summary()`` says so).
    Defining an op again under the same name replaces it; a built-in's name is
    refused. (PyTorch: ``torch.autograd.Function``.)
    """
    if isinstance(fn, str):  # op("name", forward=..., local=...)
        if name is not None:
            raise TypeError("op: the name was given twice")
        name, fn = fn, None
    if fn is not None and forward is not None:
        raise TypeError("op: the forward function was given twice")
    forward = fn if forward is None else forward
    if forward is None:  # @op(local=...): the decorated function is the forward
        def decorate(f):
            return op(f, local=local, name=name, arity=arity, array_forward=array_forward,
                      array_local=array_local)
        return decorate
    if not callable(forward):
        raise TypeError(f"op: forward must be a function, got {type(forward).__name__}")
    if local is None or not callable(local):
        raise TypeError("op: local must be the local-gradient rule, a function "
                        f"(x, out) -> d out/dx; got {type(local).__name__}")
    for what, f in (("array_forward", array_forward), ("array_local", array_local)):
        if f is not None and not callable(f):
            raise TypeError(f"op: {what} must be a function, got {type(f).__name__}")
    name = getattr(forward, "__name__", None) if name is None else name
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"op: the name must be an identifier such as 'swish', got {name!r}")
    if name in BUILTIN_NAMES:
        raise ValueError(f"op: {name!r} is a built-in op (Value.{name}); give yours another "
                         f"name, e.g. 'my_{name}'")
    defined = UserOp(name, _arity_of(forward, arity), forward, local, array_forward,
                     array_local)
    _USER_OPS[name] = defined
    return defined


def user_op(name: str) -> UserOp | None:
    """The op defined under ``name`` with ``autograd.op`` (None if there is none)."""
    if not isinstance(name, str):
        raise TypeError(f"user_op: name must be a str, got {type(name).__name__}: {name!r:.40}")
    return _USER_OPS.get(name)


# --- checking a rule ------------------------------------------------------------------

_POINTS_1 = (-2.3, -1.1, -0.45, 0.35, 0.8, 1.7, 2.9)
_POINTS_2 = ((0.7, 1.3), (-1.2, 0.6), (2.1, -0.8), (-0.55, -1.9), (1.6, 2.4))
_POINTS_N = ((0.3, -1.2, 0.8), (1.5, 0.2, -0.4, 2.2), (-0.7, -2.1))


def check_op(user: ops.Op, points=None, *, eps: float = 1e-6, atol: float = 1e-6,
             rtol: float = 1e-4, raise_exception: bool = True) -> bool:
    """Test an op's local-gradient rule against central differences of its forward.

    At each sample point (``points``: numbers for a unary op, tuples for others;
    by default a spread of values) where the forward is defined and smooth (the
    left and right slopes agree: no kink), compare the rule's ``d out / d x_i``
    with ``(f(x + eps) - f(x - eps)) / (2 eps)``. Returns True when all agree;
    otherwise raises ``GradcheckError`` listing, per input, the analytic and
    numeric values where they differ (or returns False with
    ``raise_exception=False``). (PyTorch: ``torch.autograd.gradcheck`` on a Function.)
    """
    if not isinstance(user, ops.Op):
        raise TypeError(f"check_op expects an op (made with autograd.op), got "
                        f"{type(user).__name__}")
    eps = _internal.real(eps, "check_op: eps", above=0)
    atol = _internal.real(atol, "check_op: atol", minimum=0)
    rtol = _internal.real(rtol, "check_op: rtol", minimum=0)
    raise_exception = _internal.boolean(raise_exception, "check_op: raise_exception")
    points = _sample_points(user, points)
    rows, checked = _compare_with_central_differences(user, points, eps, atol, rtol)
    if checked == 0:
        raise ValueError(f"check_op: {user.name!r} is not defined (or not smooth) at any "
                         "sample point; pass points=[...] inside its domain")
    if not rows:
        return True
    if not raise_exception:
        return False
    lines = [f"check_op({user.name!r}): the local gradient differs from central differences "
             f"at {len(rows)} of {checked} checks (eps={eps}, atol={atol}, rtol={rtol}):",
             f"{'at':>22} {'input':>6} {'analytic':>14} {'numeric':>14} {'error':>10}"]
    for p, i, a, n, e in rows:
        where = ", ".join(f"{x:g}" for x in p)
        lines.append(f"{'(' + where + ')':>22} {i:>6} {a:>14.8g} {n:>14.8g} {e:>10.2e}")
    raise GradcheckError("\n".join(lines))


def _sample_points(user: ops.Op, points) -> list[tuple]:
    """The points to check at, as tuples of finite numbers of the op's arity (by default
    a spread). A NaN or infinite coordinate is refused: central differences around it
    are NaN, which would read as a mismatch."""
    if points is None:
        points = {1: _POINTS_1, 2: _POINTS_2, 0: _POINTS_N}[user.arity]
    what = "a list of numbers" if user.arity == 1 else "a list of tuples of numbers"
    points = _internal.items(points, "check_op: points", f"{what} (the points to check at)")
    out = []
    for i, p in enumerate(points):
        coords = _internal.items([p] if isinstance(p, numbers.Real) else p,
                                 f"check_op: points[{i}]", "a number or a tuple of numbers")
        for x in coords:
            if isinstance(x, bool) or not isinstance(x, numbers.Real):
                raise TypeError(f"check_op: points[{i}] must be a number or a tuple of "
                                f"numbers, got {type(x).__name__}: {x!r:.40}")
            if not math.isfinite(x):
                raise ValueError(f"check_op: points must be finite numbers, got {x} "
                                 f"(point {i})")
        if user.arity and len(coords) != user.arity:
            raise ValueError(f"check_op: {user.name!r} takes {user.arity} input(s); the point "
                             f"{tuple(coords)!r} has {len(coords)}")
        out.append(tuple(float(x) for x in coords))
    return out


def _compare_with_central_differences(user: ops.Op, points: list, eps: float, atol: float,
                                      rtol: float) -> tuple[list, int]:
    """The rule's local gradient against ``(f(x + eps) - f(x - eps)) / (2 eps)`` for each
    input at each point inside the domain and away from kinks: the rows that differ
    (point, input, analytic, numeric, error) and the number of comparisons made."""

    def f(xs):
        with no_grad():
            return (apply(user, list(xs)) if user.arity == 0 else apply(user, *xs)).data

    rows, checked = [], 0
    for p in points:
        xs = [float(x) for x in p]
        try:
            f(xs)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue  # outside the op's domain
        leaves = [Value(x) for x in xs]
        out = apply(user, leaves) if user.arity == 0 else apply(user, *leaves)
        out.backward()
        for i, x in enumerate(xs):
            plus, minus = list(xs), list(xs)
            plus[i], minus[i] = x + eps, x - eps
            try:
                fp, fm, f0 = f(plus), f(minus), f(xs)
            except (ValueError, ZeroDivisionError, OverflowError):
                continue
            numeric = (fp - fm) / (2 * eps)
            one_sided = ((fp - f0) / eps, (f0 - fm) / eps)
            if abs(one_sided[0] - one_sided[1]) > 1e-3 * (1 + abs(numeric)):
                continue  # a kink: no derivative to compare with
            checked += 1
            analytic = leaves[i].grad
            error = abs(analytic - numeric)
            if not (error <= atol + rtol * abs(numeric)) or math.isnan(error):
                rows.append((p, i, analytic, numeric, error))
    return rows, checked
