"""A playground in Jupyter: TensorFlow Playground's lesson, with the gradients it never shows.

    import nn
    pg = nn.playground(data="spiral", layers=[8, 8], activation="tanh", lr=0.03)
    pg                                   # the live view in Jupyter: knobs, Play/Pause/Step/Reset
    pg.set(l2=0.01); pg.play(epochs=50)  # or drive it from cells
    nn.plot.loss_curves(pg.history)      # pg.model, pg.history: an nn.MLP and an nn.History

The logic is the plain object ``Playground`` (no browser, no widgets): knobs
(``pg.set(...)``), ``step()`` (one batch), ``play(epochs=n)``, ``pause()``,
``reset()``. A bad knob value raises a ``ValueError``/``TypeError`` naming the knob,
what it allows and what came, and leaves the playground as it was.

What it shows beyond the web playground, every number read off the training step
it describes:

- **δ of each neuron** on the current batch. For neuron j with pre-activation
  ``u_j = Σ_i w_ji y_i + b_j`` and the batch's loss ``E = (1/B) Σ_n ℓ_n`` (plus the
  L2 term, which does not depend on u), ``δ_j = (1/B) Σ_n ∂ℓ_n/∂u_j^(n)``: the
  lecture's local sensitivity ∂E/∂u, averaged over the batch's B samples. It is
  exactly ``∂E/∂b_j`` (∂u/∂b = 1, and L2 leaves biases alone), so it is read from
  the bias's gradient of the step.
- the neuron's **graph with its gradients**: the backward pass of one sample of
  the batch, neuron by neuron (``autograd.backward_trace(..., module=model,
  collapse="neuron")``), with the formula of its δ filled in;
- each layer's **gradient norm**, step by step (vanishing gradients, live), and
  each weight's gradient on the current batch (``∂E/∂w``, drawn on the edges).

Training is the compiled replay (``autograd.compile``, as ``fit(compiled=True)``):
the same numbers as the eager graph to ~1e-12, fast enough to draw ten times a
second. (The peer: TensorFlow Playground, playground.tensorflow.org.)

The model is guarded by one lock (``pg.lock``): training, in a cell or in the live
view's own thread, and every view of it hold it; a neuron's backward pass is traced
on a copy. So a view read while the live view plays is one step's numbers, and
reading it never changes the training.

More than two classes (``classes=3``, or your own points of k classes): softmax
cross-entropy over a logit per class; the boundary as the argmax regions, each
class's probability map (``pg.probabilities()``), the output's δ = p − t on the
batch (``pg.output_deltas()``). A run to hand out: ``pg.setup()`` (JSON and one
short string; ``nn.playground(setup=...)`` replays it to the same numbers) and
``pg.to_code()`` (the plain gradlab or PyTorch script that trains the same model).

One room per concern: ``knobs`` (the knob table, data sets, features and the
checks), ``state`` (``Playground``: the state, the training, what the views read),
``names`` (the one name of a neuron and of a layer), ``figures`` (matplotlib, in
pixels: the network drawing, the boundary, the curves, the still figure),
``panels`` (the live view's pictures, redrawn only where they change), ``live``
(the ipywidgets view), ``setups`` (a run's setup and its replay) and ``scripts``
(the run as a script). matplotlib and ipywidgets are imported on first use.
"""

from .figures import require_matplotlib
from .knobs import (
    DATASETS,
    FEATURES,
    KNOBS,
    MAX_LAYERS,
    MAX_NEURONS,
    OPTIMIZERS,
    PLAYGROUND_LOSSES,
)
from .setups import Setup
from .state import Playground, playground

# the first six are the playground's API; the others were public names of the module
# before it was a package, and stay importable from it
__all__ = ["Playground", "playground", "Setup", "FEATURES", "DATASETS", "KNOBS",
           "PLAYGROUND_LOSSES", "OPTIMIZERS", "MAX_LAYERS", "MAX_NEURONS", "require_matplotlib"]
