"""The network view of a backward pass: one step per neuron, output layer first,
the lecture's deltas read off the real pass (δ = u.grad, ∂E/∂w = δ·y = w.grad)."""

import pytest
from test_trace import _node_positions

import nn
from autograd import backward_trace


def test_network_view_shows_the_lectures_deltas():
    model = nn.MLP(2, [3, 2, 1], activation="tanh", rng=1)
    out = model([0.4, -0.7])
    loss = (out - 0.25) ** 2
    trace = backward_trace(loss, module=model, collapse="neuron")
    steps = trace.neuron_steps
    assert len(trace) == len(steps) == 6
    assert [s.layer for s in steps] == [2, 1, 1, 0, 0, 0]  # from the output back
    by_name = {s.name: s for s in steps}
    # output: delta = dE/dy * f'(u) = 2 (y - t) * 1 (linear output)
    o = by_name["L2N0"]
    assert o.delta == o.u.grad and o.fprime == 1.0
    assert o.delta == pytest.approx(2 * (out.data - 0.25), rel=1e-15)
    # hidden: delta_j = f'(u_j) * sum_k w_kj delta_k, from the weights, independently
    for layer in (1, 0):
        above = model.layers[layer + 1]
        for j in range(len(model.layers[layer].neurons)):
            s = by_name[f"L{layer}N{j}"]
            total = sum(n.w[j].data * by_name[f"L{layer + 1}N{k}"].delta
                        for k, n in enumerate(above.neurons))
            assert s.fprime == pytest.approx(1 - s.y.data ** 2, rel=1e-14)  # tanh'
            assert s.delta == pytest.approx(s.fprime * total, rel=1e-13, abs=1e-16)
            assert s.delta == s.u.grad  # the number shown is backward()'s own
            for w, x, g in s.weight_grads:  # dE/dw_ij = delta_j y_i, equal to w.grad
                assert g == s.delta * x.data == w.grad
            assert s.bias_grad == s.delta == model.layers[layer].neurons[j].b.grad
    # the scalar step at which each neuron's delta is complete, for the view toggle
    data = trace.frame_data()
    assert data["sync"][0] == 0 and all(0 < k <= len(trace.steps) for k in data["sync"][1:])
    assert "δ = ∂E/∂u" in trace.caption(1) and "from the loss" in trace.caption(1)
    assert "Σ_k w_k δ_k" in trace.caption(3)
    assert trace.text().splitlines()[0].split()[:3] == ["step", "neuron", "f'(u)"]
    assert len(trace.table(view="scalar")) == len(trace.steps)


@pytest.mark.parametrize("loss_of", [lambda s: s.softplus() - 1.0 * s,   # bce on a logit
                                     lambda s: (1 - s).relu()],        # max_margin
                         ids=["bce", "max_margin"])
def test_a_loss_op_on_a_linear_output_is_not_the_neurons_activation(loss_of):
    """The output neuron is linear: the loss's softplus or relu applied to its u
    belongs to the loss, not to the neuron (it showed as "L1N0 softplus")."""
    model = nn.MLP(2, [3, 1], activation="tanh", rng=0)
    out = model([0.5, -1.0])
    trace = backward_trace(loss_of(out), module=model, collapse="neuron")
    by_name = {s.name: s for s in trace.neuron_steps}
    output = by_name["L1N0"]
    assert output.y is output.u is out and output.fprime == 1.0
    assert output.delta == out.grad
    assert all(by_name[f"L0N{j}"].y.op == "tanh" for j in range(3))


def test_network_view_frames_keep_their_layout():
    model = nn.MLP(2, [3, 1], rng=0)
    loss = (1 - model([0.5, 0.5])).relu()
    trace = backward_trace(loss, module=model)
    boxes = _node_positions(trace.frame(0, view="neuron").svg())
    for k in (1, 2, len(trace.neuron_steps)):
        drawing = trace.frame(k, view="neuron")
        assert _node_positions(drawing.svg()) == boxes
    assert "∂E/∂w" in trace.frame(1, view="neuron").source  # weight gradients on the edges


def test_a_single_neuron_module_and_neurons_that_take_no_part():
    neuron = nn.Neuron(2, activation="sigmoid", rng=3)
    out = neuron([1.0, -2.0])
    trace = backward_trace(out, module=neuron, collapse="neuron")
    (step,) = trace.neuron_steps
    assert step.delta == step.u.grad == pytest.approx(out.data * (1 - out.data), rel=1e-14)
    assert step.bias_grad == step.delta and len(step.weight_grads) == 2
    model = nn.MLP(2, [2, 1], rng=0)
    unrelated = nn.MLP(2, [3], rng=1)
    with pytest.raises(ValueError, match="found no neurons"):
        backward_trace(model([1.0, 2.0]), module=unrelated, collapse="neuron").table()
