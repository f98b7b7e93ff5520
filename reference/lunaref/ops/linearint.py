"""LinearInt: quantized fully connected layer, any number of rows (spec/ops/linearint.md).

Source: rule 1 (``split_mat_mul_bias`` measured on all three simulators), rule 2 for the
composition (``ops/linearint.c``), rule 3 for a negative shift (linger's exact left shift; thinker
does this only for int32 outputs). venusA's in-place transpose defect is errata E-LINEAR-1.

    acc = X · Wᵀ + B                (X [..., K] as rows, W [N, K], B [N])
    s   = e(X) + e(W) − e(Y)
    Y   = sat(rshift(acc, s))       s ≥ 0   (LUNA mat_mul)
    Y   = sat(acc · 2^−s)           s < 0
"""

from __future__ import annotations

from .. import errors, luna
from ..numerics import requantize
from ..tensor import Tensor
from .common import accumulator_coverpoints, platforms_with
from .registry import Coverpoint, OpDef, Signature


def _rows(x: Tensor):
    if len(x.shape) < 1:
        raise errors.ShapeMismatch("LinearInt: X must have rank >= 1")
    return x.data.reshape(-1, x.shape[-1])


def accumulate(x: Tensor, w: Tensor, b: Tensor | None):
    if len(w.shape) != 2 or w.shape[1] != x.shape[-1]:
        raise errors.ShapeMismatch(f"LinearInt: weight {list(w.shape)} does not fit input {list(x.shape)} "
                                   f"(expected [N, {x.shape[-1] if x.shape else '?'}])")
    if b is not None and tuple(b.shape) != (w.shape[0],):
        raise errors.ShapeMismatch(f"LinearInt: bias shape {list(b.shape)} is not [{w.shape[0]}]")
    return luna.mat_mul_acc(_rows(x), w.data.T, None if b is None else b.data)


def linearint(inputs, outputs, attrs, profile):
    """Y = sat(rshift(X · Wᵀ + B, e(X) + e(W) − e(Y))) — see the module docstring."""
    x, w, *rest = inputs
    b = rest[0] if rest else None
    (y,) = outputs
    accumulate(x, w, b)  # shape REQUIREs
    shift = x.exponent + w.exponent - y.exponent
    bias = None if b is None else b.data
    if shift >= 0:
        data = luna.mat_mul(_rows(x), w.data.T, shift, y.dtype.name, profile, bias=bias)
    else:
        data = requantize(luna.mat_mul_acc(_rows(x), w.data.T, bias), x.exponent + w.exponent, y.exponent, y.dtype)
    return [Tensor.of(data.reshape(*x.shape[:-1], w.shape[0]), y.dtype, y.exponent)]



def _acc(c):
    return accumulate(c.inputs[0], c.inputs[1], c.inputs[2] if len(c.inputs) > 2 else None)


SIGNATURES = tuple(
    Signature(ins, (out,), tuple(p for p in platforms_with("matmul_types", ("int8", out))))
    for out in ("int8", "int16", "int32")
    for ins in (("int8", "int8"), ("int8", "int8", "int32"))
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
    ),
    impl=linearint,
)
