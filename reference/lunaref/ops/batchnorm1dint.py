"""BatchNorm1dInt: BatchNorm2dInt's per-channel multiply and bias on ``[N, C]`` or ``[N, C, L]``
(spec/ops/batchnorm1dint.md).

Source: rule 3 — linger 3.0.9 ``QBatchNorm1d`` (``input · weight.view(1, −1[, 1]) + bias``, then the
output quantizer); thinker 3.0.4 documents ``BatchNorm1dInt`` with BatchNorm2dInt's arithmetic but its
packer lists no such op, so a resource cannot hold it (``lunaref pack`` refuses).

    acc[n, c, ...] = X[n, c, ...] · W[c] + B[c]
    Y = sat(rshift(acc, e(X) + e(W) − e(Y)))     (exact left scale if that shift is negative)
"""

from __future__ import annotations

from .. import errors
from ..tensor import Tensor
from .batchnorm2dint import NEGATIVE_WEIGHT, channel_affine, finish
from .common import accumulator_coverpoints
from .registry import Coverpoint, OpDef, Signature


def accumulate(x: Tensor, w: Tensor, b: Tensor):
    if len(x.shape) not in (2, 3):
        raise errors.ShapeMismatch(f"BatchNorm1dInt: X must have rank 2 or 3 (got shape {list(x.shape)})")
    return channel_affine("BatchNorm1dInt", x, w, b)


def batchnorm1dint(inputs, outputs, attrs, profile):
    """Y = sat(rshift(X · W[c] + B[c], e(X) + e(W) − e(Y)))."""
    x, w, b = inputs
    (y,) = outputs
    return [finish(accumulate(x, w, b), x, w, y)]


def _acc(c):
    return accumulate(*c.inputs)


OP = OpDef(
    name="BatchNorm1dInt",
    summary="per-channel x·w[c] + b[c] with a rounding shift on [N, C] or [N, C, L] (linger's QBatchNorm1d)",
    spec_section="ops/batchnorm1dint.md",
    since="1.0.0",
    aliases={"linger1": ("BatchNorm1dInt",), "linger3": ("QBatchNorm1d",)},
    signatures=(Signature(("int8", "int8", "int32"), ("int8",)),),
    coverpoints=(
        *accumulator_coverpoints(_acc),
        NEGATIVE_WEIGHT,
        Coverpoint("rank 2", "X is [N, C] (one value per channel)", lambda c: len(c.inputs[0].shape) == 2),
        Coverpoint("rank 3", "X is [N, C, L]", lambda c: len(c.inputs[0].shape) == 3),
    ),
    impl=batchnorm1dint,
)
