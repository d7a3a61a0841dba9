"""nn.optim: momentum vs its closed form, Nesterov, weight decay, Adam vs Algorithm 1,
Rosenbrock, every schedule's formula, bad arguments."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, compile, grad  # noqa: A004
from autograd.replay import held
from nn.losses import mse
from nn.modules import MLP
from nn.optim import (
    SGD,
    Adam,
    ConstantLR,
    InverseTimeLR,
    LinearLR,
    ReduceLROnPlateau,
    StepLR,
)


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def steps_to_minimum(make_optimizer, max_steps, radius=0.05):
    """Steps until (x, y) is within ``radius`` of Rosenbrock's minimum (1, 1)."""
    x, y = Value(-1.5), Value(2.0)
    opt = make_optimizer([x, y])
    for step in range(1, max_steps + 1):
        opt.zero_grad()
        rosenbrock(x, y).backward()
        opt.step()
        if math.hypot(x.data - 1, y.data - 1) < radius:
            return step
    return math.inf


small = st.floats(-3, 3)


# --- SGD --------------------------------------------------------------------------------------

@given(theta=small, g=small, lr=st.floats(1e-4, 1.0))
def test_plain_step_is_theta_minus_lr_grad(theta, g, lr):
    p = Value(theta)
    p.grad = g
    SGD([p], lr=lr).step()
    assert p.data == theta - lr * g


@settings(max_examples=30)
@given(a=st.floats(0.1, 10), lr=st.floats(1e-3, 0.1), gamma=st.floats(0.0, 0.99),
       theta0=small, steps=st.integers(1, 60))
def test_momentum_on_a_quadratic_equals_its_closed_form(a, lr, gamma, theta0, steps):
    """On f = a/2 theta^2 the lecture's momentum (v <- gamma v - lr a theta;
    theta <- theta + v) is linear: (theta, v)_{t+1} = M (theta, v)_t."""
    p = Value(theta0)
    opt = SGD([p], lr=lr, momentum=gamma)
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * a * p * p).backward()
        opt.step()
    M = np.array([[1 - lr * a, gamma], [-lr * a, gamma]])
    theta, v = np.linalg.matrix_power(M, steps) @ np.array([theta0, 0.0])
    assert p.data == pytest.approx(theta, rel=1e-9, abs=1e-12)
    if gamma:  # plain descent keeps no velocity
        assert opt.velocity[0] == pytest.approx(v, rel=1e-9, abs=1e-12)


def test_nesterov_equals_the_textbook_look_ahead_step():
    """Textbook NAG: v <- gamma v - lr grad f(theta + gamma v); theta <- theta + v.
    The optimizer stores the look-ahead point phi = theta + gamma v."""
    lr, gamma = 1e-3, 0.9
    x, y = Value(-1.5), Value(2.0)
    opt = SGD([x, y], lr=lr, momentum=gamma, nesterov=True)
    theta, v = np.array([-1.5, 2.0]), np.zeros(2)

    def gradient(point):
        return np.array([-2 * (1 - point[0]) - 400 * point[0] * (point[1] - point[0] ** 2),
                         200 * (point[1] - point[0] ** 2)])

    for _ in range(200):
        opt.zero_grad()
        rosenbrock(x, y).backward()
        opt.step()
        v = gamma * v - lr * gradient(theta + gamma * v)
        theta = theta + v
        np.testing.assert_allclose([x.data, y.data], theta + gamma * v, rtol=1e-9)


@settings(max_examples=20)
@given(lam=st.floats(1e-4, 0.5), gamma=st.sampled_from([0.0, 0.5, 0.9]),
       start=st.lists(small, min_size=2, max_size=2))
def test_weight_decay_is_the_gradient_of_half_lambda_theta_squared(lam, gamma, start):
    a, b = (Value(s) for s in start)
    decayed = SGD([a, b], lr=0.05, momentum=gamma, weight_decay=lam)
    c, d = (Value(s) for s in start)
    explicit = SGD([c, d], lr=0.05, momentum=gamma)
    for _ in range(5):
        decayed.zero_grad()
        (a * b + a.tanh()).backward()
        decayed.step()
        explicit.zero_grad()
        (c * d + c.tanh() + lam / 2 * (c * c + d * d)).backward()
        explicit.step()
    assert [a.data, b.data] == pytest.approx([c.data, d.data], rel=1e-9, abs=1e-12)


def test_momentum_reaches_the_rosenbrock_minimum_in_fewer_steps():
    """Same start (-1.5, 2), same lr: plain descent crawls along the curved valley."""
    for lr in (5e-4, 1e-3):
        plain = steps_to_minimum(lambda p, lr=lr: SGD(p, lr=lr), 20_000)
        momentum = steps_to_minimum(lambda p, lr=lr: SGD(p, lr=lr, momentum=0.9), 20_000)
        assert plain < math.inf and momentum < plain / 5, (lr, plain, momentum)
    half = steps_to_minimum(lambda p: SGD(p, lr=1e-3, momentum=0.5), 20_000)
    nesterov = steps_to_minimum(lambda p: SGD(p, lr=1e-3, momentum=0.9, nesterov=True), 20_000)
    assert momentum < half < plain and nesterov < plain / 5


def test_adam_reaches_the_rosenbrock_minimum():
    assert steps_to_minimum(lambda p: Adam(p, lr=0.05), 5_000) < 5_000
    x, y = Value(-1.5), Value(2.0)
    opt = Adam([x, y], lr=0.02)
    for _ in range(6000):
        opt.zero_grad()
        rosenbrock(x, y).backward()
        opt.step()
    assert rosenbrock(x.data, y.data) < 1e-4


# --- Adam -------------------------------------------------------------------------------------

def adam_reference(grads_of, theta, lr, b1, b2, eps, steps):
    """Kingma & Ba (2015), Algorithm 1, on numpy arrays."""
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = grads_of(theta)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


@settings(max_examples=15)
@given(b1=st.floats(0.0, 0.95), b2=st.floats(0.5, 0.9999), lr=st.floats(1e-3, 0.1),
       start=st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=2))
def test_adam_follows_algorithm_1(b1, b2, lr, start):
    x, y = Value(start[0]), Value(start[1])
    opt = Adam([x, y], lr=lr, betas=(b1, b2), eps=1e-8)
    for _ in range(30):
        opt.zero_grad()
        rosenbrock(x, y).backward()
        opt.step()

    def gradient(p):
        return np.array([-2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] ** 2),
                         200 * (p[1] - p[0] ** 2)])

    expected = adam_reference(gradient, np.array(start), lr, b1, b2, 1e-8, 30)
    np.testing.assert_allclose([x.data, y.data], expected, rtol=1e-7, atol=1e-10)


@given(g=st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3))
def test_adams_first_step_moves_every_parameter_by_lr(g):
    p = Value(0.5)
    p.grad = g
    Adam([p], lr=0.01).step()
    assert p.data == pytest.approx(0.5 - 0.01 * math.copysign(1, g), rel=1e-6)


def test_adam_weight_decay_adds_lambda_theta_to_the_gradient():
    a, b = Value(2.0), Value(2.0)
    decayed, explicit = Adam([a], lr=0.1, weight_decay=0.3), Adam([b], lr=0.1)
    for _ in range(10):
        decayed.zero_grad()
        a.exp().backward()
        decayed.step()
        explicit.zero_grad()
        (b.exp() + 0.15 * b * b).backward()
        explicit.step()
    assert a.data == pytest.approx(b.data, rel=1e-12)


def test_optimizers_train_an_mlp_through_the_module_api():
    model = MLP(1, [8, 1], activation="tanh", rng=0)
    X = np.linspace(-1, 1, 9)
    for make in (lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: Adam(p, lr=0.03)):
        model = MLP(1, [8, 1], activation="tanh", rng=0)
        opt = make(model.parameters())
        losses = []
        for _ in range(60):
            loss = Value.sum([(model([x]) - x * x) ** 2 for x in X]) * (1 / len(X))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.data)
        assert losses[-1] < 0.2 * losses[0]


def test_zero_grad_and_settable_lr():
    a, b = Value(1.0), Value(2.0)
    opt = SGD([a, b], lr=0.1)
    a.grad, b.grad = 5.0, -1.0
    opt.zero_grad()
    assert a.grad == 0.0 and b.grad == 0.0
    opt.lr = 0.5  # a schedule does this
    a.grad = 1.0
    opt.step()
    assert a.data == 0.5 and opt.lr == 0.5
    opt.lr = 0  # allowed: a linear decay may end at 0
    with pytest.raises(ValueError, match="lr must be >= 0, got -0.1"):
        opt.lr = -0.1
    with pytest.raises(ValueError, match="^lr must be a finite number, got nan"):
        opt.lr = float("nan")


def test_gradients_from_functional_grad_feed_the_optimizer():
    w = Value(3.0)
    (g,) = grad((w - 1) ** 2, [w])
    w.grad = g
    SGD([w], lr=0.25).step()
    assert w.data == 2.0  # 3 - 0.25 * 2 * (3 - 1)


@pytest.mark.parametrize("make,error,match", [
    (lambda: SGD([], lr=0.1), ValueError, "SGD got an empty parameter list"),
    (lambda: SGD([1.0], lr=0.1), TypeError, "parameter 0 is a float, not a Value"),
    (lambda: SGD(Value(1.0), lr=0.1), TypeError, "list of parameters"),
    (lambda: SGD(MLP(2, [1], rng=0), lr=0.1), TypeError, r"SGD\(model.parameters\(\)"),
    (lambda: SGD([Value(1.0) * 2], lr=0.1), ValueError, "computed Value .* must be leaves"),
    (lambda: SGD([Value(1.0)] * 2, lr=0.1), ValueError, "parameter 1 appears twice"),
    (lambda: SGD([Value(1.0)], lr=-1), ValueError, "lr must be > 0, got -1"),
    (lambda: SGD([Value(1.0)], lr=0), ValueError, "lr must be > 0"),
    (lambda: SGD([Value(1.0)], lr="0.1"), TypeError, "^lr must be a real number, got str"),
    (lambda: SGD([Value(1.0)], lr=math.inf), ValueError, "^lr must be a finite number, got inf"),
    (lambda: SGD([Value(1.0)], lr=math.nan), ValueError, "^lr must be a finite number, got nan"),
    (lambda: SGD([Value(1.0)], lr=10**400), ValueError, "^lr must be a finite number"),
    (lambda: SGD([Value(1.0)], lr=0.1, nesterov="yes"), TypeError,
     "^nesterov must be True or False, got str"),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=1.5), ValueError, r"momentum must be in \[0, 1\]"),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=-0.1), ValueError, "momentum must be >= 0"),
    (lambda: SGD([Value(1.0)], lr=0.1, nesterov=True), ValueError, "nesterov=True needs"),
    (lambda: SGD([Value(1.0)], lr=0.1, weight_decay=-1), ValueError, "weight_decay"),
    (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), ValueError, "betas must be two numbers"),
    (lambda: Adam([Value(1.0)], betas=0.9), ValueError, "betas must be two numbers"),
    (lambda: Adam([Value(1.0)], betas=("a", 0.9)), TypeError, r"^betas\[0\] must be a real"),
    (lambda: Adam([Value(1.0)], betas=(0.9, math.nan)), ValueError, r"^betas\[1\] must be a fin"),
    (lambda: Adam([Value(1.0)], eps=0), ValueError, "eps must be > 0"),
])
def test_bad_optimizer_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


# --- schedules --------------------------------------------------------------------------------

def lr_sequence(schedule, epochs, metrics=None):
    """The lr used in each epoch: schedule.step() is called once after every epoch."""
    out = []
    for epoch in range(epochs):
        out.append(schedule.lr)
        schedule.step(None if metrics is None else metrics[epoch])
    return out


def optimizer(lr=0.8):
    return SGD([Value(0.0)], lr=lr)


@given(lr=st.floats(1e-4, 10))
def test_constant(lr):
    assert lr_sequence(ConstantLR(optimizer(lr)), 6) == [lr] * 6


@given(lr=st.floats(1e-3, 10), step_size=st.integers(1, 5), gamma=st.floats(0.05, 0.95))
def test_step_lr_is_base_times_gamma_to_the_epoch_over_step_size(lr, step_size, gamma):
    got = lr_sequence(StepLR(optimizer(lr), step_size=step_size, gamma=gamma), 12)
    assert got == pytest.approx([lr * gamma ** (t // step_size) for t in range(12)], rel=1e-12)


def test_step_lr_halves_by_default():
    assert lr_sequence(StepLR(optimizer(1.0), step_size=2), 7) == [1, 1, .5, .5, .25, .25, .125]


@given(a=st.floats(1e-3, 10), b=st.floats(0.1, 100))
def test_inverse_time_is_a_over_b_plus_t(a, b):
    got = lr_sequence(InverseTimeLR(optimizer(), a=a, b=b), 10)
    assert got == pytest.approx([a / (b + t) for t in range(10)], rel=1e-12)


@given(start=st.floats(1e-3, 1), end=st.floats(0, 1), total=st.integers(1, 8))
def test_linear_decay_then_constant(start, end, total):
    got = lr_sequence(LinearLR(optimizer(), start, end, total_epochs=total), total + 3)
    expected = [start + (end - start) * min(t, total) / total for t in range(total + 3)]
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert got[-1] == pytest.approx(end, abs=1e-15)


def test_reduce_on_plateau_halves_after_patience_epochs_without_progress():
    s = ReduceLROnPlateau(optimizer(1.0), patience=2)
    metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5, 0.5, 0.4]
    # epochs 2-4 make no progress (3 > patience 2), so epoch 5 runs at 0.5; 6-8 likewise
    assert lr_sequence(s, 10, metrics) == [1, 1, 1, 1, 1, .5, .5, .5, .5, .25]


def test_reduce_on_plateau_threshold_factor_floor_and_bad_metrics():
    s = ReduceLROnPlateau(optimizer(1.0), factor=0.1, patience=0, threshold=0.01, min_lr=0.005)
    # 0.995 is better than 1.0 but by less than the relative threshold 1 %: no progress
    assert lr_sequence(s, 4, [1.0, 0.995, 0.5, float("nan")]) == [1.0, 1.0, 0.1, 0.1]
    assert s.lr == pytest.approx(0.01)  # the NaN epoch counted as no progress
    s.step(0.6)
    assert s.lr == 0.005  # floored at min_lr
    s.step(Value(0.1))  # a loss Value is accepted
    assert s.best == 0.1
    with pytest.raises(ValueError, match="needs the epoch's metric"):
        s.step()
    with pytest.raises(TypeError, match="^ReduceLROnPlateau.step: metric must be a number"):
        s.step("0.1")


def test_schedules_drive_any_optimizer():
    p = Value(1.0)
    adam = Adam([p], lr=0.1)
    schedule = StepLR(adam, step_size=1, gamma=0.5)
    schedule.step()
    p.grad = 1.0
    adam.step()
    assert adam.lr == 0.05 and p.data == pytest.approx(1 - 0.05, rel=1e-6)
    sgd = optimizer(1.0)
    InverseTimeLR(sgd, a=2.0, b=4.0)  # the schedule sets the first epoch's lr at once
    assert sgd.lr == 0.5


@pytest.mark.parametrize("make,error,match", [
    (lambda: StepLR("opt", step_size=2), TypeError, "wraps an Optimizer, got str"),
    (lambda: StepLR(optimizer(), step_size=0), ValueError, "step_size must be an int >= 1"),
    (lambda: StepLR(optimizer(), step_size=2, gamma=0), ValueError, "gamma must be > 0"),
    (lambda: InverseTimeLR(optimizer(), a=1.0, b=0), ValueError, "b must be > 0"),
    (lambda: LinearLR(optimizer(), 0.1, 0.0, total_epochs=0), ValueError, "total_epochs"),
    (lambda: LinearLR(optimizer(), 0.1, -1.0, total_epochs=3), ValueError, "end_lr must be >= 0"),
    (lambda: ReduceLROnPlateau(optimizer(), factor=1.0), ValueError, r"factor must be in \(0, 1\)"),
    (lambda: ReduceLROnPlateau(optimizer(), patience=-1), ValueError, "patience"),
    (lambda: StepLR(optimizer(), step_size=2.0), TypeError, "^step_size must be an int, got float"),
    (lambda: StepLR(optimizer(), step_size=2, gamma=math.inf), ValueError,
     "^gamma must be a finite number"),
    (lambda: LinearLR(optimizer(), 0.1, 0.0, total_epochs=True), TypeError,
     "^total_epochs must be an int, got bool"),
    (lambda: ReduceLROnPlateau(optimizer(), threshold=math.nan), ValueError,
     "^threshold must be a finite number"),
])
def test_bad_schedule_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


# --- test_nn_optim.py merged in ----------------------------------------


def steps_to_reach_minimum(optimizer_factory, max_steps=20000):
    """``steps_to_minimum``, None when it never gets there."""
    steps = steps_to_minimum(optimizer_factory, max_steps)
    return None if steps == math.inf else steps


def test_momentum_and_nesterov_reach_the_rosenbrock_minimum_sooner():
    plain = steps_to_reach_minimum(lambda p: SGD(p, lr=1e-3))
    momentum = steps_to_reach_minimum(lambda p: SGD(p, lr=1e-3, momentum=0.9))
    nesterov = steps_to_reach_minimum(lambda p: SGD(p, lr=1e-3, momentum=0.9, nesterov=True))
    assert momentum is not None and plain is not None
    assert momentum < plain / 3
    assert nesterov is not None and nesterov < plain / 3


def test_adam_at_a_smaller_rate_reaches_the_rosenbrock_minimum():
    assert steps_to_reach_minimum(lambda p: Adam(p, lr=0.02)) is not None


def test_sgd_update_formula_with_momentum_and_weight_decay():
    w = Value(2.0)
    opt = SGD([w], lr=0.1, momentum=0.5, weight_decay=0.01)
    w.grad = 3.0
    opt.step()  # v = -0.1 * (3 + 0.02) ; w = 2 + v
    v1 = -0.1 * (3.0 + 0.01 * 2.0)
    assert w.data == pytest.approx(2.0 + v1, rel=1e-15)
    w_before = w.data
    opt.step()  # same grad again
    v2 = 0.5 * v1 - 0.1 * (3.0 + 0.01 * w_before)
    assert w.data == pytest.approx(w_before + v2, rel=1e-15)


def test_adam_first_step_moves_by_lr():
    w = Value(1.0)
    opt = Adam([w], lr=0.01)
    w.grad = 123.0
    opt.step()  # bias-corrected: m/sqrt(v) = sign(g)
    assert w.data == pytest.approx(1.0 - 0.01, rel=1e-7)


def test_zero_grad():
    a = Value(1.0)
    a.grad = 5.0
    SGD([a], lr=0.1).zero_grad()
    assert a.grad == 0.0


@pytest.mark.parametrize("make,match", [
    (lambda: SGD([], lr=0.1), "empty"),
    (lambda: SGD([1.0], lr=0.1), "not a Value"),
    (lambda: SGD([Value(1.0) * 2], lr=0.1), "leaves"),
    (lambda: SGD([Value(1.0)], lr=-1), "lr must be > 0"),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=2), "momentum"),
    (lambda: SGD([Value(1.0)], lr=0.1, nesterov=True), "nesterov"),
    (lambda: Adam([Value(1.0)], betas=(0.9, 1.5)), "betas"),
])
def test_bad_optimizer_arguments_name_them(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def _lrs(schedule, n, metrics=None):
    out = [schedule.lr]
    for i in range(n):
        schedule.step(None if metrics is None else metrics[i])
        out.append(schedule.lr)
    return out


def _opt(lr=0.8):
    return SGD([Value(0.0)], lr=lr)


def test_schedules_follow_their_formulas():
    assert _lrs(ConstantLR(_opt()), 3) == [0.8] * 4
    assert _lrs(StepLR(_opt(), step_size=2), 5) == [0.8, 0.8, 0.4, 0.4, 0.2, 0.2]
    assert _lrs(InverseTimeLR(_opt(), a=1.0, b=2.0), 3) == [1 / 2, 1 / 3, 1 / 4, 1 / 5]
    assert _lrs(LinearLR(_opt(), 1.0, 0.0, total_epochs=4), 5) == [1, 0.75, 0.5, 0.25, 0, 0]


def test_reduce_on_plateau_halves_after_patience():
    s = ReduceLROnPlateau(_opt(1.0), patience=2)
    lrs = _lrs(s, 7, metrics=[1.0, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5])
    assert lrs == [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    with pytest.raises(ValueError, match="metric"):
        s.step()


def test_schedule_drives_the_optimizer():
    opt = _opt(1.0)
    StepLR(opt, step_size=1).step()
    assert opt.lr == 0.5



def test_numpy_numbers_are_accepted_wherever_python_numbers_are():
    """StepLR(step_size=np.int64(2)) was refused (issue 19 item 12)."""
    p = Value(1.0)
    sgd = SGD([p], lr=np.float32(0.5), momentum=np.float64(0.5), nesterov=np.bool_(True))
    adam = Adam([Value(1.0)], lr=np.float64(0.1), betas=(np.float32(0.5), 0.75),
                eps=np.float64(1e-8))
    assert (sgd.lr, adam.betas) == (0.5, (0.5, 0.75))
    assert type(sgd.lr) is float and type(sgd.nesterov) is bool
    StepLR(sgd, step_size=np.int64(2), gamma=np.float32(0.5))
    LinearLR(sgd, np.float32(0.1), 0, total_epochs=np.int16(3))
    plateau = ReduceLROnPlateau(adam, factor=np.float64(0.5), patience=np.int64(0))
    plateau.step(np.float32(1.0))
    plateau.step(np.float64(2.0))
    assert adam.lr == 0.05
    sgd.lr = np.int64(1)
    assert sgd.lr == 1.0 and type(sgd.lr) is float


def test_a_step_starts_from_the_parameters_numbers_even_if_one_was_assigned_since():
    """A step keeps the array it wrote for the next step (no Value asked), as long as no
    leaf's .data changed since; an assignment in between is always honoured."""
    p, q = Value(1.0), Value(2.0)
    opt = SGD([p, q], lr=0.5)
    p.grad = q.grad = 1.0
    opt.step()
    opt.step()  # from the kept array
    assert (p.data, q.data) == (0.0, 1.0)
    q.data = 5.0  # an assignment between steps
    opt.step()
    assert (p.data, q.data) == (-0.5, 4.5)
    other = Value(3.0)
    other.data = 4.0  # any leaf changing makes the next step read the Values again
    p.data = 10.0
    opt.step()
    assert (p.data, q.data) == (9.5, 4.0)


# --- a compiled step holds the parameters in arrays between steps (autograd/replay/held.py) --

@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01),
                                  lambda p: SGD(p, lr=0.1, nesterov=True, momentum=0.5),
                                  lambda p: Adam(p, lr=0.03, weight_decay=0.01)])
def test_compiled_steps_on_held_arrays_equal_eager_steps_with_reads_and_assignments(make):
    """zero_grad, value_and_grad and step work on the held arrays (no Value is touched);
    reading a parameter between steps, or assigning one, gives and uses the truth: the
    weights after every step are the eager ones to 1e-12."""
    X = np.linspace(-1, 1, 12).reshape(6, 2)
    Y = np.sin(X.sum(axis=1))
    ours, theirs = MLP(2, [5, 1], activation="tanh", rng=3), MLP(2, [5, 1], activation="tanh",
                                                                 rng=3)
    opt_ours, opt_theirs = make(ours.parameters()), make(theirs.parameters())
    program = compile(lambda x, y: mse([ours(x)], [y]))
    for step in range(8):
        opt_ours.zero_grad()
        program.value_and_grad(X, Y)
        opt_ours.step()
        loss = mse([theirs(x) for x in X], Y)
        opt_theirs.zero_grad()
        loss.backward()
        opt_theirs.step()
        if step == 2:  # held for the last steps: nothing was written to the Values
            assert held.holder() is not None and held.holder().used
        if step == 4:  # a read between steps
            assert ours.parameters()[3].data == pytest.approx(theirs.parameters()[3].data,
                                                              rel=1e-12)
        if step == 5:  # an assignment between steps: the next step starts from it
            ours.parameters()[0].data = theirs.parameters()[0].data = 0.3
    assert held.holder() is not None  # still held: the comparison below writes back
    # a held parameter is a Value (a subclass): a model takes it as an input
    inputs = ours.parameters()[:2]
    assert isinstance(inputs[0], Value) and type(inputs[0]) is not Value
    assert ours(inputs).data == pytest.approx(theirs(theirs.parameters()[:2]).data, rel=1e-12)
    assert np.allclose([p.data for p in ours.parameters()],
                       [p.data for p in theirs.parameters()], rtol=1e-12, atol=1e-14)
    assert np.allclose([p.grad for p in ours.parameters()],
                       [p.grad for p in theirs.parameters()], rtol=1e-12, atol=1e-14)
    assert held.holder() is None
