"""Measure the course site: its size by part, and the time from opening notebook 1 in the
lab to the kernel's first output, in headless Chromium served from localhost with every
request beyond localhost refused (as tests/nn/site runs it). Not a test: numbers.

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


def kernel_start(root: Path, runs: int) -> list[float]:
    """Seconds from opening the notebook to the kernel's first output, once per run, each
    in a fresh browser (an empty cache)."""
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
        seconds.append(time.perf_counter() - started)
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
        seconds = kernel_start(root, args.runs)
        print(f"kernel's first output: median {statistics.median(seconds):.1f} s of "
              f"{args.runs} ({', '.join(f'{s:.1f}' for s in seconds)})")


if __name__ == "__main__":
    main()
