"""A readable name for every node of a graph, the same in drawings, captions, tables
and pages: a node's own label, else the model's name for it (``module=``), else its
operation and a count in reading order (``mul1``, ``tanh1``) or ``leaf1``."""

from __future__ import annotations

from .. import _internal
from ..engine import Value
from .model import GraphParts
from .style import visible

__all__ = ["node_names", "reading_order"]

OP_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}


def node_names(order: list, parts: GraphParts | None = None) -> dict:
    """A name for every node of ``order``.

    A node's own ``label`` wins. Then the model's names (``parts.names``: with an
    ``nn`` model its parameters ``L1N4.w1``, each neuron's weighted sum ``L1N4.u`` and
    output ``L1N4.y``, its inputs ``x1, x2, ...``). Other computed nodes are named by
    their operation and a count in reading order (``mul1``, ``tanh1``; inside a box of
    the model, after its prefix: ``L1N4.mul1``); other unlabelled leaves ``leaf1, ...``.
    """
    if not isinstance(parts, (GraphParts, type(None))):
        raise TypeError(f"node_names: parts must be a GraphParts (a model's graph_parts) or "
                        f"None, got {type(parts).__name__}: {parts!r:.40}")
    order = _internal.items(order, "node_names: order", "a list of Values (a graph)")
    if not all(isinstance(v, Value) for v in order):
        raise TypeError("node_names: order must be a list of Values, such as "
                        "autograd.topological_order(root)")
    parts = GraphParts() if parts is None else parts
    names, counts = {}, {}
    for v in reading_order(order):
        if v.label:
            names[v] = visible(v.label, None)  # as every output can show it (style.visible)
        elif v in parts.names:
            names[v] = visible(parts.names[v], None)
        elif v.is_leaf:
            counts["leaf"] = counts.get("leaf", 0) + 1
            names[v] = f"leaf{counts['leaf']}"
        elif v in parts.groups:
            box = parts.groups[v][-1]
            key = (box, v.op)
            counts[key] = counts.get(key, 0) + 1
            names[v] = visible(f"{parts.prefixes.get(box, box)}.{OP_WORDS.get(v.op, v.op)}"
                               f"{counts[key]}", None)
        else:
            word = OP_WORDS.get(v.op, v.op)
            counts[word] = counts.get(word, 0) + 1
            names[v] = visible(f"{word}{counts[word]}", None)  # a user op may have any name
    return names


def reading_order(order: list) -> list:
    """The nodes of ``order`` inputs first, each node's inputs in their written
    order (``a * b + c``: a, b, a*b, c, +), so automatic names count the way the
    expression reads."""
    members, seen, out = set(order), set(), []
    for top in reversed(order):  # the root first: its walk reaches everything
        if top in seen:
            continue
        stack = [(top, 0)]
        while stack:
            v, i = stack.pop()
            if i == 0:
                if v in seen:
                    continue
                seen.add(v)
            parents = v.parents
            while i < len(parents) and (parents[i] in seen or parents[i] not in members):
                i += 1
            if i < len(parents):
                stack.append((v, i + 1))
                stack.append((parents[i], 0))
            else:
                out.append(v)
    return out
