"""The LUNA softmax (spec/nonlinear.md §2): rows of Q25 int32 in, Q15 out.

Source, arcs and venusA: rule 1 — ``luna_softmax_i32o32(src, dst, n)`` of thinker 3.0.4's x86-64 simulator
libraries, measured (spec/nonlinear.md §2.6); it equals linger 3.0.9's ``arcs_qsoftmax_kernel.cpp`` and
``venusa_qsoftmax_kernel.cpp``.  Source, venus: rule 3 — thinker's venus executor calls the HiFi
``vec_softmax32x32`` (``venus/softmaxint.h``), whose x86-64 build is absent from thinker's snapshot; linger
3.0.9's ``venus_qsoftmax_kernel.cpp`` restates it (its constants equal those of the chip library
``executor/libs/venus/chip/libhifi.a``).  One row, along the last axis:

    d  = sat32(x − max(x))                                  ≤ 0, Q25
    X  = rshift(d · LOG2E_Q31_QUARTER, 31)                  d·log2(e) in Q23 (venus: product rounded to 53 bits)
    E  = ⌊X / 2^23⌋ + 1;  F = X − E·2^23                    2^(X/2^23) = 2^E · 2^(F/2^23),  F ∈ [−2^23, 0)
    Y  = P0;  Y = rshift(Y·F, 23) + Pj  (j = 1, 2, 3)       2^f on [−1, 0), Q23 Horner
    e  = (rshift(Y·F, 23) + P4) · 2^E  (floor when E ≤ 0)   venus, arcs
    e  = rshift(Y·F·2^7 + P4·2^30, 30 − E)                  venusA: the last step and 2^E in one rounding
    S  = sat32(Σ e)
    arcs, venusA:  C = 2·⌊2^52 / S⌋                         30-step restoring division
                   y = rshift(C · e, 38)
    venus:         Newton reciprocal R ≈ 2^46 / S (normalise, 0xBB5000 − Xn, two iterations, denormalise)
                   y = sat32(rshift(R · e, 31))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import errors
from ..numerics import as_int, round_to_float64, rounding_shift, saturate
from ..platforms import Profile
from ..platforms import profile as get_profile

__all__ = [
    "LOG2E_Q31_QUARTER",
    "MAX_ROW",
    "POLY_Q23",
    "VENUS_HALF_Q23",
    "VENUS_RECIP_SEED",
    "division_reciprocal",
    "exp2_parts",
    "exp_q23",
    "softmax",
    "venus_reciprocal",
]

#: log2(e)/4 in Q31 (1.4426950408889634/4 · 2^31 = 774541002.3): ``d · LOG2E_Q31_QUARTER / 2^31`` turns a Q25
#: difference into ``d·log2(e)`` in Q23.  linger 3.0.9 ``kernel/cpu/*_qsoftmax_kernel.cpp`` (774541002), chip
#: ``libhifi.a`` ``vec_softmax32x32`` literal pool (0x2E2A8ECA); measured on the arcs/venusA simulators.
LOG2E_Q31_QUARTER = 774541002
#: Coefficients of 2^f, f ∈ [−1, 0), in Q23, highest power first (≈ 0.006838, 0.053187, 0.239385, 0.693029,
#: 0.999996).  linger 3.0.9 ``p23`` in the three ``*_qsoftmax_kernel.cpp``; chip ``libhifi.a``
#: ``vec_softmax32x32.polypow2_q23`` (same five int32).
POLY_Q23 = (57364, 446161, 2008107, 5813551, 8388575)
#: Newton seed constant of venus's reciprocal: 0xBB5000 = 1.46337890625 in Q23 (``R0 = seed − Xn`` ≈ 1/(2·Xn)
#: for Xn ∈ [0.5, 1)).  linger ``venus_qsoftmax_kernel.cpp``; chip ``libhifi.a`` literal 0x00BB5000.
VENUS_RECIP_SEED = 0xBB5000
#: 0.5 in Q23 (0x400000), the Newton residual's constant.  linger ``venus_qsoftmax_kernel.cpp``.
VENUS_HALF_Q23 = 0x400000
#: Longest row thinker's packer accepts (tpacker ``SoftmaxInt.infer_tensor``: "Exceed softmax limit", 2048).
MAX_ROW = 2048

_ONE_Q23 = 1 << 23


def _int32_rows(x: Any) -> np.ndarray:
    a = as_int(x)
    if a.dtype == object or (a.size and (int(a.min()) < -(1 << 31) or int(a.max()) >= (1 << 31))):
        raise errors.ValueOutOfRange("luna softmax: inputs must be int32 values")
    if a.ndim == 0 or a.shape[-1] == 0:
        raise errors.ShapeMismatch("luna softmax: a row needs at least one element")
    return a


def exp2_parts(d: Any, platform: str | Profile) -> tuple[np.ndarray, np.ndarray]:
    """``(E, F)`` of a difference ``d ≤ 0`` (Q25): ``X = rshift(d·LOG2E_Q31_QUARTER, 31)``, ``E = ⌊X/2^23⌋ + 1``,
    ``F = X − E·2^23`` ∈ [−2^23, 0).  On venus the product is first rounded to 53 bits (linger computes it in
    double): X then differs from the exact rounding for 69 of the 2^31 + 1 differences (spec/nonlinear.md §2.2)."""
    prof = get_profile(platform)
    p = as_int(d) * LOG2E_Q31_QUARTER                      # |p| < 2^61
    if prof.softmax_log2e_product_bits is not None:
        p = round_to_float64(p)                            # C's (double)p: 53 significant bits
    x = rounding_shift(p, 31)
    e = (x >> 23) + 1
    return e, x - e * _ONE_Q23


def exp_q23(d: Any, platform: str | Profile) -> np.ndarray:
    """``e = 2^(d·log2(e)/2^25)`` in Q23 for differences ``d ≤ 0`` (the softmax numerators; ``d = 0`` gives
    8388668 = 2^23 + 60 on every platform).  arcs and venusA ``luna_exp_i32o32`` compute exactly this for
    inputs ≤ 0 (measured)."""
    prof = get_profile(platform)
    e, f = exp2_parts(d, prof)
    y = np.full(f.shape, POLY_Q23[0], dtype=np.int64)
    for p in POLY_Q23[1:-1]:
        y = rounding_shift(y * f, 23) + p
    if prof.softmax_exp_folded:
        t = (y * f << 7) + (POLY_Q23[-1] << 30)           # Q53, positive, < 2^54
        out = np.zeros(t.shape, dtype=np.int64)
        for s in np.unique(30 - e):                        # a few distinct shifts per row
            at = (30 - e) == s
            out[at] = rounding_shift(t[at], int(s)) if s < 64 else 0
        return out
    y = rounding_shift(y * f, 23) + POLY_Q23[-1]           # Q23, in (2^22, 2^23]
    return np.where(e >= 1, y << np.maximum(e, 0), y >> np.minimum(-e, 63))


def division_reciprocal(s: Any) -> np.ndarray:
    """arcs and venusA: ``C = 2·⌊2^52 / S⌋`` for ``S ∈ [2^23, 2^31)`` — the 30-step restoring division
    ``A = 2^23, C = 0; 30×: if A ≥ S: C = 2(C+1), A = 2(A−S) else C = 2C, A = 2A``."""
    s = as_int(s)
    return 2 * ((1 << 52) // s)


def venus_reciprocal(s: Any) -> tuple[np.ndarray, np.ndarray]:
    """venus: ``(R, k)`` with ``R`` ≈ 2^(46+k)/S before the final ``floor(R / 2^k)``; returns the denormalised
    ``R`` ≈ 2^46 / S and ``k``.  ``S ∈ [2^23, 2^31)``, bit length ``b``: ``Xn = ⌊S / 2^(b−23)⌋`` ∈ [2^22, 2^23),
    ``R = 0xBB5000 − Xn``, twice ``T = 2·(0x400000 − rshift(Xn·R, 23))``, ``R = R + rshift(R·T, 23)``,
    then ``R = ⌊R / 2^(b−24)⌋``."""
    s = as_int(s)
    b = np.zeros(s.shape, dtype=np.int64)
    for k in range(24, 32):
        b[s >= (1 << (k - 1))] = k
    xn = s >> (b - 23)
    r = VENUS_RECIP_SEED - xn
    for _ in range(2):
        t = 2 * (VENUS_HALF_Q23 - rounding_shift(xn * r, 23))
        r = r + rounding_shift(r * t, 23)
    return r >> (b - 24), b - 24


def softmax(x: Any, platform: str | Profile) -> np.ndarray:
    """``luna_softmax_i32o32`` on every row (last axis) of ``x`` (int32, Q25): Q15 int32 of each platform."""
    prof = get_profile(platform)
    x = _int32_rows(x)
    if x.shape[-1] > MAX_ROW:
        raise errors.UnsupportedOnPlatform(f"luna softmax: row of {x.shape[-1]} elements exceeds {MAX_ROW}")
    d = np.maximum(x - x.max(axis=-1, keepdims=True), -(1 << 31))     # sat32: the lower limit only
    e = exp_q23(d, prof)
    s = np.minimum(e.sum(axis=-1, keepdims=True), (1 << 31) - 1)    # every e ≥ 0: sat32 of the sum
    if prof.softmax_reciprocal == "division":
        y = rounding_shift(division_reciprocal(s) * e, 38)
    else:
        r, _ = venus_reciprocal(s)
        y = saturate(rounding_shift(r * e, 31), "int32")
    return np.asarray(y).astype(np.int32)
