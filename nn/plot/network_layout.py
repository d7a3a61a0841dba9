"""Where the neuron view draws a network: computed from its layers, not by Graphviz.

TensorFlow Playground's picture: the inputs, each layer and the loss as columns, left to
right; each column spread over the height of the tallest (``autograd.viz.layout.columns``)
so that edges are as flat as they can be; every edge a straight line from the right side
of the box it leaves to the left side of the box it enters. A step writes each incoming
edge's ∂E/∂w *on* that edge, as near the box it comes from as it can: its centre on the
edge, no other edge drawn during the step within ``CLEARANCE`` of that centre (so the
label is nearer its own edge than any other), no other label of the step overlapping it.
A label that finds no such place is left out (the caption says how many are written);
at most ``MAX_LABELS`` per step, the largest first.

Graphviz's own layout of the same picture (the previous neuron view) took seconds for
the 4,096 edges between two layers of 64 and drew them as crossing curves; here the
places are a few array operations per step, and Graphviz only draws them (``nop2``).
Positions are points, y downwards; ``edge_pos`` is DOT's (y upwards).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograd.viz.layout import columns

__all__ = ["NetworkLayout", "lay_out", "CLEARANCE", "MAX_LABELS", "LABEL_PAD"]

CLEARANCE = 2.5   # points from a label's centre to any other edge drawn in its step
MAX_LABELS = 24   # ∂E/∂w written per step at most (the largest)
LABEL_PAD = 5.0   # from a box's side to the nearest label
REACH = 0.45      # a label's centre stays in the first REACH of its edge's run


@dataclass(frozen=True)
class NetworkLayout:
    """The places of one network drawing. ``column``: box -> its column (0: the inputs);
    ``positions``: box or written label -> centre; ``widths``: box -> the width its
    column draws it at; ``edge_pos``: edge -> DOT ``pos``; ``written``: each step's
    neuron -> the labels written on its incoming edges, in the order they were placed."""

    column: dict
    positions: dict
    widths: dict
    edge_pos: dict
    written: dict
    width: float
    height: float


def lay_out(cols: list, sizes: dict, edges: dict, steps: list, at_rest: set, *,
            rankdir: str = "LR", gap: float = 150.0, last_gap: float | None = None,
            spacing: list | None = None) -> NetworkLayout:
    """The drawing's places. ``cols``: the columns' box ids, top to bottom; ``sizes``:
    every box's and label's (width, height); ``edges``: edge id -> (tail box, head box);
    ``steps``: per step (its neuron's box, [(edge id, label id, |∂E/∂w|), ...] of its
    incoming edges); ``at_rest``: the edges drawn outside their neuron's step (during a
    step, the other edges into its column are hidden). Laid out left to right, then
    turned for ``rankdir`` TB, RL or BT."""
    across = rankdir in ("TB", "BT")
    flow = {i: (h, w) if across else (w, h) for i, (w, h) in sizes.items()}
    box = dict(flow)
    for col in cols:  # a column's boxes all as wide as its widest
        wide = max(flow[i][0] for i in col)
        box.update({i: (wide, flow[i][1]) for i in col})
    gaps = [gap] * (len(cols) - 1)
    if last_gap is not None and gaps:
        gaps[-1] = last_gap
    grid = columns(cols, box, gap=gaps, spacing=spacing or [10.0] * len(cols), spread=True)
    positions = dict(grid.positions)
    column = {i: c for c, col in enumerate(cols) for i in col}
    ends = {}
    for eid, (tail, head) in edges.items():
        (xt, yt), (wt, _) = positions[tail], box[tail]
        (xh, yh), (wh, _) = positions[head], box[head]
        ends[eid] = ((xt + wt / 2, yt), (xh - wh / 2, yh))
    written = {}
    for head, fan in steps:
        shown = [e for e in at_rest if column[edges[e][1]] != column[head]]
        shown += [eid for eid, _, _ in fan]
        placed_here = _place_labels(fan, ends, flow, shown)
        positions.update(placed_here)
        written[head] = list(placed_here)
    turn = _turn(rankdir, grid.width)
    widths = {i: box[i][1 if across else 0] for i in column}
    width, height = (grid.height, grid.width) if across else (grid.width, grid.height)
    return NetworkLayout(column, {i: turn(*xy) for i, xy in positions.items()}, widths,
                         {e: _line(turn(*a), turn(*b), height) for e, (a, b) in ends.items()},
                         written, width, height)


def _place_labels(fan: list, ends: dict, flow: dict, shown: list) -> dict:
    """One step's labels, the largest |∂E/∂w| first: each at the first place along its
    edge, from the box it leaves, that is ``CLEARANCE`` away from every other shown edge
    and overlaps no label placed before it; left out if there is none."""
    segments = np.array([[*ends[e][0], *ends[e][1]] for e in shown]).reshape(-1, 4)
    index = {e: k for k, e in enumerate(shown)}
    out, boxes = {}, []
    for eid, lid, _ in sorted(fan, key=lambda f: -f[2])[:MAX_LABELS]:
        (x0, y0), (x1, y1) = ends[eid]
        w, h = flow[lid]
        room = (x1 - x0) * REACH - LABEL_PAD - w / 2
        if room < 0:
            continue
        cxs = x0 + LABEL_PAD + w / 2 + room * np.linspace(0.0, 1.0, 16)
        cys = y0 + (y1 - y0) * (cxs - x0) / (x1 - x0)
        others = np.delete(segments, index[eid], axis=0)
        clear = _clearance(cxs, cys, others) >= CLEARANCE
        for k in np.flatnonzero(clear):
            rect = (cxs[k] - w / 2, cys[k] - h / 2, cxs[k] + w / 2, cys[k] + h / 2)
            if not any(_overlap(rect, b) for b in boxes):
                out[lid] = (float(cxs[k]), float(cys[k]))
                boxes.append(rect)
                break
    return out


def _clearance(cxs, cys, segments) -> np.ndarray:
    """For each point (cxs[k], cys[k]), its distance to the nearest of ``segments``
    (rows x0, y0, x1, y1)."""
    if not len(segments):
        return np.full(len(cxs), np.inf)
    x0, y0, x1, y1 = (segments[:, c][None, :] for c in range(4))
    px, py = cxs[:, None], cys[:, None]
    dx, dy = x1 - x0, y1 - y0
    t = np.clip(((px - x0) * dx + (py - y0) * dy) / np.maximum(dx * dx + dy * dy, 1e-12), 0, 1)
    return np.hypot(px - x0 - t * dx, py - y0 - t * dy).min(axis=1)


def _overlap(a: tuple, b: tuple, slack: float = 1.0) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > -slack and \
        min(a[3], b[3]) - max(a[1], b[1]) > -slack


def _turn(rankdir: str, length: float):
    """From the left-to-right drawing to ``rankdir``'s: mirrored, or turned a quarter."""
    return {"LR": lambda x, y: (x, y), "RL": lambda x, y: (length - x, y),
            "TB": lambda x, y: (y, x), "BT": lambda x, y: (y, length - x)}[rankdir]


def _line(a: tuple, b: tuple, height: float) -> str:
    """A straight edge as DOT's pos: one cubic Bézier with its controls on the line."""
    (x0, y0), (x1, y1) = a, b
    pts = [(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t) for t in (0, 1 / 3, 2 / 3, 1)]
    return " ".join(f"{x:.2f},{height - y:.2f}" for x, y in pts)
