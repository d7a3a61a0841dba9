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

The drawing is TensorFlow Playground's: the layers as columns (the inputs first, the
loss last), straight edges whose colour is the weight's sign (blue +, red −) and whose
width is its size. A step lights up the neuron, its incoming and outgoing edges, and
fades every other edge far back (and hides the other edges into its neuron's column);
each incoming edge's ∂E/∂w is written on that edge beside the neuron it comes from. A
neuron with more than ``FAN_IN_DRAWN`` inputs (the digits net's 64 pixels) draws only
its ``STRONGEST`` largest weights until its step, when all of them light up, with the
largest ∂E/∂w that fit beside their inputs (the caption says how many). The places
come from the layers (``network_layout``); Graphviz only draws them (``layout=nop2``).

With ``backward_trace(..., forward=True)`` the view starts with the forward pass, layer
by layer: before a neuron's step its u and y are not computed yet; its step lights its
incoming edges, writes w·y on each (where its ∂E/∂w will be written) and fills in

    u = Σ_i w_i y_i + b,   y = f(u)

then the loss E is computed, the backward pass starts from ∂E/∂E and runs as without it.
The steps follow the player's protocol (``autograd.viz.player``): each says its
``pass`` and ``focus``; the view's ``backward_from``, ``forward_head`` and
``forward_sync`` (per frame of its forward pass, the scalar view's frame reached) let the
player's view switch keep your place in both passes.
"""


from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from autograd import Value, grad, local_gradients
from autograd.viz.layout import measure, placed
from autograd.viz.style import escape, fmt, grad_colour, text_width

from ..graph import find_neurons
from .network_layout import lay_out

__all__ = ["NeuronStep", "NeuronForward", "NeuronView", "FAN_IN_DRAWN", "STRONGEST"]


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


@dataclass(frozen=True)
class NeuronForward:
    """One neuron's part of the forward pass (PyTorch: a row of ``nn.Linear`` and its
    activation): ``u = Σ_i w_i y_i + b``, then ``y = f(u)``; every number the engine's."""

    number: int         # 1 for the first neuron of the first layer
    name: str           # L1N3
    layer: int
    u: Value
    y: Value            # u itself for a linear neuron
    activation: str     # "tanh", ..., "linear"
    terms: tuple        # ((w, y_i, w·y_i), ...): the weights, inputs and their products' data
    bias: float | None
    scalar_frame: int   # the scalar view's frame at which y is computed (its forward pass)


FAN_IN_DRAWN = 16  # a neuron with more inputs draws ...
STRONGEST = 8      # ... only its strongest weights until its step

FONT, LABEL_FONT = 11, 10  # points: >= 10 CSS px on the page even when "fit" shrinks it
BLANK = "\u2009"  # an unwritten ∂E/∂w: a thin space, a text for a step of the page to fill in
POSITIVE, NEGATIVE, LOSS_EDGE, HOT = "#4a6cd4", "#d44a4a", "#777777", "#e6a700"
SEED, UNKNOWN = "#8989ff", "#eeeeee"  # the fills of ∂E/∂E and of what is not computed yet
NOT_COMPUTED = {"n": "δ not computed", "dn": "u, y not computed", "E": "∂E/∂E not computed",
                "dE": "not computed"}
HEADER = [f'  node [fontname="Helvetica", fontsize={FONT}];', '  edge [arrowhead=none];']


class NeuronView:
    """Steps one neuron at a time over a drawing of the network."""

    name, title = "neuron", "neurons (δ)"

    def __init__(self, trace, *, rankdir="LR", precision=4):
        if rankdir not in ("LR", "TB", "RL", "BT"):
            raise ValueError(f"rankdir must be LR, TB, RL or BT, got {rankdir!r}")
        self.trace, self.rankdir, self.p = trace, rankdir, precision
        self._find_neurons()
        self._build_steps()
        self._layout = self._written = None

    # --- the neurons in the graph -----------------------------------------------------

    def _find_neurons(self) -> None:
        trace = self.trace
        self.neurons = [{"path": n.key, "name": n.name, "layer": n.layer, "u": n.u, "y": n.y,
                         "inputs": list(n.inputs), "b": n.b}
                        for n in find_neurons(trace.module, trace.order)]
        if not self.neurons:
            raise ValueError("the neuron view found no neurons of module= in this graph: pass "
                             "the model that computed the traced value")
        self.y_of = {n["y"]: j for j, n in enumerate(self.neurons)}
        self.inputs = []  # values fed to neurons that no neuron computed (x1, x2, ...)
        for n in self.neurons:
            for _, x, _ in n["inputs"]:
                if x not in self.y_of and x not in self.inputs:
                    self.inputs.append(x)
        self.root_is_neuron = trace.root in self.y_of
        self.names = trace.names
        self.consumers = {j: [] for j in range(len(self.neurons))}  # j -> [(k, w_kj)]
        for k, n in enumerate(self.neurons):
            for w, x, _ in n["inputs"]:
                if x in self.y_of:
                    self.consumers[self.y_of[x]].append((k, w))

    def _source(self, x: Value) -> str:
        """The id of the box an input of a neuron comes from."""
        return f"n{self.y_of[x]}" if x in self.y_of else f"x{self.inputs.index(x)}"

    def _activation(self, n: dict) -> str:
        return n["y"].op if n["y"] is not n["u"] else "linear"

    def _outputs(self) -> list:
        """The neurons whose y the loss reads (no neuron takes them as inputs)."""
        return [j for j in range(len(self.neurons)) if not self.consumers[j]]

    # --- the steps ---------------------------------------------------------------------

    def _build_steps(self) -> None:
        """With a forward pass, first one step per neuron, layer by layer, the loss and
        the start of the backward pass; then one step per neuron, output layer first:
        its δ (set) and what it lights up (hot). The w·y and ∂E/∂w a step writes join
        its ``set`` with the layout (``data``)."""
        self._steps = self._forward_frames() if self.trace.forward else []
        self.backward_from = len(self._steps)  # the frame before the first δ
        contribution, complete = {}, {}
        for s in self.trace.steps:
            if s.node is not None:
                contribution.setdefault((s.node, s.parent), s.contribution)
                complete[s.parent] = s.number
        walk = sorted(range(len(self.neurons)), key=lambda j: -self.neurons[j]["layer"])
        deltas = {j: self.neurons[j]["u"].grad for j in walk}
        scale = max((abs(d) for d in deltas.values() if math.isfinite(d)), default=0.0)
        self.neuron_steps = []
        self._done = {"E": [self.backward_from, 0, 0]} if not self.root_is_neuron else {}
        self._order = walk
        backward = {"pass": "backward"} if self.trace.forward else {}
        for number, j in enumerate(walk, 1):
            step = self._neuron_step(number, j, deltas, contribution, complete)
            self.neuron_steps.append(step)
            self._steps.append({"set": [[f"n{j}", f"δ = {fmt(step.delta, self.p)}",
                                         grad_colour(step.delta, scale)]],
                                "hot": self._hot(j), "focus": f"n{j}", **backward})
            self._done[f"n{j}"] = [self.backward_from + number, 0, 0]
        self.sync = [0] + [s.scalar_step for s in self.neuron_steps]

    def _forward_frames(self) -> list:
        """The forward pass's steps (``self.forward_steps``: one per neuron, layer by
        layer), then the loss (unless the traced value is a neuron's y) and the start of
        the backward pass; and ``forward_sync``, each of these frames' place in the
        scalar view's forward pass (never going back)."""
        p, frame_of = self.p, {f.node: f.number for f in self.trace.forward_steps}
        self.forward_steps, steps, reached = [], [], 0
        self.forward_sync = [0]
        for number, j in enumerate(sorted(range(len(self.neurons)),
                                          key=lambda j: self.neurons[j]["layer"]), 1):
            n = self.neurons[j]
            reached = max(reached, frame_of.get(n["y"], 0))
            self.forward_steps.append(NeuronForward(
                number, n["name"], n["layer"], n["u"], n["y"], self._activation(n),
                tuple((w, x, prod.data) for w, x, prod in n["inputs"]),
                n["b"].data if n["b"] is not None else None, reached))
            steps.append({"set": [[f"dn{j}", self._values_text(n), ""]],
                          "hot": [f"n{j}"] + [f"w{j}_{i}" for i in range(len(n["inputs"]))],
                          "focus": f"n{j}", "pass": "forward"})
            self.forward_sync.append(reached)
        root = self.trace.root
        if not self.root_is_neuron:
            steps.append({"set": [["dE", fmt(root.data, p), ""]],
                          "hot": ["E"] + [f"out{j}" for j in self._outputs()],
                          "focus": "E", "pass": "forward"})
            self.forward_sync.append(max(reached, frame_of.get(root, 0)))
        seed = [["E", f"∂E/∂E = {fmt(self.trace.seed, p)}", SEED]] if not self.root_is_neuron \
            else []
        focus = "E" if not self.root_is_neuron else f"n{self.y_of[root]}"
        steps.append({"set": seed, "hot": [focus] if seed else [], "focus": focus,
                      "pass": "backward"})
        return steps

    def _values_text(self, n: dict) -> str:
        """A neuron's u and y as its box shows them (a no-break space keeps them apart on
        the page, as Graphviz writes two spaces)."""
        return f"u {fmt(n['u'].data, self.p)} \u00a0y {fmt(n['y'].data, self.p)}"

    def _neuron_step(self, number, j, deltas, contribution, complete) -> NeuronStep:
        n = self.neurons[j]
        u, y = n["u"], n["y"]
        if y is u:
            fprime = 1.0
        elif y.parents == (u,):
            fprime = local_gradients(y)[0]
        else:
            fprime = grad(y, u)
        terms = tuple((w.data, deltas[k]) for k, w in self.consumers[j])
        wgrads = tuple((w, x, contribution.get((prod, w), 0.0)) for w, x, prod in n["inputs"])
        bias_grad = contribution.get((u, n["b"])) if n["b"] is not None else None
        return NeuronStep(number, n["name"], n["layer"], u, y, fprime,
                          y.grad if y is not u else u.grad, u.grad, terms, wgrads, bias_grad,
                          complete.get(u, 0))

    def _hot(self, j: int) -> list:
        """What a step of neuron j lights up: the neuron, its incoming edges, its outgoing
        edges (to the neurons whose δ it used, or to the loss)."""
        n = self.neurons[j]
        outgoing = [f"w{k}_{i}" for k, _ in self.consumers[j]
                    for i, (_, x, _) in enumerate(self.neurons[k]["inputs"]) if x is n["y"]]
        if not self.consumers[j] and not self.root_is_neuron:
            outgoing.append(f"out{j}")
        return [f"n{j}"] + [f"w{j}_{i}" for i in range(len(n["inputs"]))] + outgoing

    def _labels(self, s: NeuronStep) -> dict:
        """The ∂E/∂w texts a step may write, by label id."""
        j = self.y_of[s.y]
        return {f"dw{j}_{i}": f"∂E/∂w = {fmt(dw, self.p)}"
                for i, (_, _, dw) in enumerate(s.weight_grads)}

    def _forward_labels(self, f: NeuronForward) -> dict:
        """The w·y texts a forward step may write, by label id (∂E/∂w's places)."""
        j = self.y_of[f.y]
        return {f"dw{j}_{i}": f"w·y = {fmt(wy, self.p)}" for i, (_, _, wy) in enumerate(f.terms)}

    def _start_caption(self) -> str:
        root, p = self.trace.root, self.p
        dense = [n for n in self.neurons if len(n["inputs"]) > FAN_IN_DRAWN]
        left_out = (f" (a neuron with more than {FAN_IN_DRAWN} inputs shows its {STRONGEST} "
                    "strongest weights until its step, then all of them)") if dense else ""
        if self.trace.forward:
            given = ", ".join(f"{self.names[x]} = {fmt(x.data, p)}" for x in self.inputs[:4])
            more = f", … ({len(self.inputs)} inputs)" if len(self.inputs) > 4 else ""
            loss = "" if self.root_is_neuron else ", then the loss E"
            return (f"start: the inputs {given}{more} are given; next, the forward pass: each "
                    f"neuron's u = Σ w·y + b, then y = f(u), layer by layer{loss}; then the "
                    "backward pass: each neuron's δ = ∂E/∂u, from the output layer back"
                    f"{left_out}")
        return (f"start: the loss E = {self.names[root]} = {fmt(root.data, p)}, "
                f"∂E/∂E = {fmt(self.trace.seed, p)}; next: each neuron's δ = ∂E/∂u, "
                f"from the output layer back{left_out}")

    def _forward_caption(self, f: NeuronForward, total: int, written: int) -> str:
        p = self.p
        shown = " + ".join(f"{fmt(w.data, p)}×{fmt(x.data, p)}" for w, x, _ in f.terms[:3])
        more = f" + … ({len(f.terms)} terms)" if len(f.terms) > 3 else ""
        bias = f" + {fmt(f.bias, p)}" if f.bias is not None else ""
        u, y = fmt(f.u.data, p), fmt(f.y.data, p)
        if f.y is f.u:
            out = f"y = u = {y} (a linear neuron)"
        elif f.y.parents == (f.u,):
            out = f"y = {f.activation}(u) = {f.activation}({u}) = {y}"
        else:
            out = f"y = f(u) = {y}"
        edges = len(f.terms)
        where = "on each incoming edge" if written == edges else \
            f"on {written} of its {edges} incoming edges (those from the largest inputs)"
        return (f"forward {f.number}/{total}: {f.name}: u = Σ w·y_in + b = {shown}{more}{bias} "
                f"= {u}; {out}; w·y_in {where}")

    def _loss_caption(self, total: int) -> str:
        root, p = self.trace.root, self.p
        outs = [self.neurons[j]["name"] for j in self._outputs()]
        which = ", ".join(outs[:3]) + (f", … ({len(outs)} outputs)" if len(outs) > 3 else "")
        return (f"forward {total}/{total}: the loss E = {self.names[root]} = "
                f"{fmt(root.data, p)}, computed from the y of {which}")

    def _seed_caption(self) -> str:
        seed = fmt(self.trace.seed, self.p)
        whose = f" (E is {self.names[self.trace.root]})" if self.root_is_neuron else ""
        return (f"backward: start from ∂E/∂E = {seed}{whose}; next: each neuron's δ = ∂E/∂u, "
                "from the output layer back")

    def _formula(self, s: NeuronStep, total: int, written: int) -> str:
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
        edges = len(s.weight_grads)
        where = "on each incoming edge" if written == edges else \
            f"on {written} of its {edges} incoming edges (the largest that fit)"
        tail = f"; ∂E/∂w = δ · y_in {where}, beside the neuron it comes from"
        if s.bias_grad is not None:
            tail += f", ∂E/∂b = δ = {fmt(s.bias_grad, p)}"
        return head + body + tail

    # --- what the player, frame(k) and table() read ------------------------------------

    def steps_data(self) -> list:
        return self._steps

    def captions(self) -> list:
        """Before the first step, then each step's formula (how many w·y or ∂E/∂w it
        writes depends on the layout: computed here if not yet)."""
        return self._texts()[0]

    def _texts(self) -> tuple:
        """The captions, and per step the [label id, text, ""] it writes (its own w·y or
        ∂E/∂w, after blanking those of the step before): both need the layout."""
        if self._written is None:
            written = self._geometry().written
            captions, texts = [self._start_caption()], []
            total = self.backward_from - 1  # the forward pass's steps: neurons and loss
            for f in self.forward_steps if self.trace.forward else ():
                mine = written[f"n{self.y_of[f.y]}"]
                captions.append(self._forward_caption(f, total, len(mine)))
                labels = self._forward_labels(f)
                texts.append({i: labels[i] for i in mine})
            if self.trace.forward:
                if not self.root_is_neuron:
                    captions.append(self._loss_caption(total))
                    texts.append({})
                captions.append(self._seed_caption())
                texts.append({})
            for s in self.neuron_steps:
                mine = written[f"n{self.y_of[s.y]}"]
                captions.append(self._formula(s, len(self.neuron_steps), len(mine)))
                labels = self._labels(s)
                texts.append({i: labels[i] for i in mine})
            writes, before = [], {}
            for mine in texts:
                writes.append([[i, BLANK, ""] for i in before if i not in mine]
                              + [[i, t, ""] for i, t in mine.items()])
                before = mine
            self._written = captions, writes
        return self._written

    def table(self) -> list[dict]:
        """The rows, numbered as the frames are: with a forward pass first one per neuron
        (u, f, y) and the loss, then the start of the backward pass; then one per neuron
        of the backward pass (f'(u), ∂E/∂y, δ, ∂E/∂b: NaN for a neuron without bias)."""
        return [{h: math.nan if v is None else v for h, v in r.items()} for r in self._rows()]

    def _rows(self) -> list[dict]:
        """The table's rows, None where a neuron has no bias."""
        rows = []
        if self.trace.forward:
            rows = [{"step": f.number, "neuron": f.name, "u": f.u.data, "f": f.activation,
                     "y": f.y.data} for f in self.forward_steps]
            if not self.root_is_neuron:
                rows.append({"step": len(rows) + 1, "neuron": f"E = {self.names[self.trace.root]}",
                             "u": "", "f": "loss", "y": self.trace.root.data})
            rows.append({"step": len(rows) + 1, "neuron": "(start)", "f'(u)": "", "dE/dy": "",
                         "delta": "", "dE/db": ""})
        offset = self.backward_from
        return rows + [{"step": offset + s.number, "neuron": s.name, "f'(u)": s.fprime,
                        "dE/dy": s.upstream, "delta": s.delta,
                        "dE/db": s.bias_grad} for s in self.neuron_steps]

    @functools.cached_property
    def data(self) -> dict:
        """The frames as data (built once: the page, frame_data and the fallback read it)."""
        p = self.p
        show = lambda x: x if isinstance(x, str) else "" if x is None else \
            str(x) if isinstance(x, int) else fmt(x, p)
        caps = self.captions()
        steps = [dict(st, set=st["set"] + w, cap=c, row=[show(v) for v in r.values()])
                 for st, w, c, r in zip(self._steps, self._texts()[1], caps[1:], self._rows())]
        names = {f"n{j}": n["name"] for j, n in enumerate(self.neurons)}
        names["E"] = self.names[self.trace.root]
        names.update({f"x{i}": self.names[x] for i, x in enumerate(self.inputs)})
        notes = {f"x{i}": f"{self.names[x]} is an input of the network: its gradient "
                 "∂E/∂x shows in the scalar view" for i, x in enumerate(self.inputs)}
        out = {"name": self.name, "title": self.title, "start": caps[0],
               "head": ["step", "neuron", "f'(u)", "∂E/∂y", "δ = ∂E/∂u", "∂E/∂b"],
               "steps": steps, "done": self._done, "names": names, "notes": notes,
               "sync": self.sync,
               "exact": {f"n{j}": self.neurons[j]["u"].grad for j in self._order}}
        if self.trace.forward:
            out.update(forward_head=["step", "neuron", "u = Σ w·y + b", "f", "y = f(u)"],
                       backward_from=self.backward_from, forward_sync=self.forward_sync)
        return out

    # --- the drawing -------------------------------------------------------------------

    def _first_state(self) -> dict:
        """What each box shows at frame 0, by element id: a neuron's δ cell (n<j>) and
        its u, y (dn<j>), the loss's ∂E/∂E (E) and value (dE): (text, fill)."""
        forward = self.trace.forward
        state = {}
        for j, n in enumerate(self.neurons):
            state[f"n{j}"] = (NOT_COMPUTED["n"], UNKNOWN)
            state[f"dn{j}"] = (NOT_COMPUTED["dn"] if forward else self._values_text(n), "")
        root = self.trace.root
        state["E"] = (NOT_COMPUTED["E"], UNKNOWN) if forward else \
            (f"∂E/∂E = {fmt(self.trace.seed, self.p)}", SEED)
        state["dE"] = (NOT_COMPUTED["dE"] if forward else fmt(root.data, self.p), "")
        return state

    def state_at(self, k: int) -> tuple[dict, dict]:
        """What the boxes show after step k (``_first_state``'s ids) and the ∂E/∂w or
        w·y written on edges (label id -> text): the steps' ``set``, applied in turn as
        the page applies them."""
        state, labels = self._first_state(), {}
        for step in self.data["steps"][:k]:
            for el, text, fill in step["set"]:
                if el.startswith("dw"):
                    labels[el] = text
                else:
                    state[el] = (text, fill)
        return state, labels

    def dot_at(self, k: int) -> str:
        """Frame k as DOT with every place given (Graphviz only draws): the values and δ
        found by step k, step k's neuron and edges lit, its w·y or ∂E/∂w written on its
        edges (the other labels blank: a step of the page writes them)."""
        state, labels = self.state_at(k)
        step = self._steps[k - 1] if k else None
        hot = set(step["hot"]) if step else set()
        g = self._geometry()
        lines = ["digraph N {",
                 f'  graph [layout=nop2, class="glp-nv", outputorder=edgesfirst, '
                 f'bb="0,0,{g.width:.2f},{g.height:.2f}"];', *HEADER]
        nodes = self._nodes(state, hot, g)
        nodes.update(self._label_nodes({i: labels.get(i, BLANK)
                                        for ids in g.written.values() for i in ids}))
        for node, line in nodes.items():
            x, y = g.positions[node]
            lines.append(placed(line, x, g.height - y))
        lines += self._edges(k, hot, g.column[step["focus"]] if step else None, g)
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _nodes(self, state: dict, hot: set, g) -> dict:
        """The boxes' DOT statements by id (no place yet): inputs, neurons, the loss."""
        p, out = self.p, {}
        for i, x in enumerate(self.inputs):
            width = f", width={g.widths[f'x{i}'] / 72:.3f}" if g else ""
            out[f"x{i}"] = (f'  x{i} [id="x{i}", shape=box, style=rounded, height=0.3, '
                            f'margin="0.08,0.02"{width}, label=<<B>{escape(self.names[x])}'
                            f"</B> {escape(fmt(x.data, p))}>];")
        for j, n in enumerate(self.neurons):
            out[f"n{j}"] = self._neuron_node(j, n, state, f"n{j}" in hot,
                                             g.widths[f"n{j}"] if g else None,
                                             g.column[f"n{j}"] if g else 0)
        if not self.root_is_neuron:
            (grad_text, fill), (value, _) = state["E"], state["dE"]
            wide = f' WIDTH="{g.widths["E"] - 2:.0f}"' if g else ""  # as wide at every step
            out["E"] = (f'  E [id="E", shape=plaintext, margin=0, label=<<TABLE BORDER="1" '
                        f'CELLBORDER="0" CELLSPACING="0" CELLPADDING="4"><TR><TD><B>E = '
                        f"{escape(self.names[self.trace.root])}</B></TD></TR><TR>"
                        f"<TD{self._ground}>{escape(value)}</TD></TR><TR><TD BGCOLOR=\"{fill}\""
                        f"{wide}>{escape(grad_text)}</TD></TR></TABLE>>];")
        return out

    @property
    def _ground(self) -> str:
        """A value's cell with a forward pass: a ground of its own, so that the page
        centres in it the number that replaces "not computed"."""
        return ' BGCOLOR="#ffffff"' if self.trace.forward else ""

    def _label_nodes(self, texts: dict) -> dict:
        """A ∂E/∂w's DOT statement by id: a written one on a white ground (for a frame
        drawn alone; on the page, its styles give it a halo)."""
        out = {}
        for i, text in texts.items():
            ground = ', style=filled, fillcolor="#ffffffd9"' if text != BLANK else ""
            out[i] = (f'  {i} [id="{i}", class="glp-nv-dw", shape=plaintext, margin=0.02, '
                      f'fontsize={LABEL_FONT}, fontcolor="#6b4500"{ground}, label="{text}"];')
        return out

    def _neuron_node(self, j: int, n: dict, state: dict, hot: bool, width, column) -> str:
        text, fill = state[f"n{j}"]
        values = state[f"dn{j}"][0]
        border = f' COLOR="{HOT}"' if hot else ""
        wide = f' WIDTH="{width - 2:.0f}"' if width else ""  # the δ cell across the box
        return (f'  n{j} [id="n{j}", class="glp-nv-col{column}", shape=plaintext, margin=0, '
                f'label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3"'
                f"{border}><TR><TD><B>{escape(n['name'])}</B> {escape(self._activation(n))}"
                f"</TD></TR><TR><TD{self._ground}>{escape(values)}</TD></TR>"
                f'<TR><TD BGCOLOR="{fill}"{wide}>{escape(text)}</TD></TR></TABLE>>];')

    def _edges(self, k: int, hot: set, focus, g) -> list:
        """Every edge as a straight line from its tail's side to its head's: colour =
        the weight's sign, width = its size; faded far back unless it is hot, and hidden
        in the column of the step's focus (where its labels are written)."""
        wmax = max((abs(w.data) for n in self.neurons for w, _, _ in n["inputs"]),
                   default=1.0) or 1.0
        lines = []
        for j, n in enumerate(self.neurons):
            shown, into = _drawn_at_rest(n["inputs"]), g.column[f"n{j}"]
            for i, (w, x, _) in enumerate(n["inputs"]):
                eid = f"w{j}_{i}"
                level = 1 + min(4, int(5 * abs(w.data) / wmax))
                sign = "pos" if w.data >= 0 else "neg"
                more = "" if i in shown else " glp-nv-more"
                alpha = ("ff" if eid in hot else "1c") if k else "8c"
                if eid not in hot and (i not in shown or into == focus):
                    alpha = "00"
                colour = (POSITIVE if sign == "pos" else NEGATIVE) + alpha
                width = 0.5 + 0.7 * level + (0.5 if eid in hot else 0.0)
                lines.append(f'  {self._source(x)} -> n{j} [id="{eid}", class="glp-nv-{sign} '
                             f'glp-nv-w{level} glp-nv-into{into}{more}", color="{colour}", '
                             f'penwidth={width:.2f}, pos="{g.edge_pos[eid]}"];')
            if f"out{j}" in g.edge_pos:
                on = f"out{j}" in hot
                lines.append(f'  n{j} -> E [id="out{j}", class="glp-nv-out", '
                             f'color="{HOT if on else LOSS_EDGE}", penwidth={2.5 if on else 1.2}, '
                             f'pos="{g.edge_pos[f"out{j}"]}"];')
        return lines

    def _geometry(self):
        """The drawing's places (``network_layout.lay_out``), computed once: Graphviz
        measures every box (as wide as any text it will show) and ∂E/∂w, then the
        columns are the inputs, each layer and the loss."""
        if self._layout is None:
            first = self._first_state()
            final = dict(first, E=(f"∂E/∂E = {fmt(self.trace.seed, self.p)}", SEED),
                         dE=(fmt(self.trace.root.data, self.p), ""))
            final.update({f"dn{j}": (self._values_text(n), "")
                          for j, n in enumerate(self.neurons)})
            texts = {i: t for s in self.neuron_steps for i, t in self._labels(s).items()}
            sizes = measure(HEADER, {**self._nodes(final, set(), None),
                                     **self._label_nodes(texts)})
            if self.trace.forward:  # "not computed" may be wider than the numbers
                start = measure(HEADER, self._nodes(first, set(), None))
                sizes.update({i: (max(w, sizes[i][0]), max(h, sizes[i][1]))
                              for i, (w, h) in start.items()})
            for j in self._order:  # a box wide enough for its δ, whatever it shows
                text = f"δ = {fmt(self.neurons[j]['u'].grad, self.p)}"
                w, h = sizes[f"n{j}"]
                sizes[f"n{j}"] = (max(w, text_width(text, FONT) + 16), h)
            self._layout = self._lay_out(sizes)
        return self._layout

    def _lay_out(self, sizes: dict):
        layers = sorted({n["layer"] for n in self.neurons})
        cols = [[f"x{i}" for i in range(len(self.inputs))]]
        cols += [[f"n{j}" for j, n in enumerate(self.neurons) if n["layer"] == layer]
                 for layer in layers]
        cols.append([] if self.root_is_neuron else ["E"])
        spacing = [6.0] + [12.0] * (len(cols) - 1)
        spacing, cols = zip(*[(s, c) for s, c in zip(spacing, cols) if c])
        edges = {f"w{j}_{i}": (self._source(x), f"n{j}") for j, n in enumerate(self.neurons)
                 for i, (_, x, _) in enumerate(n["inputs"])}
        edges.update({f"out{j}": (f"n{j}", "E") for j in self._outputs()
                      if not self.root_is_neuron})
        at_rest = {f"w{j}_{i}" for j, n in enumerate(self.neurons)
                   for i in _drawn_at_rest(n["inputs"])} | {e for e in edges if e[0] == "o"}
        # the labels written first: those from the largest inputs |y| (so the largest
        # ∂E/∂w = δ·y, and in a forward pass the most active inputs, even where δ = 0)
        steps = [(f"n{self.y_of[s.y]}",
                  [(f"w{self.y_of[s.y]}_{i}", f"dw{self.y_of[s.y]}_{i}", abs(x.data))
                   for i, (_, x, _) in enumerate(s.weight_grads)]) for s in self.neuron_steps]
        label = max((sizes[i][0] for i in sizes if i.startswith("dw")), default=0.0)
        return lay_out(list(cols), sizes, edges, steps, at_rest, rankdir=self.rankdir,
                       gap=max(150.0, label + 70.0),
                       last_gap=None if self.root_is_neuron else 60.0, spacing=list(spacing))


def _drawn_at_rest(inputs: list) -> set:
    """The incoming edges a neuron draws outside its own step: all of them, or its
    ``STRONGEST`` largest weights when it has more than ``FAN_IN_DRAWN``."""
    if len(inputs) <= FAN_IN_DRAWN:
        return set(range(len(inputs)))
    ranked = sorted(range(len(inputs)), key=lambda i: -abs(inputs[i][0].data))
    return set(ranked[:STRONGEST])
