"""gradlab's tests, laid out like the packages (tests/autograd, tests/nn: one test module
per library module); cross-cutting tests at the top (the README, the notebooks, the
layout itself, bad input at every public boundary). Shared helpers: tests/autograd/graphs
(graphs many tests build), tests/autograd/oracles (the op table on floats, closed forms),
tests/autograd/replay/compare and nets (eager oracle, an MLP of raw Values),
tests/nn/reference (the networks in numpy), tests/layout (reading laid-out drawings),
tests/player (driving the player in Chromium)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout
