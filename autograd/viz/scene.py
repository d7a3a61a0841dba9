"""Drawing computational graphs: every value with its data and gradient, an op node
per operation, edges optionally labelled with local gradients.

``draw_graph(root)`` returns a ``GraphDrawing``: it shows inline in Jupyter and has
``.source`` (DOT text), ``.svg()``, ``.png()`` and ``.save(path)``. (PyTorch users know
torchviz' ``make_dot``.) ``Scene`` is what a drawing shows, built once; the step-through
draws every frame from one scene.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from ..engine import Value, local_gradients, topological_order
from .dot import GraphDrawing
from .model import check_module, graph_parts
from .names import node_names
from .style import escape, fmt, grad_colour

__all__ = ["draw_graph", "Scene"]

_OP_SYMBOLS = {"*": "×", "/": "÷", "neg": "−x", "sum": "Σ", "**": "^", "-": "−"}


def _ancestors(targets: Iterable[Value]) -> set:
    seen, stack = set(), list(targets)
    while stack:
        v = stack.pop()
        if v not in seen:
            seen.add(v)
            stack.extend(v.parents)
    return seen


class Scene:
    """What a drawing of the graph below ``root`` shows: nodes, their names, edges,
    clusters. Built once; ``dot()`` writes it as DOT text for any state of the
    numbers, so every frame of a step-through is the same picture with other
    texts and colours.

    DOT node names double as the SVG element ids a page updates: ``v{i}`` is the
    box of node ``i`` of the topological order (its last text is the grad),
    ``o{i}`` its op circle, ``l{i}_{j}`` the label on input ``j`` of node ``i``;
    edges are ``e{i}_{j}`` (input to label, or to the op when unlabelled),
    ``f{i}_{j}`` (label to op) and ``r{i}`` (op to its result)."""

    def __init__(self, root: Value, *, rankdir="LR", show_grad=True, edge_labels=None,
                 precision=4, max_nodes=400, module=None, collapse=None, focus=None,
                 order=None, names=None):
        if not isinstance(root, Value):
            raise TypeError(f"draw_graph expects a Value, got {type(root).__name__}")
        if rankdir not in ("LR", "TB", "RL", "BT"):
            raise ValueError(f"rankdir must be LR, TB, RL or BT, got {rankdir!r}")
        if edge_labels not in (None, "local", "flow"):
            raise ValueError(f"edge_labels must be None, 'local' or 'flow', got {edge_labels!r}")
        check_module(module, collapse)
        if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision \
                <= 12:
            raise ValueError(f"precision must be an int from 0 to 12, got {precision!r}")
        if max_nodes is not None and (isinstance(max_nodes, bool) or
                                      not isinstance(max_nodes, int) or max_nodes < 1):
            raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
        self.root, self.rankdir, self.show_grad = root, rankdir, show_grad
        self.edge_labels, self.precision = edge_labels, precision
        order = topological_order(root) if order is None else order
        if focus is not None:
            keep = _ancestors([focus] if isinstance(focus, Value) else list(focus))
            order = [v for v in order if v in keep]
        self.order = order
        self.index = {v: i for i, v in enumerate(order)}
        self.parts = parts = graph_parts(module, order)
        self.owner = parts.groups  # Value -> the model's boxes it is drawn in
        self.names = node_names(order, parts) if names is None else names
        self.auto = {v for v in order if not v.label}
        self.collapsed = {}  # Value -> the unit's box key, for collapse=
        if collapse:
            if parts.unit != collapse:
                have = f"collapse={parts.unit!r}" if parts.unit else "no units to collapse"
                raise ValueError(f"collapse={collapse!r} draws each of the model's units as "
                                 f"one node, but this model has {have}")
            self.collapsed = {v: self.owner[v][-1] for v in order if v in self.owner}
        self.drawn = [v for v in order if v not in self.collapsed]
        labelled = sum(len(v.parents) for v in self.drawn) if edge_labels else 0
        self.n_nodes = (len(self.drawn) + sum(1 for v in self.drawn if not v.is_leaf)
                        + len(set(self.collapsed.values())) + labelled)
        if max_nodes is not None and self.n_nodes > max_nodes:
            raise ValueError(
                f"the drawing would have {self.n_nodes} nodes, more than max_nodes={max_nodes}: "
                "pass module=model, collapse='neuron' to draw neurons as single nodes, "
                "focus=<value> to draw only part of the graph, or a larger max_nodes (layout "
                "may then be slow)")

    # --- the numbers in the boxes and on the edges --------------------------------------

    def scale(self, grads: dict) -> float:
        return max((abs(g) for g in grads.values() if g is not None and math.isfinite(g)),
                   default=0.0)

    def grad_cell(self, g: float | None, scale: float, suffix: str = "") -> tuple:
        text = "not computed" if g is None else f"grad {fmt(g, self.precision)}{suffix}"
        return text, grad_colour(g, scale)

    def local_text(self, local: float) -> str:
        return f"local {fmt(local, self.precision)}"

    def flow_text(self, upstream: float, local: float, contribution: float) -> str:
        """The chain rule on one edge, in the order the engine computes it."""
        p = self.precision
        return f"{fmt(upstream, p)} × {fmt(local, p)} = {fmt(contribution, p)}"

    def static_texts(self, grads: dict) -> tuple[dict, dict]:
        """Cells and edge labels of a still drawing with these gradients."""
        scale = self.scale(grads)
        cells = {v: self.grad_cell(grads.get(v), scale) for v in self.order}
        labels = {}
        if self.edge_labels:
            for v in self.drawn:
                if v.is_leaf:
                    continue
                g, fan_out = grads.get(v), v._op.fan_out
                for i, local in enumerate(local_gradients(v)):
                    if self.edge_labels == "local" or g is None:
                        labels[(v, i)] = self.local_text(local)
                    else:
                        labels[(v, i)] = self.flow_text(g, local, g if fan_out else g * local)
        return cells, labels

    # --- DOT -------------------------------------------------------------------------

    def dot(self, cells: dict, labels: dict, *, highlight=(), highlight_edges=(),
            widths: dict | None = None) -> str:
        """DOT text: ``cells[v] = (grad text, fill)``, ``labels[(v, i)]`` the text on
        input ``i`` of ``v``; ``widths`` fixes the size (points) of the grad cells and
        label nodes named in it, so texts can change without moving anything."""
        index, widths = self.index, widths or {}
        highlight, highlight_edges = set(highlight), set(highlight_edges)
        lines = [
            "digraph G {",
            f'  graph [rankdir={self.rankdir}, fontname="Helvetica", nodesep=0.25, '
            'ranksep=0.35];',
            '  node [fontname="Helvetica", fontsize=11];',
            '  edge [fontname="Helvetica", fontsize=9, color="#555555", arrowsize=0.7];',
        ]
        body: dict = {}  # cluster path -> lines
        edges = []
        for v in self.drawn:
            i = index[v]
            where = body.setdefault(self.owner.get(v, ()), [])
            where.append(self._value_node(v, cells.get(v), v in highlight, widths.get(f"v{i}")))
            if v.is_leaf:
                continue
            dead = v.op == "relu" and v.parents[0].data <= 0
            fill = "#ffd27f" if v in highlight else ("#dddddd" if dead else "#f5f5dc")
            style = f'style="filled,dashed", fillcolor="{fill}", tooltip="dead ReLU: input ' \
                    f'<= 0, no gradient passes"' if dead else f'style=filled, fillcolor="{fill}"'
            text = self._op_label(v) + ('<BR/><FONT POINT-SIZE="8">dead</FONT>' if dead else "")
            where.append(f'  o{i} [id="o{i}", shape=circle, margin=0.02, width=0.3, '
                         f"label=<{text}>, {style}];")
            edges.append(f'  o{i} -> v{i} [id="r{i}"];')
            for j, p in enumerate(v.parents):
                if p not in index:
                    continue
                src = f"v{index[p]}" if p not in self.collapsed else \
                    _dot_id("n_", self.collapsed[p])
                hot = ' color="#e6a700", penwidth=2.5,' if (v, j) in highlight_edges else ""
                text = labels.get((v, j))
                if text is None and not self.edge_labels:
                    edges.append(f'  {src} -> o{i} [id="e{i}_{j}"{hot.rstrip(",")}];')
                    continue
                name, size = f"l{i}_{j}", widths.get(f"l{i}_{j}")
                fixed = f", width={size / 72:.3f}, height=0.22, fixedsize=true" if size else ""
                where.append(f'  {name} [id="{name}", shape=plaintext, fontsize=9, margin=0.02, '
                             f'label=<{escape(text or "")}>{fixed}];')
                edges.append(f'  {src} -> {name} [id="e{i}_{j}",{hot} arrowhead=none];')
                edges.append(f'  {name} -> o{i} [id="f{i}_{j}",{hot.rstrip(",")}];')
        for key in sorted(set(self.collapsed.values())):
            edges += self._collapsed_unit(key, body, cells)
        lines += _nest_clusters(body, self.parts.titles)
        lines += edges
        if self.show_grad:
            lines.append('  legend [shape=plaintext, label=<<TABLE BORDER="0" CELLSPACING="2">'
                         '<TR><TD BGCOLOR="#7373ff">grad &gt; 0</TD><TD BGCOLOR="#ff7373">grad '
                         '&lt; 0</TD><TD BGCOLOR="#ffffff">0</TD><TD BGCOLOR="#eeeeee">not '
                         'computed</TD></TR></TABLE>>];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _value_node(self, v: Value, cell, hot: bool, width) -> str:
        i = self.index[v]
        name = escape(self.names[v])
        name = f"<I>{name}</I>" if v in self.auto else f"<B>{name}</B>"
        cells = [f"<TD>{name}</TD>", f"<TD>data {escape(fmt(v.data, self.precision))}</TD>"]
        if self.show_grad:
            text, fill = cell if cell is not None else ("not computed", "#eeeeee")
            fixed = f' WIDTH="{width:.0f}" HEIGHT="22" FIXEDSIZE="TRUE"' if width else ""
            cells.append(f'<TD BGCOLOR="{fill}"{fixed}>{escape(text)}</TD>')
        border = ' COLOR="#e6a700"' if hot else ""
        return (f'  v{i} [id="v{i}", shape=plaintext, label=<<TABLE BORDER="1" '
                f'CELLBORDER="1" CELLSPACING="0" CELLPADDING="4"{border}><TR>{"".join(cells)}'
                f"</TR></TABLE>>];")

    def _op_label(self, v: Value) -> str:
        op = v.op
        symbol = _OP_SYMBOLS.get(op, op)
        if op == "**" and v.op_arg is not None:
            symbol = f"^{fmt(v.op_arg, 3).rstrip('0').rstrip('.')}"
        elif op == "leaky_relu":
            symbol = f"leaky_relu({v.op_arg:g})"
        return escape(symbol)

    def _collapsed_unit(self, key: str, body: dict, cells: dict) -> list:
        """One unit of the model (a neuron) as one node: its output and gradient."""
        members = [v for v in self.order if self.collapsed.get(v) == key]
        out, node = members[-1], _dot_id("n_", key)
        text = (cells.get(out) or ("not computed",))[0]
        body.setdefault(self.owner[out][:-1], []).append(
            f'  {node} [id="{node}", shape=box, style="rounded,filled", fillcolor="#e8f0fe", '
            f"label=<<B>{escape(self.parts.prefixes.get(key, key))}</B><BR/>"
            f"out {escape(fmt(out.data, self.precision))}<BR/>{escape(text)}>];")
        sources = []  # the unit's inputs: values or other units, not its parameters
        for v in members:
            for p in v.parents:
                if p not in self.index or self.collapsed.get(p) == key or \
                        (p.is_leaf and p in self.owner):
                    continue
                src = _dot_id("n_", self.collapsed[p]) if p in self.collapsed else \
                    f"v{self.index[p]}"
                if src not in sources:
                    sources.append(src)
        return [f"  {src} -> {node};" for src in sources]


def draw_graph(root: Value, *, rankdir: str = "LR", show_grad: bool = True,
               edge_labels: str | None = None, precision: int = 4, max_nodes: int = 400,
               module=None, collapse: str | None = None, focus=None,
               grads: dict | None = None) -> GraphDrawing:
    """Draw the graph that computes ``root``.

    - every Value is a box with its name, data and grad; each operation is a
      small round node, its inputs in order (so ``a - b`` and ``a + a`` show);
      unlabelled nodes get readable names (italic): ``mul1``, ``tanh1``, and with
      ``module=`` the lectures' ``u`` and ``y`` of each neuron;
    - ``edge_labels="local"`` writes the local gradient d out / d input on each
      input edge, ``"flow"`` writes ``upstream × local = contribution``, the
      chain rule as ``backward()`` computes it; each label sits on its own edge;
    - gradients are coloured by sign (blue +, red −) and size; a grey cell means
      "not computed yet" (no backward from ``root`` has run), distinct from 0;
      a ReLU whose input is <= 0 is flagged "dead" (it passes no gradient);
    - ``module=model`` groups nodes into layer and neuron boxes (by the names of
      ``model.named_parameters()``); ``collapse="neuron"`` draws each neuron as
      one node; ``focus=value or [values]`` draws only what those depend on;
    - over ``max_nodes`` drawn nodes it refuses (layout would take long) and
      says how to shrink the drawing; ``max_nodes=None`` draws any size.
    ``grads={value: number or None}`` draws other gradients than ``.grad`` (as
    ``Program.draw`` does). The same graph always gives byte-identical DOT: node
    names come from the topological order, never from ``id()``. (PyTorch users
    know torchviz' ``make_dot``.)
    """
    scene = Scene(root, rankdir=rankdir, show_grad=show_grad, edge_labels=edge_labels,
                   precision=precision, max_nodes=max_nodes, module=module, collapse=collapse,
                   focus=focus)
    if grads is None:
        computed = show_grad and (root.grad != 0 or not root.parents)
        grads = {v: (v.grad if computed else None) for v in scene.order}
    elif not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict {{Value: number or None}}, got "
                        f"{type(grads).__name__}")
    cells, labels = scene.static_texts(grads)
    return GraphDrawing(scene.dot(cells, labels))


def _dot_id(prefix: str, key: str) -> str:
    """A DOT id for a box of the model: letters, digits and _ only, whatever its name."""
    return prefix + re.sub(r"\W", "_", key, flags=re.ASCII)


def _nest_clusters(body: dict, titles: dict) -> list:
    """Subgraph clusters for the model's boxes (a layer box holding its neuron boxes).
    ``body`` maps a box path (a tuple of keys, outermost first; () for no box) to its
    DOT lines."""
    out = list(body.get((), []))
    paths = set(body) - {()}
    for path in list(paths):  # every enclosing box, even one with no lines of its own
        paths.update(path[:k] for k in range(1, len(path)))

    def emit(path: tuple, indent: str) -> None:
        key = path[-1]
        out.append(f"{indent}subgraph {_dot_id('cluster_', key)} {{")
        style = 'style=rounded; color="#999999";' if len(path) == 1 else "style=dashed;"
        out.append(f'{indent}  label="{escape(titles.get(key, key))}"; {style}')
        out.extend(indent + line for line in body.get(path, []))
        for child in sorted((p for p in paths if len(p) == len(path) + 1 and p[:-1] == path),
                            key=lambda p: p[-1]):
            emit(child, indent + "  ")
        out.append(f"{indent}}}")

    for path in sorted((p for p in paths if len(p) == 1), key=lambda p: p[0]):
        emit(path, "  ")
    return out
