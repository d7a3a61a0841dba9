"""Exercises with automatic feedback: checkers that a notebook calls on the learner's answer.

Every checker compares an answer with what the engine itself computes. A right
answer returns a ``Passed`` (a ``str`` that shows as ``✓ ...``); a wrong one
raises ``WrongAnswer``, saying what was expected, what came, where (which input,
node or neuron) and a hint that teaches. An answer still holding the student
version's placeholder ``...`` raises ``NotDoneYet``. Both are ``AssertionError``s
(a failed check, as in nbgrader's autograded cells and ``torch.autograd.gradcheck``)
and show in Jupyter as their message alone, without a traceback. Bad arguments
(wrong types, wrong lengths) raise ``TypeError``/``ValueError`` naming the argument.
Numbers agree when they differ by at most ``tol`` (1e-6; 1e-9 for an SGD step)
times max(1, |expected|).

=================================================  ==========================================
``check_local_gradient("tanh", rule)``             a built-in op's local gradient
``check_backward(L)``                              ``.grad`` filled in by hand on a graph
``check_deltas(model, x, t, layer=0, deltas=...)`` the δ = ∂E/∂u of one layer of an MLP
``check_sgd_step(θ, g, new_θ, lr=, momentum=)``    one (momentum) SGD step, as ``nn.SGD``
``check_cross_entropy(z, target, loss, grad)``     softmax cross-entropy and its p − t
``check_custom_op(op, "swish")``                   an op of one's own (``autograd.op``)
=================================================  ==========================================

Student notebooks: ``python -m autograd.exercises --strip notebooks/10_exercises.ipynb
-o student.ipynb`` writes a copy in which every solution cell (a code cell whose
first line is ``# SOLUTION: name, name.grad, ...``) keeps only
``# your code here`` and one ``name = ...`` line per answer; the checkers then say
"not done yet" instead of failing with a ``NameError``. Outputs are cleared.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import numbers
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import _args
from .engine import Value, local_gradients, topological_order
from .functional import grad as _grad
from .ops import _sigmoid
from .viz import _reading_order, _write_atomically, node_names

__all__ = ["ExerciseError", "WrongAnswer", "NotDoneYet", "Passed", "TODO",
           "check_local_gradient", "check_backward", "check_deltas", "check_sgd_step",
           "check_cross_entropy", "check_custom_op", "strip_solutions", "strip_notebook", "main"]

TODO = ...  # the placeholder the student version leaves in each answer cell: ``tanh_rule = ...``
DEFAULT_TOL = 1e-6


# --- results -----------------------------------------------------------------------------------


class ExerciseError(AssertionError):
    """A check did not pass. In Jupyter it shows as its message alone (no traceback:
    the learner's cell is the call, the library's frames would only hide the hint)."""

    def _render_traceback_(self) -> list[str]:  # IPython's hook for custom tracebacks
        first, *rest = str(self).splitlines() or [""]
        return [f"\x1b[1;31m{type(self).__name__}\x1b[0m: {first}", *rest]


class WrongAnswer(ExerciseError):
    """The answer differs from the engine's. ``where`` (the input, node or neuron),
    ``expected``, ``got`` and ``hint`` are also attributes."""

    def __init__(self, what: str, where: str, expected, got, hint: str = ""):
        self.what, self.where, self.expected, self.got, self.hint = what, where, expected, got, hint
        lines = [f"{what}: wrong {where}.",
                 f"  yours:    {_show(got)}",
                 f"  expected: {_show(expected)}"]
        if hint:
            lines.append(f"Hint: {hint}")
        super().__init__("\n".join(lines))


class NotDoneYet(ExerciseError):
    """The answer is still the placeholder ``...`` of the student version."""


class Passed(str):
    """A passed check: a ``str`` starting with ``✓`` that shows without quotes."""

    def __repr__(self) -> str:
        return str(self)


def _passed(message: str) -> Passed:
    return Passed(f"✓ {message}")


# --- small helpers -----------------------------------------------------------------------------


def _show(x) -> str:
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in x) + "]"
    if isinstance(x, float):
        return f"{x:.10g}"
    return repr(x)


def _g(x: float) -> str:
    """A number for a hint: short, readable."""
    return f"{x:.4g}"


def _close(got: float, expected: float, tol: float) -> bool:
    if math.isnan(expected):
        return math.isnan(got)
    return abs(got - expected) <= tol * max(1.0, abs(expected))


def _tol(tol, who: str) -> float:
    return _args.real(tol, f"{who}: tol", above=0)


def _not_done(answer, who: str, what: str) -> None:
    """Raise NotDoneYet if ``answer`` (or anything in it) is the placeholder ``...``."""
    if answer is TODO or (isinstance(answer, (list, tuple)) and any(a is TODO for a in answer)):
        raise NotDoneYet(f"{who}: not done yet: {what} is still the placeholder `...` "
                         "(write it in your cell above, run that cell, then this one)")


def _answer_number(x, name: str) -> float:
    """A learner's number: int, float, numpy scalar or a Value (its .data)."""
    if isinstance(x, Value):
        return x.data
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        if type(x).__module__ == "numpy" and getattr(x, "shape", None) == ():
            return float(x)
        raise TypeError(f"{name} must be a number, got {type(x).__name__}: {x!r:.60}")
    return float(x)


def _numbers(xs, name: str, length: int | None = None) -> list[float]:
    """A list/tuple/1-D array of numbers, optionally of a given length."""
    if hasattr(xs, "tolist") and getattr(xs, "ndim", 1) == 1:
        xs = xs.tolist()
    if isinstance(xs, (str, bytes, Value)) or not isinstance(xs, Sequence):
        raise TypeError(f"{name} must be a list of numbers, got {type(xs).__name__}: {xs!r:.60}")
    out = [_answer_number(x, f"{name}[{i}]") for i, x in enumerate(xs)]
    if length is not None and len(out) != length:
        raise ValueError(f"{name} must have {length} numbers, got {len(out)}")
    return out


def _matches_everywhere(mistake, points, answers, tol) -> bool:
    try:
        for p, a in zip(points, answers):
            m = mistake(*p)
            m = m if isinstance(m, tuple) else (m,)
            if not all(_close(ai, mi, tol) for ai, mi in zip(a, m)):
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
    s = _sigmoid(x)
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
        (lambda x: _sigmoid(x) ** 2, "Not sigma(x)^2: sigma(x) * (1 - sigma(x))"),
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
        (lambda x: _sigmoid(-x), "That is sigma(-x) = 1/(1 + e^x); softplus' = 1/(1 + e^-x)"),
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


def _engine_local(build, xs) -> tuple:
    node = build(*[Value(x) for x in xs])
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


def check_local_gradient(op: str, rule: Callable, tol: float = DEFAULT_TOL) -> Passed:
    """Check a local-gradient rule for a built-in op against the engine's own rule
    (``autograd/ops.py``), at sample points away from kinks and domain edges.

    A unary rule is ``rule(x) -> d out/dx`` (``check_local_gradient("tanh", rule)``);
    a binary one ``rule(x, y) -> (d out/dx, d out/dy)`` for ``add sub mul div pow``
    (or ``+ - * / **``). The rule takes the inputs only (the engine's own rules also
    receive the output, as a shortcut). Ops: ``sigmoid tanh relu leaky_relu exp log
    sqrt softplus softsign abs neg hardtanh``. (PyTorch: ``torch.autograd.gradcheck``
    against a rule of one's own.)
    """
    who = "check_local_gradient"
    if not isinstance(op, str):
        raise TypeError(f"{who}: op must be an op name such as 'tanh', got "
                        f"{type(op).__name__}: {op!r:.40}")
    name = _ALIASES.get(op, op)
    if name not in _BUILTIN:
        raise ValueError(f"{who}: unknown op {op!r}; expected one of {', '.join(_BUILTIN)} "
                         "(or + - * / **)")
    form = "def rule(x): return d out/dx" if len(_BUILTIN[name][1][0]) == 1 \
        else "def rule(x, y): return (d out/dx, d out/dy)"
    _not_done(rule, who, f"your local-gradient rule for {name} ({form})")
    if not callable(rule):
        raise TypeError(f"{who}: rule must be a function, got {type(rule).__name__}: "
                        f"{rule!r:.40}")
    tol = _tol(tol, who)
    build, points, formula, mistakes = _BUILTIN[name]
    arity = len(points[0])
    _check_rule_signature(rule, arity, name, who)

    answers, expected = [], []
    for p in points:
        got = rule(*p)
        _not_done(got, who, f"what your rule for {name} returns")
        if arity == 1:
            got = (_answer_number(got, f"{who}: what rule({_g(p[0])}) returns"),)
        else:
            if not isinstance(got, (tuple, list)) or len(got) != 2:
                raise TypeError(f"{who}: a rule for {name!r} must return two numbers "
                                f"(d out/dx, d out/dy); at {p} it returned {got!r:.60}")
            got = tuple(_answer_number(g, f"{who}: rule{p}[{i}]") for i, g in enumerate(got))
        answers.append(got)
        expected.append(_engine_local(build, p))

    wrong = [i for i in range(len(points))
             if not all(_close(a, e, tol) for a, e in zip(answers[i], expected[i]))]
    at = ", ".join(_g(p[0]) if arity == 1 else f"({_g(p[0])}, {_g(p[1])})" for p in points)
    if not wrong:
        return _passed(f"{name}: your local gradient matches the engine's at "
                       f"{'x' if arity == 1 else '(x, y)'} = {at}")
    i = wrong[0]
    p = points[i]
    if arity == 1:
        where = f"at x = {_g(p[0])}"
        got, exp = answers[i][0], expected[i][0]
    else:
        parts = [s for s, a, e in zip(("d out/dx", "d out/dy"), answers[i], expected[i])
                 if not _close(a, e, tol)]
        where = f"at (x, y) = ({_g(p[0])}, {_g(p[1])}): {' and '.join(parts)}"
        got, exp = list(answers[i]), list(expected[i])
    hint = formula + "."
    for mistake, meaning in (*mistakes, *_generic_mistakes(name, build, arity)):
        if _matches_everywhere(mistake, points, answers, tol):
            hint += " " + meaning + "."
            break
    if len(wrong) > 1:
        hint += f" (Wrong at {len(wrong)} of the {len(points)} sample points.)"
    raise WrongAnswer(f"{name}'s local gradient", where, exp, got, hint)


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
    tol = _tol(tol, who)
    order = topological_order(root)
    # outputs first, level by level (a node's level is its longest path to the root: every
    # user of a node comes before it), each level in reading order: L, d, f, e, c, a, b
    level = {root: 0}
    for v in reversed(order):
        for p in v.parents:
            level[p] = max(level.get(p, 0), level[v] + 1)
    reading = {v: i for i, v in enumerate(_reading_order(order))}
    checked = sorted((v for v in order if v.label or v is root),
                     key=lambda v: (level[v], reading[v]))
    if len(checked) < 2:
        raise ValueError(f"{who}: label the nodes you fill in (Value(2.0, label='a'), "
                         "e.label = 'e'); no node of this graph has a label")
    names = node_names(order)
    todo = [names[v] for v in checked if v.grad is TODO]
    if todo:
        raise NotDoneYet(f"{who}: not done yet: {', '.join(n + '.grad' for n in todo)} "
                         f"{'is' if len(todo) == 1 else 'are'} still the placeholder `...`. "
                         f"Fill them in outputs first, starting with {names[checked[0]]}.grad.")
    grads = [_answer_number(v.grad, f"{who}: {names[v]}.grad") for v in checked]
    if all(g == 0.0 for g in grads):
        raise NotDoneYet(f"{who}: not done yet: every .grad is still 0. Start with "
                         f"{names[root]}.grad = 1 and work back to the inputs.")
    truth = dict(zip(order, _grad(root, order)))
    users = {}  # node -> [(the node using it, which input it is)]
    for v in order:
        for i, p in enumerate(v.parents):
            users.setdefault(p, []).append((v, i))
    for v, got in zip(checked, grads):
        expected = truth[v]
        if _close(got, expected, tol):
            continue
        ok = [names[u] for u in checked[:checked.index(v)]]
        where = f"at {names[v]}.grad (going back from {names[root]}"
        where += f": {', '.join(ok)} right)" if ok else ")"
        if v is root:
            hint = (f"{names[root]} is the output: the backward pass starts from "
                    f"d{names[root]}/d{names[root]} = 1.")
            raise WrongAnswer("backward by hand", where, expected, got, hint)
        paths, lines = [], []
        for u, i in users[v]:
            local = local_gradients(u)[i]
            paths.append((u, truth[u], local, truth[u] * local))
            twice = sum(p is v for p in u.parents) > 1
            lines.append(f"{_formula(u, names)}{f' (as input {i + 1})' if twice else ''}: "
                         f"upstream {names[u]}.grad = {_g(truth[u])} × local "
                         f"d{names[u]}/d{names[v]} = {_g(local)} → {_g(truth[u] * local)}")
        hint = f"{names[v]}.grad = upstream × local gradient, over every use of {names[v]}: "
        hint += "; ".join(lines)
        if len(paths) > 1:
            hint += (f". {names[v]} is used {len(paths)} times: the paths add up to "
                     f"{_g(sum(c for *_, c in paths))}")
            if any(_close(got, c, tol) for *_, c in paths):
                hint += " (you have one path only)"
        elif any(_close(got, up, tol) for _, up, _, _ in paths):
            hint += " (you passed the upstream gradient on without the local gradient)"
        raise WrongAnswer("backward by hand", where, expected, got, hint + ".")
    return _passed(f"backward by hand: all {len(checked)} gradients right "
                   f"({', '.join(names[v] for v in checked)})")


# --- 3. the deltas of an MLP layer -------------------------------------------------------------


def _loss_function(loss, who: str):
    from nn import losses

    named = {"half_squared_error": losses.half_squared_error, "mse": losses.mse,
             "cross_entropy": losses.cross_entropy,
             "binary_cross_entropy": losses.binary_cross_entropy}
    if callable(loss):
        return loss, getattr(loss, "__name__", "loss")
    if isinstance(loss, str) and loss in named:
        return named[loss], loss
    raise ValueError(f"{who}: loss must be one of {', '.join(named)} or a function "
                     f"(outputs, targets) -> Value, got {loss!r:.40}")


def _sum_node(neuron, order) -> Value:
    """The weighted sum u = Σ w_i x_i + b of ``neuron`` in the graph ``order``."""
    for v in order:
        if v.op != "sum":
            continue
        ps = v.parents
        if neuron.b is not None and any(p is neuron.b for p in ps):
            return v
        if any(p.op == "*" and p.parents[0] is neuron.w[0] for p in ps):
            return v
    raise ValueError("check_deltas: a neuron of the layer is not in the graph")


def check_deltas(model, x, target, layer: int, deltas, loss="half_squared_error",
                 tol: float = DEFAULT_TOL) -> Passed:
    """Check the local sensitivities δ_j = ∂E/∂u_j of one layer of ``model``
    (an ``nn.MLP``) on one sample ``x`` with target ``target``, where
    ``u_j = Σ_i w_ji y_i + b_j`` is neuron j's weighted sum and ``E = loss([model(x)],
    [target])`` (``"half_squared_error"``: E = ½‖y − t‖²; or ``"mse"``,
    ``"cross_entropy"``, ``"binary_cross_entropy"``, or a function). The reference is
    ``u.grad`` after ``backward()``, as the network view of ``backward_trace`` shows
    it. ``layer`` counts from 0 (the first hidden layer); -1 is the output layer.
    The hint spells out the lecture's recursion: output δ = ∂E/∂y · f'(u),
    hidden δ_j = f'(u_j) Σ_k w_kj δ_k.
    """
    from nn import MLP

    who = "check_deltas"
    if not isinstance(model, MLP):
        raise TypeError(f"{who}: model must be an nn.MLP, got {type(model).__name__}")
    n_layers = len(model.layers)
    layer = _args.integer(layer, f"{who}: layer")
    if not -n_layers <= layer < n_layers:
        raise ValueError(f"{who}: layer must be in 0..{n_layers - 1} (or -1 for the output "
                         f"layer) for this MLP of {n_layers} layers, got {layer}")
    layer %= n_layers
    xs = _numbers(x, f"{who}: x", model.nin)
    loss_fn, loss_name = _loss_function(loss, who)
    tol = _tol(tol, who)
    neurons = model.layers[layer].neurons
    _not_done(deltas, who, f"your list of the {len(neurons)} δ of layer {layer}")
    got = _numbers(deltas, f"{who}: deltas", len(neurons))

    out = model([Value(v) for v in xs])
    E = loss_fn([out], [target])
    order = topological_order(E)
    us = [_sum_node(n, order) for n in neurons]
    expected = _grad(E, us)
    fprime = []  # f'(u_j): the activation's derivative at u_j (1 for a linear neuron)
    for n, u in zip(neurons, us):
        leaf = Value(u.data)
        fprime.append(1.0 if n._f is None else _grad(n._f(leaf), leaf))
    above = None
    if layer + 1 < n_layers:  # hidden: ∂E/∂y_j = Σ_k w_kj δ_k over the layer above
        above_neurons = model.layers[layer + 1].neurons
        d_above = _grad(E, [_sum_node(n, order) for n in above_neurons])
        w_above = [[n.w[j].data for n in above_neurons] for j in range(len(neurons))]
        above = (d_above, w_above)
        dE_dy = [sum(w * d for w, d in zip(w_above[j], d_above)) for j in range(len(neurons))]
    else:  # output: ∂E/∂y from the loss
        dE_dy = _grad(E, out if isinstance(out, list) else [out])

    wrong = [j for j in range(len(neurons)) if not _close(got[j], expected[j], tol)]
    if not wrong:
        return _passed(f"deltas of layer {layer}: all {len(neurons)} right "
                       f"({', '.join(_g(d) for d in expected)})")
    j = wrong[0]
    where = f"at layer {layer}, neuron {j} (L{layer}N{j})"
    if above is None:
        hint = (f"an output neuron's δ = ∂E/∂y · f'(u); here ∂E/∂y = {_g(dE_dy[j])} "
                f"(for {loss_name}) and f'(u) = {_g(fprime[j])}, so δ = {_g(expected[j])}")
        if loss_name == "half_squared_error":
            hint += " (∂E/∂y = y − t for E = ½‖y − t‖²)"
    else:
        d_above, w = above
        terms = " + ".join(f"{_g(wk)}×{_g(dk)}" for wk, dk in zip(w[j], d_above))
        hint = (f"a hidden neuron's δ_j = f'(u_j) · Σ_k w_kj δ_k over the neurons k of "
                f"layer {layer + 1}: Σ_k w_kj δ_k = {terms} = {_g(dE_dy[j])} and "
                f"f'(u_j) = {_g(fprime[j])}, so δ_j = {_g(expected[j])}")
    if fprime[j] != 1.0 and _close(got[j], dE_dy[j], tol):
        hint += ". You have ∂E/∂y: multiply by f'(u)"
    elif _close(got[j], -expected[j], tol):
        hint += (". Yours has the opposite sign: δ = ∂E/∂u, and for E = ½(y − t)² the output's "
                 "∂E/∂y is y − t, not t − y")
    if len(wrong) > 1:
        hint += f". Wrong for {len(wrong)} of the {len(neurons)} neurons"
    raise WrongAnswer(f"δ = ∂E/∂u of layer {layer}", where, expected[j], got[j], hint + ".")


# --- 4. one SGD / momentum step ----------------------------------------------------------------


def check_sgd_step(params, grads, new_params, *, lr: float, momentum: float = 0.0,
                   velocity=None, new_velocity=None, weight_decay: float = 0.0,
                   tol: float = 1e-9) -> Passed:
    """Check one step of (momentum) SGD against ``nn.SGD``, in the lectures' form::

        v ← γ v − α (g + λ θ)      (γ = momentum, α = lr, λ = weight_decay)
        θ ← θ + v

    ``params`` θ and ``grads`` g are the numbers before the step, ``new_params``
    the learner's θ after it; with momentum > 0 also ``velocity`` (v before,
    zeros if omitted) and ``new_velocity`` (the learner's v after). Without
    momentum the step is θ ← θ − α g. (PyTorch's SGD keeps v with the opposite sign
    and lr outside it: the same steps for a constant lr.)
    """
    from nn import SGD

    who = "check_sgd_step"
    theta = _numbers(params, f"{who}: params")
    if not theta:
        raise ValueError(f"{who}: params must not be empty")
    n = len(theta)
    g = _numbers(grads, f"{who}: grads", n)
    lr = _args.real(lr, f"{who}: lr", above=0)
    gamma = _args.real(momentum, f"{who}: momentum", minimum=0)
    if gamma > 1:
        raise ValueError(f"{who}: momentum must be in [0, 1], got {gamma:g}")
    decay = _args.real(weight_decay, f"{who}: weight_decay", minimum=0)
    v = [0.0] * n if velocity is None else _numbers(velocity, f"{who}: velocity", n)
    if gamma == 0 and (velocity is not None or new_velocity is not None):
        raise ValueError(f"{who}: velocity and new_velocity are for momentum > 0; "
                         "without momentum there is no velocity")
    if gamma > 0 and new_velocity is None:
        raise ValueError(f"{who}: with momentum, give new_velocity too (v after the step)")
    tol = _tol(tol, who)
    if gamma > 0:
        _not_done(new_velocity, who, "your new velocity v (new_velocity)")
    _not_done(new_params, who, "your new parameters θ (new_params)")
    got_theta = _numbers(new_params, f"{who}: new_params", n)
    got_v = _numbers(new_velocity, f"{who}: new_velocity", n) if gamma > 0 else None

    ps = [Value(t) for t in theta]
    for p, gi in zip(ps, g):
        p.grad = gi
    optimizer = SGD(ps, lr=lr, momentum=gamma, weight_decay=decay)
    optimizer.velocity[:] = v
    optimizer.step()
    ref_theta, ref_v = [p.data for p in ps], optimizer.velocity.tolist()
    g_eff = [gi + decay * t for gi, t in zip(g, theta)]
    grad_text = "(g + λθ)" if decay else "g"

    if gamma > 0:
        wrong = [i for i in range(n) if not _close(got_v[i], ref_v[i], tol)]
        if wrong:
            i = wrong[0]
            hint = (f"v ← γv − α{grad_text} = {_g(gamma)}×{_g(v[i])} − {_g(lr)}×{_g(g_eff[i])}"
                    f" = {_g(ref_v[i])}")
            if all(_close(got_v[k], gamma * v[k] + g_eff[k], tol) for k in range(n)):
                hint += (". Yours is PyTorch's buffer v ← γv + g (with θ ← θ − αv); this "
                         "course's velocity has the step in it: v ← γv − αg, θ ← θ + v")
            elif all(_close(got_v[k], gamma * v[k] + lr * g_eff[k], tol) for k in range(n)):
                hint += ". Mind the sign: the velocity moves against the gradient, −αg"
            raise WrongAnswer("momentum step", f"new_velocity[{i}]", ref_v[i], got_v[i],
                              hint + ".")
    wrong = [i for i in range(n) if not _close(got_theta[i], ref_theta[i], tol)]
    if not wrong:
        what = "momentum step" if gamma > 0 else "SGD step"
        return _passed(f"{what}: new params {_show(ref_theta)}"
                       + (f", new velocity {_show(ref_v)}" if gamma > 0 else ""))
    i = wrong[0]
    if gamma > 0:
        hint = f"θ ← θ + v = {_g(theta[i])} + {_g(ref_v[i])} = {_g(ref_theta[i])}"
        if all(_close(got_theta[k], theta[k] - ref_v[k], tol) for k in range(n)):
            hint += ". θ + v, not θ − v: the minus sign is already in v"
        elif all(_close(got_theta[k], theta[k] - lr * g_eff[k], tol) for k in range(n)):
            hint += ". Yours is a plain SGD step; with momentum θ moves by the new velocity v"
    else:
        hint = (f"θ ← θ − α{grad_text} = {_g(theta[i])} − {_g(lr)}×{_g(g_eff[i])} = "
                f"{_g(ref_theta[i])}")
        if all(_close(got_theta[k], theta[k] + lr * g_eff[k], tol) for k in range(n)):
            hint += ". You stepped uphill: subtract the gradient"
    raise WrongAnswer("momentum step" if gamma > 0 else "SGD step", f"new_params[{i}]",
                      ref_theta[i], got_theta[i], hint + ".")


# --- 5. softmax cross-entropy and its gradient -------------------------------------------------


def check_cross_entropy(logits, target, loss, gradient, tol: float = DEFAULT_TOL) -> Passed:
    """Check a softmax cross-entropy value ``loss`` = −log p_target and its
    ``gradient`` ∂E/∂z = p − t at the ``logits`` z (one sample; ``target`` a class
    index or a one-hot list) against ``nn.losses.cross_entropy`` and ``backward()``.
    (PyTorch: ``F.cross_entropy``.)"""
    from nn.losses import cross_entropy

    who = "check_cross_entropy"
    z = _numbers(logits, f"{who}: logits")
    k = len(z)
    if k < 2:
        raise ValueError(f"{who}: logits must have at least 2 classes, got {k}")
    if isinstance(target, numbers.Integral) and not isinstance(target, bool):
        if not 0 <= target < k:
            raise ValueError(f"{who}: target must be a class index in 0..{k - 1}, got {target}")
        t = [1.0 if i == target else 0.0 for i in range(k)]
    else:
        t = _numbers(target, f"{who}: target (a class index or a one-hot list)", k)
        if sorted(t) != [0.0] * (k - 1) + [1.0]:
            raise ValueError(f"{who}: target must be a class index or a one-hot list, got {t}")
    tol = _tol(tol, who)
    _not_done(loss, who, "your loss E = −log p_target")
    got_loss = _answer_number(loss, f"{who}: loss")
    _not_done(gradient, who, "your gradient ∂E/∂z (one number per logit)")
    got_grad = _numbers(gradient, f"{who}: gradient", k)

    zs = [Value(v) for v in z]
    E = cross_entropy([zs], [t])
    E.backward()
    ref_grad = [v.grad for v in zs]
    m = max(z)
    total = sum(math.exp(v - m) for v in z)
    p = [math.exp(v - m) / total for v in z]
    c = t.index(1.0)
    if not _close(got_loss, E.data, tol):
        hint = f"E = −log p_target = −log {_g(p[c])} = {_g(E.data)}, with p = softmax(z)"
        if _close(got_loss, -E.data, tol):
            hint += ". Yours is log p_target: the minus sign is missing"
        elif _close(got_loss, p[c], tol):
            hint += ". Yours is the probability p_target itself; take −log of it"
        elif _close(got_loss, E.data / math.log(10), tol):
            hint += ". Yours uses log base 10; cross-entropy uses the natural log"
        raise WrongAnswer("cross-entropy loss", "loss", E.data, got_loss, hint + ".")
    wrong = [i for i in range(k) if not _close(got_grad[i], ref_grad[i], tol)]
    if not wrong:
        return _passed(f"cross-entropy: loss {_g(E.data)} and gradient p − t = "
                       f"{_show([round(g, 6) for g in ref_grad])} right")
    i = wrong[0]
    hint = f"∂E/∂z_i = p_i − t_i = {_g(p[i])} − {_g(t[i])} = {_g(ref_grad[i])}"
    if all(_close(got_grad[j], p[j], tol) for j in range(k)):
        hint += ". Yours is p: subtract the one-hot target t"
    elif all(_close(got_grad[j], t[j] - p[j], tol) for j in range(k)):
        hint += ". Yours is t − p: the gradient points up the loss, p − t"
    raise WrongAnswer("cross-entropy gradient", f"gradient[{i}] (class {i})", ref_grad[i],
                      got_grad[i], hint + ".")


# --- 6. an op of one's own ---------------------------------------------------------------------


def _swish(x):
    return x * _sigmoid(x)


def _swish_prime(x):
    s = _sigmoid(x)
    return s + x * s * (1 - s)


_POINTS = (-2.5, -0.8, 0.3, 1.2, 3.0)  # away from 0, where elu and softsign have kinks

# name: (forward, derivative, formula, ((a wrong derivative, what it means), ...))
REFERENCE_OPS = {
    "swish": (_swish, _swish_prime, "swish(x) = x σ(x), swish'(x) = σ(x) + x σ(x)(1 − σ(x))", (
        (_sigmoid, "Yours is σ(x): swish = x · σ(x) is a product, so by the product rule "
                   "swish' = σ(x) + x σ'(x)"),
        (lambda x: x * _sigmoid(x) * (1 - _sigmoid(x)),
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


def check_custom_op(op, reference: str | tuple = "swish", tol: float = DEFAULT_TOL) -> Passed:
    """Check a unary op made with ``autograd.op`` against a reference and say which
    part is wrong, the forward function or the local gradient: first its forward
    against the reference formula at a few points; then ``autograd.check_op(op)``
    (its local gradient against central differences of its own forward); then its
    local gradient against the reference derivative. ``reference`` is a name in
    ``REFERENCE_OPS`` (``"swish"``, ``"softsign"``, ``"elu"``; the op itself may be
    called anything not built in, e.g. ``my_softsign``) or a pair of functions
    ``(forward, derivative)`` on floats. (PyTorch: ``gradcheck`` on a
    ``torch.autograd.Function``.)"""
    import autograd
    from autograd.ops import Op

    who = "check_custom_op"
    if isinstance(reference, str):
        if reference not in REFERENCE_OPS:
            raise ValueError(f"{who}: unknown reference {reference!r}; expected one of "
                             f"{', '.join(REFERENCE_OPS)} or a pair (forward, derivative)")
        name = reference
        forward, derivative, formula, mistakes = REFERENCE_OPS[reference]
    elif (isinstance(reference, tuple) and len(reference) == 2
          and all(callable(f) for f in reference)):
        (forward, derivative), formula, mistakes = reference, "", ()
        name = None
    else:
        raise TypeError(f"{who}: reference must be an op name ({', '.join(REFERENCE_OPS)}) "
                        f"or a pair of functions (forward, derivative), got {reference!r:.60}")
    _not_done(op, who, "your op (define it with @autograd.op(local=...))")
    if not isinstance(op, Op):
        made = " (a plain function: decorate it with @autograd.op(local=...))" \
            if callable(op) else ""
        raise TypeError(f"{who}: op must be an op made with autograd.op, got "
                        f"{type(op).__name__}{made}")
    if op.arity != 1:
        raise ValueError(f"{who}: op must be unary (one input x), {op.name!r} takes "
                         f"{'n' if op.arity == 0 else op.arity}")
    tol = _tol(tol, who)
    name = name or op.name
    formula = formula or f"{name}: the reference forward and derivative"

    outs = [op(Value(x)) for x in _POINTS]
    for x, out in zip(_POINTS, outs):
        if not _close(out.data, forward(x), tol):
            raise WrongAnswer(f"{op.name}: the forward function", f"at x = {_g(x)}",
                              forward(x), out.data, f"{formula}. Fix the forward first; the "
                              "local gradient is checked against it next.")
    local = [local_gradients(out)[0] for out in outs]
    wrong = [i for i, x in enumerate(_POINTS) if not _close(local[i], derivative(x), tol)]
    try:
        autograd.check_op(op, points=_POINTS)
        numeric = "autograd.check_op passes"
    except autograd.GradcheckError as e:
        numeric = f"autograd.check_op compared it with central differences of your forward:\n{e}"
        if not wrong:  # right at the reference points, wrong where check_op looked
            raise WrongAnswer(f"{op.name}: the local gradient", "near the sample points (the "
                              "forward is right)", "the numeric slope (in the table)",
                              "your local gradient (in the table)", numeric) from None
    if wrong:
        i = wrong[0]
        hint = formula + "."
        for mistake, meaning in mistakes:
            if _matches_everywhere(mistake, [(x,) for x in _POINTS], [(d,) for d in local], tol):
                hint += " " + meaning + "."
                break
        raise WrongAnswer(f"{op.name}: the local gradient",
                          f"at x = {_g(_POINTS[i])} (the forward is right)",
                          derivative(_POINTS[i]), local[i], f"{hint}\n{numeric}")
    return _passed(f"{op.name}: forward and local gradient right at x = "
                   f"{', '.join(_g(x) for x in _POINTS)}; {numeric}")


# --- the student version of a notebook ---------------------------------------------------------

SOLUTION_MARK = "# SOLUTION"
_MARK = re.compile(r"\s*# SOLUTION\s*(:|$)")  # "# SOLUTION: names" (not "# SOLUTIONS ...")
_TARGET = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")  # a name or name.attribute


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _solution_answers(cell, index: int) -> list[str] | None:
    """The answer names of a solution cell (``# SOLUTION: tanh_rule, L.grad``), else None."""
    if cell.get("cell_type") != "code":
        return None
    lines = [ln for ln in _source(cell).splitlines() if ln.strip()]
    if not lines or not _MARK.match(lines[0]):
        return None
    rest = lines[0].lstrip()[len(SOLUTION_MARK):].strip()
    names = [n.strip() for n in rest[1:].split(",")] if rest.startswith(":") else []
    names = [n for n in names if n]
    if not names or not all(_TARGET.fullmatch(n) for n in names):
        raise ValueError(f"cell {index} is marked {SOLUTION_MARK} but does not name its "
                         f"answers as '{SOLUTION_MARK}: name, other.grad' (got {lines[0]!r})")
    return names


def strip_solutions(notebook: dict) -> tuple[dict, int]:
    """The student version of a notebook (nbformat 4, as a dict) and how many
    solution cells it had: each solution cell's body becomes ``# your code here``
    and one ``name = ...`` per answer; every output and execution count is cleared.
    The input is not changed."""
    if not isinstance(notebook, dict) or notebook.get("nbformat") != 4 \
            or not isinstance(notebook.get("cells"), list):
        raise ValueError("not a Jupyter notebook (nbformat 4 with a list of cells)")
    out = json.loads(json.dumps(notebook))  # a deep copy
    count = 0
    for i, cell in enumerate(out["cells"]):
        if not isinstance(cell, dict):
            raise ValueError(f"not a Jupyter notebook: cell {i} is not an object")
        names = _solution_answers(cell, i)
        if names is not None:
            count += 1
            body = ["# your code here: replace each `...` below (a def is fine too)\n"]
            body += [f"{n} = ...\n" for n in names]
            body[-1] = body[-1].rstrip("\n")
            cell["source"] = body
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return out, count


def strip_notebook(src, dst, in_place: bool = False) -> int:
    """Write the student version of notebook ``src`` to ``dst`` atomically (a temporary
    file beside it, then a rename); returns the number of solution cells. ``dst`` may
    be ``src`` only with ``in_place=True``."""
    src, dst = Path(src), Path(dst)
    if not src.is_file():
        raise FileNotFoundError(f"{src}: no such notebook")
    if not in_place and dst.exists() and os.path.samefile(src, dst):
        raise ValueError(f"{dst} is the input notebook: refusing to overwrite it "
                         "(write the student version elsewhere, or pass --in-place)")
    if not dst.parent.is_dir():
        raise FileNotFoundError(f"{dst.parent}: no such folder for the output")
    try:
        notebook = json.loads(src.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{src}: not a Jupyter notebook (not JSON: {e})") from None
    try:
        student, count = strip_solutions(notebook)
    except ValueError as e:
        raise ValueError(f"{src}: {e}") from None
    text = json.dumps(student, indent=1, ensure_ascii=False) + "\n"
    _write_atomically(dst, text.encode("utf-8"))
    return count


def main(argv: list[str] | None = None) -> int:
    """``python -m autograd.exercises --strip teacher.ipynb -o student.ipynb``."""
    parser = argparse.ArgumentParser(
        prog="python -m autograd.exercises",
        description="Write the student version of an exercise notebook: the body of every "
                    f"solution cell (first line '{SOLUTION_MARK}: name, ...') becomes "
                    "'# your code here' and 'name = ...', outputs are cleared.")
    parser.add_argument("--strip", metavar="NOTEBOOK", required=True,
                        help="the teacher's notebook, with solutions")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("-o", "--output", metavar="OUT", help="where to write the student version")
    where.add_argument("--in-place", action="store_true",
                       help="overwrite NOTEBOOK itself with the student version")
    args = parser.parse_args(argv)
    out = args.strip if args.in_place else args.output
    try:
        count = strip_notebook(args.strip, out, in_place=args.in_place)
    except (OSError, ValueError) as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 1
    if count == 0:
        print(f"{parser.prog}: warning: {args.strip} has no solution cells (mark them with "
              f"'{SOLUTION_MARK}: name' on their first line)", file=sys.stderr)
    print(f"wrote {out}: {count} solution cell{'s' if count != 1 else ''} stripped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
