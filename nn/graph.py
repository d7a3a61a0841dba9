"""What a model tells autograd's drawings about a graph it computed (``module=model``).

autograd knows nothing of neurons; ``autograd.viz.model`` describes the protocol and
``Module.graph_parts`` answers it with what this module finds here: which nodes of the
graph are each neuron's products ``w_i * x_i``, its weighted sum ``u`` and its output
``y = f(u)``, and the one name of every neuron and layer that drawings, tables, players,
``nn.plot``, the playground and the exercises all use.

The names count as the lectures do: ``L2N3`` is neuron 3 of layer 2, both counted from 1,
so its weighted sum, output and local sensitivity are the lectures' u_3^(2), y_3^(2) and
δ_3^(2); layer ``L1`` is the first hidden layer and the inputs ``x1, x2, ...`` are
y^(0) = x; the last layer is the output layer. Python's indices count from 0:
``neuron_name(0, 2) == "L1N3"`` is ``model.layers[0].neurons[2]``, whose parameters
``named_parameters()`` lists as ``layers.0.neurons.2.w.0`` ... (PyTorch's ``state_dict``
keys), drawn as ``L1N3.w1`` ...

A shared-weight layer (``nn.conv``) has filters instead: ``L1F2`` is filter 2 of layer 1, a
neuron whose weights are used at every position; its box holds all its uses, each
position's weighted sum and output named by where it is (``L1F2.u3``, ``L1F2.y[2,3]``).
"""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass

from autograd import Value, topological_order
from autograd.viz import GraphParts

__all__ = ["NeuronNodes", "filter_name", "find_neurons", "graph_parts", "layer_name",
           "neuron_name", "parse_neuron_name"]

_NEURON_NAME = re.compile(r"L([1-9][0-9]*)N([1-9][0-9]*)")


def layer_name(layer: int) -> str:
    """The one name of ``model.layers[layer]`` (0-based index): ``"L1"`` for the first
    hidden layer, the lectures' layer l = 1 (the inputs are y^(0) = x)."""
    return f"L{_index(layer, 'layer')}"


def neuron_name(layer: int, neuron: int) -> str:
    """The one name of ``model.layers[layer].neurons[neuron]`` (0-based indices):
    ``neuron_name(0, 2) == "L1N3"``, whose u, y and δ are the lectures' u_3^(1), y_3^(1)
    and δ_3^(1)."""
    return f"{layer_name(layer)}N{_index(neuron, 'neuron')}"


def filter_name(layer: int, filter_: int) -> str:
    """The one name of filter ``filter_`` of the shared-weight layer ``model.layers[layer]``
    (0-based indices): ``filter_name(0, 1) == "L1F2"``. Its weights ``L1F2.w1, ...`` and
    bias ``L1F2.b`` are reused at every position; its weighted sum and output at position
    3 are ``L1F2.u3`` and ``L1F2.y3`` (``u[2,3]``, ``y[2,3]`` on a grid), counted from 1."""
    return f"{layer_name(layer)}F{_index(filter_, 'filter')}"


def parse_neuron_name(name: str) -> tuple[int, int]:
    """``(layer, neuron)`` as 0-based indices of a neuron's name: ``"L1N3"`` -> ``(0, 2)``."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a neuron's name such as 'L1N3', got {type(name).__name__}")
    m = _NEURON_NAME.fullmatch(name)
    if m is None:
        raise ValueError(f"name must be a neuron's name L<layer>N<neuron>, both counted from 1 "
                         f"(L1N3: layer 1, neuron 3), got {name!r}")
    return int(m.group(1)) - 1, int(m.group(2)) - 1


def _index(i, what: str) -> int:
    if isinstance(i, bool) or not isinstance(i, numbers.Integral) or i < 0:
        raise ValueError(f"{what} must be an index >= 0 (model.layers[i]), got {i!r}")
    return int(i) + 1


@dataclass(frozen=True)
class NeuronNodes:
    """One neuron's nodes in a graph (its first use there, for a graph of several samples)."""

    key: str        # the module path: layers.0.neurons.2
    name: str       # its one name: L1N3 (neuron_name(0, 2))
    layer: int      # 0 for the first layer
    neuron: object  # the nn.Neuron
    u: Value        # the weighted sum u = Σ w_i y_i + b
    y: Value        # the output f(u) (u itself for a linear neuron)
    inputs: tuple   # ((w_i, y_i, w_i * y_i), ...) in the neuron's order of weights
    b: Value | None


def _children(order: list) -> dict:
    users = {}
    for v in order:
        for p in v.parents:
            users.setdefault(p, []).append(v)
    return users


def _outputs(neuron, u: Value, users: dict, params: frozenset = frozenset()) -> list:
    """The nodes that compute the neuron's output from ``u``: none for a linear neuron,
    the activation's node for a named one, and for an activation function the nodes
    computed from ``u`` and constants alone (a model's parameters are no constants: the
    next layer's ``w * y`` is not part of ``y``), as many as the function makes."""
    activation = neuron.activation
    if activation == "linear":
        return []
    if isinstance(activation, str):
        return [c for c in users.get(u, ()) if c.parents == (u,) and c.op == activation][:1]
    most = _nodes_made_by(activation)
    members, out, frontier = {u}, [], [u]
    while frontier and len(out) < most:
        nxt = []
        for v in frontier:
            for c in users.get(v, ()):
                if c not in members and len(out) < most and all(
                        p in members or (p.is_leaf and p.label == "" and p not in params)
                        for p in c.parents):
                    members.add(c)
                    out.append(c)
                    nxt.append(c)
        frontier = nxt
    return out


def _nodes_made_by(activation) -> int:
    """How many nodes an activation function adds to the graph of its input (tried on
    one number); a large number when it cannot be tried."""
    probe = Value(0.5)
    try:
        y = activation(probe)
    except Exception:  # a function of the learner's may refuse 0.5: then no limit
        return 1 << 30
    if not isinstance(y, Value):
        return 1 << 30
    below = set(topological_order(probe))
    return sum(1 for v in topological_order(y) if v not in below and not v.is_leaf)


def _all_uses(neurons: list, order: list):
    """Per unit (a neuron, or a filter whose weights are reused at every position): its
    products and its sums in ``order``."""
    weight_of = {w: (k, i) for k, (_, _, _, n) in enumerate(neurons) for i, w in enumerate(n.w)}
    bias_of = {n.b: k for k, (_, _, _, n) in enumerate(neurons) if n.b is not None}
    products = [[] for _ in neurons]
    sums = [[] for _ in neurons]
    product_of = {}
    for v in order:
        op = v.op
        if op == "*" and v.parents[0] in weight_of:
            k, i = weight_of[v.parents[0]]
            products[k].append((i, v))
            product_of[v] = k
        elif op == "sum":
            owners = {product_of.get(p, bias_of.get(p)) for p in v.parents} - {None}
            if len(owners) == 1:
                sums[owners.pop()].append(v)
    return products, sums


def find_neurons(model, order: list) -> list[NeuronNodes]:
    """The neurons of ``model`` that take part in the graph ``order``, in the model's
    order (layer by layer), each with its nodes at its first use."""
    neurons = model.neuron_paths()
    products, sums = _all_uses(neurons, order)
    users = _children(order)
    params = frozenset(p for _, p in model.named_parameters())
    found = []
    for k, (key, name, layer, neuron) in enumerate(neurons):
        if not sums[k]:
            continue  # this neuron takes no part in the graph
        u = sums[k][0]
        first = {}
        for i, v in products[k]:
            if v in u.parents and i not in first:
                first[i] = v
        inputs = tuple((neuron.w[i], first[i].parents[1], first[i]) for i in sorted(first))
        outs = _outputs(neuron, u, users, params)
        found.append(NeuronNodes(key, name, layer, neuron, u, outs[-1] if outs else u, inputs,
                                 neuron.b if neuron.b is not None and neuron.b in u.parents
                                 else None))
    return found


def graph_parts(model, order: list) -> GraphParts:
    """Names and boxes of the model's values in ``order``: parameters ``L1N3.w1`` and
    ``L1N3.b``, every weighted sum ``L1N3.u`` and output ``L1N3.y``, the inputs of the
    first layer ``x1, x2, ...`` (the input multiplied by w1 is x1); each neuron's
    products, sum and activation drawn in the neuron's box (titled ``L1N3``) inside its
    layer's (titled ``L1``). A filter of a shared-weight layer (``model.filter_paths()``)
    is one box (``L1F2``) holding its uses at every position, each position's sum and
    output named by where it is (``L1F2.u3``, ``L1F2.y[2,3]``); its weights' gradients
    arrive from "positions" (the step-through's word for their paths)."""
    neurons, filters = model.neuron_paths(), model.filter_paths()
    products, sums = _all_uses(neurons + [f[:4] for f in filters], order)
    users = _children(order)
    params = frozenset(p for _, p in model.named_parameters())
    # a filter's box holds every position: as one node it would show one position's
    # numbers as the filter's, so collapse= draws a model with filters not at all
    parts = GraphParts(unit=None if filters else "neuron")
    members = set(order)
    for k, (key, name, layer, neuron) in enumerate(neurons):
        box = _box(parts, key, ".neurons.", name, layer, neuron, members)
        for i, v in products[k]:
            parts.groups[v] = box
            x = v.parents[1]
            if layer == 0 and x.is_leaf and x not in parts.names:
                parts.names[x] = f"x{i + 1}"
        for u in sums[k]:
            _name_sum(parts, box, name, "", u, _outputs(neuron, u, users, params))
    for k, (key, name, layer, filter_, conv) in enumerate(filters, len(neurons)):
        box = _box(parts, key, ".filters.", name, layer, filter_, members)
        for p in _parameters(filter_):
            parts.arrivals[p] = "positions"
        for _, v in products[k]:
            parts.groups[v] = box
        where = conv.locate(sums[k], filter_)  # None: not every position is in the graph
        for u in sums[k]:
            _name_sum(parts, box, name, "" if where is None else conv.position_name(where[u]),
                      u, _outputs(filter_, u, users, params))
            if layer == 0 and where is not None:
                _name_inputs(parts, conv, filter_, u, where[u])
    return parts


def _parameters(neuron) -> list:
    return [*neuron.w, *([neuron.b] if neuron.b is not None else [])]


def _box(parts: GraphParts, key: str, inner: str, name: str, layer: int, unit,
         members: set) -> tuple:
    """The box of a neuron or filter (inside its layer's, ``L1``), its title, and its
    parameters' names (``L1N3.w1``, ``L1N3.b``) and places."""
    outer = key.rsplit(inner, 1)[0] if inner in key else None
    box = (outer, key) if outer else (key,)
    parts.titles[key] = name
    if outer:
        parts.titles[outer] = layer_name(layer)
    parts.prefixes[key] = parts.prefixes.get(key, name)
    prefix = "" if key == "neuron" else f"{name}."
    for i, w in enumerate(unit.w):
        parts.names[w] = f"{prefix}w{i + 1}"
    if unit.b is not None:
        parts.names[unit.b] = f"{prefix}b"
    for p in _parameters(unit):
        if p in members:
            parts.groups[p] = box
    return box


def _name_sum(parts: GraphParts, box: tuple, name: str, where: str, u: Value,
              outs: list) -> None:
    """A weighted sum ``L1N3.u`` (a filter's at a position: ``L1F2.u3``) and its
    activation's nodes, the last of them the output ``L1N3.y``, in the unit's box."""
    parts.groups[u] = box
    parts.names[u] = f"{name}.u{where}"
    for v in outs:
        parts.groups[v] = box
    if outs:
        parts.names[outs[-1]] = f"{name}.y{where}"


def _name_inputs(parts: GraphParts, conv, filter_, u: Value, position: int) -> None:
    """The first layer's inputs a filter reads at a position, by their index: ``x5``."""
    weight_index = {w: i for i, w in enumerate(filter_.w)}
    for v in u.parents:
        if v.op == "*" and v.parents[0] in weight_index:
            x = v.parents[1]
            if x.is_leaf and x not in parts.names:
                parts.names[x] = f"x{conv.input_index(position, weight_index[v.parents[0]]) + 1}"
