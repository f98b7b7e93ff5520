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


# ---------------------------------------------------------------------------------------------
# layer norm (spec/nonlinear.md §3, spec/ops/layernormint.md)
# ---------------------------------------------------------------------------------------------

def rsq_model(t: int) -> int:
    """The largest r ≤ 32767 with r² · t ≤ 2^38 (= min(32767, ⌊2^19/√t⌋)), by bisection."""
    lo, hi = 0, 32767
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if mid * mid * t <= 2 ** 38:
            lo = mid
        else:
            hi = mid - 1
    return lo


def layernorm_rsqrt_model(num: int, d: int, q: int = 15, top: int = 30) -> int:
    """One element of the rsqrt primitive, from the MSB-group search as written (groups top .. 1)."""
    q1, t = 0, 256
    for g in range(top, 0, -1):
        if d & (3 << (2 * g - 2)):
            q1 = g
            t = d >> (2 * g - 10) if 2 * g >= 10 else d << (10 - 2 * g)
            break
    s = q1 + 14 - q
    return sat(rshift(num * rsq_model(t), s) if s > 0 else num * rsq_model(t), 32)


def layernorm_qeps_model(e_x: int, n: int) -> int:
    """⌊fl32(fl32(fl32(fl32(1e-5)·2^(2e))·N)·N) + ½⌋ with each step rounded to float32."""
    v = f32(f32(f32(1e-5) * 2.0 ** (2 * e_x)) * n)
    return math.floor(f32(f32(v * n) + 0.5))


def layernorm_model(rows, gamma, beta, e_x, e_g, e_y, bits=8):
    """spec/ops/layernormint.md per row of Python ints: Q15 normalisation, sat32(y·γ + β), rounding shift."""
    out = []
    for row in rows:
        n = len(row)
        s1, s2 = sum(row), sum(v * v for v in row)
        d = n * s2 - s1 * s1 + layernorm_qeps_model(e_x, n)
        ys = [layernorm_rsqrt_model(n * v - s1, d) for v in row]
        out.append([sat(rshift(sat(y * g + b, 32), 15 + e_g - e_y), bits) for y, g, b in zip(ys, gamma, beta)])
    return out


# --- softmax (spec/nonlinear.md §2): linger 3.0.9's three kernels, transcribed statement by statement ---

SOFTMAX_P23 = (57364, 446161, 2008107, 5813551, 8388575)


def _sat32(v: int) -> int:
    return max(min(v, (1 << 31) - 1), -(1 << 31))


def _rasym(x: int, n: int) -> int:
    """linger's integer ``shift_rasym``: ``x >> (n−1)``, then ``(x & 1) + (x >> 1)`` (round half up)."""
    x >>= n - 1
    return (x & 1) + (x >> 1)


def softmax_row_model(row: list[int], platform: str) -> list[int]:
    """One row, Q25 → Q15, as ``venus_qsoftmax_cpu`` (doubles where it uses them), ``arcs_qsoftmax_cpu`` or
    ``venusa_qsoftmax_cpu`` compute it."""
    m = max(row)
    if platform == "venusA" and m == -(1 << 31):
        m += 1
    es = []
    for xi in row:
        d = _sat32(xi - m)
        if platform == "venus":
            x = _sat32(math.floor(float(d * 774541002) * 2.0 ** -31 + 0.5))
        else:
            x = _rasym(d * 774541002, 31)
        e = (x >> 23) + 1
        f = (x & 0x7FFFFF) - 0x800000
        y = SOFTMAX_P23[0]
        for j in range(1, 5):
            if platform == "venusA":
                t = ((y * f) << 7) + (SOFTMAX_P23[j] << 30)
                y = _rasym(t, 30) if j < 4 else (0 if 30 - e > 63 else _rasym(t, 30 - e))
            elif platform == "venus":
                y = math.floor(float(y * f) * 2.0 ** -23 + 0.5) + SOFTMAX_P23[j]
            else:
                y = _rasym(y * f, 23) + SOFTMAX_P23[j]
        if platform == "venus":
            y = int(y * 2.0 ** e)
        elif platform == "arcs":
            y = 0 if e <= -63 else _sat32(y << e if e > 0 else y >> -e)
        es.append(y)
    if platform == "venus":
        s = 0
        for v in es:
            s = _sat32(s + v)
        n = 31 - s.bit_length() - 8          # nsaz(s) − 8
        xn = _sat32(s >> -n if n < 0 else s << n)
        n += 1
        r = 0xBB5000 - xn
        for _ in range(2):
            t = 0x400000 - math.floor(float(xn * r) * 2.0 ** -23 + 0.5)
            t += t
            r = r + math.floor(float(r * t) * 2.0 ** -23 + 0.5)
        r = _sat32(r >> -n if n < 0 else r << n)
        return [_sat32(math.floor(float(r * v) * 2.0 ** -31 + 0.5)) for v in es]
    b = _sat32(sum(es))
    a, c = 0x800000, 0
    for _ in range(30):
        if a >= b:
            c, a = 2 * (c + 1), 2 * (a - b)
        else:
            c, a = 2 * c, 2 * a
    return [_rasym(c * v, 38) for v in es]


# --- GRUInt (spec/ops/gruint.md): linger 3.0.9 qgru.py, one function per platform, scalar Python ints ---------

def _gru_req(v: int, a: int, b: int) -> int:
    return v << (b - a) if b >= a else math.floor(Fraction(v, 2 ** (a - b)) + Fraction(1, 2))


def _gru_mul(x: int, y: int, a: int, b: int) -> int:
    p = x * y
    return _gru_req(p if b >= a else int(float(p)), a, b)      # linger: int64 product, then float64


def _gru_matvec(w, v, b):
    return [sum(wi * vi for wi, vi in zip(row, v)) + (b[k] if b is not None else 0) for k, row in enumerate(w)]


def gru_cell_model(x, h, w_ih, w_hh, b_ih, b_hh, e_x, e_iw, e_hw, e_h, platform, sig, tanh, h_bits=8):
    """One step for one sequence, as linger's ``_forward_venus_exact`` / ``_forward_venusa_exact`` /
    ``_forward_arcs_mars_exact``; ``sig`` and ``tanh`` are the platform's LUNA functions on one int."""
    n_h = len(h)
    q_ib, q_hb = e_x + e_iw, e_h + e_hw
    s32 = _sat32
    if platform == "venus":
        gi = [s32(_gru_req(v, q_ib, 11)) for v in _gru_matvec(w_ih, x, b_ih)]
        gh = [s32(_gru_req(v, q_hb, 11)) for v in _gru_matvec(w_hh, h, b_hh)]
        out = []
        for j in range(n_h):
            r = sig(s32(gi[j] + gh[j]))
            z = sig(s32(gi[n_h + j] + gh[n_h + j]))
            rn = _gru_mul(r, gh[2 * n_h + j], 26, 11)
            nq = _gru_req(tanh(s32(gi[2 * n_h + j] + rn)), 15, e_h)
            u = _gru_mul(z, sat(nq - h[j], 16), 15 + e_h, e_h)
            out.append(sat(h[j] + u, h_bits))
        return out
    if platform == "venusA":
        m = max(q_ib, q_hb)
        gi = [s32(_gru_req(v, q_ib, m)) for v in _gru_matvec(w_ih, x, b_ih)]
        gh = [s32(_gru_req(v, q_hb, m)) for v in _gru_matvec(w_hh, h, b_hh)]
        out = []
        for j in range(n_h):
            r = sig(s32(_gru_req(gi[j] + gh[j], m, 27)))
            z = sig(s32(_gru_req(gi[n_h + j] + gh[n_h + j], m, 27)))
            rn = _gru_mul(r, gh[2 * n_h + j], 31 + m, m)
            nq = _gru_req(tanh(s32(_gru_req(gi[2 * n_h + j] + rn, m, 27))), 31, e_h)
            u = _gru_mul(z, h[j] - nq, 31 + e_h, e_h)
            out.append(sat(nq + u, h_bits))
        return out
    # arcs
    gi = [s32(_gru_req(v, q_ib, 27)) for v in _gru_matvec(w_ih, x, b_ih)]
    gh_rz = [s32(_gru_req(v, q_hb, 27)) for v in _gru_matvec(w_hh[:2 * n_h], h, None if b_hh is None else b_hh[:2 * n_h])]
    r = [sig(s32(gi[j] + gh_rz[j])) for j in range(n_h)]
    z = [sig(s32(gi[n_h + j] + gh_rz[n_h + j])) for j in range(n_h)]
    rh = [_gru_mul(r[j], h[j], 31 + e_h, e_h) for j in range(n_h)]
    gh_n = [s32(_gru_req(v, q_hb, 27)) for v in
            _gru_matvec(w_hh[2 * n_h:], rh, None if b_hh is None else b_hh[2 * n_h:])]
    out = []
    for j in range(n_h):
        nq = _gru_req(tanh(s32(gi[2 * n_h + j] + gh_n[j])), 31, e_h)
        u = _gru_mul(z[j], h[j] - nq, 31 + e_h, e_h)
        out.append(sat(nq + u, h_bits))
    return out


def gru_model(xs, h0, w_ih, w_hh, b_ih, b_hh, e_x, e_iw, e_hw, e_h, e_y, platform, sig, tanh,
              reverse=False, length=None, y_bits=8):
    """One sequence ``xs`` (a list of T input vectors): the outputs (T vectors at e_y) and the last hidden state.
    With ``length`` only the steps t < length run; the other outputs are 0."""
    t_len = len(xs)
    length = t_len if length is None else length
    h, ys = list(h0), [None] * t_len
    for t in (range(t_len - 1, -1, -1) if reverse else range(t_len)):
        if t >= length:
            ys[t] = [0] * len(h)
            continue
        h = gru_cell_model(xs[t], h, w_ih, w_hh, b_ih, b_hh, e_x, e_iw, e_hw, e_h, platform, sig, tanh)
        ys[t] = [sat(_gru_req(v, e_h, e_y), y_bits) for v in h]
    return ys, h


# ---------------------------------------------------------------------------------------------
# GELU / SiLU (spec/nonlinear.md §4, ops/geluint.md): linger 3.0.9's segment loop, in Python ints
# ---------------------------------------------------------------------------------------------

def piecewise_model(x: int, bands, slopes_pos, slopes_neg, biases, q: int = 27) -> int:
    """One element as linger's ``venusa_gelu_i32`` loops over the segments (``absx ≤ band[i+1]`` after
    ``band[i]``, the −2^31 special case, ``_shift_floor_x05``), with the output at ``q`` fraction bits and
    saturated to 32 / 16 / 8 bits for q = 27 / 11 / 3."""
    absx = (1 << 31) - 1 if x == -(1 << 31) else abs(x)
    out = 0
    for i in range(16):
        inside = absx <= bands[i + 1] if i == 0 else bands[i] < absx <= bands[i + 1]
        if inside:
            slope = slopes_pos[i] if x >= 0 else slopes_neg[i]
            v = x * slope + (biases[i] << 30)
            s = 54 - q
            v >>= s - 1
            out = (v & 1) + (v >> 1)
    return sat(out, {27: 32, 11: 16, 3: 8}[q])


def piecewise_op_model(x: int, e_x: int, e_y: int, out_bits: int, table) -> int:
    """GeluInt / SiluInt: X to Q27 (exact shift or half-up rounding, then saturation), the function, Q27 to
    e(Y) (half up or exact left shift), saturated."""
    d = 27 - e_x
    x27 = sat(x << d if d >= 0 else rshift(x, -d), 32)
    y27 = piecewise_model(x27, table.bands, table.slopes_pos, table.slopes_neg, table.biases)
    s = 27 - e_y
    return sat(rshift(y27, s) if s >= 0 else y27 << -s, out_bits)


# ---------------------------------------------------------------------------------------------
# LSTMInt (ops/lstmint.md): linger 3.0.9's QLSTMCell step by step, one element at a time, in Python ints
# ---------------------------------------------------------------------------------------------

def lstm_cell_model(x, h, c, w_ih, w_hh, b_ih, b_hh, e_x, e_iw, e_hw, e_h, platform, sig, tanh):
    """One step for one sequence, as linger's ``_forward_venus_exact`` (venus) / ``_forward_exact_runtime``
    (arcs, venusA); ``sig`` / ``tanh`` are the platform's functions on one int (Q11 → Q15 on venus, Q27 → Q31
    elsewhere).  The gate accumulators x·Wᵀ + b are saturated to int32 before the move on arcs and venusA (the
    LUNA matrix product), moved exact on venus (linger)."""
    n_h = len(h)
    q = 11 if platform == "venus" else 27
    act_in = 16 if platform == "venus" else 32
    pre = (lambda v: v) if platform == "venus" else _sat32
    gi = [_sat32(_gru_req(pre(v), e_x + e_iw, q)) for v in _gru_matvec(w_ih, x, b_ih)]
    gh = [_sat32(_gru_req(pre(v), e_h + e_hw, q)) for v in _gru_matvec(w_hh, h, b_hh)]
    g = [sat(a + b, act_in) for a, b in zip(gi, gh)]
    to15 = (lambda v: v) if platform == "venus" else (lambda v: _gru_req(v, 31, 15))
    h_new, c_new = [], []
    for j in range(n_h):
        i_, f_ = to15(sig(g[j])), to15(sig(g[n_h + j]))
        g_, o_ = to15(tanh(g[2 * n_h + j])), to15(sig(g[3 * n_h + j]))
        if platform == "venus":
            p = f_ * c[j] + i_ * g_
            c_j = _sat32(_gru_req(p, 30, 15))
            u = _sat32(_gru_req(p, 30, 11))
        else:
            u = _sat32(_gru_req(_sat32(c[j] * f_) + _sat32(i_ * g_), 30, 27))
            c_j = _gru_req(u, 27, 15)
        t = to15(tanh(sat(u, act_in)))
        h_new.append(sat(_gru_req(o_ * t, 30, e_h), 8))
        c_new.append(c_j)
    return h_new, c_new


def lstm_model(xs, h0, c0, w_ih, w_hh, b_ih, b_hh, e_x, e_iw, e_hw, e_h, e_y, platform, sig, tanh,
               reverse=False, length=None):
    """One sequence ``xs`` (T input vectors): the outputs (T vectors at e_y), the last hidden and cell states."""
    t_len = len(xs)
    length = t_len if length is None else length
    h, c, ys = list(h0), list(c0), [None] * t_len
    for t in (range(t_len - 1, -1, -1) if reverse else range(t_len)):
        if t >= length:
            ys[t] = [0] * len(h)
            continue
        h, c = lstm_cell_model(xs[t], h, c, w_ih, w_hh, b_ih, b_hh, e_x, e_iw, e_hw, e_h, platform, sig, tanh)
        ys[t] = [sat(_gru_req(v, e_h, e_y), 8) for v in h]
    return ys, h, c
