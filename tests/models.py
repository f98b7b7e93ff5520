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


# ---------------------------------------------------------------------------------------------
# op models: plain Python loops over output elements, written from the spec sections' formulas
# ---------------------------------------------------------------------------------------------

def rshift(v: int, s: int) -> int:
    """The LUNA rounding shift for s >= 0, exact left scale for s < 0 (numerics.md §3.1, §6)."""
    return round_rational(Fraction(v, 2 ** s), "half_up") if s >= 0 else v * 2 ** (-s)


def conv2d_model(x, w, b, strides, pads, dilations, group, shift, bits, relu):
    """spec/ops/conv2dint.md, element by element (x, w nested lists NCHW / OIHW)."""
    n_, h_, w_ = len(x), len(x[0][0]), len(x[0][0][0])
    oc_, cg, kh_, kw_ = len(w), len(w[0]), len(w[0][0]), len(w[0][0][0])
    (sh, sw), (pt, pl, pb, pr), (dh, dw) = strides, pads, dilations
    oh = (h_ + pt + pb - ((kh_ - 1) * dh + 1)) // sh + 1
    ow = (w_ + pl + pr - ((kw_ - 1) * dw + 1)) // sw + 1
    ocg = oc_ // group
    out = []
    for n in range(n_):
        planes = []
        for o in range(oc_):
            g = o // ocg
            rows = []
            for i in range(oh):
                row = []
                for j in range(ow):
                    acc = b[o] if b is not None else 0
                    for c in range(cg):
                        for a in range(kh_):
                            for e in range(kw_):
                                y, z = i * sh - pt + a * dh, j * sw - pl + e * dw
                                if 0 <= y < h_ and 0 <= z < w_:
                                    acc += x[n][g * cg + c][y][z] * w[o][c][a][e]
                    v = sat(rshift(acc, shift), bits)
                    row.append(max(v, 0) if relu else v)
                rows.append(row)
            planes.append(rows)
        out.append(planes)
    return out


def linear_model(rows, w, b, shift, bits):
    """spec/ops/linearint.md: rows is a list of K-vectors."""
    return [[sat(rshift(sum(r[k] * w[o][k] for k in range(len(r))) + (b[o] if b else 0), shift), bits)
             for o in range(len(w))] for r in rows]


def pool_windows(x, kernel, strides, pads, ceil_mode=False):
    """Yield (n, c, i, j, values-inside-the-input, count) for every output position of a 2-D pool."""
    n_, c_, h_, w_ = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    (kh, kw), (sh, sw), (pt, pl, pb, pr) = kernel, strides, pads

    def extent(size, k, s, p0, p1):
        room = size + p0 + p1 - k
        o = -(-room // s) if ceil_mode else room // s
        if ceil_mode and o * s >= size + p0:
            o -= 1
        return o + 1
    oh, ow = extent(h_, kh, sh, pt, pb), extent(w_, kw, sw, pl, pr)
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                for j in range(ow):
                    vals = [x[n][c][i * sh - pt + a][j * sw - pl + e]
                            for a in range(kh) for e in range(kw)
                            if 0 <= i * sh - pt + a < h_ and 0 <= j * sw - pl + e < w_]
                    yield n, c, i, j, vals, (oh, ow)


def luna_div_model(a: int, b: int, s: int, platform: str) -> int:
    """spec/luna.md §5, with Python ints; the 53-bit rounding by Python's float (correctly rounded)."""
    if platform == "venus" and s < 0:
        return 0
    m = (b - 1).bit_length()
    big_a = b * 2 ** (31 - m)
    r = rshift((2 ** 35) // (big_a // 2 ** 26), 1)
    for _ in range(3):
        t = rshift(2 ** 61 - big_a * r, 30)
        r = rshift(r * t, 30)
    p = r * a
    if platform in ("venus", "arcs"):
        p = int(float(p))
    return sat(rshift(p, m + 29 - s), 32)


def bmm_model(x, y, shift, bits):
    """spec/ops/bmmint.md: x [M][K] · y [K][N] (one batch item), rounded by shift into bits."""
    return [[sat(rshift(sum(x[m][k] * y[k][n] for k in range(len(y))), shift), bits) for n in range(len(y[0]))]
            for m in range(len(x))]
