"""GluInt: the gated linear unit ``A · σ(B)`` of a quantized tensor (spec/ops/gluint.md).

Source: rule 1 and rule 2 — the LUNA sigmoid (spec/nonlinear.md §1, measured) as thinker 3.0.4's venusA kernel
composes it (``executor/core/ops/venusA/gluint.h``: ``luna_scale_i32i32o32`` by ``2^(27 − e(X))``,
``luna_sigmoid_i32o32``, ``luna_scale_i32i32o32`` with shift 16 to Q15, ``luna_mul_i32i32o8`` with shift
``15 + e(X) − e(Y)``).  arcs: the same composition of arcs's own primitives — thinker's arcs kernel never
multiplies (errata E-GLU-1).  venus: rule 3 — linger 3.0.9 ``quant/ops/qmodule/qglu.py`` (the venus sigmoid's
Q15 result is the gate); thinker 3.0.4 builds no venus kernel (E-GLU-2).  The widening saturates, as iqSigmoid's.

    A, B = the two halves of X along ``axis``
    q    = 11 (venus) | 27 (arcs, venusA)                     the sigmoid's input format
    Bq   = sat_Tq(rescale(B, e(X) − q))                        as iqSigmoid (ops/iqsigmoid.py)
    G    = rshift(σ_P(Bq), q_σ − 15)                           the gate in Q15: the widest sigmoid result
                                                               (venus int16 Q15, arcs/venusA int32 Q31) rounded
    Y    = sat8(rescale(A · G, 15 + e(X) − e(Y)))              luna_mul_i32i32o8 (an exact left shift if < 0)
"""

from __future__ import annotations

import numpy as np

from .. import compat, errors
from ..luna import activation
from ..numerics import dtype, rescale, rounding_shift, saturate
from ..tensor import Tensor
from . import iqsigmoid
from .common import has_tie, saturates
from .registry import Coverpoint, OpDef, Signature

GATE_Q = 15

#: int8 → int8 on every platform: thinker's kernels read int8 X and write int8 (``luna_mul_i32i32o8``).
SIGNATURES = (Signature(("int8",), ("int8",), ("venus", "venusA", "arcs")),)


def axis_of(x, attrs) -> int:
    """The split axis, made non-negative (ONNX ``dim`` of both dialects, recorded as ``axis``)."""
    rank = len(x.shape)
    axis = int(attrs.get("axis", -1))
    if rank == 0 or not -rank <= axis < rank:
        raise errors.UnsupportedAttribute(f"GluInt: axis {axis} outside [−{rank}, {rank}) for rank {rank}")
    return axis % rank


def halves(x, axis: int) -> tuple[Tensor, Tensor]:
    """``A, B``: the first and second half of X along ``axis`` (torch.chunk(X, 2, axis)), at e(X)."""
    n = x.shape[axis]
    if n % 2:
        raise errors.ShapeMismatch(f"GluInt: X has {n} elements along axis {axis}; GLU splits it into two equal "
                                   "halves, so it must be even")
    a, b = np.split(np.asarray(x.data), 2, axis=axis)
    return Tensor.of(a, x.dtype, x.exponent), Tensor.of(b, x.dtype, x.exponent)


def gate_q15(b, profile) -> np.ndarray:
    """``G = rshift(σ_P(sat_Tq(rescale(B, e(X) − q))), q_σ − 15)``: σ(B) in Q15 (int64)."""
    widest = max(activation.output_types(profile), key=lambda t: dtype(t).bits)
    sigma = activation.activation("sigmoid", iqsigmoid.widen(b, profile), widest, profile)
    return rounding_shift(sigma.astype(np.int64), dtype(widest).bits - 1 - GATE_Q)


def output_shift(x, y) -> int:
    """``15 + e(X) − e(Y)``: ``A · G`` is at exponent ``e(X) + 15``."""
    return GATE_Q + x.exponent - y.exponent


def gluint(inputs, outputs, attrs, profile):
    """Y = sat8(rescale(A · rshift(σ(B in Q_q), q_σ − 15), 15 + e(X) − e(Y)))."""
    (x,), (y,) = inputs, outputs
    a, b = halves(x, axis_of(x, attrs))
    product = a.data.astype(np.int64) * gate_q15(b, profile)
    return [Tensor.of(saturate(rescale(product, output_shift(x, y)), y.dtype), y.dtype, y.exponent)]


# ----------------------------------------------------------------------------------------------
# thinker 3.0.4 compatibility (spec/errata.md E-GLU-1)
# ----------------------------------------------------------------------------------------------

def arcs_as_written(x, y, axis: int) -> Tensor:
    """arcs (E-GLU-1): the kernel widens the transposed A to int32 at the very bytes it later transposes back
    as the int8 result, and never multiplies — Y holds the little-endian bytes of those int32 words
    (``[a0, s0, s0, s0, a1, …]``, ``s = −1`` for a negative ``a``, else 0), laid out as the ``[N/2, M]``
    transposed result."""
    m, n = int(np.prod(x.shape[:axis], dtype=np.int64)), x.shape[axis]
    a_t = np.asarray(x.data, dtype=np.int64).reshape(m, n).T[: n // 2]          # [N/2, M], row-major
    raw = np.ascontiguousarray(a_t.astype("<i4")).view(np.int8).reshape(-1)[: m * (n // 2)]
    out_shape = x.shape[:axis] + (n // 2,)
    return Tensor.of(raw.reshape(n // 2, m).T.reshape(out_shape), y.dtype, y.exponent)


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """thinker 3.0.4's GluInt; cases it leaves undefined (a split axis other than the last, E-GLU-3) and venus,
    where it has no kernel (E-GLU-2), compute the spec."""
    (x,), (y,) = inputs, outputs
    axis = axis_of(x, attrs)
    if compat.thinker_3_0_4(profile).glu_never_multiplies and axis == len(x.shape) - 1:
        halves(x, axis)    # the REQUIREs (an even split) hold here too
        return [arcs_as_written(x, y, axis)]
    return gluint(inputs, outputs, attrs, profile)


# ----------------------------------------------------------------------------------------------
# coverpoints
# ----------------------------------------------------------------------------------------------

def _parts(c):
    x, y = c.inputs[0], c.outputs[0]
    a, b = halves(x, axis_of(x, c.attrs))
    return x, y, a, b


def _product(c) -> np.ndarray:
    _, _, a, b = _parts(c)
    return a.data.astype(np.int64) * gate_q15(b, c.platform)


def _tie(c, negative: bool) -> bool:
    x, y, _, _ = _parts(c)
    return has_tie(_product(c), output_shift(x, y), negative)


def _saturates(c, high: bool) -> bool:
    x, y, _, _ = _parts(c)
    return saturates(_product(c), output_shift(x, y), y.dtype, high)


def _gate_saturates(c) -> bool:
    _, _, _, b = _parts(c)
    v = np.asarray(iqsigmoid.widened_exact(b, c.platform), dtype=object)
    lim = 1 << (dtype(iqsigmoid.input_type(c.platform)).bits - 1)
    return bool(((v >= lim) | (v < -lim)).any())


COVERPOINTS = (
    Coverpoint("gate input saturates", "B·2^(q−e(X)) leaves the sigmoid's input type (int16 Q11, int32 Q27)",
               _gate_saturates),
    Coverpoint("gate input rounds", "e(X) > q (11 venus, 27 arcs/venusA): B is rounded to the sigmoid's Q",
               lambda c: c.inputs[0].exponent > activation.input_q(c.platform)),
    Coverpoint("negative gate input", "an element of B below zero",
               lambda c: bool((np.asarray(_parts(c)[3].data) < 0).any())),
    Coverpoint("negative value", "an element of A below zero",
               lambda c: bool((np.asarray(_parts(c)[2].data) < 0).any())),
    Coverpoint("positive tie", "a positive A·G is an exact half at the output shift", lambda c: _tie(c, False)),
    Coverpoint("negative tie", "a negative A·G is an exact half at the output shift", lambda c: _tie(c, True)),
    Coverpoint("saturates high", "a rescaled A·G exceeds 127", lambda c: _saturates(c, True)),
    Coverpoint("saturates low", "a rescaled A·G is below −128", lambda c: _saturates(c, False)),
    Coverpoint("inner axis", "the split axis is not the last", lambda c: axis_of(c.inputs[0], c.attrs)
               != len(c.inputs[0].shape) - 1),
)


OP = OpDef(
    name="GluInt",
    summary="GLU: X split in halves A | B along an axis, A times the LUNA sigmoid of B in Q15, to int8",
    spec_section="ops/gluint.md",
    since="1.0.0",
    aliases={"linger1": ("GluInt",), "linger3": ("QGLU",)},
    signatures=SIGNATURES,
    coverpoints=COVERPOINTS,
    impl=gluint,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
