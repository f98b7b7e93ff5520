"""Requant: change exponent and width of an integer tensor (spec/ops/requant.md).

Source: thinker 3.0.4 executor (``*/requant.h``) for same-width int8 down-scaling, which is exact
(rule 2); linger 1.x's ``SAT(RHU(q * s_dst / s_src))`` for up-scaling, widening and int16/int32
inputs, where thinker overflows, mis-scales or refuses (rule 3, errata E-REQUANT-1, -2, -3).

    d = e(X) - e(Y)
    Y = saturate(d > 0 ? floor(X / 2^d + 1/2) : X * 2^-d)
"""

from __future__ import annotations

import numpy as np

from .. import errors, luna, numerics
from ..tensor import Tensor
from .common import platforms_with
from .registry import Coverpoint, OpDef, Signature


def requant(inputs, outputs, attrs, profile):
    """Y = saturate(rescale(X, e(X) - e(Y))) in Y's dtype, rounding half up."""
    (x,), (y,) = inputs, outputs
    return [Tensor.of(numerics.requantize(x.data, x.exponent, y.exponent, y.dtype), y.dtype, y.exponent)]


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """Compatibility model of thinker 3.0.4's ``requant_luna`` (the same code on every platform).

    * int16/int32 inputs are refused (E-REQUANT-3): ``DTypeMismatch``.
    * widening with ``0 <= d' = e(Y) - e(X) < 32``: ``x << d'`` stored into the output type, no
      saturation — the low bits are kept (E-REQUANT-1).  A negative ``d'`` is an undefined C shift (no
      model: the spec's result).
    * int8 -> int8 with ``0 < d' < 32``: ``luna_scale(x, k, 0)`` with ``k = 1 << d'`` passed as an int8
      scalar, i.e. ``k`` wrapped to 8 bits: ``d' = 7`` gives -128, ``d' >= 8`` gives 0 (E-REQUANT-2).
    * int8 -> int8 down-scaling is the spec's arithmetic (``luna_scale(x, 1, d)``).
    """
    (x,), (y,) = inputs, outputs
    if x.dtype.name != "int8":
        raise errors.DTypeMismatch(f"Requant: thinker 3.0.4 refuses {x.dtype} input (E-REQUANT-3)")
    up = y.exponent - x.exponent
    if y.dtype.bits > 8 and 0 <= up < 32:
        data = numerics.wrap(numerics.scale_pow2(x.data, up), y.dtype.bits)
        return [Tensor.of(data, y.dtype, y.exponent)]
    if y.dtype.bits == 8 and 0 < up < 32:
        k = int(numerics.wrap(1 << up, 8))
        return [Tensor.of(luna.scale(x.data, k, 0, "int8", profile), y.dtype, y.exponent)]
    return requant(inputs, outputs, attrs, profile)


def _d(c) -> int:
    return c.inputs[0].exponent - c.outputs[0].exponent


def _tie(c, negative: bool) -> bool:
    d = _d(c)
    if d <= 0:
        return False
    x = c.inputs[0].data.astype(np.int64)
    tie = (x & ((1 << d) - 1)) == (1 << (d - 1)) if d < 63 else np.zeros(x.shape, bool)
    return bool((tie & ((x < 0) if negative else (x > 0))).any())


def _saturates(c, high: bool) -> bool:
    v = numerics.rescale(c.inputs[0].data, _d(c))
    t = c.outputs[0].dtype
    return bool(any((int(u) > t.max) if high else (int(u) < t.min) for u in np.asarray(v).reshape(-1)))


_WIDTHS = ("int8", "int16", "int32")


def _platforms(t_in: str, t_out: str) -> tuple[str, ...]:
    """int8 inputs on every platform (thinker's C widening needs no primitive); int16 and int32 inputs
    where the platform has that element-wise form (spec/ops/requant.md, Capabilities)."""
    if t_in == "int8":
        return platforms_with("vector_types", ("int8", "int8"))
    return platforms_with("vector_types", (t_in, t_out))


OP = OpDef(
    name="Requant",
    summary="re-express an integer tensor at another exponent and width (int8/16/32 to int8/16/32)",
    spec_section="ops/requant.md",
    since="1.0.0",
    aliases={"linger1": ("Requant",)},
    signatures=tuple(Signature((i,), (o,), _platforms(i, o)) for i in _WIDTHS for o in _WIDTHS
                     if _platforms(i, o)),
    coverpoints=(
        Coverpoint("positive tie", "down-scaling meets a positive value exactly halfway (rounds up)",
                   lambda c: _tie(c, negative=False)),
        Coverpoint("negative tie", "down-scaling meets a negative value exactly halfway (rounds toward zero)",
                   lambda c: _tie(c, negative=True)),
        Coverpoint("saturates high", "the rescaled value exceeds the output maximum",
                   lambda c: _saturates(c, high=True)),
        Coverpoint("saturates low", "the rescaled value is below the output minimum",
                   lambda c: _saturates(c, high=False)),
        Coverpoint("widening", "the output is wider than the input",
                   lambda c: c.outputs[0].dtype.bits > c.inputs[0].dtype.bits),
        Coverpoint("narrowing", "the output is narrower than the input",
                   lambda c: c.outputs[0].dtype.bits < c.inputs[0].dtype.bits),
        Coverpoint("same exponent", "e(X) = e(Y): only the width changes",
                   lambda c: _d(c) == 0),
        Coverpoint("max shift", "down-scaling by the operand width or more (every result rounds to 0)",
                   lambda c: _d(c) >= c.inputs[0].dtype.bits),
    ),
    impl=requant,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
