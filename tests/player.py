"""Driving the step-through player in headless Chromium: load a page, wait, read what it
shows (snapshot), click through it; and what the Python side says each step shows."""

import contextlib
import json
import os
import re
from pathlib import Path

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from autograd.viz.style import fmt as _fmt

MAX_NETWORK_PAGE = 3 * 1024 * 1024

# One name per neuron (nn.graph.neuron_name: L1N3, layers L1, L2, ...): the other ways a
# neuron or a layer was once written, which no output may show.
OTHER_NAME_FORMS = {
    "counted from 0": r"\bL0(N\d+)?\b|\bL\d+N0\b",
    "a module path as a name": r"(?<![\w.(])(layers|neurons)\.\d+(?![\w.)])",
    "'layer' and a number": r"\b[Ll]ayers? \d",
}


def other_name_forms(text: str) -> list:
    """Every place ``text`` names a neuron or a layer other than by its one name
    (``L1N3``, ``L1``): ``L0N8``, ``layers.0`` / ``neurons.8``, ``layer 1``. A path in
    code is not a name: a parameter's key (``layers.0.neurons.2.w.0``) or a module's in
    ``print(model)`` (``(layers.0): Layer(2 -> 4, tanh)``)."""
    return [(what, text[max(0, m.start() - 30):m.end() + 30])
            for what, pattern in OTHER_NAME_FORMS.items() for m in re.finditer(pattern, text)]


def drain(driver) -> None:
    driver.get_log("browser")
    driver.get_log("performance")


def wait_for(driver, condition, what: str, timeout: float = 10):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.02).until(lambda d: condition())
    except TimeoutException:
        raise AssertionError(f"timed out after {timeout} s waiting for {what}; browser log: "
                             f"{driver.get_log('browser')}") from None


def load(driver, path, root_css: str = ".glp") -> tuple:
    """Open a page from file:// and wait for its player: (url, root element)."""
    drain(driver)
    url = Path(path).resolve().as_uri()
    driver.get(url)
    root = wait_for(driver, lambda: driver.execute_script(
        "const r = document.querySelector(arguments[0]);"
        "return r && r.dataset.step !== undefined ? r : null;", root_css),
        f"the player ({root_css}[data-step]) in {path}")
    return url, root


def network_requests(driver, url: str) -> list:
    """URLs the page asked for, from the performance log (drained), but the page itself."""
    out = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            u = msg["params"]["request"]["url"]
            if u.split("#")[0] != url and not u.startswith(("data:", "about:")):
                out.append(u)
    return out


def assert_clean(driver, url: str) -> None:
    """No console error, no network request (performance log and resource timing)."""
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, f"console errors on {url}: {severe}"
    assert network_requests(driver, url) == []
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0


SNAP = """
function snap(root, i) {
  const view = root.querySelector('.glp-view[data-view="' + i + '"]');
  const nodes = {};
  view.querySelectorAll('g.node[id]').forEach(g => {
    const all = sel => Array.from(g.querySelectorAll(sel));
    nodes[g.id] = {texts: all('text').map(t => t.textContent),
                   fills: all('polygon').map(p => p.getAttribute('fill'))};
  });
  const rows = Array.from(root.querySelectorAll('.glp-table tbody tr'));
  return {nodes: nodes,
          hot: Array.from(view.querySelectorAll('.glp-hot')).map(g => g.id).sort(),
          wl: Array.from(view.querySelectorAll('.glp-wl')).map(t => t.textContent),
          caption: root.querySelector('.glp-caption').textContent,
          note: root.querySelector('.glp-note').textContent,
          count: root.querySelector('.glp-count').textContent,
          slider: root.querySelector('.glp-slider').value,
          step: root.dataset.step,
          active: rows.findIndex(r => r.classList.contains('active')),
          rows: rows.length,
          hidden: view.hidden};
}
"""


def snapshot(driver, root, view: int = 0) -> dict:
    """What the player shows now: every node's texts and fills, the highlighted
    ids, floating labels, caption, note, counter, slider, active table row."""
    return driver.execute_script(SNAP + "return snap(arguments[0], arguments[1]);", root, view)


def walk(driver, root, view: int, ks) -> list:
    """Drag the slider to each k in turn (an `input` event each) and take a
    snapshot there: one round trip for many steps."""
    return driver.execute_script(SNAP + """
const root = arguments[0], slider = root.querySelector('.glp-slider');
return arguments[2].map(k => {
  slider.value = String(k); slider.dispatchEvent(new Event('input', {bubbles: true}));
  return snap(root, arguments[1]);
});""", root, view, list(ks))


def grad_texts(snap: dict, prefix: str = "v") -> dict:
    """The last text of every node group whose id is prefix + digits (v3, n12)."""
    return {i: n["texts"][-1] for i, n in snap["nodes"].items()
            if i.startswith(prefix) and i[len(prefix):].isdigit()}


def step_of(driver, root) -> int:
    return int(driver.execute_script("return arguments[0].dataset.step", root))


def button(root, act: str):
    return root.find_element(By.CSS_SELECTOR, f'[data-act="{act}"]')


def click(driver, root, act: str, expect: int) -> None:
    button(root, act).click()
    wait_for(driver, lambda: step_of(driver, root) == expect, f"step {expect} after {act}")


def slide(driver, root, k: int) -> None:
    """Move the slider as a user drags it: set the value, fire `input`."""
    driver.execute_script(
        "const s = arguments[0].querySelector('.glp-slider'); s.value = String(arguments[1]);"
        "s.dispatchEvent(new Event('input', {bubbles: true}));", root, k)
    wait_for(driver, lambda: step_of(driver, root) == k, f"step {k} after the slider")


def toggle(driver, root, view: int, expect: int) -> None:
    """Click a view's toggle button; it must open at step `expect`."""
    root.find_element(By.CSS_SELECTOR, f'.glp-views button[data-view="{view}"]').click()
    wait_for(driver, lambda: driver.execute_script("return arguments[0].glPlayer.state()", root)
             == {"view": view, "step": expect}, f"view {view} at step {expect}")
    assert root.find_element(By.CSS_SELECTOR, ".glp-views button.on").get_attribute(
        "data-view") == str(view)


def svg_group(root, view: int, gid: str):
    return root.find_element(By.CSS_SELECTOR, f'.glp-view[data-view="{view}"] g[id="{gid}"]')


def expected_cell(trace, k: int) -> tuple:
    """(element id, grad text) of step k's parent, from the trace's steps alone."""
    s = trace.steps[k - 1]
    index = trace.view("scalar").scene.index
    total = sum(1 for t in trace.steps if t.parent is s.parent and t.node is not None)
    so_far = sum(1 for t in trace.steps[:k] if t.parent is s.parent and t.node is not None)
    suffix = "" if s.node is None or so_far == total else f" ({so_far} of {total})"
    return f"v{index[s.parent]}", f"grad {_fmt(s.after, 4)}{suffix}"


def expected_state(trace, k: int) -> dict:
    """Every node's last text after step k, as trace.frame(k) draws it."""
    cells, labels = trace.view("scalar").state_at(k)
    out = {i: c[0] for i, c in cells.items()}
    out.update(labels)
    return out


def expected_fills(trace, k: int) -> dict:
    """Every value's gradient-cell colour after step k."""
    return {i: c[1] for i, c in trace.view("scalar").state_at(k)[0].items()}


def cell_fills(snap: dict, prefix: str = "v") -> dict:
    """The colour of every value's (or neuron's) one filled cell, as the page has it."""
    out = {}
    for i, n in snap["nodes"].items():
        if i.startswith(prefix) and i[len(prefix):].isdigit():
            filled = [f for f in n["fills"] if f != "none"]
            out[i] = filled[0] if len(filled) == 1 else filled
    return out


CLICK_TARGETS = """
const view = arguments[0].querySelector('.glp-view[data-view="' + arguments[1] + '"]');
const pattern = new RegExp(arguments[2]), missed = [];
view.querySelectorAll('g.node[id]').forEach(g => {
  if (!pattern.test(g.id)) return;
  g.scrollIntoView({block: 'center', inline: 'center'});
  g.querySelectorAll('polygon').forEach((p, i) => [0.2, 0.5, 0.8].forEach(f => {
    const r = p.getBoundingClientRect();
    const e = document.elementFromPoint(r.left + f * r.width, r.top + r.height / 2);
    if (!e || e.closest('g.node') !== g) missed.push(g.id + ' polygon ' + i + ' at ' + f);
  }));
});
return missed;
"""


def click_dispatch(driver, element) -> None:
    driver.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", element)


DRAWN = """
return Array.from(arguments[0].querySelectorAll('.glp-view')).map(
  v => Array.from(v.querySelectorAll('g[id]')).map(g => g.id));
"""


TEXT_SIZES = """
const root = arguments[0], out = [];
const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
root.querySelectorAll('.glp-view:not([hidden]) svg text').forEach(t => {
  const m = t.getScreenCTM();
  if (!t.textContent.trim() || !m || !visible(t)) return;
  out.push([parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b), t.textContent]);
});
root.querySelectorAll('button, select, label, span, .glp-caption, .glp-note, th, td').forEach(e => {
  const own = Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
  if (own && visible(e)) out.push([parseFloat(getComputedStyle(e).fontSize), e.textContent.trim()]);
});
return out;
"""


def text_sizes(driver, root) -> list:
    """``[(CSS px, text), ...]`` of every text the player shows now, as laid out in the
    browser: the drawing's texts (their font size times the drawing's scale on screen,
    the zoom included) and the controls', caption's and table's."""
    return [tuple(t) for t in driver.execute_script(TEXT_SIZES, root)]


def smallest_text(driver, root) -> tuple:
    """The smallest text the player shows now: ``(CSS px, text)``."""
    return min(text_sizes(driver, root))


def zoom_to(driver, root, mode: str) -> None:
    """Pick a zoom ("readable", "fit" or "1" for 100%) as a user does."""
    driver.execute_script(
        "const z = arguments[0].querySelector('.glp-zoom'); z.value = arguments[1];"
        "z.dispatchEvent(new Event('change', {bubbles: true}));", root, mode)


ACTIVE_IN_VIEW = """
const root = arguments[0], view = root.querySelector('.glp-view:not([hidden])');
const d = root.glPlayer.state(), box = view.getBoundingClientRect();
const id = root.glPlayer.active(), g = id && view.querySelector('g[id="' + id + '"]');
if (!g) return null;
const r = g.getBoundingClientRect();
return {id: g.id, step: d.step, inside: r.left >= box.left - 1 && r.right <= box.right + 1 &&
        r.top >= box.top - 1 && r.bottom <= box.bottom + 1};
"""


def active_in_view(driver, root) -> dict | None:
    """Whether what the active step is about (its ``focus``, else its first highlighted
    element; at step 0 the view's ``focus``, the root) lies inside the drawing's box:
    ``{"id", "step", "inside"}``, None when there is nothing to show."""
    return driver.execute_script(ACTIVE_IN_VIEW, root)


# --- JupyterLab, served from a folder, in the same headless Chromium ---------------------------


@contextlib.contextmanager
def jupyterlab(root: Path):
    """A JupyterLab server (the notebooks extra's) on a free port serving ``root``, its
    kernels importing this checkout, with a fresh configuration (so every notebook is
    untrusted, as from a fresh clone) and every cell kept in the page (no windowing, so
    that the outputs of a long notebook are all there to read). Yields its URL."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    import pytest

    from tests import ROOT

    settings = root / ".lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")]), JUPYTER_CONFIG_DIR=str(root / ".lab-config"),
        JUPYTER_RUNTIME_DIR=str(root / ".lab-runtime"), JUPYTER_DATA_DIR=str(root / ".lab-data"),
        JUPYTERLAB_SETTINGS_DIR=str(root / ".lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(root / ".lab-workspaces"))
    log_path = root / ".lab-server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
             f"--port={port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.token=",
             "--ServerApp.password=", f"--ServerApp.root_dir={root}"],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    pytest.fail(f"JupyterLab did not start: {log_path.read_text()}",
                                pytrace=False)
                time.sleep(0.3)
        try:
            yield url
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()


def lab_open(driver, url: str, name: str) -> None:
    """Open notebook ``name`` in JupyterLab (a workspace of its own) and wait for its
    cells and its kernel."""
    from selenium.webdriver.common.by import By

    driver.get(f"{url}/lab/workspaces/t{abs(hash(name))}/tree/{name}?reset")
    wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell"),
             f"the cells of {name}", timeout=60)
    wait_for(driver, lambda: "Idle" in driver.find_element(By.ID, "jp-main-statusbar").text,
             "the kernel", timeout=60)


def lab_run_cell(driver, index: int, wait_for_output: str = ".jp-OutputArea-output") -> None:
    """Run code cell ``index`` (0 first) as a learner does: click it, Shift+Enter; wait
    until it shows an output."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    cells = driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")
    editor = cells[index].find_element(By.CSS_SELECTOR, ".jp-InputArea-editor")
    driver.execute_script("arguments[0].scrollIntoView(); arguments[0].click()", editor)
    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
    wait_for(driver, lambda: driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")
             [index].find_elements(By.CSS_SELECTOR, wait_for_output),
             f"the output of cell {index}", timeout=90)
