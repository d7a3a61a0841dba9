"""Neurons, layers and multi-layer perceptrons built from ``autograd.Value``.

A neuron computes ``y = f(sum_i w_i x_i + b)``: one product node per input,
ONE n-ary sum node (weights, adder) and the activation ``f``. A layer is a list
of neurons that see the same inputs; an MLP is a list of layers.
(PyTorch: ``nn.Module``, ``nn.Linear`` + activation, ``nn.Sequential``.)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from autograd import Value, no_grad
from autograd.viz import _write_atomically

from . import init as initializers

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS", "activation_function"]

ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,
    "softplus": Value.softplus,
    "softsign": Value.softsign,
    "hardtanh": Value.hardtanh,
    "step": Value.step,
    "sign": Value.sign,
    "linear": None,  # identity: no node at all
}


def activation_function(activation) -> Callable[[Value], Value] | None:
    """The function for an activation name in ``ACTIVATIONS``, or a callable Value -> Value."""
    if callable(activation):
        return activation
    if isinstance(activation, str) and activation in ACTIVATIONS:
        return ACTIVATIONS[activation]
    raise ValueError(
        f"unknown activation {activation!r}; expected one of {', '.join(ACTIVATIONS)} "
        "or a callable Value -> Value"
    )


def _activation_name(activation) -> str:
    return activation if isinstance(activation, str) else getattr(activation, "__name__", "custom")


def _rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be None, an int seed or a numpy Generator, got {type(rng).__name__}")


def _as_values(x, n_expected: int, who: str) -> list:
    """The inputs as a list of Values: numbers become leaves, Values stay as they are."""
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise ValueError(f"{who} expects a 1-D input of {n_expected} numbers, "
                             f"got an array of shape {x.shape}")
        x = x.tolist()
    elif isinstance(x, (Value, int, float)) or not isinstance(x, Sequence):
        raise TypeError(f"{who} expects a list, tuple or 1-D array of {n_expected} inputs, "
                        f"got {type(x).__name__}")
    if len(x) != n_expected:
        raise ValueError(f"{who} expects {n_expected} inputs, got {len(x)}")
    return [v if isinstance(v, Value) else Value(v) for v in x]


class Module:
    """Base class: parameters, gradients, saving (``torch.nn.Module``)."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, Value)`` pairs in a fixed order, e.g. ``layers.0.neurons.3.w.1``."""
        return []

    def parameters(self) -> list[Value]:
        """All parameters, in the order of ``named_parameters()``."""
        return [p for _, p in self.named_parameters()]

    @property
    def num_parameters(self) -> int:
        return len(self.named_parameters())

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0 (``Module.zero_grad``)."""
        for p in self.parameters():
            p.grad = 0.0

    # -- saving and loading ---------------------------------------------------------
    def state_dict(self) -> dict[str, float]:
        """Parameter values by name (``Module.state_dict``)."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict) -> None:
        """Set parameter values by name. Everything is checked before anything is
        changed: on any error the model is left as it was."""
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict expects a dict of name -> number, "
                            f"got {type(state).__name__}")
        named = self.named_parameters()
        names = [n for n, _ in named]
        missing = [n for n in names if n not in state]
        unexpected = [k for k in state if k not in set(names)]
        if missing or unexpected:
            raise ValueError(
                f"state does not fit this {type(self).__name__} ({len(names)} parameters): "
                f"missing {missing[:5]}{' ...' if len(missing) > 5 else ''}, "
                f"unexpected {unexpected[:5]}{' ...' if len(unexpected) > 5 else ''}"
            )
        values = {}
        for name in names:
            v = state[name]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"parameter {name!r} must be a finite number, got {v!r}")
            values[name] = float(v)
        for name, p in named:
            p.data = values[name]

    def save(self, path) -> None:
        """Write the parameters to a JSON file, atomically (never pickle)."""
        document = {
            "format": "gradlab.nn",
            "version": 1,
            "model": repr(self),
            "parameters": self.state_dict(),
        }
        _write_atomically(Path(path), json.dumps(document, indent=1).encode())

    def load(self, path) -> Module:
        """Read parameters written by ``save``; on any error the model is unchanged."""
        text = Path(path).read_text()
        try:
            document = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path} is not a gradlab model file: not valid JSON ({e})") from None
        if not isinstance(document, dict) or document.get("format") != "gradlab.nn":
            raise ValueError(f"{path} is not a gradlab model file (no 'format': 'gradlab.nn')")
        if document.get("version") != 1:
            raise ValueError(f"{path}: unsupported file version {document.get('version')!r}")
        self.load_state_dict(document.get("parameters"))
        return self

    # -- inference ------------------------------------------------------------------------
    def predict(self, X) -> np.ndarray:
        """Outputs for each row of ``X`` as an array, computed under ``no_grad``:
        shape (N,) for a one-output model, (N, k) otherwise."""
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X[None, :]
        with no_grad():
            rows = [self(x) for x in X]
        if rows and isinstance(rows[0], Value):
            return np.array([r.data for r in rows])
        return np.array([[v.data for v in r] for r in rows]).reshape(len(rows), -1)


class Neuron(Module):
    """One neuron: ``activation(sum_i w_i x_i + b)``.

    ``init`` is a name from ``nn.init.NAMES`` or a callable; ``"auto"`` picks He
    for the ReLU family and Xavier for the others. ``rng`` is a seed or a numpy
    Generator: the same seed gives the same weights.
    """

    def __init__(self, nin: int, activation="relu", init="auto", bias: bool = True, rng=None,
                 _weights=None):
        if isinstance(nin, bool) or not isinstance(nin, (int, np.integer)) or nin < 1:
            raise ValueError(f"Neuron expects nin >= 1 inputs, got {nin!r}")
        self.nin = int(nin)
        self.activation = activation
        self._f = activation_function(activation)
        if _weights is None:
            _weights = _initial_weights(init, activation, self.nin, 1, _rng(rng))[0]
        self.w = [Value(float(wi)) for wi in _weights]
        self.b = Value(0.0) if bias else None

    @classmethod
    def from_weights(cls, weights: Sequence[float], bias: float | None = 0.0,
                     activation="linear") -> Neuron:
        """A neuron with exactly these weights, e.g. the AND gate
        ``Neuron.from_weights([20, 20], bias=-30, activation="sigmoid")``.
        ``bias=None`` makes a neuron without a bias."""
        weights = [float(w) for w in weights]
        neuron = cls(len(weights), activation=activation, bias=bias is not None,
                     _weights=weights)
        if bias is not None:
            neuron.b.data = float(bias)
        return neuron

    def _forward(self, xs: list) -> Value:
        terms = [wi * xi for wi, xi in zip(self.w, xs)]
        if self.b is not None:
            terms.append(self.b)
        out = Value.sum(terms)
        return out if self._f is None else self._f(out)

    def __call__(self, x) -> Value:
        return self._forward(_as_values(x, self.nin, "Neuron"))

    def named_parameters(self) -> list[tuple[str, Value]]:
        named = [(f"w.{i}", w) for i, w in enumerate(self.w)]
        if self.b is not None:
            named.append(("b", self.b))
        return named

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, {_activation_name(self.activation)})"


class Layer(Module):
    """``nout`` neurons that see the same ``nin`` inputs (``nn.Linear`` + activation)."""

    def __init__(self, nin: int, nout: int, activation="relu", init="auto", bias: bool = True,
                 rng=None, _weights=None):
        if isinstance(nout, bool) or not isinstance(nout, (int, np.integer)) or nout < 1:
            raise ValueError(f"Layer expects nout >= 1 neurons, got {nout!r}")
        rng = _rng(rng)
        if _weights is None:
            if isinstance(nin, bool) or not isinstance(nin, (int, np.integer)) or nin < 1:
                raise ValueError(f"Layer expects nin >= 1 inputs, got {nin!r}")
            _weights = _initial_weights(init, activation, int(nin), int(nout), rng)
        self.nin, self.nout = int(nin), int(nout)
        self.activation = activation
        self.neurons = [Neuron(nin, activation=activation, bias=bias, _weights=row)
                        for row in _weights]

    def _forward(self, xs: list) -> list:
        return [n._forward(xs) for n in self.neurons]

    def __call__(self, x) -> list:
        return self._forward(_as_values(x, self.nin, "Layer"))

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"neurons.{j}.{name}", p) for j, n in enumerate(self.neurons)
                for name, p in n.named_parameters()]

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {self.nout}, {_activation_name(self.activation)})"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [16, 16, 1])`` has two hidden layers of 16.

    ``activation`` applies to the hidden layers (one value, or a list with one
    entry per hidden layer); ``output_activation`` to the last layer. Calling the
    model on one sample returns a Value when the last layer has one unit, else a
    list of Values.
    """

    def __init__(self, nin: int, sizes: Sequence[int], activation="relu",
                 output_activation="linear", init="auto", bias: bool = True, rng=None):
        if isinstance(nin, bool) or not isinstance(nin, (int, np.integer)) or nin < 1:
            raise ValueError(f"MLP expects nin >= 1 inputs, got {nin!r}")
        if isinstance(sizes, (int, np.integer)) or not isinstance(sizes, Iterable):
            raise TypeError(f"MLP expects a list of layer sizes such as [16, 1], got {sizes!r}")
        sizes = list(sizes)
        if not sizes:
            raise ValueError("MLP expects at least one layer size, got []")
        hidden = activation if isinstance(activation, list) else [activation] * (len(sizes) - 1)
        if len(hidden) != len(sizes) - 1:
            raise ValueError(f"MLP with {len(sizes) - 1} hidden layers got {len(hidden)} "
                             "hidden activations")
        rng = _rng(rng)
        dims = [int(nin)] + sizes
        acts = hidden + [output_activation]
        self.nin = int(nin)
        self.layers = [Layer(dims[i], dims[i + 1], activation=acts[i], init=init, bias=bias,
                             rng=rng) for i in range(len(sizes))]
        self._params = None

    @classmethod
    def from_weights(cls, weights: Sequence, biases: Sequence | None = None,
                     activations="linear") -> MLP:
        """An MLP with exactly these weights: ``weights[l]`` has shape (n_out, n_in)
        of layer l, ``biases[l]`` length n_out (None: no biases). ``activations``
        is one name or a list with one per layer. The lecture's ReLU XOR network:
        ``MLP.from_weights([[[1, 1], [1, 1]], [[1, -2]]], [[0, -1], [0]], "relu")``."""
        mats = [np.asarray(w, dtype=float) for w in weights]
        if not mats or any(m.ndim != 2 for m in mats):
            raise ValueError("from_weights expects a list of 2-D weight matrices (n_out, n_in)")
        for k in range(1, len(mats)):
            if mats[k].shape[1] != mats[k - 1].shape[0]:
                raise ValueError(f"layer {k} expects {mats[k].shape[1]} inputs but layer {k - 1} "
                                 f"has {mats[k - 1].shape[0]} outputs")
        acts = activations if isinstance(activations, list) else [activations] * len(mats)
        if len(acts) != len(mats):
            raise ValueError(f"{len(mats)} layers but {len(acts)} activations")
        model = cls.__new__(cls)
        model.nin = mats[0].shape[1]
        model.layers = [Layer(m.shape[1], m.shape[0], activation=a, bias=biases is not None,
                              _weights=m) for m, a in zip(mats, acts)]
        model._params = None
        if biases is not None:
            if len(biases) != len(mats):
                raise ValueError(f"{len(mats)} layers but {len(biases)} bias vectors")
            for k, (layer, b) in enumerate(zip(model.layers, biases)):
                b = np.asarray(b, dtype=float).reshape(-1)
                if len(b) != layer.nout:
                    raise ValueError(f"layer {k} has {layer.nout} neurons but {len(b)} biases")
                for neuron, bj in zip(layer.neurons, b):
                    neuron.b.data = float(bj)
        return model

    def __call__(self, x):
        h = _as_values(x, self.nin, "MLP")
        for layer in self.layers:
            h = layer._forward(h)
        return h[0] if len(h) == 1 else h

    def named_parameters(self) -> list[tuple[str, Value]]:
        if self._params is None:  # parameters never change identity: list them once
            self._params = [(f"layers.{i}.{name}", p) for i, layer in enumerate(self.layers)
                            for name, p in layer.named_parameters()]
        return list(self._params)

    def parameters(self) -> list[Value]:
        return [p for _, p in self.named_parameters()]

    def __repr__(self) -> str:
        lines = [f"  (layers.{i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "MLP(\n" + "\n".join(lines) + f"\n)  # {self.num_parameters} parameters"


def _initial_weights(init, activation, n_in: int, n_out: int, rng) -> np.ndarray:
    if init == "auto":
        relu_like = activation in ("relu", "leaky_relu", "softplus")
        init = "he" if relu_like else "xavier"
    w = np.asarray(initializers.get(init)(n_in, n_out, rng), dtype=float)
    if w.shape != (n_out, n_in):
        raise ValueError(f"init returned shape {w.shape}, expected ({n_out}, {n_in})")
    return w
