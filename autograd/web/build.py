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


_CORE_LINE = 'const PYODIDE = "pyodide/";'  # worker.js: where it finds Pyodide's core


def build(out_dir, pyodide: str | None = None) -> Path:
    """Write the page into the folder ``out_dir`` (made if missing; files of an earlier
    build are replaced). Downloads the pinned Pyodide and Graphviz packages on first use
    (``assets.fetch``: cached after that). ``pyodide``: the address, relative to the page,
    of the same Pyodide core served beside it (the course site shares its lab's): then
    the page does not ship its own. Returns the folder."""
    out = _internal.file_path(out_dir, "out_dir")
    if pyodide is not None and not isinstance(pyodide, str):
        raise TypeError(f"pyodide must be a str (a relative address) or None, got "
                        f"{type(pyodide).__name__}")
    if pyodide is not None and not (pyodide.endswith("/") and "://" not in pyodide
                                    and '"' not in pyodide):
        raise ValueError(f"pyodide must be a relative address of a folder, ending with '/' "
                         f"(e.g. '../lab/static/pyodide/'), or None, got {pyodide!r:.60}")
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"out_dir: {out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    page = resources.files(__package__)
    for name in PAGE_FILES:
        text = page.joinpath(name).read_bytes()
        if name == "worker.js" and pyodide is not None:
            text = text.replace(_CORE_LINE.encode(), f'const PYODIDE = "{pyodide}";'.encode())
        _internal.write_atomically(out / name, text)
    if pyodide is None:
        assets.unpack(assets.PYODIDE, out / "pyodide")
    assets.unpack(assets.VIZ, out / "viz")
    _internal.write_atomically(out / "gradlab.zip", _gradlab_zip())
    _internal.write_atomically(out / "NOTICE.txt", _notice().encode())
    return out
