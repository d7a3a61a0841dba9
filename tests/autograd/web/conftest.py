"""The built page, once per session, served on localhost, and a Chromium that logs every
request it makes: what the page's tests load.

The build downloads Pyodide and Graphviz from the npm registry the first time
(autograd.web.assets caches them), then is a copy. Chromium writes its NetLog
(``--log-net-log``): every request of the browser with its initiator, the page's web
worker's included (the performance log of ``goog:loggingPrefs`` shows the page's own
requests only), so a test can tell the page's requests from Chromium's own (its update
checks, whose initiator is "not an origin")."""

import functools
import http.server
import json
import threading

import pytest

from autograd.web import build
from tests.conftest import chromium


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The folder ``python -m autograd.web build`` writes."""
    return build(tmp_path_factory.mktemp("site"))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def served(site):
    """The site over HTTP on 127.0.0.1 (a web worker needs a server, not file://): its
    base URL, ending in '/'."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


class NetLog:
    """Chromium's NetLog file, read as it grows: ``requests()`` is every request so far,
    as (url, initiator) pairs."""

    def __init__(self, path):
        self.path = path

    def requests(self) -> list:
        out = []
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return out
        for line in text.splitlines():  # one event a line; the file is unfinished JSON
            line = line.strip().rstrip(",")
            if not line.startswith("{") or '"initiator"' not in line:
                continue
            try:
                params = json.loads(line).get("params", {})
            except json.JSONDecodeError:
                continue  # the line being written
            if "url" in params and "initiator" in params:
                out.append((params["url"], params["initiator"]))
        return out


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    """Headless Chromium at 1280x800 writing its NetLog (``driver.netlog``)."""
    folder = tmp_path_factory.mktemp("chromium")
    drv = chromium(f"--user-data-dir={folder / 'profile'}", "--window-size=1280,800",
                   f"--log-net-log={folder / 'netlog.json'}")
    drv.netlog = NetLog(folder / "netlog.json")
    yield drv
    drv.quit()
