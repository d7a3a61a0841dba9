"""The course site built once per session into a temporary folder and served from
localhost (http.server in a thread), and headless Chromium whose every request that is
not to localhost goes to a recording proxy that refuses it: ``outside`` lists them (the
performance log does not see a Web Worker's requests; the proxy sees every context's)."""

import functools
import http.server
import socketserver
import threading

import pytest

from nn.site import build_site
from tests.conftest import chromium

DEMO = "--epochs 5 --frames 2 --samples 40"  # a small demo: the site's shape, quickly


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".wasm": "application/wasm"}

    def log_message(self, *args):
        pass


# Chromium's own services (component updates, accounts, autofill, optimization hints):
# the browser asks them whatever the page, --disable-background-networking or not
CHROMIUM_OWN = {"accounts.google.com", "clients2.google.com", "update.googleapis.com",
                "content-autofill.googleapis.com", "optimizationguide-pa.googleapis.com",
                "safebrowsing.googleapis.com", "clientservices.googleapis.com"}


class Outside(list):
    """The request lines that tried to leave the machine (``CONNECT host:443``, ...)."""

    @staticmethod
    def host(line: str) -> str:
        target = line.split()[1]
        return (target.split("/")[2] if "://" in target else target).split(":")[0]

    def of_the_site(self) -> list:
        """Those the pages asked for (not Chromium's own services)."""
        return [line for line in self if self.host(line) not in CHROMIUM_OWN]


def _refusing_proxy(outside: Outside) -> socketserver.ThreadingTCPServer:
    class Refuse(socketserver.StreamRequestHandler):
        def handle(self):
            line = self.rfile.readline(4096).decode("latin-1").strip()
            if line:
                outside.append(line)
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Refuse)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """(folder, url, {part: build seconds}) of the built site, served from localhost."""
    root = tmp_path_factory.mktemp("course-site") / "site"
    seconds = build_site(root, DEMO)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_port}", seconds
    server.shutdown()


@pytest.fixture(scope="module")
def offline():
    """(driver, outside): Chromium with every request beyond localhost refused and
    recorded (Chromium sends localhost past any proxy)."""
    outside = Outside()
    proxy = _refusing_proxy(outside)
    drv = chromium(f"--proxy-server=http://127.0.0.1:{proxy.server_address[1]}")
    yield drv, outside
    drv.quit()
    proxy.shutdown()
