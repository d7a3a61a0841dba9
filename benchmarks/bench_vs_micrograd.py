"""gradlab against micrograd 0.1.0, measured in the same run.

    pip install -e ".[bench]"
    python benchmarks/bench_vs_micrograd.py            # full run (about a minute)
    python benchmarks/bench_vs_micrograd.py --quick    # fewer repetitions

Each workload is timed alternately on both libraries, in runs of several steps
started from a collected heap, CPU time of this process (``time.process_time``).
Two ways of collecting garbage:

- as users have it: the cyclic collector on, default thresholds; the run ends with
  ``gc.collect()`` (inside the timing, spread over the run's steps), so each library
  pays for reclaiming its own garbage and never for the other's. micrograd's graphs are
  reference cycles (each node's ``_backward`` closure holds the node), which only the
  collector frees; gradlab's graphs have no cycles and are freed by reference counting
  as they go.
- micrograd with its collector tuned (the honest ratio): automatic collection off
  during the run and ``gc.collect(0)`` after each step, which frees the step's cyclic
  graph while it is young, without scanning the rest of the heap: what a micrograd user
  who knows about its cycles would do.

The table gives medians and the ratios micrograd / gradlab (higher is better for
gradlab).
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nn  # noqa: E402
from autograd import Value  # noqa: E402

try:
    from micrograd import nn as micro_nn
    from micrograd.engine import Value as MicroValue
except ImportError:  # pragma: no cover - the bench extra is missing
    sys.exit("micrograd is not installed: pip install -e '.[bench]'  (micrograd==0.1.0)")


# --- workloads ----------------------------------------------------------------------------

def readme_expression(V):
    """micrograd's README expression, forward and backward."""
    a, b = V(-4.0), V(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return a.grad, b.grad


def two_moons(n=100, seed=1):
    """Deterministic two-moons points with labels +-1 (no numpy needed)."""
    rng = random.Random(seed)
    xs, ys = [], []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2 == 0:
            xs.append([math.cos(t), math.sin(t)])
            ys.append(1.0)
        else:
            xs.append([1.0 - math.cos(t), 0.5 - math.sin(t)])
            ys.append(-1.0)
    return xs, ys


def mlp_params(V, sizes=(2, 16, 16, 1), seed=0):
    rng = random.Random(seed)
    return [[([V(rng.uniform(-1, 1)) for _ in range(nin)], V(0.0)) for _ in range(nout)]
            for nin, nout in zip(sizes, sizes[1:])]


def mlp_step_gradlab(layers, X, Y):
    """Per neuron: products, ONE n-ary sum node, relu. Max-margin loss + 1e-4 L2."""
    scores = []
    for x in X:
        h = [Value(xi) for xi in x]
        for li, layer in enumerate(layers):
            last = li == len(layers) - 1
            out = []
            for w, b in layer:
                act = Value.sum([wi * hi for wi, hi in zip(w, h)] + [b])
                out.append(act if last else act.relu())
            h = out
        scores.append(h[0])
    data_loss = Value.sum([(1 + -yi * s).relu() for yi, s in zip(Y, scores)]) * (1.0 / len(X))
    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    loss = data_loss + 1e-4 * Value.sum([p * p for p in params])
    for p in params:
        p.grad = 0.0
    loss.backward()
    return loss.data


def mlp_step_micrograd(layers, X, Y):
    """The same network written the micrograd way (a chain of + per neuron)."""
    scores = []
    for x in X:
        h = x
        for li, layer in enumerate(layers):
            last = li == len(layers) - 1
            out = []
            for w, b in layer:
                act = sum((wi * hi for wi, hi in zip(w, h)), b)
                out.append(act if last else act.relu())
            h = out
        scores.append(h[0])
    data_loss = sum((1 + -yi * s).relu() for yi, s in zip(Y, scores)) * (1.0 / len(X))
    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    loss = data_loss + 1e-4 * sum(p * p for p in params)
    for p in params:
        p.grad = 0
    loss.backward()
    return loss.data


def nn_training_step_setup():
    """micrograd's demo step (its own MLP) and the same step through gradlab's nn,
    starting from the same weights: max-margin loss + 1e-4 * sum of squared
    parameters, one SGD update."""
    X, Y = two_moons()
    random.seed(1337)
    theirs = micro_nn.MLP(2, [16, 16, 1])
    ours = nn.MLP(2, [16, 16, 1])
    # both list a neuron's parameters as w..., b, layer by layer
    ours.load_state_dict({name: p.data for (name, _), p in
                          zip(ours.named_parameters(), theirs.parameters())})
    optimizer = nn.SGD(ours.parameters(), lr=0.01)

    def step_ours():
        scores = [ours(x) for x in X]
        # l2_penalty is 1/2 sum p^2, so 2e-4 of it is micrograd's 1e-4 * sum p^2
        loss = nn.max_margin(scores, Y) + 2e-4 * nn.l2_penalty(ours, weights_only=False)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.data

    def step_theirs():  # micrograd's demo.ipynb, with a constant learning rate
        inputs = [list(map(MicroValue, row)) for row in X]
        scores = list(map(theirs, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(Y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in theirs.parameters())
        total = data_loss + reg_loss
        theirs.zero_grad()
        total.backward()
        for p in theirs.parameters():
            p.data -= 0.01 * p.grad
        return total.data

    return step_ours, step_theirs


def chain(V, n):
    x = V(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0
    y.backward()
    return x.grad


def bytes_per_node(V, n_nodes=100_000):
    """tracemalloc bytes per node of a graph of n_nodes (alternating * and relu):
    after the forward pass, and after backward() (None when backward fails)."""
    gc.collect()
    w = V(1.0)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    y = V(1.0)
    for _ in range(n_nodes // 2):
        y = (y * w).relu()
    forward = tracemalloc.get_traced_memory()[0] - base
    try:
        y.backward()
        gc.collect()  # the pass's own temporaries (its topological order) are gone
        after = (tracemalloc.get_traced_memory()[0] - base) / n_nodes
    except RecursionError:
        after = None
    tracemalloc.stop()
    return forward / n_nodes, after


# --- timing -------------------------------------------------------------------------------

def timed_run(fn, steps: int, tuned: bool = False) -> float:
    """Seconds per step of ``steps`` calls of ``fn`` (see the module docstring: the
    collector as users have it, or with ``tuned`` as a micrograd expert would set it)."""
    gc.collect()
    if tuned:
        gc.disable()
    try:
        start = time.process_time()
        for _ in range(steps):
            fn()
            if tuned:
                gc.collect(0)
        if not tuned:
            gc.collect()
        return (time.process_time() - start) / steps
    finally:
        if tuned:
            gc.enable()


def compare(name, ours, theirs, repeat, steps=(3, 1), unit="ms", scale=1e3):
    ours_t, theirs_t, tuned_t = [], [], []
    for _ in range(repeat):  # alternate, so drifts in machine load hit all three
        ours_t.append(timed_run(ours, steps[0]))
        theirs_t.append(timed_run(theirs, steps[1]))
        tuned_t.append(timed_run(theirs, steps[1], tuned=True))
    o, t, u = (statistics.median(x) * scale for x in (ours_t, theirs_t, tuned_t))
    return {"workload": name, "gradlab": f"{o:.2f} {unit}",
            "micrograd": f"{t:.2f} {unit}", "ratio": f"{t / o:.1f}x faster",
            "micrograd, collector tuned": f"{u:.2f} {unit}",
            "ratio (tuned)": f"{u / o:.1f}x faster"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    repeat = 5 if args.quick else 15
    rows = []

    n_expr = 200
    rows.append(compare(
        f"1. README expression x{n_expr}",
        lambda: [readme_expression(Value) for _ in range(n_expr)],
        lambda: [readme_expression(MicroValue) for _ in range(n_expr)], repeat, steps=(5, 5)))

    X, Y = two_moons()
    ours, theirs = mlp_params(Value), mlp_params(MicroValue)
    assert abs(mlp_step_gradlab(ours, X, Y) - mlp_step_micrograd(theirs, X, Y)) < 1e-12
    rows.append(compare(
        "2. MLP 2-16-16-1 step, 100 moons",
        lambda: mlp_step_gradlab(ours, X, Y),
        lambda: mlp_step_micrograd(theirs, X, Y), repeat))

    step_ours, step_theirs = nn_training_step_setup()
    first_ours, first_theirs = step_ours(), step_theirs()  # same weights: same loss
    assert abs(first_ours - first_theirs) < 1e-12, (first_ours, first_theirs)
    rows.append(compare(
        "3. nn.MLP training step (micrograd: its MLP)",
        step_ours, step_theirs, repeat))

    n_chain = 1_000_000
    start = time.process_time()
    assert chain(Value, n_chain) == 1.0
    ours_chain = time.process_time() - start
    try:
        chain(MicroValue, n_chain)
        theirs_chain = "completed"
    except RecursionError:
        theirs_chain = "RecursionError"
    rows.append({"workload": "4. chain of 1e6 ops", "gradlab": f"{ours_chain:.2f} s",
                 "micrograd": theirs_chain, "ratio": "-", "micrograd, collector tuned": "-",
                 "ratio (tuned)": "-"})

    (ours_b, ours_after), (theirs_b, theirs_after) = bytes_per_node(Value), \
        bytes_per_node(MicroValue)
    rows.append({"workload": "5. bytes per node (100k nodes)", "gradlab": f"{ours_b:.0f} B",
                 "micrograd": f"{theirs_b:.0f} B", "ratio": f"{theirs_b / ours_b:.1f}x smaller",
                 "micrograd, collector tuned": "-", "ratio (tuned)": "-"})
    theirs = "RecursionError" if theirs_after is None else f"{theirs_after:.0f} B"
    ratio = "-" if theirs_after is None else f"{theirs_after / ours_after:.1f}x smaller"
    rows.append({"workload": "5b. bytes per node after backward()",
                 "gradlab": f"{ours_after:.0f} B", "micrograd": theirs, "ratio": ratio,
                 "micrograd, collector tuned": "-", "ratio (tuned)": "-"})

    print(f"Python {sys.version.split()[0]}, medians of {repeat} alternating runs, CPU time; "
          "the collector on as users have it, garbage reclaimed inside each run; micrograd "
          "also with its collector tuned (off, gc.collect(0) after each step)\n")
    cols = ["workload", "gradlab", "micrograd", "ratio", "micrograd, collector tuned",
            "ratio (tuned)"]
    widths = [max(len(c), *(len(r[c]) for r in rows)) for c in cols]
    print("| " + " | ".join(c.ljust(w) for c, w in zip(cols, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(r[c].ljust(w) for c, w in zip(cols, widths)) + " |")
    return rows


if __name__ == "__main__":
    main()
