"""What a model tells autograd's drawings about a graph it computed (``module=model``).

autograd knows nothing of neurons; ``autograd.viz.model`` describes the protocol and
``Module.graph_parts`` answers it with what this module finds here: which nodes of the
graph are each neuron's products ``w_i * x_i``, its weighted sum ``u`` and its output
``y = f(u)``, and the one name of every neuron (``L0N3``: layer 0, neuron 3, both
counted from 0) that drawings, tables, players and ``nn.plot`` all use.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograd import Value
from autograd.viz import GraphParts

__all__ = ["NeuronNodes", "find_neurons", "graph_parts"]


@dataclass(frozen=True)
class NeuronNodes:
    """One neuron's nodes in a graph (its first use there, for a graph of several samples)."""

    key: str        # the module path: layers.0.neurons.3
    name: str       # L0N3
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


def _outputs(neuron, u: Value, users: dict) -> list:
    """The nodes that compute the neuron's output from ``u``: none for a linear neuron,
    the activation's node for a named one, and for an activation function every node
    computed from ``u`` (and constants) alone."""
    activation = neuron.activation
    if activation == "linear":
        return []
    if isinstance(activation, str):
        return [c for c in users.get(u, ()) if c.parents == (u,) and c.op == activation][:1]
    members, out, frontier = {u}, [], [u]
    while frontier:
        nxt = []
        for v in frontier:
            for c in users.get(v, ()):
                if c not in members and all(p in members or (p.is_leaf and p.label == "")
                                            for p in c.parents):
                    members.add(c)
                    out.append(c)
                    nxt.append(c)
        frontier = nxt
    return out


def _all_uses(model, order: list):
    """Per neuron of the model: its products, sums and output nodes in ``order``."""
    neurons = model.neuron_paths()
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
    return neurons, products, sums


def find_neurons(model, order: list) -> list[NeuronNodes]:
    """The neurons of ``model`` that take part in the graph ``order``, in the model's
    order (layer by layer), each with its nodes at its first use."""
    neurons, products, sums = _all_uses(model, order)
    users = _children(order)
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
        outs = _outputs(neuron, u, users)
        found.append(NeuronNodes(key, name, layer, neuron, u, outs[-1] if outs else u, inputs,
                                 neuron.b if neuron.b is not None and neuron.b in u.parents
                                 else None))
    return found


def graph_parts(model, order: list) -> GraphParts:
    """Names and boxes of the model's values in ``order``: parameters ``L0N3.w1`` and
    ``L0N3.b``, every weighted sum ``L0N3.u`` and output ``L0N3.y``, the inputs of the
    first layer ``x1, x2, ...`` (the input multiplied by w1 is x1); each neuron's
    products, sum and activation drawn in the neuron's box inside its layer's."""
    neurons, products, sums = _all_uses(model, order)
    users = _children(order)
    names, groups, titles, prefixes = {}, {}, {}, {}
    members = set(order)
    for k, (key, name, layer, neuron) in enumerate(neurons):
        outer = key.rsplit(".neurons.", 1)[0] if ".neurons." in key else None
        box = (outer, key) if outer else (key,)
        titles[key] = key[len(outer) + 1:] if outer else key
        if outer:
            titles[outer] = outer
        prefixes[key] = prefixes.get(key, name)
        prefix = "" if key == "neuron" else f"{name}."
        for i, w in enumerate(neuron.w):
            names[w] = f"{prefix}w{i + 1}"
        if neuron.b is not None:
            names[neuron.b] = f"{prefix}b"
        for p in (*neuron.w, *([neuron.b] if neuron.b is not None else [])):
            if p in members:
                groups[p] = box
        for i, v in products[k]:
            groups[v] = box
            x = v.parents[1]
            if layer == 0 and x.is_leaf and x not in names:
                names[x] = f"x{i + 1}"
        for u in sums[k]:
            groups[u] = box
            names[u] = f"{name}.u"
            outs = _outputs(neuron, u, users)
            for v in outs:
                groups[v] = box
            if outs:
                names[outs[-1]] = f"{name}.y"
    return GraphParts(names=names, groups=groups, titles=titles, prefixes=prefixes,
                      unit="neuron")
