"""gradlab in the browser, no install: a static page that runs gradlab on Pyodide
(Python compiled to WebAssembly) in a Web Worker, drawing with Graphviz compiled to
WebAssembly.

- ``assets``: the pinned npm tarballs (Pyodide's core, @viz-js/viz), fetched without
  Node, checked against their pinned digests, cached, unpacked file by file.
"""
