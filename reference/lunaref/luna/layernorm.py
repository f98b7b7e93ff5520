"""The layer-norm reciprocal square root (spec/nonlinear.md §3): ``num · 2^q / √D`` by a 768-entry table.

Source: rule 3 — linger 3.0.9 ``kernel/cpu/qlayernorm_kernel.cpp`` (``calc_sqrt_reciprocal`` and
``calc_data_mul_vs``; its GPU twin ``kernel/gpu/qlayernorm_kernel.cu`` is identical).  The step is not a
libluna function: thinker 3.0.4's executor carries the same table and MSB-group search in C
(``executor/core/ops/{venus,arcs,venusA}/layernormint.h``, ``calc_sqrt_reciprocal``) and applies it with
``luna_scale_i32i32o32``; that composition is measured on the arcs and venusA x86-64 simulator libraries
(spec/nonlinear.md §3.4).  thinker normalises to Q10 and searches MSB groups only up to bits 46–47
(errata E-LAYERNORM-1); the spec's primitive is linger 3.0.9's, Q15 with groups up to bits 58–59.

    D ≥ 0 (int64), num (int32 per element)
    q1 = 1 + index of the highest 2-bit group of D holding a set bit (groups bits 0–1 … 58–59); 0 for D = 0
    t  = D · 2^(10 − 2·q1)            (an exact shift; t ∈ [256, 1024), t = 256 for D = 0)
    r  = RSQ[t − 256]                 = min(32767, ⌊√(2^38 / t)⌋): 0.5/√(t/1024) in Q15
    y  = sat32(rshift(num · r, q1 + 14 − q))      no shift when q1 + 14 − q ≤ 0

so ``y ≈ num · 2^q / √D``.  The spec's primitive has ``q = 15``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import errors
from ..numerics import as_int, rounding_shift, saturate

__all__ = ["D_LIMIT", "Q_NORMAL", "RSQ", "RSQ_SIZE", "TOP_GROUP", "layernorm_rsqrt", "msb_group", "rsq_entry",
           "rsqrt_lookup"]

#: Entries of the reciprocal-square-root table (t = 256 … 1023).
RSQ_SIZE = 768


def rsq_entry(i: int) -> int:
    """Entry ``i`` of the table: ``min(32767, ⌊2^19 / √(i + 256)⌋)`` computed exactly as
    ``⌊√⌊2^38 / (i + 256)⌋⌋`` (``⌊√(a/b)⌋ = ⌊√⌊a/b⌋⌋`` for positive integers)."""
    return min(32767, math.isqrt((1 << 38) // (i + 256)))


#: ``g_s16Table_sqrt_reciprocal[768]`` ("Q15 values for [0.25–1]"): ``RSQ[i] = min(32767, ⌊2^19/√(i+256)⌋)``,
#: i.e. 0.5/√((i+256)/1024) in Q15, clamped at entry 0 (2^19/16 = 32768).  The formula reproduces all 768
#: entries of linger 3.0.9 ``kernel/cpu/qlayernorm_kernel.cpp`` and ``kernel/gpu/qlayernorm_kernel.cu`` and of
#: thinker 3.0.4 ``executor/core/ops/{venus,arcs,venusA}/layernormint.h`` (checked entry by entry; all five
#: tables are identical: RSQ[0] = 32767, RSQ[1] = 32704, RSQ[767] = 16392, Σ RSQ = 16785024).
RSQ: tuple[int, ...] = tuple(rsq_entry(i) for i in range(RSQ_SIZE))

#: The normalised exponent of the spec's primitive (linger 3.0.9 ``q_normal = 15``; ONNX ``scale_y_normal``
#: = 32768).  thinker 3.0.4 uses 10 (errata E-LAYERNORM-1).
Q_NORMAL = 15
#: The primitive is defined for ``0 ≤ D < 2^60``: linger's search tests groups up to bits 58–59 only, so a
#: larger D picks a lower group and reads outside the table (no defined result).
D_LIMIT = 1 << 60
#: Highest MSB group (q1) the search tests: 30 (bits 58–59) in linger 3.0.9; thinker 3.0.4: 24 (bits 46–47).
TOP_GROUP = 30
_TABLE = np.array(RSQ, dtype=np.int64)


def msb_group(d: Any, top: int = TOP_GROUP) -> tuple[np.ndarray, np.ndarray]:
    """``(q1, t)`` per element of ``d`` (int64, ``0 ≤ d < 2^(2·top)``): the group index and the
    normalised value ``t = d · 2^(10 − 2·q1)`` in ``[256, 1024)`` (256 for ``d = 0``)."""
    d = as_int(d)
    if d.dtype == object or (d.size and (int(d.min()) < 0 or int(d.max()) >= (1 << (2 * top)))):
        raise errors.ValueOutOfRange(f"layer-norm rsqrt: D must lie in [0, 2^{2 * top}) (the MSB-group search "
                                     f"tests bits 0..{2 * top - 1})")
    bits = np.zeros(d.shape, dtype=np.int64)             # bit length of d
    for k in range(2 * top):
        bits = np.where((d >> k) > 0, k + 1, bits)
    q1 = (bits + 1) // 2
    s = 2 * q1 - 10
    t = np.where(s >= 0, d >> np.maximum(s, 0), d << np.maximum(-s, 0))
    t = np.where(d == 0, 256, t)
    return q1, t


def rsqrt_lookup(d: Any, top: int = TOP_GROUP) -> tuple[np.ndarray, np.ndarray]:
    """``(r, q1)``: the table entry for ``d`` and its group (both int64 arrays of ``d``'s shape)."""
    q1, t = msb_group(d, top)
    return _TABLE[t - 256], q1


def layernorm_rsqrt(num: Any, d: Any, q: int = Q_NORMAL, top: int = TOP_GROUP) -> np.ndarray:
    """``sat32(rshift(num · RSQ[t − 256], q1 + 14 − q))`` (no shift when that is ≤ 0): ``num · 2^q / √D``.

    ``num``: int32 values, a row per element of ``d`` along the last axis (``num.shape[:-1] == d.shape``).
    ``d``: int64 denominators, ``0 ≤ d < 2^60``.  ``q = 15`` is the spec's primitive; ``q = 10``, ``top = 24``
    is thinker 3.0.4's (errata E-LAYERNORM-1, compatibility models only).
    """
    num, d = as_int(num), as_int(d)
    if num.dtype == object or (num.size and (int(num.min()) < -(1 << 31) or int(num.max()) >= (1 << 31))):
        raise errors.ValueOutOfRange("layer-norm rsqrt: num must be int32 values")
    if num.ndim == 0 or tuple(num.shape[:-1]) != tuple(d.shape):
        raise errors.ShapeMismatch(f"layer-norm rsqrt: num {list(num.shape)} must be rows of D {list(d.shape)}")
    r, q1 = rsqrt_lookup(d, top)
    shift = np.maximum(q1 + 14 - q, 0)[..., None]
    prod = num * r[..., None]                            # |num · r| < 2^46: exact in int64
    out = np.empty(num.shape, dtype=np.int64)
    for s in np.unique(shift):                           # a few distinct shifts, each vectorised
        at = np.broadcast_to(shift == s, num.shape)
        out[at] = rounding_shift(prod[at], int(s))
    return saturate(out, "int32").astype(np.int64)
