"""Graph drawings: DOT structure, golden files, real renders by dot and in-process,
escaping, refusal of huge graphs, module clusters, display fallbacks."""

import html
import re
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from oracles import micrograd_expression

import autograd.viz.dot as viz
import nn
from autograd import Value
from autograd.viz import GraphvizNotFoundError, draw_graph

GOLDEN = Path(__file__).parent / "golden"


def tanh_neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = Value.sum([x1 * w1, x2 * w2, b])
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def png_size(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("name,build", [("micrograd_expression", lambda: micrograd_expression()[0]),
                                        ("tanh_neuron", tanh_neuron)])
def test_golden_dot_after_backward(name, build):
    root = build()
    root.backward()
    source = draw_graph(root, edge_labels="flow").source
    assert source == (GOLDEN / f"{name}.dot").read_text()
    assert source == draw_graph(root, edge_labels="flow").source  # deterministic


def test_identical_graphs_give_identical_dot():
    one, two = tanh_neuron(), tanh_neuron()
    assert draw_graph(one).source == draw_graph(two).source


def test_operands_in_order_and_repeated_operands():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    src_ab, src_ba = draw_graph(a - b).source, draw_graph(b - a).source
    assert src_ab != src_ba
    s = draw_graph(a + a).source
    assert s.count("v0 -> o1") == 2  # a + a: two edges from a


def test_grad_not_computed_is_distinct_from_zero():
    g, a, _ = micrograd_expression()
    before = draw_graph(g).source
    assert "not computed" in before.split("legend")[0]
    g.backward()
    after = draw_graph(g).source
    assert "not computed" not in after.split("legend")[0]
    assert "grad 138.8338" in after


def test_local_gradient_labels_and_dead_relu():
    x = Value(-2.0, label="x")
    y = (x * 3.0).relu()
    y.backward()
    src = draw_graph(y, edge_labels="local").source
    # d(x*3)/dx = 3, d(x*3)/d3 = x = -2, relu' = 0 at a negative input
    assert "local 3.0000" in src and "local -2.0000" in src and "local 0.0000" in src
    assert "dead ReLU" in src


def test_max_nodes_refusal_says_what_to_do():
    x = Value(1.0)
    for _ in range(300):
        x = x * 1.0001
    with pytest.raises(ValueError, match="collapse='neuron'.*focus=.*max_nodes"):
        draw_graph(x, max_nodes=100)


def test_focus_draws_only_ancestors():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    h = a * a
    out = h + b
    src = draw_graph(out, focus=h).source
    assert "<B>a</B>" in src and "<B>b</B>" not in src


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


ESCAPES = ['quote " here', "a < b > c", "fish & chips", "pipe | brace { }", "back\\slash",
           "two\nlines", "ünïcødé ∂ σ →"]


@pytest.mark.parametrize("label", ESCAPES)
def test_every_label_is_escaped_and_renders(label):
    v = Value(1.5, label=label) * Value(2.0, label="y")
    v.label = label
    svg = draw_graph(v).svg()
    root = ET.fromstring(svg)  # valid XML
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for word in label.replace("\\", " ").split():
        if word not in "<>&|{}\"":
            assert word in text


def test_render_with_dot_program():
    drawing = draw_graph(tanh_neuron())
    assert viz.shutil.which("dot"), "CI installs Graphviz; this test needs the dot program"
    w, h = png_size(drawing.png())
    assert w > 300 and h > 50
    assert ET.fromstring(drawing.svg()).tag.endswith("svg")


def test_render_in_process_without_dot(monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    drawing = draw_graph(tanh_neuron())
    w, h = png_size(drawing.png())
    assert w > 300 and h > 50
    assert ET.fromstring(drawing.svg()).tag.endswith("svg")
    assert "v0" in _laid_out(drawing.source)["nodes"]  # the layout as data, in-process too


def test_no_renderer_at_all_explains_how_to_install(monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    with pytest.raises(GraphvizNotFoundError) as info:
        draw_graph(tanh_neuron()).svg()
    for how in ("apt-get install graphviz", "brew", "conda", "pip install pygraphviz"):
        assert how in str(info.value)


def test_save_by_extension(tmp_path):
    drawing = draw_graph(tanh_neuron())
    for ext in ("svg", "png", "pdf", "dot"):
        path = drawing.save(tmp_path / f"graph.{ext}")
        assert path.stat().st_size > 100
    assert (tmp_path / "graph.dot").read_text() == drawing.source
    assert (tmp_path / "graph.pdf").read_bytes()[:4] == b"%PDF"
    with pytest.raises(ValueError, match=".jpg"):
        drawing.save(tmp_path / "graph.jpg")


def test_jupyter_display_never_raises(monkeypatch):
    drawing = draw_graph(tanh_neuron())
    assert "image/svg+xml" in drawing._repr_mimebundle_()

    def broken(*args, **kwargs):
        raise GraphvizNotFoundError("no renderer")

    monkeypatch.setattr(viz, "render", broken)
    bundle = drawing._repr_mimebundle_()
    assert set(bundle) == {"text/plain"} and "no renderer" in bundle["text/plain"]


def test_bad_arguments():
    v = Value(1.0) * 2
    for kwargs, match in [({"rankdir": "XY"}, "rankdir"), ({"edge_labels": "x"}, "edge_labels"),
                          ({"collapse": "neuron"}, "module")]:
        with pytest.raises(ValueError, match=match):
            draw_graph(v, **kwargs)
    with pytest.raises(TypeError):
        draw_graph(3.0)


def _laid_out(source: str) -> dict:
    """Graphviz's own layout of a drawing (json0): node centres and boxes, edge
    endpoints, by the ids the drawing gives them."""
    import json

    layout = json.loads(_json0(source))
    nodes = {}
    for obj in layout["objects"]:
        if "pos" in obj:
            x, y = map(float, obj["pos"].split(","))
            w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
            nodes[obj.get("id", obj["name"])] = (x, y, w, h)
    edges = {}
    for e in layout.get("edges", []):
        parts = e["pos"].split()
        tips = {p[0]: tuple(map(float, p[2:].split(","))) for p in parts if p[:2] in ("e,", "s,")}
        points = [tuple(map(float, p.split(","))) for p in parts if p[:2] not in ("e,", "s,")]
        edges[e["id"]] = (tips.get("s", points[0]), tips.get("e", points[-1]))  # arrow tips
    return {"nodes": nodes, "edges": edges}


def _json0(source: str) -> str:
    return viz.render(source, "json0").decode()


def _touches(point, box, slack=3.0) -> bool:
    (px, py), (x, y, w, h) = point, box
    return abs(px - x) <= w / 2 + slack and abs(py - y) <= h / 2 + slack


@pytest.mark.parametrize("edge_labels", ["flow", "local"])
def test_each_label_sits_on_its_own_edge_in_the_layout(edge_labels):
    """The README neuron: every label is a box on its own edge's path (Graphviz's
    laid-out coordinates), its text that edge's numbers."""
    from autograd import local_gradients, topological_order
    from autograd.viz.style import fmt as _fmt

    root = tanh_neuron()
    root.backward()
    source = draw_graph(root, edge_labels=edge_labels).source
    laid = _laid_out(source)
    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    checked = 0
    for v in order:
        for j, (p, local) in enumerate(zip(v.parents, local_gradients(v))):
            i, label = index[v], f"l{index[v]}_{j}"
            start, end = laid["edges"][f"e{i}_{j}"]
            assert _touches(start, laid["nodes"][f"v{index[p]}"]), (p.label, "tail")
            assert _touches(end, laid["nodes"][label]), (p.label, "label")
            start, end = laid["edges"][f"f{i}_{j}"]
            assert _touches(start, laid["nodes"][label]) and _touches(end, laid["nodes"][f"o{i}"])
            text = re.search(rf'^  {label} \[.*label=<([^>]*)>', source, re.M).group(1)
            up = v.grad
            want = (f"local {_fmt(local)}" if edge_labels == "local" else
                    f"{_fmt(up)} × {_fmt(local)} = {_fmt(up if v.op == 'sum' else up * local)}")
            assert html.unescape(text) == want
            checked += 1
    assert checked == 8
    # the two labels into the same x node are at different heights (not stacked)
    ys = sorted(laid["nodes"][f"l{index[order[-1].parents[0]]}_{j}"][1] for j in range(3))
    assert len(set(ys)) == 3


def test_numbers_have_no_negative_zero_and_small_ones_are_not_zero():
    from autograd.viz.style import fmt as _fmt

    assert _fmt(-0.0) == _fmt(0.0) == "0.0000"
    assert _fmt(-3e-7) == "-3.000e-07" and _fmt(2.5e-5) == "2.500e-05"
    assert _fmt(0.12345678) == "0.1235" and _fmt(-1.5) == "-1.5000"
    assert _fmt(float("nan")) == "nan" and _fmt(float("-inf")) == "-inf"
    x = Value(-0.0, label="x")
    src = draw_graph(x * 2.0).source
    assert "-0.0000" not in src


def test_unlabelled_nodes_get_readable_names():
    from autograd import topological_order
    from autograd.viz import node_names

    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0)
    out = (a * b + c * a).tanh()
    names = node_names(topological_order(out))
    got = {names[v] for v in topological_order(out)}
    assert got == {"a", "b", "leaf1", "mul1", "mul2", "add1", "tanh1"}
    first_product = out.parents[0].parents[0]
    assert names[first_product] == "mul1"  # counted as the expression reads
    src = draw_graph(out).source
    assert "<I>tanh1</I>" in src and "<B>a</B>" in src
    model = nn.MLP(2, [2, 1], rng=0)
    loss = (1 - model([0.5, -1.0])).relu()
    order = topological_order(loss)
    names = node_names(order, model.graph_parts(order))
    assert {"x1", "x2", "L0N0.u", "L0N0.y", "L1N0.u", "L0N1.w2", "L1N0.b", "leaf1", "sub1",
            "relu1"} <= set(names.values())
    assert names[loss] == "relu1"  # the loss is not the output neuron's
