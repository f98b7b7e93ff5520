"""``lunaref compare A B``: tensor-by-tensor comparison of two dumps (spec/executor.md §6).

A dump is one of

* **lunaref** — a directory written by ``lunaref run --dump``: ``exponents.json`` (tensor name → file,
  dtype, exponent, in evaluation order) and one ``.npy`` per tensor;
* **thinker** — a directory of thinker's result dump: one text file per operator output named
  ``<tensor>##_<d0>_<d1>….txt`` (``/`` in names written as ``_``), one value per line, ``%d`` for
  integers and ``%.6f`` for floats;
* **npz** — a ``.npz`` file, one array per tensor, keys in graph order.

Tensors are matched by name (``/`` and ``_`` treated alike, as thinker's file names force) and
reported in graph order: the order of the lunaref dump or the npz if either side is one, else the
order thinker wrote its files in (their modification times).  For each tensor present on both sides:
exact equality, or the number of differing values, the largest difference in LSB (integer units; for
floats, units of the tensor's exponent when lunaref knows it), cosine similarity, and SQNR
``10·log10(Σa² / Σ(a−b)²)`` with A as the signal.  Floats read from thinker's text are compared with
the other side printed the same way (``%.6f``).  The first tensor in graph order that differs is the
**first divergence**: everything after it may differ only because of it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import errors
from .numerics import as_int

__all__ = ["Dump", "TensorDiff", "Comparison", "read_dump", "compare_dumps"]


@dataclass
class Dump:
    path: str
    kind: str                                   # "lunaref", "thinker" or "npz"
    tensors: dict[str, np.ndarray]              # by name, in graph order
    exponents: dict[str, int | None] = field(default_factory=dict)
    text_floats: bool = False                   # floats were printed with %.6f

    @property
    def ordered(self) -> bool:
        return self.kind != "thinker"


def _key(name: str) -> str:
    return name.replace("/", "_")


def _read_lunaref(path: Path) -> Dump:
    try:
        index = json.loads((path / "exponents.json").read_text())
    except ValueError as exc:
        raise errors.MalformedDump(f"{path}/exponents.json is not JSON ({exc})") from None
    tensors, exps = {}, {}
    for name, entry in index.items():
        try:
            tensors[name] = np.load(path / entry["file"], allow_pickle=False)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise errors.MalformedDump(f"{path}: tensor {name!r}: cannot read its .npy file ({exc})") from None
        exps[name] = entry.get("exponent")
    return Dump(str(path), "lunaref", tensors, exps)


def _read_thinker(path: Path, files: list[Path]) -> Dump:
    tensors = {}
    for f in sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name)):
        stem = f.name[:-len(".txt")]
        name, _, dims = stem.rpartition("##")
        try:
            shape = tuple(int(d) for d in dims.split("_") if d)
        except ValueError:
            raise errors.MalformedDump(f"{f}: the dims after '##' are not integers") from None
        lines = f.read_text().split()
        try:
            values = np.array([int(v) for v in lines], dtype=np.int64) if all("." not in v for v in lines) \
                else np.array([float(v) for v in lines], dtype=np.float64)
        except ValueError:
            raise errors.MalformedDump(f"{f}: a line is not a number") from None
        if values.size != math.prod(shape):
            raise errors.MalformedDump(f"{f}: {values.size} values for the shape {list(shape)} in its name")
        tensors[name] = values.reshape(shape)
    return Dump(str(path), "thinker", tensors, text_floats=True)


def read_dump(path: str | Path) -> Dump:
    """Read a lunaref dump directory, a thinker result-dump directory, or an .npz file."""
    p = Path(path)
    if p.is_file() and p.suffix == ".npz":
        try:
            with np.load(p, allow_pickle=False) as z:
                return Dump(str(p), "npz", {k: z[k] for k in z.files})
        except (OSError, ValueError) as exc:
            raise errors.MalformedDump(f"{p}: not a readable .npz file ({exc})") from None
    if not p.is_dir():
        raise errors.InputNotFound(f"{p}: no such dump directory or .npz file")
    if (p / "exponents.json").is_file():
        return _read_lunaref(p)
    txt = [f for f in p.iterdir() if f.is_file() and f.name.endswith(".txt") and "##" in f.name]
    if txt:
        return _read_thinker(p, txt)
    raise errors.MalformedDump(f"{p}: neither a lunaref dump (exponents.json) nor a thinker dump (<tensor>##_<dims>.txt)")


@dataclass
class TensorDiff:
    name: str
    shape_a: tuple[int, ...]
    shape_b: tuple[int, ...]
    count: int = 0
    mismatches: int = 0
    max_lsb: float = 0.0
    cosine: float | None = None
    sqnr_db: float | None = None                # None: no noise (exact) or no signal

    @property
    def exact(self) -> bool:
        return self.shape_a == self.shape_b and self.mismatches == 0

    @property
    def status(self) -> str:
        return "shape" if self.shape_a != self.shape_b else "exact" if self.exact else "differs"


@dataclass
class Comparison:
    a: Dump
    b: Dump
    rows: list[TensorDiff]
    only_a: list[str]
    only_b: list[str]

    @property
    def first_divergence(self) -> TensorDiff | None:
        return next((r for r in self.rows if not r.exact), None)

    def to_json(self) -> dict:
        def num(v):
            return None if v is None or not math.isfinite(v) else v
        return {
            "a": {"path": self.a.path, "kind": self.a.kind, "tensors": len(self.a.tensors)},
            "b": {"path": self.b.path, "kind": self.b.kind, "tensors": len(self.b.tensors)},
            "tensors": [{"index": k, "name": r.name, "status": r.status, "shape_a": list(r.shape_a),
                         "shape_b": list(r.shape_b), "count": r.count, "mismatches": r.mismatches,
                         "max_lsb": num(r.max_lsb), "cosine": num(r.cosine), "sqnr_db": num(r.sqnr_db)}
                        for k, r in enumerate(self.rows)],
            "first_divergence": self.first_divergence.name if self.first_divergence else None,
            "only_in_a": self.only_a, "only_in_b": self.only_b,
        }


def _as_printed(x: np.ndarray) -> np.ndarray:
    """Floats as thinker prints them (%.6f) and reads back."""
    return np.array([float(f"{v:.6f}") for v in x.reshape(-1).tolist()], dtype=np.float64).reshape(x.shape)


def _diff(name: str, a: np.ndarray, b: np.ndarray, exponent: int | None, text_floats: bool) -> TensorDiff:
    row = TensorDiff(name, tuple(a.shape), tuple(b.shape))
    if row.shape_a != row.shape_b:
        return row
    floats = a.dtype.kind == "f" or b.dtype.kind == "f"
    if floats:
        fa, fb = a.astype(np.float64), b.astype(np.float64)
        if text_floats:
            fa, fb = _as_printed(fa), _as_printed(fb)
        lsb = 2.0 ** -exponent if exponent is not None else 1.0
        delta = np.abs(fa - fb) / lsb
    else:  # integers: exact differences (as Python ints if int64 could overflow)
        fa, fb = a.astype(np.float64), b.astype(np.float64)
        ia, ib = as_int(a), as_int(b)
        if ia.size and max(abs(int(ia.min())), abs(int(ia.max())), abs(int(ib.min())), abs(int(ib.max()))) >= 1 << 62:
            ia, ib = ia.astype(object), ib.astype(object)
        delta = np.abs(ia - ib).astype(np.float64)
    row.count = int(a.size)
    row.mismatches = int(np.count_nonzero(delta))
    row.max_lsb = float(delta.max()) if delta.size else 0.0
    na, nb = float(np.dot(fa.ravel(), fa.ravel())), float(np.dot(fb.ravel(), fb.ravel()))
    row.cosine = float(np.dot(fa.ravel(), fb.ravel()) / math.sqrt(na * nb)) if na and nb else \
        (1.0 if na == nb == 0 else 0.0)
    noise = float(np.sum((fa - fb) ** 2))
    row.sqnr_db = 10 * math.log10(na / noise) if noise and na else (math.inf if not noise else -math.inf)
    return row


def _graph_order(a: Dump, b: Dump) -> list[str]:
    """A's tensor names in graph order: A's own, unless only B knows the order (thinker's A, ordered B)."""
    if a.ordered or not b.ordered:
        return list(a.tensors)
    keys_a = {_key(n): n for n in a.tensors}
    ranked = [keys_a[_key(n)] for n in b.tensors if _key(n) in keys_a]
    return ranked + [n for n in a.tensors if n not in set(ranked)]


def compare_dumps(a: Dump, b: Dump) -> Comparison:
    """Compare every tensor the two dumps share, in graph order (see the module docstring)."""
    keys_b = {_key(n): n for n in b.tensors}
    order = _graph_order(a, b)
    rows, only_a = [], []
    for name in order:
        other = keys_b.get(_key(name))
        if other is None:
            only_a.append(name)
            continue
        exponent = a.exponents.get(name, b.exponents.get(other))
        rows.append(_diff(name, a.tensors[name], b.tensors[other], exponent, a.text_floats or b.text_floats))
    shared = {_key(n) for n in a.tensors}
    only_b = [n for n in b.tensors if _key(n) not in shared]
    if not rows:
        raise errors.NothingInCommon(f"{a.path} and {b.path} have no tensor name in common")
    return Comparison(a, b, rows, only_a, only_b)


def format_text(c: Comparison) -> str:
    first = c.first_divergence
    lines = [f"A: {c.a.path} ({c.a.kind} dump, {len(c.a.tensors)} tensors)",
             f"B: {c.b.path} ({c.b.kind} dump, {len(c.b.tensors)} tensors)",
             f"{'':2} {'#':>3}  {'tensor':<32} {'shape':<18} {'result':<8} {'differ':>9} {'max LSB':>8} "
             f"{'cosine':>9} {'SQNR dB':>8}"]
    for k, r in enumerate(c.rows):
        mark = ">>" if r is first else ""
        shape = "x".join(map(str, r.shape_a)) if r.shape_a == r.shape_b else \
            f"{'x'.join(map(str, r.shape_a))}|{'x'.join(map(str, r.shape_b))}"
        if r.status == "shape":
            lines.append(f"{mark:2} {k:>3}  {r.name:<32.32} {shape:<18.18} shape")
            continue
        sqnr = "inf" if r.sqnr_db == math.inf else f"{r.sqnr_db:.2f}"
        lines.append(f"{mark:2} {k:>3}  {r.name:<32.32} {shape:<18.18} {r.status:<8} {r.mismatches:>9} "
                     f"{r.max_lsb:>8g} {r.cosine:>9.6f} {sqnr:>8}")
    if c.only_a:
        lines.append(f"only in A ({len(c.only_a)}): {', '.join(c.only_a[:12])}{' …' if len(c.only_a) > 12 else ''}")
    if c.only_b:
        lines.append(f"only in B ({len(c.only_b)}): {', '.join(c.only_b[:12])}{' …' if len(c.only_b) > 12 else ''}")
    exact = sum(r.exact for r in c.rows)
    if first is None:
        lines.append(f"all {len(c.rows)} shared tensors are identical")
    else:
        what = "shapes differ" if first.status == "shape" else \
            f"{first.mismatches} of {first.count} values differ, max {first.max_lsb:g} LSB"
        lines.append(f"{exact} of {len(c.rows)} shared tensors identical; first divergence: {first.name} "
                     f"(#{c.rows.index(first)}): {what}")
    return "\n".join(lines)
