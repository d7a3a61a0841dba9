"""autograd.viz.layout: the layered layout computed in Python (ranks, order, places along
each rank, boxes inside out), the columns of the neuron view, and Graphviz's sizes."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd.viz.layout import columns, layered, measure, placed


def overlap(a, b, slack=0.5) -> bool:
    """Do two boxes (x0, y0, x1, y1) overlap by more than ``slack`` points?"""
    return min(a[2], b[2]) - max(a[0], b[0]) > slack and min(a[3], b[3]) - max(a[1], b[1]) > slack


def box_of(layout, sizes, node):
    (x, y), (w, h) = layout.positions[node], sizes[node]
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def chain(n):
    """x -> op1 -> v1 -> op2 -> v2 ..., a constant c_k into each op: a chain of n links."""
    nodes, edges = ["x"], []
    last = "x"
    for k in range(n):
        nodes += [f"c{k}", f"o{k}", f"v{k}"]
        edges += [(last, f"o{k}"), (f"c{k}", f"o{k}"), (f"o{k}", f"v{k}")]
        last = f"v{k}"
    sizes = {i: (20.0, 20.0) if i[0] == "o" else (90.0, 22.0) for i in nodes}
    return nodes, edges, sizes


def test_a_chain_stays_on_one_line_each_constant_beside_its_op():
    nodes, edges, sizes = chain(40)
    layout = layered(nodes, edges, sizes)
    ys = {layout.positions[i][1] for i in nodes if i[0] in "ov"}
    assert max(ys) - min(ys) < 1e-6  # no drift along 40 links
    for k in range(40):  # the constant in the rank just before its op, right beside it
        (cx, cy), (ox, oy) = layout.positions[f"c{k}"], layout.positions[f"o{k}"]
        assert cx < ox and abs(cy - oy) < 45  # the next row (22 + 10 points apart)
    assert layout.height < 3 * 32  # x above, the chain, its constants below: no staircase
    for tail, head in edges:
        assert layout.positions[tail][0] < layout.positions[head][0]


@pytest.mark.parametrize("rankdir", ["LR", "RL", "TB", "BT"])
def test_edges_point_the_way_of_rankdir_and_nothing_overlaps(rankdir):
    nodes, edges, sizes = chain(6)
    nodes += ["y", "z"]  # a fan-out and a join
    edges += [("x", "y"), ("v2", "y"), ("y", "z"), ("v5", "z")]
    sizes |= {"y": (40.0, 30.0), "z": (40.0, 30.0)}
    layout = layered(nodes, edges, sizes, rankdir=rankdir)
    axis, sign = {"LR": (0, 1), "RL": (0, -1), "TB": (1, 1), "BT": (1, -1)}[rankdir]
    for tail, head in edges:
        assert sign * (layout.positions[head][axis] - layout.positions[tail][axis]) > 0
    for a, b in itertools.combinations(nodes, 2):
        assert not overlap(box_of(layout, sizes, a), box_of(layout, sizes, b)), (a, b)
    for node in nodes:
        x0, y0, x1, y1 = box_of(layout, sizes, node)
        assert -1e-6 <= x0 and x1 <= layout.width + 1e-6
        assert -1e-6 <= y0 and y1 <= layout.height + 1e-6


def network(widths):
    """A layered network drawn as a scalar graph: per neuron its weights, products, sum
    and activation, in boxes (layer, neuron) as a model's graph_parts gives them."""
    nodes, edges, groups = [f"x{i}" for i in range(widths[0])], [], {}
    previous = list(nodes)
    for layer, width in enumerate(widths[1:]):
        outputs = []
        for j in range(width):
            box, name = (f"layer{layer}", f"layer{layer}.n{j}"), f"L{layer}N{j}"
            products = []
            for i, x in enumerate(previous):
                w, o, p = f"{name}.w{i}", f"{name}.o{i}", f"{name}.p{i}"
                nodes += [w, o, p]
                edges += [(w, o), (x, o), (o, p)]
                products.append(p)
            s, u, a, y = f"{name}.sum", f"{name}.u", f"{name}.act", f"{name}.y"
            nodes += [s, u, a, y]
            edges += [(p, s) for p in products] + [(s, u), (u, a), (a, y)]
            for node in nodes[-(3 * len(previous) + 4):]:
                groups[node] = box
            outputs.append(y)
        previous = outputs
    sizes = {i: (20.0, 20.0) if i.split(".")[-1][0] in "osa" else (100.0, 22.0) for i in nodes}
    return nodes, edges, sizes, groups


def test_a_networks_boxes_hold_their_nodes_and_never_overlap():
    nodes, edges, sizes, groups = network([2, 3, 3, 1])
    layout = layered(nodes, edges, sizes, groups=groups)
    boxes = layout.boxes
    assert set(boxes) == {k for path in groups.values() for k in path}
    for node, path in groups.items():  # every node inside each of its boxes
        x0, y0, x1, y1 = box_of(layout, sizes, node)
        for key in path:
            b = boxes[key]
            assert b[0] <= x0 and x1 <= b[2] and b[1] <= y0 and y1 <= b[3], (node, key)
    neurons = [k for k in boxes if ".n" in k]
    for a, b in itertools.combinations(neurons, 2):
        assert not overlap(boxes[a], boxes[b]), (a, b)
    for a, b in itertools.combinations([k for k in boxes if ".n" not in k], 2):
        assert not overlap(boxes[a], boxes[b]), (a, b)
    for a, b in itertools.combinations(nodes, 2):
        assert not overlap(box_of(layout, sizes, a), box_of(layout, sizes, b)), (a, b)
    # layers left to right, inputs first; neurons top to bottom in their order
    assert boxes["layer0"][2] < boxes["layer1"][0] < boxes["layer1"][2] < boxes["layer2"][0]
    assert all(layout.positions[f"x{i}"][0] < boxes["layer0"][0] for i in range(2))
    tops = [boxes[f"layer0.n{j}"][1] for j in range(3)]
    assert tops == sorted(tops)


@given(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=30),
       st.dictionaries(st.integers(0, 11), st.sampled_from(["a", "b"]), max_size=12))
def test_any_graph_even_with_cycles_between_boxes_gets_a_place_for_every_node(pairs, boxes):
    nodes = [f"n{k}" for k in range(12)]
    edges = [(f"n{a}", f"n{b}") for a, b in pairs if a != b]
    sizes = {i: (30.0 + 3 * int(i[1:]), 20.0) for i in nodes}
    groups = {f"n{k}": (key,) for k, key in boxes.items()}
    layout = layered(nodes, edges, sizes, groups=groups)
    assert set(layout.positions) == set(nodes)
    for a, b in itertools.combinations(nodes, 2):
        assert not overlap(box_of(layout, sizes, a), box_of(layout, sizes, b)), (a, b)
    if "a" in layout.boxes and "b" in layout.boxes:
        assert not overlap(layout.boxes["a"], layout.boxes["b"])


def test_columns_are_centred_on_the_tallest():
    sizes = {"a": (50.0, 20.0), "b": (80.0, 20.0), "c": (60.0, 30.0)}
    layout = columns([["a", "b"], ["c"]], sizes, gap=100, spacing=10)
    (ax, ay), (bx, by), (cx, cy) = (layout.positions[k] for k in "abc")
    assert ax == bx == 40 and cx == 80 + 100 + 30
    assert by - ay == 30 and cy == (ay + by) / 2
    assert layout.width == 80 + 100 + 60 and layout.height == 50


def test_graphviz_measures_every_node_and_placed_pins_it():
    header = ['  node [fontname="Helvetica", fontsize=11];']
    lines = {"a": '  a [id="a", shape=box, label="x"];',
             "b": '  b [id="b", shape=box, label="a much longer label than x"];'}
    sizes = measure(header, lines)
    assert sizes["a"][0] < sizes["b"][0] and sizes["a"][1] == sizes["b"][1] > 0
    assert placed(lines["a"], 12.5, -3) == '  a [pos="12.50,-3.00!", id="a", shape=box, label="x"];'
    with pytest.raises(ValueError, match="rankdir"):
        layered(["a"], [], {"a": (1.0, 1.0)}, rankdir="XY")
