"""nn.playground.panels: the live view's pictures show the playground's own numbers (each
pixel of the boundary and of a neuron's map is the model's output at that point of the
plane, checked against the model itself), each δ sits in its neuron's column, only
what changes is drawn again, and an updated picture equals one drawn from scratch."""

import io

import matplotlib  # the test extra installs it; without it these tests fail
import numpy as np
import pytest
from matplotlib.path import Path
from matplotlib.transforms import Bbox
from PIL import Image

from nn.playground.figures import (
    NetworkLayout,
    class_cmap,
    delta_text,
    map_limits,
    score_limits,
)
from nn.playground.panels import Panels, TextWriter, colour_table, colours, png, resample

from .helpers import grid_of, small

matplotlib.use("Agg")


def pixels(png_bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png_bytes)).convert("RGB")).astype(int)


def test_resampling_puts_each_pixel_centre_where_it_lies_on_the_grid():
    xs, ys = np.linspace(-1.0, 2.0, 7), np.linspace(0.0, 1.0, 5)
    Z = 3 * xs[None, :] - 2 * ys[:, None]   # linear: bilinear interpolation is exact
    out = resample(Z, 40, 90)
    px, py = xs[0] + (np.arange(90) + 0.5) / 90 * 3.0, ys[0] + (np.arange(40) + 0.5) / 40
    np.testing.assert_allclose(out, 3 * px[None, :] - 2 * py[:, None], atol=1e-12)
    table = colour_table(class_cmap())
    got = colours(np.array([[-1.0, 0.0, 1.0, np.nan, 7.0]]), table, -1.0, 1.0)[0]
    want = np.round(class_cmap()([0.0, 0.5, 1.0, 1.0])[:, :3] * 255)
    np.testing.assert_array_equal(got[[0, 2, 4]], want[[0, 2, 3]])  # ends, clipped above
    assert np.abs(got[1] - want[1]).max() <= 1 and tuple(got[3]) == (200, 200, 200)  # nan


def test_the_boundary_picture_is_the_models_score_under_the_points():
    pg = small(layers=[3])
    pg.play(epochs=5)
    panels = Panels(pg)
    image = pixels(panels.boundary())
    drawn = panels.drawn["boundary"]
    r0, r1, c0, c1 = drawn["box"]
    xs, ys = drawn["xs"], drawn["ys"]
    # pixel centres inside the axes, 8 px from every point: only the score shows there
    rows, cols = np.mgrid[r0 + 3:r1 - 3:7, c0 + 3:c1 - 3:7]
    x = xs[0] + (cols + 0.5 - c0) / (c1 - c0) * (xs[-1] - xs[0])
    y = ys[-1] - (rows + 0.5 - r0) / (r1 - r0) * (ys[-1] - ys[0])
    points = np.vstack([pg.X_train, pg.X_test])
    to_px = lambda v, lo, hi, a, b: a + (v - lo) / (hi - lo) * (b - a)  # noqa: E731
    pc = to_px(points[:, 0], xs[0], xs[-1], c0, c1)
    pr = to_px(points[:, 1], ys[-1], ys[0], r0, r1)
    far = np.min(np.hypot(cols.ravel()[:, None] - pc, rows.ravel()[:, None] - pr), axis=1) > 8
    assert far.sum() > 200
    score = pg.model.predict(pg.transform(np.c_[x.ravel(), y.ravel()][far]))
    lo, hi = score_limits(pg)
    want = class_cmap()(np.clip((score - lo) / (hi - lo), 0, 1))[:, :3] * 255
    got = image[rows.ravel()[far], cols.ravel()[far]]
    error = np.abs(got - want).max(axis=1)
    assert np.median(error) <= 2 and error.max() <= 8


def plane(pg, resolution):
    """The grid the maps are drawn over: the points' box and half a unit around it."""
    P = np.vstack([pg.X_train, pg.X_test])
    lo, hi = P.min(axis=0) - 0.5, P.max(axis=0) + 0.5
    return np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)


def test_each_neurons_map_is_its_output_and_its_delta_sits_in_its_column():
    pg = small(features=["x1", "x2", "x1*x2"], layers=[8, 8, 8])
    pg.play(epochs=3)
    panels = Panels(pg)
    image = pixels(panels.network(selected=(1, 2), edges="grads"))
    drawn, layout, size = panels.drawn["network"], NetworkLayout([3, 8, 8, 8, 1]), \
        NetworkLayout.BOX
    # L2N3's map, against the model's own neurons at each pixel's point of the plane
    xs, ys = plane(pg, 24)
    x, y = layout.boxes[2][2]
    rows, cols = np.mgrid[y + 4:y + size - 4:5, x + 4:x + size - 4:5]
    px = xs[0] + (cols + 0.5 - x - 1) / (size - 2) * (xs[-1] - xs[0])
    py = ys[-1] - (rows + 0.5 - y - 1) / (size - 2) * (ys[-1] - ys[0])
    first, second = pg.model.layers[0].neurons, pg.model.layers[1].neurons
    out = []
    for a, b in zip(px.ravel(), py.ravel()):
        h = [n(pg.transform(np.array([[a, b]]))[0].tolist()).data for n in first]
        out.append(second[2](h).data)
    lo, hi = map_limits(drawn["columns"][2][2])
    want = matplotlib.colormaps["RdBu_r"](np.clip((np.array(out) - lo) / (hi - lo), 0, 1))
    error = np.abs(image[rows.ravel(), cols.ravel()] - want[:, :3] * 255).max(axis=1)
    assert np.median(error) <= 4 and error.max() <= 24  # a 24 x 24 grid, interpolated
    # every δ: the last batch's, under its neuron's map, crossed by no edge, apart
    deltas = np.concatenate(pg.deltas())
    assert [float(t) for t in drawn["delta_texts"]] == pytest.approx(deltas, rel=0.06, abs=0)
    edges = [Path(np.array(s)) for s in drawn["segments"]]
    boxes = [b for column in layout.boxes[1:] for b in column]
    extents = drawn["delta_extents"]
    for (x, y), (left, top, right, bottom) in zip(boxes, extents):
        assert x <= left and right <= x + size and y + size <= top
        assert bottom <= y + NetworkLayout.ROW
        box = Bbox([[left, top], [right, bottom]])
        assert not any(e.intersects_bbox(box, filled=False) for e in edges)
    assert all(a[2] <= b[0] or a[3] <= b[1] or b[2] <= a[0] or b[3] <= a[1]
               for k, a in enumerate(extents) for b in extents[:k])
    assert min(panels.text_px().values()) >= 10


def test_only_what_changes_is_drawn_again_and_equals_a_drawing_from_scratch():
    pg = small(layers=[4, 2])
    panels = Panels(pg)
    panels.boundary(), panels.network((0, 0)), panels.curves()
    assert panels.full_draws == 3  # each picture drawn whole once
    moves = 0
    for _ in range(12):
        pg.play(epochs=1)
        before = panels.full_draws
        boundary, network, curves = panels.boundary(), panels.network((0, 0)), panels.curves()
        moves += panels.full_draws - before
    assert moves <= 4  # only the curves, when an axis moves to the next step or decade
    fresh = Panels(pg)
    for name, mine, theirs in (("boundary", boundary, fresh.boundary()),
                               ("network", network, fresh.network((0, 0))),
                               ("curves", curves, fresh.curves())):
        assert np.array_equal(pixels(mine), pixels(theirs)), name  # nothing stale left over
    before = panels.full_draws
    panels.network((1, 1))             # another neuron chosen: its frame is in the background
    assert panels.full_draws == before + 1
    pg.set(layers=[3])                 # a new network: new figures
    panels.rebuilt()
    assert pixels(panels.network((0, 0))).shape[0] == NetworkLayout([2, 3, 1]).height


def test_text_is_written_as_matplotlib_writes_it():
    """The δ written with FreeType sits where matplotlib's own text would (±1 px)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(100 / 72, 40 / 72), dpi=72)
    FigureCanvasAgg(fig)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, 100)
    ax.set_ylim(40, 0)
    ax.set_axis_off()
    ax.text(50, 10, "-9.9e-5", ha="center", va="baseline", fontsize=10.5)
    fig.canvas.draw()
    theirs = 255 - pixels(png(np.asarray(fig.canvas.buffer_rgba())[..., :3]))[..., 0]
    buffer = np.full((40, 100, 4), 255, np.uint8)
    writer = TextWriter(10.5)
    writer.write(buffer, "-9.9e-5", 50, 10 - writer.ascent, (0, 0, 0))
    mine = 255 - buffer[..., 0].astype(int)
    ink = np.nonzero(theirs > 60), np.nonzero(mine > 60)  # (rows, columns) of each
    for theirs_at, mine_at in zip(*ink):                    # rows, then columns
        assert abs(theirs_at.min() - mine_at.min()) <= 1
        assert abs(theirs_at.max() - mine_at.max()) <= 1


# --- several classes ---------------------------------------------------------------------------


def test_the_drawn_regions_are_the_models_argmax_on_the_grid():
    from nn.playground.figures import region_pixels

    pg = small(data="spiral", classes=3, n_samples=150, layers=[6], lr=0.3, batch_size=10)
    pg.play(epochs=4)
    panels = Panels(pg)
    image = pixels(panels.boundary())
    drawn = panels.drawn["boundary"]
    gx, gy = grid_of(pg, 100)
    logits = pg.model.predict(np.c_[gx.ravel(), gy.ravel()])
    want = np.asarray(logits).argmax(axis=1).reshape(100, 100)  # the model, asked here
    np.testing.assert_array_equal(drawn["regions"], want)
    assert len(np.unique(want)) == 3  # every class has a region after a few epochs
    # each pixel inside the axes is its grid point's class, in that class's colour
    r0, r1, c0, c1 = drawn["box"]
    rows, cols = drawn["pixel_rows"], drawn["pixel_cols"]
    assert len(rows) == r1 - r0 and len(cols) == c1 - c0 and rows[0] == 99 and rows[-1] == 0
    expected = region_pixels(drawn["Z"][:, rows][:, :, cols]).astype(int)
    inside = image[r0:r1, c0:c1]
    free = np.all(inside == expected, axis=2)  # points and axes lie over some pixels
    assert free.mean() > 0.85
    colours_now = {tuple(c) for c in inside[free].reshape(-1, 3)[::97]}
    assert len(colours_now) > 20  # shaded by how sure the model is


def test_a_class_probability_map_is_drawn_from_the_softmax():
    pg = small(data="gauss", classes=4, n_samples=160, layers=[], lr=0.3)
    pg.play(epochs=3)
    panels = Panels(pg)
    for k in range(4):
        image = pixels(panels.boundary(view=k))
        drawn = panels.drawn["boundary"]
        assert drawn["view"] == k
        P = drawn["Z"]
        np.testing.assert_allclose(P.sum(axis=0), 1.0, atol=1e-12)
        gx, gy = grid_of(pg, 100)
        z = np.asarray(pg.model.predict(np.c_[gx.ravel(), gy.ravel()]))
        p = np.exp(z - z.max(axis=1, keepdims=True))
        np.testing.assert_allclose(P[k], (p / p.sum(axis=1, keepdims=True))[:, k]
                                   .reshape(100, 100), atol=1e-12)
        r0, r1, c0, c1 = drawn["box"]
        assert image[r0:r1, c0:c1].std() > 5  # a map, not a flat colour
    with pytest.raises(ValueError, match="probability must be a class 0 to 3"):
        panels.boundary(view=4)


def test_several_classes_draw_an_output_map_per_class():
    pg = small(data="spiral", classes=3, n_samples=90, layers=[3])
    pg.play(epochs=1)
    panels = Panels(pg)
    panels.network()
    drawn = panels.drawn["network"]
    P = pg.probabilities(24)[2]
    assert len(drawn["columns"][-1]) == 3
    for k in range(3):
        np.testing.assert_allclose(drawn["columns"][-1][k], P[k], atol=1e-12)
    assert drawn["delta_texts"][-3:] == [delta_text(d) for d in pg.deltas()[-1]]
