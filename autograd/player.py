"""The step-through player: one drawing, and the steps as data applied to it.

``page(views, title)`` is a whole offline HTML file; ``fragment(views)``
the same player for a Jupyter output, with a static fallback (first and last
frames and the step table) where scripts do not run (GitHub, nbviewer).

A view is what ``trace.py``/``netview.py`` build: ``.svg()`` (its first frame,
laid out once) and ``.data`` (per step: ``set`` = [element id, text, fill],
``hot`` = ids to highlight, ``wl`` = [edge id, text] labels to float on edges,
``cap`` = caption, ``row`` = table cells). Every text goes into the page as
JSON inside a ``<script type="application/json">`` with ``<``, ``>`` and ``&``
escaped, and reaches the page only through ``textContent``: a label cannot
become markup or script.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json

from .viz import render

__all__ = ["page", "fragment"]

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
        '<button type="button" data-act="first" title="first step">|&#9664;</button>'
        '<button type="button" data-act="prev" title="previous step (&#8592;)">&#9664; Prev'
        '</button><button type="button" data-act="play" title="play / pause (space)">'
        '&#9654; Play</button><button type="button" data-act="next" title="next step (&#8594;)">'
        'Next &#9654;</button>'
        f'<input type="range" class="glp-slider" min="0" max="{n}" value="0" '
        'aria-label="step">'
        f'<span class="glp-count">0 / {n}</span>'
        '<label>speed <select class="glp-speed"><option value="2000">slow</option>'
        '<option value="900" selected>normal</option><option value="300">fast</option>'
        '<option value="40">fastest</option></select></label>'
        '<label>zoom <select class="glp-zoom"><option value="fit">fit</option>'
        '<option value="1">100%</option></select></label>'
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


def fragment(views, max_static_svg: int = 400_000) -> str:
    """The player as a Jupyter output. What shows before the script runs (or
    where it never runs) is the static fallback: first and last frames, table."""
    svgs = [_svg(v, i) for i, v in enumerate(views)]
    data = _data(views, "")
    first = views[0]
    last_svg = _svg(first, len(views), k=len(first.data["steps"]))
    if len(svgs[0]) + len(last_svg) <= max_static_svg:
        frames = (f"<p><b>{html.escape(first.captions()[0])}</b></p>{svgs[0]}"
                  f"<p><b>after the last step</b></p>{last_svg}")
    else:
        frames = "<p>(the drawing is too large for the static view: run the cell)</p>"
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


_CSS = """
.glp { font-family: Helvetica, Arial, sans-serif; outline: none; }
.glp-controls { margin: 0.5em 0; display: flex; gap: 0.4em; align-items: center;
  flex-wrap: wrap; }
.glp-controls button.on { background: #333; color: #fff; }
.glp-slider { flex: 1; min-width: 10em; }
.glp-caption { font-size: 1.05em; margin: 0.4em 0; min-height: 1.4em; }
.glp-note { color: #555; min-height: 1.2em; font-size: 0.9em; }
.glp-view { overflow: auto; max-height: 75vh; border: 1px solid #ddd; }
.glp-view.fit svg { max-width: 100%; height: auto; }
.glp-view .node { cursor: pointer; }
.glp-view g.node { pointer-events: bounding-box; }  /* a click anywhere in a box */
.glp-hot polygon[stroke="black"], .glp-hot polygon[stroke="#e6a700"] { stroke: #e6a700;
  stroke-width: 3; }
.glp-hot.edge path { stroke: #e6a700; stroke-width: 3; }
.glp-hot.edge polygon { fill: #e6a700; stroke: #e6a700; }
.glp-hot ellipse { fill: #ffd27f; stroke: #e6a700; stroke-width: 2; }
.glp-hot.node > text { font-weight: bold; }
.glp-wl { font-size: 9px; fill: #8a5a00; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.glp-tablewrap { max-height: 16em; overflow: auto; margin-top: 0.8em; }
.glp-table { border-collapse: collapse; font-size: 0.85em; }
.glp-table td, .glp-table th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
.glp-table tr.active { background: #fff3c4; }
"""

_JS = r"""
function glPlayer(root, data, globalKeys) {
  const $ = sel => root.querySelector(sel);
  const SVGNS = 'http://www.w3.org/2000/svg';
  const views = data.views.map((v, i) => {
    const el = root.querySelector('.glp-view[data-view="' + i + '"]');
    const groups = {};
    el.querySelectorAll('g[id]').forEach(g => { groups[g.id] = g; });
    return {el: el, d: v, k: 0, groups: groups, targets: {}, initial: {}, floats: []};
  });
  function target(view, id) {
    if (id in view.targets) return view.targets[id];
    const g = view.groups[id];
    let t = null;
    if (g) {
      const texts = g.querySelectorAll('text');
      const text = texts[texts.length - 1];
      let fill = null;
      for (let e = text && text.previousElementSibling; e; e = e.previousElementSibling) {
        if (e.tagName === 'polygon' && e.getAttribute('fill') !== 'none') { fill = e; break; }
      }
      if (text && fill) {  // centre the text in its cell: its width changes
        const xs = fill.getAttribute('points').trim().split(/\s+/).map(p => parseFloat(p));
        text.setAttribute('text-anchor', 'middle');
        text.setAttribute('x', String((Math.min(...xs) + Math.max(...xs)) / 2));
      }
      if (text) t = {text: text, fill: fill};
    }
    view.targets[id] = t;
    return t;
  }
  views.forEach(view => view.d.steps.forEach(s => s.set.forEach(c => {
    if (!(c[0] in view.initial)) {
      const t = target(view, c[0]);
      if (t) view.initial[c[0]] = [t.text.textContent, t.fill ? t.fill.getAttribute('fill') : ''];
    }
  })));
  function apply(view, id, text, fill) {
    const t = target(view, id);
    if (!t) return;
    t.text.textContent = text;
    if (fill && t.fill) t.fill.setAttribute('fill', fill);
  }
  function goTo(view, k) {
    if (k < view.k) {
      for (const id in view.initial) apply(view, id, view.initial[id][0], view.initial[id][1]);
      view.k = 0;
    }
    for (let s = view.k; s < k; s++) view.d.steps[s].set.forEach(c => apply(view, c[0], c[1], c[2]));
    view.k = k;
  }
  let cur = 0, timer = null;
  const slider = $('.glp-slider'), caption = $('.glp-caption'), note = $('.glp-note');
  const count = $('.glp-count'), tbody = $('.glp-table tbody'), thead = $('.glp-table thead');
  let hot = [];
  function floatLabel(view, id, text) {
    const g = view.groups[id];
    const path = g && g.querySelector('path');
    if (!path) return;
    const p = path.getPointAtLength(path.getTotalLength() * 0.3);
    const t = document.createElementNS(SVGNS, 'text');
    t.setAttribute('x', String(p.x)); t.setAttribute('y', String(p.y - 2));
    t.setAttribute('text-anchor', 'middle'); t.setAttribute('class', 'glp-wl');
    t.textContent = text;
    path.parentNode.parentNode.appendChild(t);
    view.floats.push(t);
  }
  function reveal(view, g) {
    const box = view.el.getBoundingClientRect(), r = g.getBoundingClientRect();
    if (r.left < box.left || r.right > box.right) view.el.scrollLeft += r.left - box.left - box.width / 3;
    if (r.top < box.top || r.bottom > box.bottom) view.el.scrollTop += r.top - box.top - box.height / 3;
  }
  function show(k) {
    const view = views[cur], steps = view.d.steps;
    k = Math.max(0, Math.min(steps.length, k));
    goTo(view, k);
    hot.forEach(g => g.classList.remove('glp-hot'));
    view.floats.forEach(t => t.remove()); view.floats = [];
    hot = [];
    if (k > 0) {
      const s = steps[k - 1];
      s.hot.forEach(id => { const g = view.groups[id]; if (g) { g.classList.add('glp-hot'); hot.push(g); } });
      (s.wl || []).forEach(w => floatLabel(view, w[0], w[1]));
      if (hot.length) reveal(view, hot[hot.length - 1]);
    }
    caption.textContent = k === 0 ? view.d.start : steps[k - 1].cap;
    slider.max = String(steps.length); slider.value = String(k);
    count.textContent = k + ' / ' + steps.length;
    const old = tbody.querySelector('tr.active');
    if (old) old.classList.remove('active');
    const row = tbody.children[k - 1];
    if (row) {
      row.classList.add('active');
      const wrap = tbody.closest('.glp-tablewrap');
      wrap.scrollTop = row.offsetTop - wrap.clientHeight / 2;
    }
    root.dataset.step = String(k);
  }
  function buildTable(view) {
    thead.textContent = ''; tbody.textContent = '';
    const hr = document.createElement('tr');
    view.d.head.forEach(h => { const th = document.createElement('th'); th.textContent = h; hr.appendChild(th); });
    thead.appendChild(hr);
    const frag = document.createDocumentFragment();
    view.d.steps.forEach(s => {
      const tr = document.createElement('tr');
      s.row.forEach(c => { const td = document.createElement('td'); td.textContent = c; tr.appendChild(td); });
      frag.appendChild(tr);
    });
    tbody.appendChild(frag);
  }
  function stop() { if (timer) { clearInterval(timer); timer = null; } $('[data-act="play"]').innerHTML = '&#9654; Play'; }
  function play() {
    if (timer) { stop(); return; }
    const view = views[cur];
    if (view.k >= view.d.steps.length) show(0);
    $('[data-act="play"]').innerHTML = '&#10074;&#10074; Pause';
    timer = setInterval(() => {
      if (views[cur].k >= views[cur].d.steps.length) stop(); else show(views[cur].k + 1);
    }, parseInt($('.glp-speed').value));
  }
  function switchView(i) {
    if (i === cur) return;
    const from = views[cur], to = views[i];
    let k = 0;
    if (to.d.sync) {  // scalar step -> the last neuron step complete by then
      to.d.sync.forEach((s, j) => { if (s <= from.k) k = j; });
    } else if (from.d.sync) {
      k = from.d.sync[from.k];
    }
    stop();
    cur = i;
    views.forEach((v, j) => { v.el.hidden = j !== i; });
    root.querySelectorAll('.glp-views button').forEach(b => b.classList.toggle('on', parseInt(b.dataset.view) === i));
    buildTable(to);
    note.textContent = '';
    show(k);
  }
  root.querySelector('.glp-controls').addEventListener('click', e => {
    const b = e.target.closest('button');
    if (!b) return;
    if (b.dataset.view !== undefined) { switchView(parseInt(b.dataset.view)); return; }
    const act = b.dataset.act, view = views[cur];
    if (act === 'play') { play(); return; }
    stop();
    if (act === 'first') show(0);
    if (act === 'prev') show(view.k - 1);
    if (act === 'next') show(view.k + 1);
  });
  slider.addEventListener('input', () => { stop(); show(parseInt(slider.value)); });
  $('.glp-speed').addEventListener('change', () => { if (timer) { stop(); play(); } });
  $('.glp-zoom').addEventListener('change', () => {
    views.forEach(v => v.el.classList.toggle('fit', $('.glp-zoom').value === 'fit'));
  });
  views.forEach(v => v.el.classList.add('fit'));
  views.forEach(view => {  // the step that traverses each edge, for clicks on its label
    view.edgeStep = {};
    view.d.steps.forEach((s, k) => s.hot.forEach(id => { if (id[0] === 'e') view.edgeStep[id] = k + 1; }));
  });
  views.forEach((view, i) => view.el.addEventListener('click', e => {
    const g = e.target.closest('g.node');
    if (!g || i !== cur) return;
    let id = g.id;
    if (/^o\d+$/.test(id)) id = 'v' + id.slice(1);  // an op circle stands for its result
    if (/^l\d+_\d+$/.test(id)) {  // an edge label: the step along that edge
      const k = view.edgeStep['e' + id.slice(1)];
      if (k) { stop(); show(k); note.textContent = 'the step along this edge'; }
      return;
    }
    const done = view.d.done[id];
    if (!done) {
      const name = view.d.names[id];
      note.textContent = view.d.notes && view.d.notes[id] ? view.d.notes[id]
        : (name ? name + ' gets no gradient in this pass' : '');
      return;
    }
    stop();
    show(done[0]);
    const name = view.d.names[id] || id;
    note.textContent = done[2] ? name + ': ' + done[1] + ' of ' + done[2] + ' paths arrived by step ' + done[0] + ', its gradient is complete'
                               : name + ': complete at step ' + done[0];
  }));
  const keys = e => {
    if (e.target.closest && e.target.closest('input, select, textarea')) return;
    if (e.key === 'ArrowRight') { stop(); show(views[cur].k + 1); }
    else if (e.key === 'ArrowLeft') { stop(); show(views[cur].k - 1); }
    else if (e.key === ' ') play();
    else return;
    e.preventDefault(); e.stopPropagation();
  };
  (globalKeys ? document : root).addEventListener('keydown', keys);
  buildTable(views[0]);
  show(0);
  root.glPlayer = {show: show, view: i => switchView(i), state: () => ({view: cur, step: views[cur].k})};
}
"""
