"""The engine's exercises: checkers that compare a learner's answer with what the engine
computes (local gradients, a backward pass by hand, an op of one's own), and the kit
every checker is made of (``nn.exercises`` builds the network checkers on it).

A right answer prints its ``✓ ...`` line and returns it (a ``Passed``, a ``str``); a
wrong one raises ``WrongAnswer``, saying what was expected, what came, where (which
input, node or neuron) and a hint that teaches. An answer still holding the student
version's placeholder ``...`` raises ``NotDoneYet``. Both are ``AssertionError``s (a
failed check, as in nbgrader's autograded cells and ``torch.autograd.gradcheck``) and
show in Jupyter as their message alone, without a traceback. After ``keep_going()`` (a
student notebook's first cell) neither raises: the message is printed (a wrong answer's
on stderr) and returned, and the notebook goes on to its end, where ``summary()`` lists
what is done, wrong and not done yet. A grader's run raises all the same: inside
``grading()`` (otter-grader's tests) and under nbgrader. Bad arguments (wrong types, wrong
lengths) raise ``TypeError``/``ValueError`` naming the argument. Numbers agree when
they differ by at most ``tol`` (1e-6; 1e-9 for an SGD step) times max(1, |expected|).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import numbers
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .. import _internal
from ..custom import check_op
from ..engine import Value, local_gradients, topological_order
from ..functional import GradcheckError
from ..functional import grad as _grad
from ..ops import Op, sigmoid_number
from ..viz.names import node_names, reading_order

__all__ = ["ExerciseError", "WrongAnswer", "NotDoneYet", "Passed", "TODO", "DEFAULT_TOL",
           "check_local_gradient", "check_backward", "check_custom_op", "keep_going",
           "grading", "graded", "summary", "Summary", "checker", "passed", "close", "tolerance",
           "not_done", "answer_number", "answer_numbers", "sample_points", "short", "show"]

TODO = ...  # the placeholder the student version leaves in each answer cell: ``tanh_rule = ...``
DEFAULT_TOL = 1e-6


# --- results -----------------------------------------------------------------------------------


class ExerciseError(AssertionError):
    """A check did not pass. In Jupyter it shows as its message alone (no traceback:
    the learner's cell is the call, the library's frames would only hide the hint)."""

    def _render_traceback_(self) -> list[str]:  # IPython's hook for custom tracebacks
        first, *rest = str(self).splitlines() or [""]
        return [f"\x1b[1;31m{type(self).__name__}\x1b[0m: {first}", *rest]

    def _ipython_display_(self) -> None:
        """Returned by a check after ``keep_going()``: its message is already printed."""


class WrongAnswer(ExerciseError):
    """The answer differs from the engine's. ``where`` (the input, node or neuron),
    ``expected``, ``got`` and ``hint`` are also attributes."""

    def __init__(self, what: str, where: str, expected, got, hint: str = ""):
        self.what, self.where, self.expected, self.got, self.hint = what, where, expected, got, hint
        lines = [f"{what}: wrong {where}.",
                 f"  yours:    {show(got)}",
                 f"  expected: {show(expected)}"]
        if hint:
            lines.append(f"Hint: {hint}")
        super().__init__("\n".join(lines))


class NotDoneYet(ExerciseError):
    """The answer is still the placeholder ``...`` of the student version."""


class Passed(str):
    """A passed check: a ``str`` starting with ``✓``, printed by the check itself (so a
    script shows it too); as a cell's value it shows nothing more in Jupyter."""

    def __repr__(self) -> str:
        return str(self)

    def _ipython_display_(self) -> None:
        """The check has printed the line already."""


def passed(message: str) -> Passed:
    return Passed(f"✓ {message}")


# --- keeping going, and the summary ------------------------------------------------------------

_results: dict = {}  # (checker, what it checked) -> the last Passed / WrongAnswer / NotDoneYet
_keep_going = [False]


def keep_going(on: bool = True) -> None:
    """From now on (``on=False``: no more) a check that is not done yet or wrong does not
    raise: it prints its message (a wrong answer's on stderr, red in Jupyter) and returns
    it, so that Run All on a student notebook reaches its end, where ``summary()`` says
    what is done, wrong and not done yet. The first cell of an exercise notebook calls it."""
    if not isinstance(on, bool):
        raise TypeError(f"keep_going: on must be True or False, got {type(on).__name__}")
    _keep_going[0] = on


_grading = [0]  # how many grading() blocks are open
GRADERS = ("NBGRADER_EXECUTION",)  # set by nbgrader while it autogrades or validates


@contextlib.contextmanager
def grading():
    """Inside this block a check that is wrong or not done yet raises, even after
    ``keep_going()``: what a grader's test runs (otter-grader's tests, written by
    ``python -m autograd.exercises --otter``), so that a wrong answer fails its test
    with the check's whole message. Under nbgrader (``NBGRADER_EXECUTION`` set, as
    ``nbgrader autograde`` and ``validate`` do) every check raises this way."""
    _grading[0] += 1
    try:
        yield
    finally:
        _grading[0] -= 1


def graded() -> bool:
    """Whether a failed check raises now: inside ``grading()``, under a grader, or
    without ``keep_going()``."""
    return bool(_grading[0]) or not _keep_going[0] or any(os.environ.get(v) for v in GRADERS)


@dataclass(frozen=True)
class Summary:
    """Every check run so far, by its last result: ``done``, ``wrong`` and ``not_done``
    list ``"checker: what"`` names, in the order the checks first ran."""

    done: tuple
    wrong: tuple
    not_done: tuple

    def __str__(self) -> str:
        lines = [f"exercises: {len(self.done)} done, {len(self.wrong)} wrong, "
                 f"{len(self.not_done)} not done yet"]
        lines += [f"  ✓ {n}" for n in self.done] + [f"  ✗ {n}: wrong" for n in self.wrong]
        lines += [f"  ○ {n}: not done yet" for n in self.not_done]
        return "\n".join(lines)

    __repr__ = __str__


def summary(reset: bool = False) -> Summary:
    """What every check run so far says now (its last run counts): printed, and returned
    as a ``Summary``. ``reset=True`` then forgets them (a fresh start)."""
    if not isinstance(reset, bool):
        raise TypeError(f"summary: reset must be True or False, got {type(reset).__name__}")
    kinds = {Passed: [], WrongAnswer: [], NotDoneYet: []}
    for (who, what), result in _results.items():
        kinds[type(result) if type(result) in kinds else WrongAnswer].append(
            f"{who}: {what}" if what else who)
    out = Summary(tuple(kinds[Passed]), tuple(kinds[WrongAnswer]), tuple(kinds[NotDoneYet]))
    if reset:
        _results.clear()
    print(out)
    return out


def checker(what: Callable):
    """Make a check function record its result for ``summary()``, print its ✓ line, and,
    after ``keep_going()``, print and return a failed check's message instead of raising.
    ``what(*args, **kwargs)`` names what a call checks (``"tanh"``), so that running the
    same check again replaces its result."""
    def wrap(check):
        @functools.wraps(check)
        def run(*args, **kwargs):
            try:
                subject = str(what(*args, **kwargs))
            except Exception:  # a bad call: the check itself says what is wrong
                subject = ""
            key = (check.__name__, subject)
            try:
                result = check(*args, **kwargs)
            except (WrongAnswer, NotDoneYet) as e:
                _results[key] = e
                if graded():
                    raise
                prefix = "✗ " if isinstance(e, WrongAnswer) else "○ "
                print(prefix + str(e), file=sys.stderr if isinstance(e, WrongAnswer)
                      else sys.stdout)
                return e
            _results[key] = result
            print(result)
            return result
        return run
    return wrap


# --- small helpers -----------------------------------------------------------------------------


def show(x) -> str:
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(show(v) for v in x) + "]"
    if isinstance(x, float):
        return f"{x:.10g}"
    return repr(x)


def _float(x, name: str) -> float:
    """A number (NaN and infinities too) as a float, or an error naming it."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(x).__name__}: {x!r:.40}")
    try:
        return float(x)
    except OverflowError:
        raise ValueError(f"{name} is an int too large for a float") from None


def short(x: float) -> str:
    """A number for a hint: short, readable."""
    return f"{_float(x, 'short: x'):.4g}"


def close(got: float, expected: float, tol: float) -> bool:
    got, expected = _float(got, "close: got"), _float(expected, "close: expected")
    tol = _float(tol, "close: tol")
    if math.isnan(expected):
        return math.isnan(got)
    return abs(got - expected) <= tol * max(1.0, abs(expected))


def sample_points(at, arity: int, who: str) -> tuple:
    """``at`` as sample points: tuples of ``arity`` finite numbers, at least one; a
    unary op's points may be plain numbers (``at=[-4, 0.5]``)."""
    arity = _internal.integer(arity, f"{who}: arity", minimum=1, maximum=2)
    if isinstance(at, (str, bytes)) or not isinstance(at, Sequence) or not len(at):
        raise TypeError(f"{who} must be a non-empty list of "
                        f"{'numbers' if arity == 1 else 'pairs (x, y)'}, got {at!r:.60}")
    points = []
    for p in at:
        p = (p,) if arity == 1 and not isinstance(p, (tuple, list)) else p
        if not isinstance(p, (tuple, list)) or len(p) != arity:
            raise ValueError(f"{who}: each point must be {'a number' if arity == 1 else 'a pair'}"
                             f", got {p!r:.40}")
        points.append(tuple(_internal.real(v, who) for v in p))
    return tuple(points)


def tolerance(tol, who: str) -> float:
    return _internal.real(tol, f"{who}: tol", above=0)


def not_done(answer, who: str, what: str) -> None:
    """Raise NotDoneYet if ``answer`` (or anything in it) is the placeholder ``...``."""
    if answer is TODO or (isinstance(answer, (list, tuple)) and any(a is TODO for a in answer)):
        raise NotDoneYet(f"{who}: not done yet: {what} is still the placeholder `...` "
                         "(write it in your cell above, run that cell, then this one)")


def answer_number(x, name: str) -> float:
    """A learner's number: int, float, numpy scalar or a Value (its .data)."""
    if isinstance(x, Value):
        return x.data
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        if type(x).__module__ == "numpy" and getattr(x, "shape", None) == ():
            return float(x)
        raise TypeError(f"{name} must be a number, got {type(x).__name__}: {x!r:.60}")
    return _float(x, name)


def answer_numbers(xs, name: str, length: int | None = None) -> list[float]:
    """A list/tuple/1-D array of numbers, optionally of a given length."""
    if hasattr(xs, "tolist") and getattr(xs, "ndim", 1) == 1:
        xs = xs.tolist()
    if isinstance(xs, (str, bytes, Value)) or not isinstance(xs, Sequence):
        raise TypeError(f"{name} must be a list of numbers, got {type(xs).__name__}: {xs!r:.60}")
    if length is not None:
        length = _internal.integer(length, f"{name}: length", minimum=0)
    out = [answer_number(x, f"{name}[{i}]") for i, x in enumerate(xs)]
    if length is not None and len(out) != length:
        raise ValueError(f"{name} must have {length} numbers, got {len(out)}")
    return out


def _matches_everywhere(mistake, points, answers, tol) -> bool:
    try:
        for p, a in zip(points, answers):
            m = mistake(*p)
            m = m if isinstance(m, tuple) else (m,)
            if not all(close(ai, mi, tol) for ai, mi in zip(a, m)):
                return False
        return True
    except (ArithmeticError, ValueError):
        return False


# --- 1. local gradients of the built-in ops ----------------------------------------------------

_SMOOTH = ((-2.0,), (-0.7,), (0.5,), (1.3,), (3.0,))
_POSITIVE = ((0.3,), (0.5,), (1.0,), (2.5,), (7.0,))
_NO_KINKS = ((-2.5,), (-0.6,), (0.4,), (0.9,), (1.7,))  # away from 0 and +-1
_PAIRS = ((2.0, 3.0), (-1.5, 0.5), (0.7, -2.0), (3.0, 1.5))
_POSITIVE_BASES = ((2.0, 3.0), (0.5, -1.5), (1.7, 0.5), (3.0, 2.0))


def _tanh_prime(x):
    return 1.0 - math.tanh(x) ** 2


def _sigmoid_prime(x):
    s = sigmoid_number(x)
    return s * (1.0 - s)


# name: (build the node, sample points, the rule in words, ((mistake, what it means), ...))
_BUILTIN = {
    "tanh": (Value.tanh, _SMOOTH, "tanh'(x) = 1 - tanh(x)^2", (
        (lambda x: 1 - x * x, "Your rule is 1 - x^2: it needs the output tanh(x), "
                              "not the input x: 1 - tanh(x)^2"),
        (lambda x: 1 + math.tanh(x) ** 2, "Mind the sign: 1 MINUS tanh(x)^2"),
    )),
    "sigmoid": (Value.sigmoid, _SMOOTH, "sigma'(x) = sigma(x) * (1 - sigma(x))", (
        (lambda x: x * (1 - x), "Your rule is x(1 - x): it needs the output sigma(x), not x"),
        (lambda x: sigmoid_number(x) ** 2, "Not sigma(x)^2: sigma(x) * (1 - sigma(x))"),
    )),
    "relu": (Value.relu, _NO_KINKS, "relu'(x) = 1 for x > 0, 0 for x < 0", (
        (lambda x: 1.0 if x < 0 else 0.0, "The other way round: the slope is 1 where x > 0"),
    )),
    "leaky_relu": (Value.leaky_relu, _NO_KINKS,
                   "leaky_relu'(x) = 1 for x > 0, alpha = 0.01 for x < 0", (
        (lambda x: 1.0 if x > 0 else 0.0, "That is relu's: for x < 0 the slope is alpha = 0.01"),
    )),
    "exp": (Value.exp, _SMOOTH, "exp'(x) = exp(x)", ()),
    "log": (Value.log, _POSITIVE, "log'(x) = 1 / x", (
        (lambda x: -1 / (x * x), "That is the derivative of 1/x; log'(x) = 1/x"),
    )),
    "sqrt": (Value.sqrt, _POSITIVE, "sqrt'(x) = 1 / (2 sqrt(x))", (
        (lambda x: 1 / math.sqrt(x), "The factor 1/2 is missing: 1 / (2 sqrt(x))"),
    )),
    "softplus": (Value.softplus, _SMOOTH, "softplus'(x) = sigma(x) = 1 / (1 + e^-x)", (
        (lambda x: sigmoid_number(-x), "That is sigma(-x) = 1/(1 + e^x); softplus' = 1/(1 + e^-x)"),
    )),
    "softsign": (Value.softsign, _SMOOTH, "softsign'(x) = 1 / (1 + |x|)^2", (
        (lambda x: 1 / (1 + abs(x)), "The square is missing: 1 / (1 + |x|)^2"),
    )),
    "abs": (abs, _NO_KINKS, "|x|' = sign(x): -1 for x < 0, 1 for x > 0", ()),
    "neg": (lambda v: -v, _SMOOTH, "d(-x)/dx = -1", ()),
    "hardtanh": (Value.hardtanh, _NO_KINKS, "hardtanh'(x) = 1 inside (-1, 1), 0 outside", ()),
    # binary ops: rule(x, y) -> (d out/dx, d out/dy)
    "add": (lambda a, b: a + b, _PAIRS, "d(x+y)/dx = 1, d(x+y)/dy = 1", ()),
    "sub": (lambda a, b: a - b, _PAIRS, "d(x-y)/dx = 1, d(x-y)/dy = -1", ()),
    "mul": (lambda a, b: a * b, _PAIRS, "d(xy)/dx = y, d(xy)/dy = x", (
        (lambda x, y: (x, y), "Each input's local gradient is the OTHER input: (y, x)"),
    )),
    "div": (lambda a, b: a / b, _PAIRS, "d(x/y)/dx = 1/y, d(x/y)/dy = -x/y^2", (
        (lambda x, y: (1 / y, -1 / (y * y)), "The factor x is missing: d(x/y)/dy = -x / y^2"),
        (lambda x, y: (1 / y, x / (y * y)), "Mind the sign: d(x/y)/dy is negative: -x / y^2"),
    )),
    "pow": (lambda a, b: a ** b, _POSITIVE_BASES,
            "d(x^y)/dx = y x^(y-1), d(x^y)/dy = x^y ln(x)", (
        (lambda x, y: (y * x ** (y - 1), x ** y), "The ln(x) is missing in d(x^y)/dy = x^y ln(x)"),
        (lambda x, y: (y * x ** (y - 1), y * x ** (y - 1)),
         "In y, x^y is an exponential, not a power: d/dy = x^y ln(x)"),
    )),
}
_ALIASES = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "logistic": "sigmoid"}


def _generic_mistakes(name: str, build, arity: int):
    """Mistakes any rule can make: the wrong sign, the forward value instead of the
    derivative, the two gradients of a binary op swapped."""
    def forward(*xs):
        return build(*[Value(x) for x in xs]).data

    def negated(*xs):
        d = _engine_local(build, xs)
        return tuple(-v for v in d) if arity == 2 else -d[0]

    out = [(negated, "Your rule has the wrong sign")]
    if arity == 1:
        out.append((forward, f"Your rule returns {name}(x) itself, the forward value; "
                             "the local gradient is its derivative"))
    else:
        out.append((lambda *xs: tuple(reversed(_engine_local(build, xs))),
                    "Your two gradients are swapped: return (d out/dx, d out/dy)"))
    return out


def _engine_local(build, xs, who: str = "check_local_gradient") -> tuple:
    try:
        node = build(*[Value(x) for x in xs])
    except (ValueError, ZeroDivisionError) as e:  # a point outside the op's domain
        raise ValueError(f"{who}: the op is not defined at {xs}: {e}") from None
    return local_gradients(node)


def _check_rule_signature(rule, arity: int, name: str, who: str) -> None:
    try:
        sig = inspect.signature(rule)
    except (TypeError, ValueError):  # a builtin without a signature: try it as it is
        return
    try:
        sig.bind(*([0.0] * arity))
    except TypeError:
        form = "rule(x) -> d out/dx" if arity == 1 else "rule(x, y) -> (d out/dx, d out/dy)"
        raise TypeError(f"{who}: rule for {name!r} must take {arity} argument"
                        f"{'s' if arity > 1 else ''}: {form}; got a function {sig}") from None


@checker(lambda op, *a, **k: op)
def check_local_gradient(op: str, rule: Callable, tol: float = DEFAULT_TOL, at=None) -> Passed:
    """Check a local-gradient rule for a built-in op against the engine's own rule
    (``autograd/ops.py``), at sample points away from kinks and domain edges.

    A unary rule is ``rule(x) -> d out/dx`` (``check_local_gradient("tanh", rule)``);
    a binary one ``rule(x, y) -> (d out/dx, d out/dy)`` for ``add sub mul div pow``
    (or ``+ - * / **``). The rule takes the inputs only (the engine's own rules also
    receive the output, as a shortcut). Ops: ``sigmoid tanh relu leaky_relu exp log
    sqrt softplus softsign abs neg hardtanh``. ``at`` replaces the sample points:
    numbers x (pairs (x, y) for a binary op), e.g. a grader's hidden test at points
    the statement does not show. (PyTorch: ``torch.autograd.gradcheck`` against a
    rule of one's own.)
    """
    who = "check_local_gradient"
    name = _builtin_op_name(op, who)
    build, points, formula, mistakes = _BUILTIN[name]
    arity = len(points[0])
    _check_rule(rule, name, arity, who)
    tol = tolerance(tol, who)
    _check_rule_signature(rule, arity, name, who)
    points = points if at is None else sample_points(at, arity, f"{who}: at")

    answers, expected = [], []
    for p in points:
        answers.append(_rule_answer(rule, p, name, arity, who))
        expected.append(_engine_local(build, p, f"{who}: at"))

    wrong = [i for i in range(len(points))
             if not all(close(a, e, tol) for a, e in zip(answers[i], expected[i]))]
    if not wrong:
        at = ", ".join(short(p[0]) if arity == 1 else f"({short(p[0])}, {short(p[1])})"
                       for p in points)
        return passed(f"{name}: your local gradient matches the engine's at "
                       f"{'x' if arity == 1 else '(x, y)'} = {at}")
    raise _wrong_local_gradient(name, points, answers, expected, wrong, tol)


def _builtin_op_name(op, who: str) -> str:
    """The name in ``_BUILTIN`` of ``op`` (a name or an operator symbol)."""
    if not isinstance(op, str):
        raise TypeError(f"{who}: op must be an op name such as 'tanh', got "
                        f"{type(op).__name__}: {op!r:.40}")
    name = _ALIASES.get(op, op)
    if name not in _BUILTIN:
        raise ValueError(f"{who}: unknown op {op!r}; expected one of {', '.join(_BUILTIN)} "
                         "(or + - * / **)")
    return name


def _check_rule(rule, name: str, arity: int, who: str) -> None:
    """The learner's rule is written (not the placeholder) and is a function."""
    form = "def rule(x): return d out/dx" if arity == 1 \
        else "def rule(x, y): return (d out/dx, d out/dy)"
    not_done(rule, who, f"your local-gradient rule for {name} ({form})")
    if not callable(rule):
        raise TypeError(f"{who}: rule must be a function, got {type(rule).__name__}: "
                        f"{rule!r:.40}")


def _rule_answer(rule, p: tuple, name: str, arity: int, who: str) -> tuple:
    """What the learner's rule returns at the sample point ``p``, as a tuple of floats."""
    got = rule(*p)
    not_done(got, who, f"what your rule for {name} returns")
    if arity == 1:
        return (answer_number(got, f"{who}: what rule({short(p[0])}) returns"),)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise TypeError(f"{who}: a rule for {name!r} must return two numbers "
                        f"(d out/dx, d out/dy); at {p} it returned {got!r:.60}")
    return tuple(answer_number(g, f"{who}: rule{p}[{i}]") for i, g in enumerate(got))


def _wrong_local_gradient(name: str, points, answers: list, expected: list, wrong: list,
                          tol: float) -> WrongAnswer:
    """The first wrong sample point, with the rule in words and the mistake it looks like."""
    build, _, formula, mistakes = _BUILTIN[name]
    arity = len(points[0])
    i = wrong[0]
    p = points[i]
    if arity == 1:
        where = f"at x = {short(p[0])}"
        got, exp = answers[i][0], expected[i][0]
    else:
        parts = [s for s, a, e in zip(("d out/dx", "d out/dy"), answers[i], expected[i])
                 if not close(a, e, tol)]
        where = f"at (x, y) = ({short(p[0])}, {short(p[1])}): {' and '.join(parts)}"
        got, exp = list(answers[i]), list(expected[i])
    hint = formula + "."
    for mistake, meaning in (*mistakes, *_generic_mistakes(name, build, arity)):
        if _matches_everywhere(mistake, points, answers, tol):
            hint += " " + meaning + "."
            break
    if len(wrong) > 1:
        hint += f" (Wrong at {len(wrong)} of the {len(points)} sample points.)"
    return WrongAnswer(f"{name}'s local gradient", where, exp, got, hint)


# --- 2. a backward pass by hand ----------------------------------------------------------------


def _formula(node: Value, names: dict) -> str:
    """``d = e + c``, ``y = tanh(u)``: how a node was computed, for hints."""
    ps = [names[p] for p in node.parents]
    op = node.op
    if len(ps) == 2 and op in ("+", "-", "*", "/", "**"):
        rhs = f"{ps[0]} {op} {ps[1]}"
    elif op == "**":
        rhs = f"{ps[0]} ** {node.op_arg:g}"
    elif op == "neg":
        rhs = f"-{ps[0]}"
    else:
        rhs = f"{op}({', '.join(ps)})"
    return f"{names[node]} = {rhs}"


@checker(lambda root, *a, **k: root.label or "")
def check_backward(root: Value, tol: float = DEFAULT_TOL) -> Passed:
    """Check the ``.grad`` a learner filled in by hand on every labelled node of
    ``root``'s graph (``root.grad`` = 1 included), against ``autograd.grad``, which
    computes what ``backward()`` would without touching any ``.grad``: the learner's
    numbers stay as they are. Nodes are checked outputs first (reverse topological
    order); the first wrong one is named, with its paths: upstream × local."""
    who = "check_backward"
    if not isinstance(root, Value):
        raise TypeError(f"{who}: root must be the Value at the end of the expression, got "
                        f"{type(root).__name__}: {root!r:.40}")
    if root.is_leaf:
        raise ValueError(f"{who}: root is a leaf (label {root.label!r}); pass the output of "
                         "the expression, e.g. L")
    tol = tolerance(tol, who)
    order = topological_order(root)
    checked = _labelled_outputs_first(root, order, who)
    names = node_names(order)
    grads = _filled_in_grads(root, checked, names, who)
    truth = dict(zip(order, _grad(root, order)))
    for v, got in zip(checked, grads):
        if not close(got, truth[v], tol):
            raise _wrong_grad(v, got, root, order, checked, truth, names, tol)
    return passed(f"backward by hand: all {len(checked)} gradients right "
                   f"({', '.join(names[v] for v in checked)})")


def _labelled_outputs_first(root: Value, order: list, who: str) -> list:
    """The nodes to check (labelled ones and the root): outputs first, level by level (a
    node's level is its longest path to the root: every user of a node comes before it),
    each level in reading order: L, d, f, e, c, a, b."""
    level = {root: 0}
    for v in reversed(order):
        for p in v.parents:
            level[p] = max(level.get(p, 0), level[v] + 1)
    reading = {v: i for i, v in enumerate(reading_order(order))}
    checked = sorted((v for v in order if v.label or v is root),
                     key=lambda v: (level[v], reading[v]))
    if len(checked) < 2:
        raise ValueError(f"{who}: label the nodes you fill in (Value(2.0, label='a'), "
                         "e.label = 'e'); no node of this graph has a label")
    return checked


def _filled_in_grads(root: Value, checked: list, names: dict, who: str) -> list[float]:
    """The learner's ``.grad`` of each checked node, once none is left to fill in."""
    todo = [names[v] for v in checked if v.grad is TODO]
    if todo:
        raise NotDoneYet(f"{who}: not done yet: {', '.join(n + '.grad' for n in todo)} "
                         f"{'is' if len(todo) == 1 else 'are'} still the placeholder `...`. "
                         f"Fill them in outputs first, starting with {names[checked[0]]}.grad.")
    grads = [answer_number(v.grad, f"{who}: {names[v]}.grad") for v in checked]
    if all(g == 0.0 for g in grads):
        raise NotDoneYet(f"{who}: not done yet: every .grad is still 0. Start with "
                         f"{names[root]}.grad = 1 and work back to the inputs.")
    return grads


def _wrong_grad(v: Value, got: float, root: Value, order: list, checked: list, truth: dict,
                names: dict, tol: float) -> WrongAnswer:
    """The first wrong ``.grad``: where, and a hint with its paths, upstream × local."""
    ok = [names[u] for u in checked[:checked.index(v)]]
    where = f"at {names[v]}.grad (going back from {names[root]}"
    where += f": {', '.join(ok)} right)" if ok else ")"
    if v is root:
        hint = (f"{names[root]} is the output: the backward pass starts from "
                f"d{names[root]}/d{names[root]} = 1.")
        return WrongAnswer("backward by hand", where, truth[v], got, hint)
    return WrongAnswer("backward by hand", where, truth[v], got,
                       _paths_hint(v, got, order, truth, names, tol) + ".")


def _paths_hint(v: Value, got: float, order: list, truth: dict, names: dict,
                tol: float) -> str:
    """Each use of ``v``: upstream × local; and the path a learner may have missed."""
    users = {}  # node -> [(the node using it, which input it is)]
    for u in order:
        for i, p in enumerate(u.parents):
            users.setdefault(p, []).append((u, i))
    paths, lines = [], []
    for u, i in users[v]:
        local = local_gradients(u)[i]
        paths.append((u, truth[u], local, truth[u] * local))
        twice = sum(p is v for p in u.parents) > 1
        lines.append(f"{_formula(u, names)}{f' (as input {i + 1})' if twice else ''}: "
                     f"upstream {names[u]}.grad = {short(truth[u])} × local "
                     f"d{names[u]}/d{names[v]} = {short(local)} → {short(truth[u] * local)}")
    hint = f"{names[v]}.grad = upstream × local gradient, over every use of {names[v]}: "
    hint += "; ".join(lines)
    if len(paths) > 1:
        hint += (f". {names[v]} is used {len(paths)} times: the paths add up to "
                 f"{short(sum(c for *_, c in paths))}")
        if any(close(got, c, tol) for *_, c in paths):
            hint += " (you have one path only)"
    elif any(close(got, up, tol) for _, up, _, _ in paths):
        hint += " (you passed the upstream gradient on without the local gradient)"
    return hint


# --- 6. an op of one's own ---------------------------------------------------------------------


def _swish(x):
    return x * sigmoid_number(x)


def _swish_prime(x):
    s = sigmoid_number(x)
    return s + x * s * (1 - s)


_POINTS = (-2.5, -0.8, 0.3, 1.2, 3.0)  # away from 0, where elu and softsign have kinks

# name: (forward, derivative, formula, ((a wrong derivative, what it means), ...))
REFERENCE_OPS = {
    "swish": (_swish, _swish_prime, "swish(x) = x σ(x), swish'(x) = σ(x) + x σ(x)(1 − σ(x))", (
        (sigmoid_number, "Yours is σ(x): swish = x · σ(x) is a product, so by the product rule "
                   "swish' = σ(x) + x σ'(x)"),
        (lambda x: x * sigmoid_number(x) * (1 - sigmoid_number(x)),
         "Yours is x σ'(x) only: the product rule adds σ(x) · 1"),
    )),
    "softsign": (lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2,
                 "softsign(x) = x / (1 + |x|), softsign'(x) = 1 / (1 + |x|)²", (
        (lambda x: 1 / (1 + abs(x)), "The square is missing: 1 / (1 + |x|)²"),
    )),
    "elu": (lambda x: x if x > 0 else math.expm1(x), lambda x: 1.0 if x > 0 else math.exp(x),
            "elu(x) = x for x > 0, e^x − 1 otherwise; elu'(x) = 1 for x > 0, e^x otherwise", (
        (lambda x: 1.0 if x > 0 else math.expm1(x),
         "For x < 0 the derivative of e^x − 1 is e^x (the −1 is a constant)"),
    )),
}


@checker(lambda op, reference="swish", *a, **k: reference if isinstance(reference, str) else
         getattr(op, "name", ""))
def check_custom_op(op, reference: str | tuple = "swish", tol: float = DEFAULT_TOL,
                    at=None) -> Passed:
    """Check a unary op made with ``autograd.op`` against a reference and say which
    part is wrong, the forward function or the local gradient: first its forward
    against the reference formula at a few points; then ``autograd.check_op(op)``
    (its local gradient against central differences of its own forward); then its
    local gradient against the reference derivative. ``reference`` is a name in
    ``REFERENCE_OPS`` (``"swish"``, ``"softsign"``, ``"elu"``; the op itself may be
    called anything not built in, e.g. ``my_softsign``) or a pair of functions
    ``(forward, derivative)`` on floats. ``at`` replaces the sample points (numbers
    x), e.g. for a grader's hidden test. (PyTorch: ``gradcheck`` on a
    ``torch.autograd.Function``.)"""

    who = "check_custom_op"
    name, forward, derivative, formula, mistakes = _reference(reference, who)
    _check_unary_op(op, who)
    tol = tolerance(tol, who)
    name = name or op.name
    formula = formula or f"{name}: the reference forward and derivative"
    points = _POINTS if at is None else tuple(p for p, in sample_points(at, 1, f"{who}: at"))

    outs = [op(Value(x)) for x in points]
    _compare_forward(op, points, outs, forward, formula, tol)
    local = [local_gradients(out)[0] for out in outs]
    wrong = [i for i, x in enumerate(points) if not close(local[i], derivative(x), tol)]
    numeric = _central_differences_report(op, points, wrong)
    if wrong:
        i = wrong[0]
        hint = formula + "."
        for mistake, meaning in mistakes:
            if _matches_everywhere(mistake, [(x,) for x in points], [(d,) for d in local], tol):
                hint += " " + meaning + "."
                break
        raise WrongAnswer(f"{op.name}: the local gradient",
                          f"at x = {short(points[i])} (the forward is right)",
                          derivative(points[i]), local[i], f"{hint}\n{numeric}")
    return passed(f"{op.name}: forward and local gradient right at x = "
                   f"{', '.join(short(x) for x in points)}; {numeric}")


def _reference(reference, who: str) -> tuple:
    """(name or None, forward, derivative, formula, mistakes) of a name in
    ``REFERENCE_OPS`` or of a pair (forward, derivative)."""
    if isinstance(reference, str):
        if reference not in REFERENCE_OPS:
            raise ValueError(f"{who}: unknown reference {reference!r}; expected one of "
                             f"{', '.join(REFERENCE_OPS)} or a pair (forward, derivative)")
        return (reference, *REFERENCE_OPS[reference])
    if isinstance(reference, tuple) and len(reference) == 2 \
            and all(callable(f) for f in reference):
        return (None, *reference, "", ())
    raise TypeError(f"{who}: reference must be an op name ({', '.join(REFERENCE_OPS)}) "
                    f"or a pair of functions (forward, derivative), got {reference!r:.60}")


def _check_unary_op(op, who: str) -> None:
    """The learner's op is written, made with ``autograd.op``, and takes one input."""
    not_done(op, who, "your op (define it with @autograd.op(local=...))")
    if not isinstance(op, Op):
        made = " (a plain function: decorate it with @autograd.op(local=...))" \
            if callable(op) else ""
        raise TypeError(f"{who}: op must be an op made with autograd.op, got "
                        f"{type(op).__name__}{made}")
    if op.arity != 1:
        raise ValueError(f"{who}: op must be unary (one input x), {op.name!r} takes "
                         f"{'n' if op.arity == 0 else op.arity}")


def _compare_forward(op, points, outs: list, forward, formula: str, tol: float) -> None:
    """The op's forward against the reference at each sample point: wrong is told first."""
    for x, out in zip(points, outs):
        if not close(out.data, forward(x), tol):
            raise WrongAnswer(f"{op.name}: the forward function", f"at x = {short(x)}",
                              forward(x), out.data, f"{formula}. Fix the forward first; the "
                              "local gradient is checked against it next.")


def _central_differences_report(op, points, wrong: list) -> str:
    """What ``autograd.check_op`` says of the op's local gradient (against central
    differences of its own forward); WrongAnswer if it fails where the reference
    points found nothing ``wrong``."""
    try:
        check_op(op, points=points)
        return "autograd.check_op passes"
    except GradcheckError as e:
        numeric = f"autograd.check_op compared it with central differences of your forward:\n{e}"
        if not wrong:  # right at the reference points, wrong where check_op looked
            raise WrongAnswer(f"{op.name}: the local gradient", "near the sample points (the "
                              "forward is right)", "the numeric slope (in the table)",
                              "your local gradient (in the table)", numeric) from None
        return numeric


