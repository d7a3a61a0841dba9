"""The backward step-through: same gradients as backward(), one step per edge,
frames with one layout, frames as data, the network view's deltas, the page and
the Jupyter output (their behaviour in a real browser: test_player.py)."""

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, topological_order
from autograd.viz.style import fmt as _fmt
from autograd.viz.trace import backward_trace
from tests.autograd.graphs import micrograd_expression, tanh_neuron
from tests.layout import edge_paths, node_positions


def _leaves_and_nodes(root):
    from autograd import topological_order

    return topological_order(root)


def test_trace_gradients_equal_backward_exactly():
    g1, a1, b1 = micrograd_expression()
    g2, a2, b2 = micrograd_expression()
    trace = backward_trace(g1)
    g2.backward()
    assert (a1.grad, b1.grad) == (a2.grad, b2.grad)
    assert (a1.grad, b1.grad) == pytest.approx((138.83381924198252, 645.5772594752186), rel=1e-14)
    for n1, n2 in zip(_leaves_and_nodes(g1), _leaves_and_nodes(g2)):
        assert n1.grad == n2.grad
    edges = sum(len(n.parents) for n in _leaves_and_nodes(g1))
    assert len(trace) == edges


def test_fan_out_accumulates_in_separate_steps():
    a = Value(3.0, label="a")
    out = a * a + a
    trace = backward_trace(out)
    into_a = [s for s in trace.steps if s.parent is a]
    assert len(into_a) == 3
    assert [s.after for s in into_a] == [1.0, 4.0, 7.0]  # += 1, += a, += a
    assert a.grad == 7.0
    assert into_a[1].before == into_a[0].after


def test_leaves_accumulate_across_calls_like_backward():
    a = Value(2.0)
    out = a * a
    out.backward()
    backward_trace(out)
    assert a.grad == 8.0


OPS = [lambda a, b: a * b, lambda a, b: a + b, lambda a, b: a.tanh(),
       lambda a, b: Value.sum([a, b, a]), lambda a, b: a.sigmoid() - b,
       lambda a, b: (a * 0.5).relu()]


@given(st.lists(st.floats(-2, 2), min_size=3, max_size=3),
       st.lists(st.integers(0, 5), min_size=1, max_size=12))
def test_trace_equals_backward_on_random_graphs(xs, program):
    def build():
        leaves = [Value(x) for x in xs]
        nodes = list(leaves)
        for i, code in enumerate(program):
            a, b = nodes[i % len(nodes)], nodes[(i * 7 + code) % len(nodes)]
            nodes.append(OPS[code](a, b))
        return Value.sum(nodes[3:]), leaves

    r1, l1 = build()
    r2, l2 = build()
    backward_trace(r1)
    r2.backward()
    assert [v.grad for v in l1] == [v.grad for v in l2]


def test_table_and_text():
    trace = backward_trace(tanh_neuron())
    rows = trace.table()
    assert rows[0] == {"step": 1, "node": "o", "input": "n", "upstream": 1.0,
                       "local": pytest.approx(0.5), "contribution": pytest.approx(0.5),
                       "before": 0.0, "after": pytest.approx(0.5)}
    assert all(r["contribution"] == pytest.approx(r["upstream"] * r["local"]) for r in rows)
    assert "upstream" in trace.text() and len(trace.text().splitlines()) == len(rows) + 1
    names = {r["node"] for r in rows} | {r["input"] for r in rows}
    assert {"mul1", "mul2"} <= names  # unlabelled products get names, never "*"


def test_every_frame_has_the_same_layout_and_edges_meet_their_boxes():
    """Boxes are sized for every number they will show, so each frame is the same
    picture: same node boxes, same edge paths (so edges still meet the boxes),
    labels kept."""
    trace = backward_trace(tanh_neuron())
    first = trace.frame(0).svg()
    boxes, paths = node_positions(first), edge_paths(first)
    for k in (1, 4, len(trace)):
        svg = trace.frame(k).svg()
        assert node_positions(svg) == boxes
        assert edge_paths(svg) == paths
        assert "local" in svg or "×" in svg  # edge labels in every frame
    assert trace.frame(len(trace)).source.count(" × ") == len(trace)  # every edge's flow


def test_frames_show_progress():
    trace = backward_trace(tanh_neuron())
    assert trace.frame(0).source.count("not computed") > trace.frame(4).source.count(
        "not computed") > trace.frame(len(trace)).source.count("not computed")
    assert 'color="#e6a700"' in trace.frame(2).source
    with pytest.raises(IndexError):
        trace.frame(len(trace) + 1)
    with pytest.raises(IndexError):
        trace.frame(True)


def test_frame_data_carries_only_what_each_step_changes():
    trace = backward_trace(tanh_neuron())
    data = trace.frame_data()
    assert len(data["steps"]) == len(trace)
    for step, s in zip(data["steps"], trace.steps):
        grads = [c for c in step["set"] if c[0].startswith("v")]
        assert len(grads) == 1  # one gradient changes per step
        assert grads[0][1].startswith(f"grad {_fmt(s.after)}")
        assert len(step["hot"]) == 5  # the node, its op, the edge (two halves), the input
    # the final numbers are exactly backward()'s
    order = topological_order(trace.root)
    reference = tanh_neuron()
    reference.backward()
    for v, r in zip(order, topological_order(reference)):
        assert data["exact"][f"v{order.index(v)}"] == r.grad
        assert f"grad {_fmt(r.grad)}" in trace.frame(len(trace)).source


def test_partial_gradients_say_how_many_paths_arrived():
    a = Value(3.0, label="a")
    trace = backward_trace(a * a + a)
    texts = [c[1] for step in trace.frame_data()["steps"] for c in step["set"]
             if c[0] == f"v{trace.order.index(a)}"]
    assert texts == ["grad 1.0000 (1 of 3)", "grad 4.0000 (2 of 3)", "grad 7.0000"]
    assert "3 of 3 paths arrived" in trace.caption(len(trace))


def test_earlier_leaf_gradients_are_a_step_of_their_own():
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    out = a * b
    out.backward()  # a.grad = 5, b.grad = 2 held before the traced pass
    trace = backward_trace(out)
    assert (a.grad, b.grad) == (10.0, 4.0)
    last = trace.steps[-2:]
    assert all(s.node is None for s in last) and {s.parent for s in last} == {a, b}
    assert "zero_grad" in trace.caption(len(trace))
    assert trace.frame_data()["exact"][f"v{trace.order.index(a)}"] == a.grad == 10.0


def test_labels_with_brackets_and_options_reach_the_layout(tmp_path):
    w = Value(2.0, label="w[0]")
    x = Value(3.0, label="x[0] ]")
    out = (w * x).tanh()
    trace = backward_trace(out)
    assert trace.frame(1).svg().count("<svg") == 1
    trace.to_html(tmp_path / "b.html")
    tall = node_positions(trace.frame(1, rankdir="TB").svg())
    wide = node_positions(trace.frame(1).svg())
    height = lambda boxes: max(b[3] for b in boxes.values()) - min(b[1] for b in boxes.values())
    assert height(tall) > 2 * height(wide)  # rankdir reached the layout
    assert "local" in trace.frame(1).source and "local" not in trace.frame(
        1, edge_labels=None).source


def test_html_page_is_one_drawing_plus_data(tmp_path):
    trace = backward_trace(tanh_neuron())
    path = trace.to_html(tmp_path / "steps.html")
    page = path.read_text()
    assert page.count("<svg") == 1  # laid out once, not once per frame
    data = json.loads(re.search(r'<script type="application/json" id="glp-data">(.*?)</script>',
                                page, re.S).group(1))
    assert len(data["views"][0]["steps"]) == len(trace)
    for control in ('data-act="prev"', 'data-act="next"', 'data-act="play"', 'type="range"',
                    "glp-speed"):
        assert control in page
    urls = re.findall(r'(?:src|href)="(https?://[^"]+)"', page)
    assert urls == []  # nothing loaded from the network
    assert "<script src" not in page and "<link" not in page
    assert len(page.encode()) <= 60_000  # the README neuron: was 157 KB with every frame


def test_page_size_grows_linearly_with_steps(tmp_path):
    def chain(n):
        v = Value(0.5, label="x")
        for _ in range(n):
            v = (v * 1.01).tanh()
        return backward_trace(v).to_html(tmp_path / f"chain{n}.html").stat().st_size

    small, large = chain(40), chain(80)
    assert large <= 2 * small


def test_jupyter_output_is_the_player_with_a_still_fallback_of_pictures():
    """Where scripts do not run (an untrusted notebook, GitHub) the output shows the
    first and last frames as PNG pictures (no inline SVG, which JupyterLab does not show
    untrusted) and the step table; the last frame's PNG also rides beside the HTML."""
    import base64

    from tests.layout import png_size

    trace = backward_trace(tanh_neuron())
    out = trace._repr_html_()
    static = out.split("<script>")[0]
    assert static.count("<svg") == 0 and static.count('<img src="data:image/png;base64,') == 2
    assert static.count("<tr>") == len(trace) + 1  # the step table
    assert "glPlayer" in out and out.count("<script>") == 1
    bundle = trace._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/png", "text/plain"}
    width, height = png_size(base64.b64decode(bundle["image/png"]))
    assert width > 300 and height > 100
    assert bundle["image/png"] in bundle["text/html"]  # the last frame, as in the fallback
    assert bundle["text/plain"] == repr(trace) and "BackwardTrace(8 steps" in repr(trace)
    shown = trace.show()  # the same output, to display
    assert "glPlayer" in shown.data and shown.data.count("<img") == 2


def test_a_large_graphs_still_pictures_are_scaled_down(tmp_path):
    v = Value(0.5, label="x")
    for _ in range(60):
        v = (v * 1.01).tanh()
    trace = backward_trace(v)
    from tests.layout import png_size

    assert png_size(trace.frame(0).png())[0] > 3000
    from autograd.viz.player import still_png

    assert png_size(still_png(trace.view(), 0))[0] <= 12 * 96 + 8


def test_hostile_labels_stay_data(tmp_path):
    evil = "</script><script>alert('x')</script>"
    a = Value(1.0, label=evil)
    b = Value(2.0, label='"q" & <b> \n' + "z" * 10_000)
    out = a * b
    out.label = "<!-- end"
    trace = backward_trace(out)
    page = trace.to_html(tmp_path / "evil.html").read_text()
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "<b>" not in page and "<!-- end" not in page
    frag = trace._repr_html_()
    assert frag.count("<script") == 1 and frag.count("</script>") == 1


def test_bad_arguments(tmp_path):
    with pytest.raises(TypeError):
        backward_trace(1.0)
    with pytest.raises(TypeError):
        backward_trace(Value(1.0), gradient="1")
    with pytest.raises(ValueError, match="module"):
        backward_trace(Value(1.0) * 2, collapse="neuron")
    with pytest.raises(TypeError, match="named_parameters"):
        backward_trace(Value(1.0) * 2, module=3)
    with pytest.raises(ValueError, match="view"):
        backward_trace(Value(1.0) * 2).table(view="layers")
    with pytest.raises(ValueError, match="module="):
        backward_trace(Value(1.0) * 2).frame(0, view="neuron")
    with pytest.raises(TypeError, match="edge_labels, precision, rankdir; got module"):
        backward_trace(Value(1.0) * 2).frame(0, module=None)
    with pytest.raises(TypeError, match="title"):
        backward_trace(Value(1.0) * 2).to_html(tmp_path / "t.html", title=3)


def test_a_graph_too_big_to_lay_out_is_refused_and_nothing_is_written(tmp_path):
    v = Value(0.5)
    for _ in range(26_000):
        v = v * 1.0
    trace = backward_trace(v)
    target = tmp_path / "big.html"
    target.write_text("the user's old file")
    with pytest.raises(ValueError, match="collapse='neuron'.*focus="):
        trace.to_html(target)
    assert target.read_text() == "the user's old file"
    assert [p.name for p in tmp_path.iterdir()] == ["big.html"]  # no temporary left
    lines = trace.text().splitlines()  # text needs no layout
    assert len(lines) == 1 + len(trace.steps) and lines[-1].split()[0] == str(len(trace.steps))
    assert "too many to lay out" in trace._repr_html_()  # the table, and why no player


def test_precision_is_checked_once_with_a_clear_error():
    trace = backward_trace(tanh_neuron())
    for bad in (-3, 13, 2.5, True, "4"):
        with pytest.raises(ValueError, match="precision must be an int from 0 to 12"):
            trace.text(precision=bad)
        with pytest.raises(ValueError, match="precision must be an int from 0 to 12"):
            trace.frame(0, precision=bad)
    assert trace.text(precision=0).splitlines()[1].split()[3] == "1"  # upstream 1, no decimals


def test_the_forward_pass_first_then_the_backward_pass():
    """forward=True: each computed value appears in a topological order (inputs first,
    as the expression reads), with its local gradients on its input edges; then the
    backward pass starts from the root's 1 and runs as without it."""
    plain, trace = backward_trace(tanh_neuron()), backward_trace(tanh_neuron(), forward=True)
    names = trace.names
    assert [names[f.node] for f in trace.forward_steps] == ["mul1", "mul2", "n", "o"]
    assert [f.value for f in trace.forward_steps] == [f.node.data for f in trace.forward_steps]
    assert trace.forward_steps[2].inputs == (-6.0, 0.0, 6.8813735870195432)
    fwd = len(trace.forward_steps)
    assert len(trace) == fwd + 1 + len(plain.steps)
    view, index = trace.view(), trace.view().scene.index
    cells, labels = view.state_at(0)
    leaf = trace.order[0]
    assert cells[f"d{index[trace.root]}"][0] == "data ?"
    assert leaf.is_leaf and f"d{index[leaf]}" not in cells  # a leaf's data is given
    assert "data -3.0000" in trace.frame(0).source  # w1's
    assert all(t == "not computed" for k, (t, _) in cells.items() if k[0] == "v")
    assert set(labels.values()) == {"local ?"}
    cells, labels = view.state_at(3)  # mul1, mul2, n computed
    n = next(v for v in trace.order if v.label == "n")
    assert cells[f"d{index[n]}"][0] == "data 0.8814" and cells[f"d{index[trace.root]}"][0] == \
        "data ?"
    assert labels[f"l{index[n]}_0"] == "local 1.0000"
    assert "forward 3/4: n = mul1 + mul2 + b = -6.0000 + 0.0000 + 6.8814 = 0.8814" in \
        trace.caption(3)
    assert "data 0.8814" in trace.frame(3).source and "data ?" in trace.frame(3).source
    assert trace.caption(fwd + 1).startswith("backward: start from ∂o/∂o = 1.0000")
    assert view.state_at(fwd + 1)[0][f"v{index[trace.root]}"][0] == "grad 1.0000"
    for k in range(len(plain.steps) + 1):  # then the backward pass as without forward=True
        grads = {i: c for i, c in view.state_at(fwd + 1 + k)[0].items() if i[0] == "v"}
        assert grads == plain.view().state_at(k)[0]
        assert view.state_at(fwd + 1 + k)[1] == plain.view().state_at(k)[1]
        if k:
            assert trace.caption(fwd + 1 + k) == plain.caption(k)
    rows = trace.table()
    assert list(rows[0]) == ["step", "node", "computes", "value"] and rows[2]["computes"] == \
        "mul1 + mul2 + b"
    assert [r["step"] for r in rows] == list(range(1, len(trace) + 1))
    text = trace.text().split("\n\n")
    assert len(text) == 2 and text[1].splitlines()[0].split()[:3] == ["step", "node", "input"]
    data = trace.frame_data()
    assert data["backward_from"] == fwd + 1 and data["forward_head"][2] == "computes"
    assert [s["pass"] for s in data["steps"]] == ["forward"] * fwd + ["backward"] * (
        len(trace) - fwd)
    assert data["done"][f"v{index[trace.root]}"][0] == fwd + 1
    with pytest.raises(TypeError, match="forward must be True or False"):
        backward_trace(tanh_neuron(), forward="yes")


class _Encoder:
    """A model with named parameters: its values drawn inside a box of their own."""

    def __init__(self):
        self.w, self.b = [Value(0.5), Value(-2.0)], Value(0.25)

    def named_parameters(self):
        return [("enc.w.0", self.w[0]), ("enc.w.1", self.w[1]), ("enc.b", self.b)]


def test_the_forward_pass_hides_the_values_inside_a_models_boxes_too():
    """With module= a value drawn inside the model's box (a deeper-indented DOT statement)
    says "data ?" until the forward pass computes it, as outside: frame 0 showed every
    number already (a stale picture of what the pass had not computed yet)."""
    enc = _Encoder()
    x = [Value(1.0), Value(2.0)]
    out = Value.sum([w * xi for w, xi in zip(enc.w, x)] + [enc.b]).tanh()
    trace = backward_trace(out, module=enc, forward=True)
    index = trace.view().scene.index
    for k in range(len(trace.forward_steps) + 1):
        source = trace.frame(k).source
        for f in trace.forward_steps:
            cell = re.search(rf'\n *v{index[f.node]} \[[^\n]*<TD[^>]*>(data [^<]*)</TD>',
                             source).group(1)
            assert cell == (f"data {_fmt(f.value, 4)}" if f.number <= k else "data ?"), (k, f)
    assert source.count("    v") > 0  # some values are drawn inside the box


class _SharedWeight:
    """A model (the protocol of viz.model) whose one weight is used at three positions."""

    def __init__(self):
        self.w = Value(0.5)

    def named_parameters(self):
        return [("w", self.w)]

    def graph_parts(self, order):
        from autograd.viz.model import GraphParts

        return GraphParts(names={self.w: "w"}, arrivals={self.w: "positions"})


def test_a_shared_weights_steps_say_how_many_positions_arrived():
    model = _SharedWeight()
    xs = [Value(x, label=f"x{i}") for i, x in enumerate((1.0, 2.0, 3.0), 1)]
    out = Value.sum([model.w * x for x in xs] + [xs[0] * xs[0]])
    trace = backward_trace(out, module=model)
    into_w = [k for k, s in enumerate(trace.steps, 1) if s.parent is model.w]
    assert [trace.caption(k).rsplit(", ", 1)[1] for k in into_w] == \
        ["1 of 3 positions arrived", "2 of 3 positions arrived", "3 of 3 positions arrived"]
    x1_last = max(k for k, s in enumerate(trace.steps, 1) if s.parent is xs[0])
    assert trace.caption(x1_last).endswith("3 of 3 paths arrived")  # x1: one position, x1 * x1
    rows = trace.table()
    assert [rows[k - 1]["arrived"] for k in into_w] == ["1 of 3 positions", "2 of 3 positions",
                                                        "3 of 3 positions"]
    assert rows[x1_last - 1]["arrived"] == "3 of 3 paths" and rows[0]["arrived"] == ""
    assert "3 of 3 positions" in trace.text()
    data = trace.frame_data()
    assert data["head"][-1] == "arrived"
    assert data["done"][f"v{trace.view('scalar').scene.index[model.w]}"][3] == "positions"
    # with the forward pass first, the backward rows keep their column
    for leaf in (model.w, *xs):
        leaf.grad = 0.0
    forward = backward_trace(out, module=model, forward=True)
    backward_rows = forward.table()[-len(rows):]
    assert [r["arrived"] for r in backward_rows] == [r["arrived"] for r in rows]
    # a graph without shared weights keeps its eight columns
    assert "arrived" not in backward_trace(xs[0] * xs[1]).table()[0]


def test_html_is_the_page_to_html_writes(tmp_path):
    trace = backward_trace(tanh_neuron())
    written = trace.to_html(tmp_path / "steps.html", title="One neuron").read_text(encoding="utf-8")
    assert trace.html("One neuron") == written
    assert "<title>One neuron</title>" in written
    with pytest.raises(TypeError, match="title must be a str"):
        trace.html(3)
