"""Step through the backward pass: ``backward_trace(root)`` runs backward() while
recording every ``parent.grad += upstream x local`` as a step, then draws any step.

    trace = backward_trace(loss)
    trace.table()          # the steps as rows, like the lecture slides
    trace.frame(3)         # the graph after step 3, the active edge highlighted
    trace.to_html("backprop.html")   # one self-contained file with every frame
    trace.show()           # in Jupyter: a stepper (ipywidgets), or a filmstrip
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .engine import Value, _as_data, backward_pass, local_gradients
from .viz import GraphDrawing, _write_atomically, draw_graph, render

__all__ = ["backward_trace", "BackwardTrace", "Step"]


@dataclass(frozen=True)
class Step:
    """One edge of the backward pass: ``parent.grad`` goes from ``before`` to
    ``after = before + contribution``, where ``contribution = upstream x local``."""

    number: int
    node: Value
    input_index: int
    parent: Value
    upstream: float
    local: float
    contribution: float
    before: float
    after: float

    def row(self) -> dict:
        return {"step": self.number, "node": _name(self.node), "input": _name(self.parent),
                "upstream": self.upstream, "local": self.local,
                "contribution": self.contribution, "before": self.before, "after": self.after}


def _name(v: Value) -> str:
    return v.label or (v.op if v.op else f"{v.data:g}")


def backward_trace(root: Value, gradient: float = 1.0) -> BackwardTrace:
    """Run ``root.backward(gradient)`` and record each step (a real backward pass:
    afterwards every ``.grad`` is exactly what ``backward()`` gives). Leaves show
    this pass's contributions; as in ``backward()``, their earlier gradients are
    added back once at the end."""
    if not isinstance(root, Value):
        raise TypeError(f"backward_trace expects a Value, got {type(root).__name__}")
    seed = _as_data(gradient, "backward gradient")
    steps = []
    with backward_pass(root, seed) as order:
        for node in reversed(order):
            if node.is_leaf:
                continue
            upstream = node.grad
            fan_out = node._op.fan_out
            for i, (parent, local) in enumerate(zip(node.parents, local_gradients(node))):
                contribution = upstream if fan_out else upstream * local
                before = parent.grad
                parent.grad = before + contribution  # backward(): parent.grad += ...
                steps.append(Step(len(steps) + 1, node, i, parent, upstream, local,
                                  contribution, before, parent.grad))
    return BackwardTrace(root, order, steps, seed)


class BackwardTrace:
    """The recorded steps of one backward pass, and drawings of each moment."""

    def __init__(self, root: Value, order: list, steps: list, seed: float):
        self.root, self.order, self.steps, self.seed = root, order, steps, seed
        self._positions = None

    def __len__(self) -> int:
        return len(self.steps)

    def table(self) -> list[dict]:
        """The steps as rows: node, input, upstream, local, contribution, before, after."""
        return [s.row() for s in self.steps]

    def text(self, precision: int = 4) -> str:
        """The table as aligned text."""
        head = f"{'step':>4}  {'node':>8}  {'input':>8}  {'upstream':>10} x {'local':>10} = " \
               f"{'contrib.':>10}   grad: before -> after"
        lines = [head]
        for s in self.steps:
            lines.append(f"{s.number:>4}  {_name(s.node)[:8]:>8}  {_name(s.parent)[:8]:>8}  "
                         f"{s.upstream:>10.{precision}f} x {s.local:>10.{precision}f} = "
                         f"{s.contribution:>10.{precision}f}   "
                         f"{s.before:.{precision}f} -> {s.after:.{precision}f}")
        return "\n".join(lines)

    def caption(self, k: int) -> str:
        """What happens at step k (0: before the first step)."""
        if k == 0:
            return f"start: d{_name(self.root)}/d{_name(self.root)} = {self.seed:g}"
        s = self.steps[k - 1]
        return (f"step {k}/{len(self.steps)}: {_name(s.parent)}.grad += upstream "
                f"{s.upstream:.4g} x local {s.local:.4g} = {s.contribution:.4g} "
                f"-> {s.after:.4g}")

    def _grads_at(self, k: int) -> dict:
        grads = {v: None for v in self.order}
        grads[self.root] = self.seed
        for s in self.steps[:k]:
            grads[s.parent] = s.after
        return grads

    def frame(self, k: int, **draw_options) -> GraphDrawing:
        """The graph after step ``k`` (0 to len(trace)): gradients known so far,
        the rest "not computed"; the active node and edge highlighted. Every frame
        is laid out at the positions of the first, so nodes do not move."""
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= len(self.steps):
            raise IndexError(f"frame: k must be an int in [0, {len(self.steps)}], got {k!r}")
        highlight, edges = (), ()
        if k:
            s = self.steps[k - 1]
            highlight, edges = (s.node, s.parent), ((s.node, s.input_index),)
        drawing = draw_graph(self.root, grads=self._grads_at(k), highlight=highlight,
                             highlight_edges=edges, edge_labels=None, **draw_options)
        return _Pinned(drawing.source, self._layout(drawing.source))

    def _layout(self, source: str) -> dict:
        """Node positions of the first frame's layout, by node name."""
        if self._positions is None:
            first = draw_graph(self.root, grads=self._grads_at(0)).source
            laid_out = render(first, "dot").decode()
            self._positions = dict(re.findall(r'^\s*(\w+)\s+\[[^\]]*?pos="([^"]+)"', laid_out,
                                              re.M | re.S))
            # invisible corner points a little outside the first frame's bounding box:
            # labels that grow or shrink between frames then cannot move the picture
            llx, lly, urx, ury = map(float, re.search(r'bb="([^"]+)"', laid_out).group(1)
                                     .split(","))
            self._positions["_corner_low"] = f"{llx - 60:g},{lly - 30:g}"
            self._positions["_corner_high"] = f"{urx + 60:g},{ury + 30:g}"
        return self._positions

    def frames_svg(self) -> list[str]:
        return [self.frame(k).svg() for k in range(len(self.steps) + 1)]

    def to_html(self, path, title: str = "Backpropagation, step by step") -> Path:
        """One self-contained HTML file (no network) with every frame and
        Prev / Next / Play controls and a slider."""
        path = Path(path)
        frames = [_strip_xml_header(svg) for svg in self.frames_svg()]
        captions = [self.caption(k) for k in range(len(frames))]
        page = _HTML.format(title=html.escape(title), frames="\n".join(
            f'<div class="frame" id="f{k}"{"" if k == 0 else " hidden"}>{svg}</div>'
            for k, svg in enumerate(frames)), captions=json.dumps(captions),
            last=len(frames) - 1, table=_table_html(self))
        _write_atomically(path, page.encode())
        return path

    def _repr_html_(self) -> str:
        """A static filmstrip: every frame with its caption (renders on GitHub/nbviewer)."""
        try:
            cells = "".join(
                f'<figure style="display:inline-block;margin:4px;vertical-align:top">'
                f"{_strip_xml_header(svg)}<figcaption>{html.escape(self.caption(k))}"
                f"</figcaption></figure>" for k, svg in enumerate(self.frames_svg()))
            return f'<div style="white-space:nowrap;overflow-x:auto">{cells}</div>'
        except Exception as e:  # a repr must never raise
            return f"<pre>{html.escape(self.text())}\n({html.escape(str(e))})</pre>"

    def show(self):
        """In Jupyter: an interactive stepper when ipywidgets is installed, else
        the static filmstrip."""
        try:
            import ipywidgets as widgets
            from IPython.display import HTML, display
        except ImportError:
            from IPython.display import HTML
            return HTML(self._repr_html_())
        frames = self.frames_svg()
        out = widgets.HTML(value=frames[0])
        caption = widgets.Label(value=self.caption(0))
        slider = widgets.IntSlider(min=0, max=len(frames) - 1, description="step")
        play = widgets.Play(min=0, max=len(frames) - 1, interval=900)
        widgets.jslink((play, "value"), (slider, "value"))

        def update(change):
            out.value = frames[change["new"]]
            caption.value = self.caption(change["new"])

        slider.observe(update, names="value")
        box = widgets.VBox([widgets.HBox([play, slider]), caption, out])
        display(box)
        return None

    def __repr__(self) -> str:
        return f"BackwardTrace({len(self.steps)} steps from {_name(self.root)!r})"


class _Pinned(GraphDrawing):
    """A drawing whose nodes are placed at given positions (neato -n2)."""

    def __init__(self, source: str, positions: dict):
        pinned = []
        for line in source.splitlines():
            m = re.match(r"^(\s*)(\w+) \[", line)
            if m and m.group(2) in positions:
                line = line.replace(" [", f' [pos="{positions[m.group(2)]}!", ', 1)
            pinned.append(line)
        corners = [f'  {name} [shape=point, style=invis, pos="{positions[name]}!"];'
                   for name in ("_corner_low", "_corner_high") if name in positions]
        pinned[-1:-1] = corners  # before the closing brace
        super().__init__("\n".join(pinned) + "\n")

    def svg(self) -> str:
        return render(self.source, "svg", engine="neato").decode()

    def png(self) -> bytes:
        return render(self.source, "png", engine="neato")


def _strip_xml_header(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _table_html(trace: BackwardTrace) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("step", "node", "input", "upstream", "local",
                                             "contribution", "grad before", "grad after"))
    rows = "".join(
        f'<tr id="r{s.number}"><td>{s.number}</td><td>{html.escape(_name(s.node))}</td>'
        f"<td>{html.escape(_name(s.parent))}</td><td>{s.upstream:.4g}</td><td>{s.local:.4g}"
        f"</td><td>{s.contribution:.4g}</td><td>{s.before:.4g}</td><td>{s.after:.4g}</td></tr>"
        for s in trace.steps)
    return f"<table><tr>{head}</tr>{rows}</table>"


_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 1.5em; }}
.controls {{ margin: 0.5em 0; display: flex; gap: 0.5em; align-items: center; }}
#caption {{ font-size: 1.1em; margin: 0.5em 0; min-height: 1.4em; }}
.frame svg {{ max-width: 100%; height: auto; }}
table {{ border-collapse: collapse; font-size: 0.85em; margin-top: 1em; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; text-align: right; }}
tr.active {{ background: #fff3c4; }}
</style></head>
<body>
<h1>{title}</h1>
<div class="controls">
<button id="prev">&#9664; Prev</button><button id="play">&#9654; Play</button>
<button id="next">Next &#9654;</button>
<input id="slider" type="range" min="0" max="{last}" value="0" style="flex:1">
</div>
<div id="caption"></div>
{frames}
{table}
<script>
const captions = {captions};
const last = {last};
let k = 0, timer = null;
function show(n) {{
  k = Math.max(0, Math.min(last, n));
  document.querySelectorAll('.frame').forEach((f, i) => f.hidden = (i !== k));
  document.querySelectorAll('tr.active').forEach(r => r.classList.remove('active'));
  const row = document.getElementById('r' + k);
  if (row) row.classList.add('active');
  document.getElementById('slider').value = k;
  document.getElementById('caption').textContent = captions[k];
}}
document.getElementById('prev').onclick = () => show(k - 1);
document.getElementById('next').onclick = () => show(k + 1);
document.getElementById('slider').oninput = e => show(parseInt(e.target.value));
document.getElementById('play').onclick = () => {{
  if (timer) {{ clearInterval(timer); timer = null; return; }}
  if (k === last) show(0);
  timer = setInterval(() => {{ if (k >= last) {{ clearInterval(timer); timer = null; }}
                               else show(k + 1); }}, 900);
}};
document.addEventListener('keydown', e => {{
  if (e.key === 'ArrowRight') show(k + 1);
  if (e.key === 'ArrowLeft') show(k - 1);
}});
show(0);
</script>
</body></html>
"""
