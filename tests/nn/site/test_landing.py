"""nn.site.landing: what each notebook needs beyond the engine (read from its code, cell
by cell), and the front page that says so."""

import json

import pytest

from nn.site.landing import NotebookNeeds, landing_page, notebook_needs
from tests import ROOT

PYODIDE = {"numpy": "numpy", "matplotlib": "matplotlib", "sklearn": "scikit-learn"}


def _notebook(tmp_path, *cells, title="# 3. A title\nmore"):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": [title]}] + [
        {"cell_type": "code", "source": [c]} for c in cells]}))
    return path


def test_a_cell_needs_its_imports_and_what_its_names_were_made_with(tmp_path):
    needs = notebook_needs(_notebook(
        tmp_path,
        "import math\nfrom autograd import Value, draw_graph",   # 0: the engine
        "import numpy as np\nX = np.zeros(3)",                   # 1: numpy
        "a = Value(2.0)\nprint(a.data)",                         # 2: the engine
        "y = X.sum() + a.data",                                  # 3: X was made with numpy
        "draw_graph(a)",                                         # 4: a drawing: offline
        "from nn import MLP\nfrom sklearn import datasets",      # 5: nn brings numpy
        "%matplotlib inline\nimport torch",                      # 6: not in Pyodide
        "import matplotlib.pyplot as plt\nfrom autograd import grad",  # 7: stops at plt
        "print(grad)",                                           # 8: so grad never came
        "X = [1.0]\nprint(X)"), PYODIDE)                         # 9: X again, plain
    assert isinstance(needs, NotebookNeeds) and needs.title == "3. A title"
    assert needs.cells == [set(), {"numpy"}, set(), {"numpy"}, set(),
                           {"numpy", "scikit-learn"}, {"torch"}, {"matplotlib"},
                           {"matplotlib"}, set()]
    assert needs.offline == [0, 2, 4, 9]
    assert needs.online == {"numpy", "scikit-learn", "matplotlib"}
    assert needs.missing == {"torch"}


def test_notebook_1_needs_the_network_only_for_its_plot():
    needs = notebook_needs(ROOT / "notebooks/01_values_and_the_chain_rule.ipynb", PYODIDE)
    assert needs.offline == list(range(len(needs.cells) - 1))
    assert needs.online == {"matplotlib"} and needs.missing == set()
    with pytest.raises(TypeError, match="pyodide_packages must be a dict"):
        notebook_needs(ROOT / "notebooks/01_values_and_the_chain_rule.ipynb", ["numpy"])


def test_the_front_page_lists_the_parts_and_each_notebooks_needs(tmp_path):
    first = NotebookNeeds("01_a.ipynb", "1. <Values>", [set()] * 9 + [{"matplotlib"}])
    second = NotebookNeeds("02_b.ipynb", "2. B", [set(), {"numpy"}, set(), set()],
                           missing={"torch"})
    page = landing_page([first, second], {"demo/x.html": "a page"}, "play/index.html")
    assert '<a class="go" href="play/index.html">' in page
    assert '<a href="demo/x.html">a page</a>' in page
    assert '<a href="lab/lab/index.html?path=01_a.ipynb">1. &lt;Values&gt;</a>' in page
    assert "<td>cells 1\u20139 of 10</td><td>matplotlib</td><td></td>" in page
    assert "<td>cells 1, 3\u20134 of 4</td><td>numpy</td><td>torch</td>" in page
    assert "Drawings\n(<code>draw_graph</code>) are Graphviz compiled to WebAssembly" in page
    assert "Not in this build" in landing_page([], {}, None)
    assert "every cell" in landing_page([NotebookNeeds("c", "c", [set()])], {}, None)
