"""What the page runs on Pyodide: the learner's code, and what it shows of it.

``run(code)`` runs the editor's text as a script in a fresh namespace (``Value``,
``draw_graph``, ``backward_trace`` and ``show`` are already there) and returns, as
JSON, what the page shows:

- ``error``: the Python traceback of an exception, from the learner's code down (the
  runner's own frames left out; the code's lines shown), else ``None``;
- ``graphs``: one drawing per Value the code called ``show(v)`` on, or, with no
  ``show``, of the last line when it is an expression whose value is a Value (as a
  notebook cell shows its last line). Each is ``draw_graph(v)`` as the code left it;
  when no ``backward()`` has reached ``v`` yet, the page runs ``v.backward()`` first
  and says so. ``grads`` maps each drawn name to its gradient (``repr``: exact);
- ``player``: the step-through page (``backward_trace(v).to_html``) of the last one:
  one backward pass from ``v``, the graph's leaves starting at 0.

After a run its Values are freed one at a time (``_release``: a deep graph freed at once
overflows the browser's stack). Printing goes to the worker's stdout (the page shows it
as it comes). The page draws
at most ``MAX_SHOWN`` values: a drawing that cannot be made (too many nodes) is a
``note`` in its place, never an error of the run.
"""

from __future__ import annotations

import ast
import gc
import json
import linecache
import traceback

from ..engine import Value, topological_order, zero_grad
from ..viz import backward_trace, draw_graph, node_names

__all__ = ["run", "MAX_SHOWN", "FILENAME"]

MAX_SHOWN = 4
FILENAME = "<editor>"
_PLAYER_STYLE = "<style>body > h1 { display: none; } body { margin: 8px; }</style>"


def _namespace(shown: list) -> dict:
    def show(*values):
        """Draw these Values in the page (their graph, and the step-through of the last)."""
        for v in values:
            if not isinstance(v, Value):
                raise TypeError(f"show expects Values, got {type(v).__name__}: {v!r:.40}")
            shown.append(v)

    import autograd

    return {"__name__": "__main__", "show": show, "Value": Value, "draw_graph": draw_graph,
            "backward_trace": backward_trace, "grad": autograd.grad,
            "gradcheck": autograd.gradcheck}


def _execute(code: str, namespace: dict):
    """Run ``code``; the value of its last line when that is an expression."""
    linecache.cache[FILENAME] = (len(code), None, code.splitlines(True), FILENAME)
    tree = ast.parse(code, FILENAME)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, FILENAME, "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), FILENAME, "eval"), namespace)


def _traceback(error: BaseException) -> str:
    """The traceback from the learner's code down: the runner's own frames left out."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != FILENAME:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def _drawing(v: Value) -> dict:
    """``draw_graph(v)`` as inline SVG, with the gradients it draws, by name."""
    order = topological_order(v)
    names = node_names(order)
    out = {"title": names[v], "svg": "", "note": "", "grads": {}}
    try:
        if v.grad == 0 and v.parents:
            v.backward()
            out["note"] = f"no backward() had reached {names[v]}: the page ran {names[v]}" \
                          ".backward()"
        svg = draw_graph(v).svg()
        out["svg"] = svg[svg.find("<svg"):]  # no XML prolog inside the page
        out["grads"] = {names[u]: repr(u.grad) for u in order}
    except Exception as e:  # too big to draw, a graph that has gone stale: say so, run on
        out["note"] = f"{type(e).__name__}: {e}"
    return out


def _player(v: Value) -> tuple:
    """The step-through page of one backward pass from ``v``, leaves starting at 0."""
    try:
        zero_grad([u for u in topological_order(v) if u.is_leaf])
        page = backward_trace(v).html("Backpropagation, step by step")
        # its heading hidden: the page around it has its own
        return page.replace("</head>", _PLAYER_STYLE + "</head>", 1), ""
    except Exception as e:
        return "", f"no step-through: {type(e).__name__}: {e}"


def _inputs_first(values: list) -> list:
    """Every Value that ``values`` depend on, each after its inputs (one walk for all)."""
    order, done, stack = [], set(), list(values)
    while stack:
        v = stack[-1]
        if v in done:
            stack.pop()
            continue
        waiting = [p for p in v.parents if p not in done]
        if waiting:
            stack.extend(waiting)
        else:
            done.add(stack.pop())
            order.append(v)
    return order


def _release(namespace: dict, *holders: list) -> None:
    """Let go of the run's Values one at a time, the last computed first. Dropped at once,
    a deep graph frees each node from inside the freeing of the node after it: a few
    thousand operations deep, that overflows the browser's stack, smaller than a desktop
    Python's, and Pyodide dies ("Maximum call stack size exceeded"). Freed in this
    order, each node goes alone: its inputs are still held."""
    alive = [o for o in gc.get_objects() if issubclass(type(o), Value)]  # no __class__ lookups
    order = _inputs_first(alive)
    del alive
    namespace.clear()
    for holder in holders:
        holder.clear()
    while order:
        order.pop()


def run(code: str) -> str:
    """Run the editor's ``code``; what the page shows, as JSON (see the module's text)."""
    if not isinstance(code, str):
        raise TypeError(f"code must be a str, got {type(code).__name__}")
    shown: list = []
    namespace = _namespace(shown)
    out = {"error": None, "graphs": [], "player": "", "player_note": "", "value": None}
    try:
        last = _execute(code, namespace)
        if isinstance(last, Value) and not shown:
            shown.append(last)
        elif last is not None:
            out["value"] = repr(last)
    except BaseException as e:  # noqa: B036 (SystemExit, KeyboardInterrupt: shown too)
        out["error"] = _traceback(e)
    distinct = list(dict.fromkeys(shown))
    if len(distinct) > MAX_SHOWN:
        out["player_note"] = (f"{len(distinct)} values shown: the page draws the first "
                              f"{MAX_SHOWN - 1} and the last")
        distinct = distinct[:MAX_SHOWN - 1] + distinct[-1:]
    out["graphs"] = [_drawing(v) for v in distinct]
    if distinct and out["graphs"][-1]["svg"]:
        out["player"], note = _player(distinct[-1])
        out["player_note"] = out["player_note"] or note
    elif distinct:
        out["player_note"] = "no step-through: the graph is too large to draw (see above)"
    last = None
    _release(namespace, shown, distinct)
    return json.dumps(out)
