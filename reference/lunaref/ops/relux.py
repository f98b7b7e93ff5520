"""Relux: ReLU clamped at an integer threshold, with a rounding shift, into int8 (spec/ops/relux.md).

Source: rule 1 (``luna_relux``, measured: the clamp follows the rounding) composed as thinker 3.0.4's
``venusA/relux.h`` does, one call with ``ReluxAttrs {threshold, shift}`` (rule 2).  venusA only.

    Y = min(max(rshift(X, shift), 0), threshold)
"""

from __future__ import annotations

import numpy as np

from .. import errors, luna
from ..numerics import rounding_shift
from ..tensor import Tensor
from .common import has_tie
from .registry import Coverpoint, OpDef, Signature


def _attrs(attrs) -> tuple[int, int]:
    try:
        threshold, shift = int(attrs["threshold"]), int(attrs.get("shift", 0))
    except (KeyError, TypeError, ValueError):
        raise errors.UnsupportedAttribute(f"Relux: needs an integer threshold (got {dict(attrs)})") from None
    if not 0 <= threshold <= 127:
        raise errors.ValueOutOfRange(f"Relux: threshold {threshold} is not in [0, 127] (an int8 parameter)")
    if shift < 0:
        raise errors.ShiftOutOfRange(f"Relux: shift {shift} is negative")
    return threshold, shift


def relux(inputs, outputs, attrs, profile):
    """Y = min(max(rshift(X, shift), 0), threshold) as int8 at exponent e(X) − shift."""
    (x,), (y,) = inputs, outputs
    threshold, shift = _attrs(attrs)
    if y.exponent != x.exponent - shift:
        raise errors.ExponentOutOfRange(f"Relux: output exponent {y.exponent} is not e(X) − shift = "
                                        f"{x.exponent - shift}")
    return [Tensor.of(luna.relux(x.data, threshold, shift, profile), y.dtype, y.exponent)]


def _rounded(c) -> np.ndarray:
    return rounding_shift(c.inputs[0].data, int(c.attrs.get("shift", 0)))


OP = OpDef(
    name="Relux",
    summary="min(max(rshift(x, shift), 0), threshold) into int8 (venusA)",
    spec_section="ops/relux.md",
    since="1.0.0",
    aliases={},
    # the executor has Relux on venusA only (executor/core/ops/relux.c includes venusA/relux.h alone);
    # luna.relux checks the primitive's forms against the profile
    signatures=tuple(Signature((t,), ("int8",), ("venusA",)) for t in ("int8", "int16", "int32")),
    coverpoints=(
        Coverpoint("positive tie", "the shift meets a positive exact half (rounds up)",
                   lambda c: has_tie(c.inputs[0].data, int(c.attrs.get("shift", 0)), negative=False)),
        Coverpoint("negative input", "a negative value becomes 0", lambda c: bool((_rounded(c) < 0).any())),
        Coverpoint("clamped", "a rounded value exceeds the threshold",
                   lambda c: bool((_rounded(c) > int(c.attrs["threshold"])).any())),
        Coverpoint("wide input", "an int16 or int32 input", lambda c: c.inputs[0].dtype.bits > 8),
    ),
    impl=relux,
)
