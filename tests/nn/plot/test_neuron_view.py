"""The network view of a backward pass: one step per neuron, output layer first,
the lecture's deltas read off the real pass (δ = u.grad, ∂E/∂w = δ·y = w.grad), drawn
so that it stays readable (measured in the browser on the laid-out page)."""

import math
import re

import pytest
from selenium.webdriver.common.by import By

import nn
from autograd import backward_trace
from autograd.viz.style import fmt as _fmt
from nn.plot.neuron_view import STRONGEST
from tests.layout import node_positions as _node_positions
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
    belongs to the loss, not to the neuron (it showed as "L2N1 softplus")."""
    model = nn.MLP(2, [3, 1], activation="tanh", rng=0)
    out = model([0.5, -1.0])
    trace = backward_trace(loss_of(out), module=model, collapse="neuron")
    by_name = {s.name: s for s in trace.neuron_steps}
    output = by_name["L2N1"]
    assert output.y is output.u is out and output.fprime == 1.0
    assert output.delta == out.grad
    assert all(by_name[f"L1N{j}"].y.op == "tanh" for j in range(1, 4))


def boxes_of(svg: str) -> dict:
    """Every node's box in a drawing, whatever classes it has besides "node"."""
    return _node_positions(svg.replace('class="node ', 'class="node" data-more="'))


def test_network_view_frames_keep_their_layout():
    model = nn.MLP(2, [3, 1], rng=0)
    loss = (1 - model([0.5, 0.5])).relu()
    trace = backward_trace(loss, module=model)
    boxes = boxes_of(trace.frame(0, view="neuron").svg())
    assert {"n0", "n3", "E"} <= set(boxes)
    for k in (1, 2, len(trace.neuron_steps)):
        drawing = trace.frame(k, view="neuron")
        assert {i: b for i, b in boxes_of(drawing.svg()).items() if i[0] != "d"} == \
            {i: b for i, b in boxes.items() if i[0] != "d"}
    # a frame drawn alone writes its own step's ∂E/∂w (3 edges into L1N1), no other
    one = trace.frame(trace.neuron_steps[1].number, view="neuron").source
    assert one.count('label="∂E/∂w = ') == 2 and "dw0_0" in one


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
        (nid, text, fill), *labels = neuron["steps"][k - 1]["set"]
        assert names[nid] == s.name
        assert text == f"δ = {_fmt(s.u.grad, 4)}"
        assert snap["nodes"][nid]["texts"][-1] == text
        assert cell_fills(snap, "n")[nid] == fill
        assert snap["caption"] == trace.caption(k, view="neuron")
        assert snap["hot"] == sorted(neuron["steps"][k - 1]["hot"])
        # every ∂E/∂w of this step written on the page, and only this step's
        written = {i: n["texts"][-1] for i, n in snap["nodes"].items()
                   if i.startswith("dw") and n["texts"][-1].strip()}
        j = nid[1:]
        assert written == {i: t for i, t, _ in labels if i.startswith(f"dw{j}_")}
        assert len(written) == len(s.weight_grads)  # 2-16-16-1: every label fits
        for i, (_, x, g) in enumerate(s.weight_grads):
            assert written[f"dw{j}_{i}"] == f"∂E/∂w = {_fmt(g, 4)}" and g == s.delta * x.data
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


# --- readable in the browser: measured on the laid-out page --------------------------------

MEASURE = """
const root = arguments[0], view = root.querySelector('.glp-view[data-view="' + arguments[1] + '"]');
const rect = e => {
  const r = e.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom];
};
const out = {texts: [], labels: {}, boxes: {}, edges: {}};
view.querySelectorAll('text').forEach(t => {
  const s = t.textContent.trim(), cs = getComputedStyle(t);
  if (!s || cs.visibility === 'hidden' || parseFloat(cs.fillOpacity) === 0) return;
  const m = t.getScreenCTM();
  out.texts.push([s, parseFloat(t.getAttribute('font-size')) * Math.hypot(m.a, m.b)]);
});
view.querySelectorAll('g.glp-nv-dw').forEach(g => {
  const t = g.querySelector('text');
  if (t && t.textContent.trim()) out.labels[g.id] = rect(t);
});
view.querySelectorAll('g.node').forEach(g => {
  if (/^(n\\d+|x\\d+|E)$/.test(g.id)) out.boxes[g.id] = rect(g);
});
view.querySelectorAll('g.edge').forEach(g => {
  const p = g.querySelector('path');
  if (parseFloat(getComputedStyle(p).strokeOpacity) === 0) return;
  const m = p.getScreenCTM(), n = p.getTotalLength();
  const a = p.getPointAtLength(0).matrixTransform(m), b = p.getPointAtLength(n).matrixTransform(m);
  out.edges[g.id] = [a.x, a.y, b.x, b.y];
});
return out;
"""


def measured(driver, root, view: int) -> dict:
    """What the view draws now, in CSS px on the page: every visible text and its size,
    the written ∂E/∂w's boxes, the boxes of inputs, neurons and the loss, and every
    edge drawn (stroke-opacity above 0) as its two ends."""
    return driver.execute_script(MEASURE, root, view)


def segment_distance(px, py, x0, y0, x1, y1) -> float:
    dx, dy = x1 - x0, y1 - y0
    t = max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy or 1.0)))
    return math.hypot(px - x0 - t * dx, py - y0 - t * dy)


def overlap(a, b) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5


def readability_faults(m: dict) -> list:
    """What the issue measures: a text under 10 CSS px; a ∂E/∂w whose centre is nearer
    another drawn edge than its own; a ∂E/∂w overlapping another or a box."""
    faults = [("under 10 px", t, round(px, 2)) for t, px in m["texts"] if px < 10]
    for lid, r in m["labels"].items():
        cx, cy = (r[0] + r[2]) / 2, (r[1] + r[3]) / 2
        far = {e: segment_distance(cx, cy, *ends) for e, ends in m["edges"].items()}
        own = "w" + lid[2:]
        nearest = min(far, key=far.get)
        if nearest != own:
            faults.append(("nearer another edge", lid, nearest, far[own], far[nearest]))
        faults += [("labels overlap", lid, o) for o, b in m["labels"].items()
                   if o < lid and overlap(r, b)]
        faults += [("label on a box", lid, o) for o, b in m["boxes"].items() if overlap(r, b)]
    return faults


def test_the_delta_view_of_2_16_16_1_is_readable_at_every_step(driver, network):
    """Every step of the neuron view at the page's default zoom: no text under 10 CSS px,
    each ∂E/∂w nearer its own edge than any other edge drawn, no ∂E/∂w on another or
    on a box; and all of a step's ∂E/∂w are written (16 fit beside 16 neurons)."""
    trace, path = network
    url, root = load(driver, path)
    root.find_element(By.CSS_SELECTOR, '.glp-views button[data-view="1"]').click()
    smallest, labelled = math.inf, 0
    data = trace.frame_data(view="neuron")
    layer = {i: name.split("N")[0] for i, name in data["names"].items() if i[0] == "n"}
    for k in range(len(trace.neuron_steps) + 1):
        slide(driver, root, k)
        m = measured(driver, root, 1)
        assert readability_faults(m) == [], f"step {k}"
        smallest = min([smallest] + [px for _, px in m["texts"]])
        if k:
            assert len(m["labels"]) == len(trace.neuron_steps[k - 1].weight_grads)
            labelled += len(m["labels"])
            # the other edges into the step's layer are hidden, the step's own drawn
            hot = data["steps"][k - 1]["hot"]
            into = {layer[f"n{e[1:].split('_')[0]}"] for e in m["edges"]
                    if e.startswith("w") and e not in hot}
            assert layer[hot[0]] not in into and set(hot[1:]) <= set(m["edges"])
    assert smallest >= 10 and labelled == sum(len(s.weight_grads) for s in trace.neuron_steps)
    assert_clean(driver, url)


def digits_network():
    X, y = nn.data.load_digits()
    model = nn.MLP(64, [32, 10], activation="tanh", rng=0)
    loss = nn.losses.cross_entropy([model([float(v) for v in X[0]])], [int(y[0])])
    return model, loss


def test_the_digits_net_shows_what_fits_and_says_what_is_left_out(driver, tmp_path):
    """64-32-10: at rest each neuron draws its 8 strongest incoming weights (of 64, of
    32); its step lights up all of them and writes the largest ∂E/∂w that fit, and the
    caption says how many of how many; every step stays readable as measured. With the
    forward pass first, its steps write w·y in the same places (those from the largest
    inputs) and say so."""
    model, loss = digits_network()
    trace = backward_trace(loss, module=model, forward=True)
    path = trace.to_html(tmp_path / "digits.html", view="scalar")  # neuron view: 1
    data = trace.frame_data(view="neuron")
    b0, forward = data["backward_from"], trace.view("neuron").forward_steps
    url, root = load(driver, path)
    root.find_element(By.CSS_SELECTOR, '.glp-views button[data-view="1"]').click()
    rest = measured(driver, root, 1)
    assert readability_faults(rest) == []
    drawn = [e for e in rest["edges"] if e.startswith("w")]
    assert len(drawn) == STRONGEST * (32 + 10)  # of 64 * 32 + 32 * 10
    assert f"shows its {STRONGEST} strongest weights" in data["start"]
    for k in (1, 2, 32, 33, 42):  # the forward pass: hidden (64 inputs), output (32)
        f, written = forward[k - 1], _lit_and_written(driver, root, data, k)
        assert len(written) < len(f.terms) and f"w·y_in on {len(written)} of its " \
            f"{len(f.terms)} incoming edges (those from the largest inputs)" in \
            m_caption(driver, root)
        j = int(data["steps"][k - 1]["focus"][1:])
        assert written == {f"dw{j}_{i}": f"w·y = {_fmt(wy, 4)}" for i, (_, _, wy) in
                           enumerate(f.terms) if f"dw{j}_{i}" in written}
    for k in (1, 2, 10, 11, 12, 26, 42):  # output neurons (32 inputs), hidden (64)
        s, written = trace.neuron_steps[k - 1], _lit_and_written(driver, root, data, b0 + k)
        assert 8 <= len(written) < len(s.weight_grads)
        assert f"on {len(written)} of its {len(s.weight_grads)} incoming edges" in \
            m_caption(driver, root)
        j = int(data["steps"][b0 + k - 1]["focus"][1:])
        want = {f"dw{j}_{i}": f"∂E/∂w = {_fmt(g, 4)}" for i, (_, _, g) in
                enumerate(s.weight_grads)}
        assert all(written[i] == want[i] for i in written)
    assert_clean(driver, url)


def _lit_and_written(driver, root, data, k) -> dict:
    """Frame k of the neuron view (view 1) measured: readable, its neuron's whole fan-in
    lit; the labels it writes ({label id: text}, as many on the page as measured)."""
    slide(driver, root, k)
    m = measured(driver, root, 1)
    assert readability_faults(m) == [], f"frame {k}"
    j = data["steps"][k - 1]["focus"][1:]
    fan_in = [e for e in data["steps"][k - 1]["hot"] if e.startswith(f"w{j}_")]
    assert set(fan_in) <= set(m["edges"]) and len(fan_in) in (32, 64)
    page = {i: n["texts"][-1] for i, n in snapshot(driver, root, 1)["nodes"].items()
            if i.startswith("dw") and n["texts"][-1].strip()}
    assert set(page) == set(m["labels"])
    return page


def m_caption(driver, root) -> str:
    return driver.execute_script("return arguments[0].querySelector('.glp-caption')"
                                 ".textContent", root)


def test_a_frame_drawn_alone_shows_its_step_and_turns_with_rankdir():
    """trace.frame(k) (the playground shows it as a picture, no page styles): step k's
    edges in full colour, the other edges into its column hidden, its ∂E/∂w written
    on a white ground; rankdir=TB draws the layers as rows."""
    model = nn.MLP(2, [4, 3, 1], activation="tanh", rng=2)
    loss = (model([0.3, -0.8]) - 1.0) ** 2
    trace = backward_trace(loss, module=model)
    k = next(s.number for s in trace.neuron_steps if s.name == "L2N2")
    source = trace.frame(k, view="neuron").source
    lines = {re.search(r'id="([^"]+)"', line).group(1): line
             for line in source.splitlines() if 'id="' in line}
    for i in range(4):  # L2N2 is n5: its 4 incoming edges lit, the rest into its column hidden
        assert 'ff"' in lines[f"w5_{i}"] and "dw5_" + str(i) in lines
        assert 'fillcolor="#ffffffd9"' in lines[f"dw5_{i}"]
    assert all('00"' in lines[f"w{j}_{i}"] for j in (4, 6) for i in range(4))
    assert all('1c"' in lines[f"w{j}_{i}"] for j in range(4) for i in range(2))
    wide = boxes_of(trace.frame(k, view="neuron").svg())
    tall = boxes_of(trace.frame(k, view="neuron", rankdir="TB").svg())
    assert wide["n0"][0] < wide["n4"][0] and abs(wide["n0"][0] - wide["n1"][0]) < 2
    assert tall["n0"][1] < tall["n4"][1] and abs(tall["n0"][1] - tall["n1"][1]) < 2


# --- the forward pass first: u then y, layer by layer, then the deltas ----------------------

NOT_COMPUTED = "u, y not computed"


def values_text(u, y) -> str:
    return f"u {_fmt(u.data, 4)} \u00a0y {_fmt(y.data, 4)}"


def test_the_forward_pass_comes_first_layer_by_layer_then_the_deltas_as_without_it():
    """forward=True: one step per neuron, layer by layer (u = Σ w·y + b, then y = f(u),
    the engine's numbers), the loss, the start of the backward pass; then the same
    steps, captions and δ as without it. ``forward_sync`` maps each of its frames to
    the scalar frame where that neuron's y is computed."""
    def build():
        model = nn.MLP(2, [3, 2, 1], activation="tanh", rng=1)
        loss = (model([0.4, -0.7]) - 0.25) ** 2
        return backward_trace(loss, module=model, forward=True), \
            backward_trace((model([0.4, -0.7]) - 0.25) ** 2, module=model)
    trace, plain = build()
    view, data = trace.view("neuron"), trace.frame_data(view="neuron")
    forward = view.forward_steps
    assert [f.name for f in forward] == ["L1N1", "L1N2", "L1N3", "L2N1", "L2N2", "L3N1"]
    for f in forward:
        assert all(wy == w.data * x.data for w, x, wy in f.terms)  # the engine's products
        assert f.u.data == pytest.approx(sum(wy for _, _, wy in f.terms) + f.bias, abs=1e-15)
        assert f.y.data == (math.tanh(f.u.data) if f.layer < 2 else f.u.data)
        assert trace.forward_steps[f.scalar_frame - 1].node is f.y
    b0 = data["backward_from"]
    assert b0 == len(forward) + 2 and len(data["steps"]) == b0 + len(trace.neuron_steps)
    assert [s["pass"] for s in data["steps"]] == \
        ["forward"] * (len(forward) + 1) + ["backward"] * (1 + len(trace.neuron_steps))
    assert data["forward_sync"] == [0] + [f.scalar_frame for f in forward] + \
        [len(trace.forward_steps)]
    assert data["forward_head"][2] == "u = Σ w·y + b" and data["sync"] == \
        plain.frame_data(view="neuron")["sync"]

    l1n2 = forward[1]
    assert trace.caption(2, view="neuron") == (
        f"forward 2/7: L1N2: u = Σ w·y_in + b = {_fmt(l1n2.terms[0][0].data)}×0.4000 + "
        f"{_fmt(l1n2.terms[1][0].data)}×-0.7000 + {_fmt(l1n2.bias)} = {_fmt(l1n2.u.data)}; "
        f"y = tanh(u) = tanh({_fmt(l1n2.u.data)}) = {_fmt(l1n2.y.data)}; w·y_in on each "
        "incoming edge")
    assert "y = u = " in trace.caption(6, view="neuron")  # the linear output
    assert trace.caption(7, view="neuron") == \
        f"forward 7/7: the loss E = pow1 = {_fmt(trace.root.data)}, computed from the y of L3N1"
    assert trace.caption(b0, view="neuron").startswith("backward: start from ∂E/∂E = 1.0000")
    for m in range(len(trace.neuron_steps) + 1):  # then the backward pass as without it
        state, labels = view.state_at(b0 + m)
        plain_state, plain_labels = plain.view("neuron").state_at(m)
        assert state == plain_state
        written = lambda ls: {i: t for i, t in ls.items() if t.strip()}
        assert written(labels) == written(plain_labels)
        if m:
            assert trace.caption(b0 + m, view="neuron") == plain.caption(m, view="neuron")

    state, labels = view.state_at(0)
    assert {state[f"dn{j}"][0] for j in range(6)} == {NOT_COMPUTED}
    assert state["dE"][0] == "not computed" and state["E"][0] == "∂E/∂E not computed"
    for k, f in enumerate(forward, 1):  # u and y appear in turn, w·y on the edges
        state, labels = view.state_at(k)
        j = int(data["steps"][k - 1]["focus"][1:])
        assert state[f"dn{j}"][0] == values_text(f.u, f.y)
        assert sum(s[0] == NOT_COMPUTED for i, s in state.items() if i[:2] == "dn") == 6 - k
        assert written(labels) == {f"dw{j}_{i}": f"w·y = {_fmt(wy)}"
                                   for i, (_, _, wy) in enumerate(f.terms)}
        source = trace.frame(k, view="neuron").source
        assert source.count('label="w·y = ') == len(f.terms)
    rows = trace.text(view="neuron").split("\n\n")
    assert rows[0].splitlines()[0].split() == ["step", "neuron", "u", "f", "y"]
    assert rows[1].splitlines()[1].split() == [str(b0), "(start)"]
    assert [r["step"] for r in trace.table(view="neuron")] == list(range(1, len(data["steps"]) + 1))


def test_a_single_neuron_forward_pass_ends_at_its_y():
    neuron = nn.Neuron(2, activation="sigmoid", rng=3)
    trace = backward_trace(neuron([1.0, -2.0]), module=neuron, forward=True)
    data = trace.frame_data(view="neuron")
    assert data["backward_from"] == 2 and [s["pass"] for s in data["steps"]] == \
        ["forward", "backward", "backward"]
    assert trace.caption(1, view="neuron").startswith("forward 1/1: neuron: u = ")
    assert trace.caption(2, view="neuron").startswith("backward: start from ∂E/∂E = 1.0000 "
                                                      "(E is neuron.y)")
    assert trace.view("neuron").state_at(1)[0]["dn0"][0] == \
        values_text(trace.root.parents[0], trace.root)


@pytest.fixture(scope="module")
def forward_network(tmp_path_factory):
    model, loss, _ = moons_network()
    trace = backward_trace(loss, module=model, forward=True)
    return trace, trace.to_html(tmp_path_factory.mktemp("forward") / "forward.html")


def test_the_2_16_16_1_forward_pass_then_its_deltas_in_the_page(driver, forward_network):
    """The page (on its neuron view) at every frame: before a neuron's step its u and y
    say "not computed", its step shows the engine's u and y, lights its incoming edges
    and writes each w·y on its own edge; the loss, ∂E/∂E, then every δ and ∂E/∂w. Every
    frame readable as measured (no text under 10 px, each label nearest its own edge, no
    overlaps)."""
    trace, path = forward_network
    assert path.stat().st_size <= MAX_NETWORK_PAGE, f"{path.stat().st_size} bytes"
    view, data = trace.view("neuron"), trace.frame_data(view="neuron")
    forward, b0 = view.forward_steps, data["backward_from"]
    url, root = load(driver, path)
    assert root.find_element(By.CSS_SELECTOR, ".glp-views button.on").text == "neurons (δ)"
    smallest = math.inf
    for k in range(len(data["steps"]) + 1):
        slide(driver, root, k)
        m, snap = measured(driver, root, 0), snapshot(driver, root, 0)
        assert readability_faults(m) == [], f"frame {k}"
        smallest = min([smallest] + [px for _, px in m["texts"]])
        assert snap["caption"] == trace.caption(k, view="neuron")
        values = {i: n["texts"][-2] for i, n in snap["nodes"].items() if re.fullmatch(r"n\d+", i)}
        done = {f"n{trace.view('neuron').y_of[f.y]}": f for f in forward[:k]}
        assert values == {i: values_text(done[i].u, done[i].y) if i in done else NOT_COMPUTED
                          for i in values}, f"frame {k}"
        assert snap["nodes"]["E"]["texts"][1:] == (
            [_fmt(trace.root.data, 4) if k > len(forward) else "not computed",
             "∂E/∂E = 1.0000" if k >= b0 else "∂E/∂E not computed"])
        if 0 < k <= len(forward):
            f = forward[k - 1]
            j = data["steps"][k - 1]["focus"][1:]
            assert snap["hot"] == sorted([f"n{j}"] + [f"w{j}_{i}" for i in range(len(f.terms))])
            assert set(m["edges"]) >= {f"w{j}_{i}" for i in range(len(f.terms))}
            assert set(m["labels"]) == {f"dw{j}_{i}" for i in range(len(f.terms))}  # all fit
            written = {i: n["texts"][-1] for i, n in snap["nodes"].items() if i in m["labels"]}
            assert written == {f"dw{j}_{i}": f"w·y = {_fmt(w.data * x.data, 4)}"
                               for i, (w, x, _) in enumerate(f.terms)}
        if k > b0:
            s = trace.neuron_steps[k - b0 - 1]
            assert snap["nodes"][data["steps"][k - 1]["focus"]]["texts"][-1] == \
                f"δ = {_fmt(s.u.grad, 4)}" and len(m["labels"]) == len(s.weight_grads)
    assert smallest >= 10
    assert grad_texts(snapshot(driver, root, 0), "n") == \
        {i: f"δ = {_fmt(g, 4)}" for i, g in data["exact"].items()}
    assert_clean(driver, url)


def test_switching_views_keeps_the_place_in_both_passes(driver, forward_network):
    """From the neuron view's forward frame k to the scalar frame where that neuron's y
    is computed (its data cell shows it, the next neuron's not yet) and back to k; from
    the scalar view midway through a neuron to the last neuron computed; in the backward
    pass as without the forward pass."""
    trace, path = forward_network
    data, scalar = trace.frame_data(view="neuron"), trace.frame_data(view="scalar")
    fs, b0, s0 = data["forward_sync"], data["backward_from"], scalar["backward_from"]
    index = trace.view("scalar").scene.index
    forward = trace.view("neuron").forward_steps
    y_box = {f.number: f"v{index[f.y]}" for f in forward}
    url, root = load(driver, path)
    for k in (1, 2, 16, 17, 18, len(fs) - 2, len(fs) - 1):
        slide(driver, root, k)
        toggle(driver, root, 1, fs[k])
        nodes = snapshot(driver, root, 1)["nodes"]
        if k in y_box:
            assert nodes[y_box[k]]["texts"][-2] == f"data {_fmt(forward[k - 1].y.data, 4)}"
        if k + 1 in y_box:
            assert nodes[y_box[k + 1]]["texts"][-2] == "data ?"
        toggle(driver, root, 0, k)
    slide(driver, root, 5)
    toggle(driver, root, 1, fs[5])
    slide(driver, root, fs[5] + 3)  # into L1N6's products: L1N5 is the last computed
    toggle(driver, root, 0, 5)
    for m in (0, 1, 5, len(trace.neuron_steps)):  # the backward pass: as without forward
        slide(driver, root, b0 + m)
        toggle(driver, root, 1, s0 + data["sync"][m])
        toggle(driver, root, 0, b0 + m)
    assert_clean(driver, url)
