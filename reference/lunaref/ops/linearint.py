"""LinearInt: quantized fully connected layer, any number of rows (spec/ops/linearint.md).

Source: rule 1 (``split_mat_mul_bias`` measured on all three simulators), rule 2 for the
composition (``ops/linearint.c``), rule 3 for a negative shift (linger's exact left shift; thinker
does this only for int32 outputs). venusA's in-place transpose defect is errata E-LINEAR-1.

    acc = X · Wᵀ + B                (X [..., K] as rows, W [N, K], B [N])
    s   = e(X) + e(W) − e(Y)
    Y   = sat(rshift(acc, s))       s ≥ 0   (LUNA mat_mul)
    Y   = sat(acc · 2^−s)           s < 0

The same for every dtype signature: int4 weights are their unpacked values, venus int16 operands
accumulate exactly.
"""

from __future__ import annotations

import numpy as np

from .. import compat, errors, luna
from ..numerics import requantize, saturate
from ..tensor import Tensor
from ..platforms import PROFILES
from .common import accumulator_coverpoints, platforms_with
from .registry import Coverpoint, OpDef, Signature


def _rows(x: Tensor):
    if len(x.shape) < 1:
        raise errors.ShapeMismatch("LinearInt: X must have rank >= 1")
    return x.data.reshape(-1, x.shape[-1])


def check_shapes(x: Tensor, w: Tensor, b: Tensor | None) -> None:
    """REQUIRE: W is ``[N, K]`` with K X's last extent, B is ``[N]``."""
    if len(w.shape) != 2 or w.shape[1] != x.shape[-1]:
        raise errors.ShapeMismatch(f"LinearInt: weight {list(w.shape)} does not fit input {list(x.shape)} "
                                   f"(expected [N, {x.shape[-1] if x.shape else '?'}])")
    if b is not None and tuple(b.shape) != (w.shape[0],):
        raise errors.ShapeMismatch(f"LinearInt: bias shape {list(b.shape)} is not [{w.shape[0]}]")


def accumulate(x: Tensor, w: Tensor, b: Tensor | None):
    check_shapes(x, w, b)
    return luna.mat_mul_acc(_rows(x), w.data.T, None if b is None else b.data)


def linearint(inputs, outputs, attrs, profile):
    """Y = sat(rshift(X · Wᵀ + B, e(X) + e(W) − e(Y))) — see the module docstring."""
    x, w, *rest = inputs
    b = rest[0] if rest else None
    (y,) = outputs
    check_shapes(x, w, b)
    shift = x.exponent + w.exponent - y.exponent
    bias = None if b is None else b.data
    if shift >= 0:
        data = luna.mat_mul(_rows(x), w.data.T, shift, y.dtype.name, profile, bias=bias)
    else:
        data = requantize(luna.mat_mul_acc(_rows(x), w.data.T, bias), x.exponent + w.exponent, y.exponent, y.dtype)
    return [Tensor.of(data.reshape(*x.shape[:-1], w.shape[0]), y.dtype, y.exponent)]


# ----------------------------------------------------------------------------------------------
# thinker 3.0.4 compatibility (spec/errata.md E-LINEAR-1)
# ----------------------------------------------------------------------------------------------

def in_place_transpose(buf, rows: int, cols: int):
    """What LUNA's ``split_mat_trans`` leaves when source and destination are one buffer holding a
    ``[rows, cols]`` matrix (measured on the venusA simulator): the source is walked in row-major order and
    each element is stored at its transposed position ``c·rows + r`` at once, so later reads see the
    values already stored there.  Returns a new flat array."""
    src = list(range(rows * cols))           # which original element each position now holds
    for r in range(rows):
        for c in range(cols):
            src[c * rows + r] = src[r * cols + c]
    return buf.reshape(-1)[src]


def _thinker_int16_bias(inputs, y, profile) -> Tensor:
    """E-LINEAR-3 (venus): ``mat_mul_q15_int32`` with shift 0 saturates ``Σ X·W`` to int32, then
    ``add_q31`` adds the bias exactly and rounds: ``sat(rshift(sat32(Σ) + B, s))``; a negative shift
    computes the spec (thinker refuses it, E-SHIFT-1)."""
    x, w, b = inputs
    shift = x.exponent + w.exponent - y.exponent
    acc = saturate(luna.mat_mul_acc(_rows(x), w.data.T), "int32").astype(np.int64) + b.data.astype(np.int64)
    data = requantize(acc, x.exponent + w.exponent, y.exponent, y.dtype) if shift >= 0 else \
        linearint(inputs, [y], {}, profile)[0].data.reshape(acc.shape)
    return Tensor.of(data.reshape(*x.shape[:-1], w.shape[0]), y.dtype, y.exponent)


def _thinker_int4_widened(inputs, y, profile) -> Tensor:
    """E-LINEAR-2 (venusA, output in share memory): X ``[M, K]`` is widened to int32 and transposed in place
    to ``[K, M]``; ``split_mat_mul_bias_i4i8i32o8`` reads the first ``K2·M`` bytes of that buffer (``K2`` = K
    rounded up to even) as the int8 matrix ``[K2, M]``; the ``[N, M]`` result is transposed in place into Y
    (E-LINEAR-1).  Measured on the venusA simulator (40 random cases, exact)."""
    x, w, *rest = inputs
    rows = _rows(x)
    m, k = rows.shape
    n = w.shape[0]
    k2 = k + (k & 1)
    widened = in_place_transpose(np.ascontiguousarray(rows, dtype="<i4"), m, k)
    read = np.ascontiguousarray(widened, dtype="<i4").view(np.int8)[:k2 * m].reshape(k2, m)
    wp = np.zeros((n, k2), dtype=np.int64)
    wp[:, :k] = w.data
    if x.exponent + w.exponent < y.exponent:   # thinker returns without writing (E-SHIFT-1): the spec
        return linearint(inputs, [y], {}, profile)[0]
    acc = luna.mat_mul_acc(wp, read)                                     # [N, M]
    if rest:
        acc = acc + rest[0].data.astype(np.int64)[:, None]
    product = requantize(acc, x.exponent + w.exponent, y.exponent, y.dtype)
    data = in_place_transpose(np.ascontiguousarray(product), n, m)
    return Tensor.of(data.reshape(*x.shape[:-1], n), y.dtype, y.exponent)


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """thinker 3.0.4's LinearInt: on venusA (output in share memory, as for every op vector) the ``[N, M]``
    product is transposed into the output in place (E-LINEAR-1), which scrambles every ``M > 1`` result of
    the int8 and int32 forms.  Inputs of rank 4 or more compute the spec.  arcs and venusA refuse an
    int8 output with a negative shift, venusA an int16 output (E-LINEAR-4)."""
    quirks = compat.thinker_3_0_4(profile)
    y_spec, shift = outputs[0], inputs[0].exponent + inputs[1].exponent - outputs[0].exponent
    if quirks.linear_refuses_int8_left_scale and y_spec.dtype.name == "int8" and shift < 0:   # E-LINEAR-4
        raise errors.ShiftOutOfRange(f"LinearInt: thinker 3.0.4 refuses an int8 output with shift {shift} "
                                     "(E-LINEAR-4)")
    if quirks.linear_refuses_int16_output and y_spec.dtype.name == "int16":                 # E-LINEAR-4
        raise errors.DTypeMismatch("LinearInt: thinker 3.0.4 refuses an int16 output here (E-LINEAR-4)")
    if inputs[1].dtype.name == "int4" and quirks.linear_int4_reads_widened_input:
        return [_thinker_int4_widened(inputs, outputs[0], profile)]                    # E-LINEAR-2
    if len(inputs) > 2 and inputs[0].dtype.name == "int16" and quirks.linear_int16_bias_saturates:
        return [_thinker_int16_bias(inputs, outputs[0], profile)]             # E-LINEAR-3
    (y,) = linearint(inputs, outputs, attrs, profile)
    x = inputs[0]
    if not compat.thinker_3_0_4(profile).linear_transposes_in_place or len(x.shape) > 3 \
            or y.dtype.name not in ("int8", "int32"):
        return [y]
    m, n = (int(np.prod(x.shape[:-1])), y.shape[-1]) if len(x.shape) > 1 else (1, y.shape[-1])
    product = y.data.reshape(m, n).T          # the [N, M] matrix split_mat_mul_bias leaves
    data = in_place_transpose(np.ascontiguousarray(product), n, m)
    return [Tensor.of(data.reshape(y.shape), y.dtype, y.exponent)]


def _beyond_int32(c) -> bool:
    acc = accumulate(c.inputs[0], c.inputs[1], None)
    return bool(((acc > 2**31 - 1) | (acc < -2**31)).any())


def _acc(c):
    return accumulate(c.inputs[0], c.inputs[1], c.inputs[2] if len(c.inputs) > 2 else None)


SIGNATURES = tuple(
    Signature(ins, (out,), tuple(p for p in platforms_with("matmul_types", ("int8", out))))
    for out in ("int8", "int16", "int32")
    for ins in (("int8", "int8"), ("int8", "int8", "int32"))
) + tuple(   # int4 weights (i4i8i32o8 on arcs and venusA; venus runs them as int8) and venus's int16 x int16
    Signature(ins, (out,), platforms_with("linear_int4_out", out))
    for out in ("int8", "int16", "int32")
    for ins in (("int8", "int4"), ("int8", "int4", "int32"))
) + tuple(
    Signature(ins, (out,), tuple(p.name for p in PROFILES.values() if p.int16_mac))
    for out in ("int8", "int16", "int32")
    for ins in (("int16", "int16"), ("int16", "int16", "int32"))
)

OP = OpDef(
    name="LinearInt",
    summary="fully connected layer X·Wᵀ + B with a rounding shift, int8/int16/int32 output",
    spec_section="ops/linearint.md",
    since="1.0.0",
    aliases={"linger1": ("LinearInt",), "linger3": ("QLinear",)},
    signatures=SIGNATURES,
    coverpoints=(
        *accumulator_coverpoints(_acc),
        Coverpoint("several rows", "more than one input row (M > 1)",
                   lambda c: _acc(c).shape[0] > 1),
        Coverpoint("int32 output", "the output is int32", lambda c: c.outputs[0].dtype.name == "int32"),
        Coverpoint("bias", "an int32 bias is added before the shift", lambda c: len(c.inputs) > 2),
        Coverpoint("int4 weights", "the weights are int4 (packed two per byte in an arcs or venusA resource)",
                   lambda c: c.inputs[1].dtype.name == "int4"),
        Coverpoint("int16 input", "int16 activations and weights (venus mat_mul_q15)",
                   lambda c: c.inputs[0].dtype.name == "int16"),
        Coverpoint("int16 accumulator beyond int32", "an int16 accumulator (before the bias) outside the "
                   "int32 range", lambda c: c.inputs[0].dtype.name == "int16" and _beyond_int32(c)),
    ),
    impl=linearint,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
