"""``lunaref vectors export-c``: a vector set as C headers for on-target firmware (spec/formats/vectors.md §8).

Writes three files into the output directory:

* ``lunaref_vectors.h`` — the case table's types and the function a port provides (fixed text);
* ``lunaref_runner.c`` — a C99 runner without allocation or file system (fixed text);
* ``lunaref_cases.h`` — generated: every selected case's tensors as ``static const`` arrays and the table
  ``lr_cases[]`` (id, platform, level, op, inputs with shapes, exponents and packed weights, expected
  outputs or the expected error, attributes, model bytes).
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .. import SPEC_VERSION, __version__, errors
from ..tensor import Tensor, TensorSpec
from .case import VectorCase, packed_weight, read_case

__all__ = ["export_c", "FIXED_FILES"]

FIXED_FILES = ("lunaref_vectors.h", "lunaref_runner.c")
MAX_DIMS = 8  # LR_MAX_DIMS in lunaref_vectors.h

_C_DTYPE = {"int4": ("LR_INT4", "int8_t"), "int8": ("LR_INT8", "int8_t"), "int16": ("LR_INT16", "int16_t"), "int32": ("LR_INT32", "int32_t"),
            "int64": ("LR_INT64", "int64_t"), "float32": ("LR_FLOAT32", "uint32_t")}


def _c_string(s: str) -> str:
    return json.dumps(s)  # ASCII JSON string literals are valid C string literals


def _c_int(v: int, bits: int) -> str:
    """A C expression of type compatible with a ``bits``-wide signed integer equal to ``v``."""
    if bits == 64:
        return f"(INT64_C({v + 1}) - 1)" if v == -(1 << 63) else f"INT64_C({v})"
    if v == -(1 << 31):
        return "(-2147483647 - 1)"
    return str(v)


def _c_double(v: float) -> str:
    """A C99 constant equal to ``v``: hexadecimal for finite values (exact), else ``<math.h>``'s macros."""
    if np.isnan(v):
        return "NAN"
    if np.isinf(v):
        return "INFINITY" if v > 0 else "(-INFINITY)"
    return v.hex()


def _values(arr: np.ndarray, dtype: str) -> str:
    if dtype == "float32":  # exact: the IEEE bits
        flat = [f"{v}u" for v in np.ascontiguousarray(arr, dtype="<f4").view("<u4").reshape(-1).tolist()]
    else:
        bits = int(dtype[3:])
        flat = [_c_int(v, bits) for v in arr.reshape(-1).tolist()]
    lines = [", ".join(flat[k:k + 16]) for k in range(0, len(flat), 16)]
    return ",\n    ".join(lines)


class _Writer:
    def __init__(self) -> None:
        self.out: list[str] = []

    def array(self, name: str, ctype: str, body: str) -> None:
        self.out.append(f"static const {ctype} {name}[] = {{\n    {body}\n}};\n")

    def tensor(self, name: str, t: Tensor | TensorSpec, data: np.ndarray | None, packed: str = "NULL",
               layout: str | None = None) -> str:
        """Emit ``t``'s data array (if any) and return its lr_tensor initializer."""
        enum, ctype = _C_DTYPE[t.dtype.name]
        shape = [] if data is None else list(data.shape)
        if len(shape) > MAX_DIMS:
            raise errors.UnsupportedAttribute(f"{name}: rank {len(shape)} exceeds LR_MAX_DIMS = {MAX_DIMS}")
        count = int(np.prod(shape)) if data is not None else 0
        pointer = "NULL"
        if data is not None and count:
            pointer = f"{name}_data"
            self.array(pointer, ctype, _values(data, t.dtype.name))
        dims = "{" + ", ".join(map(str, shape or [0])) + "}"
        exp = t.exponent if t.exponent is not None else 0
        return (f"{{{enum}, {len(shape)}, {dims}, {count}, {int(t.exponent is not None)}, {exp}, {pointer}, "
                f"{packed}, {_c_string(layout) if layout else 'NULL'}}}")

    def attrs(self, name: str, attrs: dict[str, Any]) -> str:
        items = []
        for key, value in sorted(attrs.items()):
            lit = _c_string(key)
            if isinstance(value, (bool, int)):
                items.append(f"{{{lit}, LR_ATTR_INT, {_c_int(int(value), 64)}, 0, NULL, 0.0, NULL, NULL}}")
            elif isinstance(value, float):
                items.append(f"{{{lit}, LR_ATTR_FLOAT, 0, 0, NULL, {_c_double(value)}, NULL, NULL}}")
            elif isinstance(value, str):
                items.append(f"{{{lit}, LR_ATTR_STR, 0, 0, NULL, 0.0, {_c_string(value)}, NULL}}")
            elif isinstance(value, (list, tuple)) and all(isinstance(v, (bool, int)) for v in value):
                ints = "NULL"
                if value:
                    ints = f"{name}_{key}"
                    self.array(ints, "int64_t", ", ".join(_c_int(int(v), 64) for v in value))
                items.append(f"{{{lit}, LR_ATTR_INTS, 0, {len(value)}, {ints}, 0.0, NULL, NULL}}")
            elif isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) for v in value):
                floats = f"{name}_{key}"
                self.array(floats, "double", ", ".join(_c_double(float(v)) for v in value))
                items.append(f"{{{lit}, LR_ATTR_FLOATS, 0, {len(value)}, NULL, 0.0, NULL, {floats}}}")
            else:
                raise errors.UnsupportedAttribute(f"attribute {key!r} = {value!r} has no C form")
        if not items:
            return "NULL"
        self.out.append(f"static const lr_attr {name}[] = {{\n    " + ",\n    ".join(items) + "\n};\n")
        return name


def _case(w: _Writer, n: int, case: VectorCase) -> tuple[str, int, int]:
    """Emit one case's arrays; return its lr_case initializer, output count and output words."""
    p = f"lr_c{n}"
    packed = packed_weight(case)
    inputs = []
    for k, t in enumerate(case.inputs):
        ref, layout = "NULL", None
        if k == 1 and packed is not None:
            arr, layout = packed
            stored = f"int{arr.dtype.itemsize * 8}"   # the packed bytes' own type (int4 packs two per byte)
            w.out.append(f"static const lr_tensor {p}_in{k}_packed = "
                         f"{w.tensor(f'{p}_in{k}_packed', Tensor.of(arr.astype(stored), stored, t.exponent), arr.astype(stored))};\n")
            ref = f"&{p}_in{k}_packed"
        inputs.append(w.tensor(f"{p}_in{k}", t, t.data, ref, layout))
    valid = case.expect["outcome"] == "valid"
    outputs = [w.tensor(f"{p}_out{k}", t, t.data) for k, t in enumerate(case.outputs)] if valid else \
        [w.tensor(f"{p}_out{k}", s, None) for k, s in enumerate(case.output_specs)]
    words = sum((t.data.size * t.data.itemsize + 7) // 8 for t in case.outputs) if valid else 0
    for name, items in (("inputs", inputs), ("outputs", outputs)):
        if items:
            w.out.append(f"static const lr_tensor {p}_{name}[] = {{\n    " + ",\n    ".join(items) + "\n};\n")
    attrs = w.attrs(f"{p}_attrs", case.attrs)
    model, model_size = "NULL", 0
    if case.resource is not None:
        model, model_size = f"{p}_model", len(case.resource)
        w.array(model, "uint8_t", ",\n    ".join(", ".join(f"0x{b:02x}" for b in case.resource[k:k + 16])
                                               for k in range(0, len(case.resource), 16)))
    error = _c_string(case.expect["error"]) if not valid else "NULL"
    entry = (f"{{{_c_string(case.id)}, {_c_string(case.platform)}, {_c_string(case.level)}, {_c_string(case.op)}, "
             f"{len(inputs)}, {p + '_inputs' if inputs else 'NULL'}, {len(outputs)}, "
             f"{p + '_outputs' if outputs else 'NULL'}, {error}, {len(case.attrs)}, {attrs}, {model}, {model_size}}}")
    return entry, len(outputs), words


def export_c(root: str | Path, case_dirs: Sequence[Path], out: str | Path) -> int:
    """Write the C export of ``case_dirs`` (cases of the set ``root``) into the directory ``out``."""
    from ..tensorio import write_files

    out = Path(out)
    if not case_dirs:
        raise errors.BadArgument(f"no case of {root} matches the selection")
    w = _Writer()
    entries, max_outputs, max_words = [], 1, 1
    for n, d in enumerate(case_dirs):
        entry, outputs, words = _case(w, n, read_case(d))
        entries.append(entry)
        max_outputs, max_words = max(max_outputs, outputs), max(max_words, words)
    manifest = Path(root) / "manifest.json"
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.exists() else "none"
    header = [
        f"/* Generated by lunaref {__version__} (spec {SPEC_VERSION}) from the vector set {Path(root).name}\n"
        f" * (manifest sha256 {digest}): {len(entries)} cases.  Do not edit; regenerate with\n"
        f" * `lunaref vectors export-c`.  Include in exactly one translation unit (lunaref_runner.c). */\n",
        "#ifndef LUNAREF_CASES_H\n#define LUNAREF_CASES_H\n\n#include <math.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
        '#include "lunaref_vectors.h"\n\n',
        f"#define LR_CASE_COUNT {len(entries)}u\n#define LR_MAX_OUTPUTS {max_outputs}\n"
        f"#define LR_ARENA_WORDS {max_words}\n\n",
    ]
    table = "static const lr_case lr_cases[] = {\n    " + ",\n    ".join(entries) + "\n};\n\n#endif\n"
    text = "".join(header) + "\n".join(w.out) + "\n" + table
    if not out.is_dir():
        try:
            out.mkdir(parents=True)
        except OSError as exc:
            raise errors.OutputWriteError(f"cannot create {out}: {exc.strerror}") from None
    fixed = resources.files("lunaref.vectors") / "c"
    write_files([(str(out / name), (fixed / name).read_bytes()) for name in FIXED_FILES] +
                [(str(out / "lunaref_cases.h"), text.encode())])
    return len(entries)

