"""How fluid the playground is: screen updates per second with a whole epoch each.

    python benchmarks/bench_playground.py            # about a minute
    python benchmarks/bench_playground.py --quick    # fewer repetitions

The workload is the lectures' playground network: 2 inputs (x1, x2), hidden layers
4 + 2 (tanh), one output, bce loss (the default), SGD lr 0.03, batches of 10, on 500
training points of the circle (``nn.playground(n_samples=1000, test_fraction=0.5)``).
Measured, each as the median over repeats:

- an epoch trained by the playground (compiled replay: ``autograd.compile``), and
  the same epoch trained eagerly with Value graphs (``nn.fit(..., compiled=False)``
  on the same data and batches: "eager gradlab", the natural peer); their ratio;
- the boundary grid (``nn.plot.boundary_grid``, 100 x 100 points: one
  ``model.predict`` replay);
- one screen update = one epoch + the boundary grid + the boundary picture drawn
  to PNG, as the live view does each update; and the live view's own update
  (the same, plus the network drawing or the curves in turn), as updates/s;
- the boundary picture two ways in the same run: as the live view draws it (only
  the score's pixels, under the still layer drawn once) and drawn whole each time
  (axes, ticks, legend and points again: how the live view drew it before), and
  their ratio. The targets: at least 40 updates/s with the boundary picture, at
  least 25/s for the live view's update.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matplotlib  # noqa: E402
import numpy as np  # noqa: E402

matplotlib.use("Agg")

import nn  # noqa: E402
from nn.playground.figures import draw_boundary, px_axes  # noqa: E402
from nn.playground.panels import BOUNDARY, Panels, png  # noqa: E402


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def whole_boundary(pg):
    """The boundary picture drawn whole at each call (the peer): the same artists,
    ``set_data`` on the score, then the whole figure drawn and encoded."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(BOUNDARY[0] / 72, BOUNDARY[1] / 72), dpi=72)
    FigureCanvasAgg(fig)
    image, _, _ = draw_boundary(px_axes(fig, 40, 6, 252, 236), pg, *pg.boundary(100))

    def draw():
        image.set_data(pg.boundary(100)[2])
        fig.canvas.draw()
        return png(np.asarray(fig.canvas.buffer_rgba())[..., :3])
    return draw


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    repeats = 5 if args.quick else 25
    knobs = dict(data="circle", n_samples=1000, test_fraction=0.5, layers=[4, 2],
                 activation="tanh", loss="bce", lr=0.03, batch_size=10)
    pg = nn.playground(**knobs)
    assert len(pg.X_train) == 500
    pg.play(epochs=1)  # traced once

    epoch = median_time(lambda: pg.play(epochs=1), repeats)

    eager_model = nn.MLP(2, [4, 2, 1], activation="tanh", rng=0)

    def eager_epoch():
        nn.fit(eager_model, pg.X_train, pg.y_train, loss="bce", epochs=1, batch_size=10,
               optimizer=nn.SGD(eager_model.parameters(), lr=0.03), progress=False,
               compiled=False)
    eager = median_time(eager_epoch, max(3, repeats // 5))

    grid = median_time(lambda: pg.boundary(100), repeats * 4)

    panels = Panels(pg)  # the live view's pictures, without the widgets

    def screen_update():
        pg.play(epochs=1)
        panels.boundary()
    update = median_time(screen_update, repeats * 2)
    whole = whole_boundary(pg)
    changes, peer = [], []
    for _ in range(repeats * 2):  # the two ways alternate, on the same playground
        pg.play(epochs=1)
        changes.append(median_time(panels.boundary, 1))
        peer.append(median_time(whole, 1))
    changes, peer = statistics.median(changes), statistics.median(peer)
    pg.show()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        live = median_time(pg._front._update, repeats * 2)

    print(f"playground 2-[4, 2]-1 tanh, 500 training points, batch 10 "
          f"({'quick' if args.quick else 'full'} run, medians)")
    rows = [
        ("epoch, compiled replay (playground)", f"{epoch * 1e3:8.2f} ms",
         f"{1 / epoch:8.1f} epochs/s"),
        ("epoch, eager Value graphs (eager gradlab)", f"{eager * 1e3:8.2f} ms",
         f"{1 / eager:8.1f} epochs/s"),
        ("  ratio eager / compiled", f"{eager / epoch:8.1f} x", ""),
        ("boundary grid 100 x 100 (predict)", f"{grid * 1e3:8.2f} ms", ""),
        ("update: epoch + grid + boundary PNG", f"{update * 1e3:8.2f} ms",
         f"{1 / update:8.1f} updates/s"),
        ("live view update (+ network or curves)", f"{live * 1e3:8.2f} ms",
         f"{1 / live:8.1f} updates/s"),
        ("boundary PNG, only what changes", f"{changes * 1e3:8.2f} ms", ""),
        ("boundary PNG, drawn whole (before)", f"{peer * 1e3:8.2f} ms", ""),
        ("  ratio whole / only what changes", f"{peer / changes:8.1f} x", ""),
    ]
    for name, a, b in rows:
        print(f"{name:<44}{a:>14}{b:>20}")


if __name__ == "__main__":
    main()
