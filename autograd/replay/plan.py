"""The plan: one traced graph scheduled in levels, each level's nodes of one operation
run as one numpy step (``kernels.py``), and the layout of the rows they read and write."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..engine import topological_order
from .kernels import INVARIANT, NARY_REDUCTIONS, VARIANT, Elementwise, Linear, Segments, Sum

__all__ = ["Plan"]


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
                if v._op is not ops.SUM or not variant[i]:
                    continue
                products, extras = [], []
                for p in parents[i]:
                    a_b = parents[p]
                    if (order[p]._op is ops.MUL and uses[p] == 1 and p not in absorbed
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
            elif op.arity == 0 and op.row in NARY_REDUCTIONS:
                key = (level[i], op.row, variant[i])
            else:  # by the table row (an op of autograd.op is its own row), not by name
                key = (level[i], op.row, op.arity,
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
                step = Linear(slots, products, extras, needs_of)
            elif first._op.arity == 0:
                terms = [[self.slot[p] for p in parents[i]] for i in group]
                if first._op.row is ops.SUM:
                    step = Sum(space, slots, terms, needs_of)
                else:
                    step = Segments(first._op, space, slots, terms, needs_of)
            else:
                specs = []
                for pos in range(first._op.arity):
                    rows = [self.slot[parents[i][pos]] for i in group]
                    specs.append((rows[0][0], [r for _, r in rows]))
                need = [any(needs[parents[i][pos]] for i in group)
                        for pos in range(first._op.arity)]
                step = Elementwise(first._op, space, slots, specs, need)
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
