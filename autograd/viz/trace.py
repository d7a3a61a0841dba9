"""Step through the backward pass: ``backward_trace(root)`` runs backward() while
recording every ``parent.grad += upstream × local`` as a step, then shows any step.

    trace = backward_trace(loss)
    trace.table()          # the steps as rows, like the lecture slides
    trace.frame(3)         # the graph after step 3, the active edge highlighted
    trace.to_html("backprop.html")   # one self-contained page: a player
    trace.show()           # the same player in Jupyter

    trace = backward_trace(loss, module=model, collapse="neuron")
    trace.table()          # one step per neuron, output layer first: the lecture's deltas

    trace = backward_trace(loss, forward=True)
    trace.to_html("passes.html")     # the forward pass first (each value in turn), then backward

The graph is laid out once; each step carries only what it changes (one
gradient, one edge's label, the highlighted node and edge), as data that the
page's player, ``frame(k)`` and ``table()`` all read.
"""

from __future__ import annotations

import functools
import html
import numbers
import re
from dataclasses import dataclass
from pathlib import Path

from .. import _internal
from ..engine import Value, as_number, backward_pass, local_gradients, propagate, topological_order
from .dot import GraphDrawing
from .model import check_module, graph_parts, trace_views
from .names import node_names, reading_order
from .scene import Scene
from .style import escape, fmt, text_width

__all__ = ["backward_trace", "BackwardTrace", "Step", "ForwardStep"]

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


@dataclass(frozen=True)
class ForwardStep:
    """One node of the forward pass: ``node`` = its op applied to ``inputs`` (the values
    of its parents) gives ``value``. The step-through shows them in a topological order
    (inputs first, each node's inputs in their written order) before the backward pass."""

    number: int
    node: Value
    inputs: tuple
    value: float


def backward_trace(root: Value, gradient: float = 1.0, *, module=None,
                   collapse: str | None = None, forward: bool = False) -> BackwardTrace:
    """Run ``root.backward(gradient)`` and record each step: a real backward pass,
    so afterwards every ``.grad`` is exactly what ``backward()`` gives.

    ``module=model`` names nodes as the model does and adds the views it offers
    (``model.trace_views()``; see ``viz.model``). An ``nn`` model names its values
    ``L1N4.w1``, ``L1N4.u`` and offers the neuron view: one step per neuron, from the
    output layer back, showing the lecture's local sensitivity δ = ∂E/∂u with its
    formula filled in and ∂E/∂w = δ·y on the neuron's incoming edges.
    ``collapse="neuron"`` makes that view the trace's default (``len``,
    ``table()``, ``frame(k)``); the page opens on the model's view whenever there is one.

    ``forward=True`` starts every view with the forward pass: each computed value
    appears in turn, inputs first (``trace.forward_steps``), then the backward pass
    starts from ∂root/∂root and runs as without it."""
    if not isinstance(root, Value):
        raise TypeError(f"backward_trace expects a Value, got {type(root).__name__}")
    if not isinstance(forward, bool):
        raise TypeError(f"forward must be True or False, got {type(forward).__name__}")
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
    return BackwardTrace(root, order, steps, seed, module=module, collapse=collapse,
                         forward=forward)


class BackwardTrace:
    """The recorded steps of one backward pass, and what shows them: a table,
    drawings of any moment, and a player (HTML page, Jupyter)."""

    def __init__(self, root: Value, order: list, steps: list, seed: float, *, module=None,
                 collapse=None, forward: bool = False):
        self.root, self.order, self.steps, self.seed = root, order, steps, seed
        self.module, self.collapse, self.forward = module, collapse, forward
        self._views: dict = {}
        self._names = None

    @functools.cached_property
    def forward_steps(self) -> list[ForwardStep]:
        """The forward pass as steps: every computed node in a topological order (inputs
        first, each node's inputs in their written order), with the values it was
        computed from. What a view shows first with ``forward=True``."""
        computed = [v for v in reading_order(self.order) if not v.is_leaf]
        return [ForwardStep(n, v, tuple(p.data for p in v.parents), v.data)
                for n, v in enumerate(computed, 1)]

    # --- the steps -------------------------------------------------------------------

    @functools.cached_property
    def parts(self):
        """What the model (``module=``) tells about the graph: names, boxes, and the word
        for the paths of a weight it shares ("positions"; ``viz.model.GraphParts``)."""
        return graph_parts(self.module, self.order)

    @property
    def names(self) -> dict:
        """Every node's name as drawings and tables show it (``viz.node_names``)."""
        if self._names is None:
            self._names = node_names(self.order, self.parts)
        return self._names

    def __getattr__(self, attr: str):
        """``trace.neuron_steps``: the steps of the model's ``"neuron"`` view (one per
        neuron, output layer first); any view the model offers, as ``<view>_steps``."""
        if attr.endswith("_steps") and not attr.startswith("_") and \
                attr[:-len("_steps")] in trace_views(self.__dict__.get("module")):
            return getattr(self.view(attr[:-len("_steps")]), attr)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

    def __len__(self) -> int:
        """The number of steps of the default view (its frames are 0 to len)."""
        if self.collapse or self.forward:
            return len(self.view().steps_data())
        return len(self.steps)

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
        if not isinstance(view, str) or view not in names:
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
        if "precision" in options:
            options["precision"] = _check_precision(options["precision"])
        for name, value in options.items():  # (the key below hashes them)
            if value is not None and not isinstance(value, (str, numbers.Integral)):
                raise TypeError(f"{name} must be a str or an int, got {type(value).__name__}: "
                                f"{value!r:.40}")
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
        """The table as aligned text (no drawing is laid out for it, whatever the
        graph's size); with ``forward=True`` the forward pass's rows come first, under
        their own header."""
        precision = _check_precision(precision)
        rows = self.table(view)
        if not rows:
            return "(no steps)"
        sections = []  # consecutive rows with the same columns
        for r in rows:
            if sections and list(sections[-1][0]) == list(r):
                sections[-1].append(r)
            else:
                sections.append([r])
        return "\n\n".join(_aligned(rs, precision) for rs in sections)

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
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 0 <= k <= n:
            raise IndexError(f"frame: k must be an int in [0, {n}], got {k!r:.40}")
        return int(k)

    def frame_data(self, view: str | None = None, **options) -> dict:
        """The frames as data, as the player reads them: the first frame's picture
        is drawn once, then each step lists the texts and colours it changes
        (``set``), what it highlights (``hot``), its caption and table row."""
        return dict(self.view(view, **options).data)

    # --- the player ------------------------------------------------------------------

    def _player_views(self, view: str | None = None, **options) -> list:
        """The views a player shows, the one it opens on first: ``view``, else the
        model's own view (the neuron view of an ``nn`` model), else the default."""
        names = self.view_names()
        if view is None:
            offered = [n for n in names if n != "scalar"]
            view = offered[0] if offered else names[0]
        self.view(view)  # checks the name
        names.remove(view)
        return [self.view(n, **(options if n == "scalar" else {})) for n in [view, *names]]

    def to_html(self, path, title: str = "Backpropagation, step by step", *,
                view: str | None = None, **options) -> Path:
        """One self-contained HTML file (no network, works from ``file://``): the
        graph drawn once and a player that applies each step to it. First / Prev /
        Play / Next / Last / slider, ← → Home End and space, speed, zoom; click a node
        to jump to the step where its gradient is complete. With ``module=``, a toggle
        between the network's deltas (the view it opens on; ``view=`` picks another)
        and the scalar graph. Written atomically."""
        path = _internal.file_path(path, "to_html: path")
        _internal.write_atomically(path, self.html(title, view=view, **options).encode())
        return path

    def html(self, title: str = "Backpropagation, step by step", *, view: str | None = None,
             **options) -> str:
        """The page ``to_html`` writes, as text (to serve or embed it yourself)."""
        from .player import page

        if not isinstance(title, str):
            raise TypeError(f"title must be a str, got {type(title).__name__}")
        return page(self._player_views(view, **options), title)

    def _repr_html_(self) -> str:
        """The player in Jupyter; where scripts do not run (an untrusted notebook,
        GitHub, nbviewer) the first and last frames as pictures and the step table."""
        return self.show()._repr_html_()

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.show()._repr_mimebundle_()

    def show(self, view: str | None = None):
        """The player as a notebook output (JupyterLab, Notebook 7, VS Code): the same
        one as ``to_html``'s page, sent once, stepping changes the page, not the kernel;
        beside it the last frame as a PNG for readers that show no HTML."""
        from .player import Player

        try:
            return Player(self._player_views(view), repr(self))
        except Exception as e:  # a repr must never raise
            return _TextOutput(f"{self.text()}\n({e})")

    def __repr__(self) -> str:
        kind = f"{self.collapse} steps" if self.collapse else "steps"
        return f"BackwardTrace({len(self)} {kind} from {self.names[self.root]!r})"


class _TextOutput:
    """What a trace shows in a notebook when its player cannot be drawn: the table."""

    def __init__(self, text: str):
        self.text = text

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.text)}</pre>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.text}

    def __repr__(self) -> str:
        return self.text


def _check_precision(precision) -> int:
    if isinstance(precision, bool) or not isinstance(precision, numbers.Integral) or \
            not 0 <= precision <= 12:
        raise ValueError(f"precision must be an int from 0 to 12 (decimals shown), got "
                         f"{precision!r:.40}")
    return int(precision)


def _aligned(rows: list, precision: int) -> str:
    """Rows with the same columns as aligned text under their header."""
    heads = list(rows[0])
    cells = [[r[h] if isinstance(r[h], str) else
              (str(r[h]) if isinstance(r[h], int) else fmt(r[h], precision))
              for h in heads] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    line = lambda cs: "  ".join(c.rjust(w) for c, w in zip(cs, widths)).rstrip()
    return "\n".join([line(heads)] + [line(c) for c in cells])


class ScalarView:
    """Every scalar step of a trace over one layout of the whole graph (with the trace's
    ``forward=True``, first each computed value in turn, then the backward pass). The
    graph is laid out only when a drawing or the player needs it: ``table()`` never
    does."""

    name, title = "scalar", "every scalar"

    def __init__(self, trace: BackwardTrace, *, rankdir="LR", precision=4, edge_labels="auto"):
        if edge_labels == "auto":  # labels on every edge while the graph is small
            edge_labels = "flow" if len(trace.order) <= 120 else None
        if edge_labels not in (None, "flow", "local"):
            raise ValueError(f"edge_labels must be 'auto', None, 'flow' or 'local', got "
                             f"{edge_labels!r}")
        if rankdir not in ("LR", "TB", "RL", "BT"):
            raise ValueError(f"rankdir must be LR, TB, RL or BT, got {rankdir!r}")
        self.trace, self.p, self.rankdir = trace, _check_precision(precision), rankdir
        self.edge_labels = edge_labels

    @functools.cached_property
    def scene(self) -> Scene:
        trace = self.trace
        scene = Scene(trace.root, order=trace.order, rankdir=self.rankdir,
                      edge_labels=self.edge_labels, precision=self.p, max_nodes=None,
                      module=trace.module, names=trace.names)
        if scene.n_nodes > MAX_LAYOUT_NODES:  # the one limit: one layout must finish
            raise ValueError(
                f"this graph has {scene.n_nodes} nodes, too many to lay out (more than "
                f"{MAX_LAYOUT_NODES}): step through the network instead, "
                "backward_trace(loss, module=model, collapse='neuron'), or trace a part of it "
                "(draw_graph(..., focus=value) shows a part); trace.text() needs no layout")
        return scene

    @functools.cached_property
    def _built(self) -> dict:
        """Every frame's changes, captions and the texts each element will show."""
        trace, index = self.trace, self.scene.index
        final, paths = self._final_gradients()
        scale = self.scene.scale(final)
        cells, labels = self._first_frame(scale)
        texts = {f"v{index[v]}": [cells[v][0]] for v in trace.order}
        texts.update({f"l{index[v]}_{i}": [t] for (v, i), t in labels.items()})
        steps, captions = [], [self._start_caption()]
        data = {}
        if trace.forward:
            data = {v: ("data ?" if not v.is_leaf else None) for v in trace.order}
            texts.update({f"d{index[v]}": ["data ?", self._data_text(v)] for v in trace.order
                          if not v.is_leaf})
            for f in trace.forward_steps:
                change, hot, caption = self._forward_step(f, texts)
                steps.append({"set": change, "hot": hot, "pass": "forward"})
                captions.append(caption)
            cell = self.scene.grad_cell(trace.seed, scale)
            rid = f"v{index[trace.root]}"
            steps.append({"set": [[rid, cell[0], cell[1]]], "hot": [rid], "pass": "backward"})
            captions.append(self._seed_caption())
        offset = len(steps)  # the frame before the first backward step
        arrived, done = {}, {}
        for s in trace.steps:
            pid = f"v{index[s.parent]}"
            if s.node is None:
                cell, change, hot, caption = self._earlier_gradient_step(s, scale)
            else:
                n = arrived[s.parent] = arrived.get(s.parent, 0) + 1
                cell, change, hot, caption = self._edge_step(s, scale, n, paths[s.parent], texts)
                done[pid] = [offset + s.number, n, paths[s.parent]]
                word = trace.parts.arrivals.get(s.parent)
                if word:  # a weight shared over positions: "3 of 6 positions arrived"
                    done[pid].append(word)
            texts[pid].append(cell[0])
            steps.append({"set": change, "hot": hot, "focus": pid} |
                         ({"pass": "backward"} if trace.forward else {}))
            captions.append(caption)
        done[f"v{index[trace.root]}"] = [offset, 0, 0]
        widths = {k: max(text_width(t, 9 if k[0] == "l" else 11) for t in ts) + 10
                  for k, ts in texts.items()}
        return {"final": final, "first": (cells, labels, data), "steps": steps,
                "captions": captions, "done": done, "widths": widths, "offset": offset}

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
        """Frame 0: only the root's gradient known; edges labelled with local gradients.
        Before a forward pass: no gradient known, no value computed, no local gradient."""
        trace, scene = self.trace, self.scene
        cells = {v: ("not computed", "#eeeeee") for v in trace.order}
        if not trace.forward:
            cells[trace.root] = scene.grad_cell(trace.seed, scale)
        labels = {}
        if self.edge_labels:
            for v in trace.order:
                if not v.is_leaf:
                    for i, local in enumerate(local_gradients(v)):
                        labels[(v, i)] = "local ?" if trace.forward else scene.local_text(local)
        return cells, labels

    def _data_text(self, v: Value) -> str:
        return f"data {fmt(v.data, self.p)}"

    def _forward_step(self, f: ForwardStep, texts: dict) -> tuple:
        """One node computed: its value appears, and its input edges' local gradients."""
        scene, names, p = self.scene, self.trace.names, self.p
        v, i = f.node, scene.index[f.node]
        change = [[f"d{i}", self._data_text(v), ""]]
        locals_ = local_gradients(v)
        if self.edge_labels:
            for j, local in enumerate(locals_):
                text = scene.local_text(local)
                change.append([f"l{i}_{j}", text, ""])
                texts[f"l{i}_{j}"].append(text)
        hot = [f"v{i}", f"o{i}", f"r{i}"] + [f"e{i}_{j}" for j in range(len(v.parents))] \
            + ([f"f{i}_{j}" for j in range(len(v.parents))] if self.edge_labels else [])
        local = ", ".join(f"∂{names[v]}/∂{names[q]} = {fmt(d, p)}"
                          for q, d in zip(v.parents, locals_))
        caption = (f"forward {f.number}/{len(self.trace.forward_steps)}: {names[v]} = "
                   f"{_formula(v, [names[q] for q in v.parents])} = "
                   f"{_formula(v, [fmt(x, p) for x in f.inputs])} = {fmt(f.value, p)}; "
                   f"local gradients for the backward pass: {local}")
        return change, hot, caption

    def _seed_caption(self) -> str:
        name = self.trace.names[self.trace.root]
        return (f"backward: start from ∂{name}/∂{name} = {fmt(self.trace.seed, self.p)}; "
                "every other gradient is not computed yet")

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
        word = self.trace.parts.arrivals.get(s.parent, "paths")  # a model's: "positions"
        caption = (f"step {s.number}/{len(self.trace.steps)}: {names[s.parent]}.grad += upstream "
                   f"{fmt(s.upstream, p)} × local {fmt(s.local, p)} = {fmt(s.contribution, p)} "
                   f"(from {names[s.node]}) → {fmt(s.after, p)}"
                   + (f", {n} of {paths} {word} arrived" if paths > 1 else ""))
        return cell, change, hot, caption

    def _start_caption(self) -> str:
        name = self.trace.names[self.trace.root]
        if self.trace.forward:
            return (f"start: the inputs and parameters are given; next, the forward pass "
                    f"computes every value up to {name}, then the backward pass every gradient")
        return (f"start: ∂{name}/∂{name} = {fmt(self.trace.seed, self.p)}; "
                "every other gradient is not computed yet")

    # the same data, read three ways: page, frame(k), table

    def steps_data(self) -> list:
        return self._built["steps"]

    def captions(self) -> list:
        return self._built["captions"]

    def state_at(self, k: int) -> tuple[dict, dict]:
        """Cells and labels after step k, by element id (with a forward pass, the
        data cells too, ``d<i>``, among the cells: (text, None))."""
        cells0, labels0, data0 = self._built["first"]
        index = self.scene.index
        cells = {f"v{index[v]}": c for v, c in cells0.items()}
        cells.update({f"d{index[v]}": (t, None) for v, t in data0.items() if t is not None})
        labels = {f"l{index[v]}_{i}": t for (v, i), t in labels0.items()}
        for step in self._built["steps"][:k]:
            for el, text, fill in step["set"]:
                if el[0] in "vd":
                    cells[el] = (text, fill or None)
                else:
                    labels[el] = text
        return cells, labels

    def dot_at(self, k: int) -> str:
        cells, labels = self.state_at(k)
        order, index = self.trace.order, self.scene.index
        data = {f"v{index[v]}": cells[f"d{index[v]}"][0] for v in order
                if f"d{index[v]}" in cells}
        cells = {v: cells[f"v{index[v]}"] for v in order}
        labels = {(v, i): labels[f"l{index[v]}_{i}"] for v in order if not v.is_leaf
                  for i in range(len(v.parents)) if f"l{index[v]}_{i}" in labels}
        highlight, edges = (), ()
        steps = self._built["steps"]
        if k > self._built["offset"]:
            s = self.trace.steps[k - 1 - self._built["offset"]]
            highlight = (s.parent,) if s.node is None else (s.node, s.parent)
            edges = () if s.node is None else ((s.node, s.input_index),)
        elif k and steps[k - 1]["pass"] == "forward":
            v = self.trace.forward_steps[k - 1].node
            highlight, edges = (v,), tuple((v, j) for j in range(len(v.parents)))
        elif k:
            highlight = (self.trace.root,)
        dot = self.scene.dot(cells, labels, highlight=highlight, highlight_edges=edges,
                             widths=self._built["widths"])
        return set_data_cells(dot, data, self._built["widths"]) if data else dot

    def table(self) -> list[dict]:
        """The rows: with a forward pass, first one per computed value (step, node, what
        it computes, value), then one per backward step (step, node, input, upstream,
        local, contribution, grad before and after), numbered as the frames are."""
        names = self.trace.names
        rows = []
        if self.trace.forward:
            for f in self.trace.forward_steps:
                v = f.node
                rows.append({"step": f.number, "node": names[v],
                             "computes": _formula(v, [names[q] for q in v.parents]),
                             "value": f.value})
            rows.append({"step": len(rows) + 1, "node": "(start)",
                         "input": names[self.trace.root], "upstream": "", "local": "",
                         "contribution": self.trace.seed, "before": 0.0,
                         "after": self.trace.seed})
        offset = len(rows)
        rows += [{"step": offset + s.number,
                  "node": names[s.node] if s.node is not None else "(before)",
                  "input": names[s.parent], "upstream": s.upstream, "local": s.local,
                  "contribution": s.contribution, "before": s.before, "after": s.after}
                 for s in self.trace.steps]
        if self.trace.parts.arrivals:  # a model that shares weights: say how many arrived
            for row, said in zip(rows[offset:], self._arrived()):
                row["arrived"] = said
            if self.trace.forward:
                rows[offset - 1]["arrived"] = ""
        return rows

    def _arrived(self) -> list[str]:
        """Per backward step, "3 of 6 positions" (a shared weight), "2 of 3 paths" (another
        value that fans out) or "" (a value used once), as the captions say it."""
        _, paths = self._final_gradients()
        words, seen, out = self.trace.parts.arrivals, {}, []
        for s in self.trace.steps:
            if s.node is None or paths[s.parent] < 2:
                out.append("")
                continue
            n = seen[s.parent] = seen.get(s.parent, 0) + 1
            out.append(f"{n} of {paths[s.parent]} {words.get(s.parent, 'paths')}")
        return out

    @functools.cached_property
    def data(self) -> dict:
        """The frames as data (built once: the page, frame_data and the fallback read it)."""
        p = self.p
        show = lambda x: x if isinstance(x, str) else (str(x) if isinstance(x, int) else
                                                        fmt(x, p))
        rows = [[show(c) for c in r.values()] for r in self.table()]
        steps = [dict(s, cap=c, row=r)
                 for s, c, r in zip(self.steps_data(), self.captions()[1:], rows)]
        index = self.scene.index
        out = {"name": self.name, "title": self.title, "start": self.captions()[0],
               "head": ["step", "node", "input", "upstream", "local", "contribution",
                        "grad before", "grad after"]
               + (["arrived"] if self.trace.parts.arrivals else []),
               "steps": steps, "done": self._built["done"],
               "focus": f"v{index[self.trace.root]}",
               "names": {f"v{index[v]}": n for v, n in self.trace.names.items()},
               "exact": {f"v{index[v]}": g for v, g in self._built["final"].items()
                         if g is not None}}
        if self.trace.forward:
            out["forward_head"] = ["step", "node", "computes", "value"]
            out["backward_from"] = self._built["offset"]
        return out


_INFIX = {"+": "+", "-": "−", "*": "×", "/": "÷", "sum": "+"}


def _formula(v: Value, ins: list) -> str:
    """What ``v`` computes from ``ins`` (its inputs' names or numbers): ``x1 × w1``,
    ``mul1 + mul2 + b``, ``tanh(n)``, ``x ^ 3``."""
    op = v.op
    if op in _INFIX and (len(ins) == 2 or op == "sum"):
        return f" {_INFIX[op]} ".join(ins)
    if op == "**":
        return f"{ins[0]} ^ {fmt(v.op_arg, 3).rstrip('0').rstrip('.')}" if len(ins) == 1 \
            else f"{ins[0]} ^ {ins[1]}"
    if op == "neg":
        return f"−{ins[0]}"
    return f"{op}({', '.join(ins)})"


_DATA_CELL = re.compile(r"<TD>(data [^<]*)</TD>")


def set_data_cells(dot: str, data: dict, widths: dict) -> str:
    """A drawing's DOT (``Scene.dot``) with each value's data cell showing ``data[box
    id]`` (``data ?`` before the forward pass computes it, or a recomputed number), sized
    by ``widths["d<i>"]`` for every text it will show, so that nothing moves. A node
    inside a model's box is indented deeper: every statement counts, whatever its depth."""
    lines = dot.split("\n")
    for n, line in enumerate(lines):
        statement = line.lstrip(" ")
        if not statement.startswith("v"):
            continue
        box = statement[:statement.index(" ")]
        if box in data:
            width = widths.get("d" + box[1:])
            fixed = f' WIDTH="{width:.0f}" HEIGHT="22" FIXEDSIZE="TRUE"' if width else ""
            cell = f"<TD{fixed}>{escape(data[box])}</TD>"
            lines[n] = _DATA_CELL.sub(lambda _, cell=cell: cell, line, count=1)
    return "\n".join(lines)
