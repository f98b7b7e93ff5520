"""iqMul: multiply two quantized tensors (spec/ops/iqmul.md).

Source: rule 2 (``*/iqmul.h``: ``luna_mul(X1, X2, shift)`` for equal shapes, ``luna_scale(X1, x2, shift)``
for a scalar X2, and for a per-channel X2 ``[N, C, 1, 1]`` a ones-matmul that repeats X2 followed by an
int8 ``luna_mul``; exact end-to-end on venusA, arcs and venus with linger 3.0.9's QMul); rule 3 (linger
3.0.9 QMul: one rounding of the exact product, an exact left scale when ``e1 + e2 < eo``) for the
negative shift thinker refuses.

    s = e(X1) + e(X2) − e(Y)
    Y = sat( rescale(X1 · X2, s) )        X2 repeated over X1's shape when it is a scalar or per-channel
"""

from __future__ import annotations

import numpy as np

from .. import errors, luna
from ..numerics import as_int, rescale, saturate
from ..platforms import PROFILES
from ..tensor import Tensor
from .common import rounding_coverpoints
from .registry import Coverpoint, OpDef, Signature


def _form(x1, x2) -> str:
    """"same", "scalar" or "channel" — how X2's shape relates to X1's (ShapeMismatch otherwise)."""
    if tuple(x2.shape) == tuple(x1.shape):
        return "same"
    if len(x2.shape) == 0:
        return "scalar"
    if len(x1.shape) == 4 and tuple(x2.shape) == (x1.shape[0], x1.shape[1], 1, 1):
        return "channel"
    raise errors.ShapeMismatch(f"iqMul: X2 of shape {list(x2.shape)} is neither X1's shape {list(x1.shape)}, "
                               "a scalar, nor per-channel [N, C, 1, 1]")


def iqmul(inputs, outputs, attrs, profile):
    """Y = sat(rescale(X1 · X2, e(X1) + e(X2) − e(Y))), rounding half up."""
    x1, x2 = inputs
    (y,) = outputs
    form = _form(x1, x2)
    t_in, t = x1.dtype.name, y.dtype.name
    if form == "channel" and (t_in, t) != ("int8", "int8"):
        raise errors.UnsupportedOnPlatform(f"iqMul: the per-channel form exists for int8 -> int8 only "
                                           f"(got {t_in} -> {t})")
    s = x1.exponent + x2.exponent - y.exponent
    b = np.broadcast_to(x2.data, x1.shape)
    if s >= 0 and form == "scalar":      # luna_scale: vector times a scalar of the operand type
        data = luna.scale(x1.data, int(x2.data), s, t, profile)
    elif s >= 0:                         # luna_mul (the per-channel form first repeats X2 exactly)
        data = luna.mul(x1.data, np.ascontiguousarray(b), s, t, profile)
    else:                                # exact left scale of the product, then saturation
        if (t_in, t) not in profile.vector_types:
            raise errors.UnsupportedOnPlatform(f"iqMul: no {t_in} -> {t} form on {profile.name}")
        data = saturate(rescale(as_int(x1.data) * as_int(b), s), y.dtype)
    return [Tensor.of(data, y.dtype, y.exponent)]


def _product(c):
    x1, x2 = c.inputs
    return as_int(x1.data) * as_int(np.broadcast_to(x2.data, x1.shape))


def _shift(c) -> int:
    return c.inputs[0].exponent + c.inputs[1].exponent - c.outputs[0].exponent


def _signatures() -> tuple[Signature, ...]:
    """One signature per (operand, result) pair that some platform's ``luna_mul`` / ``luna_scale`` has."""
    out = []
    for t_in in ("int8", "int16", "int32"):
        for t in ("int8", "int16", "int32"):
            plats = tuple(p.name for p in PROFILES.values() if (t_in, t) in p.vector_types)
            if plats:
                out.append(Signature((t_in, t_in), (t,), plats))
    return tuple(out)


OP = OpDef(
    name="iqMul",
    summary="element-wise product, scalar or per-channel broadcast, rescaled to the output exponent",
    spec_section="ops/iqmul.md",
    since="1.0.0",
    aliases={"linger1": ("iqMul",), "linger3": ("QMul",)},
    signatures=_signatures(),
    coverpoints=rounding_coverpoints(_product, _shift, lambda c: c.outputs[0].dtype) + (
        Coverpoint("negative shift", "e(X1) + e(X2) < e(Y): the product is scaled up exactly",
                   lambda c: _shift(c) < 0),
        Coverpoint("scalar operand", "X2 is a scalar (rank 0)",
                   lambda c: len(c.inputs[1].shape) == 0),
        Coverpoint("per-channel operand", "X2 is [N, C, 1, 1] against X1 [N, C, H, W]",
                   lambda c: len(c.inputs[1].shape) == 4 and c.inputs[1].shape != c.inputs[0].shape),
    ),
    impl=iqmul,
)
