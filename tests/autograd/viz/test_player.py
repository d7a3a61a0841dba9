"""The step-through player in a real browser (headless Chromium, driven by selenium).

The page of ``trace.to_html(path)`` and the Jupyter output ``trace._repr_html_()``
are loaded from ``file://`` and clicked through; every text the player shows is
compared with what the Python side computed (the trace's steps and captions, and
a second identical graph's ``backward()``). Also checked on every page: no console
errors, no network request, and no label that can turn into markup or script.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them):
without them these tests fail, they never skip.
"""

from pathlib import Path

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from autograd import Value, backward_trace, topological_order
from autograd.viz.style import fmt as _fmt
from tests.autograd.graphs import tanh_neuron
from tests.player import (
    CLICK_TARGETS,
    assert_clean,
    button,
    cell_fills,
    click,
    click_dispatch,
    expected_cell,
    expected_fills,
    expected_state,
    grad_texts,
    load,
    network_requests,
    slide,
    snapshot,
    step_of,
    svg_group,
    wait_for,
    walk,
)

# --- the browser ------------------------------------------------------------------------


# what the player shows, read off the page


# --- the graphs -------------------------------------------------------------------------


def readme_neuron():
    return tanh_neuron(label_outputs=False)


@pytest.fixture(scope="module")
def readme(tmp_path_factory):
    o = readme_neuron()
    trace = backward_trace(o)
    path = trace.to_html(tmp_path_factory.mktemp("readme") / "neuron-backprop.html")
    return trace, path


# --- the checks themselves see what they look for ----------------------------------------


def test_the_console_and_network_checks_see_errors_and_requests(driver, tmp_path):
    page = tmp_path / "control.html"
    page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
                    "<img src='missing.png'><div class='glp' data-step='0'></div>"
                    "<script>throw new Error('boom');</script></body></html>")
    url, _ = load(driver, page)
    wait_for(driver, lambda: driver.execute_script(
        "return performance.getEntriesByType('resource').length > 0 || "
        "document.images[0].complete"), "the image request")
    assert any("missing.png" in u for u in network_requests(driver, url))
    assert any(e["level"] == "SEVERE" and "boom" in e["message"]
               for e in driver.get_log("browser"))


# --- 1. the README neuron, step by step ----------------------------------------------------


def test_readme_neuron_page_steps_like_backward(driver, readme):
    trace, path = readme
    data = trace.frame_data()
    steps, n = data["steps"], len(trace.steps)
    index = trace.view("scalar").scene.index
    assert [index[v] for v in trace.order] == list(range(len(trace.order)))
    url, root = load(driver, path)
    assert_clean(driver, url)

    snap = snapshot(driver, root)
    assert (snap["step"], snap["count"], snap["caption"]) == ("0", f"0 / {n}", trace.caption(0))
    assert snap["hot"] == [] and snap["rows"] == n and snap["active"] == -1
    assert grad_texts(snap) == {i: t for i, t in expected_state(trace, 0).items() if i[0] == "v"}
    assert cell_fills(snap) == expected_fills(trace, 0)

    frames = {0: snap}
    for k in range(1, n + 1):
        click(driver, root, "next", k)
        snap = frames[k] = snapshot(driver, root)
        s = trace.steps[k - 1]
        assert snap["hot"] == sorted(steps[k - 1]["hot"])
        assert f"v{index[s.parent]}" in snap["hot"] and f"v{index[s.node]}" in snap["hot"]
        assert (snap["step"], snap["count"], snap["slider"]) == (str(k), f"{k} / {n}", str(k))
        assert snap["caption"] == trace.caption(k)
        assert snap["active"] == k - 1
        pid, text = expected_cell(trace, k)
        assert [c[1] for c in steps[k - 1]["set"] if c[0] == pid] == [text]  # the data
        assert snap["nodes"][pid]["texts"][-1] == text  # the page
        flow = f"{_fmt(s.upstream, 4)} × {_fmt(s.local, 4)} = {_fmt(s.contribution, 4)}"
        assert snap["nodes"][f"l{index[s.node]}_{s.input_index}"]["texts"][-1] == flow
        shown = {i: t["texts"][-1] for i, t in snap["nodes"].items() if i[0] in "vl"}
        assert shown == expected_state(trace, k)
        assert cell_fills(snap)[pid] == next(c[2] for c in steps[k - 1]["set"] if c[0] == pid)
        assert cell_fills(snap) == expected_fills(trace, k)

    # after the last step: what backward() gives on an identical graph
    reference = readme_neuron()
    reference.backward()
    ref_order = topological_order(reference)
    order = topological_order(trace.root)
    assert [(v.label, v.data) for v in order] == [(v.label, v.data) for v in ref_order]
    final = grad_texts(frames[n])
    assert final == {f"v{index[v]}": f"grad {_fmt(r.grad, 4)}" for v, r in zip(order, ref_order)}
    assert len(final) == len(order)

    # Prev: back to the earlier frame, texts and colours restored
    slide(driver, root, 5)
    for k in (4, 3, 2):
        click(driver, root, "prev", k)
    assert snapshot(driver, root) == frames[2]
    click(driver, root, "first", 0)
    assert snapshot(driver, root) == frames[0]
    click(driver, root, "prev", 0)  # stays at the start
    slide(driver, root, n)
    click(driver, root, "next", n)  # stays at the end
    assert snapshot(driver, root) == frames[n]

    # the slider jumps, both ways, to exactly the frame stepping reaches
    for k in (6, 1, n, 3, 0, 7):
        slide(driver, root, k)
        assert snapshot(driver, root) == frames[k]
    # the slider by its own keys: one step per key (the page's ← → must not add one)
    slider = root.find_element(By.CSS_SELECTOR, ".glp-slider")
    slider.send_keys(Keys.HOME)
    wait_for(driver, lambda: step_of(driver, root) == 0, "step 0 after Home on the slider")
    slider.send_keys(Keys.ARROW_RIGHT)
    wait_for(driver, lambda: step_of(driver, root) == 1, "step 1 after → on the slider")
    assert snapshot(driver, root) == frames[1]
    # keys in the speed menu are the menu's, not the player's
    speed = root.find_element(By.CSS_SELECTOR, ".glp-speed")
    speed.send_keys(Keys.ARROW_RIGHT)
    assert step_of(driver, root) == 1
    assert driver.execute_script("return arguments[0].glPlayer.state()", root) == \
        {"view": 0, "step": 1}
    assert_clean(driver, url)


# --- 2. Play ------------------------------------------------------------------------------


def test_play_runs_to_the_end_and_pause_stops(driver, readme):
    trace, path = readme
    n = len(trace.steps)
    url, root = load(driver, path)
    play = button(root, "play")
    assert "Play" in play.text
    Select(root.find_element(By.CSS_SELECTOR, ".glp-speed")).select_by_value("40")
    play.click()
    wait_for(driver, lambda: step_of(driver, root) == n and "Play" in button(root, "play").text,
             f"Play to reach step {n} and read Play again", timeout=20)
    assert snapshot(driver, root)["caption"] == trace.caption(n)

    # Play at the end starts over; Pause stops where it is
    Select(root.find_element(By.CSS_SELECTOR, ".glp-speed")).select_by_value("300")
    button(root, "play").click()
    wait_for(driver, lambda: "Pause" in button(root, "play").text, "the button to read Pause")
    wait_for(driver, lambda: 1 <= step_of(driver, root) < n, "Play to start over")
    button(root, "play").click()
    wait_for(driver, lambda: "Play" in button(root, "play").text, "the button to read Play")
    paused = step_of(driver, root)
    driver.execute_script("return new Promise(r => setTimeout(r, 700))")  # > 2 ticks of 300 ms
    assert step_of(driver, root) == paused < n
    assert_clean(driver, url)


# --- 3. the keyboard -----------------------------------------------------------------------


def test_arrow_keys_and_space(driver, readme):
    trace, path = readme
    n = len(trace.steps)
    url, root = load(driver, path)
    keys = ActionChains(driver)
    keys.send_keys(Keys.ARROW_RIGHT).perform()
    keys.send_keys(Keys.ARROW_RIGHT).perform()
    wait_for(driver, lambda: step_of(driver, root) == 2, "step 2 after → →")
    ActionChains(driver).send_keys(Keys.ARROW_LEFT).perform()
    wait_for(driver, lambda: step_of(driver, root) == 1, "step 1 after ←")
    assert snapshot(driver, root)["caption"] == trace.caption(1)

    # space plays; with the focus on a button it must not also press that button
    Select(root.find_element(By.CSS_SELECTOR, ".glp-speed")).select_by_value("40")
    driver.execute_script("document.activeElement.blur()")
    ActionChains(driver).send_keys(Keys.SPACE).perform()
    wait_for(driver, lambda: step_of(driver, root) == n and "Play" in button(root, "play").text,
             "space to play to the end", timeout=20)
    button(root, "first").click()
    wait_for(driver, lambda: step_of(driver, root) == 0, "step 0 after First")
    ActionChains(driver).send_keys(Keys.SPACE).perform()  # focus on the First button
    wait_for(driver, lambda: step_of(driver, root) == n and "Play" in button(root, "play").text,
             "space (focus on a button) to play to the end", timeout=20)
    assert_clean(driver, url)


# --- 4. click a node ------------------------------------------------------------------------


def test_clicking_a_node_jumps_to_its_complete_gradient(driver, tmp_path):
    a = Value(3.0, label="a")
    out = a * a + a
    trace = backward_trace(out)
    ref_a = Value(3.0, label="a")
    (ref_a * ref_a + ref_a).backward()
    index = trace.view("scalar").scene.index
    into_a = [s for s in trace.steps if s.parent is a]
    last = into_a[-1].number
    url, root = load(driver, trace.to_html(tmp_path / "fan-out.html"))
    slide(driver, root, len(trace.steps))  # from the end: the click goes back
    # a real mouse click in the middle of a's box (whatever is on top there gets it)
    ActionChains(driver).move_to_element(svg_group(root, 0, f"v{index[a]}")).click().perform()
    wait_for(driver, lambda: step_of(driver, root) == last, f"step {last} after clicking a")
    snap = snapshot(driver, root)
    assert f"{len(into_a)} of {len(into_a)} paths arrived" in snap["note"]
    assert snap["note"] == (f"a: {len(into_a)} of {len(into_a)} paths arrived by step {last}, "
                            "its gradient is complete")
    assert snap["nodes"][f"v{index[a]}"]["texts"][-1] == f"grad {_fmt(ref_a.grad, 4)}" \
        == "grad 7.0000"
    assert snap["caption"] == trace.caption(last)
    # a node that is not complete yet reads "k of n" while its paths arrive
    slide(driver, root, into_a[0].number)
    assert snapshot(driver, root)["nodes"][f"v{index[a]}"]["texts"][-1] == \
        f"grad {_fmt(into_a[0].after, 4)} (1 of {len(into_a)})"
    assert_clean(driver, url)



def test_a_shared_weights_note_counts_positions(driver, tmp_path):
    """A model that says its weight is shared over positions (viz.model's ``arrivals``):
    clicking the weight says how many positions arrived; the table has an arrived column."""
    from autograd.viz.model import GraphParts

    w = Value(0.5)

    class Shared:
        def named_parameters(self):
            return [("w", w)]

        def graph_parts(self, order):
            return GraphParts(names={w: "w"}, arrivals={w: "positions"})

    xs = [Value(x, label=f"x{i}") for i, x in enumerate((1.0, 2.0, 3.0), 1)]
    trace = backward_trace(Value.sum([w * x for x in xs]), module=Shared())
    index = trace.view("scalar").scene.index
    last = max(s.number for s in trace.steps if s.parent is w)
    url, root = load(driver, trace.to_html(tmp_path / "shared.html"))
    ActionChains(driver).move_to_element(svg_group(root, 0, f"v{index[w]}")).click().perform()
    wait_for(driver, lambda: step_of(driver, root) == last, f"step {last} after clicking w")
    snap = snapshot(driver, root)
    assert snap["note"] == f"w: 3 of 3 positions arrived by step {last}, its gradient is complete"
    assert snap["caption"] == trace.caption(last)
    assert snap["caption"].endswith("3 of 3 positions arrived")
    head = [th.text for th in root.find_elements(By.CSS_SELECTOR, ".glp-table thead th")]
    assert head[-1] == "arrived"
    assert_clean(driver, url)

def test_a_click_anywhere_in_a_box_reaches_its_node(driver, readme):
    """The middle of every cell of a value's box is the node: a click there jumps, not
    only a click on the glyphs or the coloured grad cell."""
    _, path = readme
    url, root = load(driver, path)
    missed = driver.execute_script(CLICK_TARGETS, root, 0, r"^v\d+$")
    assert_clean(driver, url)
    assert missed == [], f"{len(missed)} cells do not take a click, e.g. {missed[:6]}"


def test_clicking_an_op_a_label_or_the_legend(driver, readme):
    """An op circle stands for its result, an edge label for the step along its
    edge; no click writes an element id (o3, l7_1, node22) into the note."""
    trace, path = readme
    index = trace.view("scalar").scene.index
    node = next(v for v in trace.order if not v.is_leaf and v is not trace.root)
    i = index[node]
    url, root = load(driver, path)
    click_dispatch(driver, svg_group(root, 0, f"v{i}"))
    by_value = snapshot(driver, root)
    assert by_value["step"] == str(max(s.number for s in trace.steps if s.parent is node))
    click(driver, root, "first", 0)
    click_dispatch(driver, svg_group(root, 0, f"o{i}"))
    wait_for(driver, lambda: step_of(driver, root) == int(by_value["step"]), "the op's step")
    assert snapshot(driver, root)["note"] == by_value["note"]
    notes = {f"o{i}": by_value["note"]}
    for j in range(len(node.parents)):
        along = next(s.number for s in trace.steps if s.node is node and s.input_index == j)
        click_dispatch(driver, svg_group(root, 0, f"l{i}_{j}"))
        wait_for(driver, lambda k=along: step_of(driver, root) == k, f"the step along edge {j}")
        snap = snapshot(driver, root)
        assert f"e{i}_{j}" in snap["hot"] and snap["caption"] == trace.caption(along)
        notes[f"l{i}_{j}"] = snap["note"]
    legend = driver.execute_script(
        "return Array.from(arguments[0].querySelectorAll('g.node')).find("
        "g => g.querySelector('title').textContent === 'legend')", root)
    assert legend is not None
    click_dispatch(driver, legend)
    notes[legend.get_attribute("id")] = snapshot(driver, root)["note"]
    assert [f"{g}: {n!r}" for g, n in notes.items() if g in n] == []
    assert_clean(driver, url)


# --- 5. a network: the scalar steps and the neurons' deltas ----------------------------------


# --- 6. the demo's pages ----------------------------------------------------------------------


# --- 7. hostile labels --------------------------------------------------------------------------


HOSTILE = ["</script><script>window.__pwned=1</script>", '"quoted" \'single\'', "a < b & c > d",
           "two\nlines", "<img src=x onerror=window.__pwned=2>", "L" * 10_000]


def hostile_graph():
    leaves = [Value(0.3 + 0.1 * i, label=h) for i, h in enumerate(HOSTILE)]
    acc = leaves[0]
    for i, leaf in enumerate(leaves[1:], 1):
        acc = acc * leaf + leaves[i - 1]
        acc.label = HOSTILE[i - 1]
    root = acc.tanh()
    root.label = HOSTILE[-1]
    return root


def _assert_not_injected(driver, root, trace, scripts: int) -> None:
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert driver.execute_script("return document.querySelectorAll('img').length") == 0
    assert driver.execute_script("return document.querySelectorAll('script').length") == scripts
    n = len(trace.steps)
    for k in (1, 2):
        click(driver, root, "next", k)  # the player still works
        assert snapshot(driver, root)["caption"] == trace.caption(k)
    captions = [snap["caption"] for snap in walk(driver, root, 0, range(1, n + 1))]
    assert captions == [trace.caption(k) for k in range(1, n + 1)]
    for label in HOSTILE:
        assert any(label in c for c in captions), label[:40]
    cells = driver.execute_script("return Array.from(arguments[0].querySelectorAll("
                                  "'.glp-table td')).map(td => td.textContent)", root)
    for label in HOSTILE:
        assert label in cells, label[:40]
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert driver.execute_script("return document.querySelectorAll('img').length") == 0


def test_hostile_labels_stay_text_in_the_page(driver, tmp_path):
    trace = backward_trace(hostile_graph())
    title = HOSTILE[0] + HOSTILE[4]
    url, root = load(driver, trace.to_html(tmp_path / "hostile.html", title=title))
    assert driver.title == title
    assert driver.find_element(By.TAG_NAME, "h1").text == title
    _assert_not_injected(driver, root, trace, scripts=2)
    assert_clean(driver, url)


def _fragment_page(path: Path, *fragments: str) -> Path:
    path.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
                    + "".join(fragments) + "</body></html>", encoding="utf-8")
    return path


def test_hostile_labels_stay_text_in_the_jupyter_output(driver, tmp_path):
    trace = backward_trace(hostile_graph())
    url, root = load(driver, _fragment_page(tmp_path / "hostile-fragment.html",
                                            trace._repr_html_()))
    _assert_not_injected(driver, root, trace, scripts=1)
    assert_clean(driver, url)


# --- 8. the Jupyter output ----------------------------------------------------------------------


def test_jupyter_output_becomes_the_player(driver, readme, tmp_path):
    trace, _ = readme
    index = trace.view("scalar").scene.index
    n = len(trace.steps)
    html = trace._repr_html_()
    url, root = load(driver, _fragment_page(tmp_path / "fragment.html", html))
    assert driver.execute_script("return document.querySelectorAll('.glp-static').length") == 0
    assert driver.execute_script("return document.querySelectorAll('.glp').length") == 1
    assert root.get_attribute("id").startswith("glp") and root.get_attribute("id") in html
    assert root.find_elements(By.CSS_SELECTOR, ".glp-controls")
    assert len(root.find_elements(By.CSS_SELECTOR, ".glp-view svg")) == 1
    snap = snapshot(driver, root)
    assert snap["caption"] == trace.caption(0) and snap["rows"] == n
    for k in (1, 2):
        click(driver, root, "next", k)
        snap = snapshot(driver, root)
        pid, text = expected_cell(trace, k)
        assert snap["nodes"][pid]["texts"][-1] == text
        assert snap["caption"] == trace.caption(k)
        assert snap["hot"] == sorted(trace.frame_data()["steps"][k - 1]["hot"])
    slide(driver, root, n)
    reference = readme_neuron()
    reference.backward()
    assert grad_texts(snapshot(driver, root)) == {
        f"v{index[v]}": f"grad {_fmt(r.grad, 4)}"
        for v, r in zip(topological_order(trace.root), topological_order(reference))}
    # keys go to the output that has the focus (not the whole notebook page)
    button(root, "first").click()
    wait_for(driver, lambda: step_of(driver, root) == 0, "step 0 after First")
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
    wait_for(driver, lambda: step_of(driver, root) == 1, "step 1 after → in the output")
    assert_clean(driver, url)


def test_two_jupyter_outputs_on_one_page_are_independent(driver, readme, tmp_path):
    trace, _ = readme
    a = Value(3.0, label="a")
    other = backward_trace(a * a + a)
    url, _ = load(driver, _fragment_page(tmp_path / "two.html", trace._repr_html_(),
                                         other._repr_html_()))
    roots = driver.find_elements(By.CSS_SELECTOR, ".glp")
    assert len(roots) == 2
    wait_for(driver, lambda: all(r.get_attribute("data-step") == "0" for r in roots),
             "both players")
    click(driver, roots[1], "next", 1)
    click(driver, roots[1], "next", 2)
    assert step_of(driver, roots[0]) == 0
    assert snapshot(driver, roots[1])["caption"] == other.caption(2)
    assert snapshot(driver, roots[0])["caption"] == trace.caption(0)
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()  # focus in the second output
    wait_for(driver, lambda: step_of(driver, roots[1]) == 3, "step 3 in the second output")
    assert step_of(driver, roots[0]) == 0
    assert_clean(driver, url)


# --- 9. zoom, the active step in view, first and last ---------------------------------------------


def test_the_default_zoom_is_readable_and_the_active_step_stays_in_view(driver, tmp_path):
    """A graph far wider than the window: at the default zoom ("readable") no text is
    under 10 CSS px, measured on the laid-out page; at every zoom the active step is
    inside the drawing's box, switching to 100% scrolls to it; ▶| goes to the last step,
    Home and End too."""
    from tests.player import active_in_view, smallest_text, text_sizes, zoom_to

    v = Value(0.5, label="x")
    for _ in range(30):
        v = (v * 1.01).tanh()
    trace = backward_trace(v)
    n = len(trace)
    url, root = load(driver, trace.to_html(tmp_path / "chain.html"))
    assert Select(root.find_element(By.CSS_SELECTOR, ".glp-zoom")).first_selected_option.text \
        == "readable"
    assert smallest_text(driver, root)[0] >= 10
    assert len(text_sizes(driver, root)) > 100
    start = active_in_view(driver, root)  # step 0: the root, where backward starts
    assert start == {"id": f"v{trace.view().scene.index[v]}", "step": 0, "inside": True}
    for k in (1, n // 3, n // 2, n - 1):
        slide(driver, root, k)
        assert active_in_view(driver, root)["inside"], k
    zoom_to(driver, root, "fit")
    assert smallest_text(driver, root)[0] < 10  # all of it: the text is small
    assert active_in_view(driver, root)["inside"]
    slide(driver, root, 5)
    zoom_to(driver, root, "1")  # 100%: natural size, scrolled to the active step
    assert driver.execute_script("return arguments[0].glPlayer.zoom()", root) == 1
    assert active_in_view(driver, root)["inside"] and smallest_text(driver, root)[0] >= 10
    click(driver, root, "last", n)
    assert active_in_view(driver, root)["inside"]
    click(driver, root, "first", 0)
    ActionChains(driver).send_keys(Keys.END).perform()
    wait_for(driver, lambda: step_of(driver, root) == n, "the last step after End")
    ActionChains(driver).send_keys(Keys.HOME).perform()
    wait_for(driver, lambda: step_of(driver, root) == 0, "step 0 after Home")
    assert_clean(driver, url)


def test_the_forward_pass_then_the_backward_pass_in_the_page(driver, tmp_path):
    """forward=True: each value appears in turn (its data cell, the local gradients on
    its input edges), the table's forward rows under their own header; then the backward
    pass, as the trace's frames say."""
    trace = backward_trace(readme_neuron(), forward=True)
    url, root = load(driver, trace.to_html(tmp_path / "forward.html"))
    index = trace.view().scene.index
    fwd = len(trace.forward_steps)
    heads = [th.text for th in root.find_elements(By.CSS_SELECTOR, ".glp-table thead th")]
    assert heads == ["step", "node", "computes", "value"]
    inner = root.find_elements(By.CSS_SELECTOR, ".glp-table tbody tr.glp-head th")
    assert [th.text for th in inner][:3] == ["step", "node", "input"]
    for k, snap in zip(range(len(trace) + 1), walk(driver, root, 0, range(len(trace) + 1))):
        cells, labels = trace.view().state_at(k)
        for v in trace.order:
            texts = snap["nodes"][f"v{index[v]}"]["texts"]
            assert texts[-1] == cells[f"v{index[v]}"][0]
            if not v.is_leaf:
                assert texts[-2] == cells[f"d{index[v]}"][0], (k, texts)
        assert snap["caption"] == trace.caption(k)
        assert snap["active"] == (k - 1 if k <= fwd else k)  # the backward header between
    assert "forward 1/4" in trace.caption(1) and trace.caption(fwd + 1).startswith("backward")
    assert_clean(driver, url)


# --- 10. the same player in a real JupyterLab ----------------------------------------------------

LAB_CELL = """from autograd import Value, backward_trace
v = Value(0.5, label="x")
for _ in range(30):
    v = (v * 1.01).tanh()
trace = backward_trace(v, forward=True)
trace"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    import nbformat

    from tests.player import jupyterlab

    root = tmp_path_factory.mktemp("player-lab")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(LAB_CELL)]
    nbformat.write(nb, root / "player.ipynb")
    with jupyterlab(root) as url:
        yield url


def test_the_jupyter_player_is_readable_and_follows_the_active_step(lab_driver, lab):
    """In JupyterLab 4 (its output area's width): the player of a graph far wider than
    the output opens at the readable zoom, no text under 10 CSS px (it was "fit", about
    7 px); the active step stays in view at every zoom; ▶| goes to the last step."""
    from tests.player import active_in_view, lab_open, lab_run_cell, smallest_text, zoom_to

    driver = lab_driver
    lab_open(driver, lab, "player.ipynb")
    lab_run_cell(driver, 0, ".glp[data-step]")
    root = driver.find_element(By.CSS_SELECTOR, ".jp-OutputArea .glp")
    smallest = smallest_text(driver, root)
    assert smallest[0] >= 10, smallest
    n = int(snapshot(driver, root)["count"].split(" / ")[1])
    for k in (1, n // 4, n // 2, n):
        slide(driver, root, k)
        assert active_in_view(driver, root)["inside"], k
    slide(driver, root, 3)
    zoom_to(driver, root, "fit")
    fit = smallest_text(driver, root)
    assert fit[0] < 10 and active_in_view(driver, root)["inside"]
    zoom_to(driver, root, "1")
    assert active_in_view(driver, root)["inside"]
    click(driver, root, "last", n)
    assert active_in_view(driver, root)["inside"]
    print(f"Jupyter player, smallest text: readable {smallest[0]:.1f} px, fit {fit[0]:.1f} px")


def test_a_longer_edge_label_stays_inside_its_own_place(driver, readme):
    """upstream × local = contribution is longer than "local 1.0000": written at every
    step, each label stays centred where its shorter text was (Graphviz anchors a label
    at its start, so a longer text ran past its place into the op node it feeds)."""
    trace, path = readme
    url, root = load(driver, path)
    index = trace.view("scalar").scene.index
    for k, s in enumerate(trace.steps, 1):
        if s.node is None:
            continue
        before = driver.execute_script(
            "const t = arguments[0].querySelector('g#' + arguments[1] + ' text');"
            "const b = t.getBBox(); return [b.x, b.x + b.width];",
            root, f"l{index[s.node]}_{s.input_index}")
        slide(driver, root, k)
        after, op = driver.execute_script(
            "const r = arguments[0], t = r.querySelector('g#' + arguments[1] + ' text');"
            "const o = r.querySelector('g#' + arguments[2] + ' ellipse');"
            "const a = t.getBBox(), b = o.getBBox();"
            "return [[a.x, a.x + a.width], [b.x, b.x + b.width]];",
            root, f"l{index[s.node]}_{s.input_index}", f"o{index[s.node]}")
        centre_before, centre_after = sum(before) / 2, sum(after) / 2
        assert abs(centre_after - centre_before) < 1, (k, before, after)
        assert after[1] <= op[0] or after[0] >= op[1], (k, after, op)  # clear of the op node
        slide(driver, root, 0)
    assert_clean(driver, url)
