"""Bad input at every public boundary of both packages, swept by one test.

``public_surface()`` enumerates what users call: every function and class in the
``__all__`` of the packages below (a class stands for its constructor), the public
methods of those classes (an inherited one under the first public class that has it),
the operators users write (``v * x``, ``x < v``) and the setters of settable properties.
Each is either in ``SWEEP`` (a valid call on fresh objects), in ``READ_ONLY`` (a property
that refuses every assignment) or in ``EXEMPT`` with the reason; a test fails on anything
else, so a new public function gets swept or explained.

For each swept call: the valid call works; numpy scalars are numbers wherever Python's
are (``np.int64`` for an int, ``np.float64``/``np.float32`` for a float); and hypothesis
puts junk in one argument at a time (None, str, bytes, NaN, ±inf, negative numbers, 0,
10**400, numpy scalars, bools, lists of junk, arrays of every small shape, objects,
functions, Values). Accepted: success (0 or a numpy scalar is often valid), or a
TypeError/ValueError (an IndexError for a step number out of range, as a list's) whose
message names the argument (by its parameter name, or the
words the function documents for it in ``Call(names=)``; a message ``"f expects ..."``
names f's first argument); an exercise checker's verdict (``WrongAnswer``/``NotDoneYet``,
subclasses of ``ExerciseError``) about an answer argument; an ``OSError`` naming the file
for a file name. Never another exception (a raw AttributeError, KeyError, IndexError,
OverflowError, numpy's messages), never a hang or a runaway allocation (each call runs
under a time limit and a memory ceiling), never nonsense: junk an annotation rules out
(an ``int`` parameter given a str), or NaN returned from finite input.

The hand cases at the end check what the sweep cannot: exact words of the messages,
values that are wrong together (a column vector of targets, ragged outputs)."""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib
import inspect
import json
import math
import operator
import os
import re
import resource
import signal
import tempfile
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
import nn
from autograd import Value, draw_graph, gradcheck, local_gradients, viz, zero_grad
from autograd import exercises as ax
from autograd.replay import array_rules, require

pgm = importlib.import_module("nn.playground")
nx = importlib.import_module("nn.exercises")
npt = importlib.import_module("nn.pytorch")
ops = importlib.import_module("autograd.ops")

MODULES = ["autograd", "autograd.viz", "autograd.exercises", "autograd.replay", "nn", "nn.data",
           "nn.losses", "nn.optim", "nn.init", "nn.plot", "nn.exercises", "nn.pytorch",
           "nn.playground"]

# dunders a user calls through Python's syntax with arguments of their own
OPERATORS = {"__call__", "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
             "__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__neg__", "__abs__",
             "__lt__", "__le__", "__gt__", "__ge__"}


def _owner(cls, name):
    return next(c for c in cls.__mro__ if name in vars(c))


@functools.cache
def public_surface() -> dict:
    """name -> the function object behind it: every function and class in the modules'
    ``__all__`` (a class stands for its constructor), the public methods of those classes
    (inherited ones under the first public class that has them) and their settable
    properties (``name (set)``: the setter). One entry per function object."""
    found, seen, classes = {}, set(), []
    for m in MODULES:
        module = importlib.import_module(m)
        for n in module.__all__:
            obj = getattr(module, n)
            if id(obj) in seen or inspect.ismodule(obj) or not callable(obj):
                continue
            seen.add(id(obj))
            found[f"{m}.{n}"] = obj
            if inspect.isclass(obj):
                classes.append((f"{m}.{n}", obj))
    for qual, cls in classes:
        if issubclass(cls, BaseException):
            continue
        for name in sorted(dir(cls)):
            if name.startswith("_") and name not in OPERATORS:
                continue
            owner = _owner(cls, name)
            if owner is object or owner.__module__ == "builtins":
                continue
            attr = inspect.getattr_static(owner, name)
            if isinstance(attr, property):
                if attr.fset is None:
                    continue
                fn, key = attr.fset, f"{qual}.{name} (set)"
            elif isinstance(attr, (staticmethod, classmethod)):
                fn, key = attr.__func__, f"{qual}.{name}"
            elif inspect.isfunction(attr):
                fn, key = attr, f"{qual}.{name}"
            else:
                continue
            if id(fn) not in seen:
                seen.add(id(fn))
                found[key] = fn
    return found


# What the sweep leaves out, and why. Everything else public is swept.
EXEMPT = {
    # exceptions: raised by gradlab, not called with user arguments
    **{f"autograd.{e}": "an exception class" for e in
       ["GradcheckError", "GraphvizNotFoundError", "OpDefinitionError", "StaleGraphError",
        "TracingError"]},
    **{f"autograd.exercises.{e}": "an exception class (a checker's verdict)" for e in
       ["ExerciseError", "NotDoneYet", "WrongAnswer"]},
    # results gradlab makes and hands out: their constructors take gradlab's own internals
    # (users get them from the function named; their public methods are swept)
    "autograd.BackwardTrace": "made by backward_trace (swept)",
    "autograd.UserOp": "made by autograd.op (swept)",
    "autograd.Op": "the op table's entries (autograd.ops); users make ops with autograd.op",
    "autograd.Op.bind": "the engine's: stamps a recorded op (an int from the engine)",
    "autograd.Op.labelled": "the engine's: an op's label when it is recorded",
    "autograd.Op.with_arg": "the engine's: an op with its parameter (leaky_relu's alpha)",
    "autograd.replay.Plan": "made by Program.plan (swept)",
    "autograd.replay.Plan.forward": "a step Program runs on the arrays it prepared itself",
    "autograd.replay.Plan.backward": "a step Program runs on the arrays it prepared itself",
    "autograd.replay.Plan.output_rows": "a step Program runs on the arrays it prepared itself",
    "autograd.replay.Plan.parameter_gradients": "a step Program runs on its own arrays",
    "autograd.replay.Plan.release": "a step Program runs on the arrays it prepared itself",
    "autograd.replay.Plan.holding": "a step Program runs: which held arrays are its own",
    "autograd.replay.Plan.add_parameter_gradients": "a step Program runs on its own arrays",
    "autograd.replay.Plan.parameter_numbers": "a step Program runs on its own arrays",
    "autograd.viz.ForwardStep": "a record in BackwardTrace.steps, made by backward_trace",
    "autograd.viz.Step": "a record in BackwardTrace.steps, made by backward_trace",
    "autograd.viz.GraphParts": "a record a model's graph_parts returns (swept: nn.MLP's)",
    "autograd.viz.Scene.dot": "the player's: DOT text of a frame from the trace's own cells",
    "autograd.viz.Scene.flow_text": "the player's: an edge label from the trace's numbers",
    "autograd.viz.Scene.grad_cell": "the player's: a node's cell from the trace's numbers",
    "autograd.viz.Scene.local_text": "the player's: an edge label from the trace's numbers",
    "autograd.viz.Scene.scale": "the player's: the colour scale of the trace's gradients",
    "autograd.viz.Scene.static_texts": "the player's: labels from the trace's numbers",
    "autograd.exercises.Passed": "a checker's result (a str), made by the checkers",
    "autograd.exercises.Summary": "made by exercises.summary (swept)",
    "nn.History": "made by fit (swept); its fields are plain lists",
    "nn.pytorch.TorchActivation": "a row of the table TORCH_ACTIVATIONS (data, not a call)",
    "nn.pytorch.TorchActivation.make": "called by to_torch with the torch module it imported",
    # abstract: raise NotImplementedError by design; each subclass's own is swept
    "nn.Module.__call__": "abstract: each module's own __call__ is swept",
    "nn.optim.Optimizer.step": "abstract: SGD.step and Adam.step are swept",
    "nn.optim.Schedule.lr_at": "abstract: each schedule's own lr_at is swept",
    "nn.Conv1d.linear_layers": "Module's: a TypeError by design (a module not made of layers "
                               "of neurons says so); MLP's, Layer's, ... are swept",
}


# --- a call, and junk in one of its arguments ----------------------------------------------------


class Call:
    """A valid call: ``fn(*args, **kwargs)`` on fresh objects. ``covers``: the public
    function it exercises when ``fn`` is not it (an operator, a setter, a subclass);
    ``only``: the parameters to put junk in (default: all); ``names``: more words a message
    may use for a parameter (the name the function documents for it); ``verdict``: answer
    parameters where an exercise checker's WrongAnswer/NotDoneYet is a verdict; ``files``:
    file-name parameters (an OSError naming the file is documented); ``untyped``:
    parameters whose annotation is looser than it reads (a Value accepted for a float);
    ``indices``: step numbers, where an IndexError naming it is documented (as a list's);
    ``errors``: more exception types the function documents (a verdict such as
    GradcheckError, or a float's ZeroDivisionError)."""

    def __init__(self, fn, /, *args, covers=None, only=None, names=None, verdict=(),
                 files=(), untyped=(), indices=(), errors=(), **kwargs):
        self.fn, self.args, self.kwargs = fn, list(args), kwargs
        self.indices, self.errors = set(indices), tuple(errors)
        self.covers, self.verdict, self.files = covers, set(verdict), set(files)
        self.only, self.names, self.untyped = only, names or {}, set(untyped)
        self.signature = inspect.signature(fn)

    def function(self):
        if self.covers is not None:
            return self.covers
        return self.fn if inspect.isclass(self.fn) else getattr(self.fn, "__func__", self.fn)

    def parameters(self) -> list:
        names = []
        for p in self.signature.parameters.values():
            if self.only is not None and p.name not in self.only:
                continue
            if p.kind is p.VAR_KEYWORD:
                names += [k for k in self.kwargs if k not in self.signature.parameters]
                names.append("bogus_option")
            elif p.kind is p.VAR_POSITIONAL:
                names.append("*" + p.name)
            elif not p.name.startswith("_"):
                names.append(p.name)
        return names

    def first(self) -> str | None:
        return next(iter(self.signature.parameters), None)

    def annotation(self, name):
        p = self.signature.parameters.get(name)
        return None if p is None or p.annotation is p.empty else p.annotation

    def number_parameters(self) -> list:
        """The parameters whose valid argument is a Python int or float."""
        bound = self.signature.bind(*self.args, **self.kwargs)
        return [n for n, v in bound.arguments.items()
                if type(v) in (int, float) and (self.only is None or n in self.only)]

    def with_(self, name, value):
        """The same call with ``value`` in place of argument ``name``."""
        if name == "bogus_option":
            return self.args, {**self.kwargs, name: value}
        bound = self.signature.bind(*self.args, **self.kwargs)
        if name.startswith("*"):
            rest = list(bound.arguments.get(name[1:], ()))
            rest[:1] = [value]
            bound.arguments[name[1:]] = tuple(rest)
        elif name not in self.signature.parameters:  # a **kwargs key
            return self.args, {**self.kwargs, name: value}
        else:
            bound.arguments[name] = value
        return list(bound.args), dict(bound.kwargs)

    def words(self, name) -> list:
        base = name.lstrip("*")
        return [base, *self.names.get(base, ())]


def Set(obj, attr, value, **options):
    """Assigning a settable property, as a call."""
    fset = inspect.getattr_static(_owner(type(obj), attr), attr).fset

    def assign(value):
        setattr(obj, attr, value)

    options.setdefault("names", {"value": (attr,)})
    return Call(assign, value, covers=fset, **options)


def Op(op, a, b, dunder, **options):
    """``op(a, b)`` (Python's operator) as a call covering ``Value.<dunder>``."""
    return Call(op, a, b, covers=vars(Value)[dunder], **options)


# --- guards: a time limit and a memory ceiling per call -------------------------------------------


class Hang(BaseException):
    """A call ran past its time limit (a BaseException: no library ``except`` catches it)."""


SECONDS = 20  # a generous limit for one call on a loaded machine: a hang, not slowness
HEADROOM = 3 << 30  # bytes of address space a call may add (numpy's 7 TiB never comes)


@contextlib.contextmanager
def guarded(seconds=SECONDS):
    def alarm(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as f:
        used = int(f.read().split()[0]) * resource.getpagesize()
    ceiling = used + HEADROOM if hard == resource.RLIM_INFINITY else min(hard, used + HEADROOM)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# --- valid calls on fresh objects -----------------------------------------------------------------

X2, Y2 = np.array([[0.5, -1.0], [1.5, 0.25], [-0.5, 2.0], [1.0, 1.0]]), np.array([0, 1, 1, 0])
PM = np.array([1.0, -1.0, 1.0, -1.0])


def leaf(x=2.0, label="a"):
    return Value(x, label=label)


def expr():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    return (a * b + a.tanh()).relu() + b


def backed():
    e = expr()
    e.backward()
    return e


def model():
    return nn.MLP(2, [3, 1], rng=0)


def loss_of(m, x=(0.5, -1.0), t=1.0):
    out = m(list(x))
    out = out[0] if isinstance(out, list) else out
    return (out - t) ** 2


def trace(module=False):
    if module:
        m = model()
        return autograd.backward_trace(loss_of(m), module=m)
    return autograd.backward_trace(expr())


def program():
    m = model()
    return autograd.compile(lambda x, y: nn.max_margin([m(x)], [y]))


def ran_plan():
    """A plan that has run once (its input shapes known), so ``code`` can show it."""
    p = program()
    p(X2, PM)
    return p.plan(X2, PM)


def _sigma(x):
    return 1 / (1 + math.exp(-x))


def op_swish():
    return autograd.op("sweep_swish", forward=lambda x: x * _sigma(x),
                       local=lambda x, out: _sigma(x) + out * (1 - _sigma(x)))


def conv1d():
    return nn.Conv1d(5, filters=2, size=3, rng=0)


def conv2d():
    return nn.Conv2d((4, 4), filters=2, size=3, rng=0)


def sequential(dense=False):
    if dense:
        return nn.Sequential(nn.Layer(2, 3, rng=0), nn.Layer(3, 1, rng=1))
    return nn.Sequential(nn.Conv1d(5, filters=2, size=3, rng=0), nn.Layer(6, 1, rng=1))


def sgd():
    return nn.SGD(model().parameters(), lr=0.1)


def history():
    return nn.fit(model(), X2, Y2, epochs=2, progress=False, record_grad_norms=True,
                  snapshots=2)


def notebook():
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                       "execution_count": None,
                       "source": "# SOLUTION: answer\nanswer = 42\n"}]}


def notebook_file():
    with open("teacher.ipynb", "w") as f:
        json.dump(notebook(), f)
    return os.path.abspath("teacher.ipynb")


def model_file():
    model().save("model.json")
    return os.path.abspath("model.json")


def points_file():
    with open("points.csv", "w") as f:
        f.write("x1,x2,label\n0.5,1.0,0\n-1.0,2.0,1\n1.5,-0.5,1\n0.0,0.0,0\n")
    return os.path.abspath("points.csv")


def stepped():
    pg = nn.playground(data="xor", n_samples=40, layers=[3], batch_size=10)
    pg.step()
    return pg


def figure():
    import matplotlib.figure
    return matplotlib.figure.Figure(figsize=(2, 2))


def sums_and_filter():
    c = conv1d()
    out = c([Value(float(i)) for i in range(5)])
    order = autograd.topological_order(Value.sum(out))
    f = c.filters[0]
    return c.locate, [v for v in order if v.op == "sum" and any(p in f.w for p in v.parents)], f


def deltas_of(m, layer=0):
    loss = nn.half_squared_error([m([0.5, -1.0])], [1.0])
    loss.backward()
    from nn.graph import find_neurons
    return [n.u.grad for n in find_neurons(m, autograd.topological_order(loss))
            if n.layer == layer]


def sgd_numbers():
    return dict(params=[1.0, -2.0], grads=[0.5, 0.25], new_params=[0.95, -2.025], lr=0.1)


def ce_numbers():
    z = [1.0, 2.0, 0.5]
    e = [math.exp(v - max(z)) for v in z]
    p = [v / sum(e) for v in e]
    return dict(logits=z, target=1, loss=-math.log(p[1]), gradient=[p[0], p[1] - 1, p[2]])


def seq_torch():
    import torch
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(),
                               torch.nn.Linear(3, 1)).double()


def animation_model_history():
    m = model()
    return m, nn.fit(m, X2, Y2, epochs=2, progress=False, snapshots=2)


MODULE_FACTORIES = {"MLP": model, "Layer": lambda: nn.Layer(2, 3, rng=0),
                    "Neuron": lambda: nn.Neuron(2, rng=0), "Conv1d": conv1d, "Conv2d": conv2d,
                    "Sequential": lambda: sequential(dense=True), "Module": nn.Module}


def module_method(owner, method):
    return lambda: Call(getattr(MODULE_FACTORIES[owner](), method))


EXERCISE = {"names": {"tol": ("tol", "tolerance")}}
BATCHES = {"names": {"arrays": ("argument", "arguments")}}  # "argument 0 must ..."
SIZES = ("parameters",)  # "MLP(10**9, ...) would have N parameters, more than ..."
PARAMS = {"params": ("parameter",)}  # "SGD: parameter 0 is a str, not a Value"
TARGETS = {"targets": ("target",), "outputs": ("output",)}

SWEEP = {
    # -- autograd: the engine
    "autograd.Value": lambda: Call(Value, 2.0, label="a"),
    "autograd.Value.data (set)": lambda: Set(leaf(), "data", 3.0,
                                             names={"value": ("data", "Value.data")}),
    "autograd.Value.label (set)": lambda: Set(leaf(), "label", "b"),
    "autograd.Value.sum": lambda: Call(Value.sum, [leaf(), 1.0], names={"values": ("value",)}),
    "autograd.Value.max": lambda: Call(Value.max, [leaf(), 1.0], names={"values": ("value",)}),
    "autograd.Value.min": lambda: Call(Value.min, [leaf(), 1.0], names={"values": ("value",)}),
    "autograd.Value.logsumexp": lambda: Call(Value.logsumexp, [leaf(), 1.0],
                                             names={"values": ("value",)}),
    "autograd.Value.backward": lambda: Call(expr().backward, gradient=1.0),
    "autograd.Value.leaky_relu": lambda: Call(leaf(-2.0).leaky_relu, alpha=0.01),
    **{f"autograd.Value.{m}": (lambda m=m: Call(getattr(leaf(0.5), m)))
       for m in ["detach", "exp", "hardtanh", "log", "relu", "sigmoid", "sign", "softplus",
                 "softsign", "sqrt", "step", "tanh", "__neg__", "__abs__"]},
    "autograd.vmax": lambda: Call(autograd.vmax, [leaf(), 1.0], names={"values": ("value",)}),
    "autograd.vmin": lambda: Call(autograd.vmin, [leaf(), 1.0], names={"values": ("value",)}),
    "autograd.vsum": lambda: Call(autograd.vsum, [leaf(), 1.0], names={"values": ("value",)}),
    "autograd.zero_grad": lambda: Call(autograd.zero_grad, [leaf(), leaf()]),
    "autograd.linear": lambda: Call(autograd.linear, [leaf(), 1.0], [leaf(), leaf()], leaf()),
    "autograd.apply": lambda: Call(autograd.apply, ops.TANH, leaf(),
                                   names={"inputs": ("input", "tanh")}),
    "autograd.grad": lambda: Call(autograd.grad, *(lambda a: ((a * a).tanh(), a))(leaf()),
                                  create_graph=False),
    "autograd.gradcheck": lambda: Call(autograd.gradcheck, lambda a, b: a * b.tanh(),
                                       [0.5, 1.5], eps=1e-6, atol=1e-5, rtol=1e-3,
                                       raise_exception=True, errors=(autograd.GradcheckError,),
                                       names={"inputs": ("input", "positional argument",
                                                         "positional arguments")}),
    "autograd.is_grad_enabled": lambda: Call(autograd.is_grad_enabled),
    "autograd.local_gradients": lambda: Call(autograd.local_gradients, expr(),
                                             create_graph=False),
    "autograd.no_grad": lambda: Call(autograd.no_grad, lambda: 1, names={"func": ("function",)}),
    "autograd.no_grad.__call__": lambda: Call(autograd.no_grad().__call__, lambda: 1,
                                              names={"func": ("function",)}),
    "autograd.topological_order": lambda: Call(autograd.topological_order, expr()),
    "autograd.op": lambda: Call(autograd.op, "sweep_swish", forward=lambda x: x * _sigma(x),
                                local=lambda x, out: _sigma(x) + out * (1 - _sigma(x)),
                                arity=1, array_forward=None, array_local=None,
                                names={"fn": ("name", "forward function")}),
    "autograd.check_op": lambda: Call(autograd.check_op, op_swish(), points=[0.5, 1.0],
                                      eps=1e-6, atol=1e-6, rtol=1e-4, raise_exception=True,
                                      errors=(autograd.GradcheckError,),
                                      # a huge eps steps out of the op's domain at every point
                                      names={"eps": ("points",), "points": ("point",)}),
    "autograd.UserOp.__call__": lambda: Call(op_swish().__call__, leaf(),
                                             names={"inputs": ("input", "sweep_swish")}),
    "autograd.UserOp.array_rules": lambda: Call(op_swish().array_rules),
}

# x (op) junk and junk (op) x: Python's operators. A Value gives way (NotImplemented) to an
# operand that is not a number, as float does, so Python's own messages name the operand:
# "unsupported operand", "can't multiply sequence", "can only concatenate"; a number that
# does not fit in a float is refused as Value(x) is ("Value: data must fit in a float");
# x / 0 is a ZeroDivisionError, as with floats.
OPERAND = ("operand", "exponent", "sequence", "concatenate", "concat", "Concatenation", "Value")
for _name, _op in [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                   ("truediv", operator.truediv), ("pow", operator.pow)]:
    SWEEP[f"autograd.Value.__{_name}__"] = (
        lambda _op=_op, _name=_name: Op(_op, leaf(1.5), 2.0, f"__{_name}__", only=("b",),
                                        names={"b": OPERAND}, errors=(ZeroDivisionError,)))
    SWEEP[f"autograd.Value.__r{_name}__"] = (
        lambda _op=_op, _name=_name: Op(_op, 2.0, leaf(1.5), f"__r{_name}__", only=("a",),
                                        names={"a": OPERAND}, errors=(ZeroDivisionError,)))
for _name, _op in [("lt", operator.lt), ("le", operator.le), ("gt", operator.gt),
                   ("ge", operator.ge)]:
    SWEEP[f"autograd.Value.__{_name}__"] = (
        lambda _op=_op, _name=_name: Op(_op, leaf(1.5), 2.0, f"__{_name}__", only=("b",),
                                        names={"b": ("operand", "comparison")}))

SWEEP.update({
    # -- autograd: drawings and the step-through
    "autograd.backward_trace": lambda: Call(autograd.backward_trace, expr(), gradient=1.0,
                                            module=None, collapse=None, forward=False),
    "autograd.GraphDrawing": lambda: Call(autograd.GraphDrawing, "digraph { a -> b }"),
    "autograd.draw_graph": lambda: Call(autograd.draw_graph, expr(), rankdir="LR",
                                        show_grad=True, edge_labels="flow", precision=4,
                                        max_nodes=400, module=None, collapse=None, focus=None,
                                        grads=None, layout="auto"),
    "autograd.GraphDrawing.png": lambda: Call(autograd.draw_graph(expr()).png),
    "autograd.GraphDrawing.save": lambda: Call(autograd.draw_graph(expr()).save, "g.svg",
                                               files=("path",), names={"path": ("file name",)}),
    "autograd.GraphDrawing.svg": lambda: Call(autograd.draw_graph(expr()).svg),
    "autograd.viz.Explorer": lambda: Call(viz.Explorer, expr(), module=None, leaves=None,
                                          edge_labels="auto", precision=4),
    "autograd.viz.explore": lambda: Call(viz.explore, expr(), module=None, leaves=None,
                                         edge_labels="auto", precision=4),
    "autograd.viz.Explorer.drawing": lambda: Call(viz.explore(expr()).drawing),
    "autograd.viz.Explorer.reset": lambda: Call(viz.explore(expr()).reset),
    "autograd.viz.Explorer.set": lambda: Call(viz.explore(expr()).set, "a", 1.5),
    "autograd.viz.Explorer.show": lambda: Call(viz.explore(expr()).show),
    "autograd.viz.Scene": lambda: Call(viz.Scene, expr(), rankdir="LR", show_grad=True,
                                       edge_labels=None, precision=4, max_nodes=400,
                                       module=None, collapse=None, focus=None, order=None,
                                       names=None, layout="auto"),
    "autograd.viz.node_names": lambda: Call(viz.node_names, autograd.topological_order(expr()),
                                            parts=None),
    "autograd.viz.render": lambda: Call(viz.render, "digraph { a -> b }", fmt="svg"),
    "autograd.BackwardTrace.caption": lambda: Call(trace().caption, 1, view=None,
                                                                 indices=("k",)),
    "autograd.BackwardTrace.frame": lambda: Call(trace().frame, 1, view=None, precision=3,
                                                             indices=("k",)),
    "autograd.BackwardTrace.frame_data": lambda: Call(trace().frame_data, view=None,
                                                      precision=3),
    "autograd.BackwardTrace.show": lambda: Call(trace().show, view=None),
    "autograd.BackwardTrace.table": lambda: Call(trace(module=True).table, view="neuron"),
    "autograd.BackwardTrace.text": lambda: Call(trace().text, precision=4, view=None),
    "autograd.BackwardTrace.html": lambda: Call(trace().html, title="T"),
    "autograd.BackwardTrace.to_html": lambda: Call(trace().to_html, "trace.html", title="T",
                                                   view=None, precision=3, files=("path",)),
    "autograd.BackwardTrace.view": lambda: Call(trace().view, "scalar", precision=3),
    "autograd.BackwardTrace.view_names": lambda: Call(trace().view_names),
    # -- autograd.replay
    "autograd.Program": lambda: Call(autograd.Program, lambda x: x * 2, has_aux=False,
                                     fuse=True),
    "autograd.compile": lambda: Call(autograd.compile, lambda x: x * 2, has_aux=False,
                                     fuse=True),
    "autograd.Program.__call__": lambda: Call(program().__call__, X2, PM, **BATCHES),
    "autograd.Program.draw": lambda: Call(program().draw, X2, PM, reduction="mean",
                                          precision=3, **BATCHES),
    "autograd.Program.plan": lambda: Call(program().plan, X2, PM, fuse=None, **BATCHES),
    "autograd.Program.value_and_grad": lambda: Call(program().value_and_grad, X2, PM,
                                                    reduction="mean", **BATCHES),
    "autograd.replay.Plan.summary": lambda: Call(program().plan(X2, PM).summary),
    "autograd.replay.Plan.code": lambda: Call(ran_plan().code, 4),
    "autograd.replay.require": lambda: Call(require, [leaf()], lambda a: True,
                                            "targets {got}",  # the caller's own message
                                            names={"predicate": ("targets",)}),
    "autograd.replay.array_rules": lambda: Call(array_rules, ops.TANH),
    # -- autograd.exercises
    "autograd.exercises.check_local_gradient": lambda: Call(
        ax.check_local_gradient, "tanh", lambda x: 1 - math.tanh(x) ** 2, tol=1e-6, at=None,
        verdict=("rule",), **EXERCISE),
    "autograd.exercises.check_backward": lambda: Call(ax.check_backward, backed(), tol=1e-6,
                                                      verdict=("root",), **EXERCISE),
    "autograd.exercises.check_custom_op": lambda: Call(ax.check_custom_op, op_swish(),
                                                       reference="swish", tol=1e-6, at=None,
                                                       verdict=("op",), **EXERCISE),
    "autograd.exercises.keep_going": lambda: Call(ax.keep_going, on=False),
    "autograd.exercises.grading": lambda: Call(ax.grading),
    "autograd.exercises.graded": lambda: Call(ax.graded),
    "autograd.exercises.sample_points": lambda: Call(ax.sample_points, [0.5, 1.0], 1, "at"),
    "autograd.exercises.summary": lambda: Call(ax.summary, reset=False),
    "autograd.exercises.checker": lambda: Call(ax.checker, lambda *a, **k: "it"),
    "autograd.exercises.strip_solutions": lambda: Call(ax.strip_solutions, notebook()),
    "autograd.exercises.strip_notebook": lambda: Call(ax.strip_notebook, notebook_file(),
                                                      "student.ipynb", in_place=False,
                                                      files=("src", "dst")),
    "autograd.exercises.main": lambda: Call(ax.main, ["--strip", notebook_file(), "-o",
                                                      "student.ipynb"]),
    "autograd.exercises.answer_number": lambda: Call(ax.answer_number, 1.5, "x",
                                                     verdict=("value",)),
    "autograd.exercises.answer_numbers": lambda: Call(ax.answer_numbers, [1.5, 2.0], "xs",
                                                      length=2, verdict=("values",),
                                                      names={"length": ("numbers",)}),
    "autograd.exercises.close": lambda: Call(ax.close, 1.0, 1.0 + 1e-9, 1e-6),
    "autograd.exercises.not_done": lambda: Call(ax.not_done, 1.0, "check", "the answer",
                                                verdict=("value",)),
    "autograd.exercises.passed": lambda: Call(ax.passed, "done"),
    "autograd.exercises.short": lambda: Call(ax.short, 1.5),
    "autograd.exercises.show": lambda: Call(ax.show, [1.5, 2]),
    "autograd.exercises.tolerance": lambda: Call(ax.tolerance, 1e-6, "check"),
    # -- nn: modules
    "nn.MLP": lambda: Call(nn.MLP, 2, [3, 1], activation="relu", output_activation="linear",
                           init="auto", bias=True, rng=0,
                           names={"nin": SIZES, "sizes": ("size", *SIZES),
                                  "activation": ("activations",),
                                  "output_activation": ("activation",)}),
    "nn.Layer": lambda: Call(nn.Layer, 2, 3, activation="relu", init="auto", bias=True, rng=0,
                             names={"nin": SIZES, "nout": SIZES}),
    "nn.Neuron": lambda: Call(nn.Neuron, 2, activation="relu", init="auto", bias=True, rng=0,
                              names={"nin": SIZES}),
    "nn.Conv1d": lambda: Call(nn.Conv1d, 5, filters=2, size=3, channels=1, activation="relu",
                              init="auto", bias=True, rng=0,
                              names={"filters": SIZES, "channels": SIZES, "length": SIZES,
                                     "size": ("filter",)}),
    "nn.Conv2d": lambda: Call(nn.Conv2d, (4, 4), filters=2, size=3, channels=1,
                              activation="relu", init="auto", bias=True, rng=0,
                              names={"filters": SIZES, "channels": SIZES, "shape": SIZES,
                                     "size": ("filter",)}),
    "nn.Sequential": lambda: Call(nn.Sequential, conv1d(), nn.Layer(6, 1, rng=1),
                                  names={"layers": ("layer",)}),
    "nn.Module": lambda: Call(nn.Module),
    "nn.Perceptron": lambda: Call(nn.Perceptron, 2, lr=1.0, names={"nin": SIZES}),
    "nn.Adaline": lambda: Call(nn.Adaline, 2, lr=0.05, names={"nin": SIZES}),
    "nn.load": lambda: Call(nn.load, model_file(), files=("path",)),
    "nn.module_view": lambda: Call(nn.module_view, *(lambda m: (loss_of(m), m))(model())),
    "nn.MLP.__call__": lambda: Call(model().__call__, [0.5, -1.0]),
    "nn.Layer.__call__": lambda: Call(nn.Layer(2, 3, rng=0).__call__, [0.5, -1.0]),
    "nn.Neuron.__call__": lambda: Call(nn.Neuron(2, rng=0).__call__, [0.5, -1.0]),
    "nn.Conv1d.__call__": lambda: Call(conv1d().__call__, [0.1, 0.2, 0.3, 0.4, 0.5]),
    "nn.Sequential.__call__": lambda: Call(sequential().__call__, [0.1, 0.2, 0.3, 0.4, 0.5]),
    "nn.MLP.predict": lambda: Call(model().predict, X2),
    "nn.MLP.save": lambda: Call(model().save, "m.json", files=("path",)),
    "nn.MLP.load": lambda: Call(model().load, model_file(), files=("path",)),
    "nn.MLP.load_state_dict": lambda: Call(model().load_state_dict, model().state_dict()),
    "nn.MLP.graph_parts": lambda: Call(model().graph_parts,
                                       autograd.topological_order(loss_of(model()))),
    "nn.MLP.activation (set)": lambda: Set(model(), "activation", "tanh",
                                           names={"value": ("activation", "activations")}),
    "nn.MLP.output_activation (set)": lambda: Set(model(), "output_activation", "sigmoid",
                                                  names={"value": ("activation",)}),
    "nn.Layer.activation (set)": lambda: Set(nn.Layer(2, 3, rng=0), "activation", "tanh"),
    "nn.Neuron.activation (set)": lambda: Set(nn.Neuron(2, rng=0), "activation", "tanh"),
    "nn.Conv1d.activation (set)": lambda: Set(conv1d(), "activation", "tanh"),
    "nn.MLP.from_weights": lambda: Call(nn.MLP.from_weights, [[[1.0, 2.0]], [[3.0]]],
                                        biases=[[0.5], [0.25]], activations="linear",
                                        names={"activations": ("activation",),
                                               "weights": ("weight",), "biases": ("bias",)}),
    "nn.Neuron.from_weights": lambda: Call(nn.Neuron.from_weights, [1.0, 1.0], bias=-1.5,
                                           activation="step"),
    "nn.MLP.from_torch": lambda: Call(nn.MLP.from_torch, seq_torch()),
    "nn.Conv1d.input_index": lambda: Call(conv1d().input_index, 1, 2),
    "nn.Conv1d.position_name": lambda: Call(conv2d().position_name, 2),
    "nn.Conv1d.locate": lambda: Call(*sums_and_filter()),
    "nn.Perceptron.__call__": lambda: Call(nn.Perceptron(2).__call__, [0.5, -1.0]),
    "nn.Perceptron.fit": lambda: Call(nn.Perceptron(2).fit, X2, Y2, epochs=3, seed=0),
    "nn.Perceptron.predict": lambda: Call(nn.Perceptron(2).predict, X2),
    "nn.Adaline.__call__": lambda: Call(nn.Adaline(2).__call__, [0.5, -1.0]),
    "nn.Adaline.fit": lambda: Call(nn.Adaline(2).fit, X2, Y2, epochs=3, seed=0),
    "nn.Adaline.predict": lambda: Call(nn.Adaline(2).predict, X2),
    **{f"nn.{owner}.{m}": module_method(owner, m)
       for owner, m in [("MLP", "config"), ("MLP", "filter_paths"), ("MLP", "linear_layers"),
                        ("MLP", "named_parameters"), ("MLP", "neuron_paths"),
                        ("MLP", "parameters"), ("MLP", "state_dict"), ("MLP", "to_torch"),
                        ("MLP", "trace_views"), ("MLP", "zero_grad"), ("Conv1d", "config"),
                        ("Conv1d", "conv_layer"), ("Conv1d", "filter_paths"),
                        ("Conv1d", "named_parameters"), ("Conv1d", "to_torch"),
                        ("Conv1d", "torch_layers"), ("Conv1d", "trace_views"),
                        ("Conv1d", "neuron_paths"),
                        ("Conv2d", "config"), ("Layer", "config"), ("Layer", "linear_layers"),
                        ("Layer", "named_parameters"), ("Layer", "neuron_paths"),
                        ("Layer", "to_torch"), ("Module", "config"),
                        ("Module", "named_parameters"), ("Neuron", "config"),
                        ("Neuron", "linear_layers"), ("Neuron", "named_parameters"),
                        ("Neuron", "neuron_paths"), ("Neuron", "to_torch"),
                        ("Sequential", "config"), ("Sequential", "filter_paths"),
                        ("Sequential", "linear_layers"), ("Sequential", "named_parameters"),
                        ("Sequential", "neuron_paths"), ("Sequential", "to_torch"),
                        ("Sequential", "torch_layers"), ("Sequential", "trace_views")]},
    # -- nn: losses
    "nn.mse": lambda: Call(nn.mse, [leaf(0.5), leaf(1.5)], [1.0, 2.0],
                           names=TARGETS),
    "nn.half_squared_error": lambda: Call(nn.half_squared_error, [leaf(0.5)], [1.0],
                                          names=TARGETS),
    "nn.binary_cross_entropy": lambda: Call(nn.binary_cross_entropy, [leaf(0.5), leaf(-1.)],
                                            [1, 0], names=TARGETS),
    "nn.cross_entropy": lambda: Call(nn.cross_entropy, [[leaf(0.5), leaf(-1.0)]], [1],
                                     names=TARGETS),
    "nn.hinge": lambda: Call(nn.hinge, [[leaf(0.5), leaf(-1.0)]], [1], margin=1.0,
                             names=TARGETS),
    "nn.max_margin": lambda: Call(nn.max_margin, [leaf(0.5), leaf(-1.)], [1, -1],
                                  names=TARGETS),
    "nn.softmax": lambda: Call(nn.softmax, [leaf(0.5), leaf(-1.0)]),
    "nn.log_softmax": lambda: Call(nn.log_softmax, [leaf(0.5), leaf(-1.0)]),
    "nn.l2_penalty": lambda: Call(nn.l2_penalty, model(), weights_only=True),
    # -- nn: training
    "nn.fit": lambda: Call(nn.fit, model(), X2, Y2, loss="max_margin", optimizer=None,
                           epochs=2, batch_size=None, schedule=None, l2=0.0, shuffle=True,
                           seed=0, progress=False, record_grad_norms=False, validation=None,
                           compiled=None, snapshots=None),
    "nn.History.as_dict": lambda: Call(history().as_dict),
    "nn.SGD": lambda: Call(nn.SGD, model().parameters(), lr=0.1, momentum=0.5,
                           weight_decay=0.0, nesterov=False, names=PARAMS),
    "nn.Adam": lambda: Call(nn.Adam, model().parameters(), lr=0.01, betas=(0.9, 0.999),
                            eps=1e-8, weight_decay=0.0, names=PARAMS),
    "nn.optim.Optimizer": lambda: Call(nn.optim.Optimizer, model().parameters(), lr=0.1,
                                       names=PARAMS),
    "nn.SGD.step": lambda: Call(sgd().step),
    "nn.Adam.step": lambda: Call(nn.Adam(model().parameters()).step),
    "nn.Adam.zero_grad": lambda: Call(sgd().zero_grad),
    "nn.Adam.lr (set)": lambda: Set(sgd(), "lr", 0.05),
    "nn.optim.Schedule": lambda: Call(nn.optim.ConstantLR, sgd(), covers=nn.optim.Schedule),
    "nn.optim.ConstantLR": lambda: Call(nn.optim.ConstantLR, sgd()),
    "nn.optim.StepLR": lambda: Call(nn.optim.StepLR, sgd(), step_size=2, gamma=0.5),
    "nn.optim.ReduceLROnPlateau": lambda: Call(nn.optim.ReduceLROnPlateau, sgd(), factor=0.5,
                                               patience=2, threshold=1e-4, min_lr=0.0),
    "nn.optim.InverseTimeLR": lambda: Call(nn.optim.InverseTimeLR, sgd(), a=1.0, b=10.0),
    "nn.optim.LinearLR": lambda: Call(nn.optim.LinearLR, sgd(), start_lr=0.1, end_lr=0.01,
                                      total_epochs=5),
    "nn.optim.Schedule.step": lambda: Call(nn.optim.StepLR(sgd(), 2).step, metric=0.5,
                                           untyped=("metric",)),
    "nn.optim.ConstantLR.lr_at": lambda: Call(nn.optim.ConstantLR(sgd()).lr_at, 3),
    "nn.optim.StepLR.lr_at": lambda: Call(nn.optim.StepLR(sgd(), 2).lr_at, 3),
    "nn.optim.ReduceLROnPlateau.lr_at": lambda: Call(nn.optim.ReduceLROnPlateau(sgd()).lr_at,
                                                     3),
    "nn.optim.ReduceLROnPlateau.step": lambda: Call(nn.optim.ReduceLROnPlateau(sgd()).step,
                                                    metric=0.5, untyped=("metric",)),
    "nn.optim.InverseTimeLR.lr_at": lambda: Call(nn.optim.InverseTimeLR(sgd(), 1.0, 10.0).lr_at,
                                                 3),
    "nn.optim.LinearLR.lr_at": lambda: Call(nn.optim.LinearLR(sgd(), 0.1, 0.01, 5).lr_at, 3),
    # -- nn: initializers
    "nn.init.gaussian": lambda: Call(nn.init.gaussian, std=0.01),
    "nn.init.uniform": lambda: Call(nn.init.uniform, a=1.0),
    **{f"nn.init.{f}": (lambda f=f: Call(getattr(nn.init, f), 3, 2, np.random.default_rng(0)))
       for f in ["xavier_normal", "xavier_uniform", "glorot_normal", "glorot_uniform", "he"]},
    "nn.init.get": lambda: Call(nn.init.get, "he"),
    # -- nn.data
    "nn.data.logic_gate": lambda: Call(nn.data.logic_gate, "xor", names={"name": ("gate",)}),
    "nn.data.moons": lambda: Call(nn.data.moons, 20, noise=0.1, seed=0),
    "nn.data.circles": lambda: Call(nn.data.circles, 20, noise=0.05, factor=0.5, seed=0),
    "nn.data.blobs": lambda: Call(nn.data.blobs, 20, centers=2, std=0.5, seed=0),
    "nn.data.spirals": lambda: Call(nn.data.spirals, 20, arms=2, noise=0.1, turns=1.0, seed=0),
    "nn.data.xor_quadrants": lambda: Call(nn.data.xor_quadrants, 20, noise=0.0, seed=0),
    "nn.data.regression_1d": lambda: Call(nn.data.regression_1d, 20, noise=0.1, seed=0,
                                          fn=np.sin),
    "nn.data.train_test_split": lambda: Call(nn.data.train_test_split, X2, Y2,
                                             test_fraction=0.25, seed=0),
    "nn.data.minibatches": lambda: Call(nn.data.minibatches, X2, Y2, batch_size=2, rng=0,
                                        shuffle=True),
    "nn.data.to_pm1": lambda: Call(nn.data.to_pm1, Y2),
    "nn.data.one_hot": lambda: Call(nn.data.one_hot, Y2, k=2, names={"y": ("label",)}),
    "nn.data.load_digits": lambda: Call(nn.data.load_digits, classes=[0, 1]),
    "nn.data.make": lambda: Call(nn.data.make, "moons", n=20, noise=0.1, seed=0,
                                 names={"name": ("data set",)}),
    "nn.data.read_points_csv": lambda: Call(nn.data.read_points_csv, points_file(),
                                            files=("path",)),
    "nn.data.check_class_labels": lambda: Call(nn.data.check_class_labels, Y2, "y"),
    # -- nn.plot
    "nn.plot.boundary_grid": lambda: Call(nn.plot.boundary_grid, model(), X2, resolution=10,
                                          margin=0.5, features=None),
    "nn.plot.decision_boundary": lambda: Call(nn.plot.decision_boundary, model(), X2, Y2,
                                              ax=None, X_test=X2, y_test=Y2, features=None,
                                              resolution=10, title="t", threshold=0.0),
    "nn.plot.loss_curves": lambda: Call(nn.plot.loss_curves, history(), ax=None,
                                        label="train"),
    "nn.plot.neuron_maps": lambda: Call(nn.plot.neuron_maps, model(), X2, y=Y2, features=None,
                                        resolution=8, fig=None),
    "nn.plot.gradient_norms": lambda: Call(nn.plot.gradient_norms, history(), ax=None),
    "nn.plot.training_animation": lambda: Call(nn.plot.training_animation,
                                               *animation_model_history(), X2, Y2,
                                               path="anim.html", features=None, resolution=8,
                                               threshold=0.0, files=("path",)),
    "nn.plot.save": lambda: Call(nn.plot.save, figure(), "f.png", dpi=50, files=("path",)),
    # -- nn.exercises
    "nn.exercises.check_deltas": lambda: Call(
        nx.check_deltas, nn.MLP(2, [2, 1], rng=0), [0.5, -1.0], 1.0, 0,
        deltas_of(nn.MLP(2, [2, 1], rng=0)), loss="half_squared_error", tol=1e-6,
        verdict=("target", "deltas", "model", "x", "layer", "loss"),
        names={"tol": ("tol",), "target": ("targets",)}),
    "nn.exercises.check_sgd_step": lambda: Call(
        nx.check_sgd_step, **sgd_numbers(), momentum=0.0, velocity=None, new_velocity=None,
        weight_decay=0.0, tol=1e-9, verdict=("params", "grads", "new_params", "lr", "momentum",
                                             "velocity", "new_velocity", "weight_decay"),
        **EXERCISE),
    "nn.exercises.check_cross_entropy": lambda: Call(
        nx.check_cross_entropy, **ce_numbers(), tol=1e-6,
        verdict=("logits", "target", "loss", "gradient"), **EXERCISE),
    # -- nn.pytorch
    "nn.pytorch.to_torch": lambda: Call(npt.to_torch, model()),
    "nn.pytorch.read_sequential": lambda: Call(npt.read_sequential, seq_torch()),
    "nn.pytorch.torch_loss": lambda: Call(npt.torch_loss, "mse", names={"name": ("loss",)}),
    # -- nn.playground
    "nn.Playground": lambda: Call(nn.Playground, None, data="xor", n_samples=40, layers=[3],
                                  batch_size=10, lr=0.03),
    "nn.playground": lambda: Call(nn.playground, None, data="xor", setup=None, n_samples=40,
                                  layers=[3], batch_size=10, lr=0.03),
    "nn.playground.require_matplotlib": lambda: Call(pgm.require_matplotlib),
    "nn.playground.Setup": lambda: Call(pgm.Setup, stepped().setup().record),
    "nn.Playground.boundary": lambda: Call(stepped().boundary, resolution=10),
    "nn.Playground.check_neuron": lambda: Call(stepped().check_neuron, 0, 1),
    "nn.Playground.feature_maps": lambda: Call(stepped().feature_maps, resolution=10),
    "nn.Playground.figure": lambda: Call(stepped().figure, neuron=None, edges="weights",
                                         probability=None, names={"neuron": ("layer",)}),
    "nn.Playground.neuron_graph": lambda: Call(stepped().neuron_graph, 0, 1, sample=0,
                                               view="neuron"),
    "nn.Playground.neuron_outputs": lambda: Call(stepped().neuron_outputs, resolution=10),
    "nn.Playground.neuron_trace": lambda: Call(stepped().neuron_trace, 0, 1, sample=0),
    "nn.Playground.play": lambda: Call(stepped().play, epochs=1),
    "nn.Playground.png": lambda: Call(stepped().png, edges="weights"),
    "nn.Playground.probabilities": lambda: Call(stepped().probabilities, resolution=10),
    "nn.Playground.regenerate": lambda: Call(stepped().regenerate, seed=3),
    "nn.Playground.set": lambda: Call(stepped().set, lr=0.1, l2=0.001, activation="relu"),
    "nn.Playground.to_code": lambda: Call(stepped().play(epochs=1).to_code,
                                          framework="gradlab"),
    **{f"nn.Playground.{m}": (lambda m=m: Call(getattr(stepped(), m)))
       for m in ["accuracy", "deltas", "layer_grad_norms", "output_deltas", "pause", "reset",
                 "setup", "show", "step", "weight_grads", "weights"]},
})

# properties that refuse every assignment (the structure is fixed when a model is built)
READ_ONLY = {
    "nn.Conv1d.filters (set)": (conv1d, "filters"),
    "nn.Layer.nin (set)": (lambda: nn.Layer(2, 3, rng=0), "nin"),
    "nn.Layer.nout (set)": (lambda: nn.Layer(2, 3, rng=0), "nout"),
    "nn.MLP.nin (set)": (model, "nin"),
    "nn.Neuron.nin (set)": (lambda: nn.Neuron(2, rng=0), "nin"),
    "nn.Sequential.layers (set)": (sequential, "layers"),
}


# --- junk and the verdict on it -------------------------------------------------------------------

ATOMS = [None, "x", "", b"1", 1j, Decimal("1.5"), math.nan, math.inf, -math.inf, -1, -0.5, 0,
         10**400, 10**9, True, False, [], {}, [None], ["a", 1], (1, 2, 3), object(),
         np.float64(math.nan), np.int64(-3), np.float32(0.5), np.zeros((2, 3, 4)),
         np.array([]), np.array(["a", "b"]), lambda *a, **k: None, Value(1.0)]
JUNK = st.one_of(st.sampled_from(ATOMS),
                 st.lists(st.sampled_from(ATOMS), min_size=1, max_size=3),
                 hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                                         max_side=3),
                            elements=st.floats(allow_nan=True, allow_infinity=True)))


def nonfinite(x, depth=0) -> bool:
    """Whether ``x`` holds a NaN or an infinity (junk that may make NaN honestly)."""
    if depth > 3:
        return False
    if isinstance(x, Value):
        return not math.isfinite(x.data)
    if isinstance(x, (float, np.floating)):
        return not math.isfinite(x)
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "fc" and not np.isfinite(x).all()
    if isinstance(x, (list, tuple)):
        return any(nonfinite(v, depth + 1) for v in x)
    return False


def has_nan(x, depth=0) -> bool:
    """Whether a result holds a NaN anywhere a reader would look."""
    if depth > 3:
        return False
    if isinstance(x, Value):
        return math.isnan(x.data)
    if isinstance(x, (float, np.floating)):
        return math.isnan(x)
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "fc" and x.size < 10**7 and bool(np.isnan(x).any())
    if isinstance(x, (list, tuple)):
        return any(has_nan(v, depth + 1) for v in x[:1000])
    if isinstance(x, dict):
        return any(has_nan(v, depth + 1) for v in list(x.values())[:1000])
    if isinstance(x, nn.History):
        return has_nan(x.loss, depth + 1)
    return False


def must_refuse(call, name, junk) -> bool:
    """Junk a parameter's annotation rules out: an ``int`` is never a str, a list or 0.5,
    a ``float`` never a str or a list, a ``bool`` only True or False, and none of them
    None unless the annotation says ``| None``."""
    annotation = call.annotation(name)
    if not isinstance(annotation, str) or name in call.untyped:
        return False
    optional = annotation.endswith(" | None")
    kind = annotation.removesuffix(" | None")
    if kind not in ("int", "float", "bool"):
        return False
    if junk is None:
        return not optional
    if kind == "bool":
        return not isinstance(junk, (bool, np.bool_))
    if isinstance(junk, (str, bytes, list, tuple, dict, complex, Decimal, np.ndarray, Value)) \
            or type(junk) is object or callable(junk):
        return True
    return kind == "int" and isinstance(junk, (float, np.floating))


def names_argument(message: str, call: Call, param: str) -> bool:
    words = call.words(param)
    if param in call.verdict:  # answers that disagree: the message may name the other one
        words = [*words, *call.verdict]
    if any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(w)}(?![A-Za-z0-9_])", message, re.I)
           for w in words):
        return True
    # "f expects a Value, got NoneType": a function's first argument is what it expects
    return param.lstrip("*") == call.first() and " expects " in message


@contextlib.contextmanager
def elsewhere():
    """Each call in a fresh temporary folder (junk may be a file name); figures closed."""
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            yield tmp
        finally:
            os.chdir(here)
            import matplotlib.pyplot as plt
            plt.close("all")
            ax.keep_going(False)


def run(call, args, kwargs):
    with guarded():
        result = call.fn(*args, **kwargs)
        if inspect.isgenerator(result):
            result = [next(result, None) for _ in range(3)]
    return result


def judge(name, call, param, junk) -> str:
    """Junk in ``param``: success, or a documented error naming the argument."""
    args, kwargs = call.with_(param, junk if callable(junk) else copy.deepcopy(junk))
    shown = f"{name}({param}={junk!r:.60})"
    try:
        result = run(call, args, kwargs)
    except Hang as e:
        pytest.fail(f"{shown}: {e}")
    except ax.ExerciseError as e:
        assert param in call.verdict, f"{shown} gave the verdict {type(e).__name__}: {e!s:.300}"
        return "a verdict"
    except call.errors as e:
        assert str(e).strip(), f"{shown} raised {type(e).__name__} without a message"
        return "a verdict"
    except OSError as e:
        assert param.lstrip("*") in call.files and str(junk) in str(e), \
            f"{shown} raised {type(e).__name__}: {e!s:.300}"
        return "refused"
    except (TypeError, ValueError, IndexError) as e:
        message = str(e)
        assert not isinstance(e, IndexError) or param in call.indices, \
            f"{shown} raised IndexError: {message!r:.300}"
        assert message.strip(), f"{shown} raised {type(e).__name__} without a message"
        assert names_argument(message, call, param), \
            f"{shown} raised {type(e).__name__}: {message!r:.300}: it does not name {param}"
        return "refused"
    except SystemExit as e:  # argparse: the usage and the message on stderr, status 2
        assert e.code == 2, f"{shown} exited with {e.code!r}"
        return "refused"
    except BaseException as e:  # noqa: BLE001 - anything else is the finding
        pytest.fail(f"{shown} raised {type(e).__name__}: {e!s:.300}")
    assert not must_refuse(call, param, junk), f"{shown} accepted it: {result!r:.100}"
    if not nonfinite(junk):
        assert not has_nan(result), f"{shown} returned NaN from finite input: {result!r:.100}"
    return "accepted"


# --- the sweep ------------------------------------------------------------------------------------

EXAMPLES = int(os.environ.get("BAD_INPUT_EXAMPLES", "16"))  # junk per function


def test_every_public_callable_is_swept_or_exempt():
    surface = public_surface()
    unseen = sorted(set(surface) - set(SWEEP) - set(READ_ONLY) - set(EXEMPT))
    assert not unseen, f"public but neither swept nor exempt: {unseen}"
    gone = sorted((set(SWEEP) | set(READ_ONLY) | set(EXEMPT)) - set(surface))
    assert not gone, f"swept or exempt but not public (renamed?): {gone}"
    assert not set(SWEEP) & set(EXEMPT) and not set(READ_ONLY) & set(EXEMPT)
    assert len(SWEEP) + len(READ_ONLY) >= 280, len(SWEEP) + len(READ_ONLY)


@pytest.mark.parametrize("name", sorted(SWEEP))
def test_the_valid_call_works_and_covers_its_function(name):
    with elsewhere():
        call = SWEEP[name]()
        assert call.function() is public_surface()[name], f"{name}: it covers another function"
        run(call, call.args, call.kwargs)


@pytest.mark.parametrize("name", sorted(SWEEP))
def test_numpy_scalars_are_numbers_where_python_numbers_are(name):
    with elsewhere():
        call = SWEEP[name]()
        numbers = {p: call.signature.bind(*call.args, **call.kwargs).arguments[p]
                   for p in call.number_parameters()}
    done = []
    for param, value in numbers.items():
        for kind in (np.int64,) if type(value) is int else (np.float64, np.float32):
            with elsewhere():
                call = SWEEP[name]()
                args, kwargs = call.with_(param, kind(value))
                try:
                    run(call, args, kwargs)
                except Exception as e:  # noqa: BLE001 - the finding
                    pytest.fail(f"{name}({param}={kind.__name__}({value!r})) raised "
                                f"{type(e).__name__}: {e}")
                done.append((param, kind))
    assert len(done) == sum(1 if type(v) is int else 2 for v in numbers.values())


@pytest.mark.parametrize("name", sorted(SWEEP))
@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data())
def test_junk_in_any_argument_is_refused_by_name_or_accepted(name, data):
    with elsewhere():
        call = SWEEP[name]()
        params = call.parameters()
        if not params:  # nothing to put junk in: the call itself is the check
            assert run(call, call.args, call.kwargs) is not NotImplemented
            return
        param = data.draw(st.sampled_from(params), label="param")
        junk = data.draw(JUNK, label="junk")
        assert judge(name, call, param, junk) in ("accepted", "refused", "a verdict")


@pytest.mark.parametrize("name", sorted(READ_ONLY))
def test_a_fixed_property_refuses_every_assignment_by_name(name):
    make, attr = READ_ONLY[name]
    obj = make()
    before = getattr(obj, attr)
    for junk in (before, None, 3, "x"):
        with pytest.raises(AttributeError) as info:
            setattr(obj, attr, junk)
        assert attr in str(info.value) or "fixed" in str(info.value), str(info.value)
    assert getattr(obj, attr) == before


# --- what the sweep cannot: exact words, values wrong together ------------------------------------

X, Y = nn.data.moons(12, seed=0)


def _fit(**kwargs):
    options = {"epochs": 1, "progress": False} | kwargs
    return nn.fit(options.pop("model", model()), options.pop("X", X), options.pop("y", Y),
                  **options)


CASES = [  # (what, call, exception, words of the message)
    ("zero_grad([1, 2])", lambda: zero_grad([1, 2]), TypeError, "values[0] must be a Value"),
    ("local_gradients(3)", lambda: local_gradients(3), TypeError, "node must be a Value"),
    ("draw_graph(module=3)", lambda: draw_graph(Value(1.0) * 2, module=3), TypeError,
     "named_parameters"),
    ("l2_penalty(None)", lambda: nn.l2_penalty(None), TypeError, "a model"),
    ("fit(optimizer='sgd')", lambda: _fit(optimizer="sgd"), TypeError, "nn.SGD"),
    ("fit(schedule='step')", lambda: _fit(schedule="step"), TypeError, "StepLR"),
    ("gradcheck(eps='x')", lambda: gradcheck(lambda a: a * a, [1.0], eps="x"), TypeError,
     "eps must be a real number"),
    ("gradcheck(f, Decimal(2))", lambda: gradcheck(lambda a: a * a, Decimal(2)), TypeError,
     "a number or a list of numbers"),
    ("fit with y a column", lambda: _fit(y=Y[:, None]), ValueError, "y.ravel()"),
    ("fit(validation=X)", lambda: _fit(validation=X), TypeError, "(X_val, y_val)"),
    ("MLP(rng=-1)", lambda: nn.MLP(2, [1], rng=-1), ValueError, "seed >= 0"),
    ("one_hot([])", lambda: nn.data.one_hot([]), ValueError, "no labels"),
    ("one_hot(k=2.5)", lambda: nn.data.one_hot([0, 1], 2.5), TypeError, "k (the number"),
    ("cross_entropy, ragged outputs",
     lambda: nn.cross_entropy([[Value(1.0), Value(2.0)], [Value(1.0)]], [0, 0]), ValueError,
     "same number of scores"),
    ("cross_entropy, 3-D targets",
     lambda: nn.cross_entropy([[Value(1.0), Value(2.0)]], np.zeros((1, 2, 1))), ValueError,
     "shape (1, 2, 1)"),
    ("MLP(activation='foo')", lambda: nn.MLP(2, [1], activation="foo"), ValueError,
     "unknown activation 'foo'"),
    ("make('blobs', noise=-1)", lambda: nn.data.make("blobs", noise=-1), ValueError, "noise"),
    ("Perceptron(lr=-1)", lambda: nn.Perceptron(2, lr=-1), ValueError, "lr must be > 0"),
    ("fit(epochs=-1)", lambda: _fit(epochs=-1), ValueError, "epochs must be an int >= 1"),
    ("predict(complex)", lambda: model().predict(np.array([[1 + 1j, 0.0]])), TypeError,
     "complex"),
    ("compile(...)(complex)", lambda: nn.MLP(2, [1], rng=0).predict(np.array([[1j, 1j]])),
     TypeError, "complex"),
]


@pytest.mark.parametrize("what,call,exc,words", CASES, ids=[c[0] for c in CASES])
def test_each_bad_argument_gets_a_specific_error(what, call, exc, words):
    with pytest.raises(exc) as info:
        call()
    assert words in str(info.value), str(info.value)


def test_numpy_integers_are_ints_in_fit():
    history = _fit(epochs=np.int64(2), batch_size=np.int64(4))
    assert history.epochs == 2
