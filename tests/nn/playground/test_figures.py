"""nn.playground.figures: the pictures' artists, laid out in pixels at 72 dpi. No text
under 10 px, no text crossed by an edge or lying over another text or a map, a legend
that says class by colour and train/test by shape once each, every neuron and layer
named by the one helper, curves whose axes move only in whole steps."""

import math
import re
import struct

import matplotlib  # the test extra installs it; without it these tests fail
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.path import Path
from matplotlib.text import Text

from nn.playground import FEATURES, Playground
from nn.playground.figures import (
    DPI,
    TEXT_PX,
    CurvesDrawing,
    NetworkDrawing,
    NetworkLayout,
    delta_text,
    draw_boundary,
    neuron_names,
    px_axes,
    smallest_text_px,
)
from nn.playground.names import label
from nn.plot.figures import CLASS_COLOURS

from .helpers import small

matplotlib.use("Agg")


def canvas(width, height):
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def texts_of(fig):
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def test_the_still_figure_is_940_px_wide_with_no_text_under_10_px():
    pg = small()
    pg.play(epochs=2)
    fig = pg.figure(neuron=(0, 0))
    assert fig.dpi == DPI and smallest_text_px(fig) >= 10 and TEXT_PX >= 10
    png = pg.png(neuron=(0, 0))
    assert png[:4] == b"\x89PNG" and struct.unpack(">I", png[16:20])[0] == 940
    assert set(FEATURES) == {"x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"}
    assert isinstance(pg, Playground) and "epoch 2" in repr(pg)
    with pytest.raises(ValueError, match="edges must be 'weights' or 'grads'"):
        pg.figure(edges="deltas")


def biggest_network_drawing(selected=(1, 1)):
    """The largest network the knobs allow (7 features, 6 layers of 8), drawn; every
    δ written as the widest text delta_text makes."""
    pg = small(features=list(FEATURES), layers=[8] * 6)
    pg.play(epochs=1)
    layout = NetworkLayout([len(pg.features)] + [la.nout for la in pg.model.layers])
    fig = canvas(layout.width, layout.height)
    drawing = NetworkDrawing(fig.add_axes([0, 0, 1, 1]), pg, layout)
    drawing.update(selected=selected)
    candidates = [delta_text(m * 10.0 ** e) for e in range(-320, 6) for m in (-9.96, -4.449)]
    widest = max(candidates, key=lambda t: Text(text=t, fontsize=TEXT_PX, figure=fig)
                 .get_window_extent(fig.canvas.get_renderer()).width)
    for text in drawing.deltas:
        text.set_text(widest)
    fig.canvas.draw()
    return fig, drawing, layout


def test_no_text_of_the_network_is_crossed_by_an_edge_or_over_a_map_or_another_text():
    fig, drawing, layout = biggest_network_drawing()
    assert layout.width <= 620  # beside the knobs at the notebook's default width
    renderer = fig.canvas.get_renderer()
    to_px = drawing.ax.transData.transform
    boxes = [t.get_window_extent(renderer) for t in texts_of(fig)]
    assert len(boxes) == 7 + 8 * 6 + 1 + 8  # names, δ, the heads
    edges = [Path(to_px(np.array(s))) for s in drawing.lines.get_segments()]
    maps = [m.get_window_extent(renderer) for m in drawing.maps]
    for k, box in enumerate(boxes):
        assert not any(e.intersects_bbox(box, filled=False) for e in edges), texts_of(fig)[k]
        assert not any(box.overlaps(m) for m in maps), texts_of(fig)[k]
        assert not any(box.overlaps(other) for other in boxes[:k]), texts_of(fig)[k]
    # each δ lies under its own map, within its column
    for text, m in zip(drawing.deltas, maps[len(FEATURES):]):
        box = text.get_window_extent(renderer)
        assert m.x0 <= box.x0 and box.x1 <= m.x1 and box.y1 <= m.y0
    assert smallest_text_px(fig) >= 10


@pytest.mark.parametrize("value, text", [
    (0.5612, "0.56"), (-0.03149, "-0.031"), (5.6e-5, "5.6e-5"), (-3.04e-12, "-3e-12"),
    (0.0, "0"), (2.345, "2.3"), (-12345.0, "-1.2e4"), (0.0999, "0.100"), (9.96e-3, "1.0e-2"),
    (math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf"), (5e-324, "5e-324"),
])
def test_a_delta_is_written_in_two_significant_digits_and_at_most_7_characters(value, text):
    assert delta_text(value) == text


def test_every_delta_text_is_narrower_than_a_map_and_reads_back():
    fig = canvas(100, 100)
    renderer = fig.canvas.get_renderer()
    for exponent in range(-320, 8):
        for mantissa in (1.0, 1.04, 4.449, 9.96, -9.96, -1.0):
            v = mantissa * 10.0 ** exponent
            if v == 0 or not math.isfinite(v):
                continue
            t = delta_text(v)
            width = Text(text=t, fontsize=TEXT_PX, figure=fig).get_window_extent(renderer).width
            assert len(t) <= 7 and width < NetworkLayout.BOX - 2, t
            back = float(t)
            digits = 1 if re.search(r"e-?\d\d", t) else 2
            assert back == pytest.approx(v, rel=0.5 * 10 ** (1 - digits) + 1e-9), (v, t)


def test_the_boundary_legend_says_class_by_colour_and_train_or_test_by_shape_once():
    pg = small()
    fig = canvas(300, 286)
    ax = px_axes(fig, 40, 6, 252, 236)
    image, train, test = draw_boundary(ax, pg, *pg.boundary(50))
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["class 0", "class 1", "train", "test"]
    patches, shapes = legend.legend_handles[:2], legend.legend_handles[2:]
    assert [matplotlib.colors.to_hex(p.get_facecolor()) for p in patches] == CLASS_COLOURS[:2]
    assert [s.get_marker() for s in shapes] == ["o", "^"]
    assert shapes[0].get_markerfacecolor() == shapes[1].get_markerfacecolor()  # shape only
    # each point: its class's colour; train and test: two shapes
    for points, y in ((train, pg.y_train), (test, pg.y_test)):
        colours = [matplotlib.colors.to_hex(c) for c in points.get_facecolors()]
        assert colours == [CLASS_COLOURS[k] for k in y]
    assert len(train.get_paths()[0].vertices) != len(test.get_paths()[0].vertices)
    fig.canvas.draw()
    assert smallest_text_px(fig) >= 10


@pytest.mark.parametrize("k", [3, 6])
def test_several_classes_a_legend_row_inside_the_panel_and_a_colour_per_class(k):
    pg = small(data="gauss", classes=k, n_samples=120, layers=[3])
    fig = canvas(300, 286)
    ax = px_axes(fig, 40, 6, 252, 236)
    _, train, test = draw_boundary(ax, pg, *pg.probabilities(50))
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == \
        ["class 0"] + [str(c) for c in range(1, k)] + ["train", "test"]
    assert [matplotlib.colors.to_hex(p.get_facecolor()) for p in legend.legend_handles[:k]] \
        == CLASS_COLOURS[:k]
    colours = [matplotlib.colors.to_hex(c) for c in train.get_facecolors()]
    assert colours == [CLASS_COLOURS[c] for c in pg.y_train]
    fig.canvas.draw()
    box = legend.get_window_extent()
    assert box.x0 >= 0 and box.x1 <= 300 and box.y0 >= 0  # the whole legend in the picture
    assert smallest_text_px(fig) >= 10


def test_the_still_figure_shows_a_class_probability_map_on_request():
    pg = small(data="spiral", classes=3, n_samples=90, layers=[3])
    pg.play(epochs=1)
    fig = pg.figure(probability=2)
    titles = [t.get_text() for ax in fig.axes for t in [ax.title]]
    assert "p(class 2) over the plane" in titles and smallest_text_px(fig) >= 10
    assert any(t.startswith("accuracy: train") for ax in pg.figure().axes
               for t in [ax.title.get_text()])
    with pytest.raises(ValueError, match="probability must be a class 0 to 2 .* got 3"):
        pg.figure(probability=3)


def test_neurons_and_layers_are_named_by_the_one_helper_everywhere_in_the_pictures():
    pg = small()
    pg.play(epochs=1)
    assert [name for name, _, _ in neuron_names(pg.model)] == [
        "L1N1", "L1N2", "L1N3", "L1N4", "L2N1", "L2N2", "L3N1"]
    assert [label(i, j) for _, i, j in neuron_names(pg.model)] == \
        [name for name, _, _ in neuron_names(pg.model)]
    fig = pg.figure(neuron=(1, 0))
    words = [t.get_text() for t in texts_of(fig)]
    assert {"input", "L1", "L2", "L3 (output)"} <= set(words)  # the columns' heads, the legends
    assert not [w for w in words if re.search(r"\blayer \d|\bL0|\boutput\b(?<!\(output)", w)]


def test_the_curves_axes_move_in_whole_steps_and_show_the_history():
    pg = small()
    fig = canvas(330, 284)
    curves = CurvesDrawing(px_axes(fig, 44, 22, 206, 90), px_axes(fig, 44, 154, 206, 90),
                           len(pg.model.layers), pg.step_norms.maxlen)
    assert [line.get_label() for line in curves.norms] == ["L1", "L2", "L3 (output)"]
    moves = 0
    for _ in range(30):
        pg.play(epochs=1)
        moves += curves.update(pg)
        assert list(curves.drawn["loss"]) == pg.history.loss
        np.testing.assert_array_equal(curves.drawn["norms"], np.array(pg.step_norms))
        lo, hi = curves.norm_ax.get_ylim()
        finite = curves.drawn["norms"][curves.drawn["norms"] > 0]
        assert lo <= finite.min() and finite.max() <= hi  # every norm in view
        assert math.log10(lo) == int(math.log10(lo))       # whole decades
    assert 1 <= moves <= 6  # the first drawing, and a few new decades or epochs
    x, _ = curves.norms[0].get_data()
    assert x[-1] == 0 and len(x) == len(pg.step_norms)    # steps counted back from the last
