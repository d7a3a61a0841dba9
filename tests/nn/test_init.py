"""nn.init: each scheme has its documented standard deviation and distribution shape
(checked statistically on large seeded samples), seeds reproduce, bad arguments fail.

Tolerances: for n draws the sample std of a normal is off by about std/sqrt(2n)
(uniform: less); with n >= 20000 that is <= 0.5 %, so rel=3 % is six sigma.
"""

import math

import numpy as np
import pytest

from nn import init
from nn.modules import MLP, Layer, Neuron

N_IN, N_OUT = 50, 400  # 20000 draws

SCHEMES = [  # name, documented std, shape ("normal" or uniform half-width)
    ("xavier", 1 / math.sqrt(N_IN), "normal"),
    ("xavier_normal", 1 / math.sqrt(N_IN), "normal"),
    ("xavier_uniform", 1 / math.sqrt(N_IN), math.sqrt(3 / N_IN)),
    ("glorot", math.sqrt(2 / (N_IN + N_OUT)), "normal"),
    ("glorot_normal", math.sqrt(2 / (N_IN + N_OUT)), "normal"),
    ("glorot_uniform", math.sqrt(2 / (N_IN + N_OUT)), math.sqrt(6 / (N_IN + N_OUT))),
    ("he", math.sqrt(2 / N_IN), "normal"),
    ("msra", math.sqrt(2 / N_IN), "normal"),
    ("gaussian", 0.01, "normal"),
    ("uniform", 1 / math.sqrt(3), 1.0),
]


def excess_kurtosis(w: np.ndarray) -> float:
    z = (w - w.mean()) / w.std()
    return float(np.mean(z**4) - 3)


@pytest.mark.parametrize("name,std,shape", SCHEMES)
def test_scheme_has_its_documented_std_and_shape(name, std, shape):
    w = init.get(name)(N_IN, N_OUT, np.random.default_rng(0))
    assert w.shape == (N_OUT, N_IN)
    assert np.std(w) == pytest.approx(std, rel=0.03)
    assert abs(np.mean(w)) < 5 * std / math.sqrt(w.size)
    if shape == "normal":  # excess kurtosis 0 (sd about sqrt(24/n) = 0.035)
        assert abs(excess_kurtosis(w)) < 0.2
    else:  # uniform on (-a, a): bounded, excess kurtosis -1.2
        assert np.max(np.abs(w)) <= shape
        assert np.max(np.abs(w)) > 0.99 * shape
        assert excess_kurtosis(w) == pytest.approx(-1.2, abs=0.1)


def test_lecture_forms_differ_from_the_usual_ones_as_documented():
    """The lecture's Xavier is 1/sqrt(n_in) (fan-in), Glorot's averages fan-in and
    fan-out; He is sqrt(2/n_in), not the lecture's 2/sqrt(n_in)."""
    rng = np.random.default_rng(1)
    n_in, n_out = 10, 2000
    assert np.std(init.he(n_in, n_out, rng)) == pytest.approx(math.sqrt(2 / n_in), rel=0.03)
    # sqrt(2/n) is 1/sqrt(2) of the lecture's 2/sqrt(n): clearly distinguishable
    assert np.std(init.he(n_in, n_out, rng)) < 0.75 * 2 / math.sqrt(n_in)
    assert np.std(init.xavier_normal(n_in, n_out, rng)) == pytest.approx(1 / math.sqrt(n_in),
                                                                         rel=0.03)
    assert np.std(init.glorot_normal(n_in, n_out, rng)) == pytest.approx(
        math.sqrt(2 / (n_in + n_out)), rel=0.03)


@pytest.mark.parametrize("std", [0.5, 0.001])
def test_gaussian_and_uniform_take_their_parameter(std):
    w = init.gaussian(std)(100, 200, np.random.default_rng(2))
    assert np.std(w) == pytest.approx(std, rel=0.03)
    u = init.uniform(std)(100, 200, np.random.default_rng(2))
    assert np.max(np.abs(u)) <= std and np.std(u) == pytest.approx(std / math.sqrt(3), rel=0.03)


def test_modules_use_the_scheme_and_start_biases_at_zero():
    m = MLP(100, [300, 1], activation="tanh", init="he", rng=0)
    w = np.array([[w.data for w in n.w] for n in m.layers[0].neurons])
    assert np.std(w) == pytest.approx(math.sqrt(2 / 100), rel=0.03)
    assert all(n.b.data == 0.0 for layer in m.layers for n in layer.neurons)
    custom = Layer(100, 300, init=init.gaussian(std=0.2), rng=0)
    wc = np.array([[w.data for w in n.w] for n in custom.neurons])
    assert np.std(wc) == pytest.approx(0.2, rel=0.03)
    n = Neuron(3, init=lambda i, o, rng: np.full((o, i), 0.25))
    assert [w.data for w in n.w] == [0.25] * 3


@pytest.mark.parametrize("activation,expected", [
    ("relu", math.sqrt(2 / 100)), ("leaky_relu", math.sqrt(2 / 100)),
    ("softplus", math.sqrt(2 / 100)), ("tanh", 1 / math.sqrt(100)),
    ("sigmoid", 1 / math.sqrt(100)), ("linear", 1 / math.sqrt(100)),
])
def test_auto_init_is_he_for_the_relu_family_and_xavier_otherwise(activation, expected):
    layer = Layer(100, 300, activation=activation, rng=3)
    w = np.array([[w.data for w in n.w] for n in layer.neurons])
    assert np.std(w) == pytest.approx(expected, rel=0.03)


def test_every_layer_gets_its_own_fan_in():
    m = MLP(4, [200, 200, 1], activation="relu", init="he", rng=4)
    w1 = np.array([[w.data for w in n.w] for n in m.layers[1].neurons])
    assert np.std(w1) == pytest.approx(math.sqrt(2 / 200), rel=0.03)


@pytest.mark.parametrize("name", init.NAMES)
def test_same_seed_same_weights(name):
    a = init.get(name)(5, 7, np.random.default_rng(9))
    b = init.get(name)(5, 7, np.random.default_rng(9))
    c = init.get(name)(5, 7, np.random.default_rng(10))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize("make,error,match", [
    (lambda: init.gaussian(0), ValueError, "gaussian init: std must be > 0, got 0"),
    (lambda: init.gaussian(-1.0), ValueError, "std must be"),
    (lambda: init.gaussian("0.1"), TypeError, "gaussian init: std must be a real number, got str"),
    (lambda: init.uniform(float("nan")), ValueError, "uniform init: a must be a finite number"),
    (lambda: init.uniform(True), TypeError, "a must be a real number, got bool"),
    (lambda: init.get("kaiming"), ValueError, "unknown init 'kaiming'; expected one of gaussian"),
    (lambda: init.get(3), ValueError, "unknown init 3"),
])
def test_bad_init_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_numpy_numbers_are_accepted_where_python_ones_are():
    rng = np.random.default_rng
    assert np.array_equal(init.gaussian(np.float32(0.5))(3, 2, rng(0)),
                          init.gaussian(float(np.float32(0.5)))(3, 2, rng(0)))
    assert np.array_equal(init.uniform(np.int64(2))(3, 2, rng(0)), init.uniform(2)(3, 2, rng(0)))


def test_init_returning_nonsense_is_caught():
    with pytest.raises(ValueError, match=r"init returned shape \(3,\), expected \(1, 3\)"):
        Neuron(3, init=lambda i, o, rng: np.zeros(3))
    with pytest.raises(ValueError, match="non-finite"):
        Neuron(3, init=lambda i, o, rng: np.full((o, i), np.nan))
