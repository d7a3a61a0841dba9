"""The layout holds: autograd never needs nn, no private name crosses modules (but those of
``autograd._internal``), autograd's tests never import nn, no library function grows past
about 60 lines without a comment saying why it is one piece, and the player's script and
styles (package files) pass ESLint."""

import ast
import os
import shutil
import subprocess
import sys

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
