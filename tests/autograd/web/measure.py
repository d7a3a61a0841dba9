"""Measures the page (not a test: ``python -m tests.autograd.web.measure [RUNS]``): the
built size, and the time from page load to the example's first drawing in headless
Chromium from localhost, cold (a new browser profile each run: nothing cached) and warm
(the page reloaded: the browser's HTTP cache), as medians; how long Stop takes to give a
fresh Python; then Graphviz in WebAssembly
against the dot program on the same drawings (the README neuron; 48 steps of
``(v * 1.01 + 0.1).tanh()``, 385 drawn nodes, near draw_graph's default limit of 400)."""

import functools
import http.server
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from autograd import Value, draw_graph
from autograd.web import build
from tests.autograd.graphs import tanh_neuron
from tests.conftest import chromium

CHAIN = ("from autograd import Value\nimport time\nv = Value(0.5, label='x')\n"
         "for k in range(48):\n    v = (v * 1.01 + 0.1).tanh()\nv.backward()\n")
TIMED = ("t = time.perf_counter()\nsvg = draw_graph({what}).svg()\n"
         "print(round(time.perf_counter() - t, 3))\n")


def _serve(site: Path) -> str:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/index.html"


def _first_drawing(driver, url: str) -> float:
    driver.get(url)
    for _ in range(1200):
        seconds = driver.execute_script("return document.body.dataset.firstDrawing")
        if seconds:
            return float(seconds)
        time.sleep(0.1)
    raise RuntimeError("no drawing after 120 s")


def _in_page(driver, code: str) -> str:
    runs = driver.execute_script("return Number(document.body.dataset.runs || 0)")
    driver.execute_script("document.getElementById('editor').value = arguments[0];"
                          "document.getElementById('run').click();", code)
    while driver.execute_script("return Number(document.body.dataset.runs || 0)") == runs:
        time.sleep(0.05)
    return driver.execute_script("return document.getElementById('output').textContent")


def _stop_and_restart(driver) -> float:
    driver.execute_script("document.getElementById('editor').value = 'while True: pass';"
                          "document.getElementById('run').click();")
    time.sleep(0.5)
    t = time.perf_counter()
    driver.execute_script("document.getElementById('stop').click();")
    while driver.execute_script("return document.body.dataset.state") != "ready":
        time.sleep(0.02)
    return time.perf_counter() - t


def _dot_seconds(root) -> float:
    drawing = draw_graph(root)
    t = time.perf_counter()
    drawing.svg()
    return time.perf_counter() - t


def main(runs: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = build(Path(tmp, "site"))
        files = [p for p in site.rglob("*") if p.is_file()]
        print(f"built size: {sum(p.stat().st_size for p in files) / 1e6:.1f} MB in "
              f"{len(files)} files")
        url = _serve(site)
        cold = []
        for k in range(runs):
            driver = chromium(f"--user-data-dir={tmp}/profile{k}", "--window-size=1280,800")
            cold.append(_first_drawing(driver, url))
            driver.quit()
        driver = chromium(f"--user-data-dir={tmp}/warm", "--window-size=1280,800")
        _first_drawing(driver, url)
        warm = [_first_drawing(driver, url) for _ in range(runs)]
        print(f"first drawing, cold: median {statistics.median(cold):.2f} s "
              f"({', '.join(f'{s:.2f}' for s in cold)})")
        print(f"first drawing, warm: median {statistics.median(warm):.2f} s "
              f"({', '.join(f'{s:.2f}' for s in warm)})")
        restart = [_stop_and_restart(driver) for _ in range(runs)]
        print(f"Stop to Python ready again: median {statistics.median(restart):.2f} s "
              f"({', '.join(f'{s:.2f}' for s in restart)})")
        wasm = {}
        for name, setup, what in [("README neuron", _NEURON, "o"), ("48-step chain", CHAIN, "v")]:
            out = _in_page(driver, setup + "\n".join([TIMED.format(what=what)] * runs))
            wasm[name] = [float(x) for x in out.split()]
        driver.quit()
    chain = Value(0.5, label="x")
    for _ in range(48):
        chain = (chain * 1.01 + 0.1).tanh()
    chain.backward()
    neuron = tanh_neuron()
    neuron.backward()
    for name, root in [("README neuron", neuron), ("48-step chain", chain)]:
        nodes = draw_graph(root).source.count("[")
        dot = [_dot_seconds(root) for _ in range(runs)]
        print(f"{name} (~{nodes} DOT statements): Graphviz in WebAssembly (Pyodide, Chromium) "
              f"median {statistics.median(wasm[name]):.3f} s, the dot program (CPython) "
              f"median {statistics.median(dot):.3f} s")
    print(json.dumps({"cold": cold, "warm": warm, "wasm": wasm}))


_NEURON = ("from autograd import Value\nimport time\n"
           "x1, x2 = Value(2.0, label='x1'), Value(0.0, label='x2')\n"
           "w1, w2 = Value(-3.0, label='w1'), Value(1.0, label='w2')\n"
           "b = Value(6.8813735870195432, label='b')\n"
           "o = Value.sum([x1 * w1, x2 * w2, b]).tanh()\no.backward()\n")

if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
