// gradlab's page: an editor, Run (Ctrl+Enter) and Stop, the printed output, the graph of
// every Value the code shows and the step-through player of the last. Python runs in
// worker.js; this script only sends the code and shows what comes back. Every text from
// Python reaches the page through textContent, an SVG drawing as markup Graphviz wrote
// (its texts escaped by Graphviz), the player as its own page in a sandboxed iframe.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const editor = $("editor");
  const output = $("output");
  const status = $("status");
  const runButton = $("run");
  const stopButton = $("stop");
  const graphs = $("graphs");
  const player = $("player");
  const playerNote = $("player-note");
  const EXAMPLE = $("example-code").textContent.replace(/^\n/, "");
  const MAX_OUTPUT = 200000; // characters kept in the output box (a print loop must not choke it)
  let worker = null;
  let state = "loading"; // loading | ready | running | failed
  let startedAt = 0;
  let pending = "";
  let flushQueued = false;

  function setState(next, text) {
    state = next;
    status.textContent = text;
    status.dataset.state = next;
    document.body.dataset.state = next;
    runButton.disabled = next !== "ready";
    stopButton.disabled = next !== "running" && next !== "loading";
  }

  function flush() {
    flushQueued = false;
    let text = output.textContent + pending;
    pending = "";
    if (text.length > MAX_OUTPUT) {
      text = "[... earlier output cut ...]\n" + text.slice(text.length - MAX_OUTPUT);
    }
    output.textContent = text;
    output.scrollTop = output.scrollHeight;
  }

  function print(text, cls) {
    if (cls) {
      flush();
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = text;
      output.appendChild(span);
      output.scrollTop = output.scrollHeight;
      return;
    }
    pending += text;
    if (!flushQueued) {
      flushQueued = true;
      requestAnimationFrame(flush);
    }
  }

  // Graphviz writes sizes in points and its texts at 11 pt (14.7 px): a drawing is
  // shrunk to the box's width, but never below text of 12 px (then the box scrolls).
  const MIN_SCALE = 12 / (11 * 4 / 3);

  function fit(svg, width) {
    if (!svg) {
      return;
    }
    const natural = parseFloat(svg.getAttribute("width")) * 4 / 3;
    const scale = Math.max(MIN_SCALE, Math.min(1, (width - 4) / natural));
    svg.style.width = `${natural * scale}px`;
    svg.style.height = "auto";
  }

  function showGraphs(items) {
    graphs.replaceChildren();
    for (const item of items) {
      const figure = document.createElement("figure");
      figure.className = "graph";
      figure.dataset.name = item.title;
      figure.dataset.grads = JSON.stringify(item.grads);
      const caption = document.createElement("figcaption");
      caption.textContent = `the graph of ${item.title}` + (item.note ? `: ${item.note}` : "");
      figure.appendChild(caption);
      graphs.appendChild(figure);
      if (item.svg) {
        const box = document.createElement("div");
        box.className = "svgbox";
        box.innerHTML = item.svg;
        figure.appendChild(box);
        fit(box.querySelector("svg"), box.clientWidth);
      }
    }
    if (!items.length) {
      const p = document.createElement("p");
      p.className = "empty";
      p.textContent = "Nothing to draw: end with an expression whose value is a Value, or call show(v).";
      graphs.appendChild(p);
    } else if (!document.body.dataset.firstDrawing) {
      // seconds since the page was asked for (performance.now() counts from navigation start)
      document.body.dataset.firstDrawing = (performance.now() / 1000).toFixed(2);
    }
  }

  function showResult(result) {
    flush();
    if (result.value !== null && result.value !== undefined) {
      print(result.value + "\n", "value");
    }
    if (result.error) {
      print(result.error, "error");
    }
    showGraphs(result.graphs || []);
    player.srcdoc = result.player || "";
    player.hidden = !result.player;
    playerNote.textContent = result.player_note || (result.player ? "" : "No step-through: nothing was shown.");
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(2);
    setState("ready", result.error ? `Error (${seconds} s): see the output` : `Ran in ${seconds} s`);
    document.body.dataset.runs = String(Number(document.body.dataset.runs || 0) + 1);
  }

  function onMessage(event) {
    const m = event.data;
    if (m.type === "out") {
      print(m.text + "\n", m.stream === "stderr" ? "stderr" : "");
    } else if (m.type === "ready") {
      setState("ready", `Python ready (${m.seconds.toFixed(1)} s). Ctrl+Enter runs the code.`);
      if (!document.body.dataset.started) {
        document.body.dataset.started = "1";
        run(); // the example, at once
      }
    } else if (m.type === "result") {
      showResult(JSON.parse(m.json));
    } else if (m.type === "fatal") {
      restart("Python itself failed (Pyodide: " + m.message.split("\n")[0] + ") and was " +
              "restarted; your code is kept. A graph many thousands of operations deep can " +
              "do that here: the browser's stack is smaller than a desktop Python's.\n");
    } else if (m.type === "failed") {
      setState("failed", "Python could not start: " + m.message);
      print("Python could not start: " + m.message + "\n", "error");
    }
  }

  function startWorker() {
    worker = new Worker("worker.js", { type: "module" });
    worker.onmessage = onMessage;
    worker.onerror = (event) => {
      setState("failed", "The Python worker failed: " + (event.message || "unknown error"));
    };
    setState("loading", "Loading Python (Pyodide) and Graphviz…");
  }

  function run() {
    if (state !== "ready") {
      return;
    }
    output.textContent = "";
    pending = "";
    startedAt = performance.now();
    setState("running", "Running… (Stop ends it)");
    worker.postMessage({ type: "run", code: editor.value });
  }

  function restart(message) {
    worker.terminate();
    flush();
    print(message, "stderr");
    startWorker();
  }

  function stop() {
    if (worker) {
      restart("Stopped: Python was restarted (your code is kept; variables are not).\n");
    }
  }

  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      run();
    }
  });
  let tabLeaves = false; // after Escape, Tab moves on (no keyboard trap)
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      tabLeaves = true;
    } else if (event.key === "Tab" && !tabLeaves && !event.shiftKey && !event.ctrlKey &&
               !event.altKey) {
      event.preventDefault(); // four spaces, as Python wants
      editor.setRangeText("    ", editor.selectionStart, editor.selectionEnd, "end");
    } else {
      tabLeaves = false;
    }
  });
  runButton.addEventListener("click", run);
  stopButton.addEventListener("click", stop);
  $("reset").addEventListener("click", () => {
    editor.value = EXAMPLE;
    editor.focus();
  });
  editor.value = EXAMPLE;
  if (location.protocol === "file:") { // browsers start no worker from a file
    setState("failed", "This page needs a web server: in its folder run " +
             "'python -m http.server', then open http://localhost:8000/");
  } else {
    startWorker();
  }
})();
