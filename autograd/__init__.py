"""gradlab's scalar reverse-mode autodiff engine.

>>> from autograd import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> c = a * b + (a / b).tanh() ** 2
>>> c.backward()

The engine, its checks and its drawings need only Python's standard library (and the
``graphviz`` package to draw); ``autograd.compile`` replays graphs over numpy arrays, so
it imports numpy when first used.
"""

import importlib.util

from .custom import OpDefinitionError, UserOp, check_op, op
from .engine import (
    Op,
    StaleGraphError,
    TracingError,
    Value,
    apply,
    is_grad_enabled,
    linear,
    local_gradients,
    no_grad,
    topological_order,
    vmax,
    vmin,
    vsum,
    zero_grad,
)
from .functional import GradcheckError, grad, gradcheck
from .viz import BackwardTrace, GraphDrawing, GraphvizNotFoundError, backward_trace, draw_graph

__all__ = [
    "BackwardTrace",
    "backward_trace",
    "GradcheckError",
    "GraphDrawing",
    "GraphvizNotFoundError",
    "draw_graph",
    "Op",
    "OpDefinitionError",
    "UserOp",
    "apply",
    "check_op",
    "op",
    "StaleGraphError",
    "TracingError",
    "Value",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "linear",
    "local_gradients",
    "no_grad",
    "topological_order",
    "vmax",
    "vmin",
    "vsum",
    "zero_grad",
]
if importlib.util.find_spec("numpy") is not None:  # `from autograd import *` without numpy works
    __all__ += ["Program", "compile"]


def __getattr__(name: str):
    """``compile`` and ``Program`` (the batched replay) import numpy: only when used."""
    if name in ("compile", "Program"):
        try:
            from . import replay
        except ModuleNotFoundError as e:
            if e.name != "numpy":
                raise
            raise ModuleNotFoundError(
                f"autograd.{name} replays graphs over numpy arrays, and numpy is not "
                "installed: pip install numpy (Value, backward, grad, gradcheck and the "
                "drawings work without it)", name="numpy") from None
        return getattr(replay, name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
