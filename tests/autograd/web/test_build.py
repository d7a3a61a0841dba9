"""autograd.web.build and ``python -m autograd.web build``: the folder of static files,
with gradlab's sources in a zip that imports without numpy (as on Pyodide)."""

import os
import subprocess
import sys
import zipfile

import pytest

from autograd.web import assets, build
from autograd.web.__main__ import main
from tests import ROOT


def test_the_folder_holds_the_page_pyodide_graphviz_and_gradlab(site):
    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert files == {"index.html", "page.js", "page.css", "worker.js", "gradlab.zip",
                     "NOTICE.txt", "viz/viz.js",
                     *(f"pyodide/{name}" for name in assets.PYODIDE.files)}
    assert (site / "index.html").read_bytes() == (ROOT / "autograd/web/index.html").read_bytes()
    notice = (site / "NOTICE.txt").read_text()
    assert "pyodide 314.0.6 (MPL-2.0)" in notice and "@viz-js/viz 3.31.0 (MIT" in notice
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    assert 10e6 < size < 20e6  # Pyodide's core is most of it (README: "In the browser")


def test_gradlab_zip_is_the_autograd_package_and_imports_without_numpy(site, tmp_path):
    with zipfile.ZipFile(site / "gradlab.zip") as z:
        names = z.namelist()
    assert "autograd/__init__.py" in names and "autograd/web/runner.py" in names
    assert "autograd/viz/player.js" in names and "autograd/viz/player.css" in names
    assert not [n for n in names if "__pycache__" in n or not n.startswith("autograd/")]
    code = ("import json, sys\n"
            "sys.modules['numpy'] = None  # as on Pyodide: no numpy\n"
            f"sys.path.insert(0, {str(site / 'gradlab.zip')!r})\n"
            "from autograd.web.runner import run\n"
            "import autograd\n"
            "out = json.loads(run('from autograd import Value\\nValue(3.0, label=\"x\") * 2'))\n"
            "print(autograd.__file__, out['graphs'][0]['grads']['x'])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, env={k: v for k, v in os.environ.items()
                                             if k != "PYTHONPATH"}, timeout=120)
    assert done.returncode == 0, done.stderr
    where, grad = done.stdout.split()
    assert where.startswith(str(site / "gradlab.zip")) and grad == "2.0"


def test_a_build_is_the_same_bytes_every_time(site, tmp_path):
    again = build(tmp_path / "again")
    for name in ("gradlab.zip", "worker.js", "pyodide/pyodide.asm.wasm", "viz/viz.js"):
        assert (again / name).read_bytes() == (site / name).read_bytes(), name


def test_the_command_line(tmp_path, capsys):
    assert main(["build", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"wrote {tmp_path / 'out'}/ (") and "MB)" in said
    assert "python -m http.server -d" in said
    (tmp_path / "a-file").write_text("")
    assert main(["build", str(tmp_path / "a-file")]) == 1
    assert "is not a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([])


def test_offline_with_no_cache_is_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GRADLAB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(assets, "REGISTRY", "http://127.0.0.1:9")  # nothing listens there
    assert main(["build", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("python -m autograd.web build: cannot download pyodide 314.0.6")
    assert err.count("\n") == 1


def test_bad_arguments_name_themselves():
    with pytest.raises(TypeError, match="out_dir must be a file name"):
        build(42)
    with pytest.raises(ValueError, match="out_dir is empty"):
        build("")


def test_the_page_names_the_pyodide_it_ships(site):
    """The footer's version is written by hand in index.html: it must be the pinned one."""
    footer = (site / "index.html").read_text(encoding="utf-8")
    assert f"Pyodide {assets.PYODIDE.version} " in footer


def test_a_page_can_use_a_pyodide_core_served_beside_it(tmp_path):
    """The course site's play/ runs on its lab's Pyodide core instead of shipping its own."""
    out = build(tmp_path / "play", pyodide="../lab/static/pyodide/")
    assert not (out / "pyodide").exists() and (out / "viz").is_dir()
    worker = (out / "worker.js").read_text(encoding="utf-8")
    assert 'const PYODIDE = "../lab/static/pyodide/";' in worker
    assert 'const PYODIDE = "pyodide/";' not in worker
    for bad in ("../core", "https://cdn.example/pyodide/", 'a"b/'):
        with pytest.raises(ValueError, match="pyodide must be a relative address"):
            build(tmp_path / "bad", pyodide=bad)
    with pytest.raises(TypeError, match="pyodide must be a str"):
        build(tmp_path / "bad", pyodide=3)
    assert not (tmp_path / "bad").exists()  # refused before anything was written
