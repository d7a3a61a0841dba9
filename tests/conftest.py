"""Shared test settings: a hypothesis profile with no deadline (shared, noisy CI
machines); the checkout's own packages first on the path, so that tests/autograd and
tests/nn (laid out like the packages) can never stand in for autograd and nn."""

import os
import sys
from pathlib import Path

from hypothesis import settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

settings.register_profile("ci", deadline=None, max_examples=60, derandomize=True)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
