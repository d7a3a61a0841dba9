"""nn.playground.figures: the still figure renders, and the live view's panels
draw the playground's own numbers (without any widget)."""

import matplotlib  # the test extra installs it; without it these tests fail
import numpy as np

from nn.playground import FEATURES, Playground
from nn.playground.figures import Panels, neuron_names

from .helpers import small

matplotlib.use("Agg")


def test_the_still_figure_renders(tmp_path):
    pg = small()
    pg.play(epochs=2)
    png = pg.png(neuron=(0, 0))
    assert png[:4] == b"\x89PNG" and len(png) > 10_000
    assert set(FEATURES) == {"x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"}
    assert isinstance(pg, Playground) and "epoch 2" in repr(pg)


def test_the_panels_draw_the_playgrounds_numbers_without_widgets():
    pg = small()
    pg.play(epochs=2)
    panels = Panels(pg)
    for png in (panels.boundary(), panels.network(selected=(1, 1), edges="grads"),
                panels.curves()):
        assert png[:4] == b"\x89PNG"
    np.testing.assert_array_equal(panels.drawn["boundary"]["Z"], pg.boundary(100)[2])
    assert list(panels.drawn["curves"]["loss"]) == pg.history.loss
    grads = np.concatenate([dW.ravel() for dW, _ in pg.weight_grads()])
    np.testing.assert_array_equal(panels.drawn["network"]["edge_values"], grads)
    assert [name for name, _, _ in neuron_names(pg.model)] == [
        "L0N0", "L0N1", "L0N2", "L0N3", "L1N0", "L1N1", "L2N0"]
