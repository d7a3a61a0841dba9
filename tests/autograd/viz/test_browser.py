"""autograd.viz.browser: load_graphviz, with Pyodide's modules stood in for (the real one
runs in a JupyterLite kernel in Chromium: tests/nn/site/test_lab.py). It defines the
function once, from the file's text, and says why when it cannot."""

import sys
import types
from pathlib import Path

import pytest

from autograd.viz import browser


class _Pyodide:
    """``js``, ``pyodide.code.run_js`` and ``pyodide.ffi.run_sync``/``can_run_sync`` as a
    kernel's Pyodide has them: the JavaScript run records the text it was given and, when
    waited for, defines ``gradlabRenderDot``."""

    def __init__(self, monkeypatch, jspi=True):
        self.js, self.texts, self.scripts = types.SimpleNamespace(), [], []
        code, ffi = types.ModuleType("pyodide.code"), types.ModuleType("pyodide.ffi")
        code.run_js = self.run_js
        ffi.can_run_sync = lambda: jspi
        ffi.run_sync = lambda awaitable: awaitable()
        monkeypatch.setattr(sys, "platform", "emscripten")
        for name, module in (("js", self.js), ("pyodide", types.ModuleType("pyodide")),
                             ("pyodide.code", code), ("pyodide.ffi", ffi)):
            monkeypatch.setitem(sys.modules, name, module)

    def run_js(self, script):
        self.scripts.append(script)

        def define(text):
            self.texts.append(text)
            return lambda: setattr(self.js, "gradlabRenderDot", lambda s, f: "<svg/>")
        return define


def test_it_is_beside_the_autograd_folder_as_the_course_site_puts_it():
    import autograd

    assert browser.VIZ_JS == Path(autograd.__file__).resolve().parent.parent / "viz/viz.js"


def test_it_defines_the_function_once_from_the_files_text(monkeypatch, tmp_path):
    (tmp_path / "viz.js").write_text("export function instance() {}")
    pyodide = _Pyodide(monkeypatch)
    assert browser.load_graphviz(tmp_path / "viz.js") is True
    assert pyodide.texts == ["export function instance() {}"]
    assert "globalThis.gradlabRenderDot" in pyodide.scripts[0]
    assert "import(url)" in pyodide.scripts[0]  # a module, from a Blob URL
    assert pyodide.js.gradlabRenderDot("digraph {}", "svg") == "<svg/>"
    assert browser.load_graphviz(tmp_path / "viz.js") is False  # there already
    assert pyodide.texts == ["export function instance() {}"]


def test_it_says_why_it_cannot(monkeypatch, tmp_path):
    with pytest.raises(RuntimeError, match="for Python in a browser"):
        browser.load_graphviz()
    with pytest.raises(TypeError, match="load_graphviz: path must be a file name"):
        browser.load_graphviz(3)
    _Pyodide(monkeypatch)
    with pytest.raises(FileNotFoundError, match="viz.js is not there"):
        browser.load_graphviz(tmp_path / "viz.js")
    (tmp_path / "viz.js").write_text("export function instance() {}")
    _Pyodide(monkeypatch, jspi=False)
    with pytest.raises(RuntimeError, match="needs JSPI"):
        browser.load_graphviz(tmp_path / "viz.js")
