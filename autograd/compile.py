"""Batched replay: record the graph of one sample once, run it over a batch with numpy.

``compile(fn)`` calls ``fn`` once on *placeholder* Values (one per input column)
and keeps the graph it builds. The returned ``Program`` then runs that same graph,
with the same local-gradient rules, over a whole batch: each node holds a row of B
numbers instead of one, and every group of nodes with the same operation at the
same depth ("level") runs as one numpy operation. ``torch.compile`` and
``jax.jit``/``jax.vmap`` do this for tensors; here you can watch it happen to the
scalar graph you drew.

    step = compile(lambda x, y: nn.losses.max_margin([model(x)], [y]))
    loss = step.value_and_grad(X, Y)     # X (B, n_in), Y (B,): grads in the parameters

Three kinds of leaves: *inputs* (the placeholders, one column of a batch array
each), *parameters* (Values that existed before tracing: read afresh on every call,
gradients accumulated into their ``.grad``) and *constants* (numbers made into
Values during tracing, such as the 1 in ``1 - y * s``).

The rule: ``fn`` must compute with recorded operations only. Its Python code runs
once, on the first sample, so ``if v.data > 0``, ``float(v)``, ``max(v.data, ...)``
or ``no_grad`` on a per-sample number cannot be replayed; reading such a number
while tracing raises ``TracingError``. Branch-free ops (``relu``, ``abs``,
``step``, ``Value.max``/``min``/``logsumexp``) are fine: they are replayed per sample.
A parameter's number read in Python (``x * (w.data * 3)``, ``if w.data > 0``) is
the same for every sample and allowed, but it is baked into the trace, so it is
tracked: when that parameter changes, the next call traces again (never a stale
number; ``torch.jit.trace`` only warns).

With ``fuse=True`` (the default), a sum of products ``w_i * h_i`` whose weights
do not depend on the sample (a neuron) is recognised, and all such sums at one
level (a layer) run as one matrix product ``W @ H``: the lesson that leads from
scalars to tensors. ``fuse=False`` replays every node as recorded.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np

from . import engine
from .engine import TracingError, Value, topological_order, tracing
from .kernels import (
    _NARY,
    INVARIANT,
    VARIANT,
    _Elementwise,
    _Linear,
    _Segments,
    _Sum,
    array_rules,  # noqa: F401 (part of compile's API: the rules per op)
)

__all__ = ["compile", "Program", "TracingError", "require"]



# --- the plan: a traced graph, scheduled in levels ---------------------------------------


class Plan:
    """One traced graph, ready to run over batches of a fixed input signature."""

    def __init__(self, outputs: list, inputs: list, start: int, fuse: bool):
        order, index = [], {}
        for out in outputs:
            for v in topological_order(out):
                if v not in index:
                    index[v] = len(order)
                    order.append(v)
        self.nodes, self.index, self.output_nodes = order, index, outputs
        is_input = set(inputs)
        n = len(order)
        parents = [[index[p] for p in v.parents] for v in order]
        variant, needs = [False] * n, [False] * n
        self.params, self.constants = [], []
        for i, v in enumerate(order):
            if parents[i]:
                variant[i] = any(variant[p] for p in parents[i])
                needs[i] = any(needs[p] for p in parents[i])
            elif v in is_input:
                variant[i] = True
            elif v._stamp >= start:  # made while tracing: a number written in fn
                self.constants.append(i)
            else:
                self.params.append(i)
                needs[i] = True
        self.needs_grad = needs  # depends on a parameter: gets a gradient in backward
        uses = [0] * n
        for ps in parents:
            for p in ps:
                uses[p] += 1
        for out in outputs:
            uses[index[out]] += 1

        # Neurons: sums of (invariant weight) * (per-sample input), each product used once.
        linear, absorbed = {}, set()
        if fuse:
            for i, v in enumerate(order):
                if v._op is not engine.SUM or not variant[i]:
                    continue
                products, extras = [], []
                for p in parents[i]:
                    a_b = parents[p]
                    if (order[p]._op is engine.MUL and uses[p] == 1 and p not in absorbed
                            and variant[a_b[0]] != variant[a_b[1]]):
                        w, q = (a_b[0], a_b[1]) if variant[a_b[1]] else (a_b[1], a_b[0])
                        products.append((w, q))
                        absorbed.add(p)
                    else:
                        extras.append(p)
                if len(products) >= 2:
                    linear[i] = (products, extras)
                else:
                    absorbed.difference_update(p for p in parents[i])

        # Levels: a node runs one level after the last of its inputs.
        level = [0] * n
        for i in range(n):
            if not parents[i] or i in absorbed:
                continue
            ins = ([x for wq in linear[i][0] for x in wq] + linear[i][1]) if i in linear \
                else parents[i]
            level[i] = 1 + max(level[j] for j in ins)
        groups: dict = {}
        for i, v in enumerate(order):
            if not parents[i] or i in absorbed:
                continue
            op = v._op
            if i in linear:
                key = (level[i], "linear")
            elif op.name in _NARY and op.arity == 0:
                key = (level[i], op.name, variant[i])
            else:  # (an op defined with autograd.op is told apart by itself, not its name)
                key = (level[i], op.name if op.__class__ is engine.Op else op, op.arity,
                       op.arg, variant[i], tuple(variant[p] for p in parents[i]))
            groups.setdefault(key, []).append(i)
        schedule = sorted(groups.values(), key=lambda g: (level[g[0]], g[0]))

        # Rows: inputs first (one block per argument), then each group's outputs as one
        # consecutive block; parameters (laid out so that a layer's weight matrix and
        # bias vector are consecutive rows: views, no copies), constants, then the
        # invariant groups' outputs.
        self.slot = {}
        for j, v in enumerate(inputs):
            if v in index:
                self.slot[index[v]] = (VARIANT, j)
        n_rows = [len(inputs), 0]
        for group in schedule:
            if variant[group[0]]:
                for i in group:
                    self.slot[i] = (VARIANT, n_rows[VARIANT])
                    n_rows[VARIANT] += 1
        self.params = _parameter_layout(self.params, schedule, linear, self.slot)
        for i in self.params + self.constants:
            self.slot[i] = (INVARIANT, n_rows[INVARIANT])
            n_rows[INVARIANT] += 1
        for group in schedule:
            if not variant[group[0]]:
                for i in group:
                    self.slot[i] = (INVARIANT, n_rows[INVARIANT])
                    n_rows[INVARIANT] += 1
        self.n_rows = n_rows
        self.constant_values = np.array([order[i]._data for i in self.constants])
        self.param_values = [order[i] for i in self.params]
        self.outputs = [self.slot[index[o]] for o in outputs]

        def needs_of(spec):
            return spec in need_specs
        need_specs = {self.slot[i] for i in range(n) if needs[i] and i in self.slot}
        self.steps = []
        for group in schedule:
            first = order[group[0]]
            space = self.slot[group[0]][0]
            slots = [self.slot[i][1] for i in group]
            if group[0] in linear:
                products = [[(self.slot[w][1], self.slot[q][1]) for w, q in linear[i][0]]
                            for i in group]
                extras = [[self.slot[p] for p in linear[i][1]] for i in group]
                step = _Linear(slots, products, extras, needs_of)
            elif first._op.arity == 0:
                terms = [[self.slot[p] for p in parents[i]] for i in group]
                if first._op.name == "sum":
                    step = _Sum(space, slots, terms, needs_of)
                else:
                    step = _Segments(first._op, space, slots, terms, needs_of)
            else:
                specs = []
                for pos in range(first._op.arity):
                    rows = [self.slot[parents[i][pos]] for i in group]
                    specs.append((rows[0][0], [r for _, r in rows]))
                need = [any(needs[parents[i][pos]] for i in group)
                        for pos in range(first._op.arity)]
                step = _Elementwise(first._op, space, slots, specs, need)
            step.needs = any(needs[i] for i in group)
            step.level = level[group[0]]
            self.steps.append(step)
        self.levels = max(level, default=0)
        self.n_fused = len(linear)
        self.n_absorbed = len(absorbed)

    def summary(self) -> str:
        """One line per numpy operation of the replay, level by level."""
        lines = [f"{len(self.nodes)} nodes, {self.levels} levels, {len(self.steps)} operations"]
        lines += [f"level {step.level}: {step!r}" for step in self.steps]
        return "\n".join(lines)

    # -- running ---------------------------------------------------------------------------
    def forward(self, arrays: list) -> tuple:
        batch = len(arrays[0])
        V = np.empty((self.n_rows[VARIANT], batch))
        U = np.empty((self.n_rows[INVARIANT], 1))
        row = 0
        for a in arrays:
            width = 1 if a.ndim == 1 else a.shape[1]
            V[row:row + width] = a if a.ndim == 1 else a.T
            row += width
        P = len(self.params)
        U[:P, 0] = np.fromiter((p._data for p in self.param_values), float, P)
        U[P:P + len(self.constants), 0] = self.constant_values
        S = (V, U)
        with np.errstate(all="ignore"):
            for step in self.steps:
                step.forward(S)
        return S

    def output_rows(self, S) -> list:
        batch = S[VARIANT].shape[1]
        return [S[s][r] if s == VARIANT else np.full(batch, S[s][r, 0]) for s, r in self.outputs]

    def backward(self, S, seed: int, weight: float) -> tuple:
        """Gradients of ``weight * sum over the batch of output[seed]``."""
        V, U = S
        G = (np.zeros_like(V), np.zeros_like(U))
        s, r = self.outputs[seed]
        G[s][r] += weight if s == VARIANT else weight * V.shape[1]
        with np.errstate(all="ignore"):
            for step in reversed(self.steps):
                if step.needs:
                    step.backward(S, G)
        return G

    def parameter_gradients(self, G) -> np.ndarray:
        return G[INVARIANT][:len(self.params), 0]


def _parameter_layout(params: list, schedule: list, linear: dict, slot: dict) -> list:
    """Parameters in the order they get rows: for each layer whose neurons all use
    the same inputs with their own weights, its weights row by row (column order =
    input rows) and then its biases; the other parameters after, in graph order."""
    is_param, placed, order = set(params), set(), []
    for group in schedule:
        if group[0] not in linear:
            continue
        columns = sorted(slot[q] for _, q in linear[group[0]][0])
        rows, biases = [], []
        for i in group:
            products, extras = linear[i]
            by_column = sorted(products, key=lambda wq: slot[wq[1]])
            if [slot[q] for _, q in by_column] != columns:
                break
            rows.extend(w for w, _ in by_column)
            if len(extras) == 1:
                biases.append(extras[0])
        else:
            weights_ok = all(w in is_param for w in rows) and len(set(rows)) == len(rows)
            if weights_ok and not placed.intersection(rows):
                order.extend(rows)
                placed.update(rows)
                if len(biases) == len(group) and all(b in is_param for b in biases) \
                        and len(set(biases)) == len(biases) and not placed.intersection(biases):
                    order.extend(biases)
                    placed.update(biases)
    return order + [i for i in params if i not in placed]


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
    return Program(fn, has_aux=has_aux, fuse=fuse)


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
    values = list(values)
    trace = engine._modes.tracing if engine._threads_tracing else None
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
        self.fn, self.has_aux, self.fuse = fn, has_aux, fuse
        self._plans: dict = {}

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
            if np.iscomplexobj(a):
                raise TypeError(f"{who}: argument {i} must hold real numbers, got complex")
            try:
                a = np.asarray(a, dtype=float)
            except (TypeError, ValueError) as e:
                raise TypeError(f"{who}: argument {i} must be an array of numbers: {e}") from None
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
        return self._plan(arrays, self.fuse if fuse is None else fuse)

    def _plan(self, arrays: list, fuse: bool) -> Plan:
        key = (tuple(a.shape[1:] for a in arrays), fuse)
        plan = self._plans.get(key)
        if plan is None or any(p._stamp != stamp for p, stamp in plan.reads):
            # first call, or fn read a parameter's number (w.data * 3, if w.data > 0)
            # and that number has changed since: trace again rather than replay a stale one
            plan = self._plans[key] = self._trace(arrays, fuse)
        if plan.checks:  # what a loss requires of its targets, on every batch
            columns = np.concatenate([a.reshape(len(a), -1) for a in arrays], axis=1)
            for positions, predicate, message in plan.checks:
                got = columns[:, positions]
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
        where = {p: i for i, p in enumerate(placeholders)}
        plan.checks = [(np.array([where[v] for v in values]), predicate, message)
                       for values, predicate, message in trace.checks
                       if all(v in where for v in values)]
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
        return self._shape(plan.output_rows(plan.forward(arrays)), plan)

    def value_and_grad(self, *arrays, reduction: str = "mean"):
        """The loss reduced over the batch (``"mean"`` or ``"sum"``), with its gradient
        added to every parameter's ``.grad``: the same numbers as building the eager
        graph of ``sum(fn(x_i, y_i)) / B`` and calling ``backward()`` on it
        (``jax.value_and_grad``; in PyTorch, ``loss = ...; loss.backward()``).
        Returns the loss, or ``(loss, aux)`` with ``has_aux``."""
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        arrays = self._arrays(arrays, "Program.value_and_grad")
        plan = self._plan(arrays, self.fuse)
        if not self.has_aux and not plan.single:
            raise ValueError("value_and_grad needs a function that returns one Value per "
                             "sample (a loss); this one returns a list")
        S = plan.forward(arrays)
        rows = plan.output_rows(S)
        batch = len(arrays[0])
        weight = 1.0 / batch if reduction == "mean" else 1.0
        loss = float(np.sum(rows[0]) * weight)
        grads = plan.parameter_gradients(plan.backward(S, 0, weight))
        for p, g in zip(plan.param_values, grads.tolist()):
            p.grad += g
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
        from .viz import draw_graph

        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        arrays = self._arrays(arrays, "Program.draw")
        plan = self._plan(arrays, fuse=False)  # every node materialised
        if len(plan.outputs) != 1 and not self.has_aux:
            raise ValueError("Program.draw draws a function with one output per sample")
        S = plan.forward(arrays)
        batch = len(arrays[0])
        G = plan.backward(S, 0, 1.0 / batch if reduction == "mean" else 1.0)
        copies, grads, params = {}, {}, set(plan.params)
        for i, v in enumerate(plan.nodes):
            space, row = plan.slot.get(i, (None, None))
            mean = float(np.mean(S[space][row])) if space is not None else v._data
            grad = float(np.sum(G[space][row])) if plan.needs_grad[i] else None
            if i in params:
                copy = v  # drawn as itself, so module= clusters still find it
            elif v._op is not None:
                inputs = [copies[p] for p in v.parents]
                copy = engine._node(mean, v._op, tuple(inputs)) if v._op.arity == 0 else \
                    engine._node(mean, v._op, *inputs)
                copy.label = v.label
            else:
                copy = Value(mean, label=v.label)
            copies[v] = copy
            grads[copy] = grad
        return draw_graph(copies[plan.output_nodes[0]], grads=grads, **options)
