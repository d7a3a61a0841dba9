"""autograd/replay/program.py: ``compile(fn)`` traces ``fn`` once per input signature,
checks the batches it is given, and runs the plan: per-sample outputs, ``value_and_grad``
(the eager graph's loss and gradients, ``compare.eager``), ``draw``; and it refuses what
can't be replayed."""

import threading

import numpy as np
import pytest

from autograd import TracingError, Value, compile, no_grad
from autograd.engine import assign_data
from autograd.replay import require
from autograd.viz import GraphDrawing
from tests.autograd.replay import nets

# --- calls, gradients and parameters --------------------------------------------------------


def test_a_second_call_accumulates_like_a_second_backward():
    model = nets.MLP(3, [4, 1], "tanh")
    X = np.random.default_rng(0).normal(size=(10, 3))
    program = compile(lambda x: model(x) ** 2)
    model.zero_grad()
    program.value_and_grad(X)
    once = np.array([p.grad for p in model.parameters()])
    program.value_and_grad(X)
    assert np.array_equal(np.array([p.grad for p in model.parameters()]), 2 * once)


def test_parameters_are_read_afresh_on_every_call():
    model = nets.MLP(2, [3, 1])
    X = np.random.default_rng(3).normal(size=(6, 2))
    program = compile(model)
    before = program(X)
    model.layers[1].neurons[0].b.data += 1.0
    np.testing.assert_allclose(program(X), before + 1.0, rtol=1e-13)


def test_call_shapes_and_aux():
    model = nets.MLP(3, [4, 2])
    X = np.random.default_rng(0).normal(size=(5, 3))
    out = compile(model)(X)
    assert out.shape == (5, 2)
    np.testing.assert_allclose(out, [[v.data for v in model(x)] for x in X], rtol=1e-13)
    program = compile(lambda x, t: (nets.cross_entropy(model(x), t), model(x)), has_aux=True)
    T = np.eye(2)[[0, 1, 1, 0, 1]]
    losses, aux = program(X, T)
    assert losses.shape == (5,) and aux.shape == (5, 2)
    loss, aux2 = program.value_and_grad(X, T)
    assert loss == pytest.approx(np.mean(losses), rel=1e-14) and np.array_equal(aux, aux2)
    assert compile(lambda x: x[0] * 2)(np.ones((3, 1))).shape == (3,)
    assert compile(lambda x: x * 2)(np.arange(3.0)).tolist() == [0.0, 2.0, 4.0]


def test_call_records_nothing_and_leaves_grads_alone():
    w = Value(1.5)
    w.grad = 7.0
    program = compile(lambda x: (x * w).tanh())
    program(np.arange(4.0))
    assert w.grad == 7.0
    with no_grad():
        assert program(np.arange(4.0)).shape == (4,)


def test_draw_shows_batch_means_and_keeps_grads(tmp_path):
    w = Value(0.8, label="w")
    w.grad = 0.25
    X = np.array([0.5, -1.0, 2.0, 3.0])
    program = compile(lambda x: (x * w).tanh())
    drawing = program.draw(X)
    assert isinstance(drawing, GraphDrawing)
    mean_tanh = np.mean(np.tanh(X * 0.8))
    mean_grad_w = np.mean(X * (1 - np.tanh(X * 0.8) ** 2))
    assert f"{mean_tanh:.4f}" in drawing.source and f"{mean_grad_w:.4f}" in drawing.source
    assert w.grad == 0.25
    svg = drawing.svg()
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg[:500]
    drawing.save(tmp_path / "batch.svg")
    assert (tmp_path / "batch.svg").read_text().count("<svg") == 1


# --- the rule: no Python on per-sample numbers ------------------------------------------------


@pytest.mark.parametrize("fn", [
    lambda x: x[0] if x[0].data > 0 else -x[0],
    lambda x: x[0] * 2 if x[0] > 0 else x[0],
    lambda x: x[0] if x[0] else x[1],
    lambda x: max(x[0], x[1]),
    lambda x: Value(max(v.data for v in x)),
    lambda x: (x[0] * 2).relu() if (x[0] * 2).data > 0 else x[1],
], ids=["data", "compare", "bool", "builtin max", "max of data", "computed data"])
def test_python_branches_on_traced_numbers_raise(fn):
    with pytest.raises(TracingError, match="can't be replayed over a batch"):
        compile(fn)(np.ones((3, 2)))


def test_no_grad_inside_a_compiled_function_raises():
    def fn(x):
        with no_grad():
            return x[0] * 2
    with pytest.raises(TracingError, match="no_grad"):
        compile(fn)(np.ones((2, 1)))


def test_parameters_data_can_still_be_read_while_tracing():
    w = Value(2.0)
    program = compile(lambda x: x * w if w.data > 0 else -x)  # w is the same for all samples
    assert program(np.array([1.0, 2.0])).tolist() == [2.0, 4.0]
    w.data = -3.0  # the branch taken while tracing no longer holds: traced again
    assert program(np.array([1.0, 2.0])).tolist() == [-1.0, -2.0]  # -x, not x * w


def test_a_parameters_number_read_in_python_is_never_stale():
    w = Value(1.0, label="w")
    program = compile(lambda x: x * (w.data * 3))  # a float, not a recorded op
    X = np.array([1.0, 2.0])
    assert program(X).tolist() == [3.0, 6.0]
    w.data = 2.0
    assert program(X).tolist() == [6.0, 12.0]  # was [3, 6]: the traced number
    w.grad = 1.0
    assign_data([w], [w.data - 0.5 * w.grad])  # optimizers' bulk updates count as changes too
    assert program(X).tolist() == [4.5, 9.0]
    model = nets.MLP(2, [3, 1])  # a model reads no parameter's number: traced once
    traced = compile(model)
    traced(np.zeros((2, 2)))
    plan = next(iter(traced._plans.values()))
    assert plan.reads == ()


def test_require_is_checked_on_every_batch():
    """What a traced function requires of per-sample numbers (a loss's targets) is
    checked on every batch the program runs; eagerly it is checked at once."""
    w = Value(0.5)

    def fn(x, t):
        require([t], lambda a: np.all((a == 0) | (a == 1)), "targets 0 or 1, got {got}")
        return (x * w - t) ** 2

    program = compile(fn)
    X = np.array([1.0, 2.0, 3.0])
    assert program.value_and_grad(X, np.array([0.0, 1.0, 1.0])) >= 0
    with pytest.raises(ValueError, match=r"targets 0 or 1, got \[0. 1. 2.\]"):
        program.value_and_grad(X, np.array([0.0, 1.0, 2.0]))  # the trace exists: replayed
    with pytest.raises(ValueError, match="targets 0 or 1"):
        program(X, np.array([0.5, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"targets 0 or 1, got \[3.\]"):
        fn(Value(1.0), Value(3.0))  # eager: at once


# --- input signatures, and bad input ----------------------------------------------------------


def test_output_shape_belongs_to_each_input_signature():
    program = compile(lambda x: x[0] * 2 if len(x) == 2 else [x[0], x[1] + x[2]])
    assert program(np.ones((4, 2))).shape == (4,)
    assert program(np.ones((4, 3))).shape == (4, 2)
    assert program(np.ones((4, 2))).shape == (4,)  # was (4, 1): the last trace's shape
    assert program.value_and_grad(np.ones((4, 2))) == 2.0
    with pytest.raises(ValueError, match="returns a list"):
        program.value_and_grad(np.ones((4, 3)))


def test_a_new_input_shape_is_traced_again():
    program = compile(lambda x: Value.sum(x))
    assert program(np.ones((2, 3))).tolist() == [3.0, 3.0]
    assert program(np.ones((2, 5))).tolist() == [5.0, 5.0]
    assert len(program._plans) == 2 and "(3,)" in repr(program)


@pytest.mark.parametrize("arrays,error,match", [
    ((np.array([["a", "b"]]),), TypeError, "array of numbers"),
    ((np.zeros((2, 2, 2)),), ValueError, r"shape \(B,\) or \(B, n\), got \(2, 2, 2\)"),
    ((np.zeros((0, 2)),), ValueError, "the batch is empty"),
    ((np.zeros((3, 2)), np.zeros(4)), ValueError, r"different batch sizes \[3, 4\]"),
    ((), TypeError, "one batch array per argument"),
])
def test_bad_arrays_are_refused(arrays, error, match):
    program = compile(lambda x, *rest: x[0] * 2)
    with pytest.raises(error, match=match):
        program(*arrays)


def test_bad_functions_and_arguments_are_refused():
    with pytest.raises(TypeError, match="expects a function"):
        compile(3)
    with pytest.raises(TypeError, match="must return a Value or a list of Values, got float"):
        compile(lambda x: 1.0)(np.ones(2))
    with pytest.raises(ValueError, match="one Value per sample"):
        compile(lambda x: [x[0], x[1]]).value_and_grad(np.ones((2, 2)))
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        compile(lambda x: x * 2).value_and_grad(np.ones(2), reduction="max")
    with pytest.raises(TypeError, match=r"has_aux=True.*\(loss Value, aux\)"):
        compile(lambda x: x * 2, has_aux=True)(np.ones(2))
    with pytest.raises(TypeError, match=r"^compile: fuse must be True or False, got str"):
        compile(lambda x: x * 2, fuse="no")
    with pytest.raises(TypeError, match=r"^compile: has_aux must be True or False, got int"):
        compile(lambda x: x * 2, has_aux=2)
    with pytest.raises(TypeError, match=r"^Program.plan: fuse must be True or False"):
        compile(lambda x: x * 2).plan(np.ones(2), fuse="yes")
    with pytest.raises(TypeError, match=r"^require: predicate must be a function"):
        require([Value(1.0)], None, "message")


# --- work arrays reused, parameters read in one piece (issue 20) -----------------------------

def test_reused_work_arrays_never_show_through_in_results():
    """The arrays of a call are reused by the next call of the same batch size: what a call
    returned must not change when the next one runs, in this thread or in others."""
    w = Value(0.5)
    program = compile(lambda x: (x * w).tanh())
    X1, X2 = np.linspace(-1, 1, 50), np.linspace(2, 3, 50)
    first = program(X1)
    kept = first.copy()
    second = program(X2)
    assert np.array_equal(first, kept) and not np.shares_memory(first, second)
    assert np.allclose(program(X1), np.tanh(X1 * 0.5), rtol=1e-15)
    results = {}

    def run(i):
        X = np.linspace(-1, 1, 50) * i
        for _ in range(30):
            got = program(X)
        results[i] = np.allclose(got, np.tanh(X * 0.5), rtol=1e-15)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {1: True, 2: True, 3: True, 4: True}


def test_the_forward_pass_reads_the_optimizer_s_numbers_and_never_stale_ones():
    """After an optimizer step the parameters' numbers are taken from the step's array in
    one piece; any later assignment to a leaf makes the plan read the Values again."""
    model = nets.MLP(2, [3, 1], "tanh")
    params = tuple(model.parameters())
    program = compile(model)
    X = np.random.default_rng(0).normal(size=(6, 2))
    plan = program.plan(X)
    assert plan.param_values == list(params)
    theta = np.array([p.data for p in params]) + 0.25
    assign_data(params, theta, checked=True)
    assert np.allclose(program(X), [model(x).data for x in X], rtol=1e-14)
    assert plan._optimizer_order is params  # the array was used
    params[0].data = 7.0  # a later assignment: the array is stale now
    assert np.allclose(program(X), [model(x).data for x in X], rtol=1e-14)
