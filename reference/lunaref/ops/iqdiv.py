"""iqDiv: divide a quantized tensor by a scalar or by a tensor (spec/ops/iqdiv.md).

Source, tensor divisor: rule 1 and rule 2 — the LUNA divide (spec/luna.md §5) element by element with
the shift ``s = e(Y) − e(X1) + e(X2)``, as thinker 3.0.4 composes it on venus (``div_q31_int32`` with the
three exponents) and arcs (``div_i32i32o32`` with that shift); int32 only, like the primitive.
Source, scalar divisor: rule 3 — linger 1.x ``iqDiv`` / ``iqDivScalar`` (float quotient, then
``floor(v · 2^e(Y) + 0.5)``, saturated), stated exactly in integers; thinker's composition (a shift by
``⌊log2 q⌋``) is unsound (errata E-IQDIV-1).
Capabilities, scalar divisor: the widths of the platform's ``luna_scale`` (``vector_types``) — int16 on
venus (thinker dispatches ``scale_q15_int16``) and venusA (whose executor dispatches int16 to an int32 form,
E-IQDIV-1), none on arcs.

    s = e(Y) − e(X1) + e(X2)
    scalar q:  Y = sat( divide_round(X1 · 2^s, q) )          (X1 / (q · 2^−s) when s < 0)
    tensor:    Y = div_P(X1, X2, s)                           LUNA's reciprocal divide, saturated to int32
"""

from __future__ import annotations

import math

import numpy as np

from .. import compat, errors, luna
from ..numerics import as_int, divide_round, rescale, saturate, scale_pow2
from ..tensor import Tensor
from .common import platforms_with
from .registry import Coverpoint, OpDef, Signature


def _shift(x1, x2, y) -> int:
    return y.exponent - x1.exponent + x2.exponent


def _fraction(x1, x2, y):
    """Numerator and denominator of the exact quotient ``X1 · 2^s / X2`` (denominator sign kept)."""
    s = _shift(x1, x2, y)
    n = scale_pow2(x1.data, max(s, 0))
    d = scale_pow2(np.broadcast_to(as_int(x2.data), x1.shape), max(-s, 0))
    return n, d


def _form(x1, x2) -> str:
    if len(x2.shape) == 0:
        return "scalar"
    if tuple(x2.shape) == tuple(x1.shape):
        return "tensor"
    raise errors.ShapeMismatch(f"iqDiv: the divisor must be a scalar or have X1's shape "
                               f"({list(x2.shape)} vs {list(x1.shape)})")


def _tensor_divide(a, b, s: int, profile) -> np.ndarray:
    """``div_P(a, b, s)`` element by element: one LUNA divide per distinct divisor value."""
    a, b = as_int(a), as_int(b)
    out = np.zeros(a.shape, dtype=np.int32)
    for q in np.unique(b):               # a loop over distinct divisors, vectorised over their dividends
        sel = b == q
        out[sel] = luna.divide(a[sel], int(q), s, profile)
    return out


def iqdiv(inputs, outputs, attrs, profile):
    """Scalar divisor: Y = sat(⌊X1 · 2^s / q + ½⌋); tensor divisor: Y = div_P(X1, X2, s)."""
    x1, x2 = inputs
    (y,) = outputs
    form = _form(x1, x2)
    s = _shift(x1, x2, y)
    if form == "tensor":
        if x1.dtype.name != "int32":
            raise errors.UnsupportedOnPlatform(f"iqDiv: a tensor divisor needs int32 operands (the LUNA divide "
                                               f"is int32 only; got {x1.dtype})")
        if s < 0:
            raise errors.ShiftOutOfRange(f"iqDiv: e(Y) − e(X1) + e(X2) = {s} is negative (the LUNA divide "
                                         "shifts left only)")
        data = _tensor_divide(x1.data, x2.data, s, profile)
    else:
        if int(x2.data) == 0:
            raise errors.ValueOutOfRange("iqDiv: the scalar divisor is 0")
        n, d = _fraction(x1, x2, y)
        data = saturate(divide_round(n, d), y.dtype)
    return [Tensor.of(data, y.dtype, y.exponent)]


# ----------------------------------------------------------------------------------------------
# thinker 3.0.4 compatibility (spec/errata.md E-IQDIV-1, E-IQDIV-2)
# ----------------------------------------------------------------------------------------------

def _thinker_log2(q: int, how: str) -> int | None:
    """The shift thinker takes for the scalar ``q``: the exponent field of ``(float)q`` ("exponent",
    sign ignored; None for 0) or ``(int32_t)log2f(q)`` ("log2f"; undefined for ``q <= 0``: None)."""
    f = np.float32(q)
    if how == "exponent":
        return None if q == 0 else int(np.frexp(f)[1]) - 1
    if q <= 0:
        return None
    return int(math.trunc(float(np.log2(f))))


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """thinker 3.0.4's iqDiv: a scalar divides by ``2^⌊log2 q⌋`` (E-IQDIV-1); venusA's tensor divide
    ignores the exponents (E-IQDIV-2).  Undefined or non-deterministic cases compute the spec."""
    x1, x2 = inputs
    (y,) = outputs
    thinker = compat.thinker_3_0_4(profile)
    form = _form(x1, x2)
    s = _shift(x1, x2, y)
    if form == "tensor":
        if thinker.iqdiv_tensor_ignores_exponents and x1.dtype.name == "int32" and s > 0:
            return [Tensor.of(_tensor_divide(x1.data, x2.data, 0, profile), y.dtype, y.exponent)]
        return iqdiv(inputs, outputs, attrs, profile)
    r = _thinker_log2(int(x2.data), thinker.iqdiv_log2)
    if r is None or (thinker.iqdiv_scalar_int8_only and (x1.dtype.name, y.dtype.name) != ("int8", "int8")):
        return iqdiv(inputs, outputs, attrs, profile)
    lshift = s - r
    if lshift == 0 or (lshift > 0 and (1 << lshift) > x1.dtype.max):
        return iqdiv(inputs, outputs, attrs, profile)     # writes nothing / the factor wraps: no model
    data = saturate(rescale(x1.data, -lshift), y.dtype)
    return [Tensor.of(data, y.dtype, y.exponent)]


# ----------------------------------------------------------------------------------------------
# coverpoints
# ----------------------------------------------------------------------------------------------

def _exact_tie(c, negative: bool) -> bool:
    n, d = _fraction(c.inputs[0], c.inputs[1], c.outputs[0])
    n, d = np.where(d < 0, -n, n), np.where(d < 0, -d, d)
    tie = (2 * (n % d) == d) & (d != 0)
    return bool(np.any(tie & ((n < 0) if negative else (n > 0))))


def _exact_beyond(c, high: bool) -> bool:
    n, d = _fraction(c.inputs[0], c.inputs[1], c.outputs[0])
    if bool((as_int(d) == 0).any()):
        return False
    q = divide_round(n, d)
    t = c.outputs[0].dtype
    return bool(np.any(q > t.max)) if high else bool(np.any(q < t.min))


def _not_pow2(c) -> bool:
    v = np.abs(as_int(c.inputs[1].data)).reshape(-1)
    return bool(np.any((v & (v - 1)) != 0))


OP = OpDef(
    name="iqDiv",
    summary="quotient by a scalar (exact rounding) or by a tensor (LUNA divide), at the output exponent",
    spec_section="ops/iqdiv.md",
    since="1.0.0",
    aliases={"linger1": ("iqDiv",)},
    signatures=(Signature(("int8", "int8"), ("int8",)),
                Signature(("int16", "int16"), ("int16",), platforms_with("vector_types", ("int16", "int16"))),
                Signature(("int32", "int32"), ("int32",))),
    coverpoints=(
        Coverpoint("scalar divisor", "X2 is a scalar (rank 0)", lambda c: len(c.inputs[1].shape) == 0),
        Coverpoint("tensor divisor", "X2 has X1's shape (LUNA divide)", lambda c: len(c.inputs[1].shape) > 0),
        Coverpoint("positive tie", "an exact quotient is a positive exact half", lambda c: _exact_tie(c, False)),
        Coverpoint("negative tie", "an exact quotient is a negative exact half", lambda c: _exact_tie(c, True)),
        Coverpoint("saturates high", "an exact quotient exceeds the output maximum",
                   lambda c: _exact_beyond(c, high=True)),
        Coverpoint("saturates low", "an exact quotient is below the output minimum",
                   lambda c: _exact_beyond(c, high=False)),
        Coverpoint("negative divisor", "a scalar divisor below zero",
                   lambda c: len(c.inputs[1].shape) == 0 and int(c.inputs[1].data) < 0),
        Coverpoint("not a power of two", "a divisor whose magnitude is not a power of two", _not_pow2),
    ),
    impl=iqdiv,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
