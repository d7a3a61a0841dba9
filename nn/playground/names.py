"""The playground's names of a neuron and of a layer, wherever it shows one: the network's
column heads, the neuron picker, the captions, the gradient-norm legend. They are nn's one
name (``nn.graph``: the names drawings, tables and players use), counted from 1 as the
lectures count: ``L1N3`` is neuron 3 of the first hidden layer, u_3^(1); the output neuron
of a 2-[4, 2]-1 network is ``L3N1``. A layer alone is ``L1``, ``L2``, ..., and the last one
``L3 (output)``.
"""

from __future__ import annotations

from ..graph import layer_name, neuron_name

__all__ = ["label"]


def label(layer: int, neuron: int | None = None, *, last: bool = False) -> str:
    """The name of ``model.layers[layer].neurons[neuron]`` (0-based indices), e.g.
    ``L1N3``; of ``model.layers[layer]`` itself with ``neuron=None`` (``L1``), marked
    ``(output)`` for the model's last layer (``last=True``)."""
    if neuron is not None:
        return neuron_name(layer, neuron)
    return f"{layer_name(layer)} (output)" if last else layer_name(layer)
