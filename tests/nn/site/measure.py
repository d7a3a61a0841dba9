"""Measure the course site: its size by part, the time from opening notebook 1 in the lab
to the kernel's first output and to its first drawing (the cell after it: the first
``draw_graph`` loads Graphviz in WebAssembly), in headless Chromium served from localhost
with every request beyond localhost refused (as tests/nn/site runs it). Not a test.

    python -m tests.nn.site.measure                # builds a site in a temporary folder
    python -m tests.nn.site.measure SITE --runs 5  # or measures a built one
"""

import argparse
import functools
import http.server
import statistics
import tempfile
import threading
import time
from pathlib import Path

from nn.site import build_site
from tests.conftest import chromium
from tests.nn.site.conftest import DEMO, Outside, _Quiet, _refusing_proxy
from tests.nn.site.test_lab import KERNEL, NOTEBOOK


def sizes(root: Path) -> dict:
    """MB per part of the site, and in all."""
    size = lambda p: sum(f.stat().st_size for f in p.rglob("*") if f.is_file())  # noqa: E731
    parts = {p.name: size(p) / 2**20 for p in sorted(root.iterdir()) if p.is_dir()}
    return {**parts, "all": size(root) / 2**20}


FIRST_DRAWING = """import time
from autograd import Value, draw_graph
started = time.perf_counter()
x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.8813735870195432, "b")
svg = draw_graph((x * w + b).tanh()).svg()
print(time.perf_counter() - started)"""


def kernel_start(root: Path, runs: int) -> list[tuple]:
    """(seconds to the kernel's first output, to its first drawing, the drawing cell's own
    seconds) from opening the notebook, once per run, each in a fresh browser (an empty
    cache)."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    outside = Outside()
    proxy = _refusing_proxy(outside)
    seconds = []
    for _ in range(runs):
        driver = chromium(f"--proxy-server=http://127.0.0.1:{proxy.server_address[1]}")
        driver.set_script_timeout(240)
        started = time.perf_counter()
        driver.get(f"http://127.0.0.1:{server.server_port}/lab/lab/index.html?path={NOTEBOOK}")
        printed = driver.execute_async_script(KERNEL, ["print(1 + 1)"])
        first_output = time.perf_counter() - started
        drawn = driver.execute_async_script(KERNEL, [FIRST_DRAWING])
        seconds.append((first_output, time.perf_counter() - started, float(drawn[0])))
        driver.quit()
        assert printed == ["2\n"], printed
    assert outside.of_the_site() == [], outside
    server.shutdown()
    proxy.shutdown()
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", nargs="?", type=Path, help="a built site (default: build one)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.site
        if root is None:
            root = Path(tmp) / "site"
            started = time.perf_counter()
            parts = build_site(root, DEMO)
            print(f"built in {time.perf_counter() - started:.1f} s: "
                  + ", ".join(f"{k} {v:.1f} s" for k, v in parts.items()))
        print("MB: " + ", ".join(f"{k} {v:.1f}" for k, v in sizes(root).items()))
        runs = kernel_start(root, args.runs)
        for i, what in enumerate(("kernel's first output", "first drawing",
                                  "the drawing cell itself")):
            times = [run[i] for run in runs]
            print(f"{what}: median {statistics.median(times):.2f} s of {args.runs} "
                  f"({', '.join(f'{s:.2f}' for s in times)})")


if __name__ == "__main__":
    main()
