"""iqSigmoid: the LUNA sigmoid of a quantized tensor (spec/ops/iqsigmoid.md).

Source: rule 1 and rule 2 — the LUNA sigmoid (spec/nonlinear.md §1) as thinker 3.0.4 composes it
(``executor/core/ops/{venus,arcs,venusA}/iqsigmoid.h``): X moved to the function's Q format (venus int16 Q11,
``luna_scale_q15_int16`` rounding down-scales; arcs / venusA int32 Q27, ``luna_scale_i8i8o32`` then
``luna_scale_i32i32o32`` by ``2^(27 − e(X))``, saturating), then the primitive in the output's width.
Where thinker is defective (venus at ``e(X) < 11``, venusA's truncated factor, errata E-SIGMOID-1/2) and for
venus's output exponent, which thinker ignores: rule 3 — linger 3.0.9 ``quant/ops/qtensor/qsigmoid.py``
(left shifts exact; venus: the Q15 result quantized to ``e(Y)``).  The widening saturates (the spec's choice;
linger feeds venus's kernel unclamped Q11 values, which give 0 beyond ±16, spec/nonlinear.md §1.4).

    q   = 11 (venus) | 27 (arcs, venusA);   T_q = int16 | int32
    Xq  = sat_Tq(rescale(X, e(X) − q))            X·2^(q−e(X)) saturated, or rshift(X, e(X) − q)
    R   = raw_P(Xq)                               nonlinear.md §1: Q15 (venus), Q31 (arcs), Q58 (venusA)
    Y   = sat_T(rescale(R, q_raw − e(Y)))         arcs, venusA: e(Y) = bits(T) − 1, the primitive's own form

The same module builds iqTanh (``ops/iqtanh.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import compat, errors
from ..luna import activation
from ..numerics import rescale, saturate, wrap
from ..tensor import Tensor
from .common import has_tie, saturates
from .registry import Coverpoint, OpDef, Signature

#: venus: int8 / int16 in (the Q11 function takes int16; linger 3 exports int8), int8 / int16 out; arcs: int8 →
#: int8 (``sigmoid_i32o8``; no 16-bit forms); venusA: int8 → int8, int16, int32 (``_i32o8/16/32``).
SIGNATURES = tuple(Signature((ti,), (to,), ("venus",)) for ti in ("int8", "int16") for to in ("int8", "int16")) + (
    Signature(("int8",), ("int8",), ("venusA", "arcs")),
    Signature(("int8",), ("int16",), ("venusA",)),
    Signature(("int8",), ("int32",), ("venusA",)),
)


def input_type(profile) -> str:
    return "int16" if activation.input_q(profile) == 11 else "int32"


def widened_exact(x, profile) -> np.ndarray:
    """``rescale(X, e(X) − q)`` before saturation."""
    return rescale(x.data, x.exponent - activation.input_q(profile))


def widen(x, profile) -> np.ndarray:
    """``Xq = sat(rescale(X, e(X) − q))``: the input in the function's format (int16 Q11 / int32 Q27)."""
    return saturate(widened_exact(x, profile), input_type(profile)).astype(np.int64)


def check_output(name: str, y, profile) -> None:
    """arcs and venusA write the primitive's result as it is: Q7 / Q15 / Q31 (linger 3's fixed output scale)."""
    if activation.raw_q(profile) != 15 and y.exponent != y.dtype.bits - 1:
        raise errors.UnsupportedOnPlatform(
            f"{name}: on {profile.name} the output is the LUNA function's Q{y.dtype.bits - 1} result; e(Y) must be "
            f"{y.dtype.bits - 1} for {y.dtype} (got {y.exponent})")


def finish(raw: np.ndarray, y, profile) -> Tensor:
    """``Y = sat_T(rescale(R, q_raw − e(Y)))``."""
    data = saturate(rescale(raw, activation.raw_q(profile) - y.exponent), y.dtype)
    return Tensor.of(data, y.dtype, y.exponent)


def make_impl(kind: str, name: str) -> Callable:
    def impl(inputs, outputs, attrs, profile):
        (x,), (y,) = inputs, outputs
        check_output(name, y, profile)
        return [finish(activation.raw(kind, widen(x, profile), profile), y, profile)]
    impl.__name__ = name.lower()
    impl.__doc__ = f"Y = sat(rescale({kind}_P(sat(rescale(X, e(X) − q))), q_raw − e(Y)))."
    return impl


# ----------------------------------------------------------------------------------------------
# thinker 3.0.4 compatibility (spec/errata.md E-SIGMOID-1, E-SIGMOID-2, E-TANH-1)
# ----------------------------------------------------------------------------------------------

def venus_as_written(kind: str, x, y, profile) -> Tensor | None:
    """venus (E-SIGMOID-2): below ``e(X) = 11`` X is read unscaled as Q11 (sigmoid: no rescale; tanh: its
    ``luna_scale_q15_int16`` by the negative shift, passed unsigned, returns X unchanged — measured), and Y is the
    primitive's Q7 (int8) or Q15 (int16) result whatever e(Y).  None where thinker cannot hold the case (int8 X,
    tanh to int16: tpacker and the kernel take int16 in and write int8)."""
    if x.dtype.name != "int16" or (kind == "tanh" and y.dtype.name != "int8"):
        return None
    xq = x.data.astype(np.int64) if x.exponent < 11 else widen(x, profile)
    return Tensor.of(activation.activation(kind, xq, y.dtype.name, profile), y.dtype, y.exponent)


def venusa_sigmoid_factor(x, y, profile, bits: int) -> Tensor | None:
    """venusA iqSigmoid (E-SIGMOID-1): X widened by ``luna_scale_i16i16o32`` whose factor ``2^(27 − e(X))`` is an
    int16 — wrapped to ``bits`` bits (−32768 at e(X) = 12, 0 below: every output σ(0) = 64).  None where the
    executor's shift is undefined (e(X) > 27)."""
    if x.exponent > 27:
        return None
    factor = int(wrap(np.array([1 << (27 - x.exponent)]), bits)[0])
    xq = saturate(x.data.astype(np.int64) * factor, "int32").astype(np.int64)
    return Tensor.of(activation.activation("sigmoid", xq, y.dtype.name, profile), y.dtype, y.exponent)


def make_compat(kind: str, name: str) -> Callable:
    spec = make_impl(kind, name)

    def thinker_3_0_4(inputs, outputs, attrs, profile):
        """thinker 3.0.4's iqSigmoid / iqTanh; undefined cases compute the spec."""
        (x,), (y,) = inputs, outputs
        thinker = compat.thinker_3_0_4(profile)
        got = None
        if thinker.activation_venus_exponents:
            got = venus_as_written(kind, x, y, profile)
        elif kind == "sigmoid" and thinker.sigmoid_factor_bits is not None:
            check_output(name, y, profile)
            got = venusa_sigmoid_factor(x, y, profile, thinker.sigmoid_factor_bits)
        elif kind == "tanh" and thinker.tanh_reads_int32 and x.exponent < 27 and y.dtype.name != "int32":
            # E-TANH-1: every int32 word read is shifted right by ≥ 32 bits (0 or −1): tanh of it rounds to 0
            check_output(name, y, profile)
            got = Tensor.of(np.zeros(x.shape, dtype=y.dtype.storage), y.dtype, y.exponent)
        return [got] if got is not None else spec(inputs, outputs, attrs, profile)
    return thinker_3_0_4


# ----------------------------------------------------------------------------------------------
# coverpoints
# ----------------------------------------------------------------------------------------------

def coverpoints(kind: str) -> tuple[Coverpoint, ...]:
    def table(c):
        if activation.input_q(c.platform) == 11:
            return activation.VENUS_SIGMOID if kind == "sigmoid" else activation.VENUS_TANH
        return activation.Q27_SIGMOID if kind == "sigmoid" else activation.Q27_TANH

    def xq(c):
        return widen(c.inputs[0], c.platform)

    def shift(c) -> int:
        return activation.raw_q(c.platform) - c.outputs[0].exponent

    def raw(c):
        return activation.raw(kind, xq(c), c.platform)

    def tie(c, negative: bool) -> bool:
        return has_tie(raw(c), shift(c), negative)

    def beyond(c) -> bool:
        return saturates(raw(c), shift(c), c.outputs[0].dtype, high=True)

    def input_saturates(c) -> bool:
        v = np.asarray(widened_exact(c.inputs[0], c.platform), dtype=object)
        lim = 1 << (15 if activation.input_q(c.platform) == 11 else 31)
        return bool(((v >= lim) | (v < -lim)).any())

    points = (
        Coverpoint("input saturates", "X·2^(q−e(X)) leaves the function's input type (int16 Q11, int32 Q27)",
                   input_saturates),
        Coverpoint("input rounds", "e(X) > q (11 venus, 27 arcs/venusA): X is rounded to the function's Q",
                   lambda c: c.inputs[0].exponent > activation.input_q(c.platform)),
        Coverpoint("negative input", "an element below zero", lambda c: bool((np.asarray(c.inputs[0].data) < 0).any())),
        Coverpoint("last segment", "|Xq| beyond the last inner band edge (the flat tail)",
                   lambda c: bool((np.abs(xq(c)) > table(c).bands[15]).any())),
        Coverpoint("positive tie", "the raw value is a positive exact half at the output shift",
                   lambda c: tie(c, False)),
        Coverpoint("saturates high", "a rounded result exceeds the output maximum", beyond),
    )
    if kind == "tanh":
        points += (Coverpoint("negative tie", "the raw value is a negative exact half at the output shift",
                              lambda c: tie(c, True)),)
    return points


OP = OpDef(
    name="iqSigmoid",
    summary="sigmoid: X to Q11 (venus) or Q27 (arcs, venusA), the LUNA 16-segment sigmoid, to the output",
    spec_section="ops/iqsigmoid.md",
    since="1.0.0",
    aliases={"linger1": ("iqSigmoid",), "linger3": ("QSigmoid",)},
    signatures=SIGNATURES,
    coverpoints=coverpoints("sigmoid"),
    impl=make_impl("sigmoid", "iqSigmoid"),
    compat={"thinker-3.0.4": make_compat("sigmoid", "iqSigmoid")},
)
