"""The LUNA divide (spec/luna.md §5): ``div_P(a, b, s)`` ≈ ``a · 2^s / b``, rounded half up.

Measured (rule 1) on the three simulators' ``luna_div_i32i32o32`` (arcs, venusA) and
``luna_div_q31_int32`` (venus): 0 mismatches over 2.7 million cases.  The divide is not exact: it
multiplies by a reciprocal ``r ≈ 2^(29+m) / b`` found by three Newton steps, so some quotients that
are exact ties, and a few that are not, round differently from ``floor(a · 2^s / b + 1/2)``.

    m = ceil(log2 b);  A = b · 2^(31−m)                     A in (2^30, 2^31]
    r = rshift(2^34 / ⌊A / 2^26⌋ · 2, 1)                    start: ⌊2^35 / j⌋ rounded half up, j in 16..32
    3×:  t = rshift(2^61 − A·r, 30);  r = rshift(r·t, 30)
    P = r · a                                                exact (|P| < 2^61)
    P = P rounded to 53 significant bits, ties to even       (venus, arcs: the simulator's product is a double)
    q = sat32(rshift(P, m + 29 − s))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import errors
from ..numerics import Rounding, as_int, rounding_shift, saturate, shift_round
from ..platforms import Profile, profile as get_profile

__all__ = ["reciprocal", "divide", "MAX_DIVISOR"]

#: Largest divisor the measured formula covers (the simulators' float32 log2 is exact below 2^21 + 1).
MAX_DIVISOR = 1 << 21


def _rshift(v: int, s: int) -> int:
    return int(rounding_shift(np.array([v], dtype=object), s)[0])


def reciprocal(b: int) -> tuple[int, int]:
    """``(r, m)`` with ``m = ceil(log2 b)`` and ``r ≈ 2^(29+m) / b`` in ``[2^29, 2^30]``, exactly as LUNA."""
    m = (b - 1).bit_length()
    a = b << (31 - m)
    r = _rshift((1 << 35) // (a >> 26), 1)
    for _ in range(3):
        t = _rshift((1 << 61) - a * r, 30)
        r = _rshift(r * t, 30)
    return r, m


def _round_to_bits(p: np.ndarray, bits: int) -> np.ndarray:
    """Round int64 values to ``bits`` significant bits, ties to even (what a double holds)."""
    mag, neg = np.abs(p), p < 0                       # |p| < 2^61: no overflow
    out = mag.copy()
    for extra in range(1, 64 - bits):
        band = (mag >> (bits - 1 + extra)) == 1       # bit length exactly bits + extra
        if band.any():
            out[band] = shift_round(mag[band], extra, Rounding.HALF_EVEN) << extra
    return np.where(neg, -out, out)


def divide(a: Any, b: int, shift: int, platform: str | Profile) -> np.ndarray:
    """``div_P(a, b, shift)``: int32 dividends ``a``, one positive divisor ``b``; int32 result."""
    prof = get_profile(platform)
    b = int(b)
    if not 1 <= b <= MAX_DIVISOR:
        raise errors.ValueOutOfRange(f"luna div: divisor {b} outside [1, 2^21]")
    a = as_int(a)
    if a.dtype == object or (a.size and (int(a.min()) < -(1 << 31) or int(a.max()) >= (1 << 31))):
        raise errors.ValueOutOfRange("luna div: dividends must be int32 values")
    r, m = reciprocal(b)
    shift = int(shift)
    if shift < 0 and prof.div_negative_shift_is_zero:
        return np.zeros(a.shape, dtype=np.int32)
    if not 0 <= shift <= m + 28:
        raise errors.ShiftOutOfRange(f"luna div: shift {shift} outside [0, {m + 28}] for divisor {b}")
    p = a * r
    if prof.div_product_bits is not None:
        p = _round_to_bits(p, prof.div_product_bits)
    return saturate(rounding_shift(p, m + 29 - shift), "int32")
