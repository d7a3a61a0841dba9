"""``gradlab-site OUT_DIR``: the course site, one folder of static files.

    OUT_DIR/index.html   the front page: the three parts, what runs offline
    OUT_DIR/play/        the page that runs gradlab on Pyodide (autograd.web.build)
    OUT_DIR/lab/         the notebooks as a JupyterLite site (nn.site.lab)
    OUT_DIR/demo/        gradlab-demo's pictures and pages

A teacher publishes the folder as it is on any static web server (GitHub Pages, a
university's web space, ``python -m http.server -d OUT_DIR``). It needs http(s), not
``file://``: browsers start no Web Worker from a file.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shlex
import sys
import time
from pathlib import Path

from . import lab as lab_site
from .landing import landing_page, notebook_needs, pyodide_modules

__all__ = ["DEMO_PAGES", "build_site", "main"]

# the demo's files, in the order the front page lists them, and what each shows
DEMO_PAGES = {
    "backprop_steps.html": "one neuron's forward and backward pass, step by step",
    "network_backprop.html": "the whole network on one sample, layer by layer, with its deltas",
    "training.html": "training, epoch by epoch: the decision boundary and the loss",
    "neuron_graph.svg": "the graph of one neuron after backward",
    "decision_boundary.png": "the trained model's decision boundary",
    "loss_curve.png": "the loss curve",
}


def _play(out: Path) -> str:
    """The page that runs gradlab (``autograd.web.build``), on the lab's Pyodide core (the
    same version, 12 MB: a learner who opens both downloads it once): its link."""
    from autograd.web.build import build

    build(out / "play", pyodide="../lab/static/pyodide/")
    return "play/index.html"


def _demo_arguments(out: Path, options: str):
    """gradlab-demo's parsed arguments, checked before anything is built: a bad option
    is a ValueError with gradlab-demo's one-line error."""
    from .. import demo

    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said), contextlib.redirect_stdout(said):
            return demo.argument_parser().parse_args(
                [*shlex.split(options), "--out", str(out / "demo"), "--quiet"])
    except SystemExit:
        raise ValueError(f"demo_options: {said.getvalue().strip()}") from None


def _demo(args) -> dict:
    """gradlab-demo's pictures and pages: link -> what it shows."""
    from .. import demo

    paths, _ = demo.run(args)
    written = {Path(p).name for p in paths.values()}
    return {f"demo/{name}": what for name, what in DEMO_PAGES.items() if name in written}


def build_site(out, demo_options: str = "") -> dict:
    """Build the course site into the folder ``out`` (new or empty). ``demo_options``:
    gradlab-demo's options for the demo part, as typed (``"--data spirals --epochs
    200"``). Returns {part: seconds it took to build}."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"out must be a new or empty folder, got {str(out)!r}")
    if not isinstance(demo_options, str):
        raise TypeError(f"demo_options must be a str of gradlab-demo options, got "
                        f"{type(demo_options).__name__}")
    demo_args = _demo_arguments(out, demo_options)
    out.mkdir(parents=True, exist_ok=True)
    seconds, started = {}, time.perf_counter()
    lab_site.build_lab(out / "lab")
    seconds["lab"], started = time.perf_counter() - started, time.perf_counter()
    play = _play(out)
    seconds["play"], started = time.perf_counter() - started, time.perf_counter()
    demo_pages = _demo(demo_args)
    seconds["demo"] = time.perf_counter() - started
    lock = json.loads((out / "lab" / "static" / "pyodide" / "pyodide-lock.json").read_text())
    modules = pyodide_modules(lock)
    notebooks = [notebook_needs(p, modules)
                 for p in sorted(lab_site.notebook_folder().glob("*.ipynb"))]
    (out / "index.html").write_text(landing_page(notebooks, demo_pages, play),
                                    encoding="utf-8")
    return seconds


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="gradlab-site", description="Build the course site: one folder of static "
        "files a teacher publishes (a front page, the page that runs gradlab, the notebooks "
        "as a JupyterLite site, the demo's pages).",
        epilog="example: gradlab-site site && python -m http.server -d site")
    parser.add_argument("out", type=Path, metavar="OUT_DIR", help="a new or empty folder")
    parser.add_argument("--demo", default="", metavar="OPTIONS",
                        help="gradlab-demo's options for the demo part, in quotes "
                             "(e.g. --demo='--data spirals --epochs 200')")
    args = parser.parse_args(argv)
    try:
        seconds = build_site(args.out, args.demo)
    except (ValueError, OSError) as e:  # FileExistsError, a registry out of reach, ...
        parser.exit(2, f"gradlab-site: error: {e}\n")
    parts = ", ".join(f"{part} {s:.1f} s" for part, s in seconds.items())
    print(f"wrote {args.out / 'index.html'} ({_size(args.out) / 2**20:.0f} MB in all; "
          f"built {parts}); serve it with: python -m http.server -d {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
