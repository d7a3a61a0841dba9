"""Graphviz: DOT text laid out and rendered, with the ``dot`` program when it is on PATH,
otherwise in-process with pygraphviz (whose wheels carry the Graphviz libraries), and in
the browser (Pyodide, ``sys.platform == "emscripten"``) by Graphviz compiled to
WebAssembly: the page's worker defines ``gradlabRenderDot(source, format)`` on its global
scope (``autograd/web/worker.js``, backed by @viz-js/viz), a synchronous function that
Python calls through Pyodide's ``js`` module; where nobody defined it (a JupyterLite
kernel) ``browser.load_graphviz`` defines it on the first drawing. That one draws SVG,
DOT and JSON, no PNG or PDF (Graphviz's cairo renderer is not in it).
``GraphDrawing`` is what ``draw_graph`` and ``trace.frame(k)`` return."""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .. import _internal

__all__ = ["render", "render_both", "GraphDrawing", "GraphvizNotFoundError"]

_INSTALL_HELP = (
    "no Graphviz renderer found: install the Graphviz programs (Debian/Ubuntu: "
    "'apt-get install graphviz', macOS: 'brew install graphviz', conda: 'conda install "
    "graphviz') or the in-process renderer with 'pip install pygraphviz'; the DOT "
    "text is still available as .source"
)


_BROWSER_HELP = (
    "no Graphviz renderer in this browser: gradlab draws on Pyodide through a function "
    "gradlabRenderDot(source, format) on the worker's global scope, which gradlab's page "
    "defines (python -m autograd.web build), or loads from viz/viz.js beside autograd/ "
    "(the course site's lab: gradlab-site); here neither is there. The DOT text is still "
    "available as .source"
)
IN_BROWSER = sys.platform == "emscripten"
BROWSER_FORMATS = ("svg", "dot", "json0")  # what Graphviz in WebAssembly draws


class GraphvizNotFoundError(RuntimeError):
    """Neither the ``dot`` program nor pygraphviz (nor, in the browser, Graphviz in
    WebAssembly) is available to lay out a graph."""


def _check_source(source, who: str) -> None:
    if not isinstance(source, str):
        raise TypeError(f"{who}: source must be DOT text (a str), got {type(source).__name__}: "
                        f"{source!r:.40}")


def render(source: str, fmt: str = "svg") -> bytes:
    """Lay out and render DOT text: with ``dot`` if on PATH, else with pygraphviz.

    ``fmt`` is svg, png, pdf, dot (the layout as DOT, with positions) or json0
    (the layout as JSON: every node's position and size, every edge's path).
    """
    if not isinstance(fmt, str) or fmt not in ("svg", "png", "pdf", "dot", "json0"):
        raise ValueError(f"render: fmt (the format) must be svg, png, pdf, dot or json0, got "
                         f"{fmt!r:.40}")
    _check_source(source, "render")
    if IN_BROWSER:
        return _render_in_browser(source, fmt)
    dot = shutil.which("dot")
    if dot:
        done = subprocess.run([dot, f"-T{fmt}"], input=source.encode(), capture_output=True,
                              timeout=120)
        if done.returncode != 0:
            why = done.stderr.decode(errors="replace").strip()
            if "syntax error" in why:  # the text given, not Graphviz, is wrong
                raise ValueError(f"render: source is not valid DOT: {why}")
            raise RuntimeError(f"dot failed: {why}")
        return done.stdout
    try:
        import pygraphviz
    except ImportError:
        raise GraphvizNotFoundError(_INSTALL_HELP) from None
    return pygraphviz.AGraph(string=source).draw(format=fmt, prog="dot")


def _render_in_browser(source: str, fmt: str) -> bytes:
    """The third path: Graphviz in WebAssembly, through the page's ``gradlabRenderDot``."""
    if fmt not in BROWSER_FORMATS:
        raise GraphvizNotFoundError(f"Graphviz in the browser draws {', '.join(BROWSER_FORMATS)}"
                                    f", not {fmt}: use .svg()")
    import js  # Pyodide's bridge to the worker's global scope

    if getattr(js, "gradlabRenderDot", None) is None:  # a JupyterLite kernel: load it
        from .browser import VIZ_JS, load_graphviz

        if not VIZ_JS.is_file():
            raise GraphvizNotFoundError(_BROWSER_HELP)
        try:
            load_graphviz()
        except (FileNotFoundError, RuntimeError) as e:  # its file went, or no JSPI here
            raise GraphvizNotFoundError(str(e)) from None
    renderer = js.gradlabRenderDot
    try:
        return str(renderer(source, fmt)).encode()
    except Exception as e:  # a JavaScript Error from Graphviz: its message says what failed
        message = str(e).removeprefix("Error: ").strip()
        raise RuntimeError(f"Graphviz (WebAssembly) failed: {message}") from None


def render_both(source: str) -> tuple[str, bytes]:
    """One layout, two renders: ``(svg text, png bytes)``, the same picture (what a notebook
    output carries: SVG where it is trusted, the PNG everywhere else)."""
    dot = shutil.which("dot")
    if dot:
        with tempfile.TemporaryDirectory() as tmp:
            svg, png = Path(tmp, "g.svg"), Path(tmp, "g.png")
            done = subprocess.run([dot, "-Tsvg", "-o", str(svg), "-Tpng", "-o", str(png)],
                                  input=source.encode(), capture_output=True, timeout=120)
            if done.returncode != 0:
                raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
            return svg.read_text(encoding="utf-8"), png.read_bytes()
    try:
        import pygraphviz
    except ImportError:
        raise GraphvizNotFoundError(_INSTALL_HELP) from None
    graph = pygraphviz.AGraph(string=source)
    graph.layout(prog="dot")
    return graph.draw(format="svg").decode(), graph.draw(format="png")


class GraphDrawing:
    """A drawn graph: DOT ``source``, and renders on demand. In Jupyter it shows as SVG
    with the same picture as PNG beside it, for wherever SVG is not shown (an untrusted
    notebook in JupyterLab, GitHub)."""

    def __init__(self, source: str):
        _check_source(source, "GraphDrawing")
        self.source = source

    def svg(self) -> str:
        return render(self.source, "svg").decode()

    def png(self) -> bytes:
        return render(self.source, "png")

    def save(self, path) -> Path:
        """Write ``.svg``, ``.png``, ``.pdf`` or ``.dot`` by the file's extension, atomically."""
        path = _internal.file_path(path, "save: path")
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("svg", "png", "pdf", "dot", "gv"):
            raise ValueError(f"save: use a .svg, .png, .pdf or .dot file name, got {path.name!r}")
        data = self.source.encode() if fmt in ("dot", "gv") else render(self.source, fmt)
        _internal.write_atomically(path, data)
        return path

    def _repr_mimebundle_(self, include=None, exclude=None):
        try:
            if IN_BROWSER:  # no PNG there; the browser shows the SVG
                return {"image/svg+xml": self.svg(), "text/plain": self._text()}
            svg, png = render_both(self.source)
            return {"image/svg+xml": svg, "image/png": base64.b64encode(png).decode("ascii"),
                    "text/plain": self._text()}
        except Exception as e:  # a repr must never raise: fall back to text
            return {"text/plain": f"{self._text()}\n({e})"}

    def _text(self) -> str:
        return f"GraphDrawing({self.source.count('->')} edges; .svg(), .png(), .save(path))"

    def __repr__(self) -> str:
        return self._text()
