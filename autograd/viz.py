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
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .engine import Value, local_gradients, topological_order

__all__ = ["draw_graph", "GraphDrawing", "GraphvizNotFoundError", "render"]

_OP_SYMBOLS = {"*": "×", "/": "÷", "neg": "−x", "sum": "Σ", "**": "^", "-": "−"}
_INSTALL_HELP = (
    "no Graphviz renderer found: install the Graphviz programs (Debian/Ubuntu: "
    "'apt-get install graphviz', macOS: 'brew install graphviz', conda: 'conda install "
    "graphviz') or the in-process renderer with 'pip install pygraphviz' "
    "(pip install \"gradlab[viz]\"); the DOT text is still available as .source"
)


class GraphvizNotFoundError(RuntimeError):
    """Neither the ``dot`` program nor pygraphviz is available to lay out a graph."""


def render(source: str, fmt: str = "svg", engine: str = "dot") -> bytes:
    """Lay out and render DOT text: with ``dot`` if on PATH, else with pygraphviz.

    ``fmt`` is svg, png, pdf or dot (the layout as DOT, with positions);
    ``engine="neato"`` keeps the nodes at the positions given in the source
    (``neato -n2``) instead of laying them out.
    """
    if fmt not in ("svg", "png", "pdf", "dot"):
        raise ValueError(f"render: format must be svg, png, pdf or dot, got {fmt!r}")
    if engine not in ("dot", "neato"):
        raise ValueError(f"render: engine must be 'dot' or 'neato', got {engine!r}")
    pinned = ["-Kneato", "-n2"] if engine == "neato" else []
    dot = shutil.which("dot")
    if dot:
        done = subprocess.run([dot, *pinned, f"-T{fmt}"], input=source.encode(),
                              capture_output=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout
    try:
        import pygraphviz
    except ImportError:
        raise GraphvizNotFoundError(_INSTALL_HELP) from None
    graph = pygraphviz.AGraph(string=source)
    return graph.draw(format=fmt, prog=engine, args="-n2" if pinned else "")


def _fmt(x: float, precision: int) -> str:
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x:.{precision}f}" if abs(x) < 10 ** 6 else f"{x:.{precision}g}"


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
    readers see the old file or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
    the one cluster all of its clustered parents share (the neuron's sum and
    activation); otherwise to none (e.g. a loss that mixes neurons)."""
    owner = {}
    params = set()
    for name, p in module.named_parameters():
        parts = name.split(".")
        if parts[-1].isdigit():  # w.1 -> w
            parts = parts[:-1]
        owner[p] = ".".join(parts[:-1]) or "neuron"  # drop w / b: the neuron's path
        params.add(p)
    for node in order:
        if node in owner or node.is_leaf:
            continue
        direct = [owner[p] for p in node.parents if p in params]
        if direct:
            owner[node] = direct[0]
            continue
        found = {owner[p] for p in node.parents if p in owner}
        if len(found) == 1:
            owner[node] = found.pop()
    return owner


def draw_graph(root: Value, *, rankdir: str = "LR", show_grad: bool = True,
               edge_labels: str | None = None, precision: int = 4, max_nodes: int = 400,
               module=None, collapse: str | None = None, focus=None,
               grads: dict | None = None, highlight: Iterable[Value] = (),
               highlight_edges: Iterable[tuple] = ()) -> GraphDrawing:
    """Draw the graph that computes ``root``.

    - every Value is a box with its label, data and grad; each operation is a
      small round node, its inputs in order (so ``a - b`` and ``a + a`` show);
    - ``edge_labels="local"`` writes the local gradient d out / d input on each
      input edge, ``"flow"`` writes ``local × upstream = contribution``;
    - gradients are coloured by sign (blue +, red −) and size; a grey cell means
      "not computed yet" (no backward from ``root`` has run), distinct from 0;
      a ReLU whose input is <= 0 is flagged "dead" (it passes no gradient);
    - ``module=model`` groups nodes into layer and neuron boxes (by the names of
      ``model.named_parameters()``); ``collapse="neuron"`` draws each neuron as
      one node; ``focus=value or [values]`` draws only what those depend on;
    - over ``max_nodes`` drawn nodes it refuses (layout would take long) and
      says how to shrink the drawing.
    The same graph always gives byte-identical DOT: node names come from the
    topological order, never from ``id()``.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph expects a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    if edge_labels not in (None, "local", "flow"):
        raise ValueError(f"edge_labels must be None, 'local' or 'flow', got {edge_labels!r}")
    if collapse not in (None, "neuron"):
        raise ValueError(f"collapse must be None or 'neuron', got {collapse!r}")
    if collapse and module is None:
        raise ValueError("collapse='neuron' needs module=<the model>")
    order = topological_order(root)
    if focus is not None:
        keep = _ancestors([focus] if isinstance(focus, Value) else list(focus))
        order = [v for v in order if v in keep]
    owner = _clusters(order, module) if module is not None else {}
    param_names = {p: name.split(".neurons.")[-1].split(".", 1)[-1]
                   for name, p in module.named_parameters()} if module is not None else {}
    collapsed = {}
    if collapse:
        for v in order:
            if v in owner and ".neurons." in owner[v]:
                collapsed[v] = owner[v]
    drawn = [v for v in order if v not in collapsed]
    n_nodes = len(drawn) + sum(1 for v in drawn if not v.is_leaf) + len(set(collapsed.values()))
    if n_nodes > max_nodes:
        raise ValueError(
            f"the drawing would have {n_nodes} nodes, more than max_nodes={max_nodes}: pass "
            "module=model, collapse='neuron' to draw neurons as single nodes, focus=<value> to "
            "draw only part of the graph, or a larger max_nodes (layout may then be slow)")

    if grads is None:
        computed = show_grad and (root.grad != 0 or not root.parents)
        grads = {v: (v.grad if computed else None) for v in order}
    scale = max((abs(g) for g in grads.values() if g is not None and math.isfinite(g)),
                default=0.0)
    index = {v: i for i, v in enumerate(order)}
    highlight = set(highlight)
    highlight_edges = set(highlight_edges)
    lines = [
        "digraph G {",
        f'  graph [rankdir={rankdir}, fontname="Helvetica", nodesep=0.25, ranksep=0.35];',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
    ]

    def value_node(v: Value) -> str:
        name = _escape(v.label or param_names.get(v, ""))
        g = grads.get(v)
        grad_text = "not computed" if g is None else _fmt(g, precision)
        cells = []
        if name:
            cells.append(f"<TD><B>{name}</B></TD>")
        cells.append(f"<TD>data {_escape(_fmt(v.data, precision))}</TD>")
        if show_grad:
            cells.append(f'<TD BGCOLOR="{_grad_colour(g, scale)}">grad {_escape(grad_text)}</TD>')
        border = ' COLOR="#e6a700"' if v in highlight else ""
        width = 3 if v in highlight else 1
        return (f'  v{index[v]} [shape=plaintext, label=<<TABLE BORDER="{width}" CELLBORDER="1" '
                f'CELLSPACING="0" CELLPADDING="4"{border}><TR>{"".join(cells)}</TR></TABLE>>];')

    def op_label(v: Value) -> str:
        op = v.op
        symbol = _OP_SYMBOLS.get(op, op)
        if op == "**" and v.op_arg is not None:
            symbol = f"^{_fmt(v.op_arg, 3).rstrip('0').rstrip('.')}"
        elif op == "leaky_relu":
            symbol = f"leaky_relu({v.op_arg:g})"
        return _escape(symbol)

    body: dict = {}  # cluster path -> lines
    edges = []
    for v in drawn:
        where = body.setdefault(owner.get(v, ""), [])
        where.append(value_node(v))
        if v.is_leaf:
            continue
        dead = v.op == "relu" and v.parents[0].data <= 0
        style = ', style="filled,dashed", fillcolor="#dddddd", tooltip="dead ReLU: input <= 0, ' \
                'no gradient passes"' if dead else ', style=filled, fillcolor="#f5f5dc"'
        text = op_label(v) + ("<BR/><FONT POINT-SIZE=\"8\">dead</FONT>" if dead else "")
        where.append(f"  o{index[v]} [shape=circle, margin=0.02, width=0.3, "
                     f"label=<{text}>{style}];")
        edges.append(f"  o{index[v]} -> v{index[v]};")
        locals_ = local_gradients(v) if edge_labels else ()
        for i, p in enumerate(v.parents):
            if p not in index:
                continue
            src = f"v{index[p]}" if p not in collapsed else _cluster_id(collapsed[p])
            attrs = []
            if edge_labels:
                local = locals_[i]
                g = grads.get(v)
                if edge_labels == "local" or g is None:
                    attrs.append(f'label=<∂/∂: {_escape(_fmt(local, precision))}>')
                else:
                    attrs.append(f'label=<{_escape(_fmt(local, precision))} × '
                                 f'{_escape(_fmt(g, precision))} = '
                                 f'{_escape(_fmt(local * g, precision))}>')
            if (v, i) in highlight_edges:
                attrs.append('color="#e6a700", penwidth=2.5')
            edges.append(f"  {src} -> o{index[v]}" + (f" [{', '.join(attrs)}]" if attrs else "")
                         + ";")
    for path in sorted(set(collapsed.values())):
        members = [v for v in order if collapsed.get(v) == path]
        out = members[-1]
        g = grads.get(out)
        grad_text = "not computed" if g is None else _fmt(g, precision)
        body.setdefault(path.rsplit(".neurons.", 1)[0], []).append(
            f'  {_cluster_id(path)} [shape=box, style="rounded,filled", fillcolor="#e8f0fe", '
            f'label=<<B>{_escape(path)}</B><BR/>out {_escape(_fmt(out.data, precision))}'
            f"<BR/>grad {_escape(grad_text)}>];")
        sources = []  # the neuron's inputs: values or other neurons, not its parameters
        for v in members:
            for p in v.parents:
                if p not in index or collapsed.get(p) == path or (p.is_leaf and p in owner):
                    continue
                src = _cluster_id(collapsed[p]) if p in collapsed else f"v{index[p]}"
                if src not in sources:
                    sources.append(src)
        edges += [f"  {src} -> {_cluster_id(path)};" for src in sources]
    lines += _nest_clusters(body)
    lines += edges
    if show_grad:
        lines.append('  legend [shape=plaintext, label=<<TABLE BORDER="0" CELLSPACING="2">'
                     '<TR><TD BGCOLOR="#7373ff">grad &gt; 0</TD><TD BGCOLOR="#ff7373">grad &lt; 0'
                     '</TD><TD BGCOLOR="#ffffff">0</TD><TD BGCOLOR="#eeeeee">not computed</TD>'
                     '</TR></TABLE>>];')
    lines.append("}")
    return GraphDrawing("\n".join(lines) + "\n")


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
