"""The main demo writes real pictures and an HTML step-through; bad options give a
one-line error."""

import re
import struct
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from nn import data
from nn.demo import argument_parser, main, run, summary_line
from tests.player import assert_clean, click, load, snapshot


def test_demo_writes_its_outputs(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["--epochs", "3", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in ("decision_boundary.png", "loss_curve.png", "neuron_graph.svg",
                 "backprop_steps.html", "network_backprop.html", "training.html"):
        assert name in printed and (out / name).stat().st_size > 1000
    assert "showcase: neuron" in printed and "network step-through: sample" in printed
    for png in ("decision_boundary.png", "loss_curve.png"):
        data = (out / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert width >= 400 and height >= 300
    assert ET.parse(out / "neuron_graph.svg").getroot().tag.endswith("svg")
    for name in ("backprop_steps.html", "network_backprop.html", "training.html"):
        page = (out / name).read_text()
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", page)
        assert "<link" not in page and "fetch(" not in page and "XMLHttpRequest" not in page
        assert name == "training.html" or "glPlayer" in page
    movie = (out / "training.html").read_text()
    assert re.findall(r'frames\[(\d+)\] = "data:image/png', movie) == ["0", "1", "2"]  # 3 epochs
    assert printed.strip().splitlines()[-1].startswith("final loss ")
    assert 'data-view="1"' in (out / "network_backprop.html").read_text()  # the neuron view


def test_demo_showcase_neuron_is_alive(tmp_path, capsys):
    """The showcase neuron passes a gradient: its picture's gradients are not all 0."""
    assert main(["--epochs", "5", "--quiet", "--out", str(tmp_path)]) == 0
    svg = (tmp_path / "neuron_graph.svg").read_text()
    texts = re.findall(r">grad (-?[\d.]+(?:e-?\d+)?)</text>", svg)
    assert len(texts) == 9 and sum(float(t) != 0 for t in texts) >= 7
    assert "dead" not in (tmp_path / "neuron_graph.svg").read_text()


def test_demo_multiclass(tmp_path):
    assert main(["--data", "spirals", "--loss", "cross_entropy", "--hidden", "8",
                 "--epochs", "2", "--quiet", "--out", str(tmp_path)]) == 0


def test_demo_summary_states_the_models_accuracy_now(tmp_path):
    """The summary's (and the boundary title's) accuracy is the trained model's on
    the points, recomputed here by eager Values: not fit's running mean."""
    args = argument_parser().parse_args(["--epochs", "2", "--samples", "40", "--quiet",
                                         "--out", str(tmp_path)])
    paths, summary = run(args)
    X, y = data.make("moons", n=40, seed=0)
    X_test, y_test = data.make("moons", n=40, seed=1)
    model = summary["model"]
    hits = lambda X, y: float(np.mean([(model(list(x)).data > 0) == t for x, t in zip(X, y)]))
    assert summary["train accuracy"] == hits(X, y)
    assert summary["test accuracy"] == hits(X_test, y_test)
    line = summary_line(summary, paths, tmp_path)
    assert f"train accuracy {hits(X, y):.2f}, test accuracy {hits(X_test, y_test):.2f}" in line
    assert f"wrote {len(paths)} files" in line and "\n" not in line


def test_help_gives_every_option_a_text_and_its_default(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    options = [a for a in argument_parser()._actions if a.option_strings != ["-h", "--help"]]
    for action in options:
        assert action.help, action.option_strings
        shown = "%(default)s" in action.help or f"(default: {action.default})" in text
        assert shown, action.option_strings
    assert text.count("(default: ") == len(options)


@pytest.mark.parametrize("argv,message", [
    (["--lr", "-1"], "argument --lr: must be a finite number > 0, got -1.0"),
    (["--lr", "fast"], "argument --lr: must be a finite number > 0, got 'fast'"),
    (["--l2", "nan"], "argument --l2: must be a finite number >= 0, got nan"),
    (["--epochs", "0"], "argument --epochs: must be >= 1, got 0"),
    (["--samples", "2"], "argument --samples: must be >= 4, got 2"),
    (["--hidden", "8", "0"], "argument --hidden: must be >= 1, got 0"),
    (["--frames", "1"], "argument --frames: must be >= 2, got 1"),
    (["--seed", "-1"], "argument --seed: must be >= 0, got -1"),
    (["--noise", "-0.1"], "argument --noise: must be a finite number >= 0, got -0.1"),
])
def test_bad_options_give_one_line(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv + ["--quiet", "--out", str(tmp_path)])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gradlab-demo: error:") and message in err and "\n" not in err


def test_unknown_option_is_argparse_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--data", "swissroll"])
    assert info.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_demo_pages_load_and_step(driver, tmp_path):
    assert main(["--epochs", "3", "--quiet", "--out", str(tmp_path)]) == 0
    for name in ("backprop_steps.html", "network_backprop.html"):
        path = tmp_path / name
        assert path.exists(), f"gradlab-demo did not write {name}"
        url, root = load(driver, path)
        assert_clean(driver, url)
        before = snapshot(driver, root)
        n = int(before["count"].split(" / ")[1])
        assert n > 0
        click(driver, root, "next", 1)
        after = snapshot(driver, root)
        assert after["caption"] != before["caption"] and after["caption"].startswith("step 1/")
        assert after["hot"] and after["count"] == f"1 / {n}"
        assert_clean(driver, url)
