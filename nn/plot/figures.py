"""The matplotlib figures of ``nn.plot`` (see the package's docstring): decision
boundaries, loss and gradient-norm curves, every hidden neuron's map, the training
animation, and saving a figure atomically."""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path

import numpy as np

from autograd import (
    _internal,
    compile,  # noqa: A004
)

from ..graph import layer_name, neuron_name

__all__ = ["boundary_grid", "decision_boundary", "loss_curves", "neuron_maps",
           "gradient_norms", "training_animation", "save", "hidden_outputs", "CLASS_COLOURS",
           "require_matplotlib"]

_INSTALL = ('nn.plot draws with matplotlib: pip install -e ".[plot]" from a gradlab '
            "checkout (or pip install matplotlib)")
MAX_RESOLUTION = 2000  # grid points per side of a boundary drawing (4 million in all)
MAX_DPI = 2000  # a figure of a few inches stays under matplotlib's 2**23 pixels a side
CLASS_COLOURS = ["#3b6fb6", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f",
                  "#6c757d", "#2e4057", "#f28482", "#84a59d"]


def require_matplotlib():
    """matplotlib, imported on first use (``import nn`` stays free of it)."""
    try:
        import matplotlib
        import matplotlib.colors  # noqa: F401
    except ImportError:
        raise ImportError(_INSTALL) from None
    return matplotlib


def _new_axes(figsize):
    require_matplotlib()
    import matplotlib.pyplot as plt  # a pyplot figure so that Jupyter shows it

    return plt.figure(figsize=figsize).add_subplot()


def _check_axes(ax, who: str):
    if ax is None:
        return None
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"{who}: ax must be a matplotlib Axes (or None for a new figure), "
                        f"got {type(ax).__name__}")
    return ax


# --- checks at the boundary --------------------------------------------------------------


def _check_model(model, who: str):
    _internal.has_methods(model, f"{who}: model", ("predict",),
                      "a model with .predict(X), such as nn.MLP(2, [8, 1])")
    return model


def _check_points(X, who: str, name: str = "X") -> np.ndarray:
    if isinstance(X, (str, bytes)) or _internal.is_complex(X):
        raise TypeError(f"{who}: {name} must be an array of real numbers of shape (n, 2), "
                        f"got {type(X).__name__}")
    try:
        X = np.asarray(X, dtype=float)
    except OverflowError:
        raise ValueError(f"{who}: {name} holds an int too large for a float") from None
    except (TypeError, ValueError) as e:
        raise TypeError(f"{who}: {name} must be an array of numbers of shape (n, 2): {e}") \
            from None
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"{who}: {name} must hold 2-D points, shape (n, 2) with n >= 1, got "
                         f"shape {X.shape} (for more inputs, plot 2 coordinates and pass "
                         "features= to map them to the model's inputs)")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{who}: {name} has non-finite values (nan or inf)")
    return X


def _check_labels(y, n: int, who: str, name: str = "y") -> np.ndarray:
    y = _internal.numbers_array(y, f"{who}: {name}", dtype=None)
    if y.ndim == 2 and y.shape[0] == n and y.shape[1] > 1:  # one-hot rows
        y = np.argmax(y, axis=1)
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"{who}: {name} must hold one label per point, shape ({n},), "
                         f"got shape {y.shape}")
    if y.dtype.kind not in "iub" and not (y.dtype.kind == "f" and np.all(y == np.round(y))):
        raise ValueError(f"{who}: {name} must hold class labels (integers), got "
                         f"{y.dtype} values such as {y.flat[0]!r}")
    return y.astype(int)


def _check_features(features, who: str):
    if features is not None and not callable(features):
        raise TypeError(f"{who}: features must be a function (n, 2) points -> (n, d) model "
                        f"inputs, or None, got {type(features).__name__}")
    return features


def _model_inputs(points: np.ndarray, features, who: str) -> np.ndarray:
    if features is None:
        return points
    inputs = np.asarray(features(points), dtype=float)
    if inputs.ndim == 1:
        inputs = inputs[:, None]
    if inputs.ndim != 2 or len(inputs) != len(points):
        raise ValueError(f"{who}: features(points) must return one row per point, shape "
                         f"({len(points)}, d), got shape {inputs.shape}")
    return inputs


def _predicted(scores: np.ndarray) -> tuple[np.ndarray, bool]:
    """(N,) scores stay scores; (N, k) outputs become argmax classes. Returns
    (Z, several outputs?)."""
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.ndim == 2:
        return np.argmax(scores, axis=1), True
    return scores, False


def _classes(Z: np.ndarray, several: bool, threshold: float) -> np.ndarray:
    """The class a score or argmax stands for: score > threshold is class 1."""
    return Z if several else (Z > threshold).astype(int)


def _accuracy(model, X, y, features, threshold, who) -> float:
    Z, several = _predicted(model.predict(_model_inputs(X, features, who)))
    predicted = _classes(Z, several, threshold)
    truth = y if several else (y == 1).astype(int)  # 0/1 or -1/+1 labels
    return float(np.mean(predicted == truth))


# --- the grid a boundary is drawn from ---------------------------------------------------


def boundary_grid(model, X, resolution: int = 100, margin: float = 0.5, features=None):
    """The model over a grid covering the 2-D points ``X`` (plus ``margin`` on each
    side): returns ``(xs, ys, Z)`` with ``xs``, ``ys`` of length ``resolution`` and
    ``Z[i, j]`` the model at ``(xs[j], ys[i])`` (numpy's ``meshgrid`` order): the
    score for one output, the argmax class for several. ``features`` maps the
    grid's (n, 2) points to the model's inputs (``features(grid)``), for models of
    engineered inputs such as x1*x2 or sin(x1). One ``model.predict`` call."""
    who = "boundary_grid"
    _check_model(model, who)
    X = _check_points(X, who)
    resolution = _internal.integer(resolution, f"{who}: resolution", minimum=2,
                                   maximum=MAX_RESOLUTION)
    margin = _internal.real(margin, f"{who}: margin", minimum=0)
    features = _check_features(features, who)
    return _grid(model, X, resolution, margin, features, who)


def _grid(model, X, resolution, margin, features, who):
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    hi = np.where(hi > lo, hi, lo + 1.0)  # one point and no margin: still a square
    xs, ys = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    scores = model.predict(_model_inputs(points, features, who))
    Z, _ = _predicted(scores)
    return xs, ys, Z.reshape(resolution, resolution)


# --- decision boundary ---------------------------------------------------------------------


def decision_boundary(model, X, y, ax=None, *, X_test=None, y_test=None, features=None,
                      resolution: int = 100, title: str | None = None,
                      threshold: float = 0.0):
    """The model's classes over the plane (filled contour of ``boundary_grid``'s Z:
    score > ``threshold`` is class 1; several outputs: the argmax), the training
    points (circles) and the test points (triangles), coloured by their labels.

    The title states what is drawn: this model's accuracy on these points,
    computed now with ``model.predict`` (``threshold=0.5`` for a model trained with
    mse on 0/1 targets); ``title`` goes on a line above it. Labels are 0/1 (or
    -1/+1) for one output, class indices (or one-hot rows) for several.
    Returns the Axes (scikit-learn: ``DecisionBoundaryDisplay.from_estimator``)."""
    who = "decision_boundary"
    require_matplotlib()
    _check_model(model, who)
    X = _check_points(X, who)
    y = _check_labels(y, len(X), who)
    if (X_test is None) != (y_test is None):
        raise ValueError(f"{who}: pass X_test and y_test together (got only "
                         f"{'X_test' if y_test is None else 'y_test'})")
    if X_test is not None:
        X_test = _check_points(X_test, who, "X_test")
        y_test = _check_labels(y_test, len(X_test), who, "y_test")
    features = _check_features(features, who)
    resolution = _internal.integer(resolution, f"{who}: resolution", minimum=2,
                                   maximum=MAX_RESOLUTION)
    threshold = _internal.real(threshold, f"{who}: threshold")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"{who}: title must be a str or None, got {type(title).__name__}")
    ax = _check_axes(ax, who) or _new_axes((5, 4.5))
    everything = X if X_test is None else np.vstack([X, X_test])
    xs, ys, Z = _grid(model, everything, resolution, 0.5, features, who)
    facts = [_accuracy(model, X, y, features, threshold, who)]
    if X_test is not None:
        facts.append(_accuracy(model, X_test, y_test, features, threshold, who))
    _draw_boundary(ax, xs, ys, Z, threshold, X, y, X_test, y_test)
    ax.set_title(_title(title, facts, len(X), None if X_test is None else len(X_test)),
                 fontsize=10)
    return ax


def _title(title, facts, n_train, n_test) -> str:
    line = f"train accuracy {facts[0]:.2f} (n={n_train})"
    if n_test is not None:
        line += f", test accuracy {facts[1]:.2f} (n={n_test})"
    return line if not title else f"{title}\n{line}"


def _draw_boundary(ax, xs, ys, Z, threshold, X, y, X_test=None, y_test=None):
    from matplotlib.colors import ListedColormap

    several = Z.dtype.kind in "iu"
    regions = _classes(Z, several, threshold)
    k = max(int(regions.max()), int(y.max()), 1 if y_test is None else int(y_test.max())) + 1
    cmap = ListedColormap([CLASS_COLOURS[i % len(CLASS_COLOURS)] for i in range(k)])
    levels = np.arange(k + 1) - 0.5
    ax.contourf(xs, ys, regions, levels=levels, cmap=cmap, alpha=0.25)
    if several or (Z.min() < threshold < Z.max()):
        ax.contour(xs, ys, regions if several else Z, levels=levels[1:-1] if several
                   else [threshold], colors="k", linewidths=0.8)
    labels = lambda v: v if several or v.min() >= 0 else (v == 1).astype(int)
    ax.scatter(X[:, 0], X[:, 1], c=labels(y), cmap=cmap, vmin=-0.5, vmax=k - 0.5,
               edgecolors="k", linewidths=0.5, s=22, marker="o")
    if X_test is not None:
        ax.scatter(X_test[:, 0], X_test[:, 1], c=labels(y_test), cmap=cmap, vmin=-0.5,
                   vmax=k - 0.5, edgecolors="k", linewidths=0.5, s=30, marker="^")
    _legend(ax, cmap, y if y_test is None else np.concatenate([y, y_test]), labels,
            X_test is not None)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


def _legend(ax, cmap, y, labels, with_test: bool) -> None:
    """Each fact once: the class by colour (a patch per class, named by its label), and
    train ● / test ▲ by shape, in grey (so no marker borrows a class's colour)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    values = np.unique(y)
    handles = [Patch(facecolor=cmap(int(labels(np.array([v]))[0])), edgecolor="k",
                     linewidth=0.5, label=f"class {v:g}") for v in values]
    shape = dict(color="none", markerfacecolor="#bbbbbb", markeredgecolor="k",
                 markeredgewidth=0.5)
    handles.append(Line2D([], [], marker="o", markersize=5, label="train", **shape))
    if with_test:
        handles.append(Line2D([], [], marker="^", markersize=6, label="test", **shape))
    ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.8,
              ncol=2 if len(handles) > 4 else 1)


# --- curves from a History -------------------------------------------------------------------


def _check_history(history, who: str, needs: str = "loss"):
    if not all(hasattr(history, a) for a in ("loss", "val_loss", "grad_norms")):
        raise TypeError(f"{who}: history must be the nn.History that fit returns, got "
                        f"{type(history).__name__}")
    if not getattr(history, needs):
        hint = {"loss": "train for at least one epoch",
                "grad_norms": "fit(..., record_grad_norms=True) records them",
                "snapshots": "fit(..., snapshots=k) records them"}[needs]
        raise ValueError(f"{who}: the history has no {needs}: {hint}")
    return history


def _log_scale_if_wide(ax, values) -> bool:
    """A log y axis when every finite value is > 0 and they span more than 10x; the
    y limits from the finite values (set here: matplotlib's own margins overflow on
    a diverging run's 1e300 losses). Non-finite values are not drawn."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if not len(finite):
        return False
    lo, hi = float(finite.min()), float(finite.max())
    wide = lo > 0 and hi > 10 * lo
    if wide:  # limits first (autoscale off), then the scale: no margins computed past 1e308
        lo10, hi10 = math.log10(lo), math.log10(hi)
        pad = 0.05 * (hi10 - lo10)
        # losses past 1e250 leave the chart: matplotlib's log ticks overflow for views to 1e280
        ax.set_ylim(10 ** (lo10 - pad), 10 ** min(hi10 + pad, 250.0))
        ax.set_yscale("log")
    elif hi > lo:
        pad = 0.1 * (hi / 2 - lo / 2)  # 5% of the span, halved first: no overflow
        ax.set_ylim(max(lo - pad, -1.7e308), min(hi + pad, 1.7e308))
    return wide


def loss_curves(history, ax=None, *, label: str | None = None):
    """The training loss per epoch (the mean over that epoch's batches, as ``fit``
    computed it while training) and, when ``fit`` had ``validation=``, the
    validation loss after each epoch. Log scale when the losses are > 0 and span
    more than 10x. ``label``
    prefixes the legend entries (several runs on one Axes). Returns the Axes
    (Keras: plotting ``history.history["loss"]``)."""
    who = "loss_curves"
    require_matplotlib()
    _check_history(history, who)
    if label is not None and not isinstance(label, str):
        raise TypeError(f"{who}: label must be a str or None, got {type(label).__name__}")
    ax = _check_axes(ax, who) or _new_axes((5, 3.2))
    prefix = "" if label is None else f"{label}: "
    epochs = np.arange(1, len(history.loss) + 1)
    ax.plot(epochs, history.loss, label=f"{prefix}train")
    if history.val_loss:
        ax.plot(np.arange(1, len(history.val_loss) + 1), history.val_loss, "--",
                label=f"{prefix}validation")
    _log_scale_if_wide(ax, [v for line in ax.get_lines() for v in line.get_ydata()])
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    return ax


def gradient_norms(history, ax=None):
    """Each layer's gradient norm per epoch (``fit(..., record_grad_norms=True)``:
    the mean over the epoch's batches of ||dJ/dθ|| over that layer's parameters),
    on a log scale when they span more than 10x. Layers near the input far below
    those near the output: the vanishing gradient. Returns the Axes."""
    who = "gradient_norms"
    require_matplotlib()
    _check_history(history, who, "grad_norms")
    ax = _check_axes(ax, who) or _new_axes((5, 3.2))
    norms = np.asarray(history.grad_norms, dtype=float)  # (epochs, layers)
    if norms.ndim != 2:
        raise ValueError(f"{who}: history.grad_norms must hold one list of per-layer norms "
                         f"per epoch, got shape {norms.shape}")
    epochs = np.arange(1, len(norms) + 1)
    n_layers = norms.shape[1]
    cmap = require_matplotlib().colormaps["viridis"]
    for i in range(n_layers):
        name = layer_name(i) + (" (output)" if i == n_layers - 1 else "")
        ax.plot(epochs, norms[:, i], color=cmap(i / max(n_layers - 1, 1)), label=name)
    _log_scale_if_wide(ax, norms.ravel())
    ax.set_xlabel("epoch")
    ax.set_ylabel("gradient norm")
    ax.legend(fontsize=7, ncol=2 if n_layers > 4 else 1)
    return ax


# --- every hidden neuron over the plane --------------------------------------------------------


def _hidden_layers(model, who: str) -> list:
    layers = getattr(model, "layers", None)
    if not isinstance(layers, list) or not all(hasattr(la, "neurons") for la in layers):
        raise TypeError(f"{who}: model must be an MLP (a model with .layers of neurons), got "
                        f"{type(model).__name__}")
    if len(layers) < 2:
        raise ValueError(f"{who}: the model has no hidden layer (only its output layer); "
                         "decision_boundary draws its output")
    return layers[:-1]


def hidden_outputs(model, inputs: np.ndarray) -> np.ndarray:
    """Every hidden neuron's output on every row of ``inputs``, (n, neurons): one
    traced pass (``autograd.compile``) replayed over all rows with numpy."""
    hidden = model.layers[:-1]

    def all_hidden(x):
        h, outs = x, []
        for layer in hidden:
            h = layer._forward(h)
            outs += h
        return outs
    return np.asarray(compile(all_hidden)(inputs), dtype=float).reshape(len(inputs), -1)


def neuron_maps(model, X, y=None, features=None, resolution: int = 40, fig=None):
    """Each hidden neuron's output over the plane, one small panel per neuron, one
    row per hidden layer (the lectures' feature detectors; TensorFlow Playground
    draws the same). Colour is the neuron's output (its activation f(u)); each
    panel has its own colour scale (symmetric about 0, which is white), its range
    written under it. ``X`` sets the plane and is
    drawn on top (coloured by ``y`` when given). Computed by one compiled pass
    over the ``resolution`` x ``resolution`` grid. Returns the Figure."""
    who = "neuron_maps"
    require_matplotlib()
    _check_model(model, who)
    layers = _hidden_layers(model, who)
    X = _check_points(X, who)
    if y is not None:
        y = _check_labels(y, len(X), who)
    features = _check_features(features, who)
    resolution = _internal.integer(resolution, f"{who}: resolution", minimum=2,
                                   maximum=MAX_RESOLUTION)
    from matplotlib.figure import Figure

    if fig is not None and not isinstance(fig, Figure):
        raise TypeError(f"{who}: fig must be a matplotlib Figure (or None for a new one), got "
                        f"{type(fig).__name__}")
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    xs, ys = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    outputs = hidden_outputs(model, _model_inputs(points, features, who))
    widths = [len(layer.neurons) for layer in layers]
    cols = max(widths)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(min(1.3 * cols, 16), 1.45 * len(layers) + 0.3))
    axes = fig.subplots(len(layers), cols, squeeze=False)
    start = 0
    for row in range(len(layers)):
        for j in range(cols):
            ax = axes[row, j]
            ax.set_xticks([])
            ax.set_yticks([])
            if j >= widths[row]:
                ax.set_axis_off()
                continue
            Z = outputs[:, start + j].reshape(resolution, resolution)
            lo_z, hi_z = float(Z.min()), float(Z.max())
            ax.imshow(Z, origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]),
                      aspect="auto", cmap="RdBu_r", interpolation="nearest",
                      **_symmetric(lo_z, hi_z))
            ax.scatter(X[:, 0], X[:, 1], s=4, c="k" if y is None else np.where(y == 1, "w", "k"),
                       edgecolors="k", linewidths=0.3)
            ax.set_title(neuron_name(row, j), fontsize=7, pad=2)
            ax.set_xlabel("0 everywhere (dead)" if lo_z == hi_z == 0 else
                          f"{lo_z:.2g} .. {hi_z:.2g}", fontsize=6, labelpad=1)
        axes[row, 0].set_ylabel(layer_name(row), fontsize=8)
        start += widths[row]
    fig.suptitle("each hidden neuron's output over the plane (red > 0, white 0, blue < 0)"
                 + ("" if y is None else "; points: class 1 white, others black"), fontsize=9)
    fig.tight_layout()
    return fig


def _symmetric(lo: float, hi: float) -> dict:
    """Colour limits symmetric about 0, so white is always an output of 0."""
    m = max(abs(lo), abs(hi)) or 1.0
    return {"vmin": -m, "vmax": m}


# --- the training movie --------------------------------------------------------------------------


def training_animation(model, history, X, y, path=None, features=None, *,
                       resolution: int = 60, threshold: float = 0.0) -> str:
    """A self-contained HTML movie of training: one frame per snapshot that
    ``fit(..., snapshots=k)`` recorded, each showing the decision boundary of the
    model with that snapshot's parameters (title: its accuracy on X, y) and the
    loss curve up to that epoch. The model's own parameters are put back after.
    Written atomically to ``path`` when given; returns the HTML (matplotlib's
    ``FuncAnimation.to_jshtml``: frames as inline PNGs, no network)."""
    who = "training_animation"
    mpl = require_matplotlib()
    X, y, features, resolution, threshold = _check_animation_arguments(
        model, history, X, y, path, features, resolution, threshold, who)
    frames = _snapshot_frames(model, history, X, y, features, resolution, threshold, who)
    animation = _animation(frames, history, X, y, threshold)
    with mpl.rc_context({"animation.embed_limit": 200.0}):
        body = _offline(animation.to_jshtml(fps=3, default_mode="once"))
    html = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            "<title>gradlab: training, frame by frame</title></head>\n<body>\n"
            f"{body}\n</body></html>\n")
    if path is not None:
        _internal.write_atomically(Path(path), html.encode("utf-8"))
    return html


def _check_animation_arguments(model, history, X, y, path, features, resolution, threshold,
                               who: str) -> tuple:
    """training_animation's arguments, checked: (X, y, features, resolution, threshold)."""
    _check_model(model, who)
    _internal.has_methods(model, f"{who}: model", ("state_dict", "load_state_dict"),
                      "an nn model (state_dict, load_state_dict, predict)")
    _check_history(history, who)
    if not getattr(history, "snapshots", None):
        raise ValueError(f"{who}: the history has no snapshots: fit(..., snapshots=k) "
                         "records k of them")
    X = _check_points(X, who)
    y = _check_labels(y, len(X), who)
    features = _check_features(features, who)
    resolution = _internal.integer(resolution, f"{who}: resolution", minimum=2,
                                   maximum=MAX_RESOLUTION)
    threshold = _internal.real(threshold, f"{who}: threshold")
    if path is not None:
        _internal.file_path(path, f"{who}: path")
    return X, y, features, resolution, threshold


def _snapshot_frames(model, history, X, y, features, resolution, threshold, who) -> list:
    """(epoch, xs, ys, Z, accuracy) of each snapshot: the model with its parameters; the
    model's own parameters are put back after."""
    frames = []
    current = model.state_dict()
    try:
        for epoch, state in history.snapshots:
            model.load_state_dict(state)
            xs, ys, Z = _grid(model, X, resolution, 0.5, features, who)
            frames.append((epoch, xs, ys, Z, _accuracy(model, X, y, features, threshold, who)))
    finally:
        model.load_state_dict(current)
    return frames


def _animation(frames, history, X, y, threshold):
    """matplotlib's FuncAnimation of the frames: the decision boundary beside the loss
    curve up to the frame's epoch."""
    from matplotlib.animation import FuncAnimation
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4), dpi=80)
    boundary_ax, loss_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
    loss = np.asarray(history.loss, dtype=float)
    epochs = np.arange(1, len(loss) + 1)

    def draw(k):
        epoch, xs, ys, Z, acc = frames[k]
        boundary_ax.clear()
        _draw_boundary(boundary_ax, xs, ys, Z, threshold, X, y)
        boundary_ax.set_title(f"after epoch {epoch} of {history.epochs}\n"
                              + _title(None, [acc], len(X), None), fontsize=10)
        loss_ax.clear()
        loss_ax.plot(epochs, loss, color="0.8")
        loss_ax.plot(epochs[:epoch], loss[:epoch], color="tab:blue", label="train loss")
        if epoch:
            loss_ax.plot(epoch, loss[epoch - 1], "o", color="tab:blue")
        _log_scale_if_wide(loss_ax, loss)
        loss_ax.set_xlabel("epoch")
        loss_ax.set_ylabel("loss (mean over the epoch's batches)")
        loss_ax.set_title(f"epoch {epoch}: loss {loss[epoch - 1]:.4g}" if epoch
                          else "before training", fontsize=10)
        if not laid_out:  # one layout for every frame: nothing jumps, and half the time
            fig.tight_layout()
            laid_out.append(True)
        return []

    laid_out = []
    return FuncAnimation(fig, draw, frames=len(frames), interval=400, blit=False)


# to_jshtml's buttons are Font Awesome icons from a CDN: offline they would be blank
_ICONS = {"fa-minus": "\u2212", "fa-fast-backward": "|\u25c0\u25c0", "fa-step-backward": "|\u25c0",
          "fa-play fa-flip-horizontal": "\u25c0", "fa-pause": "\u275a\u275a",
          "fa-play": "\u25b6", "fa-step-forward": "\u25b6|", "fa-fast-forward": "\u25b6\u25b6|",
          "fa-plus": "+"}


def _offline(html: str) -> str:
    """matplotlib's player page without its one network resource (the icon font's
    stylesheet: the buttons get text symbols instead), and with a deterministic id
    (a hash of the page instead of a random uuid): the same run, the same file."""
    html = re.sub(r"<link[^>]*font-awesome[^>]*>", "", html)
    html = re.sub(r'<i class="fa (fa-[\w -]+?)"></i>',
                  lambda m: _ICONS.get(m.group(1), m.group(1)[3:]), html)
    uid = re.search(r"anim([0-9a-f]{32})\b", html)
    if uid:
        stable = hashlib.sha1(html.replace(uid.group(1), "").encode()).hexdigest()
        html = html.replace(uid.group(1), stable[:32])
    return html


def save(figure, path, dpi: int = 110) -> Path:
    """``figure.savefig(path)`` (a Figure, or an Axes' figure), written atomically:
    a temp file beside ``path``, then renamed over it. The format is the suffix's
    (.png, .svg, .pdf). Returns the path."""
    from io import BytesIO

    require_matplotlib()
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if isinstance(figure, Axes):
        figure = figure.figure
    if not isinstance(figure, Figure):
        raise TypeError(f"save: figure must be a matplotlib Figure or Axes, got "
                        f"{type(figure).__name__}")
    path = _internal.file_path(path, "save: path")
    dpi = _internal.integer(dpi, "save: dpi", minimum=1, maximum=MAX_DPI)
    buffer = BytesIO()
    figure.savefig(buffer, format=path.suffix[1:] or "png", dpi=dpi)
    _internal.write_atomically(path, buffer.getvalue())
    return path
