"""The playground's pictures (matplotlib, imported on first use): the network as
TensorFlow Playground draws it, the δ of every neuron, the still figure of
everything (``Playground.figure``), and the live view's panels drawn to PNG."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["require_matplotlib", "neuron_names", "NetworkDrawing", "static_figure", "Panels"]

POSITIVE, NEGATIVE, HOT = "#4a6cd4", "#d44a4a", "#e6a700"  # as the network player draws


def require_matplotlib():
    try:
        import matplotlib
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError:
        raise ImportError('the playground draws with matplotlib: pip install -e ".[plot]" '
                          "(or pip install matplotlib)") from None
    return matplotlib


def _class_cmap():
    from matplotlib.colors import LinearSegmentedColormap

    from ..plot.figures import CLASS_COLOURS

    return LinearSegmentedColormap.from_list("playground", [CLASS_COLOURS[0], "#ffffff",
                                                            CLASS_COLOURS[1]])


def _score_norm(pg):
    """Colours of the score: white at the threshold, full colour one margin away."""
    from matplotlib.colors import Normalize

    half = 0.5 if pg.knobs["loss"] == "mse" else 1.0
    return Normalize(vmin=pg.threshold - half, vmax=pg.threshold + half, clip=True)


def _symmetric(Z) -> tuple:
    m = float(np.max(np.abs(Z))) if np.size(Z) else 1.0
    return (-m, m) if m > 0 else (-1.0, 1.0)


def _edge_width(values: np.ndarray) -> np.ndarray:
    """Line width of each edge: 0.3 points plus up to 4 for the largest |value|."""
    top = float(np.max(np.abs(values))) if len(values) else 0.0
    return 0.3 + 4.0 * (np.abs(values) / top if top > 0 else np.zeros(len(values)))


def neuron_names(model) -> list:
    """``(name, layer, neuron)`` of every neuron, output last: ("L0N0", 0, 0), ..."""
    return [(f"L{i}N{j}", i, j) for i, layer in enumerate(model.layers)
            for j in range(layer.nout)]


def _network_numbers(pg, edges: str, resolution: int) -> dict:
    """What the network drawing shows, as numbers: the maps of each column (input
    features, hidden layers, the output's score), the edges' values (weights, or
    the last batch's ∂E/∂w, in the order layer, neuron j, input i) and the δ."""
    _, _, fmaps = pg.feature_maps(resolution)
    _, _, hmaps = pg.neuron_outputs(resolution)
    _, _, out = pg.boundary(resolution)
    values = pg.weights() if edges == "weights" else pg.weight_grads()
    numbers = [] if values is None else [W[j, i] for W, _ in values
                                         for j in range(W.shape[0]) for i in range(W.shape[1])]
    return {"columns": [list(fmaps)] + [list(m) for m in hmaps] + [[out]],
            "edge_values": np.asarray(numbers, dtype=float), "deltas": pg.deltas()}


class NetworkDrawing:
    """The network as TensorFlow Playground draws it: each input feature and each
    neuron a small map of its output over the plane (the output neuron: the score),
    each weight an edge, colour = sign (blue +, red −), width = size; with
    ``edges="grads"`` the edges show the last batch's ∂E/∂w instead. Under each
    neuron its δ on the last batch. The artists are made once per network and
    updated in place (``update``); ``drawn`` holds the numbers last drawn."""

    SIZE, GAP = 0.62, 2.2  # a map's side and the distance between columns

    def __init__(self, ax, pg, resolution: int = 24):
        self.ax, self.pg, self.resolution = ax, pg, resolution
        heights = [len(pg.features)] + [layer.nout for layer in pg.model.layers]
        self.pos = [[(c * self.GAP, (n - 1) / 2 - i) for i in range(n)]
                    for c, n in enumerate(heights)]
        self._edges(heights)
        self._maps(heights)
        self._frame(heights)
        self.drawn = {}

    def _edges(self, heights) -> None:
        """One line per weight, from input i's map to neuron j's."""
        from matplotlib.collections import LineCollection

        size, segments = self.SIZE, []
        for layer in range(len(heights) - 1):
            for j in range(heights[layer + 1]):
                for i in range(heights[layer]):
                    (x0, y0), (x1, y1) = self.pos[layer][i], self.pos[layer + 1][j]
                    segments.append([(x0 + size / 2, y0), (x1 - size / 2, y1)])
        self.lines = LineCollection(segments, zorder=1, alpha=0.85)
        self.ax.add_collection(self.lines)

    def _maps(self, heights) -> None:
        """Each feature's and neuron's map in its box; the features' names, the δ texts."""
        from matplotlib.patches import Rectangle

        ax, pg, size = self.ax, self.pg, self.SIZE
        self.images, self.boxes, self.texts = [], [], []
        norm, cmap = _score_norm(pg), _class_cmap()
        blank = np.zeros((2, 2))
        last = len(heights) - 1
        for c, n in enumerate(heights):
            for i in range(n):
                x, y = self.pos[c][i]
                extent = (x - size / 2, x + size / 2, y - size / 2, y + size / 2)
                kind = {"cmap": cmap, "norm": norm} if c == last else {"cmap": "RdBu_r"}
                self.images.append(ax.imshow(blank, origin="lower", extent=extent, zorder=2,
                                             interpolation="bilinear", **kind))
                self.boxes.append(ax.add_patch(Rectangle((x - size / 2, y - size / 2), size,
                                                         size, fill=False, zorder=3)))
                if c == 0:
                    ax.text(x - size / 2 - 0.08, y, pg.features[i], ha="right", va="center",
                            fontsize=8)
                else:
                    self.texts.append(ax.text(x + size / 2 + 0.05, y, "", ha="left",
                                              va="center", fontsize=6, zorder=4,
                                              bbox={"fc": "white", "ec": "none",
                                                    "alpha": 0.75, "pad": 0.5}))

    def _frame(self, heights) -> None:
        """The columns' heads, the limits and the title."""
        ax, tall, last = self.ax, max(heights), len(heights) - 1
        for c in range(len(heights)):
            head = "input" if c == 0 else ("output" if c == last else f"layer {c}")
            ax.text(c * self.GAP, (tall - 1) / 2 + 0.55, head, ha="center", va="bottom",
                    fontsize=8)
        ax.set_xlim(-1.2, self.GAP * last + 1.3)
        ax.set_ylim(-(tall - 1) / 2 - 0.75, (tall - 1) / 2 + 0.85)
        ax.set_aspect("equal")
        ax.set_axis_off()
        self.title = ax.set_title("", fontsize=8)

    def update(self, selected=None, edges: str = "weights") -> dict:
        numbers = _network_numbers(self.pg, edges, self.resolution)
        values = numbers["edge_values"]
        colours = [POSITIVE if v >= 0 else NEGATIVE for v in values]
        widths = _edge_width(values)
        if len(values):
            self.lines.set_colors(colours)
            self.lines.set_linewidths(widths)
        self.lines.set_visible(bool(len(values)))
        maps = [Z for column in numbers["columns"] for Z in column]
        n_out = len(numbers["columns"][-1])
        for k, (image, Z) in enumerate(zip(self.images, maps)):
            image.set_data(Z)
            if k < len(maps) - n_out:
                image.set_clim(*_symmetric(Z))
        self._mark(numbers, selected)
        what = "weights" if edges == "weights" else "this batch's ∂E/∂w"
        self.title.set_text(f"edges: {what} (blue +, red −, width = size); "
                            "δ = ∂E/∂u on the batch")
        self.drawn = dict(numbers, edge_colours=colours, edge_widths=widths,
                          segments=self.lines.get_segments(), maps=maps)
        return self.drawn

    def _mark(self, numbers: dict, selected) -> None:
        """The selected neuron's box and δ in the highlight colour; every neuron's δ."""
        where = [(c - 1, i) for c, column in enumerate(numbers["columns"]) if c
                 for i in range(len(column))]
        n_inputs = len(numbers["columns"][0])
        for k, box in enumerate(self.boxes):
            hot = k >= n_inputs and where[k - n_inputs] == selected
            box.set_edgecolor(HOT if hot else "0.3")
            box.set_linewidth(2.5 if hot else 0.6)
        deltas = numbers["deltas"]
        for text, (layer, i) in zip(self.texts, where):
            text.set_text("" if deltas is None else f"δ {deltas[layer][i]:+.2g}")
            text.set_color(HOT if (layer, i) == selected else "0.2")


def _draw_deltas(ax, pg, selected) -> None:
    """|δ| of every neuron on the last batch, log scale, coloured by sign."""
    deltas = pg.deltas()
    ax.set_title("δ per neuron on the last batch", fontsize=9)
    if deltas is None:
        ax.text(0.5, 0.5, "no batch yet: step() or play()", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    names = [n for n, _, _ in neuron_names(pg.model)]
    flat = np.concatenate(deltas)
    if not np.any(flat):
        ax.text(0.5, 0.5, "every δ is 0 on this batch: the loss of each of its\npoints is "
                "flat there (max_margin: past the margin)", ha="center", va="center",
                fontsize=8, transform=ax.transAxes)
        ax.set_axis_off()
        return
    colours = [HOT if selected == (i, j) else (POSITIVE if d >= 0 else NEGATIVE)
               for (_, i, j), d in zip(neuron_names(pg.model), flat)]
    ax.bar(range(len(flat)), np.abs(flat), color=colours)
    ax.set_xticks(range(len(flat)), names, rotation=90, fontsize=6)
    if np.all(np.abs(flat) > 0):
        ax.set_yscale("log")
    ax.set_ylabel("|δ| (blue +, red −)", fontsize=8)


def static_figure(pg, neuron=None, edges="weights"):
    """``Playground.figure``: the network, the boundary, the curves and the δ in one
    matplotlib Figure (not pyplot's)."""
    require_matplotlib()
    from matplotlib.figure import Figure

    from .. import plot

    if edges not in ("weights", "grads"):
        raise ValueError(f"figure: edges must be 'weights' or 'grads', got {edges!r}")
    if neuron is not None:
        pg.check_neuron(*neuron)
    fig = Figure(figsize=(14, 8.4), layout="constrained")
    grid = fig.add_gridspec(2, 3, height_ratios=[1.25, 1], width_ratios=[1, 1, 1.15])
    NetworkDrawing(fig.add_subplot(grid[0, :2]), pg).update(selected=neuron, edges=edges)
    ax = fig.add_subplot(grid[0, 2])
    plot.decision_boundary(pg.model, pg.X_train, pg.y_train, ax, X_test=pg.X_test,
                           y_test=pg.y_test, features=pg.transform, threshold=pg.threshold,
                           title=f"epoch {pg.epoch}, {pg.steps} steps")
    ax.title.set_fontsize(8.5)
    for ax, records, draw, title in (
            (fig.add_subplot(grid[1, 0]), pg.history.loss, plot.loss_curves,
             "loss: train (over the epoch's batches), test"),
            (fig.add_subplot(grid[1, 1]), pg.history.grad_norms, plot.gradient_norms,
             "gradient norm per layer (mean over each epoch's batches)")):
        if records:
            draw(pg.history, ax)
            ax.set_title(title, fontsize=9)
        else:
            ax.text(0.5, 0.5, "no epoch yet", ha="center", transform=ax.transAxes)
            ax.set_axis_off()
    _draw_deltas(fig.add_subplot(grid[1, 2]), pg, neuron)
    fig.suptitle(f"{pg!r}".replace(": epoch", "\nepoch"), fontsize=9)
    return fig


class Panels:
    """The live view's pictures, each its own small figure drawn to PNG bytes. The
    boundary keeps its artists (one ``set_data`` per update); the network and the
    curves are drawn again. ``drawn`` keeps the numbers of the last drawing."""

    def __init__(self, pg, resolution: int = 100):
        require_matplotlib()
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.pg, self.resolution = pg, resolution
        self.figures = {}
        for name, size in (("boundary", (4.2, 4.0)), ("network", (5.4, 4.0)),
                           ("curves", (10.8, 2.5))):
            fig = Figure(figsize=size, dpi=80)
            FigureCanvasAgg(fig)
            self.figures[name] = fig
        self.drawn = {}
        self.rebuilt()

    def rebuilt(self) -> None:
        # new data or network: new points, limits, maps and edges
        self._boundary_artists = self._network = self._curves = None

    @staticmethod
    def _png(fig) -> bytes:
        import io

        from PIL import Image  # matplotlib's own dependency

        fig.canvas.draw()
        buf = io.BytesIO()
        Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3]).save(
            buf, format="png", compress_level=1)
        return buf.getvalue()

    def boundary(self) -> bytes:
        pg = self.pg
        xs, ys, Z = pg.boundary(self.resolution)
        fig = self.figures["boundary"]
        if self._boundary_artists is None:
            self._boundary_artists = self._new_boundary(fig, xs, ys, Z)
        image, title = self._boundary_artists
        image.set_data(Z)
        train, test = pg.accuracy()
        title.set_text(f"epoch {pg.epoch}: train accuracy {train:.2f}, test {test:.2f}")
        self.drawn["boundary"] = {"xs": xs, "ys": ys, "Z": np.asarray(image.get_array())}
        return self._png(fig)

    def _new_boundary(self, fig, xs, ys, Z) -> tuple:
        """The score's image with the points on it: ``(image, title)``, kept."""
        from ..plot.figures import CLASS_COLOURS

        pg = self.pg
        fig.clear()
        ax = fig.add_axes([0.12, 0.1, 0.84, 0.8])
        extent = (xs[0], xs[-1], ys[0], ys[-1])
        image = ax.imshow(Z, origin="lower", extent=extent, cmap=_class_cmap(),
                          norm=_score_norm(pg), interpolation="bilinear", aspect="auto")
        colours = np.array(CLASS_COLOURS[:2])
        ax.scatter(pg.X_train[:, 0], pg.X_train[:, 1], c=colours[pg.y_train], s=14,
                   edgecolors="k", linewidths=0.4, label="train")
        ax.scatter(pg.X_test[:, 0], pg.X_test[:, 1], c=colours[pg.y_test], s=18,
                   marker="^", edgecolors="w", linewidths=0.5, label="test")
        ax.legend(loc="lower right", fontsize=7, framealpha=0.7)
        ax.set_xlim(xs[0], xs[-1])
        ax.set_ylim(ys[0], ys[-1])
        ax.tick_params(labelsize=7)
        return image, ax.set_title("", fontsize=9)

    def network(self, selected=None, edges="weights") -> bytes:
        fig = self.figures["network"]
        if self._network is None:
            fig.clear()
            self._network = NetworkDrawing(fig.add_axes([0.0, 0.0, 1.0, 0.93]), self.pg)
        self.drawn["network"] = self._network.update(selected, edges)
        return self._png(fig)

    def curves(self) -> bytes:
        pg, fig = self.pg, self.figures["curves"]
        n_layers = len(pg.model.layers)
        if self._curves is None or len(self._curves[3]) != n_layers:
            self._curves = self._new_curves(fig, n_layers)
        loss_ax, norm_ax, (train, test), lines = self._curves
        h = pg.history
        train.set_data(np.arange(1, h.epochs + 1), h.loss)
        test.set_data(np.arange(1, len(h.val_loss) + 1), h.val_loss)
        finite = np.array([v for v in h.loss + h.val_loss if math.isfinite(v)])
        loss_ax.set_yscale("log" if len(finite) and finite.min() > 0 else "linear")
        loss_ax.relim()
        loss_ax.autoscale_view()
        norms = np.array(pg.step_norms, dtype=float).reshape(-1, n_layers)
        steps = np.arange(pg.steps - len(norms) + 1, pg.steps + 1)
        shown = np.where(norms > 0, norms, np.nan)  # a zero gradient: a gap on the log scale
        for i, line in enumerate(lines):
            line.set_data(steps, shown[:, i])
        norm_ax.relim()
        norm_ax.autoscale_view()
        self.drawn["curves"] = {"loss": train.get_ydata(), "val_loss": test.get_ydata(),
                                "norms": norms}
        return self._png(fig)

    def _new_curves(self, fig, n_layers: int) -> tuple:
        """The loss axes (train, test) and the per-step gradient norm axes (a line
        per layer): ``(loss_ax, norm_ax, (train, test), lines)``, kept."""
        from matplotlib.ticker import FuncFormatter, NullFormatter

        fig.clear()
        loss_ax, norm_ax = fig.subplots(1, 2)
        train, = loss_ax.plot([], [], label="train")
        test, = loss_ax.plot([], [], "--", label="test")
        loss_ax.set_xlabel("epoch", fontsize=8)
        loss_ax.set_title("loss (train: over the epoch's batches; test)", fontsize=9)
        loss_ax.legend(fontsize=7, loc="upper right")
        loss_ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        loss_ax.yaxis.set_minor_formatter(NullFormatter())
        cmap = require_matplotlib().colormaps["viridis"]
        lines = [norm_ax.plot([], [], color=cmap(i / max(n_layers - 1, 1)), lw=0.9,
                              label=f"layer {i + 1}" + (" (output)" if i == n_layers - 1
                                                         else ""))[0]
                 for i in range(n_layers)]
        norm_ax.set_yscale("log")
        norm_ax.set_xlabel("step", fontsize=8)
        norm_ax.set_title(f"gradient norm per layer, each batch (last "
                          f"{self.pg.step_norms.maxlen} steps)", fontsize=9)
        norm_ax.legend(fontsize=6, ncol=2 if n_layers > 3 else 1, loc="upper left")
        for ax in (loss_ax, norm_ax):
            ax.tick_params(labelsize=7)
        fig.subplots_adjust(left=0.06, right=0.99, bottom=0.2, top=0.88, wspace=0.15)
        return loss_ax, norm_ax, (train, test), lines
