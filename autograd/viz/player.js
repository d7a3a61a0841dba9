// The step-through player: one drawing, and the steps as data applied to it.
// player.py puts this file in every page and Jupyter output; glPlayer(root, data,
// globalKeys) starts a player on the element `root` (see player.py for `data`).
/* exported glPlayer */
function glPlayer(root, data, globalKeys) {
  const $ = sel => root.querySelector(sel);
  const SVGNS = 'http://www.w3.org/2000/svg';
  const views = data.views.map((v, i) => {
    const el = root.querySelector('.glp-view[data-view="' + i + '"]');
    const groups = {};
    el.querySelectorAll('g[id]').forEach(g => { groups[g.id] = g; });
    return {el: el, d: v, k: 0, groups: groups, targets: {}, initial: {}, floats: []};
  });
  // an element a step changes: a box's last text (its gradient) and the cell's fill, or
  // with an id d<box> (no element of its own) the text before it in that box (its data,
  // during a forward pass): d<i> in box v<i>, d<id> in box <id> (dn3 in n3, dE in E)
  function target(view, id) {
    if (id in view.targets) return view.targets[id];
    const data = id[0] === 'd' && !view.groups[id];
    const g = view.groups[data ? (/^d\d+$/.test(id) ? 'v' : '') + id.slice(1) : id];
    let t = null;
    if (g) {
      const texts = g.querySelectorAll('text');
      const text = texts[texts.length - (data ? 2 : 1)];
      let fill = null, cell = null;
      for (let e = text && text.previousElementSibling; e; e = e.previousElementSibling) {
        if (e.tagName !== 'polygon') continue;
        if (!cell) cell = e;
        if (!data && e.getAttribute('fill') !== 'none') { fill = cell = e; break; }
        if (data) break;
      }
      if (text && cell && (fill || data)) {  // centre the text in its cell: its width changes
        const xs = cell.getAttribute('points').trim().split(/\s+/).map(p => parseFloat(p));
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
    if (!t.fill && !t.centred) {  // an edge label: Graphviz anchors it at its start, so a
      const b = t.text.getBBox();  // longer text would run past its box: centre it once
      if (b.width) {
        t.text.setAttribute('text-anchor', 'middle');
        t.text.setAttribute('x', String(b.x + b.width / 2));
        t.centred = true;
      }
    }
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
  // the active step stays in view: scroll the drawing's box so that it shows, centred
  function reveal(view, g) {
    const box = view.el.getBoundingClientRect(), r = g.getBoundingClientRect();
    if (!box.width) return;
    if (r.left < box.left || r.right > box.right) view.el.scrollLeft += (r.left + r.right) / 2 - (box.left + box.right) / 2;
    if (r.top < box.top || r.bottom > box.bottom) view.el.scrollTop += (r.top + r.bottom) / 2 - (box.top + box.bottom) / 2;
  }
  function active(view) {  // what the current step is about: its focus, else its first highlight
    const s = view.k > 0 ? view.d.steps[view.k - 1] : null;
    const ids = s ? (s.focus ? [s.focus] : []).concat(s.hot) : (view.d.focus ? [view.d.focus] : []);
    for (const id of ids) if (view.groups[id]) return view.groups[id];
    return null;
  }
  // zoom: "readable" (as wide as the box, but no text under 10 CSS px), "fit" (all of it)
  // or a factor of the natural size (1: 100%)
  const MIN_TEXT_PX = 10;
  function natural(view) {
    if (!view.size) {
      const svg = view.el.querySelector('svg');
      if (!svg) return null;
      const w = svg.width.baseVal.value, h = svg.height.baseVal.value, vb = svg.viewBox.baseVal;
      const unit = vb && vb.width ? w / vb.width : 1;  // CSS px per SVG unit at 100%
      let small = Infinity;
      svg.querySelectorAll('text').forEach(t => {
        const f = parseFloat(t.getAttribute('font-size') || window.getComputedStyle(t).fontSize);
        if (t.textContent.trim() && f > 0) small = Math.min(small, f);
      });
      small = Math.min(small, 10);  // the labels the player floats on edges (.glp-wl)
      view.size = {svg: svg, w: w, h: h, text: small * unit};
    }
    return view.size;
  }
  function zoom(view) {
    const n = natural(view), mode = $('.glp-zoom').value;
    if (!n || !view.el.clientWidth) return;
    const width = view.el.clientWidth - 2, height = Math.max(200, window.innerHeight * 0.75 - 2);
    let f = mode === 'fit' ? Math.min(1, width / n.w, height / n.h)
      : mode === 'readable' ? Math.max(Math.min(1, width / n.w), 1.01 * MIN_TEXT_PX / n.text)
        : parseFloat(mode);
    if (!(f > 0)) f = 1;
    n.svg.style.width = (n.w * f) + 'px'; n.svg.style.height = (n.h * f) + 'px';
    n.svg.style.maxWidth = 'none';
    view.zoom = f;
    const g = active(view);
    if (g) reveal(view, g);
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
    }
    if (view.zoom === undefined) zoom(view);
    const g = active(view);
    if (g) reveal(view, g);
    caption.textContent = k === 0 ? view.d.start : steps[k - 1].cap;
    slider.max = String(steps.length); slider.value = String(k);
    count.textContent = k + ' / ' + steps.length;
    const old = tbody.querySelector('tr.active');
    if (old) old.classList.remove('active');
    const row = (view.rows || [])[k - 1];
    if (row) {
      row.classList.add('active');
      const wrap = tbody.closest('.glp-tablewrap');
      wrap.scrollTop = row.offsetTop - wrap.clientHeight / 2;
    }
    root.dataset.step = String(k);
  }
  function headRow(cells) {
    const hr = document.createElement('tr');
    cells.forEach(h => { const th = document.createElement('th'); th.textContent = h; hr.appendChild(th); });
    return hr;
  }
  // the steps' rows; a forward pass's rows come first under their own header, then the
  // backward pass's header (a row of the body, not a step) and its rows
  function buildTable(view) {
    thead.textContent = ''; tbody.textContent = '';
    const fwd = view.d.forward_head;
    thead.appendChild(headRow(fwd && view.d.steps.length && view.d.steps[0].pass === 'forward' ? fwd : view.d.head));
    const frag = document.createDocumentFragment();
    let pass = view.d.steps.length ? view.d.steps[0].pass : undefined;
    view.d.steps.forEach(s => {
      if (fwd && s.pass !== pass) {
        const hr = headRow(s.pass === 'forward' ? fwd : view.d.head);
        hr.className = 'glp-head';
        frag.appendChild(hr);
        pass = s.pass;
      }
      const tr = document.createElement('tr');
      s.row.forEach(c => { const td = document.createElement('td'); td.textContent = c; tr.appendChild(td); });
      frag.appendChild(tr);
    });
    tbody.appendChild(frag);
    view.rows = Array.from(tbody.children).filter(tr => tr.className !== 'glp-head');
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
    // sync: per step of a view (0 first), the scalar backward step it has reached;
    // backward_from: the frame before a view's first backward step (after its forward pass);
    // forward_sync: per frame of a view's forward pass (0 first), the scalar frame reached
    const b0 = v => v.d.backward_from || 0, back = from.k - b0(from);
    if (back >= 0 && to.d.sync) {  // scalar step -> the last neuron step complete by then
      to.d.sync.forEach((s, j) => { if (s <= back) k = j; });
      k += b0(to);
    } else if (back >= 0 && from.d.sync) {
      k = b0(to) + from.d.sync[Math.min(back, from.d.sync.length - 1)];
    } else if (to.d.forward_sync) {  // in the forward pass: the last neuron computed by then
      to.d.forward_sync.forEach((s, j) => { if (s <= from.k) k = j; });
    } else if (from.d.forward_sync) {
      k = from.d.forward_sync[Math.min(from.k, from.d.forward_sync.length - 1)];
    }
    stop();
    cur = i;
    views.forEach((v, j) => { v.el.hidden = j !== i; });
    root.querySelectorAll('.glp-views button').forEach(b => b.classList.toggle('on', parseInt(b.dataset.view) === i));
    buildTable(to);
    note.textContent = '';
    to.zoom = undefined;  // laid out afresh now that it shows
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
    if (act === 'last') show(view.d.steps.length);
  });
  slider.addEventListener('input', () => { stop(); show(parseInt(slider.value)); });
  $('.glp-speed').addEventListener('change', () => { if (timer) { stop(); play(); } });
  $('.glp-zoom').addEventListener('change', () => zoom(views[cur]));
  if (typeof ResizeObserver === 'function') {  // a wider or narrower box: zoom again
    let width = 0;
    new ResizeObserver(() => {
      const v = views[cur];
      if (v.el.clientWidth && v.el.clientWidth !== width) { width = v.el.clientWidth; zoom(v); }
    }).observe(root);
  }
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
    note.textContent = done[2] ? name + ': ' + done[1] + ' of ' + done[2] + ' ' + (done[3] || 'paths') + ' arrived by step ' + done[0] + ', its gradient is complete'
                               : name + ': complete at step ' + done[0];
  }));
  const keys = e => {
    if (e.target.closest && e.target.closest('input, select, textarea')) return;
    if (e.key === 'ArrowRight') { stop(); show(views[cur].k + 1); }
    else if (e.key === 'ArrowLeft') { stop(); show(views[cur].k - 1); }
    else if (e.key === 'Home') { stop(); show(0); }
    else if (e.key === 'End') { stop(); show(views[cur].d.steps.length); }
    else if (e.key === ' ') play();
    else return;
    e.preventDefault(); e.stopPropagation();
  };
  (globalKeys ? document : root).addEventListener('keydown', keys);
  buildTable(views[0]);
  show(0);
  root.glPlayer = {show: show, view: i => switchView(i),
    state: () => ({view: cur, step: views[cur].k}), zoom: () => views[cur].zoom,
    active: () => { const g = active(views[cur]); return g ? g.id : null; }};
}
