"""BatchNorm2dInt: per-channel multiply and bias with a rounding shift (spec/ops/batchnorm2dint.md).

Source: rule 2 (``*/batchnorm2dint.h``; exact end-to-end on venusA and arcs), linger 3.x
``QBatchNorm2d`` for the negative-shift case (rule 3).

    acc[n, c, h, w] = X[n, c, h, w] · W[c] + B[c]
    Y = sat(rshift(acc, e(X) + e(W) − e(Y)))     (exact left scale if that shift is negative)
"""

from __future__ import annotations

from .. import errors
from ..numerics import as_int, requantize
from ..tensor import Tensor
from .common import accumulator_coverpoints, require_rank
from .registry import Coverpoint, OpDef, Signature


def channel_affine(op: str, x: Tensor, w: Tensor, b: Tensor):
    """The exact accumulator ``X · W[c] + B[c]`` with the channel on axis 1 (any rank >= 2)."""
    c = x.shape[1]
    if tuple(w.shape) != (c,) or tuple(b.shape) != (c,):
        raise errors.ShapeMismatch(f"{op}: weight {list(w.shape)} and bias {list(b.shape)} must both be [{c}]")
    view = (1, c) + (1,) * (len(x.shape) - 2)
    return as_int(x.data) * as_int(w.data).reshape(view) + as_int(b.data).reshape(view)


def accumulate(x: Tensor, w: Tensor, b: Tensor):
    require_rank("BatchNorm2dInt", x, 4, "X")
    return channel_affine("BatchNorm2dInt", x, w, b)


def finish(acc, x: Tensor, w: Tensor, y) -> Tensor:
    """Round (or scale up exactly) by ``e(X) + e(W) − e(Y)`` and saturate to Y's dtype."""
    return Tensor.of(requantize(acc, x.exponent + w.exponent, y.exponent, y.dtype), y.dtype, y.exponent)


def batchnorm2dint(inputs, outputs, attrs, profile):
    """Y = sat(rshift(X · W[c] + B[c], e(X) + e(W) − e(Y)))."""
    x, w, b = inputs
    (y,) = outputs
    return [finish(accumulate(x, w, b), x, w, y)]


def _acc(c):
    return accumulate(*c.inputs)


NEGATIVE_WEIGHT = Coverpoint("negative weight", "a channel's multiplier is negative",
                             lambda c: bool((c.inputs[1].data < 0).any()))


OP = OpDef(
    name="BatchNorm2dInt",
    summary="per-channel x·w[c] + b[c] with a rounding shift (folded batch normalisation)",
    spec_section="ops/batchnorm2dint.md",
    since="1.0.0",
    aliases={"linger1": ("BatchNorm2dInt",), "linger3": ("QBatchNorm2d",)},
    signatures=(Signature(("int8", "int8", "int32"), ("int8",)),),
    coverpoints=(
        *accumulator_coverpoints(_acc),
        NEGATIVE_WEIGHT,
    ),
    impl=batchnorm2dint,
)
