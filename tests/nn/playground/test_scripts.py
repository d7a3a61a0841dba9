"""nn.playground.scripts: pg.to_code() writes the plain gradlab script (and the PyTorch
one) that trains the same model: run here, each reaches the playground's own loss."""

import os
import subprocess
import sys

import numpy as np
import pytest

import nn
from tests import ROOT

from .helpers import small


def run(code: str, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(code)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def final_loss(out: str) -> float:
    return float(out.strip().splitlines()[-1].split("final train loss ")[1].split(",")[0])


@pytest.mark.parametrize("knobs", [
    dict(data="spiral", classes=3, layers=[5, 3], optimizer="momentum", lr=0.05,
         features=["x1", "x2", "x1*x2", "sin(x1)"], l2=0.001),
    dict(data="gauss", loss="max_margin", optimizer="adam", lr=0.01),
    dict(data="circle", loss="mse", layers=[3], features=["x1^2", "x2^2"]),
    dict(data="gauss", classes=4, layers=[]),
    dict(data="moons", activation="relu", noise=0.2, batch_size=5),
], ids=["spiral-3", "gauss-max-margin-adam", "circle-mse", "gauss-4", "moons-relu"])
def test_the_scripts_reach_the_playgrounds_loss(knobs, tmp_path):
    pg = small(**knobs)
    pg.play(epochs=3)
    pg.step()  # a step into the fourth epoch: the scripts train the three whole ones
    want = pg.history.loss[-1]
    gradlab = pg.to_code()
    assert "nn.fit(" in gradlab and "epochs=3" in gradlab
    assert final_loss(run(gradlab, tmp_path, "gradlab")) == want  # the same numbers
    torch_code = pg.to_code("torch")
    assert "model.to_torch()" in torch_code and "torch.optim" in torch_code
    out = run(torch_code, tmp_path, "in_pytorch")  # (a script named torch.py shadows torch)
    assert final_loss(out) == pytest.approx(want, rel=1e-12)


def test_your_own_points_and_model_in_the_script(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] > X[:, 1]).astype(int) + (X[:, 0] > 1).astype(int)
    pg = nn.playground(model=nn.MLP(2, [4, 3], activation="sigmoid", rng=9), data=(X, y),
                       batch_size=5, lr=0.2)
    pg.play(epochs=2)
    code = pg.to_code()
    assert "nn.MLP.from_weights(" in code and "X = np.array(" in code
    assert final_loss(run(code, tmp_path, "mine")) == pg.history.loss[-1]


def test_what_a_script_cannot_write_says_so():
    pg = small()
    with pytest.raises(ValueError, match="there is none yet: play"):
        pg.to_code()
    pg.play(epochs=1)
    pg.set(lr=0.3)
    with pytest.raises(ValueError, match="changed lr at step 5 as it trained"):
        pg.to_code()
    pg.reset()
    pg.play(epochs=1)
    with pytest.raises(ValueError, match="framework must be one of 'gradlab', 'torch'"):
        pg.to_code("jax")
    assert pg.to_code().startswith('"""The playground\'s run as a plain gradlab script')
