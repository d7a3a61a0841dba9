"""The layout holds: autograd never needs nn, no private name crosses modules (but those of
``autograd._internal``), autograd's tests never import nn, no library function grows past
about 60 lines without a comment saying why it is one piece, and the player's script and
styles (package files) pass ESLint."""

import ast
import math
import os
import shutil
import subprocess
import sys

import pytest

from tests import ROOT

LIBRARY = sorted([*(ROOT / "autograd").rglob("*.py"), *(ROOT / "nn").rglob("*.py")])
MAX_FUNCTION_LINES = 60
ONE_PIECE = "one piece"  # the words of a comment that says why a long function stays whole


def _imports(path):
    """(module, names, line) of every import in a file; module with its leading dots."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            yield "." * node.level + (node.module or ""), [a.name for a in node.names], node.lineno
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, [], node.lineno


def test_every_autograd_module_imports_with_nn_unimportable():
    code = ("import importlib, pkgutil, sys\n"
            "sys.modules['nn'] = None  # import nn now raises ImportError\n"
            "import autograd\n"
            "names = [m.name for m in pkgutil.walk_packages(autograd.__path__, 'autograd.')\n"
            "         if not m.name.endswith('__main__')]\n"
            "for name in names:\n"
            "    importlib.import_module(name)\n"
            "print(len(names))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 15  # every module was found and imported


NO_NUMPY = """
import contextlib, io, sys, tempfile
sys.modules["numpy"] = None  # import numpy now raises, as where numpy is not installed
from autograd import *  # noqa: F403
from autograd import Value, backward_trace, check_op, draw_graph, grad, gradcheck, op
from autograd.exercises import check_backward, check_local_gradient
x, w = Value(0.5, "x"), Value(-1.5, "w")
y = (x * w).tanh()
y.backward()
print("grads", x.grad, w.grad)
print("second", grad(grad(x ** 3, [x], create_graph=True)[0], [x])[0])
print("gradcheck", gradcheck(lambda a, b: (a * b).tanh(), [0.5, -1.5]))
cube = op("cube", forward=lambda a: a ** 3, local=lambda a, out: 3 * a * a)
with contextlib.redirect_stdout(io.StringIO()):
    checks = [check_op(cube, points=[0.5, -2.0]), check_local_gradient("*", lambda a, b: [b, a]),
              check_backward(y)]
print("checks", checks[0], *[type(c).__name__ for c in checks[1:]])
page = backward_trace(y).to_html(tempfile.mkdtemp() + "/trace.html").read_text()
print("drawn", "<svg" in draw_graph(y).svg(), "<svg" in page)
for name in ("compile", "nn"):
    try:
        __import__("autograd").compile if name == "compile" else __import__("nn")
    except ModuleNotFoundError as e:
        print(name, e)
print("imported", sorted(m for m, mod in sys.modules.items()
                         if mod is not None and m.split(".")[0] in ("numpy", "nn")))
"""


def test_the_engine_and_its_drawings_work_without_numpy():
    """Pyodide has no numpy offline (issue 22): Value, backward, grad, gradcheck, user ops,
    the engine's exercise checkers and the drawings need none; compile and nn say so."""
    done = subprocess.run([sys.executable, "-c", NO_NUMPY], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr
    said = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    d = 1 - math.tanh(-0.75) ** 2  # y = tanh(x w): dy/dx = w (1 - y^2), dy/dw = x (1 - y^2)
    assert [float(g) for g in said["grads"].split()] == pytest.approx([-1.5 * d, 0.5 * d],
                                                                      rel=1e-15)
    assert float(said["second"]) == pytest.approx(3.0)  # d2/dx2 x**3 at 0.5 is 6 x
    assert said["gradcheck"] == "True"
    assert said["checks"] == "True Passed Passed" and said["drawn"] == "True True"
    assert said["compile"].startswith("autograd.compile replays graphs over numpy arrays, and "
                                      "numpy is not installed: pip install numpy")
    assert said["nn"].startswith("nn needs numpy")
    assert said["imported"] == "[]"  # numpy was never imported, nor nn


def test_no_module_under_autograd_mentions_an_import_of_nn():
    """Not even a lazy import inside a function: the engine knows nothing of nn."""
    found = [f"{path.relative_to(ROOT)}:{line} {module}"
             for path in LIBRARY if path.parts[len(ROOT.parts)] == "autograd"
             for module, _, line in _imports(path)
             if module == "nn" or module.startswith("nn.") or module.startswith("..nn")]
    assert found == []


def test_no_private_name_is_imported_across_modules():
    found = [f"{path.relative_to(ROOT)}:{line} from {module} import {name}"
             for path in LIBRARY for module, names, line in _imports(path) for name in names
             if name.startswith("_") and not name.startswith("__") and name != "_internal"]
    assert found == []


def test_tests_of_autograd_never_import_nn():
    found = [f"{path.relative_to(ROOT)}:{line} {module}"
             for path in sorted((ROOT / "tests" / "autograd").rglob("*.py"))
             for module, _, line in _imports(path) if module == "nn" or module.startswith("nn.")]
    assert found == []


def test_no_library_function_over_60_lines_without_a_reason():
    long = []
    for path in LIBRARY:
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                body = "\n".join(lines[node.lineno - 1:node.end_lineno])
                if size > MAX_FUNCTION_LINES and ONE_PIECE not in body:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({size})")
    assert long == []


def _eslint():
    """ESLint as .ci/package-lock.json pins it: installed into .ci/node_modules on first use
    (`npm ci --prefix .ci`, about 20 MB; .ci/run does it before the tests)."""
    eslint = ROOT / ".ci" / "node_modules" / ".bin" / "eslint"
    if not eslint.exists():
        npm = shutil.which("npm")
        assert npm, ("the lint test needs Node.js and npm to install ESLint (Debian: apt-get "
                     "install nodejs npm); .ci/run installs them")
        done = subprocess.run([npm, "ci", "--prefix", ".ci", "--no-audit", "--no-fund"],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"npm ci --prefix .ci failed: {done.stderr[-2000:]}"
    return eslint


def test_the_players_script_and_styles_pass_eslint():
    """autograd/viz/player.js and player.css are package files, linted as what they are
    (.ci/eslint.config.mjs: ESLint's recommended rules, and @eslint/css's)."""
    assets = sorted(p for p in (ROOT / "autograd").rglob("*") if p.suffix in (".js", ".css"))
    assert {p.name for p in assets} >= {"player.js", "player.css"}
    done = subprocess.run([str(_eslint()), "-c", ".ci/eslint.config.mjs", "--max-warnings", "0",
                           *[str(p.relative_to(ROOT)) for p in assets]],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
