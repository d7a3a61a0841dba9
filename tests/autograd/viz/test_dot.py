"""autograd.viz.dot: DOT rendered by the dot program or in-process by pygraphviz, a clear
error with neither, saving by extension, and a Jupyter display that never raises."""

import re
import sys
import xml.etree.ElementTree as ET

import pytest

import autograd.viz.browser as browser
import autograd.viz.dot as viz
from autograd.viz import GraphvizNotFoundError, draw_graph
from tests.autograd.graphs import tanh_neuron
from tests.layout import laid_out, png_size


def test_render_with_dot_program():
    drawing = draw_graph(tanh_neuron())
    assert viz.shutil.which("dot"), "CI installs Graphviz; this test needs the dot program"
    w, h = png_size(drawing.png())
    assert w > 300 and h > 50
    assert ET.fromstring(drawing.svg()).tag.endswith("svg")


def test_render_in_process_without_dot(monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    drawing = draw_graph(tanh_neuron())
    w, h = png_size(drawing.png())
    assert w > 300 and h > 50
    assert ET.fromstring(drawing.svg()).tag.endswith("svg")
    assert "v0" in laid_out(drawing.source)["nodes"]  # the layout as data, in-process too


def test_no_renderer_at_all_explains_how_to_install(monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    with pytest.raises(GraphvizNotFoundError) as info:
        draw_graph(tanh_neuron()).svg()
    for how in ("apt-get install graphviz", "brew", "conda", "pip install pygraphviz"):
        assert how in str(info.value)


def test_save_by_extension(tmp_path):
    drawing = draw_graph(tanh_neuron())
    for ext in ("svg", "png", "pdf", "dot"):
        path = drawing.save(tmp_path / f"graph.{ext}")
        assert path.stat().st_size > 100
    assert (tmp_path / "graph.dot").read_text() == drawing.source
    assert (tmp_path / "graph.pdf").read_bytes()[:4] == b"%PDF"
    with pytest.raises(ValueError, match=".jpg"):
        drawing.save(tmp_path / "graph.jpg")


def test_jupyter_display_is_svg_with_the_same_picture_as_png_and_never_raises(monkeypatch):
    """SVG where the notebook is trusted; the PNG beside it wherever SVG is not shown (an
    untrusted notebook in JupyterLab, GitHub): one layout, the same size."""
    import base64


    drawing = draw_graph(tanh_neuron())
    bundle = drawing._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "image/png", "text/plain"}
    width, height = png_size(base64.b64decode(bundle["image/png"]))
    svg_width = float(re.search(r'<svg width="([\d.]+)pt"', bundle["image/svg+xml"]).group(1))
    assert abs(width - svg_width * 96 / 72) <= 2 and height > 100
    assert base64.b64decode(bundle["image/png"]) == drawing.png()

    def broken(*args, **kwargs):
        raise GraphvizNotFoundError("no renderer")

    monkeypatch.setattr(viz, "render", broken)
    monkeypatch.setattr(viz, "render_both", broken)
    bundle = drawing._repr_mimebundle_()
    assert set(bundle) == {"text/plain"} and "no renderer" in bundle["text/plain"]


class _FakeJs:
    """Pyodide's ``js`` module as the page's worker makes it: ``gradlabRenderDot`` (here
    the dot program standing in for Graphviz in WebAssembly), raising as a JS Error does."""

    def __init__(self):
        self.calls = []

    def gradlabRenderDot(self, source, fmt):  # noqa: N802 (the page's JavaScript name)
        self.calls.append(fmt)
        done = viz.subprocess.run(["dot", f"-T{fmt}"], input=source.encode(),
                                  capture_output=True)
        if done.returncode:
            raise RuntimeError("Error: syntax error in line 1 near '->'")
        return done.stdout.decode()


def test_in_the_browser_graphviz_in_webassembly_draws_through_the_page(monkeypatch):
    """The third path (Pyodide): no dot program, no pygraphviz, the worker's function."""
    fake = _FakeJs()
    monkeypatch.setattr(viz, "IN_BROWSER", True)
    monkeypatch.setitem(sys.modules, "js", fake)
    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    drawing = draw_graph(tanh_neuron())
    assert ET.fromstring(drawing.svg()).tag.endswith("svg") and fake.calls == ["svg"]
    assert set(drawing._repr_mimebundle_()) == {"image/svg+xml", "text/plain"}  # no PNG there
    fake.calls.clear()
    placed = draw_graph(tanh_neuron(), layout="layers")  # measured (json0), then drawn
    assert ET.fromstring(placed.svg()).tag.endswith("svg") and fake.calls == ["json0", "svg"]
    with pytest.raises(GraphvizNotFoundError, match="draws svg, dot, json0, not png: use .svg"):
        drawing.png()
    with pytest.raises(RuntimeError, match="^Graphviz \\(WebAssembly\\) failed: syntax error"):
        viz.render("digraph { a -> }")


def test_in_a_kernel_without_the_function_the_first_drawing_loads_it(monkeypatch, tmp_path):
    """A JupyterLite kernel: no gradlabRenderDot, viz/viz.js beside autograd/: the first
    drawing calls browser.load_graphviz, which defines the function; then it draws."""
    fake, loads = _FakeJs(), []
    defined = fake.gradlabRenderDot
    fake.gradlabRenderDot = None  # as Pyodide's js module answers a missing global

    def load_graphviz():
        loads.append(1)
        fake.gradlabRenderDot = defined

    (tmp_path / "viz.js").write_text("export const instance = 0;")
    monkeypatch.setattr(browser, "VIZ_JS", tmp_path / "viz.js")
    monkeypatch.setattr(browser, "load_graphviz", load_graphviz)
    monkeypatch.setattr(viz, "IN_BROWSER", True)
    monkeypatch.setitem(sys.modules, "js", fake)
    drawing = draw_graph(tanh_neuron())
    assert ET.fromstring(drawing.svg()).tag.endswith("svg") and drawing.svg()
    assert loads == [1] and fake.calls == ["svg", "svg"]  # loaded once, on the first


def test_in_the_browser_without_the_pages_function_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(viz, "IN_BROWSER", True)
    monkeypatch.setattr(browser, "VIZ_JS", tmp_path / "viz" / "viz.js")  # not there
    monkeypatch.setitem(sys.modules, "js", object())
    with pytest.raises(GraphvizNotFoundError, match="gradlabRenderDot") as info:
        draw_graph(tanh_neuron()).svg()
    assert "python -m autograd.web build" in str(info.value) and "gradlab-site" in str(
        info.value)


def test_in_a_kernel_that_cannot_start_graphviz_the_drawing_says_why(monkeypatch, tmp_path):
    """browser.load_graphviz knows nothing of dot (no circle): its FileNotFoundError or
    RuntimeError (no JSPI) reaches a drawing as GraphvizNotFoundError, with its words."""
    (tmp_path / "viz.js").write_text("export const instance = 0;")

    def no_jspi():
        raise RuntimeError("pyodide.ffi.run_sync needs JSPI")

    monkeypatch.setattr(browser, "VIZ_JS", tmp_path / "viz.js")
    monkeypatch.setattr(browser, "load_graphviz", no_jspi)
    monkeypatch.setattr(viz, "IN_BROWSER", True)
    monkeypatch.setitem(sys.modules, "js", object())
    with pytest.raises(GraphvizNotFoundError, match="needs JSPI"):
        draw_graph(tanh_neuron()).svg()
