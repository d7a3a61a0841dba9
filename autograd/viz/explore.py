"""Change a value and watch it flow: a drawing of a small graph in Jupyter in which the
learner changes a leaf (an input, a weight, a target) and sees every value and every
gradient recomputed by the engine, in place.

    ex = explore(o)                      # the README neuron: a box per named leaf
    ex                                   # in JupyterLab: pick w1, type -2.5, Enter
    ex.set("w1", -2.5)                   # or from a cell; ex.root is the new graph's root

The graph is the one the learner built, replayed: each computed node's operation is
applied again (``Value.apply``, the engine's own forward) to the new numbers, in
topological order, and ``autograd.grad`` gives every gradient of that fresh graph
(the learner's ``.grad`` are left as they are). The leaf itself gets the new number
(``leaf.data = x``), so a graph built from it before is stale, as anywhere in the
engine. The drawing keeps its layout: every box and label is sized for any number.
"""

from __future__ import annotations

import base64
import html

from .. import _internal
from ..engine import Value, apply, local_gradients, topological_order
from ..functional import grad
from .dot import GraphDrawing, render
from .model import check_module, graph_parts
from .names import reading_order
from .scene import Scene
from .style import fmt, text_width
from .trace import set_data_cells

__all__ = ["explore", "Explorer"]

MAX_EXPLORE_NODES = 400  # every change lays the drawing out again: keep it quick


def explore(root: Value, *, module=None, leaves=None, edge_labels: str | None = "auto",
            precision: int = 4) -> Explorer:
    """A drawing of ``root``'s graph whose leaves the learner can change (in Jupyter,
    with ipywidgets: pick a leaf, type its new value). ``leaves``: the Values (or their
    names) offered, by default every leaf with a name (its label, or with ``module=`` the
    model's: ``x1``, ``L1N3.w1``). Edge labels ``"flow"`` (upstream × local =
    contribution) while the graph is small, else none; ``"local"`` or None to choose."""
    return Explorer(root, module=module, leaves=leaves, edge_labels=edge_labels,
                    precision=precision)


class Explorer:
    """The graph of ``root`` with values to change: ``set(leaf, x)`` recomputes every
    value and gradient with the engine; ``drawing()`` is the picture now; in Jupyter it
    shows as the drawing with a leaf picker and a number box (``show()``)."""

    def __init__(self, root: Value, *, module=None, leaves=None, edge_labels="auto",
                 precision: int = 4):
        if not isinstance(root, Value):
            raise TypeError(f"explore expects a Value, got {type(root).__name__}")
        if root.is_leaf:
            raise ValueError("explore: root is a leaf; pass the output of an expression")
        check_module(module, None)
        _internal.choice(edge_labels, "edge_labels", ("auto", None, "flow", "local"))
        self.order = topological_order(root)
        if edge_labels == "auto":
            edge_labels = "flow" if len(self.order) <= 120 else None
        self.scene = Scene(root, order=self.order, edge_labels=edge_labels,
                           precision=precision, max_nodes=MAX_EXPLORE_NODES, module=module)
        self.names = self.scene.names
        self.leaves = self._offered(leaves, module)
        self.p, self.edge_labels = self.scene.precision, edge_labels
        self.original = {name: v.data for name, v in self.leaves.items()}
        self.message = f"{self.names[root]} = {fmt(root.data, self.p)}"
        self._widths = self._fixed_widths()
        self._front = None
        self._recompute()

    def _offered(self, leaves, module) -> dict:
        """name -> leaf Value: the ones the learner may change."""
        known = [v for v in reading_order(self.order) if v.is_leaf]
        if leaves is None:  # the labelled and inputs first, then the model's parameters
            given = graph_parts(module, self.order).names
            params = {p: k for k, (_, p) in enumerate(module.named_parameters())} \
                if module is not None else {}
            chosen = sorted((v for v in known if v.label or v in given),
                            key=lambda v: (v in params, params.get(v, 0)))
        else:
            if isinstance(leaves, (str, Value)) or not hasattr(leaves, "__iter__"):
                raise TypeError("explore: leaves must be a list of leaf Values or their names")
            by_name = {self.names[v]: v for v in known}
            chosen = []
            for item in _internal.items(leaves, "explore: leaves", "a list of leaf Values or "
                                        "their names"):
                v = by_name.get(item) if isinstance(item, str) else item
                if not isinstance(v, Value) or v not in self.scene.index or not v.is_leaf:
                    raise ValueError(f"explore: leaves: {item!r} is not a leaf of this graph "
                                     f"(its leaves: {', '.join(by_name)})")
                chosen.append(v)
        if not chosen:
            raise ValueError("explore: no leaf to change: label the inputs and parameters "
                             "(Value(2.0, label='x1')), pass module=model, or leaves=[...]")
        return {self.names[v]: v for v in chosen}

    def _fixed_widths(self) -> dict:
        """Cells and labels sized for a number like -88.8888 (wider ones widen them), so
        that a change moves nothing in the usual range."""
        typical = "-88." + "8" * self.p
        index, out = self.scene.index, {}
        for v in self.order:
            i = index[v]
            out[f"v{i}"] = text_width(f"grad {typical}", 11) + 10
            out[f"d{i}"] = text_width(f"data {typical}", 11) + 10
            for j in range(len(v.parents)):
                label = f"{typical} × {typical} = {typical}" if self.edge_labels == "flow" \
                    else f"local {typical}"
                out[f"l{i}_{j}"] = text_width(label, 9) + 10
        return out

    def _widen(self, texts: dict) -> None:
        """Widen a cell or label for a text that does not fit (it stays wide)."""
        for key, text in texts.items():
            need = text_width(text, 9 if key[0] == "l" else 11) + 10
            if need > self._widths.get(key, 0):
                self._widths[key] = need

    # --- the engine, again --------------------------------------------------------------

    def _recompute(self) -> None:
        """Replay every operation on the leaves' numbers now, then all the gradients."""
        new = {}
        for v in self.order:
            if v.is_leaf:
                new[v] = v
            else:
                ins = [new[p] for p in v.parents]
                new[v] = apply(v._op, ins) if v._op.arity == 0 else apply(v._op, *ins)
        self.values = new
        self.root = new[self.order[-1]]
        self.grads = dict(zip(self.order, grad(self.root, [new[v] for v in self.order])))

    def set(self, leaf, value) -> Explorer:
        """Give ``leaf`` (a name or the Value) a new number and recompute everything.
        A number the graph cannot take (log of a negative) is refused with the engine's
        error, and the leaf keeps its number."""
        v = self.leaves.get(leaf) if isinstance(leaf, str) else leaf
        if v not in self.leaves.values():
            raise ValueError(f"explore: leaf must be one of {', '.join(self.leaves)}, got "
                             f"{leaf!r}")
        old = v.data
        v.data = value  # the engine checks the number
        try:
            self._recompute()
        except (ValueError, ZeroDivisionError, OverflowError) as e:
            v.data = old
            self._recompute()
            raise ValueError(f"{self.names[v]} = {value!r}: {e}") from None
        name = self.names[v]
        self.message = (f"{name}: {fmt(old, self.p)} → {fmt(v.data, self.p)}; "
                        f"{self.names[self.order[-1]]} = {fmt(self.root.data, self.p)}, "
                        f"∂{self.names[self.order[-1]]}/∂{name} = {fmt(self.grads[v], self.p)}")
        if self._front is not None:
            self._front.refresh()
        return self

    def reset(self) -> Explorer:
        """Every offered leaf back to its number when the explorer was made."""
        for name, x in self.original.items():
            self.leaves[name].data = x
        self._recompute()
        self.message = f"reset: {self.names[self.order[-1]]} = {fmt(self.root.data, self.p)}"
        if self._front is not None:
            self._front.refresh()
        return self

    # --- the picture ---------------------------------------------------------------------

    def drawing(self) -> GraphDrawing:
        """The graph with the values and gradients now."""
        grads = {v: self.grads[v] for v in self.order}
        cells, labels = self.scene.static_texts(grads)
        labels = self._labels(labels)
        index = self.scene.index
        data = {f"v{index[v]}": f"data {fmt(self.values[v].data, self.p)}" for v in self.order}
        self._widen({**{f"v{index[v]}": c[0] for v, c in cells.items()},
                     **{f"l{index[v]}_{i}": t for (v, i), t in labels.items()},
                     **{"d" + k[1:]: t for k, t in data.items()}})
        dot = self.scene.dot(cells, labels, widths=self._widths)
        return GraphDrawing(set_data_cells(dot, data, self._widths))

    def _labels(self, labels: dict) -> dict:
        """The edge labels from the recomputed graph (the drawn nodes hold the old one)."""
        if not self.edge_labels:
            return labels
        out = {}
        for (v, i) in labels:
            node = self.values[v]
            local = _local(node, i)
            g = self.grads[v]
            if self.edge_labels == "local":
                out[(v, i)] = self.scene.local_text(local)
            else:
                fan_out = v._op.fan_out
                out[(v, i)] = self.scene.flow_text(g, local, g if fan_out else g * local)
        return out

    def show(self):
        """The live view in Jupyter (needs ipywidgets: ``pip install -e ".[notebooks]"``)."""
        if self._front is None:
            self._front = _Front(self)
        return self._front.box

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The live view where widgets run; the drawing as PNG beside it (an untrusted
        notebook, GitHub); the text elsewhere."""
        bundle, text = {}, repr(self)
        try:
            bundle.update(self.show()._repr_mimebundle_() or {})
        except ImportError as e:
            text += f"\n({e})"
        try:
            bundle["image/png"] = base64.b64encode(self.drawing().png()).decode("ascii")
        except Exception as e:  # a repr must never raise
            text += f"\n({e})"
        bundle["text/plain"] = text
        return bundle

    def __repr__(self) -> str:
        return (f"Explorer({self.message}; change {', '.join(self.leaves)} with "
                ".set(name, value))")


def _local(node: Value, i: int) -> float:
    return local_gradients(node)[i]


class _Front:
    """The widgets: a leaf picker, a number box, reset, the drawing, what changed."""

    def __init__(self, explorer: Explorer):
        try:
            import ipywidgets as w
        except ImportError:
            raise ImportError('explore needs ipywidgets in Jupyter: pip install -e '
                              '".[notebooks]"; without it use .set(name, value) and '
                              '.drawing()') from None
        self.ex = explorer
        names = list(explorer.leaves)
        self.leaf = w.Dropdown(options=names, value=names[0], description="leaf",
                               layout=w.Layout(width="14em"))
        self.number = w.FloatText(value=explorer.leaves[names[0]].data, description="value",
                                  layout=w.Layout(width="14em"))
        self.reset = w.Button(description="reset all")
        self.status = w.HTML()
        self.picture = w.HTML(layout=w.Layout(overflow="auto", max_width="100%"))
        self.picture.add_class("glx-picture")
        self.leaf.observe(self._on_leaf, names="value")
        self.number.observe(self._on_number, names="value")
        self.reset.on_click(self._on_reset)
        self.box = w.VBox([w.HBox([self.leaf, self.number, self.reset]), self.status,
                           self.picture])
        self.refresh()

    def refresh(self) -> None:
        ex = self.ex
        svg = render(ex.drawing().source, "svg").decode()
        self.picture.value = svg[svg.find("<svg"):]
        self.status.value = f"<span class='glx-status'>{html.escape(ex.message)}</span>"
        current = ex.leaves[self.leaf.value].data
        if self.number.value != current:
            self.number.value = current

    def _on_leaf(self, change) -> None:
        self.number.value = self.ex.leaves[change["new"]].data

    def _on_number(self, change) -> None:
        leaf = self.ex.leaves[self.leaf.value]
        if change["new"] == leaf.data:
            return
        try:
            self.ex.set(self.leaf.value, change["new"])
        except (TypeError, ValueError) as e:
            self.status.value = f"<span class='glx-status'>{html.escape(str(e))}</span>"
            self.number.value = leaf.data

    def _on_reset(self, _button) -> None:
        self.ex.reset()
