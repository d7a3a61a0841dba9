"""Setups to hand out: everything that defines a playground's run, as JSON and as one
short string, and the replay that makes the same run from either (to the same numbers).

A setup holds the knobs the run started with (the data: a data set's name with its
knobs, or your points; the features, the network, the loss, the optimizer and its
knobs, the seed of the data, the weights and the batches), your model's starting
weights if you passed ``model=``, each training knob changed as it trained (with the
step it changed at), and the steps and epochs trained, with the last epoch's train
loss as a check: replaying warns if it does not come out the same. (TensorFlow
Playground keeps its setup in the page's address; this is that, and the run too.)

    s = pg.setup()
    s.text                         # 'gradlab-playground:1:eJy...': one line to hand out
    s.json                         # the same, readable
    nn.playground(setup=s.text)    # the same run, at the same step, the same numbers
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import warnings
import zlib

import numpy as np

from ..modules import from_config
from .knobs import KNOBS

__all__ = ["Setup", "setup_of", "read_setup", "replay", "PREFIX", "FORMAT"]

FORMAT = 1
PREFIX = f"gradlab-playground:{FORMAT}:"


class Setup:
    """A run to hand out: ``record`` (a dict), ``json`` (readable) and ``text`` (one short
    string, ``str(setup)``). ``nn.playground(setup=...)`` takes any of the three."""

    def __init__(self, record: dict):
        self.record = record

    @property
    def json(self) -> str:
        return json.dumps(self.record, indent=1)

    @property
    def text(self) -> str:
        compact = json.dumps(self.record, separators=(",", ":")).encode("utf-8")
        packed = base64.urlsafe_b64encode(zlib.compress(compact, 9)).decode("ascii")
        return PREFIX + packed.rstrip("=")

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        r = self.record
        data = r["knobs"]["data"] if isinstance(r["knobs"]["data"], str) else \
            f"your {len(r['knobs']['data']['y'])} points"
        return (f"Setup({data}, layers {r['knobs']['layers']}, {r['knobs']['loss']}, "
                f"{r['knobs']['optimizer']}: {r['epochs']} epochs, {r['steps']} steps; "
                f"{len(self.text)} characters as text)")

    def __eq__(self, other) -> bool:
        return isinstance(other, Setup) and other.record == self.record

    __hash__ = None


def _plain(value):
    """A knob's value as JSON: tuples as lists, your data as {"X": ..., "y": ...}."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], np.ndarray):
        return {"X": value[0].tolist(), "y": value[1].tolist()}
    if isinstance(value, tuple):
        return list(value)
    return value


def setup_of(pg) -> Setup:
    """``pg.setup()`` (the caller holds the playground's lock)."""
    record = {
        "format": FORMAT,
        "knobs": {k: _plain(v) for k, v in pg._start_knobs.items()},
        "model": None,
        "changes": [{"step": step, "knobs": {k: _plain(v) for k, v in knobs.items()}}
                    for step, knobs in pg._changes],
        "steps": pg.steps,
        "epochs": pg.history.epochs,
        "loss": pg.history.loss[-1] if pg.history.loss else None,
    }
    if pg._own_model:  # the learner's model: its architecture and starting weights
        record["model"] = _model_record(pg.model, pg._s["initial"])
    if record["loss"] is not None and not math.isfinite(record["loss"]):
        record["loss"] = str(record["loss"])  # JSON has no inf or nan: "inf", "nan"
    return Setup(record)


def _model_record(model, initial: dict) -> dict:
    """``sizes`` (inputs, then each layer's outputs) and ``activations`` from
    ``model.config()``; ``initial``, the starting state_dict's numbers in
    ``named_parameters()`` order."""
    config = model.config()
    if config is None:  # a custom activation: it has no name to write down
        i, act = next((i, la.activation) for i, la in enumerate(model.layers)
                      if not isinstance(la.activation, str))
        raise ValueError(f"playground: setup: layer {i + 1} of your model has a custom "
                         f"activation ({act!r:.40}), which a setup cannot write down")
    return {"sizes": [config["nin"], *config["sizes"]], "activations": config["activations"],
            "initial": [float(initial[name]) for name, _ in model.named_parameters()]}


# --- reading a setup back -----------------------------------------------------------------------


def read_setup(value) -> dict:
    """A setup's record from a ``Setup``, its dict, its JSON or its short string, checked
    for its shape (the knobs themselves are checked by the playground)."""
    if isinstance(value, Setup):
        record = value.record
    elif isinstance(value, dict):
        record = value
    elif isinstance(value, str):
        record = _parse(value.strip())
    else:
        raise TypeError(f"playground: setup must be pg.setup(), its .json or its .text, got "
                        f"{type(value).__name__}")
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ValueError(f"playground: setup: not a playground setup of format {FORMAT} "
                         f"(a dict with 'format': {FORMAT}, 'knobs', 'steps', ...)")
    missing = [k for k in ("knobs", "steps", "epochs", "changes") if k not in record]
    if missing or not isinstance(record["knobs"], dict) or not isinstance(record["changes"],
                                                                          list):
        raise ValueError(f"playground: setup: missing or malformed {', '.join(missing) or 'knobs'}")
    unknown = sorted(set(record["knobs"]) - set(KNOBS))
    if unknown:
        raise ValueError(f"playground: setup: unknown knob {unknown[0]!r}")
    steps = record["steps"]
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"playground: setup: steps must be an int >= 0, got {steps!r}")
    return record


def _parse(text: str):
    if text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"playground: setup: not valid JSON ({e})") from None
    if not text.startswith(PREFIX):
        raise ValueError(f"playground: setup: a setup's text starts with {PREFIX!r} (or is "
                         f"its JSON, starting with '{{'), got {text[:30]!r}")
    packed = text[len(PREFIX):]
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)))
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, zlib.error, UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("playground: setup: the text is damaged (copied only in part?): "
                         "it does not unpack") from None


def _knobs(plain: dict) -> dict:
    knobs = dict(plain)
    data = knobs.get("data")
    if isinstance(data, dict):
        if set(data) != {"X", "y"}:
            raise ValueError("playground: setup: your data must be {'X': points, 'y': labels}")
        knobs["data"] = (np.asarray(data["X"], dtype=float), np.asarray(data["y"]))
    return knobs


def _model(spec: dict):
    """The learner's model with its starting weights: ``from_config``, then
    ``load_state_dict`` with the numbers in ``named_parameters()`` order."""
    sizes, initial = spec["sizes"], spec["initial"]
    model = from_config({"type": "MLP", "nin": sizes[0], "sizes": sizes[1:],
                         "activations": spec["activations"], "bias": True})
    names = [name for name, _ in model.named_parameters()]
    if len(names) != len(initial):
        raise ValueError(f"playground: setup: the model's {len(initial)} starting numbers do "
                         f"not fit layers of sizes {sizes}")
    model.load_state_dict(dict(zip(names, initial)))
    return model


def replay(value, playground_class):
    """``nn.playground(setup=...)``: the playground the setup starts with (made by
    ``playground_class``: the caller passes ``state.Playground``, so this module never
    imports the module that imports it),
    trained step by step to the same step, each recorded knob change made at its step.
    Warns if the last epoch's train loss is not the recorded one (another gradlab or
    numpy)."""
    record = read_setup(value)
    model = _model(record["model"]) if record.get("model") else None
    pg = playground_class(model=model, **_knobs(record["knobs"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a diverging run: as it was
        for change in record["changes"]:
            _train_to(pg, change["step"])
            pg.set(**_knobs(change["knobs"]))
        _train_to(pg, record["steps"])
    _check_replay(pg, record)
    return pg


def _train_to(pg, step: int) -> None:
    with pg.lock:
        while pg.steps < step and not pg.diverged:
            pg._step(stacklevel=3)


def _check_replay(pg, record: dict) -> None:
    want, got = record.get("loss"), pg.history.loss[-1] if pg.history.loss else None
    want = float(want) if isinstance(want, str) else want
    same = (want is None and got is None) or (
        want is not None and got is not None and
        (math.isclose(want, got, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(want) and
                                                                  math.isnan(got))))
    if not same or pg.history.epochs != record["epochs"]:
        warnings.warn(f"playground: this setup recorded {record['epochs']} epochs ending at "
                      f"train loss {want}; replayed here: {pg.history.epochs} epochs, {got} "
                      "(another version of gradlab or numpy?)", RuntimeWarning, stacklevel=3)
