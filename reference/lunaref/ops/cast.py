"""Cast: C conversion between int8, int16, int32, int64 and float32 (spec/ops/cast.md).

Source: rule 2 (``executor/core/ops/cast.c``: one C assignment per element from the input's type to the
output's; ``CastAttrs.to`` is not read — the output tensor's dtype decides).  What C leaves
implementation-defined or undefined — an integer that does not fit the narrower type, a float beyond
the integer range, an integer that float32 cannot hold — is implementation-defined here (no vectors);
lunaref wraps, saturates and rounds to nearest-even respectively.

    integer -> integer:  Y = X (the exponent is kept)
    integer -> float32:  Y = float32(X) (the integer, not its real value)
    float32 -> integer:  Y = trunc(X) (toward zero), exponent 0
"""

from __future__ import annotations

import numpy as np

from .. import errors
from ..numerics import as_int, wrap
from ..tensor import Tensor
from .registry import Coverpoint, OpDef, Signature

TYPES = ("int8", "int16", "int32", "int64", "float32")


def cast(inputs, outputs, attrs, profile):
    """Y = X converted as a C assignment converts it (see the module docstring)."""
    (x,), (y,) = inputs, outputs
    if x.dtype.is_integer and y.dtype.is_integer:
        want = 0 if x.exponent is None else x.exponent
        if y.exponent != want:
            raise errors.ExponentOutOfRange(f"Cast: output exponent {y.exponent} differs from the input's {want}")
        return [Tensor.of(wrap(x.data, y.dtype.bits), y.dtype, y.exponent)]
    if not x.dtype.is_integer and y.dtype.is_integer:
        if y.exponent != 0:
            raise errors.ExponentOutOfRange(f"Cast: a float32 -> {y.dtype} result has exponent 0 (got {y.exponent})")
        f = x.data.astype(np.float64)
        if np.isnan(f).any():
            raise errors.NonFiniteInput("Cast: NaN converted to an integer")
        hi = float(y.dtype.max) if y.dtype.bits < 64 else 2.0 ** 63 - 1024   # largest float below 2^63
        t = np.trunc(np.clip(f, float(y.dtype.min), hi))   # beyond the range: implementation-defined
        return [Tensor.of(t.astype(np.int64), y.dtype, y.exponent)]
    if x.dtype.is_integer:
        return [Tensor.of(as_int(x.data).astype(np.float32), y.dtype)]
    return [Tensor.of(x.data, y.dtype)]


def _fits(c) -> bool:
    y = c.outputs[0].dtype
    x = c.inputs[0]
    if not (x.dtype.is_integer and y.is_integer):
        return True
    return bool(x.data.size == 0 or (int(x.data.min()) >= y.min and int(x.data.max()) <= y.max))


OP = OpDef(
    name="Cast",
    summary="element-wise C conversion between int8, int16, int32, int64 and float32",
    spec_section="ops/cast.md",
    since="1.0.0",
    aliases={"linger1": ("Cast",), "linger3": ("Cast",)},
    signatures=tuple(Signature((i,), (o,), unscaled=(0,)) for i in TYPES for o in TYPES if i != o),
    coverpoints=(
        Coverpoint("widening", "an integer to a wider integer",
                   lambda c: c.inputs[0].dtype.is_integer and c.outputs[0].dtype.is_integer
                   and c.outputs[0].dtype.bits > c.inputs[0].dtype.bits),
        Coverpoint("narrowing in range", "an integer to a narrower integer, every value representable",
                   lambda c: c.inputs[0].dtype.is_integer and c.outputs[0].dtype.is_integer
                   and c.outputs[0].dtype.bits < c.inputs[0].dtype.bits and _fits(c)),
        Coverpoint("to float", "an integer to float32", lambda c: c.outputs[0].dtype.name == "float32"),
        Coverpoint("truncates toward zero", "a negative non-integer float becomes an integer toward zero",
                   lambda c: c.inputs[0].dtype.name == "float32"
                   and bool(((c.inputs[0].data < 0) & (c.inputs[0].data != np.trunc(c.inputs[0].data))).any())),
    ),
    impl=cast,
)
