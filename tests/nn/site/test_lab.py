"""nn.site.lab: the notebooks' JupyterLite site. Its files (the local Pyodide, the
kernel's wheels, the rewritten package list, gradlab's sources beside the notebooks),
and in real Chromium with every request beyond localhost refused: the kernel starts, the
engine's cells of notebooks 1 and 2 print what CPython prints, a drawing is drawn offline
(the first one loads Graphviz in WebAssembly from viz/viz.js on the drive) with CPython's
numbers, and numpy is asked of Pyodide's package site (refused here: the one part that
needs the network)."""

import contextlib
import hashlib
import io
import json
import re
import time

import pytest

from autograd.web import assets
from nn.site import lab
from nn.site.landing import notebook_needs, pyodide_modules
from tests import ROOT

NOTEBOOK = "01_values_and_the_chain_rule.ipynb"
SEEING = "02_seeing_backprop.ipynb"

LOCK = {"info": {"python": "3.14.2"}, "packages": {
    "micropip": {"name": "micropip", "file_name": "micropip-0.11.1-py3-none-any.whl",
                 "sha256": "pyodide's", "depends": []},
    "prompt-toolkit": {"name": "prompt_toolkit", "sha256": "pyodide's",
                       "file_name": "prompt_toolkit-3.0.52-py3-none-any.whl", "depends": []},
    "numpy": {"name": "numpy", "file_name": "numpy-2.4.6-cp314-cp314-x.whl", "sha256": "n",
              "depends": []}}}


def test_local_lock_serves_the_shipped_wheels_and_sends_the_rest_to_pyodides_site():
    local = {"micropip-0.11.1-py3-none-any.whl": "m" * 64,
             "prompt_toolkit-3.0.52-py3-none-any.whl": "p" * 64,
             "comm-0.2.3-py3-none-any.whl": "c" * 64}
    out = lab.local_lock(LOCK, local)["packages"]
    assert out["micropip"]["file_name"] == "micropip-0.11.1-py3-none-any.whl"
    assert out["micropip"]["sha256"] == "m" * 64
    assert out["prompt-toolkit"]["sha256"] == "p" * 64  # prompt_toolkit is prompt-toolkit
    assert out["numpy"]["file_name"] == lab.PACKAGE_SITE + "numpy-2.4.6-cp314-cp314-x.whl"
    assert out["numpy"]["sha256"] == "n"  # Pyodide's own digest of Pyodide's own file
    assert "comm" not in out and LOCK["packages"]["numpy"]["file_name"].startswith("numpy")
    assert lab.local_lock(lab.local_lock(LOCK, local), local) == lab.local_lock(LOCK, local)
    with pytest.raises(TypeError, match="lock must be the dict of a pyodide-lock.json"):
        lab.local_lock([], local)


def test_the_pinned_wheels_are_the_versions_pyodides_list_names(site):
    root, _, _ = site
    lock = json.loads((root / "lab/static/pyodide/pyodide-lock.json").read_text())
    local = {e["file_name"]: e for e in lock["packages"].values()
             if not e["file_name"].startswith("https://")}
    assert set(local) == set(lab.KERNEL_WHEELS) - {"comm-0.2.3-py3-none-any.whl"}
    for name, entry in local.items():
        path = root / "lab/static/pyodide" / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        assert f"-{entry['version']}-" in name
    assert all(e["file_name"].startswith(lab.PACKAGE_SITE) for e in lock["packages"].values()
               if e["file_name"] not in local)
    index = json.loads((root / "lab/pypi/all.json").read_text())
    assert list(index) == ["comm"]
    for wheel, path in lab.kernel_wheels().items():  # the cache answers: no pip again
        assert hashlib.sha256(path.read_bytes()).hexdigest() == lab.KERNEL_WHEELS[wheel]


def test_the_lab_points_the_kernel_at_the_local_pyodide_and_ships_gradlab(site):
    root, _, _ = site
    config = json.loads((root / "lab/jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    assert (root / "lab/static/pyodide/pyodide.asm.wasm").is_file()
    assert [e["name"] for e in config["federated_extensions"]] == [lab.KERNEL_EXTENSION]
    files = root / "lab/files"
    assert sorted(p.name for p in files.glob("*.ipynb")) == sorted(
        p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    for source in ("autograd/__init__.py", "autograd/viz/player.js", "nn/__init__.py"):
        assert (files / source).read_bytes() == (ROOT / source).read_bytes()
    viz_js = files / "viz/viz.js"  # where autograd.viz.browser.VIZ_JS is, on the drive
    assert viz_js.read_bytes() == (assets.unpack(assets.VIZ, root / "viz-check")[0]
                                   ).read_bytes() and viz_js.stat().st_size > 10**6
    assert not list(files.rglob("__pycache__"))
    with pytest.raises(FileExistsError, match="out must be a new or empty folder"):
        lab.build_lab(root)


def _cpython(sources: list[str]) -> list[str]:
    """What each cell prints, run in order in this CPython."""
    namespace, printed = {}, []
    for source in sources:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(source, "<cell>", "exec"), namespace)
        printed.append(out.getvalue())
    return printed


KERNEL = """
const done = arguments[arguments.length - 1];
(async () => {
  while (!window.jupyterapp || !window.jupyterapp.shell.currentWidget ||
         !window.jupyterapp.shell.currentWidget.sessionContext)
    await new Promise(r => setTimeout(r, 100));
  const context = window.jupyterapp.shell.currentWidget.sessionContext;
  await context.ready;
  while (!context.session || !context.session.kernel) await new Promise(r => setTimeout(r, 100));
  const kernel = context.session.kernel;
  await kernel.info;
  const printed = [];
  for (const code of arguments[0]) {
    const future = kernel.requestExecute({code});
    let text = '';
    future.onIOPub = msg => {
      if (msg.header.msg_type === 'stream') text += msg.content.text;
      if (msg.header.msg_type === 'error')
        text += 'ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
    };
    await future.done;
    printed.push(text);
  }
  return printed;
})().then(done, e => done('FAILED ' + e));
"""


def test_the_kernel_starts_offline_and_the_engines_cells_print_what_cpython_prints(
        site, offline):
    root, url, _ = site
    driver, outside = offline
    notebook = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())
    sources = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    lock = json.loads((root / "lab/static/pyodide/pyodide-lock.json").read_text())
    needs = notebook_needs(ROOT / "notebooks" / NOTEBOOK, pyodide_modules(lock))
    assert needs.offline == list(range(len(sources) - 1))  # all but the matplotlib cell
    engine = [sources[i] for i in needs.offline]
    started = time.perf_counter()
    driver.get(f"{url}/lab/lab/index.html?path={NOTEBOOK}")
    driver.set_script_timeout(240)
    printed = driver.execute_async_script(KERNEL, engine)
    print(f"kernel started and ran {len(engine)} cells in {time.perf_counter() - started:.1f} s")
    assert printed == _cpython(engine)
    assert all(printed[1:]) and "ERROR" not in "".join(printed)
    cells = driver.execute_script("return document.querySelectorAll('.jp-Notebook .jp-Cell')"
                                  ".length")
    assert cells >= len(sources)  # JupyterLab shows the notebook the kernel runs for
    assert outside.of_the_site() == []


def test_numpy_is_asked_of_pyodides_package_site_and_nothing_else_leaves(site, offline):
    """What needs the network: a cell's ``import numpy`` makes the kernel load numpy from
    Pyodide's package site. Here the proxy refuses it, so the import fails as a learner
    offline sees it; that request is the only one that tried to leave (the proxy sees
    the kernel worker's requests too). The engine goes on working after it."""
    driver, outside = offline
    outside.clear()
    printed = driver.execute_async_script(KERNEL, [
        "import numpy",
        "from autograd import Value\nprint((Value(3.0) ** 2).data)"])
    assert printed[0] == "ERROR <class 'ModuleNotFoundError'>: No module named 'numpy'"
    assert printed[1] == "9.0\n"
    host = lab.PACKAGE_SITE.split("/")[2]
    asked = outside.of_the_site()
    assert asked and all(line == f"CONNECT {host}:443 HTTP/1.1" for line in asked)


# the README's neuron drawn, then its step-through's last frame: each drawing's texts
DRAWING = """import re
from autograd import Value, backward_trace, draw_graph
x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.8813735870195432, "b")
y = (x * w + b).tanh()
y.backward()
drawing = draw_graph(y)
trace = backward_trace(y)
for svg in (drawing.svg(), trace.frame(len(trace)).svg()):
    print(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
print(sorted(drawing._repr_mimebundle_()))
"""


def test_a_drawing_is_drawn_offline_with_the_numbers_cpython_draws(site, offline):
    """The kernel has no gradlabRenderDot: the first drawing loads Graphviz in
    WebAssembly from viz/viz.js on the drive (autograd.viz.browser) and draws; its
    texts (names, every value and gradient) are CPython's (the dot program's) ones."""
    _, url, _ = site
    driver, outside = offline
    outside.clear()
    if "/lab/lab/" not in driver.current_url:  # this test alone: open the lab
        driver.get(f"{url}/lab/lab/index.html?path={NOTEBOOK}")
    driver.set_script_timeout(240)
    printed = driver.execute_async_script(KERNEL, [
        "import js\nprint(hasattr(js, 'gradlabRenderDot'))", DRAWING,
        "from autograd.viz.browser import load_graphviz\nprint(load_graphviz())"])
    assert printed[0] == "False\n"  # nobody defined it: the drawing loads it
    assert printed[1] == _cpython([DRAWING.replace("drawing._repr_mimebundle_()",
                                                   "['image/svg+xml', 'text/plain']")])[0]
    assert re.search(r"'grad &#45;1\.5000'.*'data 0\.7071', 'grad 1\.0000'", printed[1])
    assert printed[2] == "False\n"  # loaded once, by the first drawing
    assert outside.of_the_site() == []


def test_notebook_2s_engine_cells_draw_step_through_and_save_offline(site, offline):
    """Notebook 2 (seeing backprop): its engine cells, drawings, step-throughs and a saved
    player page among them, print what CPython prints, but for the saved page's size
    (Graphviz 16.1 in WebAssembly writes its SVG a little differently from this
    machine's dot program)."""
    root, url, _ = site
    driver, outside = offline
    outside.clear()
    notebook = json.loads((ROOT / "notebooks" / SEEING).read_text())
    sources = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    lock = json.loads((root / "lab/static/pyodide/pyodide-lock.json").read_text())
    engine = [sources[i] for i in notebook_needs(ROOT / "notebooks" / SEEING,
                                                 pyodide_modules(lock)).offline]
    assert len(engine) >= 8
    driver.get(f"{url}/lab/lab/index.html?path={SEEING}")
    driver.set_script_timeout(240)
    printed = driver.execute_async_script(KERNEL, engine)
    size = re.compile(r"\d+ KiB")
    assert [size.sub("N KiB", p) for p in printed] == [size.sub("N KiB", p)
                                                       for p in _cpython(engine)]
    assert any("KiB, 1 drawing" in p for p in printed) and "ERROR" not in "".join(printed)
    assert outside.of_the_site() == []
