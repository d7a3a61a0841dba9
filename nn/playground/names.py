"""The playground's one name of a neuron and of a layer, wherever it shows one: the
network's column heads, the neuron picker, the captions, the gradient-norm legend.

nn's scheme (``nn.graph``: the names drawings, tables and players use): layer and
neuron counted from 0, so ``L0N3`` is neuron 3 of the first hidden layer, and the
output neuron of a 2-[4, 2]-1 network is ``L2N0``. A layer alone is ``L0``, ``L1``,
..., and the last one ``output``.
"""

from __future__ import annotations

__all__ = ["label"]


def label(layer: int, neuron: int | None = None, *, last: bool = False) -> str:
    """``L0N3`` for neuron 3 of layer 0; ``L0`` for layer 0 itself (``neuron=None``),
    ``output`` for the model's last layer (``last=True``)."""
    if neuron is not None:
        return f"L{layer}N{neuron}"
    return "output" if last else f"L{layer}"
