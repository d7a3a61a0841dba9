"""Helpers that several of gradlab's modules share, ``nn`` included: the one internal
module whose names other modules may import (everything else private stays in its module).

- Argument checks at the public boundary, in one style: each names the argument, what it
  expects and what it got, and returns the value in its plain Python type. Public
  functions call them once on entry, so hot paths stay free of checks. (numpy integers
  and floats are accepted; bools, complex numbers and Decimals are not.)
- ``write_atomically``: every file gradlab writes (drawings, pages, models, notebooks)
  goes through it, so a reader never sees half a file, several writers to one path each
  land whole, and a pipe or device is never replaced; ``file_path`` checks a file name.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import secrets
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; leftovers of crashed writers stay
    fcntl = None
if not hasattr(fcntl, "flock"):  # Pyodide's fcntl has none (one process: nobody to lock out)
    fcntl = None


def integer(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """An int (or numpy integer), at least ``minimum``, at most ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r:.40}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {int_text(value)}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an int <= {maximum}, got {int_text(value)}")
    return value


def int_text(value: int) -> str:
    """An int for a message: its digits, or its size when they would fill the screen."""
    return str(value) if abs(value).bit_length() <= 128 else \
        f"an int of {abs(value).bit_length()} bits"


def real(value, name: str, minimum: float | None = None, above: float | None = None) -> float:
    """A finite real number (int, float, numpy scalar), >= ``minimum`` / > ``above``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}: "
                        f"{value!r:.40}")
    try:
        value = float(value)
    except OverflowError:  # an int beyond a float's range
        raise ValueError(f"{name} must be a finite number, got an int too large for a float "
                         f"({int(value).bit_length()} bits)") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum:g}, got {value:g}")
    if above is not None and value <= above:
        raise ValueError(f"{name} must be > {above:g}, got {value:g}")
    return value


def boolean(value, name: str) -> bool:
    """True or False (a Python or numpy bool; not 0, 1 or "yes")."""
    numpy = sys.modules.get("numpy")  # not imported: no numpy bool can exist
    if not (isinstance(value, bool) or numpy is not None and isinstance(value, numpy.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}: "
                        f"{value!r:.40}")
    return bool(value)


def items(value, name: str, expected: str) -> list:
    """The items of a list, tuple or other iterable (not a str, bytes or dict), as a list;
    ``expected`` says what the argument should be, for the message."""
    if not isinstance(value, (str, bytes, dict)) and isinstance(value, Iterable):
        try:
            return list(value)
        except TypeError:  # iterable in type only: a 0-d numpy array
            pass
    raise TypeError(f"{name} must be {expected}, got {type(value).__name__}: {value!r:.40}")


def choice(value, name: str, allowed: tuple):
    """One of the names ``allowed`` (None too, if it is among them): a str compared
    as a str, so an array or a list gets this message, never numpy's."""
    if (value is None or isinstance(value, str)) and value in allowed:
        return value
    shown = [repr(a) for a in allowed]
    either = f"{', '.join(shown[:-1])} or {shown[-1]}" if len(shown) > 1 else shown[0]
    raise ValueError(f"{name} must be {either}, got {value!r:.40}")


def is_complex(value) -> bool:
    """``np.iscomplexobj(value)``, but False where numpy cannot make an array of it (a
    ragged list raises numpy's own message there): the conversion that follows says so."""
    import numpy

    try:
        return bool(numpy.iscomplexobj(value))
    except (TypeError, ValueError):
        return False


def numbers_array(value, name: str, dtype=float):
    """``value`` as a numpy array of real numbers (``dtype``; None keeps ints as ints):
    None (which numpy would make NaN), a str, a ragged list, complex numbers or an int
    beyond a float's range get a message naming the argument, never numpy's."""
    import numpy  # here, not at the top: importing autograd needs no numpy

    if value is None or isinstance(value, (str, bytes, dict)):
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}: "
                        f"{value!r:.40}")
    try:
        out = numpy.asarray(value)
    except (TypeError, ValueError) as e:  # a ragged list
        raise TypeError(f"{name} must be an array of numbers ({e})") from None
    if out.dtype.kind == "O" and all(isinstance(v, numbers.Real) for v in out.flat):
        try:  # Python ints beyond int64
            out = out.astype(float)
        except OverflowError:
            raise ValueError(f"{name} holds an int too large for a float") from None
    if out.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of numbers (real ones), got an array of "
                        f"{out.dtype}")
    return out if dtype is None else out.astype(dtype, copy=False)


def has_methods(value, name: str, methods: tuple, example: str):
    """An object with these methods (an optimizer, a schedule, a model)."""
    missing = [m for m in methods if not callable(getattr(value, m, None))]
    if missing:
        raise TypeError(f"{name} must be {example}, got {type(value).__name__}: {value!r:.40}")
    return value


def write_atomically(path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``:
    readers see the old file or the new one, never half of one.

    A symlink is followed (its target gets the new contents, the link stays, as
    ``torch.save`` does); an existing file keeps its permissions, a new one gets
    the usual ones (0666 less the umask); anything there that is not a regular file
    (a folder, a pipe, a device) is refused, never replaced. Several writers may
    write one path at once: each lands whole, the last one wins. Each holds a lock
    on its temporary file from creation to rename, so the temporary files that an
    earlier crash left beside the file (no one holds their lock) are removed once a
    write has succeeded, and a live writer's never are. A failure (a full disk, a
    missing folder) is an ``OSError`` that names ``path``; the old file is whole."""
    target = _regular_target(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    prefix = f".{target.name}."
    tmp = None
    try:
        fd, tmp = _locked_temporary(folder, prefix)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            if mode is not None:
                os.chmod(tmp, mode)
            os.replace(tmp, target)  # still holding the lock: no cleaner can take it
        tmp = None
    except OSError as e:
        raise _naming(e, path) from e
    finally:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)
    _remove_abandoned(folder, re.compile(re.escape(prefix) + r"[0-9a-f]{16}\.tmp"))


def file_path(path, name: str = "path") -> Path:
    """A file name (str or ``os.PathLike``, not empty) as a ``Path``: the check of every
    public function that reads or writes a file."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file name (str or pathlib.Path), got "
                        f"{type(path).__name__}: {path!r:.40}")
    text = os.fspath(path)
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a file name (str or pathlib.Path), got {text!r:.40}")
    if text == "":
        raise ValueError(f"{name} is empty: give the name of a file")
    return Path(text)


def _regular_target(path) -> Path:
    """The file ``write_atomically`` writes: ``path``, or a symlink's target; refused
    when it names nothing (an empty string) or something that is not a regular file."""
    path = file_path(path)
    target = Path(os.path.realpath(path)) if os.path.islink(path) else path
    try:
        kind = os.stat(target).st_mode
    except OSError:
        return target  # nothing there yet (or unreadable: the write will say so)
    if not stat.S_ISREG(kind):
        what = "a folder" if stat.S_ISDIR(kind) else "a pipe, device or socket"
        raise ValueError(f"{path} is {what}, not a regular file: refusing to replace it")
    return target


def _naming(error: OSError, path) -> OSError:
    """``error`` again, saying which file could not be written (a full disk's message
    names only the temporary file, or nothing)."""
    reason = error.strerror or str(error)
    if error.errno is None:
        return OSError(f"could not write {path}: {reason}")
    return OSError(error.errno, f"could not write {path}: {reason}")


def _locked_temporary(folder: Path, prefix: str) -> tuple[int, Path]:
    """A new temporary file beside the target, open for writing and locked (``flock``)
    until it is closed: while the lock is held, no cleaner removes it."""
    while True:
        tmp = folder / f"{prefix}{secrets.token_hex(8)}.tmp"
        # O_EXCL: never follow or reuse anything there; 0o666 lets the umask apply, as open() does
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        if fcntl is None:
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink:
            return fd, tmp
        os.close(fd)  # a cleaner took it for a leftover before the lock: take another


def _remove_abandoned(folder: Path, leftover: re.Pattern) -> None:
    """Remove the temporary files of writers that died before their rename: those
    whose lock nobody holds. (Without ``fcntl``, on Windows, they stay.)"""
    if fcntl is None:
        return
    try:
        names = [entry.name for entry in os.scandir(folder) if leftover.fullmatch(entry.name)]
    except OSError:
        return
    for name in names:
        try:
            fd = os.open(folder / name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
        except OSError:
            continue  # renamed or removed since: gone already
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            here = os.lstat(folder / name)
            mine = os.fstat(fd)
            if stat.S_ISREG(mine.st_mode) and (here.st_ino, here.st_dev) == (mine.st_ino,
                                                                             mine.st_dev):
                os.unlink(folder / name)
        except OSError:
            pass  # a live writer holds it, or it was renamed or removed meanwhile
        finally:
            os.close(fd)
