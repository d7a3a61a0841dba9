"""The README's first example runs as written and prints the numbers it shows;
the engine tour (the README's demo command) runs."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _first_python_block() -> str:
    return re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)


def test_readme_example_prints_what_it_shows():
    code = _first_python_block()
    shown = re.search(r"^# (-?\d.*)$", code, re.M).group(1).split()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue().split() == shown


def test_readme_nn_example_runs_and_learns():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    code = next(b for b in blocks if "nn.fit(" in b)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    accuracy = float(out.getvalue().split()[-1])
    assert accuracy >= 0.97


def test_engine_tour_runs():
    from autograd.__main__ import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main()
    text = out.getvalue()
    assert "dL/dx = upstream * local = 5 * y = 15.0" in text
    assert "checked against central differences: True" in text


def test_readme_seeing_backprop_example_writes_its_files(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    code = next(b for b in blocks if "backward_trace" in b)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert "upstream" in out.getvalue()
    fresh = (tmp_path / "neuron.svg").read_text()
    assert fresh.lstrip().startswith("<?xml")
    page = (tmp_path / "neuron-backprop.html").read_text()
    assert page.count("<svg") == 1 and '"steps":' in page
    # the picture beside the code is what the code draws
    committed = (README.parent / "notebooks" / "images" / "readme_neuron.svg").read_text()
    words = lambda svg: re.findall(r">([^<>]+)</text>", svg)
    assert words(committed) == words(fresh)


def test_readme_network_example_prints_what_it_shows(tmp_path, monkeypatch):
    text = README.read_text()
    code = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S)
                if 'view="neuron"' in b)
    shown = re.search(r"```text\n(step  neuron.*?)```", text, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue().split() == shown.split()
    assert (tmp_path / "network-backprop.html").stat().st_size > 1000


def test_readme_pictures_are_the_demos_output(tmp_path):
    """The README shows gradlab-demo's pictures: regenerate them and compare."""
    import struct

    from nn.demo import main

    images = README.parent / "notebooks" / "images"
    for name in re.findall(r"\(notebooks/images/([\w.]+)\)", README.read_text()):
        assert (images / name).exists(), name
    assert main(["--quiet", "--out", str(tmp_path)]) == 0
    committed = (images / "neuron_graph.svg").read_text()
    fresh = (tmp_path / "neuron_graph.svg").read_text()
    words = lambda svg: re.findall(r">([^<>]+)</text>", svg)
    assert words(committed) == words(fresh)  # same labels, data, grads and flows
    for png in ("decision_boundary.png", "loss_curve.png"):
        sizes = [struct.unpack(">II", p.read_bytes()[16:24]) for p in (images / png,
                                                                        tmp_path / png)]
        assert sizes[0] == sizes[1]


def test_readme_compile_example_trains_on_digits():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    code = next(b for b in blocks if "compile(" in b and "load_digits" in b)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    accuracy = float(out.getvalue().split()[-1])
    assert accuracy >= 0.95


def _prints_what_its_comments_say(marker: str) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    code = next(b for b in blocks if marker in b)
    shown = [line.split("#", 1)[1].strip() for line in code.splitlines()
             if line.startswith("print(")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue().splitlines() == shown


def test_readme_own_op_example_prints_what_its_comments_say():
    _prints_what_its_comments_say("@autograd.op")


def test_readme_pytorch_example_prints_what_its_comments_say():
    _prints_what_its_comments_say("to_torch()")


def test_readme_conv_example_prints_what_its_comments_say():
    _prints_what_its_comments_say("nn.Conv1d(")


def test_readme_module_view_example_prints_what_it_shows():
    text = README.read_text()
    code = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S)
                if "nn.module_view(" in b)
    shown = re.search(r"```text\n(ỹ = .*?)```", text, re.S).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue() == shown


def test_readme_plots_example_draws_the_model_it_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _prints_what_its_comments_say("nn.plot.decision_boundary")
    for name in ("moons.png", "neurons.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "training.html").read_text().count("<img") >= 1


def test_readme_names_each_neuron_and_layer_one_way():
    """L1N3 and L1 (nn.graph's names, mapped to the lectures' u^(l), y^(l), δ^(l) in the
    README), never L0N2, layers.0 / neurons.2 or layer 1."""
    from tests.player import other_name_forms

    text = README.read_text()
    assert "y⁽⁰⁾ = x" in text and "`L2N3` is the third neuron of the second layer" in text
    assert other_name_forms(text) == []
