"""Dequant: integer to float32 (spec/ops/dequant.md).

Source: thinker 3.0.4 executor (``ops/dequant.c``, ``comm/utils.c``) for int8 (rule 2); int16 and
int32 from the same formula, which thinker's dead int32 branch intends (rule 3, errata E-DEQUANT-1).

    Y = float32(X) * float32(2^-e(X))     (float32 multiply)
"""

from __future__ import annotations

import numpy as np

from .. import errors, numerics
from ..tensor import Tensor
from .registry import Coverpoint, OpDef, Signature


def dequant(inputs, outputs, attrs, profile):
    """Y = float32(X) * 2^-e(X), in float32."""
    (x,), (y,) = inputs, outputs
    return [Tensor.of(numerics.dequantize(x.data, x.exponent), y.dtype)]


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """Compatibility model: thinker refuses int16 and int32 inputs (errata E-DEQUANT-1: its int32 test
    compares the data pointer with the dtype code), and forms the factor ``1.f / (1 << e)`` in C ``int``,
    which is ``−2^−31`` for ``e = 31`` (errata E-QUANT-2: the sign flips; float32 negation is exact).
    Negative exponents are an undefined C shift (no model: the spec's result)."""
    (x,), _ = inputs, outputs
    if x.dtype.name != "int8":
        raise errors.DTypeMismatch(f"Dequant: thinker 3.0.4 refuses {x.dtype} input (E-DEQUANT-1)")
    (y,) = dequant(inputs, outputs, attrs, profile)
    return [Tensor.of(-y.data, y.dtype)] if x.exponent == 31 else [y]


def _inexact(c) -> bool:
    q = c.inputs[0].data.astype(np.int64)
    return bool((q.astype(np.float32).astype(np.int64) != q).any())


OP = OpDef(
    name="Dequant",
    summary="int8/int16/int32 to float32 by the input exponent",
    spec_section="ops/dequant.md",
    since="1.0.0",
    aliases={"linger1": ("Dequant",), "linger3": ("Dequant",)},
    signatures=tuple(Signature((t,), ("float32",)) for t in ("int8", "int16", "int32")),
    compat={"thinker-3.0.4": thinker_3_0_4},
    coverpoints=(
        Coverpoint("range ends", "an input equals its dtype's minimum or maximum",
                   lambda c: bool(np.isin(c.inputs[0].data, [c.inputs[0].dtype.min, c.inputs[0].dtype.max]).any())),
        Coverpoint("negative exponent", "the input exponent is negative (real values beyond the integer range)",
                   lambda c: c.inputs[0].exponent < 0),
        Coverpoint("float32 rounds", "an int32 input has more than 24 significant bits and rounds",
                   _inexact),
    ),
    impl=dequant,
)
