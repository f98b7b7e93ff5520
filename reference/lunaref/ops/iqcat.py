"""iqCat: concatenate quantized tensors along an axis, each rescaled to the output exponent
(spec/ops/iqcat.md).

Source: rule 2 for int8 where thinker is sound (``*/concat.h``: ``luna_scale(x, 1, e(Xi) − e(Y))`` to
scale down on venus and arcs, ``luna_scale(x, 2^d, 0)`` to scale up by d ≤ 6); rule 3 (linger 3.0.9
QCat, linger 1.x iqCat: ``SAT(RHU(q_i · s_o / s_i))`` per input) elsewhere — errata E-IQCAT-1…4, E-SAT-1.

    Y = concat_axis( sat(rescale(X_i, e(X_i) − e(Y))) for each input i )
"""

from __future__ import annotations

import numpy as np

from .. import compat, errors
from ..numerics import as_int, rescale, saturate, wrap
from ..tensor import Tensor
from .common import has_tie
from .registry import Coverpoint, OpDef, Signature

MAX_INPUTS = 8


def _axis(attrs, rank: int) -> int:
    try:
        axis = int(attrs.get("axis", 0))
    except (TypeError, ValueError):
        raise errors.UnsupportedAttribute(f"iqCat: axis {attrs.get('axis')!r} is not an integer") from None
    if not -rank <= axis < rank:
        raise errors.UnsupportedAttribute(f"iqCat: axis {axis} outside [{-rank}, {rank})")
    return axis % rank


def iqcat(inputs, outputs, attrs, profile):
    """Y = concat(sat(rescale(X_i, e(X_i) − e(Y)))) along ``axis``."""
    (y,) = outputs
    rank = len(inputs[0].shape)
    if rank == 0:
        raise errors.ShapeMismatch("iqCat: scalar inputs cannot be concatenated")
    axis = _axis(attrs, rank)
    for x in inputs[1:]:
        s0, s = list(inputs[0].shape), list(x.shape)
        if len(s) != rank or s0[:axis] + s0[axis + 1:] != s[:axis] + s[axis + 1:]:
            raise errors.ShapeMismatch(f"iqCat: shapes {s0} and {s} differ off axis {axis}")
    parts = [saturate(rescale(x.data, x.exponent - y.exponent), y.dtype) for x in inputs]
    return [Tensor.of(np.concatenate(parts, axis=axis), y.dtype, y.exponent)]


def _thinker_part(x, y, path: str) -> np.ndarray:
    """One input as thinker 3.0.4's ``concat_luna`` rescales it (deterministic branches only); ``path``
    is the platform's int16/int32 code path (``lunaref.compat``: copy, cpu or scale16)."""
    t, d_up = y.dtype, y.exponent - x.exponent
    if d_up == 0:
        return as_int(x.data)
    if t.bits == 8 and 0 < d_up < 32:
        # luna_scale(x, 1 << d, 0): the factor passes through an int8 scalar parameter (E-IQCAT-1)
        k = int(wrap(1 << d_up, 8))
        return saturate(as_int(x.data) * k, t)
    if t.bits in (16, 32) and path == "copy":
        return as_int(x.data)                       # int16/int32 copied, exponent ignored (E-IQCAT-3)
    if t.bits == 16 and path == "cpu" and d_up > 0:
        # the CPU routine: SATURATE_16BITS(x << d) clamps to +32768, stored to int16 (E-SAT-1)
        return wrap(np.clip(as_int(x.data) << d_up, -32768, 32768), 16)
    if t.bits == 16 and path == "scale16" and 0 < d_up < 32:
        k = int(wrap(1 << d_up, 16))               # luna_scale with an int16 scalar (E-IQCAT-1)
        return saturate(as_int(x.data) * k, t)
    if t.bits == 32:
        raise errors.UnsupportedAttribute("iqCat: thinker 3.0.4 refuses int32 inputs at another exponent "
                                          "(E-IQCAT-4)")
    return saturate(rescale(x.data, x.exponent - y.exponent), t)


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """Compatibility model of thinker 3.0.4's ``concat_luna``: E-IQCAT-1 (the up-scale factor wraps in
    the primitive's scalar type), E-IQCAT-3 (venus int16/int32 ignore exponents), E-IQCAT-4 (arcs and
    venusA refuse int32 at another exponent), E-SAT-1 (arcs int16 clamps to +32768).  Placement is the
    spec's; thinker's is right only when every input has the same extent along the axis, or the axis is
    the outermost non-1 one (E-IQCAT-5, no model).  venusA down-scaling (E-IQCAT-2) is undefined (no
    model: the spec's result)."""
    (y,) = outputs
    iqcat(inputs, outputs, attrs, profile)          # the spec's REQUIRE checks
    axis = _axis(attrs, len(inputs[0].shape))
    thinker = compat.thinker_3_0_4(profile)
    parts = []
    for x in inputs:
        if thinker.iqcat_downscale_undefined and x.exponent > y.exponent and y.dtype.bits < 32:
            parts.append(saturate(rescale(x.data, x.exponent - y.exponent), y.dtype))
        else:
            parts.append(_thinker_part(x, y, thinker.iqcat_wide_path))
    return [Tensor.of(np.concatenate(parts, axis=axis), y.dtype, y.exponent)]


def _rescaled(c):
    y = c.outputs[0]
    return [rescale(x.data, x.exponent - y.exponent) for x in c.inputs]


def _signatures():
    out = []
    for t in ("int8", "int16", "int32"):
        plats = ("venus", "venusA", "arcs")   # thinker's concat_luna has int8, int16 and int32 paths on all
        for n in range(1, MAX_INPUTS + 1):
            out.append(Signature((t,) * n, (t,), plats))
    return tuple(out)


OP = OpDef(
    name="iqCat",
    summary="concatenation along an axis, each input rescaled (round half up, saturate) to the output exponent",
    spec_section="ops/iqcat.md",
    since="1.0.0",
    aliases={"linger1": ("iqCat", "Concat"), "linger3": ("QCat", "Concat")},
    signatures=_signatures(),
    coverpoints=(
        Coverpoint("positive tie", "rescaling an input meets a positive exact half",
                   lambda c: any(has_tie(x.data, x.exponent - c.outputs[0].exponent, False) for x in c.inputs)),
        Coverpoint("negative tie", "rescaling an input meets a negative exact half",
                   lambda c: any(has_tie(x.data, x.exponent - c.outputs[0].exponent, True) for x in c.inputs)),
        Coverpoint("saturates high", "an up-scaled value exceeds the output maximum",
                   lambda c: any(bool((v > c.outputs[0].dtype.max).any()) for v in _rescaled(c))),
        Coverpoint("saturates low", "an up-scaled value is below the output minimum",
                   lambda c: any(bool((v < c.outputs[0].dtype.min).any()) for v in _rescaled(c))),
        Coverpoint("mixed exponents", "the inputs have different exponents",
                   lambda c: len({x.exponent for x in c.inputs}) > 1),
        Coverpoint("inner axis", "concatenation along an axis with a non-1 dimension before it",
                   lambda c: int(np.prod(c.outputs[0].data.shape[:_axis(c.attrs, c.outputs[0].data.ndim)])) > 1),
        Coverpoint("three or more inputs", "at least three inputs", lambda c: len(c.inputs) >= 3),
    ),
    impl=iqcat,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
