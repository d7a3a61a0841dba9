"""autograd.viz.scene: what a drawing shows: DOT structure, golden files, escaping, refusal
of huge graphs, a model's boxes, each edge label on its own edge in the layout; large
drawings placed by viz.layout, Graphviz only drawing them."""

import html
import json
import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, backward_trace
from autograd.viz import GraphDrawing, Scene, draw_graph
from autograd.viz.scene import GRAPHVIZ_MAX_NODES
from autograd.viz.style import MAX_TEXT, visible
from tests.autograd.graphs import micrograd_expression, tanh_neuron
from tests.layout import laid_out, node_positions, touches

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




def chain(n: int) -> Value:
    x = Value(0.5, label="x")
    for _ in range(n):
        x = (x * 1.01).tanh()
    return x


def test_a_large_drawing_is_placed_in_python_and_graphviz_only_draws_it():
    """Over GRAPHVIZ_MAX_NODES nodes the layered layout of viz.layout places every node
    (dot's own layout grows about as the square of the nodes); the drawing renders, no
    two boxes overlap, the chain reads left to right on one line."""
    root = chain(320)
    root.backward()
    scene = Scene(root, max_nodes=None)
    assert scene.n_nodes > GRAPHVIZ_MAX_NODES and scene.layout == "layers"
    assert Scene(chain(10)).layout == "dot"
    source = draw_graph(root, max_nodes=None).source
    assert "layout=nop" in source
    statements = [line for line in source.splitlines()
                  if re.match(r"\s+(?!graph|node|edge)\w+ \[", line)]
    assert statements and all('pos="' in line for line in statements)
    boxes = node_positions(GraphDrawing(source).svg())
    values = sorted((b for i, b in boxes.items() if re.fullmatch(r"v\d+", i)),
                    key=lambda b: b[0])
    assert len(values) == len(scene.drawn)
    for a, b in zip(values, values[1:]):  # boxes of a column never overlap
        assert a[2] <= b[0] or a[3] <= b[1] or b[3] <= a[1]
    index = scene.index
    links = [v for v in scene.order if v.op == "tanh"]
    ys = {boxes[f"v{index[v]}"][1] for v in links}
    assert max(ys) - min(ys) <= 1  # the chain on one line
    xs = [boxes[f"v{index[v]}"][0] for v in links]
    assert xs == sorted(xs)


def test_layers_draws_a_models_boxes_around_their_nodes():
    """layout="layers" on a small model: each box (cluster) drawn around its nodes, the
    layer boxes left to right in the model's order, as Graphviz's clusters are."""
    from tests.autograd.viz.test_model import Blocks

    model = Blocks()
    out = (model([Value(1.0, label="x1"), Value(2.0, label="x2")]) - 1.0).relu()
    out.backward()
    drawing = draw_graph(out, module=model, layout="layers")
    assert 'bb="' in drawing.source and "subgraph cluster_all" in drawing.source
    svg = drawing.svg()
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    clusters = {g.find(f"{ns}title").text: g for g in root.iter(f"{ns}g")
                if g.get("class") == "cluster"}
    assert set(clusters) == {"cluster_all", "cluster_blk"}
    boxes = node_positions(svg)

    def extent(g):
        xs, ys = [], []
        shape = g.find(f"{ns}path")  # rounded: a path; dashed: a polygon
        text = shape.get("d") if shape is not None else g.find(f"{ns}polygon").get("points")
        for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", text):
            xs.append(float(x))
            ys.append(float(y))
        return min(xs), min(ys), max(xs), max(ys)

    inner = extent(clusters["cluster_blk"])
    scene = Scene(out, module=model)
    inside = [boxes[f"v{scene.index[v]}"] for v, path in scene.owner.items() if "blk" in path]
    assert len(inside) == 2  # the block: its sum, and the sum minus 1
    for b in inside:
        assert inner[0] <= b[0] and b[2] <= inner[2] and inner[1] <= b[1] and b[3] <= inner[3]
    with pytest.raises(ValueError, match="layout must be"):
        draw_graph(out, layout="neato")


def test_frames_of_a_large_trace_keep_every_place():
    trace = backward_trace(chain(320))
    first, last = trace.frame(0).source, trace.frame(len(trace.steps)).source
    places = lambda s: re.findall(r'^\s+(\w+) \[pos="([^"]+)"', s, re.M)  # noqa: E731
    assert places(first) == places(last) and len(places(first)) > GRAPHVIZ_MAX_NODES
    assert first != last  # the numbers changed, nothing moved


# --- every string reaching DOT: escaped, or replaced where it would be invalid ----------

ANY_CHARACTER = st.one_of(
    st.characters(exclude_categories=()),          # controls, private use, unassigned ...
    st.integers(0xD800, 0xDFFF).map(chr),          # lone surrogates
    st.sampled_from(["\x00", "\x07", "\x1b", "\ufffe", "\uffff", "\\", '"', "<", ">", "&",
                     "\n", "{", "}", "|", "-", " "]))
ANY_TEXT = st.text(ANY_CHARACTER, min_size=1, max_size=40)


def svg_text(svg: str) -> str:
    root = ET.fromstring(svg)  # valid XML
    return "".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))


def page_data(path) -> dict:
    page = Path(path).read_bytes().decode("utf-8")  # valid UTF-8
    return json.loads(re.search(r'id="glp-data">(.*?)</script>', page, re.S).group(1))


@pytest.mark.parametrize("label", ["nul\x00here", "bell\x07 esc\x1b[31m", "bad\ufffe\uffff",
                                   "lone \ud800 \udfff", "x" * 17_000, 'a "quote" and \\',
                                   "<b>&amp;</b>"],
                         ids=["nul", "controls", "noncharacters", "surrogates", "17000 chars",
                              "quote", "markup"])
def test_labels_graphviz_refused_are_drawn_replaced_visibly(label, tmp_path):
    v = Value(1.5, label=label) * Value(2.0, label="y")
    v.label = label
    v.backward()
    shown = visible(label)
    assert len(shown) <= MAX_TEXT and visible(shown) == shown
    assert "\x00" not in shown and "\ud800" not in shown and "\ufffe" not in shown
    if label.startswith("nul"):
        assert shown == "nul␀here"
    if len(label) > MAX_TEXT:
        assert shown.endswith("… (+16,830 characters)")
    for layout in ("dot", "layers"):
        drawn = svg_text(draw_graph(v, edge_labels="flow", layout=layout).svg())
        assert "".join(shown.split()) in "".join(drawn.split())
    data = page_data(backward_trace(v).to_html(tmp_path / "page.html"))
    assert visible(label, None) in data["views"][0]["names"].values()  # tables: all of it


@given(ANY_TEXT)
def test_any_label_draws_and_pages(label):
    v = (Value(1.5, label=label) * Value(2.0, label=label)).relu()
    v.label = label
    v.backward()
    drawn = svg_text(draw_graph(v, edge_labels="flow").svg())
    assert "".join(visible(label).split()) in "".join(drawn.split())
    with tempfile.TemporaryDirectory() as tmp:
        data = page_data(backward_trace(v).to_html(Path(tmp) / "page.html"))
    assert visible(label, None) in data["views"][0]["names"].values()
