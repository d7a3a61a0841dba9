"""nn.plot.network_layout: the neuron view's places from the layers: columns spread over
the tallest, straight edges side to side, each ∂E/∂w on its own edge beside the box it
comes from, clear of every other edge drawn in its step and of the other labels."""

import itertools
import math

import pytest

from nn.plot.network_layout import CLEARANCE, LABEL_PAD, MAX_LABELS, lay_out


def net(widths, label=(80.0, 12.0)):
    """Columns of boxes (x inputs, n neurons), every edge between neighbouring columns,
    one step per neuron of the last columns with a label per incoming edge."""
    cols, sizes, edges, steps = [], {}, {}, []
    for c, width in enumerate(widths):
        cols.append([f"c{c}b{k}" for k in range(width)])
        sizes.update({b: (60.0, 20.0 if c == 0 else 50.0) for b in cols[-1]})
    for c in range(1, len(widths)):
        for head in cols[c]:
            fan = []
            for i, tail in enumerate(cols[c - 1]):
                eid, lid = f"w{head}_{i}", f"dw{head}_{i}"
                edges[eid] = (tail, head)
                sizes[lid] = label
                fan.append((eid, lid, float(i + 1)))  # |dE/dw| grows down the column
            steps.append((head, fan))
    return cols, sizes, edges, steps


def distance(p, a, b) -> float:
    (px, py), (x0, y0), (x1, y1) = p, a, b
    dx, dy = x1 - x0, y1 - y0
    t = max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - x0 - t * dx, py - y0 - t * dy)


def ends(layout, eid):
    pts = [tuple(map(float, p.split(","))) for p in layout.edge_pos[eid].split()]
    assert len(pts) == 4  # one cubic Bézier: a straight line
    return [(x, layout.height - y) for x, y in (pts[0], pts[-1])]


@pytest.mark.parametrize("widths", [[2, 16, 16, 1], [64, 32, 10]])
def test_each_label_sits_on_its_own_edge_clear_of_the_others(widths):
    cols, sizes, edges, steps = net(widths)
    layout = lay_out(cols, sizes, edges, steps, set(edges), gap=160.0)
    for head, fan in steps[:4] + steps[-4:]:  # output neurons and the first hidden layer
        column = layout.column[head]
        drawn = [e for e in edges if layout.column[edges[e][1]] != column]
        drawn += [eid for eid, _, _ in fan]
        written = layout.written[head]
        assert written and len(written) <= min(len(fan), MAX_LABELS)
        rects = []
        for lid in written:
            eid = "w" + lid[2:]
            centre = layout.positions[lid]
            a, b = ends(layout, eid)
            assert distance(centre, a, b) < 0.01  # on its own edge (DOT keeps 2 decimals)
            assert all(distance(centre, *ends(layout, e)) >= CLEARANCE - 0.01
                       for e in drawn if e != eid)
            w, h = sizes[lid]
            assert centre[0] - w / 2 >= a[0] + LABEL_PAD - 0.01  # beside the box it leaves
            assert centre[0] + w / 2 < b[0]  # and before the box it enters
            rects.append((centre[0] - w / 2, centre[1] - h / 2, centre[0] + w / 2,
                          centre[1] + h / 2))
        for r, s in itertools.combinations(rects, 2):
            assert min(r[2], s[2]) <= max(r[0], s[0]) or min(r[3], s[3]) <= max(r[1], s[1])
        if len(fan) <= 16:
            assert len(written) == len(fan)  # a small fan-in: every ∂E/∂w written
        else:  # the largest first
            order = sorted(fan, key=lambda f: -f[2])
            assert written[0] == order[0][1] or order[0][1] not in written


def test_columns_spread_and_boxes_of_a_column_equally_wide():
    cols, sizes, edges, steps = net([2, 8, 1])
    sizes["c1b3"] = (90.0, 50.0)
    layout = lay_out(cols, sizes, edges, steps, set(edges), gap=160.0, last_gap=40.0)
    x = {b: layout.positions[b] for col in cols for b in col}
    assert {layout.widths[b] for b in cols[1]} == {90.0}
    assert x["c0b0"][1] == pytest.approx(layout.height / 4)  # two inputs: a quarter, three
    assert x["c0b1"][1] == pytest.approx(3 * layout.height / 4)
    assert x["c2b0"][1] == pytest.approx(layout.height / 2)
    assert x["c2b0"][0] - x["c1b0"][0] == pytest.approx(90 / 2 + 40 + 60 / 2)
    for head, fan in steps:  # every edge leaves its tail's right side, enters its head's left
        for eid, _, _ in fan:
            (a, b), (tail, _) = ends(layout, eid), edges[eid]
            assert a[0] == pytest.approx(x[tail][0] + layout.widths[tail] / 2)
            assert b[0] == pytest.approx(x[head][0] - layout.widths[head] / 2)


def test_rankdir_turns_the_drawing():
    cols, sizes, edges, steps = net([2, 3, 1])
    wide = lay_out(cols, sizes, edges, steps, set(edges))
    tall = lay_out(cols, sizes, edges, steps, set(edges), rankdir="TB")
    back = lay_out(cols, sizes, edges, steps, set(edges), rankdir="RL")
    for c, col in enumerate(cols):  # TB: each column a row, the inputs on top
        assert len({tall.positions[b][1] for b in col}) == 1
        assert len({wide.positions[b][0] for b in col}) == 1
        if c:
            assert tall.positions[col[0]][1] > tall.positions[cols[c - 1][0]][1]
    for b in ("c0b0", "c1b2", "c2b0"):  # RL: the same drawing mirrored
        (x, y), (bx, by) = wide.positions[b], back.positions[b]
        assert (bx, by) == pytest.approx((wide.width - x, y))
    assert back.edge_pos.keys() == wide.edge_pos.keys() == tall.edge_pos.keys()
