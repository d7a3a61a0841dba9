"""The compiled step (``autograd.compile``) against micrograd and against numpy.

    pip install -e ".[bench]"
    python benchmarks/bench_compiled.py            # about two minutes
    python benchmarks/bench_compiled.py --quick    # fewer repetitions, micrograd up to B=100

The workload is micrograd's demo training step: an MLP 2-16-16-1 (ReLU, linear
output) on two-moons points, max-margin loss + 1e-4 * sum of squared parameters,
one SGD update. Three implementations start from the same weights:

- micrograd 0.1.0, exactly as in its demo notebook (a graph per step, backward);
- gradlab: ``nn.MLP`` + ``nn.losses`` traced once by ``autograd.compile``, each step
  ``zero_grad``, ``value_and_grad``, ``nn.SGD.step`` (parameters stay Values);
- numpy: the same network's forward and backward written by hand, vectorised.

They are checked to compute the same thing (losses and parameters after several
steps agree to 1e-12) before anything is timed. Runs alternate between the
implementations, each started from a collected heap (``gc.collect()`` before it, the
collector on as users have it); a run of the fast ones is many steps (per-step time =
run / steps: their garbage is freed as it goes, no reference cycles), a micrograd run
is one step and the ``gc.collect()`` that frees its cyclic graph. Wall-clock time
(numpy's matrix products may use more than one core). The table gives medians and
ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_vs_micrograd import two_moons  # noqa: E402

import nn  # noqa: E402
from autograd import compile  # noqa: E402, A004

try:
    from micrograd import nn as micro_nn
    from micrograd.engine import Value as MicroValue
except ImportError:  # pragma: no cover - the bench extra is missing
    sys.exit("micrograd is not installed: pip install -e '.[bench]'  (micrograd==0.1.0)")

LR, ALPHA = 0.01, 1e-4


def setup(batch: int):
    """The three steps from the same initial weights, on `batch` moons points."""
    X, Y = two_moons(batch)
    random.seed(1337)
    theirs = micro_nn.MLP(2, [16, 16, 1])
    ours = nn.MLP(2, [16, 16, 1])
    ours.load_state_dict({name: p.data for (name, _), p in
                          zip(ours.named_parameters(), theirs.parameters())})
    weights = [np.array([[n.w[j].data for n in layer.neurons] for j in range(nin)], dtype=float)
               for layer, nin in zip(theirs.layers, (2, 16, 16))]
    biases = [np.array([n.b.data for n in layer.neurons], dtype=float) for layer in theirs.layers]

    def step_micrograd():  # micrograd's demo.ipynb, with a constant learning rate
        inputs = [list(map(MicroValue, row)) for row in X]
        scores = list(map(theirs, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(Y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in theirs.parameters())
        total = data_loss + reg_loss
        theirs.zero_grad()
        total.backward()
        for p in theirs.parameters():
            p.data -= LR * p.grad
        return total.data

    # l2_penalty is 1/2 sum p^2, so 2 * ALPHA of it is micrograd's ALPHA * sum p^2
    program = compile(lambda x, y: nn.max_margin([ours(x)], [y])
                      + 2 * ALPHA * nn.l2_penalty(ours, weights_only=False))
    optimizer = nn.SGD(ours.parameters(), lr=LR)
    Xa, Ya = np.array(X), np.array(Y)

    def step_gradlab():
        optimizer.zero_grad()
        loss = program.value_and_grad(Xa, Ya)
        optimizer.step()
        return loss

    W1, W2, W3 = weights
    b1, b2, b3 = biases

    def step_numpy():
        z1 = Xa @ W1 + b1
        h1 = np.maximum(z1, 0.0)
        z2 = h1 @ W2 + b2
        h2 = np.maximum(z2, 0.0)
        s = (h2 @ W3 + b3)[:, 0]
        margin = 1.0 - Ya * s
        loss = np.maximum(margin, 0.0).mean() + ALPHA * sum(
            np.vdot(p, p) for p in (W1, b1, W2, b2, W3, b3))
        ds = np.where(margin > 0, -Ya, 0.0)[:, None] / len(Ya)
        dW3, db3 = h2.T @ ds, ds.sum(0)
        dz2 = (ds @ W3.T) * (z2 > 0)
        dW2, db2 = h1.T @ dz2, dz2.sum(0)
        dz1 = (dz2 @ W2.T) * (z1 > 0)
        dW1, db1 = Xa.T @ dz1, dz1.sum(0)
        for p, g in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2), (W3, dW3), (b3, db3)):
            p -= LR * (g + 2 * ALPHA * p)  # in place
        return loss

    def numpy_parameters():  # in nn's order: per neuron its weights, then its bias
        return np.concatenate([np.concatenate([np.append(W[:, j], b[j])
                                               for j in range(W.shape[1])])
                               for W, b in ((W1, b1), (W2, b2), (W3, b3))])

    return step_micrograd, step_gradlab, step_numpy, ours, numpy_parameters


def check_same_computation(batch: int = 100, steps: int = 5) -> float:
    """All three agree step by step; returns the largest parameter difference."""
    step_micrograd, step_gradlab, step_numpy, ours, numpy_parameters = setup(batch)
    for _ in range(steps):
        a, b, c = step_micrograd(), step_gradlab(), step_numpy()
        assert abs(a - b) < 1e-12 and abs(b - c) < 1e-12, (a, b, c)
    diff = np.max(np.abs(np.array([p.data for p in ours.parameters()]) - numpy_parameters()))
    assert diff < 1e-12, diff
    return float(diff)


def per_step(fn, steps: int, collect: bool = False) -> float:
    """Seconds per step over ``steps`` steps, started from a collected heap. With
    ``collect`` the run ends with ``gc.collect()`` inside the timing: micrograd's graphs
    are reference cycles that only the collector frees, which its users pay for; the
    compiled step and numpy make no cycles (their garbage is freed as it goes), so a
    forced collection inside their timing would only add the cost of scanning the heap."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    if collect:
        gc.collect()
    return (time.perf_counter() - start) / steps


def measure(batch: int, repeat: int, with_micrograd: bool) -> dict:
    step_micrograd, step_gradlab, step_numpy, _, _ = setup(batch)
    fast_steps = max(3, min(200, 20_000 // batch))
    times = {"gradlab": [], "numpy": [], "micrograd": []}
    for _ in range(repeat):
        times["gradlab"].append(per_step(step_gradlab, fast_steps))
        times["numpy"].append(per_step(step_numpy, fast_steps))
        if with_micrograd:
            try:
                times["micrograd"].append(per_step(step_micrograd, 1, collect=True))
            except RecursionError:  # its recursive topological sort, on a long sum
                with_micrograd, times["micrograd"] = False, "RecursionError"
    return {k: v if isinstance(v, str) else (statistics.median(v) if v else None)
            for k, v in times.items()}


def _times(ratio: float) -> str:
    return f"{ratio:.1f}x slower" if ratio >= 1 else f"{1 / ratio:.1f}x faster"


def fmt(seconds):
    if seconds is None or isinstance(seconds, str):
        return seconds or "not run"
    return f"{seconds * 1e3:.3f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--micrograd-max", type=int, default=None,
                        help="largest batch to run micrograd on (default 1000; quick: 100)")
    parser.add_argument("--batches", default="1,10,100,1000,10000,100000",
                        help="the batch sizes, comma-separated (default: all six)")
    args = parser.parse_args(argv)
    repeat = 5 if args.quick else 11
    micro_max = args.micrograd_max or (100 if args.quick else 1000)

    diff = check_same_computation()
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}; the three steps agree "
          f"(losses to 1e-12, parameters after 5 steps differ by {diff:.1e})")
    print(f"medians of {repeat} alternating runs; ratios = other / gradlab compiled\n")
    rows = []
    for batch in (int(b) for b in args.batches.split(",")):
        with_micro = batch <= micro_max
        r = measure(batch, repeat if batch <= 1000 else max(3, repeat // 2),
                    with_micro)
        rows.append({
            "batch": str(batch),
            "gradlab compiled": fmt(r["gradlab"]),
            "numpy by hand": fmt(r["numpy"]),
            "micrograd": fmt(r["micrograd"]),
            "gradlab / numpy": _times(r["gradlab"] / r["numpy"]),
            "micrograd / gradlab": (f"{r['micrograd'] / r['gradlab']:.0f}x faster"
                                    if isinstance(r["micrograd"], float) else "-"),
        })
        print("  measured batch", batch, flush=True)
    cols = list(rows[0])
    widths = [max(len(c), *(len(r[c]) for r in rows)) for c in cols]
    print()
    print("| " + " | ".join(c.ljust(w) for c, w in zip(cols, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(r[c].ljust(w) for c, w in zip(cols, widths)) + " |")


if __name__ == "__main__":
    main()
