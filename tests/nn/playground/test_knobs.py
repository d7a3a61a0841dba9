"""nn.playground.knobs: a bad knob names itself, what it allows and what came, and
leaves the playground as it was; every knob has a check that keeps its default."""

import pytest

import nn
from nn.playground import DATASETS, FEATURES, KNOBS
from nn.playground.knobs import ALIASES, check_knob, same_value

from .helpers import small


@pytest.mark.parametrize("knob, value, error, words", [
    ("layers", [4] * 7, ValueError, "0 to 6"),
    ("layers", [9], ValueError, "1 to 8"),
    ("layers", "4,2", TypeError, "layers"),
    ("activation", "swish", ValueError, "'tanh'"),
    ("lr", 0, ValueError, "(0, 10]"),
    ("lr", 11.5, ValueError, "(0, 10]"),
    ("lr", "fast", TypeError, "lr"),
    ("l2", -0.1, ValueError, "l2"),
    ("features", [], ValueError, "at least one"),
    ("features", ["x3"], ValueError, "x1*x2"),
    ("batch_size", 41, ValueError, "[1, 40]"),
    ("optimizer", "rmsprop", ValueError, "'adam'"),
    ("loss", "hinge", ValueError, "'cross_entropy'"),
    ("classes", 7, ValueError, "[2, 6]"),
    ("classes", 3, ValueError, "gauss, spiral (blobs with k centres"),  # circle: 2 classes
    ("test_fraction", 0.95, ValueError, "[0.1, 0.9]"),
    ("data", "donut", ValueError, "'spiral'"),
    ("colour", 1, TypeError, "unknown knob"),
])
def test_a_bad_knob_names_itself_and_keeps_the_last_good_state(knob, value, error, words):
    pg = small()
    pg.play(epochs=1)
    before = (pg.knobs, pg.model, pg.model.state_dict(), pg.history.loss[:], pg.steps)
    with pytest.raises(error) as e:
        pg.set(**{knob: value})
    assert knob in str(e.value) and words in str(e.value)
    assert knob == "colour" or repr(value)[:4] in str(e.value)
    assert (pg.knobs, pg.model, pg.model.state_dict(), pg.history.loss, pg.steps) == before
    pg.play(epochs=1)  # and it still trains
    assert pg.history.epochs == 2


def test_every_knob_has_a_check_that_keeps_its_default():
    for knob, default in KNOBS.items():
        assert check_knob(knob, default) == default, knob
    with pytest.raises(TypeError, match="unknown knob 'colour'; the knobs are data, n_samples"):
        check_knob("colour", 1)


def test_data_names_take_their_aliases_and_features_the_playgrounds_order():
    assert {check_knob("data", alias) for alias in ALIASES} <= set(DATASETS)
    assert check_knob("data", "circles") == "circle" and check_knob("data", "blobs") == "gauss"
    assert check_knob("features", ["sin(x2)", "x2", "x1"]) == ("x1", "x2", "sin(x2)")
    assert list(FEATURES)[:2] == ["x1", "x2"]
    with pytest.raises(ValueError, match=r"model takes 3 inputs: pass features="):
        nn.playground(model=nn.MLP(3, [2, 1], rng=0))


def test_a_slider_sending_back_a_rounded_value_starts_nothing_again():
    """JupyterLab's slider sends 0.1 + 2 × 0.1 = 0.30000000000000004 back for 0.3 when it
    shows: the same knob value, so the trained playground stays as it was."""
    pg = small(test_fraction=0.3)
    pg.play(epochs=2)
    state = pg.model.state_dict()
    pg.set(test_fraction=0.1 + 0.1 * 2, lr=pg.knobs["lr"] * (1 + 1e-15))
    assert pg.history.epochs == 2 and pg.model.state_dict() == state and pg.batch is not None
    assert same_value(0.3, 0.1 + 0.1 * 2) and not same_value(0.3, 0.31)
    assert not same_value(1, 1.0)  # a knob's values are checked to one type first
