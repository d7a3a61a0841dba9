"""The same network in PyTorch: ``model.to_torch()`` and ``nn.MLP.from_torch(seq)``.

A gradlab layer is PyTorch's ``torch.nn.Linear`` followed by an activation module (a
shared-weight layer, ``nn.Conv1d``/``nn.Conv2d``, is ``torch.nn.Conv1d``/``Conv2d``
between ``Unflatten`` and ``Flatten``, filter k's weight i at ``weight[k].flatten()[i]``):
neuron j's weight i is ``linear.weight[j, i]`` (the weight matrix is [out, in]) and
its bias is ``linear.bias[j]``. ``to_torch()`` builds that ``torch.nn.Sequential`` in
float64 with the same numbers, so outputs, losses and every parameter's gradient
agree with gradlab's to float rounding (the tests check 1e-12). ``from_torch`` reads
such a Sequential back and refuses, naming the module and its position, anything it
cannot map exactly.

    seq = model.to_torch()            # Linear, Tanh, Linear: float64, same weights
    seq(torch.tensor(X))              # = model.predict(X), shape (N, n_out)
    nn.MLP.from_torch(seq)            # back: an MLP with the same weights

Activations and their modules (PyTorch's name for gradlab's; one row each in
``TORCH_ACTIVATIONS``, which both directions read):

    relu -> ReLU, tanh -> Tanh, sigmoid -> Sigmoid, leaky_relu -> LeakyReLU(0.01),
    softplus -> Softplus(beta=1, threshold=40), softsign -> Softsign,
    hardtanh -> Hardtanh(-1, 1), linear -> no module (Identity when reading)

``step`` and ``sign`` have no ``torch.nn`` module (``torch.heaviside`` has no
backward at all), and a custom Python activation cannot be translated: both raise
``ValueError`` naming the layer. ``Softplus``'s default threshold of 20 returns x
itself above 20, which is off by up to e^-20 = 2e-9; at 40 the gap (e^-40) is below
float64's resolution, so ``to_torch`` writes 40 and ``from_torch`` accepts any
threshold from 20 on.

``torch_loss(name)`` gives each of gradlab's losses as a function of torch tensors,
built from ``torch.nn.functional`` where a builtin computes the same number, so a
converted model can keep training in PyTorch on the same objective.

torch is imported only inside these functions: ``import nn`` never needs it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .activations import ACTIVATIONS

__all__ = ["INSTALL_HINT", "to_torch", "read_sequential", "torch_loss", "TORCH_LOSSES",
           "TORCH_ACTIVATIONS", "TorchActivation"]

INSTALL_HINT = 'pip install -e ".[torch]"'

# gradlab's Softplus is exact; torch's returns x once x > threshold (see the docstring)
SOFTPLUS_THRESHOLD = 40.0
MIN_SOFTPLUS_THRESHOLD = 20.0
LEAKY_SLOPE = 0.01  # Value.leaky_relu's default alpha, the one ACTIVATIONS uses


def _torch():
    """The torch module, or an ImportError that says how to install it."""
    try:
        import torch
    except ImportError as e:
        raise ImportError(
            "the PyTorch bridge (to_torch, from_torch, torch_loss) needs PyTorch, which is "
            f"not installed. In your gradlab checkout run: {INSTALL_HINT} "
            "(it installs torch==2.13.0; gradlab itself is not on PyPI)"
        ) from e
    return torch


# --- the activations: one row per name in ACTIVATIONS, read both ways ----------------------


def _check_leaky_relu(module, where: str) -> None:
    if module.negative_slope != LEAKY_SLOPE:
        raise ValueError(f"{where} has negative_slope {module.negative_slope}, but "
                         f"gradlab's leaky_relu has slope {LEAKY_SLOPE} (use "
                         f"torch.nn.LeakyReLU({LEAKY_SLOPE}))")


def _check_softplus(module, where: str) -> None:
    if module.beta != 1 or module.threshold < MIN_SOFTPLUS_THRESHOLD:
        raise ValueError(f"{where} has beta={module.beta}, threshold={module.threshold}; "
                         f"gradlab's softplus is ln(1 + e^x): beta 1 and a threshold of "
                         f"at least {MIN_SOFTPLUS_THRESHOLD:g}")


def _check_hardtanh(module, where: str) -> None:
    if (module.min_val, module.max_val) != (-1.0, 1.0):
        raise ValueError(f"{where} clips to [{module.min_val}, {module.max_val}], but "
                         "gradlab's hardtanh clips to [-1, 1]")


@dataclass(frozen=True)
class TorchActivation:
    """How one of gradlab's activations is written in PyTorch: the ``torch.nn``
    module (by name: torch is imported only when used) and the settings
    ``to_torch`` gives it, the check ``from_torch`` makes of a module's settings,
    or why there is no such module."""

    module: str | None = None     # the torch.nn class; None: no counterpart
    settings: dict = field(default_factory=dict)  # to_torch's keywords
    check: Callable | None = None  # (module, where): raises on settings gradlab can't match
    shown: str | None = None      # how the messages name it (default: module)
    written: bool = True          # False: to_torch adds no module (linear: the Linear alone)
    no_counterpart: str | None = None  # why there is no module

    def make(self, torch):
        """The torch module to_torch appends after the layer's Linear."""
        return getattr(torch.nn, self.module)(**self.settings)


# keyed like nn.activations.ACTIVATIONS (the engine's ACTIVATION_OPS and "linear"):
# a new activation needs a row here (the tests check every name has one)
TORCH_ACTIVATIONS: dict[str, TorchActivation] = {
    "relu": TorchActivation("ReLU"),
    "tanh": TorchActivation("Tanh"),
    "sigmoid": TorchActivation("Sigmoid"),
    "leaky_relu": TorchActivation("LeakyReLU", {"negative_slope": LEAKY_SLOPE},
                                  _check_leaky_relu, shown=f"LeakyReLU({LEAKY_SLOPE})"),
    "softplus": TorchActivation("Softplus", {"beta": 1.0, "threshold": SOFTPLUS_THRESHOLD},
                                _check_softplus),
    "softsign": TorchActivation("Softsign"),
    "hardtanh": TorchActivation("Hardtanh", {"min_val": -1.0, "max_val": 1.0},
                                _check_hardtanh, shown="Hardtanh(-1, 1)"),
    "step": TorchActivation(no_counterpart="the perceptron's step has no torch.nn module "
                                           "(torch.heaviside has no backward)"),
    "sign": TorchActivation(no_counterpart="sign has no torch.nn module (torch.sign is a "
                                           "function, not a layer)"),
    "linear": TorchActivation("Identity", written=False),  # from_torch skips an Identity
}
NO_COUNTERPART = {name: row.no_counterpart for name, row in TORCH_ACTIVATIONS.items()
                  if row.no_counterpart}
_MAPPED = [name for name, row in TORCH_ACTIVATIONS.items() if row.module]
_READ = [row.shown or row.module for row in TORCH_ACTIVATIONS.values() if row.module]


def _activation_name(activation, where: str) -> str:
    """The ACTIVATIONS name of a layer's activation (a name, or one of the functions
    in ACTIVATIONS such as ``Value.tanh``), or a ValueError saying why not."""
    name = activation
    if not isinstance(activation, str):
        name = next((n for n, f in ACTIVATIONS.items() if f is not None and f is activation),
                    None)
    if name not in ACTIVATIONS:  # a function of the learner's, or a unary op by its name
        label = activation if isinstance(activation, str) else \
            getattr(activation, "__name__", type(activation).__name__)
        raise ValueError(
            f"{where} has the custom activation {label!r}, which to_torch cannot translate: "
            f"use one of {', '.join(_MAPPED)}, or build the torch.nn.Sequential yourself")
    row = TORCH_ACTIVATIONS.get(name)
    if row is None or row.module is None:
        reason = row.no_counterpart if row else "nn.pytorch.TORCH_ACTIVATIONS has no row for it"
        raise ValueError(f"{where} uses the activation {name!r}, which has no PyTorch "
                         f"counterpart with the same gradient: {reason}")
    return name


def _linear(torch, weights: np.ndarray, biases: np.ndarray | None):
    """A float64 ``torch.nn.Linear`` holding exactly these numbers. ``skip_init``:
    no random initialisation, so the user's torch random stream is left alone."""
    n_out, n_in = weights.shape
    linear = torch.nn.utils.skip_init(torch.nn.Linear, n_in, n_out, bias=biases is not None,
                                      dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(weights))
        if biases is not None:
            linear.bias.copy_(torch.from_numpy(biases))
    return linear


def _conv(torch, weights: np.ndarray, biases: np.ndarray | None):
    """A float64 ``torch.nn.Conv1d`` or ``Conv2d`` (stride 1, no padding) holding exactly
    these numbers: weights of shape (filters, channels, *kernel)."""
    cls = torch.nn.Conv1d if weights.ndim == 3 else torch.nn.Conv2d
    conv = torch.nn.utils.skip_init(cls, weights.shape[1], weights.shape[0],
                                    tuple(weights.shape[2:]), bias=biases is not None,
                                    dtype=torch.float64)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(weights))
        if biases is not None:
            conv.bias.copy_(torch.from_numpy(biases))
    return conv


def _torch_layers(module) -> list:
    """``module``'s layers as ``("linear", (where, W, b, activation))`` and ``("conv",
    (where, W, b, activation, in_shape))``: its ``torch_layers()`` (``nn.conv``,
    ``nn.Sequential``), else its ``linear_layers()`` (Neuron, Layer, MLP)."""
    own = getattr(module, "torch_layers", None)
    if callable(own):
        return own()
    layers = getattr(module, "linear_layers", None)
    if not callable(layers):
        raise TypeError(f"to_torch expects an nn.MLP, nn.Layer, nn.Neuron, nn.Conv1d, "
                        f"nn.Conv2d or nn.Sequential, got {type(module).__name__}")
    return [("linear", layer) for layer in layers()]


def to_torch(module):
    """The ``torch.nn.Sequential`` (float64) computing what ``module`` computes, with
    copies of its parameters: ``Linear`` + activation for each layer of neurons (a Neuron
    is a Linear with one output), and for a convolution ``Unflatten`` (the flat input as
    (channels, ...)), ``Conv1d``/``Conv2d`` + activation and ``Flatten`` (outputs in
    gradlab's order: filter, row, column), so that the torch model maps (N, nin) to
    (N, nout) as ``predict`` does. Changing one model afterwards leaves the other alone.
    Called as ``model.to_torch()``."""
    layers = _torch_layers(module)
    names = [_activation_name(spec[3], spec[0]) for _, spec in layers]  # check before torch
    torch = _torch()
    parts, shape = [], None  # shape: the (channels, ...) a conv left unflattened, or None
    for (kind, spec), name in zip(layers, names):
        if kind == "conv":
            if shape != tuple(spec[4]):
                if shape is not None:
                    parts.append(torch.nn.Flatten())
                parts.append(torch.nn.Unflatten(1, tuple(spec[4])))
            parts.append(_conv(torch, spec[1], spec[2]))
            shape = (spec[1].shape[0], *(n - k + 1 for n, k in zip(spec[4][1:],
                                                                 spec[1].shape[2:])))
        else:
            if shape is not None:
                parts.append(torch.nn.Flatten())
                shape = None
            parts.append(_linear(torch, spec[1], spec[2]))
        if TORCH_ACTIVATIONS[name].written:
            parts.append(TORCH_ACTIVATIONS[name].make(torch))
    if shape is not None:
        parts.append(torch.nn.Flatten())
    return torch.nn.Sequential(*parts)


# --- reading a torch.nn.Sequential ----------------------------------------------------------


def _describe(name: str, position: int, module) -> str:
    label = f"module {position}" if name == str(position) else f"module {position} ({name!r})"
    return f"{label}, {module!r},"


def _read_activation(torch, module, where: str) -> str:
    """The ACTIVATIONS name of a torch activation module (``"linear"`` for
    Identity). Raises on an activation with other settings, or on a module that is
    none of TORCH_ACTIVATIONS'."""
    for name, row in TORCH_ACTIVATIONS.items():
        if row.module is not None and type(module) is getattr(torch.nn, row.module):
            if row.check is not None:
                row.check(module, where)
            return name
    raise ValueError(f"{where} has no gradlab counterpart: from_torch reads torch.nn.Linear and "
                     f"the activations {', '.join(_READ[:-1])} and {_READ[-1]}")


def _numbers(torch, tensor, what: str, where: str, low_precision: list) -> np.ndarray:
    """A parameter's numbers as a float64 numpy array (exact for every float dtype)."""
    if tensor.device.type == "meta" or torch.nn.parameter.is_lazy(tensor):
        raise ValueError(f"{where} has no numbers in its {what} (a meta or lazy tensor): "
                         "initialise it (run the model once) first")
    if tensor.is_complex() or not tensor.is_floating_point():
        raise ValueError(f"{where} has {what} of dtype {tensor.dtype}; gradlab reads real "
                         "floating-point weights")
    if tensor.dtype != torch.float64:
        low_precision.append(f"{where.rstrip(',')} ({tensor.dtype})")
    array = tensor.detach().to("cpu", torch.float64).numpy().copy()
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{where} has non-finite numbers (nan or inf) in its {what}")
    return array


def _first_of(items: list) -> str:
    more = len(items) - 1
    return items[0] + (f" and {more} other tensor{'s' * (more > 1)} are" if more else " is")


def read_sequential(seq) -> tuple[list, list | None, list]:
    """``(weights, biases, activations)`` of an MLP (``MLP.from_weights``) with the
    weights, biases and activations of a
    ``torch.nn.Sequential`` of ``Linear`` layers, each followed by at most one
    activation module (see the module docstring; ``Identity`` is skipped). Called as
    ``nn.MLP.from_torch(seq)``.

    Anything that cannot be mapped exactly raises ``ValueError`` naming the module and
    its position: another kind of layer (Conv2d, Dropout, BatchNorm, ...), an
    activation with other settings, an activation before the first Linear or right
    after another, Linear sizes that do not chain, some Linear layers with a bias and
    some without (an MLP has biases everywhere or nowhere).

    Weights in float32 (or float16/bfloat16) are copied exactly into float64 with a
    ``UserWarning``: the gradlab model then computes in float64, so its outputs differ
    from the float32 torch model's by float32 rounding (``seq.double()`` makes the two
    agree)."""
    torch = _torch()
    weights, biases, activations, low_precision = [], [], [], []
    last = None  # the Linear of the current layer: "module {position}"
    has_activation = False
    for position, (name, module) in enumerate(_children(torch, seq)):
        where = _describe(name, position, module)
        if type(module) is torch.nn.Linear:
            W, b = _read_linear(torch, module, where, low_precision)
            _check_chain(W, b, where, weights, biases, last)
            weights.append(W)
            biases.append(b)
            activations.append("linear")
            last, has_activation = f"module {position}", False
            continue
        activation = _read_activation(torch, module, where)
        if activation == "linear":  # an Identity: no activation
            continue
        if last is None:
            raise ValueError(f"{where} comes before any torch.nn.Linear: a gradlab layer is "
                             "a Linear followed by its activation")
        if has_activation:
            raise ValueError(f"{where} follows another activation; a gradlab layer has one "
                             f"activation after its Linear ({last})")
        activations[-1], has_activation = activation, True
    if not weights:
        raise ValueError("from_torch found no torch.nn.Linear in the Sequential")
    if low_precision:
        warnings.warn(
            f"from_torch: {_first_of(low_precision)} not float64; the numbers are copied "
            "exactly, but gradlab computes in float64, so "
            "its outputs differ from this torch model's by float32 rounding "
            "(seq.double() makes both float64)", UserWarning, stacklevel=3)
    return weights, None if biases[0] is None else biases, activations


def _children(torch, seq) -> list:
    """The Sequential's ``(name, module)`` pairs; a TypeError or ValueError if there
    is no Sequential or nothing in it."""
    if not isinstance(seq, torch.nn.Sequential):
        hint = (" (wrap it: torch.nn.Sequential(linear))"
                if isinstance(seq, torch.nn.Module) else "")
        raise TypeError(f"from_torch expects a torch.nn.Sequential, got "
                        f"{type(seq).__name__}{hint}")
    children = list(seq.named_children())
    if not children:
        raise ValueError("from_torch got an empty torch.nn.Sequential: it needs at least one "
                         "torch.nn.Linear")
    return children


def _read_linear(torch, module, where: str, low_precision: list) -> tuple:
    """A Linear's ``(W, b)`` as float64 arrays (b None without a bias)."""
    W = _numbers(torch, module.weight, "weight", where, low_precision)
    b = (None if module.bias is None
         else _numbers(torch, module.bias, "bias", where, low_precision))
    if W.ndim != 2 or 0 in W.shape:
        raise ValueError(f"{where} has a weight of shape {tuple(W.shape)}, expected "
                         "a non-empty [out_features, in_features] matrix")
    if b is not None and b.shape != (W.shape[0],):
        raise ValueError(f"{where} has a bias of shape {tuple(b.shape)} for "
                         f"{W.shape[0]} outputs")
    return W, b


def _check_chain(W, b, where: str, weights: list, biases: list, last) -> None:
    """This Linear takes the one before's outputs, and has a bias if it had one."""
    if weights and W.shape[1] != weights[-1].shape[0]:
        raise ValueError(f"{where} expects {W.shape[1]} inputs, but the Linear before "
                         f"it ({last}) has {weights[-1].shape[0]} outputs")
    if biases and (b is None) != (biases[-1] is None):
        raise ValueError(f"{where} has {'no ' if b is None else 'a '}bias but the "
                         f"Linear before it ({last}) has "
                         f"{'one' if b is None else 'none'}: a gradlab MLP has biases "
                         "in every layer or in none")


# --- losses -------------------------------------------------------------------------------


def _tensors(torch, outputs, targets, who: str):
    if not isinstance(outputs, torch.Tensor):
        raise TypeError(f"{who} expects the model's outputs as a torch.Tensor, got "
                        f"{type(outputs).__name__}")
    if outputs.ndim not in (1, 2) or len(outputs) == 0:
        raise ValueError(f"{who} expects outputs of shape (N,) or (N, k) with N >= 1, got "
                         f"{tuple(outputs.shape)}")
    targets = torch.as_tensor(np.asarray(targets) if not isinstance(targets, torch.Tensor)
                              else targets)
    if targets.ndim == 0 or len(targets) != len(outputs):
        raise ValueError(f"{who}: {len(outputs)} outputs but targets of shape "
                         f"{tuple(targets.shape)} (one target per sample)")
    return outputs, targets


def _one_score(outputs, who: str):
    if outputs.ndim == 2 and outputs.shape[1] != 1:
        raise ValueError(f"{who} expects one score per sample, got {outputs.shape[1]}")
    return outputs.reshape(-1)


def _class_indices(torch, targets, k: int, who: str):
    if targets.ndim != 1:
        raise ValueError(f"{who} expects class-index targets of shape (N,), got "
                         f"{tuple(targets.shape)}")
    if targets.is_floating_point() and not torch.all(targets == torch.round(targets)):
        raise ValueError(f"{who}: class targets must be integers")
    if torch.any(targets < 0) or torch.any(targets >= k):
        raise ValueError(f"{who}: class targets must be in [0, {k})")
    return targets.long()


def _mse(outputs, targets):
    torch = _torch()
    outputs, targets = _tensors(torch, outputs, targets, "mse")
    return torch.nn.functional.mse_loss(outputs, targets.to(outputs.dtype).reshape(outputs.shape))


def _half_squared_error(outputs, targets):
    torch = _torch()
    outputs, targets = _tensors(torch, outputs, targets, "half_squared_error")
    return 0.5 * torch.nn.functional.mse_loss(
        outputs, targets.to(outputs.dtype).reshape(outputs.shape), reduction="sum")


def _binary_cross_entropy(outputs, targets):
    torch = _torch()
    outputs, targets = _tensors(torch, outputs, targets, "binary_cross_entropy")
    z = _one_score(outputs, "binary_cross_entropy")
    t = targets.to(z.dtype).reshape(-1)
    if not torch.all((t == 0) | (t == 1)):
        raise ValueError("binary_cross_entropy expects targets 0 or 1")
    return torch.nn.functional.binary_cross_entropy_with_logits(z, t)


def _cross_entropy(outputs, targets):
    torch = _torch()
    outputs, targets = _tensors(torch, outputs, targets, "cross_entropy")
    if outputs.ndim != 2:
        raise ValueError("cross_entropy expects logits of shape (N, k)")
    if targets.ndim == 2:  # one-hot (or probability) rows, as gradlab accepts
        if targets.shape != outputs.shape:
            raise ValueError(f"cross_entropy: target rows of shape {tuple(targets.shape)} for "
                             f"logits of shape {tuple(outputs.shape)}")
        return torch.nn.functional.cross_entropy(outputs, targets.to(outputs.dtype))
    t = _class_indices(torch, targets, outputs.shape[1], "cross_entropy")
    return torch.nn.functional.cross_entropy(outputs, t)


def _hinge(outputs, targets, margin: float = 1.0):
    torch = _torch()
    outputs, targets = _tensors(torch, outputs, targets, "hinge")
    if outputs.ndim != 2:
        raise ValueError("hinge expects scores of shape (N, k)")
    k = outputs.shape[1]
    t = _class_indices(torch, targets, k, "hinge")
    # multi_margin_loss divides each sample's sum over j != y by k; gradlab's does not
    return k * torch.nn.functional.multi_margin_loss(outputs, t, p=1, margin=margin)


def _max_margin(outputs, targets):
    torch = _torch()
    outputs, targets = _tensors(torch, outputs, targets, "max_margin")
    s = _one_score(outputs, "max_margin")
    y = targets.to(s.dtype).reshape(-1)
    if not torch.all(y.abs() == 1):
        raise ValueError("max_margin expects targets -1 or +1 (nn.data.to_pm1)")
    # no builtin: hinge_embedding_loss is x for y = 1, soft_margin_loss is log(1 + e^-ys)
    return torch.relu(1.0 - y * s).mean()


TORCH_LOSSES: dict[str, Callable] = {
    "mse": _mse,
    "half_squared_error": _half_squared_error,
    "bce": _binary_cross_entropy,
    "binary_cross_entropy": _binary_cross_entropy,
    "cross_entropy": _cross_entropy,
    "hinge": _hinge,
    "max_margin": _max_margin,
}


def torch_loss(name: str) -> Callable:
    """gradlab's loss ``name`` as a function ``(outputs, targets) -> scalar tensor`` on
    torch tensors, with the same targets gradlab's takes and the same number:

    - ``mse``: ``F.mse_loss``; ``half_squared_error``: ``0.5 * F.mse_loss(reduction="sum")``
    - ``bce``/``binary_cross_entropy`` (logits, targets 0/1): ``F.binary_cross_entropy_with_logits``
    - ``cross_entropy`` (logits, class indices or one-hot rows): ``F.cross_entropy``
    - ``hinge`` (scores, class indices; ``margin=1.0``): ``k * F.multi_margin_loss``
    - ``max_margin`` (one score, targets -1/+1): ``relu(1 - y * s).mean()`` (no builtin)

    Outputs are ``seq(X)``: shape (N, 1) or (N,) for one score per sample.
    ``l2_penalty`` is not here: in PyTorch it is
    ``0.5 * sum((m.weight ** 2).sum() for m in seq if isinstance(m, torch.nn.Linear))``."""
    if not isinstance(name, str) or name not in TORCH_LOSSES:
        raise ValueError(f"torch_loss: unknown loss {name!r}; expected one of "
                         f"{', '.join(TORCH_LOSSES)}")
    return TORCH_LOSSES[name]

