"""autograd.viz.scene: what a drawing shows: DOT structure, golden files, escaping, refusal
of huge graphs, a model's boxes, each edge label on its own edge in the layout."""

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import Value
from autograd.viz import draw_graph
from tests.autograd.graphs import micrograd_expression, tanh_neuron
from tests.layout import laid_out, touches

GOLDEN = Path(__file__).parent / "golden"


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


def test_bad_arguments():
    v = Value(1.0) * 2
    for kwargs, match in [({"rankdir": "XY"}, "rankdir"), ({"edge_labels": "x"}, "edge_labels"),
                          ({"collapse": "neuron"}, "module")]:
        with pytest.raises(ValueError, match=match):
            draw_graph(v, **kwargs)
    with pytest.raises(TypeError):
        draw_graph(3.0)


@pytest.mark.parametrize("edge_labels", ["flow", "local"])
def test_each_label_sits_on_its_own_edge_in_the_layout(edge_labels):
    """The README neuron: every label is a box on its own edge's path (Graphviz's
    laid-out coordinates), its text that edge's numbers."""
    from autograd import local_gradients, topological_order
    from autograd.viz.style import fmt as _fmt

    root = tanh_neuron()
    root.backward()
    source = draw_graph(root, edge_labels=edge_labels).source
    laid = laid_out(source)
    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    checked = 0
    for v in order:
        for j, (p, local) in enumerate(zip(v.parents, local_gradients(v))):
            i, label = index[v], f"l{index[v]}_{j}"
            start, end = laid["edges"][f"e{i}_{j}"]
            assert touches(start, laid["nodes"][f"v{index[p]}"]), (p.label, "tail")
            assert touches(end, laid["nodes"][label]), (p.label, "label")
            start, end = laid["edges"][f"f{i}_{j}"]
            assert touches(start, laid["nodes"][label]) and touches(end, laid["nodes"][f"o{i}"])
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


