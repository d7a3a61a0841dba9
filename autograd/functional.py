"""Gradients as functions: ``grad`` (``torch.autograd.grad``) and ``gradcheck``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

from . import _internal
from .engine import (
    Value,
    check_not_stale,
    grad_mode,
    local_gradients,
    no_grad,
    topological_order,
)

__all__ = ["grad", "gradcheck", "GradcheckError"]


def grad(output: Value, inputs, create_graph: bool = False):
    """Gradients of ``output`` with respect to ``inputs``, leaving every ``.grad`` untouched.

    ``inputs`` is a Value or a sequence of Values; the result has the same shape
    (one gradient, or a list). An input that ``output`` does not depend on gets 0.

    With ``create_graph=True`` the gradients are Values recorded in a graph of
    their own, so they can be differentiated again: second derivatives,
    Hessian-vector products, Newton's method. The local-gradient rules are the
    same ones ``backward()`` uses, evaluated on Values instead of floats.
    (PyTorch: ``torch.autograd.grad(output, inputs, create_graph=...)``.)
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    single = isinstance(inputs, Value)
    wrt = [inputs] if single else \
        _internal.items(inputs, "grad: inputs", "a Value or a list of Values")
    for i, v in enumerate(wrt):
        if not isinstance(v, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(v).__name__}")
    create_graph = _internal.boolean(create_graph, "grad: create_graph")

    if create_graph:  # the gradient's graph is recorded even inside no_grad(), as torch's
        with grad_mode(True):
            return _gradients(output, wrt, single, create_graph=True)
    return _gradients(output, wrt, single, create_graph=False)


def _gradients(output: Value, wrt: list, single: bool, create_graph: bool):
    """The chain rule from ``output`` back to ``wrt``, with the gradients kept in a dict
    (Values with ``create_graph``, floats without)."""
    order = topological_order(output)
    check_not_stale(order)
    grads = {output: Value(1.0) if create_graph else 1.0}
    for node in reversed(order):
        upstream = grads.get(node)
        if upstream is None or node.is_leaf:
            continue
        for parent, local in zip(node.parents, local_gradients(node, create_graph)):
            contribution = upstream * local
            previous = grads.get(parent)
            grads[parent] = contribution if previous is None else previous + contribution
    zero = (lambda: Value(0.0)) if create_graph else (lambda: 0.0)
    result = [grads[v] if v in grads else zero() for v in wrt]
    return result[0] if single else result


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree (``torch.autograd.GradcheckError``)."""


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Compare backprop's gradient of ``f`` with central differences in float64.

    ``f`` takes one Value per input and returns a Value. For each input ``x_i``
    the numerical derivative is ``(f(.., x_i + eps, ..) - f(.., x_i - eps, ..)) / (2 eps)``
    and it must satisfy ``|analytic - numeric| <= atol + rtol * |numeric|``.

    Returns True when every input passes. Otherwise raises ``GradcheckError``
    listing, per input, the analytic and numerical values and the error (or
    returns False with ``raise_exception=False``). (PyTorch: ``torch.autograd.gradcheck``.)
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    xs = _input_numbers(inputs)
    eps = _internal.real(eps, "gradcheck: eps", above=0)
    atol = _internal.real(atol, "gradcheck: atol", minimum=0)
    rtol = _internal.real(rtol, "gradcheck: rtol", minimum=0)
    raise_exception = _internal.boolean(raise_exception, "gradcheck: raise_exception")

    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    rows = _compare_with_central_differences(f, xs, grad(out, leaves), eps, atol, rtol)
    if all(ok for *_, ok in rows):
        return True
    if not raise_exception:
        return False
    lines = [f"gradcheck failed (eps={eps}, atol={atol}, rtol={rtol}):",
             f"{'input':>6} {'x':>12} {'analytic':>14} {'numeric':>14} {'error':>10}"]
    for i, x, a, n, e, ok in rows:
        mark = "" if ok else "   <-- mismatch"
        lines.append(f"{i:>6} {x:>12.6g} {a:>14.8g} {n:>14.8g} {e:>10.2e}{mark}")
    raise GradcheckError("\n".join(lines))


def _input_numbers(inputs) -> list:
    """gradcheck's inputs (a number, a Value or a list of them) as finite numbers."""
    if isinstance(inputs, (Value, numbers.Real)) and not isinstance(inputs, bool):
        inputs = [inputs]
    inputs = _internal.items(inputs, "gradcheck: inputs", "a number or a list of numbers")
    # central differences need numbers to step around: finite ones
    xs = [_internal.real(v.data if isinstance(v, Value) else v, f"gradcheck: input {i}")
          for i, v in enumerate(inputs)]
    if not xs:
        raise ValueError("gradcheck: expected at least one input, got none")
    return xs


def _compare_with_central_differences(f: Callable[..., Value], xs: list, analytic: list,
                                      eps: float, atol: float, rtol: float) -> list[tuple]:
    """One row per input: (i, x, analytic, numeric, error, ok), where numeric is
    ``(f(.., x_i + eps, ..) - f(.., x_i - eps, ..)) / (2 eps)``."""

    def f_at(values) -> float:
        with no_grad():
            return f(*[Value(x) for x in values]).data

    rows = []
    for i, x in enumerate(xs):
        plus, minus = list(xs), list(xs)
        plus[i], minus[i] = x + eps, x - eps
        numeric = (f_at(plus) - f_at(minus)) / (2 * eps)
        error = abs(analytic[i] - numeric)
        ok = error <= atol + rtol * abs(numeric) or (analytic[i] == numeric)
        if math.isnan(error):
            ok = False
        rows.append((i, x, analytic[i], numeric, error, ok))
    return rows
