"""Drawing computational graphs: every value with its data and gradient, an op node
per operation, edges optionally labelled with local gradients.

``draw_graph(root)`` returns a ``GraphDrawing``: it shows inline in Jupyter and
has ``.source`` (DOT text), ``.svg()``, ``.png()`` and ``.save(path)``. Layout uses
the Graphviz ``dot`` program when it is on PATH, otherwise pygraphviz, whose
wheels carry the Graphviz libraries. (PyTorch users know torchviz' ``make_dot``.)
"""

from __future__ import annotations

import html
import math
import os
import re
import secrets
import shutil
import stat
import subprocess
from collections.abc import Iterable
from pathlib import Path

from .engine import Value, local_gradients, topological_order

__all__ = ["draw_graph", "node_names", "GraphDrawing", "GraphvizNotFoundError", "render"]

_OP_SYMBOLS = {"*": "×", "/": "÷", "neg": "−x", "sum": "Σ", "**": "^", "-": "−"}
_INSTALL_HELP = (
    "no Graphviz renderer found: install the Graphviz programs (Debian/Ubuntu: "
    "'apt-get install graphviz', macOS: 'brew install graphviz', conda: 'conda install "
    "graphviz') or the in-process renderer with 'pip install pygraphviz'; the DOT "
    "text is still available as .source"
)


class GraphvizNotFoundError(RuntimeError):
    """Neither the ``dot`` program nor pygraphviz is available to lay out a graph."""


def render(source: str, fmt: str = "svg") -> bytes:
    """Lay out and render DOT text: with ``dot`` if on PATH, else with pygraphviz.

    ``fmt`` is svg, png, pdf, dot (the layout as DOT, with positions) or json0
    (the layout as JSON: every node's position and size, every edge's path).
    """
    if fmt not in ("svg", "png", "pdf", "dot", "json0"):
        raise ValueError(f"render: format must be svg, png, pdf, dot or json0, got {fmt!r}")
    dot = shutil.which("dot")
    if dot:
        done = subprocess.run([dot, f"-T{fmt}"], input=source.encode(), capture_output=True,
                              timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout
    try:
        import pygraphviz
    except ImportError:
        raise GraphvizNotFoundError(_INSTALL_HELP) from None
    return pygraphviz.AGraph(string=source).draw(format=fmt, prog="dot")


def _fmt(x: float, precision: int = 4) -> str:
    """A number as drawings, captions and tables show it: ``precision`` decimals,
    no negative zero, and small or large magnitudes in e-notation rather than
    a misleading ``0.0000``."""
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0:
        return f"{0.0:.{precision}f}"
    if abs(x) < 10 ** -precision or abs(x) >= 10 ** 6:
        return f"{x:.{max(precision - 1, 1)}e}"
    text = f"{x:.{precision}f}"
    return text


def _grad_colour(g: float | None, scale: float) -> str:
    """Blue for positive, red for negative, stronger for larger |g|; grey when unknown."""
    if g is None:
        return "#eeeeee"
    if g == 0 or scale == 0 or math.isnan(g):
        return "#ffffff"
    t = min(1.0, abs(g) / scale) ** 0.5
    light = int(235 - 120 * t)
    return f"#{light:02x}{light:02x}ff" if g > 0 else f"#ff{light:02x}{light:02x}"


def _escape(text: str) -> str:
    return html.escape(str(text), quote=True).replace("\n", "<BR/>").replace("\\", "&#92;")


class GraphDrawing:
    """A drawn graph: DOT ``source``, and renders on demand."""

    def __init__(self, source: str):
        self.source = source

    def svg(self) -> str:
        return render(self.source, "svg").decode()

    def png(self) -> bytes:
        return render(self.source, "png")

    def save(self, path) -> Path:
        """Write ``.svg``, ``.png``, ``.pdf`` or ``.dot`` by the file's extension, atomically."""
        path = Path(path)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("svg", "png", "pdf", "dot", "gv"):
            raise ValueError(f"save: use a .svg, .png, .pdf or .dot file name, got {path.name!r}")
        data = self.source.encode() if fmt in ("dot", "gv") else render(self.source, fmt)
        _write_atomically(path, data)
        return path

    def _repr_mimebundle_(self, include=None, exclude=None):
        try:
            return {"image/svg+xml": self.svg(), "text/plain": self._text()}
        except Exception as e:  # a repr must never raise: fall back to text
            return {"text/plain": f"{self._text()}\n({e})"}

    def _text(self) -> str:
        return f"GraphDrawing({self.source.count('->')} edges; .svg(), .png(), .save(path))"

    def __repr__(self) -> str:
        return self._text()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``:
    readers see the old file or the new one, never half of one.

    A symlink is followed (its target gets the new contents, the link stays, as
    ``torch.save`` does); an existing file keeps its permissions, a new one gets
    the usual ones (0666 less the umask). Temporary files that an earlier crash
    left beside the file are removed once this write has succeeded."""
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    prefix = f".{target.name}."
    tmp = folder / f"{prefix}{secrets.token_hex(8)}.tmp"
    # O_EXCL: never follow or reuse anything there; 0o666 lets the umask apply, as open() does
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    stray = re.compile(re.escape(prefix) + r"[0-9a-f]{16}\.tmp")
    for leftover in folder.iterdir():
        if stray.fullmatch(leftover.name):
            try:
                leftover.unlink()
            except OSError:
                pass  # another writer's, or gone already


def _ancestors(targets: Iterable[Value]) -> set:
    seen, stack = set(), list(targets)
    while stack:
        v = stack.pop()
        if v not in seen:
            seen.add(v)
            stack.extend(v.parents)
    return seen


def _clusters(order: list, module) -> dict:
    """Module path of each node, from parameter names such as layers.0.neurons.3.w.1.

    A parameter belongs to its neuron. A computed node belongs to the neuron of
    the first parameter it consumes directly (the products w*x); otherwise to
    the cluster of its parents when they all belong to one (the neuron's sum and
    activation); otherwise to none (a loss, ``1 - out``, mixes in other numbers)."""
    owner = {}
    params = set()
    for name, p in module.named_parameters():
        parts = name.split(".")
        if parts[-1].isdigit():  # w.1 -> w
            parts = parts[:-1]
        owner[p] = ".".join(parts[:-1]) or "neuron"  # drop w / b: the neuron's path
        params.add(p)
    with_output = set()  # neurons whose activation is placed: what follows is not theirs
    for node in order:
        if node in owner or node.is_leaf:
            continue
        direct = [owner[p] for p in node.parents if p in params]
        if direct:
            owner[node] = direct[0]
            continue
        found = {owner.get(p) for p in node.parents}
        if len(found) == 1 and None not in found:  # all of its inputs are the neuron's
            path = found.pop()
            activation = _activation_of(module, path)
            if isinstance(activation, str):  # a named activation is one op, or none
                if activation == "linear" or path in with_output:
                    continue  # the loss's op on a linear output is not the neuron's
                with_output.add(path)
            owner[node] = path
    return owner


def _activation_of(module, path: str):
    """The ``activation`` of the neuron at ``path`` (layers.1.neurons.0) in ``module``,
    or None where the module does not say."""
    sub = module
    if path != "neuron":
        for part in path.split("."):
            try:
                sub = sub[int(part)] if part.isdigit() else getattr(sub, part)
            except (AttributeError, IndexError, KeyError, TypeError):
                return None
    return getattr(sub, "activation", None)


_OP_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}


def _short_path(path: str) -> str:
    """layers.0.neurons.3 -> L0N3 (the module path of a neuron, compactly)."""
    parts, out = path.split("."), ""
    for i in range(0, len(parts) - 1, 2):
        out += {"layers": "L", "neurons": "N"}.get(parts[i], parts[i] + ".") + parts[i + 1]
    return out if len(parts) % 2 == 0 else (out + "." if out else "") + parts[-1]


def node_names(order: list, module=None) -> dict:
    """A readable name for every node, for drawings, captions and tables.

    A node's own ``label`` wins. With ``module=``, parameters are named after
    their neuron (``L0N3.w1``, ``L0N3.b``), a neuron's weighted sum is ``u`` and its
    activation ``y`` (the lectures' names: ``L0N3.u``, ``L0N3.y``) and the numbers fed
    to the first layer are ``x1, x2, ...``. Other computed nodes are named by their
    operation and a count in topological order (``mul1``, ``tanh1``); other
    unlabelled leaves ``leaf1, leaf2, ...``.
    """
    names, counts = {}, {}
    owner, params = {}, {}
    if module is not None:
        owner = _clusters(order, module)
        for name, p in module.named_parameters():
            parts = name.split(".")
            tail = parts[-2] + parts[-1] if parts[-1].isdigit() else parts[-1]
            if parts[-1].isdigit():
                tail = f"{parts[-2]}{int(parts[-1]) + 1}"  # w.0 -> w1, as the lectures count
                path = ".".join(parts[:-2])
            else:
                path = ".".join(parts[:-1])
            params[p] = (_short_path(path) + "." if path else "") + tail
    last_of = {}  # neuron path -> its last node (the activation y)
    for v in order:
        if v in owner and not v.is_leaf:
            last_of[owner[v]] = v
    model_inputs = {x for v in order if v in owner and v.op == "*" and v.parents[0] in params
                    for x in v.parents[1:] if x.is_leaf and x not in params}
    n_inputs = 0
    for v in _reading_order(order):
        if v.label:
            names[v] = v.label
        elif v in params:
            names[v] = params[v]
        elif v.is_leaf:
            if v in model_inputs:
                n_inputs += 1
                names[v] = f"x{n_inputs}"
            else:
                counts["leaf"] = counts.get("leaf", 0) + 1
                names[v] = f"leaf{counts['leaf']}"
        elif v in owner:
            prefix = _short_path(owner[v]) + "."
            if v.op == "sum" and any(p in params for p in v.parents):
                names[v] = prefix + "u"
            elif last_of.get(owner[v]) is v:
                names[v] = prefix + "y"
            else:
                key = (owner[v], v.op)
                counts[key] = counts.get(key, 0) + 1
                names[v] = f"{prefix}{_OP_WORDS.get(v.op, v.op)}{counts[key]}"
        else:
            word = _OP_WORDS.get(v.op, v.op)
            counts[word] = counts.get(word, 0) + 1
            names[v] = f"{word}{counts[word]}"
    return names


def _reading_order(order: list) -> list:
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


# Helvetica's advance widths (per 1000 em) for what the cells show; others count 0.6 em.
_WIDTHS = dict.fromkeys("0123456789", 556) | {
    ".": 278, "-": 333, "+": 584, " ": 278, "(": 333, ")": 333, "/": 278, "×": 584, "=": 584,
    "e": 556, "a": 556, "d": 556, "g": 556, "o": 556, "n": 556, "u": 556, "p": 556, "c": 500,
    "r": 333, "t": 278, "m": 833, "i": 222, "l": 222, "f": 278, "δ": 556, "·": 278, "∂": 556,
    "E": 667, "w": 722, "y": 500, "b": 556, "s": 500, "h": 556, "k": 500, "x": 500}


def _text_width(text: str, size: float) -> float:
    """An upper estimate of the width, in points, of ``text`` at ``size`` points
    (Helvetica, or its metric twin Liberation Sans; 8% slack for other fonts)."""
    return 1.08 * size * sum(_WIDTHS.get(ch, 600) for ch in text) / 1000


def _check_module(module, collapse) -> None:
    """The ``module=`` and ``collapse=`` arguments of drawings and traces."""
    if collapse not in (None, "neuron"):
        raise ValueError(f"collapse must be None or 'neuron', got {collapse!r}")
    if collapse and module is None:
        raise ValueError("collapse='neuron' needs module=<the model that computed the graph>")
    if module is not None and not callable(getattr(module, "named_parameters", None)):
        raise TypeError(f"module must be a model with named_parameters() (an nn.Module), "
                        f"got {type(module).__name__}")


class _Scene:
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
        _check_module(module, collapse)
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
        self.owner = _clusters(order, module) if module is not None else {}
        self.names = node_names(order, module) if names is None else names
        self.auto = {v for v in order if not v.label}
        self.collapsed = {}
        if collapse:
            self.collapsed = {v: self.owner[v] for v in order
                              if v in self.owner and ".neurons." in self.owner[v]}
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
        text = "not computed" if g is None else f"grad {_fmt(g, self.precision)}{suffix}"
        return text, _grad_colour(g, scale)

    def local_text(self, local: float) -> str:
        return f"local {_fmt(local, self.precision)}"

    def flow_text(self, upstream: float, local: float, contribution: float) -> str:
        """The chain rule on one edge, in the order the engine computes it."""
        p = self.precision
        return f"{_fmt(upstream, p)} × {_fmt(local, p)} = {_fmt(contribution, p)}"

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
            where = body.setdefault(self.owner.get(v, ""), [])
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
                    _cluster_id(self.collapsed[p])
                hot = ' color="#e6a700", penwidth=2.5,' if (v, j) in highlight_edges else ""
                text = labels.get((v, j))
                if text is None and not self.edge_labels:
                    edges.append(f'  {src} -> o{i} [id="e{i}_{j}"{hot.rstrip(",")}];')
                    continue
                name, size = f"l{i}_{j}", widths.get(f"l{i}_{j}")
                fixed = f", width={size / 72:.3f}, height=0.22, fixedsize=true" if size else ""
                where.append(f'  {name} [id="{name}", shape=plaintext, fontsize=9, margin=0.02, '
                             f'label=<{_escape(text or "")}>{fixed}];')
                edges.append(f'  {src} -> {name} [id="e{i}_{j}",{hot} arrowhead=none];')
                edges.append(f'  {name} -> o{i} [id="f{i}_{j}",{hot.rstrip(",")}];')
        for path in sorted(set(self.collapsed.values())):
            edges += self._collapsed_neuron(path, body, cells)
        lines += _nest_clusters(body)
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
        name = _escape(self.names[v])
        name = f"<I>{name}</I>" if v in self.auto else f"<B>{name}</B>"
        cells = [f"<TD>{name}</TD>", f"<TD>data {_escape(_fmt(v.data, self.precision))}</TD>"]
        if self.show_grad:
            text, fill = cell if cell is not None else ("not computed", "#eeeeee")
            fixed = f' WIDTH="{width:.0f}" HEIGHT="22" FIXEDSIZE="TRUE"' if width else ""
            cells.append(f'<TD BGCOLOR="{fill}"{fixed}>{_escape(text)}</TD>')
        border = ' COLOR="#e6a700"' if hot else ""
        return (f'  v{i} [id="v{i}", shape=plaintext, label=<<TABLE BORDER="1" '
                f'CELLBORDER="1" CELLSPACING="0" CELLPADDING="4"{border}><TR>{"".join(cells)}'
                f"</TR></TABLE>>];")

    def _op_label(self, v: Value) -> str:
        op = v.op
        symbol = _OP_SYMBOLS.get(op, op)
        if op == "**" and v.op_arg is not None:
            symbol = f"^{_fmt(v.op_arg, 3).rstrip('0').rstrip('.')}"
        elif op == "leaky_relu":
            symbol = f"leaky_relu({v.op_arg:g})"
        return _escape(symbol)

    def _collapsed_neuron(self, path: str, body: dict, cells: dict) -> list:
        members = [v for v in self.order if self.collapsed.get(v) == path]
        out = members[-1]
        text = (cells.get(out) or ("not computed",))[0]
        body.setdefault(path.rsplit(".neurons.", 1)[0], []).append(
            f'  {_cluster_id(path)} [id="{_cluster_id(path)}", shape=box, '
            f'style="rounded,filled", fillcolor="#e8f0fe", label=<<B>{_escape(path)}</B><BR/>'
            f"out {_escape(_fmt(out.data, self.precision))}<BR/>{_escape(text)}>];")
        sources = []  # the neuron's inputs: values or other neurons, not its parameters
        for v in members:
            for p in v.parents:
                if p not in self.index or self.collapsed.get(p) == path or \
                        (p.is_leaf and p in self.owner):
                    continue
                src = _cluster_id(self.collapsed[p]) if p in self.collapsed else \
                    f"v{self.index[p]}"
                if src not in sources:
                    sources.append(src)
        return [f"  {src} -> {_cluster_id(path)};" for src in sources]


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
    scene = _Scene(root, rankdir=rankdir, show_grad=show_grad, edge_labels=edge_labels,
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


def _cluster_id(path: str) -> str:
    return "n_" + path.replace(".", "_")


def _nest_clusters(body: dict) -> list:
    """Subgraph clusters for module paths: a layer box holding its neuron boxes."""
    out = list(body.get("", []))
    groups = sorted({p.split(".neurons.")[0] for p in body if p})
    for group in groups:
        out.append(f'  subgraph cluster_{group.replace(".", "_")} {{')
        out.append(f'    label="{_escape(group)}"; style=rounded; color="#999999";')
        out += ["  " + line for line in body.get(group, [])]
        for path in sorted(p for p in body if p.startswith(group + ".neurons.")):
            out.append(f'    subgraph cluster_{path.replace(".", "_")} {{')
            out.append(f'      label="{_escape(path[len(group) + 1:])}"; style=dashed;')
            out += ["    " + line for line in body[path]]
            out.append("    }")
        out.append("  }")
    return out
