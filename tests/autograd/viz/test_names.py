"""autograd.viz.names: a readable name for every node, the same in drawings and tables."""

from autograd import Value, topological_order
from autograd.viz import GraphParts, draw_graph, node_names


def test_unlabelled_nodes_get_readable_names():
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0)
    out = (a * b + c * a).tanh()
    names = node_names(topological_order(out))
    got = {names[v] for v in topological_order(out)}
    assert got == {"a", "b", "leaf1", "mul1", "mul2", "add1", "tanh1"}
    first_product = out.parents[0].parents[0]
    assert names[first_product] == "mul1"  # counted as the expression reads
    src = draw_graph(out).source
    assert "<I>tanh1</I>" in src and "<B>a</B>" in src


def test_a_models_names_come_before_automatic_ones_and_labels_before_both():
    w, x = Value(2.0), Value(3.0, label="input")
    p = w * x
    out = (p + 1.0).relu()
    parts = GraphParts(names={w: "weight", x: "not shown"}, groups={p: ("box",)},
                       titles={"box": "a box"}, prefixes={"box": "B"})
    names = node_names(topological_order(out), parts)
    assert names[w] == "weight" and names[x] == "input"  # a label wins over the model
    assert names[p] == "B.mul1"  # inside a box: its prefix, then op and count
    assert names[out] == "relu1" and names[out.parents[0]] == "add1"
