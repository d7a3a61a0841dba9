"""Layered layouts computed in Python, for drawings Graphviz's own layout makes slow.

Graphviz's ``dot`` (2.43, Debian's) lays out a graph in time that grows much faster than
the graph: its network simplex, which ranks the nodes and then places them along the
ranks, builds its first feasible tree in time about quadratic in the nodes (a chain of
2,000 ops takes 3.5x as long as one of 1,000, the 13,000 nodes of ``MLP(2, [64, 64,
1])``'s graph half a minute, all before its first iteration). A graph that is layered
anyway needs none of that. ``layered`` ranks the nodes by their longest path from the
inputs, orders each rank by the barycentres of its neighbours and places the nodes along
their rank by isotonic regression (each as near its neighbours as the order allows):
a few sweeps, each linear in nodes + edges. A model's boxes (a layer holding its
neurons) are laid out inside out, each box one node of the box around it.

Graphviz then only draws: the DOT carries every node's ``pos`` and ``layout=nop``
(``scene.py``, ``nn``'s neuron view); ``measure`` asks Graphviz the size of each node
first, so a box is as wide as Graphviz draws its text. Coordinates are points
(1/72 inch), x to the right and y downwards; positions are node centres.
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass

from .dot import render

__all__ = ["Layout", "layered", "columns", "measure", "placed"]

RANKDIRS = ("LR", "RL", "TB", "BT")


@dataclass(frozen=True)
class Layout:
    """Where everything goes: ``positions`` (node id -> centre), ``boxes`` (group key
    -> (x0, y0, x1, y1)), and the drawing's ``width`` and ``height``."""

    positions: dict
    boxes: dict
    width: float
    height: float


def measure(header: list, node_lines: dict) -> dict:
    """Graphviz's size (points) of every node: ``node_lines`` maps a node id to its DOT
    statement (as written in the drawing), ``header`` the graph's default attributes.
    One pass of Graphviz with no layout (``nop``, every node at 0,0): linear time."""
    lines = ["digraph measure {", "  graph [layout=nop];", *header]
    lines += [placed(line, 0.0, 0.0) for line in node_lines.values()]
    lines.append("}")
    out = json.loads(render("\n".join(lines) + "\n", "json0"))
    sizes = {}
    for obj in out.get("objects", []):
        if "width" in obj:
            sizes[obj["name"]] = (float(obj["width"]) * 72, float(obj["height"]) * 72)
    missing = [i for i in node_lines if i not in sizes]
    if missing:
        raise RuntimeError(f"Graphviz measured no size for {len(missing)} nodes, e.g. "
                           f"{missing[:3]}")
    return sizes


def placed(line: str, x: float, y: float) -> str:
    """A node's DOT statement with its position (Graphviz's y points up: pass -y)."""
    head, _, rest = line.partition("[")
    return f'{head}[pos="{x:.2f},{y:.2f}!", {rest}'


def columns(cols: list, sizes: dict, *, gap, spacing, spread: bool = False) -> Layout:
    """Columns of nodes left to right: ``cols`` is a list of lists of node ids, top to
    bottom; ``gap`` the room between columns, ``spacing`` between the nodes of a column
    (each one number, or one per gap / column). The tallest column is packed; the
    others are centred on it, or with ``spread`` each node in the middle of an equal
    share of its height (two inputs beside sixteen neurons at a quarter and three
    quarters), so that edges between columns are as flat as they can be."""
    gaps = list(gap) if isinstance(gap, (list, tuple)) else [gap] * max(len(cols) - 1, 0)
    spacings = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(cols)
    heights = [sum(sizes[i][1] for i in col) + s * max(len(col) - 1, 0)
               for col, s in zip(cols, spacings)]
    widths = [max((sizes[i][0] for i in col), default=0.0) for col in cols]
    tallest = max(heights, default=0.0)
    positions, x = {}, 0.0
    for k, (col, width, height, s) in enumerate(zip(cols, widths, heights, spacings)):
        if spread and col:
            share = tallest / len(col)
            centres = [share * (m + 0.5) for m in range(len(col))]
        else:
            centres, y = [], (tallest - height) / 2
            for i in col:
                centres.append(y + sizes[i][1] / 2)
                y += sizes[i][1] + s
        positions.update({i: (x + width / 2, c) for i, c in zip(col, centres)})
        x += width + (gaps[k] if k < len(gaps) else 0.0)
    return Layout(positions, {}, x, tallest)


def layered(nodes: list, edges: list, sizes: dict, *, groups: dict | None = None,
            rankdir: str = "LR", rank_gap: float = 28.0, node_gap: float = 10.0,
            box_pad: float = 8.0, title: float = 20.0) -> Layout:
    """A layered layout of a graph whose ``nodes`` come in a topological order (an edge
    against that order is drawn reversed when ranking). ``edges``: (tail, head) pairs;
    ``sizes``: node -> (width, height); ``groups``: node -> the keys of the boxes it
    sits in, outermost first (each box gets ``title`` points on top for its title);
    ``rankdir`` as Graphviz's: LR puts the inputs on the left."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be LR, RL, TB or BT, got {rankdir!r}")
    groups = groups or {}
    first, children, lifted = _tree(nodes, edges, groups)
    local, box_size = {}, {}
    item_size = dict(sizes)
    for box in sorted(children, key=len, reverse=True):  # inside out
        items = sorted(children[box], key=first.__getitem__)
        pos, (w, h) = _flat(items, item_size, lifted.get(box, ()), rankdir, rank_gap,
                            node_gap)
        local[box] = pos
        if box:
            box_size[box] = (w + 2 * box_pad, h + 2 * box_pad + title)
            item_size[box] = box_size[box]
        else:
            width, height = w, h
    positions, boxes = {}, {}
    stack = [((), 0.0, 0.0)]  # a box and the top-left corner of its contents
    while stack:
        box, left, top = stack.pop()
        for item, (x, y) in local[box].items():
            x, y = x + left, y + top
            if isinstance(item, tuple):
                w, h = box_size[item]
                boxes[item[-1]] = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
                stack.append((item, x - w / 2 + box_pad, y - h / 2 + box_pad + title))
            else:
                positions[item] = (x, y)
    return Layout(positions, boxes, width, height)


def _tree(nodes: list, edges: list, groups: dict) -> tuple:
    """The boxes as a tree: each node's and box's first position in ``nodes``, the
    items (nodes and boxes, a box being its path of keys) directly in each box, and
    each edge lifted to the innermost box holding both ends (between its items)."""
    first, children = {}, {(): set()}
    for k, node in enumerate(nodes):
        path = tuple(groups.get(node, ()))
        first.setdefault(node, k)
        children[()].add(path[:1] or node)
        for depth in range(1, len(path) + 1):
            box = path[:depth]
            first.setdefault(box, k)
            children.setdefault(box, set()).add(path[:depth + 1] if depth < len(path)
                                                else node)
    lifted = {}
    for tail, head in edges:
        pt, ph = tuple(groups.get(tail, ())), tuple(groups.get(head, ()))
        k = 0
        while k < min(len(pt), len(ph)) and pt[k] == ph[k]:
            k += 1
        a = pt[:k + 1] if len(pt) > k else tail
        b = ph[:k + 1] if len(ph) > k else head
        if a != b:
            lifted.setdefault(pt[:k], {})[(a, b)] = None
    return first, children, lifted


def _flat(items: list, sizes: dict, edges, rankdir: str, rank_gap: float,
          node_gap: float) -> tuple:
    """One box's items laid out in ranks: centres relative to the box's top-left, and
    the size of what they cover."""
    across = rankdir in ("LR", "RL")  # ranks are columns
    items = _topological(items, edges)
    index = {it: k for k, it in enumerate(items)}
    preds = {it: [] for it in items}
    succs = {it: [] for it in items}
    for a, b in edges:
        if index[a] > index[b]:  # an edge of a cycle between boxes: ranked reversed
            a, b = b, a
        preds[b].append(a)
        succs[a].append(b)
    ranks = _ranks(items, preds, succs)
    for sweep in range(4):  # order each rank by its neighbours' places
        _order(ranks if sweep % 2 == 0 else ranks[::-1], preds if sweep % 2 == 0 else succs)
    long = {it: sizes[it][0 if across else 1] for it in items}  # extent along the ranks' axis
    wide = {it: sizes[it][1 if across else 0] for it in items}  # extent along a rank
    centre = _place(ranks, preds, succs, wide, node_gap)
    low = min((centre[it] - wide[it] / 2 for it in items), default=0.0)
    high = max((centre[it] + wide[it] / 2 for it in items), default=0.0)
    spans, at = [], 0.0
    for rank in ranks:
        span = max(long[it] for it in rank)
        spans.append((at, span))
        at += span + rank_gap
    depth = max(at - rank_gap, 0.0)
    pos = {}
    for (start, span), rank in zip(spans, ranks):
        r = start + span / 2 if rankdir in ("LR", "TB") else depth - start - span / 2
        for it in rank:
            o = centre[it] - low
            pos[it] = (r, o) if across else (o, r)
    size = (depth, high - low) if across else (high - low, depth)
    return pos, size


def _topological(items: list, edges) -> list:
    """The items in a topological order of ``edges``, the earliest of ``items`` first
    wherever there is a choice (and, to break a cycle, the earliest left)."""
    first = {it: k for k, it in enumerate(items)}
    succs = {it: [] for it in items}
    waiting = dict.fromkeys(items, 0)
    for a, b in edges:
        succs[a].append(b)
        waiting[b] += 1
    ready = [k for k, it in enumerate(items) if not waiting[it]]
    heapq.heapify(ready)
    out, done = [], set()
    while len(out) < len(items):
        if ready:
            it = items[heapq.heappop(ready)]
            if it in done:
                continue
        else:  # a cycle between boxes
            it = min((it for it in items if it not in done), key=first.__getitem__)
        done.add(it)
        out.append(it)
        for b in succs[it]:
            waiting[b] -= 1
            if not waiting[b] and b not in done:
                heapq.heappush(ready, first[b])
    return out


def _ranks(items: list, preds: dict, succs: dict) -> list:
    """Each item's rank: its longest path from an input, an input with consumers
    moved to the rank before its first consumer's (a weight beside its product).
    Returned as the list of ranks, each in the items' order."""
    rank = {}
    for it in items:
        rank[it] = max((rank[p] + 1 for p in preds[it]), default=0)
    for it in reversed(items):
        if not preds[it] and succs[it]:
            rank[it] = min(rank[s] for s in succs[it]) - 1
    used = sorted(set(rank.values()))
    slot = {r: k for k, r in enumerate(used)}
    ranks = [[] for _ in used]
    for it in items:
        ranks[slot[rank[it]]].append(it)
    return ranks


def _order(ranks: list, neighbours: dict) -> None:
    """One sweep of the barycentre heuristic: each rank after the first sorted by the
    mean place of its items' neighbours (places as fractions of their rank)."""
    place = {}
    for rank in ranks:
        n = len(rank)
        for k, it in enumerate(rank):
            place[it] = (k + 0.5) / n
    for rank in ranks[1:]:
        def key(it):
            near = [place[p] for p in neighbours[it] if p in place]
            return sum(near) / len(near) if near else place[it]
        rank.sort(key=key)
        n = len(rank)
        for k, it in enumerate(rank):
            place[it] = (k + 0.5) / n


def _place(ranks: list, preds: dict, succs: dict, wide: dict, gap: float) -> dict:
    """Centres along the ranks: stacked, then three sweeps in which each rank moves as
    near its neighbours in the ranks before (after) it as its order allows."""
    centre = {}
    for rank in ranks:
        at = 0.0
        for it in rank:
            centre[it] = at + wide[it] / 2
            at += wide[it] + gap
    # an input (a weight, a constant) follows what it feeds, never the other way round:
    # a chain's links stay on one line, each constant beside its op
    inner = {it: [p for p in preds[it] if preds[p]] or preds[it] for it in preds}
    for neighbours, seq in ((inner, ranks), (succs, ranks[::-1]), (inner, ranks)):
        for rank in seq:
            want = []
            for it in rank:
                near = [centre[p] for p in neighbours[it]]
                want.append(sum(near) / len(near) if near else centre[it])
            seps = [(wide[a] + wide[b]) / 2 + gap for a, b in zip(rank, rank[1:])]
            weights = [1.0 if preds[it] else 0.01 for it in rank]  # inputs give way
            for it, c in zip(rank, _isotonic(want, seps, weights)):
                centre[it] = c
    return centre


def _isotonic(want: list, seps: list, weights: list) -> list:
    """Positions p nearest ``want`` (least squares, each term weighted) with
    p[i+1] - p[i] >= seps[i]: the pool-adjacent-violators algorithm, linear time."""
    offsets = [0.0]
    for s in seps:
        offsets.append(offsets[-1] + s)
    blocks = []  # [weighted sum, total weight, count] of pooled targets
    for w, o, k in zip(want, offsets, weights):
        blocks.append([(w - o) * k, k, 1])
        while len(blocks) > 1 and blocks[-2][0] * blocks[-1][1] > blocks[-1][0] * blocks[-2][1]:
            total, weight, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += weight
            blocks[-1][2] += count
    out = []
    for total, weight, count in blocks:
        out += [total / weight] * count
    return [q + o for q, o in zip(out, offsets)]
