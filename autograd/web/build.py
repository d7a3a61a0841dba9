"""``build(out_dir)``: the page as a folder of static files, served by any web server.

    out_dir/index.html, page.js, page.css, worker.js   the page (package files)
    out_dir/gradlab.zip                                 gradlab's autograd package
    out_dir/pyodide/                                    Pyodide's core (assets.PYODIDE)
    out_dir/viz/viz.js                                  Graphviz in WebAssembly (assets.VIZ)
    out_dir/NOTICE.txt                                  what is inside, and its licenses

Nothing of it is fetched from elsewhere when the page runs: it works offline once loaded.
It needs a web server, even a local one (``python -m http.server -d out_dir``): browsers
start no Web Worker from a ``file://`` page.
"""

from __future__ import annotations

import io
import zipfile
from importlib import resources
from pathlib import Path

from .. import _internal
from . import assets

__all__ = ["build", "PAGE_FILES"]

PAGE_FILES = ("index.html", "page.js", "page.css", "worker.js")
_PACKAGE_SUFFIXES = (".py", ".js", ".css")  # what gradlab reads when it runs
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # every file's time in the zip: the same build, the same bytes


def _gradlab_zip() -> bytes:
    """The autograd package's sources (and the player's script and styles) as a zip that
    the worker unpacks into Pyodide's file system."""
    root = Path(__file__).resolve().parents[1]
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in _PACKAGE_SUFFIXES
                   and "__pycache__" not in p.parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(root.parent).as_posix(), _FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _notice() -> str:
    lines = ["This folder is gradlab's page (MIT), built by 'python -m autograd.web build'.",
             "It ships, unchanged, from the npm registry:"]
    for package in (assets.PYODIDE, assets.VIZ):
        lines.append(f"- {package.name} {package.version} ({package.license}), "
                     f"{package.url}, integrity {package.integrity}")
    return "\n".join(lines) + "\n"


def build(out_dir) -> Path:
    """Write the page into the folder ``out_dir`` (made if missing; files of an earlier
    build are replaced). Downloads the pinned Pyodide and Graphviz packages on first use
    (``assets.fetch``: cached after that). Returns the folder."""
    out = _internal.file_path(out_dir, "out_dir")
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"out_dir: {out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    page = resources.files(__package__)
    for name in PAGE_FILES:
        _internal.write_atomically(out / name, page.joinpath(name).read_bytes())
    assets.unpack(assets.PYODIDE, out / "pyodide")
    assets.unpack(assets.VIZ, out / "viz")
    _internal.write_atomically(out / "gradlab.zip", _gradlab_zip())
    _internal.write_atomically(out / "NOTICE.txt", _notice().encode())
    return out
