"""The course site's front page, and what each notebook needs beyond the engine.

``notebook_needs`` reads a notebook's code (never runs it): a cell needs what it imports
beyond Python's standard library, ``autograd`` and IPython (``nn`` brings numpy), and
what the names it uses were made with in earlier cells. Pyodide's package list says
which of those its package site has (numpy, matplotlib: online) and which the browser
cannot have at all (PyTorch).
"""

from __future__ import annotations

import ast
import html
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["NotebookNeeds", "notebook_needs", "landing_page"]

_ENGINE = {"autograd", "IPython", "__future__"}  # drawings too: the lab ships Graphviz


@dataclass
class NotebookNeeds:
    """A notebook's title and, per code cell, the packages it needs beyond the engine:
    ``online`` ones come from Pyodide's package site, ``missing`` ones Pyodide lacks."""

    file: str
    title: str
    cells: list = field(default_factory=list)  # per code cell: a set of package names
    missing: set = field(default_factory=set)

    @property
    def offline(self) -> list[int]:
        """The code cells (0-based) that need nothing beyond the engine."""
        return [i for i, needs in enumerate(self.cells) if not needs]

    @property
    def online(self) -> set:
        return set().union(*self.cells) - self.missing


def _module_needs(module: str, pyodide: dict) -> set:
    top = module.split(".")[0]
    if top in _ENGINE or top in sys.stdlib_module_names:
        return set()
    if top == "nn":
        return {"numpy"}
    return {pyodide.get(top, top)}


def _statement_needs(statement: ast.stmt, pyodide: dict, made_with: dict,
                     before: set) -> set:
    """What one statement needs (its imports, the needs of the names it reads); the
    names it binds are recorded in ``made_with`` with those needs and ``before``, the
    needs of the cell's earlier statements (without them it stops before this one)."""
    needs, bound = set(), {}
    for node in ast.walk(statement):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            for alias in node.names:
                imported = _module_needs(module or alias.name, pyodide) \
                    if not getattr(node, "level", 0) else set()
                needs |= imported
                bound[(alias.asname or alias.name).split(".")[0]] = imported
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            needs |= made_with.get(node.id, set())
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.setdefault(node.id, None)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.setdefault(node.name, None)
    for name, carried in bound.items():
        made_with[name] = before | (needs if carried is None else carried)
    return needs


def notebook_needs(path, pyodide_packages: dict) -> NotebookNeeds:
    """What notebook ``path`` needs beyond the engine, cell by cell. ``pyodide_packages``
    maps an importable module to its package in Pyodide's list (``{"sklearn":
    "scikit-learn", "numpy": "numpy", ...}``, see ``pyodide_modules``)."""
    path = Path(path)
    if not isinstance(pyodide_packages, dict):
        raise TypeError("pyodide_packages must be a dict: module -> package")
    notebook = json.loads(path.read_text(encoding="utf-8"))
    markdown = [c for c in notebook["cells"] if c["cell_type"] == "markdown"]
    title = "".join(markdown[0]["source"]).splitlines()[0].lstrip("# ") if markdown \
        else path.stem
    result, made_with = NotebookNeeds(path.name, title), {}
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        code = "\n".join(line for line in source.splitlines()
                         if not line.lstrip().startswith(("%", "!")))
        needs = set()
        for statement in ast.parse(code).body:
            needs |= _statement_needs(statement, pyodide_packages, made_with, needs)
        result.cells.append(needs)
        result.missing |= {p for p in needs if p not in pyodide_packages.values()}
    return result


def pyodide_modules(lock: dict) -> dict:
    """Module -> package, from a ``pyodide-lock.json``'s ``imports`` lists."""
    return {module: entry["name"].lower() for entry in lock["packages"].values()
            for module in entry.get("imports", [])}


_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1d2733; background: #f6f7f9; }
main { max-width: 1160px; margin: 0 auto; padding: 24px 32px 40px; }
h1 { font-size: 30px; margin: 0 0 4px; } h2 { font-size: 21px; margin: 28px 0 8px; }
.lead { color: #465566; margin: 0 0 20px; }
.parts { display: grid; grid-template-columns: repeat(3, 1fr); gap: 18px; }
.part { background: #fff; border: 1px solid #d8dde3; border-radius: 8px; padding: 16px 18px; }
.part h2 { margin: 0 0 6px; font-size: 20px; } .part p { margin: 6px 0; }
.part a.go { display: inline-block; margin-top: 6px; font-weight: 600; }
.offline { color: #1d6b35; font-weight: 600; } .online { color: #8a5a00; font-weight: 600; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 15px; }
th, td { border: 1px solid #d8dde3; padding: 5px 9px; text-align: left; vertical-align: top; }
th { background: #eef1f4; } ul { margin: 4px 0; padding-left: 22px; }
code { font-size: 14px; background: #eef1f4; padding: 0 3px; border-radius: 3px; }
"""


def _cells(indices: list[int], total: int) -> str:
    """``cells 1-9 of 10`` (1-based, runs of cells joined), ``every cell``, ``none``."""
    if len(indices) == total:
        return "every cell"
    if not indices:
        return "none"
    runs = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    text = ", ".join(f"{a + 1}" if a == b else f"{a + 1}\u2013{b + 1}" for a, b in runs)
    return f"{'cell' if len(indices) == 1 else 'cells'} {text} of {total}"


def _notebook_rows(notebooks: list) -> str:
    rows = []
    for nb in notebooks:
        link = (f'<a href="lab/lab/index.html?path={html.escape(nb.file)}">'
                f'{html.escape(nb.title)}</a>')
        online = ", ".join(sorted(nb.online)) or "nothing"
        missing = ", ".join(sorted(nb.missing)) or ""
        rows.append(f"<tr><td>{link}</td><td>{_cells(nb.offline, len(nb.cells))}</td>"
                    f"<td>{html.escape(online)}</td><td>{html.escape(missing)}</td></tr>")
    return "\n".join(rows)


def landing_page(notebooks: list, demo_pages: dict, play: str | None) -> str:
    """The front page: the three parts, what runs offline and what needs the network.
    ``notebooks``: ``NotebookNeeds``; ``demo_pages``: link -> what it shows; ``play``:
    the play page's link, or None when this build has none."""
    demo = "\n".join(f'<li><a href="{html.escape(href)}">{html.escape(what)}</a></li>'
                     for href, what in demo_pages.items())
    play_part = (f'<a class="go" href="{html.escape(play)}">Open the page</a>' if play else
                 "<p><em>Not in this build.</em></p>")
    return _PAGE.format(style=_STYLE, play=play_part, demo=demo,
                        rows=_notebook_rows(notebooks))


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gradlab: see backpropagation happen</title><style>{style}</style></head>
<body><main>
<h1>gradlab: see backpropagation happen</h1>
<p class="lead">A scalar autodiff engine and neural-network library for learning backprop,
running in your browser: Python compiled to WebAssembly (Pyodide), nothing to install.</p>
<div class="parts">
<section class="part" id="play"><h2>Play</h2>
<p>Type Python with <code>Value</code>s, press run, and see the graph with every value and
gradient, then step through backward.</p>
<p><span class="offline">Offline</span> once the page has loaded.</p>{play}</section>
<section class="part" id="lab"><h2>Notebooks</h2>
<p>The course's notebooks in JupyterLab (JupyterLite), with a Python kernel in the page.
gradlab's sources sit beside them, so <code>import autograd</code> works.</p>
<p><span class="offline">Offline:</span> the kernel, the engine's cells and their
drawings. <span class="online">Online:</span> numpy and matplotlib, loaded from Pyodide's package
site on first use.</p>
<a class="go" href="lab/lab/index.html?path=01_values_and_the_chain_rule.ipynb">Open notebook 1</a>
&nbsp; <a class="go" href="lab/lab/index.html">All notebooks</a></section>
<section class="part" id="demo"><h2>Demo</h2>
<p>An MLP trained on two moons by <code>gradlab-demo</code>, made when this site was
built: plain pages, <span class="offline">offline</span>.</p><ul>
{demo}</ul></section>
</div>
<h2 id="offline">What runs offline, what needs the network</h2>
<p>Everything here is static files served from this site. A cell that uses only the engine
(<code>autograd</code> and Python's standard library) runs with no network. numpy and
matplotlib (and <code>nn</code>, built on numpy) are not shipped: the kernel loads them from
Pyodide's package site the first time a cell imports them, which needs the network.
PyTorch does not exist for the browser: its cells run only in a local Jupyter.</p>
<p>The table reads each notebook's code: the cells that need only the engine, what the
others load (online) and what the browser cannot have. gradlab's tests run notebooks 1
and 2's engine cells offline in Chromium (2's draw, step through backward and save a
player page); loading from Pyodide's package site is not tested (the test machines have
no network). Drawings
(<code>draw_graph</code>) are Graphviz compiled to WebAssembly, shipped with this site and
loaded by the first drawing (a fraction of a second): offline too.</p>
<table><thead><tr><th>Notebook</th><th>Needs only the engine (offline)</th>
<th>Loads online (Pyodide's package site)</th><th>Not in the browser</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</main></body></html>
"""
