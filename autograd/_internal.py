"""Helpers that several of gradlab's modules share, ``nn`` included: the one internal
module whose names other modules may import (everything else private stays in its module).

- Argument checks at the public boundary, in one style: each names the argument, what it
  expects and what it got, and returns the value in its plain Python type. Public
  functions call them once on entry, so hot paths stay free of checks. (numpy integers
  and floats are accepted; bools, complex numbers and Decimals are not.)
- ``write_atomically``: every file gradlab writes (drawings, pages, models, notebooks)
  goes through it, so a reader never sees half a file.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

import numpy as np


def integer(value, name: str, minimum: int | None = None) -> int:
    """An int (or numpy integer), at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r:.40}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return value


def real(value, name: str, minimum: float | None = None, above: float | None = None) -> float:
    """A finite real number (int, float, numpy scalar), >= ``minimum`` / > ``above``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}: "
                        f"{value!r:.40}")
    try:
        value = float(value)
    except OverflowError:  # an int beyond a float's range
        raise ValueError(f"{name} must be a finite number, got an int too large for a float "
                         f"({int(value).bit_length()} bits)") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum:g}, got {value:g}")
    if above is not None and value <= above:
        raise ValueError(f"{name} must be > {above:g}, got {value:g}")
    return value


def boolean(value, name: str) -> bool:
    """True or False (a Python or numpy bool; not 0, 1 or "yes")."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}: "
                        f"{value!r:.40}")
    return bool(value)


def items(value, name: str, expected: str) -> list:
    """The items of a list, tuple or other iterable (not a str, bytes or dict), as a list;
    ``expected`` says what the argument should be, for the message."""
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__}: "
                        f"{value!r:.40}")
    return list(value)


def has_methods(value, name: str, methods: tuple, example: str):
    """An object with these methods (an optimizer, a schedule, a model)."""
    missing = [m for m in methods if not callable(getattr(value, m, None))]
    if missing:
        raise TypeError(f"{name} must be {example}, got {type(value).__name__}: {value!r:.40}")
    return value


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``:
    readers see the old file or the new one, never half of one.

    A symlink is followed (its target gets the new contents, the link stays, as
    ``torch.save`` does); an existing file keeps its permissions, a new one gets
    the usual ones (0666 less the umask). Temporary files that an earlier crash
    left beside the file are removed once this write has succeeded."""
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    prefix = f".{target.name}."
    tmp = folder / f"{prefix}{secrets.token_hex(8)}.tmp"
    # O_EXCL: never follow or reuse anything there; 0o666 lets the umask apply, as open() does
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    stray = re.compile(re.escape(prefix) + r"[0-9a-f]{16}\.tmp")
    for leftover in folder.iterdir():
        if stray.fullmatch(leftover.name):
            try:
                leftover.unlink()
            except OSError:
                pass  # another writer's, or gone already
