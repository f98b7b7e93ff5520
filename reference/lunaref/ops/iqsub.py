"""iqSub: subtract two quantized tensors at different exponents (spec/ops/iqsub.md).

Source: rule 2 for the intended composition (``*/iqsub.h``: each operand rescaled with
``luna_scale(x, 1, shift)``, then ``luna_sub``) with the minuend thinker 3.0.4 forgets (errata
E-IQSUB-1: it subtracts from the destination buffer instead); rule 3 (the exact left scale iqAdd uses)
where an operand must be scaled up, which thinker refuses.

    s1 = e(X1) − e(Y),  s2 = e(X2) − e(Y)
    Y  = sat( rescale(X1, s1) − rescale(X2, s2) )
"""

from __future__ import annotations

from .. import luna
from ..numerics import rescale, saturate
from ..tensor import Tensor
from .common import require_same_shape, rescaled_pair_coverpoints
from .registry import OpDef, Signature


def iqsub(inputs, outputs, attrs, profile):
    """Y = sat(rescale(X1, e(X1) − e(Y)) − rescale(X2, e(X2) − e(Y))), rounding half up."""
    x1, x2 = inputs
    (y,) = outputs
    require_same_shape("iqSub", x1, x2)
    s1, s2 = x1.exponent - y.exponent, x2.exponent - y.exponent
    t = y.dtype.name
    if s1 >= 0 and s2 >= 0:  # the chip's path: two LUNA scales (never saturating), one LUNA sub
        a = luna.scale(x1.data, 1, s1, t, profile)
        b = luna.scale(x2.data, 1, s2, t, profile)
        data = luna.sub(a, b, 0, t, profile)
    else:                    # an operand scaled up exactly, the difference saturated once
        data = saturate(rescale(x1.data, s1) - rescale(x2.data, s2), y.dtype)
    return [Tensor.of(data, y.dtype, y.exponent)]


OP = OpDef(
    name="iqSub",
    summary="saturating difference of two tensors, each rescaled to the output exponent",
    spec_section="ops/iqsub.md",
    since="1.0.0",
    aliases={},  # neither linger line exports a subtraction (linger.md §4.5, §7.2)
    signatures=(Signature(("int8", "int8"), ("int8",)),),
    coverpoints=rescaled_pair_coverpoints(lambda a, b: a - b, "difference"),
    impl=iqsub,
)
