"""iqAdd: add two quantized tensors at different exponents (spec/ops/iqadd.md).

Source: rule 2 (``*/iqadd.h``: each operand rescaled with ``luna_scale(x, 1, shift)``, then
``luna_add``; 13 layers exact end-to-end); rule 3 (linger's exact left shift, no intermediate
saturation) where an operand must be scaled up, which thinker leaves undefined (errata E-SHIFT-1).

    s1 = e(X1) − e(Y),  s2 = e(X2) − e(Y)
    Y  = sat( rescale(X1, s1) + rescale(X2, s2) )
"""

from __future__ import annotations

from .. import luna
from ..numerics import rescale, saturate
from ..tensor import Tensor
from .common import require_same_shape, rescaled_pair_coverpoints
from .registry import OpDef, Signature


def iqadd(inputs, outputs, attrs, profile):
    """Y = sat(rescale(X1, e(X1) − e(Y)) + rescale(X2, e(X2) − e(Y))), rounding half up."""
    x1, x2 = inputs
    (y,) = outputs
    require_same_shape("iqAdd", x1, x2)
    s1, s2 = x1.exponent - y.exponent, x2.exponent - y.exponent
    t = y.dtype.name
    if s1 >= 0 and s2 >= 0:  # the chip's path: two LUNA scales, one LUNA add
        a = luna.scale(x1.data, 1, s1, t, profile)
        b = luna.scale(x2.data, 1, s2, t, profile)
        data = luna.add(a, b, 0, t, profile)
    else:
        data = saturate(rescale(x1.data, s1) + rescale(x2.data, s2), y.dtype)
    return [Tensor.of(data, y.dtype, y.exponent)]


SIGNATURES = (
    Signature(("int8", "int8"), ("int8",)),
    Signature(("int16", "int16"), ("int16",), ("venusA",)),
    Signature(("int32", "int32"), ("int32",), ("venusA", "arcs")),
)

OP = OpDef(
    name="iqAdd",
    summary="saturating sum of two tensors, each rescaled to the output exponent",
    spec_section="ops/iqadd.md",
    since="1.0.0",
    aliases={"linger1": ("iqAdd",), "linger3": ("QAdd",)},
    signatures=SIGNATURES,
    coverpoints=rescaled_pair_coverpoints(lambda a, b: a + b, "sum"),
    impl=iqadd,
)
