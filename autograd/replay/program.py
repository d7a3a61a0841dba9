"""The user-facing program: ``compile(fn)`` traces ``fn`` on placeholder Values (per input
signature), checks batches, and runs the plan forward and backward (see the package's
docstring for what may be compiled)."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np

from .. import _internal
from ..engine import TracingError, Value, current_trace, make_node, tracing
from .plan import Plan

__all__ = ["compile", "Program", "TracingError", "require"]

_FLOAT = np.dtype(float)


# --- the user-facing program -------------------------------------------------------------


def compile(fn: Callable, *, has_aux: bool = False, fuse: bool = True) -> Program:  # noqa: A001
    """Record ``fn`` once per input shape and replay it over numpy batches.

    ``fn`` takes one argument per batch array: a Value for a 1-D array (B,), a list
    of n Values for a 2-D array (B, n). It returns a Value (per-sample outputs (B,))
    or a list of Values ((B, k)); with ``has_aux=True`` a pair ``(loss, aux)`` whose
    ``aux`` is replayed alongside (as ``jax.value_and_grad(has_aux=True)``).
    Tracing happens on the first call, with the first sample's numbers. See the
    module docstring for the one rule ``fn`` must follow.
    """
    if not callable(fn):
        raise TypeError(f"compile expects a function, got {type(fn).__name__}")
    return Program(fn, has_aux=_internal.boolean(has_aux, "compile: has_aux"),
                   fuse=_internal.boolean(fuse, "compile: fuse"))


def _argument_names(fn, n: int) -> list[str]:
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    return (names + [f"arg{i}" for i in range(len(names), n)])[:n]


def require(values, predicate, message: str) -> None:
    """A condition on per-sample numbers that a traced function may not read
    (a loss's targets: 0/1, ±1, one-hot). Eagerly it is checked at once; while
    tracing it is kept with the trace and checked on every batch the program
    runs, so a compiled loss refuses what the eager one refuses.
    ``predicate`` takes an array of shape (samples, len(values)); ``message``
    may hold ``{got}``, the distinct values found."""
    values = _internal.items(values, "require: values", "a list of Values")
    if not all(isinstance(v, Value) for v in values):
        raise TypeError("require: values must be a list of Values (the targets a loss reads)")
    if not callable(predicate):
        raise TypeError(f"require: predicate must be a function of an array, got "
                        f"{type(predicate).__name__}")
    if not isinstance(message, str):
        raise TypeError(f"require: message must be a str, got {type(message).__name__}")
    trace = current_trace()
    if trace is None:
        got = np.array([[v._data for v in values]])
        if not predicate(got):
            raise ValueError(message.format(got=np.unique(got)))
    else:
        trace.checks.append((values, predicate, message))


class Program:
    """A traced function that runs over batches. Call it for the outputs, or
    ``value_and_grad`` for the reduced loss with gradients in the parameters."""

    def __init__(self, fn: Callable, has_aux: bool = False, fuse: bool = True):
        self.fn, self._plans = fn, {}
        self.has_aux = _internal.boolean(has_aux, "Program: has_aux")
        self.fuse = _internal.boolean(fuse, "Program: fuse")

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", type(self.fn).__name__)
        shapes = ", ".join(str(k) for k in self._plans) or "not traced yet"
        return f"<autograd.Program of {name}: {shapes}>"

    # -- inputs and tracing --------------------------------------------------------------
    def _arrays(self, arrays: tuple, who: str) -> list:
        if not arrays:
            raise TypeError(f"{who} expects one batch array per argument of the function")
        out = []
        for i, a in enumerate(arrays):
            if a.__class__ is np.ndarray and a.dtype == _FLOAT and a.ndim in (1, 2):
                out.append(a)  # already what the plan runs on: no conversion, no copy
                continue
            a = _internal.numbers_array(a, f"{who}: argument {i}")
            if a.ndim not in (1, 2):
                raise ValueError(f"{who}: argument {i} must have shape (B,) or (B, n), "
                                 f"got {a.shape}")
            out.append(a)
        sizes = {len(a) for a in out}
        if len(sizes) > 1:
            raise ValueError(f"{who}: the arguments have different batch sizes "
                             f"{[len(a) for a in out]}")
        if not sizes.pop():
            raise ValueError(f"{who}: the batch is empty")
        return out

    def plan(self, *arrays, fuse: bool | None = None) -> Plan:
        """The traced and scheduled graph for arrays of these shapes (traced on first use)."""
        arrays = self._arrays(arrays, "Program.plan")
        fuse = self.fuse if fuse is None else _internal.boolean(fuse, "Program.plan: fuse")
        return self._plan(arrays, fuse)

    def _plan(self, arrays: list, fuse: bool) -> Plan:
        key = (tuple([a.shape[1:] for a in arrays]), fuse)
        plan = self._plans.get(key)
        if plan is None or plan.reads and any(p._stamp != stamp for p, stamp in plan.reads):
            # first call, or fn read a parameter's number (w.data * 3, if w.data > 0)
            # and that number has changed since: trace again rather than replay a stale one
            plan = self._plans[key] = self._trace(arrays, fuse)
        for argument, columns, predicate, message in plan.checks:
            # what a loss requires of its targets, on every batch: the columns it named
            got = arrays[argument]
            got = got[:, None] if got.ndim == 1 else got[:, columns]
            if not predicate(got):
                raise ValueError(message.format(got=np.unique(got)))
        return plan

    def _trace(self, arrays: list, fuse: bool) -> Plan:
        names = _argument_names(self.fn, len(arrays))
        args, placeholders = [], []
        for name, a in zip(names, arrays):
            if a.ndim == 1:
                v = Value(a[0], label=name)
                args.append(v)
                placeholders.append(v)
            else:
                vs = [Value(x, label=f"{name}[{j}]") for j, x in enumerate(a[0])]
                args.append(vs)
                placeholders.extend(vs)
        with tracing(placeholders) as trace:
            result = self.fn(*args)
        outputs, single, aux_is_value = self._outputs(result)
        plan = Plan(outputs, placeholders, trace.start, fuse)
        # what the outputs look like belongs to this trace, not to the last one
        plan.single, plan.aux_is_value = single, aux_is_value
        plan.reads = tuple(trace.reads.items())
        # each check names placeholders: found as (argument, its columns)
        where = {v: (i, j) for i, vs in enumerate(args)
                 for j, v in enumerate(vs if isinstance(vs, list) else [vs])}
        plan.checks = []
        for values, predicate, message in trace.checks:
            if all(v in where for v in values) and len({where[v][0] for v in values}) == 1:
                columns = np.array([where[v][1] for v in values])
                plan.checks.append((where[values[0]][0], columns, predicate, message))
            elif any(v in where for v in values):
                raise TracingError("require() names the inputs of several arguments at once; "
                                   "name the columns of one argument per call")
        return plan

    def _outputs(self, result) -> list:
        def values(x, what):
            if isinstance(x, Value):
                return [x], True
            if isinstance(x, (list, tuple)) and x and all(isinstance(v, Value) for v in x):
                return list(x), False
            raise TypeError(f"compile: the function must return {what}, got "
                            f"{type(x).__name__}: {x!r:.80}")
        if not self.has_aux:
            out, single = values(result, "a Value or a list of Values")
            return out, single, False
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], Value)):
            raise TypeError("compile(has_aux=True): the function must return (loss Value, aux), "
                            f"got {type(result).__name__}")
        aux, aux_is_value = values(result[1], "an aux Value or list of Values")
        return [result[0], *aux], True, aux_is_value

    # -- running ------------------------------------------------------------------------
    def _shape(self, rows: list, plan: Plan):
        if self.has_aux:
            aux = np.stack(rows[1:], axis=1)
            return rows[0], (aux[:, 0] if plan.aux_is_value else aux)
        return rows[0] if plan.single else np.stack(rows, axis=1)

    def __call__(self, *arrays):
        """Per-sample outputs: (B,) for a Value, (B, k) for k Values (``(loss, aux)``
        with ``has_aux``). Records nothing and leaves every ``.grad`` alone."""
        arrays = self._arrays(arrays, "Program")
        plan = self._plan(arrays, self.fuse)
        S = plan.forward(arrays)
        rows = plan.output_rows(S)
        plan.release(S)
        return self._shape(rows, plan)

    def value_and_grad(self, *arrays, reduction: str = "mean"):
        """The loss reduced over the batch (``"mean"`` or ``"sum"``), with its gradient
        added to every parameter's ``.grad``: the same numbers as building the eager
        graph of ``sum(fn(x_i, y_i)) / B`` and calling ``backward()`` on it
        (``jax.value_and_grad``; in PyTorch, ``loss = ...; loss.backward()``).
        Returns the loss, or ``(loss, aux)`` with ``has_aux``."""
        _internal.choice(reduction, "reduction", ("mean", "sum"))
        arrays = self._arrays(arrays, "Program.value_and_grad")
        plan = self._plan(arrays, self.fuse)
        if not self.has_aux and not plan.single:
            raise ValueError("value_and_grad needs a function that returns one Value per "
                             "sample (a loss); this one returns a list")
        S = plan.forward(arrays)
        rows = plan.output_rows(S)
        batch = len(arrays[0])
        weight = 1.0 / batch if reduction == "mean" else 1.0
        loss = float(rows[0].sum() * weight)
        grads = plan.parameter_gradients(plan.backward(S, 0, weight))
        plan.add_parameter_gradients(grads, plan.parameter_numbers(S))
        plan.release(S)
        if self.has_aux:
            return loss, self._shape(rows, plan)[1]
        return loss

    def draw(self, *arrays, reduction: str = "mean", **options):
        """The traced graph drawn once, each box showing batch means: ``data`` is the
        mean of the node's values over the batch and ``grad`` the mean per-sample
        gradient (for parameters: the gradient of the reduced loss); nodes that no
        parameter feeds (inputs, constants) get no gradient and show "not computed".
        The parameters' own ``.grad`` is not changed. Options are those of
        ``draw_graph``; ``edge_labels="local"`` evaluates local gradients at the means."""
        from ..viz import draw_graph

        _internal.choice(reduction, "reduction", ("mean", "sum"))
        arrays = self._arrays(arrays, "Program.draw")
        plan = self._plan(arrays, fuse=False)  # every node materialised
        if len(plan.outputs) != 1 and not self.has_aux:
            raise ValueError("Program.draw draws a function with one output per sample")
        S = plan.forward(arrays)
        batch = len(arrays[0])
        G = plan.backward(S, 0, 1.0 / batch if reduction == "mean" else 1.0)  # not released:
        # the drawing reads S and G below
        copies, grads, params = {}, {}, set(plan.params)
        for i, v in enumerate(plan.nodes):
            space, row = plan.slot.get(i, (None, None))
            mean = float(np.mean(S[space][row])) if space is not None else v._data
            grad = float(np.sum(G[space][row])) if plan.needs_grad[i] else None
            if i in params:
                copy = v  # drawn as itself, so module= clusters still find it
            elif v._op is not None:
                inputs = [copies[p] for p in v.parents]
                copy = make_node(mean, v._op, tuple(inputs)) if v._op.arity == 0 else \
                    make_node(mean, v._op, *inputs)
                copy.label = v.label
            else:
                copy = Value(mean, label=v.label)
            copies[v] = copy
            grads[copy] = grad
        return draw_graph(copies[plan.output_nodes[0]], grads=grads, **options)
