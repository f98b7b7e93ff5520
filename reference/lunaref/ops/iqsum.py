"""iqSum: sum over the last axis, rescaled to the output exponent (spec/ops/iqsum.md).

Source: rule 2 for the intended composition (``*/iqsum.h``: one ``luna_vector_sum`` per row with the
shift ``e(X) − e(Y)``: an exact wide sum, one rounding, saturation; the row pointers thinker 3.0.4 never
advances are errata E-IQSUM-1); rule 3 (linger 1.x ``iqSum``: the exact sum quantized at ``e(Y)``) where
the output has more fraction bits than the input, which thinker leaves to an unsigned shift.
Capabilities: venus's and arcs's kernels are int8 only (``vector_sum_q7_int32`` / ``vector_sum_i8o32``
into a workspace, then an int8 ``scale``, whatever the dtypes); venusA's dispatches every width.

    s = e(X) − e(Y)
    Y[..., 0] = sat( rescale( Σ_k X[..., k], s ) )
"""

from __future__ import annotations

from .. import errors
from ..numerics import as_int, rescale, saturate
from ..tensor import Tensor
from .common import rounding_coverpoints
from .registry import Coverpoint, OpDef, Signature


def reduced_axis(op: str, x, attrs, key: str) -> int:
    """The axis ``attrs[key]`` (default −1) names, which must be X's last (UnsupportedAttribute)."""
    if len(x.shape) == 0:
        raise errors.ShapeMismatch(f"{op}: X must have at least one axis")
    raw = attrs.get(key, -1)
    try:
        axis = int(raw)
    except (TypeError, ValueError):
        raise errors.UnsupportedAttribute(f"{op}: {key} must be an integer (got {raw!r})") from None
    rank = len(x.shape)
    if axis not in (-1, rank - 1):
        raise errors.UnsupportedAttribute(f"{op}: {key} = {axis}: only the last axis of a rank-{rank} X "
                                          "is supported (-1 or rank - 1)")
    return rank - 1


def _sums(x):
    return as_int(x.data).sum(axis=-1, keepdims=True)


def iqsum(inputs, outputs, attrs, profile):
    """Y = sat(rescale(Σ_last X, e(X) − e(Y))), rounding half up; the summed axis kept with extent 1."""
    (x,), (y,) = inputs, outputs
    reduced_axis("iqSum", x, attrs, "dims")
    data = saturate(rescale(_sums(x), x.exponent - y.exponent), y.dtype)
    return [Tensor.of(data, y.dtype, y.exponent)]


def _shift(c) -> int:
    return c.inputs[0].exponent - c.outputs[0].exponent


OP = OpDef(
    name="iqSum",
    summary="saturating sum over the last axis, rescaled to the output exponent",
    spec_section="ops/iqsum.md",
    since="1.0.0",
    aliases={"linger1": ("iqSum",)},
    signatures=(
        Signature(("int8",), ("int8",)),
        Signature(("int16",), ("int16",), ("venusA",)),
        Signature(("int32",), ("int32",), ("venusA",)),
    ),
    coverpoints=rounding_coverpoints(lambda c: _sums(c.inputs[0]), _shift, lambda c: c.outputs[0].dtype) + (
        Coverpoint("scaled up", "e(X) < e(Y): the sum is scaled up exactly", lambda c: _shift(c) < 0),
        Coverpoint("several rows", "more than one row is summed",
                   lambda c: c.inputs[0].data.size > (c.inputs[0].shape[-1] if c.inputs[0].shape else 1)),
    ),
    impl=iqsum,
)
