"""gradlab's scalar reverse-mode autodiff engine.

>>> from autograd import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> c = a * b + (a / b).tanh() ** 2
>>> c.backward()
"""

from .custom import OpDefinitionError, UserOp, check_op, op
from .engine import (
    Op,
    StaleGraphError,
    TracingError,
    Value,
    apply,
    is_grad_enabled,
    local_gradients,
    no_grad,
    topological_order,
    vmax,
    vmin,
    vsum,
    zero_grad,
)
from .functional import GradcheckError, grad, gradcheck
from .replay import Program, compile  # noqa: A004 (as torch.compile)
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
    "Program",
    "compile",
    "Value",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "local_gradients",
    "no_grad",
    "topological_order",
    "vmax",
    "vmin",
    "vsum",
    "zero_grad",
]
