"""Graphs that many tests build: micrograd's README expression and the README's tanh
neuron (the lectures' worked example)."""

from autograd import Value


def micrograd_expression():
    """micrograd's README expression; returns (g, a, b). micrograd's README prints
    g = 24.70408163265306, a.grad = 138.83381924198252, b.grad = 645.5772594752186
    (checked there against PyTorch)."""
    a, b = Value(-4.0, label="a"), Value(2.0, label="b")
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.label = "g"
    return g, a, b


def tanh_neuron(label_outputs: bool = True):
    """The README neuron: o = tanh(x1 w1 + x2 w2 + b) with x1=2, x2=0, w1=-3, w2=1,
    b=6.8814, so that o = 0.7071 and do/dn = 0.5. Its sum and output are labelled n and
    o, or left to their automatic names (sum1, tanh1)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = Value.sum([x1 * w1, x2 * w2, b])
    o = n.tanh()
    if label_outputs:
        n.label, o.label = "n", "o"
    return o
