"""The page's JavaScript and WebAssembly, without Node: pinned npm tarballs fetched from
the npm registry with urllib, checked against the ``dist.integrity`` pinned here
(sha512, as ``npm ci`` checks a package-lock), kept in a cache and unpacked file by file.

    tarball = fetch(PYODIDE)                  # downloads once, then reads the cache
    unpack(PYODIDE, "site/pyodide")           # only the files the page needs

The cache is ``$GRADLAB_CACHE`` or ``~/.cache/gradlab``; a tarball there has the name
``npm pack`` gives it, so ``npm pack pyodide@314.0.6`` run in the cache folder (behind a
proxy npm knows, say) fills it too. A tarball whose digest differs from the pinned one
is refused, cached or downloaded. (npm calls the pinned digest ``integrity``.)
"""

from __future__ import annotations

import base64
import hashlib
import os
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .. import _internal

__all__ = ["Package", "PYODIDE", "VIZ", "AssetError", "cache_dir", "fetch", "unpack"]

REGISTRY = "https://registry.npmjs.org"


class AssetError(RuntimeError):
    """A pinned package could not be had: offline and not cached, or a wrong digest."""


@dataclass(frozen=True)
class Package:
    """One pinned npm package: ``name`` and exact ``version``, the registry's
    ``dist.integrity`` of its tarball, and the ``files`` (paths inside the package)
    that ``unpack`` writes by default."""

    name: str
    version: str
    integrity: str
    files: tuple = ()
    license: str = ""

    @property
    def tarball_name(self) -> str:
        """The file name ``npm pack`` gives the tarball (``@viz-js/viz`` -> ``viz-js-viz``)."""
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"

    @property
    def url(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.name.split('/')[-1]}-{self.version}.tgz"


# Python 3.14 compiled to WebAssembly, with its standard library and no packages. 314.0.6
# is the version jupyterlite-pyodide-kernel 0.8.6 loads, so the course site can share it.
PYODIDE = Package(
    "pyodide", "314.0.6",
    "sha512-BKDTJyIqFxC4BExLqeRS3f5xvXZIjOt8C3zGLN/Cc7tFxSwvKVhVkchQQ2AGLOtR4YrVOIFxbV8poyDOOmWwxQ==",
    files=("pyodide.js", "pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm",
           "python_stdlib.zip", "pyodide-lock.json", "package.json"),
    license="MPL-2.0",
)

# Graphviz compiled to WebAssembly, one standalone ES module (the wasm inside it); the
# package's dist/viz-global.js is the same as a classic script defining the global ``Viz``.
VIZ = Package(
    "@viz-js/viz", "3.31.0",
    "sha512-r7zlQdRvcwvIpjHGgs+KNWHeE/P5/Dq7k8ZAKaMCbZqomxCBJV78gVuQYaHzFVca+kB0mX0fMW9UFevCOBG50A==",
    files=("dist/viz.js",),
    license="MIT (Graphviz inside it: EPL-1.0)",
)


def cache_dir() -> Path:
    """Where downloaded tarballs are kept: ``$GRADLAB_CACHE`` or ``~/.cache/gradlab``."""
    return Path(os.environ.get("GRADLAB_CACHE") or Path.home() / ".cache" / "gradlab")


def _digest(data: bytes, integrity: str) -> str:
    algorithm = integrity.split("-", 1)[0]
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def _check(package: Package) -> None:
    if not isinstance(package, Package):
        raise TypeError(f"package must be an autograd.web.assets.Package (e.g. PYODIDE, VIZ), "
                        f"got {type(package).__name__}")


def fetch(package: Package, *, timeout: float = 120.0) -> Path:
    """The package's tarball in the cache, downloaded first if it is not there (or is not
    the pinned one). Raises ``AssetError`` when it cannot be downloaded or its digest is
    not the pinned ``integrity``."""
    _check(package)
    timeout = _internal.real(timeout, "timeout", above=0)
    path = cache_dir() / package.tarball_name
    if path.is_file() and _digest(path.read_bytes(), package.integrity) == package.integrity:
        return path
    try:
        with urllib.request.urlopen(package.url, timeout=timeout) as response:
            data = response.read()
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise AssetError(
            f"cannot download {package.name} {package.version} ({package.url}): {reason}. "
            f"Building the page needs it once; then it is cached in {cache_dir()} (set "
            f"GRADLAB_CACHE to move the cache; 'npm pack {package.name}@{package.version}' "
            "run in that folder fills it too)") from None
    got = _digest(data, package.integrity)
    if got != package.integrity:
        raise AssetError(f"{package.name} {package.version} from {package.url} is not the "
                         f"pinned tarball: its digest is {got}, expected {package.integrity}")
    path.parent.mkdir(parents=True, exist_ok=True)
    _internal.write_atomically(path, data)
    return path


def unpack(package: Package, dest, files=None) -> list[Path]:
    """Write ``files`` of the package (paths inside it, e.g. ``"dist/viz-global.js"``;
    default: ``package.files``) into the folder ``dest``, each under its base name.
    Returns the paths written; a file the package does not have is an ``AssetError``."""
    _check(package)
    wanted = list(package.files if files is None else
                  _internal.items(files, "files", "paths inside the package"))
    if not all(isinstance(f, str) for f in wanted):
        raise TypeError("files must be paths inside the package, as str")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    with tarfile.open(fetch(package), "r:gz") as tar:
        members = {m.name.split("/", 1)[-1]: m for m in tar.getmembers() if m.isfile()}
        for name in wanted:
            member = members.get(name)
            if member is None:
                raise AssetError(f"{package.name} {package.version} has no file {name!r}")
            target = dest / PurePosixPath(name).name
            _internal.write_atomically(target, tar.extractfile(member).read())
            written.append(target)
    return written
