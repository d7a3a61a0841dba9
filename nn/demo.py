"""The main demo: train an MLP on a 2-D data set and write what there is to see.

    gradlab-demo                      # or: python -m nn.demo
    gradlab-demo --data spirals --hidden 16 16 --activation tanh --epochs 200

writes to ./gradlab-out/: the decision boundary and the loss curve (PNG), the
graph of one live neuron after backward (SVG), its backward pass step by step, and
the whole network's backward pass on one sample with the lecture's deltas (HTML).
"""

from __future__ import annotations

import argparse
import math
import sys
import webbrowser
from pathlib import Path

import numpy as np

from autograd import Value, backward_trace, draw_graph, local_gradients, no_grad

from . import data
from .modules import ACTIVATIONS, MLP
from .optim import SGD, Adam
from .train import LOSSES, fit


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gradlab-demo", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", choices=sorted(data.DATASETS), default="moons")
    p.add_argument("--samples", type=int, default=100, help="number of points (default 100)")
    p.add_argument("--noise", type=float, default=None, help="noise of the data set")
    p.add_argument("--hidden", type=int, nargs="+", default=[16, 16], metavar="N",
                   help="hidden layer sizes (default 16 16)")
    p.add_argument("--activation", choices=[a for a in ACTIVATIONS if a != "linear"],
                   default="relu")
    p.add_argument("--loss", choices=["max_margin", "bce", "mse", "cross_entropy", "hinge"],
                   default="max_margin")
    p.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], default="momentum")
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--l2", type=float, default=1e-4)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("gradlab-out"), help="output directory")
    p.add_argument("--open", action="store_true", help="open the step-through in a browser")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def run(args) -> dict:
    """Train and write the pictures; returns the paths written and a summary."""
    try:
        import matplotlib
    except ImportError:
        raise OSError("the demo draws with matplotlib: pip install 'gradlab[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    checks = [("--epochs", args.epochs, args.epochs >= 1, ">= 1"),
              ("--samples", args.samples, args.samples >= 4, ">= 4"),
              ("--lr", args.lr, math.isfinite(args.lr) and args.lr > 0, "a finite number > 0"),
              ("--l2", args.l2, math.isfinite(args.l2) and args.l2 >= 0, "a finite number >= 0")]
    for option, value, ok, rule in checks:  # the first that fails, by name
        if not ok:
            raise ValueError(f"{option} must be {rule}, got {value}")
    if any(h < 1 for h in args.hidden):
        raise ValueError(f"--hidden sizes must be >= 1, got {args.hidden}")
    X, y = data.make(args.data, n=args.samples, noise=args.noise, seed=args.seed)
    n_classes = int(y.max()) + 1
    multi = args.loss in ("cross_entropy", "hinge")
    if n_classes > 2 and not multi:
        raise ValueError(f"--data {args.data} has {n_classes} classes: use --loss cross_entropy "
                         "or hinge")
    model = MLP(2, [*args.hidden, n_classes if multi else 1], activation=args.activation,
                rng=args.seed)
    params = model.parameters()
    optimizer = {"sgd": lambda: SGD(params, lr=args.lr),
                 "momentum": lambda: SGD(params, lr=args.lr, momentum=0.9),
                 "adam": lambda: Adam(params, lr=args.lr)}[args.optimizer]()
    history = fit(model, X, y, loss=args.loss, optimizer=optimizer, epochs=args.epochs,
                  l2=args.l2, seed=args.seed, progress=not args.quiet)
    args.out.mkdir(parents=True, exist_ok=True)
    paths = {}

    # decision boundary
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 70), np.linspace(lo[1], hi[1], 70))
    scores = model.predict(np.c_[gx.ravel(), gy.ravel()])
    zone = np.argmax(scores, axis=1) if multi else (scores > (0.5 if args.loss == "mse" else 0))
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.contourf(gx, gy, zone.reshape(gx.shape), alpha=0.3, cmap="coolwarm", levels=n_classes - 1
                if n_classes > 2 else 1)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=22)
    accuracy = history.accuracy[-1]
    sizes = [2, *args.hidden, n_classes if multi else 1]
    ax.set_title(f"{args.data}: MLP {sizes}, {args.activation}, "
                 f"train accuracy {accuracy:.2f}" if accuracy is not None else args.data)
    fig.tight_layout()
    paths["decision boundary"] = args.out / "decision_boundary.png"
    fig.savefig(paths["decision boundary"], dpi=110)
    plt.close(fig)

    # loss curve
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(range(1, history.epochs + 1), history.loss)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"{args.loss} loss (+ L2)")
    ax.set_yscale("log")
    fig.tight_layout()
    paths["loss curve"] = args.out / "loss_curve.png"
    fig.savefig(paths["loss curve"], dpi=110)
    plt.close(fig)

    # one live neuron of the first layer on one sample, after backward
    neuron_index, sample, why = _showcase_neuron(model, X)
    model.zero_grad()  # training leaves the last batch's gradients: show this sample's alone
    neuron = model.layers[0].neurons[neuron_index]
    x = [Value(float(v), label=f"x{i + 1}") for i, v in enumerate(X[sample])]
    for i, w in enumerate(neuron.w):
        w.label = f"w{i + 1}"
    neuron.b.label = "b"
    out = neuron(x)
    out.label = "out"
    trace = backward_trace(out)
    paths["neuron graph"] = draw_graph(out, edge_labels="flow").save(args.out / "neuron_graph.svg")
    paths["backward step-through"] = trace.to_html(
        args.out / "backprop_steps.html",
        title=f"Neuron {neuron_index} of the first layer on sample {sample}: its backward pass")
    for w in neuron.w:  # the network view names parameters after the model
        w.label = None
    neuron.b.label = None
    model.zero_grad()

    # the whole network on the sample it finds hardest: every scalar step and every delta
    loss_fn, prepare = LOSSES[args.loss]
    targets = prepare(y)
    with no_grad():  # numbers only: no graph per sample
        per_sample = [loss_fn([model(row)], [t]).data for row, t in zip(X.tolist(), targets)]
    hardest = int(np.argmax(per_sample))
    loss = loss_fn([model(X[hardest].tolist())], [targets[hardest]])
    network = backward_trace(loss, module=model)
    paths["network step-through"] = network.to_html(
        args.out / "network_backprop.html",
        title=f"MLP {sizes} on sample {hardest} (its {args.loss} loss "
              f"{loss.data:.4g}, without L2): every scalar step, and the deltas")
    model.zero_grad()
    summary = {"accuracy": accuracy, "showcase": why,
               "network": f"sample {hardest}, loss {loss.data:.4g}"
               + ("" if loss.data else ": every sample is beyond the margin, so every gradient "
                  "is 0 (train fewer --epochs to see them flow)")}
    return paths, summary


def _showcase_neuron(model, X) -> tuple[int, int, str]:
    """The first (sample, neuron) of the first layer whose activation passes a
    gradient (not a dead ReLU, not a saturated tanh), so its picture shows
    gradients flowing; and a sentence saying which one, or why none is."""
    layer = model.layers[0]
    for sample, row in enumerate(X.tolist()):
        xs = [Value(v) for v in row]
        for j, neuron in enumerate(layer.neurons):
            out = neuron(xs)
            local = local_gradients(out)[0] if out.parents and len(out.parents) == 1 else 1.0
            if abs(local) > 0.05:
                return j, sample, (f"neuron {j} of the first layer on sample {sample}: "
                                   f"its activation's local gradient is {local:.3g}, so the "
                                   "gradient flows")
    return 0, 0, ("every first-layer neuron is dead (or saturated) on every sample, so the "
                  "neuron picture shows gradient 0")


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        paths, summary = run(args)
    except (ValueError, OSError) as e:
        parser.exit(2, f"gradlab-demo: error: {e}\n")
    print("wrote:")
    for what, path in paths.items():
        print(f"  {what:24} {path}")
    print(f"showcase: {summary['showcase']}")
    print(f"network step-through: {summary['network']}")
    if args.open:
        webbrowser.open(paths["backward step-through"].resolve().as_uri())
    return 0


if __name__ == "__main__":
    sys.exit(main())
