"""What a drawing or a step-through learns from a model (``module=``).

autograd knows nothing of neurons or layers. A model passed as ``module=`` to
``draw_graph`` or ``backward_trace`` says what it knows about the graph through a
small protocol (duck-typed, as PyTorch's ``named_parameters``):

- ``named_parameters()`` -> ``[(name, Value), ...]`` (required);
- ``graph_parts(order)`` -> ``GraphParts`` (optional): the names of the values the
  model knows (its parameters, each unit's weighted sum and output, its inputs), the
  boxes each value is drawn in, and the word for its innermost box (``"neuron"``),
  which ``collapse=`` draws as one node;
- ``trace_views()`` -> ``{name: make_view}`` (optional): more step-through views
  beside the scalar one; ``make_view(trace, rankdir=, precision=)`` returns a view as
  ``player.py`` describes (``nn``'s neuron view of the deltas is one).

``nn.Module`` implements all three. Any other object with ``named_parameters()``
gets ``generic_parts`` below: a parameter ``encoder.w.0`` is drawn in the box
``encoder``, and so is what is computed from it alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["GraphParts", "graph_parts", "generic_parts", "trace_views", "check_module"]


@dataclass(frozen=True)
class GraphParts:
    """What a model tells a drawing about the graph it computed.

    ``names``: Value -> the name it is shown with (a node's own ``label`` still wins).
    ``groups``: Value -> the keys of the boxes it sits in, outermost first
    (``("layers.0", "layers.0.neurons.3")``). ``titles``: box key -> its title, and
    ``prefixes``: box key -> the prefix of the automatic names of the values inside
    (``L1N4`` gives ``L1N4.mul1``). ``unit``: the word for the innermost boxes
    (``"neuron"``), or None when they cannot be drawn as one node each. ``arrivals``:
    Value -> the word the step-through uses for the uses its gradient arrives from
    ("3 of 6 positions arrived" for a weight shared over positions; "paths" otherwise)."""

    names: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)
    titles: dict = field(default_factory=dict)
    prefixes: dict = field(default_factory=dict)
    unit: str | None = None
    arrivals: dict = field(default_factory=dict)


def check_module(module, collapse) -> None:
    """The ``module=`` and ``collapse=`` arguments of drawings and traces."""
    if module is not None and not callable(getattr(module, "named_parameters", None)):
        raise TypeError(f"module must be a model with named_parameters() (an nn.Module), "
                        f"got {type(module).__name__}")
    if collapse is None:
        return
    if not isinstance(collapse, str):
        raise TypeError(f"collapse must be None or a str such as 'neuron', got "
                        f"{type(collapse).__name__}")
    if module is None:
        raise ValueError(f"collapse={collapse!r} needs module=<the model that computed the "
                         "graph>")


def graph_parts(module, order: list) -> GraphParts:
    """The model's ``graph_parts(order)``, or the generic parts of its parameter names."""
    if module is None:
        return GraphParts()
    own = getattr(module, "graph_parts", None)
    if callable(own):
        parts = own(order)
        if not isinstance(parts, GraphParts):
            raise TypeError(f"{type(module).__name__}.graph_parts must return a GraphParts, "
                            f"got {type(parts).__name__}")
        return parts
    return generic_parts(module, order)


def trace_views(module) -> dict:
    """The model's extra step-through views by name (none without ``trace_views``)."""
    own = getattr(module, "trace_views", None) if module is not None else None
    return dict(own()) if callable(own) else {}


def generic_parts(module, order: list) -> GraphParts:
    """Boxes from dotted parameter names, for any model with ``named_parameters()``.

    A parameter belongs to the box of its name without the last part (``enc.w.1`` and
    ``enc.b``: ``enc``). A computed node belongs to the box of the first parameter it
    consumes directly (the products ``w * x``), else to the box all of its inputs
    share (what is computed from one box's values alone), else to none."""
    owner, names = {}, {}
    for name, p in module.named_parameters():
        parts = name.split(".")
        if parts[-1].isdigit() and len(parts) > 1:  # w.1 -> w
            parts = parts[:-1]
        owner[p] = ".".join(parts[:-1])
        names[p] = name
    params = set(owner)
    for node in order:
        if node in owner or node.is_leaf:
            continue
        direct = [owner[p] for p in node.parents if p in params]
        if direct:
            owner[node] = direct[0]
            continue
        found = {owner.get(p) for p in node.parents}
        if len(found) == 1 and None not in found:
            owner[node] = found.pop()
    groups = {v: (key,) for v, key in owner.items() if key}
    keys = sorted(set(owner.values()) - {""})
    return GraphParts(names=names, groups=groups, titles={k: k for k in keys},
                      prefixes={k: k for k in keys})
