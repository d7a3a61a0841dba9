"""The step-through player: one drawing, and the steps as data applied to it.

``page(views, title)`` is a whole offline HTML file; ``fragment(views)``
the same player for a Jupyter output, with a static fallback (first and last
frames as PNG pictures and the step table) where scripts do not run (an untrusted
notebook, GitHub, nbviewer); ``Player`` is that output with the last frame's PNG beside
its HTML.

The page opens on the first view at the "readable" zoom: as wide as the box allows, but
never with text under 10 CSS px (else "fit" shows all of it, "100%" the natural size);
the active step is scrolled into view at every zoom: a step's ``focus`` (an element id),
else its first ``hot`` one; at step 0 the view's ``focus``. A view's steps may be of the
forward pass: a step
with ``"pass": "forward"`` has its table row under the view's ``forward_head``
(``trace.py``'s ``forward=True``; the backward steps follow under ``head``). The view
switch keeps the place: in the backward pass (after a view's ``backward_from`` frames)
through ``sync``, in the forward pass through ``forward_sync`` (per frame of a view's
forward pass, the scalar view's frame reached). A step's ``set`` may name ``d<box>``:
the text before the last in that box (its value: ``d3`` is box ``v3``'s, ``dn3`` box
``n3``'s).

A view is what ``trace.py`` builds (the scalar view) or a model offers
(``model.trace_views()``: ``nn``'s neuron view): ``.title``, ``.dot_at(k)`` (the DOT
of frame ``k``; frame 0 is laid out once and every step changes only texts and
colours), ``.captions()``, ``.steps_data()``, ``.table()`` and ``.data`` (``names``:
element id -> name; ``done``: element id -> [step, arrived, paths], and a fourth item,
the word for the paths, when it is not "paths" ("positions": a shared weight); per
step: ``set`` = [element id, text, fill], ``hot`` = ids to highlight, ``wl`` = [edge id,
text] labels to float on edges, ``cap`` = caption, ``row`` = table cells). Every text goes
into the page as JSON inside a ``<script type="application/json">`` with ``<``, ``>`` and
``&`` escaped, and reaches the page only through ``textContent``: a label cannot
become markup or script.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
from importlib import resources

from .dot import render

__all__ = ["page", "fragment", "still_png", "Player"]

STILL_SIZE = '  size="12,40";'  # a still picture at most 12 by 40 inches (1152 px wide)

# The player's styles and script are package files, read once (linted as CSS and JS).
_CSS = resources.files(__package__).joinpath("player.css").read_text(encoding="utf-8")
_JS = resources.files(__package__).joinpath("player.js").read_text(encoding="utf-8")

_counter = itertools.count(1)


def _json(value) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' (so no '</script>'
    and no '<!--'), ASCII only (so no U+2028 surprises)."""
    return (json.dumps(value, ensure_ascii=True, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _svg(view, number: int = 0, k: int = 0) -> str:
    """The view's frame ``k`` as inline SVG: hovering a box shows its name."""
    svg = render(view.dot_at(k), "svg").decode()
    svg = svg[svg.find("<svg"):].replace('<g id="graph0"', f'<g id="glp-graph{number}"', 1)
    names = view.data["names"]
    lines = []
    for line in svg.splitlines():
        if line.startswith("<!--") and line.endswith("-->"):
            continue  # Graphviz's comment before every element: dead weight in a big page
        if line.startswith("<title>") and line.endswith("</title>"):
            name = names.get(line[7:-8])
            if name is not None:
                line = f"<title>{html.escape(name)}</title>"
            elif "&#45;&gt;" in line:
                continue  # an edge's "v3->o5": no tooltip rather than ids
        lines.append(line)
    return "\n".join(lines)


def _data(views, title) -> dict:
    out = []
    for view in views:
        d = dict(view.data)
        d.pop("exact", None)  # for Python callers; the page shows the formatted texts
        out.append(d)
    return {"title": title, "views": out}


def _body(views, svgs) -> str:
    n = len(views[0].data["steps"])
    on = ' class="on"'
    toggles = "".join(
        f'<button type="button" data-view="{i}"{on if i == 0 else ""}>'
        f"{html.escape(v.title)}</button>" for i, v in enumerate(views)) if len(views) > 1 else ""
    panes = "".join(f'<div class="glp-view" data-view="{i}"{" hidden" if i else ""}>{svg}</div>'
                    for i, svg in enumerate(svgs))
    return (
        '<div class="glp-controls">'
        '<button type="button" data-act="first" title="first step (Home)">|&#9664;</button>'
        '<button type="button" data-act="prev" title="previous step (&#8592;)">&#9664; Prev'
        '</button><button type="button" data-act="play" title="play / pause (space)">'
        '&#9654; Play</button><button type="button" data-act="next" title="next step (&#8594;)">'
        'Next &#9654;</button>'
        '<button type="button" data-act="last" title="last step (End)">&#9654;|</button>'
        f'<input type="range" class="glp-slider" min="0" max="{n}" value="0" '
        'aria-label="step">'
        f'<span class="glp-count">0 / {n}</span>'
        '<label>speed <select class="glp-speed"><option value="2000">slow</option>'
        '<option value="900" selected>normal</option><option value="300">fast</option>'
        '<option value="40">fastest</option></select></label>'
        '<label>zoom <select class="glp-zoom" title="readable: as wide as the box, text at '
        'least 10 px; fit: all of it; 100%: natural size"><option value="readable" selected>'
        'readable</option><option value="fit">fit</option><option value="1">100%</option>'
        '</select></label>'
        f'<span class="glp-views">{toggles}</span></div>'
        '<div class="glp-caption" aria-live="polite"></div>'
        '<div class="glp-note"></div>'
        f"{panes}"
        '<div class="glp-tablewrap"><table class="glp-table"><thead></thead><tbody></tbody>'
        "</table></div>")


def page(views, title: str) -> str:
    """The whole offline page: one drawing per view, the steps as data, the player."""
    svgs = [_svg(v, i) for i, v in enumerate(views)]
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style></head>\n<body>\n"
            f"<h1>{html.escape(title)}</h1>\n"
            f'<div class="glp" id="glp" tabindex="0">{_body(views, svgs)}</div>\n'
            f'<script type="application/json" id="glp-data">{_json(_data(views, title))}'
            f"</script>\n<script>{_JS}\nglPlayer(document.getElementById('glp'), JSON.parse("
            "document.getElementById('glp-data').textContent), true);\n</script>\n</body></html>\n")


def still_png(view, k: int) -> bytes:
    """Frame ``k`` of ``view`` as a PNG no wider than 12 inches (a large graph is scaled
    down to fit): the still picture of an output where the player cannot run."""
    source = view.dot_at(k)
    first = source.index("{") + 1
    return render(source[:first] + "\n" + STILL_SIZE + source[first:], "png")


def _img(png: bytes, alt: str) -> str:
    return (f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" '
            f'alt="{html.escape(alt)}">')


def fragment(views, stills: tuple | None = None) -> str:
    """The player as a Jupyter output. What shows before the script runs (or
    where it never runs, as in an untrusted notebook) is the static fallback: the
    first and last frames as PNG pictures (``stills``: their PNG bytes, made here if
    not given) and the step table."""
    svgs = [_svg(v, i) for i, v in enumerate(views)]
    data = _data(views, "")
    first = views[0]
    n = len(first.data["steps"])
    start, end = stills or (still_png(first, 0), still_png(first, n))
    frames = (f"<p><b>{html.escape(first.captions()[0])}</b></p>{_img(start, 'step 0')}"
              f"<p><b>after the last step</b></p>{_img(end, f'step {n}')}")
    rows = first.data["steps"]
    head = "".join(f"<th>{html.escape(h)}</th>" for h in first.data["head"])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in s["row"]) + "</tr>"
                   for s in rows[:200])
    more = f"<p>({len(rows) - 200} more steps)</p>" if len(rows) > 200 else ""
    digest = hashlib.sha1(_json(data).encode()).hexdigest()[:10]
    uid = f"glp{next(_counter)}-{digest}"
    static = (f'<div id="{uid}" class="glp-static">{frames}<table>'
              f"<tr>{head}</tr>{body}</table>{more}</div>")
    script = (f"<script>(function(){{var el=document.getElementById({_json(uid)});"
              f"if(!el)return;{_JS}\nel.className='glp';el.tabIndex=0;"
              f"el.innerHTML={_json(_body(views, svgs))};"
              f"glPlayer(el,JSON.parse({_json(_json(data))}),false);}})();</script>")
    return f"<style>{_CSS}</style>{static}{script}"


class Player:
    """The player as a notebook output: the HTML of ``fragment`` (the player where
    scripts run, its still fallback elsewhere) with the last frame as ``image/png``
    beside it, for readers that show no HTML. ``data`` is the HTML."""

    def __init__(self, views, text: str):
        first = views[0]
        n = len(first.data["steps"])
        self.png = still_png(first, n)
        self.data = fragment(views, (still_png(first, 0), self.png))
        self.text = text

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.data, "image/png": base64.b64encode(self.png).decode("ascii"),
                "text/plain": self.text}

    def _repr_html_(self) -> str:
        return self.data

    def __repr__(self) -> str:
        return self.text
