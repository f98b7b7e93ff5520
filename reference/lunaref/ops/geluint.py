"""GeluInt: GELU through venusA's LUNA piecewise-linear function (spec/ops/geluint.md).

Source: rule 3 — linger 3.0.9 ``QGelu`` (``linger/quant/ops/qtensor/qgelu.py``, venusA only): the input moved to
Q27, the LUNA GELU (spec/nonlinear.md §4, measured on thinker 3.0.4's venusA simulator), the Q27 result
quantized by the learned output scale.  thinker 3.0.4's executor has no such operator: lunaref computes it
from ONNX and refuses to pack it (``UnsupportedOp``).  The widening saturates (the spec's choice; linger
3.0.9 converts to int32 before clamping, spec/ops/geluint.md §Arithmetic).

    X27 = sat32(rescale(X, e(X) − 27))             Q27: X·2^(27−e(X)) saturated, or rshift(X, e(X) − 27)
    Y27 = f(X27)                                   luna_gelu_i32o32 (nonlinear.md §4), Q27
    Y   = sat_T(rescale(Y27, 27 − e(Y)))

The same module builds SiluInt (``ops/siluint.py``) with the swish table.
"""

from __future__ import annotations

import numpy as np

from ..luna import piecewise
from ..numerics import rescale, saturate
from ..tensor import Tensor
from .common import has_tie, saturates
from .registry import Coverpoint, OpDef, Signature

Q = 27
_INTS = ("int8", "int16", "int32")
#: Every input width to every output width, venusA only (linger raises on other platforms; only venusA's
#: libluna has the functions).
SIGNATURES = tuple(Signature((ti,), (to,), ("venusA",)) for ti in _INTS for to in _INTS)


def to_q27_exact(x) -> np.ndarray:
    """``rescale(X, e(X) − 27)`` before saturation (Python ints where int64 overflows)."""
    return rescale(x.data, x.exponent - Q)


def to_q27(x) -> np.ndarray:
    """``sat32(rescale(X, e(X) − 27))``: the input in Q27."""
    return saturate(to_q27_exact(x), "int32")


def compute(table: piecewise.PiecewiseTable, x, y) -> Tensor:
    """``sat_T(rescale(f(X27), 27 − e(Y)))`` for the function ``table``."""
    y27 = piecewise.piecewise(to_q27(x), table, "int32").astype(np.int64)
    return Tensor.of(saturate(rescale(y27, Q - y.exponent), y.dtype), y.dtype, y.exponent)


def make_impl(table: piecewise.PiecewiseTable):
    def impl(inputs, outputs, attrs, profile):
        (x,), (y,) = inputs, outputs
        return [compute(table, x, y)]
    impl.__name__ = f"{table.name}_int"
    impl.__doc__ = f"Y = sat(rescale({table.name}(sat32(X · 2^(27 − e(X)))), 27 − e(Y)))."
    return impl


def coverpoints(table: piecewise.PiecewiseTable) -> tuple[Coverpoint, ...]:
    last = table.bands[15]

    def y27(c):
        return piecewise.piecewise(to_q27(c.inputs[0]), table, "int32").astype(np.int64)

    def shift(c) -> int:
        return Q - c.outputs[0].exponent

    def tie(c, negative: bool) -> bool:
        return has_tie(y27(c), shift(c), negative)

    def beyond(c) -> bool:
        return saturates(y27(c), shift(c), c.outputs[0].dtype, high=True)

    def exact(c):
        return np.asarray(to_q27_exact(c.inputs[0]), dtype=object)

    return (
        Coverpoint("input saturates", "X·2^(27−e(X)) leaves int32 (saturated)",
                   lambda c: bool(((exact(c) > (1 << 31) - 1) | (exact(c) < -(1 << 31))).any())),
        Coverpoint("input rounds", "e(X) > 27: the input is rounded to Q27", lambda c: c.inputs[0].exponent > Q),
        Coverpoint("negative input", "an element below zero (the negative-side slopes)",
                   lambda c: bool((np.asarray(c.inputs[0].data) < 0).any())),
        Coverpoint("last segment", f"|X27| above {last} (the last segment)",
                   lambda c: bool((np.abs(to_q27(c.inputs[0])) > last).any())),
        Coverpoint("positive tie", "a positive Q27 result is an exact half at the output shift",
                   lambda c: tie(c, False)),
        Coverpoint("negative tie", "a negative Q27 result is an exact half at the output shift",
                   lambda c: tie(c, True)),
        Coverpoint("saturates high", "a rescaled result exceeds the output maximum", beyond),
    )


OP = OpDef(
    name="GeluInt",
    summary="GELU (venusA): input to Q27 (saturating), the LUNA 16-segment GELU, Q27 to the output exponent",
    spec_section="ops/geluint.md",
    since="1.0.0",
    aliases={"linger3": ("QGelu",)},
    signatures=SIGNATURES,
    coverpoints=coverpoints(piecewise.GELU),
    impl=make_impl(piecewise.GELU),
)
