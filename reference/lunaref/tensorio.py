"""Reading inputs and writing outputs for the command line (README, "CLI tour").

* ``.npy`` paths are numpy arrays; any other path is raw little-endian bytes in C order with the
  dtype and shape the model declares.
* Outputs are written fresh, never appended, and atomically: every file first goes to a temporary
  name beside its target, and only when all of them are complete are they renamed into place.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from . import errors
from .graph import ValueInfo
from .tensor import Tensor

__all__ = ["read_input", "write_files", "array_bytes", "dump_files"]


def read_input(path: str, info: ValueInfo) -> np.ndarray:
    """The array for model input ``info`` from ``path`` (``.npy`` or raw bytes)."""
    p = Path(path)
    if not p.is_file():
        raise errors.InputNotFound(f"input file {path!r} does not exist")
    if p.suffix == ".npy":
        try:
            arr = np.load(p, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise errors.InputNotFound(f"input file {path!r} is not a readable .npy file ({exc})") from None
        if arr.dtype != info.dtype.storage:
            raise errors.InputDTypeMismatch(f"input {info.name!r}: {path!r} holds {arr.dtype}, "
                                            f"the model expects {info.dtype}")
        return arr
    shape = info.static_shape
    if shape is None:
        raise errors.BadArgument(f"input {info.name!r} has a symbolic shape; give it as a .npy file")
    want = int(np.prod(shape, dtype=np.int64)) * info.dtype.storage.itemsize
    data = p.read_bytes()
    if len(data) != want:
        raise errors.InputSizeMismatch(f"input {info.name!r}: {path!r} has {len(data)} bytes, the model's "
                                       f"{info.dtype}{list(shape)} needs {want}")
    return np.frombuffer(data, dtype=info.dtype.storage.newbyteorder("<")).astype(info.dtype.storage).reshape(shape)


def array_bytes(path: str, arr: np.ndarray) -> bytes:
    """The bytes to store ``arr`` at ``path``: a .npy file, or raw little-endian C-order data."""
    if str(path).endswith(".npy"):
        import io
        buf = io.BytesIO()
        np.save(buf, np.asarray(arr).copy(order="C"), allow_pickle=False)  # (ascontiguousarray makes 0-d 1-d)
        return buf.getvalue()
    return np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_files(files: Iterable[tuple[str, bytes]]) -> None:
    """Write every (path, bytes) pair, all-or-nothing as far as the file system allows."""
    staged: list[tuple[str, str]] = []
    try:
        for path, data in files:
            target = Path(path)
            directory = target.parent if str(target.parent) else Path(".")
            if not directory.is_dir():
                raise errors.OutputWriteError(f"cannot write {path!r}: directory {str(directory)!r} does not exist")
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
            staged.append((tmp, str(target)))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the mode open() would
        for tmp, target in staged:
            os.replace(tmp, target)
        staged.clear()
    except OSError as exc:
        raise errors.OutputWriteError(f"cannot write outputs: {exc.strerror or exc}") from None
    finally:
        for tmp, _ in staged:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _file_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9._+-]", "_", name) or "_"
    if base.startswith("."):
        base = "_" + base
    candidate, i = base, 1
    while candidate in taken:
        candidate, i = f"{base}__{i}", i + 1
    taken.add(candidate)
    return candidate


def dump_files(directory: str, tensors: Mapping[str, Tensor]) -> list[tuple[str, bytes]]:
    """``<dir>/<tensor>.npy`` for every tensor (integers keep their integer dtype), plus
    ``<dir>/exponents.json`` mapping each tensor name to its exponent (``null``: no scale) and file."""
    taken: set[str] = {"exponents"}
    files, index = [], {}
    for name, t in tensors.items():
        stem = _file_name(name, taken)
        files.append((os.path.join(directory, stem + ".npy"), array_bytes(".npy", t.data)))
        index[name] = {"exponent": t.exponent, "dtype": t.dtype.name, "file": stem + ".npy"}
    files.append((os.path.join(directory, "exponents.json"), (json.dumps(index, indent=1) + "\n").encode()))
    return files
