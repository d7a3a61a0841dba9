"""Argument checks at the public boundary, in one style: each names the argument,
what it expects and what it got, and returns the value in its plain Python type.
Public functions call them once on entry, so hot paths stay free of checks.
(numpy integers and floats are accepted; bools, complex numbers and Decimals are not.)
"""

from __future__ import annotations

import math
import numbers


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
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum:g}, got {value:g}")
    if above is not None and value <= above:
        raise ValueError(f"{name} must be > {above:g}, got {value:g}")
    return value


def has_methods(value, name: str, methods: tuple, example: str):
    """An object with these methods (an optimizer, a schedule, a model)."""
    missing = [m for m in methods if not callable(getattr(value, m, None))]
    if missing:
        raise TypeError(f"{name} must be {example}, got {type(value).__name__}: {value!r:.40}")
    return value
