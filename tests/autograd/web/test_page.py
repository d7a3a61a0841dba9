"""The page (autograd/web: index.html, page.js, page.css, worker.js) in real headless
Chromium, served from localhost and offline: Pyodide and Graphviz in WebAssembly load
from the built folder only, typed code runs and its drawn gradients are CPython's, the
step-through steps, a Python error shows its traceback, Stop ends a loop that never does.

One page load serves every test of the module (Pyodide starts once, a few seconds);
the Stop test starts a second Python, as the button does."""

import json
import re
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from autograd.viz.style import fmt
from autograd.web.runner import run
from tests.player import step_of, wait_for

START = 120  # seconds for Python to start (a few here; a loaded CI machine is slower)
RUN = 60

# micrograd's README expression as a learner types it (tests.autograd.graphs has it as a
# function; here it is the text the page runs, checked against micrograd's numbers below)
MICROGRAD = """from autograd import Value
a = Value(-4.0, label="a")
b = Value(2.0, label="b")
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
print(f"{g.data:.4f}")
g"""


@pytest.fixture(scope="module")
def page(driver, served):
    """The page loaded once: the example has run and been drawn. Yields the driver with
    every network request the load made (the performance log, the worker's included)."""
    driver.get_log("performance")
    driver.get(served + "index.html")
    wait_for(driver, lambda: driver.execute_script("return document.body.dataset.firstDrawing"),
             "the example's first drawing", timeout=START)
    yield driver, served


def _page_requests(driver) -> list:
    """What the page itself asked for (its worker's requests are not in this log)."""
    out = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            out.append(msg["params"]["request"]["url"])
    return out


def _hosts(urls) -> set:
    return {urlsplit(u).hostname for u in urls if urlsplit(u).scheme in ("http", "https")}


def _state(driver) -> str:
    return driver.execute_script("return document.body.dataset.state")


def _run(driver, code: str, *, keys: bool = False) -> None:
    """Put ``code`` in the editor and run it (the Run button, or Ctrl+Enter as typed),
    then wait until the page has shown the result."""
    runs = driver.execute_script("return Number(document.body.dataset.runs || 0)")
    wait_for(driver, lambda: _state(driver) == "ready", "Python ready", timeout=START)
    editor = driver.find_element(By.ID, "editor")
    driver.execute_script("arguments[0].value = arguments[1];", editor, code)
    if keys:
        editor.send_keys(Keys.CONTROL, Keys.ENTER)
    else:
        driver.find_element(By.ID, "run").click()
    wait_for(driver, lambda: driver.execute_script(
        "return Number(document.body.dataset.runs || 0)") > runs, "the run's result",
        timeout=RUN)


def _drawn(driver) -> list:
    """Each drawing in the page: its data-grads and, from the SVG, every value box's
    texts (name, data, grad) by name."""
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('#graphs figure.graph')).map(f => ({
          grads: JSON.parse(f.dataset.grads),
          boxes: Object.fromEntries(Array.from(f.querySelectorAll('svg g.node'))
            .map(g => Array.from(g.querySelectorAll('text')).map(t => t.textContent))
            .filter(t => t.length === 3).map(t => [t[0], t]))}));""")


SITE_FILES = {"index.html", "page.js", "page.css", "worker.js", "pyodide.mjs", "pyodide.asm.mjs",
              "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json", "viz.js",
              "gradlab.zip"}


def test_the_page_loads_with_no_request_leaving_the_machine(page):
    """Every request the page and its worker made (Chromium's NetLog: initiated by the
    site, or the page itself) went to 127.0.0.1; Chromium's own (initiator "not an
    origin": update checks, its start page) are not the page's."""
    driver, served = page
    origin = served.rstrip("/")

    def ours():
        return [url for url, initiator in driver.netlog.requests()
                if initiator != "not an origin" or url.startswith(served)]

    wait_for(driver, lambda: SITE_FILES <= {urlsplit(u).path.rsplit("/", 1)[-1]
                                            for u in ours()},
             "the site's files in the NetLog", timeout=30)
    assert _hosts(ours()) == {"127.0.0.1"}, ours()
    assert {i for _, i in driver.netlog.requests()} <= {origin, "not an origin"}
    assert _hosts(_page_requests(driver)) == {"127.0.0.1"}  # the page's own log agrees
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []


def test_the_example_is_the_lectures_neuron_drawn_with_cpythons_gradients(page):
    """To the last bit but one: tanh is the C library's, and Pyodide's (musl) and
    glibc's differ by an ulp here (o = 0.7071067811865476 there, ...477 here)."""
    driver, _ = page
    example = driver.execute_script("return document.getElementById('editor').value")
    expected = json.loads(run(example))
    assert expected["error"] is None and [g["title"] for g in expected["graphs"]] == ["o"]
    [drawing] = _drawn(driver)
    want = expected["graphs"][0]["grads"]
    assert set(drawing["grads"]) == set(want) == {"x1", "x2", "w1", "w2", "b", "mul1", "mul2",
                                                  "add1", "n", "o"}
    for name, grad in drawing["grads"].items():
        assert float(grad) == pytest.approx(float(want[name]), rel=1e-14, abs=1e-15), name
        if name in drawing["boxes"]:
            assert drawing["boxes"][name][2] == "grad " + fmt(float(want[name])), name
    output = driver.find_element(By.ID, "output").text
    assert re.search(r"^o = 0\.70710678118654\d\d$", output, re.M), output


def test_typed_code_runs_and_its_drawn_gradients_equal_backward_in_cpython(page):
    driver, _ = page
    _run(driver, MICROGRAD, keys=True)
    assert driver.find_element(By.ID, "output").text.strip() == "24.7041"
    [drawing] = _drawn(driver)
    expected = json.loads(run(MICROGRAD))["graphs"][0]["grads"]
    assert drawing["grads"] == expected
    # micrograd's README: a.grad = 138.83381924198252, b.grad = 645.5772594752186
    assert float(drawing["grads"]["a"]) == pytest.approx(138.83381924198252, rel=1e-14)
    assert float(drawing["grads"]["b"]) == pytest.approx(645.5772594752186, rel=1e-14)
    for name, grad in expected.items():
        if name in drawing["boxes"]:
            assert drawing["boxes"][name][2] == "grad " + fmt(float(grad)), name
    assert {"a", "b", "g"} <= set(drawing["boxes"])
    caption = driver.find_element(By.CSS_SELECTOR, "#graphs figcaption").text
    assert "the page ran g.backward()" in caption  # the code called no backward()


def test_the_step_through_steps(page):
    driver, _ = page
    _run(driver, "from autograd import Value\nx = Value(3.0, label='x')\n"
                 "y = x * x + x\ny.label = 'y'\ny.backward()\nshow(y)")
    frame = driver.find_element(By.ID, "player")
    assert frame.is_displayed()
    driver.switch_to.frame(frame)
    try:
        root = wait_for(driver, lambda: driver.execute_script(
            "const r = document.querySelector('.glp');"
            "return r && r.dataset.step !== undefined ? r : null;"), "the player")
        assert step_of(driver, root) == 0
        count = root.find_element(By.CSS_SELECTOR, ".glp-count")
        total = int(count.text.split("/")[1])
        assert total >= 3
        root.find_element(By.CSS_SELECTOR, '[data-act="next"]').click()
        wait_for(driver, lambda: step_of(driver, root) == 1, "step 1")
        assert count.text == f"1 / {total}"
        active = root.find_elements(By.CSS_SELECTOR, ".glp-table tbody tr.active")
        assert len(active) == 1 and active[0].text.split()[0] == "1"
        root.find_element(By.CSS_SELECTOR, '[data-act="last"]').click()
        wait_for(driver, lambda: step_of(driver, root) == total, "the last step")
        x_box = driver.execute_script(
            "return Array.from(document.querySelectorAll('g.node')).map(g => Array.from("
            "g.querySelectorAll('text')).map(t => t.textContent)).find(t => t[0] === 'x')")
        assert x_box[-1] == "grad " + fmt(7.0)  # dy/dx = 2x + 1, after the whole pass
    finally:
        driver.switch_to.default_content()


def test_a_python_error_shows_its_traceback_and_the_page_runs_on(page):
    driver, _ = page
    _run(driver, "from autograd import Value\n\ndef f(v):\n    return v / 0\n\n"
                 "print('before')\nf(Value(1.0))\n")
    output = driver.find_element(By.ID, "output").text
    assert "before" in output
    assert "Traceback (most recent call last):" in output
    assert 'File "<editor>", line 7, in <module>' in output
    assert 'File "<editor>", line 4, in f' in output
    assert re.search(r"ZeroDivisionError: .*", output)
    assert "runner.py" not in output  # the page's own frames are left out
    assert _state(driver) == "ready" and "Error" in driver.find_element(By.ID, "status").text
    _run(driver, "Value(2.0) * 3 +")
    assert "SyntaxError" in driver.find_element(By.ID, "output").text
    _run(driver, "from autograd import Value\nValue(2.0, label='p') * 3")
    assert _drawn(driver)[0]["grads"]["p"] == "3.0"


def test_stop_ends_a_loop_that_never_ends_and_python_runs_again(page):
    driver, _ = page
    wait_for(driver, lambda: _state(driver) == "ready", "Python ready")
    editor = driver.find_element(By.ID, "editor")
    driver.execute_script("arguments[0].value = arguments[1];", editor,
                          "print('looping')\nwhile True:\n    pass\n")
    driver.find_element(By.ID, "run").click()
    wait_for(driver, lambda: "looping" in driver.find_element(By.ID, "output").text,
             "the loop's first line", timeout=RUN)
    assert _state(driver) == "running"
    stop = driver.find_element(By.ID, "stop")
    assert stop.is_enabled()
    stop.click()
    assert "Stopped" in driver.find_element(By.ID, "output").text
    _run(driver, "from autograd import Value\nq = Value(5.0, label='q')\n(q * q).tanh()")
    assert _drawn(driver)[0]["grads"]["q"] == json.loads(
        run("from autograd import Value\nq = Value(5.0, label='q')\n(q * q).tanh()")
    )["graphs"][0]["grads"]["q"]


def test_a_deep_graph_neither_kills_python_nor_the_page(page):
    """50,000 operations deep: run, and freed after the run without overflowing the
    browser's stack. One dropped inside the run does overflow it (Pyodide's "fatal
    error"): the page says so and starts a fresh Python, which runs the next code."""
    driver, _ = page
    chain = "from autograd import Value\nv = Value(1.0, label='x')\nfor _ in range(50000):\n" \
            "    v = v * 1.0\n"
    _run(driver, chain + "v.backward()\nprint('grad', v.grad)")
    output = driver.find_element(By.ID, "output").text
    assert output.strip() == "grad 1.0" and _state(driver) == "ready"
    driver.execute_script("document.getElementById('editor').value = arguments[0];"
                          "document.getElementById('run').click();",
                          chain + "v = None\nprint('dropped')")
    wait_for(driver, lambda: "Python itself failed" in driver.find_element(By.ID, "output").text,
             "the page's word that Python failed", timeout=RUN)
    _run(driver, "from autograd import Value\nValue(2.0, label='p') * 3")
    assert _drawn(driver)[0]["grads"]["p"] == "3.0"


def test_the_page_reads_well_no_text_under_12_px(page):
    """At 1280x800: every text of the page at least 12 CSS px, the drawing's too (Graphviz
    writes 11 pt; the page shrinks a wide drawing to its box, but no further than that)."""
    driver, _ = page
    _run(driver, "from autograd import Value\n" + "\n".join(
        f"x{k} = Value({k}.0, label='x{k}')" for k in range(12)) +
        "\ns = Value.sum([x * x for x in [" + ", ".join(f"x{k}" for k in range(12)) +
        "]]).tanh() * x1\ns")
    small = driver.execute_script("""
        const out = [];
        for (const el of document.body.querySelectorAll('*')) {
          if (el.closest('svg') || el.tagName === 'SCRIPT' || el.tagName === 'IFRAME') continue;
          const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
          const size = parseFloat(getComputedStyle(el).fontSize);
          if (own && el.getClientRects().length && size < 12) out.push([el.tagName, el.id, size]);
        }
        return out;""")
    assert small == []
    texts = driver.execute_script("""
        return Array.from(document.querySelectorAll('#graphs svg text')).map(
          t => t.getBoundingClientRect().height);""")
    assert len(texts) > 20
    svg_px = driver.execute_script(
        "const s = document.querySelector('#graphs svg');"
        "return [s.getBoundingClientRect().width, parseFloat(s.getAttribute('width')) * 4 / 3,"
        " s.closest('#graphs').clientWidth];")
    shown, natural, box = svg_px
    assert natural > box  # wide: shrunk, or scrolled at the smallest readable size
    assert shown / natural >= 12 / (11 * 4 / 3) - 1e-3


def test_after_every_run_still_no_request_left_the_machine(page):
    """The runs above, and an import of a package Pyodide's package site has: the page
    never asks that site (ModuleNotFoundError), no request goes anywhere but 127.0.0.1."""
    driver, served = page
    _run(driver, "import numpy")
    assert "ModuleNotFoundError: No module named 'numpy'" in driver.find_element(
        By.ID, "output").text
    # a request of our own, after the run: once the NetLog shows it, it shows all before it
    driver.execute_script("fetch('NOTICE.txt?after-the-runs')")
    wait_for(driver, lambda: any(u.endswith("?after-the-runs") for u, _ in
                                 driver.netlog.requests()), "the NetLog's last lines", timeout=30)
    ours = [url for url, initiator in driver.netlog.requests()
            if initiator != "not an origin" or url.startswith(served)]
    assert len(ours) > len(SITE_FILES) and _hosts(ours) == {"127.0.0.1"}, ours


def test_opened_as_a_file_it_says_it_needs_a_web_server(driver, site):
    driver.get((site / "index.html").as_uri())
    wait_for(driver, lambda: _state(driver) == "failed", "the page's word")
    status = driver.find_element(By.ID, "status").text
    assert "needs a web server" in status and "python -m http.server" in status
    assert not driver.find_element(By.ID, "run").is_enabled()
