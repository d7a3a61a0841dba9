"""What the playground's tests share: a small playground, and the plane's grid the
views are drawn over, computed here independently of the library."""

import numpy as np

from nn.playground import playground


def small(**knobs):
    base = dict(data="circle", n_samples=80, test_fraction=0.5, layers=[4, 2], batch_size=8,
                lr=0.1, seed=1)
    base.update(knobs)
    return playground(**base)


def grid_of(pg, resolution):
    P = np.vstack([pg.X_train, pg.X_test])
    lo, hi = P.min(axis=0) - 0.5, P.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    return gx, gy
