"""Ops defined by the user (autograd.op) behave like built-ins everywhere, and
check_op tells a right rule from a wrong one. (A user op as a model's activation, saved
by its name: tests/nn/test_activations.py.)"""

import itertools
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import GradcheckError, OpDefinitionError, Value, check_op, grad
from autograd.ops import TANH


def _swish_local(x, out):  # d/dx x*s(x) = s + x s (1 - s) = out + s (1 - out)
    s = 1 / (1 + math.exp(-x)) if isinstance(x, float) else x.sigmoid()
    return out + s * (1 - out)


@autograd.op(local=_swish_local)
def swish(x):
    return x / (1 + math.exp(-x))


hypot = autograd.op("hypot", forward=lambda x, y: math.hypot(x, y),
                    local=lambda x, y, out: (x / out, y / out))


def test_the_decorated_forward_becomes_an_op_node_with_its_closed_form_gradient():
    x = Value(0.5)
    y = swish(x)
    y.backward()
    s = 1 / (1 + math.exp(-0.5))
    assert y.op == "swish" and y.parents == (x,)
    assert y.data == 0.5 * s
    assert x.grad == pytest.approx(s + 0.5 * s * (1 - s), rel=1e-15)


def test_numbers_become_leaves_and_value_apply_is_the_same_node():
    a = swish(2.0)
    b = Value.apply(swish, Value(2.0))
    assert a.data == b.data and a.parents[0].is_leaf
    assert Value.apply(TANH, Value(0.3)).data == Value(0.3).tanh().data  # built-ins too


def test_a_binary_op_sends_each_input_its_own_local_gradient():
    x, y = Value(3.0), Value(4.0)
    out = hypot(x, y) * 2
    out.backward()
    assert out.data == 10.0 and (x.grad, y.grad) == (2 * 3 / 5, 2 * 4 / 5)


def test_the_traps_hold_for_user_ops_too():
    x = Value(1.5)
    y = hypot(x, x)  # the same input twice: both local gradients reach it
    y.backward()
    assert x.grad == pytest.approx(2 * 1.5 / y.data)
    y.backward()  # a second backward doubles the leaf's gradient
    assert x.grad == pytest.approx(4 * 1.5 / y.data)


def test_an_nary_op_takes_a_list():
    mean = autograd.op("mean3", arity="n", forward=lambda xs: sum(xs) / len(xs),
                       local=lambda xs, out: [1 / len(xs)] * len(xs))
    xs = [Value(1.0), Value(2.0), Value(6.0)]
    m = mean(xs)
    m.backward()
    assert m.data == 3.0 and [x.grad for x in xs] == [1 / 3] * 3
    assert check_op(mean)


def test_a_nan_input_makes_a_user_nary_op_nan_wherever_it_sits():
    """A forward written with Python's max() gives max([1, nan]) = 1 but max([nan, 1]) =
    nan; the engine makes any n-ary op of a NaN a NaN, as the built-ins (issue 19 item 3)."""
    top = autograd.op("top", arity="n", forward=max,
                      local=lambda xs, out: [1.0 if x == out else 0.0 for x in xs])
    for values in itertools.permutations([1.0, math.inf, math.nan]):
        assert math.isnan(top([Value(x) for x in values]).data), values
    assert top([Value(1.0), Value(3.0)]).data == 3.0


def test_second_derivatives_when_the_rule_is_written_with_value_friendly_arithmetic():
    x = Value(0.7)
    first = grad(swish(x), x, create_graph=True)
    second = grad(first, x)
    h = 1e-5

    def slope(t):
        v = Value(t)
        return grad(swish(v), v)
    assert second == pytest.approx((slope(0.7 + h) - slope(0.7 - h)) / (2 * h), rel=1e-7)


def test_check_op_passes_a_right_rule_and_reports_a_wrong_one_per_input():
    assert check_op(swish) and check_op(hypot)
    wrong = autograd.op("wrong_hypot", forward=lambda x, y: math.hypot(x, y),
                        local=lambda x, y, out: (x / out, x / out))  # dy is wrong
    with pytest.raises(GradcheckError) as e:
        check_op(wrong)
    text = str(e.value)
    assert "wrong_hypot" in text and "analytic" in text and "numeric" in text
    rows = [line.split() for line in text.splitlines()[2:]]
    assert {r[-4] for r in rows} == {"1"}  # only input 1 (y) is reported
    assert check_op(wrong, raise_exception=False) is False


def test_check_op_skips_kinks_and_points_outside_the_domain():
    my_abs = autograd.op("my_abs", forward=abs, local=lambda x, out: 1.0 if x > 0 else -1.0)
    assert check_op(my_abs, points=[-1.0, 0.0, 2.0])  # 0 is a kink: not compared
    my_log = autograd.op("my_log", forward=math.log, local=lambda x, out: 1 / x)
    assert check_op(my_log)  # the negative sample points are skipped
    with pytest.raises(ValueError, match="not defined"):
        check_op(my_log, points=[-1.0, -2.0])


@settings(max_examples=40, deadline=None)
@given(st.floats(-4, 4))
def test_a_user_op_equal_to_a_builtin_gives_the_builtin_numbers(x):
    my_tanh = autograd.op("my_tanh", forward=math.tanh, local=lambda x, out: 1 - out * out)
    a, b = Value(x), Value(x)
    ya, yb = (my_tanh(a) * 3).exp(), (b.tanh() * 3).exp()
    ya.backward()
    yb.backward()
    assert ya.data == yb.data and a.grad == b.grad


def test_compile_vectorizes_the_float_rule_and_says_so(np):
    program = autograd.compile(lambda x: swish(x[0]) * x[1])
    X = np.array([[0.5, 2.0], [-1.0, 3.0], [2.0, -1.0]])
    eager = [swish(Value(a)).data * b for a, b in X]
    assert program(X) == pytest.approx(eager, rel=1e-15)
    summary = program.plan(X).summary()
    assert "swish of 1 node (np.vectorize of the float forward and local gradient)" in summary
    w = Value(0.8)
    loss = autograd.compile(lambda x: hypot(x[0] * w, x[1]))
    value = loss.value_and_grad(X)
    w2 = Value(0.8)
    eager_loss = Value.sum([hypot(Value(a) * w2, Value(b)) for a, b in X]) / len(X)
    eager_loss.backward()
    assert value == pytest.approx(eager_loss.data) and w.grad == pytest.approx(w2.grad)


def test_compile_runs_array_rules_as_one_numpy_call(np):
    calls = []

    def array_forward(x):
        calls.append(x.shape)
        return np.arctan(x)
    my_atan = autograd.op("my_atan", forward=math.atan, local=lambda x, out: 1 / (1 + x * x),
                          array_forward=array_forward,
                          array_local=lambda x, out: 1 / (1 + x * x))
    program = autograd.compile(lambda x: my_atan(x[0]) + my_atan(x[1]))
    X = np.linspace(-2, 2, 10).reshape(5, 2)
    assert program(X) == pytest.approx(np.arctan(X).sum(axis=1))
    assert calls == [(2, 5)]  # both nodes, all five samples: one call
    assert "my_atan of 2 nodes (array rules)" in program.plan(X).summary()


def test_compile_refuses_an_nary_user_op_clearly(np):
    mean = autograd.op("mean_n", arity="n", forward=lambda xs: sum(xs) / len(xs),
                       local=lambda xs, out: [1 / len(xs)] * len(xs))
    with pytest.raises(NotImplementedError, match="n-ary op 'mean_n'"):
        autograd.compile(lambda x: mean(list(x)))(np.ones((3, 2)))


def test_drawings_and_the_backward_trace_name_the_op():
    y = swish(Value(1.0, label="x"))
    assert "swish" in autograd.draw_graph(y).source
    trace = autograd.backward_trace(y)
    assert "swish" in trace.text()


def test_bad_definitions_get_clear_errors():
    with pytest.raises(ValueError, match="'tanh' is a built-in op"):
        autograd.op("tanh", forward=math.tanh, local=lambda x, out: 1 - out * out)
    with pytest.raises(TypeError, match="local must be the local-gradient rule"):
        autograd.op("no_rule", forward=math.atan)
    with pytest.raises(TypeError, match="forward must be a function"):
        autograd.op("not_fn", forward=3, local=lambda x, out: 1.0)
    with pytest.raises(ValueError, match="forward takes 3 input"):
        autograd.op("three", forward=lambda a, b, c: a, local=lambda a, b, c, out: (1, 0, 0))
    with pytest.raises(ValueError, match="identifier"):
        autograd.op("two words", forward=math.atan, local=lambda x, out: 1.0)
    with pytest.raises(ValueError, match="arity must be"):
        autograd.op("bad_arity", forward=math.atan, local=lambda x, out: 1.0, arity=3)


def test_rules_that_return_the_wrong_thing_say_so_and_keep_the_gradients():
    pair = autograd.op("pair", forward=lambda x: x, local=lambda x, out: (1.0, 2.0))
    text = autograd.op("text", forward=lambda x: "a", local=lambda x, out: 1.0)
    short = autograd.op("short", forward=lambda x, y: x * y, local=lambda x, y, out: (y,))
    x = Value(2.0)
    x.grad = 0.5
    with pytest.raises(OpDefinitionError, match="'pair': a unary op's local returns one"):
        pair(x).backward()
    assert x.grad == 0.5  # a failed backward() leaves the leaves' gradients as they were
    with pytest.raises(OpDefinitionError, match="'text': forward must return a real number"):
        text(x)
    with pytest.raises(OpDefinitionError, match="'short': local returned 1 local gradient"):
        short(x, x).backward()
    with pytest.raises(TypeError, match="hypot takes 2 input"):
        hypot(x)
    with pytest.raises(TypeError, match="check_op expects an op"):
        check_op(math.atan)


def test_forward_domain_errors_name_the_op_and_the_input():
    my_sqrt = autograd.op("my_sqrt", forward=math.sqrt, local=lambda x, out: 0.5 / out)
    with pytest.raises(ValueError, match=r"my_sqrt: forward is not defined at input\(s\) -1.0"):
        my_sqrt(-1.0)


# --- compiled user ops fail as eager ones do, never with a silent NaN (issue 19 item 5) ------

def _eager_and_compiled_errors(user, X):
    """The error of the op on each sample eagerly (the first one that fails), and compiled
    over the batch: (eager error, compiled error)."""
    errors = []
    for run in (lambda: [user(Value(x)) for x in X], lambda: autograd.compile(user)(X)):
        with pytest.raises(Exception) as info:
            run()
        errors.append(info.value)
    return errors


@pytest.mark.parametrize("forward,error,words", [
    (lambda x: None if x > 1 else x, OpDefinitionError, "'gap': forward must return a real"),
    (lambda x: math.log(1 - x) if x > 1 else x, ValueError, r"gap: forward is not defined at"),
    (lambda x: "two" if x > 1 else x, OpDefinitionError, "'gap': forward must return a real"),
])
def test_a_user_op_whose_float_forward_fails_fails_compiled_as_eager(forward, error, words, np):
    """np.vectorize of the user's forward made None a NaN and let a raw math error out."""
    gap = autograd.op("gap", forward=forward, local=lambda x, out: 1.0)
    X = np.array([0.5, 1.0, 2.0, 1.5])  # the trace sees 0.5: fine; sample 2 fails
    eager, compiled = _eager_and_compiled_errors(gap, X)
    assert type(eager) is type(compiled) is error
    assert re.search(words, str(eager)) and re.search(words, str(compiled))
    assert str(eager) == str(compiled)


@pytest.mark.parametrize("array_forward,array_local,words", [
    (lambda x: None, None, "'arr': array_forward must return an array of real numbers"),
    (lambda x: x[:, :1], None, r"'arr': array_forward returned shape \(1, 1\) for inputs of "
                               r"shape \(1, 4\)"),
    (lambda x: x.astype(str), None, "'arr': array_forward must return an array of real"),
    (lambda x: x.clip(-1, 1), lambda x, out: None,
     "'arr': array_local must return an array of real numbers"),
])
def test_a_user_ops_array_rules_are_checked_like_its_float_rules(array_forward, array_local,
                                                                 words, np):
    arr = autograd.op("arr", forward=math.tanh, local=lambda x, out: 1 - out * out,
                      array_forward=array_forward, array_local=array_local)
    w = Value(0.5)
    program = autograd.compile(lambda x: arr(x * w))
    with pytest.raises(OpDefinitionError, match=words):
        program.value_and_grad(np.array([0.5, 1.0, 2.0, 1.5]))
    assert w.grad == 0.0


def test_a_user_ops_array_forward_that_raises_names_the_op(np):
    def fails(x):
        raise ValueError("math domain error")
    arr = autograd.op("arr2", forward=math.tanh, local=lambda x, out: 1 - out * out,
                      array_forward=fails)
    with pytest.raises(ValueError, match="arr2: forward is not defined .*math domain error"):
        autograd.compile(arr)(np.array([0.5, 1.0]))


@pytest.mark.parametrize("call,error,words", [
    (lambda: check_op(swish, points=[math.nan]), ValueError,
     r"^check_op: points must be finite numbers, got nan \(point 0\)"),
    (lambda: check_op(swish, points=[0.5, math.inf]), ValueError, r"got inf \(point 1\)"),
    (lambda: check_op(swish, points=5), TypeError,
     r"^check_op: points must be a list of numbers .*got int"),
    (lambda: check_op(swish, points=["a"]), TypeError, r"^check_op: points\[0\] must be a "),
    (lambda: check_op(swish, eps="1"), TypeError, r"^check_op: eps must be a real number"),
    (lambda: check_op(swish, raise_exception=1), TypeError,
     r"^check_op: raise_exception must be True or False"),
    (lambda: autograd.custom.user_op(["swish"]), TypeError,
     r"^user_op: name must be a str, got list"),
    (lambda: autograd.op("n1", forward=abs, local=abs, arity=3), ValueError,
     r"^op: arity must be 1, 2 or 'n', got 3"),
])
def test_bad_arguments_name_the_argument(call, error, words):
    """check_op(points=[nan]) was a false mismatch; now every argument is checked at the
    boundary, naming it (issue 19 item 12)."""
    with pytest.raises(error, match=words):
        call()


def test_numpy_numbers_are_accepted_by_op_and_check_op(np):
    twice = autograd.op("twice_np", forward=lambda x: 2 * x, local=lambda x, out: 2.0,
                        arity=np.int64(1))
    assert twice.arity == 1 and type(twice.arity) is int
    assert check_op(twice, points=np.array([0.5, -1.5]), eps=np.float32(1e-6),
                    atol=np.float64(1e-6))
