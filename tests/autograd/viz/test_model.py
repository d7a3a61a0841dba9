"""autograd.viz.model: the protocol through which a model (``module=``) tells a drawing and a
step-through what it knows, tested with small models of the tests' own (autograd knows
nothing of nn; tests/nn/test_graph.py checks nn's side of the protocol)."""

import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from autograd import Value, backward_trace, draw_graph, topological_order
from autograd.viz import GraphParts
from autograd.viz.model import generic_parts, graph_parts, trace_views
from autograd.viz.style import visible


class Linear:
    """Any model with named_parameters(): here y = w0 x0 + w1 x1 + b."""

    def __init__(self):
        self.w = [Value(0.5), Value(-2.0)]
        self.b = Value(0.25)

    def named_parameters(self):
        return [("enc.w.0", self.w[0]), ("enc.w.1", self.w[1]), ("enc.b", self.b)]

    def __call__(self, x):
        return Value.sum([w * xi for w, xi in zip(self.w, x)] + [self.b])


class Blocks(Linear):
    """A model that answers the whole protocol: its own names, a box per unit (a 'block'),
    and a step-through view of its own."""

    def graph_parts(self, order):
        u = next(v for v in order if v.op == "sum")
        box = {v: ("all", "blk") for v in order if v is u or v.parents and u in v.parents}
        return GraphParts(names={self.b: "bias"}, groups=box, titles={"all": "A", "blk": "B"},
                          prefixes={"blk": "B0"}, unit="block")

    def trace_views(self):
        return {"block": BlockView}


class BlockView:
    """A one-step view: the smallest thing the player accepts."""

    name, title = "block", "the block"

    def __init__(self, trace, rankdir="LR", precision=4):
        self.block_steps = ["one"]
        self.data = {"name": self.name, "title": self.title, "start": "start", "head": ["step"],
                     "steps": [{"set": [], "hot": [], "cap": "the block", "row": ["1"]}],
                     "done": {}, "names": {}}

    def steps_data(self):
        return self.data["steps"]

    def captions(self):
        return ["start", "the block"]

    def table(self):
        return [{"step": 1}]

    def dot_at(self, k):
        return 'digraph B { b [id="b", label="block"]; }\n'


def test_any_model_with_named_parameters_gets_boxes_from_its_names():
    model = Linear()
    out = model([Value(1.0), Value(2.0)])
    order = topological_order(out)
    parts = generic_parts(model, order)
    assert parts.names[model.b] == "enc.b" and parts.names[model.w[1]] == "enc.w.1"
    products = [v for v in order if v.op == "*"]
    assert all(parts.groups[v] == ("enc",) for v in [*products, out, *model.w, model.b])
    assert parts.unit is None and graph_parts(model, order) == parts
    src = draw_graph(out, module=model).source
    assert "subgraph cluster_enc {" in src and "<I>enc.b</I>" in src


def test_a_models_own_parts_and_units():
    model = Blocks()
    out = (model([Value(1.0), Value(2.0)]) - 1.0).relu()
    src = draw_graph(out, module=model).source
    assert 'label="A"' in src and 'label="B"' in src and "<I>bias</I>" in src
    collapsed = draw_graph(out, module=model, collapse="block").source
    assert collapsed.count('shape=box, style="rounded,filled"') == 1 and "<B>B0</B>" in collapsed
    with pytest.raises(ValueError, match="collapse='neuron'.*collapse='block'"):
        draw_graph(out, module=model, collapse="neuron")
    with pytest.raises(ValueError, match="no units to collapse"):
        draw_graph(out, module=Linear(), collapse="block")


def test_a_models_step_through_views():
    model = Blocks()
    trace = backward_trace((model([Value(1.0), Value(2.0)]) - 1.0).relu(), module=model,
                           collapse="block")
    assert trace.view_names() == ["block", "scalar"] and len(trace) == 1
    assert trace.block_steps == ["one"] and trace.table() == [{"step": 1}]
    assert trace.caption(1) == "the block" and "block" in trace.frame(1).source
    assert len(trace.table("scalar")) == len(trace.steps)
    with pytest.raises(AttributeError):
        trace.neuron_steps  # noqa: B018 (no such view)
    with pytest.raises(ValueError, match="'neuron'.*no such step-through view"):
        backward_trace(model([1.0, 2.0]), module=model, collapse="neuron")
    plain = backward_trace(Value(2.0) * 3)
    assert plain.view_names() == ["scalar"] and trace_views(None) == {}
    with pytest.raises(ValueError, match="module=model"):
        plain.table("block")


def test_bad_models_and_collapses_are_refused():
    class NoParameters:
        pass

    class WrongParts(Linear):
        def graph_parts(self, order):
            return {}

    out = Value(2.0) * 3
    with pytest.raises(TypeError, match="named_parameters"):
        draw_graph(out, module=NoParameters())
    with pytest.raises(ValueError, match="needs module="):
        draw_graph(out, collapse="neuron")
    with pytest.raises(TypeError, match="collapse must be None or a str"):
        draw_graph(out, module=Linear(), collapse=3)
    with pytest.raises(TypeError, match="must return a GraphParts"):
        draw_graph(out, module=WrongParts())


class Named(Linear):
    """A model whose parameter names are whatever its author chose."""

    def __init__(self, names):
        super().__init__()
        self.names = names

    def named_parameters(self):
        return list(zip(self.names, [*self.w, self.b]))


def test_parameter_names_with_dashes_spaces_and_quotes_are_drawn_as_written(tmp_path):
    """Boxes "my layer", "my-layer" and 'say "hi"\\': each its own cluster (DOT ids are
    made of letters, digits and _, one per name), each titled as written."""
    model = Named(["my layer.w-1", "my-layer.w 2", 'say "hi"\\.b'])
    out = (model([Value(1.0), Value(2.0)]) - 1.0).relu()
    out.backward()
    for layout in ("dot", "layers"):
        drawing = draw_graph(out, module=model, layout=layout)
        ids = re.findall(r"subgraph (\S+) \{", drawing.source)
        assert len(ids) == len(set(ids)) == 3 and all(re.fullmatch(r"\w+", i) for i in ids)
        texts = "".join(ET.fromstring(drawing.svg()).itertext())
        for title in ("my layer", "my-layer", 'say "hi"\\'):
            assert title in texts
        for name in ("my layer.w-1", "my-layer.w 2", 'say "hi"\\.b'):
            assert name in texts
    page = backward_trace(out, module=model).to_html(tmp_path / "page.html").read_text()
    assert "my layer.w-1" in page


NAME = st.text(st.one_of(st.characters(exclude_categories=()),
                         st.integers(0xD800, 0xDFFF).map(chr),
                         st.sampled_from(list(". -\"\\{}[]<>&|;=\n\x00"))), min_size=1, max_size=20)


@given(st.lists(NAME, min_size=3, max_size=3, unique=True))
@example(["\t", "x", "y"])  # a text that is only a tab: Graphviz 2.43 refused it
def test_any_parameter_names_draw_and_page(names):
    model = Named(names)
    out = model([Value(1.0), Value(2.0)])
    out.backward()
    svg = draw_graph(out, module=model).svg()
    texts = "".join("".join(ET.fromstring(svg).itertext()).split())
    for name in names:
        assert "".join(visible(name).split()) in texts
    with tempfile.TemporaryDirectory() as tmp:
        page = backward_trace(out, module=model).to_html(Path(tmp) / "page.html")
        assert page.read_bytes().decode("utf-8")
