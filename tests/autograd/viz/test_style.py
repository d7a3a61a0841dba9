"""autograd.viz.style: how numbers look in drawings, captions and tables."""

from autograd import Value
from autograd.viz import draw_graph
from autograd.viz.style import fmt as _fmt


def test_numbers_have_no_negative_zero_and_small_ones_are_not_zero():
    assert _fmt(-0.0) == _fmt(0.0) == "0.0000"
    assert _fmt(-3e-7) == "-3.000e-07" and _fmt(2.5e-5) == "2.500e-05"
    assert _fmt(0.12345678) == "0.1235" and _fmt(-1.5) == "-1.5000"
    assert _fmt(float("nan")) == "nan" and _fmt(float("-inf")) == "-inf"
    x = Value(-0.0, label="x")
    src = draw_graph(x * 2.0).source
    assert "-0.0000" not in src
