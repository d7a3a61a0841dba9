"""Neurons, layers and multi-layer perceptrons built from ``autograd.Value``.

A neuron computes ``y = f(sum_i w_i x_i + b)``: one product node per input,
ONE n-ary sum node (weights, adder) and the activation ``f``. A layer is a list
of neurons that see the same inputs; an MLP is a list of layers.
(PyTorch: ``nn.Module``, ``nn.Linear`` + activation, ``nn.Sequential``.)

Parameters are plain leaf Values, created once: ``model.parameters()`` always
returns the same objects, in the order of ``model.named_parameters()``. A model's
shape is fixed when it is built: its layers, neurons and weights are tuples that
refuse ``append`` or ``w[0] = Value(...)`` with what to do instead (change a number
with ``w[0].data = ...``; build a new model for a new shape). A layer's or neuron's
``activation`` may be assigned, and the forward pass, ``predict``, saving and
``to_torch`` all follow it.

Saving (``model.save(path)``) writes JSON, never pickle: the architecture and
every parameter by name. ``model.load(path)`` reads the numbers into an existing
model; ``load(path)`` (this module's function) builds the model the file describes.
A model also pickles (for multiprocessing or joblib), whatever ``predict`` cached.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from autograd import TracingError, Value, _internal, compile, linear, no_grad  # noqa: A004
from autograd.viz.model import GraphParts, generic_parts

from . import graph, serialization
from . import init as initializers
from .activations import ACTIVATIONS, activation_function, activation_name, named
from .serialization import MAX_PARAMETERS

__all__ = ["Module", "Neuron", "Layer", "MLP", "Parts", "ACTIVATIONS", "activation_function",
           "load"]


def _rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, (str, bytes)) or not isinstance(rng, (int, np.integer)) \
            or isinstance(rng, bool):
        raise TypeError(f"rng must be None, an int seed or a numpy Generator, "
                        f"got {type(rng).__name__}: {rng!r:.40}")
    rng = _internal.integer(rng, "rng")
    if rng < 0:
        raise ValueError(f"rng must be a seed >= 0 (or a numpy Generator), got {rng}")
    return np.random.default_rng(rng)


def _count(value, what: str) -> int:
    """A positive int (a number of inputs or units), or a clear error."""
    return _internal.integer(value, what, minimum=1)


def _at_most_max_parameters(who: str, count: int) -> None:
    """Refuse, before anything is allocated, a model too large for scalar Values."""
    if count > MAX_PARAMETERS:
        raise ValueError(f"{who} would have {count:,} parameters, more than gradlab's scalar "
                         f"Values hold ({MAX_PARAMETERS:,}, about 1.5 GB): this library "
                         "teaches with small networks; use PyTorch for this one")


def as_values(x, n_expected: int, who: str) -> list:
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
    try:
        return [v if v.__class__ is Value or isinstance(v, Value) else Value(v) for v in x]
    except (TypeError, ValueError) as e:
        raise type(e)(f"{who}: the input x must hold numbers or Values ({e})") from None


def _is_number(v) -> bool:
    return (not isinstance(v, (bool, np.bool_))
            and isinstance(v, (int, float, np.integer, np.floating)))


# --- a model's fixed shape ------------------------------------------------------------------


class Parts(list):
    """A module's layers, neurons or weights: a list that refuses to change
    (``model.layers.append(...)``, ``neuron.w[0] = Value(...)``) with what to do
    instead. Optimizers, saved files and ``predict``'s trace all hold these objects,
    so a model's shape and its parameters are fixed once it is built (as a
    ``torch.nn.Linear``'s weight shape is)."""

    def _refuse(self, *args, **kwargs):
        if self and isinstance(self[0], Value):
            advice = ("a parameter is created once (optimizers and traces hold it): change "
                      "its number instead, w[i].data = 0.5")
        else:
            advice = ("build a new model for a new shape: nn.MLP(nin, sizes, ...) or "
                      "nn.MLP.from_weights(weights, biases, activations)")
        raise TypeError(f"a model's layers, neurons and weights are fixed when it is built; "
                        f"{advice}")

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __reduce__(self):
        return (Parts, (list(self),))  # pickle would rebuild a list with append


class _Fixed:
    """An attribute set when the module is built and read-only afterwards (its shape,
    its parts): assigning it is refused with what to do instead."""

    def __set_name__(self, owner, name: str) -> None:
        self.name, self.slot = name, "_" + name

    def __get__(self, module, owner=None):
        return self if module is None else module.__dict__[self.slot]

    def __set__(self, module, value) -> None:
        raise AttributeError(
            f"{type(module).__name__}.{self.name} is fixed when the model is built; "
            "change a parameter's number with .data, a layer's activation with "
            "layer.activation = 'tanh', and build a new model for another shape")


# What a module keeps for itself (caches): changing it is no change to the model.
_CACHES = frozenset({"_traced", "_named", "_changes"})


def _state_of(module) -> tuple:
    """What a traced forward pass of ``module`` depends on besides the parameters'
    numbers (which the replay reads afresh): every module of the tree, how many
    times its attributes were assigned, and every object its attributes hold
    (parameters, the items of its lists; a ``Parts`` of parameters, which can't change,
    as itself). ``(objects, counts)``: compared by identity and by value."""
    objects, counts, stack, seen = [], [], [module], set()
    while stack:
        m = stack.pop()
        if id(m) in seen:
            continue
        seen.add(id(m))
        objects.append(m)
        counts.append(m.__dict__.get("_changes", 0))
        for name, value in m.__dict__.items():
            if name in _CACHES:
                continue
            if isinstance(value, Parts) and (not value or isinstance(value[0], Value)):
                objects.append(value)  # fixed: its identity says it all
                continue
            items = value if isinstance(value, (list, tuple)) else \
                list(value.values()) if isinstance(value, dict) else (value,)
            objects.append(len(items))
            for item in items:
                objects.append(item)
                if isinstance(item, Module):
                    stack.append(item)
    if type(module).named_parameters not in _FIXED_PARAMETERS:  # a module of your own
        objects.extend(p for _, p in module.named_parameters())
    return tuple(objects), tuple(counts)


def _same_state(a: tuple, b: tuple) -> bool:
    return a[1] == b[1] and len(a[0]) == len(b[0]) and all(
        x is y or (type(x) is int and type(y) is int and x == y) for x, y in zip(a[0], b[0]))


@dataclass
class _Traced:
    """``predict``'s cache: the compiled model (None: it can't be traced) for the
    model's state it was made from, and the last plan found free of baked parameters."""

    state: tuple
    program: object
    checked: object = None


class Module:
    """Base class: parameters, gradients, saving (``torch.nn.Module``).

    A subclass defines ``named_parameters()`` and ``__call__``; everything else
    (``parameters``, ``zero_grad``, ``state_dict``, ``save``/``load``, ``predict``)
    follows from those two.
    """

    def __call__(self, x):
        raise NotImplementedError(f"{type(self).__name__} does not define __call__")

    def __setattr__(self, name: str, value) -> None:
        """Assigning an attribute is a change ``predict`` sees (it traces again)."""
        object.__setattr__(self, name, value)
        if name not in _CACHES:
            self.__dict__["_changes"] = self.__dict__.get("_changes", 0) + 1

    def __getstate__(self) -> dict:
        """What pickling keeps: everything but ``predict``'s cache (a traced plan holds
        functions that do not pickle), and a named activation by its name only."""
        state = {k: v for k, v in self.__dict__.items() if k != "_traced"}
        if isinstance(state.get("_activation"), str):
            state.pop("_f", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if "_activation" in state and "_f" not in state:
            self.__dict__["_f"] = activation_function(state["_activation"])
        for _, p in self.named_parameters():
            # a stamp is a count of this process's changes: take one of this process
            # (else a graph built here would look older than its parameters: stale)
            p.data = p.data

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, Value)`` pairs in a fixed order, e.g. ``layers.0.neurons.3.w.1``."""
        return []

    def _named_once(self, prefix: str, parts) -> list[tuple[str, Value]]:
        """``named_parameters`` of a module whose parts are fixed (``Parts``): each part's
        pairs under ``prefix.i.``, listed on the first call (a cache, ``_CACHES``) and
        handed out as a copy."""
        named = self.__dict__.get("_named")
        if named is None:
            named = self.__dict__["_named"] = [
                (f"{prefix}.{i}.{name}", p) for i, part in enumerate(parts)
                for name, p in part.named_parameters()]
        return list(named)

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

    def filter_paths(self) -> list[tuple[str, str, int, Neuron, object]]:
        """``(path, name, layer, filter, conv)`` for every filter of a shared-weight layer
        (``nn.conv``): ``("filters.1", "L1F2", 0, neuron, conv)``, the filter a Neuron whose
        weights are reused at every position of ``conv``; none for a model without."""
        return []

    def graph_parts(self, order: list) -> GraphParts:
        """The names and boxes of this model's values in the graph ``order`` (the
        protocol of ``draw_graph(module=)`` and ``backward_trace(module=)``)."""
        order = _internal.items(order, "graph_parts: order", "a list of Values (a graph)")
        if not all(isinstance(v, Value) for v in order):
            raise TypeError("graph_parts: order must be a list of Values (a graph), such as "
                            "autograd.topological_order(loss)")
        if not self.neuron_paths() and not self.filter_paths():
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
        adds in another order). The trace follows the model: a changed activation or
        attribute, or another Value in a module, traces again (parameters' numbers
        are read afresh on every call). A model that can't be traced (Python branches
        on ``.data``) is run sample by sample instead."""
        X = self._check_batch(X)
        if not len(X):
            return np.zeros((0,) if self._returns_value() else (0, self._n_outputs()))
        for _ in range(3):
            traced = self._traced_for(_state_of(self))
            if traced.program is None:
                return self._predict_per_sample(X)
            try:
                out = traced.program(X)
            except (TracingError, TypeError):
                if traced.program._plans:  # it traced once, so this is a real error: raise it
                    raise
                traced.program = None  # not traceable: per sample
                return self._predict_per_sample(X)
            if self._plan_reads_every_parameter(traced, X):
                return out
            self.__dict__.pop("_traced", None)
        raise RuntimeError(f"{type(self).__name__}.predict: the parameters kept changing while "
                           "the model was traced (is another thread training it?); predict "
                           "again when they have settled")

    def _traced_for(self, state: tuple) -> _Traced:
        traced = self.__dict__.get("_traced")
        if traced is None or not _same_state(traced.state, state):
            traced = self.__dict__["_traced"] = _Traced(state, compile(self))
        return traced

    def _plan_reads_every_parameter(self, traced: _Traced, X) -> bool:
        """False when a parameter went into the trace as a constant: its number was
        assigned (by another thread) while it was traced, so the replay would keep
        that number forever."""
        plan = traced.program.plan(X)
        if plan is not traced.checked:
            params = set(self.parameters())
            if any(plan.nodes[i] in params for i in plan.constants):
                return False
            traced.checked = plan
        return True

    def _predict_per_sample(self, X) -> np.ndarray:
        forward = self._float_forward()
        with no_grad():
            rows = [forward(x) for x in X.tolist()]
        if isinstance(rows[0], float):
            return np.array(rows)
        return np.array(rows).reshape(len(rows), -1)

    def _check_batch(self, X) -> np.ndarray:
        nin = getattr(self, "nin", None)
        if _internal.is_complex(X):
            raise TypeError(f"{type(self).__name__}.predict expects real numbers, got complex")
        X = _internal.numbers_array(X, f"{type(self).__name__}.predict: X (N rows of {nin} "
                                       "inputs)")
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


def _read_only(fget: Callable) -> property:
    """A property computed from the model's parts (``nin``, ``nout``): assigning it is
    refused with what to do instead."""
    def refuse(module, value):
        raise AttributeError(f"{type(module).__name__}.{fget.__name__} follows from the "
                             "model's weights and can't be assigned: build a new model for "
                             "another shape")
    return property(fget, refuse, doc=fget.__doc__)


class Neuron(Module):
    """One neuron: ``activation(sum_i w_i x_i + b)`` (PyTorch: ``nn.Linear(nin, 1)``
    followed by the activation).

    ``activation`` is a name in ``ACTIVATIONS``, a unary op made with ``autograd.op``
    or any callable Value -> Value; it may be assigned later (for a neuron of a layer:
    the layer's). ``init`` is a name in ``nn.init.NAMES`` or a callable
    ``(n_in, n_out, rng)``; ``"auto"`` picks He for the ReLU family (relu,
    leaky_relu, softplus) and Xavier for the others. Biases start at 0. ``rng`` is a
    seed or a numpy Generator: the same seed gives the same weights. ``w`` (a tuple
    of Values) and ``b`` (a Value, or None) are fixed: assign their ``.data``.
    """

    w = _Fixed()
    b = _Fixed()

    def __init__(self, nin: int, activation="relu", init="auto", bias: bool = True, rng=None,
                 _weights=None):
        nin = _count(nin, "Neuron: nin (the number of inputs)")
        _at_most_max_parameters(f"Neuron({nin})", nin + 1)
        self._set_activation(activation)
        if _weights is None:
            _weights = _initial_weights(init, self._activation, nin, 1, _rng(rng))[0]
        self.__dict__["_w"] = Parts(Value(float(wi)) for wi in _weights)
        self.__dict__["_b"] = Value(0.0) if _internal.boolean(bias, "Neuron: bias") else None

    @_read_only
    def nin(self) -> int:
        """The number of inputs (of weights)."""
        return len(self._w)

    @property
    def activation(self):
        """The activation's name, or the callable (``Neuron(2, activation=...)``)."""
        return self._activation

    @activation.setter
    def activation(self, activation) -> None:
        if self.__dict__.get("_in_layer"):
            raise AttributeError("this neuron belongs to a layer, whose neurons share one "
                                 "activation: assign layer.activation instead")
        self._set_activation(activation)

    def _set_activation(self, activation) -> None:
        activation = named(activation)
        f = activation_function(activation)  # refuses an unknown name before any change
        self._activation, self._f = activation, f

    @classmethod
    def from_weights(cls, weights: Sequence[float], bias: float | None = 0.0,
                     activation="linear") -> Neuron:
        """A neuron with exactly these weights, e.g. the AND gate
        ``Neuron.from_weights([20, 20], bias=-30, activation="sigmoid")``.
        ``bias=None`` makes a neuron without a bias."""
        weights = _finite_floats(weights, "Neuron.from_weights: weights")
        if not weights:
            raise ValueError("Neuron.from_weights expects at least one weight, got none")
        if bias is not None:
            bias = _finite_floats([bias], "Neuron.from_weights: bias")[0]
        neuron = cls(len(weights), activation=activation, bias=bias is not None,
                     _weights=weights)
        if bias is not None:
            neuron.b.data = bias
        return neuron

    def _forward(self, xs: list) -> Value:
        out = linear(self._w, xs, self._b)
        return out if self._f is None else self._f(out)

    def __call__(self, x) -> Value:
        return self._forward(as_values(x, len(self._w), "Neuron"))

    def named_parameters(self) -> list[tuple[str, Value]]:
        named = [(f"w.{i}", w) for i, w in enumerate(self._w)]
        if self._b is not None:
            named.append(("b", self._b))
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


def share_activation(units, activation):
    """Give every unit of a layer (its neurons, a convolution's filters) one activation,
    as assigning ``layer.activation`` does; an unknown name is refused before any unit
    changes. Returns the activation in the form the units keep."""
    activation = named(activation)
    activation_function(activation)
    for unit in units:
        unit._set_activation(activation)
    return activation


class Layer(Module):
    """``nout`` neurons that see the same ``nin`` inputs (PyTorch: ``nn.Linear``
    + activation). Calling it returns a list of ``nout`` Values. ``neurons`` is a
    tuple, fixed; ``activation`` may be assigned (every neuron follows)."""

    neurons = _Fixed()

    def __init__(self, nin: int, nout: int, activation="relu", init="auto", bias: bool = True,
                 rng=None, _weights=None):
        nin = _count(nin, "Layer: nin (the number of inputs)")
        nout = _count(nout, "Layer: nout (the number of neurons)")
        _at_most_max_parameters(f"Layer({nin}, {nout})", nout * (nin + 1))
        activation = named(activation)
        activation_function(activation)  # fail here, once, on an unknown name
        if _weights is None:
            _weights = _initial_weights(init, activation, nin, nout, _rng(rng))
        neurons = Parts(Neuron(nin, activation=activation, bias=bias, _weights=row)
                        for row in _weights)
        for neuron in neurons:
            neuron._in_layer = True
        self.__dict__["_neurons"] = neurons
        self._activation = activation

    @_read_only
    def nin(self) -> int:
        """The number of inputs each neuron sees."""
        return self._neurons[0].nin

    @_read_only
    def nout(self) -> int:
        """The number of neurons (outputs)."""
        return len(self._neurons)

    @property
    def activation(self):
        """The activation of every neuron of the layer: a name or a callable."""
        return self._activation

    @activation.setter
    def activation(self, activation) -> None:
        self._activation = share_activation(self._neurons, activation)

    def _forward(self, xs: list) -> list:
        return [n._forward(xs) for n in self._neurons]

    def __call__(self, x) -> list:
        return self._forward(as_values(x, self.nin, "Layer"))

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

    layers = _Fixed()

    def __init__(self, nin: int, sizes: Sequence[int], activation="relu",
                 output_activation="linear", init="auto", bias: bool = True, rng=None):
        nin = _count(nin, "MLP: nin (the number of inputs)")
        if isinstance(sizes, (int, np.integer, str)) or not isinstance(sizes, Iterable):
            raise TypeError(f"MLP expects a list of layer sizes such as [16, 1], got {sizes!r}")
        sizes = [_count(s, f"MLP: size of layer {i}") for i, s in enumerate(
            _internal.items(sizes, "MLP: sizes", "a list of layer sizes such as [16, 1]"))]
        if not sizes:
            raise ValueError("MLP expects at least one layer size, got []")
        dims = [nin] + sizes
        _at_most_max_parameters(f"MLP({nin}, {sizes})", sum(
            dims[i + 1] * (dims[i] + 1) for i in range(len(sizes))))
        hidden = _hidden_activations(activation, len(sizes) - 1)
        rng = _rng(rng)
        acts = hidden + [output_activation]
        self._build([Layer(dims[i], dims[i + 1], activation=acts[i], init=init, bias=bias,
                           rng=rng) for i in range(len(sizes))])

    def _build(self, layers: list) -> None:
        self.__dict__["_layers"] = Parts(layers)

    @_read_only
    def nin(self) -> int:
        """The number of inputs."""
        return self._layers[0].nin

    @property
    def activation(self):
        """The hidden layers' activation (a list when they differ); assigning one
        name or a list (one per hidden layer) sets them, as ``MLP(activation=)``."""
        acts = [layer.activation for layer in self._layers[:-1]]
        return acts[0] if acts and all(a == acts[0] for a in acts) else acts

    @activation.setter
    def activation(self, activation) -> None:
        hidden = _hidden_activations(activation, len(self._layers) - 1)
        for layer, a in zip(self._layers, hidden):
            layer.activation = a

    @property
    def output_activation(self):
        """The last layer's activation (``"linear"`` by default); may be assigned."""
        return self._layers[-1].activation

    @output_activation.setter
    def output_activation(self, activation) -> None:
        self._layers[-1].activation = activation

    @classmethod
    def from_weights(cls, weights: Sequence, biases: Sequence | None = None,
                     activations="linear") -> MLP:
        """An MLP with exactly these weights: ``weights[l]`` has shape (n_out, n_in)
        of layer l, ``biases[l]`` length n_out (``biases=None``: no biases).
        ``activations`` is one name or callable, or a list with one per layer.
        The lectures' ReLU XOR network:
        ``MLP.from_weights([[[1, 1], [1, 1]], [[1, -2]]], [[0, -1], [0]], "relu")``."""
        mats = _weight_matrices(weights)
        acts = list(activations) if isinstance(activations, (list, tuple)) \
            else [activations] * len(mats)
        if len(acts) != len(mats):
            raise ValueError(f"{len(mats)} layers but {len(acts)} activations")
        bias_vectors = None if biases is None else _bias_vectors(biases, mats)
        model = cls.__new__(cls)
        model._build([Layer(m.shape[1], m.shape[0], activation=a, bias=biases is not None,
                            _weights=m) for m, a in zip(mats, acts)])
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
        layers = self._layers
        h = as_values(x, layers[0].nin, "MLP")
        for layer in layers:
            h = layer._forward(h)
        return h[0] if len(h) == 1 else h

    def named_parameters(self) -> list[tuple[str, Value]]:
        return self._named_once("layers", self.layers)

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


# nn's own modules list parameters held in Parts: fixed, seen by _state_of as Parts
_FIXED_PARAMETERS = (Neuron.named_parameters, Layer.named_parameters, MLP.named_parameters)


def _matrices(neurons: list) -> tuple:
    """The weights (n_out, n_in) and biases (None without) of a layer's neurons."""
    W = np.array([[w.data for w in n.w] for n in neurons], dtype=np.float64)
    b = None if neurons[0].b is None else np.array([n.b.data for n in neurons])
    return W, b


def _hidden_activations(activation, n_hidden: int) -> list:
    """One activation per hidden layer, from one for all or a list of ``n_hidden``."""
    if isinstance(activation, (list, tuple)):
        if len(activation) != n_hidden:
            raise ValueError(f"MLP with {n_hidden} hidden layers got {len(activation)} "
                             f"hidden activations {activation!r}")
        return list(activation)
    activation_function(named(activation))  # checked even when there is no hidden layer
    return [activation] * n_hidden


def _weight_matrices(weights) -> list:
    """``MLP.from_weights``' weights as finite (n_out, n_in) arrays that chain."""
    if isinstance(weights, (str, bytes, np.ndarray)) or not isinstance(weights, Sequence):
        raise TypeError(f"MLP.from_weights: weights must be a list of 2-D weight matrices, "
                        f"one (n_out, n_in) matrix per layer, got {type(weights).__name__}")
    if not weights:
        raise ValueError("MLP.from_weights expects a non-empty list of 2-D weight "
                         "matrices, one (n_out, n_in) matrix per layer")
    mats = []
    for k, w in enumerate(weights):
        m = _numbers(w, f"MLP.from_weights: layer {k}: weights are not a matrix of numbers")
        if m.ndim != 2 or 0 in m.shape:
            raise ValueError(f"layer {k}: expected a 2-D (n_out, n_in) weight matrix, "
                             f"got shape {m.shape}")
        if not np.all(np.isfinite(m)):
            raise ValueError(f"layer {k}: weights must be finite numbers")
        if mats and m.shape[1] != mats[-1].shape[0]:
            raise ValueError(f"layer {k} expects {m.shape[1]} inputs but layer {k - 1} "
                             f"has {mats[-1].shape[0]} outputs")
        mats.append(m)
    return mats


def _bias_vectors(biases, mats: list) -> list:
    """``MLP.from_weights``' biases: one vector of finite floats per layer."""
    if isinstance(biases, (str, bytes)) or not isinstance(biases, (Sequence, np.ndarray)) or \
            getattr(biases, "ndim", 1) == 0:
        raise TypeError(f"MLP.from_weights: biases must be None or a list of bias vectors, "
                        f"one per layer, got {type(biases).__name__}: {biases!r:.40}")
    if len(biases) != len(mats):
        raise ValueError(f"{len(mats)} layers but {len(biases)} bias vectors")
    vectors = []
    for k, (m, b) in enumerate(zip(mats, biases)):
        b = _numbers(b, f"MLP.from_weights: layer {k}: biases are not numbers").reshape(-1)
        if len(b) != m.shape[0]:
            raise ValueError(f"layer {k} has {m.shape[0]} neurons but {len(b)} biases")
        vectors.append(_finite_floats(b.tolist(), f"layer {k}: biases"))
    return vectors


def _numbers(x, what: str) -> np.ndarray:
    if _internal.is_complex(x):
        raise ValueError(f"{what} (complex)")
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError, OverflowError) as e:
        raise ValueError(f"{what} ({e})") from None


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
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(f"{what} must be a list of numbers, got {type(values).__name__}: "
                        f"{values!r:.40}")
    out = []
    for v in _internal.items(values, what, "a list of numbers"):  # (a 0-d array: refused)
        try:
            number = float(v) if _is_number(v) else math.nan
        except OverflowError:  # an int past float's range, 10**400
            number = math.inf
        if not math.isfinite(number):
            raise ValueError(f"{what} must be finite numbers, got {v!r:.40}")
        out.append(number)
    return out


@dataclass(frozen=True)
class Architecture:
    """How a model file's architecture of another ``nn`` module (``nn.conv``: Conv1d,
    Conv2d, Sequential) is checked and built: ``count(config)``, the parameters it
    declares (before anything is built; a ValueError naming the field when it is not
    valid), and ``build(config)``, the module with placeholder weights that ``load``
    then replaces with the file's."""

    count: Callable[[dict], int]
    build: Callable[[dict], Module]


# the architectures other modules of nn add to the file format, by their "type"
ARCHITECTURES: dict[str, Architecture] = {}
_OWN_TYPES = ("Neuron", "Layer", "MLP")


def register_architecture(kind: str, count: Callable[[dict], int],
                          build: Callable[[dict], Module]) -> None:
    """Let ``save``/``nn.load`` write and rebuild a module whose ``config()`` has
    ``"type": kind`` (how ``nn.conv`` adds its layers to the file format)."""
    if kind in _OWN_TYPES:
        raise ValueError(f"{kind!r} is one of nn.modules' own architectures")
    ARCHITECTURES[kind] = Architecture(count, build)


def declared_parameters(config) -> int:
    """How many parameters an architecture declares, computed before building it."""
    if config.get("type") in ARCHITECTURES:
        return ARCHITECTURES[config["type"]].count(config)
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


def from_config(config) -> Module:
    """The module an architecture (``model.config()``) describes, with placeholder
    weights (``init="gaussian"``, seed 0) until a file's numbers replace them."""
    if not isinstance(config, dict) or config.get("type") not in (*_OWN_TYPES, *ARCHITECTURES):
        raise ValueError("no architecture to rebuild (a custom activation cannot be saved "
                         "by name): build the model yourself and call model.load(path)")
    try:
        if config["type"] in ARCHITECTURES:
            return ARCHITECTURES[config["type"]].build(config)
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
    """Build the Neuron, Layer or MLP (or ``nn.conv``'s Conv1d, Conv2d, Sequential)
    described by a file written by ``save``,
    with its parameters (PyTorch needs the class first; here the file says it)."""
    document = serialization.read(path)
    config, stored = document.get("architecture"), len(document["parameters"])
    try:
        if isinstance(config, dict) and config.get("type") in (*_OWN_TYPES, *ARCHITECTURES):
            try:
                declared = declared_parameters(config)  # before building anything
            except ValueError as e:
                if "has no" in str(e):
                    raise
                raise ValueError(f"the architecture {config!r:.200} is not valid: {e}") from None
            if declared != stored:
                raise ValueError(f"the architecture declares {declared} parameters but the "
                                 f"file stores {stored}")
        model = from_config(config)
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
