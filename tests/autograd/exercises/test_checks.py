"""autograd.exercises.checks: every engine checker passes a right answer and fails a planted
wrong one with a message that teaches."""

import math

import pytest

import autograd
from autograd import Value, exercises
from autograd.exercises import NotDoneYet, WrongAnswer


def sigma(x):
    return 1 / (1 + math.exp(-x))


# --- check_local_gradient ------------------------------------------------------------------

# closed-form derivatives written here, independently of autograd/ops.py
RIGHT_RULES = {
    "sigmoid": lambda x: sigma(x) * (1 - sigma(x)),
    "tanh": lambda x: 1 / math.cosh(x) ** 2,
    "relu": lambda x: 1.0 if x > 0 else 0.0,
    "leaky_relu": lambda x: 1.0 if x > 0 else 0.01,
    "exp": math.exp,
    "log": lambda x: 1 / x,
    "sqrt": lambda x: 0.5 * x ** -0.5,
    "softplus": sigma,
    "softsign": lambda x: (1 + abs(x)) ** -2,
    "abs": lambda x: math.copysign(1.0, x),
    "neg": lambda x: -1,
    "hardtanh": lambda x: 1.0 if abs(x) < 1 else 0.0,
    "add": lambda x, y: (1, 1),
    "sub": lambda x, y: (1, -1),
    "mul": lambda x, y: (y, x),
    "div": lambda x, y: (1 / y, -x / y ** 2),
    "pow": lambda x, y: (y * x ** (y - 1), math.log(x) * x ** y),
}


@pytest.mark.parametrize("op", sorted(RIGHT_RULES))
def test_local_gradient_passes_a_right_rule(op):
    result = exercises.check_local_gradient(op, RIGHT_RULES[op])
    assert isinstance(result, exercises.Passed) and result.startswith("✓ " + op)
    assert repr(result) == str(result)  # shows without quotes in a notebook


def test_local_gradient_accepts_operator_symbols_and_values(np):
    assert exercises.check_local_gradient("*", lambda x, y: [Value(y), np.float64(x)])


def test_tanh_rule_with_x_instead_of_tanh_x():
    with pytest.raises(WrongAnswer) as info:
        exercises.check_local_gradient("tanh", lambda x: 1 - x ** 2)
    e = info.value
    assert isinstance(e, AssertionError)
    assert e.got == 1 - (-2.0) ** 2 and e.expected == pytest.approx(1 / math.cosh(-2.0) ** 2)
    message = str(e)
    assert "at x = -2" in message and "0.07065" in message
    assert "1 - tanh(x)^2" in message and "tanh(x), not the input x" in message


def test_a_rule_wrong_at_one_point_names_that_point():
    rule = lambda x: 0.5 if x == 1.3 else RIGHT_RULES["sigmoid"](x)  # noqa: E731
    with pytest.raises(WrongAnswer, match=r"at x = 1\.3") as info:
        exercises.check_local_gradient("sigmoid", rule)
    assert info.value.expected == pytest.approx(sigma(1.3) * (1 - sigma(1.3)))
    assert "Wrong at" not in str(info.value)  # only one point is wrong


@pytest.mark.parametrize("op, rule, words", [
    ("mul", lambda x, y: (x, y), "OTHER input"),
    ("div", lambda x, y: (1 / y, -1 / y ** 2), "factor x is missing"),
    ("pow", lambda x, y: (y * x ** (y - 1), x ** y), "ln(x) is missing"),
    ("sub", lambda x, y: (-1, 1), "wrong sign"),
    ("div", lambda x, y: (-x / y ** 2, 1 / y), "swapped"),
    ("exp", lambda x: -math.exp(x), "wrong sign"),
    ("log", math.log, "the forward value"),
    ("sqrt", lambda x: 1 / math.sqrt(x), "factor 1/2"),
    ("softsign", lambda x: 1 / (1 + abs(x)), "square is missing"),
])
def test_common_mistakes_are_recognised(op, rule, words):
    with pytest.raises(WrongAnswer) as info:
        exercises.check_local_gradient(op, rule)
    assert words in str(info.value)


def test_binary_rule_names_the_wrong_input():
    with pytest.raises(WrongAnswer, match=r"\(x, y\) = \(2, 3\): d out/dy") as info:
        exercises.check_local_gradient("div", lambda x, y: (1 / y, -1 / y ** 2))
    assert info.value.expected == [pytest.approx(1 / 3), pytest.approx(-2 / 9)]


def test_local_gradient_bad_arguments():
    with pytest.raises(TypeError, match="op must be an op name"):
        exercises.check_local_gradient(42, math.exp)
    with pytest.raises(ValueError, match="unknown op 'cosh'.*tanh"):
        exercises.check_local_gradient("cosh", math.sinh)
    with pytest.raises(TypeError, match="rule must be a function, got float"):
        exercises.check_local_gradient("exp", 1.0)
    with pytest.raises(TypeError, match="'mul' must take 2 arguments"):
        exercises.check_local_gradient("mul", lambda x: x)
    with pytest.raises(TypeError, match="'tanh' must take 1 argument"):
        exercises.check_local_gradient("tanh", lambda x, y: x)
    with pytest.raises(TypeError, match="must return two numbers"):
        exercises.check_local_gradient("mul", lambda x, y: x)
    with pytest.raises(TypeError, match="must be a number, got str"):
        exercises.check_local_gradient("exp", lambda x: "e^x")
    with pytest.raises(ValueError, match="tol must be > 0"):
        exercises.check_local_gradient("exp", math.exp, tol=0)


def test_local_gradient_not_done():
    with pytest.raises(NotDoneYet, match="rule for sigmoid .*placeholder `...`") as info:
        exercises.check_local_gradient("sigmoid", ...)
    assert not isinstance(info.value, WrongAnswer)
    with pytest.raises(NotDoneYet):
        exercises.check_local_gradient("tanh", lambda x: ...)


def test_errors_render_in_jupyter_as_their_message():
    with pytest.raises(WrongAnswer) as info:
        exercises.check_local_gradient("exp", lambda x: 2.0)
    lines = info.value._render_traceback_()  # what IPython shows instead of a traceback
    assert "WrongAnswer" in lines[0] and "exp's local gradient: wrong at x = -2" in lines[0]
    assert lines[1:] == str(info.value).splitlines()[1:]
    assert not any("Traceback" in line for line in lines)


# --- check_backward ---------------------------------------------------------------------------


def lecture_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return {"a": a, "b": b, "c": c, "f": f, "e": e, "d": d, "L": L}


# by hand: dL/dd = f, dL/df = d = 4, dL/de = dL/dc = dL/dd, dL/da = -2 b, dL/db = -2 a
LECTURE_GRADS = {"L": 1.0, "d": -2.0, "f": 4.0, "e": -2.0, "c": -2.0, "a": 6.0, "b": -4.0}


def fill(nodes, grads):
    for name, g in grads.items():
        nodes[name].grad = g


def test_backward_by_hand_passes_and_keeps_the_learners_numbers():
    nodes = lecture_graph()
    fill(nodes, LECTURE_GRADS)
    result = exercises.check_backward(nodes["L"])
    assert result == "✓ backward by hand: all 7 gradients right (L, d, f, e, c, a, b)"
    assert {k: v.grad for k, v in nodes.items()} == LECTURE_GRADS


def test_backward_names_the_first_wrong_node_in_reverse_topological_order():
    nodes = lecture_graph()
    fill(nodes, {**LECTURE_GRADS, "a": -2.0, "b": 99.0})
    with pytest.raises(WrongAnswer) as info:
        exercises.check_backward(nodes["L"])
    e = info.value
    assert (e.expected, e.got) == (6.0, -2.0)
    assert "a.grad (going back from L: L, d, f, e, c right)" in str(e)
    assert "e = a * b: upstream e.grad = -2 × local de/da = -3 → 6" in str(e)
    assert "without the local gradient" in str(e)
    assert nodes["a"].grad == -2.0 and nodes["b"].grad == 99.0  # not touched

    fill(nodes, {**LECTURE_GRADS, "d": 4.0, "a": -2.0})  # d is checked before a
    with pytest.raises(WrongAnswer, match=r"at d\.grad \(going back from L: L right\)"):
        exercises.check_backward(nodes["L"])


def test_backward_root_must_start_at_one():
    nodes = lecture_graph()
    fill(nodes, {k: 2 * g for k, g in LECTURE_GRADS.items()})
    with pytest.raises(WrongAnswer, match="starts from dL/dL = 1"):
        exercises.check_backward(nodes["L"])


def test_backward_fan_out_sums_the_paths():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    y.grad, x.grad = 1.0, 3.0  # one path only; d(x^2)/dx = 2x = 6
    with pytest.raises(WrongAnswer) as info:
        exercises.check_backward(y)
    assert info.value.expected == 6.0
    assert "the paths add up to 6" in str(info.value) and "one path only" in str(info.value)
    x.grad = 6.0
    assert exercises.check_backward(y).startswith("✓")


def test_backward_unlabelled_intermediates_are_named_as_in_drawings():
    a, b = Value(0.5, label="a"), Value(1.5, label="b")
    L = (a * b).tanh()
    L.label = "L"
    L.grad, a.grad, b.grad = 1.0, 0.0, 0.0
    with pytest.raises(WrongAnswer) as info:
        exercises.check_backward(L)
    assert "a.grad" in str(info.value) and "mul1 = a * b" in str(info.value)
    assert info.value.expected == pytest.approx(1.5 / math.cosh(0.75) ** 2)


def test_backward_not_done():
    nodes = lecture_graph()
    with pytest.raises(NotDoneYet, match="every .grad is still 0"):
        exercises.check_backward(nodes["L"])
    fill(nodes, {**LECTURE_GRADS, "a": ..., "b": ...})
    with pytest.raises(NotDoneYet, match=r"a\.grad, b\.grad are still the placeholder"):
        exercises.check_backward(nodes["L"])


def test_backward_bad_arguments():
    with pytest.raises(TypeError, match="root must be the Value"):
        exercises.check_backward(3.0)
    with pytest.raises(ValueError, match="root is a leaf"):
        exercises.check_backward(Value(1.0, label="a"))
    with pytest.raises(ValueError, match="label the nodes"):
        exercises.check_backward(Value(1.0) * Value(2.0))


# --- check_custom_op --------------------------------------------------------------------------


def test_custom_op_passes():
    swish = autograd.op("swish_right", forward=lambda x: x * sigma(x),
                        local=lambda x, out: sigma(x) + out * (1 - sigma(x)))
    assert exercises.check_custom_op(swish, "swish").startswith("✓ swish_right")
    soft = autograd.op("my_softsign", forward=lambda x: x / (1 + abs(x)),
                       local=lambda x, out: (1 - abs(out)) ** 2)
    assert exercises.check_custom_op(soft, "softsign")
    cube = autograd.op("cube", forward=lambda x: x ** 3, local=lambda x, out: 3 * x * x)
    assert exercises.check_custom_op(cube, (lambda x: x ** 3, lambda x: 3 * x ** 2))


def test_custom_op_wrong_forward_is_named():
    bad = autograd.op("swish_bad_forward", forward=lambda x: x * sigma(-x),
                      local=lambda x, out: sigma(x) + out * (1 - sigma(x)))
    with pytest.raises(WrongAnswer, match="the forward function: wrong at x = -2.5") as info:
        exercises.check_custom_op(bad, "swish")
    assert info.value.expected == pytest.approx(-2.5 * sigma(-2.5))


def test_custom_op_wrong_local_gradient_is_named_with_check_op():
    bad = autograd.op("swish_bad_local", forward=lambda x: x * sigma(x),
                      local=lambda x, out: sigma(x))  # the product rule forgotten
    with pytest.raises(WrongAnswer) as info:
        exercises.check_custom_op(bad, "swish")
    message = str(info.value)
    assert "the local gradient: wrong at x = -2.5 (the forward is right)" in message
    assert "product rule" in message
    assert "check_op('swish_bad_local')" in message  # autograd.check_op's own table
    s = sigma(-2.5)
    assert info.value.expected == pytest.approx(s + -2.5 * s * (1 - s))


def test_custom_op_bad_arguments_and_not_done():
    def swish(x):
        return x * sigma(x)

    with pytest.raises(TypeError, match="decorate it with @autograd.op"):
        exercises.check_custom_op(swish, "swish")
    two = autograd.op("two_inputs", forward=lambda x, y: x * y, local=lambda x, y, out: (y, x))
    with pytest.raises(ValueError, match="must be unary"):
        exercises.check_custom_op(two, "swish")
    with pytest.raises(ValueError, match="unknown reference 'gelu'"):
        exercises.check_custom_op(two, "gelu")
    with pytest.raises(TypeError, match="reference must be"):
        exercises.check_custom_op(two, 3)
    with pytest.raises(NotDoneYet, match="your op"):
        exercises.check_custom_op(..., "swish")




# --- keep going, the summary, the ✓ line in a script -----------------------------------------


@pytest.fixture
def fresh_summary():
    exercises.summary(reset=True)
    yield
    exercises.keep_going(False)
    exercises.summary(reset=True)


def test_a_right_answer_prints_its_line_in_a_script_too(tmp_path):
    import subprocess
    import sys

    from tests import ROOT

    script = tmp_path / "answer.py"
    script.write_text("import math\nfrom autograd import exercises\n"
                      "exercises.check_local_gradient('tanh', lambda x: 1 - math.tanh(x) ** 2)\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("✓ tanh: your local gradient matches the engine's")


def test_keep_going_reports_and_returns_instead_of_raising(fresh_summary, capsys):
    import math

    from autograd.exercises import TODO

    with pytest.raises(exercises.NotDoneYet):  # by default a check raises
        exercises.check_local_gradient("sigmoid", TODO)
    exercises.keep_going()
    not_done = exercises.check_local_gradient("sigmoid", TODO)
    assert isinstance(not_done, exercises.NotDoneYet)
    wrong = exercises.check_local_gradient("tanh", lambda x: 1 - x ** 2)
    assert isinstance(wrong, exercises.WrongAnswer) and "at x = -2" in str(wrong)
    out = capsys.readouterr()
    assert out.out.startswith("○ check_local_gradient: not done yet") and \
        out.err.startswith("✗ tanh's local gradient: wrong at x = -2")
    right = exercises.check_local_gradient("div", lambda x, y: (1 / y, -x / y ** 2))
    assert right.startswith("✓ div") and capsys.readouterr().out == right + "\n"
    with pytest.raises(TypeError, match="rule must be a function"):  # a bad call still raises
        exercises.check_local_gradient("exp", 3)
    result = exercises.summary()
    assert (result.done, result.wrong, result.not_done) == (
        ("check_local_gradient: div",), ("check_local_gradient: tanh",),
        ("check_local_gradient: sigmoid",))
    assert capsys.readouterr().out.startswith("exercises: 1 done, 1 wrong, 1 not done yet\n")
    exercises.check_local_gradient("tanh", lambda x: 1 - math.tanh(x) ** 2)  # fixed: the
    assert exercises.summary().wrong == ()                                    # last run counts
    with pytest.raises(TypeError, match="keep_going: on must be True or False"):
        exercises.keep_going("yes")


def test_grading_raises_after_keep_going_and_under_nbgrader(fresh_summary, capsys, monkeypatch):
    from autograd.exercises import TODO

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    exercises.keep_going()
    assert not exercises.graded()
    with exercises.grading():  # a grader's test: the wrong answer raises with its message
        assert exercises.graded()
        with pytest.raises(WrongAnswer, match="at x = -2"):
            exercises.check_local_gradient("tanh", lambda x: 1 - x ** 2)
        with pytest.raises(NotDoneYet):
            exercises.check_local_gradient("tanh", TODO)
    assert not exercises.graded()  # and after the block the notebook keeps going again
    assert isinstance(exercises.check_local_gradient("tanh", TODO), NotDoneYet)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # as nbgrader autograde sets it
    assert exercises.graded()
    with pytest.raises(WrongAnswer):
        exercises.check_local_gradient("tanh", lambda x: 1 - x ** 2)
    assert exercises.summary().wrong == ("check_local_gradient: tanh",)  # still recorded
    capsys.readouterr()


def test_checks_at_points_of_ones_own():
    rule = RIGHT_RULES["sigmoid"]
    assert "x = -4.5, 6" in exercises.check_local_gradient("sigmoid", rule, at=[-4.5, 6.0])
    assert "(-4, 2.5)" in exercises.check_local_gradient("div", RIGHT_RULES["div"],
                                                         at=[(-4.0, 2.5)])
    wrong_far_out = lambda x: 0.25 if abs(x) > 4 else rule(x)  # noqa: E731
    exercises.check_local_gradient("sigmoid", wrong_far_out)  # right at the usual points
    with pytest.raises(WrongAnswer, match="at x = -4.5"):
        exercises.check_local_gradient("sigmoid", wrong_far_out, at=[-4.5, 0.5])
    with pytest.raises(TypeError, match="check_local_gradient: at must be a non-empty list"):
        exercises.check_local_gradient("sigmoid", rule, at=[])
    with pytest.raises(ValueError, match="each point must be a pair"):
        exercises.check_local_gradient("div", RIGHT_RULES["div"], at=[1.0])
    with pytest.raises(ValueError, match="the op is not defined at"):
        exercises.check_local_gradient("log", RIGHT_RULES["log"], at=[-1.0])
    with pytest.raises(ValueError, match="at"):
        exercises.check_local_gradient("exp", math.exp, at=[float("nan")])

    @autograd.op(local=lambda x, out: sigma(x) + out * (1 - sigma(x)))
    def swish(x):
        return x * sigma(x)
    assert "x = -4, 5" in exercises.check_custom_op(swish, "swish", at=[-4.0, 5.0])
