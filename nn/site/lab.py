"""The notebooks as a JupyterLite site: JupyterLab and a Python kernel (Pyodide, Python
compiled to WebAssembly) as static files, with gradlab's sources on the kernel's drive.

    build_lab("site/lab")      # python -m jupyterlite_core build, configured here

What makes the kernel start with no network: JupyterLite's Pyodide kernel loads
``micropip``, then IPython, jedi and their dependencies from Pyodide's package list
(``pyodide-lock.json``), which names files on Pyodide's package site. The site ships
Pyodide's core (``autograd.web.assets.PYODIDE``, the version the kernel expects) and
PyPI's wheels of exactly those pure-Python packages (``KERNEL_WHEELS``: pinned versions
and sha256, fetched with pip), and rewrites the list: those packages are the local
wheels (their own sha256), every other package (numpy, matplotlib, ...) a full address
on Pyodide's package site, loaded from there when the learner is online. ``comm``, not
in Pyodide's list, goes to the kernel's local package index (``pypi/``).

The kernel's working folder is the notebook's folder on the contents drive (``/drive``),
and ``''`` is on its ``sys.path``: ``autograd/`` and ``nn/`` beside the notebooks make
``import autograd`` work there; ``viz/viz.js`` beside them (@viz-js/viz, as the play
page ships it) is where the first drawing loads Graphviz in WebAssembly from
(``autograd.viz.browser``).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograd.web import assets

__all__ = ["KERNEL_WHEELS", "PACKAGE_SITE", "build_lab", "kernel_wheels", "local_lock",
           "notebook_folder"]

# Pyodide's package site for this core: where numpy, matplotlib, ... come from online.
PACKAGE_SITE = f"https://cdn.jsdelivr.net/pyodide/v{assets.PYODIDE.version}/full/"

# The pure-Python packages the kernel loads as it starts (micropip, IPython, jedi and
# their dependencies in Pyodide 314.0.6's pyodide-lock.json, at the versions it lists,
# plus comm): PyPI's wheels, pinned by sha256 (PyPI's builds, not Pyodide's rebuilds,
# so the digests differ from the lock's and the local list carries these).
KERNEL_WHEELS = {
    "asttokens-3.0.1-py3-none-any.whl":
        "15a3ebc0f43c2d0a50eeafea25e19046c68398e487b9f1f5b517f7c0f40f976a",
    "comm-0.2.3-py3-none-any.whl":
        "c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417",
    "decorator-5.2.1-py3-none-any.whl":
        "d316bb415a2d9e2d2b3abcc4084c6502fc09240e292cd76a76afc106a1c8e04a",
    "executing-2.2.1-py2.py3-none-any.whl":
        "760643d3452b4d777d295bb167ccc74c64a81df23fb5e08eff250c425a4b2017",
    "ipython-9.12.0-py3-none-any.whl":
        "0f2701e8ee86e117e37f50563205d36feaa259d2e08d4a6bc6b6d74b18ce128d",
    "jedi-0.19.2-py2.py3-none-any.whl":
        "a8ef22bde8490f57fe5c7681a3c83cb58874daf72b4784de3cce5b6ef6edb5b9",
    "matplotlib_inline-0.2.1-py3-none-any.whl":
        "d56ce5156ba6085e00a9d54fead6ed29a9c47e215cd1bba2e976ef39f5710a76",
    "micropip-0.11.1-py3-none-any.whl":
        "768de165adb8e66906039d8fec4127a57f522dfdf8e6fbff877a4616941ecfd3",
    "parso-0.8.6-py2.py3-none-any.whl":
        "2c549f800b70a5c4952197248825584cb00f033b29c692671d3bf08bf380baff",
    "prompt_toolkit-3.0.52-py3-none-any.whl":
        "9aac639a3bbd33284347de5ad8d68ecc044b91a762dc39b7c21095fcd6a19955",
    "pure_eval-0.2.3-py3-none-any.whl":
        "1db8e35b67b3d218d818ae653e27f06c3aa420901fa7b081ca98cbedc874e0d0",
    "pygments-2.20.0-py3-none-any.whl":
        "81a9e26dd42fd28a23a2d169d86d7ac03b46e2f8b59ed4698fb4785f946d0176",
    "six-1.17.0-py2.py3-none-any.whl":
        "4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274",
    "stack_data-0.6.3-py3-none-any.whl":
        "d5558e0c25a4cb0853cddad3d77da9891a08cb85dd9f9f91b9f8cd66e511e695",
    "traitlets-5.14.3-py3-none-any.whl":
        "b74e89e397b1ed28cc831db7aea759ba6640cb3de13090ca145426688ff1ac4f",
    "wcwidth-0.6.0-py3-none-any.whl":
        "1a3a1e510b553315f8e146c54764f4fb6264ffad731b3d78088cdb1478ffbdad",
}
NOT_IN_PYODIDE = ("comm",)  # goes to the kernel's own index (piplite's pypi/all.json)
KERNEL_EXTENSION = "@jupyterlite/pyodide-kernel-extension"
_WHEEL = re.compile(r"(?P<name>[^-]+)-(?P<version>[^-]+)-")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement(wheel: str) -> str:
    m = _WHEEL.match(wheel)
    return f"{m['name']}=={m['version']} --hash=sha256:{KERNEL_WHEELS[wheel]}"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kernel_wheels() -> dict[str, Path]:
    """``KERNEL_WHEELS`` in the cache (``autograd.web.assets.cache_dir() / "wheels"``),
    fetched first with pip (``--require-hashes``) when one is missing or not the pinned
    file. Returns file name -> path."""
    folder = assets.cache_dir() / "wheels"
    paths = {name: folder / name for name in KERNEL_WHEELS}
    if all(p.is_file() and _digest(p) == KERNEL_WHEELS[n] for n, p in paths.items()):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text("\n".join(_requirement(w) for w in KERNEL_WHEELS) + "\n")
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary", ":all:", "--python-version", "3.14", "--require-hashes",
             "-r", str(requirements), "-d", str(folder)], capture_output=True, text=True)
    bad = [n for n, p in paths.items() if not p.is_file() or _digest(p) != KERNEL_WHEELS[n]]
    if done.returncode or bad:
        raise OSError(f"cannot fetch the kernel's wheels {bad or ''} with pip (the course "
                      f"site needs them once; then they are cached in {folder}): "
                      f"{done.stderr.strip()[-600:]}")
    return paths


def local_lock(lock: dict, local: dict[str, str]) -> dict:
    """Pyodide's package list with the packages in ``local`` (wheel file name -> sha256)
    served beside it, and every other package's file a full address on Pyodide's
    package site (``PACKAGE_SITE``). A local wheel Pyodide does not list is ignored
    here (comm: the kernel's own index). Returns a new dict."""
    if not isinstance(lock, dict) or not isinstance(lock.get("packages"), dict):
        raise TypeError("lock must be the dict of a pyodide-lock.json (with 'packages')")
    by_name = {_normal(_WHEEL.match(w)["name"]): w for w in local}
    out = json.loads(json.dumps(lock))
    for name, entry in out["packages"].items():
        wheel = by_name.get(_normal(name))
        if wheel is not None:
            entry["file_name"], entry["sha256"] = wheel, local[wheel]
        elif not re.match(r"^https?://", entry["file_name"]):
            entry["file_name"] = PACKAGE_SITE + entry["file_name"]
    return out


def notebook_folder() -> Path:
    """The checkout's ``notebooks/`` (the site ships them; they are not in the wheel)."""
    folder = Path(__file__).resolve().parents[2] / "notebooks"
    if not folder.is_dir():
        raise OSError(f"the course site ships the notebooks of a gradlab checkout, and "
                      f"{folder} is not there: run it from a checkout (pip install -e)")
    return folder


def _contents(files: Path) -> None:
    """The notebooks, the sources of ``autograd`` and ``nn`` beside them, and
    ``viz/viz.js`` (``autograd.viz.browser.VIZ_JS`` on the kernel's drive)."""
    import autograd

    files.mkdir(parents=True)
    for notebook in sorted(notebook_folder().glob("*.ipynb")):
        shutil.copy2(notebook, files / notebook.name)
    for source in (Path(autograd.__file__).parent, Path(__file__).resolve().parents[1]):
        shutil.copytree(source, files / source.name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc",  # and the C part,
                                                      "*.c", "*.so", "*.pyd"))  # not for Pyodide
    assets.unpack(assets.VIZ, files / "viz")  # Graphviz in WebAssembly, for drawings


def _pyodide(lite: Path) -> None:
    """Pyodide's core, the kernel's wheels and the rewritten package list, where
    jupyterlite-pyodide-kernel looks for a local Pyodide (``static/pyodide``)."""
    core = lite / "static" / "pyodide"
    assets.unpack(assets.PYODIDE, core)
    index = lite / "pypi"  # the kernel's own package index: what Pyodide does not list
    index.mkdir()
    for name, path in kernel_wheels().items():
        shutil.copy2(path, (index if name.startswith(NOT_IN_PYODIDE) else core) / name)
    lock = json.loads((core / "pyodide-lock.json").read_text())
    local = {n: d for n, d in KERNEL_WHEELS.items() if not n.startswith(NOT_IN_PYODIDE)}
    (core / "pyodide-lock.json").write_text(json.dumps(local_lock(lock, local)))


def _kernel_extension() -> Path:
    """The Pyodide kernel's JupyterLab extension, as jupyterlite-pyodide-kernel installs
    it (``share/jupyter/labextensions``)."""
    from jupyter_core.paths import jupyter_path

    for root in jupyter_path("labextensions"):
        candidate = Path(root) / KERNEL_EXTENSION
        if (candidate / "package.json").is_file():
            return candidate
    raise OSError(f"{KERNEL_EXTENSION} not found: pip install -e \".[site]\"")


def _config(lite: Path) -> None:
    """Only the Pyodide kernel's extension (not whatever else this Python has), no
    source maps, the lab app; the page exposes ``window.jupyterapp`` (tests drive it)."""
    (lite / "jupyter_lite_config.json").write_text(json.dumps({"LiteBuildConfig": {
        "apps": ["lab"], "no_sourcemaps": True,
        "ignore_sys_prefix": ["federated_extensions"],
        "federated_extensions": [str(_kernel_extension())],
        "contents": [str(lite / "files")]}}, indent=1))
    (lite / "jupyter-lite.json").write_text(json.dumps({
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {"appName": "gradlab notebooks", "exposeAppInBrowser": True}},
        indent=1))


def build_lab(out) -> Path:
    """Build the notebooks' JupyterLite site into the folder ``out`` (created; must not
    exist or be empty). Returns ``out``. Needs the ``site`` extra (jupyterlite-core,
    jupyterlite-pyodide-kernel) and, once, the registries (Pyodide's core from npm, the
    kernel's wheels from PyPI); both are cached."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"out must be a new or empty folder, got {str(out)!r}")
    with tempfile.TemporaryDirectory(prefix="gradlab-lab-") as tmp:
        lite = Path(tmp)
        _contents(lite / "files")
        _pyodide(lite)
        _config(lite)
        done = subprocess.run(
            [sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite),
             "--output-dir", str(out.resolve())], capture_output=True, text=True, cwd=lite)
    if done.returncode:
        raise OSError(f"jupyter lite build failed: {(done.stdout + done.stderr)[-1500:]}")
    return out
