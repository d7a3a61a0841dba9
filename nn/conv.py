"""Shared weights: convolution layers built from the same ``Value``s at every position.

The lectures' banded weight matrix holds the same w1, w2, w3 in every row, so hidden
unit j computes φ_j = f(w1 x_j + w2 x_{j+1} + w3 x_{j+2} + w0): one filter applied to
every local region of x, "a convolution", with three trainable weights however long x
is. Here a filter *is* a ``Neuron`` (``conv.filters[k]``) whose weights are reused at
every position: the layer calls it on each window of its input. In the scalar graph a
shared weight is then one Value feeding a product at every position, so backward gives
it the sum of its contributions over all positions: the fan-out rule of the first
lecture, nothing new.

    conv = nn.Conv1d(8, filters=1, size=3, activation="sigmoid")   # x of 8 -> 6 outputs
    conv = nn.Conv2d((8, 8), filters=4, size=3)                    # 4 maps of 6x6

Stride 1, no padding ("valid", PyTorch's default): an input of length L gives L - size + 1
positions. Inputs and outputs are flat lists in PyTorch's order: input (channel, row,
column), output (filter, row, column), so ``conv.to_torch()`` is ``Unflatten``,
``torch.nn.Conv2d`` (``filters`` is its ``out_channels``, ``size`` its ``kernel_size``),
the activation and ``Flatten``, with the same numbers. Filter k's weight i is PyTorch's
``weight[k].flatten()[i]``, the weights of channel 0 row by row first. ``nn.Sequential``
stacks a convolution and dense ``Layer``s into LeCun's kind of network.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

from autograd import Value, _internal

from . import graph
from .activations import activation_name, named
from .modules import Layer, Module, Parts, as_values, register_architecture, share_activation

__all__ = ["Conv1d", "Conv2d"]


def _size(value, what: str) -> int:
    return _internal.integer(value, what, minimum=1)


def _pair(value, what: str) -> tuple[int, int]:
    """An int n (n by n) or a pair of ints."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return _size(value[0], what), _size(value[1], what)
    if isinstance(value, (tuple, list)):
        raise ValueError(f"{what} must be an int or a pair of ints (rows, columns), got {value!r}")
    n = _size(value, what)
    return n, n


@functools.lru_cache(maxsize=64)
def _windows(channels: int, shape: tuple, kernel: tuple) -> tuple:
    """For every position (row by row), the input indices filter weight i reads there:
    weight (c, a, b) at position (r, s) reads input (c, r + a, s + b)."""
    (h, w), (kh, kw) = shape, kernel
    offsets = [c * h * w + a * w + b for c in range(channels) for a in range(kh)
               for b in range(kw)]
    return tuple(tuple(r * w + s + o for o in offsets)
                 for r in range(h - kh + 1) for s in range(w - kw + 1))


class _Convolution(Module):
    """What Conv1d and Conv2d share: filters (Neurons) applied to every window of a
    (channels, rows, columns) input; a 1-D input is one row."""

    _dims = 2  # 1 for Conv1d: its shapes are written without the one row

    def __init__(self, shape: tuple, filters: int, kernel: tuple, channels: int, activation,
                 init, bias: bool, rng, who: str):
        channels = _size(channels, f"{who}: channels")
        filters = _size(filters, f"{who}: filters (the number of filters)")
        if kernel[0] > shape[0] or kernel[1] > shape[1]:
            raise ValueError(f"{who}: the filter ({self._shown(kernel, 'x')}) is larger than the "
                             f"input ({self._shown(shape, 'x')}): there is no position to put it")
        fan_in = channels * kernel[0] * kernel[1]
        # the filters are a layer of neurons over one window (init's fan-in is the window's)
        neurons = Layer(fan_in, filters, activation=activation, init=init, bias=bias,
                        rng=rng).neurons
        self.__dict__.update(_filters=neurons, _shape=shape, _kernel=kernel,
                             _channels=channels)
        self._activation = named(activation)

    def _shown(self, pair: tuple, sep: str = ", ") -> str:
        return str(pair[1]) if self._dims == 1 else f"{pair[0]}{sep}{pair[1]}"

    # -- the shape --------------------------------------------------------------------------
    @property
    def filters(self) -> Parts:
        """The filters: Neurons over one window, each used at every position (fixed)."""
        return self._filters

    @filters.setter
    def filters(self, value) -> None:
        raise AttributeError(f"{type(self).__name__}.filters are fixed when the layer is built; "
                             "change a weight's number with .data, or build a new layer")

    @property
    def channels(self) -> int:
        """Input channels (PyTorch's ``in_channels``)."""
        return self._channels

    @property
    def in_shape(self) -> tuple:
        """The input's (channels, length) or (channels, rows, columns)."""
        return (self._channels, *self._shape[2 - self._dims:])

    @property
    def kernel(self) -> tuple:
        """The filter's (length,) or (rows, columns) (PyTorch's ``kernel_size``)."""
        return self._kernel[2 - self._dims:]

    @property
    def grid(self) -> tuple:
        """The positions: (length,) or (rows, columns) of each filter's output map."""
        (h, w), (kh, kw) = self._shape, self._kernel
        return (h - kh + 1, w - kw + 1)[2 - self._dims:]

    @property
    def out_shape(self) -> tuple:
        """The output's (filters, *grid): PyTorch's (out_channels, ...)."""
        return (len(self._filters), *self.grid)

    @property
    def nin(self) -> int:
        """The number of inputs: channels × rows × columns."""
        return math.prod(self.in_shape)

    @property
    def nout(self) -> int:
        """The number of outputs: filters × positions."""
        return math.prod(self.out_shape)

    @property
    def activation(self):
        """Every filter's activation: a name or a callable; may be assigned."""
        return self._activation

    @activation.setter
    def activation(self, activation) -> None:
        self._activation = share_activation(self._filters, activation)

    # -- the forward pass -------------------------------------------------------------------
    def _windows(self) -> tuple:
        return _windows(self._channels, self._shape, self._kernel)

    def _forward(self, xs: list) -> list:
        windows = self._windows()
        return [f._forward([xs[i] for i in window]) for f in self._filters for window in windows]

    def __call__(self, x) -> list:
        return self._forward(as_values(x, self.nin, type(self).__name__))

    def named_parameters(self) -> list[tuple[str, Value]]:
        return self._named_once("filters", self._filters)

    def _returns_value(self) -> bool:
        return False

    def _n_outputs(self) -> int:
        return self.nout

    # -- what drawings, the step-through and the file format learn ---------------------
    def filter_paths(self) -> list:
        return [(f"filters.{k}", graph.filter_name(0, k), 0, f, self)
                for k, f in enumerate(self._filters)]

    def trace_views(self) -> dict:
        return {}  # the step-through of every scalar; the neuron (δ) view draws dense layers

    def locate(self, sums: list, filter_) -> dict | None:
        """Where each of ``filter_``'s weighted sums ``sums`` (from one graph) sits: a
        position number (row by row). Found from what the sums read: at position s the
        input read by weight 1 is the one read by weight 0 at s + 1 (one column on); one
        row down likewise. None when that cannot place every sum (not every position in
        the graph, a 1-wide filter over several columns, inputs used twice)."""
        sums = _internal.items(sums, "locate: sums", "a list of the filter's weighted sums")
        if not all(isinstance(v, Value) for v in sums):
            raise TypeError("locate: sums must be a list of Values, the filter's weighted sums")
        if not any(filter_ is f for f in self._filters):
            raise ValueError(f"locate: filter_ must be one of this layer's filters, got "
                             f"{type(filter_).__name__}: {filter_!r:.40}")
        return _locate(self, sums, filter_)

    def position_name(self, position: int) -> str:
        """A position as nodes are named, counted from 1: ``3``, or ``[2,3]`` on a grid."""
        position = self._position(position, "position_name")
        if self._dims == 1:
            return str(position + 1)
        r, s = divmod(position, self.grid[1])
        return f"[{r + 1},{s + 1}]"

    def input_index(self, position: int, weight: int) -> int:
        """The input (index into the flat input) that weight ``weight`` reads at
        ``position``."""
        window = self._windows()[self._position(position, "input_index")]
        return window[_internal.integer(weight, "input_index: weight", minimum=0,
                                        maximum=len(window) - 1)]

    def _position(self, position, who: str) -> int:
        return _internal.integer(position, f"{who}: position", minimum=0,
                                 maximum=len(self._windows()) - 1)

    def conv_layer(self) -> tuple:
        """``(where, W, b, activation, in_shape)``: the weights as an array of shape
        (filters, channels, *kernel), PyTorch's ``weight``; b (filters,) or None."""
        W = np.array([[w.data for w in f.w] for f in self._filters]).reshape(
            len(self._filters), self._channels, *self.kernel)
        b = None if self._filters[0].b is None else np.array([f.b.data for f in self._filters])
        return f"the {type(self).__name__}", W, b, self.activation, self.in_shape

    def torch_layers(self) -> list:
        """What ``to_torch`` builds: ``[("conv", self.conv_layer())]``."""
        return [("conv", self.conv_layer())]

    def to_torch(self):
        """``torch.nn.Sequential(Unflatten, Conv1d/Conv2d, activation, Flatten)`` in
        float64 with these numbers: flat inputs (N, nin) to flat outputs (N, nout), as
        ``predict`` (``nn.pytorch.to_torch``; needs ``pip install -e ".[torch]"``)."""
        from .pytorch import to_torch
        return to_torch(self)

    def _config(self, shape, size) -> dict | None:
        if not isinstance(self.activation, str):
            return None
        return {"type": type(self).__name__, "shape": shape, "filters": len(self._filters),
                "size": size, "channels": self._channels, "activation": self.activation,
                "bias": self._filters[0].b is not None}

    def __repr__(self) -> str:
        extra = "" if self._filters[0].b is not None else ", bias=False"
        n, size = len(self._filters), "x".join(map(str, self.kernel))
        return (f"{type(self).__name__}({self._shown(self._shape, 'x')} -> "
                f"{n} filter{'s' * (n > 1)} of {size} -> {'x'.join(map(str, self.grid))}, "
                f"{activation_name(self.activation)}{extra})"
                + ("" if self._channels == 1 else f"  # {self._channels} channels"))


def _steps_back(reads: list, link: int | None) -> list | None:
    """Per sum, how many sums lie before it along ``link`` (a weight index): the sum whose
    weight 0 reads what this one's weight ``link`` reads is the next one along. Its
    column (link: weight 1) or row (the weight one row down); None when ambiguous."""
    if link is None:
        return [0] * len(reads)
    first = {r[0]: s for s, r in enumerate(reads)}
    before = {}
    for s, r in enumerate(reads):
        t = first.get(r.get(link))
        if t is not None:
            if t in before:
                return None
            before[t] = s
    steps = []
    for s in range(len(reads)):
        k = 0
        while s in before and k <= len(reads):
            s, k = before[s], k + 1
        steps.append(k)
    return steps


def _locate(conv: _Convolution, sums: list, filter_) -> dict | None:
    """``conv.locate``: each sum's position from the inputs it reads (see there)."""
    (oh, ow), (kh, kw) = (conv._shape[0] - conv._kernel[0] + 1,
                          conv._shape[1] - conv._kernel[1] + 1), conv._kernel
    if not sums or (ow > 1 and kw == 1) or (oh > 1 and kh == 1):
        return None
    index = {w: i for i, w in enumerate(filter_.w)}
    reads = []
    for u in sums:
        r = {index[p.parents[0]]: p.parents[1] for p in u.parents
             if p.op == "*" and p.parents[0] in index}
        if 0 not in r:
            return None
        reads.append(r)
    if len({r[0] for r in reads}) != len(reads):
        return None  # two sums read the same input with weight 1: the same inputs twice
    cols = _steps_back(reads, 1 if kw > 1 else None)
    rows = _steps_back(reads, kw if kh > 1 else None)
    if cols is None or rows is None or max(cols) >= ow or max(rows) >= oh:
        return None
    counts = np.zeros((oh, ow), dtype=int)
    for r, c in zip(rows, cols):
        counts[r, c] += 1
    if np.any(counts != counts[0, 0]):
        return None  # some position is missing from some pass: no position is certain
    return {u: r * ow + c for u, r, c in zip(sums, rows, cols)}


class Conv1d(_Convolution):
    """``filters`` filters of ``size`` weights (and a bias) slid along an input of
    ``length`` numbers per channel, one position at a time (stride 1, no padding):
    ``length - size + 1`` outputs per filter (PyTorch: ``nn.Conv1d(channels, filters,
    size)``). The lectures' shared weights: ``Conv1d(8, 1, 3)`` is a banded 6 × 8 W¹
    with the same w1, w2, w3 in every row."""

    _dims = 1

    def __init__(self, length: int, filters: int = 1, size: int = 3, *, channels: int = 1,
                 activation="relu", init="auto", bias: bool = True, rng=None):
        length, size = _size(length, "Conv1d: length"), _size(size, "Conv1d: size")
        super().__init__((1, length), filters, (1, size), channels, activation, init, bias,
                         rng, "Conv1d")

    def config(self) -> dict | None:
        return self._config(self._shape[1], self._kernel[1])


class Conv2d(_Convolution):
    """``filters`` filters of ``size`` × ``size`` weights (``size=(rows, columns)`` for
    another shape), each with a bias, slid over an image of ``shape = (rows, columns)``
    per channel (stride 1, no padding): each filter gives a map of (rows - size + 1) ×
    (columns - size + 1) outputs (PyTorch: ``nn.Conv2d(channels, filters, size)``).
    LeCun's 1989 digit classifier began with such filters."""

    def __init__(self, shape: Sequence[int], filters: int = 1, size=3, *, channels: int = 1,
                 activation="relu", init="auto", bias: bool = True, rng=None):
        if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
            shape = (shape, shape)
        super().__init__(_pair(shape, "Conv2d: shape"), filters, _pair(size, "Conv2d: size"),
                         channels, activation, init, bias, rng, "Conv2d")

    def config(self) -> dict | None:
        return self._config(list(self._shape), list(self._kernel))


# --- the file format ----------------------------------------------------------------------


def _checked(config: dict, key: str, pair: bool):
    if key not in config:
        raise ValueError(f"the architecture has no {key!r}")
    v = config[key]
    ok = (lambda n: not isinstance(n, bool) and isinstance(n, int) and 1 <= n <= 100_000)
    if pair:
        if not (isinstance(v, list) and len(v) == 2 and all(ok(n) for n in v)):
            raise ValueError(f"{key!r} must be a pair of ints from 1 to 100000, got {v!r:.80}")
        return tuple(v)
    if not ok(v):
        raise ValueError(f"{key!r} must be an int from 1 to 100000, got {v!r:.80}")
    return v


def _build(config: dict, check_only: bool = False):
    """The Conv1d or Conv2d a file's architecture describes (``check_only``: the number of
    parameters it declares, filters × (window + bias), checked before anything is built)."""
    two = config["type"] == "Conv2d"
    shape, size = _checked(config, "shape", two), _checked(config, "size", two)
    filters, channels = _checked(config, "filters", False), _checked(config, "channels", False)
    bias = config.get("bias")
    if not isinstance(bias, bool):
        raise ValueError(f"'bias' must be true or false, got {bias!r}")
    window = channels * (math.prod(size) if two else size)
    if check_only:
        return filters * (window + bias)
    if "activation" not in config:
        raise ValueError("the architecture has no 'activation'")
    cls = Conv2d if two else Conv1d
    # init="gaussian" only fills the weights until the file's numbers replace them
    return cls(shape, filters, size, channels=channels, activation=config["activation"],
               init="gaussian", bias=bias, rng=0)


register_architecture("Conv1d", lambda config: _build(config, check_only=True), _build)
register_architecture("Conv2d", lambda config: _build(config, check_only=True), _build)
