"""The module view: a network as composed modules, read off one real backward pass.

The lectures write a deep network as ỹ = h_N(h_{N−1}(… h_1(x; w_1) …; w_{N−1}); w_N):
each module a function with trainable parameters that keeps its input for the backward
pass. For an MLP, module h_l is layer ``L<l>``:

    forward:   keeps y^(l−1) (its input),  u^(l) = W^(l) y^(l−1) + b^(l),  y^(l) = f(u^(l))
    backward:  receives ∂E/∂y^(l),  δ^(l) = ∂E/∂y^(l) ⊙ f'(u^(l)),
               ∂E/∂W^(l) = δ^(l) (y^(l−1))ᵀ,  ∂E/∂b^(l) = δ^(l),
               passes ∂E/∂y^(l−1) = (W^(l))ᵀ δ^(l) to h_(l−1): the δ recursion.

``module_view(loss, model)`` runs ``backward_trace(loss)`` (a real ``backward()``) and
reads every one of those numbers off the engine's pass, none re-derived: y^(l−1), u and y
are the graph's Values' ``.data``; f'(u) is the local gradient the activation's node
handed back (the engine's ∂y/∂u for an activation made of several nodes); ∂E/∂y and δ
are ``y.grad`` and ``u.grad``; ∂E/∂W, ∂E/∂b and ∂E/∂y^(l−1) are the sums of the steps
that added into each parameter and input during this pass. So the
formulas above are a claim the numbers can be checked against (notebook 13 does).
(PyTorch: what ``torch.nn.Linear`` and its activation keep with ``save_for_backward``.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograd import Value, backward_trace, grad
from autograd.viz.style import fmt

from .activations import activation_name
from .graph import find_neurons, layer_name

__all__ = ["module_view", "ModuleView", "ModulePass"]


@dataclass(frozen=True)
class ModulePass:
    """One module h_l (layer ``name``) in one forward and backward pass, as arrays."""

    name: str               # "L1": the module h_1
    activation: str         # its f
    W: np.ndarray           # (n_out, n_in): neuron j's weight i at [j, i]
    b: np.ndarray | None    # (n_out,), None without biases
    kept: np.ndarray        # y^(l-1): the input it keeps for the backward pass
    u: np.ndarray           # W y^(l-1) + b
    y: np.ndarray           # f(u)
    dE_dy: np.ndarray       # what it receives from the module above (or the loss)
    f_prime: np.ndarray     # f'(u): the activation's local gradients
    delta: np.ndarray       # ∂E/∂u = u.grad
    dE_dW: np.ndarray       # this pass's gradient of W
    dE_db: np.ndarray | None
    passed: np.ndarray      # ∂E/∂y^(l-1): what it hands to the module below


@dataclass(frozen=True)
class ModuleView:
    """A network's modules h_1 ... h_N in one pass, and the loss E."""

    modules: tuple
    loss: float

    def text(self, precision: int = 4) -> str:
        """The forward pass h_1 ... h_N, then the backward pass h_N ... h_1, each module's
        numbers in the lectures' symbols (y0 is the input x)."""
        p = precision
        n = len(self.modules)
        composed = "x"
        for k, m in enumerate(self.modules, 1):
            composed = f"h{k}({composed}; W{k}{f', b{k}' if m.b is not None else ''})"
        lines = [f"ỹ = {composed}, E = {fmt(self.loss, p)}", "", "forward, h1 first:"]
        for k, m in enumerate(self.modules, 1):
            lines += [f"  h{k} = {m.name}: y{k} = {m.activation}(W{k} y{k - 1}"
                      f"{f' + b{k}' if m.b is not None else ''}), W{k} is "
                      f"{m.W.shape[0]}x{m.W.shape[1]}",
                      f"    keeps  y{k - 1} = {_vector(m.kept, p)}",
                      f"    u{k} = W{k} y{k - 1}{f' + b{k}' if m.b is not None else ''} = "
                      f"{_vector(m.u, p)}",
                      f"    y{k} = {m.activation}(u{k}) = {_vector(m.y, p)}"]
        lines += ["", f"backward, h{n} first:"]
        for k in range(n, 0, -1):
            m = self.modules[k - 1]
            came = "the loss" if k == n else f"h{k + 1}"
            lines += [f"  h{k} = {m.name}: receives ∂E/∂y{k} = {_vector(m.dE_dy, p)} from {came}",
                      f"    f'(u{k}) = {_vector(m.f_prime, p)}",
                      f"    δ{k} = ∂E/∂y{k} ⊙ f'(u{k}) = {_vector(m.delta, p)}",
                      f"    ∂E/∂W{k} = δ{k} y{k - 1}ᵀ ({m.W.shape[0]}x{m.W.shape[1]})"
                      + (f", ∂E/∂b{k} = δ{k}" if m.b is not None else ""),
                      f"    passes ∂E/∂y{k - 1} = W{k}ᵀ δ{k} = {_vector(m.passed, p)}"
                      + (f" to h{k - 1}" if k > 1 else " (the input's gradient)")]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()


def _vector(values: np.ndarray, p: int, most: int = 8) -> str:
    shown = ", ".join(fmt(float(v), p) for v in values[:most])
    return f"[{shown}{', ...' if len(values) > most else ''}]"


def module_view(loss: Value, model) -> ModuleView:
    """Run ``loss``'s backward pass (``backward_trace``, so every ``.grad`` afterwards is
    what ``loss.backward()`` gives) and read ``model``'s layers off it as the modules
    h_1 ... h_N (see the module docstring). ``loss`` must be computed from one sample
    passed through ``model`` (an ``nn.MLP``, ``Layer`` or a ``Sequential`` of Layers)."""
    if not isinstance(loss, Value):
        raise TypeError(f"module_view expects the loss as a Value, got {type(loss).__name__}")
    paths = getattr(model, "neuron_paths", None)
    if not callable(paths) or not paths():
        raise TypeError(f"module_view reads a model of layers of neurons (nn.MLP, nn.Layer, "
                        f"nn.Sequential of Layers), got {type(model).__name__}")
    if getattr(model, "filter_paths", list)():
        raise TypeError("module_view reads layers of neurons; this model has a convolution")
    trace = backward_trace(loss)
    neurons = find_neurons(model, trace.order)
    _check_one_sample(neurons, trace.order)
    by_layer: dict = {}
    for n in neurons:
        by_layer.setdefault(n.layer, []).append(n)
    expected: dict = {}
    for _, _, layer, _ in paths():
        expected[layer] = expected.get(layer, 0) + 1
    if {layer: len(ns) for layer, ns in by_layer.items()} != expected:
        raise ValueError("module_view needs every neuron of the model in the loss's graph "
                         "(the loss of one sample passed through the whole model)")
    added = _contributions(trace)
    modules = [_module(layer, ns, trace, added) for layer, ns in sorted(by_layer.items())]
    return ModuleView(tuple(modules), loss.data)


def _check_one_sample(neurons: list, order: list) -> None:
    """Refuse a graph that runs a neuron twice (a batch): its module view would hold one
    sample's numbers and the whole batch's gradients."""
    first_weight = {n.neuron.w[0]: n.name for n in neurons}
    uses: dict = {}
    for v in order:
        if v.op == "*" and v.parents[0] in first_weight:
            name = first_weight[v.parents[0]]
            uses[name] = uses.get(name, 0) + 1
    twice = [n.name for n in neurons if uses.get(n.name, 0) > 1]  # the model's order
    if twice:
        raise ValueError(f"module_view reads one sample's pass, but this graph runs {twice[0]} "
                         f"{uses[twice[0]]} times (a batch?): pass the loss of one sample")


def _contributions(trace) -> dict:
    """What this pass added into each value (the sum of the steps into it), and per
    (value, node) what it added from that node."""
    into, into_from = {}, {}
    for s in trace.steps:
        if s.node is None:
            continue  # a leaf's earlier gradient, added back: not this pass's
        into[s.parent] = into.get(s.parent, 0.0) + s.contribution
        key = (s.parent, s.node)
        into_from[key] = into_from.get(key, 0.0) + s.contribution
    return {"into": into, "from": into_from}


def _module(layer: int, neurons: list, trace, added: dict) -> ModulePass:
    """Module h_(layer+1) read off the pass: every number a Value's or a step's."""
    into, into_from = added["into"], added["from"]
    local = {(s.node, s.parent): s.local for s in trace.steps if s.node is not None}
    first = neurons[0]
    kept = [x for _, x, _ in first.inputs]
    products = {p for n in neurons for _, _, p in n.inputs}
    passed = [sum(c for (parent, node), c in into_from.items() if parent is x and node in
                  products) for x in kept]
    has_bias = first.b is not None
    return ModulePass(
        name=layer_name(layer), activation=activation_name(first.neuron.activation),
        W=np.array([[w.data for w in n.neuron.w] for n in neurons]),
        b=np.array([n.b.data for n in neurons]) if has_bias else None,
        kept=np.array([x.data for x in kept]), u=np.array([n.u.data for n in neurons]),
        y=np.array([n.y.data for n in neurons]), dE_dy=np.array([n.y.grad for n in neurons]),
        f_prime=np.array([_f_prime(n, local) for n in neurons]),
        delta=np.array([n.u.grad for n in neurons]),
        dE_dW=np.array([[into.get(w, 0.0) for w, _, _ in n.inputs] for n in neurons]),
        dE_db=np.array([into.get(n.b, 0.0) for n in neurons]) if has_bias else None,
        passed=np.array(passed))


def _f_prime(n, local: dict) -> float:
    """f'(u): the local gradient the activation's node handed back during the pass (for
    an activation of several nodes, such as u·σ(u), the engine's ∂y/∂u over them)."""
    if n.y is n.u:
        return 1.0
    if n.y.parents == (n.u,):
        return local[(n.y, n.u)]
    return grad(n.y, n.u)
