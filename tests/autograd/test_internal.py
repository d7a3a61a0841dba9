"""The helpers of autograd/_internal.py: the argument checks that public functions of
both packages call on entry (``integer``, ``real``, ``has_methods``: each names the
argument, what it expects and what it got). Bad arguments fed to the public functions
themselves: tests/test_bad_input.py.

``write_atomically`` is tested through the files that go through it:
tests/autograd/exercises/test_notebook.py::test_strip_writes_atomically (a temporary
file beside the target, the old file whole after a crash, nothing left over) and, in
tests/nn/test_serialization.py, test_save_replaces_the_file_atomically,
test_save_through_a_symlink_writes_its_target_and_keeps_the_link and
test_save_keeps_a_files_mode_and_cleans_up_after_a_crash."""

from decimal import Decimal

import numpy as np
import pytest

from autograd import _internal


def test_numpy_integers_are_ints_and_bad_numbers_are_refused():
    assert _internal.integer(np.int32(3), "n") == 3
    assert type(_internal.integer(np.int8(1), "n")) is int
    for bad, exc in ((True, TypeError), (2.0, TypeError), (-1, ValueError)):
        with pytest.raises(exc, match="n must be an int"):
            _internal.integer(bad, "n", minimum=0)
    for bad, exc in ((1j, TypeError), (Decimal(1), TypeError), (float("nan"), ValueError),
                     (float("inf"), ValueError), (False, TypeError)):
        with pytest.raises(exc, match="x must be"):
            _internal.real(bad, "x")


def test_real_takes_numpy_numbers_and_names_its_bounds():
    assert type(_internal.real(np.float32(0.5), "lr")) is float
    assert _internal.real(np.int64(2), "lr", above=0) == 2.0
    assert _internal.real(0, "l2", minimum=0) == 0.0
    with pytest.raises(ValueError, match=r"^fit: l2 must be >= 0, got -1$"):
        _internal.real(-1, "fit: l2", minimum=0)
    with pytest.raises(ValueError, match=r"^lr must be > 0, got 0$"):
        _internal.real(0.0, "lr", above=0)


def test_has_methods_wants_callables_and_names_what_it_expects():
    class Optimizer:
        def step(self):
            pass

        def zero_grad(self):
            pass

    class NotCallable:
        step = zero_grad = 1.0

    opt = Optimizer()
    assert _internal.has_methods(opt, "fit: optimizer", ("step", "zero_grad"), "nn.SGD") is opt
    for bad, got in (("sgd", "str: 'sgd'"), (NotCallable(), "NotCallable: ")):
        with pytest.raises(TypeError, match=rf"^fit: optimizer must be nn.SGD, got {got}"):
            _internal.has_methods(bad, "fit: optimizer", ("step", "zero_grad"), "nn.SGD")


def test_real_refuses_an_int_too_large_for_a_float_by_name():
    """float(10**400) is a raw OverflowError (issue 19 item 12)."""
    with pytest.raises(ValueError, match=r"^lr must be a finite number, got an int too large"):
        _internal.real(10**400, "lr")


def test_boolean_takes_python_and_numpy_bools_only():
    assert _internal.boolean(np.bool_(True), "fuse") is True
    assert _internal.boolean(False, "fuse") is False
    for bad in (1, "yes", None, 1.0):
        with pytest.raises(TypeError, match=r"^fuse must be True or False, got "):
            _internal.boolean(bad, "fuse")


def test_items_takes_iterables_and_names_what_it_expects():
    assert _internal.items((1, 2), "values", "a list") == [1, 2]
    assert _internal.items(iter([3]), "values", "a list") == [3]
    assert _internal.items(np.array([1.0]), "values", "a list") == [1.0]
    for bad, got in ((None, "NoneType: None"), ("ab", "str: 'ab'"), (3.0, "float: 3.0"),
                     ({"a": 1}, "dict")):
        with pytest.raises(TypeError, match=rf"^grad: inputs must be a list of Values, got {got}"):
            _internal.items(bad, "grad: inputs", "a list of Values")
