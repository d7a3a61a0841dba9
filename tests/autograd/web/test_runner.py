"""autograd.web.runner: the learner's code run as the page runs it (here in CPython; the
page's tests run it on Pyodide): what it shows, its errors as tracebacks of the code."""

import json

import pytest

from autograd import Value
from autograd.web.runner import MAX_SHOWN, run


def _run(code: str) -> dict:
    return json.loads(run(code))


def test_the_last_line_value_is_drawn_with_backward_run_by_the_page():
    out = _run("from autograd import Value\na = Value(2.0, label='a')\n"
               "b = Value(-3.0, label='b')\na * b + 1")
    assert out["error"] is None and out["value"] is None
    [graph] = out["graphs"]
    assert graph["title"] == "add1"
    assert graph["note"] == "no backward() had reached add1: the page ran add1.backward()"
    assert graph["grads"] == {"a": "-3.0", "b": "2.0", "leaf1": "1.0", "mul1": "1.0",
                              "add1": "1.0"}
    assert graph["svg"].startswith("<svg") and ">grad &#45;3.0000<" in graph["svg"]
    assert "<title>Backpropagation, step by step</title>" in out["player"]


def test_show_draws_each_value_as_the_code_left_it():
    code = ("x = Value(3.0, label='x')\ny = x * x\ny.label = 'y'\ny.backward()\n"
            "z = (x + 1).relu()\nz.label = 'z'\nshow(y, z)\nprint('done')\n5")
    out = _run(code)
    assert [g["title"] for g in out["graphs"]] == ["y", "z"]
    y, z = out["graphs"]
    assert y["note"] == "" and y["grads"]["x"] == "6.0"
    assert "the page ran z.backward()" in z["note"] and z["grads"]["x"] == "7.0"  # 6 + 1
    assert out["value"] == "5"  # a last line that is no Value is printed, not drawn
    data = json.loads(out["player"].split('id="glp-data">')[1].split("</script>")[0])
    assert set(data["views"][0]["names"].values()) == {"x", "leaf1", "add1", "z"}  # the last


def test_the_player_starts_from_zero_and_has_no_heading_of_its_own():
    out = _run("x = Value(3.0, label='x')\ny = x * x\ny.label = 'y'\ny.backward()\n"
               "y.backward()\nshow(y)")
    assert out["graphs"][0]["grads"]["x"] == "12.0"  # two passes, as the code did
    assert "body > h1 { display: none; }" in out["player"]
    data = json.loads(out["player"].split('id="glp-data">')[1].split("</script>")[0])
    rows = [step["row"] for step in data["views"][0]["steps"]]
    assert rows[-1][-2:] == ["3.0000", "6.0000"]  # one pass from 0: dy/dx = 6, not 12


def test_an_error_is_the_traceback_from_the_code_down():
    out = _run("def f(v):\n    return v.log()\n\nprint('a')\nshow(Value(1.0, label='one'))\n"
               "f(Value(-1.0))\n")
    tb = out["error"]
    assert tb.startswith("Traceback (most recent call last):\n")
    assert '  File "<editor>", line 6, in <module>\n    f(Value(-1.0))' in tb
    assert '  File "<editor>", line 2, in f\n    return v.log()' in tb
    assert "ValueError" in tb.splitlines()[-1] and "runner.py" not in tb
    assert [g["title"] for g in out["graphs"]] == ["one"]  # shown before the error: drawn


def test_a_syntax_error_and_a_bad_show():
    out = _run("x = (1,\n")
    assert out["error"].startswith('  File "<editor>", line 1') and "SyntaxError" in out["error"]
    out = _run("show(3)")
    assert out["error"].splitlines()[-1] == "TypeError: show expects Values, got int: 3"
    out = _run("raise SystemExit(2)")
    assert out["error"].splitlines()[-1] == "SystemExit: 2"  # the page lives on


def test_a_drawing_that_cannot_be_made_is_a_note():
    out = _run("v = Value(1.0)\nfor _ in range(500):\n    v = v + 1\nv")
    [graph] = out["graphs"]
    assert graph["svg"] == "" and "max_nodes" in graph["note"]
    assert out["error"] is None


def test_at_most_max_shown_drawings():
    out = _run("vs = [Value(float(k), label=f'v{k}') * 2 for k in range(6)]\nshow(*vs)")
    assert len(out["graphs"]) == MAX_SHOWN
    assert out["graphs"][-1]["grads"]["v5"] == "2.0"
    assert out["player_note"] == f"6 values shown: the page draws the first {MAX_SHOWN - 1} " \
                                 "and the last"


def test_each_run_is_a_fresh_namespace():
    assert _run("x = 1")["error"] is None
    assert "NameError" in _run("x")["error"]
    assert _run("import autograd\nValue is autograd.Value")["value"] == "True"


def test_bad_arguments_name_themselves():
    with pytest.raises(TypeError, match="code must be a str, got Value"):
        run(Value(1.0))


def test_the_runs_values_are_let_go_one_at_a_time_and_all(monkeypatch):
    """A deep graph freed at once frees each node inside the freeing of the next: on
    Pyodide a few thousand deep overflow the browser's stack (the page's test runs
    50,000). The runner frees them last-computed first, and keeps none. As on Pyodide,
    without the compiled _untrack: every node is tracked, so the count sees them all."""
    import gc

    from autograd import engine
    monkeypatch.setattr(engine, "acyclic", None)

    def values() -> int:
        return sum(issubclass(type(o), Value) for o in gc.get_objects())

    gc.collect()  # earlier tests' garbage, so that nothing but the run changes the count
    before = values()
    out = _run("v = Value(1.0, label='x')\nkeep = [v]\nfor _ in range(20000):\n"
               "    v = v * 1.0\nv.backward()\nshow(v)\nprint(keep[0].grad)")
    assert out["graphs"][0]["note"].startswith("ValueError: the drawing would have")
    assert out["player_note"] == "no step-through: the graph is too large to draw (see above)"
    assert values() == before
