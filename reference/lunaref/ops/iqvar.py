"""iqVar: unbiased variance over the last axis (spec/ops/iqvar.md).

Source: rule 2 — venus ``iqvar.h``: per row the LUNA sums ``S1 = Σx`` and ``S2 = Σx²`` (exact int32),
then ``(F·S2 − S1²) / (F·(F−1)·2^(2e(X)−e(Y)))`` rounded half up and saturated to int8; thinker evaluates
the quotient in float32, which is exact while the integers stay below 2^24 and the denominator below 2^17
(errata E-IQVAR-2 beyond); the spec states the exact quotient. arcs and venusA never compute ``S2``
(E-IQVAR-1). linger 1.x ``iqVar`` (rule 3) rounds half to even instead; the chip composition decides.

    F = X.shape[-1],  S1 = Σ_k X[..., k],  S2 = Σ_k X[..., k]²,  t = e(Y) − 2·e(X)
    Y[..., 0] = sat8( divide_round( (F·S2 − S1²) · 2^t, F·(F − 1) ) )      (2^t on the divisor when t < 0)
"""

from __future__ import annotations

import numpy as np

from .. import compat, errors
from ..numerics import as_int, divide_round, quantize, saturate, scale_pow2, wrap
from ..tensor import Tensor
from .iqsum import reduced_axis
from .registry import Coverpoint, OpDef, Signature


def _check(x, attrs) -> int:
    reduced_axis("iqVar", x, attrs, "dim")
    if int(attrs.get("unbiased", 1)) != 1:
        raise errors.UnsupportedAttribute("iqVar: only the unbiased variance (unbiased = 1) is defined")
    f = x.shape[-1]
    if f < 2:
        raise errors.ShapeMismatch(f"iqVar: the unbiased variance needs at least 2 elements per row (got {f})")
    return f


def _moments(x):
    v = as_int(x.data)
    return v.sum(axis=-1, keepdims=True), (v * v).sum(axis=-1, keepdims=True)


def _fraction(x, y):
    """Numerator and denominator of the exact output ``(F·S2 − S1²) · 2^t / (F·(F−1))``."""
    f = x.shape[-1]
    s1, s2 = _moments(x)
    t = y.exponent - 2 * x.exponent
    num = f * s2 - s1 * s1
    return scale_pow2(num, max(t, 0)), scale_pow2(np.full(num.shape, f * (f - 1), dtype=np.int64), max(-t, 0))


def iqvar(inputs, outputs, attrs, profile):
    """Y = sat8(⌊(F·S2 − S1²) · 2^(e(Y) − 2e(X)) / (F(F−1)) + ½⌋); the reduced axis kept with extent 1."""
    (x,), (y,) = inputs, outputs
    _check(x, attrs)
    n, d = _fraction(x, y)
    return [Tensor.of(saturate(divide_round(n, d), y.dtype), y.dtype, y.exponent)]


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """venus: the int32 numerator and denominator, their float32 quotient, thinker's Quant at exponent 0
    (E-IQVAR-2).  Undefined shifts (negative or above 30) and the arcs/venusA path (E-IQVAR-1, stale
    memory) compute the spec."""
    (x,), (y,) = inputs, outputs
    f = _check(x, attrs)
    shift = 2 * x.exponent - y.exponent
    if not compat.thinker_3_0_4(profile).iqvar_float_eval or not 0 <= shift <= 30 or f > (1 << 17):
        return iqvar(inputs, outputs, attrs, profile)
    s1, s2 = _moments(x)
    num = wrap(f * s2 - s1 * s1, 32)   # C int32 expressions.astype(np.int64)
    den = int(wrap(f * (f - 1) * (1 << shift), 32))
    if den == 0:
        return iqvar(inputs, outputs, attrs, profile)
    ratio = num.astype(np.float32) / np.float32(den)          # IEEE float32 division, as the C code
    return [Tensor.of(quantize(ratio, 0, "int8"), y.dtype, y.exponent)]


def _exact(c):
    n, d = _fraction(c.inputs[0], c.outputs[0])
    return n, d


def _tie(c) -> bool:
    n, d = _exact(c)
    return bool(np.any((2 * (n % d) == d) & (n > 0)))


OP = OpDef(
    name="iqVar",
    summary="unbiased variance over the last axis at the output exponent, int8",
    spec_section="ops/iqvar.md",
    since="1.0.0",
    aliases={"linger1": ("iqVar",)},
    signatures=(Signature(("int8",), ("int8",)),),
    coverpoints=(
        Coverpoint("positive tie", "an exact variance is a positive exact half", _tie),
        Coverpoint("saturates high", "an exact variance exceeds 127",
                   lambda c: bool(np.any(divide_round(*_exact(c)) > 127))),
        Coverpoint("zero variance", "a row whose elements are all equal",
                   lambda c: bool(np.any(_exact(c)[0] == 0))),
        Coverpoint("scaled up", "e(Y) > 2·e(X): the numerator is scaled up exactly",
                   lambda c: c.outputs[0].exponent > 2 * c.inputs[0].exponent),
        Coverpoint("several rows", "more than one row",
                   lambda c: c.inputs[0].data.size > c.inputs[0].shape[-1]),
    ),
    impl=iqvar,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
