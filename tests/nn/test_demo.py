"""The main demo writes real pictures and an HTML step-through; bad options give a
one-line error."""

import re
import struct
import xml.etree.ElementTree as ET

import pytest

from nn.demo import main


def test_demo_writes_its_outputs(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["--epochs", "3", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in ("decision_boundary.png", "loss_curve.png", "neuron_graph.svg",
                 "backprop_steps.html", "network_backprop.html"):
        assert name in printed and (out / name).stat().st_size > 1000
    assert "showcase: neuron" in printed and "network step-through: sample" in printed
    for png in ("decision_boundary.png", "loss_curve.png"):
        data = (out / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert width >= 400 and height >= 300
    assert ET.parse(out / "neuron_graph.svg").getroot().tag.endswith("svg")
    for name in ("backprop_steps.html", "network_backprop.html"):
        page = (out / name).read_text()
        assert "glPlayer" in page and not re.search(r"(src|href)=[\"']?(https?:)?//", page)
        assert "<link" not in page and "fetch(" not in page and "XMLHttpRequest" not in page
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


@pytest.mark.parametrize("argv,message", [
    (["--lr", "-1"], "--lr must be a finite number > 0, got -1.0"),
    (["--l2", "nan"], "--l2 must be a finite number >= 0, got nan"),
    (["--samples", "2"], "--samples must be >= 4, got 2"),
    (["--hidden", "0"], "--hidden"),
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
