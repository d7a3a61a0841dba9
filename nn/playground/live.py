"""The playground's live view in Jupyter (ipywidgets): knobs, Play / Pause / Step /
Reset, the pictures and a neuron picker, all going through a ``Playground``."""

from __future__ import annotations

import asyncio
import html
import math
import threading
import time
import warnings

from ..activations import ACTIVATIONS
from .figures import Panels, neuron_names, require_matplotlib
from .knobs import DATASETS, FEATURES, MAX_LAYERS, MAX_NEURONS, OPTIMIZERS, PLAYGROUND_LOSSES

__all__ = ["LiveView"]

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


class LiveView:
    """The ipywidgets front end of a Playground: knobs, buttons, the pictures and a
    neuron picker. Every handler goes through the Playground's own methods, so
    what it shows is what the logic holds. Play runs as an asyncio task on the
    kernel's event loop (a thread where no loop runs): the kernel stays free
    between updates, so Pause and the knobs answer while it plays."""

    PERIOD = 1 / 15  # seconds between the starts of two updates while playing
    LR = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
    L2 = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
    STYLE = {"description_width": "104px"}

    def __init__(self, pg):
        w = _ipywidgets()
        require_matplotlib()
        self.pg, self.w = pg, w
        self.panels = Panels(pg)
        self.selected = None
        self.edges = "weights"
        self._task = self._thread = None
        self._quiet = False
        self.updates = 0
        self.buttons = self._make_buttons()
        self.controls = self._make_knob_controls(pg.knobs)
        self._make_network_controls(pg.knobs)
        self._make_neuron_controls()
        self.status = w.HTML()
        # pictures scale down to the notebook's width (never a sideways scroll bar)
        self.images = {name: w.Image(format="png", layout=w.Layout(max_width="100%",
                                                                   height="auto"))
                       for name in ("network", "boundary", "curves", "neuron")}
        self.neuron_caption = w.HTML()
        self.widget = self._layout()
        self._sync_layers()
        self.rebuilt()

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
            c.observe(self._knob_handler(name), names="value")
        return controls

    def _make_network_controls(self, k: dict) -> None:
        """The feature toggles, the number of hidden layers and a slider per layer."""
        w, lay = self.w, self.w.Layout
        self.feature_toggles = {f: w.ToggleButton(value=f in k["features"], description=f,
                                                  layout=lay(width="74px"))
                                for f in FEATURES}
        for t in self.feature_toggles.values():
            t.observe(self._on_features, names="value")
        self.n_layers = w.BoundedIntText(value=len(k["layers"]), min=0, max=MAX_LAYERS,
                                         description="hidden layers", style=self.STYLE,
                                         layout=lay(width="170px"))
        self.layer_sizes = [w.IntSlider(value=(k["layers"][i] if i < len(k["layers"]) else 4),
                                        min=1, max=MAX_NEURONS, description=f"layer {i + 1}",
                                        style={"description_width": "50px"},
                                        layout=lay(width="200px"))
                            for i in range(MAX_LAYERS)]
        self.n_layers.observe(self._on_layers, names="value")
        for s in self.layer_sizes:
            s.observe(self._on_layers, names="value")

    def _make_neuron_controls(self) -> None:
        """The neuron picker and the edges' toggle (weights or ∂E/∂w)."""
        w = self.w
        self.picker = w.ToggleButtons(options=[], description="neuron", style={
            "button_width": "64px", "description_width": "50px"})
        self.picker.observe(self._on_pick, names="value")
        self.edge_toggle = w.ToggleButtons(options=[("weights", "weights"), ("∂E/∂w", "grads")],
                                           value="weights", description="edges",
                                           style={"button_width": "80px",
                                                  "description_width": "50px"})
        self.edge_toggle.observe(self._on_edges, names="value")

    def _layout(self):
        """The buttons and the status on top; the knobs on the left, the pictures right."""
        w, lay = self.w, self.w.Layout
        toggles = list(self.feature_toggles.values())
        controls = w.VBox([
            w.HTML("<b>data</b>"), *(self.controls[n] for n in
                                     ("data", "noise", "test_fraction", "n_samples", "seed")),
            w.HTML("<b>features</b>"), w.HBox(toggles[:4]), w.HBox(toggles[4:]),
            w.HTML("<b>network</b>"), self.n_layers, *self.layer_sizes,
            *(self.controls[n] for n in ("activation", "loss")),
            w.HTML("<b>training</b>"),
            *(self.controls[n] for n in ("optimizer", "lr", "l2", "batch_size",
                                         "epochs_per_update")),
        ], layout=lay(width="320px", flex="0 0 320px"))
        wrap = lay(display="flex", flex_flow="row wrap", align_items="flex-start")
        pictures = w.VBox([
            w.Box([self.images["network"], self.images["boundary"]], layout=wrap),
            self.images["curves"],
            w.HBox([self.picker]), w.HBox([self.edge_toggle]),
            self.neuron_caption, self.images["neuron"],
        ], layout=lay(flex="1 1 0%", min_width="0"))
        return w.VBox([w.HBox(list(self.buttons.values()) + [self.status]),
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
            self.pg.set(**knobs)
        except (ValueError, TypeError) as e:
            self._sync_controls()  # back to the last good values
            self.status.value = f'<span style="color:#b00">{html.escape(str(e))}</span>'
            return False
        self.refresh()
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
        name = change["new"]
        layer, neuron = (int(t) for t in name[1:].split("N"))
        self.selected = (layer, neuron)
        self.refresh()

    def _on_edges(self, change):
        self.edges = change["new"]
        self.refresh()

    def _on_play(self, _=None):
        self.start()

    def _on_pause(self, _=None):
        self.pg.pause()

    def _on_step(self, _=None):
        self.pg.pause()
        self.pg.step()
        self.refresh()

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
        finally:
            self._quiet = False

    def _sync_picker(self):
        """The picker's neurons are the model's; the selection stays if it still exists."""
        names = [n for n, _, _ in neuron_names(self.pg.model)]
        if list(self.picker.options) != names:
            self.picker.options = names
        if self.selected is None or f"L{self.selected[0]}N{self.selected[1]}" not in names:
            self.selected = (0, 0)
        self.picker.value = f"L{self.selected[0]}N{self.selected[1]}"

    def rebuilt(self):
        """After the network or the data changed."""
        self.panels.rebuilt()
        self._sync_controls()
        self.refresh()

    def refresh(self, full: bool = True):
        """Draw everything again from the logic's state. ``full=False`` (while
        playing) skips the neuron's graph, which needs a Graphviz layout."""
        pg, images = self.pg, self.images
        images["boundary"].value = self.panels.boundary()
        # while playing, the boundary every update and the other two in turn (each
        # takes as long as the boundary to draw): over 10 updates a second
        if full or self.updates % 2 == 0:
            images["network"].value = self.panels.network(self.selected, self.edges)
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
        self._neuron_panel(full)
        self.updates += 1

    def _neuron_panel(self, full: bool):
        pg = self.pg
        if self.selected is None:
            return
        layer, j = self.selected
        deltas = pg.deltas()
        name = f"L{layer}N{j}"
        if deltas is None:
            self.neuron_caption.value = f"<b>{name}</b>: no batch yet (Step or Play)"
            self.images["neuron"].value = b""
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
        except Exception as e:  # no Graphviz: the numbers still show
            caption = f"(the graph could not be drawn: {e})"
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
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the status says it
            self.pg.play(epochs=self.pg.knobs["epochs_per_update"])
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
