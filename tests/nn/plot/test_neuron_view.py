"""The network view of a backward pass: one step per neuron, output layer first,
the lecture's deltas read off the real pass (δ = u.grad, ∂E/∂w = δ·y = w.grad)."""


import pytest
from selenium.webdriver.common.by import By

import nn
from autograd import backward_trace
from autograd.viz.style import fmt as _fmt
from tests.layout import node_positions
from tests.player import (
    CLICK_TARGETS,
    DRAWN,
    MAX_NETWORK_PAGE,
    assert_clean,
    cell_fills,
    click,
    click_dispatch,
    expected_cell,
    expected_fills,
    expected_state,
    grad_texts,
    load,
    slide,
    snapshot,
    svg_group,
    toggle,
    walk,
)


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
    o = by_name["L3N1"]
    assert o.delta == o.u.grad and o.fprime == 1.0
    assert o.delta == pytest.approx(2 * (out.data - 0.25), rel=1e-15)
    # hidden: delta_j = f'(u_j) * sum_k w_kj delta_k, from the weights, independently
    for layer in (1, 0):
        above = model.layers[layer + 1]
        for j in range(len(model.layers[layer].neurons)):
            s = by_name[f"L{layer + 1}N{j + 1}"]
            total = sum(n.w[j].data * by_name[f"L{layer + 2}N{k + 1}"].delta
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
    output = by_name["L2N1"]
    assert output.y is output.u is out and output.fprime == 1.0
    assert output.delta == out.grad
    assert all(by_name[f"L1N{j}"].y.op == "tanh" for j in range(1, 4))


def test_network_view_frames_keep_their_layout():
    model = nn.MLP(2, [3, 1], rng=0)
    loss = (1 - model([0.5, 0.5])).relu()
    trace = backward_trace(loss, module=model)
    boxes = node_positions(trace.frame(0, view="neuron").svg())
    for k in (1, 2, len(trace.neuron_steps)):
        drawing = trace.frame(k, view="neuron")
        assert node_positions(drawing.svg()) == boxes
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


def moons_network():
    X, _ = nn.data.moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], rng=0)
    for i, row in enumerate(X.tolist()):
        loss = (1 - model(row)).relu()
        if loss.data > 0:
            return model, loss, i
    raise AssertionError("no moons sample has a positive hinge loss")


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    model, loss, _ = moons_network()
    trace = backward_trace(loss, module=model)
    # the scalar view first (view 0), the neuron view second (a page opens on the neuron view)
    return trace, trace.to_html(tmp_path_factory.mktemp("network") / "network.html",
                                view="scalar")


def test_neuron_view_input_is_not_said_to_get_no_gradient(driver, network):
    trace, path = network
    names = trace.frame_data(view="neuron")["names"]
    url, root = load(driver, path)
    root.find_element(By.CSS_SELECTOR, '.glp-views button[data-view="1"]').click()
    click_dispatch(driver, svg_group(root, 1, "x0"))
    note = snapshot(driver, root, 1)["note"]
    x = next(v for v, name in trace.names.items() if name == names["x0"])
    assert x.is_leaf and x.grad != 0  # backward() did compute its gradient
    assert "gets no gradient" not in note, note
    assert_clean(driver, url)


def test_network_page_scalar_and_neuron_views(driver, network):
    trace, path = network
    assert path.stat().st_size <= MAX_NETWORK_PAGE, f"{path.stat().st_size} bytes"
    scalar, neuron = trace.frame_data(), trace.frame_data(view="neuron")
    index = trace.view("scalar").scene.index
    n_scalar, n_neuron = len(scalar["steps"]), len(neuron["steps"])
    assert n_scalar == len(trace.steps) and n_neuron == len(trace.neuron_steps)
    url, root = load(driver, path)
    assert_clean(driver, url)
    drawn = set(driver.execute_script(DRAWN, root)[0])

    # the scalar view: a few steps one by one, then jumps, each the frame Python draws
    for k in (1, 2, 3):
        click(driver, root, "next", k)
        snap = snapshot(driver, root)
        pid, text = expected_cell(trace, k)
        assert snap["nodes"][pid]["texts"][-1] == text
        assert snap["caption"] == trace.caption(k)
        # (ids the drawing lacks are left out here: test_every_id_in_the_data_is_drawn)
        assert snap["hot"] == sorted(set(scalar["steps"][k - 1]["hot"]) & drawn)
    for k in (n_scalar // 2, 17, n_scalar):
        slide(driver, root, k)
        snap = snapshot(driver, root)
        assert grad_texts(snap) == {i: t for i, t in expected_state(trace, k).items()
                                    if i[0] == "v"}
        assert cell_fills(snap) == expected_fills(trace, k)
        assert snap["caption"] == trace.caption(k)
    scalar_end = grad_texts(snap)
    assert scalar_end == {f"v{index[v]}": f"grad {_fmt(v.grad, 4)}" for v in trace.order}

    # toggle: the neuron view opens at the last neuron complete by this scalar step,
    # the scalar view at the step where the neuron's u is complete
    mid = trace.neuron_steps[4].scalar_step
    slide(driver, root, mid)
    last_done = max(s.number for s in trace.neuron_steps if s.scalar_step <= mid)
    toggle(driver, root, 1, last_done)
    toggle(driver, root, 0, trace.neuron_steps[last_done - 1].scalar_step)
    slide(driver, root, n_scalar)
    toggle(driver, root, 1, n_neuron)
    snap = snapshot(driver, root, 1)
    assert not snap["hidden"] and snapshot(driver, root, 0)["hidden"]
    assert snap["step"] == str(n_neuron) and snap["rows"] == n_neuron
    assert snap["caption"] == trace.caption(n_neuron, view="neuron")

    names = neuron["names"]
    by_name = {s.name: s for s in trace.neuron_steps}
    click(driver, root, "first", 0)
    assert set(grad_texts(snapshot(driver, root, 1), "n").values()) == {"δ not computed"}
    for k in (1, 2):
        click(driver, root, "next", k)
        assert snapshot(driver, root, 1)["caption"] == trace.caption(k, view="neuron")
    for k, snap in enumerate(walk(driver, root, 1, range(1, n_neuron + 1)), 1):
        assert snap["step"] == str(k)
        s = trace.neuron_steps[k - 1]
        (nid, text, fill), = neuron["steps"][k - 1]["set"]
        assert names[nid] == s.name
        assert text == f"δ = {_fmt(s.u.grad, 4)}"
        assert snap["nodes"][nid]["texts"][-1] == text
        assert cell_fills(snap, "n")[nid] == fill
        assert snap["caption"] == trace.caption(k, view="neuron")
        assert snap["hot"] == sorted(neuron["steps"][k - 1]["hot"])
        assert sorted(snap["wl"]) == sorted(t for _, t in neuron["steps"][k - 1]["wl"])
        assert snap["active"] == k - 1
    deltas = grad_texts(snap, "n")
    assert len(deltas) == n_neuron == len(neuron["exact"])
    for nid, delta in neuron["exact"].items():
        s = by_name[names[nid]]
        assert delta == s.u.grad == s.delta
        assert deltas[nid] == f"δ = {_fmt(delta, 4)}"
        u_id = f"v{index[next(v for v, name in trace.names.items() if name == s.name + '.u')]}"
        assert scalar["exact"][u_id] == delta
        assert scalar_end[u_id] == f"grad {_fmt(delta, 4)}"

    # and back: the scalar view at the step where that neuron's u is complete
    click(driver, root, "first", 0)
    click(driver, root, "next", 1)
    k = trace.neuron_steps[0].scalar_step
    toggle(driver, root, 0, k)
    snap = snapshot(driver, root, 0)
    assert grad_texts(snap) == {i: t for i, t in expected_state(trace, k).items() if i[0] == "v"}
    assert cell_fills(snap) == expected_fills(trace, k)
    assert snap["rows"] == n_scalar and snap["caption"] == trace.caption(k)
    assert_clean(driver, url)


def test_every_id_in_the_data_is_drawn(driver, network):
    """Each step's ``set``, ``hot`` and ``wl`` name elements of the drawing, in both views."""
    trace, path = network
    url, root = load(driver, path)
    drawn = driver.execute_script(DRAWN, root)
    missing = {}
    for view, ids in zip(("scalar", "neuron"), drawn):
        ids = set(ids)
        for s in trace.frame_data(view=view)["steps"]:
            named = [c[0] for c in s["set"]] + s["hot"] + [w[0] for w in s.get("wl", [])]
            missing.setdefault(view, set()).update(i for i in named if i not in ids)
    assert missing == {"scalar": set(), "neuron": set()}, \
        {v: f"{len(m)} ids, e.g. {sorted(m)[:5]}" for v, m in missing.items()}
    assert_clean(driver, url)



def test_a_click_anywhere_in_a_neurons_box_reaches_it(driver, network):
    """The middle of every cell of a neuron's box is the node: a click there jumps."""
    _, path = network
    url, root = load(driver, path)
    root.find_element(By.CSS_SELECTOR, '.glp-views button[data-view="1"]').click()
    missed = driver.execute_script(CLICK_TARGETS, root, 1, r"^n\d+$")
    assert_clean(driver, url)
    assert missed == [], f"{len(missed)} cells do not take a click, e.g. {missed[:6]}"
