"""gradlab's eager engine against the pure-Python floor, measured in the same run.

    python benchmarks/bench_floor.py            # about two minutes
    python benchmarks/bench_floor.py --quick    # fewer repetitions, builds up to 1e5

The floor is the least any scalar engine written in Python can cost per node: the
cheapest ``__slots__`` node (two floats and a tuple of parents), one multiply, and
a backward pass over a list recorded in the forward pass (no graph walk, no checks,
no operation table). gradlab's numbers are given per node of its graph (leaves
included), next to the floor's per node, measured alternately in the same run:

- a chain of 10,000 multiplies, forward + backward + freeing the graph, and the
  backward pass alone;
- micrograd's demo training step through ``nn`` (MLP 2-16-16-1 with ReLU, 100 moons,
  max-margin + L2, zero_grad, backward, one SGD step), and where its time goes;
- building a chain of 1e3 ... 1e6 nodes, per node, with the cyclic garbage collector
  as users have it (on, default thresholds), the same with every node left tracked by
  the collector (``autograd/_untrack.c`` not used: as an install without a C compiler,
  or before it existed) and, for reference, with the collector off; the floor's build
  beside it, collector on and off (what the machine's memory adds at a million nodes);
- memory per node after backward (tracemalloc).

What each timing counts: CPU time of this process (``time.process_time``: on a shared
machine, other processes' time is not counted); the collector stays on as users have
it, so the collections that the allocations trigger are included; freeing the graph (by
reference counting) is included in the step and chain timings; no ``gc.collect()`` is
forced inside a timing (neither engine makes reference cycles). Medians of alternating
runs.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_vs_micrograd import bytes_per_node, two_moons  # noqa: E402

import nn  # noqa: E402
from autograd import Value, engine, topological_order  # noqa: E402
from autograd.engine import backward_pass, propagate  # noqa: E402

# --- the floor ------------------------------------------------------------------------------

class FloorNode:
    """The cheapest node: its number, its gradient and its parents."""

    __slots__ = ("data", "grad", "parents")

    def __init__(self, data, parents=()):
        self.data = data
        self.grad = 0.0
        self.parents = parents


def floor_chain(n: int, timings: list | None = None) -> float:
    """y = x * w * w * ... (n multiplies), then backward over the recorded list."""
    x, w = FloorNode(1.0), FloorNode(1.0)
    tape, y = [], x
    start = time.process_time()
    for _ in range(n):
        y = FloorNode(y.data * w.data, (y, w))
        tape.append(y)
    middle = time.process_time()
    y.grad = 1.0
    for node in reversed(tape):
        a, b = node.parents
        a.grad += node.grad * b.data
        b.grad += node.grad * a.data
    if timings is not None:
        timings.append((middle - start, time.process_time() - middle))
    return x.grad


def gradlab_chain(n: int, timings: list | None = None) -> float:
    x, w = Value(1.0), Value(1.0)
    y = x
    start = time.process_time()
    for _ in range(n):
        y = y * w
    middle = time.process_time()
    y.backward()
    if timings is not None:
        timings.append((middle - start, time.process_time() - middle))
    return x.grad


def timed(fn, *args) -> float:
    start = time.process_time()
    fn(*args)  # the graph is freed when fn returns: included
    return time.process_time() - start


def chain_rows(repeat: int, n: int = 10_000) -> list:
    floor, ours, floor_split, ours_split = [], [], [], []
    for _ in range(repeat):
        floor.append(timed(floor_chain, n))
        ours.append(timed(gradlab_chain, n))
        floor_chain(n, floor_split)
        gradlab_chain(n, ours_split)
    nodes = n + 2
    f, o = statistics.median(floor) / nodes, statistics.median(ours) / nodes
    fb = statistics.median(t[1] for t in floor_split) / nodes
    ob = statistics.median(t[1] for t in ours_split) / nodes
    return [("chain of 10k, forward + backward + free, per node", o, f),
            ("chain of 10k, backward alone, per node", ob, fb)]


# --- micrograd's demo step through nn -------------------------------------------------------

def mlp_step(model, optimizer, X, Y, split: dict | None = None):
    """One training step; with ``split``, the time of each phase is appended to it."""
    t0 = time.process_time()
    scores = [model(x) for x in X]
    loss = nn.max_margin(scores, Y) + 2e-4 * nn.l2_penalty(model, weights_only=False)
    optimizer.zero_grad()
    t1 = time.process_time()
    frame = backward_pass(loss)  # the walk: the order, grads zeroed, stale check
    order = frame.__enter__()
    t2 = time.process_time()
    propagate(order)  # the chain rule
    frame.__exit__(None, None, None)
    t3 = time.process_time()
    del scores, loss, order, frame  # freeing the graph
    t4 = time.process_time()
    optimizer.step()
    t5 = time.process_time()
    if split is not None:
        for name, a, b in (("forward", t0, t1), ("backward: the walk", t1, t2),
                           ("backward: propagation", t2, t3), ("freeing the graph", t3, t4),
                           ("SGD step", t4, t5)):
            split.setdefault(name, []).append(b - a)


def mlp_rows(repeat: int) -> tuple[list, dict, int]:
    """The step per node next to the floor per node, alternating in one loop; and the
    same step with the collector off (for reference: how much of it the collector is)."""
    X, Y = two_moons(100)
    model = nn.MLP(2, [16, 16, 1], rng=0)
    optimizer = nn.SGD(model.parameters(), lr=0.01)
    scores = [model(x) for x in X]
    loss = nn.max_margin(scores, Y) + 2e-4 * nn.l2_penalty(model, weights_only=False)
    nodes = len(topological_order(loss))
    del scores, loss
    whole, floor, quiet, split = [], [], [], {}
    for _ in range(repeat):
        gc.collect()
        whole.append(timed(mlp_step, model, optimizer, X, Y))
        floor.append(timed(floor_chain, 10_000))
        mlp_step(model, optimizer, X, Y, split)
        with collector(False):
            quiet.append(timed(mlp_step, model, optimizer, X, Y))
    per_node = statistics.median(whole) / nodes
    floor_per_node = statistics.median(floor) / 10_002
    rows = [(f"MLP 2-16-16-1 step ({nodes:,} nodes), per node", per_node, floor_per_node),
            ("  the same, collector off (reference)", statistics.median(quiet) / nodes,
             floor_per_node)]
    return rows, {k: statistics.median(v) for k, v in split.items()}, nodes


# --- building, garbage collection, memory ---------------------------------------------------

@contextmanager
def collector(on: bool) -> Iterator[None]:
    """After a full collection, the cyclic collector on (as users have it) or off for the
    block; as it was afterwards."""
    was_enabled = gc.isenabled()
    gc.collect()
    if not on:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_per_node(n: int, on: bool, untrack: bool = True) -> float:
    acyclic = engine.acyclic
    if not untrack:
        engine.acyclic = None  # every node stays tracked, as without the compiled part
    try:
        with collector(on):
            w, y = Value(1.0), Value(1.0)
            start = time.process_time()
            for _ in range(n):
                y = y * w
            elapsed = time.process_time() - start
    finally:
        engine.acyclic = acyclic
    del y
    return elapsed / n


def floor_build_per_node(n: int, on: bool) -> float:
    """The floor's build (its node and tuple per multiply)."""
    with collector(on):
        w, y = FloorNode(1.0), FloorNode(1.0)
        start = time.process_time()
        for _ in range(n):
            y = FloorNode(y.data * w.data, (y, w))
        elapsed = time.process_time() - start
    del y
    return elapsed / n


def build_rows(sizes, repeat: int) -> list:
    rows = []
    for n in sizes:
        r = max(1, repeat if n <= 100_000 else repeat // 3)
        on, tracked, off, floor, floor_off = [], [], [], [], []
        for _ in range(r):
            on.append(build_per_node(n, True))
            tracked.append(build_per_node(n, True, untrack=False))
            off.append(build_per_node(n, False))
            floor.append(floor_build_per_node(n, True))
            floor_off.append(floor_build_per_node(n, False))
        rows.append((n, *(statistics.median(t) for t in (on, tracked, off, floor, floor_off))))
    return rows


# --- the report -----------------------------------------------------------------------------

def table(header: list, rows: list) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    return "\n".join(lines)


def ns(seconds: float) -> str:
    return f"{seconds * 1e9:,.0f} ns"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    repeat = 5 if args.quick else 11
    assert gradlab_chain(1000) == floor_chain(1000) == 1.0

    chain = chain_rows(repeat)
    mlp, split, nodes = mlp_rows(repeat)
    print(f"Python {sys.version.split()[0]}; medians of {repeat} alternating runs; the "
          "collector on, as users have it; freeing the graph included\n")
    print(table(["workload", "gradlab", "pure-Python floor", "gradlab / floor"],
                [(name, ns(o), ns(f), f"{o / f:.2f}x") for name, o, f in mlp + chain]))
    total = sum(split.values())
    print(f"\nwhere the MLP step goes ({nodes:,} nodes; phases of one step, medians)\n")
    print(table(["phase", "time", "per node", "share"],
                [(k, f"{v * 1e3:.2f} ms", ns(v / nodes), f"{v / total:.0%}")
                 for k, v in split.items()]))
    sizes = (1_000, 10_000, 100_000) if args.quick else (1_000, 10_000, 100_000, 1_000_000)
    build = build_rows(sizes, repeat)
    print("\nbuilding a chain y = y * w, per node\n")
    if engine.acyclic is None:
        print("(autograd/_untrack.c is not built here: every node is tracked in each column)\n")
    print(table(["nodes", "collector on (as users have it)", "on, every node tracked",
                 "collector off", "on / off", "floor: on", "floor: off"],
                [(f"{n:,}", ns(on), ns(tracked), ns(off), f"{on / off:.2f}x", ns(floor),
                  ns(floor_off)) for n, on, tracked, off, floor, floor_off in build]))
    print(f"\nmemory per node after backward (100k-node chain of * and relu, tracemalloc): "
          f"{bytes_per_node(Value)[1]:.0f} B")


if __name__ == "__main__":
    main()
