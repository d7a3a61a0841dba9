"""A neuron's activation: a name, a unary op made with ``autograd.op``, or a function.

``ACTIVATIONS`` is made from the engine's list of activation ops
(``autograd.ops.ACTIVATION_OPS``), so a new activation op appears here, in the
playground and in the PyTorch bridge at once; ``"linear"`` is the identity (no node).
"""

from __future__ import annotations

from collections.abc import Callable

from autograd import Value
from autograd.custom import UserOp, user_op
from autograd.ops import ACTIVATION_OPS

__all__ = ["ACTIVATIONS", "activation_function", "named", "activation_name"]

ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    op.name: getattr(Value, op.name) for op in ACTIVATION_OPS  # leaky_relu: slope 0.01
}
ACTIVATIONS["linear"] = None  # identity: no node at all


def activation_function(activation) -> Callable[[Value], Value] | None:
    """The function for an activation name in ``ACTIVATIONS`` (``None`` for
    ``"linear"``) or of a unary op defined with ``autograd.op``, or the callable
    Value -> Value itself."""
    if callable(activation):
        return activation
    if isinstance(activation, str) and activation in ACTIVATIONS:
        return ACTIVATIONS[activation]
    defined = user_op(activation) if isinstance(activation, str) else None
    if defined is not None and defined.arity == 1:
        return defined
    raise ValueError(
        f"unknown activation {activation!r}; expected one of {', '.join(ACTIVATIONS)}, "
        "the name of a unary op defined with autograd.op (run its definition before "
        "loading a model that uses it), or a callable Value -> Value"
    )


def named(activation):
    """A unary op defined with ``autograd.op`` is kept by its name, so a model that
    uses it can be saved (and loaded where the op is defined again). An op whose name
    already means something here (``"linear"``, the identity) is refused: saved by
    that name it would load as something else."""
    if isinstance(activation, UserOp) and activation.name in ACTIVATIONS:
        raise ValueError(f"the op {activation.name!r} has the name of nn's own activation "
                         f"{activation.name!r} ({_MEANING.get(activation.name, 'built in')}): "
                         "a model saved with it would load with nn's; define your op "
                         f"under another name, e.g. 'my_{activation.name}'")
    if isinstance(activation, UserOp) and user_op(activation.name) is activation \
            and activation.arity == 1:
        return activation.name
    return activation


_MEANING = {"linear": "the identity, no node"}


def activation_name(activation) -> str:
    """How the activation is written in a repr: its name, or its function's name."""
    return activation if isinstance(activation, str) else getattr(activation, "__name__", "custom")
