"""gradlab in the browser, no install: a static page that runs gradlab on Pyodide
(Python compiled to WebAssembly) in a Web Worker, drawing with Graphviz compiled to
WebAssembly. ``python -m autograd.web build OUT_DIR`` writes it.

- ``assets``: the pinned npm tarballs (Pyodide's core, @viz-js/viz), fetched without
  Node, checked against their pinned digests, cached, unpacked file by file;
- ``build``: the page as a folder of static files (the page's own files ``index.html``,
  ``page.js``, ``page.css``, ``worker.js``, gradlab's sources as ``gradlab.zip``, the
  two packages);
- ``runner``: what the worker runs on Pyodide: the learner's code, then the drawings
  and the step-through it shows.
"""

from .assets import AssetError
from .build import build

__all__ = ["AssetError", "build"]
