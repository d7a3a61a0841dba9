"""How drawings, captions, tables and pages show numbers and texts: one format for a
number, one colour scale for gradients, escaping for Graphviz's HTML labels, and an
estimate of text widths (so that a box can be sized for every number it will show).
Public: a view built outside autograd (``nn``'s neuron view) uses the same."""

from __future__ import annotations

import html
import math
import re

__all__ = ["fmt", "grad_colour", "escape", "visible", "text_width", "MAX_TEXT"]


def fmt(x: float, precision: int = 4) -> str:
    """A number as drawings, captions and tables show it: ``precision`` decimals,
    no negative zero, and small or large magnitudes in e-notation rather than
    a misleading ``0.0000``."""
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0:
        return f"{0.0:.{precision}f}"
    if abs(x) < 10 ** -precision or abs(x) >= 10 ** 6:
        return f"{x:.{max(precision - 1, 1)}e}"
    text = f"{x:.{precision}f}"
    return text


def grad_colour(g: float | None, scale: float) -> str:
    """Blue for positive, red for negative, stronger for larger |g|; grey when unknown."""
    if g is None:
        return "#eeeeee"
    if g == 0 or scale == 0 or math.isnan(g):
        return "#ffffff"
    t = min(1.0, abs(g) / scale) ** 0.5
    light = int(235 - 120 * t)
    return f"#{light:02x}{light:02x}ff" if g > 0 else f"#ff{light:02x}{light:02x}"


MAX_TEXT = 200  # characters of one name or label a drawing shows (Graphviz takes 16,384)
# control characters as their pictures (NUL -> ␀, ESC -> ␛, DEL -> ␡), but tab and newline
_PICTURES = {c: 0x2400 + c for c in range(32) if c not in (9, 10)} | {0x7F: 0x2421}
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")  # lone surrogates, U+FFFE, U+FFFF


def visible(text, limit: int | None = MAX_TEXT) -> str:
    """Any text as drawings and pages can show it: a control character as its picture
    (NUL as ␀), a lone surrogate, U+FFFE or U+FFFF as �, and past ``limit`` characters
    (None: no limit) the rest counted ("… (+16,830 characters)", ``limit`` characters in
    all): never an error in Graphviz or in a page's encoding, never a silent change."""
    text = str(text)
    if limit is not None and len(text) > limit:  # visible(visible(t)) is visible(t)
        keep = limit - 30
        text = f"{text[:keep]}… (+{len(text) - keep:,} characters)"
    return _NOT_XML.sub("\ufffd", text.translate(_PICTURES))


def escape(text: str) -> str:
    """Text for Graphviz's HTML-like labels (and its quoted strings): ``visible``, then
    XML-escaped, newlines as line breaks, a tab as a space (Graphviz 2.43 refuses a text that
    is only a tab); a backslash doubled (Graphviz reads ``\\N`` as
    the node's id, ``\\\\`` as one backslash) and "]" as character references (Graphviz
    2.43 refuses a label that is only "]")."""
    return (html.escape(visible(text), quote=True).replace("\n", "<BR/>").replace("\t", " ")
            .replace("\\", "&#92;&#92;").replace("]", "&#93;"))


# Helvetica's advance widths (per 1000 em) for what the cells show; others count 0.6 em.
_WIDTHS = dict.fromkeys("0123456789", 556) | {
    ".": 278, "-": 333, "+": 584, " ": 278, "(": 333, ")": 333, "/": 278, "×": 584, "=": 584,
    "e": 556, "a": 556, "d": 556, "g": 556, "o": 556, "n": 556, "u": 556, "p": 556, "c": 500,
    "r": 333, "t": 278, "m": 833, "i": 222, "l": 222, "f": 278, "δ": 556, "·": 278, "∂": 556,
    "E": 667, "w": 722, "y": 500, "b": 556, "s": 500, "h": 556, "k": 500, "x": 500}


def text_width(text: str, size: float) -> float:
    """An upper estimate of the width, in points, of ``text`` at ``size`` points
    (Helvetica, or its metric twin Liberation Sans; 8% slack for other fonts)."""
    return 1.08 * size * sum(_WIDTHS.get(ch, 600) for ch in text) / 1000
