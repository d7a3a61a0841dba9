"""Shared test settings: a hypothesis profile with no deadline (shared, noisy CI
machines); the checkout's own packages first on the path, so that tests/autograd and
tests/nn (laid out like the packages) can never stand in for autograd and nn; and the
real browser (Debian's chromium + chromium-driver via selenium) that the page and
JupyterLab tests drive: without it they fail, they never skip."""

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

settings.register_profile("ci", deadline=None, max_examples=60, derandomize=True)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def np():
    """numpy, for an engine test that needs it: the test is marked ``numpy`` so that CI's
    job without numpy (the engine alone, as on Pyodide) deselects it, and only it."""
    import numpy

    return numpy


@pytest.fixture(scope="session")
def torch():
    """PyTorch (float64 oracle) for an engine test: marked ``torch`` as ``np`` is."""
    import torch

    return torch


MARK_BY_FIXTURE = {"np": "numpy", "torch": "torch", "lab_driver": "jupyterlab"}


def pytest_collection_modifyitems(items):
    """A test that asks for numpy, torch or JupyterLab is marked so (see pyproject.toml)."""
    for item in items:
        for fixture, mark in MARK_BY_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(mark)


def chromium(*extra):
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(f"{' and '.join(missing)} not found: the page and JupyterLab tests "
                    "drive a real browser. .ci/run installs chromium and chromium-driver "
                    "(Debian: apt-get install chromium chromium-driver)", pytrace=False)
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--no-first-run", "--disable-quic", "--window-size=1400,1000", *extra]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(30)
    return drv


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    """Headless Chromium for file:// pages, with a profile of its own."""
    drv = chromium(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def lab_driver():
    """Headless Chromium for a JupyterLab server, in chromedriver's own temporary
    profile (with --user-data-dir the kernel's websocket never connected)."""
    drv = chromium()
    yield drv
    drv.quit()
