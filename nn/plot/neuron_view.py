"""The network view of a backward pass: the lecture's deltas, neuron by neuron.

For a model built of neurons (``nn.Neuron``/``Layer``/``MLP``: each neuron one
sum ``u = Σ w_i y_i + b`` and an activation ``y = f(u)``), the scalar steps of a
trace group into one step per neuron, from the output layer back:

    output neuron:  δ = ∂E/∂u = ∂E/∂y · f'(u)          (∂E/∂y from the loss)
    hidden neuron:  δ_j = f'(u_j) · Σ_k w_kj δ_k        (the δ of the layer above)
    its weights:    ∂E/∂w_ij = δ_j · y_i,   ∂E/∂b_j = δ_j

Every number shown is read off the real backward pass (δ_j is ``u_j.grad``,
∂E/∂w the step that added to ``w.grad``), so it equals the scalar trace and
``backward()``. Neurons are found in the graph by ``nn.graph.find_neurons``; the view
is one of the model's ``trace_views()``, the step-through's protocol for more views
(``autograd.viz.model``), drawn by autograd's player.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from autograd import Value, grad, local_gradients
from autograd.viz.style import escape, fmt, grad_colour, text_width

from ..graph import find_neurons

__all__ = ["NeuronStep", "NeuronView"]


@dataclass(frozen=True)
class NeuronStep:
    """One neuron's part of the backward pass."""

    number: int
    name: str           # L1N0
    layer: int
    u: Value            # the weighted sum
    y: Value            # the activation (u itself for a linear neuron)
    fprime: float       # f'(u)
    upstream: float     # ∂E/∂y: Σ_k w_kj δ_k for a hidden neuron, from the loss for an output
    delta: float        # δ = ∂E/∂u, exactly u.grad
    terms: tuple        # ((w_kj, δ_k), ...) for a hidden neuron
    weight_grads: tuple  # ((w, y_i, ∂E/∂w), ...) over the incoming edges
    bias_grad: float | None
    scalar_step: int    # the scalar step at which u's gradient is complete


MAX_EDGE_LABELS = 6  # more labels on the edges into one neuron would cover each other


def _labelled_edges(weight_grads) -> list:
    """Which incoming edges get their ∂E/∂w written on them: all of a small
    neuron's, else the largest few (the caption says so)."""
    if len(weight_grads) <= MAX_EDGE_LABELS:
        return list(range(len(weight_grads)))
    ranked = sorted(range(len(weight_grads)), key=lambda i: -abs(weight_grads[i][2]))
    return sorted(ranked[:MAX_EDGE_LABELS])


class NeuronView:
    """Steps one neuron at a time over a drawing of the network."""

    name, title = "neuron", "neurons (δ)"

    def __init__(self, trace, *, rankdir="LR", precision=4):
        if rankdir not in ("LR", "TB", "RL", "BT"):
            raise ValueError(f"rankdir must be LR, TB, RL or BT, got {rankdir!r}")
        self.trace, self.rankdir, self.p = trace, rankdir, precision
        self._find_neurons()
        self._build_steps()

    # --- the neurons in the graph -----------------------------------------------------

    def _find_neurons(self) -> None:
        trace = self.trace
        names = trace.names
        self.neurons = [{"path": n.key, "name": n.name, "layer": n.layer, "u": n.u, "y": n.y,
                         "inputs": list(n.inputs), "b": n.b}
                        for n in find_neurons(trace.module, trace.order)]
        y_of = {n["y"]: j for j, n in enumerate(self.neurons)}
        if not self.neurons:
            raise ValueError("the neuron view found no neurons of module= in this graph: pass "
                             "the model that computed the traced value")
        self.y_of = y_of
        self.inputs = []  # values fed to neurons that no neuron computed (x1, x2, ...)
        for n in self.neurons:
            for _, x, _ in n["inputs"]:
                if x not in y_of and x not in self.inputs:
                    self.inputs.append(x)
        self.root_is_neuron = trace.root in y_of
        self.names = names

    # --- the steps ---------------------------------------------------------------------

    def _build_steps(self) -> None:
        trace, p = self.trace, self.p
        contribution, complete = {}, {}
        for s in trace.steps:
            if s.node is not None:
                contribution.setdefault((s.node, s.parent), s.contribution)
                complete[s.parent] = s.number
        consumers = {j: [] for j in range(len(self.neurons))}  # j -> [(k, w_kj)]
        for k, n in enumerate(self.neurons):
            for w, x, _ in n["inputs"]:
                if x in self.y_of:
                    consumers[self.y_of[x]].append((k, w))
        walk = sorted(range(len(self.neurons)), key=lambda j: -self.neurons[j]["layer"])
        deltas = {j: self.neurons[j]["u"].grad for j in walk}
        scale = max((abs(d) for d in deltas.values() if math.isfinite(d)), default=0.0)
        self.neuron_steps, self._steps, self._captions = [], [], [self._start_caption()]
        self._done = {"E": [0, 0, 0]} if not self.root_is_neuron else {}
        self._order = walk
        for number, j in enumerate(walk, 1):
            n = self.neurons[j]
            u, y = n["u"], n["y"]
            delta = u.grad
            upstream = y.grad if y is not u else u.grad
            if y is u:
                fprime = 1.0
            elif y.parents == (u,):
                fprime = local_gradients(y)[0]
            else:
                fprime = grad(y, u)
            terms = tuple((w.data, deltas[k]) for k, w in consumers[j])
            wgrads = tuple((w, x, contribution.get((prod, w), 0.0)) for w, x, prod in n["inputs"])
            bias_grad = contribution.get((u, n["b"])) if n["b"] is not None else None
            step = NeuronStep(number, n["name"], n["layer"], u, y, fprime, upstream, delta,
                              terms, wgrads, bias_grad, complete.get(u, 0))
            self.neuron_steps.append(step)
            fill = grad_colour(delta, scale)
            outgoing = [f"w{k}_{i}" for k, _ in consumers[j]
                        for i, (_, x, _) in enumerate(self.neurons[k]["inputs"]) if x is y]
            if not consumers[j] and not self.root_is_neuron:
                outgoing.append(f"out{j}")
            self._steps.append({
                "set": [[f"n{j}", f"δ = {fmt(delta, p)}", fill]],
                "hot": [f"n{j}"] + [f"w{j}_{i}" for i in range(len(n["inputs"]))] + outgoing,
                "wl": [[f"w{j}_{i}", f"∂E/∂w = {fmt(wgrads[i][2], p)}"]
                       for i in _labelled_edges(wgrads)],
            })
            self._captions.append(self._formula(step, len(walk)))
            self._done[f"n{j}"] = [number, 0, 0]
        self.sync = [0] + [s.scalar_step for s in self.neuron_steps]
        self._scale = scale
        self._widths = {f"n{j}": 10 + max(text_width("δ not computed", 11),
                                          text_width(f"δ = {fmt(deltas[j], p)}", 11))
                        for j in walk}

    def _start_caption(self) -> str:
        root = self.trace.root
        return (f"start: the loss E = {self.names[root]} = {fmt(root.data, self.p)}, "
                f"∂E/∂E = {fmt(self.trace.seed, self.p)}; next: each neuron's δ = ∂E/∂u, "
                "from the output layer back")

    def _formula(self, s: NeuronStep, total: int) -> str:
        p = self.p
        head = f"step {s.number}/{total}: {s.name}: δ = ∂E/∂u"
        if not s.terms:
            body = (f" = ∂E/∂y · f'(u) = {fmt(s.upstream, p)} × {fmt(s.fprime, p)} = "
                    f"{fmt(s.delta, p)}   (∂E/∂y from the loss)")
        else:
            shown = " + ".join(f"{fmt(w, p)}×{fmt(d, p)}" for w, d in s.terms[:3])
            more = f" + … ({len(s.terms)} terms)" if len(s.terms) > 3 else ""
            body = (f" = f'(u) · Σ_k w_k δ_k = {fmt(s.fprime, p)} × ({shown}{more}) = "
                    f"{fmt(s.fprime, p)} × {fmt(s.upstream, p)} = {fmt(s.delta, p)}")
        shown = len(_labelled_edges(s.weight_grads))
        where = "the incoming edges" if shown == len(s.weight_grads) else \
            f"the {shown} incoming edges with the largest (of {len(s.weight_grads)})"
        tail = f"; ∂E/∂w = δ · y_in on {where}"
        if s.bias_grad is not None:
            tail += f", ∂E/∂b = δ = {fmt(s.bias_grad, p)}"
        return head + body + tail

    # --- what the player, frame(k) and table() read ------------------------------------

    def steps_data(self) -> list:
        return self._steps

    def captions(self) -> list:
        return self._captions

    def table(self) -> list[dict]:
        return [{"step": s.number, "neuron": s.name, "f'(u)": s.fprime, "dE/dy": s.upstream,
                 "delta": s.delta, "dE/db": s.bias_grad if s.bias_grad is not None else math.nan}
                for s in self.neuron_steps]

    @functools.cached_property
    def data(self) -> dict:
        """The frames as data (built once: the page, frame_data and the fallback read it)."""
        p = self.p
        steps = [dict(st, cap=c, row=[str(s.number), s.name, fmt(s.fprime, p),
                                      fmt(s.upstream, p), fmt(s.delta, p),
                                      "" if s.bias_grad is None else fmt(s.bias_grad, p)])
                 for st, c, s in zip(self._steps, self._captions[1:], self.neuron_steps)]
        names = {f"n{j}": n["name"] for j, n in enumerate(self.neurons)}
        names["E"] = self.names[self.trace.root]
        names.update({f"x{i}": self.names[x] for i, x in enumerate(self.inputs)})
        notes = {f"x{i}": f"{self.names[x]} is an input of the network: its gradient "
                 "∂E/∂x shows in the scalar view" for i, x in enumerate(self.inputs)}
        return {"name": self.name, "title": self.title, "start": self._captions[0],
                "head": ["step", "neuron", "f'(u)", "∂E/∂y", "δ = ∂E/∂u", "∂E/∂b"],
                "steps": steps, "done": self._done, "names": names, "notes": notes,
                "sync": self.sync,
                "exact": {f"n{j}": self.neurons[j]["u"].grad for j in self._order}}

    def dot_at(self, k: int) -> str:
        p = self.p
        cells = {f"n{j}": ("δ not computed", "#eeeeee") for j in range(len(self.neurons))}
        for st in self._steps[:k]:
            for el, text, fill in st["set"]:
                cells[el] = (text, fill)
        hot, wl = set(), {}
        if k:
            hot = set(self._steps[k - 1]["hot"])
            wl = dict(self._steps[k - 1]["wl"])
        lines = ["digraph N {",
                 f'  graph [rankdir={self.rankdir}, fontname="Helvetica", nodesep=0.12, '
                 'ranksep=1.4, forcelabels=true];',
                 '  node [fontname="Helvetica", fontsize=11];',
                 '  edge [fontname="Helvetica", fontsize=8, arrowsize=0.5];']
        # no cluster boxes: Graphviz would then rotate the neurons' order in a layer
        lines.append("  subgraph inputs {")
        for i, x in enumerate(self.inputs):
            lines.append(f'    x{i} [id="x{i}", shape=box, style=rounded, label=<<B>'
                         f'{escape(self.names[x])}</B> {escape(fmt(x.data, p))}>];')
        lines.append("  }")
        layers = sorted({n["layer"] for n in self.neurons})
        for layer in layers:
            lines.append(f"  subgraph layer{layer} {{")
            members = [j for j, n in enumerate(self.neurons) if n["layer"] == layer]
            for j in members:
                lines.append(self._neuron_node(j, self.neurons[j], cells[f"n{j}"],
                                               f"n{j}" in hot))
            if len(members) > 1:  # neurons in their order, top to bottom, as the lectures draw
                lines.append(f"    {{ rank=same; {' -> '.join(f'n{j}' for j in members)} "
                             "[style=invis]; }")
            lines.append("  }")
        wmax = max((abs(w.data) for n in self.neurons for w, _, _ in n["inputs"]),
                   default=1.0) or 1.0
        for j, n in enumerate(self.neurons):
            for i, (w, x, _) in enumerate(n["inputs"]):
                src = f"n{self.y_of[x]}" if x in self.y_of else f"x{self.inputs.index(x)}"
                eid = f"w{j}_{i}"
                colour = "#e6a700" if eid in hot else ("#4a6cd4" if w.data >= 0 else "#d44a4a")
                width = 3.0 if eid in hot else 0.4 + 2.0 * abs(w.data) / wmax
                label = f', xlabel=<{escape(wl[eid])}>, fontcolor="#8a5a00"' if eid in wl else ""
                lines.append(f'  {src} -> n{j} [id="{eid}", color="{colour}", '
                             f'penwidth={width:.2f}{label}];')
        if not self.root_is_neuron:
            root = self.trace.root
            lines.append(f'  E [id="E", shape=plaintext, label=<<TABLE BORDER="1" CELLBORDER="0" '
                         f'CELLSPACING="0" CELLPADDING="4"><TR><TD><B>E = '
                         f"{escape(self.names[root])}</B></TD></TR><TR><TD>"
                         f"{escape(fmt(root.data, p))}</TD></TR><TR><TD BGCOLOR=\"#8989ff\">"
                         f"∂E/∂E = {escape(fmt(self.trace.seed, p))}</TD></TR></TABLE>>];")
            for j, n in enumerate(self.neurons):
                if not any(x is n["y"] for m in self.neurons for _, x, _ in m["inputs"]):
                    colour = ', color="#e6a700", penwidth=3' if f"out{j}" in hot else ""
                    lines.append(f'  n{j} -> E [id="out{j}"{colour}];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _neuron_node(self, j: int, n: dict, cell: tuple, hot: bool) -> str:
        p = self.p
        act = n["y"].op if n["y"] is not n["u"] else "linear"
        text, fill = cell
        border = ' COLOR="#e6a700"' if hot else ""
        return (f'    n{j} [id="n{j}", shape=plaintext, label=<<TABLE BORDER="1" '
                f'CELLBORDER="0" CELLSPACING="0" CELLPADDING="3"{border}><TR><TD><B>'
                f"{escape(n['name'])}</B> {escape(act)}</TD></TR><TR><TD>u "
                f"{escape(fmt(n['u'].data, p))}  y {escape(fmt(n['y'].data, p))}</TD></TR>"
                f'<TR><TD BGCOLOR="{fill}" WIDTH="{self._widths.get(f"n{j}", 80):.0f}" '
                f'HEIGHT="20" FIXEDSIZE="TRUE">{escape(text)}</TD></TR></TABLE>>];')
