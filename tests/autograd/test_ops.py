"""Every operation, from the one table in oracles.py: forward value, closed-form
derivative and central differences, on fixed points and on hypothesis-drawn inputs."""

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, grad, gradcheck
from tests.autograd.oracles import BINARY, UNARY


def _ok(x, entry) -> bool:
    return all(abs(x - k) > 1e-3 for k in entry.avoid)


def _points(entry, n=7):
    pts = [entry.low + (entry.high - entry.low) * (i + 0.5) / n for i in range(n)]
    return [x for x in pts if _ok(x, entry)]


def _check_unary(entry, x):
    v = Value(x)
    out = entry.on_value(v)
    assert out.data == pytest.approx(entry.on_float(x), rel=1e-12, abs=1e-12)
    out.backward()
    assert v.grad == pytest.approx(entry.derivative(x), rel=1e-9, abs=1e-12)
    assert gradcheck(entry.on_value, [x])


@pytest.mark.parametrize("entry", UNARY, ids=lambda e: e.name)
def test_unary_forward_and_derivative_at_fixed_points(entry):
    for x in _points(entry):
        _check_unary(entry, x)


@pytest.mark.parametrize("entry", UNARY, ids=lambda e: e.name)
@given(data=st.data())
def test_unary_on_random_inputs(entry, data):
    x = data.draw(st.floats(entry.low, entry.high, allow_nan=False))
    assume(_ok(x, entry))
    _check_unary(entry, x)


def _check_binary(entry, x, y):
    a, b = Value(x), Value(y)
    out = entry.on_value(a, b)
    assert out.data == pytest.approx(entry.on_float(x, y), rel=1e-12, abs=1e-12)
    out.backward()
    dx, dy = entry.derivatives(x, y)
    assert a.grad == pytest.approx(dx, rel=1e-9, abs=1e-12)
    assert b.grad == pytest.approx(dy, rel=1e-9, abs=1e-12)
    assert gradcheck(entry.on_value, [x, y])


@pytest.mark.parametrize("entry", BINARY, ids=lambda e: e.name)
@given(data=st.data())
def test_binary_on_random_inputs(entry, data):
    x = data.draw(st.floats(entry.low, entry.high, allow_nan=False))
    y = data.draw(st.floats(entry.low, entry.high, allow_nan=False))
    if entry.nonzero_second:
        assume(abs(y) > 0.1)
    if entry.name.startswith("max"):
        assume(abs(x - y) > 1e-3)
    _check_binary(entry, x, y)


@pytest.mark.parametrize("entry", UNARY, ids=lambda e: e.name)
def test_graph_building_gradient_equals_float_gradient(entry):
    """grad(create_graph=True) runs the same rules on Values: same numbers."""
    for x in _points(entry, n=5):
        v = Value(x)
        g_value = grad(entry.on_value(v), v, create_graph=True)
        g_float = grad(entry.on_value(v), v)
        assert isinstance(g_value, Value)
        assert g_value.data == pytest.approx(g_float, rel=1e-12, abs=1e-15)


SECOND_DERIVATIVES = [
    ("tanh", Value.tanh, lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2)),
    ("sigmoid", Value.sigmoid,
     lambda x: (s := 1 / (1 + math.exp(-x))) * (1 - s) * (1 - 2 * s)),
    ("exp", Value.exp, math.exp),
    ("log", Value.log, lambda x: -1 / x**2),
    ("sqrt", Value.sqrt, lambda x: -0.25 * x**-1.5),
    ("cube", lambda v: v**3, lambda x: 6 * x),
    ("softplus", Value.softplus, lambda x: (s := 1 / (1 + math.exp(-x))) * (1 - s)),
    ("4 / x", lambda v: 4 / v, lambda x: 8 / x**3),
    ("2 ** x", lambda v: 2**v, lambda x: 2**x * math.log(2) ** 2),
    ("relu", Value.relu, lambda x: 0.0),
]


@pytest.mark.parametrize("name,f,d2", SECOND_DERIVATIVES, ids=[s[0] for s in SECOND_DERIVATIVES])
@pytest.mark.parametrize("x", [0.3, 1.7])
def test_second_derivatives_match_closed_forms(name, f, d2, x):
    v = Value(x)
    first = grad(f(v), v, create_graph=True)
    second = grad(first, v)
    assert second == pytest.approx(d2(x), rel=1e-9, abs=1e-12)
