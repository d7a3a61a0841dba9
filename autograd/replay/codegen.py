"""A plan written out as two straight-line Python functions, one forward and one backward,
for one set of work arrays (one batch size): no loop over the steps, no step object asked
what to do, every row block a view made once and bound to a name of the function. For a
small batch, where each numpy call does little work, the interpretation around the calls
costs as much as the calls themselves; the generated code leaves only the calls.

``torch.compile`` does the same (its Inductor writes Python and Triton code per graph and
input shape; ``TORCH_LOGS=output_code`` prints it); ``Plan.code(batch)`` prints ours.

The common steps (a layer ``W @ H + b`` whose weights and bias are one block, ``+ - *``
on row blocks, the table's unary ops, a sum of one block) are written out as numpy calls;
any other step is one call of its own ``forward``/``backward`` (the same numbers either
way: the written-out lines are the steps' own operations, in their order).
"""

from __future__ import annotations

import numpy as np

from .. import ops
from .kernels import INVARIANT, VARIANT, Elementwise, Linear, Sum

__all__ = ["Code", "generate"]

_NAMES = {VARIANT: ("V", "GV"), INVARIANT: ("U", "GU")}
# Unary ops whose array rule is one numpy ufunc: written straight into their rows
_UNARY_UFUNCS = {ops.TANH: np.tanh, ops.EXP: np.exp, ops.ABS: np.abs, ops.NEG: np.negative}


def _hint(name: str, what: str) -> str:
    """A name for an op's function in the generated code: ``tanh_local``, ``forward``."""
    return f"{name}_{what}" if name.isidentifier() else what


class Code:
    """The generated ``forward(S, arrays, theta)`` and ``backward(S, G, seed, amount)`` of
    one set of work arrays ``S`` (given as an argument, for the steps that are called: the
    functions hold views of its arrays, never ``S`` itself, so no reference cycle keeps a
    dropped set alive), and their ``source``."""

    def __init__(self, forward, backward, source: str):
        self.forward, self.backward, self.source = forward, backward, source


class _Writer:
    """The lines of the two functions and the objects their names stand for."""

    def __init__(self, S):
        self.S = S
        self.env = {"np": np, "add_reduce": np.add.reduce, "matmul": np.matmul,
                    "maximum": np.maximum, "less_equal": np.less_equal, "V": S[0], "U": S[1],
                    "GV": S[2], "GU": S[3]}
        self.forward, self.backward = [], []
        self.count = 0

    def name(self, obj, hint: str) -> str:
        """A new name for ``obj`` in the functions' namespace."""
        self.count += 1
        name = f"{hint}{self.count}"
        self.env[name] = obj
        return name

    def rows(self, space: int, rows, grad: bool = False) -> str:
        """An expression for those rows of a value (or gradient) array: a bound view when
        the rows are a slice, else the indexing written out (a copy each call)."""
        array = self.S[space + 2 if grad else space]
        if isinstance(rows, slice):  # basic slicing: always a view
            return self.name(array[rows], _NAMES[space][grad].lower())
        return f"{_NAMES[space][grad]}[{self.name(rows, 'rows')}]"


def generate(plan, S, signature: list) -> Code:
    """The two functions of ``plan`` over the work arrays ``S = [V, U, GV, GU, ...]``, for
    batch arrays of shapes ``(B, *signature[j])``."""
    w = _Writer(S)
    _inputs(w, plan, S, signature)
    for step in plan.steps:
        w.forward.append(f"# level {step.level}: {step!r}")
        if not _written(w, step, backward=False):
            w.forward.append(f"{w.name(step, 'step')}.forward(S)")
    batch = S[0].shape[1]
    seeds = [S[s + 2][r:r + 1] if isinstance(r, int) else S[s + 2][r] for s, r in plan.outputs]
    w.env["seeds"] = seeds
    w.backward += ["GV.fill(0.0)", "GU.fill(0.0)", "seeds[seed] += amount"]
    for step in reversed(plan.steps):
        if step.needs:
            w.backward.append(f"# level {step.level}: {step!r}")
            if not _written(w, step, backward=True):
                w.backward.append(f"{w.name(step, 'step')}.backward(S, G)")
    # every name a parameter with its object as default: a local of the function (the
    # fastest lookup; ``x += y`` on a view then rebinds a local, never a shared name)
    bound = ", *, " + ", ".join(f"{name}={name}" for name in w.env)
    forward, backward = ("forward", "S, arrays, theta", w.forward), \
        ("backward", "S, G, seed, amount", w.backward)
    # their globals: numpy only (the names above are their locals; ``def`` puts the two
    # functions among them)
    exec(compile(_function(*forward, bound) + _function(*backward, bound),
                 f"<autograd.compile: plan of {len(plan.nodes)} nodes, batch {batch}>", "exec"),
         {"np": np}, w.env)
    shown = "# every name but S, G and the arguments is a view (or a function) bound once\n"
    return Code(w.env["forward"], w.env["backward"],
                shown + _function(*forward, "") + _function(*backward, ""))


def _function(name: str, args: str, lines: list, bound: str) -> str:
    body = "\n".join(f"        {line}" for line in lines) or "        pass"
    return f"def {name}({args}{bound}):\n    with np.errstate(all='ignore'):\n{body}\n"


def _inputs(w: _Writer, plan, S, signature: list) -> None:
    """The batch arrays copied into their rows (one block per argument), the parameters'
    numbers into theirs."""
    row = 0
    for j, shape in enumerate(signature):
        if shape:  # (B, n): its columns are rows n consecutive rows
            view = w.name(S[0][row:row + shape[0]], "inputs")
            w.forward.append(f"{view}[...] = arrays[{j}].T")
            row += shape[0]
        else:
            view = w.name(S[0][row], "inputs")
            w.forward.append(f"{view}[...] = arrays[{j}]")
            row += 1
    if plan.params:
        view = w.name(S[1][:len(plan.params), 0], "parameters")
        w.forward.append(f"if theta is not None: {view}[...] = theta")


# --- forward ----------------------------------------------------------------------------------


def _linear_forward(w: _Writer, step: Linear) -> bool:
    blocks = step.blocks(w.S[1])
    if blocks is None or not isinstance(step.out, slice):
        return False
    W, b = blocks
    out = w.rows(VARIANT, step.out)
    w.forward.append(f"matmul({w.name(W, 'W')}, {w.rows(VARIANT, step.q)}, out={out})")
    w.forward.append(f"{out} += {w.name(b, 'b')}")
    return True


def _elementwise_forward(w: _Writer, step: Elementwise) -> bool:
    if not isinstance(step.out, slice):
        return False
    xs = [w.rows(s, rows) for s, rows in step.parents]
    out = w.rows(step.space, step.out)
    if step.ufunc is not None:
        w.forward.append(f"{w.name(step.ufunc, step.ufunc.__name__)}({xs[0]}, {xs[1]}, "
                         f"out={out})")
    elif step.op.row is ops.RELU and not hasattr(step.op, "array_rules"):
        # 0.0 if x <= 0 else x: the larger of x and 0 (NaN passes), + 0.0 makes -0.0 a 0.0
        w.forward.append(f"maximum({xs[0]}, 0.0, out={out})")
        w.forward.append(f"{out} += 0.0")
    elif step.op.row in _UNARY_UFUNCS and not hasattr(step.op, "array_rules"):
        w.forward.append(f"{w.name(_UNARY_UFUNCS[step.op.row], step.op.name)}({xs[0]}, "
                         f"out={out})")
    else:
        f = w.name(step.forward_fn, _hint(step.op.name, "forward"))
        call = f"{f}({xs[0]}, {xs[1]})" if step.op.arity == 2 else \
            f"{f}({xs[0]}, {w.name(step.op.arg, 'arg')})"
        w.forward.append(f"{out}[...] = {call}")
    return True


def _sum_terms(step: Sum):
    """(space, rows) of a sum's terms when they are one slice of its own space, else None."""
    one = step.terms.one_slice
    if one is None or one[0] != step.space or not isinstance(step.out, slice):
        return None
    return one


def _sum_forward(w: _Writer, step: Sum) -> bool:
    one = _sum_terms(step)
    if one is None:
        return False
    w.forward.append(f"add_reduce({w.rows(one[0], one[1])}, 0, None, "
                     f"{w.rows(step.space, step.out)}, True)")
    return True


# --- backward ---------------------------------------------------------------------------------


def _sum_backward(w: _Writer, step: Sum) -> bool:
    one = _sum_terms(step)
    if one is None:
        return False
    w.backward.append(f"{w.rows(one[0], one[1], grad=True)} += "
                      f"{w.rows(step.space, step.out, grad=True)}")
    return True


def _scatter(w: _Writer, scatter, space: int, contribution: str, sign: str = "+") -> None:
    """``G[rows] += contribution`` (``-=`` for a negated one): in place on a view when the
    rows are a slice that does not repeat, else the step's own scatter."""
    if not scatter.repeats and isinstance(scatter.rows, slice):
        w.backward.append(f"{w.rows(space, scatter.rows, grad=True)} {sign}= {contribution}")
    else:
        term = contribution if sign == "+" else f"-({contribution})"
        w.backward.append(f"{w.name(scatter, 'scatter')}({_NAMES[space][1]}, {term})")


def _linear_backward(w: _Writer, step: Linear) -> bool:
    blocks = step.blocks(w.S[3])  # of the gradients
    if blocks is None or not isinstance(step.out, slice):
        return False
    GW, Gb = blocks
    W, _ = step.blocks(w.S[1])
    up = w.rows(VARIANT, step.out, grad=True)
    q = w.rows(VARIANT, step.q)
    w.backward.append(f"{w.name(GW, 'GW')} += matmul({up}, {q}.T)")
    w.backward.append(f"{w.name(Gb[:, 0], 'Gb')} += add_reduce({up}, 1)")
    if step.q_scatter is not None:
        dQ = f"matmul({w.name(W.T, 'WT')}, {up})"
        if len(step.q_need) != step.m:
            dQ = f"{dQ}[{w.name(step.q_need, 'rows')}]"
        _scatter(w, step.q_scatter, VARIANT, dQ)
    return True


def _elementwise_backward(w: _Writer, step: Elementwise) -> bool:
    op = step.op
    if hasattr(op, "array_rules") or step.blow_up or not isinstance(step.out, slice):
        return False
    up = w.rows(step.space, step.out, grad=True)
    xs = [w.rows(s, rows) for s, rows in step.parents]
    if step.same_inputs:  # x * x, x + x, x - x: the two local gradients added, to x
        if op.row is ops.MUL:
            terms = [(f"{up} * ({xs[1]} + {xs[0]})", "+")]
        elif op.row is ops.ADD:
            terms = [(f"{up} * 2.0", "+")]
        elif op.row is ops.SUB:
            return True  # 1 - 1: nothing flows back
        else:
            return False
    elif op.row is ops.ADD:
        terms = [(up, "+"), (up, "+")]
    elif op.row is ops.SUB:
        terms = [(up, "+"), (up, "-")]
    elif op.row is ops.MUL:
        terms = [(f"{up} * {xs[1]}", "+"), (f"{up} * {xs[0]}", "+")]
    elif op.arity == 1 and op.row is ops.RELU:  # local gradient 0 where x <= 0, else 1
        terms = [(f"{up} * ~less_equal({xs[0]}, 0.0)", "+")]
    elif op.arity == 1:
        local = _constant_local(step)
        if local is None:  # an array: the table's rule on the rows
            out = w.rows(step.space, step.out)
            terms = [(f"{up} * {w.name(step.local_fn, _hint(op.name, 'local'))}({xs[0]}, {out}, "
                      f"{w.name(op.arg, 'arg')})", "+")]
        elif local == 0.0:
            return True  # nothing flows back (step, sign)
        elif local in (1.0, -1.0):
            terms = [(up, "+" if local == 1.0 else "-")]
        else:
            terms = [(f"{up} * {local!r}", "+")]
    else:
        return False
    for i, (contribution, sign) in enumerate(terms):
        scatter = step.scatters[i]
        if scatter is None:
            continue
        if step.sum_over_batch[i]:
            contribution = f"add_reduce({contribution}, 1, None, None, True)"
        _scatter(w, scatter, step.parents[i][0], contribution, sign)
    return True


def _constant_local(step: Elementwise):
    """The local gradient of a unary table op when its rule is a constant (a float, as
    ``neg``'s -1 or ``step``'s 0), else None (the rule gives an array)."""
    x = np.zeros((1, 1))
    try:
        with np.errstate(all="ignore"):
            d = step.local_fn(x, x, step.op.arg)
    except Exception:  # noqa: BLE001 - a rule that needs real inputs gives arrays
        return None
    return float(d) if isinstance(d, (float, int)) and not isinstance(d, bool) else None


# Each kind of step written inline: its (forward, backward) writers. Any other step, or one
# whose writer returns False, runs as a call of its own (``step.forward(S)``).
_WRITERS = {Linear: (_linear_forward, _linear_backward),
            Elementwise: (_elementwise_forward, _elementwise_backward),
            Sum: (_sum_forward, _sum_backward)}


def _written(w: _Writer, step, backward: bool) -> bool:
    """Write the lines of one step's forward (or backward); False if it runs as a call."""
    writers = _WRITERS.get(type(step))
    return writers is not None and writers[backward](w, step)
