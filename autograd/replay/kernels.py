"""The array kernels of ``autograd.compile``: each op of the engine's table over
(nodes x batch) arrays, and the steps a plan runs (elementwise groups, row sums,
segment reductions, a layer as ``W @ H``), each with its forward and backward.

Rows live in two spaces: VARIANT rows hold one number per sample, INVARIANT rows
one number for the whole batch (parameters, constants). The scheduling that
decides which steps run in which order, on which rows, is in ``plan.py``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

import numpy as np

from .. import ops

# --- the op table, over arrays -----------------------------------------------------------
# Forward functions for (k, B) arrays, with the engine's domain errors. Local-gradient
# rules are the engine's own where they are plain arithmetic; the ones that branch on
# their input (relu, abs, ...) are restated with np.where below.


def _domain(bad: np.ndarray, x: np.ndarray, error: type, message: str) -> None:
    """Raise the engine's error for the first sample where ``bad`` holds."""
    if bad.any():
        row, col = np.argwhere(bad)[0]
        where = f"sample {col} of the batch" if bad.shape[1] > 1 else "every sample"
        raise error(message.format(x=float(x[row, col] if x.shape[1] > 1 else x[row, 0]))
                    + f" ({where})")


def _np_div(x, y):
    _domain(np.broadcast_to(y == 0, np.broadcast_shapes(x.shape, y.shape)),
            np.broadcast_to(y, np.broadcast_shapes(x.shape, y.shape)),
            ZeroDivisionError, "div: division by zero (x / {x!r})")
    return x / y


def _check_pow(x, k):
    shape = np.broadcast_shapes(np.shape(x), np.shape(k))
    xb, kb = np.broadcast_to(x, shape), np.broadcast_to(k, shape)
    _domain((xb == 0) & (kb < 0), xb, ZeroDivisionError,
            "pow: 0.0 cannot be raised to a negative power (base {x!r})")
    _domain((xb < 0) & np.isfinite(kb) & (kb != np.round(kb)), xb, ValueError,
            "pow: a negative base ({x!r}) to a non-integer power is not a real number")


def _np_pow(x, y):
    _check_pow(x, y)
    return np.power(x, y)


def _np_powc(x, k):
    _check_pow(x, np.float64(k))
    return np.power(x, k)


def _np_log(x, a):
    _domain(x <= 0, x, ValueError, "log: expected a positive number, got {x!r}")
    return np.log(x)


def _np_sqrt(x, a):
    _domain(x < 0, x, ValueError, "sqrt: expected a number >= 0, got {x!r}")
    return np.sqrt(x)


def _np_sigmoid(x):
    z = np.exp(-np.abs(x))  # the engine's two branches, with e^{-|x|} never overflowing
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def _np_pow_local(x, y, out):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        d_base = np.where(y == 0, 0.0, y * np.power(x, y - 1))  # 0 ** 0: 0, as the engine
    d_exp = np.where(x > 0, out * np.log(np.where(x > 0, x, 1.0)), np.where(x == 0, 0.0, np.nan))
    return d_base, d_exp


# Each op of the engine's table over (k, B) arrays: op -> (array forward, array local).
# The forward functions keep the engine's domain errors. Where the local is None the
# engine's own rule runs unchanged (it is plain arithmetic, valid on arrays too); the
# rules that branch on their input (relu, abs, ...) are restated with np.where. The
# n-ary ops run as steps of their own (Sum, Segments below). Keyed by the op itself
# (autodidax's rule tables), and a test fails when an op of the table lacks its row.
ARRAY_RULES = {
    ops.ADD: (operator.add, None), ops.SUB: (operator.sub, None),
    ops.MUL: (operator.mul, None), ops.DIV: (_np_div, None), ops.POW: (_np_pow, _np_pow_local),
    ops.NEG: (lambda x, a: -x, None), ops.POWC: (_np_powc, None),
    ops.ABS: (lambda x, a: np.abs(x), lambda x, out, a: np.sign(x)),  # abs'(0) := 0
    ops.EXP: (lambda x, a: np.exp(x), None), ops.LOG: (_np_log, None),
    ops.SQRT: (_np_sqrt, None), ops.TANH: (lambda x, a: np.tanh(x), None),
    ops.SIGMOID: (lambda x, a: _np_sigmoid(x), None),
    ops.RELU: (lambda x, a: np.where(x <= 0, 0.0, x),  # NaN passes, as the engine
               lambda x, out, a: np.where(x <= 0, 0.0, 1.0)),
    ops.LEAKY_RELU: (lambda x, alpha: np.where(x <= 0, alpha * x, x),
                     lambda x, out, alpha: np.where(x <= 0, alpha, 1.0)),
    ops.SOFTPLUS: (lambda x, a: np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))),
                   lambda x, out, a: _np_sigmoid(x)),
    ops.SOFTSIGN: (lambda x, a: x / (1.0 + np.abs(x)), None),
    ops.HARDTANH: (lambda x, a: np.clip(x, -1.0, 1.0),
                   lambda x, out, a: np.where((x > -1) & (x < 1), 1.0, 0.0)),
    ops.STEP: (lambda x, a: np.where(x > 0, 1.0, np.where(x <= 0, 0.0, x)), None),
    ops.SIGN: (lambda x, a: np.sign(x), None),
}
# The n-ary ops, each run by a step of its own: the sum as row sums, the others as
# segment reductions (np.maximum.reduceat ...).
NARY_REDUCTIONS = {ops.SUM: None, ops.MAX: np.maximum, ops.MIN: np.minimum,
                   ops.LOGSUMEXP: np.maximum}
# Ops whose local gradient can be infinite where the engine's raises (sqrt at 0, ...).
_LOCAL_CAN_BLOW_UP = {ops.SQRT, ops.POWC, ops.POW}


def array_rules(op: ops.Op) -> tuple[Callable, Callable, str]:
    """The (forward, local, how) that runs ``op`` over arrays: the table's, or those
    of an op defined with ``autograd.op`` (``how`` says which, for the summary)."""
    if hasattr(op, "array_rules"):  # autograd.op: its array rules or np.vectorize
        return op.array_rules()
    if not isinstance(op, ops.Op):
        raise TypeError(f"array_rules: op must be an op of the table (autograd.ops) or made "
                        f"with autograd.op, got {type(op).__name__}: {op!r:.40}")
    rules = ARRAY_RULES.get(op.row)
    if rules is None:
        raise NotImplementedError(f"compile: no array rule for op {op.name!r}")
    forward, local = rules
    return forward, op.local if local is None else local, ""


# --- moving rows in and out of the value and gradient arrays ----------------------------


def _rows(slots) -> slice | np.ndarray:
    """Index for a list of row numbers: a slice when they are consecutive, upwards or
    downwards (a view: no copy), else the index array."""
    slots = np.asarray(slots, dtype=np.intp)
    if len(slots) and np.array_equal(slots, np.arange(slots[0], slots[0] + len(slots))):
        return slice(int(slots[0]), int(slots[0]) + len(slots))
    if len(slots) > 1 and np.array_equal(slots, np.arange(slots[0], slots[0] - len(slots), -1)):
        stop = int(slots[0]) - len(slots)
        return slice(int(slots[0]), None if stop < 0 else stop, -1)
    return slots


def _count(rows) -> str:
    n = len(range(rows.start, -1 if rows.stop is None else rows.stop, rows.step or 1)) \
        if isinstance(rows, slice) else len(rows)
    return f"{n} node" if n == 1 else f"{n} nodes"


class _ScatterAdd:
    """``G[slots] += contributions``, right even when a slot repeats (``np.add.at``
    semantics): repeated slots are summed first with one segment reduction."""

    def __init__(self, slots):
        slots = np.asarray(slots, dtype=np.intp)
        self.rows = _rows(slots)
        self.repeats = len(np.unique(slots)) != len(slots)
        if self.repeats:
            self.order = np.argsort(slots, kind="stable")
            self.rows, self.starts = np.unique(slots[self.order], return_index=True)

    def __call__(self, G: np.ndarray, contributions: np.ndarray) -> None:
        if self.repeats:
            contributions = np.add.reduceat(contributions[self.order], self.starts, axis=0)
        G[self.rows] += contributions


# A Program's state during one call: S = (V, U) values and G = (GV, GU) gradients.
# V has one row per per-sample node (shape (n, B)); U one row per node that is the same
# for every sample, i.e. depends on parameters and constants only (shape (n, 1)).
VARIANT, INVARIANT = 0, 1


# Binary ops whose array forward is one numpy ufunc with no domain to check: run straight
# into the output rows (``out=``), no temporary.
_UFUNCS = {ops.ADD: np.add, ops.SUB: np.subtract, ops.MUL: np.multiply}


class Elementwise:
    """One unary or binary op applied to k nodes at once."""

    def __init__(self, op, space, slots, parent_specs, needs):
        self.op, self.space, self.out = op, space, _rows(slots)
        self.forward_fn, self.local_fn, self.how = array_rules(op)
        self.parents = [(s, _rows(idx)) for s, idx in parent_specs]
        self.scatters = [_ScatterAdd(idx) if need else None
                         for (_, idx), need in zip(parent_specs, needs)]
        self.sum_over_batch = [s == INVARIANT and space == VARIANT for s, _ in parent_specs]
        self.ufunc = _UFUNCS.get(op.row) if isinstance(self.out, slice) and \
            not hasattr(op, "array_rules") else None
        self.blow_up = op.row in _LOCAL_CAN_BLOW_UP
        # x * x, x + x: both inputs are the same rows; their two contributions are added
        # before one scatter (the rows repeat otherwise)
        self.same_inputs = op.arity == 2 and all(needs) and \
            parent_specs[0][0] == parent_specs[1][0] and \
            np.array_equal(parent_specs[0][1], parent_specs[1][1])

    def __repr__(self) -> str:
        name = self.op.name if self.op.arg is None else f"{self.op.name} {self.op.arg:g}"
        how = f" ({self.how})" if self.how else ""
        return f"{name} of {_count(self.out)}{how}"

    def _inputs(self, S):
        return [S[s][rows] for s, rows in self.parents]

    def forward(self, S) -> None:
        xs = self._inputs(S)
        if self.ufunc is not None:
            self.ufunc(xs[0], xs[1], out=S[self.space][self.out])
            return
        out = self.forward_fn(*xs) if self.op.arity == 2 else self.forward_fn(xs[0], self.op.arg)
        S[self.space][self.out] = out

    def backward(self, S, G) -> None:
        upstream = G[self.space][self.out]
        xs, out = self._inputs(S), S[self.space][self.out]
        if self.op.arity == 2:
            locals_ = self.local_fn(xs[0], xs[1], out)
            if self.same_inputs:  # one input twice: d/dx = the two local gradients added
                locals_ = (locals_[0] + locals_[1], 0.0)
        else:
            locals_ = (self.local_fn(xs[0], out, self.op.arg),)
        for i, (d, scatter) in enumerate(zip(locals_, self.scatters)):
            if scatter is None:
                continue
            if self.blow_up:  # infinite at 0: the engine raises there;
                x = np.broadcast_to(xs[0], upstream.shape)  # elsewhere an overflow is inf
                _domain(np.isinf(np.broadcast_to(d, upstream.shape)) & (x == 0), x,
                        ZeroDivisionError,
                        f"{self.op.name}: the local gradient is not defined at input {{x!r}}")
            if isinstance(d, float):
                if d == 0.0:
                    continue
                contribution = upstream if d == 1.0 else (-upstream if d == -1.0 else upstream * d)
            else:
                contribution = upstream * d
            if self.sum_over_batch[i]:
                contribution = contribution.sum(axis=1, keepdims=True)
            scatter(G[self.parents[i][0]], contribution)


class _RowSum:
    """Sums of terms, one sum per row (rows may have different numbers of terms, or
    none): variant terms by one segment reduction, invariant ones by ``np.bincount``."""

    def __init__(self, k, rows, specs, needs, variant_out):
        self.k, self.width_b = k, variant_out
        # one sum of consecutive rows of one space (an L2 penalty over the parameters):
        # a sum of a view forward, one broadcast addition backward
        self.one_slice = None
        if k == 1 and specs and len({s for s, _ in specs}) == 1 and all(needs):
            block = _rows([i for _, i in specs])
            if isinstance(block, slice) and block.step is None:
                self.one_slice = (specs[0][0], block)
        rows = np.asarray(rows, dtype=np.intp)
        spaces = np.array([s for s, _ in specs], dtype=np.intp)
        slots = np.array([i for _, i in specs], dtype=np.intp)
        needs = np.asarray(needs, dtype=bool)
        var = np.flatnonzero(spaces == VARIANT)
        var = var[np.argsort(rows[var], kind="stable")]
        self.var_slots = _rows(slots[var])
        self.var_rows, self.var_starts = np.unique(rows[var], return_index=True)
        self.var_all_rows = np.array_equal(self.var_rows, np.arange(k))
        self.var_gather_rows = rows[var][needs[var]]
        self.var_scatter = _ScatterAdd(slots[var][needs[var]]) if needs[var].any() else None
        inv = np.flatnonzero(spaces == INVARIANT)
        self.inv_rows, self.inv_slots = rows[inv], slots[inv]
        # one invariant term in every row (a bias per neuron): a gather, no bincount
        self.inv_one_per_row = (np.array_equal(np.sort(rows[inv]), np.arange(k))
                                and len(np.unique(slots[inv])) == k)
        if self.inv_one_per_row:
            self.inv_by_row = _rows(slots[inv][np.argsort(rows[inv])])
            self.inv_need_all = bool(needs[inv].all())
        inv_need = inv[needs[inv]]
        self.inv_grad_rows = rows[inv_need]
        self.inv_grad_slots, self.inv_grad_index = np.unique(slots[inv_need], return_inverse=True)

    def compute(self, S, batch: int) -> np.ndarray:
        if self.one_slice is not None:
            space, block = self.one_slice
            out = S[space][block].sum(axis=0, keepdims=True)
            return out if out.shape[1] == batch or not self.width_b else np.repeat(out, batch, 1)
        if len(self.var_rows):
            sums = np.add.reduceat(S[VARIANT][self.var_slots], self.var_starts, axis=0)
            if self.var_all_rows:
                out = sums
            else:
                out = np.zeros((self.k, batch))
                out[self.var_rows] = sums
        else:
            out = np.zeros((self.k, batch if self.width_b else 1))
        if self.inv_one_per_row:
            out += S[INVARIANT][self.inv_by_row]
        elif len(self.inv_rows):
            out += np.bincount(self.inv_rows, weights=S[INVARIANT][self.inv_slots, 0],
                               minlength=self.k)[:, None]
        return out

    def backward(self, G, upstream: np.ndarray) -> None:
        if self.one_slice is not None:
            space, block = self.one_slice
            G[space][block] += upstream if space == VARIANT or upstream.shape[1] == 1 else \
                upstream.sum(axis=1, keepdims=True)
            return
        if self.var_scatter is not None:
            self.var_scatter(G[VARIANT], upstream[self.var_gather_rows])
        if self.inv_one_per_row and self.inv_need_all:
            G[INVARIANT][self.inv_by_row] += upstream.sum(axis=1, keepdims=True)
        elif len(self.inv_grad_rows):
            per_row = upstream.sum(axis=1)
            G[INVARIANT][self.inv_grad_slots, 0] += np.bincount(
                self.inv_grad_index, weights=per_row[self.inv_grad_rows],
                minlength=len(self.inv_grad_slots))


class Sum:
    """k n-ary sum nodes: local gradient 1 to every term ("fan-out backward")."""

    def __init__(self, space, slots, terms_per_node, needs_of):
        self.space, self.out = space, _rows(slots)
        rows = [r for r, terms in enumerate(terms_per_node) for _ in terms]
        specs = [t for terms in terms_per_node for t in terms]
        self.terms = _RowSum(len(slots), rows, specs, [needs_of(t) for t in specs],
                             space == VARIANT)

    def __repr__(self) -> str:
        return f"sum of {_count(self.out)}"

    def forward(self, S) -> None:
        S[self.space][self.out] = self.terms.compute(S, S[VARIANT].shape[1])

    def backward(self, S, G) -> None:
        self.terms.backward(G, G[self.space][self.out])


class Segments:
    """k n-ary max, min or logsumexp nodes: all terms gathered into one (T, B) array
    and reduced segment by segment."""

    def __init__(self, op, space, slots, terms_per_node, needs_of):
        self.name, self.space, self.out = op.name, space, _rows(slots)
        specs = [t for terms in terms_per_node for t in terms]
        self.counts = np.array([len(t) for t in terms_per_node], dtype=np.intp)
        self.starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.intp)
        spaces = np.array([s for s, _ in specs], dtype=np.intp)
        slots_ = np.array([i for _, i in specs], dtype=np.intp)
        needs = np.array([needs_of(t) for t in specs], dtype=bool)
        self.parts = []  # (space, positions among the terms, rows in that space, scatter)
        for s in (VARIANT, INVARIANT):
            pos = np.flatnonzero(spaces == s)
            if len(pos):
                need = pos[needs[pos]]
                scatter = _ScatterAdd(slots_[need]) if len(need) else None
                self.parts.append((s, pos, _rows(slots_[pos]), need, scatter))
        self.reduce = NARY_REDUCTIONS.get(op.row)
        if self.reduce is None:
            raise NotImplementedError(
                f"compile: the n-ary op {op.name!r} has no batched form (only sum, max, min "
                "and logsumexp do); write it from unary/binary ops, or run it eagerly")
        self.logsumexp = op.row is ops.LOGSUMEXP

    def __repr__(self) -> str:
        return f"{self.name} of {_count(self.out)}"

    def _terms(self, S):
        width = S[VARIANT].shape[1] if self.space == VARIANT else 1
        if len(self.parts) == 1:
            s, _, rows, _, _ = self.parts[0]
            return np.broadcast_to(S[s][rows], (len(self.parts[0][1]), width))
        terms = np.empty((int(self.counts.sum()), width))
        for s, pos, rows, _, _ in self.parts:
            terms[pos] = S[s][rows]
        return terms

    def forward(self, S) -> None:
        terms = self._terms(S)
        m = self.reduce.reduceat(terms, self.starts, axis=0)
        if self.logsumexp:
            shifted = terms - np.repeat(m, self.counts, axis=0)
            total = np.add.reduceat(np.exp(shifted), self.starts, axis=0)
            m = np.where(np.isinf(m), m, m + np.log(total))
        S[self.space][self.out] = m

    def backward(self, S, G) -> None:
        terms = self._terms(S)
        out = np.repeat(S[self.space][self.out], self.counts, axis=0)
        if self.logsumexp:
            local = np.exp(terms - out)  # the softmax of the terms
        else:  # the gradient goes to the first term equal to the extreme
            hit = (terms == out) | (np.isnan(terms) & np.isnan(out))  # a NaN is the extreme
            seen = np.cumsum(hit, axis=0)
            before = np.repeat(np.where(self.starts[:, None] > 0, seen[self.starts - 1], 0),
                               self.counts, axis=0)
            local = (hit & (seen - before == 1)).astype(float)
        contribution = np.repeat(G[self.space][self.out], self.counts, axis=0) * local
        for s, _, _, need, scatter in self.parts:
            if scatter is not None:
                part = contribution[need]
                if s == INVARIANT and self.space == VARIANT:
                    part = part.sum(axis=1, keepdims=True)
                scatter(G[s], part)


class Linear:
    """k neurons of one layer as a matrix product: row r computes
    ``sum_j W[r, j] * Q[j] + (other terms)``, where the weights are invariant nodes
    (parameters) and Q the per-sample inputs. PyTorch's ``nn.Linear``."""

    def __init__(self, slots, products, extras, needs_of):
        self.out = _rows(slots)
        k = len(slots)
        # the columns: the inputs in the order the first neuron multiplies them (its
        # weights' order, nn's), when every neuron has the same inputs; else by row
        first = [q for _, q in products[0]]
        same = all(sorted(q for _, q in terms) == sorted(first) for terms in products) \
            and len(set(first)) == len(first)
        q_slots = first if same else sorted({q for terms in products for _, q in terms})
        column = {q: j for j, q in enumerate(q_slots)}
        self.k, self.m = k, len(q_slots)
        self.q = _rows(q_slots)
        self.flat = np.array([r * self.m + column[q] for r, terms in enumerate(products)
                              for _, q in terms], dtype=np.intp)
        self.w_slots = np.array([w for terms in products for w, _ in terms], dtype=np.intp)
        # The usual case: every (row, column) once and the weights in consecutive rows of
        # U, row-major: W is then a view of U, and dW is added to a view of GU. Better
        # still, each neuron's weights followed by its bias (nn's order): a (k, m + 1)
        # block whose columns are W and b.
        by_position = self.w_slots[np.argsort(self.flat)]
        self.block = self.wb = None
        if len(self.flat) == k * self.m and len(np.unique(self.flat)) == k * self.m:
            if all(len(e) == 1 and e[0][0] == INVARIANT for e in extras):
                with_bias = np.insert(by_position.reshape(k, self.m), self.m,
                                      [e[0][1] for e in extras], axis=1).ravel()
                wb = _rows(with_bias)
                if isinstance(wb, slice) and all(needs_of((INVARIANT, int(r)))
                                                 for r in with_bias):
                    self.wb = wb
            block = _rows(by_position)
            if self.wb is None and isinstance(block, slice):
                self.block = block
        w_need = np.array([needs_of((INVARIANT, w)) for w in self.w_slots], dtype=bool)
        self.w_flat_need = self.flat[w_need]
        self.w_grad_slots, self.w_grad_index = np.unique(self.w_slots[w_need], return_inverse=True)
        q_need = [j for j, q in enumerate(q_slots) if needs_of((VARIANT, q))]
        self.q_need = np.array(q_need, dtype=np.intp)
        self.q_scatter = _ScatterAdd([q_slots[j] for j in q_need]) if q_need else None
        extra_rows = [r for r, terms in enumerate(extras) for _ in terms]
        extra_specs = [t for terms in extras for t in terms]
        self.extras = _RowSum(k, extra_rows, extra_specs, [needs_of(t) for t in extra_specs],
                              True) if extra_specs and self.wb is None else None
        self.bias = self.wb is not None

    def __repr__(self) -> str:
        extra = " + bias" if self.extras is not None or self.bias else ""
        neurons = "1 neuron" if self.k == 1 else f"{self.k} neurons"
        return f"layer of {neurons}: W ({self.k}x{self.m}) @ H{extra}"

    def blocks(self, U) -> tuple | None:
        """``(W, b)``: views of this layer's (k, m + 1) block of weights and biases in U
        (or of their gradients in GU) when they are laid out so (``wb``, a slice), else None."""
        if self.wb is None:
            return None
        Wb = U[self.wb, 0].reshape(self.k, self.m + 1)
        return Wb[:, :self.m], Wb[:, self.m:]

    def _weights(self, U) -> np.ndarray:
        """W for this call: a view of the parameter rows when they are laid out as a block."""
        if self.wb is not None:
            return self.blocks(U)[0]
        if self.block is not None:
            return U[self.block, 0].reshape(self.k, self.m)
        return np.bincount(self.flat, weights=U[self.w_slots, 0],
                           minlength=self.k * self.m).reshape(self.k, self.m)

    def forward(self, S) -> None:
        V, U = S[0], S[1]
        if self.wb is not None and isinstance(self.out, slice):  # straight into its rows
            W, b = self.blocks(U)
            out = V[self.out]
            np.matmul(W, V[self.q], out=out)
            out += b
            return
        out = self._weights(U) @ V[self.q]
        if self.wb is not None:
            out += self.blocks(U)[1]
        elif self.extras is not None:
            out += self.extras.compute(S, V.shape[1])
        V[self.out] = out

    def backward(self, S, G) -> None:
        upstream = G[VARIANT][self.out]
        if self.wb is not None:
            GW, Gb = self.blocks(G[INVARIANT])
            GW += upstream @ S[VARIANT][self.q].T
            Gb[:, 0] += upstream.sum(axis=1)
        elif self.block is not None and len(self.w_grad_slots) == self.k * self.m:
            G[INVARIANT][self.block, 0] += (upstream @ S[VARIANT][self.q].T).ravel()
        elif len(self.w_grad_slots):
            dW = (upstream @ S[VARIANT][self.q].T).ravel()
            G[INVARIANT][self.w_grad_slots, 0] += np.bincount(
                self.w_grad_index, weights=dW[self.w_flat_need],
                minlength=len(self.w_grad_slots))
        if self.q_scatter is not None:
            dQ = self._weights(S[INVARIANT]).T @ upstream
            self.q_scatter(G[VARIANT], dQ if len(self.q_need) == self.m else dQ[self.q_need])
        if self.extras is not None:
            self.extras.backward(G, upstream)
