"""Step through the backward pass: ``backward_trace(root)`` runs backward() while
recording every ``parent.grad += upstream × local`` as a step, then shows any step.

    trace = backward_trace(loss)
    trace.table()          # the steps as rows, like the lecture slides
    trace.frame(3)         # the graph after step 3, the active edge highlighted
    trace.to_html("backprop.html")   # one self-contained page: a player
    trace.show()           # the same player in Jupyter

    trace = backward_trace(loss, module=model, collapse="neuron")
    trace.table()          # one step per neuron, output layer first: the lecture's deltas

The graph is laid out once; each step carries only what it changes (one
gradient, one edge's label, the highlighted node and edge), as data that the
page's player, ``frame(k)`` and ``table()`` all read.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from pathlib import Path

from .. import _internal
from ..engine import Value, as_number, backward_pass, local_gradients, propagate, topological_order
from .dot import GraphDrawing
from .model import check_module, graph_parts, trace_views
from .names import node_names
from .scene import Scene
from .style import fmt, text_width

__all__ = ["backward_trace", "BackwardTrace", "Step"]

MAX_LAYOUT_NODES = 50_000  # past this even one Graphviz layout takes minutes


@dataclass(frozen=True)
class Step:
    """One edge of the backward pass: ``parent.grad`` goes from ``before`` to
    ``after = before + contribution``, where ``contribution = upstream × local``.

    A leaf that held a gradient before the pass gets one last step of its own,
    ``node=None``: backward() adds the earlier gradient back (gradients
    accumulate until ``zero_grad()``)."""

    number: int
    node: Value | None
    input_index: int
    parent: Value
    upstream: float
    local: float
    contribution: float
    before: float
    after: float


def backward_trace(root: Value, gradient: float = 1.0, *, module=None,
                   collapse: str | None = None) -> BackwardTrace:
    """Run ``root.backward(gradient)`` and record each step: a real backward pass,
    so afterwards every ``.grad`` is exactly what ``backward()`` gives.

    ``module=model`` names nodes as the model does and adds the views it offers
    (``model.trace_views()``; see ``viz.model``). An ``nn`` model names its values
    ``L1N4.w1``, ``L1N4.u`` and offers the neuron view: one step per neuron, from the
    output layer back, showing the lecture's local sensitivity δ = ∂E/∂u with its
    formula filled in and ∂E/∂w = δ·y on the neuron's incoming edges.
    ``collapse="neuron"`` makes that view the trace's default (``len``,
    ``table()``, ``frame(k)``, the page's first view)."""
    if not isinstance(root, Value):
        raise TypeError(f"backward_trace expects a Value, got {type(root).__name__}")
    check_module(module, collapse)
    if collapse is not None and collapse not in trace_views(module):
        raise ValueError(f"collapse={collapse!r}: the model offers no such step-through view "
                         f"(its views: {', '.join(trace_views(module)) or 'none'})")
    seed = as_number(gradient, "backward gradient")
    earlier = {v: v.grad for v in topological_order(root) if v.is_leaf and v.grad != 0}
    steps, edge = [], [None, 0]  # the node whose edges are being recorded, and which edge

    def record(node, parent, upstream, local, contribution, before):
        if node is edge[0]:
            edge[1] += 1
        else:
            edge[0], edge[1] = node, 0
        steps.append(Step(len(steps) + 1, node, edge[1], parent, upstream, local,
                          contribution, before, parent.grad))

    with backward_pass(root, seed) as order:
        propagate(order, record)  # the one chain-rule loop, watched edge by edge
    for leaf, g in earlier.items():  # backward_pass has added them back: show it
        steps.append(Step(len(steps) + 1, None, -1, leaf, g, 1.0, g, leaf.grad - g, leaf.grad))
    return BackwardTrace(root, order, steps, seed, module=module, collapse=collapse)


class BackwardTrace:
    """The recorded steps of one backward pass, and what shows them: a table,
    drawings of any moment, and a player (HTML page, Jupyter)."""

    def __init__(self, root: Value, order: list, steps: list, seed: float, *, module=None,
                 collapse=None):
        self.root, self.order, self.steps, self.seed = root, order, steps, seed
        self.module, self.collapse = module, collapse
        self._views: dict = {}
        self._names = None

    # --- the steps -------------------------------------------------------------------

    @property
    def names(self) -> dict:
        """Every node's name as drawings and tables show it (``viz.node_names``)."""
        if self._names is None:
            self._names = node_names(self.order, graph_parts(self.module, self.order))
        return self._names

    def __getattr__(self, attr: str):
        """``trace.neuron_steps``: the steps of the model's ``"neuron"`` view (one per
        neuron, output layer first); any view the model offers, as ``<view>_steps``."""
        if attr.endswith("_steps") and not attr.startswith("_") and \
                attr[:-len("_steps")] in trace_views(self.__dict__.get("module")):
            return getattr(self.view(attr[:-len("_steps")]), attr)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

    def __len__(self) -> int:
        return len(self.view().steps_data()) if self.collapse else len(self.steps)

    def view_names(self) -> list[str]:
        """The views of this trace: ``"scalar"`` (every scalar step) and those the
        model offers (``module=``: ``"neuron"`` for an ``nn`` model); the default first."""
        offered = list(trace_views(self.module))
        names = ["scalar", *offered]
        if self.collapse:
            names.remove(self.collapse)
            names.insert(0, self.collapse)
        return names

    def view(self, view: str | None = None, **options):
        """The view object that draws and tabulates the steps (``"scalar"`` or a view the
        model offers; by default ``collapse=`` or ``"scalar"``)."""
        names = self.view_names()
        view = names[0] if view is None else view
        if view not in names:
            hint = "" if self.module is not None else \
                " (a model's views, such as 'neuron', need backward_trace(..., module=model))"
            raise ValueError(f"view must be one of {', '.join(map(repr, names))}, got "
                             f"{view!r}{hint}")
        allowed = {"rankdir", "precision"} | ({"edge_labels"} if view == "scalar" else set())
        unknown = sorted(set(options) - allowed)
        if unknown:
            raise TypeError(f"the {view} view's drawing takes {', '.join(sorted(allowed))}; got "
                            f"{', '.join(unknown)} (module= and collapse= belong to "
                            "backward_trace(...), view= picks the view)")
        key = (view, tuple(sorted(options.items())))
        if key not in self._views:
            make = ScalarView if view == "scalar" else trace_views(self.module)[view]
            self._views[key] = make(self, **options)
        return self._views[key]


    def table(self, view: str | None = None) -> list[dict]:
        """The steps as rows. Scalar view: node, input, upstream, local,
        contribution, grad before and after. Neuron view: neuron, f'(u), the sum
        it receives, δ and ∂E/∂b."""
        return self.view(view).table()

    def text(self, precision: int = 4, view: str | None = None) -> str:
        """The table as aligned text."""
        rows = self.table(view)
        if not rows:
            return "(no steps)"
        heads = list(rows[0])
        cells = [[r[h] if isinstance(r[h], str) else
                  (str(r[h]) if isinstance(r[h], int) else fmt(r[h], precision))
                  for h in heads] for r in rows]
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
        line = lambda cs: "  ".join(c.rjust(w) for c, w in zip(cs, widths)).rstrip()
        return "\n".join([line(heads)] + [line(c) for c in cells])

    def caption(self, k: int, view: str | None = None) -> str:
        """What happens at step ``k`` (0: before the first step)."""
        v = self.view(view)
        return v.captions()[self._check_k(k, v)]

    def frame(self, k: int, view: str | None = None, **options) -> GraphDrawing:
        """The graph after step ``k`` (0 to len): gradients known so far, the rest
        "not computed"; the active node and edge highlighted. Every frame has the
        same layout (boxes are sized for every number they will show), so nodes
        and edges stay where they are. ``options`` are draw options (``rankdir``,
        ``precision``, ``edge_labels``), applied to the layout itself."""
        v = self.view(view, **options)
        return GraphDrawing(v.dot_at(self._check_k(k, v)))

    @staticmethod
    def _check_k(k, view) -> int:
        n = len(view.steps_data())
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= n:
            raise IndexError(f"frame: k must be an int in [0, {n}], got {k!r}")
        return k

    def frame_data(self, view: str | None = None, **options) -> dict:
        """The frames as data, as the player reads them: the first frame's picture
        is drawn once, then each step lists the texts and colours it changes
        (``set``), what it highlights (``hot``), its caption and table row."""
        return dict(self.view(view, **options).data)

    # --- the player ------------------------------------------------------------------

    def _player_views(self, **options) -> list:
        return [self.view(n, **(options if n == "scalar" else {})) for n in self.view_names()]

    def to_html(self, path, title: str = "Backpropagation, step by step", **options) -> Path:
        """One self-contained HTML file (no network, works from ``file://``): the
        graph drawn once and a player that applies each step to it. Prev / Next /
        Play / slider, ← → and space, speed; click a node to jump to the step where
        its gradient is complete. With ``module=``, a toggle between the scalar
        graph and the network's deltas. Written atomically."""
        from .player import page

        path = Path(path)
        if not isinstance(title, str):
            raise TypeError(f"title must be a str, got {type(title).__name__}")
        text = page(self._player_views(**options), title)
        _internal.write_atomically(path, text.encode())
        return path

    def _repr_html_(self) -> str:
        """The player in Jupyter; where scripts do not run (GitHub, nbviewer) the
        first and last frames and the step table instead."""
        from .player import fragment

        try:
            return fragment(self._player_views())
        except Exception as e:  # a repr must never raise
            return f"<pre>{html.escape(self.text())}\n({html.escape(str(e))})</pre>"

    def show(self):
        """The player in Jupyter (JupyterLab, Notebook 7, VS Code): the same one
        as ``to_html``'s page, sent once; stepping changes the page, not the kernel."""
        try:
            from IPython.display import HTML
        except ImportError:
            raise ImportError("trace.show() displays the player in Jupyter, which needs IPython "
                              "(pip install -e \".[notebooks]\"); outside Jupyter use "
                              "trace.to_html(path)") from None
        return HTML(self._repr_html_())

    def __repr__(self) -> str:
        kind = f"{self.collapse} steps" if self.collapse else "steps"
        return f"BackwardTrace({len(self)} {kind} from {self.names[self.root]!r})"


class ScalarView:
    """Every scalar step of a trace over one layout of the whole graph."""

    name, title = "scalar", "every scalar"

    def __init__(self, trace: BackwardTrace, *, rankdir="LR", precision=4, edge_labels="auto"):
        if edge_labels == "auto":  # labels on every edge while the graph is small
            edge_labels = "flow" if len(trace.order) <= 120 else None
        if edge_labels not in (None, "flow", "local"):
            raise ValueError(f"edge_labels must be 'auto', None, 'flow' or 'local', got "
                             f"{edge_labels!r}")
        self.trace, self.p = trace, precision
        self.scene = Scene(trace.root, order=trace.order, rankdir=rankdir,
                            edge_labels=edge_labels, precision=precision, max_nodes=None,
                            module=trace.module, names=trace.names)
        if self.scene.n_nodes > MAX_LAYOUT_NODES:  # the one limit: one layout must finish
            raise ValueError(
                f"this graph has {self.scene.n_nodes} nodes, too many to lay out (more than "
                f"{MAX_LAYOUT_NODES}): step through the network instead, "
                "backward_trace(loss, module=model, collapse='neuron'), or trace a part of it "
                "(draw_graph(..., focus=value) shows a part)")
        self.edge_labels = edge_labels
        self._build()

    def _build(self) -> None:
        trace, index = self.trace, self.scene.index
        final, paths = self._final_gradients()
        scale = self.scene.scale(final)
        cells, labels = self._first_frame(scale)
        texts = {f"v{index[v]}": [cells[v][0]] for v in trace.order}
        texts.update({f"l{index[v]}_{i}": [t] for (v, i), t in labels.items()})
        arrived, steps, captions, done = {}, [], [self._start_caption()], {}
        for s in trace.steps:
            pid = f"v{index[s.parent]}"
            if s.node is None:
                cell, change, hot, caption = self._earlier_gradient_step(s, scale)
            else:
                n = arrived[s.parent] = arrived.get(s.parent, 0) + 1
                cell, change, hot, caption = self._edge_step(s, scale, n, paths[s.parent], texts)
                done[pid] = [s.number, n, paths[s.parent]]
            texts[pid].append(cell[0])
            steps.append({"set": change, "hot": hot})
            captions.append(caption)
        self._final = final
        self._texts0 = (cells, labels)
        self._steps = steps
        self._captions = captions
        self._done = done
        self._done[f"v{index[trace.root]}"] = [0, 0, 0]
        self._widths = {k: max(text_width(t, 9 if k[0] == "l" else 11) for t in ts) + 10
                        for k, ts in texts.items()}

    def _final_gradients(self) -> tuple[dict, dict]:
        """Every node's gradient after the pass (None: none reaches it) and how many
        edges bring a gradient to each node."""
        trace = self.trace
        final = {v: None for v in trace.order}
        final[trace.root] = trace.seed
        paths = {}
        for s in trace.steps:
            final[s.parent] = s.after
            if s.node is not None:
                paths[s.parent] = paths.get(s.parent, 0) + 1
        return final, paths

    def _first_frame(self, scale: float) -> tuple[dict, dict]:
        """Frame 0: only the root's gradient known; edges labelled with local gradients."""
        trace, scene = self.trace, self.scene
        cells = {v: ("not computed", "#eeeeee") for v in trace.order}
        cells[trace.root] = scene.grad_cell(trace.seed, scale)
        labels = {}
        if self.edge_labels:
            for v in trace.order:
                if not v.is_leaf:
                    for i, local in enumerate(local_gradients(v)):
                        labels[(v, i)] = scene.local_text(local)
        return cells, labels

    def _earlier_gradient_step(self, s: Step, scale: float) -> tuple:
        """A leaf's gradient from before this pass, added back (a step of its own)."""
        p, pid = self.p, f"v{self.scene.index[s.parent]}"
        cell = self.scene.grad_cell(s.after, scale)
        caption = (f"step {s.number}/{len(self.trace.steps)}: {self.trace.names[s.parent]}.grad "
                   f"+= {fmt(s.upstream, p)} it held before this pass (gradients accumulate "
                   f"until zero_grad()) → {fmt(s.after, p)}")
        return cell, [[pid, cell[0], cell[1]]], [pid], caption

    def _edge_step(self, s: Step, scale: float, n: int, paths: int, texts: dict) -> tuple:
        """One edge: parent.grad += upstream × local, the n-th of ``paths`` arriving."""
        scene, names, p = self.scene, self.trace.names, self.p
        pid = f"v{scene.index[s.parent]}"
        cell = scene.grad_cell(s.after, scale, "" if n == paths else f" ({n} of {paths})")
        change = [[pid, cell[0], cell[1]]]
        ci, j = scene.index[s.node], s.input_index
        if self.edge_labels:
            flow = scene.flow_text(s.upstream, s.local, s.contribution)
            change.append([f"l{ci}_{j}", flow, ""])
            texts[f"l{ci}_{j}"].append(flow)
        hot = [f"v{ci}", f"o{ci}", f"e{ci}_{j}"] + ([f"f{ci}_{j}"] if self.edge_labels else []) \
            + [pid]
        caption = (f"step {s.number}/{len(self.trace.steps)}: {names[s.parent]}.grad += upstream "
                   f"{fmt(s.upstream, p)} × local {fmt(s.local, p)} = {fmt(s.contribution, p)} "
                   f"(from {names[s.node]}) → {fmt(s.after, p)}"
                   + (f", {n} of {paths} paths arrived" if paths > 1 else ""))
        return cell, change, hot, caption

    def _start_caption(self) -> str:
        name = self.trace.names[self.trace.root]
        return (f"start: ∂{name}/∂{name} = {fmt(self.trace.seed, self.p)}; "
                "every other gradient is not computed yet")

    # the same data, read three ways: page, frame(k), table

    def steps_data(self) -> list:
        return self._steps

    def captions(self) -> list:
        return self._captions

    def state_at(self, k: int) -> tuple[dict, dict]:
        """Cells and labels after step k, by element id."""
        cells0, labels0 = self._texts0
        index = self.scene.index
        cells = {f"v{index[v]}": c for v, c in cells0.items()}
        labels = {f"l{index[v]}_{i}": t for (v, i), t in labels0.items()}
        for step in self._steps[:k]:
            for el, text, fill in step["set"]:
                if el[0] == "v":
                    cells[el] = (text, fill)
                else:
                    labels[el] = text
        return cells, labels

    def dot_at(self, k: int) -> str:
        cells, labels = self.state_at(k)
        order, index = self.trace.order, self.scene.index
        cells = {v: cells[f"v{index[v]}"] for v in order}
        labels = {(v, i): labels[f"l{index[v]}_{i}"] for v in order if not v.is_leaf
                  for i in range(len(v.parents)) if f"l{index[v]}_{i}" in labels}
        highlight, edges = (), ()
        if k:
            s = self.trace.steps[k - 1]
            highlight = (s.parent,) if s.node is None else (s.node, s.parent)
            edges = () if s.node is None else ((s.node, s.input_index),)
        return self.scene.dot(cells, labels, highlight=highlight, highlight_edges=edges,
                              widths=self._widths)

    def table(self) -> list[dict]:
        names = self.trace.names
        return [{"step": s.number, "node": names[s.node] if s.node is not None else "(before)",
                 "input": names[s.parent], "upstream": s.upstream, "local": s.local,
                 "contribution": s.contribution, "before": s.before, "after": s.after}
                for s in self.trace.steps]

    @functools.cached_property
    def data(self) -> dict:
        """The frames as data (built once: the page, frame_data and the fallback read it)."""
        p = self.p
        rows = [[str(r["step"]), r["node"], r["input"], fmt(r["upstream"], p),
                 fmt(r["local"], p), fmt(r["contribution"], p), fmt(r["before"], p),
                 fmt(r["after"], p)] for r in self.table()]
        steps = [dict(s, cap=c, row=r) for s, c, r in zip(self._steps, self._captions[1:], rows)]
        return {"name": self.name, "title": self.title, "start": self._captions[0],
                "head": ["step", "node", "input", "upstream", "local", "contribution",
                         "grad before", "grad after"],
                "steps": steps, "done": self._done,
                "names": {f"v{self.scene.index[v]}": n for v, n in self.trace.names.items()},
                "exact": {f"v{self.scene.index[v]}": g for v, g in self._final.items()
                          if g is not None}}
