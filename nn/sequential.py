"""Layers composed: ``Sequential(h_1, ..., h_N)`` computes ỹ = h_N(h_{N−1}(… h_1(x) …)).

The lectures write a deep network as composed modules, each a function with trainable
parameters. A ``Sequential`` holds dense ``Layer``s and shared-weight layers
(``nn.Conv1d``, ``nn.Conv2d``) and feeds each one's outputs to the next: LeCun's kind of
network is ``Sequential(Conv2d((8, 8), 4, 3), Layer(144, 10, activation="linear"))``
(PyTorch: ``torch.nn.Sequential``). An ``MLP`` is the special case of dense layers only.
Its layers are named as an MLP's: ``L1``, ``L2``, ...; a dense layer's neurons ``L2N3``,
a convolution's filters ``L1F2``.
"""

from __future__ import annotations

from . import graph
from .conv import Conv1d, Conv2d
from .modules import (
    Layer,
    Module,
    Parts,
    as_values,
    declared_parameters,
    from_config,
    register_architecture,
)

__all__ = ["Sequential"]

LAYER_TYPES = (Layer, Conv1d, Conv2d)
MAX_LAYERS = 1000


class Sequential(Module):
    """``Sequential(layer_1, ..., layer_N)``: each layer's outputs are the next one's
    inputs (PyTorch: ``torch.nn.Sequential``). The layers are ``nn.Layer``, ``nn.Conv1d``
    or ``nn.Conv2d`` objects, each used once, whose sizes chain (``layer.nout`` of one is
    ``layer.nin`` of the next); they are fixed once built. ``model(x)`` returns a Value
    when the last layer has one output, else a list of Values."""

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        if not layers:
            raise ValueError("Sequential expects at least one layer, got none")
        if len(layers) > MAX_LAYERS:
            raise ValueError(f"Sequential takes at most {MAX_LAYERS} layers, got {len(layers)}")
        for i, layer in enumerate(layers):
            if not isinstance(layer, LAYER_TYPES):
                hint = " (pass its layers: Sequential(conv, *mlp.layers))" \
                    if hasattr(layer, "layers") else ""
                raise TypeError(f"Sequential: layer {graph.layer_name(i)} must be an nn.Layer, "
                                f"nn.Conv1d or nn.Conv2d, got {type(layer).__name__}{hint}")
            if any(layer is other for other in layers[:i]):
                raise ValueError(f"Sequential: layer {graph.layer_name(i)} is the same object "
                                 "as an earlier one; build a new layer for each place")
            if i and layers[i - 1].nout != layer.nin:
                raise ValueError(f"Sequential: {graph.layer_name(i)} takes {layer.nin} inputs but "
                                 f"{graph.layer_name(i - 1)} gives {layers[i - 1].nout} outputs")
        self.__dict__["_layers"] = Parts(layers)

    @property
    def layers(self) -> Parts:
        """The layers, h_1 first (fixed)."""
        return self._layers

    @layers.setter
    def layers(self, value) -> None:
        raise AttributeError("Sequential.layers are fixed when the model is built; build a "
                             "new Sequential for another stack of layers")

    @property
    def nin(self) -> int:
        """The number of inputs (of the first layer)."""
        return self._layers[0].nin

    @property
    def nout(self) -> int:
        """The number of outputs (of the last layer)."""
        return self._layers[-1].nout

    def __call__(self, x):
        h = as_values(x, self.nin, "Sequential")
        for layer in self._layers:
            h = layer._forward(h)
        return h[0] if len(h) == 1 else h

    def named_parameters(self) -> list:
        return self._named_once("layers", self._layers)

    def neuron_paths(self) -> list:
        return [(f"layers.{i}.neurons.{j}", graph.neuron_name(i, j), i, n)
                for i, layer in enumerate(self._layers) if isinstance(layer, Layer)
                for j, n in enumerate(layer.neurons)]

    def filter_paths(self) -> list:
        return [(f"layers.{i}.filters.{k}", graph.filter_name(i, k), i, f, layer)
                for i, layer in enumerate(self._layers) if not isinstance(layer, Layer)
                for k, f in enumerate(layer.filters)]

    def trace_views(self) -> dict:
        """The neuron (δ) view when every layer is dense; with a convolution only the
        step-through of every scalar (the neuron view draws layers of neurons)."""
        return super().trace_views() if not self.filter_paths() else {}

    def linear_layers(self) -> list:
        if self.filter_paths():
            raise TypeError("this Sequential has a convolution, not only layers of neurons "
                            "(its torch_layers() lists both kinds)")
        return [(f"layer {graph.layer_name(i)}", *layer.linear_layers()[0][1:])
                for i, layer in enumerate(self._layers)]

    def torch_layers(self) -> list:
        """What ``to_torch`` builds, layer by layer: ``("linear", (where, W, b,
        activation))`` or ``("conv", (where, W, b, activation, in_shape))``."""
        out = []
        for i, layer in enumerate(self._layers):
            where = f"layer {graph.layer_name(i)}"
            if isinstance(layer, Layer):
                out.append(("linear", (where, *layer.linear_layers()[0][1:])))
            else:
                out.append(("conv", (where, *layer.conv_layer()[1:])))
        return out

    def to_torch(self):
        """The ``torch.nn.Sequential`` (float64) with these numbers: ``Linear`` +
        activation per dense layer, ``Unflatten``, ``Conv1d``/``Conv2d`` + activation and
        ``Flatten`` per convolution (``nn.pytorch.to_torch``)."""
        from .pytorch import to_torch
        return to_torch(self)

    def config(self) -> dict | None:
        configs = [layer.config() for layer in self._layers]
        if any(c is None for c in configs):
            return None
        return {"type": "Sequential", "layers": configs}

    def _returns_value(self) -> bool:
        return self.nout == 1

    def _n_outputs(self) -> int:
        return self.nout

    def __repr__(self) -> str:
        lines = [f"  (layers.{i}): {layer!r}" for i, layer in enumerate(self._layers)]
        return "Sequential(\n" + "\n".join(lines) + f"\n)  # {self.num_parameters} parameters"


def _layer_configs(config: dict) -> list:
    layers = config.get("layers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        raise ValueError(f"'layers' must be a list of 1 to {MAX_LAYERS} layers, "
                         f"got {layers!r:.80}")
    for c in layers:
        if not isinstance(c, dict) or c.get("type") not in ("Layer", "Conv1d", "Conv2d"):
            raise ValueError(f"a Sequential's layers are Layer, Conv1d or Conv2d, got {c!r:.80}")
    return layers


register_architecture(
    "Sequential",
    lambda config: sum(declared_parameters(c) for c in _layer_configs(config)),
    lambda config: Sequential(*[from_config(c) for c in _layer_configs(config)]))
