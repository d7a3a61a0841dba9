"""The pictures of a model: what it computes and how it trained (``figures``, with
matplotlib), and the step-through's neuron view of the deltas (``neuron_view``).

    import nn
    ax = nn.plot.decision_boundary(model, X, y, X_test=X_test, y_test=y_test)
    nn.plot.loss_curves(history)
    nn.plot.neuron_maps(model, X, y)          # every hidden neuron over the plane
    nn.plot.gradient_norms(history)           # fit(..., record_grad_norms=True)
    nn.plot.training_animation(model, history, X, y, path="training.html")  # fit(snapshots=k)

Everything drawn is computed here from the model and the history, at the moment of
drawing: a decision boundary's title states the accuracy of the model drawn, on the
points drawn (``model.predict`` now, not a number remembered from training).
``boundary_grid`` is the one definition of the grid a boundary is drawn from.

Needs matplotlib (the ``plot`` extra). Each function draws on the ``ax`` (or ``fig``)
you pass; without one it makes a new pyplot figure, so it shows in Jupyter (close it
with ``plt.close(ax.figure)`` in a script). Nothing here changes pyplot's state
otherwise; ``training_animation`` uses a figure of its own and never pyplot.
(The peers: scikit-learn's ``DecisionBoundaryDisplay``, Keras' ``History`` plots,
TensorFlow Playground's neuron pictures.)
"""

from .figures import (
    boundary_grid,
    decision_boundary,
    gradient_norms,
    loss_curves,
    neuron_maps,
    save,
    training_animation,
)

__all__ = ["boundary_grid", "decision_boundary", "loss_curves", "neuron_maps",
           "gradient_norms", "training_animation", "save"]
