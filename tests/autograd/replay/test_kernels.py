"""autograd/replay/kernels.py: every op of the engine's table over (nodes x batch) arrays
gives the eager engine's values, local gradients, conventions at kinks, NaNs and errors.

The oracle is the eager engine itself (``compare.eager``): the graph of every sample,
reduced, then backward().
"""

import itertools
import math

import numpy as np
import pytest

from autograd import Value, apply, compile, local_gradients, ops
from autograd.replay import array_rules
from autograd.replay.kernels import ARRAY_RULES, NARY_REDUCTIONS
from tests.autograd.oracles import BINARY, UNARY
from tests.autograd.replay.compare import assert_same, eager, inputs_between, replayed

OP_NAMES = {op: name for name, op in vars(ops).items() if isinstance(op, ops.Op)}

# --- one row per op: each op of the table has its array rule ---------------------------------


@pytest.mark.parametrize("op", ops.ALL_OPS, ids=OP_NAMES.get)
def test_every_op_of_the_table_has_its_array_rule(op):
    if op.arity == 0:  # n-ary: a step of its own (row sums or a segment reduction)
        assert op in NARY_REDUCTIONS, f"{OP_NAMES[op]} has no row in kernels.NARY_REDUCTIONS"
        assert op.name in ("sum", "max", "min", "logsumexp")
    else:
        assert op in ARRAY_RULES, f"{OP_NAMES[op]} has no row in kernels.ARRAY_RULES"
        forward, local, how = array_rules(op)
        assert callable(forward) and callable(local) and how == ""


def test_the_array_tables_have_rows_for_the_table_s_ops_only():
    assert set(ARRAY_RULES) | set(NARY_REDUCTIONS) == set(ops.ALL_OPS)
    assert not set(ARRAY_RULES) & set(NARY_REDUCTIONS)
    with pytest.raises(NotImplementedError, match="no array rule for op 'nope'"):
        array_rules(ops.Op("nope", 1, lambda x, a: x, lambda x, out, a: 1.0))


# A few points per op, inside its domain and off its kinks (the kinks have a test of their
# own below), and the constant the op is bound to where it takes one. A new op of the table
# needs its row here too.
CASES = {
    ops.ADD: (None, [(0.3, -1.2), (2.0, 0.5), (-4.0, -0.25)]),
    ops.SUB: (None, [(0.3, -1.2), (2.0, 0.5), (-4.0, -0.25)]),
    ops.MUL: (None, [(0.3, -1.2), (2.0, 0.5), (-4.0, -0.25)]),
    ops.DIV: (None, [(0.3, -1.2), (2.0, 0.5), (-4.0, 3.0)]),
    ops.POW: (None, [(0.5, 1.5), (2.0, -0.5), (3.0, 2.0)]),
    ops.SUM: (None, [(0.3, -1.2, 2.0), (1.0, 1.0, -3.0), (-0.5, 4.0, 0.25)]),
    ops.MAX: (None, [(0.3, -1.2, 2.0), (1.0, 1.0, -3.0), (-0.5, -4.0, -0.25)]),  # a tie: first
    ops.MIN: (None, [(0.3, -1.2, 2.0), (-3.0, 1.0, -3.0), (-0.5, -4.0, -0.25)]),
    ops.LOGSUMEXP: (None, [(0.3, -1.2, 2.0), (1.0, 1.0, -3.0), (40.0, -40.0, 39.0)]),
    ops.NEG: (None, [-1.3, 0.4, 2.5]),
    ops.POWC: (-1.5, [0.3, 1.0, 4.0]),
    ops.ABS: (None, [-1.3, 0.4, 2.5]),
    ops.EXP: (None, [-1.3, 0.4, 2.5]),
    ops.LOG: (None, [0.2, 1.0, 7.5]),
    ops.SQRT: (None, [0.2, 1.0, 7.5]),
    ops.TANH: (None, [-1.3, 0.4, 2.5]),
    ops.SIGMOID: (None, [-30.0, -1.3, 0.4, 25.0]),
    ops.RELU: (None, [-1.3, 0.4, 2.5]),
    ops.LEAKY_RELU: (0.2, [-1.3, 0.4, 2.5]),
    ops.SOFTPLUS: (None, [-30.0, -1.3, 0.4, 25.0]),
    ops.SOFTSIGN: (None, [-1.3, 0.4, 2.5]),
    ops.HARDTANH: (None, [-1.3, -0.9, 0.4, 2.5]),
    ops.STEP: (None, [-1.3, 0.4, 2.5]),
    ops.SIGN: (None, [-1.3, 0.4, 2.5]),
}


@pytest.mark.parametrize("op", ops.ALL_OPS, ids=OP_NAMES.get)
def test_each_op_replays_its_eager_value_and_local_gradients(op):
    assert op in CASES, f"add a few points for {OP_NAMES[op]} to CASES"
    arg, points = CASES[op]
    bound = op if arg is None else op.with_arg(arg)
    X = np.array(points, dtype=float).reshape(len(points), -1)
    w = [Value(0.0, label=f"w{j}") for j in range(X.shape[1])]  # x_j + w_j: d/dw_j = local_j

    def node(us):
        return apply(bound, us) if op.arity == 0 else apply(bound, *us)

    def fn(x):
        return node([xj + wj for xj, wj in zip(x, w)])

    program = compile(fn)
    values = program(X)
    for i, row in enumerate(X):
        expected = node([Value(float(x)) for x in row])
        local = np.array(local_gradients(expected), dtype=float)
        assert values[i] == pytest.approx(expected.data, rel=1e-13, abs=1e-15)
        for p in w:
            p.grad = 0.0
        assert program.value_and_grad(X[i:i + 1]) == pytest.approx(expected.data, rel=1e-13,
                                                                    abs=1e-15)
        np.testing.assert_allclose([p.grad for p in w], local, rtol=1e-12, atol=1e-15)
    assert_same(eager(fn, w, X, reduction="sum"), replayed(fn, w, X, reduction="sum"))


# --- every op, per sample and over the batch ------------------------------------------------


@pytest.mark.parametrize("fuse", [True, False])
@pytest.mark.parametrize("entry", UNARY, ids=lambda e: e.name)
def test_unary_ops_match_eager(entry, fuse):
    # w + x is per sample and carries the gradient to w; the op also runs on the
    # parameter alone (same for every sample) and on a per-sample product
    w, c = Value(0.0, label="w"), Value(0.5, label="c")
    X = inputs_between(entry.low, entry.high, entry.avoid)

    def fn(x):
        return entry.on_value(x[0] + w) + entry.on_value(c + 0.25) * x[0]

    assert_same(eager(fn, [w, c], X), replayed(fn, [w, c], X, fuse=fuse))
    values = compile(lambda x: entry.on_value(x[0]))(X)
    np.testing.assert_allclose(values, [entry.on_float(float(x)) for x in X[:, 0]],
                               rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("entry", [e for e in UNARY if e.avoid], ids=lambda e: e.name)
def test_kinks_follow_the_engines_conventions(entry):
    # exactly at a kink (relu'(0) = 0, abs'(0) = 0, hardtanh'(1) = 0, max ties: first)
    w = Value(0.0)
    X = np.array([[p + d] for p in entry.avoid for d in (0.0, -0.0, 1e-300, -1e-300)])

    def fn(x):
        return entry.on_value(x[0] + w)

    assert_same(eager(fn, [w], X, reduction="sum"), replayed(fn, [w], X, reduction="sum"))
    for x in X:  # sample by sample, so one wrong sample can't hide in a sum
        assert_same(eager(fn, [w], x[None]), replayed(fn, [w], x[None], fuse=False))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("entry", BINARY, ids=lambda e: e.name)
def test_binary_ops_match_eager(entry, reduction):
    a, b = Value(0.0, label="a"), Value(0.0, label="b")
    X = inputs_between(entry.low, entry.high, (), columns=2)
    if entry.nonzero_second:
        X[:, 1] = np.where(np.abs(X[:, 1]) < 0.1, 0.5, X[:, 1])

    def fn(x):
        return entry.on_value(x[0] + a, x[1] + b) + entry.on_value(x[0] + a, b + 0.5 * entry.high)

    assert_same(eager(fn, [a, b], X, reduction=reduction),
                replayed(fn, [a, b], X, reduction=reduction))


def test_nary_max_min_logsumexp_match_eager_with_ties():
    w = [Value(v) for v in (0.3, -0.2, 0.3)]
    X = np.array([[0.3, 1.0], [0.1, 0.1], [-2.0, 5.0], [0.3, 0.3]])  # ties go to the first

    def fn(x):
        mixed = [x[0], w[0], x[1], w[2]]
        return (Value.max(mixed) * 2 + Value.min(mixed) + Value.logsumexp([x[0] * w[1], *w, x[1]])
                + Value.max(w) * x[0] + Value.logsumexp(w))

    assert_same(eager(fn, w, X), replayed(fn, w, X, fuse=False))
    assert_same(eager(fn, w, X), replayed(fn, w, X))


def test_logsumexp_of_huge_logits_is_finite():
    program = compile(lambda z: Value.logsumexp(z))
    out = program(np.array([[1000.0, -1000.0, 999.0], [-1e300, -1e300, -1e300]]))
    assert out[0] == pytest.approx(1000 + math.log1p(math.exp(-1)), rel=1e-15)
    assert out[1] == pytest.approx(-1e300 + math.log(3), rel=1e-15)


# --- domain errors and NaN ------------------------------------------------------------------


def test_domain_errors_name_the_sample():
    with pytest.raises(ValueError, match=r"log: expected a positive number, got -1\.0 "
                                         r"\(sample 2 of the batch\)"):
        compile(lambda x: x.log())(np.array([1.0, 2.0, -1.0]))
    with pytest.raises(ZeroDivisionError, match=r"division by zero.*sample 1"):
        compile(lambda x: 1.0 / x)(np.array([1.0, 0.0]))
    w = Value(0.0)
    with pytest.raises(ZeroDivisionError, match=r"sqrt: the local gradient is not defined"):
        compile(lambda x: (x * w).sqrt()).value_and_grad(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="not a real number"):
        compile(lambda x: x ** 0.5)(np.array([-1.0]))


def test_nan_propagates_through_the_replay_as_through_the_engine():
    """A NaN input gives the same NaNs, values and gradients, compiled and eager."""
    w = Value(0.5, label="w")

    def f(row):
        x, y = row
        return (Value.max([x, y]) * w).relu() + (x * w).leaky_relu(0.1) + abs(y).step() \
            + Value.min([y, x]) * w

    X = np.array([[np.nan, 1.0], [2.0, np.nan], [1.0, 3.0]])
    program = compile(f)
    got = program(X)
    for row, value in zip(X, got):
        eager = f([Value(row[0]), Value(row[1])]).data
        assert (math.isnan(eager) and math.isnan(value)) or eager == value
    w.grad = 0.0
    loss = program.value_and_grad(X, reduction="sum")
    compiled_grad = w.grad
    w.grad = 0.0
    total = Value.sum([f([Value(a), Value(b)]) for a, b in X])
    total.backward()
    assert math.isnan(loss) and math.isnan(total.data)
    assert math.isnan(compiled_grad) and math.isnan(w.grad)


def test_a_nan_makes_every_nary_op_nan_wherever_it_sits_compiled_as_eager():
    """Value.logsumexp([inf, nan]) was inf eagerly and nan compiled (issue 19 item 3)."""
    rows = np.array([list(p) for p in itertools.permutations([math.inf, math.nan, 1.0])])
    for reduce in (Value.sum, Value.max, Value.min, Value.logsumexp):
        got = compile(reduce)(rows)
        eager_values = [reduce([Value(x) for x in row]).data for row in rows]
        assert np.isnan(got).all() and all(math.isnan(v) for v in eager_values)


def test_a_negative_base_to_an_infinite_or_nan_power_replays_as_eager():
    """C's pow, as torch: (-0.5) ** inf is 0; only a finite non-integer power of a negative
    base is refused (the replay refused a NaN exponent while the engine did not)."""
    X = np.array([[-0.5, math.inf], [-2.0, math.inf], [-1.0, -math.inf], [-2.0, math.nan]])
    got = compile(lambda row: row[0] ** row[1])(X)
    want = [(Value(a) ** Value(b)).data for a, b in X]
    assert np.array_equal(got, want, equal_nan=True)
    assert np.array_equal(compile(lambda x: x ** math.inf)(X[:, 0]),
                          [(Value(a) ** math.inf).data for a in X[:, 0]])
