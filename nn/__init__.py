"""gradlab.nn: neurons, layers, MLPs, losses, optimizers, data sets and training,
built on ``autograd.Value``. It needs numpy (its data sets, batches and compiled training
are arrays); the engine, ``autograd``, does not."""

try:
    import numpy  # noqa: F401
except ModuleNotFoundError:
    raise ModuleNotFoundError(
        "nn needs numpy (data sets, batches and compiled training are numpy arrays): "
        "pip install numpy. The engine alone (from autograd import Value) works without it",
        name="numpy") from None

from . import data, exercises, init, losses, optim
from .classic import Adaline, Perceptron
from .conv import Conv1d, Conv2d
from .losses import (
    binary_cross_entropy,
    cross_entropy,
    half_squared_error,
    hinge,
    l2_penalty,
    log_softmax,
    max_margin,
    mse,
    softmax,
)
from .module_view import module_view
from .modules import MLP, Layer, Module, Neuron, load
from .optim import SGD, Adam
from .playground import Playground, playground
from .sequential import Sequential
from .train import History, fit

__all__ = [
    "MLP", "Adam", "Adaline", "Conv1d", "Conv2d", "History", "Layer", "Module", "Neuron",
    "Perceptron", "SGD", "Sequential",
    "binary_cross_entropy", "cross_entropy", "data", "fit", "half_squared_error", "hinge",
    "exercises", "init", "l2_penalty", "load", "log_softmax", "losses", "max_margin",
    "module_view", "mse",
    "optim",
    "softmax", "Playground", "playground",
]


def __getattr__(name):
    """``nn.plot`` is imported on first use, so ``import nn`` needs no matplotlib."""
    if name == "plot":
        import importlib

        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
