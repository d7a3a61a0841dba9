"""nn.graph: what a model tells autograd's drawings: each neuron's nodes, the one name of
every neuron (L0N3), the boxes of layers and neurons."""

import nn
from autograd import topological_order
from autograd.viz import draw_graph, node_names
from tests.layout import png_size


def test_module_clusters_and_collapsed_neurons():
    model = nn.MLP(2, [3, 1], rng=0)
    out = model([1.0, -1.0])
    out.backward()
    src = draw_graph(out, module=model).source
    assert "subgraph cluster_layers_0 {" in src
    assert "subgraph cluster_layers_0_neurons_2 {" in src
    assert "<I>L0N2.w2</I>" in src  # parameters are named after their neuron (italic: automatic)
    assert "<I>L0N2.u</I>" in src and "<I>L1N0.u</I>" in src  # the lectures' u of each neuron
    collapsed = draw_graph(out, module=model, collapse="neuron").source
    assert collapsed.count('shape=box, style="rounded,filled"') == 4
    assert "n_layers_0_neurons_1 -> n_layers_1_neurons_0;" in collapsed
    png_size(draw_graph(out, module=model, collapse="neuron").png())



def test_a_models_values_are_named_after_its_neurons():
    model = nn.MLP(2, [2, 1], rng=0)
    loss = (1 - model([0.5, -1.0])).relu()
    order = topological_order(loss)
    names = node_names(order, model.graph_parts(order))
    assert {"x1", "x2", "L0N0.u", "L0N0.y", "L1N0.u", "L0N1.w2", "L1N0.b", "leaf1", "sub1",
            "relu1"} <= set(names.values())
    assert names[loss] == "relu1"  # the loss is not the output neuron's
