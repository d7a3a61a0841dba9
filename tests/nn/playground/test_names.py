"""nn.playground.names: the playground's one name of a neuron and of a layer, and that
it is nn's own (the names the drawings, tables and step-through players use)."""

import nn
from nn.playground.names import label


def test_one_name_per_neuron_and_per_layer():
    assert label(0, 3) == "L1N4" and label(2, 0) == "L3N1"
    assert label(0) == "L1" and label(5) == "L6" and label(2, last=True) == "L3 (output)"


def test_the_playgrounds_neuron_names_are_nns_own():
    model = nn.MLP(3, [4, 2, 1], rng=0)
    positions = [(i, j) for i, layer in enumerate(model.layers) for j in range(layer.nout)]
    assert [name for _, name, _, _ in model.neuron_paths()] == \
        [label(i, j) for i, j in positions]
