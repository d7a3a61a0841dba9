"""The main demo writes real pictures and an HTML step-through; bad options give a
one-line error."""

import re
import struct
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from nn import data
from nn.demo import argument_parser, main, run, summary_line
from tests.player import assert_clean, click, load, slide, snapshot, wait_for


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


def test_demo_pages_open_where_they_teach(driver, tmp_path):
    """The neuron's page starts with its forward pass; the network's page opens on the
    neuron (δ) view, and starts with its forward pass too (the first layer's first
    neuron), then the deltas. On both, at the default zoom, no text is under 10 CSS px
    (measured in the browser, in each view of the network's page) and the active step
    stays in the drawing's box, at every zoom."""
    from selenium.webdriver.common.by import By

    from tests.player import active_in_view, smallest_text, zoom_to

    assert main(["--epochs", "3", "--quiet", "--out", str(tmp_path)]) == 0
    url, root = load(driver, tmp_path / "backprop_steps.html")
    click(driver, root, "next", 1)
    assert snapshot(driver, root)["caption"].startswith("forward 1/")
    assert smallest_text(driver, root)[0] >= 10
    click(driver, root, "last", int(snapshot(driver, root)["count"].split(" / ")[1]))
    assert snapshot(driver, root)["caption"].startswith("step ")
    assert_clean(driver, url)

    url, root = load(driver, tmp_path / "network_backprop.html")
    opening = root.find_element(By.CSS_SELECTOR, ".glp-views button.on").text
    assert opening == "neurons (δ)" and snapshot(driver, root)["caption"].startswith(
        "start: the inputs x1 = ")
    smallest = {"neurons (δ)": smallest_text(driver, root)}
    n = int(snapshot(driver, root)["count"].split(" / ")[1])
    starts = {1: "forward 1/34: L1N1: u = ", 35: "backward: start from ∂E/∂E", 36: "step 1/33: "}
    for k in (1, n // 4, 35, 36, n // 2, n):
        slide(driver, root, k)
        assert snapshot(driver, root)["caption"].startswith(starts.get(k, ""))
        assert smallest_text(driver, root)[0] >= 10 and active_in_view(driver, root)["inside"]
    root.find_element(By.CSS_SELECTOR, '.glp-views button[data-view="1"]').click()
    wait_for(driver, lambda: driver.execute_script("return arguments[0].glPlayer.state()",
                                                   root)["view"] == 1, "the scalar view")
    smallest["every scalar"] = smallest_text(driver, root)
    n = int(snapshot(driver, root)["count"].split(" / ")[1])
    for k in (1, n // 3, 2 * n // 3, n):
        slide(driver, root, k)
        assert active_in_view(driver, root)["inside"], k
    for mode in ("fit", "1", "readable"):
        zoom_to(driver, root, mode)
        assert active_in_view(driver, root)["inside"], mode
    assert all(px >= 10 for px, _ in smallest.values()), smallest
    print("smallest text, network page:", smallest)
    assert_clean(driver, url)
