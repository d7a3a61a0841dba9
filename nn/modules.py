"""Neurons, layers and multi-layer perceptrons built from ``autograd.Value``.

A neuron computes ``y = f(sum_i w_i x_i + b)``: one product node per input,
ONE n-ary sum node (weights, adder) and the activation ``f``. A layer is a list
of neurons that see the same inputs; an MLP is a list of layers.
(PyTorch: ``nn.Module``, ``nn.Linear`` + activation, ``nn.Sequential``.)

Parameters are plain leaf Values, created once: ``model.parameters()`` always
returns the same objects, in the order of ``model.named_parameters()``.

Saving (``model.save(path)``) writes JSON, never pickle: the architecture and
every parameter by name. ``model.load(path)`` reads the numbers into an existing
model; ``load(path)`` (this module's function) builds the model the file describes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from autograd import TracingError, Value, compile, no_grad  # noqa: A004
from autograd.viz.model import GraphParts, generic_parts

from . import graph, serialization
from . import init as initializers
from .activations import ACTIVATIONS, activation_function, activation_name, named
from .serialization import MAX_PARAMETERS

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS", "activation_function", "load"]

def _rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng must be a seed >= 0 (or a numpy Generator), got {rng}")
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be None, an int seed or a numpy Generator, got {type(rng).__name__}")


def _count(value, what: str) -> int:
    """A positive int (a number of inputs or units), or a clear error."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be an int >= 1, got {value!r}")
    return int(value)


def _as_values(x, n_expected: int, who: str) -> list:
    """The inputs as a list of Values: numbers become leaves (once, shared by every
    neuron of the first layer), Values stay as they are."""
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise ValueError(f"{who} expects a 1-D input of {n_expected} numbers, "
                             f"got an array of shape {x.shape}")
        x = x.tolist()
    elif isinstance(x, (Value, str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"{who} expects a list, tuple or 1-D array of {n_expected} inputs, "
                        f"got {type(x).__name__}")
    if len(x) != n_expected:
        raise ValueError(f"{who} expects {n_expected} inputs, got {len(x)}")
    return [v if v.__class__ is Value else Value(v) for v in x]


def _is_number(v) -> bool:
    return (not isinstance(v, (bool, np.bool_))
            and isinstance(v, (int, float, np.integer, np.floating)))


class Module:
    """Base class: parameters, gradients, saving (``torch.nn.Module``).

    A subclass defines ``named_parameters()`` and ``__call__``; everything else
    (``parameters``, ``zero_grad``, ``state_dict``, ``save``/``load``, ``predict``)
    follows from those two.
    """

    def __call__(self, x):
        raise NotImplementedError(f"{type(self).__name__} does not define __call__")

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, Value)`` pairs in a fixed order, e.g. ``layers.0.neurons.3.w.1``."""
        return []

    def parameters(self) -> list[Value]:
        """All parameters, in the order of ``named_parameters()``."""
        return [p for _, p in self.named_parameters()]

    @property
    def num_parameters(self) -> int:
        """How many numbers the model learns (``sum(p.numel() for p in m.parameters())``)."""
        return len(self.named_parameters())

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0 (``Module.zero_grad``)."""
        for p in self.parameters():
            p.grad = 0.0

    # -- what drawings and the step-through learn from the model (autograd.viz.model) ------
    def linear_layers(self) -> list[tuple[str, np.ndarray, np.ndarray | None, object]]:
        """The model as ``(where, W, b, activation)`` per layer (W of shape (n_out, n_in),
        b None without biases): what ``to_torch`` builds its ``Linear`` layers from."""
        raise TypeError(f"{type(self).__name__} is not made of layers of neurons")

    def neuron_paths(self) -> list[tuple[str, str, int, Neuron]]:
        """``(path, name, layer, neuron)`` for every neuron, in order:
        ``("layers.0.neurons.2", "L1N3", 0, neuron)`` (the name: ``nn.graph.neuron_name``);
        none for a module without neurons."""
        return []

    def graph_parts(self, order: list) -> GraphParts:
        """The names and boxes of this model's values in the graph ``order`` (the
        protocol of ``draw_graph(module=)`` and ``backward_trace(module=)``)."""
        if not self.neuron_paths():
            return generic_parts(self, order)
        return graph.graph_parts(self, order)

    def trace_views(self) -> dict:
        """The step-through's views this model adds: the neuron view of the deltas."""
        from .plot.neuron_view import NeuronView

        return {"neuron": NeuronView} if self.neuron_paths() else {}

    # -- state, saving and loading -----------------------------------------------------
    def state_dict(self) -> dict[str, float]:
        """Parameter values by name (``Module.state_dict``); plain floats."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict) -> None:
        """Set parameter values by name (``Module.load_state_dict``). Everything is
        checked before anything is changed: on any error the model is left as it was."""
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict expects a dict of name -> number, "
                            f"got {type(state).__name__}")
        named = self.named_parameters()
        names = [n for n, _ in named]
        known = set(names)
        missing = [n for n in names if n not in state]
        unexpected = [k for k in state if k not in known]
        if missing or unexpected:
            raise ValueError(
                f"state does not fit this {type(self).__name__} ({len(names)} parameters, "
                f"state has {len(state)}): missing {_first(missing)}, "
                f"unexpected {_first(unexpected)}"
            )
        values = []
        for name in names:
            v = state[name]
            try:
                number = float(v) if _is_number(v) else math.nan
            except OverflowError:  # an int past float's range, 10**400
                number = math.inf
            if not math.isfinite(number):
                raise ValueError(f"parameter {name!r} must be a finite number, got "
                                 f"{v!r:.40}")
            values.append(number)
        for (_, p), v in zip(named, values):
            p.data = v

    def config(self) -> dict | None:
        """The architecture as JSON-ready data (used by ``save`` and ``load``);
        ``None`` when it cannot be written down (a custom activation function)."""
        return None

    def save(self, path) -> None:
        """Write the architecture and parameters to a JSON file, atomically: a
        reader sees the old file or the new one, never half of one. (PyTorch:
        ``torch.save(model.state_dict(), path)``, but never pickle.)"""
        state = self.state_dict()
        bad = [name for name, v in state.items() if not math.isfinite(v)]
        if bad:
            raise ValueError(f"cannot save: parameter {bad[0]!r} is {state[bad[0]]!r} "
                             f"({len(bad)} non-finite parameters; did training diverge?)")
        serialization.write(path, repr(self), self.config(), state)

    def load(self, path) -> Module:
        """Read the parameters of a file written by ``save`` into this model and
        return it. On any error (not JSON, truncated, another shape) the model is
        unchanged. To build the model from the file instead: ``nn.modules.load(path)``."""
        try:
            self.load_state_dict(serialization.read(path)["parameters"])
        except ValueError as e:
            raise ValueError(e if str(path) in str(e) else f"{path}: {e}") from None
        return self

    # -- inference ------------------------------------------------------------------------
    def predict(self, X) -> np.ndarray:
        """Outputs for each row of ``X`` (shape (N, n_in)) as an array, without
        recording a graph (like calling a PyTorch model under ``torch.no_grad()``):
        shape (N,) when the model returns one Value, (N, k) when it returns k.

        The model is traced once with ``autograd.compile`` and replayed over all rows
        with numpy, so the numbers equal calling the model to ~1e-15 (a matrix product
        adds in another order). A model that can't be traced (Python branches on
        ``.data``) is run sample by sample instead."""
        X = self._check_batch(X)
        if not len(X):
            return np.zeros((0,) if self._returns_value() else (0, self._n_outputs()))
        program = self.__dict__.get("_predict_program")
        if program is None:
            program = self.__dict__["_predict_program"] = compile(self)
        if program is not False:
            try:
                return program(X)
            except (TracingError, TypeError):
                if program._plans:  # it traced once, so this is a real error: raise it
                    raise
                self.__dict__["_predict_program"] = False  # not traceable: per sample
        forward = self._float_forward()
        with no_grad():
            rows = [forward(x) for x in X.tolist()]
        if isinstance(rows[0], float):
            return np.array(rows)
        return np.array(rows).reshape(len(rows), -1)

    def _check_batch(self, X) -> np.ndarray:
        nin = getattr(self, "nin", None)
        if np.iscomplexobj(X):
            raise TypeError(f"{type(self).__name__}.predict expects real numbers, got complex")
        try:
            X = np.asarray(X, dtype=float)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{type(self).__name__}.predict expects an array of numbers "
                            f"of shape (N, {nin}): {e}") from None
        if X.ndim == 1 and nin is not None:
            # a 1-D array is N samples of a one-input model, else one sample
            X = X[:, None] if nin == 1 else X[None, :]
        if X.ndim != 2 or (nin is not None and X.shape[1] != nin):
            raise ValueError(f"{type(self).__name__}.predict expects an array of shape "
                             f"(N, {nin}), got shape {X.shape}")
        return X

    def _float_forward(self) -> Callable[[list], float | list]:
        """A function from one sample (a list of floats) to the output's numbers."""
        def forward(x: list):
            out = self(x)
            return out.data if isinstance(out, Value) else [v.data for v in out]
        return forward

    def _returns_value(self) -> bool:
        return True

    def _n_outputs(self) -> int:
        return 1


def _first(names: list, n: int = 5) -> str:
    return "[" + ", ".join(repr(s) for s in names[:n]) + (", ...]" if len(names) > n else "]")


# --- the three modules ----------------------------------------------------------------------


class Neuron(Module):
    """One neuron: ``activation(sum_i w_i x_i + b)`` (PyTorch: ``nn.Linear(nin, 1)``
    followed by the activation).

    ``activation`` is a name in ``ACTIVATIONS`` or any callable Value -> Value.
    ``init`` is a name in ``nn.init.NAMES`` or a callable ``(n_in, n_out, rng)``;
    ``"auto"`` picks He for the ReLU family (relu, leaky_relu, softplus) and Xavier
    for the others. Biases start at 0. ``rng`` is a seed or a numpy Generator:
    the same seed gives the same weights.
    """

    def __init__(self, nin: int, activation="relu", init="auto", bias: bool = True, rng=None,
                 _weights=None):
        self.nin = _count(nin, "Neuron: nin (the number of inputs)")
        self.activation = activation = named(activation)
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
        weights = _finite_floats(weights, "Neuron.from_weights: weights")
        if not weights:
            raise ValueError("Neuron.from_weights expects at least one weight, got none")
        neuron = cls(len(weights), activation=activation, bias=bias is not None,
                     _weights=weights)
        if bias is not None:
            neuron.b.data = _finite_floats([bias], "Neuron.from_weights: bias")[0]
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

    def neuron_paths(self) -> list:
        return [("neuron", "neuron", 0, self)]

    def linear_layers(self) -> list:
        return [("the neuron", *_matrices([self]), self.activation)]

    def config(self) -> dict | None:
        if not isinstance(self.activation, str):
            return None
        return {"type": "Neuron", "nin": self.nin, "activation": self.activation,
                "bias": self.b is not None}

    def _float_forward(self) -> Callable[[list], float]:
        numbers, f = _layer_numbers([self]), self._f
        return lambda x: _float_layer(numbers, f, x)[0]

    def to_torch(self):
        """``torch.nn.Sequential(Linear(nin, 1), activation)`` in float64 with these
        numbers (``nn.pytorch.to_torch``; needs ``pip install -e ".[torch]"``)."""
        from .pytorch import to_torch
        return to_torch(self)

    def __repr__(self) -> str:
        extra = "" if self.b is not None else ", bias=False"
        return f"Neuron({self.nin}, {activation_name(self.activation)}{extra})"


class Layer(Module):
    """``nout`` neurons that see the same ``nin`` inputs (PyTorch: ``nn.Linear``
    + activation). Calling it returns a list of ``nout`` Values."""

    def __init__(self, nin: int, nout: int, activation="relu", init="auto", bias: bool = True,
                 rng=None, _weights=None):
        self.nin = _count(nin, "Layer: nin (the number of inputs)")
        self.nout = _count(nout, "Layer: nout (the number of neurons)")
        self.activation = activation = named(activation)
        activation_function(activation)  # fail here, once, on an unknown name
        if _weights is None:
            _weights = _initial_weights(init, activation, self.nin, self.nout, _rng(rng))
        self.neurons = [Neuron(self.nin, activation=activation, bias=bias, _weights=row)
                        for row in _weights]

    def _forward(self, xs: list) -> list:
        return [n._forward(xs) for n in self.neurons]

    def __call__(self, x) -> list:
        return self._forward(_as_values(x, self.nin, "Layer"))

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"neurons.{j}.{name}", p) for j, n in enumerate(self.neurons)
                for name, p in n.named_parameters()]

    def neuron_paths(self) -> list:
        return [(f"neurons.{j}", graph.neuron_name(0, j), 0, n)
                for j, n in enumerate(self.neurons)]

    def linear_layers(self) -> list:
        return [("the layer", *_matrices(self.neurons), self.activation)]

    def config(self) -> dict | None:
        if not isinstance(self.activation, str):
            return None
        return {"type": "Layer", "nin": self.nin, "nout": self.nout,
                "activation": self.activation, "bias": self.neurons[0].b is not None}

    def _float_forward(self) -> Callable[[list], list]:
        numbers, f = _layer_numbers(self.neurons), self.neurons[0]._f
        return lambda x: _float_layer(numbers, f, x)

    def _returns_value(self) -> bool:
        return False

    def _n_outputs(self) -> int:
        return self.nout

    def to_torch(self):
        """``torch.nn.Sequential(Linear(nin, nout), activation)`` in float64 with these
        numbers (``nn.pytorch.to_torch``; needs ``pip install -e ".[torch]"``)."""
        from .pytorch import to_torch
        return to_torch(self)

    def __repr__(self) -> str:
        extra = "" if self.neurons[0].b is not None else ", bias=False"
        return f"Layer({self.nin} -> {self.nout}, {activation_name(self.activation)}{extra})"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [16, 16, 1])`` has two hidden layers of
    16 units and one output (PyTorch: ``nn.Sequential`` of ``nn.Linear`` layers
    and activations).

    ``activation`` applies to the hidden layers: one name or callable for all of
    them, or a list/tuple with one entry per hidden layer, e.g.
    ``MLP(2, [8, 8, 1], activation=["tanh", "relu"])``. ``output_activation``
    applies to the last layer (``"linear"`` by default: raw scores/logits).

    ``model(x)`` takes one sample (a list/tuple of floats or Values, or a 1-D
    numpy array of length ``nin``) and returns a Value when the last layer has
    one unit, else a list of Values. ``model.predict(X)`` does a whole batch.
    """

    def __init__(self, nin: int, sizes: Sequence[int], activation="relu",
                 output_activation="linear", init="auto", bias: bool = True, rng=None):
        self.nin = _count(nin, "MLP: nin (the number of inputs)")
        if isinstance(sizes, (int, np.integer, str)) or not isinstance(sizes, Iterable):
            raise TypeError(f"MLP expects a list of layer sizes such as [16, 1], got {sizes!r}")
        sizes = [_count(s, f"MLP: size of layer {i}") for i, s in enumerate(sizes)]
        if not sizes:
            raise ValueError("MLP expects at least one layer size, got []")
        n_hidden = len(sizes) - 1
        if isinstance(activation, (list, tuple)):
            hidden = list(activation)
            if len(hidden) != n_hidden:
                raise ValueError(f"MLP with {n_hidden} hidden layers got {len(hidden)} "
                                 f"hidden activations {activation!r}")
        else:
            hidden = [activation] * n_hidden
            activation_function(activation)  # checked even when there is no hidden layer
        rng = _rng(rng)
        dims = [self.nin] + sizes
        acts = hidden + [output_activation]
        self.layers = [Layer(dims[i], dims[i + 1], activation=acts[i], init=init, bias=bias,
                             rng=rng) for i in range(len(sizes))]
        self._named = None

    @classmethod
    def from_weights(cls, weights: Sequence, biases: Sequence | None = None,
                     activations="linear") -> MLP:
        """An MLP with exactly these weights: ``weights[l]`` has shape (n_out, n_in)
        of layer l, ``biases[l]`` length n_out (``biases=None``: no biases).
        ``activations`` is one name or callable, or a list with one per layer.
        The lectures' ReLU XOR network:
        ``MLP.from_weights([[[1, 1], [1, 1]], [[1, -2]]], [[0, -1], [0]], "relu")``."""
        if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence) or not weights:
            raise ValueError("MLP.from_weights expects a non-empty list of 2-D weight "
                             "matrices, one (n_out, n_in) matrix per layer")
        mats = []
        for k, w in enumerate(weights):
            try:
                m = np.asarray(w, dtype=float)
            except (TypeError, ValueError) as e:
                raise ValueError(f"layer {k}: weights are not a matrix of numbers ({e})") from None
            if m.ndim != 2 or 0 in m.shape:
                raise ValueError(f"layer {k}: expected a 2-D (n_out, n_in) weight matrix, "
                                 f"got shape {m.shape}")
            if not np.all(np.isfinite(m)):
                raise ValueError(f"layer {k}: weights must be finite numbers")
            mats.append(m)
        for k in range(1, len(mats)):
            if mats[k].shape[1] != mats[k - 1].shape[0]:
                raise ValueError(f"layer {k} expects {mats[k].shape[1]} inputs but layer {k - 1} "
                                 f"has {mats[k - 1].shape[0]} outputs")
        acts = list(activations) if isinstance(activations, (list, tuple)) \
            else [activations] * len(mats)
        if len(acts) != len(mats):
            raise ValueError(f"{len(mats)} layers but {len(acts)} activations")
        bias_vectors = None
        if biases is not None:
            if len(biases) != len(mats):
                raise ValueError(f"{len(mats)} layers but {len(biases)} bias vectors")
            bias_vectors = []
            for k, (m, b) in enumerate(zip(mats, biases)):
                b = np.asarray(b, dtype=float).reshape(-1)
                if len(b) != m.shape[0]:
                    raise ValueError(f"layer {k} has {m.shape[0]} neurons but {len(b)} biases")
                bias_vectors.append(_finite_floats(b.tolist(), f"layer {k}: biases"))
        model = cls.__new__(cls)
        model.nin = mats[0].shape[1]
        model.layers = [Layer(m.shape[1], m.shape[0], activation=a, bias=biases is not None,
                              _weights=m) for m, a in zip(mats, acts)]
        model._named = None
        for layer, b in zip(model.layers, bias_vectors or []):
            for neuron, bj in zip(layer.neurons, b):
                neuron.b.data = bj
        return model

    def to_torch(self):
        """The equivalent ``torch.nn.Sequential`` of ``Linear`` + activation modules in
        float64, with copies of these weights (``nn.pytorch.to_torch``; needs
        ``pip install -e ".[torch]"``)."""
        from .pytorch import to_torch
        return to_torch(self)

    @classmethod
    def from_torch(cls, seq) -> MLP:
        """An MLP with the weights, biases and activations of a ``torch.nn.Sequential``
        of ``Linear`` and activation modules (``nn.pytorch.read_sequential``)."""
        from .pytorch import read_sequential
        return cls.from_weights(*read_sequential(seq))

    def __call__(self, x):
        h = _as_values(x, self.nin, "MLP")
        for layer in self.layers:
            h = layer._forward(h)
        return h[0] if len(h) == 1 else h

    def named_parameters(self) -> list[tuple[str, Value]]:
        if self._named is None:  # parameters never change identity: list them once
            self._named = [(f"layers.{i}.{name}", p) for i, layer in enumerate(self.layers)
                           for name, p in layer.named_parameters()]
        return list(self._named)

    def neuron_paths(self) -> list:
        return [(f"layers.{i}.neurons.{j}", graph.neuron_name(i, j), i, n)
                for i, layer in enumerate(self.layers) for j, n in enumerate(layer.neurons)]

    def linear_layers(self) -> list:
        return [(f"layer {graph.layer_name(k)}", *_matrices(layer.neurons), layer.activation)
                for k, layer in enumerate(self.layers)]

    def config(self) -> dict | None:
        acts = [layer.activation for layer in self.layers]
        if not all(isinstance(a, str) for a in acts):
            return None
        return {"type": "MLP", "nin": self.nin, "sizes": [layer.nout for layer in self.layers],
                "activations": acts, "bias": self.layers[0].neurons[0].b is not None}

    def _float_forward(self) -> Callable[[list], float | list]:
        stages = [(_layer_numbers(layer.neurons), layer.neurons[0]._f) for layer in self.layers]

        def forward(x: list):
            for numbers, f in stages:
                x = _float_layer(numbers, f, x)
            return x[0] if len(x) == 1 else x
        return forward

    def _returns_value(self) -> bool:
        return self.layers[-1].nout == 1

    def _n_outputs(self) -> int:
        return self.layers[-1].nout

    def __repr__(self) -> str:
        lines = [f"  (layers.{i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "MLP(\n" + "\n".join(lines) + f"\n)  # {self.num_parameters} parameters"


def _matrices(neurons: list) -> tuple:
    """The weights (n_out, n_in) and biases (None without) of a layer's neurons."""
    W = np.array([[w.data for w in n.w] for n in neurons], dtype=np.float64)
    b = None if neurons[0].b is None else np.array([n.b.data for n in neurons])
    return W, b


# --- predict without building a graph -----------------------------------------------------------


def _layer_numbers(neurons: list) -> list:
    """Each neuron's weights as floats, followed by its bias if it has one."""
    return [[w.data for w in n.w] + ([] if n.b is None else [n.b.data]) for n in neurons]


def _float_layer(numbers: list, f, x: list) -> list:
    """A layer's outputs on plain floats, equal bit for bit to the Value forward
    pass: the same products, summed in the same order by the same ``sum`` the
    engine's sum node uses, then the activation applied to one Value (under
    ``no_grad``), so every activation is still defined in one place."""
    out = []
    for row in numbers:
        terms = [w * xi for w, xi in zip(row, x)]
        terms += row[len(x):]  # the bias, if the neuron has one
        z = sum(terms)
        out.append(z if f is None else f(Value(z)).data)
    return out


# --- building a model from a file ------------------------------------------------------------


def _finite_floats(values, what: str) -> list[float]:
    out = []
    for v in values:
        if not _is_number(v) or not math.isfinite(v):
            raise ValueError(f"{what} must be finite numbers, got {v!r}")
        out.append(float(v))
    return out


def _declared_parameters(config) -> int:
    """How many parameters an architecture declares, computed before building it."""
    for key in {"Neuron": ("nin",), "Layer": ("nin", "nout")}.get(config["type"],
                                                                  ("nin", "sizes")):
        if key not in config:
            raise ValueError(f"the architecture has no {key!r}")

    def count(key):
        v = config.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_PARAMETERS:
            raise ValueError(f"'{key}' must be an int from 1 to {MAX_PARAMETERS}, got {v!r}")
        return v

    bias = 1 if config.get("bias") else 0
    if config.get("type") == "Neuron":
        return count("nin") + bias
    if config.get("type") == "Layer":
        return count("nout") * (count("nin") + bias)
    sizes = config.get("sizes")
    if not isinstance(sizes, list) or not sizes or len(sizes) > 1000:
        raise ValueError(f"'sizes' must be a list of 1 to 1000 layer sizes, got {sizes!r:.80}")
    total, previous = 0, count("nin")
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_PARAMETERS:
            raise ValueError(f"'sizes' must hold ints from 1 to {MAX_PARAMETERS}, got {n!r}")
        total, previous = total + n * (previous + bias), n
    return total


def _from_config(config) -> Module:
    if not isinstance(config, dict) or config.get("type") not in ("Neuron", "Layer", "MLP"):
        raise ValueError("no architecture to rebuild (a custom activation cannot be saved "
                         "by name): build the model yourself and call model.load(path)")
    try:
        kind, bias = config["type"], config["bias"]
        if not isinstance(bias, bool):
            raise ValueError(f"'bias' must be true or false, got {bias!r}")
        # init="gaussian" only fills the weights until the file's numbers replace them
        if kind == "Neuron":
            return Neuron(config["nin"], activation=config["activation"], init="gaussian",
                          bias=bias, rng=0)
        if kind == "Layer":
            return Layer(config["nin"], config["nout"], activation=config["activation"],
                         init="gaussian", bias=bias, rng=0)
        acts = config["activations"]
        if not isinstance(acts, list) or len(acts) != len(config["sizes"]):
            raise ValueError("'activations' must list one name per layer")
        return MLP(config["nin"], config["sizes"], activation=acts[:-1],
                   output_activation=acts[-1], init="gaussian", bias=bias, rng=0)
    except KeyError as e:
        raise ValueError(f"the architecture has no {e.args[0]!r}") from None
    except (TypeError, ValueError) as e:
        raise ValueError(f"the architecture {config!r} is not valid: {e}") from None


def load(path) -> Module:
    """Build the Neuron, Layer or MLP described by a file written by ``save``,
    with its parameters (PyTorch needs the class first; here the file says it)."""
    document = serialization.read(path)
    config, stored = document.get("architecture"), len(document["parameters"])
    try:
        if isinstance(config, dict) and config.get("type") in ("Neuron", "Layer", "MLP"):
            try:
                declared = _declared_parameters(config)  # before building anything
            except ValueError as e:
                if "has no" in str(e):
                    raise
                raise ValueError(f"the architecture {config!r:.200} is not valid: {e}") from None
            if declared != stored:
                raise ValueError(f"the architecture declares {declared} parameters but the "
                                 f"file stores {stored}")
        model = _from_config(config)
        model.load_state_dict(document["parameters"])
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    return model


def _initial_weights(init, activation, n_in: int, n_out: int, rng) -> np.ndarray:
    if isinstance(init, str) and init == "auto":
        relu_like = activation in ("relu", "leaky_relu", "softplus")
        init = "he" if relu_like else "xavier"
    w = np.asarray(initializers.get(init)(n_in, n_out, rng), dtype=float)
    if w.shape != (n_out, n_in):
        raise ValueError(f"init returned shape {w.shape}, expected ({n_out}, {n_in})")
    if not np.all(np.isfinite(w)):
        raise ValueError("init returned non-finite weights")
    return w
