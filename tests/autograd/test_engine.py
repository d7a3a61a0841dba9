"""The engine's behaviour beyond single ops: the classic traps, backward semantics,
construction, comparisons, no_grad, numerics and error messages."""

import gc
import itertools
import math
import os
import sys
import threading
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import (
    StaleGraphError,
    Value,
    grad,
    is_grad_enabled,
    linear,
    local_gradients,
    no_grad,
    topological_order,
    vsum,
    zero_grad,
)
from tests import ROOT
from tests.autograd.graphs import micrograd_expression

NAN = float("nan")

# --- the README example and the lecture's worked numbers -------------------------------

def test_readme_example_against_closed_form():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + (a / b).tanh() ** 2
    c.backward()
    t = math.tanh(2.0 / -3.0)
    # dc/da = b + 2 t (1 - t^2) / b ;  dc/db = a + 2 t (1 - t^2) (-a / b^2)
    assert c.data == pytest.approx(-6.0 + t * t, rel=1e-15)
    assert a.grad == pytest.approx(-3.0 + 2 * t * (1 - t * t) / -3.0, rel=1e-14)
    assert b.grad == pytest.approx(2.0 + 2 * t * (1 - t * t) * (-2.0 / 9.0), rel=1e-14)


def test_lecture_multiplication_node():
    x, y = Value(2.0), Value(3.0)
    z = x * y
    z.backward(gradient=5.0)  # dL/dz = 5 arrives from upstream
    assert (z.data, x.grad, y.grad) == (6.0, 15.0, 10.0)


def test_micrograd_readme_expression():
    g, a, b = micrograd_expression()
    g.backward()
    # the numbers micrograd's README prints, themselves checked there against PyTorch
    assert g.data == pytest.approx(24.70408163265306, rel=1e-14)
    assert a.grad == pytest.approx(138.83381924198252, rel=1e-14)
    assert b.grad == pytest.approx(645.5772594752186, rel=1e-14)


# --- the traps ---------------------------------------------------------------------------

def test_a_plus_a_has_two_parents_and_gradient_two():
    a = Value(3.0)
    b = a + a
    assert b.parents == (a, a)
    b.backward()
    assert a.grad == 2.0


def test_parents_of_each_arity_in_order():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    assert a.parents == () and a.is_leaf
    assert a.tanh().parents == (a,)
    assert (b - a).parents == (b, a)
    assert Value.sum([c, a, b, a]).parents == (c, a, b, a)


def test_a_node_costs_at_most_100_bytes_after_backward():
    """The memory budget (issue 20; 112 bytes before, with seven slots): tracemalloc
    counts allocations, not time, so this is exact on a given Python. A chain of products
    and relus, as in benchmarks/bench_vs_micrograd.py workload 5b: a node is five slots
    (72 B), and a pair of nodes holds one new number and one new gradient (2 x 24 B)."""
    w, n = Value(1.0), 20_000
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        y = Value(1.0)
        for _ in range(n // 2):
            y = (y * w).relu()
        y.backward()
        gc.collect()
        per_node = (tracemalloc.get_traced_memory()[0] - base) / n
    finally:
        tracemalloc.stop()
    assert w.grad == n // 2 and per_node <= 100, per_node


def test_passed_through_gradients_are_right_where_terms_share_one_sum():
    """+, sum and relu's open side hand the upstream float on as it is: every term
    still gets its own correct gradient, and later additions don't leak into others."""
    x, w1, w2 = Value(2.0), Value(3.0), Value(-1.0)
    s = Value.sum([x * w1, x * w2, x])  # x reached three ways
    y = s.relu() * 5.0 + s
    y.backward()
    assert s.grad == 6.0 and x.grad == 6.0 * (3.0 - 1.0 + 1.0)
    assert w1.grad == 12.0 and w2.grad == 12.0


def test_x_times_x():
    x = Value(-1.5)
    y = x * x
    y.backward()
    assert x.grad == 2 * -1.5


def test_diamond_sums_both_paths():
    x = Value(0.5)
    left, right = x.tanh(), x.exp()
    out = left * right
    out.backward()
    expected = (1 - math.tanh(0.5) ** 2) * math.exp(0.5) + math.tanh(0.5) * math.exp(0.5)
    assert x.grad == pytest.approx(expected, rel=1e-14)


def test_reused_intermediate():
    x = Value(2.0)
    h = x * 3.0  # used three times
    out = h * h + h
    out.backward()
    assert h.grad == 2 * 6.0 + 1
    assert x.grad == 3.0 * (2 * 6.0 + 1)


def test_second_backward_doubles_leaves_exactly_and_refreshes_intermediates():
    a, b = Value(0.7), Value(-1.3)
    h = (a * b).tanh()
    out = h * a + b.sigmoid()
    out.backward()
    first = (a.grad, b.grad, h.grad, out.grad)
    out.backward()
    assert (a.grad, b.grad) == (2 * first[0], 2 * first[1])
    assert (h.grad, out.grad) == (first[2], first[3])  # not stale, not doubled


def test_backward_from_an_intermediate_resets_it():
    x = Value(1.0)
    h = x * 2
    loss = h * 5
    loss.backward()
    assert h.grad == 5.0
    other = h * 7
    other.backward()
    assert h.grad == 7.0  # fresh for this call
    assert x.grad == 10.0 + 14.0  # the leaf accumulates


def test_backward_on_a_leaf_accumulates():
    x = Value(1.0)
    x.backward()
    x.backward(2.5)
    assert x.grad == 3.5


def test_million_op_chain_at_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0
    del y  # freeing a deep chain must not overflow the C stack either


def test_n_ary_sum_is_one_node_with_unit_local_gradients():
    xs = [Value(float(i)) for i in range(5)]
    s = Value.sum(xs + [xs[0]])
    assert s.op == "sum" and len(s.parents) == 6 and s.data == 10.0 + 0.0
    s.backward()
    assert [x.grad for x in xs] == [2.0, 1.0, 1.0, 1.0, 1.0]
    assert vsum([1.0, xs[1]]).data == 2.0


def _node_shape(v):
    """A graph as (op, data, parents' shapes) down to the leaves (kept by identity)."""
    if v.is_leaf:
        return v
    return (v.op, v.data, tuple(_node_shape(p) for p in v.parents))


@given(st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), min_size=1, max_size=8),
       st.one_of(st.none(), st.floats(-1e3, 1e3)))
def test_linear_is_the_graph_of_products_and_one_sum(pairs, b):
    ws = [Value(w) for w, _ in pairs]
    xs = [Value(x) for _, x in pairs]
    bias = None if b is None else Value(b)
    out = linear(ws, xs, bias)
    by_hand = Value.sum([w * x for w, x in zip(ws, xs)] + ([] if bias is None else [bias]))
    assert _node_shape(out) == _node_shape(by_hand)  # the same ops, numbers and leaves
    out.backward()
    # d/dw_i = x_i, d/dx_i = w_i, d/db = 1 (closed forms, exactly: one product per edge)
    assert [w.grad for w in ws] == [x.data for x in xs]
    assert [x.grad for x in xs] == [w.data for w in ws]
    assert bias is None or bias.grad == 1.0


def test_linear_with_a_shared_input_adds_every_path():
    x = Value(3.0)
    out = linear([x, x], [x, Value(2.0)], x)  # x*x + x*2 + x
    out.backward()
    assert out.data == 9.0 + 6.0 + 3.0
    assert x.grad == 2 * 3.0 + 2.0 + 1.0


def test_linear_takes_numbers_as_leaves_and_records_nothing_under_no_grad():
    x = Value(2.0)
    out = linear([0.5, 3], [x, 1.0], -1)
    assert out.data == 0.5 * 2.0 + 3.0 - 1.0 and len(out.parents) == 3
    out.backward()
    assert x.grad == 0.5
    with no_grad():
        quiet = linear([Value(0.5)], [x])
    assert quiet.is_leaf and quiet.data == 1.0


def test_linear_refuses_what_is_not_two_equal_lists_of_numbers():
    with pytest.raises(ValueError, match="2 weights and 3 inputs"):
        linear([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="linear: inputs"):
        linear([1.0], [Value(1.0)][0])
    with pytest.raises(TypeError, match="linear: weights"):
        linear(["w"], [Value(1.0)])
    with pytest.raises(TypeError, match="linear: bias"):
        linear([1.0], [1.0], "b")
    with pytest.raises(ValueError, match="at least one value"):
        linear([], [])


def test_max_sends_gradient_to_the_first_maximum():
    a, b, c = Value(1.0), Value(3.0), Value(3.0)
    m = Value.max([a, b, c])
    m.backward()
    assert (m.data, a.grad, b.grad, c.grad) == (3.0, 0.0, 1.0, 0.0)
    assert builtin_max_returns_value([a, b, c]) is b


def builtin_max_returns_value(values):
    return max(values)  # ordering compares .data, so Python's max picks a Value


def test_relu_derivative_at_zero_is_zero():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0


def test_topological_order_is_deterministic_and_inputs_first():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    c = a * b
    d = c + a
    order = topological_order(d)
    assert order == [a, b, c, d]
    assert topological_order(d) == order


# --- construction, printing, comparisons ------------------------------------------------

@pytest.mark.parametrize("data", [3, True, 2.5])
def test_accepted_data_is_stored_as_float(data):
    v = Value(data)
    assert type(v.data) is float and v.data == float(data) and v.grad == 0.0


def test_numpy_scalars_are_accepted_data(np):
    for data in [np.float32(1.5), np.int64(-2), np.bool_(True)]:
        v = Value(data)
        assert type(v.data) is float and v.data == float(data) and v.grad == 0.0


@pytest.mark.parametrize("bad", ["1.0", None, 1 + 2j, [1.0]])
def test_rejected_data_names_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_numpy_arrays_are_rejected_data_naming_the_type(np):
    for bad in [np.array([1.0, 2.0]), np.array(1.0)]:
        with pytest.raises(TypeError, match="ndarray"):
            Value(bad)


@pytest.mark.parametrize("call,error,words", [
    (lambda: Value(10**400), ValueError, r"^Value: data must fit in a float .*got an int of 1329"),
    (lambda: setattr(Value(1.0), "data", -10**400), ValueError, r"^Value.data must fit in a float"),
    (lambda: Value(1.0) ** 10**400, ValueError, r"^pow: .*fit in a float"),
    (lambda: Value(1.0) * 10**400, ValueError, r"^Value: data must fit in a float"),
    (lambda: Value(1.0).backward(10**400), ValueError, r"^backward: gradient must fit in"),
    (lambda: Value(1.0).leaky_relu("0.1"), TypeError, r"^leaky_relu: alpha must be a real"),
    (lambda: zero_grad(None), TypeError, r"^zero_grad: values must be a list of Values .*got "
                                          r"NoneType"),
    (lambda: zero_grad(Value(1.0)), TypeError, r"^zero_grad: values must be a list of Values"),
    (lambda: zero_grad([Value(1.0), 2.0]), TypeError, r"^zero_grad: values\[1\] must be a Value"),
    (lambda: Value.sum(None), TypeError, r"^Value.sum: values must be a list of Values"),
    (lambda: Value.max(3.0), TypeError, r"^Value.max: values must be a list of Values"),
    (lambda: Value.logsumexp([]), ValueError, r"^Value.logsumexp: expected at least one value"),
    (lambda: topological_order(None), TypeError, r"^topological_order: root must be a Value, "
                                                 r"got NoneType"),
    (lambda: local_gradients("a"), TypeError, r"^local_gradients: node must be a Value, got str"),
    (lambda: local_gradients(Value(1.0), create_graph="no"), TypeError,
     r"^local_gradients: create_graph must be True or False, got str"),
])
def test_bad_arguments_name_the_argument_what_was_expected_and_what_came(call, error, words):
    """One check at each public boundary, with the helpers of autograd/_internal.py
    (issue 19 item 12): no raw OverflowError or 'NoneType is not iterable'."""
    with pytest.raises(error, match=words):
        call()


@pytest.mark.parametrize("make", [
    lambda v, np: v * np.float32(2), lambda v, np: np.int64(2) - v,
    lambda v, np: v ** np.float64(2.0), lambda v, np: v.leaky_relu(np.float32(0.5)),
    lambda v, np: Value.sum([v, np.int8(3)]), lambda v, np: Value(np.uint16(7)) + v,
    lambda v, np: Value.max([np.float16(0.5), v]),
])
def test_numpy_scalars_are_numbers_wherever_python_numbers_are(make, np):
    v = Value(1.5)
    out = make(v, np)
    out.backward(np.float32(2.0))
    assert isinstance(out, Value) and type(out.data) is float and type(v.grad) is float


@pytest.mark.parametrize("base,exponent,want", [
    (-0.5, math.inf, 0.0), (-2.0, math.inf, math.inf), (-1.0, math.inf, 1.0),
    (-2.0, -math.inf, 0.0), (-0.5, -math.inf, math.inf), (-2.0, NAN, NAN)])
def test_a_negative_base_to_an_infinite_or_nan_power_is_ieee_as_torch(base, exponent, want):
    """Value(-0.5) ** inf raised a raw OverflowError (int(inf)); PyTorch gives 0, as C's pow.
    Only a finite non-integer power of a negative base is refused."""
    got = (Value(base) ** exponent).data
    assert (math.isnan(got) and math.isnan(want)) or got == want
    with pytest.raises(ValueError, match="not a real number"):
        Value(base) ** 0.5
    b, e = Value(base), Value(exponent)
    assert (math.isnan((b ** e).data) and math.isnan(want)) or (b ** e).data == want


def test_repr_is_compact():
    v = Value(2.0, label="a")
    assert repr(v) == "Value(data=2.0, grad=0.0, label='a')"
    assert repr(Value(-1)) == "Value(data=-1.0, grad=0.0)"
    assert f"{v:.2f}" == "2.00"


def test_equality_and_hash_are_identity_so_values_work_as_keys():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    d = {a: "a", b: "b"}
    assert d[a] == "a" and len({a, b}) == 2


def test_ordering_and_bool_use_data():
    a, b = Value(1.0), Value(2.0)
    assert a < b and b > a and a <= 1 and b >= 2.0
    assert sorted([b, a]) == [a, b]
    assert bool(Value(0.0)) is False and bool(Value(-0.1)) is True
    with pytest.raises(TypeError):
        _ = a < "x"


def test_foreign_operands_raise_type_error():
    v = Value(1.0)
    for bad in ("2", None, [1.0], object()):
        with pytest.raises(TypeError):
            v + bad
        with pytest.raises(TypeError):
            bad * v


def test_numpy_scalars_mix_both_ways(np):
    v = Value(2.0)
    for left in (np.float64(3.0) * v, v * np.float64(3.0), np.int32(3) * v):
        assert isinstance(left, Value) and left.data == 6.0


def test_math_functions_do_not_silently_detach():
    with pytest.raises(TypeError):
        math.exp(Value(1.0))


# --- no_grad ------------------------------------------------------------------------------

def test_no_grad_records_nothing_and_restores():
    x = Value(2.0)
    with no_grad():
        y = x * 3 + 1
        assert y.is_leaf and y.data == 7.0
    z = x * 3
    assert z.parents == (x, z.parents[1])
    z.backward()
    assert x.grad == 3.0


def test_no_grad_as_decorator_and_nested():
    @no_grad()
    def f(v):
        return v * v

    x = Value(3.0)
    assert f(x).is_leaf
    with no_grad():
        with no_grad():
            pass
        assert (x * x).is_leaf
    assert not (x * x).is_leaf


def test_no_grad_without_parentheses_and_bad_use():
    @no_grad
    def f(v):
        return v * v

    assert f(Value(3.0)).is_leaf and f.__name__ == "f"
    assert not (Value(1.0) * 2).is_leaf
    with pytest.raises(TypeError, match="no_grad takes no arguments"):
        no_grad(3)


def test_no_grad_on_a_generator_covers_its_body_and_only_its_body():
    """As torch's decorator: each resumption of the generator runs without recording; the
    code between two ``next()`` calls records as usual (issue 19 item 2)."""
    seen = []

    @no_grad
    def doubled(values):
        for v in values:
            seen.append(is_grad_enabled())
            got = yield v * 2
            seen.append(is_grad_enabled())
            if got is not None:
                yield got * 3

    x = Value(1.0)
    gen = doubled([x, x])
    first = next(gen)
    assert first.is_leaf and first.data == 2.0
    assert is_grad_enabled() and not (x * 2).is_leaf  # the caller records between steps
    third = gen.send(Value(5.0))
    assert third.is_leaf and third.data == 15.0
    assert all(v.is_leaf for v in gen) and seen == [False, False, False, False]
    with pytest.raises(ValueError, match="thrown"):
        gen2 = no_grad()(lambda: (yield from doubled([x])))()
        next(gen2)
        gen2.throw(ValueError("thrown"))
    assert is_grad_enabled()


# --- modes are per thread (as torch's grad mode) ----------------------------------------

def _in_thread(fn):
    """Run fn in a real thread and return what it returns (or raise what it raised)."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            out["error"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join(10)
    assert not t.is_alive()
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_another_threads_no_grad_does_not_stop_this_thread_recording():
    inside, leave = threading.Event(), threading.Event()

    def inference():
        with no_grad():
            inside.set()
            leave.wait(10)
            return (Value(1.0) * 2).is_leaf

    t = threading.Thread(target=inference)
    t.start()
    inside.wait(10)
    x = Value(3.0)
    y = x * x  # this thread records while the other sits in no_grad()
    y.backward()
    leave.set()
    t.join(10)
    assert x.grad == 6.0 and not y.is_leaf
    from autograd import is_grad_enabled

    assert is_grad_enabled() and _in_thread(is_grad_enabled)


def test_interleaved_no_grad_in_threads_leaves_every_thread_recording():
    from autograd import is_grad_enabled

    barrier = threading.Barrier(2)

    def worker():
        ng = no_grad()
        ng.__enter__()
        barrier.wait(10)  # both threads inside at once, then leave in either order
        ng.__exit__(None, None, None)
        return is_grad_enabled()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert is_grad_enabled()
    assert not (Value(1.0) * 2).is_leaf
    assert _in_thread(lambda: not (Value(1.0) * 2).is_leaf)


def test_no_training_op_is_lost_beside_an_inference_thread():
    stop = threading.Event()

    def inference():
        while not stop.is_set():
            with no_grad():
                Value(1.0) * 2

    def training():
        lost = 0
        for _ in range(20_000):
            lost += (Value(1.0) * Value(2.0)).is_leaf
        return lost

    t = threading.Thread(target=inference)
    t.start()
    try:
        losses = [_in_thread(training), _in_thread(training)]
    finally:
        stop.set()
        t.join(10)
    assert losses == [0, 0]


def test_a_trace_in_one_thread_does_not_block_reading_data_in_another():
    from autograd import TracingError
    from autograd.engine import tracing

    inside, leave = threading.Event(), threading.Event()
    x = Value(2.0)

    def compiling():
        p = Value(1.0)
        with tracing([p]):
            inside.set()
            leave.wait(10)
            try:
                _ = (p * 2).data
            except TracingError:
                return "raised"
        return "not raised"

    result = {}
    t2 = threading.Thread(target=lambda: result.setdefault("r", compiling()))
    t2.start()
    inside.wait(10)
    y = x * 3  # this thread is not tracing: its numbers read as usual
    assert y.data == 6.0 and (y > 5) and bool(y)
    leave.set()
    t2.join(10)
    assert result["r"] == "raised"  # the tracing thread still gets its error


def test_parameter_update_pattern():
    w = Value(1.0)
    for _ in range(3):
        loss = (w * 1.0 - 2.0) ** 2
        zero_grad([w])
        loss.backward()
        w.data -= 0.1 * w.grad
    # w_{t+1} = w_t - 0.1 * 2 (w_t - 2)  ->  w = 2 - (0.8 ** 3)
    assert w.data == pytest.approx(2 - 0.8**3, rel=1e-14)


# --- assigning .data ----------------------------------------------------------------------

def test_stale_graph_raises_instead_of_mixing():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    c = a * b
    a.data = 5.0
    with pytest.raises(StaleGraphError, match="'a'"):
        c.backward()
    assert (a.grad, b.grad) == (0.0, 0.0)  # nothing touched
    with pytest.raises(StaleGraphError):
        grad(c, a)
    c2 = a * b  # a new forward pass is fine
    c2.backward()
    assert (a.grad, b.grad) == (3.0, 5.0)


def test_data_of_a_computed_value_cannot_be_assigned():
    c = Value(1.0) * 2
    with pytest.raises(AttributeError, match="computed Value"):
        c.data = 3.0


def test_assigning_data_checks_type(np):
    a = Value(1.0)
    with pytest.raises(TypeError):
        a.data = "3"
    a.data = np.float32(0.5)
    assert a.data == 0.5 and type(a.data) is float


def test_leaf_changed_before_use_is_fine():
    a = Value(1.0)
    old = a * 4  # does not use a after the change below... but we do not backward it
    a.data = 2.0
    new = a * a
    new.backward()
    assert a.grad == 4.0
    with pytest.raises(StaleGraphError):
        old.backward()


# --- numerics and domain errors -----------------------------------------------------------

def test_exp_and_pow_overflow_to_inf():
    assert Value(1000.0).exp().data == math.inf
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (Value(10.0) ** Value(400.0)).data == math.inf


@pytest.mark.parametrize("build,x0,grad", [
    (lambda x: x ** 400, 10.0, math.inf),            # 400 * 10**399: was OverflowError
    (lambda x: x ** 401, -10.0, math.inf),           # 401 * (-10)**400 > 0
    (lambda x: x ** 3, -1e200, math.inf),            # 3 * (1e200)**2
    (lambda x: x ** -1, 1e-200, -math.inf),          # -1 / 1e-400
    (lambda x: x ** Value(400.0), 10.0, math.inf),
    (lambda x: x.exp(), 1000.0, math.inf),
])
def test_a_gradient_that_overflows_is_inf_like_the_forward_pass(build, x0, grad, np):
    """One rule, eager and compiled (as torch): a number too large for a float is ±inf,
    in the forward pass and in the gradient; only 0 ** negative has no gradient."""
    from autograd import compile

    x = Value(x0)
    build(x).backward()
    assert x.grad == grad
    w = Value(1.0)
    program = compile(lambda row: build(row[0] * w))
    program.value_and_grad(np.array([[x0]]), reduction="sum")
    assert w.grad == grad * x0 or (math.isinf(w.grad) and math.copysign(1, w.grad) ==
                                   math.copysign(1, grad * x0))


def test_zero_to_the_power_zero_has_zero_gradients_as_torch(np):
    from autograd import compile

    a, b = Value(0.0), Value(0.0)
    out = a ** b
    out.backward()
    assert out.data == 1.0 and (a.grad, b.grad) == (0.0, 0.0)  # was ZeroDivisionError
    w = Value(1.0)
    program = compile(lambda row: (row[0] * w) ** row[1])
    assert program.value_and_grad(np.array([[0.0, 0.0]])) == 1.0 and w.grad == 0.0
    with pytest.raises(ZeroDivisionError, match="local gradient"):
        Value(0.0).sqrt().backward()  # a gradient that does not exist still raises


def test_sigmoid_and_softplus_are_stable():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(1000.0).softplus().data == 1000.0
    assert Value(-1000.0).softplus().data == 0.0
    x = Value(-800.0)
    x.softplus().backward()
    assert x.grad == 0.0


@pytest.mark.parametrize("make,exc,words", [
    (lambda: Value(-1.0).log(), ValueError, ["log", "-1.0"]),
    (lambda: Value(0.0).log(), ValueError, ["log", "0.0"]),
    (lambda: Value(-4.0).sqrt(), ValueError, ["sqrt", "-4.0"]),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, ["pow", "0.0"]),
    (lambda: Value(-2.0) ** 0.5, ValueError, ["pow", "-2.0", "0.5"]),
    (lambda: Value(-2.0) ** Value(0.5), ValueError, ["pow", "-2.0"]),
    (lambda: Value(1.0) / 0, ZeroDivisionError, ["div", "1.0"]),
    (lambda: 1 / Value(0.0), ZeroDivisionError, ["div", "0.0"]),
])
def test_domain_errors_name_the_op_and_operand(make, exc, words):
    with pytest.raises(exc) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_infinite_local_gradient_is_a_clear_error():
    x = Value(0.0)
    y = x.sqrt()
    assert y.data == 0.0
    with pytest.raises(ZeroDivisionError, match="sqrt.*local gradient.*0.0"):
        y.backward()


def test_a_failed_backward_keeps_leaves_and_leaves_no_half_pass():
    w, x = Value(2.0, label="w"), Value(0.0, label="x")
    w.grad = 0.25  # accumulated from an earlier pass
    h = w * 3.0
    out = h * 5.0 + x.sqrt()  # h's gradient is reached before sqrt'(0) fails
    with pytest.raises(ZeroDivisionError):
        out.backward()
    assert (w.grad, x.grad) == (0.25, 0.0)
    assert all(v.grad == 0.0 for v in topological_order(out) if not v.is_leaf)


def test_negative_base_integer_power_and_exponent_gradient():
    a, k = Value(-2.0), Value(3.0)
    out = a**k
    assert out.data == -8.0
    out.backward()
    assert a.grad == 12.0
    assert math.isnan(k.grad)  # d/dk (-2)^k has no real value; PyTorch also gives nan
    z, k2 = Value(0.0), Value(2.0)
    (z**k2).backward()
    assert (z.grad, k2.grad) == (0.0, 0.0)  # the limit of x^k ln x as x -> 0+


def test_backward_gradient_argument_is_checked():
    with pytest.raises(TypeError, match="^backward: gradient must be a real number"):
        Value(1.0).backward("1")


def test_leaky_relu_alpha_is_recorded():
    y = Value(-2.0).leaky_relu(0.1)
    assert y.op == "leaky_relu" and y.op_arg == 0.1 and y.data == pytest.approx(-0.2)
    assert (Value(3.0) ** 2).op_arg == 2.0


def test_failed_backward_leaves_earlier_gradients_as_they_were():
    x, w = Value(0.0), Value(2.0)
    (x * w).backward()
    assert (x.grad, w.grad) == (2.0, 0.0)
    y = (x * w).sqrt() + w  # d sqrt at 0 is infinite
    with pytest.raises(ZeroDivisionError):
        y.backward()
    assert (x.grad, w.grad) == (2.0, 0.0)


_UNARY_STEPS = [Value.tanh, Value.sigmoid, Value.relu, lambda v: v * v, lambda v: -v,
                lambda v: v.softplus(), lambda v: 0.5 * v + 1]


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 99), st.integers(0, 99),
                          st.integers(0, len(_UNARY_STEPS) - 1)), min_size=1, max_size=40),
       st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_second_backward_doubles_leaves_exactly_on_random_graphs(program, inputs):
    leaves = [Value(x) for x in inputs]
    nodes = list(leaves)
    for kind, i, j, u in program:  # a random DAG with fan-out and reuse
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        if kind == 0:
            nodes.append(a * b)
        elif kind == 1:
            nodes.append(Value.sum([a, b, a]))
        else:
            nodes.append(_UNARY_STEPS[u](a))
    root = Value.sum(nodes[len(leaves):])
    root.backward()
    first = [v.grad for v in leaves]
    inner = [v.grad for v in nodes[len(leaves):]]
    root.backward()
    assert [v.grad for v in leaves] == [2 * g for g in first]
    assert [v.grad for v in nodes[len(leaves):]] == inner
    assert grad(root, leaves) == first


# --- NaN propagates, as in PyTorch -------------------------------------------------------



@pytest.mark.parametrize("op,local", [
    (lambda v: v.relu(), 1.0), (lambda v: v.leaky_relu(0.1), 1.0), (lambda v: abs(v), NAN),
    (lambda v: v.step(), 0.0), (lambda v: v.sign(), 0.0), (lambda v: v.hardtanh(), 0.0),
    (lambda v: v.tanh(), NAN), (lambda v: v.sigmoid(), NAN), (lambda v: v.softplus(), NAN),
])
def test_nan_in_nan_out(op, local):
    """No op turns a NaN into a clean number (relu(nan) was 0 with gradient 0). The
    local gradients are PyTorch's: relu'(nan) = 1, step'(nan) = 0."""
    x = Value(NAN)
    y = op(x)
    assert math.isnan(y.data)
    y.backward()
    assert (math.isnan(x.grad) and math.isnan(local)) or x.grad == local


def test_max_and_min_of_a_nan_are_nan_whatever_the_order():
    for build in (lambda a, b: Value.max([a, b]), lambda a, b: Value.min([a, b])):
        for first_nan in (True, False):
            a, b = Value(NAN, label="nan"), Value(1.0)
            out = build(a, b) if first_nan else build(b, a)
            assert math.isnan(out.data)
            out.backward()  # no "was .data changed?": the gradient goes to the NaN
            assert (a.grad, b.grad) == (1.0, 0.0)
    a, b, c = Value(NAN), Value(NAN), Value(2.0)
    Value.max([c, a, b]).backward()
    assert (c.grad, a.grad, b.grad) == (0.0, 1.0, 0.0)  # the first NaN


@pytest.mark.parametrize("reduce", [Value.sum, Value.max, Value.min, Value.logsumexp],
                         ids=["sum", "max", "min", "logsumexp"])
def test_a_nan_input_makes_every_nary_op_nan_wherever_it_sits(reduce):
    """logsumexp([inf, nan]) was inf and ([nan, inf]) nan (issue 19 item 3): Python's
    max() depends on where the NaN sits. Every n-ary op, every position."""
    for others in ([math.inf], [-math.inf], [math.inf, -math.inf, 1.0], [2.0, -3.0]):
        for values in itertools.permutations([*others, NAN]):
            out = reduce([Value(x) for x in values])
            assert math.isnan(out.data), values


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 99), st.integers(0, 99)),
                min_size=1, max_size=40))
def test_backward_walks_the_order_topological_order_gives_and_marks_nothing(program):
    """backward() finds its order with marks in .grad (no set); it must be the order
    topological_order gives (the step-through and the drawings use both), every node
    after its parents, and no mark may stay behind."""
    from autograd.engine import backward_pass, propagate

    nodes = [Value(0.5), Value(-1.5), Value(2.0)]
    for kind, i, j in program:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        # kind 4: a neuron's sum of products, some of whose inputs the walk has seen (a sum
        # emits those at once)
        nodes.append([a * b, a + b, Value.sum([a, b, a]), a.tanh(),
                      Value.sum([a * b, b * b, a, a * nodes[0]])][kind])
    root = Value.sum(nodes[3:])
    expected = topological_order(root)
    position = {v: k for k, v in enumerate(expected)}
    assert all(position[p] < position[v] for v in expected for p in v.parents)
    with backward_pass(root) as order:
        assert order == expected
        propagate(order)
    assert all(type(v.grad) is float for v in expected)


def test_a_pickled_value_comes_back_a_leaf_stamped_where_it_is_loaded(tmp_path):
    """A parameter pickled in one process gave a false StaleGraphError in a fresh one: its
    stamp (its last assignment's data version) came along and was newer than anything the
    fresh process had made. It comes back as a leaf made now, as a pickled tensor keeps
    no graph: number, gradient and label."""
    import pickle
    import subprocess

    w = Value(1.5, label="w")
    for x in range(5):
        w.data = float(x)
    w.grad = 0.25
    path = tmp_path / "w.pkl"
    path.write_bytes(pickle.dumps(w))
    back = pickle.loads(path.read_bytes())
    assert (back.data, back.grad, back.label, back.is_leaf) == (4.0, 0.25, "w", True)
    node = pickle.loads(pickle.dumps(w * 2))
    assert node.is_leaf and node.data == 8.0
    code = ("import pickle, sys; from autograd import Value; "
            f"w = pickle.loads(open({str(path)!r}, 'rb').read()); "
            "y = w * Value(2.0); y.backward(); print(w.grad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2.25"
