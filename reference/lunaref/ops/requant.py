"""Requant: change exponent and width of an integer tensor (spec/ops/requant.md).

Source: thinker 3.0.4 executor (``*/requant.h``) for same-width down-scaling, which is exact
(rule 2); linger's ``SAT(RHU(q * s_dst / s_src))`` for up-scaling and widening, where thinker
overflows or mis-scales (rule 3, errata E-REQUANT-1, E-REQUANT-2).

    d = e(X) - e(Y)
    Y = saturate(d > 0 ? floor(X / 2^d + 1/2) : X * 2^-d)
"""

from __future__ import annotations

import numpy as np

from .. import numerics
from ..tensor import Tensor
from .registry import Coverpoint, OpDef, Signature


def requant(inputs, outputs, attrs, profile):
    """Y = saturate(rescale(X, e(X) - e(Y))) in Y's dtype, rounding half up."""
    (x,), (y,) = inputs, outputs
    return [Tensor.of(numerics.requantize(x.data, x.exponent, y.exponent, y.dtype), y.dtype, y.exponent)]


def _d(c) -> int:
    return c.inputs[0].exponent - c.outputs[0].exponent


def _tie(c, negative: bool) -> bool:
    d = _d(c)
    if d <= 0:
        return False
    x = c.inputs[0].data.astype(np.int64)
    tie = (x & ((1 << d) - 1)) == (1 << (d - 1)) if d < 63 else np.zeros(x.shape, bool)
    return bool((tie & ((x < 0) if negative else (x > 0))).any())


def _up_saturates(c, high: bool) -> bool:
    d = _d(c)
    if d >= 0:
        return False
    exact = numerics.scale_pow2(c.inputs[0].data, -d)
    t = c.outputs[0].dtype
    return bool(any((int(v) > t.max) if high else (int(v) < t.min) for v in np.asarray(exact).reshape(-1)))


OP = OpDef(
    name="Requant",
    summary="re-express an int8 tensor at another exponent as int8, int16 or int32",
    spec_section="ops/requant.md",
    since="1.0.0",
    aliases={"linger1": ("Requant",)},
    signatures=tuple(Signature(("int8",), (t,)) for t in ("int8", "int16", "int32")),
    coverpoints=(
        Coverpoint("positive tie", "down-scaling meets a positive value exactly halfway (rounds up)",
                   lambda c: _tie(c, negative=False)),
        Coverpoint("negative tie", "down-scaling meets a negative value exactly halfway (rounds toward zero)",
                   lambda c: _tie(c, negative=True)),
        Coverpoint("saturates high", "up-scaling exceeds the output maximum",
                   lambda c: _up_saturates(c, high=True)),
        Coverpoint("saturates low", "up-scaling goes below the output minimum",
                   lambda c: _up_saturates(c, high=False)),
        Coverpoint("widening", "the output is wider than the input",
                   lambda c: c.outputs[0].dtype.bits > c.inputs[0].dtype.bits),
        Coverpoint("same exponent", "e(X) = e(Y): only the width changes",
                   lambda c: _d(c) == 0),
        Coverpoint("max shift", "down-scaling by the operand width or more (every result rounds to 0)",
                   lambda c: _d(c) >= c.inputs[0].dtype.bits),
    ),
    impl=requant,
)
