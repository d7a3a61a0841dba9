"""autograd/_untrack.c: nodes that cannot be in a reference cycle are not scanned by
Python's cyclic collector; nodes that might be (a user's op, a subclass with a
``__dict__``, anything downstream of them) stay tracked, and their cycles are collected.
Without the extension (no C compiler, Pyodide) the engine gives the same numbers."""

import gc
import math
import weakref

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, engine, linear, no_grad, topological_order


def test_the_extension_is_built():
    """CI builds it (setup.py marks it optional so that an install without a C compiler
    still works; then everything below but the untracking itself still holds)."""
    from autograd import _untrack
    assert engine.acyclic is _untrack.acyclic


def test_every_node_of_the_table_s_ops_is_untracked():
    a, b = Value(2.0, label="a"), Value(-3.0)
    made = [a * b, a + 1, 2 - b, a / b, a ** 3, a ** b, -a, abs(b), a.exp(), a.log(),
            a.sqrt(), a.tanh(), a.sigmoid(), b.relu(), b.leaky_relu(0.1), a.softplus(),
            Value.sum([a, b, 1.0]), Value.max([a, b]), Value.logsumexp([a, b]),
            linear([a, b], [b, a], a), autograd.apply(autograd.engine.MUL, a, b)]
    with no_grad():
        made.append(a * b)  # a leaf: made with its stamp and no inputs
    for v in [a, b, *made]:
        assert not gc.is_tracked(v), v
    for v in made:
        if v.op in ("sum", "max", "logsumexp"):
            assert not gc.is_tracked(v._x)  # an n-ary node's tuple of inputs too


def test_a_graph_of_any_size_adds_nothing_for_the_collector_to_scan():
    """What made building cost grow with the graph: every node stayed in the lists the
    collector rescans. Now the count of tracked objects does not grow with the graph."""
    gc.collect()
    before = len(gc.get_objects())
    x, w = Value(1.0), Value(0.5)
    y = x
    for _ in range(100_000):
        y = (y * w).tanh()
    assert len(gc.get_objects()) - before < 100
    y.backward()
    assert x.grad == pytest.approx(math.prod(
        0.5 * (1 - v.data ** 2) for v in topological_order(y) if v.op == "tanh"), rel=1e-9)


def test_a_user_op_keeps_its_node_and_what_follows_tracked():
    twice = autograd.op("twice_untrack_test", forward=lambda x: 2 * x, local=lambda x, out: 2.0)
    x = Value(1.5)
    t = twice(x)
    after = t * x
    assert gc.is_tracked(t) and gc.is_tracked(after)  # its functions could hold anything
    after.backward()
    assert x.grad == 2 * 1.5 * 2


def test_a_cycle_through_a_subclass_is_collected():
    """A subclass with a __dict__ can refer to a node made from it: that node, and every
    node downstream, stay tracked, so the collector still frees the cycle."""
    class Named(Value):
        pass

    leaf = Named(2.0)
    middle = leaf * Value(3.0)
    top = middle.tanh()
    assert gc.is_tracked(leaf) and gc.is_tracked(middle) and gc.is_tracked(top)
    leaf.result = top  # a cycle: leaf -> top -> middle -> leaf
    alive = weakref.ref(leaf)
    del leaf, middle, top
    gc.collect()
    assert alive() is None


def test_a_subclass_without_attributes_of_its_own_is_a_node():
    class Parameter(Value):
        __slots__ = ()

    p = Parameter(2.0)
    y = p * p
    assert not gc.is_tracked(p) and not gc.is_tracked(y)


def test_a_label_is_a_str():
    """A node's label travels with its op, and a leaf keeps its own: either could hold a
    list that refers back to the node, a cycle the collector would not see."""
    v = Value(1.0)
    w = v * 2
    for node in (v, w):
        with pytest.raises(TypeError, match="Value.label must be a str, got list"):
            node.label = [node]
        node.label = "ok"
        assert node.label == "ok"
        node.label = None  # no label
        assert node.label == ""


def _numbers(root: Value) -> list:
    order = topological_order(root)
    return [(v.op, v.data, v.grad) for v in order]


STEPS = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 99), st.integers(0, 99)),
                 min_size=1, max_size=30)


def _random_graph(steps: list) -> tuple[list, Value]:
    """Leaves, then each step one node from two earlier Values (reused: diamonds)."""
    leaves = [Value(0.3), Value(-1.2), Value(2.0)]
    made = list(leaves)
    for kind, i, j in steps:
        x, y = made[i % len(made)], made[j % len(made)]
        made.append([x * y, x + y, (x * y).tanh(), x - y, Value.sum([x, y, x]),
                     linear([x, y], [y, x], x)][kind])
    return leaves, made[-1]


@settings(max_examples=60, deadline=None)
@given(STEPS)
def test_the_numbers_are_the_same_without_the_extension(steps):
    """The fallback (no compiler, Pyodide) runs the same engine with every node tracked."""
    leaves, root = _random_graph(steps)
    root.backward()
    assert not any(gc.is_tracked(v) for v in topological_order(root))
    with_it = [(v.op, v.data, v.grad) for v in topological_order(root)]
    saved = engine.acyclic
    engine.acyclic = None
    try:
        leaves, again = _random_graph(steps)
        assert all(gc.is_tracked(v) for v in topological_order(again))
        again.backward()
    finally:
        engine.acyclic = saved
    assert repr([(v.op, v.data, v.grad) for v in topological_order(again)]) == repr(with_it)
