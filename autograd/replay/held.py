"""Parameters held in arrays between compiled steps, written back on first touch.

A compiled training step (``value_and_grad``, then an optimizer's ``zero_grad`` and
``step``) works on all the parameters at once, as two arrays: their numbers and their
gradients. Copying those arrays back into every parameter's ``.data`` and ``.grad``
after each step cost about 30 µs for an MLP 2-16-16-1 (337 parameters), most of the
numpy work of a small batch, and in a training loop nothing reads them. So a compiled
step *holds* its parameters: the arrays are the truth, and each held parameter becomes a
``HeldValue`` (a ``Value`` whose number, gradient and stamp are looked up through
properties). The first time anything touches one of them (``p.data``, ``p.grad``,
``p.data = 2.0``, an eager graph using it, a drawing, ``state_dict``), every held
parameter gets its numbers back and becomes a plain ``Value`` again, before the touch
is answered. A reader never sees an old number,
and an assignment is never lost: the next compiled step reads the Values again.

PyTorch keeps parameters in tensors to begin with; FSDP's ``FlatParameter`` keeps many
of them in one flat array, with each parameter a view of it. Here the Values stay
scalars; only between compiled steps do their numbers live in the arrays.

One set of parameters is held at a time (holding another writes the first back; until
then the holder keeps those Values alive, never their model or program), under a lock:
a thread that touches a held parameter while another runs a step gets the numbers of a
finished step.
"""

from __future__ import annotations

import threading

import numpy as np

from ..engine import Value, assign_data, new_data_version

__all__ = ["HeldParameters", "HeldValue", "holder", "holding", "hold", "write_back"]

# The slots' own descriptors: read and written here without a write-back.
_DATA, _GRAD, _STAMP = Value._data, Value.grad, Value._x
_lock = threading.RLock()
_holder = None  # the HeldParameters whose arrays are the truth right now, if any


class HeldParameters:
    """The numbers (``data``) and gradients (``grad``) of the parameters ``values``, in
    that order, while they are held. ``stamp``: the data version of the last assignment
    made through ``assign`` (None: the Values' own stamps are right). ``used``: an
    optimizer or a compiled step took them from here (not only wrote them back)."""

    def __init__(self, values: tuple, data: np.ndarray, grad: np.ndarray):
        self.values, self.data, self.grad = values, data, grad
        self.stamp = None
        self.used = False
        self.on_write_back = None  # a weakref.WeakMethod, told when written back unused
        self.known = (values,)  # sequences found to be these Values in this order

    def add_gradients(self, g: np.ndarray) -> None:
        """``.grad += g`` for every parameter, in the arrays (or in the Values, if they
        were written back meanwhile)."""
        with _lock:
            if _holder is self:
                self.grad += g
                self.used = True
                return
        for p, x in zip(self.values, g.tolist()):
            p.grad += x

    def zero_grad(self) -> None:
        """Every gradient set to 0 (in the Values, if they were written back)."""
        with _lock:
            if _holder is self:
                self.grad.fill(0.0)
                self.used = True
                return
        for p in self.values:
            p.grad = 0.0

    def assign(self, data: np.ndarray) -> int:
        """New numbers for every parameter (an optimizer step), as ``assign_data`` does:
        a new data version, so graphs built before are stale. Returns it."""
        with _lock:
            if _holder is self:
                self.data = data
                self.stamp = new_data_version()
                self.used = True
                return self.stamp
        return assign_data(self.values, data, checked=True)


def _held(slot) -> property:
    """A slot of Value, read and assigned after the held numbers are written back."""
    def get(self):
        write_back()
        return slot.__get__(self)

    def assign(self, x):
        write_back()
        slot.__set__(self, x)

    return property(get, assign)


class HeldValue(Value):
    """A parameter whose number and gradient are held in arrays (``HeldParameters``):
    the first touch of its number, gradient or stamp writes every held parameter back,
    and it is a plain ``Value`` again."""

    __slots__ = ()

    _data, grad, _x = _held(_DATA), _held(_GRAD), _held(_STAMP)


def holder() -> HeldParameters | None:
    """The parameters held right now, if any."""
    return _holder


def holding(values) -> HeldParameters | None:
    """The parameters held right now if they are exactly ``values`` (the same Values, in
    that order: compared item by item once per sequence, then by identity), else None."""
    bank = _holder
    if bank is None:
        return None
    for known in bank.known:  # (a loop: no generator made on every step)
        if values is known:
            return bank
    if len(values) == len(bank.values) and all(a is b for a, b in zip(values, bank.values)):
        bank.known = (values, *bank.known[:3])  # a compiled step's and an optimizer's
        return bank
    return None


def hold(values: tuple, data: np.ndarray, grad: np.ndarray) -> HeldParameters | None:
    """Hold ``values`` (plain leaf Values, each once) with these numbers and gradients:
    from now on the arrays are the truth, until something touches one of them. Others
    held before are written back first. None when they can't be held (a subclass of
    ``Value`` keeps its class: it is not held)."""
    if any(v.__class__ is not Value for v in values):
        return None
    with _lock:
        write_back()
        bank = HeldParameters(values, data, grad)
        for v in values:
            v.__class__ = HeldValue
        _set_holder(bank)
    return bank


def write_back() -> None:
    """Give every held parameter its number, gradient and stamp, and make it a plain
    ``Value`` again (nothing to do when none is held)."""
    if _holder is None:
        return
    with _lock:
        bank = _holder
        if bank is None:
            return
        _set_holder(None)
        stamp = bank.stamp
        for v, x, g in zip(bank.values, bank.data.tolist(), bank.grad.tolist()):
            v.__class__ = Value  # plain slots from here on
            v._data = x
            v.grad = g
            if stamp is not None:
                v._x = stamp
    if not bank.used and bank.on_write_back is not None:
        told = bank.on_write_back()  # a weak reference: holding keeps no plan alive
        if told is not None:
            told(bank)


def _set_holder(bank) -> None:
    global _holder
    _holder = bank
