"""The one compiled part: autograd/_untrack.c, optional. Without a C compiler the install
still succeeds and the engine runs the same, its nodes scanned by Python's collector
(slower for large graphs; see the README's benchmarks). Everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("autograd._untrack", ["autograd/_untrack.c"], optional=True)])
