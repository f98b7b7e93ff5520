"""Independent models the tests compare lunaref with.

Written from the spec's *definitions* with Python integers and ``fractions.Fraction`` — no numpy
shifts, no lunaref code — so that agreement means something.
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction


def round_rational(x: Fraction, mode: str) -> int:
    """Round the exact rational ``x`` by the named rule (spec/numerics.md §3)."""
    fl = math.floor(x)
    frac = x - fl
    if mode == "floor":
        return fl
    if mode == "ceil":
        return math.ceil(x)
    if mode == "trunc":
        return math.trunc(x)
    if mode == "half_up":
        return math.floor(x + Fraction(1, 2))
    if frac != Fraction(1, 2):
        return math.floor(x + Fraction(1, 2))  # not a tie: nearest
    if mode == "half_even":
        return fl if fl % 2 == 0 else fl + 1
    if mode == "half_away":
        return fl + 1 if x > 0 else fl
    raise ValueError(mode)


def shift_model(v: int, s: int, mode: str) -> int:
    return round_rational(Fraction(v, 2 ** s), mode)


def sat(v: int, bits: int) -> int:
    return max(-(1 << (bits - 1)), min((1 << (bits - 1)) - 1, v))


def f32(x: float) -> float:
    """The float32 value nearest to the double ``x`` (round to nearest even), by struct packing."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def to_float32(x: Fraction) -> Fraction:
    """Round an exact rational to float32 (nearest, ties to even), by hand (normal range only)."""
    if x == 0:
        return Fraction(0)
    sign = -1 if x < 0 else 1
    a = abs(x)
    e = math.floor(math.log2(a))
    while Fraction(2) ** e > a:
        e -= 1
    while Fraction(2) ** (e + 1) <= a:
        e += 1
    ulp = Fraction(2) ** (e - 23)
    m = a / ulp                       # in [2^23, 2^24)
    n = round_rational(m, "half_even")
    return sign * n * ulp


def quantize_model(x: float, e: int, bits: int) -> int:
    """spec/numerics.md §5.1 from its steps, with exact rationals (x is a float32 value, finite)."""
    p = to_float32(Fraction(x) * Fraction(2) ** e) if x != 0 else Fraction(0)
    t = to_float32(p + Fraction(1, 2))
    return sat(math.floor(t), bits)
