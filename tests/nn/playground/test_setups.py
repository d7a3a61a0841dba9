"""nn.playground.setups: a setup holds everything that defines a run, as JSON and as one
short string, and nn.playground(setup=...) replays the run to the same numbers: knob
changes made as it trained, the learner's own model and points included."""

import json
import warnings

import numpy as np
import pytest

import nn
from nn.playground.setups import PREFIX, Setup

from .helpers import small


def params(pg):
    return [p.data for p in pg.model.parameters()]


def same_run(a, b):
    assert (a.steps, a.epoch, a.knobs.keys()) == (b.steps, b.epoch, b.knobs.keys())
    assert a.history.loss == b.history.loss and a.history.val_loss == b.history.val_loss
    assert params(a) == params(b)  # bit for bit
    for k in a.knobs:
        if k == "data" and not isinstance(a.knobs[k], str):
            np.testing.assert_array_equal(a.knobs[k][0], b.knobs[k][0])
        else:
            assert a.knobs[k] == b.knobs[k], k


def test_a_setup_replays_the_run_to_the_same_numbers_from_json_or_text():
    pg = small(data="spiral", classes=3, layers=[5, 3], optimizer="momentum", lr=0.05,
               features=["x1", "x2", "x1*x2"], l2=0.001)
    pg.set(batch_size=6)  # before any training: the run starts with it
    pg.play(epochs=3)
    at = pg.steps
    pg.set(lr=0.02)       # as it trains: replayed at this step
    pg.step()
    pg.step()
    pg.play(epochs=2)
    pg.step()             # mid-epoch: the setup says so
    setup = pg.setup()
    record = json.loads(setup.json)
    assert record["knobs"]["batch_size"] == 6 and record["knobs"]["lr"] == 0.05
    assert record["changes"] == [{"step": at, "knobs": {"lr": 0.02}}] and at == 3 * 7
    assert (record["steps"], record["epochs"]) == (pg.steps, pg.epoch)
    assert record["loss"] == pg.history.loss[-1] and record["model"] is None
    text = str(setup)
    assert text == setup.text and text.startswith(PREFIX) and "\n" not in text
    assert len(text) < 400  # one short line to hand out
    for given in (setup, setup.json, text, record):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the replay checks its loss: no warning
            again = nn.playground(setup=given)
        same_run(again, pg)
    assert again.setup() == setup
    again.play(epochs=1)
    pg.play(epochs=1)
    assert params(again) == params(pg)  # and they go on the same way


def test_your_own_points_and_model_are_in_the_setup():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    model = nn.MLP(2, [3, 1], activation="relu", rng=7)
    pg = nn.playground(model=model, data=(X, y), batch_size=4, lr=0.1)
    pg.play(epochs=3)
    record = pg.setup().record
    assert record["knobs"]["data"]["X"] == X.tolist() and record["model"]["sizes"] == [2, 3, 1]
    assert record["model"]["activations"] == ["relu", "linear"]
    again = nn.playground(setup=pg.setup().text)
    same_run(again, pg)
    pg.set(layers=[2])  # a network knob: a new MLP from the seed, no weights to write
    assert pg.setup().record["model"] is None


def test_a_setup_refuses_a_custom_activation_and_starting_numbers_that_do_not_fit():
    def swish(v):
        return v * v.sigmoid()
    model = nn.MLP(2, [3, 1], activation=swish, rng=7)
    pg = nn.playground(model=model, data="xor", n_samples=40, batch_size=4)
    with pytest.raises(ValueError, match="layer 1 of your model has a custom activation "
                                         r"\(<function .*\), which a setup cannot write down"):
        pg.setup()
    own = nn.playground(model=nn.MLP(2, [3, 1], activation="relu", rng=7), data="xor",
                        n_samples=40, batch_size=4)
    record = own.setup().record
    again = nn.playground(setup=record)
    assert params(again) == params(own) and again.model.config() == own.model.config()
    for initial in (record["model"]["initial"][:-1], record["model"]["initial"] + [0.5]):
        bad = dict(record, model=dict(record["model"], initial=initial))
        with pytest.raises(ValueError, match=f"the model's {len(initial)} starting numbers do "
                                             r"not fit layers of sizes \[2, 3, 1\]"):
            nn.playground(setup=bad)


def test_a_reset_or_a_new_network_starts_the_setup_again():
    pg = small()
    pg.play(epochs=1)
    pg.set(lr=0.3)
    pg.reset()
    record = pg.setup().record
    assert record["changes"] == [] and record["knobs"]["lr"] == 0.3 and record["steps"] == 0
    pg.play(epochs=1)
    pg.set(optimizer="adam")
    pg.set(layers=[3])
    record = pg.setup().record
    assert record["changes"] == [] and record["knobs"]["layers"] == [3]
    assert record["knobs"]["optimizer"] == "adam"


@pytest.mark.parametrize("given, error, words", [
    ("nonsense", ValueError, "a setup's text starts with 'gradlab-playground:1:'"),
    (PREFIX + "abc", ValueError, "damaged (copied only in part?)"),
    ("{not json", ValueError, "not valid JSON"),
    ({"format": 2}, ValueError, "not a playground setup of format 1"),
    ({"format": 1, "knobs": {}}, ValueError, "missing or malformed steps, epochs, changes"),
    ({"format": 1, "knobs": {"colour": 1}, "steps": 0, "epochs": 0, "changes": []},
     ValueError, "unknown knob 'colour'"),
    ({"format": 1, "knobs": {}, "steps": -1, "epochs": 0, "changes": []},
     ValueError, "steps must be an int >= 0"),
    ({"format": 1, "knobs": {"lr": 99}, "steps": 0, "epochs": 0, "changes": []},
     ValueError, "lr must be in (0, 10]"),
    (3, TypeError, "setup must be pg.setup(), its .json or its .text"),
])
def test_a_bad_setup_says_what_is_wrong(given, error, words):
    with pytest.raises(error) as e:
        nn.playground(setup=given)
    assert words in str(e.value)


def test_a_setup_goes_alone_and_warns_when_it_does_not_replay():
    pg = small()
    pg.play(epochs=1)
    with pytest.raises(TypeError, match="pass it alone"):
        nn.playground(setup=pg.setup(), lr=0.1)
    record = dict(pg.setup().record, loss=123.0)  # as if made by another version
    with pytest.warns(RuntimeWarning, match="recorded 1 epochs ending at train loss 123.0"):
        nn.playground(setup=record)
    assert isinstance(pg.setup(), Setup) and "1 epochs" in repr(pg.setup())
