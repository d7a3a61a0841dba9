"""The plan: one traced graph scheduled in levels, each level's nodes of one operation
run as one numpy step (``kernels.py``), and the layout of the rows they read and write.

A plan is built in five phases, one function each (``Plan.__init__`` calls them in turn):

1. ``TracedGraph``: number the nodes in topological order and classify them: the leaves
   are inputs, parameters or constants; a node is per sample or not, needs a gradient
   or not;
2. ``find_neurons``: the sums of ``weight * input`` products (neurons) that run as one
   ``W @ H`` per layer;
3. ``assign_levels``: a node runs one level after the last of its inputs;
   ``group_steps``: the nodes of one level and one operation become one step;
4. ``lay_out_rows``: which row of the value and gradient arrays each node owns;
5. ``build_steps``: the kernels' steps (``Elementwise``, ``Sum``, ``Segments``,
   ``Linear``) over those rows.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field

import numpy as np

from .. import _internal, ops
from ..engine import last_assigned
from . import held
from .codegen import generate
from .kernels import INVARIANT, NARY_REDUCTIONS, VARIANT, Elementwise, Linear, Segments, Sum

__all__ = ["Plan", "TracedGraph", "Neurons", "find_neurons", "assign_levels", "group_steps",
           "lay_out_rows", "parameter_layout", "build_steps"]


# --- the plan: a traced graph, scheduled in levels ---------------------------------------


class Plan:
    """One traced graph, ready to run over batches of a fixed input signature."""

    def __init__(self, outputs: list, inputs: list, start: int, fuse: bool):
        graph = TracedGraph(outputs, inputs, start)
        neurons = find_neurons(graph) if fuse else Neurons()
        level = assign_levels(graph, neurons)
        schedule = group_steps(graph, neurons, level)
        self.slot, self.n_rows, self.params = lay_out_rows(graph, inputs, schedule, neurons)
        self.nodes, self.index, self.output_nodes = graph.nodes, graph.index, outputs
        self.constants = graph.constants
        self.needs_grad = graph.needs  # depends on a parameter: gets a gradient in backward
        self.constant_values = np.array([graph.nodes[i]._data for i in self.constants])
        self.param_values = [graph.nodes[i] for i in self.params]
        self._held_order = tuple(self.param_values)  # what this plan holds (held.py)
        self._hold = True  # holds its parameters after value_and_grad (until seen not to pay)
        self.outputs = [self.slot[graph.index[out]] for out in outputs]
        self.steps = build_steps(graph, neurons, schedule, self.slot, level)
        self.levels = max(level, default=0)
        self.n_fused, self.n_absorbed = len(neurons.terms), len(neurons.absorbed)
        self.signature = None  # the batch arrays' shapes after the batch dimension
        self._spare: dict = {}  # batch size -> work arrays given back by finished calls
        self._optimizer_order = None  # a parameter tuple seen to be in param_values' order
        self._lock = threading.Lock()

    def summary(self) -> str:
        """One line per numpy operation of the replay, level by level."""
        lines = [f"{len(self.nodes)} nodes, {self.levels} levels, {len(self.steps)} operations"]
        lines += [f"level {step.level}: {step!r}" for step in self.steps]
        return "\n".join(lines)

    # -- running ---------------------------------------------------------------------------
    def forward(self, arrays: list) -> tuple:
        """Every node's values for this batch: ``S = (V, U, GV, GU)``: per-sample rows and
        rows that are the same for every sample, step after step (and the arrays
        ``backward`` fills with gradients). They are reused from an earlier call of the
        same batch size when it gave them back (``release``): a large batch then costs no
        fresh memory (and no page faults) per call."""
        batch = len(arrays[0])
        if self.signature is None:
            self.signature = [a.shape[1:] for a in arrays]
        with self._lock:
            spare = self._spare.get(batch)
            S = spare.pop() if spare else None
        if S is None:
            S = self._new_work(batch)
        elif S[4] is None:  # the second call of this batch size: worth writing out
            S[4] = generate(self, S, self.signature)
        theta = self._parameter_numbers() if self.params else None
        if S[4] is not None:
            S[4].forward(S, arrays, theta)
            return S
        V, U = S[0], S[1]
        row = 0
        for a in arrays:
            if a.ndim == 1:
                V[row] = a
                row += 1
            else:
                V[row:row + a.shape[1]] = a.T
                row += a.shape[1]
        if theta is not None:
            U[:len(self.params), 0] = theta
        with np.errstate(all="ignore"):
            for step in self.steps:
                step.forward(S)
        return S

    def code(self, batch: int = 1) -> str:
        """The Python source of the two functions that run this plan on a batch of this
        size (``codegen.py``), as ``torch.compile`` shows its generated code."""
        batch = _internal.integer(batch, "Plan.code: batch", minimum=1, maximum=1_000_000)
        if self.signature is None:
            raise ValueError("Plan.code: this plan has not run yet (its input shapes are "
                             "not known)")
        return generate(self, self._new_work(batch), self.signature).source

    def _parameter_numbers(self):
        """The parameters' numbers in the order of their rows: the held array when they are
        held in this order (``held.py``); the array an optimizer step last wrote when it
        holds exactly these parameters in this order and no leaf has changed since (one
        copy, no Value asked); else read from every Value."""
        bank = self.holding()
        if bank is not None:
            bank.used = True
            return bank.data
        last = last_assigned()
        if last is not None:
            values, array = last
            if values is self._optimizer_order:
                return array
            if isinstance(values, tuple) and len(values) == len(self.param_values) and \
                    all(a is b for a, b in zip(values, self.param_values)):
                self._optimizer_order = values
                return array
        return np.fromiter([p._data for p in self.param_values], float, len(self.param_values))

    def holding(self):
        """The ``HeldParameters`` holding exactly this plan's parameters in its order, if
        they are held."""
        return held.holding(self._held_order)

    def add_parameter_gradients(self, g: np.ndarray, data: np.ndarray) -> None:
        """``p.grad += g`` for every parameter (in ``param_values`` order), ``data`` being
        the numbers the call ran with. The parameters stay held (or get held), so nothing
        is copied back to the Values until something reads them (``held.py``); a plan
        whose parameters were read before anything used the arrays stops holding them."""
        bank = self.holding()
        if bank is not None:
            bank.add_gradients(g)
            return
        if self._hold and self._held_order:
            values = self._held_order
            grad = np.fromiter([p.grad for p in values], float, len(values)) + g
            bank = held.hold(values, data.copy(), grad)
            if bank is not None:
                bank.on_write_back = weakref.WeakMethod(self._stop_holding)
                return
            self._hold = False
        for p, x in zip(self.param_values, g.tolist()):
            p.grad += x

    def _stop_holding(self, bank) -> None:
        """Written back before anything used the arrays (a loop that reads every .grad):
        holding does not pay for this plan."""
        self._hold = False

    def _new_work(self, batch: int) -> list:
        """[V, U, GV, GU, code] for a batch of this size: values and gradients, per-sample
        rows and rows that are the same for every sample (the constants written once), and
        the generated functions that run the steps on them (made on their second use)."""
        V = np.empty((self.n_rows[VARIANT], batch))
        U = np.empty((self.n_rows[INVARIANT], 1))
        P = len(self.params)
        U[P:P + len(self.constants), 0] = self.constant_values
        return [V, U, np.empty_like(V), np.empty_like(U), None]

    def release(self, S) -> None:
        """Give the arrays of a finished call back for the next call of the same batch size
        (its outputs were copied out of them). Two batch sizes are kept."""
        batch = S[VARIANT].shape[1]
        with self._lock:
            if batch not in self._spare and len(self._spare) >= 2:
                self._spare.pop(next(iter(self._spare)))
            self._spare.setdefault(batch, []).append(S)

    def output_rows(self, S) -> list:
        """The outputs' values, one array of B numbers per output (copies: the arrays of
        ``S`` are reused by the next call)."""
        batch = S[VARIANT].shape[1]
        return [S[s][r].copy() if s == VARIANT else np.full(batch, S[s][r, 0])
                for s, r in self.outputs]

    def backward(self, S, seed: int, weight: float) -> tuple:
        """Gradients of ``weight * sum over the batch of output[seed]``."""
        G = (S[2], S[3])
        s, r = self.outputs[seed]
        amount = weight if s == VARIANT else weight * S[VARIANT].shape[1]
        if S[4] is not None:
            S[4].backward(S, G, seed, amount)
            return G
        G[0].fill(0.0)
        G[1].fill(0.0)
        G[s][r] += amount
        with np.errstate(all="ignore"):
            for step in reversed(self.steps):
                if step.needs:
                    step.backward(S, G)
        return G

    def parameter_gradients(self, G) -> np.ndarray:
        """The parameters' gradients, in the order of ``param_values``."""
        return G[INVARIANT][:len(self.params), 0]

    def parameter_numbers(self, S) -> np.ndarray:
        """The parameters' numbers this call ran with, in the order of ``param_values``."""
        return S[INVARIANT][:len(self.params), 0]


# --- 1. the graph, numbered and classified ------------------------------------------------


class TracedGraph:
    """The traced graph with its nodes numbered in topological order, each classified.

    ``nodes[i]`` is node i (the outputs' graphs in turn, each node once), ``index`` the
    number of each Value, ``parents[i]`` the numbers of node i's inputs. Per node:
    ``variant[i]``, it is per sample (depends on an input); ``needs[i]``, it depends on a
    parameter, so backward gives it a gradient; ``uses[i]``, how many nodes read it (an
    output counts one more). The leaves are the inputs (the placeholders), ``params``
    (Values that existed before tracing) and ``constants`` (numbers made into Values
    while tracing, such as the 1 in ``1 - y * s``)."""

    def __init__(self, outputs: list, inputs: list, start: int):
        self.nodes, self.index = number_nodes(outputs)
        self.parents = [[self.index[p] for p in v.parents] for v in self.nodes]
        self.variant, self.needs, self.params, self.constants = classify_nodes(
            self.nodes, self.parents, inputs, start)
        self.uses = count_uses(self.parents, [self.index[out] for out in outputs])


def number_nodes(outputs: list) -> tuple[list, dict]:
    """Every node of the outputs' graphs once, in topological order, and its number.

    The order reads each node's inputs left to right (``a * b + c``: a, b, a*b, c, +),
    so the neurons of a layer are numbered, and get their rows, in the order the model
    lists them, and their parameters land in the model's (an optimizer's) order."""
    order, index = [], {}
    for out in outputs:
        stack = [(out, False)]
        while stack:
            v, inputs_done = stack.pop()
            if v in index:
                continue
            if inputs_done or v.is_leaf:
                index[v] = len(order)
                order.append(v)
                continue
            stack.append((v, True))
            stack.extend((p, False) for p in reversed(v.parents) if p not in index)
    return order, index


def classify_nodes(nodes: list, parents: list, inputs: list, start: int) -> tuple:
    """``(variant, needs, params, constants)``: which nodes are per sample, which need
    a gradient, and the leaves that are parameters or constants (by number)."""
    is_input = set(inputs)
    variant, needs = [False] * len(nodes), [False] * len(nodes)
    params, constants = [], []
    for i, v in enumerate(nodes):
        if parents[i]:
            variant[i] = any(variant[p] for p in parents[i])
            needs[i] = any(needs[p] for p in parents[i])
        elif v in is_input:
            variant[i] = True
        elif v._stamp >= start:  # made while tracing: a number written in fn
            constants.append(i)
        else:
            params.append(i)
            needs[i] = True
    return variant, needs, params, constants


def count_uses(parents: list, outputs: list) -> list:
    """How many times each node is read: as a parent (``a + a`` reads a twice) or as
    an output."""
    uses = [0] * len(parents)
    for ps in parents:
        for p in ps:
            uses[p] += 1
    for out in outputs:
        uses[out] += 1
    return uses


# --- 2. neurons to fuse into W @ H ----------------------------------------------------------


@dataclass
class Neurons:
    """The neurons found for fusing. ``terms[i] = (products, others)`` for each neuron's
    sum node i: its products as (weight, input) pairs of node numbers, and its other
    terms (the bias). ``absorbed``: the product nodes that ``W @ H`` computes, which get
    no step of their own."""

    terms: dict = field(default_factory=dict)
    absorbed: set = field(default_factory=set)


def find_neurons(graph: TracedGraph) -> Neurons:
    """Neurons: per-sample sums of at least two products ``w * h`` of a weight that is
    the same for every sample and a per-sample input, each product read by its sum
    only (so ``W @ H`` can replace it)."""
    neurons = Neurons()
    for i, v in enumerate(graph.nodes):
        if v._op is None or v._op.row is not ops.SUM or not graph.variant[i]:
            continue
        products, others = [], []
        for p in graph.parents[i]:
            pair = weight_and_input(graph, p)
            if pair is not None and p not in neurons.absorbed:
                products.append(pair)
                neurons.absorbed.add(p)
            else:
                others.append(p)
        if len(products) >= 2:
            neurons.terms[i] = (products, others)
        else:
            neurons.absorbed.difference_update(graph.parents[i])
    return neurons


def weight_and_input(graph: TracedGraph, p: int) -> tuple[int, int] | None:
    """``(w, h)`` when node p is a product, read once, of a node w that is the same for
    every sample and a per-sample node h; else None."""
    op = graph.nodes[p]._op
    if op is None or op.row is not ops.MUL or graph.uses[p] != 1:
        return None
    a, b = graph.parents[p]
    if graph.variant[a] == graph.variant[b]:
        return None
    return (a, b) if graph.variant[b] else (b, a)


# --- 3. levels, and the steps that run each level ---------------------------------------


def step_inputs(graph: TracedGraph, neurons: Neurons, i: int) -> list:
    """The nodes that node i's step reads: its parents, or for a fused neuron its
    weights, its inputs and its other terms (the products are not materialised)."""
    if i in neurons.terms:
        products, others = neurons.terms[i]
        return [x for pair in products for x in pair] + others
    return graph.parents[i]


def runs_as_a_step(graph: TracedGraph, neurons: Neurons, i: int) -> bool:
    """Whether node i is computed by a step: not a leaf, not a product inside W @ H."""
    return bool(graph.parents[i]) and i not in neurons.absorbed


def assign_levels(graph: TracedGraph, neurons: Neurons) -> list:
    """Each node's level: leaves are at level 0, a node runs one level after the last
    of its step's inputs (its depth in the graph)."""
    level = [0] * len(graph.nodes)
    for i in range(len(graph.nodes)):
        if runs_as_a_step(graph, neurons, i):
            level[i] = 1 + max(level[j] for j in step_inputs(graph, neurons, i))
    return level


def step_key(graph: TracedGraph, neurons: Neurons, level: list, i: int) -> tuple:
    """Nodes with the same key run as one step: the same level, the same operation (by
    the table's row: an op of ``autograd.op`` is its own row, not matched by name), the
    same constant, and inputs from the same spaces (per sample or not)."""
    op = graph.nodes[i]._op
    if i in neurons.terms:
        return (level[i], "linear")
    if op.arity == 0 and op.row in NARY_REDUCTIONS:
        return (level[i], op.row, graph.variant[i])
    return (level[i], op.row, op.arity, op.arg, graph.variant[i],
            tuple(graph.variant[p] for p in graph.parents[i]))


def group_steps(graph: TracedGraph, neurons: Neurons, level: list) -> list:
    """The schedule: lists of node numbers, one list per step, level by level."""
    groups: dict = {}
    for i in range(len(graph.nodes)):
        if runs_as_a_step(graph, neurons, i):
            groups.setdefault(step_key(graph, neurons, level, i), []).append(i)
    return sorted(groups.values(), key=lambda group: (level[group[0]], group[0]))


# --- 4. the rows ------------------------------------------------------------------------------


def lay_out_rows(graph: TracedGraph, inputs: list, schedule: list,
                 neurons: Neurons) -> tuple[dict, list, list]:
    """``(slot, n_rows, params)``: ``slot[i] = (space, row)`` for every node that has a
    row, the number of rows of each space, and the parameters in the order of their rows.

    Per-sample rows: the inputs first (one block per argument), then each step's outputs
    as one consecutive block. Rows that are the same for every sample: the parameters
    (laid out so that a layer's weight matrix and bias vector are consecutive rows:
    views, no copies), the constants, then the steps' outputs."""
    slot, n_rows = {}, [len(inputs), 0]

    def place(i: int, space: int) -> None:
        slot[i] = (space, n_rows[space])
        n_rows[space] += 1

    for j, v in enumerate(inputs):
        if v in graph.index:
            slot[graph.index[v]] = (VARIANT, j)
    per_sample = [i for group in schedule if graph.variant[group[0]] for i in group]
    once = [i for group in schedule if not graph.variant[group[0]] for i in group]
    for i in per_sample:
        place(i, VARIANT)
    params = parameter_layout(graph.params, schedule, neurons, slot)
    for i in params + graph.constants + once:
        place(i, INVARIANT)
    return slot, n_rows, params


def parameter_layout(params: list, schedule: list, neurons: Neurons, slot: dict) -> list:
    """Parameters in the order they get rows: for each layer whose neurons all use the
    same inputs with their own weights, neuron by neuron its weights (column order = input
    rows) and its bias, as ``nn`` lists a neuron's parameters (so a layer is a (k, m + 1)
    block: W and b are views, and the rows are in the optimizer's order); a layer whose
    neurons have no single bias each gets its weights row by row and then its biases; the
    other parameters after, in graph order."""
    is_param, placed, order = set(params), set(), []
    for group in schedule:
        if group[0] not in neurons.terms:
            continue
        layer = layer_weights(group, neurons, slot)
        if layer is None:
            continue
        rows, biases = layer
        if not (all(w in is_param for w in rows) and len(set(rows)) == len(rows)
                and not placed.intersection(rows)):
            continue
        with_bias = len(biases) == len(group) and all(b in is_param for b in biases) \
            and len(set(biases)) == len(biases) and not placed.intersection(biases)
        if with_bias:
            m = len(rows) // len(group)
            for r, b in enumerate(biases):
                order.extend(rows[r * m:(r + 1) * m])
                order.append(b)
            placed.update(biases)
        else:
            order.extend(rows)
        placed.update(rows)
    return order + [i for i in params if i not in placed]


def layer_weights(group: list, neurons: Neurons, slot: dict) -> tuple[list, list] | None:
    """``(weights, biases)`` of a fused layer, its weights neuron by neuron in the order
    the first neuron multiplies its inputs, its biases (neurons with exactly one other
    term); None when its neurons do not all read the same inputs."""
    # the columns in the order the first neuron multiplies its inputs (nn's order)
    columns = [slot[h] for _, h in neurons.terms[group[0]][0]]
    position = {c: j for j, c in enumerate(columns)}
    rows, biases = [], []
    for i in group:
        products, others = neurons.terms[i]
        if sorted(slot[h] for _, h in products) != sorted(columns) or \
                len(position) != len(columns):
            return None
        by_column = sorted(products, key=lambda pair: position[slot[pair[1]]])
        rows.extend(w for w, _ in by_column)
        if len(others) == 1:
            biases.append(others[0])
    return rows, biases


# --- 5. the steps ------------------------------------------------------------------------------


def build_steps(graph: TracedGraph, neurons: Neurons, schedule: list, slot: dict,
                level: list) -> list:
    """One kernel step per group of the schedule, in order, each knowing its level and
    whether backward must run it (``needs``: some node of it depends on a parameter)."""
    need_rows = {slot[i] for i in range(len(graph.nodes)) if graph.needs[i] and i in slot}

    def needs_of(spec) -> bool:  # does the node in this (space, row) get a gradient?
        return spec in need_rows

    steps = []
    for group in schedule:
        step = build_step(graph, neurons, group, slot, needs_of)
        step.needs = any(graph.needs[i] for i in group)
        step.level = level[group[0]]
        steps.append(step)
    return steps


def build_step(graph: TracedGraph, neurons: Neurons, group: list, slot: dict, needs_of):
    """The step that computes the nodes of ``group`` (one level, one operation): a
    layer ``W @ H``, row sums, segment reductions, or one elementwise op."""
    op = graph.nodes[group[0]]._op
    space = slot[group[0]][0]
    slots = [slot[i][1] for i in group]
    if group[0] in neurons.terms:
        products = [[(slot[w][1], slot[h][1]) for w, h in neurons.terms[i][0]] for i in group]
        others = [[slot[p] for p in neurons.terms[i][1]] for i in group]
        return Linear(slots, products, others, needs_of)
    if op.arity == 0:
        terms = [[slot[p] for p in graph.parents[i]] for i in group]
        if op.row is ops.SUM:
            return Sum(space, slots, terms, needs_of)
        return Segments(op, space, slots, terms, needs_of)
    specs = []
    for pos in range(op.arity):
        rows = [slot[graph.parents[i][pos]] for i in group]
        specs.append((rows[0][0], [r for _, r in rows]))
    need = [any(graph.needs[graph.parents[i][pos]] for i in group) for pos in range(op.arity)]
    return Elementwise(op, space, slots, specs, need)
