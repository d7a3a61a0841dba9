"""nn.graph: what a model tells autograd's drawings: each neuron's nodes, the one name of
every neuron (L1N3: layer 1, neuron 3, counted from 1 as the lectures do), the boxes."""

import pytest

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
    assert "<I>L1N3.w2</I>" in src  # parameters are named after their neuron (italic: automatic)
    assert "<I>L1N3.u</I>" in src and "<I>L2N1.u</I>" in src  # the lectures' u of each neuron
    collapsed = draw_graph(out, module=model, collapse="neuron").source
    assert collapsed.count('shape=box, style="rounded,filled"') == 4
    assert "n_layers_0_neurons_1 -> n_layers_1_neurons_0;" in collapsed
    png_size(draw_graph(out, module=model, collapse="neuron").png())



def test_a_models_values_are_named_after_its_neurons():
    model = nn.MLP(2, [2, 1], rng=0)
    loss = (1 - model([0.5, -1.0])).relu()
    order = topological_order(loss)
    names = node_names(order, model.graph_parts(order))
    assert {"x1", "x2", "L1N1.u", "L1N1.y", "L2N1.u", "L1N2.w2", "L2N1.b", "leaf1", "sub1",
            "relu1"} <= set(names.values())
    assert names[loss] == "relu1"  # the loss is not the output neuron's


def test_one_name_per_neuron_counted_as_the_lectures_count():
    from nn.graph import layer_name, neuron_name, parse_neuron_name

    assert layer_name(0) == "L1" and neuron_name(0, 2) == "L1N3" and neuron_name(2, 0) == "L3N1"
    assert parse_neuron_name("L1N3") == (0, 2) and parse_neuron_name("L12N10") == (11, 9)
    for bad in ("L0N1", "L1N0", "l1n1", "L1", "L1N3.u", "N3"):
        with pytest.raises(ValueError, match="L<layer>N<neuron>, both counted from 1"):
            parse_neuron_name(bad)
    with pytest.raises(TypeError, match="name must be a neuron's name"):
        parse_neuron_name(3)
    for bad in (-1, 1.0, True, "0"):
        with pytest.raises(ValueError, match="layer must be an index >= 0"):
            layer_name(bad)
        with pytest.raises(ValueError, match="neuron must be an index >= 0"):
            neuron_name(0, bad)
    model = nn.MLP(2, [3, 2, 1], rng=0)
    assert [name for _, name, _, _ in model.neuron_paths()] == \
        ["L1N1", "L1N2", "L1N3", "L2N1", "L2N2", "L3N1"]
    assert [name for _, name, _, _ in nn.Layer(2, 2, rng=0).neuron_paths()] == ["L1N1", "L1N2"]


def test_no_output_names_a_neuron_or_layer_another_way(tmp_path):
    """Drawings (boxes and their titles, collapsed neurons), the player's page (both views,
    captions, tables), the trace's text, nn.plot's figures and the exercises' messages
    name a neuron L1N3 and a layer L1, never L0N2, layers.0 / neurons.2 or layer 1."""
    import matplotlib

    matplotlib.use("Agg")
    from autograd import backward_trace
    from tests.player import other_name_forms

    model = nn.MLP(2, [3, 2, 1], rng=0)
    loss = (1 - model([0.5, -1.0])).relu()
    drawing = draw_graph(loss, module=model).source
    assert 'label="L1"' in drawing and 'label="L1N3"' in drawing  # the boxes' titles
    texts = [drawing, draw_graph(loss, module=model, collapse="neuron").source]
    trace = backward_trace(loss, module=model)
    texts += [trace.to_html(tmp_path / "page.html").read_text(), trace.text(),
              trace.text(view="neuron"), repr(trace)]
    X, y = nn.data.moons(30, seed=0)
    history = nn.fit(model, X, y, epochs=2, progress=False, record_grad_norms=True)
    fig = nn.plot.neuron_maps(model, X, y, resolution=8)
    texts += [ax.get_title() + " " + ax.get_ylabel() for ax in fig.axes]
    texts += [line.get_label() for line in nn.plot.gradient_norms(history).get_lines()]
    from nn.exercises import WrongAnswer, check_deltas

    for layer in (0, 1):
        with pytest.raises(WrongAnswer) as e:
            check_deltas(model, [0.5, -1.0], 1.0, layer, [9.0] * len(model.layers[layer].neurons))
        texts.append(str(e.value))
    assert all(texts)
    assert [hit for t in texts for hit in other_name_forms(t)] == []
    assert other_name_forms("L0N8, layers.0 / neurons.8, layer 6 (output)") != []
    assert other_name_forms("layers.0.neurons.2.w.0 is L1N3.w1") == []


# --- shared-weight layers: a box per filter, its uses at every position ------------------


def test_a_filter_is_one_box_holding_its_uses_at_every_position():
    from nn.graph import filter_name

    assert filter_name(0, 1) == "L1F2" and filter_name(2, 0) == "L3F1"
    with pytest.raises(ValueError, match="filter must be an index >= 0"):
        filter_name(0, -1)
    conv = nn.Conv1d(8, 2, 3, activation="tanh", rng=0)
    loss = sum(conv([0.1 * i for i in range(8)]))
    order = topological_order(loss)
    parts = conv.graph_parts(order)
    names = node_names(order, parts)
    f = conv.filters[1]
    assert [names[w] for w in f.w] == ["L1F2.w1", "L1F2.w2", "L1F2.w3"]
    assert names[f.b] == "L1F2.b"
    assert {f"L1F2.u{j}" for j in range(1, 7)} | {f"L1F1.y{j}" for j in range(1, 7)} \
        | {f"x{i}" for i in range(1, 9)} <= set(names.values())
    # everything the filter computes, at every position, in its box titled L1F2
    inside = [v for v, box in parts.groups.items() if box == ("filters.1",)]
    assert len(inside) == 4 + 6 * (3 + 1 + 1)  # its parameters; 3 products, u, y per position
    assert parts.titles["filters.1"] == "L1F2"
    # the gradients of its weights and bias arrive from positions
    assert {parts.arrivals[p] for p in (*f.w, f.b)} == {"positions"} and len(parts.arrivals) == 8
    src = draw_graph(loss, module=conv).source
    assert "subgraph cluster_filters_1 {" in src and "<I>L1F2.u6</I>" in src
    # as one node a filter would show one position's numbers as its own: refused
    with pytest.raises(ValueError, match="no units to collapse"):
        draw_graph(loss, module=conv, collapse="neuron")


def test_positions_are_named_only_when_every_one_is_in_the_graph():
    conv = nn.Conv2d((4, 4), 1, 2, rng=0)
    out = conv([float(i) for i in range(16)])
    order = topological_order(out[0] + out[4])  # two of the nine positions
    names = node_names(order, conv.graph_parts(order))
    assert list(names.values()).count("L1F1.u") == 2  # where they sit is not certain: no number
    full = topological_order(sum(out))
    names = set(node_names(full, conv.graph_parts(full)).values())
    assert {"L1F1.u[1,1]", "L1F1.u[3,3]", "L1F1.y[2,3]", "x16"} <= names


def test_a_custom_activations_output_stops_where_the_next_layer_begins():
    """y = u·σ(u) is two nodes; the next layer's w * y (w a parameter, not a constant) and
    the loss's y - t are not part of it."""
    from nn.graph import find_neurons

    model = nn.MLP(2, [3, 1], activation=lambda v: v * v.sigmoid(), output_activation=lambda v:
                   v.tanh() * 2, rng=1)
    out = model([0.4, 0.9])
    loss = (out - 0.5) ** 2
    found = find_neurons(model, topological_order(loss))
    hidden = found[0]
    assert hidden.y.op == "*" and hidden.u in hidden.y.parents
    assert hidden.y.parents[1].op == "sigmoid"
    assert found[-1].y is out  # the output neuron's 2·tanh(u), not the loss's (y - t)
