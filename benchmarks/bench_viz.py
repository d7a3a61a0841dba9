"""The backward step-through page, ``backward_trace(root, ...).to_html(path)``: its time
(Graphviz's share of it) and size, the code before the layouts computed in Python
against the working tree, in one run.

    python benchmarks/bench_viz.py            # medians of 3 runs (about 4 minutes)
    python benchmarks/bench_viz.py --quick    # one run of each

"before" is commit 3efe442 (every drawing laid out by Graphviz's dot), checked out in a
temporary git worktree (``--before REV`` for another); "now" is the working tree. Both
are measured the same way in the same run: this script runs itself in a subprocess
with ``PYTHONPATH=<that tree>`` and ``--measure-only``, which prints its results as
JSON. Without git or that commit only "now" is measured.

A run builds its graph fresh (not timed), then times ``backward_trace(...)`` and
``to_html(...)`` together, Graphviz included (its share is timed around
``autograd.viz.dot.render``), and records the page's size. The workloads:

1. the README neuron, tanh(x1*w1 + x2*w2 + b);
2. ``nn.MLP(2, [4, 1], rng=0)`` on one two-moons sample, loss ``(1 - out).relu()`` (the
   first sample with a nonzero loss), with ``module=model`` (the neuron view too);
3. the same with ``nn.MLP(2, [16, 16, 1])`` and 4. ``nn.MLP(2, [64, 64, 1])`` (13,124
   steps; the target: <= 15 s);
5. the digits net ``nn.MLP(64, [32, 10], activation="tanh")`` on the first digit,
   cross-entropy (``pip install -e ".[digits]"``);
6. a chain ``v = (v * 1.01).tanh()`` of 1,000, 2,000 and 4,000 ops (500, 1,000 and 2,000
   links): the target is time(2,000) / time(1,000) <= 2.2.

Sizes are in bytes, shown in decimal units (1 MB = 10**6 B).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BEFORE = "3efe442"
CHAIN_OPS = (1000, 2000, 4000)
TARGETS = {"mlp_2_64_64_1": 15.0}  # seconds, "now"
RATIO = 2.2  # time(2,000 ops) / time(1,000 ops), "now"


# --- workloads (run in the child, which imports the autograd/nn it was given) -------------

def readme_neuron():
    from autograd import Value

    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    return Value.sum([x1 * w1, x2 * w2, b]).tanh(), None


def mlp_sample(sizes):
    """loss = (1 - model(x_i)).relu() on the first moons sample with out < 1
    (a nonzero loss, so gradients flow); returns (loss, model)."""
    import nn

    X, _ = nn.data.moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, sizes, rng=0)
    for x in X:
        out = model([float(v) for v in x])
        if out.data < 1:
            return (1 - out).relu(), model
    raise RuntimeError("every sample has zero loss (1 - out).relu()")


def digits_sample():
    import nn

    X, y = nn.data.load_digits()
    model = nn.MLP(64, [32, 10], activation="tanh", rng=0)
    return nn.losses.cross_entropy([model([float(v) for v in X[0]])], [int(y[0])]), model


def chain(ops):
    from autograd import Value

    v = Value(0.5, label="x")
    for _ in range(ops // 2):
        v = (v * 1.01).tanh()
    return v, None


WORKLOADS = {  # key -> (what, build)
    "neuron": ("1. README neuron", readme_neuron),
    "mlp_2_4_1": ("2. MLP 2-4-1 + neuron view", lambda: mlp_sample([4, 1])),
    "mlp_2_16_16_1": ("3. MLP 2-16-16-1 + neuron view", lambda: mlp_sample([16, 16, 1])),
    "mlp_2_64_64_1": ("4. MLP 2-64-64-1 + neuron view", lambda: mlp_sample([64, 64, 1])),
    "digits": ("5. digits 64-32-10 + neuron view", digits_sample),
    **{f"chain_{n}": (f"6. chain of {n:,} ops", lambda n=n: chain(n)) for n in CHAIN_OPS},
}


def one_run(build, path: Path) -> dict:
    from autograd import backward_trace
    from autograd.viz import dot, player

    root, model = build()
    gc.collect()
    spent = [0.0]
    render = dot.render

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return render(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    callers = {dot, player, *_importers(render)}  # every module that calls render
    for module in callers:
        module.render = timed
    try:
        start = time.perf_counter()
        trace = backward_trace(root, module=model) if model is not None else \
            backward_trace(root)
        trace.to_html(path)
        seconds = time.perf_counter() - start
    finally:
        for module in callers:
            module.render = render
    result = {"seconds": seconds, "graphviz": spent[0], "bytes": path.stat().st_size,
              "steps": len(trace.steps)}
    path.unlink()
    return result


def _importers(render) -> list:
    """The modules of autograd.viz and nn.plot that hold their own name for render."""
    return [m for name, m in list(sys.modules.items())
            if name.startswith(("autograd.viz", "nn.plot")) and getattr(m, "render", None)
            is render]


def measure(build, repeat, tmp) -> dict:
    """Medians of ``repeat`` runs; the size and steps of the last; or the first error."""
    runs = []
    for k in range(repeat):
        try:
            runs.append(one_run(build, Path(tmp) / f"page{k}.html"))
        except Exception as e:  # noqa: BLE001 - reported in the table
            return {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}
    result = dict(runs[-1])
    for key in ("seconds", "graphviz"):
        result[key] = statistics.median(r[key] for r in runs)
    result["runs"] = len(runs)
    return result


def child_main(repeat: int, only: list | None) -> None:
    try:
        import autograd

        results = {"autograd": str(Path(autograd.__file__).resolve().parent)}
        with tempfile.TemporaryDirectory() as tmp:
            one_run(readme_neuron, Path(tmp) / "warm-up.html")  # imports, Graphviz's caches
            for key, (_, build) in WORKLOADS.items():
                if only is None or key in only:
                    results[key] = measure(build, repeat, tmp)
    except Exception as e:  # noqa: BLE001 - e.g. the tree does not import
        results = {"fatal": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}
    print(json.dumps(results))


# --- the parent: one child per tree, then the table ---------------------------------------

def run_child(root: Path, repeat: int, only) -> dict:
    env = dict(os.environ, PYTHONPATH=str(root))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--measure-only", "--repeat",
           str(repeat)] + (["--only", ",".join(only)] if only else [])
    try:
        done = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True,
                              timeout=3600)
    except subprocess.TimeoutExpired:
        return {"fatal": "timed out after an hour"}
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    try:
        results = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"fatal": f"exit {done.returncode}: {tail}", "traceback": done.stderr}
    if "autograd" in results and Path(results["autograd"]) != (root / "autograd").resolve():
        results["fatal"] = f"imported {results['autograd']}, not {root / 'autograd'}"
    return results


def make_worktree(tmp: str, rev: str):
    """A worktree of ``rev`` in tmp, or (None, reason)."""
    try:
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", tmp, rev],
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
    except (FileNotFoundError, subprocess.CalledProcessError):
        return "the working tree"
    dirty = [line[3:] for line in dirty if line.strip()]
    return f"the working tree ({head}" + (f" + uncommitted {', '.join(dirty)})" if dirty
                                          else ", clean)")


def fmt_bytes(b) -> str:
    return f"{b / 1e3:.0f} KB" if b < 1_000_000 else f"{b / 1e6:.2f} MB"


def fmt_seconds(s) -> str:
    return f"{s * 1e3:.0f} ms" if s < 1 else f"{s:.2f} s"


def cells(r) -> tuple:
    """(time, Graphviz's share, size) for one result (None: not measured)."""
    if not r:
        return "-", "-", "-"
    if "error" in r:
        msg = r["error"].splitlines()[0]
        if msg.startswith("TimeoutExpired") and "dot" in msg:
            return "over 120 s (Graphviz's dot timed out)", "-", "-"
        return f"error: {msg if len(msg) <= 60 else msg[:57] + '...'}", "-", "-"
    share = f"{100 * r['graphviz'] / r['seconds']:.0f}%" if r["seconds"] else "-"
    return fmt_seconds(r["seconds"]), share, fmt_bytes(r["bytes"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of each, not 3")
    parser.add_argument("--before", default=BEFORE, help=f"the revision to compare with "
                        f"(default {BEFORE})")
    parser.add_argument("--only", default=None, help="comma-separated workload keys: "
                        + ", ".join(WORKLOADS))
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 3)
    only = args.only.split(",") if args.only else None
    if only and set(only) - set(WORKLOADS):
        parser.error(f"--only: unknown workloads {sorted(set(only) - set(WORKLOADS))}")
    if args.measure_only:
        return child_main(repeat, only)
    with tempfile.TemporaryDirectory() as tmp:
        tree, why = make_worktree(str(Path(tmp) / "before"), args.before)
        try:
            print(f"measuring before ({args.before}) ..." if tree else
                  f"before: not available ({why})", flush=True)
            before = run_child(tree, repeat, only) if tree else {"fatal": why}
        finally:
            if tree is not None:
                remove_worktree(tree)
    print("measuring now ...", flush=True)
    now = run_child(REPO, repeat, only)
    report(before, now, repeat, args.before)


def report(before, now, repeat, rev):
    print(f"\nPython {sys.version.split()[0]}; medians of {repeat} run{'s' * (repeat > 1)}; "
          f"before = {rev}, now = {describe_now()}\n")
    for name, r in (("before", before), ("now", now)):
        if "fatal" in r:
            print(f"{name}: not measured: {r['fatal']}\n{r.get('traceback', '')}")
    before = {} if "fatal" in before else before
    now = {} if "fatal" in now else now
    cols = ["workload", "steps", "before", "Graphviz", "size", "now", "Graphviz ", "size ",
            "before / now"]
    rows = []
    for key, (what, _) in WORKLOADS.items():
        b, n = before.get(key), now.get(key)
        if b is None and n is None:
            continue
        ok = b and n and "seconds" in b and "seconds" in n
        steps = next((str(r["steps"]) for r in (n, b) if r and "steps" in r), "-")
        rows.append([what, steps, *cells(b), *cells(n),
                     f"{b['seconds'] / n['seconds']:.1f}x" if ok else "-"])
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    print("| " + " | ".join(c.ljust(w) for c, w in zip(cols, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    for name, r in (("before", before), ("now", now)):
        for key in r:
            if isinstance(r[key], dict) and "traceback" in r[key]:
                print(f"\n{name}, {key}: {r[key]['traceback']}")
    print()
    for name, r in (("before", before), ("now", now)):
        for a, b in zip(CHAIN_OPS, CHAIN_OPS[1:]):
            x, y = r.get(f"chain_{a}", {}), r.get(f"chain_{b}", {})
            if "seconds" in x and "seconds" in y:
                print(f"- {name}: time({b:,} ops) / time({a:,} ops) = "
                      f"{y['seconds'] / x['seconds']:.2f}")
    verdicts(now)


def verdicts(now) -> None:
    print("\nTargets (now):")
    for key, limit in TARGETS.items():
        r = now.get(key, {})
        seconds = r.get("seconds")
        state = "not measured" if seconds is None else \
            ("met" if seconds <= limit else "NOT met") + f" ({fmt_seconds(seconds)})"
        print(f"- {WORKLOADS[key][0]} in <= {limit:g} s: {state}")
    a, b = now.get(f"chain_{CHAIN_OPS[0]}", {}), now.get(f"chain_{CHAIN_OPS[1]}", {})
    if "seconds" in a and "seconds" in b:
        ratio = b["seconds"] / a["seconds"]
        print(f"- chain of {CHAIN_OPS[1]:,} ops in <= {RATIO}x the time of {CHAIN_OPS[0]:,}: "
              f"{'met' if ratio <= RATIO else 'NOT met'} ({ratio:.2f}x)")
    else:
        print(f"- chain ratio <= {RATIO}: not measured")


if __name__ == "__main__":
    main()
