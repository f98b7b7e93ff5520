"""PRelu: leaky ReLU whose negative slope is a power of two, with a rounding shift (spec/ops/prelu.md).

Source: rule 1 (``luna_prelu``, measured: ``slope`` is a right-shift count of the negative part)
composed as thinker 3.0.4's ``*/prelu.h`` do, one call with ``PreluAttrs {slope, post_shift}``
(rule 2).  Errata E-PRELU-1 (arcs function table), E-PRELU-2 (venusA outside share memory).

    Y = sat(rshift(X, post_shift))           where X >= 0
    Y = sat(rshift(X, slope + post_shift))   where X < 0
"""

from __future__ import annotations


from .. import errors, luna
from ..numerics import as_int
from ..tensor import Tensor
from .common import has_tie, platforms_with, saturates
from .registry import Coverpoint, OpDef, Signature


def _attrs(attrs) -> tuple[int, int]:
    try:
        slope, post = int(attrs["slope"]), int(attrs.get("post_shift", 0))
    except (KeyError, TypeError, ValueError):
        raise errors.UnsupportedAttribute(f"PRelu: needs an integer slope (got {dict(attrs)})") from None
    if slope < 0 or post < 0:
        raise errors.ShiftOutOfRange(f"PRelu: slope {slope} and post_shift {post} must be non-negative shifts")
    return slope, post


def prelu(inputs, outputs, attrs, profile):
    """Y = sat(rshift(X, post_shift)) for X ≥ 0, sat(rshift(X, slope + post_shift)) for X < 0."""
    (x,), (y,) = inputs, outputs
    slope, post = _attrs(attrs)
    if y.exponent != x.exponent - post:
        raise errors.ExponentOutOfRange(f"PRelu: output exponent {y.exponent} is not e(X) − post_shift = "
                                        f"{x.exponent - post}")
    return [Tensor.of(luna.prelu(x.data, slope, post, y.dtype.name, profile), y.dtype, y.exponent)]


def _part(c, negative: bool):
    v = as_int(c.inputs[0].data)
    return v[v < 0] if negative else v[v >= 0]


def _shift(c, negative: bool) -> int:
    s = int(c.attrs.get("post_shift", 0))
    return s + int(c.attrs["slope"]) if negative else s


_WIDTHS = ("int8", "int16", "int32")

OP = OpDef(
    name="PRelu",
    summary="x ≥ 0: rshift(x, post_shift); x < 0: rshift(x, slope + post_shift); saturated",
    spec_section="ops/prelu.md",
    since="1.0.0",
    aliases={},
    signatures=tuple(Signature((i,), (o,), platforms_with("vector_types", (i, o)))
                     for i in _WIDTHS for o in _WIDTHS if platforms_with("vector_types", (i, o))),
    coverpoints=(
        Coverpoint("positive tie", "rounding a non-negative value meets an exact half",
                   lambda c: has_tie(_part(c, False), _shift(c, False), negative=False)),
        Coverpoint("negative tie", "rounding a negative value meets an exact half (rounds toward +inf)",
                   lambda c: has_tie(_part(c, True), _shift(c, True), negative=True)),
        Coverpoint("saturates high", "a rounded non-negative value exceeds the output maximum",
                   lambda c: saturates(_part(c, False), _shift(c, False), c.outputs[0].dtype, high=True)),
        Coverpoint("saturates low", "a rounded negative value is below the output minimum",
                   lambda c: saturates(_part(c, True), _shift(c, True), c.outputs[0].dtype, high=False)),
        Coverpoint("zero slope", "slope 0: the negative part passes like the positive",
                   lambda c: int(c.attrs["slope"]) == 0 and bool((c.inputs[0].data < 0).any())),
        Coverpoint("large slope", "slope + post_shift at least the input width (every negative value rounds to 0)",
                   lambda c: _shift(c, True) >= c.inputs[0].dtype.bits and bool((c.inputs[0].data < 0).any())),
    ),
    impl=prelu,
)
