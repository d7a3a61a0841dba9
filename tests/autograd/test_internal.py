"""The helpers of autograd/_internal.py: the argument checks that public functions of
both packages call on entry (``integer``, ``real``, ``has_methods``: each names the
argument, what it expects and what it got). Bad arguments fed to the public functions
themselves: tests/test_bad_input.py.

``write_atomically`` here: several processes writing one path (each lands whole, the last
wins, a live writer's temporary file is never removed), pipes, folders and empty paths
refused, a full disk's error naming the file; and through the files that go through it:
tests/autograd/exercises/test_notebook.py::test_strip_writes_atomically and
tests/nn/test_serialization.py (atomic replacement, symlinks, modes, crashes)."""

import errno
import os
import stat
from decimal import Decimal

import pytest

from autograd import _internal


def test_numpy_integers_are_ints_and_bad_numbers_are_refused(np):
    assert _internal.integer(np.int32(3), "n") == 3
    assert type(_internal.integer(np.int8(1), "n")) is int
    for bad, exc in ((True, TypeError), (2.0, TypeError), (-1, ValueError)):
        with pytest.raises(exc, match="n must be an int"):
            _internal.integer(bad, "n", minimum=0)
    for bad, exc in ((1j, TypeError), (Decimal(1), TypeError), (float("nan"), ValueError),
                     (float("inf"), ValueError), (False, TypeError)):
        with pytest.raises(exc, match="x must be"):
            _internal.real(bad, "x")


def test_real_takes_numpy_numbers_and_names_its_bounds(np):
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


# --- write_atomically: several writers, files that are not files, errors that name the file ---

def _save_many(path: str, writer: int, saves: int, results) -> None:
    """One writer process: ``saves`` writes of its own recognisable contents."""
    failures = []
    for k in range(saves):
        body = f"writer {writer} save {k}\n".encode() * 2000  # ~40 KB: the writes overlap
        try:
            _internal.write_atomically(path, body)
        except Exception as e:  # noqa: BLE001 (every failure is counted and reported)
            failures.append(f"{type(e).__name__}: {e}")
    results.put((writer, failures))


def test_concurrent_writers_each_land_whole_and_the_last_one_wins(tmp_path):
    """6 processes x 40 saves to one path: none fails (a finishing writer once removed
    the others' temporary files as leftovers: 30-38 of 60 saves per process failed with
    FileNotFoundError), the file is always one whole save, and nothing is left beside it."""
    import multiprocessing

    path = str(tmp_path / "model.json")
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    writers = [context.Process(target=_save_many, args=(path, w, 40, results))
               for w in range(6)]
    for p in writers:
        p.start()
    reports = dict(results.get(timeout=300) for _ in writers)
    for p in writers:
        p.join(timeout=60)
    assert all(p.exitcode == 0 for p in writers)
    assert reports == {w: [] for w in range(6)}
    lines = open(path).read().splitlines()
    assert len(lines) == 2000 and len(set(lines)) == 1  # one save, whole
    assert lines[0].endswith(" save 39")  # some writer's last save: the last one won
    assert os.listdir(tmp_path) == ["model.json"]


def test_a_live_writers_temporary_file_is_never_removed_but_a_dead_ones_is(tmp_path):
    import fcntl

    path = tmp_path / "m.json"
    dead = tmp_path / ".m.json.0123456789abcdef.tmp"
    dead.write_text("left by a kill -9")
    live = tmp_path / ".m.json.fedcba9876543210.tmp"
    with open(live, "wb") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # as a writer holds it until its rename
        _internal.write_atomically(path, b"new")
        assert live.exists() and not dead.exists()
    assert path.read_bytes() == b"new"


def test_pipes_folders_and_empty_paths_are_refused_before_anything_is_written(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(fifo)
    for where, match in ((fifo, "pipe is a pipe, device or socket, not a regular file"),
                         (link, "link is a pipe, device or socket"),
                         (tmp_path, "is a folder, not a regular file"),
                         ("", "path is empty: give the name of a file")):
        with pytest.raises(ValueError, match=match):
            _internal.write_atomically(where, b"x")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and link.is_symlink()
    assert sorted(os.listdir(tmp_path)) == ["link", "pipe"]
    for bad in (5, None, b"bytes.json"):
        with pytest.raises(TypeError, match="path must be a file name"):
            _internal.write_atomically(bad, b"x")


def test_a_full_disk_names_the_file_and_leaves_the_old_one_whole(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    path.write_bytes(b"old")

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match=rf"could not write {path}: No space left") as info:
        _internal.write_atomically(path, b"new")
    assert info.value.errno == errno.ENOSPC
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["m.json"]
    with pytest.raises(FileNotFoundError, match="could not write .*nowhere.*m.json"):
        _internal.write_atomically(tmp_path / "nowhere" / "m.json", b"new")

def test_real_refuses_an_int_too_large_for_a_float_by_name():
    """float(10**400) is a raw OverflowError (issue 19 item 12)."""
    with pytest.raises(ValueError, match=r"^lr must be a finite number, got an int too large"):
        _internal.real(10**400, "lr")


def test_boolean_takes_python_and_numpy_bools_only(np):
    assert _internal.boolean(np.bool_(True), "fuse") is True
    assert _internal.boolean(False, "fuse") is False
    for bad in (1, "yes", None, 1.0):
        with pytest.raises(TypeError, match=r"^fuse must be True or False, got "):
            _internal.boolean(bad, "fuse")


def test_items_takes_iterables_and_names_what_it_expects(np):
    assert _internal.items((1, 2), "values", "a list") == [1, 2]
    assert _internal.items(iter([3]), "values", "a list") == [3]
    assert _internal.items(np.array([1.0]), "values", "a list") == [1.0]
    for bad, got in ((None, "NoneType: None"), ("ab", "str: 'ab'"), (3.0, "float: 3.0"),
                     ({"a": 1}, "dict")):
        with pytest.raises(TypeError, match=rf"^grad: inputs must be a list of Values, got {got}"):
            _internal.items(bad, "grad: inputs", "a list of Values")
