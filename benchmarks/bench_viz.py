"""The backward step-through page, ``backward_trace(root).to_html(path)``: its size
and the time to make it, the code before the player rewrite against the working tree.

    python benchmarks/bench_viz.py            # medians of 3 runs (under a minute)
    python benchmarks/bench_viz.py --quick    # one run of each

"today" is the code as of commit f9b0597 (before the rewrite), checked out in a
temporary git worktree; "now" is the working tree. Both are measured the same
way in the same run: this script runs itself in a subprocess with
``PYTHONPATH=<that tree>`` and ``--measure-only``, which prints its results as
JSON. Without git or that commit only "now" is measured.

A run builds its graph fresh (not timed), then times ``backward_trace(...)`` and
``to_html(...)`` together, Graphviz included, and records the page's size in
bytes. The workloads:

1. the README neuron, tanh(x1*w1 + x2*w2 + b);
2. ``nn.MLP(2, [4, 1], rng=0)`` on one two-moons sample, loss ``(1 - out).relu()``
   (the first sample with a nonzero loss); "now" also with ``module=model``,
   which adds the network view to the page;
3. the same with ``nn.MLP(2, [16, 16, 1])`` (the old code refuses this graph);
4. a chain ``v = (v * 1.01).tanh()`` of 25, 50 and 100 links: a page that grows
   linearly with the graph has size(2n) / size(n) <= 2 (the target: n = 50). The
   old page (a whole drawing per step) is quadratic and refuses n = 100
   (max_nodes=400); its chain runs stop once they have taken ``--today-budget``
   seconds.

Sizes are in bytes, targets in decimal units (1 KB = 1000 B, 1 MB = 10**6 B).
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TODAY = "f9b0597"
CHAIN = (25, 50, 100)  # the target compares the last two; the old code refuses 100
TARGETS = {  # workload key -> (bytes, seconds) for "now"; None: no target
    "neuron": (60_000, None),
    "mlp_2_4_1+module": (200_000, 1.0),
    "mlp_2_16_16_1+module": (3_000_000, 5.0),
}


# --- workloads (run in the child, which imports the autograd/nn it was given) -------------

def readme_neuron():
    from autograd import Value

    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    return Value.sum([x1 * w1, x2 * w2, b]).tanh(), None, {}


def mlp_sample(sizes):
    """loss = (1 - model(x_i)).relu() on the first moons sample with out < 1
    (a nonzero loss, so gradients flow); returns (loss, model, info)."""
    import nn

    X, _ = nn.data.moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, sizes, rng=0)
    for i, x in enumerate(X):
        out = model([float(v) for v in x])
        if out.data < 1:
            return (1 - out).relu(), model, {"sample": i}
    raise RuntimeError("every sample has zero loss (1 - out).relu()")


def chain(n):
    from autograd import Value

    v = Value(0.5, label="x")
    for _ in range(n):
        v = (v * 1.01).tanh()
    return v, None, {}


def one_run(build, with_module: bool, path: Path) -> dict:
    from autograd import backward_trace

    root, model, info = build()
    gc.collect()
    start = time.perf_counter()
    trace = backward_trace(root, module=model) if with_module else backward_trace(root)
    trace.to_html(path)
    seconds = time.perf_counter() - start
    result = {"seconds": seconds, "bytes": path.stat().st_size, "steps": len(trace.steps), **info}
    if with_module:
        try:
            result["neuron_steps"] = len(trace.neuron_steps)
        except Exception:  # noqa: BLE001 - only a detail of the steps cell
            pass
    path.unlink()
    return result


def measure(build, with_module, repeat, tmp, budget=None) -> dict:
    """Median seconds of `repeat` runs (fewer once `budget` seconds are spent);
    the size and step count of the last run; or the error of the first run."""
    runs, spent = [], 0.0
    for k in range(repeat):
        if budget is not None and runs and spent > budget:
            break
        try:
            runs.append(one_run(build, with_module, Path(tmp) / f"page{k}.html"))
        except Exception as e:  # noqa: BLE001 - reported in the table
            return {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}
        spent += runs[-1]["seconds"]
    result = dict(runs[-1])
    result["seconds"] = statistics.median(r["seconds"] for r in runs)
    result["runs"], result["wanted"] = len(runs), repeat
    return result


def measure_all(repeat: int, budget: float | None) -> dict:
    """Every workload in this process's autograd/nn, as a JSON-able dict."""
    import autograd
    from autograd import backward_trace

    has_module = "module" in inspect.signature(backward_trace).parameters
    results = {"autograd": str(Path(autograd.__file__).resolve().parent),
               "has_module": has_module}
    with tempfile.TemporaryDirectory() as tmp:
        results["neuron"] = measure(readme_neuron, False, repeat, tmp)
        for key, sizes in (("mlp_2_4_1", [4, 1]), ("mlp_2_16_16_1", [16, 16, 1])):
            build = lambda sizes=sizes: mlp_sample(sizes)  # noqa: E731
            results[key] = measure(build, False, repeat, tmp)
            if has_module:
                results[key + "+module"] = measure(build, True, repeat, tmp)
        spent = 0.0
        for n in CHAIN:
            key = f"chain_{n}"
            if budget is not None and spent > budget:
                results[key] = {"skipped": f"skipped: the chain runs took over {budget:g} s"}
                continue
            start = time.perf_counter()
            results[key] = measure(lambda n=n: chain(n), False, repeat, tmp,
                                   None if budget is None else budget - spent)
            spent += time.perf_counter() - start
    return results


def child_main(repeat: int, budget: float | None) -> None:
    try:
        results = measure_all(repeat, budget)
    except Exception as e:  # noqa: BLE001 - e.g. the tree does not import
        results = {"fatal": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}
    print(json.dumps(results))


# --- the parent: one child per tree, then the table ---------------------------------------

def run_child(root: Path, repeat: int, budget: float | None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(root))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--measure-only",
           "--repeat", str(repeat)]
    if budget is not None:
        cmd += ["--budget", str(budget)]
    try:
        done = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True,
                              timeout=1800)
    except subprocess.TimeoutExpired:
        return {"fatal": "timed out after 30 min"}
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    try:
        results = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"fatal": f"exit {done.returncode}: {tail}", "traceback": done.stderr}
    if "autograd" in results and Path(results["autograd"]) != (root / "autograd").resolve():
        results["fatal"] = f"imported {results['autograd']}, not {root / 'autograd'}"
    return results


def make_worktree(tmp: str):
    """A worktree of TODAY in tmp, or (None, reason)."""
    try:
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", tmp, TODAY],
                       check=True, capture_output=True, text=True)
    except FileNotFoundError:
        return None, "git is not installed"
    except subprocess.CalledProcessError as e:
        return None, (e.stderr.strip().splitlines() or [f"git exit {e.returncode}"])[-1]
    return Path(tmp), None


def remove_worktree(path: Path) -> None:
    subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)],
                   capture_output=True)


def describe_now() -> str:
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--",
                                "autograd", "nn"], capture_output=True, text=True,
                               check=True).stdout.split("\n")
        dirty = [line[3:] for line in dirty if line.strip()]
    except (FileNotFoundError, subprocess.CalledProcessError):
        return "the working tree"
    return f"the working tree ({head}" + (f" + uncommitted {', '.join(dirty)})" if dirty
                                          else ", clean)")


def fmt_bytes(b) -> str:
    if b < 10_000:
        return f"{b} B"
    if b < 1_000_000:
        return f"{b / 1e3:.1f} KB"
    return f"{b / 1e6:.2f} MB"


def fmt_limit(b) -> str:
    """A target's round number: 60 KB, 3 MB."""
    return f"{b / 1e6:g} MB" if b >= 1_000_000 else f"{b / 1e3:g} KB"


def fmt_seconds(s) -> str:
    return f"{s * 1e3:.0f} ms" if s < 1 else f"{s:.2f} s"


def cells(r) -> tuple[str, str]:
    """(size, time) cells for one result dict (or None: not measured)."""
    if r is None:
        return "-", "-"
    if "skipped" in r:
        return r["skipped"], "-"
    if "error" in r:
        msg = r["error"]
        limit = re.search(r"max_nodes=\d+", msg)
        if msg.startswith("ValueError") and limit:
            return f"refused ({limit.group()})", "-"
        msg = msg.splitlines()[0]
        return f"error: {msg if len(msg) <= 80 else msg[:77] + '...'}", "-"
    runs = "" if r["runs"] == r["wanted"] else f" ({r['runs']} of {r['wanted']} runs)"
    return fmt_bytes(r["bytes"]), fmt_seconds(r["seconds"]) + runs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of each, not 3")
    parser.add_argument("--today-budget", type=float, default=60.0,
                        help="seconds the old code may spend on the chain workloads (default 60)")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 3)
    if args.measure_only:
        return child_main(repeat, args.budget)

    with tempfile.TemporaryDirectory() as tmp:
        tree, why = make_worktree(str(Path(tmp) / "today"))
        try:
            if tree is None:
                today = {"fatal": why}
                print(f"today: not available ({why})", flush=True)
            else:
                print(f"measuring today ({TODAY}) ...", flush=True)
                today = run_child(tree, repeat, args.today_budget)
        finally:
            if tree is not None:
                remove_worktree(tree)
    print("measuring now ...", flush=True)
    now = run_child(REPO, repeat, None)
    report(today, now, repeat, tree is not None)


def report(today, now, repeat, have_today):
    print(f"\nPython {sys.version.split()[0]}; medians of {repeat} run{'s' * (repeat > 1)}; "
          f"today = {TODAY if have_today else 'not available'}, now = {describe_now()}\n")
    for name, r in (("today", today), ("now", now)):
        if "fatal" in r and (name == "now" or have_today):
            print(f"{name}: not measured: {r['fatal']}")
            if r.get("traceback"):
                print(r["traceback"])
    if "fatal" in today:
        today = {}
    if "fatal" in now:
        now = {}

    def sample(key):
        for r in (now.get(key), today.get(key)):
            if r and "sample" in r:
                return f", sample {r['sample']}"
        return ""

    def steps(*rs):
        for r in rs:
            if r and "steps" in r:
                extra = f" ({r['neuron_steps']} neuron)" if "neuron_steps" in r else ""
                return f"{r['steps']}{extra}"
        return "-"

    rows = []  # (workload, steps, today result, now result, target text)
    rows.append(("1. README neuron", "neuron", "neuron", f"<= {fmt_limit(60_000)}"))
    for key, label in (("mlp_2_4_1", "MLP 2-4-1"), ("mlp_2_16_16_1", "MLP 2-16-16-1")):
        n = "2" if key == "mlp_2_4_1" else "3"
        b, s = TARGETS[key + "+module"]
        rows.append((f"{n}. {label}{sample(key)}, scalar only", key, key, "-"))
        rows.append((f"{n}. {label}{sample(key)}, with network view", None, key + "+module",
                     f"<= {fmt_limit(b)}, <= {s:g} s"))
    for n in CHAIN:
        rows.append((f"4. chain n={n}", f"chain_{n}", f"chain_{n}",
                     f"size({CHAIN[-1]}) / size({CHAIN[-2]}) <= 2" if n == CHAIN[-1] else "-"))

    table = []
    for label, today_key, now_key, target in rows:
        t = today.get(today_key) if today_key else None
        w = now.get(now_key)
        if today_key is None:  # the old backward_trace has no module=
            t_cells = ("n/a (no module=)", "-") if today else ("-", "-")
        else:
            t_cells = cells(t) if today else ("not available", "-")
        if w is None and now and not now.get("has_module", True) and now_key.endswith("+module"):
            w_cells = ("error: backward_trace has no module=", "-")
        else:
            w_cells = cells(w)
        table.append({"workload": label, "steps": steps(w, t), "today size": t_cells[0],
                      "today time": t_cells[1], "now size": w_cells[0], "now time": w_cells[1],
                      "target": target})
    errors = [(label, now[key]) for label, _, key, _ in rows
              if "traceback" in now.get(key, {})]
    cols = list(table[0])
    widths = [max(len(c), *(len(r[c]) for r in table)) for c in cols]
    print("| " + " | ".join(c.ljust(w) for c, w in zip(cols, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in table:
        print("| " + " | ".join(r[c].ljust(w) for c, w in zip(cols, widths)) + " |")

    ok = lambda r: r is not None and "bytes" in r  # noqa: E731
    for label, r in errors:
        print(f"\nnow, {label}: {r['error'].splitlines()[0]}\n{r['traceback']}")
    print("\nRatios today / now (same workload, same run):")
    for label, today_key, now_key, _ in rows:
        t, w = today.get(today_key) if today_key else None, now.get(now_key)
        if ok(t) and ok(w):
            print(f"- {label}: size {t['bytes'] / w['bytes']:.1f}x smaller now, "
                  f"time {t['seconds'] / w['seconds']:.1f}x faster now")
    for name, r in (("today", today), ("now", now)):
        for n1, n2 in zip(CHAIN, CHAIN[1:]):
            a, b = r.get(f"chain_{n1}"), r.get(f"chain_{n2}")
            if ok(a) and ok(b):
                print(f"- linearity, {name}: size({n2}) / size({n1}) = "
                      f"{b['bytes'] / a['bytes']:.2f}, "
                      f"time({n2}) / time({n1}) = {b['seconds'] / a['seconds']:.2f}")

    print("\nTargets (now):")

    def verdict(what, value, limit, show, show_limit):
        if value is None:
            print(f"- {what} <= {show_limit(limit)}: NOT met (not measured)")
        else:
            print(f"- {what} <= {show_limit(limit)}: {'met' if value <= limit else 'NOT met'} "
                  f"({show(value)})")

    for key, label in (("neuron", "1. README neuron page"),
                       ("mlp_2_4_1+module", "2. MLP 2-4-1 page with network view"),
                       ("mlp_2_16_16_1+module", "3. MLP 2-16-16-1 page with network view")):
        b, s = TARGETS[key]
        r = now.get(key)
        verdict(f"{label}: size", r["bytes"] if ok(r) else None, b, fmt_bytes, fmt_limit)
        if s is not None:
            verdict(f"{label}: time", r["seconds"] if ok(r) else None, s, fmt_seconds,
                    lambda x: f"{x:g} s")
    n1, n2 = CHAIN[-2:]
    a, b = now.get(f"chain_{n1}"), now.get(f"chain_{n2}")
    verdict(f"4. linearity: size({n2}) / size({n1})",
            b["bytes"] / a["bytes"] if ok(a) and ok(b) else None, 2.0, lambda x: f"{x:.2f}",
            lambda x: f"{x:g}")


if __name__ == "__main__":
    main()
