"""The model file format: JSON, never pickle, written atomically and read with care.

A file holds ``{"format": "gradlab.nn", "version": 1, "model": repr, "architecture":
model.config(), "parameters": {name: number}}``. ``read`` refuses, naming the file and
the field, anything that is not such a file before a model is built from it: not a
regular file, too large, not UTF-8 JSON, numbers of absurd length, another format or
version. Building the model the architecture describes is ``nn.modules``' part
(``nn.load``): its "type" is Neuron, Layer or MLP, or one another module registered
(``nn.modules.register_architecture``: ``nn.conv``'s Conv1d and Conv2d, ``nn.Sequential``
of layers). New types need no new version: a reader that does not know one refuses it.
"""

from __future__ import annotations

import json
import stat

from autograd import _internal

__all__ = ["FILE_FORMAT", "FILE_VERSION", "MAX_FILE_BYTES", "MAX_PARAMETERS", "write", "read"]

FILE_FORMAT = "gradlab.nn"
FILE_VERSION = 1
MAX_FILE_BYTES = 256 * 2**20  # ~10 million parameters; more is no model for this library
MAX_PARAMETERS = 10_000_000


def _parse_int(text: str):
    # json would build a 5000-digit int (slowly) or refuse past 4300 digits with a
    # message that names neither the file nor the field; a weight has no such digits
    if len(text.lstrip("-")) > 30:
        raise ValueError(f"an integer of {len(text)} digits")
    return int(text)


def read(path) -> dict:
    """The parsed contents of a model file, checked for format, version and size
    before anything is built from it."""
    path = _internal.file_path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"no model file at {path}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path} is not a regular file (a device, pipe or folder); a model "
                         "file is one that save() wrote")
    if info.st_size > MAX_FILE_BYTES:
        raise ValueError(f"{path} is {info.st_size} bytes, more than a gradlab model file may "
                         f"be ({MAX_FILE_BYTES} bytes)")
    with open(path, "rb") as f:
        raw = f.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"{path} grew past {MAX_FILE_BYTES} bytes while being read")
    try:
        document = json.loads(raw.decode("utf-8"), parse_int=_parse_int)
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a gradlab model file: not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path} is not a gradlab model file: not valid JSON "
                         f"(truncated or damaged? {e})") from None
    except RecursionError:
        raise ValueError(f"{path} is not a gradlab model file: JSON nested too deeply") from None
    except ValueError as e:
        raise ValueError(f"{path} is not a gradlab model file: {e}") from None
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise ValueError(f"{path} is not a gradlab model file (no 'format': '{FILE_FORMAT}')")
    version = document.get("version")
    if type(version) is not int or version != FILE_VERSION:  # true == 1, but not a version
        raise ValueError(f"{path}: unsupported gradlab model file version "
                         f"{version!r}, this gradlab reads {FILE_VERSION}")
    if not isinstance(document.get("parameters"), dict):
        raise ValueError(f"{path}: 'parameters' must be an object of name -> number")
    return document


def write(path, model: str, architecture: dict | None, parameters: dict) -> None:
    """Write a model file (``Module.save``), atomically: a reader sees the old file or
    the new one, never half of one; several processes saving to one path each land
    whole (the last one wins); a pipe, device or folder at ``path`` is refused, and a
    failure (a full disk) names ``path`` (``autograd._internal.write_atomically``)."""
    document = {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "model": model,
        "architecture": architecture,
        "parameters": parameters,
    }
    _internal.write_atomically(path, json.dumps(document, indent=1).encode())
