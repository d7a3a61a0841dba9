"""``nn.fit``'s default path against the eager graph, per epoch, in one run.

    python benchmarks/bench_fit.py            # about a minute
    python benchmarks/bench_fit.py --quick    # fewer repetitions

The workload is the issue's classroom model: an MLP 2-16-16-16-1 with tanh hidden
layers on the spirals (``nn.data.spirals(100)``), batches of 16, fit's default loss
(max_margin) and optimizer (SGD, lr 0.1). Two ways to run it:

- eager: ``fit(..., compiled=False)``, a Value graph and ``backward()`` per batch,
  which was ``fit``'s default before it took the fast path;
- default: ``fit(...)``, which now traces the per-sample loss once
  (``autograd.compile``) and replays every batch with numpy ("compiled" in its
  progress line and in ``history.path``).

Both start from the same weights; they are first checked to train to the same losses
and parameters (to 1e-12). A run is one ``fit`` call of ``--epochs`` epochs followed by
``gc.collect()`` (the time per epoch is the run's over its epochs, so the default
path's tracing is included, spread over the epochs); runs of the two alternate, and
the table gives medians and their ratio, measured in the same run. The fixed cost of
a call (the default path traces the model and the loss once per ``fit`` call) shows in
one-epoch calls; "once running" is an epoch without it ((long call - one-epoch call) /
(epochs - 1)).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nn  # noqa: E402

SIZES, BATCH = [16, 16, 16, 1], 16


def train(compiled: bool | None, epochs: int) -> tuple:
    """One fit call on a fresh model: (history, parameters, seconds)."""
    X, y = nn.data.spirals(100, seed=0)
    model = nn.MLP(2, SIZES, activation="tanh", rng=0)
    gc.collect()
    start = time.perf_counter()
    history = nn.fit(model, X, y, epochs=epochs, batch_size=BATCH, progress=False,
                     compiled=compiled)
    gc.collect()
    seconds = time.perf_counter() - start
    return history, np.array([p.data for p in model.parameters()]), seconds


def check_same_numbers(epochs: int = 5) -> str:
    """Both paths train to the same losses and weights before anything is timed."""
    eager_h, eager_p, _ = train(False, epochs)
    default_h, default_p, _ = train(None, epochs)
    assert eager_h.path == "eager" and default_h.path == "compiled", (eager_h.path,
                                                                      default_h.path)
    np.testing.assert_allclose(default_h.loss, eager_h.loss, rtol=1e-12)
    np.testing.assert_allclose(default_p, eager_p, rtol=0, atol=1e-12)
    worst = float(np.max(np.abs(default_p - eager_p)))
    return f"same numbers: {epochs} epochs, losses to 1e-12, weights differ by <= {worst:.1e}"


def measure(repeats: int, epochs: int) -> dict:
    """Alternating runs of the two paths, medians: seconds per epoch over a fit of
    ``epochs`` epochs (the tracing spread over them), a one-epoch call, and per epoch
    once running (the difference of the two over ``epochs - 1``)."""
    runs = {"eager": [], "default": []}
    for _ in range(repeats):
        for name, compiled in (("eager", False), ("default", None)):
            runs[name].append((train(compiled, epochs)[2], train(compiled, 1)[2]))
    return {name: (statistics.median(long / epochs for long, _ in times),
                   statistics.median(one for _, one in times),
                   statistics.median((long - one) / (epochs - 1) for long, one in times))
            for name, times in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repetitions instead of 7")
    parser.add_argument("--epochs", type=int, default=20, help="epochs per timed fit call")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    print(check_same_numbers())
    results = measure(repeats, max(args.epochs, 2))
    eager, default = results["eager"], results["default"]
    print(f"\nnn.fit on MLP 2-{'-'.join(map(str, SIZES))} tanh, spirals(100), batch {BATCH}; "
          f"medians of {repeats} alternating runs (gc.collect() included)\n")
    print(f"| path | per epoch, fit of {args.epochs} epochs | one-epoch fit call | "
          "per epoch once running |")
    print("|---|---|---|---|")
    rows = (("eager (`compiled=False`, the old default)", eager),
            ("default (the compiled replay)", default))
    for label, (per_epoch, call, running) in rows:
        print(f"| {label} | {per_epoch * 1e3:.2f} ms | {call * 1e3:.1f} ms | "
              f"{running * 1e3:.2f} ms |")
    print("| eager / default | " + " | ".join(f"{e / d:.1f}x" for e, d in zip(eager, default))
          + " |")


if __name__ == "__main__":
    main()
