"""The playground's pictures (matplotlib, imported on first use), laid out in pixels:
the network as TensorFlow Playground draws it, the decision boundary with the points,
the loss and gradient-norm curves, the δ of every neuron, and the still figure of
everything (``Playground.figure``).

Every picture is drawn at 72 dpi, where a point is a pixel: shown at its size (the
live view's pictures fit the notebook's default width), no text is smaller than
``TEXT_PX``. The live view's panels (``panels``) draw these same artists once and
then only what changes.
"""

from __future__ import annotations

import math

import numpy as np

from .names import label

__all__ = ["require_matplotlib", "neuron_names", "NetworkLayout", "NetworkDrawing",
           "draw_boundary", "boundary_view", "check_view", "region_pixels", "probability_cmap",
           "class_rgb", "CurvesDrawing", "static_figure", "delta_text", "smallest_text_px",
           "px_axes", "DPI", "TEXT_PX"]

DPI = 72                # a point is a pixel
TEXT_PX = 10.5          # the smallest text of every picture (CSS px at the picture's size)
HEAD_PX = 11.5          # heads and titles
POSITIVE, NEGATIVE, HOT = "#4a6cd4", "#d44a4a", "#e6a700"  # as the network player draws
HOT_TEXT = "#a66a00"    # the highlight colour, dark enough for text on white
EDGES_NOTE = {"weights": "edges: the weights", "grads": "edges: this batch's ∂E/∂w"}
EDGES_KEY = " (blue +, red −, width = size); under each neuron its δ = ∂E/∂u on the last batch"
OUTPUT_KEY = "; the output: each class's probability p over the plane, its δ = mean of p − t"


def require_matplotlib():
    try:
        import matplotlib
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError:
        raise ImportError('the playground draws with matplotlib: pip install -e ".[plot]" '
                          "(or pip install matplotlib)") from None
    return matplotlib


def class_cmap():
    """The score's colours: class 0's colour, white at the threshold, class 1's."""
    from matplotlib.colors import LinearSegmentedColormap

    from ..plot.figures import CLASS_COLOURS

    return LinearSegmentedColormap.from_list("playground", [CLASS_COLOURS[0], "#ffffff",
                                                            CLASS_COLOURS[1]])


def probability_cmap(k: int):
    """Class k's probability: white at 0, the class's colour at 1."""
    from matplotlib.colors import LinearSegmentedColormap

    from ..plot.figures import CLASS_COLOURS

    return LinearSegmentedColormap.from_list(f"class{k}", ["#ffffff", CLASS_COLOURS[k]])


def class_rgb(k: int) -> np.ndarray:
    """The colours of classes 0..k-1 as RGB rows in 0..255 (float)."""
    from matplotlib.colors import to_rgb

    from ..plot.figures import CLASS_COLOURS

    return np.array([to_rgb(c) for c in CLASS_COLOURS[:k]]) * 255


def region_pixels(P: np.ndarray) -> np.ndarray:
    """The argmax regions of the class probabilities P (classes, ...): each point the
    colour of its most probable class, paler the less sure the model is (white-ish
    at 1/k, the class's full colour at 1). RGB uint8 of P's shape after the first axis."""
    k = len(P)
    regions = P.argmax(axis=0)
    sure = (np.take_along_axis(P, regions[None], axis=0)[0] - 1 / k) / (1 - 1 / k)
    a = (0.3 + 0.6 * np.clip(sure, 0, 1))[..., None]
    return (255 - a * (255 - class_rgb(k)[regions]) + 0.5).astype(np.uint8)


def score_limits(pg) -> tuple:
    """The score's colour range: white at the threshold, full colour one margin away."""
    half = 0.5 if pg.knobs["loss"] == "mse" else 1.0
    return pg.threshold - half, pg.threshold + half


def map_limits(Z) -> tuple:
    """A feature's or hidden neuron's colour range (blue low, white, red high): around
    0 up to the largest |y| when the map has a sign (tanh: white is 0), else from its
    smallest to its largest value (sigmoid, relu, x1²: the pattern, not one colour)."""
    finite = Z[np.isfinite(Z)] if np.size(Z) else np.zeros(0)
    if not finite.size:
        return -1.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    if lo < 0:
        m = max(-lo, hi)
        return -m, m
    return (lo, hi) if hi > lo else (lo - 1.0, lo + 1.0)


def edge_widths(values: np.ndarray) -> np.ndarray:
    """Line width of each edge (px): 0.4 plus up to 4 for the largest |value|."""
    size = np.abs(np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0))
    top = float(size.max()) if len(size) else 0.0
    return 0.4 + 4.0 * (size / top if top > 0 else size)


def edge_colours(values: np.ndarray) -> list:
    return [POSITIVE if v >= 0 else NEGATIVE for v in values]


def neuron_names(model) -> list:
    """``(name, layer, neuron)`` of every neuron, output last: ("L1N1", 0, 0), ..."""
    return [(label(i, j), i, j) for i, layer in enumerate(model.layers)
            for j in range(layer.nout)]


def delta_text(d: float) -> str:
    """A δ in two significant digits and at most 7 characters, as Python writes
    numbers (a plain ``-``, no ``+``), so it is narrower than a neuron's map: 0.56,
    -0.031, 5.6e-5, -3e-12, 0."""
    if not math.isfinite(d) or d == 0:
        return "0" if d == 0 else str(d)
    sign, a = ("-" if d < 0 else ""), abs(d)
    if 0.01 <= a < 10:
        return sign + (f"{a:.3f}" if a < 0.1 else f"{a:.2f}" if a < 1 else f"{a:.1f}")
    mantissa, exponent = f"{a:.1e}".split("e")  # 5.6e-05, rounded by Python
    if abs(int(exponent)) >= 10:                 # one digit leaves room for two in 1e-12
        mantissa, exponent = f"{a:.0e}".split("e")
    return f"{sign}{mantissa}e{int(exponent)}"


def network_numbers(pg, edges: str, resolution: int) -> dict:
    """What the network drawing shows, as numbers: the maps of each column (input
    features, hidden layers, the output's score), the edges' values (weights, or
    the last batch's ∂E/∂w, in the order layer, neuron j, input i) and the δ."""
    _, _, fmaps = pg.feature_maps(resolution)
    _, _, hmaps = pg.neuron_outputs(resolution)
    # the output column: the score, or each class's probability (softmax) over the plane
    out = list(pg.probabilities(resolution)[2]) if pg.multiclass else [pg.boundary(resolution)[2]]
    values = pg.weights() if edges == "weights" else pg.weight_grads()
    numbers = [] if values is None else [W[j, i] for W, _ in values
                                         for j in range(W.shape[0]) for i in range(W.shape[1])]
    return {"columns": [list(fmaps)] + [list(m) for m in hmaps] + [out],
            "edge_values": np.asarray(numbers, dtype=float), "deltas": pg.deltas()}


def px_axes(fig, x: float, y: float, w: float, h: float, **kwargs):
    """An axes at pixel (x, y) from the figure's top left, w x h pixels."""
    W, H = fig.get_size_inches() * fig.dpi
    return fig.add_axes([x / W, 1 - (y + h) / H, w / W, h / H], **kwargs)


def smallest_text_px(fig) -> float:
    """The font size (px at the figure's size) of its smallest visible text."""
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    return min(sizes) * fig.dpi / 72 if sizes else math.inf


class NetworkLayout:
    """Where the network drawing puts everything, in pixels from its top left: a
    column per layer (the input features first), a map of ``BOX`` pixels per
    feature or neuron, each neuron's δ under its map, the columns' heads above.
    Edges run only between columns and text stays inside its column, so no edge
    crosses a text. The gaps widen to fill ``max_width``."""

    BOX = 46     # a map's side; every delta_text is narrower, so it fits under its map
    ROW = 68     # from one map's top to the next one's: the map, its δ, a gap
    HEAD = 24    # the columns' heads
    NAMES = 50   # the input features' names, left of their maps
    PAD = 6

    def __init__(self, heights: list, max_width: int = 620):
        n, rows = len(heights), max(heights)
        free = max_width - self.NAMES - self.PAD - n * self.BOX
        self.gap = float(np.clip(free / max(n - 1, 1), 28, 120))
        self.width = round(self.NAMES + n * self.BOX + (n - 1) * self.gap + self.PAD)
        self.height = self.HEAD + rows * self.ROW
        self.heights = list(heights)
        self.boxes = [[(round(self.NAMES + c * (self.BOX + self.gap)),
                        round(self.HEAD + (rows - h) * self.ROW / 2 + i * self.ROW + 2))
                       for i in range(h)] for c, h in enumerate(heights)]

    def segments(self) -> list:
        """One line per weight, layer by layer, neuron j, input i: from input i's map
        (its right side) to neuron j's (its left side)."""
        b, out = self.BOX, []
        for c in range(len(self.heights) - 1):
            for x1, y1 in self.boxes[c + 1]:
                for x0, y0 in self.boxes[c]:
                    out.append([(x0 + b, y0 + b / 2), (x1, y1 + b / 2)])
        return out


class NetworkDrawing:
    """The network as TensorFlow Playground draws it, on an axes of ``layout``'s
    size in pixels: each input feature and each neuron a map of its output over the
    plane (the output neuron: the score), each weight an edge, colour = sign (blue
    +, red −), width = size (or the last batch's ∂E/∂w); under each neuron its δ on
    the last batch. ``update`` sets the artists' numbers; ``drawn`` keeps them."""

    def __init__(self, ax, pg, layout: NetworkLayout, resolution: int = 24):
        from matplotlib.collections import LineCollection
        from matplotlib.patches import Rectangle

        self.ax, self.pg, self.layout, self.resolution = ax, pg, layout, resolution
        ax.set_xlim(0, layout.width)
        ax.set_ylim(layout.height, 0)
        ax.set_axis_off()
        self.lines = ax.add_collection(LineCollection(layout.segments(), zorder=1,
                                                      capstyle="butt"))
        b, last = layout.BOX, len(layout.heights) - 1
        lo, hi = score_limits(pg)
        self.maps, self.frames, self.deltas = [], [], []
        for c, column in enumerate(layout.boxes):
            for i, (x, y) in enumerate(column):
                kind = {"cmap": "RdBu_r"} if c != last else \
                    {"cmap": probability_cmap(i), "vmin": 0, "vmax": 1} if pg.multiclass else \
                    {"cmap": class_cmap(), "vmin": lo, "vmax": hi}
                self.maps.append(ax.imshow(np.zeros((2, 2)), origin="lower", zorder=2,
                                           extent=(x, x + b, y + b, y),
                                           interpolation="bilinear", **kind))
                self.frames.append(ax.add_patch(Rectangle((x, y), b, b, fill=False, zorder=3)))
                if c == 0:
                    ax.text(x - 5, y + b / 2, pg.features[i], ha="right", va="center",
                            fontsize=TEXT_PX)
                else:
                    self.deltas.append(ax.text(x + b / 2, y + b + 2, "", ha="center",
                                               va="top", fontsize=TEXT_PX, zorder=4))
            # the last head, "L3 (output)", is wider than a map: it ends at the right edge
            ax.text(column[0][0] + (b + layout.PAD if c == last else b / 2), layout.HEAD - 7,
                    "input" if c == 0 else label(c - 1, last=c == last),
                    ha="right" if c == last else "center", va="baseline", fontsize=HEAD_PX)
        self.n_inputs = len(layout.boxes[0])
        self.drawn = {}

    def update(self, selected=None, edges: str = "weights", numbers=None) -> dict:
        """Every artist to the playground's numbers now (``numbers`` if given)."""
        numbers = numbers or network_numbers(self.pg, edges, self.resolution)
        values = numbers["edge_values"]
        colours, widths = edge_colours(values), edge_widths(values)
        if len(values):
            self.lines.set_colors(colours)
            self.lines.set_linewidths(widths)
        self.lines.set_visible(bool(len(values)))
        maps = [Z for column in numbers["columns"] for Z in column]
        n_out = len(numbers["columns"][-1])
        for k, (image, Z) in enumerate(zip(self.maps, maps)):
            image.set_data(Z)
            if k < len(maps) - n_out:  # the output's score or probabilities: fixed colours
                image.set_clim(*map_limits(Z))
        where = [(c - 1, i) for c, column in enumerate(numbers["columns"]) if c
                 for i in range(len(column))]
        for k, frame in enumerate(self.frames):
            hot = k >= self.n_inputs and where[k - self.n_inputs] == selected
            frame.set_edgecolor(HOT if hot else "0.35")
            frame.set_linewidth(3 if hot else 0.8)
        deltas = numbers["deltas"]
        for text, (layer, i) in zip(self.deltas, where):
            text.set_text("" if deltas is None else delta_text(deltas[layer][i]))
            text.set_color(HOT_TEXT if (layer, i) == selected else "0.15")
        self.drawn = dict(numbers, edge_colours=colours, edge_widths=widths, maps=maps,
                          segments=self.lines.get_segments(), selected=selected, edges=edges,
                          delta_texts=[t.get_text() for t in self.deltas])
        return self.drawn


def draw_boundary(ax, pg, xs, ys, Z, view=None) -> tuple:
    """The model over the plane with the training points (●) and the test points (▲),
    each point in its class's colour; the legend below says each once: class by
    colour, train/test by shape. ``Z`` is the score (one output: class 0's colour,
    white at the threshold, class 1's) or, with several classes, the probabilities
    (classes, res, res): the argmax regions (``region_pixels``), or with ``view=k``
    class k's probability (white 0, its colour 1). Returns ``(image, train points,
    test points)``."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from ..plot.figures import CLASS_COLOURS

    extent = dict(origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]), aspect="auto")
    k = pg.classes
    if view is not None:
        image = ax.imshow(Z[view], cmap=probability_cmap(view), vmin=0, vmax=1,
                          interpolation="bilinear", **extent)
    elif np.ndim(Z) == 3:
        image = ax.imshow(region_pixels(Z), interpolation="nearest", **extent)
    else:
        lo, hi = score_limits(pg)
        image = ax.imshow(Z, cmap=class_cmap(), vmin=lo, vmax=hi, interpolation="bilinear",
                          **extent)
    colours = np.array(CLASS_COLOURS[:k])
    train = ax.scatter(pg.X_train[:, 0], pg.X_train[:, 1], c=colours[pg.y_train], s=16,
                       marker="o", edgecolors="k", linewidths=0.4)
    test = ax.scatter(pg.X_test[:, 0], pg.X_test[:, 1], c=colours[pg.y_test], s=22,
                      marker="^", edgecolors="k", linewidths=0.4)
    shape = dict(color="none", markerfacecolor="0.55", markeredgecolor="k",
                 markeredgewidth=0.4)
    handles = [Patch(color=CLASS_COLOURS[c], label=f"class {c}" if c == 0 or k == 2 else str(c))
               for c in range(k)]  # more classes: "class 0", "1", "2", ... (one row)
    handles += [Line2D([], [], marker="o", markersize=5, label="train", **shape),
                Line2D([], [], marker="^", markersize=6, label="test", **shape)]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=k + 2,
              fontsize=TEXT_PX, frameon=False, handlelength=1.0 if k <= 3 else 0.8,
              handletextpad=0.4 if k <= 3 else 0.3, columnspacing=0.9 if k <= 3 else 0.3,
              borderaxespad=0)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.tick_params(labelsize=TEXT_PX, length=3, pad=2)
    return image, train, test


def plain_ticks(ax) -> None:
    """Tick labels as plain numbers (0.01, not 10⁻²), none on the minor ticks of a log
    scale; again after every ``set_yscale``, which resets them."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def nice_ceiling(v: float) -> float:
    """The smallest of 1, 2, 5 times a power of ten that is at least ``v``."""
    if v <= 0 or not math.isfinite(v):
        return 1.0
    e = 10.0 ** math.floor(math.log10(v))
    return next(m * e for m in (1, 2, 5, 10) if m * e >= v * (1 - 1e-12))


def log_decades(values, default=(1e-3, 1.0)) -> tuple:
    """Whole decades around the finite positive ``values``: the axis only changes
    when a value leaves them."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    if not v.size:
        return default
    lo, hi = math.floor(math.log10(v.min())), math.ceil(math.log10(v.max()))
    return 10.0 ** lo, 10.0 ** max(hi, lo + 1)


class CurvesDrawing:
    """The loss per epoch (train: over the epoch's batches, test) and each layer's
    gradient norm at every step of the last ``steps`` (a line per layer, the legend
    naming them ``L0``, ``L1``, ..., ``output``). Axis limits move in whole steps
    (1, 2, 5 × 10ⁿ epochs, whole decades), so most updates change only the lines."""

    def __init__(self, loss_ax, norm_ax, n_layers: int, steps: int):
        self.loss_ax, self.norm_ax, self.steps = loss_ax, norm_ax, steps
        self.train, = loss_ax.plot([], [], color="#1f77b4", label="train")
        self.test, = loss_ax.plot([], [], "--", color="#ff7f0e", label="test")
        loss_ax.set_title("loss per epoch", fontsize=HEAD_PX, pad=4)
        loss_ax.legend(fontsize=TEXT_PX, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                       handlelength=1.4, borderaxespad=0, frameon=False)
        cmap = require_matplotlib().colormaps["viridis"]
        self.norms = [norm_ax.plot([], [], color=cmap(0.9 * i / max(n_layers - 1, 1)), lw=1,
                                   label=label(i, last=i == n_layers - 1))[0]
                      for i in range(n_layers)]
        norm_ax.set_title("gradient norm per layer, each step", fontsize=HEAD_PX, pad=4)
        norm_ax.set_xlabel(f"steps before the last (the last {steps})", fontsize=TEXT_PX,
                           labelpad=1)
        norm_ax.legend(fontsize=TEXT_PX, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                       handlelength=1.0, borderaxespad=0, frameon=False)
        norm_ax.set_yscale("log")
        norm_ax.set_xlim(-steps, 0)
        for ax in (loss_ax, norm_ax):
            ax.tick_params(labelsize=TEXT_PX, length=3, pad=2)
            plain_ticks(ax)
        self.limits = None
        self.drawn = {}

    def update(self, pg) -> bool:
        """The lines to the playground's history now; True if an axis limit moved
        (then the axes must be drawn again, not only the lines)."""
        h, n_layers = pg.history, len(self.norms)
        self.train.set_data(np.arange(1, h.epochs + 1), h.loss)
        self.test.set_data(np.arange(1, len(h.val_loss) + 1), h.val_loss)
        norms = np.array(pg.step_norms, dtype=float).reshape(-1, n_layers)
        shown = np.where(norms > 0, norms, np.nan)  # a zero gradient: a gap on the log scale
        steps_back = np.arange(-len(norms) + 1, 1)
        for i, line in enumerate(self.norms):
            line.set_data(steps_back, shown[:, i])
        losses = np.array(h.loss + h.val_loss, dtype=float)
        finite = losses[np.isfinite(losses)]
        log = bool(finite.size) and finite.min() > 0
        loss_y = log_decades(finite) if log else (
            min(0.0, finite.min()) if finite.size else 0.0,
            nice_ceiling(finite.max()) if finite.size else 1.0)
        limits = ((0, max(10.0, nice_ceiling(h.epochs))), log, loss_y, log_decades(norms))
        moved = limits != self.limits
        if moved:
            self.limits = limits
            self.loss_ax.set_xlim(*limits[0])
            self.loss_ax.set_yscale("log" if log else "linear")
            plain_ticks(self.loss_ax)
            self.loss_ax.set_ylim(*loss_y)
            self.norm_ax.set_ylim(*limits[3])
        self.drawn = {"loss": self.train.get_ydata(), "val_loss": self.test.get_ydata(),
                      "norms": norms}
        return moved

    @property
    def lines(self) -> list:
        return [self.train, self.test, *self.norms]


def draw_deltas(ax, pg, selected) -> None:
    """|δ| of every neuron on the last batch, log scale, coloured by sign, grouped
    by layer (the network drawing writes each one under its neuron)."""
    deltas = pg.deltas()
    ax.set_title("|δ| on the last batch: blue +, red −", fontsize=HEAD_PX, pad=4)
    flat = np.concatenate(deltas) if deltas is not None else np.zeros(0)
    if deltas is None or not np.any(flat):
        why = "no batch yet: step() or play()" if deltas is None else (
            "every δ is 0 on this batch: the loss\nof each of its points is flat there\n"
            "(max_margin: past the margin)")
        ax.text(0.5, 0.5, why, ha="center", va="center", fontsize=TEXT_PX,
                transform=ax.transAxes)
        ax.set_axis_off()
        return
    x, centres, start = [], [], 0
    for n, d in enumerate(deltas):  # a layer's bars side by side, a gap between layers
        start += 3.5 if n == len(deltas) - 1 else 1  # room for the name "L3 (output)"
        x.extend(start + np.arange(len(d)))
        centres.append(start + (len(d) - 1) / 2)
        start += len(d)
    colours = [HOT if selected == (layer, i) else (POSITIVE if d >= 0 else NEGATIVE)
               for (_, layer, i), d in zip(neuron_names(pg.model), flat)]
    ax.bar(x, np.abs(flat), color=colours, width=0.8)
    ax.set_xticks(centres, [label(n, last=n == len(deltas) - 1) for n in range(len(deltas))])
    if np.all(np.abs(flat) > 0):
        ax.set_yscale("log")
        ax.set_ylim(*log_decades(np.abs(flat)))
    plain_ticks(ax)
    ax.tick_params(labelsize=TEXT_PX, length=3, pad=2)


def boundary_view(pg, view, resolution: int = 100) -> tuple:
    """``(xs, ys, Z)`` for ``draw_boundary``: the score, or the classes' probabilities
    (several classes, or ``view`` = a class whose probability map is shown)."""
    if view is None and not pg.multiclass:
        return pg.boundary(resolution)
    return pg.probabilities(resolution)


def check_view(pg, view):
    """``view``: None (the classes) or a class 0..k-1 whose probability map shows."""
    if view is None:
        return None
    if isinstance(view, bool) or not isinstance(view, (int, np.integer)) or \
            not 0 <= view < pg.classes:
        raise ValueError(f"playground: probability must be a class 0 to {pg.classes - 1} "
                         f"(its probability map) or None (the classes), got {view!r}")
    return int(view)


def static_figure(pg, neuron=None, edges="weights", probability=None):
    """``Playground.figure``: the network, the boundary (or class ``probability``'s
    map), the curves and the δ in one matplotlib Figure (not pyplot's), 940 pixels
    wide at 72 dpi."""
    require_matplotlib()
    from matplotlib.figure import Figure

    if not isinstance(edges, str) or edges not in ("weights", "grads"):
        raise ValueError(f"figure: edges must be 'weights' or 'grads', got {edges!r:.40}")
    probability = check_view(pg, probability)
    if neuron is not None:
        if isinstance(neuron, (str, bytes)) or not isinstance(neuron, (tuple, list)) or \
                len(neuron) != 2:
            raise TypeError(f"figure: neuron must be a pair (layer, neuron) or None, got "
                            f"{type(neuron).__name__}: {neuron!r:.40}")
        neuron = pg.check_neuron(*neuron)
    layout = NetworkLayout([len(pg.features)] + [la.nout for la in pg.model.layers])
    top = max(layout.height + (36 if pg.multiclass else 22), 300)  # the notes under it
    fig = Figure(figsize=(940 / DPI, (48 + top + 240) / DPI), dpi=DPI)
    fig.text(0.5, 1 - 6 / fig.bbox.height, f"{pg!r}".replace(": epoch", "\nepoch"),
             ha="center", va="top", fontsize=HEAD_PX)
    NetworkDrawing(px_axes(fig, 4, 48, layout.width, layout.height), pg,
                   layout).update(selected=neuron, edges=edges)
    fig.text(8 / 940, 1 - (48 + layout.height + 4) / fig.bbox.height,
             EDGES_NOTE[edges] + EDGES_KEY.replace("; under", ";\nunder")
             + (OUTPUT_KEY.replace("; the", ";\nthe") if pg.multiclass else ""), va="top",
             fontsize=TEXT_PX)
    ax = px_axes(fig, 672, 70, 254, 226)
    draw_boundary(ax, pg, *boundary_view(pg, probability), view=probability)
    train, test = pg.accuracy()
    ax.set_title(f"accuracy: train {train:.2f}, test {test:.2f}" if probability is None else
                 f"p(class {probability}) over the plane", fontsize=HEAD_PX, pad=4)
    y = 48 + top + 30
    curves = CurvesDrawing(px_axes(fig, 48, y, 206, 160), px_axes(fig, 374, y, 206, 160),
                           len(pg.model.layers), pg.step_norms.maxlen)
    curves.update(pg)
    draw_deltas(px_axes(fig, 690, y, 230, 160), pg, neuron)
    return fig
