"""Quant: float32 to integer (spec/ops/quant.md).

Source: thinker 3.0.4 executor (``ops/quant.c`` with ``comm/utils.c``), whose float recipe is the
definition (precedence rule 2); output widths 16 and 32 from linger (rule 3, errata E-QUANT-1).

    p = float32(2^e) * x          (float32)
    t = float32(double(p) + 0.5)  (the +0.5 happens in double, the sum is rounded back to float32)
    y = saturate(floor(t))
"""

from __future__ import annotations

import numpy as np

from .. import errors, numerics
from ..tensor import Tensor
from .registry import Case, Coverpoint, OpDef, Signature


def quant(inputs, outputs, attrs, profile):
    """Y = saturate(floor(float32(float32(2^e(Y)) * X + 0.5))) with e(Y) the output exponent."""
    (x,), (y,) = inputs, outputs
    bits = attrs.get("data_bits")
    if bits is not None and int(bits) != y.dtype.bits:
        raise errors.DTypeMismatch(f"Quant: data_bits {bits} but the output is {y.dtype}")
    return [Tensor.of(numerics.quantize(x.data, y.exponent, y.dtype), y.dtype, y.exponent)]


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """Compatibility model (errata E-QUANT-2): thinker forms the factor as ``(float)(1 << e)`` in C
    ``int``, which is ``−2^31`` for ``e = 31`` — every result has its sign flipped before saturation.
    ``float32(−2^31) · x = float32(2^31) · (−x)`` exactly, so that is the recipe on ``−x``.  Negative
    exponents are an undefined C shift (no model: the spec's result); E-QUANT-1's int16/int32 outputs
    leave stale bytes (no model)."""
    (x,), (y,) = inputs, outputs
    if y.exponent == 31:
        return quant([Tensor.of(-x.data, x.dtype)], outputs, attrs, profile)
    return quant(inputs, outputs, attrs, profile)


def _scaled(case: Case) -> np.ndarray:
    """Step 1 of the recipe, p = float32(2^e) * x, which the coverpoints classify."""
    x, y = case.inputs[0], case.outputs[0]
    with np.errstate(over="ignore"):
        return x.data.astype(np.float32) * np.float32(2.0 ** y.exponent)


def _tie(case: Case, negative: bool) -> bool:
    p = _scaled(case).astype(np.float64)
    p = np.where(np.isfinite(p), p, 0.0)  # infinities are no ties
    y = case.outputs[0]
    tie = (p - np.floor(p) == 0.5) & (p > y.dtype.min) & (p < y.dtype.max)
    return bool((tie & ((p < 0) if negative else (p >= 0))).any())


OP = OpDef(
    name="Quant",
    summary="float32 to int8/int16/int32 at the output exponent, thinker's float32 rounding",
    spec_section="ops/quant.md",
    since="1.0.0",
    aliases={"linger1": ("Quant",), "linger3": ("Quant",)},
    signatures=tuple(Signature(("float32",), (t,)) for t in ("int8", "int16", "int32")),
    compat={"thinker-3.0.4": thinker_3_0_4},
    coverpoints=(
        Coverpoint("positive tie", "x*2^e is exactly k + 1/2 with k >= 0 (rounds up to k + 1)",
                   lambda c: _tie(c, negative=False)),
        Coverpoint("negative tie", "x*2^e is exactly k + 1/2 with k < 0 (rounds up, toward zero)",
                   lambda c: _tie(c, negative=True)),
        Coverpoint("float32 sum rounds up", "x*2^e = 1/2 - 2^-25: the float32 sum rounds to 1",
                   lambda c: bool((_scaled(c) == np.float32(0.5 - 2.0 ** -25)).any())),
        Coverpoint("saturates high", "the rounded value exceeds the output maximum",
                   lambda c: bool((np.floor(_scaled(c).astype(np.float64) + 0.5) > c.outputs[0].dtype.max).any())),
        Coverpoint("saturates low", "the rounded value is below the output minimum",
                   lambda c: bool((np.floor(_scaled(c).astype(np.float64) + 0.5) < c.outputs[0].dtype.min).any())),
        Coverpoint("infinite input", "an input is +inf or -inf",
                   lambda c: bool(np.isinf(c.inputs[0].data).any())),
    ),
    impl=quant,
)
