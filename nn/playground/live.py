"""The playground's live view in Jupyter (ipywidgets): knobs, Play / Pause / Step /
Reset, the pictures and a neuron picker, all going through a ``Playground``.

Sized for the notebook's default width (JupyterLab's, with its file browser open:
about 950 pixels for a cell's output): the knobs in a column on the left, the
pictures at their own size on the right, so no text is under 10 pixels; a narrower
notebook scales the pictures down, and the neuron's graph scrolls sideways instead."""

from __future__ import annotations

import asyncio
import html
import math
import threading
import time
import warnings

from ..activations import ACTIVATIONS
from .figures import EDGES_KEY, EDGES_NOTE, OUTPUT_KEY, neuron_names, require_matplotlib
from .knobs import (
    DATASETS,
    FEATURES,
    MAX_CLASSES,
    MAX_LAYERS,
    MAX_NEURONS,
    OPTIMIZERS,
    PLAYGROUND_LOSSES,
)
from .names import label
from .panels import Panels

__all__ = ["LiveView", "output_delta_table", "setup_box"]

NOTEBOOKS = ('the playground\'s live view needs ipywidgets and matplotlib: pip install -e '
             '".[notebooks]" from a gradlab checkout (or pip install ipywidgets matplotlib)')


def _ipywidgets():
    """ipywidgets, or an ImportError that says how to install it."""
    try:
        import ipywidgets
    except ImportError:
        raise ImportError(NOTEBOOKS) from None
    if ipywidgets is None:  # sys.modules["ipywidgets"] = None also means: not installed
        raise ImportError(NOTEBOOKS)
    return ipywidgets


COPY = ("navigator.clipboard.writeText(this.previousElementSibling.value).then("
        "() => {this.textContent = '✓ copied'}, "
        "() => {this.previousElementSibling.select(); this.textContent = 'press Ctrl+C'})")


def setup_box(pg) -> str:
    """The run's setup as one line to copy (``pg.setup().text``; ``nn.playground(setup=
    ...)`` replays it) and a "copy setup" button that puts it on the clipboard (the
    browser's: where the page may not write there, it selects the line to copy)."""
    try:
        text = html.escape(pg.setup().text)
    except ValueError as e:  # a model with a custom activation: no setup to write
        return f"<i>no setup to copy: {html.escape(str(e))}</i>"
    return (f'<span title="nn.playground(setup=...) replays this run">setup</span> '
            f'<input readonly value="{text}" onclick="this.select()" '
            f'style="width:430px;font-size:12px;font-family:monospace"> '
            f'<button class="gradlab-copy-setup" onclick="{html.escape(COPY)}" '
            f'style="font-size:13px">copy setup</button>')


def output_delta_table(pg, rows: int = 8) -> str:
    """The output layer's δ = p − t on the last batch as an HTML table: a row per
    sample (its class's colour, then p − t per class; the first ``rows`` of the
    batch) and the batch's mean, the output neurons' δ = ∂E/∂b."""
    from ..plot.figures import CLASS_COLOURS

    d = pg.output_deltas()
    if d is None:
        return "<i>the output's δ = p − t shows after the first batch (Step or Play)</i>"
    k = d["p"].shape[1]
    cell = 'style="padding:0 8px;text-align:right;font-variant-numeric:tabular-nums"'

    def number(v, bold=False):
        colour = "#2f55c4" if v >= 0 else "#c43030"
        text = f"{v:+.3f}"
        return f'<td {cell}><span style="color:{colour}">{"<b>" if bold else ""}{text}' \
               f'{"</b>" if bold else ""}</span></td>'
    swatch = '<span style="display:inline-block;width:10px;height:10px;background:{}"></span>'
    head = "".join(f"<th {cell}>{swatch.format(CLASS_COLOURS[c])} class {c}</th>"
                   for c in range(k))
    body = ""
    for n, i in enumerate(pg.batch[:rows]):
        label = int(pg.y_train[i])
        body += (f"<tr><td {cell}>{swatch.format(CLASS_COLOURS[label])} sample {n + 1}</td>"
                 + "".join(number(v) for v in d["p_minus_t"][n]) + "</tr>")
    more = len(pg.batch) - rows
    if more > 0:
        body += f'<tr><td {cell} colspan="{k + 1}">… and {more} more</td></tr>'
    mean = "".join(number(v, bold=True) for v in d["delta"])
    return (f"<b>the output's δ = ∂E/∂u = p − t</b> on the last batch (cross-entropy after "
            f"softmax), sample by sample, and its mean: each output neuron's δ"
            f'<table style="border-collapse:collapse;margin-top:2px"><tr><th {cell}></th>'
            f"{head}</tr>{body}<tr style=\"border-top:1px solid #888\"><td {cell}><b>δ (mean)"
            f"</b></td>{mean}</tr></table>")


class LiveView:
    """The ipywidgets front end of a Playground: knobs, buttons, the pictures and a
    neuron picker. Every handler goes through the Playground's own methods, so
    what it shows is what the logic holds. Play runs as an asyncio task on the
    kernel's event loop (a thread where no loop runs): the kernel stays free
    between updates, so Pause and the knobs answer while it plays. Drawing holds
    the playground's lock, as training does: a picture shows one step's numbers.
    A change made from code (``pg.play(epochs=5)`` in a cell) redraws once the
    cell is done."""

    PERIOD = 1 / 30  # seconds between the starts of two updates while playing
    LR = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
    L2 = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
    STYLE = {"description_width": "96px"}
    WIDE = "284px"  # a knob's width, its description included: the column is 296 px

    def __init__(self, pg):
        w = _ipywidgets()
        require_matplotlib()
        self.pg, self.w = pg, w
        self.panels = Panels(pg)
        self.selected = None
        self.edges = "weights"
        self._task = self._thread = None
        self._quiet = False
        self._pending = self._updating = False
        self.updates = 0
        try:  # the kernel's event loop, where a change made from code is drawn
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        self.buttons = self._make_buttons()
        self.controls = self._make_knob_controls(pg.knobs)
        self._make_network_controls(pg.knobs)
        self._make_neuron_controls()
        self.boundary_view = None  # None: the classes; k: class k's probability map
        self._make_class_controls()
        self.status = w.HTML()
        self.setup_box = w.HTML()  # the run's setup, to copy (updated when paused)
        # the pictures scale down to a narrower notebook (no sideways scroll bar); the
        # neuron's graph keeps its size (its text stays readable) and scrolls instead
        # (at their own size: never stretched by their box, align_self)
        self.images = {name: w.Image(format="png", layout=w.Layout(
            max_width="100%", height="auto", align_self="flex-start"))
            for name in ("network", "boundary", "curves")}
        self.images["neuron"] = w.Image(format="png", layout=w.Layout(
            max_width="none", height="auto", align_self="flex-start", display="none"))
        self.captions = {name: w.HTML() for name in ("network", "boundary", "neuron")}
        self.captions["boundary"].layout.max_width = "300px"  # as its picture: a long one wraps
        self.neuron_caption = self.captions["neuron"]
        self.widget = self._layout()
        self._sync_layers()
        self._sync_controls()
        self.refresh()  # drawn before it is shown

    # -- the widgets -------------------------------------------------------------------
    def _make_buttons(self) -> dict:
        """Play, Pause, Step, Reset, Regenerate, each calling ``_on_<name>``."""
        w, lay = self.w, self.w.Layout
        buttons = {
            "play": w.Button(description="▶ Play", button_style="success",
                             layout=lay(width="90px")),
            "pause": w.Button(description="❚❚ Pause", layout=lay(width="90px")),
            "step": w.Button(description="Step", tooltip="one batch", layout=lay(width="70px")),
            "reset": w.Button(description="Reset", button_style="warning",
                              layout=lay(width="70px")),
            "regenerate": w.Button(description="Regenerate", tooltip="new data: seed + 1",
                                   layout=lay(width="100px")),
        }
        for name, b in buttons.items():
            b.on_click(getattr(self, f"_on_{name}"))
        return buttons

    def _make_knob_controls(self, k: dict) -> dict:
        """A widget per data and training knob (and activation, loss), each setting it."""
        w, style = self.w, self.STYLE
        data_name = k["data"] if isinstance(k["data"], str) else "yours"
        options = list(DATASETS) + ([] if isinstance(k["data"], str) else ["yours"])
        controls = {
            "data": w.Dropdown(options=options, value=data_name, description="data",
                               style=style),
            "noise": w.FloatSlider(value=k["noise"] if k["noise"] is not None else
                                   DATASETS.get(data_name, (None, 0.0))[1], min=0, max=1,
                                   step=0.05, description="noise", style=style),
            "test_fraction": w.FloatSlider(value=k["test_fraction"], min=0.1, max=0.9,
                                           step=0.1, description="test fraction", style=style),
            "n_samples": w.Dropdown(options=sorted({100, 200, 500, 1000, k["n_samples"]}),
                                    value=k["n_samples"], description="points", style=style),
            "seed": w.BoundedIntText(value=k["seed"], min=0, max=2**32 - 1,
                                     description="seed", style=style),
            "classes": w.IntSlider(value=k["classes"], min=2, max=MAX_CLASSES,
                                   description="classes", style=style,
                                   tooltip="gauss: k blobs, spiral: k arms (cross_entropy)"),
            "activation": w.Dropdown(options=list(ACTIVATIONS) + (
                [] if k["activation"] in ACTIVATIONS else [k["activation"]]),
                value=k["activation"], description="activation", style=style),
            "loss": w.Dropdown(options=list(PLAYGROUND_LOSSES), value=k["loss"],
                               description="loss", style=style),
            "optimizer": w.Dropdown(options=list(OPTIMIZERS), value=k["optimizer"],
                                    description="optimizer", style=style),
            "lr": w.Dropdown(options=sorted(set(self.LR) | {k["lr"]}), value=k["lr"],
                             description="learning rate", style=style),
            "l2": w.Dropdown(options=sorted(set(self.L2) | {k["l2"]}), value=k["l2"],
                             description="L2 rate", style=style),
            "batch_size": w.IntSlider(value=k["batch_size"], min=1, max=100,
                                      description="batch size", style=style),
            "epochs_per_update": w.IntSlider(value=k["epochs_per_update"], min=1, max=20,
                                             description="epochs/update", style=style),
        }
        for name, c in controls.items():
            c.layout.width = self.WIDE
            c.observe(self._knob_handler(name), names="value")
        return controls

    def _make_network_controls(self, k: dict) -> None:
        """The feature toggles, the number of hidden layers and a slider per layer."""
        w, lay = self.w, self.w.Layout
        self.feature_toggles = {f: w.ToggleButton(value=f in k["features"], description=f,
                                                  layout=lay(width="70px"))
                                for f in FEATURES}
        for t in self.feature_toggles.values():
            t.observe(self._on_features, names="value")
        self.n_layers = w.BoundedIntText(value=len(k["layers"]), min=0, max=MAX_LAYERS,
                                         description="hidden layers", style=self.STYLE,
                                         layout=lay(width="170px"))
        self.layer_sizes = [w.IntSlider(value=(k["layers"][i] if i < len(k["layers"]) else 4),
                                        min=1, max=MAX_NEURONS,
                                        description=f"{label(i)} neurons",
                                        style=self.STYLE, layout=lay(width=self.WIDE))
                            for i in range(MAX_LAYERS)]
        self.n_layers.observe(self._on_layers, names="value")
        for s in self.layer_sizes:
            s.observe(self._on_layers, names="value")

    def _make_class_controls(self) -> None:
        """With several classes: what the boundary shows (the classes, or one class's
        probability map: a click), and the output's δ = p − t on the batch."""
        w = self.w
        self.view_toggle = w.ToggleButtons(options=[("classes", -1)], value=-1,
                                           description="show", tooltips=[], style={
                                               "button_width": "72px",
                                               "description_width": "40px"})
        self.view_toggle.observe(self._on_view, names="value")
        self.output_table = w.HTML()

    def _make_neuron_controls(self) -> None:
        """The neuron picker and the edges' toggle (weights or ∂E/∂w)."""
        w = self.w
        self.picker = w.ToggleButtons(options=[], description="neuron", style={
            "button_width": "56px", "description_width": "50px"})
        self.picker.observe(self._on_pick, names="value")
        self.edge_toggle = w.ToggleButtons(options=[("weights", "weights"), ("∂E/∂w", "grads")],
                                           value="weights", description="edges",
                                           style={"button_width": "80px",
                                                  "description_width": "50px"})
        self.edge_toggle.observe(self._on_edges, names="value")

    def _layout(self):
        """The buttons and the status on top; the knobs on the left, the pictures right:
        the network, then the boundary beside the curves, then the chosen neuron."""
        w, lay = self.w, self.w.Layout
        toggles = list(self.feature_toggles.values())
        controls = w.VBox([
            w.HTML("<b>data</b>"), *(self.controls[n] for n in
                                     ("data", "classes", "noise", "test_fraction", "n_samples",
                                      "seed")),
            w.HTML("<b>features</b>"), w.HBox(toggles[:4]), w.HBox(toggles[4:]),
            w.HTML("<b>network</b>"), self.n_layers, *self.layer_sizes,
            *(self.controls[n] for n in ("activation", "loss")),
            w.HTML("<b>training</b>"),
            *(self.controls[n] for n in ("optimizer", "lr", "l2", "batch_size",
                                         "epochs_per_update")),
        ], layout=lay(width="296px", flex="0 0 296px"))
        wrap = lay(display="flex", flex_flow="row wrap", align_items="flex-end")
        pictures = w.VBox([
            self.captions["network"], self.images["network"],
            w.Box([w.VBox([self.captions["boundary"], self.images["boundary"]],
                          layout=lay(max_width="100%")),
                   self.images["curves"]], layout=wrap),
            w.HBox([self.view_toggle]), self.output_table,
            w.HBox([self.picker]), w.HBox([self.edge_toggle]), self.neuron_caption,
            w.Box([self.images["neuron"]], layout=lay(overflow="auto", max_width="100%")),
        ], layout=lay(flex="1 1 0%", min_width="0"))
        return w.VBox([w.HBox(list(self.buttons.values()) + [self.status]), self.setup_box,
                       w.HBox([controls, pictures])])

    # -- handlers (tests call them directly) -------------------------------------------
    def _knob_handler(self, name):
        def handler(change):
            if self._quiet:
                return
            value = change["new"]
            if name == "data" and value == "yours":
                return
            self._set(**{name: value})
        return handler

    def _set(self, **knobs) -> bool:
        try:
            self.pg.set(**knobs)  # redraws through changed() if anything changed
        except (ValueError, TypeError) as e:
            self._sync_controls()  # back to the last good values
            self.status.value = f'<span style="color:#b00">{html.escape(str(e))}</span>'
            return False
        return True

    def _on_features(self, change):
        if self._quiet:
            return
        on = [f for f, t in self.feature_toggles.items() if t.value]
        self._set(features=on)

    def _on_layers(self, change):
        if self._quiet:
            return
        sizes = [s.value for s in self.layer_sizes[:self.n_layers.value]]
        self._sync_layers()
        self._set(layers=sizes)

    def _on_pick(self, change):
        if self._quiet or change["new"] is None:
            return
        self.selected = tuple(change["new"])  # the options' values are (layer, neuron)
        layer, j = self.selected
        if self.pg.multiclass and layer == len(self.pg.model.layers) - 1:
            self._quiet = True  # an output neuron: its class's probability map too
            self.view_toggle.value = j
            self._quiet = False
            self.boundary_view = j
        self.refresh()

    def _on_view(self, change):
        if self._quiet:
            return
        self.boundary_view = None if change["new"] < 0 else change["new"]
        with self.pg.lock:
            self.images["boundary"].value = self.panels.boundary(self.boundary_view)
            self._boundary_caption()

    def _on_edges(self, change):
        self.edges = change["new"]
        self.refresh()

    def _on_play(self, _=None):
        self.start()

    def _on_pause(self, _=None):
        self.pg.pause()

    def _on_step(self, _=None):
        self.pg.pause()
        self.pg.step()  # redraws through changed()

    def _on_reset(self, _=None):
        self.pg.reset()

    def _on_regenerate(self, _=None):
        self._set(seed=self.pg.knobs["seed"] + 1)

    # -- keeping the widgets in step with the logic ----------------------------------
    def _sync_layers(self):
        for i, s in enumerate(self.layer_sizes):
            s.layout.display = "" if i < self.n_layers.value else "none"

    def _sync_controls(self):
        k = self.pg.knobs
        self._quiet = True
        try:
            for name, c in self.controls.items():
                value = k[name]
                if name == "data":
                    value = value if isinstance(value, str) else "yours"
                    if value not in c.options:
                        c.options = list(c.options) + [value]
                elif name == "noise" and value is None:
                    continue
                if c.value != value:
                    c.value = value
            for f, t in self.feature_toggles.items():
                t.value = f in k["features"]
            self.n_layers.value = len(k["layers"])
            for i, size in enumerate(k["layers"]):
                self.layer_sizes[i].value = size
            self._sync_layers()
            self._sync_picker()
            self._sync_view()
        finally:
            self._quiet = False

    def _sync_view(self):
        """The boundary's views: the classes and each class's probability (several
        classes only); the view stays if its class still exists."""
        pg = self.pg
        options = [("classes", -1)] + [(f"p({c})", c) for c in range(pg.classes)]
        if list(self.view_toggle.options) != options:
            self.view_toggle.options = options
        if self.boundary_view is not None and self.boundary_view >= pg.classes:
            self.boundary_view = None
        self.view_toggle.value = -1 if self.boundary_view is None else self.boundary_view
        shown = "" if pg.multiclass else "none"
        self.view_toggle.layout.display = self.output_table.layout.display = shown

    def _sync_picker(self):
        """The picker's neurons are the model's; the selection stays if it still exists."""
        options = [(name, (layer, j)) for name, layer, j in neuron_names(self.pg.model)]
        if list(self.picker.options) != options:
            self.picker.options = options
        if self.selected not in [value for _, value in options]:
            self.selected = (0, 0)
        self.picker.value = self.selected

    def rebuilt(self):
        """After the network or the data changed."""
        self.panels.rebuilt()
        self._sync_controls()
        self.changed()

    def changed(self):
        """The playground changed from code or a knob: draw it again. In Jupyter, on
        the kernel's event loop once the running cell or handler is done, whichever
        thread made the change (a loop of ``pg.step()`` redraws once); where no loop
        runs, at once. While playing, the loop redraws."""
        if self._updating or (self.pg.playing and (self._task or self._thread)):
            return
        loop = self._loop
        if loop is None or not loop.is_running():
            self.refresh()
        elif not self._pending:
            self._pending = True
            loop.call_soon_threadsafe(self._refresh_pending)

    def _refresh_pending(self):
        self._pending = False
        self.refresh()

    def refresh(self, full: bool = True):
        """Draw everything again from the logic's state, holding the playground's
        lock. ``full=False`` (while playing) skips the neuron's graph, which needs
        a Graphviz layout."""
        with self.pg.lock:
            self._draw(full)

    def _boundary_caption(self):
        train, test = self.pg.accuracy()
        view = "" if self.boundary_view is None else \
            f" — shown: p(class {self.boundary_view}) over the plane"
        self.captions["boundary"].value = (f"<b>accuracy</b>: train {train:.2f}, test "
                                           f"{test:.2f}{view}")

    def _draw(self, full: bool):
        pg, images = self.pg, self.images
        if self.boundary_view is not None and not pg.multiclass:
            self.boundary_view = None
        images["boundary"].value = self.panels.boundary(self.boundary_view)
        self._boundary_caption()
        if pg.multiclass:
            self.output_table.value = output_delta_table(pg)
        # while playing, the boundary every update and the other two in turn
        if full or self.updates % 2 == 0:
            images["network"].value = self.panels.network(self.selected, self.edges)
            self.captions["network"].value = (f"<b>{EDGES_NOTE[self.edges]}</b>{EDGES_KEY}"
                                              + (OUTPUT_KEY if pg.multiclass else ""))
        if full or self.updates % 2 == 1:
            images["curves"].value = self.panels.curves()
        h = pg.history
        if h.loss:
            text = (f"epoch {pg.epoch}, step {pg.steps}: train loss {h.loss[-1]:.4f}, test loss "
                    f"{h.val_loss[-1] if h.val_loss else math.nan:.4f}")
        else:
            text = f"epoch {pg.epoch}, step {pg.steps}: press Play or Step"
        if pg.diverged:
            text += ' — <span style="color:#b00">the loss diverged: lower the learning rate ' \
                    'and Reset</span>'
        self.status.value = text + (" (playing)" if pg.playing else "")
        self.setup_box.value = setup_box(pg) if full else \
            "<i>the setup of this run: pause to copy it</i>"
        self._neuron_panel(full)
        self.updates += 1

    def _neuron_panel(self, full: bool):
        pg = self.pg
        if self.selected is None:
            return
        layer, j = self.selected
        deltas = pg.deltas()
        name = label(layer, j)
        if deltas is None:
            self.neuron_caption.value = f"<b>{name}</b>: no batch yet (Step or Play)"
            self.images["neuron"].layout.display = "none"  # no picture: no broken image
            return
        head = (f"<b>{name}</b>: δ = ∂E/∂u = (1/B) Σ<sub>n</sub> ∂ℓ<sub>n</sub>/∂u<sup>(n)"
                f"</sup> = <b>{deltas[layer][j]:+.6g}</b> on the last batch of {len(pg.batch)} "
                f"(= ∂E/∂b); its weights' ∂E/∂w: "
                + ", ".join(f"{g:+.3g}" for g in pg.weight_grads()[layer][0][j]))
        if not full:
            self.neuron_caption.value = head + "<br><i>(the graph shows when paused)</i>"
            return
        try:
            drawing, caption = pg.neuron_graph(layer, j, sample=0)
            self.images["neuron"].value = drawing.png()
            self.images["neuron"].layout.display = ""
        except Exception as e:  # no Graphviz: the numbers still show
            caption = f"(the graph could not be drawn: {e})"
            self.images["neuron"].layout.display = "none"
        self.neuron_caption.value = (head + "<br>the first sample of the batch, neuron by "
                                     f"neuron: {html.escape(caption)}")

    # -- the loop --------------------------------------------------------------------
    def start(self):
        pg = self.pg
        if pg.playing:
            return
        pg.playing = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            self._task = loop.create_task(self._run())
        else:
            self._thread = threading.Thread(target=self._run_in_thread, daemon=True)
            self._thread.start()

    def stop(self):
        self.pg.playing = False

    def _update(self) -> float:
        """One update while playing: ``epochs_per_update`` epochs, then the pictures
        (the boundary each time, the network and the curves in turn)."""
        t0 = time.perf_counter()
        self._updating = True  # this update draws itself: changed() has nothing to do
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # the status says it
                self.pg.play(epochs=self.pg.knobs["epochs_per_update"])
        finally:
            self._updating = False
        self.refresh(full=False)
        return time.perf_counter() - t0

    async def _run(self):
        try:
            while self.pg.playing:
                spent = self._update()
                await asyncio.sleep(max(0.005, self.PERIOD - spent))
        finally:
            self.pg.playing = False
            self.refresh()

    def _run_in_thread(self):
        try:
            while self.pg.playing:
                spent = self._update()
                time.sleep(max(0.005, self.PERIOD - spent))
        finally:
            self.pg.playing = False
            self.refresh()
