"""The playground's state and training, without any front end: ``Playground``
(knobs, ``step``/``play``/``pause``/``reset``) and what the views read off it
(the boundary, each neuron's δ, the gradients and their norms, a neuron's
backward pass).

One lock (``Playground.lock``, re-entrant) guards the model: every method that
trains it or reads it holds it, so a view drawn from the main thread while the live
view's loop trains in its own thread sees one step's numbers, never half of two; a
neuron's backward pass is traced on a copy of the model, never on the live one."""

from __future__ import annotations

import functools
import threading
from collections import deque

import numpy as np

from autograd import backward_trace, compile, draw_graph, no_grad

from .. import data as datasets
from ..modules import MLP
from ..optim import SGD, Adam
from ..train import LOSSES, Epoch, History, compiled_losses
from ..train import accuracy as accuracy_of  # pg.accuracy() is the method
from .knobs import (
    DATA_KNOBS,
    DATASETS,
    FEATURES,
    KNOBS,
    MULTICLASS,
    NETWORK_KNOBS,
    check_knob,
    check_knob_names,
    check_model,
    check_together,
    choice,
    in_range,
    n_classes,
    n_outputs,
    same_value,
)
from .names import label

__all__ = ["Playground", "playground"]

STEP_NORMS = 400  # how many steps of per-layer gradient norms the live strip keeps


def _locked(method):
    """The method holds the playground's lock: the model is never read half-trained."""
    @functools.wraps(method)
    def holding_the_lock(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return holding_the_lock


class Playground:
    """The playground's state and training, without any front end.

    Knobs (``pg.set(**knobs)``, or keywords of ``nn.playground``; ``pg.knobs`` reads them):

    - data: ``data`` (circle, xor, gauss, spiral, moons, a pair ``(X, y)`` of the
      learner's points (n, 2) and labels 0..k-1, or a CSV file of x1, x2, label),
      ``classes`` (2-6: gauss makes k blobs, spiral k arms), ``n_samples``
      (20-5000), ``noise`` (0-1, None for the data set's default),
      ``test_fraction`` (0.1-0.9), ``seed``;
    - network: ``features`` (names from ``FEATURES``; the model's n_in is their
      number), ``layers`` (0 to 6 hidden layers of 1 to 8 neurons), ``activation``
      (any of ``nn.modules.ACTIVATIONS``), ``loss`` (bce, the default: its gradient
      never vanishes on a right answer, so the δ and gradient views keep moving;
      max_margin, whose gradient is exactly 0 past the margin; mse; cross_entropy,
      softmax over a logit per class, which more than 2 classes switch to);
    - training: ``optimizer`` (sgd, momentum = SGD with momentum 0.9, adam), ``lr``
      (0-10], ``l2`` (0-10), ``batch_size``; ``epochs_per_update`` (the live view).

    Changing a data or network knob starts again (new weights from ``seed``, empty
    history); changing a training knob keeps the weights and the history (a new
    optimizer, so momentum and Adam's averages start again). ``model=`` takes the
    learner's ``nn.MLP`` (one output, biases); ``reset()`` puts its starting weights
    back, and a network knob replaces it with a new MLP.

    Thread-safe: training (``step``, ``play``, the live view's loop) and every view
    (``boundary``, ``deltas``, ``neuron_graph``, ``figure``, ...) hold ``pg.lock``;
    code of your own that reads ``pg.model`` while the live view plays can hold it too
    (``with pg.lock: ...``).
    """

    def __init__(self, model=None, data="circle", **knobs):
        self._lock = threading.RLock()
        self._front = None
        self.playing = False
        values = dict(KNOBS)
        values["data"] = data
        check_knob_names(sorted(set(knobs) - set(KNOBS)))
        values.update(knobs)
        checked = _agreeing({k: check_knob(k, v) for k, v in values.items()}, knobs)
        if model is not None:
            if "features" not in knobs and getattr(model, "nin", 2) != 2:
                raise ValueError(f"playground: model takes {model.nin} inputs: pass features= "
                                 f"with {model.nin} names from {', '.join(FEATURES)}")
            check_model(model, len(checked["features"]), n_outputs(checked))
            checked["layers"] = tuple(layer.nout for layer in model.layers[:-1])
            act = model.layers[0].activation if len(model.layers) > 1 else "tanh"
            checked["activation"] = act if isinstance(act, str) else "custom"
        state = self._build(checked, model=model, rebuild=("data", "network"))
        self._own_model = model is not None  # the learner's starting weights: in the setup
        self._install(checked, state)

    # -- building: everything new is made first, then swapped in at once ----------------
    def _build(self, k: dict, *, model=None, rebuild=("data", "network"), old=None) -> dict:
        s = dict(old or {})
        for cached in ("hidden_program", "layer_starts"):  # of the old network
            s.pop(cached, None)
        if "data" in rebuild:
            s.update(_split_points(k))
        if "network" in rebuild:
            if model is None:
                model = MLP(len(k["features"]), [*k["layers"], n_outputs(k)],
                            activation=k["activation"], rng=k["seed"])
            s.update(model=model, initial=model.state_dict())
        if k["batch_size"] > len(s["X_train"]):
            raise ValueError(f"playground: batch_size must be in [1, {len(s['X_train'])}] (the "
                             f"training points), got {k['batch_size']}")
        columns = [FEATURES[f] for f in k["features"]]
        s["transform"] = lambda P: np.column_stack([f(np.asarray(P, float)) for f in columns])
        loss_fn, prepare = LOSSES[k["loss"]]
        s["F_train"], s["F_test"] = s["transform"](s["X_train"]), s["transform"](s["X_test"])
        if k["loss"] == "cross_entropy":  # one-hot rows: a replayed loss can't index a logit
            prepare = functools.partial(datasets.one_hot, k=n_outputs(k))
        s["T_train"], s["T_test"] = prepare(s["y_train"]), prepare(s["y_test"])
        s["train_program"], s["test_program"] = compiled_losses(s["model"], loss_fn, k["l2"])
        s["loss_fn"] = loss_fn
        s["optimizer"] = _optimizer(k["optimizer"], s["model"].parameters(), k["lr"])
        return s

    def _install(self, knobs: dict, s: dict, keep_history: bool = False) -> None:
        self._knobs = knobs
        self._s = s
        self.model = s["model"]
        self.optimizer = s["optimizer"]
        self.X_train, self.y_train = s["X_train"], s["y_train"]
        self.X_test, self.y_test = s["X_test"], s["y_test"]
        self.transform = s["transform"]
        self._batch_outputs = None  # of the old build: output_deltas computes them anew
        if not keep_history:
            self._clear()
        if self._front is not None:
            self._front.rebuilt()

    def _clear(self) -> None:
        # what replays this run from its start (pg.setup()): the knobs it started with,
        # and each training knob changed since, at the step it changed
        self._start_knobs, self._changes = dict(self._knobs), []
        self.history = History()
        self.steps = 0
        self.batch = None          # indices (into X_train) of the last step's batch
        self.diverged = False
        self._grads = None         # the last step's gradient of every parameter
        self._rng = np.random.default_rng(self._knobs["seed"])
        self._order, self._cursor = None, 0
        self._epoch = None         # the nn.train.Epoch under way
        self._weights_before = None  # the parameters the last step's gradient was taken at
        self._batch_outputs = None   # the model's outputs on that batch at those weights
        self.step_norms = deque(maxlen=STEP_NORMS)  # per step: one norm per layer

    @property
    def lock(self) -> threading.RLock:
        """The lock every method that trains or reads the model holds (re-entrant)."""
        return self._lock

    def _changed(self) -> None:
        """The model or its history changed from code: the live view (if shown) redraws."""
        if self._front is not None:
            self._front.changed()

    @property
    def knobs(self) -> dict:
        """The current knob values (a copy)."""
        return dict(self._knobs)

    @property
    def features(self) -> tuple:
        return self._knobs["features"]

    @property
    def threshold(self) -> float:
        """The score above which a point is class 1: 0.5 for mse on 0/1, else 0 (with
        cross_entropy the class is the largest logit's)."""
        return 0.5 if self._knobs["loss"] == "mse" else 0.0

    @property
    def classes(self) -> int:
        """How many classes the data has (2 to 6)."""
        return n_classes(self._knobs)

    @property
    def multiclass(self) -> bool:
        """Whether the network has a logit per class (cross_entropy), not one score."""
        return self._knobs["loss"] == "cross_entropy"

    def set(self, **knobs) -> Playground:
        """Change knobs, e.g. ``pg.set(layers=[4, 2], activation="relu", lr=0.03)``.
        Every value is checked before anything changes: a bad one raises and the
        playground keeps its last good state. Returns the playground."""
        with self._lock:
            check_knob_names(knobs)
            new = dict(self._knobs)
            new.update({k: check_knob(k, v) for k, v in knobs.items()})
            own = not isinstance(new["data"], str)
            if own and {"noise", "n_samples", "classes"} & {
                    k for k in knobs if not same_value(new[k], self._knobs[k])}:
                raise ValueError("playground: noise, n_samples and classes apply to the "
                                 "generated data sets; data is the (X, y) you passed (set "
                                 f"data= to one of {', '.join(DATASETS)} first)")
            new = _agreeing(new, knobs)
            changed = {k for k in new if not same_value(new[k], self._knobs[k])}
            if not changed:
                return self
            rebuild = set()
            if changed & DATA_KNOBS:
                rebuild.add("data")
            if changed & (NETWORK_KNOBS | DATA_KNOBS):
                rebuild.add("network")  # new data or network: new weights from the seed
            state = self._build(new, rebuild=rebuild, old=self._s)
            steps, start, changes = self.steps, self._start_knobs, self._changes
            self._install(new, state, keep_history=not rebuild)
            if "network" in rebuild:
                self._own_model = False  # a network knob made a new MLP from the seed
            if not rebuild:
                self._order = None if "batch_size" in changed else self._order
                if steps:  # remembered for pg.setup(): it replays the change at this step
                    changes.append((steps, {k: new[k] for k in sorted(changed)}))
                else:      # before any training: the run starts with it
                    start.update({k: new[k] for k in changed})
            return self

    def regenerate(self, seed: int | None = None) -> Playground:
        """New data (and weights) from ``seed``, by default the next seed."""
        return self.set(seed=self._knobs["seed"] + 1 if seed is None else seed)

    def reset(self) -> Playground:
        """Back to the starting weights (the learner's, or those drawn from ``seed``),
        a fresh optimizer and an empty history; the knobs stay."""
        with self._lock:
            self.pause()
            self.model.load_state_dict(self._s["initial"])
            self._s["optimizer"] = _optimizer(self._knobs["optimizer"], self.model.parameters(),
                                              self._knobs["lr"])
            self.optimizer = self._s["optimizer"]
            self._clear()
        self._changed()
        return self

    # -- training ---------------------------------------------------------------------
    def step(self) -> float:
        """One batch: forward, the gradients (compiled replay), one optimizer step.
        Returns the batch's loss. An epoch that ends with this batch is recorded
        in ``history`` (loss and accuracy over its batches, as ``fit`` records
        them; ``val_*`` on the test points; per-layer gradient norms): one
        ``nn.train.Epoch``, fed a batch per step. The live view, if shown, redraws."""
        loss = self._step(stacklevel=3)
        self._changed()
        return loss

    def _step(self, stacklevel: int) -> float:
        with self._lock:
            idx = self._next_batch()
            loss, outputs, norms = self._gradients(idx)
            if self._epoch.diverges(loss, self.history, self.optimizer.lr,
                                    stacklevel=stacklevel):
                self.diverged, self.playing = True, False
                return loss
            self.optimizer.step()
            self._epoch.add(loss, np.asarray(outputs), self._s["y_train"][idx], norms)
            if self._cursor >= len(self._s["X_train"]):
                self._epoch.record(self.history, self.optimizer.lr, self._validation())
            return loss

    def _next_batch(self) -> np.ndarray:
        """The indices of the next batch; a new epoch (order, Epoch) after the last."""
        n = len(self._s["X_train"])
        if self._order is None or self._cursor >= n:
            self._order, self._cursor = self._rng.permutation(n), 0
            self._epoch = Epoch(n, self._knobs["loss"])
        idx = self._order[self._cursor:self._cursor + self._knobs["batch_size"]]
        self._cursor += len(idx)
        return idx

    def _gradients(self, idx) -> tuple:
        """The batch's loss, outputs and per-layer gradient norms; the gradient of
        every parameter and the weights it was taken at are kept for the views."""
        s = self._s
        self.optimizer.zero_grad()
        loss, outputs = s["train_program"].value_and_grad(s["F_train"][idx], s["T_train"][idx])
        params = self.model.parameters()
        self._grads = np.fromiter((p.grad for p in params), float, len(params))
        self._weights_before = np.fromiter((p.data for p in params), float, len(params))
        self._batch_outputs = np.array(outputs, dtype=float)  # a copy: the replay reuses buffers
        self.batch = idx
        norms = self._layer_norms()
        self.step_norms.append(norms)
        self.steps += 1
        return loss, outputs, norms

    def _validation(self) -> tuple:
        """``(loss, scores, labels)`` on the test points, for the epoch's record."""
        s = self._s
        per_sample, scores = s["test_program"](s["F_test"], s["T_test"])
        return float(np.sum(per_sample) / len(per_sample)), scores, s["y_test"]

    def _layer_norms(self) -> list:
        """||∂E/∂θ|| over each layer's parameters on the last batch."""
        if "layer_starts" not in self._s:
            sizes = [layer.num_parameters for layer in self.model.layers]
            self._s["layer_starts"] = np.cumsum([0] + sizes[:-1])
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged step: inf
            squares = np.add.reduceat(self._grads * self._grads, self._s["layer_starts"])
        return np.sqrt(squares).tolist()

    def play(self, epochs: int | None = None) -> Playground:
        """Train ``epochs`` more epochs (whole passes over the training points; an
        epoch under way is finished first and counts as one). Stops early if the
        loss diverges. ``play()`` without epochs starts the live view's loop
        (``show()`` it first); ``pause()`` stops it. Returns the playground."""
        if epochs is None:
            if self._front is None:
                raise ValueError("playground: play() without epochs runs in the live view: "
                                 "show it first (pg.show()), or pass epochs=n")
            self._front.start()
            return self
        epochs = in_range(epochs, "epochs", 1, 100_000, integer=True)
        with self._lock:
            self.diverged = False
            target = self.history.epochs + epochs
            while self.history.epochs < target and not self.diverged:
                self._step(stacklevel=3)
        self._changed()
        return self

    def pause(self) -> Playground:
        """Stop the live view's loop (training stops after the update under way)."""
        self.playing = False
        if self._front is not None:
            self._front.stop()
        return self

    @property
    def epoch(self) -> int:
        return self.history.epochs

    # -- what the views show ------------------------------------------------------------
    @_locked
    def boundary(self, resolution: int = 100):
        """``(xs, ys, Z)``: the model's score over the plane around every point,
        ``nn.plot.boundary_grid`` of the model and the input features."""
        from ..plot import boundary_grid

        return boundary_grid(self.model, self._points(), resolution=resolution, margin=0.5,
                             features=self.transform)

    def _points(self) -> np.ndarray:
        return np.vstack([self.X_train, self.X_test])

    @_locked
    def neuron_outputs(self, resolution: int = 40):
        """``(xs, ys, maps)``: every hidden neuron's output y = f(u) over the
        boundary's plane, ``maps[l]`` of shape (neurons of layer l, resolution,
        resolution); one compiled pass over the grid (traced once per network)."""
        resolution = in_range(resolution, "resolution", 2, 1000, integer=True)
        xs, ys, points = self._grid(resolution)
        hidden = self.model.layers[:-1]
        if not hidden:
            return xs, ys, []
        if "hidden_program" not in self._s:
            self._s["hidden_program"] = _hidden_outputs(self.model)
        out = np.asarray(self._s["hidden_program"](self.transform(points)), dtype=float)
        maps, start = [], 0
        for layer in hidden:
            block = out[:, start:start + layer.nout].T
            maps.append(block.reshape(layer.nout, resolution, resolution))
            start += layer.nout
        return xs, ys, maps

    @_locked
    def feature_maps(self, resolution: int = 40):
        """``(xs, ys, maps)``: each input feature over the plane, (features, res, res)."""
        resolution = in_range(resolution, "resolution", 2, 1000, integer=True)
        xs, ys, points = self._grid(resolution)
        return xs, ys, self.transform(points).T.reshape(-1, resolution, resolution)

    def _grid(self, resolution: int):
        P = self._points()
        lo, hi = P.min(axis=0) - 0.5, P.max(axis=0) + 0.5
        xs, ys = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
        gx, gy = np.meshgrid(xs, ys)
        return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])

    @_locked
    def weights(self) -> list:
        """Each layer's ``(W, b)``: W (n_out, n_in), b (n_out,), the model's numbers now."""
        return [(np.array([[w.data for w in n.w] for n in layer.neurons]),
                 np.array([n.b.data for n in layer.neurons])) for layer in self.model.layers]

    @_locked
    def weight_grads(self) -> list | None:
        """Each layer's ``(∂E/∂W, ∂E/∂b)`` on the last step's batch (with the L2 term
        on the weights), or None before the first step."""
        if self._grads is None:
            return None
        out, start = [], 0
        for layer in self.model.layers:
            n_in = layer.nin
            block = self._grads[start:start + layer.nout * (n_in + 1)].reshape(layer.nout,
                                                                               n_in + 1)
            out.append((block[:, :n_in].copy(), block[:, n_in].copy()))
            start += layer.nout * (n_in + 1)
        return out

    def deltas(self) -> list | None:
        """Each layer's δ on the last step's batch, an array per layer (output last):
        δ_j = (1/B) Σ_n ∂ℓ_n/∂u_j^(n) = ∂E/∂b_j (see ``nn.playground``'s docstring).
        None before the first step."""
        grads = self.weight_grads()
        return None if grads is None else [db for _, db in grads]

    @_locked
    def layer_grad_norms(self) -> list | None:
        """||∂E/∂θ|| per layer on the last step's batch (weights and biases)."""
        return None if self._grads is None else self._layer_norms()

    def neuron_trace(self, layer: int, neuron: int, sample: int = 0):
        """The backward pass of one sample of the last batch, neuron by neuron, at
        the weights the batch's gradient was taken at: ``(trace, k)`` where ``trace
        = backward_trace(ℓ_n, module=copy, collapse="neuron")`` of that sample's
        loss ℓ_n (without the L2 term, which reaches no u) and ``k`` the chosen
        neuron's step (``layer`` 0 is the first hidden layer, the last is the
        output). Its δ is the sample's ∂ℓ_n/∂u; the batch's δ (``deltas()``) is the
        mean of those over the batch. The pass runs on a copy of the model holding
        those weights (``trace.module``), so the live model, its ``.grad`` and a
        training thread are never touched. A ValueError before the first step."""
        copy, name, x, t, loss_fn = self._batch_copy(layer, neuron, sample)
        loss = loss_fn([copy(x)], [t])
        trace = backward_trace(loss, module=copy, collapse="neuron")
        trace.grads = {v: v.grad for v in trace.order}
        k = next(s.number for s in trace.neuron_steps if s.name == name)
        return trace, k

    @_locked
    def _batch_copy(self, layer, neuron, sample) -> tuple:
        """Under the lock: a copy of the model with the weights of the last batch's
        gradient, the chosen neuron's name in it, the sample's ``(x, t)`` and the loss."""
        layer, neuron = self.check_neuron(layer, neuron)
        if self.batch is None:
            raise ValueError(f"playground: no batch yet, so no backward pass of neuron "
                             f"{label(layer, neuron)} to show: step() or play() first")
        sample = in_range(sample, "sample", 0, len(self.batch) - 1, integer=True)
        i = self.batch[sample]
        copy = _copy_model(self.model, self._weights_before)
        target = copy.layers[layer].neurons[neuron]
        name = next(n for _, n, _, unit in copy.neuron_paths() if unit is target)
        target = self._s["T_train"][i]  # a number, or a one-hot row (cross_entropy)
        x, t = self._s["F_train"][i].tolist(), target.tolist() if np.ndim(target) else \
            float(target)
        return copy, name, x, t, self._s["loss_fn"]

    def neuron_graph(self, layer: int, neuron: int, sample: int = 0, view: str = "neuron"):
        """The chosen neuron in ``neuron_trace``'s backward pass: with
        ``view="neuron"`` the network drawn with every δ found up to this neuron's
        (highlighted, ∂E/∂w on its incoming edges; ``trace.frame(k)``); with
        ``view="scalar"`` the scalar graph that computes the neuron's output, each
        box with its gradient from that pass (``draw_graph(ℓ_n, module=model,
        focus=y, edge_labels="flow")``). Returns ``(GraphDrawing, caption)``."""
        choice(view, "view", ("neuron", "scalar"))
        trace, k = self.neuron_trace(layer, neuron, sample)
        caption = trace.caption(k)
        if view == "neuron":
            return trace.frame(k), caption
        return draw_graph(trace.root, module=trace.module, focus=trace.neuron_steps[k - 1].y,
                          edge_labels="flow", grads=trace.grads), caption

    @_locked
    def check_neuron(self, layer, neuron) -> tuple[int, int]:
        """``(layer, neuron)`` as ints if they name a neuron of the model (layer 0 the
        first hidden layer, the last the output), else a ValueError naming the argument."""
        n_layers = len(self.model.layers)
        layer = in_range(layer, "layer", 0, n_layers - 1, integer=True)
        neuron = in_range(neuron, "neuron", 0, self.model.layers[layer].nout - 1, integer=True)
        return layer, neuron

    @_locked
    def accuracy(self) -> tuple[float, float]:
        """(train accuracy, test accuracy) of the model now, on all the points."""
        return self._accuracy(self._s["F_train"], self.y_train), \
            self._accuracy(self._s["F_test"], self.y_test)

    def _accuracy(self, F, y) -> float:
        with no_grad():
            scores = np.asarray(self.model.predict(F), dtype=float)
        return accuracy_of(scores.reshape(len(F), -1), y, self._knobs["loss"])

    @_locked
    def probabilities(self, resolution: int = 100):
        """``(xs, ys, P)``: each class's probability over the boundary's plane, P of
        shape (classes, resolution, resolution): the softmax of the logits (with one
        score, σ(score) for class 1 and 1 − σ for class 0; mse: the score clipped to
        [0, 1]). ``P.argmax(axis=0)`` is the class the model predicts there."""
        resolution = in_range(resolution, "resolution", 2, 1000, integer=True)
        xs, ys, points = self._grid(resolution)
        with no_grad():
            scores = np.asarray(self.model.predict(self.transform(points)), dtype=float)
        P = _probabilities(scores.reshape(len(points), -1), self._knobs["loss"])
        return xs, ys, P.T.reshape(-1, resolution, resolution)

    @_locked
    def output_deltas(self) -> dict | None:
        """The output layer's δ on the last batch, sample by sample: with softmax
        cross-entropy (and bce) ∂ℓ_n/∂z_k = p_nk − t_nk. Returns ``{"p", "t", "p_minus_t"}``
        (B, outputs) and ``"delta"``, their mean over the batch: the output neurons'
        δ = ∂E/∂b (``deltas()[-1]``). At the weights the batch's gradient was taken at.
        None before the first step; a ValueError for max_margin and mse."""
        loss = self._knobs["loss"]
        if loss not in ("cross_entropy", "bce"):
            raise ValueError(f"playground: the output's δ is p − t for cross_entropy and bce; "
                             f"loss is {loss!r}")
        if self.batch is None:
            return None
        z = self._batch_outputs
        if z is None:  # knobs were set since the step: the outputs are computed anew
            copy = _copy_model(self.model, self._weights_before)
            with no_grad():
                z = np.asarray(copy.predict(self._s["F_train"][self.batch]), dtype=float)
        z = z.reshape(len(self.batch), -1)
        p = _probabilities(z, loss)[:, -z.shape[1]:]  # bce: p of class 1, one output
        t = self._s["T_train"][self.batch].reshape(p.shape)
        return {"p": p, "t": t, "p_minus_t": p - t, "delta": (p - t).mean(axis=0)}

    def __repr__(self) -> str:
        k = self._knobs
        data = k["data"] if isinstance(k["data"], str) else f"your {len(self._points())} points"
        data += f" ({self.classes} classes)" if self.classes > 2 else ""
        return (f"Playground({data}, features {list(k['features'])}, layers {list(k['layers'])}, "
                f"{k['activation']}, {k['loss']}, {k['optimizer']} lr {k['lr']:g}, l2 "
                f"{k['l2']:g}, batch {k['batch_size']}: epoch {self.epoch}, step {self.steps})")

    # -- setups to hand out -------------------------------------------------------------
    @_locked
    def setup(self):
        """Everything that defines this run, to hand out: the data (a data set's name
        and knobs, or your points), the features, the network (and your model's
        starting weights), the optimizer and its knobs, the seeds, each training knob
        changed since the start with the step it changed at, and the steps and
        epochs trained. A ``Setup``: ``.json`` (readable) and ``.text`` (one short
        string, also ``str(setup)``); ``nn.playground(setup=...)`` takes either and
        replays the run to the same numbers."""
        from .setups import setup_of

        return setup_of(self)

    @_locked
    def to_code(self, framework: str = "gradlab") -> str:
        """The plain script that trains the same model as this run: the same data and
        features, the same starting weights, optimizer and batches (``nn.fit`` with the
        playground's seed; ``framework="torch"``: the model in PyTorch, trained by
        hand, which needs the torch extra). It prints the final train loss, this run's
        ``history.loss[-1]``. The run's whole epochs are written (a run whose training
        knobs changed as it trained has no single script: ``setup()`` shares it)."""
        from .scripts import script

        return script(self, framework)

    # -- pictures and the front end ---------------------------------------------------
    @_locked
    def figure(self, neuron=None, edges: str = "weights", probability: int | None = None):
        """A still picture of everything (a matplotlib Figure, not pyplot's): the
        network (each neuron's output over the plane, edges = weights or the batch's
        ∂E/∂w; the output: the score, or each class's probability), the decision
        boundary with train and test points (several classes: the argmax regions;
        ``probability=k``: class k's probability map instead), the loss curves,
        the gradient norms per layer, and the chosen neuron's δ."""
        from .figures import static_figure

        return static_figure(self, neuron=neuron, edges=edges, probability=probability)

    def png(self, **options) -> bytes:
        """``figure(**options)`` as PNG bytes, in 256 colours (a third of the size,
        what a notebook commits; the maps' shades are too few to band)."""
        import io

        from PIL import Image  # matplotlib's own dependency

        from .figures import DPI

        buf = io.BytesIO()
        self.figure(**options).savefig(buf, format="png", dpi=DPI)
        image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
        buf = io.BytesIO()
        image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            buf, format="png", optimize=True)
        return buf.getvalue()

    def show(self):
        """The live view (ipywidgets): knobs, Play / Pause / Step / Reset, the
        pictures, and a neuron picker. Needs ipywidgets and matplotlib
        (``pip install -e ".[notebooks]"``)."""
        if self._front is None:
            from .live import LiveView

            front = LiveView(self)  # a clear ImportError without ipywidgets, nothing built
            self._front = front
        return self._front.widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        """In Jupyter the live view, with a still PNG for readers without a kernel
        or without the widget's state (GitHub, nbviewer, a committed notebook); the
        playground's one line as text, never the widget tree's."""
        try:
            widget = self.show()
        except ImportError as e:
            return {"text/plain": f"{self!r}\n({e})"}
        import base64

        bundle = dict(widget._repr_mimebundle_() or {})
        bundle["image/png"] = base64.b64encode(self.png()).decode()
        bundle["text/plain"] = repr(self)
        return bundle


def _agreeing(knobs: dict, given) -> dict:
    """The knobs made to agree: your data's classes are the ``classes`` knob; more than
    2 classes switch a one-output loss to cross_entropy unless ``loss`` was ``given``
    (then it must be cross_entropy)."""
    knobs = dict(knobs)
    if not isinstance(knobs["data"], str):
        knobs["classes"] = n_classes(knobs)
    elif knobs["data"] not in MULTICLASS and "classes" not in given:
        knobs["classes"] = 2  # circle, xor, moons: two classes
    if n_classes(knobs) > 2 and "loss" not in given:
        knobs["loss"] = "cross_entropy"
    check_together(knobs)
    return knobs


def _probabilities(scores: np.ndarray, loss: str) -> np.ndarray:
    """Each class's probability, (n, classes), from the model's scores (n, outputs)."""
    if loss == "cross_entropy":
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    with np.errstate(over="ignore"):
        p1 = np.clip(scores[:, 0], 0.0, 1.0) if loss == "mse" else 1 / (1 + np.exp(-scores[:, 0]))
    return np.column_stack([1 - p1, p1])


def _split_points(k: dict) -> dict:
    """The data knobs' points, split into training and test points."""
    if isinstance(k["data"], str):
        make, default_noise = DATASETS[k["data"]]
        noise = default_noise if k["noise"] is None else k["noise"]
        X, y = make(k["n_samples"], noise, k["seed"], k["classes"])
    else:
        X, y = k["data"]
    try:
        Xtr, Xte, ytr, yte = datasets.train_test_split(X, y, k["test_fraction"], seed=k["seed"])
    except ValueError as e:
        raise ValueError(f"playground: data: {e}") from None
    return dict(X_train=Xtr, X_test=Xte, y_train=ytr, y_test=yte)


def _copy_model(model, flat: np.ndarray):
    """A new MLP shaped like ``model`` (its activations too) holding the numbers
    ``flat``, in ``model.parameters()`` order (each neuron's weights, then its bias)."""
    weights, biases, start = [], [], 0
    for layer in model.layers:
        size = layer.nout * (layer.nin + 1)
        block = np.asarray(flat[start:start + size]).reshape(layer.nout, layer.nin + 1)
        weights.append(block[:, :-1])
        biases.append(block[:, -1])
        start += size
    return MLP.from_weights(weights, biases,
                            activations=[layer.activation for layer in model.layers])


def _hidden_outputs(model):
    """A compiled function of a batch of inputs: every hidden neuron's output, layer
    by layer (traced on its first call, replayed with the model's numbers then)."""
    hidden = model.layers[:-1]

    def all_hidden(x):
        outputs = []
        for layer in hidden:
            x = layer(x)
            outputs += x
        return outputs
    return compile(all_hidden)


def _optimizer(name: str, params, lr: float):
    if name == "adam":
        return Adam(params, lr=lr)
    return SGD(params, lr=lr, momentum=0.9 if name == "momentum" else 0.0)


def playground(model=None, data="circle", setup=None, **knobs) -> Playground:
    """A playground: in Jupyter it shows as the live view; from cells, drive it with
    ``pg.set(...)``, ``pg.step()``, ``pg.play(epochs=n)``, ``pg.reset()`` and read
    ``pg.model`` and ``pg.history`` (an ``nn.History``, so ``nn.plot.loss_curves(
    pg.history)`` works). ``model=`` and ``data=(X, y)`` take the learner's own MLP
    and points (or ``data="points.csv"``). ``setup=`` (``pg.setup()``, its JSON or
    its short string) replays a run handed out, to the same numbers, and takes no
    other argument. See ``Playground`` for the knobs."""
    if setup is not None:
        if model is not None or data != "circle" or knobs:
            raise TypeError("playground: setup= gives every knob, the data and the model; "
                            "pass it alone (and change knobs afterwards with pg.set(...))")
        from .setups import replay

        return replay(setup, Playground)
    return Playground(model=model, data=data, **knobs)
