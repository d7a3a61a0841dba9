"""Graphviz in WebAssembly for a Python in the browser that nobody gave it: a JupyterLite
kernel (the course site's lab), where Pyodide runs in the kernel's own worker and no
``gradlabRenderDot`` is defined (gradlab's page defines it in its worker.js).

    load_graphviz()      # once; dot.render calls it by itself on the first drawing

It reads ``viz/viz.js`` (@viz-js/viz: one ES module, Graphviz's WebAssembly inside it)
from beside the ``autograd`` folder (where the course site puts it), imports it as a
module from a Blob URL (a module worker has no ``importScripts``), waits for Graphviz to
start with ``pyodide.ffi.run_sync`` (WebAssembly's JavaScript promise integration, JSPI,
which Chromium has), and defines ``gradlabRenderDot(source, format)`` on the worker's
global scope as the page's worker does. No request leaves the kernel's drive.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .. import _internal

__all__ = ["VIZ_JS", "load_graphviz"]

# where the course site's lab puts @viz-js/viz's dist/viz.js: beside autograd/
VIZ_JS = Path(__file__).resolve().parents[2] / "viz" / "viz.js"

# a module from the file's text, then Graphviz's instance, then the function worker.js defines
_DEFINE = """async (text) => {
  const url = URL.createObjectURL(new Blob([text], {type: "text/javascript"}));
  try {
    const viz = await (await import(url)).instance();
    globalThis.gradlabRenderDot = (source, format) => viz.renderString(source, {format});
  } finally {
    URL.revokeObjectURL(url);
  }
}"""


def load_graphviz(path=None) -> bool:
    """Define ``gradlabRenderDot`` on this browser worker's global scope from @viz-js/viz's
    ``viz.js`` at ``path`` (default ``VIZ_JS``). Returns True when this call defined it,
    False when it was there already (gradlab's page, or an earlier call). Only on Pyodide
    (``sys.platform == "emscripten"``); raises ``FileNotFoundError`` when the file is
    missing and ``RuntimeError`` when this Python cannot wait for JavaScript (no JSPI).
    (``dot.render`` turns either into its ``GraphvizNotFoundError``; this module knows
    nothing of ``dot``, which builds on it.)"""
    path = VIZ_JS if path is None else _internal.file_path(path, "load_graphviz: path")
    if sys.platform != "emscripten":
        raise RuntimeError("load_graphviz is for Python in a browser (Pyodide); here "
                           "drawings use the dot program or pygraphviz")
    import js  # Pyodide's bridge to the worker's global scope

    if getattr(js, "gradlabRenderDot", None) is not None:
        return False
    if not Path(path).is_file():
        raise FileNotFoundError(
            f"no Graphviz for this browser's Python: {path} is not there (the course "
            "site's lab ships @viz-js/viz's viz.js beside autograd/; gradlab's page "
            "defines gradlabRenderDot itself). The DOT text is still available as .source")
    from pyodide.code import run_js
    from pyodide.ffi import can_run_sync, run_sync

    if not can_run_sync():
        raise RuntimeError(
            "this browser's Python cannot wait for JavaScript here (pyodide.ffi.run_sync "
            "needs JSPI, WebAssembly's JavaScript promise integration: Chromium has it), so "
            "it cannot start Graphviz in WebAssembly. The DOT text is still available as "
            ".source")
    run_sync(run_js(_DEFINE)(Path(path).read_text(encoding="utf-8")))
    return True
