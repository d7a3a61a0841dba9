"""grad() and gradcheck(): functional gradients, higher order, and the checker itself."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import (
    GradcheckError,
    Value,
    grad,
    gradcheck,
    is_grad_enabled,
    local_gradients,
    no_grad,
)


def test_grad_matches_backward_and_leaves_grad_untouched():
    a, b = Value(1.5), Value(-0.5)
    out = (a * b).tanh() + a.exp() / (b * b + 1)
    ga, gb = grad(out, [a, b])
    assert (a.grad, b.grad) == (0.0, 0.0)
    out.backward()
    assert (ga, gb) == (a.grad, b.grad)


def test_grad_of_unused_input_is_zero_and_single_input_gives_single_result():
    a, unused = Value(2.0), Value(7.0)
    assert grad(a * a, unused) == 0.0
    assert grad(a * a, a) == 4.0
    assert grad(a * a, unused, create_graph=True).data == 0.0


def test_grad_rejects_non_values():
    with pytest.raises(TypeError, match="output"):
        grad(3.0, [Value(1.0)])
    with pytest.raises(TypeError, match=r"inputs\[1\]"):
        grad(Value(1.0), [Value(1.0), 2.0])


@pytest.mark.parametrize("call,error,words", [
    (lambda: grad(Value(1.0), None), TypeError,
     r"^grad: inputs must be a Value or a list of Values, got NoneType"),
    (lambda: grad(Value(1.0), 3.0), TypeError, r"^grad: inputs must be a Value or a list"),
    (lambda: grad(Value(1.0), [Value(1.0)], create_graph="yes"), TypeError,
     r"^grad: create_graph must be True or False, got str"),
    (lambda: gradcheck(lambda a: a, [1.0], raise_exception=None), TypeError,
     r"^gradcheck: raise_exception must be True or False, got NoneType"),
    (lambda: gradcheck(lambda a: a, [10**400]), ValueError,
     r"^gradcheck: input 0 must be a finite"),
])
def test_bad_arguments_name_the_argument(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_numpy_scalars_and_arrays_are_accepted_as_numbers(np):
    x = Value(1.5)
    assert grad(x * x, [x], create_graph=np.bool_(False)) == [3.0]
    assert gradcheck(lambda a, b: a * b, np.array([1.5, -2.0]), eps=np.float32(1e-6))


def test_hessian_vector_product():
    # f(x, y) = x^2 y + sin-free cubic: f = x^2 y + y^3 ; H = [[2y, 2x], [2x, 6y]]
    x, y = Value(1.5), Value(-0.5)
    f = x * x * y + y**3
    gx, gy = grad(f, [x, y], create_graph=True)
    v = (0.3, -1.2)
    hv = grad(gx * v[0] + gy * v[1], [x, y])
    assert hv[0] == pytest.approx(2 * -0.5 * 0.3 + 2 * 1.5 * -1.2, rel=1e-14)
    assert hv[1] == pytest.approx(2 * 1.5 * 0.3 + 6 * -0.5 * -1.2, rel=1e-14)


def test_newton_method_converges_quadratically(np):
    # minimise f(x) = x^4 - 3x^2 + x near x = 1.1: x <- x - f'(x) / f''(x)
    x = 1.5
    errors = []
    for _ in range(8):
        v = Value(x)
        d1 = grad(v**4 - 3 * v**2 + v, v, create_graph=True)
        d2 = grad(d1, v)
        x = x - d1.data / d2
        errors.append(abs(4 * x**3 - 6 * x + 1))
    assert errors[-1] < 1e-12
    roots = np.roots([4.0, 0.0, -6.0, 1.0])  # f'(x) = 4x^3 - 6x + 1, an independent oracle
    assert min(abs(x - r) for r in roots.real) < 1e-12
    assert errors[3] < 1e-3 * errors[1]  # quadratic convergence: the error squares


def test_third_derivative_through_repeated_create_graph():
    x = Value(0.4)
    d1 = grad(x.exp() * x, x, create_graph=True)  # (1 + x) e^x
    d2 = grad(d1, x, create_graph=True)  # (2 + x) e^x
    d3 = grad(d2, x)  # (3 + x) e^x
    assert d3 == pytest.approx(3.4 * math.exp(0.4), rel=1e-13)


def test_create_graph_builds_the_graph_even_inside_no_grad():
    """torch.autograd.grad(create_graph=True) records the gradient's graph whatever the
    surrounding mode (torch gives 3.0 here); it was a detached leaf (issue 19 item 2)."""
    x = Value(0.5)
    y = x**3
    with no_grad():
        first = grad(y, x, create_graph=True)
        assert not is_grad_enabled()
    assert not first.is_leaf and first.data == 0.75
    assert grad(first, x) == pytest.approx(3.0, rel=1e-15)


def test_local_gradients_are_one_per_parent():
    a, b = Value(2.0), Value(5.0)
    assert local_gradients(a * b) == (5.0, 2.0)
    assert local_gradients(a + a) == (1.0, 1.0)
    assert local_gradients(Value.sum([a, b, a])) == (1.0, 1.0, 1.0)
    assert local_gradients(a) == ()
    t = a.tanh()
    (lg,) = local_gradients(t, create_graph=True)
    assert isinstance(lg, Value) and lg.data == pytest.approx(1 - math.tanh(2.0) ** 2)


# --- gradcheck ------------------------------------------------------------------------------

def test_gradcheck_passes_on_a_correct_function():
    assert gradcheck(lambda a, b: (a * b + b.exp()).tanh() / (1 + a * a), [0.3, -0.7])


def test_gradcheck_reports_analytic_numeric_and_error_per_input():
    def wrong(a, b):
        # a.data leaks out of the graph: the analytic gradient misses d/da of the 2nd term
        return a * b + Value(a.data) ** 2

    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong, [1.0, 2.0])
    text = str(info.value)
    assert "analytic" in text and "numeric" in text
    assert "mismatch" in text.splitlines()[2]  # input 0 is wrong (2 vs 4)
    assert "mismatch" not in text.splitlines()[3]  # input 1 is right
    assert gradcheck(wrong, [1.0, 2.0], raise_exception=False) is False


def test_gradcheck_bad_arguments():
    with pytest.raises(TypeError, match="return a Value"):
        gradcheck(lambda a: 3.0, [1.0])
    with pytest.raises(TypeError, match="callable"):
        gradcheck(3.0, [1.0])
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda a: a, [1.0], eps=0)
    with pytest.raises(TypeError, match="str"):
        gradcheck(lambda a: a, ["x"])


@given(st.lists(st.floats(-2, 2), min_size=2, max_size=6))
def test_gradcheck_on_random_neuron_like_expressions(xs):
    def neuron(*vs):
        h = Value.sum([v * (i + 1) * 0.3 for i, v in enumerate(vs)]).tanh()
        return h * h + Value.max(list(vs)).sigmoid() * 0 + h.softplus()

    assert gradcheck(neuron, xs)


def test_fan_out_ops_really_have_unit_local_gradients():
    """backward() copies upstream through ops marked fan_out; their rule must say 1s."""
    from autograd.ops import ALL_OPS

    marked = [op for op in ALL_OPS if op.fan_out]
    assert {op.name for op in marked} == {"+", "sum"}
    for op in marked:
        xs = [0.5, -2.0, 3.0] if op.arity == 0 else None
        local = op.local(xs, 1.5) if op.arity == 0 else op.local(0.5, -2.0, -1.5)
        assert all(d == 1.0 for d in local)
