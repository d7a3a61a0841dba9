"""autograd/replay/held.py: a compiled step holds its parameters' numbers and gradients
in arrays between steps; the first touch of any of them (read, assignment, an eager graph,
a copy) writes every one back first, so nothing ever sees an old number."""

import copy
import gc
import pickle
import threading
import weakref

import numpy as np
import pytest

from autograd import StaleGraphError, Value, compile
from autograd.replay import held
from autograd.replay.held import HeldValue
from tests.autograd.replay import nets


def _setup(seed: int = 0):
    model = nets.MLP(2, [4, 1], "tanh", seed=seed)
    X = np.random.default_rng(seed).normal(size=(8, 2))
    Y = np.sign(np.random.default_rng(seed + 1).normal(size=8))
    program = compile(lambda x, y: nets.max_margin(model(x), y))
    return model, X, Y, program


def _eager_grads(model, X, Y) -> np.ndarray:
    """The gradient of the mean loss by the eager graph, leaving .grad as it found it."""
    params = model.parameters()
    before = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    loss = Value.sum([nets.max_margin(model(x), Value(y)) for x, y in zip(X, Y)]) * (1 / len(X))
    loss.backward()
    got = np.array([p.grad for p in params])
    for p, g in zip(params, before):
        p.grad = g
    return got


def _sgd_step_held(plan, lr: float) -> None:
    """An optimizer's step on the held arrays (what nn.SGD does while they are held)."""
    bank = plan.holding()
    bank.assign(bank.data - lr * bank.grad)


def test_after_value_and_grad_the_parameters_are_held_and_a_read_writes_all_back():
    model, X, Y, program = _setup()
    model.zero_grad()
    program.value_and_grad(X, Y)
    params = model.parameters()
    assert all(type(p) is HeldValue for p in params) and held.holder() is not None
    want = _eager_grads(model, X, Y)  # touches them: every one is written back
    assert held.holder() is None and all(type(p) is Value for p in params)
    assert np.allclose([p.grad for p in params], want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("touch", ["data", "grad", "assign", "eager", "pickle", "deepcopy",
                                   "repr", "stamp"])
def test_any_touch_of_a_held_parameter_sees_the_step_s_numbers(touch):
    """Three held steps (gradient, optimizer step, zero_grad on the arrays), then one touch
    of ONE parameter: every parameter reads the numbers of plain eager steps."""
    model, X, Y, program = _setup(1)
    twin, *_ = _setup(1)
    plan = program.plan(X, Y)
    for _ in range(3):
        if plan.holding() is not None:
            plan.holding().zero_grad()
        else:
            model.zero_grad()
        program.value_and_grad(X, Y)
        _sgd_step_held(plan, 0.1)
        g = _eager_grads(twin, X, Y)
        for p, gi in zip(twin.parameters(), g):
            p.data -= 0.1 * gi
            p.grad = gi
    assert plan.holding() is not None
    p0 = model.parameters()[0]
    if touch == "data":
        got = p0.data
    elif touch == "grad":
        got = p0.grad
    elif touch == "assign":
        p0.data = 0.25
        twin.parameters()[0].data = 0.25
    elif touch == "eager":
        (p0 * 2.0).backward()
        twin.parameters()[0].grad += 2.0
    elif touch == "pickle":
        got = pickle.loads(pickle.dumps(p0))
        assert np.allclose([got.data, got.grad], [p0.data, p0.grad], rtol=0, atol=0)
    elif touch == "deepcopy":
        got = copy.deepcopy(p0)
        assert (got.data, got.grad) == (p0.data, p0.grad) and type(got) is Value
    elif touch == "repr":
        shown = repr(p0)
        assert shown == f"Value(data={p0.data!r}, grad={p0.grad!r})"
    elif touch == "stamp":
        assert p0.is_leaf  # no write-back for that
        got = p0._stamp
        assert got == max(p._stamp for p in model.parameters())
    assert held.holder() is None
    ours = np.array([[p.data, p.grad] for p in model.parameters()])
    theirs = np.array([[p.data, p.grad] for p in twin.parameters()])
    assert np.allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    if touch == "assign":  # the next compiled step uses the assigned number
        model.zero_grad()
        twin.zero_grad()
        program.value_and_grad(X, Y)
        assert np.allclose([p.grad for p in model.parameters()], _eager_grads(twin, X, Y),
                           rtol=1e-12, atol=1e-15)


def test_an_eager_graph_built_before_a_held_step_is_stale():
    model, X, Y, program = _setup()
    plan = program.plan(X, Y)
    program.value_and_grad(X, Y)
    _sgd_step_held(plan, 0.1)  # the arrays were used: the plan keeps holding
    old = nets.max_margin(model(X[0]), Value(Y[0]))  # writes every parameter back
    assert held.holder() is None
    program.value_and_grad(X, Y)  # holds them again
    _sgd_step_held(plan, 0.1)
    with pytest.raises(StaleGraphError):
        old.backward()


def test_a_loop_that_reads_every_gradient_stops_the_holding_and_keeps_its_numbers():
    """A hand-written update reading every .grad after every call: the plan holds once,
    is written back before anything used the arrays, and then adds to the Values."""
    model, X, Y, program = _setup(2)
    twin, *_ = _setup(2)
    plan = program.plan(X, Y)
    for _ in range(3):
        model.zero_grad()
        program.value_and_grad(X, Y)
        for p in model.parameters():
            p.data -= 0.1 * p.grad
        g = _eager_grads(twin, X, Y)
        for p, gi in zip(twin.parameters(), g):
            p.data -= 0.1 * gi
    assert plan._hold is False and held.holder() is None
    assert np.allclose([p.data for p in model.parameters()],
                       [p.data for p in twin.parameters()], rtol=1e-12, atol=1e-15)


def test_gradients_accumulate_in_the_arrays_as_in_the_values():
    model, X, Y, program = _setup(3)
    model.zero_grad()
    program.value_and_grad(X, Y)
    program.value_and_grad(X, Y)  # held: added to the array
    twice = np.array([p.grad for p in model.parameters()])
    assert np.allclose(twice, 2 * _eager_grads(model, X, Y), rtol=1e-12, atol=1e-15)


def test_holding_other_parameters_writes_the_first_ones_back():
    a, X, Y, pa = _setup(4)
    b, _, _, pb = _setup(5)
    a.zero_grad()
    b.zero_grad()
    pa.value_and_grad(X, Y)
    held_a = held.holder()
    pb.value_and_grad(X, Y)
    assert held.holder() is not held_a and all(type(p) is Value for p in a.parameters())
    assert np.allclose([p.grad for p in a.parameters()], _eager_grads(a, X, Y), rtol=1e-12)
    assert np.allclose([p.grad for p in b.parameters()], _eager_grads(b, X, Y), rtol=1e-12)


def test_a_subclass_of_value_is_never_held():
    class Parameter(Value):
        __slots__ = ()

    w = Parameter(0.5)
    program = compile(lambda x: (x * w).tanh())
    program.value_and_grad(np.linspace(-1, 1, 5))
    assert type(w) is Parameter and held.holder() is None
    assert w.grad == pytest.approx(np.mean((1 - np.tanh(0.5 * np.linspace(-1, 1, 5)) ** 2)
                                           * np.linspace(-1, 1, 5)), rel=1e-12)


def test_a_thread_reading_while_another_trains_sees_finished_steps():
    """One thread runs held steps; another reads the parameters over and over: every read
    is a number some finished state had (never half-written), and the trainer's final
    numbers are the eager ones."""
    model, X, Y, program = _setup(6)
    twin, *_ = _setup(6)
    plan = program.plan(X, Y)
    seen, stop = [], threading.Event()

    def read():
        while not stop.is_set():
            seen.append(np.isfinite([p.data for p in model.parameters()]).all())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(20):
            model.zero_grad()
            program.value_and_grad(X, Y)
            bank = plan.holding()
            if bank is not None:
                _sgd_step_held(plan, 0.05)
            else:
                for p in model.parameters():
                    p.data -= 0.05 * p.grad
            g = _eager_grads(twin, X, Y)
            for p, gi in zip(twin.parameters(), g):
                p.data -= 0.05 * gi
    finally:
        stop.set()
        reader.join()
    assert all(seen)
    assert np.allclose([p.data for p in model.parameters()],
                       [p.data for p in twin.parameters()], rtol=1e-12, atol=1e-15)


def test_holding_keeps_no_plan_alive():
    """The held arrays name their plan weakly (a WeakMethod): holding never keeps a program
    and its work arrays (which may be large) alive, while the parameters stay exact."""
    model, X, Y, program = _setup(7)
    model.zero_grad()
    program.value_and_grad(X, Y)
    bank, plan = held.holder(), program.plan(X, Y)
    assert isinstance(bank.on_write_back, weakref.WeakMethod)
    assert bank.on_write_back() == plan._stop_holding
    near = gc.get_referents(bank)
    assert all(r is not plan for r in near + gc.get_referents(*near))
    assert np.allclose([p.grad for p in model.parameters()], _eager_grads(model, X, Y),
                       rtol=1e-12)
