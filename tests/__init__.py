"""gradlab's tests, laid out like the packages (tests/autograd, tests/nn: one test module
per library module); the README's and the notebooks' tests at the top; shared helpers:
``graphs`` (tests/autograd), ``layout`` (reading laid-out drawings), ``player``
(driving the player in Chromium)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout
