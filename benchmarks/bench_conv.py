"""A small convolutional net on the 8x8 digits, eager and compiled, in one run.

    python benchmarks/bench_conv.py            # about two minutes
    python benchmarks/bench_conv.py --quick    # fewer repetitions

The workload is notebook 12's LeCun-style net, ``Sequential(Conv2d((8, 8), 8, 3),
Layer(288, 10, activation="linear"))``: 8 filters of 3x3 whose 80 parameters are reused
at all 36 positions, then a dense layer; softmax cross-entropy, Adam (lr 0.01), batches
of 32, on the first 256 training images of ``nn.data.load_digits()`` (the eager graph
needs seconds per epoch). Three ways, each a ``fit`` call on a fresh model with the same
weights:

- eager: ``fit(..., compiled=False)``, a Value graph and ``backward()`` per batch;
- compiled: ``fit(...)``, one sample's loss traced once (``autograd.compile``) and every
  batch replayed with numpy: every position of every filter is one neuron of a
  ``W @ H`` layer whose W repeats the shared weights;
- the peer at replay speed: the 64-32-10 MLP of notebook 9, compiled, on the same data.

First the eager and compiled conv nets are checked to train to the same losses and
weights (to 1e-12). A run is one ``fit`` call followed by ``gc.collect()``; per epoch is
the call's time over its epochs (the compiled path's one tracing included), and "once
running" leaves the tracing out (a long call minus a one-epoch call, over the epochs
between). Runs of the three alternate; the table gives medians and ratios measured in
the same run. The compiled conv net's matrix products (288 x 64 by a batch) are large
enough for OpenBLAS to split over threads; on a machine busy with other jobs the threads
wait for a free core, so compare with ``OPENBLAS_NUM_THREADS=1`` too.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nn  # noqa: E402

FILTERS, BATCH, N_TRAIN = 8, 32, 256


def conv_net() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d((8, 8), FILTERS, 3, rng=0),
                         nn.Layer(36 * FILTERS, 10, activation="linear", rng=1))


def mlp() -> nn.MLP:
    return nn.MLP(64, [32, 10], activation="tanh", rng=0)


def data(n: int = N_TRAIN) -> tuple:
    X, y = nn.data.load_digits()
    X_train, _, y_train, _ = nn.data.train_test_split(X, y, test_fraction=0.25, seed=0)
    return X_train[:n], y_train[:n]


def train(make, compiled: bool | None, epochs: int, n: int = N_TRAIN) -> tuple:
    """One fit call on a fresh model: (history, parameters, seconds)."""
    X, y = data(n)
    model = make()
    gc.collect()
    start = time.perf_counter()
    history = nn.fit(model, X, y, loss="cross_entropy", epochs=epochs, batch_size=BATCH,
                     progress=False, compiled=compiled, seed=0,
                     optimizer=nn.Adam(model.parameters(), lr=0.01))
    gc.collect()
    seconds = time.perf_counter() - start
    return history, np.array([p.data for p in model.parameters()]), seconds


def check_same_numbers(epochs: int = 2, n: int = 64) -> str:
    """Both paths train the conv net to the same losses and weights before any timing."""
    eager_h, eager_p, _ = train(conv_net, False, epochs, n)
    compiled_h, compiled_p, _ = train(conv_net, None, epochs, n)
    assert eager_h.path == "eager" and compiled_h.path == "compiled", (eager_h.path,
                                                                       compiled_h.path)
    np.testing.assert_allclose(compiled_h.loss, eager_h.loss, rtol=1e-12)
    np.testing.assert_allclose(compiled_p, eager_p, rtol=0, atol=1e-12)
    worst = float(np.max(np.abs(compiled_p - eager_p)))
    return (f"same numbers: {epochs} epochs on {n} images, losses to 1e-12, weights differ by "
            f"<= {worst:.1e}")


def measure(repeats: int, epochs: int) -> dict:
    """Alternating runs, medians of seconds per epoch: the eager conv net (one-epoch
    calls); the compiled conv net and the compiled MLP over calls of ``epochs`` epochs
    (their one tracing spread over them) and once running ((the long call - a one-epoch
    call) / (epochs - 1))."""
    runs = {"eager": [], "compiled": [], "mlp": []}
    for _ in range(repeats):
        runs["eager"].append((train(conv_net, False, 1)[2],) * 2)
        for name, make in (("compiled", conv_net), ("mlp", mlp)):
            long, one = train(make, None, epochs)[2], train(make, None, 1)[2]
            runs[name].append((long / epochs, (long - one) / (epochs - 1)))
    return {name: tuple(statistics.median(t[i] for t in times) for i in (0, 1))
            for name, times in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repetitions instead of 7")
    parser.add_argument("--epochs", type=int, default=10, help="epochs per compiled fit call")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    print(check_same_numbers())
    args.epochs = max(args.epochs, 2)
    t = measure(repeats, args.epochs)
    conv, peer = conv_net(), mlp()
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "OpenBLAS's default")
    print(f"\nnn.fit, {N_TRAIN} digits per epoch, batches of {BATCH}, cross-entropy, Adam; "
          f"medians of {repeats} alternating runs (gc.collect() included); BLAS threads: "
          f"{threads}\n")
    print(f"| model | parameters | path | per epoch, fit of {args.epochs} epochs | per epoch "
          "once running | per image once running |")
    print("|---|---|---|---|---|---|")
    rows = ((f"conv {FILTERS}x3x3 + dense 10", conv, "eager (one-epoch fits)", t["eager"]),
            (f"conv {FILTERS}x3x3 + dense 10", conv, "compiled", t["compiled"]),
            ("MLP 64-32-10 tanh (the peer)", peer, "compiled", t["mlp"]))
    for label, model, path, (per_epoch, running) in rows:
        print(f"| {label} | {model.num_parameters} | {path} | {per_epoch * 1e3:.1f} ms | "
              f"{running * 1e3:.1f} ms | {running / N_TRAIN * 1e6:.0f} us |")
    print(f"\neager / compiled (conv net, once running): "
          f"{t['eager'][1] / t['compiled'][1]:.0f}x; compiled conv net / compiled MLP: "
          f"{t['compiled'][0] / t['mlp'][0]:.2f}x per epoch of a {args.epochs}-epoch fit, "
          f"{t['compiled'][1] / t['mlp'][1]:.2f}x once running")

if __name__ == "__main__":
    main()
