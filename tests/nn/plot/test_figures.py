"""nn.plot draws what the model computes: the boundary's regions are the model's
classes, the title's accuracy is the model's accuracy now, the curves are the
history's lists, each neuron panel is that neuron's output; the movie is one
self-contained file with one frame per snapshot."""

import os
import re
import subprocess
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nn  # noqa: E402
from autograd import Value  # noqa: E402
from nn import MLP, SGD, data, fit  # noqa: E402
from tests import ROOT


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def trained():
    """A small moons model trained briefly (not to perfection: accuracy < 1), with
    validation, gradient norms and snapshots recorded."""
    X, y = data.moons(60, noise=0.2, seed=0)
    Xv, yv = data.moons(30, noise=0.2, seed=1)
    model = MLP(2, [5, 3, 1], activation="tanh", rng=0)
    history = fit(model, X, y, epochs=6, progress=False, validation=(Xv, yv),
                  record_grad_norms=True, snapshots=3,
                  optimizer=SGD(model.parameters(), lr=0.05, momentum=0.9))
    return model, history, X, y, Xv, yv


def eager(model, point) -> float | list:
    """The model's output on one point, by the eager Value graph."""
    out = model([Value(float(v)) for v in point])
    return out.data if isinstance(out, Value) else [v.data for v in out]


def eager_accuracy(model, X, y) -> float:
    return float(np.mean([(eager(model, x) > 0) == (t == 1) for x, t in zip(X, y)]))


# --- import -----------------------------------------------------------------------------


def test_import_nn_does_not_import_matplotlib():
    code = ("import sys, nn; assert 'matplotlib' not in sys.modules; "
            "assert 'nn.plot' not in sys.modules; nn.plot.boundary_grid; "
            "assert 'nn.plot' in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert out.stdout.strip() == "ok", out.stderr


def test_without_matplotlib_the_error_says_what_to_install(monkeypatch, trained):
    model, _, X, y, *_ = trained
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=re.escape('pip install -e ".[plot]"')):
        nn.plot.decision_boundary(model, X, y)


def test_unknown_attribute_of_nn_is_still_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'plott'"):
        nn.plott  # noqa: B018


# --- boundary_grid ------------------------------------------------------------------------


def test_boundary_grid_is_the_model_on_the_grid(trained):
    model, _, X, *_ = trained
    xs, ys, Z = nn.plot.boundary_grid(model, X, resolution=30, margin=0.25)
    assert Z.shape == (30, 30) and len(xs) == len(ys) == 30
    assert np.allclose([xs[0], ys[0]], X.min(axis=0) - 0.25)
    assert np.allclose([xs[-1], ys[-1]], X.max(axis=0) + 0.25)
    for i, j in [(0, 0), (0, 29), (29, 0), (7, 19), (15, 15), (29, 29)]:
        assert Z[i, j] == pytest.approx(eager(model, (xs[j], ys[i])), abs=1e-12)


def test_boundary_grid_of_several_outputs_holds_the_argmax_class():
    X, y = data.blobs(40, centers=3, seed=0)
    model = MLP(2, [6, 3], rng=0)
    xs, ys, Z = nn.plot.boundary_grid(model, X, resolution=12)
    assert Z.dtype.kind in "iu"
    for i, j in [(0, 0), (3, 8), (11, 11), (6, 2)]:
        assert Z[i, j] == int(np.argmax(eager(model, (xs[j], ys[i]))))


def test_boundary_grid_through_features():
    X, _ = data.circles(30, seed=0)
    model = MLP(3, [4, 1], rng=0)
    square = lambda P: np.column_stack([P, P[:, 0] * P[:, 1]])
    xs, ys, Z = nn.plot.boundary_grid(model, X, resolution=10, features=square)
    x1, x2 = xs[4], ys[7]
    assert Z[7, 4] == pytest.approx(eager(model, (x1, x2, x1 * x2)), abs=1e-12)


# --- decision_boundary -------------------------------------------------------------------


def _region_of(cs, points) -> np.ndarray:
    """The class whose filled band (of the contourf) holds each point, -1 if none."""
    owner = np.full(len(points), -1)
    for level, path in enumerate(cs.get_paths()):
        if len(path.vertices):
            owner[path.contains_points(points)] = level
    return owner


def test_the_filled_regions_are_the_models_classes(trained):
    model, _, X, y, *_ = trained
    ax = nn.plot.decision_boundary(model, X, y, resolution=40)
    filled = [c for c in ax.collections if getattr(c, "filled", False)]
    assert len(filled) == 1
    xs, ys, Z = nn.plot.boundary_grid(model, X, resolution=40)
    classes = (Z > 0).astype(int)
    assert 0 < classes.mean() < 1  # both classes are on the picture
    # grid points away from the boundary (their 4 neighbours in the same class)
    inner = np.zeros_like(classes, dtype=bool)
    c = classes[1:-1, 1:-1]
    inner[1:-1, 1:-1] = ((c == classes[:-2, 1:-1]) & (c == classes[2:, 1:-1])
                         & (c == classes[1:-1, :-2]) & (c == classes[1:-1, 2:]))
    rows, cols = np.nonzero(inner)
    pick = np.random.default_rng(0).choice(len(rows), size=60, replace=False)
    points = np.column_stack([xs[cols[pick]], ys[rows[pick]]])
    drawn = _region_of(filled[0], points)
    expected = [int(eager(model, p) > 0) for p in points]
    assert drawn.tolist() == expected


def test_the_title_states_the_drawn_models_accuracy(trained):
    """The old demo's title showed the last epoch's running mean over batches; the
    title must be this model's accuracy on these points, now."""
    model, history, X, y, Xv, yv = trained
    ax = nn.plot.decision_boundary(model, X, y, X_test=Xv, y_test=yv, title="moons")
    title = ax.get_title()
    train, test = (float(v) for v in re.findall(r"accuracy (\d\.\d\d)", title))
    assert train == round(eager_accuracy(model, X, y), 2)
    assert test == round(eager_accuracy(model, Xv, yv), 2)
    assert title.startswith("moons\n") and "(n=60)" in title and "(n=30)" in title
    # the running mean fit recorded is another number: the title is not that
    assert round(history.accuracy[-1], 2) != train


def test_train_and_test_points_are_drawn_with_different_markers(trained):
    model, _, X, y, Xv, yv = trained
    ax = nn.plot.decision_boundary(model, X, y, X_test=Xv, y_test=yv)
    scatters = [c for c in ax.collections if c.get_offsets().shape == (60, 2)
                or c.get_offsets().shape == (30, 2)]
    assert [len(c.get_offsets()) for c in scatters] == [60, 30]
    assert np.array_equal(scatters[0].get_offsets(), X)
    assert np.array_equal(scatters[1].get_offsets(), Xv)
    markers = [c.get_paths()[0].vertices.tobytes() for c in scatters]
    assert markers[0] != markers[1]


def test_decision_boundary_of_a_multiclass_model_counts_argmax_hits():
    X, y = data.blobs(45, centers=3, std=0.4, seed=2)
    model = MLP(2, [8, 3], rng=0)
    fit(model, X, y, loss="cross_entropy", epochs=3, progress=False)
    ax = nn.plot.decision_boundary(model, X, y)
    shown = float(re.search(r"train accuracy (\d\.\d\d)", ax.get_title()).group(1))
    hits = np.mean([np.argmax(eager(model, x)) == t for x, t in zip(X, y)])
    assert shown == round(float(hits), 2)


# --- curves -------------------------------------------------------------------------------


def test_loss_curves_are_the_historys_lists(trained):
    _, history, *_ = trained
    ax = nn.plot.loss_curves(history)
    train, val = ax.get_lines()
    assert list(train.get_ydata()) == history.loss and list(val.get_ydata()) == history.val_loss
    assert list(train.get_xdata()) == list(range(1, history.epochs + 1))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]


def test_loss_curves_without_validation_draw_one_line():
    X, y = data.moons(20, seed=0)
    history = fit(MLP(2, [3, 1], rng=0), X, y, epochs=2, progress=False)
    ax = nn.plot.loss_curves(history, label="lr 0.1")
    assert len(ax.get_lines()) == 1 and ax.get_lines()[0].get_label() == "lr 0.1: train"


def test_a_diverging_run_draws_without_overflow(tmp_path):
    """A loss that grows to 1e300 and then inf (lr too large): drawn as recorded, the
    inf left out, and the figure renders (matplotlib's own margins overflowed)."""
    history = nn.History(loss=[10.0 ** (20 * k) for k in range(16)] + [float("inf")])
    ax = nn.plot.loss_curves(history)
    assert list(ax.get_lines()[0].get_ydata()) == history.loss
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.plot.save(ax, tmp_path / "diverging.png")
    assert ax.get_yscale() == "log" and ax.get_ylim()[0] < 1.0


def test_gradient_norms_are_the_historys_per_layer_norms(trained):
    _, history, *_ = trained
    ax = nn.plot.gradient_norms(history)
    lines = ax.get_lines()
    assert len(lines) == 3  # three layers
    for k, line in enumerate(lines):
        assert list(line.get_ydata()) == [epoch[k] for epoch in history.grad_norms]
    assert [line.get_label() for line in lines] == ["L1", "L2", "L3 (output)"]


# --- neuron maps ----------------------------------------------------------------------------


def test_each_neuron_panel_is_that_neurons_output(trained):
    model, _, X, y, *_ = trained
    fig = nn.plot.neuron_maps(model, X, y, resolution=20)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == [f"L1N{j}" for j in range(1, 6)] + \
        [f"L2N{j}" for j in range(1, 4)]
    x0, x1, y0, y1 = panels[0].images[0].get_extent()
    assert np.allclose([x0, y0], X.min(axis=0) - 0.5) and np.allclose([x1, y1],
                                                                       X.max(axis=0) + 0.5)
    xs, ys = np.linspace(x0, x1, 20), np.linspace(y0, y1, 20)
    for i, j in [(0, 0), (19, 19), (4, 13), (12, 3)]:
        h = [Value(xs[j]), Value(ys[i])]
        outputs = []
        for layer in model.layers[:-1]:
            h = layer(h)
            outputs += [v.data for v in h]
        drawn = [ax.images[0].get_array()[i, j] for ax in panels]
        assert drawn == pytest.approx(outputs, abs=1e-12)


# --- the training movie ------------------------------------------------------------------


def test_training_animation_writes_one_self_contained_page(trained, tmp_path):
    model, history, X, y, *_ = trained
    before = model.state_dict()
    path = tmp_path / "training.html"
    html = nn.plot.training_animation(model, history, X, y, path=path, resolution=20)
    assert path.read_text(encoding="utf-8") == html
    assert os.listdir(tmp_path) == ["training.html"]  # no temp file left behind
    frames = re.findall(r'frames\[(\d+)\] = "data:image/png;base64,', html)
    assert frames == ["0", "1", "2"] == [str(k) for k in range(len(history.snapshots))]
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)
    assert "<link" not in html and "http://" not in html and "https://" not in html
    assert model.state_dict() == before  # the model's own parameters are back
    images = re.findall(r'frames\[\d+\] = "(data:image/png;base64,[^"]+)"', html)
    assert len(set(images)) == 3  # three different pictures


def test_training_animation_is_deterministic(trained):
    model, history, X, y, *_ = trained
    one = nn.plot.training_animation(model, history, X, y, resolution=10)
    assert nn.plot.training_animation(model, history, X, y, resolution=10) == one


# --- bad arguments -------------------------------------------------------------------------


def test_bad_arguments_name_what_was_wrong(trained):
    model, history, X, y, *_ = trained
    P = nn.plot
    cases = [
        (lambda: P.boundary_grid(model, np.zeros((5, 3))), ValueError, r"X must hold 2-D points"),
        (lambda: P.boundary_grid(model, [[0, np.nan]]), ValueError, "X has non-finite"),
        (lambda: P.boundary_grid(model, X, resolution=1), ValueError, "resolution must be"),
        (lambda: P.boundary_grid(model, X, margin=-1), ValueError, "margin must be >= 0"),
        (lambda: P.boundary_grid(model, X, features="square"), TypeError, "features must be"),
        (lambda: P.boundary_grid(object(), X), TypeError, r"model must be a model with"),
        (lambda: P.boundary_grid(model, X, features=lambda Q: Q[:3]), ValueError,
         r"features\(points\) must return one row per point"),
        (lambda: P.decision_boundary(model, X, y[:5]), ValueError, r"y must hold one label"),
        (lambda: P.decision_boundary(model, X, y + 0.5), ValueError, "class labels"),
        (lambda: P.decision_boundary(model, X, y, X_test=X), ValueError, "X_test and y_test"),
        (lambda: P.decision_boundary(model, X, y, ax="left"), TypeError, "ax must be"),
        (lambda: P.decision_boundary(model, X, y, title=3), TypeError, "title must be"),
        (lambda: P.loss_curves({"loss": [1]}), TypeError, "history must be the nn.History"),
        (lambda: P.loss_curves(nn.History()), ValueError, "the history has no loss"),
        (lambda: P.gradient_norms(nn.History(loss=[1.0])), ValueError,
         r"record_grad_norms=True"),
        (lambda: P.neuron_maps(MLP(2, [1], rng=0), X), ValueError, "no hidden layer"),
        (lambda: P.neuron_maps(model, X, fig=plt.gca()), TypeError, "fig must be"),
        (lambda: P.training_animation(model, nn.History(loss=[1.0]), X, y), ValueError,
         r"snapshots=k"),
        (lambda: P.training_animation(model, history, X, y, path=3), TypeError,
         "path must be"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()


def test_the_boundary_legend_states_class_by_colour_and_train_test_by_shape():
    """Each fact once: a coloured patch per class (its label), then train ● and test ▲
    in one neutral grey; no marker of the legend takes a point's colour (it once took the
    first point's, so "train" was blue and "test" red, or the other way round)."""
    import matplotlib.colors as mcolors

    from nn.plot.figures import CLASS_COLOURS

    model = nn.MLP(2, [4, 1], rng=0)
    X, y = nn.data.moons(40, seed=0)
    X_test, y_test = nn.data.moons(20, seed=1)
    ax = nn.plot.decision_boundary(model, X, y, X_test=X_test, y_test=y_test)
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["class 0", "class 1", "train", "test"]
    patches, (train, test) = legend.legend_handles[:2], legend.legend_handles[2:]
    assert [mcolors.to_hex(p.get_facecolor()) for p in patches] == \
        [c.lower() for c in CLASS_COLOURS[:2]]
    assert (train.get_marker(), test.get_marker()) == ("o", "^")
    assert train.get_markerfacecolor() == test.get_markerfacecolor() == "#bbbbbb"
    signed = nn.plot.decision_boundary(model, X, 2 * y - 1)  # labels -1 / +1, no test set
    assert [t.get_text() for t in signed.get_legend().get_texts()] == \
        ["class -1", "class 1", "train"]
    three = nn.MLP(2, [4, 3], rng=0)
    X3, y3 = nn.data.blobs(30, centers=3, seed=0)
    texts = [t.get_text() for t in nn.plot.decision_boundary(three, X3, y3).get_legend()
             .get_texts()]
    assert texts[-1] == "train" and texts[:-1] == [f"class {v}" for v in sorted(set(y3))]
