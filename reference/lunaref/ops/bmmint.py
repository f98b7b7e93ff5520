"""BmmInt: quantized (batched) matrix product of two activations (spec/ops/bmmint.md).

Source: rule 1 (``mat_mul`` / ``split_mat_mul`` measured on all three simulators), rule 2 for the
composition (``ops/bmmint.c``, ``*/bmmint.h``: one LUNA matrix product per batch item, batch = the first
extent of 3-D operands), rule 3 for a negative shift (linger 3.0.9 ``QBmm`` / ``QMatmul``: an exact left
scale; thinker refuses it, errata E-BMM-1).

    acc[b] = X[b] · Y[b]            (X [B, M, K] or [M, K], Y [B, K, N] or [K, N])
    s      = e(X) + e(Y) − e(O)
    O[b]   = sat(rshift(acc[b], s))  s ≥ 0   (LUNA mat_mul)
    O[b]   = sat(acc[b] · 2^−s)      s < 0
"""

from __future__ import annotations

from .. import errors, luna
from ..numerics import requantize
from ..tensor import Tensor
from .common import accumulator_coverpoints, mac_shift
from .registry import Coverpoint, OpDef, Signature


def check_shapes(x: Tensor, y: Tensor) -> None:
    """REQUIRE: both operands 2-D or both 3-D, equal batch, inner extents agree."""
    if len(x.shape) not in (2, 3) or len(y.shape) != len(x.shape):
        raise errors.ShapeMismatch(f"BmmInt: operands must both be 2-D or both 3-D "
                                   f"(got {list(x.shape)} and {list(y.shape)})")
    if len(x.shape) == 3 and x.shape[0] != y.shape[0]:
        raise errors.ShapeMismatch(f"BmmInt: batch extents differ ({x.shape[0]} vs {y.shape[0]})")
    if x.shape[-1] != y.shape[-2]:
        raise errors.ShapeMismatch(f"BmmInt: inner extents differ ({list(x.shape)} · {list(y.shape)})")


def accumulate(x: Tensor, y: Tensor):
    """The exact accumulator ``X[b] · Y[b]`` for every batch item."""
    check_shapes(x, y)
    return luna.mat_mul_acc(x.data, y.data)


def bmmint(inputs, outputs, attrs, profile):
    """O[b] = sat(rshift(X[b] · Y[b], e(X) + e(Y) − e(O))) — see the module docstring."""
    x, y = inputs
    (o,) = outputs
    check_shapes(x, y)
    if x.dtype != y.dtype:
        raise errors.DTypeMismatch(f"BmmInt: operand dtypes differ ({x.dtype} vs {y.dtype})")
    shift = x.exponent + y.exponent - o.exponent
    if shift >= 0:
        data = luna.mat_mul(x.data, y.data, shift, o.dtype.name, profile)
    else:
        data = requantize(accumulate(x, y), x.exponent + y.exponent, o.exponent, o.dtype)
    return [Tensor.of(data, o.dtype, o.exponent)]


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """thinker 3.0.4's BmmInt: every platform's ``bmmint.h`` returns an error for a negative shift
    (E-BMM-1); everything else is the spec."""
    x, y = inputs
    (o,) = outputs
    if x.exponent + y.exponent - o.exponent < 0:
        raise errors.ShiftOutOfRange(f"BmmInt: thinker 3.0.4 refuses the negative shift "
                                     f"{x.exponent + y.exponent - o.exponent} (E-BMM-1)")
    return bmmint(inputs, outputs, attrs, profile)


def _acc(c):
    return accumulate(c.inputs[0], c.inputs[1])


def _signatures() -> tuple[Signature, ...]:
    # thinker 3.0.4's bmmint.h: venus int8 -> int8 only; arcs int8/int32 -> int8/int32; venusA
    # int8/int16/int32 -> int8/int16/int32 (both operands of one dtype).
    have = {"venus": ((8,), (8,)), "venusA": ((8, 16, 32), (8, 16, 32)), "arcs": ((8, 32), (8, 32))}
    out = []
    for i in (8, 16, 32):
        for o in (8, 16, 32):
            plats = tuple(p for p, (ins, outs) in have.items() if i in ins and o in outs)
            if plats:
                out.append(Signature((f"int{i}", f"int{i}"), (f"int{o}",), plats))
    return tuple(out)


SIGNATURES = _signatures()

OP = OpDef(
    name="BmmInt",
    summary="(batched) matrix product of two activations with a rounding shift",
    spec_section="ops/bmmint.md",
    since="1.0.0",
    aliases={"linger1": ("BmmInt",), "linger3": ("QBmm", "QMatmul")},
    signatures=SIGNATURES,
    coverpoints=(
        *accumulator_coverpoints(_acc),
        Coverpoint("batch", "3-D operands with more than one batch item",
                   lambda c: len(c.inputs[0].shape) == 3 and c.inputs[0].shape[0] > 1),
        Coverpoint("2-D operands", "the operands are plain matrices", lambda c: len(c.inputs[0].shape) == 2),
        Coverpoint("wide operands", "int16 or int32 operands",
                   lambda c: c.inputs[0].dtype.name in ("int16", "int32")),
        Coverpoint("wide output", "an int16 or int32 output", lambda c: c.outputs[0].dtype.name != "int8"),
        Coverpoint("shift zero", "e(X) + e(Y) = e(O): the product is only saturated", lambda c: mac_shift(c) == 0),
    ),
    impl=bmmint,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
