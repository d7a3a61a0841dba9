"""The backward step-through: same gradients as backward(), one step per edge,
frames with a fixed layout, and a self-contained HTML export."""

import re
import sys
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracles import micrograd_expression
from test_viz import tanh_neuron

from autograd import Value
from autograd.trace import backward_trace


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


def _node_positions(svg: str) -> dict:
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    positions = {}
    for g in root.iter(f"{ns}g"):
        if g.get("class") == "node":
            xs, ys = [], []
            for poly in g.iter(f"{ns}polygon"):
                for point in poly.get("points").split():
                    x, y = point.split(",")
                    xs.append(float(x))
                    ys.append(float(y))
            for ell in g.iter(f"{ns}ellipse"):
                xs.append(float(ell.get("cx")))
                ys.append(float(ell.get("cy")))
            if xs:  # the centre of the node's shapes
                positions[g.find(f"{ns}title").text] = (round((min(xs) + max(xs)) / 2),
                                                        round((min(ys) + max(ys)) / 2))
    return positions


def test_every_frame_has_the_same_layout():
    trace = backward_trace(tanh_neuron())
    first = _node_positions(trace.frame(0).svg())
    for k in (1, 4, len(trace)):
        assert _node_positions(trace.frame(k).svg()) == first


def test_frames_show_progress():
    trace = backward_trace(tanh_neuron())
    assert trace.frame(0).source.count("not computed") > trace.frame(4).source.count(
        "not computed") > trace.frame(len(trace)).source.count("not computed")
    assert 'color="#e6a700"' in trace.frame(2).source
    with pytest.raises(IndexError):
        trace.frame(len(trace) + 1)


def test_html_export_is_self_contained_with_every_frame(tmp_path):
    trace = backward_trace(tanh_neuron())
    path = trace.to_html(tmp_path / "steps.html")
    page = path.read_text()
    assert page.count('class="frame"') == len(trace) + 1
    assert page.count("<svg") == len(trace) + 1
    for control in ('id="prev"', 'id="next"', 'id="play"', 'type="range"'):
        assert control in page
    urls = re.findall(r'(?:src|href)="(https?://[^"]+)"', page)
    assert urls == []  # nothing loaded from the network
    assert "<script src" not in page and "<link" not in page


def test_jupyter_filmstrip_and_stepper():
    trace = backward_trace(tanh_neuron())
    strip = trace._repr_html_()
    assert strip.count("<svg") == len(trace) + 1 and "figcaption" in strip
    assert trace.show() is None  # displays an ipywidgets stepper
    assert "BackwardTrace(8 steps" in repr(trace)


def test_jupyter_without_ipywidgets_falls_back_to_the_filmstrip(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    trace = backward_trace(tanh_neuron())
    shown = trace.show()
    assert shown.data.count("<svg") == len(trace) + 1


def test_bad_arguments():
    with pytest.raises(TypeError):
        backward_trace(1.0)
    with pytest.raises(TypeError):
        backward_trace(Value(1.0), gradient="1")
