"""autograd.web.assets: a pinned tarball downloaded once, checked against its integrity,
cached under npm pack's name, unpacked file by file; clear errors offline and for a
tarball that is not the pinned one. A local server stands in for the npm registry."""

import base64
import hashlib
import http.server
import io
import tarfile
import threading

import pytest

from autograd.web import assets


def _tarball(files: dict) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


TARBALL = _tarball({"dist/thing.js": b"export const x = 1;\n", "README.md": b"# thing\n"})
THING = assets.Package("@demo/thing", "1.2.3", _integrity(TARBALL), files=("dist/thing.js",))


class _Registry(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.paths.append(self.path)
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def registry(monkeypatch, tmp_path):
    """A registry on 127.0.0.1 serving THING's tarball, and an empty cache."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    server.files = {"/@demo/thing/-/thing-1.2.3.tgz": TARBALL}
    server.paths = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(assets, "REGISTRY", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("GRADLAB_CACHE", str(tmp_path / "cache"))
    yield server
    server.shutdown()
    server.server_close()


def test_the_pinned_packages_are_exact_versions_with_sha512_integrity():
    for package in (assets.PYODIDE, assets.VIZ):
        assert package.version.count(".") == 2 and package.version.replace(".", "").isdigit()
        assert package.integrity.startswith("sha512-") and len(package.integrity) == 95
    assert assets.PYODIDE.url == "https://registry.npmjs.org/pyodide/-/pyodide-314.0.6.tgz"
    assert assets.VIZ.url == "https://registry.npmjs.org/@viz-js/viz/-/viz-3.31.0.tgz"
    assert assets.VIZ.tarball_name == "viz-js-viz-3.31.0.tgz"  # as npm pack names it


def test_a_tarball_is_downloaded_once_checked_and_cached(registry, tmp_path):
    path = assets.fetch(THING)
    assert path == tmp_path / "cache" / "demo-thing-1.2.3.tgz"
    assert path.read_bytes() == TARBALL
    assert assets.fetch(THING) == path
    assert registry.paths == ["/@demo/thing/-/thing-1.2.3.tgz"]  # the second from the cache


def test_a_wrong_tarball_is_refused_downloaded_or_cached(registry, tmp_path):
    wrong = assets.Package("@demo/thing", "1.2.3", _integrity(b"another"), files=())
    with pytest.raises(assets.AssetError, match="not the pinned tarball: its digest is sha512-"):
        assets.fetch(wrong)
    assert not (tmp_path / "cache" / "demo-thing-1.2.3.tgz").exists()
    cached = tmp_path / "cache" / "demo-thing-1.2.3.tgz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"a tampered file")
    assert assets.fetch(THING).read_bytes() == TARBALL  # not trusted: downloaded again


def test_offline_and_not_cached_says_what_to_do(registry, monkeypatch):
    registry.files.clear()
    with pytest.raises(assets.AssetError) as info:
        assets.fetch(THING)
    for words in ("cannot download @demo/thing 1.2.3", "GRADLAB_CACHE",
                  "npm pack @demo/thing@1.2.3"):
        assert words in str(info.value)
    monkeypatch.setattr(assets, "REGISTRY", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(assets.AssetError, match="cannot download"):
        assets.fetch(THING)


def test_unpack_writes_only_the_files_asked_for(registry, tmp_path):
    out = tmp_path / "out"
    assert assets.unpack(THING, out) == [out / "thing.js"]
    assert (out / "thing.js").read_bytes() == b"export const x = 1;\n"
    assert sorted(p.name for p in out.iterdir()) == ["thing.js"]
    assert assets.unpack(THING, out, ["README.md"]) == [out / "README.md"]
    with pytest.raises(assets.AssetError, match="has no file 'nope.js'"):
        assets.unpack(THING, out, ["nope.js"])


def test_bad_arguments_name_themselves(registry, tmp_path):
    with pytest.raises(TypeError, match="package must be an autograd.web.assets.Package"):
        assets.fetch("pyodide")
    with pytest.raises(TypeError, match="files must be paths inside the package"):
        assets.unpack(THING, tmp_path, "dist/thing.js")
    with pytest.raises(ValueError, match="timeout must be > 0"):
        assets.fetch(THING, timeout=0)


def test_the_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADLAB_CACHE", str(tmp_path))
    assert assets.cache_dir() == tmp_path
    monkeypatch.delenv("GRADLAB_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert assets.cache_dir() == tmp_path / "home" / ".cache" / "gradlab"
