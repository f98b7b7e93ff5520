"""LayerNormInt: integer layer normalisation with an affine weight and bias (spec/ops/layernormint.md).

Source: rule 3 — linger 3.0.9 ``QLayerNorm`` (``quant/ops/qmodule/qlayernorm.py`` with
``kernel/cpu/qlayernorm_kernel.cpp``): the normalised value is Q15 (``scale_y_normal = 2^15``) and the
bias is exported at ``15 + e(γ)``.  thinker 3.0.4's kernel (``*/layernormint.h``) composes the same LUNA
calls but normalises to Q10, reads the bias as if at ``10 + e(γ)`` and overruns its workspace, so it is not
sound for these exports (errata E-LAYERNORM-1..4); its LUNA calls themselves are measured exact.
The arithmetic is exact in integers (linger evaluates ``y·γ + β`` in float32, which agrees while
``|y·γ + β| < 2^24`` and elsewhere except where float32 rounding crosses a half).

    per row of N = |γ| elements (the last axis, or the last two axes flattened):
    S1 = Σ x,  S2 = Σ x²,  D = N·S2 − S1² + q_eps          exact (int64)
    q_eps = ⌊fl32(fl32(fl32(ε · 2^(2·e(X))) · N) · N) + ½⌋  ε = fl32(1e-5), float32 steps as linger and thinker
    y = layernorm_rsqrt(N·x − S1, D)                       ≈ (x − mean)/std in Q15 (spec/nonlinear.md §3)
    acc = sat32(y · γ + β)                                 β at exponent 15 + e(γ)
    Y = sat(rshift(acc, 15 + e(γ) − e(Y)))                 (an exact left scale if that shift is negative)
"""

from __future__ import annotations

import numpy as np

from .. import compat, errors
from ..luna import layernorm as rs
from ..numerics import as_int, requantize, rescale, saturate, wrap
from ..tensor import Tensor
from .common import rounding_coverpoints
from .registry import Coverpoint, OpDef, Signature

#: ε of the normalisation, fixed: linger 3.0.9 ``QLayerNorm.qcreate`` passes ``eps = 1e-5`` whatever the float
#: module had, and thinker 3.0.4's kernel uses ``const float eps = 0.00001`` (``LayerNormIntAttrs.eps`` unread).
EPS = np.float32(1e-5)


def row_length(x: Tensor, gamma: Tensor) -> int:
    """N: γ's element count, which must equal X's last extent or the product of its last two."""
    n = int(np.prod(gamma.shape, dtype=np.int64)) if len(gamma.shape) else 1
    xs = tuple(x.shape)
    if len(xs) >= 1 and xs[-1] == n and n > 0:
        return n
    if len(xs) >= 2 and xs[-2] * xs[-1] == n and n > 0:
        return n
    raise errors.ShapeMismatch(f"LayerNormInt: γ has {n} elements; it must equal X's last extent or the product "
                               f"of its last two (X {list(xs)})")


def q_eps(e_x: int, n: int) -> int:
    """``⌊fl32(fl32(fl32(ε·2^(2·e(X)))·N)·N) + ½⌋`` in float32 steps, as linger 3.0.9 (torch float32) and
    thinker 3.0.4 (C float) evaluate it."""
    with np.errstate(over="ignore"):
        v = np.float32(EPS * np.float32(2.0 ** (2 * e_x)))
        v = np.float32(np.float32(v * np.float32(n)) * np.float32(n))
        v = np.float32(v + np.float32(0.5))
    if not np.isfinite(v) or v >= rs.D_LIMIT:
        raise errors.ValueOutOfRange(f"LayerNormInt: ε·2^(2·e(X))·N² overflows (e(X) = {e_x}, N = {n})")
    return int(np.floor(v))


def statistics(x: Tensor, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, S1, S2)``: X as rows of N and the exact per-row sums (int64)."""
    rows = as_int(x.data).reshape(-1, n)
    return rows, rows.sum(axis=1), (rows * rows).sum(axis=1)


def _operands(inputs):
    x, gamma, beta = inputs
    n = row_length(x, gamma)
    if int(np.prod(beta.shape, dtype=np.int64)) != n:
        raise errors.ShapeMismatch(f"LayerNormInt: β has {int(np.prod(beta.shape))} elements, γ {n}")
    if beta.exponent != rs.Q_NORMAL + gamma.exponent:
        raise errors.ExponentOutOfRange(f"LayerNormInt: β must be at exponent 15 + e(γ) = "
                                        f"{rs.Q_NORMAL + gamma.exponent} (got {beta.exponent})")
    return x, as_int(gamma.data).reshape(-1), as_int(beta.data).reshape(-1), n


def normalised(x: Tensor, n: int) -> np.ndarray:
    """``y`` per element, rows of N: ``layernorm_rsqrt(N·x − S1, D)`` (Q15)."""
    rows, s1, s2 = statistics(x, n)
    d = n * s2 - s1 * s1 + q_eps(x.exponent, n)
    if int(d.max()) >= rs.D_LIMIT:
        raise errors.ValueOutOfRange("LayerNormInt: N·ΣX² − (ΣX)² + q_eps reaches 2^60 (outside the rsqrt search)")
    return rs.layernorm_rsqrt(n * rows - s1[:, None], d)


def accumulator(inputs) -> np.ndarray:
    """``acc = sat32(y·γ + β)`` as rows of N."""
    x, g, b, n = _operands(inputs)
    return saturate(normalised(x, n) * g + b, "int32").astype(np.int64)


def layernormint(inputs, outputs, attrs, profile):
    """Y = sat(rshift(sat32(y·γ + β), 15 + e(γ) − e(Y))), y = the Q15 normalised X."""
    x, gamma, _ = inputs
    (y,) = outputs
    acc = accumulator(inputs)
    data = requantize(acc, rs.Q_NORMAL + gamma.exponent, y.exponent, y.dtype)
    return [Tensor.of(data.reshape(x.shape), y.dtype, y.exponent)]


# ----------------------------------------------------------------------------------------------
# thinker 3.0.4 compatibility (spec/errata.md E-LAYERNORM-1, E-LAYERNORM-2)
# ----------------------------------------------------------------------------------------------

#: thinker's normalised exponent and highest MSB group (``q_normal = 10``; bits 46–47).
THINKER_Q_NORMAL = 10
THINKER_TOP_GROUP = 24


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """thinker 3.0.4's arcs / venusA kernel: sums of products in int32 (E-LAYERNORM-2), Q10 normalisation,
    ``sat32(y·γ)`` and then β added as if at ``10 + e(γ)`` (E-LAYERNORM-1).  Undefined cases (the venus
    kernel, E-LAYERNORM-4; e(X) outside 0..15; a negative final shift; D ≥ 2^48) compute the spec."""
    x, gamma, _ = inputs
    (y,) = outputs
    thinker = compat.thinker_3_0_4(profile)
    xx, g, b, n = _operands(inputs)
    shift = THINKER_Q_NORMAL + gamma.exponent - y.exponent
    if not thinker.layernorm_q10 or not 0 <= x.exponent <= 15 or shift < 0 or y.dtype.name != "int8":
        return layernormint(inputs, outputs, attrs, profile)
    rows, s1, s2 = statistics(xx, n)
    d = wrap(n * s2, 32) - wrap(s1 * s1, 32) + q_eps(x.exponent, n)       # int32 products (E-LAYERNORM-2)
    if int(d.min()) < 0 or int(d.max()) >= 1 << (2 * THINKER_TOP_GROUP):
        return layernormint(inputs, outputs, attrs, profile)               # the table read leaves the table
    num = saturate(n * rows - s1[:, None], "int32")                        # luna_scale / luna_offset saturate
    y10 = rs.layernorm_rsqrt(num, d, THINKER_Q_NORMAL, THINKER_TOP_GROUP)
    acc = saturate(y10 * g, "int32").astype(np.int64) + b                 # mul_i32i32o32, then add_i32i32o8
    data = saturate(rescale(acc, shift), y.dtype)
    return [Tensor.of(data.reshape(x.shape), y.dtype, y.exponent)]


# ----------------------------------------------------------------------------------------------
# coverpoints
# ----------------------------------------------------------------------------------------------

def _shift(c) -> int:
    return rs.Q_NORMAL + c.inputs[1].exponent - c.outputs[0].exponent


def _acc(c):
    return accumulator(c.inputs)


def _rsqrt_tie(c) -> bool:
    x, _, _, n = _operands(c.inputs)
    rows, s1, s2 = statistics(x, n)
    d = n * s2 - s1 * s1 + q_eps(x.exponent, n)
    r, q1 = rs.rsqrt_lookup(d)
    s = np.maximum(q1 + 14 - rs.Q_NORMAL, 0)[:, None]
    prod = (n * rows - s1[:, None]) * r[:, None]
    half = np.where(s > 0, 1 << np.maximum(s - 1, 0), -1)
    return bool(np.any((prod & ((1 << s) - 1)) == half))


def _constant_row(c) -> bool:
    x, _, _, n = _operands(c.inputs)
    rows = as_int(x.data).reshape(-1, n)
    return bool(np.any((rows == rows[:, :1]).all(axis=1)))


def _small_d(c) -> bool:
    x, _, _, n = _operands(c.inputs)
    _, s1, s2 = statistics(x, n)
    return bool(np.any(n * s2 - s1 * s1 + q_eps(x.exponent, n) < 256))


OP = OpDef(
    name="LayerNormInt",
    summary="layer normalisation to Q15 by the reciprocal-square-root table, then y·γ + β with a rounding shift",
    spec_section="ops/layernormint.md",
    since="1.0.0",
    aliases={"linger1": ("LayerNormInt",), "linger3": ("QLayerNorm", "QLayerNorm2d")},
    signatures=(Signature(("int8", "int8", "int32"), ("int8",)),),
    coverpoints=(
        *rounding_coverpoints(_acc, _shift, lambda c: c.outputs[0].dtype),
        Coverpoint("negative shift", "15 + e(γ) < e(Y): the accumulator is scaled up exactly", lambda c: _shift(c) < 0),
        Coverpoint("rsqrt tie", "the normalising product meets an exact half", _rsqrt_tie),
        Coverpoint("eps", "q_eps > 0: ε contributes to D", lambda c: q_eps(c.inputs[0].exponent,
                                                                           row_length(c.inputs[0], c.inputs[1])) > 0),
        Coverpoint("constant row", "a row whose elements are all equal (numerators 0)", _constant_row),
        Coverpoint("small D", "D < 256: the rsqrt normalises D by a left shift", _small_d),
        Coverpoint("two axes", "γ spans the last two axes of X",
                   lambda c: len(c.inputs[0].shape) >= 2 and c.inputs[0].shape[-2] > 1
                   and row_length(c.inputs[0], c.inputs[1]) == c.inputs[0].shape[-2] * c.inputs[0].shape[-1]),
    ),
    impl=layernormint,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
