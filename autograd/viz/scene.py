"""Drawing computational graphs: every value with its data and gradient, an op node
per operation, edges optionally labelled with local gradients.

``draw_graph(root)`` returns a ``GraphDrawing``: it shows inline in Jupyter and has
``.source`` (DOT text), ``.svg()``, ``.png()`` and ``.save(path)``. (PyTorch users know
torchviz' ``make_dot``.) ``Scene`` is what a drawing shows, built once; the step-through
draws every frame from one scene.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import re
from collections.abc import Iterable

from .. import _internal
from ..engine import Value, local_gradients, topological_order
from .dot import GraphDrawing
from .layout import layered, measure, placed
from .model import check_module, graph_parts
from .names import node_names, reading_order
from .style import escape, fmt, grad_colour

__all__ = ["draw_graph", "Scene"]

# Up to this many nodes Graphviz's dot lays a drawing out (the best layout, in under half
# a second); above, viz.layout computes it in linear time (dot's time grows about as the
# square of the nodes: half a minute at 13,000) and Graphviz only draws.
GRAPHVIZ_MAX_NODES = 1500

_OP_SYMBOLS = {"*": "×", "/": "÷", "neg": "−x", "sum": "Σ", "**": "^", "-": "−"}


def _values(values, name: str) -> list:
    """A list of Values (the nodes to draw, or those to focus on), checked."""
    values = _internal.items(values, name, "a Value or a list of Values")
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"{name}[{i}] must be a Value, got {type(v).__name__}: {v!r:.40}")
    return values


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
                 order=None, names=None, layout="auto"):
        if not isinstance(root, Value):
            raise TypeError(f"draw_graph expects a Value, got {type(root).__name__}")
        _internal.choice(rankdir, "rankdir", ("LR", "TB", "RL", "BT"))
        _internal.choice(edge_labels, "edge_labels", (None, "local", "flow"))
        check_module(module, collapse)
        _internal.choice(layout, "layout", ("auto", "dot", "layers"))
        if isinstance(precision, bool) or not isinstance(precision, numbers.Integral) or \
                not 0 <= precision <= 12:
            raise ValueError(f"precision must be an int from 0 to 12, got {precision!r:.40}")
        if max_nodes is not None and (isinstance(max_nodes, bool) or
                                      not isinstance(max_nodes, numbers.Integral) or
                                      max_nodes < 1):
            raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r:.40}")
        precision = int(precision)
        self.root, self.rankdir = root, rankdir
        self.show_grad = _internal.boolean(show_grad, "show_grad")
        self.edge_labels, self.precision = edge_labels, precision
        order = topological_order(root) if order is None else _values(order, "order")
        if focus is not None:
            keep = _ancestors([focus] if isinstance(focus, Value) else _values(focus, "focus"))
            order = [v for v in order if v in keep]
        self.order = order
        self.index = {v: i for i, v in enumerate(order)}
        self.parts = parts = graph_parts(module, order)
        self.owner = parts.groups  # Value -> the model's boxes it is drawn in
        self.box_ids = _box_ids(sorted({k for path in parts.groups.values() for k in path}))
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
        if layout == "auto":
            layout = "dot" if self.n_nodes <= GRAPHVIZ_MAX_NODES else "layers"
        self.layout = layout  # who places the nodes: Graphviz ("dot") or viz.layout
        self._placed = None  # (sizes key, Layout) of the last placed drawing

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
        label nodes named in it, so texts can change without moving anything. Up to
        ``GRAPHVIZ_MAX_NODES`` nodes Graphviz lays the drawing out; above, every node
        carries its place from ``viz.layout`` (the same for every frame of a trace)."""
        nodes, links = self._statements(cells, labels, set(highlight), set(highlight_edges),
                                        widths or {})
        if self.layout == "dot":
            return self._graphviz_dot(nodes, links)
        return self._placed_dot(nodes, links, widths)

    def _statements(self, cells, labels, highlight, highlight_edges, widths) -> tuple:
        """The drawing's nodes as (id, box path, statement, place in a topological
        order) and its edges as (tail, head, statement), in the order DOT lists them."""
        index = self.index
        nodes, links = [], []
        for v in self.drawn:
            i = index[v]
            path = self.owner.get(v, ())
            nodes.append((f"v{i}", path, self._value_node(v, cells.get(v), v in highlight,
                                                           widths.get(f"v{i}")), (i, 2)))
            if v.is_leaf:
                continue
            dead = v.op == "relu" and v.parents[0].data <= 0
            fill = "#ffd27f" if v in highlight else ("#dddddd" if dead else "#f5f5dc")
            style = f'style="filled,dashed", fillcolor="{fill}", tooltip="dead ReLU: input ' \
                    f'<= 0, no gradient passes"' if dead else f'style=filled, fillcolor="{fill}"'
            text = self._op_label(v) + ('<BR/><FONT POINT-SIZE="8">dead</FONT>' if dead else "")
            nodes.append((f"o{i}", path, f'  o{i} [id="o{i}", shape=circle, margin=0.02, '
                          f"width=0.3, label=<{text}>, {style}];", (i, 1)))
            links.append((f"o{i}", f"v{i}", f'  o{i} -> v{i} [id="r{i}"];'))
            for j, p in enumerate(v.parents):
                if p not in index:
                    continue
                src = f"v{index[p]}" if p not in self.collapsed else \
                    "n_" + self.box_ids[self.collapsed[p]]
                hot = ' color="#e6a700", penwidth=2.5,' if (v, j) in highlight_edges else ""
                text_j = labels.get((v, j))
                if text_j is None and not self.edge_labels:
                    links.append((src, f"o{i}",
                                  f'  {src} -> o{i} [id="e{i}_{j}"{hot.rstrip(",")}];'))
                    continue
                name, size = f"l{i}_{j}", widths.get(f"l{i}_{j}")
                fixed = f", width={size / 72:.3f}, height=0.22, fixedsize=true" if size else ""
                nodes.append((name, path, f'  {name} [id="{name}", shape=plaintext, fontsize=9, '
                              f'margin=0.02, label=<{escape(text_j or "")}>{fixed}];', (i, 0, j)))
                links.append((src, name, f'  {src} -> {name} [id="e{i}_{j}",{hot} '
                              'arrowhead=none];'))
                links.append((name, f"o{i}", f'  {name} -> o{i} [id="f{i}_{j}",'
                              f'{hot.rstrip(",")}];'))
        for key in sorted(set(self.collapsed.values())):
            self._collapsed_unit(key, cells, nodes, links)
        return nodes, links

    def _header(self) -> list:
        return [
            f'  graph [rankdir={self.rankdir}, fontname="Helvetica", nodesep=0.25, '
            'ranksep=0.35];',
            '  node [fontname="Helvetica", fontsize=11];',
            '  edge [fontname="Helvetica", fontsize=9, color="#555555", arrowsize=0.7];',
        ]

    def _legend(self) -> list:
        if not self.show_grad:
            return []
        return ['  legend [shape=plaintext, label=<<TABLE BORDER="0" CELLSPACING="2">'
                '<TR><TD BGCOLOR="#7373ff">grad &gt; 0</TD><TD BGCOLOR="#ff7373">grad '
                '&lt; 0</TD><TD BGCOLOR="#ffffff">0</TD><TD BGCOLOR="#eeeeee">not '
                'computed</TD></TR></TABLE>>];']

    def _graphviz_dot(self, nodes: list, links: list) -> str:
        """The drawing for Graphviz to lay out: the model's boxes as nested clusters."""
        body: dict = {}  # cluster path -> lines
        for _, path, line, _ in nodes:
            body.setdefault(path, []).append(line)
        lines = ["digraph G {", *self._header()]
        lines += _nest_clusters(body, self.parts.titles, self.box_ids)
        lines += [line for _, _, line in links]
        lines += self._legend()
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _placed_dot(self, nodes: list, links: list, widths) -> str:
        """The drawing with every node's place computed here (``viz.layout``): Graphviz
        only draws it (``layout=nop``, straight edges)."""
        key = None if widths is None else tuple(sorted(widths.items()))
        if self._placed is None or self._placed[0] != key or key is None:
            sizes = measure(self._header()[1:], {i: line for i, _, line, _ in nodes})
            edges = [(a, b) for a, b, _ in links]
            groups = {i: path for i, path, _, _ in nodes if path}
            reading = {v: k for k, v in enumerate(reading_order(self.order))}
            where_in = {self.index[v]: k for v, k in reading.items()}
            ordered = [i for i, *_ in sorted(nodes, key=lambda n: (where_in[n[3][0]], n[3][1:]))]
            self._placed = key, layered(ordered, edges, sizes, groups=groups,
                                        rankdir=self.rankdir)
        where = self._placed[1]
        height = where.height
        body: dict = {}
        for i, path, line, _ in nodes:
            x, y = where.positions[i]
            if i[0] in "vl":  # an opaque box: a straight edge passes behind it, not over its text
                line = line.replace("[", '[style=filled, fillcolor="white", ', 1)
            body.setdefault(path, []).append(placed(line, x, height - y))
        boxes = {k: f"{x0:.2f},{height - y1:.2f},{x1:.2f},{height - y0:.2f}"
                 for k, (x0, y0, x1, y1) in where.boxes.items()}
        lines = ["digraph G {", "  graph [layout=nop, splines=line, outputorder=edgesfirst];",
                 *self._header()]
        lines += _nest_clusters(body, self.parts.titles, self.box_ids, boxes)
        lines += [line for _, _, line in links]
        lines += [placed(line, 60, -30) for line in self._legend()]
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

    def _collapsed_unit(self, key: str, cells: dict, nodes: list, links: list) -> None:
        """One unit of the model (a neuron) as one node: its output and gradient."""
        members = [v for v in self.order if self.collapsed.get(v) == key]
        out, node = members[-1], "n_" + self.box_ids[key]
        text = (cells.get(out) or ("not computed",))[0]
        nodes.append((node, self.owner[out][:-1],
                      f'  {node} [id="{node}", shape=box, style="rounded,filled", '
                      f'fillcolor="#e8f0fe", label=<<B>{escape(self.parts.prefixes.get(key, key))}'
                      f"</B><BR/>out {escape(fmt(out.data, self.precision))}<BR/>{escape(text)}>];",
                      (self.index[out], 3)))
        sources = []  # the unit's inputs: values or other units, not its parameters
        for v in members:
            for p in v.parents:
                if p not in self.index or self.collapsed.get(p) == key or \
                        (p.is_leaf and p in self.owner):
                    continue
                src = "n_" + self.box_ids[self.collapsed[p]] if p in self.collapsed else \
                    f"v{self.index[p]}"
                if src not in sources:
                    sources.append(src)
        links.extend((src, node, f"  {src} -> {node};") for src in sources)


def draw_graph(root: Value, *, rankdir: str = "LR", show_grad: bool = True,
               edge_labels: str | None = None, precision: int = 4, max_nodes: int | None = 400,
               module=None, collapse: str | None = None, focus=None,
               grads: dict | None = None, layout: str = "auto") -> GraphDrawing:
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
    ``Program.draw`` does). ``layout="auto"`` lets Graphviz's dot lay out up to
    ``GRAPHVIZ_MAX_NODES`` nodes and places larger drawings in Python (``viz.layout``:
    linear time, straight edges); ``"dot"`` or ``"layers"`` choose. The same graph
    always gives byte-identical DOT: node names come from the topological order, never
    from ``id()``. (PyTorch users know torchviz' ``make_dot``.)
    """
    scene = Scene(root, rankdir=rankdir, show_grad=show_grad, edge_labels=edge_labels,
                   precision=precision, max_nodes=max_nodes, module=module, collapse=collapse,
                   focus=focus, layout=layout)
    if grads is None:
        computed = show_grad and (root.grad != 0 or not root.parents)
        grads = {v: (v.grad if computed else None) for v in scene.order}
    elif not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict {{Value: number or None}}, got "
                        f"{type(grads).__name__}")
    cells, labels = scene.static_texts(grads)
    return GraphDrawing(scene.dot(cells, labels))


def _box_ids(keys) -> dict:
    """A DOT id for each box of the model: letters, digits and _ only, whatever its name
    (``layers.0`` -> ``layers_0``), and one id per name: names that would share one
    ("my layer", "my-layer") each get a digest of themselves."""
    plain = {key: re.sub(r"\W", "_", key, flags=re.ASCII) for key in keys}
    taken: dict = {}
    for key, text in plain.items():
        taken.setdefault(text, []).append(key)
    ids = {}
    for key, text in plain.items():
        if len(taken[text]) == 1:
            ids[key] = text
        else:
            digest = hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:8]
            ids[key] = f"{text[:40]}_{digest}"
    return ids


def _nest_clusters(body: dict, titles: dict, ids: dict, boxes: dict | None = None) -> list:
    """Subgraph clusters for the model's boxes (a layer box holding its neuron boxes).
    ``body`` maps a box path (a tuple of keys, outermost first; () for no box) to its
    DOT lines; ``ids`` each key's DOT id; ``boxes`` each key's bounding box (DOT's
    ``bb``), when placed."""
    out = list(body.get((), []))
    paths = set(body) - {()}
    for path in list(paths):  # every enclosing box, even one with no lines of its own
        paths.update(path[:k] for k in range(1, len(path)))

    def emit(path: tuple, indent: str) -> None:
        key = path[-1]
        out.append(f"{indent}subgraph cluster_{ids[key]} {{")
        style = 'style=rounded; color="#999999";' if len(path) == 1 else "style=dashed;"
        where = f' bb="{boxes[key]}";' if boxes else ""
        out.append(f'{indent}  label="{escape(titles.get(key, key))}"; {style}{where}')
        out.extend(indent + line for line in body.get(path, []))
        for child in sorted((p for p in paths if len(p) == len(path) + 1 and p[:-1] == path),
                            key=lambda p: p[-1]):
            emit(child, indent + "  ")
        out.append(f"{indent}}}")

    for path in sorted((p for p in paths if len(p) == 1), key=lambda p: p[0]):
        emit(path, "  ")
    return out
