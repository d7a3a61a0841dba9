"""The main demo: train an MLP on a 2-D data set and write what there is to see.

    gradlab-demo                      # or: python -m nn.demo
    gradlab-demo --data spirals --hidden 16 16 --activation tanh --epochs 200

writes to ./gradlab-out/: the decision boundary and the loss curve (PNG), a movie of
training (the boundary and the loss, epoch by epoch: training.html), the graph of one
live neuron after backward (SVG), its forward and backward pass step by step, and the
whole network's on one sample, layer by layer, with the lecture's deltas (HTML); then
prints one line: the final loss, train and test accuracy, and the files written.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import webbrowser
from pathlib import Path

import numpy as np

from autograd import Value, backward_trace, draw_graph, local_gradients, no_grad

from . import data
from .graph import neuron_name
from .modules import ACTIVATIONS, MLP
from .optim import SGD, Adam
from .train import LOSSES, accuracy, fit


def _integer(minimum: int):
    """An argparse ``type=`` for an int >= ``minimum`` (argparse names the option:
    "argument --epochs: must be >= 1, got 0")."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an int, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value
    parse.__name__ = "int"
    return parse


def _real(minimum: float | None = None, above: float | None = None):
    """An argparse ``type=`` for a finite number (>= ``minimum`` or > ``above``)."""
    rule = "a finite number" + ("" if minimum is None else f" >= {minimum:g}") \
        + ("" if above is None else f" > {above:g}")

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {rule}, got {text!r}") from None
        if not math.isfinite(value) or (minimum is not None and value < minimum) \
                or (above is not None and value <= above):
            raise argparse.ArgumentTypeError(f"must be {rule}, got {value}")
        return value
    parse.__name__ = "float"
    return parse


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (no usage block): the option, the rule
    and the value that broke it."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def argument_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="gradlab-demo", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        epilog="example: gradlab-demo --data spirals --loss cross_entropy --hidden 16 16 "
               "--activation tanh --epochs 200")
    p.add_argument("--data", choices=sorted(data.DATASETS), default="moons",
                   help="the 2-D data set (nn.data)")
    p.add_argument("--samples", type=_integer(4), default=100,
                   help="number of training points; a test set of as many is drawn with "
                        "seed + 1")
    p.add_argument("--noise", type=_real(minimum=0), default=None,
                   help="noise of the data set (default: %(default)s, each data set's own)")
    p.add_argument("--hidden", type=_integer(1), nargs="+", default=[16, 16],
                   metavar="N", help="hidden layer sizes")
    p.add_argument("--activation", choices=[a for a in ACTIVATIONS if a != "linear"],
                   default="relu", help="activation of the hidden layers")
    p.add_argument("--loss", choices=["max_margin", "bce", "mse", "cross_entropy", "hinge"],
                   default="max_margin", help="training loss (cross_entropy or hinge for "
                   "more than 2 classes)")
    p.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], default="momentum",
                   help="sgd, SGD with momentum 0.9, or Adam")
    p.add_argument("--lr", type=_real(above=0), default=0.1, help="learning rate")
    p.add_argument("--l2", type=_real(minimum=0), default=1e-4,
                   help="L2 penalty on the weights (added to the training loss)")
    p.add_argument("--epochs", type=_integer(1), default=60,
                   help="passes over the training points")
    p.add_argument("--frames", type=_integer(2), default=16,
                   help="frames of training.html (at most --epochs)")
    p.add_argument("--seed", type=_integer(0), default=0,
                   help="seed of the data, the initial weights and the shuffling")
    p.add_argument("--out", type=Path, default=Path("gradlab-out"), help="output directory")
    p.add_argument("--open", action="store_true", help="open the step-through in a browser")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def run(args) -> tuple[dict, dict]:
    """Train and write the pictures; returns the paths written and a summary."""
    plot = _plot_module()
    X, y, X_test, y_test, sizes = _data(args)
    model, history = _train(args, X, y, X_test, y_test, sizes)
    args.out.mkdir(parents=True, exist_ok=True)
    paths = _write_figures(args, plot, model, history, (X, y, X_test, y_test), sizes)
    neuron_paths, showcase = _write_neuron(args, model, X)
    paths.update(neuron_paths)
    network, loss, hardest = _network_trace(args, model, X, y, sizes)
    paths["network step-through"] = network
    model.zero_grad()
    summary = {"model": model, "loss": history.loss[-1],
               "train accuracy": accuracy(model.predict(X), y, args.loss),
               "test accuracy": accuracy(model.predict(X_test), y_test, args.loss),
               "showcase": showcase,
               "network": f"sample {hardest}, loss {loss.data:.4g}"
               + ("" if loss.data else ": every sample is beyond the margin, so every gradient "
                  "is 0 (train fewer --epochs to see them flow)")}
    return paths, summary


def _plot_module():
    """``nn.plot``, or an OSError saying how to install matplotlib."""
    try:
        from . import plot
        from .plot.figures import require_matplotlib

        require_matplotlib()
    except ImportError:
        raise OSError('the demo draws with matplotlib: pip install -e ".[plot]" from a '
                      "gradlab checkout") from None
    return plot


def _data(args) -> tuple:
    """Training and test points (the test set drawn with seed + 1) and the layer sizes."""
    X, y = data.make(args.data, n=args.samples, noise=args.noise, seed=args.seed)
    X_test, y_test = data.make(args.data, n=args.samples, noise=args.noise, seed=args.seed + 1)
    n_classes = int(y.max()) + 1
    multi = args.loss in ("cross_entropy", "hinge")
    if n_classes > 2 and not multi:
        raise ValueError(f"--data {args.data} has {n_classes} classes: use --loss cross_entropy "
                         "or hinge")
    return X, y, X_test, y_test, [2, *args.hidden, n_classes if multi else 1]


def _train(args, X, y, X_test, y_test, sizes) -> tuple:
    """The MLP and its ``fit`` history, with snapshots for the movie."""
    model = MLP(2, sizes[1:], activation=args.activation, rng=args.seed)
    params = model.parameters()
    optimizer = {"sgd": lambda: SGD(params, lr=args.lr),
                 "momentum": lambda: SGD(params, lr=args.lr, momentum=0.9),
                 "adam": lambda: Adam(params, lr=args.lr)}[args.optimizer]()
    history = fit(model, X, y, loss=args.loss, optimizer=optimizer, epochs=args.epochs,
                  l2=args.l2, seed=args.seed, progress=not args.quiet,
                  validation=(X_test, y_test), snapshots=min(args.frames, args.epochs)
                  if args.epochs >= 2 else None)
    return model, history


def _write_figures(args, plot, model, history, points, sizes) -> dict:
    """The decision boundary, the loss curve (PNG) and the training movie (HTML)."""
    from matplotlib.figure import Figure

    X, y, X_test, y_test = points
    paths = {}
    threshold = 0.5 if args.loss == "mse" else 0.0  # mse fits the 0/1 labels themselves

    # decision boundary: the title is the drawn model's accuracy, computed from it now
    fig = Figure(figsize=(5, 4.5))
    plot.decision_boundary(model, X, y, fig.add_subplot(), X_test=X_test, y_test=y_test,
                           threshold=threshold,
                           title=f"{args.data}: MLP {sizes}, {args.activation}")
    fig.tight_layout()
    paths["decision boundary"] = plot.save(fig, args.out / "decision_boundary.png")

    # loss curve: train (with L2, the mean over each epoch's batches) and test
    fig = Figure(figsize=(5, 3.2))
    ax = plot.loss_curves(history, fig.add_subplot())
    ax.get_lines()[1].set_label("test (after each epoch)")
    ax.get_lines()[0].set_label("train (+ L2, mean over the epoch)")
    ax.legend(fontsize=8)
    ax.set_ylabel(f"{args.loss} loss")
    fig.tight_layout()
    paths["loss curve"] = plot.save(fig, args.out / "loss_curve.png")

    # the movie: the boundary and the loss at evenly spaced epochs
    if history.snapshots:
        paths["training movie"] = args.out / "training.html"
        plot.training_animation(model, history, X, y, path=paths["training movie"],
                                threshold=threshold)
    return paths


def _write_neuron(args, model, X) -> tuple[dict, str]:
    """One live neuron of the first layer on one sample, after backward: its graph
    (SVG) and its backward pass step by step (HTML), and a sentence saying which."""
    neuron_index, sample, why = _showcase_neuron(model, X)
    model.zero_grad()  # training leaves the last batch's gradients: show this sample's alone
    neuron = model.layers[0].neurons[neuron_index]
    x = [Value(float(v), label=f"x{i + 1}") for i, v in enumerate(X[sample])]
    for i, w in enumerate(neuron.w):
        w.label = f"w{i + 1}"
    neuron.b.label = "b"
    out = neuron(x)
    out.label = "out"
    trace = backward_trace(out, forward=True)  # the page: its forward pass, then backward
    paths = {"neuron graph": draw_graph(out, edge_labels="flow").save(
        args.out / "neuron_graph.svg")}
    paths["backward step-through"] = trace.to_html(
        args.out / "backprop_steps.html",
        title=f"Neuron {neuron_name(0, neuron_index)} on sample {sample}: its forward pass, "
              "then its backward pass")
    for w in neuron.w:  # the network view names parameters after the model
        w.label = ""
    neuron.b.label = ""
    model.zero_grad()
    return paths, why


def _network_trace(args, model, X, y, sizes) -> tuple:
    """The whole network on the sample it finds hardest (HTML): its forward pass, layer
    by layer, then every delta, and every scalar step of both passes: ``(path, that
    sample's loss, its index)``."""
    loss_fn, prepare = LOSSES[args.loss]
    targets = prepare(y)
    with no_grad():  # numbers only: no graph per sample
        per_sample = [loss_fn([model(row)], [t]).data for row, t in zip(X.tolist(), targets)]
    hardest = int(np.argmax(per_sample))
    loss = loss_fn([model(X[hardest].tolist())], [targets[hardest]])
    network = backward_trace(loss, module=model, forward=True)  # what flows, then its δ
    path = network.to_html(
        args.out / "network_backprop.html",
        title=f"MLP {sizes} on sample {hardest} (its {args.loss} loss "
              f"{loss.data:.4g}, without L2): the forward pass, the deltas, and every "
              "scalar step")
    return path, loss, hardest


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
                return j, sample, (f"neuron {neuron_name(0, j)} on sample {sample}: "
                                   f"its activation's local gradient is {local:.3g}, so the "
                                   "gradient flows")
    return 0, 0, ("every first-layer neuron is dead (or saturated) on every sample, so the "
                  "neuron picture shows gradient 0")


def summary_line(summary: dict, paths: dict, out: Path) -> str:
    """One line: the final loss, the model's train and test accuracy now, the files."""
    acc = lambda a: "n/a" if a is None else f"{a:.2f}"
    return (f"final loss {summary['loss']:.4g} (train, + L2), train accuracy "
            f"{acc(summary['train accuracy'])}, test accuracy {acc(summary['test accuracy'])}; "
            f"wrote {len(paths)} files to {out}{os.sep}")


def main(argv=None) -> int:
    parser = argument_parser()
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
    print(summary_line(summary, paths, args.out))
    if args.open:
        webbrowser.open(paths["backward step-through"].resolve().as_uri())
    return 0


if __name__ == "__main__":
    sys.exit(main())
