// The page's Python: Pyodide (Python compiled to WebAssembly) in a Web Worker, so that a
// run that never ends blocks this worker only, and the page's Stop button can end it
// (worker.terminate()) and start a fresh one. Graphviz compiled to WebAssembly (@viz-js/viz)
// lays out and draws the graphs: gradlabRenderDot(source, format) on this worker's global
// scope is the synchronous function that autograd/viz/dot.py calls through Pyodide's js
// module. Every file comes from this site's own folder: nothing from the network.
//
// Messages in: {type: "run", code}. Out: {type: "ready", seconds}, {type: "out", stream,
// text} (a line printed), {type: "result", json} (autograd/web/runner.py's run),
// {type: "failed", message} (Python could not start), {type: "fatal", message} (Pyodide
// itself failed during a run and cannot go on: the page starts a fresh worker).
//
// A module worker (Pyodide 314 starts in no other), whose two scripts are ES modules too.
"use strict";

(function () {
  const PYODIDE = "pyodide/";  // Pyodide's core, from here (the course site's: its lab's)
  const started = performance.now();
  const post = (message) => self.postMessage(message);

  async function start() {
    const core = new URL(PYODIDE, self.location.href).href;
    const { loadPyodide } = await import(core + "pyodide.mjs");
    const Viz = await import("./viz/viz.js");
    const viz = await Viz.instance();
    self.gradlabRenderDot = (source, format) => viz.renderString(source, { format: format });
    const pyodide = await loadPyodide({
      indexURL: core,
      stdout: (text) => post({ type: "out", stream: "stdout", text: text }),
      stderr: (text) => post({ type: "out", stream: "stderr", text: text }),
      stdin: () => null,
    });
    const response = await fetch("gradlab.zip");
    if (!response.ok) {
      throw new Error(`gradlab.zip: ${response.status} ${response.statusText}`);
    }
    pyodide.unpackArchive(await response.arrayBuffer(), "zip", { extractDir: "/home/pyodide/gradlab" });
    pyodide.runPython("import sys; sys.path.insert(0, '/home/pyodide/gradlab')");
    return pyodide.runPython("from autograd.web.runner import run; run");
  }

  const ready = start();
  ready.then(
    () => post({ type: "ready", seconds: (performance.now() - started) / 1000 }),
    (error) => post({ type: "failed", message: String(error && error.message || error) }),
  );

  self.onmessage = async (event) => {
    if (!event.data || event.data.type !== "run") {
      return;
    }
    let run;
    try {
      run = await ready;
    } catch {
      return; // "failed" was posted
    }
    try {
      post({ type: "result", json: run(event.data.code) });
    } catch (error) {
      // run() catches every Python exception: this is Pyodide itself failing (a "fatal
      // error", e.g. the WebAssembly stack overflowing), after which it cannot run again
      post({ type: "fatal", message: String(error && error.message || error) });
    }
  };
})();
