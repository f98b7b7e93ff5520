"""SoftmaxInt: softmax along one axis, through the LUNA softmax primitive (spec/ops/softmaxint.md).

Source: rule 2 — thinker 3.0.4's executor (``executor/core/ops/{venus,arcs,venusA}/softmaxint.h``): the input
is scaled to Q25 by ``2^(25−e(X))`` (``luna_scale``, saturating), each row goes through the LUNA softmax
(spec/nonlinear.md §2; Q25 → Q15), the Q15 result is moved to ``e(Y)`` with the rounding shift
``15 − e(Y)`` and saturated.  Where thinker is defective the spec takes linger (rule 3): the rows lie along
the named axis (linger ``qsoftmax.py`` moves it last; thinker's flattening of the trailing axes is
E-SOFTMAX-1), an exponent above 25 rounds down to Q25 (linger: ``floor(x·2^25 + 0.5)``), and an output
exponent above 15 scales up exactly.

    X25 = sat32(rescale(X, e(X) − 25))                 Q25 (left scale or rounding shift)
    Y15 = softmax_P(rows of X25 along axis)            spec/nonlinear.md §2
    Y   = sat_T(rescale(Y15, 15 − e(Y)))
"""

from __future__ import annotations

import numpy as np

from .. import compat, errors
from ..luna import softmax as luna_softmax
from ..numerics import rescale, saturate
from ..tensor import Tensor
from .registry import Coverpoint, OpDef, Signature

Q_IN, Q_OUT = 25, 15


def axis_of(x, attrs) -> int:
    """The softmax axis, made non-negative; ``axis`` (linger 3.x, arcs/venusA) or ``dim`` (linger 1.x, venus)."""
    rank = len(x.shape)
    axis = int(attrs.get("axis", attrs.get("dim", -1)))
    if rank == 0 or not -rank <= axis < rank:
        raise errors.UnsupportedAttribute(f"SoftmaxInt: axis {axis} outside [−{rank}, {rank}) for rank {rank}")
    return axis % rank


def to_q25(x) -> np.ndarray:
    """``sat32(rescale(X, e(X) − 25))``: the input in Q25."""
    return saturate(rescale(x.data, x.exponent - Q_IN), "int32")


def _check_row(n: int) -> None:
    if n > luna_softmax.MAX_ROW:
        raise errors.UnsupportedOnPlatform(f"SoftmaxInt: {n} elements along the axis (thinker's limit is "
                                           f"{luna_softmax.MAX_ROW})")
    if n == 0:
        raise errors.ShapeMismatch("SoftmaxInt: the softmax axis is empty")


def softmax_q15(x, axis: int, profile) -> np.ndarray:
    """Y15: the LUNA softmax of each row of X25 along ``axis`` (int64, X's shape)."""
    x25 = np.moveaxis(to_q25(x), axis, -1)
    _check_row(x25.shape[-1])
    return np.moveaxis(luna_softmax.softmax(x25, profile).astype(np.int64), -1, axis)


def softmaxint(inputs, outputs, attrs, profile):
    """Y = sat(rshift(softmax(X·2^(25−e(X))), 15 − e(Y))) along ``axis``."""
    (x,) = inputs
    (y,) = outputs
    y15 = softmax_q15(x, axis_of(x, attrs), profile)
    return [Tensor.of(saturate(rescale(y15, Q_OUT - y.exponent), y.dtype), y.dtype, y.exponent)]


# ----------------------------------------------------------------------------------------------
# thinker 3.0.4 compatibility (spec/errata.md E-SOFTMAX-1, E-SOFTMAX-3)
# ----------------------------------------------------------------------------------------------

def thinker_block(x, attrs, profile) -> int | None:
    """The first axis of the trailing block thinker 3.0.4 treats as one row (None: undefined — venus reads
    ``dims_[axis]`` for a negative axis other than −1)."""
    rank = len(x.shape)
    raw = int(attrs.get("axis", attrs.get("dim", -1)))
    how = compat.thinker_3_0_4(profile).softmax_axis
    if how == "minus_one_only":                      # venus: axis == −1 ? rank − 1 : axis
        return rank - 1 if raw == -1 else (raw if raw >= 0 else None)
    if how == "negative_only":                       # arcs: axis = 1 unless negative
        return rank + raw if raw < 0 else min(1, rank - 1)
    return raw % rank                                 # venusA: normalised


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """thinker 3.0.4's SoftmaxInt: the softmax runs over the flattened trailing block from its (possibly
    misread) axis on (E-SOFTMAX-1); arcs writes an int32 output in Q15 whatever e(Y) (E-SOFTMAX-3)."""
    (x,) = inputs
    (y,) = outputs
    axis_of(x, attrs)
    start = thinker_block(x, attrs, profile)
    if start is None:
        return softmaxint(inputs, outputs, attrs, profile)
    lead = int(np.prod(x.shape[:start], dtype=np.int64))
    rows = to_q25(x).reshape(lead, -1)
    _check_row(rows.shape[-1])
    y15 = luna_softmax.softmax(rows, profile).astype(np.int64).reshape(x.shape)
    if y.dtype.name == "int32" and compat.thinker_3_0_4(profile).softmax_int32_output_raw:
        return [Tensor.of(y15, y.dtype, y.exponent)]
    return [Tensor.of(saturate(rescale(y15, Q_OUT - y.exponent), y.dtype), y.dtype, y.exponent)]


# ----------------------------------------------------------------------------------------------
# coverpoints
# ----------------------------------------------------------------------------------------------

def _q25_exact(c):
    x = c.inputs[0]
    return rescale(x.data, x.exponent - Q_IN)


def _y15(c):
    return softmax_q15(c.inputs[0], axis_of(c.inputs[0], c.attrs), c.platform)


def _out_shift(c) -> int:
    return Q_OUT - c.outputs[0].exponent


def _tie(c) -> bool:
    s = _out_shift(c)
    if s <= 0:
        return False
    v = _y15(c)
    return bool(((v % (1 << s)) == (1 << (s - 1))).any())


def _beyond(c) -> bool:
    return bool((rescale(_y15(c), _out_shift(c)) > c.outputs[0].dtype.max).any())


OP = OpDef(
    name="SoftmaxInt",
    summary="softmax along an axis: input to Q25 (saturating), the LUNA softmax, Q15 to the output exponent",
    spec_section="ops/softmaxint.md",
    since="1.0.0",
    aliases={"linger1": ("SoftmaxInt",), "linger3": ("QSoftmax",)},
    signatures=(
        Signature(("int8",), ("int8",)),
        Signature(("int8",), ("int32",), ("venusA", "arcs")),
        Signature(("int8",), ("int16",), ("venusA",)),
        Signature(("int16",), ("int8",), ("venusA",)),
        Signature(("int16",), ("int16",), ("venusA",)),
        Signature(("int16",), ("int32",), ("venusA",)),
        Signature(("int32",), ("int8",), ("venusA",)),
        Signature(("int32",), ("int16",), ("venusA",)),
        Signature(("int32",), ("int32",), ("venusA",)),
    ),
    coverpoints=(
        Coverpoint("last axis", "the softmax runs along the last axis",
                   lambda c: axis_of(c.inputs[0], c.attrs) == len(c.inputs[0].shape) - 1),
        Coverpoint("other axis", "the softmax runs along an axis before the last one, with more than one "
                   "element after it", lambda c: int(np.prod(c.inputs[0].shape[axis_of(c.inputs[0], c.attrs) + 1:],
                                                             dtype=np.int64)) > 1),
        Coverpoint("input saturates", "X·2^(25−e(X)) leaves int32 (saturated)",
                   lambda c: bool((np.abs(_q25_exact(c)) > (1 << 31) - 1).any())),
        Coverpoint("input rounds", "e(X) > 25: the input is rounded down to Q25", lambda c: c.inputs[0].exponent > Q_IN),
        Coverpoint("positive tie", "a Q15 result is an exact half at the output shift", _tie),
        Coverpoint("saturates high", "a rescaled result exceeds the output maximum (e.g. 1.0 in int8)", _beyond),
        Coverpoint("single element", "the axis has one element (result 1.0)",
                   lambda c: c.inputs[0].shape[axis_of(c.inputs[0], c.attrs)] == 1),
    ),
    impl=softmaxint,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
