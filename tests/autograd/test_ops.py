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


# --- every op at its special points: first and second order, floats and Values ----------------
# (issue 19 item 1) The same local-gradient rule runs on floats (backward()) and on Values
# (create_graph=True). A rule that branched with ``x == 0`` compared identities on Values,
# so abs''(0) was 1 and 0 ** 0 raised under create_graph. Each op of the table is checked at
# its kinks and edges: first order on floats and on Values agree, and the second order is
# PyTorch's (float64), except where the README states another convention (below).

from autograd import local_gradients, ops  # noqa: E402

INF = math.inf

# Every op of the table at its special points: (op, constant, points).
SPECIAL_POINTS = {
    ops.ADD: (None, [(0.0, 0.0), (1.0, -1.0)]),
    ops.SUB: (None, [(0.0, 0.0), (1.0, 1.0)]),
    ops.MUL: (None, [(0.0, 0.0), (0.0, 2.0), (-1.0, 0.0)]),
    ops.DIV: (None, [(0.0, 1.0), (1.0, -1.0), (-2.0, 0.5)]),
    ops.POW: (None, [(0.0, 0.0), (0.0, 1.0), (0.0, 2.0), (0.0, 3.0), (1.5, 0.0), (-2.0, 2.0),
                     (-2.0, 3.0), (-0.5, 2.0), (1.0, 0.0)]),
    ops.SUM: (None, [(0.0, 0.0), (1.0, -1.0, 0.0)]),
    ops.MAX: (None, [(1.0, 2.0), (0.0, -1.0, 0.5), (1.0, 1.0), (-1.0, -1.0, -2.0)]),
    ops.MIN: (None, [(1.0, 2.0), (0.0, -1.0, 0.5), (1.0, 1.0), (2.0, 2.0, 3.0)]),
    ops.LOGSUMEXP: (None, [(0.0, 0.0), (1.0, -1.0, 0.0), (30.0, -30.0)]),
    ops.NEG: (None, [0.0, 1.0]),
    ops.POWC: (2.0, [0.0, -1.0, 1.0]),
    ops.ABS: (None, [0.0, 1.0, -1.0]),
    ops.EXP: (None, [0.0, -1.0]),
    ops.LOG: (None, [1.0, 0.5]),
    ops.SQRT: (None, [1.0, 0.25]),
    ops.TANH: (None, [0.0, 1.0]),
    ops.SIGMOID: (None, [0.0, -1.0]),
    ops.RELU: (None, [0.0, 1.0, -1.0]),
    ops.LEAKY_RELU: (0.01, [0.0, 1.0, -1.0]),
    ops.SOFTPLUS: (None, [0.0, -1.0]),
    ops.SOFTSIGN: (None, [0.0, 1.0, -1.0]),
    ops.HARDTANH: (None, [-1.0, 1.0, 0.0, 2.0, -2.0]),
    ops.STEP: (None, [0.0, 1.0, -1.0]),
    ops.SIGN: (None, [0.0, 1.0, -1.0]),
}
# x ** k at its edges, k = 0, 1, 3 and a negative power: more constants than the one above
POWERS = [(0.0, [0.0, 1.0]), (1.0, [0.0, -1.0]), (3.0, [0.0, -1.0]), (-1.0, [-1.0, 2.0])]


def _torch_forms(torch):
    """Each op written in PyTorch (the ``torch`` fixture: the test extra installs
    torch==2.13.0, CPU)."""
    return {
        ops.ADD: lambda a, b: a + b, ops.SUB: lambda a, b: a - b, ops.MUL: lambda a, b: a * b,
        ops.DIV: lambda a, b: a / b, ops.POW: lambda a, b: a ** b,
        ops.SUM: lambda *xs: torch.stack(xs).sum(),
        ops.MAX: lambda *xs: torch.stack(xs).max(), ops.MIN: lambda *xs: torch.stack(xs).min(),
        ops.LOGSUMEXP: lambda *xs: torch.logsumexp(torch.stack(xs), 0),
        ops.NEG: lambda x, k: -x, ops.POWC: lambda x, k: x ** k, ops.ABS: lambda x, k: x.abs(),
        ops.EXP: lambda x, k: x.exp(), ops.LOG: lambda x, k: x.log(),
        ops.SQRT: lambda x, k: x.sqrt(),
        ops.TANH: lambda x, k: x.tanh(), ops.SIGMOID: lambda x, k: x.sigmoid(),
        ops.RELU: lambda x, k: x.relu(),
        ops.LEAKY_RELU: lambda x, k: torch.nn.functional.leaky_relu(x, k),
        ops.SOFTPLUS: lambda x, k: torch.nn.functional.softplus(x),
        ops.SOFTSIGN: lambda x, k: torch.nn.functional.softsign(x),
        ops.HARDTANH: lambda x, k: torch.nn.functional.hardtanh(x),
        ops.STEP: lambda x, k: (x > 0).to(x.dtype) + 0 * x,  # torch.heaviside has no gradient
        ops.SIGN: lambda x, k: x.sign(),
    }


def _apply(op, k, values):
    bound = op.with_arg(k) if k is not None else op
    return Value.apply(bound, *values) if op.arity else Value.apply(bound, list(values))


def _ours(op, k, point):
    """(first derivatives from backward(), first from create_graph, Hessian rows)."""
    xs = [Value(x) for x in point]
    _apply(op, k, xs).backward()
    first = [x.grad for x in xs]
    xs = [Value(x) for x in point]
    graph_first = grad(_apply(op, k, xs), xs, create_graph=True)
    hessian = [grad(g, xs) for g in graph_first]
    return first, [g.data for g in graph_first], hessian


def _torch(torch, op, k, point):
    forms = _torch_forms(torch)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    out = forms[op](*ts) if op.arity != 1 else forms[op](ts[0], k)
    first = torch.autograd.grad(out, ts, create_graph=True)
    hessian = []
    for g in first:
        row = torch.autograd.grad(g, ts, allow_unused=True, retain_graph=True) \
            if g.requires_grad else [None] * len(ts)
        hessian.append([0.0 if h is None else h.item() for h in row])
    return [g.item() for g in first], hessian


def _convention(op, k, point, first, hessian):
    """Where the README chooses another convention than PyTorch, the README's numbers.

    - max/min at a tie send the gradient to the first extreme input (PyTorch splits it);
    - ``x ** y`` at ``x = 0``: d/dy is 0 (the limit of x^y ln x), and at ``y = 0`` d/dx
      is 0 (also at 0 ** 0), so the derivatives of those constants are 0 too (PyTorch's
      are nan, an artefact of its masked formula)."""
    if op in (ops.MAX, ops.MIN) and len(set(point)) < len(point):
        extreme = max(point) if op is ops.MAX else min(point)
        hit = point.index(extreme)
        first = [1.0 if i == hit else 0.0 for i in range(len(point))]
        hessian = [[0.0] * len(point) for _ in point]
    if op is ops.POW and point[0] == 0.0:
        hessian[1] = [0.0, 0.0]
        if point[1] != 1.0:
            hessian[0][1] = 0.0
    if op is ops.POW and point[1] == 0.0:
        hessian[0] = [0.0, 0.0]
    return first, hessian


def _same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12, abs=1e-12)


def _cases():
    for op, (k, points) in SPECIAL_POINTS.items():
        for p in points:
            yield op, k, p if isinstance(p, tuple) else (p,)
    for k, points in POWERS:
        for p in points:
            yield ops.POWC, k, (p,)


CASES = list(_cases())
CASE_IDS = [f"{op.name}{'' if k is None else f'({k:g})'}@{p}" for op, k, p in CASES]


@pytest.mark.parametrize("op,k,point", CASES, ids=CASE_IDS)
def test_first_and_second_order_at_special_points_match_torch(op, k, point, torch):
    first, graph_first, hessian = _ours(op, k, point)
    assert all(_same(a, b) for a, b in zip(first, graph_first)), (first, graph_first)
    want_first, want_hessian = _convention(op, k, list(point), *_torch(torch, op, k, point))
    assert all(_same(a, b) for a, b in zip(first, want_first)), (first, want_first)
    for row, want in zip(hessian, want_hessian):
        assert all(_same(a, b) for a, b in zip(row, want)), (hessian, want_hessian)


@pytest.mark.parametrize("op", ops.ALL_OPS, ids=lambda op: op.name)
def test_every_rule_gives_the_same_numbers_on_floats_and_on_values(op):
    """The class of bug behind abs''(0) = 1: a rule must branch on numbers. Every op's
    local gradients at its special points, evaluated on floats and on Values."""
    k, points = SPECIAL_POINTS[op]
    for p in points:
        node = _apply(op, k, [Value(x) for x in (p if isinstance(p, tuple) else (p,))])
        on_floats = local_gradients(node)
        on_values = [getattr(d, "data", d) for d in local_gradients(node, create_graph=True)]
        assert all(_same(a, b) for a, b in zip(on_floats, on_values)), (p, on_floats, on_values)


@pytest.mark.parametrize("build,point", [
    (lambda x: x.sqrt(), 0.0), (lambda x: x ** 0.5, 0.0), (lambda x: x ** 1.5, 0.0)])
def test_an_infinite_derivative_raises_in_both_orders(build, point):
    """Where PyTorch's first or second derivative is infinite (sqrt at 0), the engine raises
    the same clear error on floats and under create_graph (the README: never a silent inf)."""
    x = Value(point)
    with pytest.raises(ZeroDivisionError, match="local gradient"):
        first = grad(build(x), x, create_graph=True)
        grad(first, x)
