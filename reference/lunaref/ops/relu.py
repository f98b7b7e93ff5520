"""Relu on quantized integers (spec/ops/relu.md).

Source: rule 1/2 (``luna_relu`` with shift 0, ``ops/relu.c``); the exponent passes through.  The
forms are those of the platform's ``luna_relu``, which follow the element-wise primitives
(``vector_types``): arcs has no 16-bit form and its ``relu.h`` refuses int16 (``T_ERR_INVALID_DATATYPE``).
The int16 arithmetic was measured on thinker 3.0.4's x86-64 simulator (venus ``relu_q15_int16``,
venusA ``relu_i16o16``: ``max(x, 0)`` exactly).  Errata E-RELU-1 (placement outside share memory).

    Y = max(X, 0)
"""

from __future__ import annotations

from .. import errors, luna
from ..tensor import Tensor
from .common import platforms_with
from .registry import Coverpoint, OpDef, Signature


def relu(inputs, outputs, attrs, profile):
    """Y = max(X, 0), same dtype and exponent."""
    (x,), (y,) = inputs, outputs
    if y.exponent != x.exponent:
        raise errors.ExponentOutOfRange(f"Relu: output exponent {y.exponent} differs from the input's {x.exponent}")
    return [Tensor.of(luna.relu(x.data), y.dtype, y.exponent)]


OP = OpDef(
    name="Relu",
    summary="max(x, 0) on integers, exponent unchanged",
    spec_section="ops/relu.md",
    since="1.0.0",
    aliases={"linger1": ("Relu",), "linger3": ("Relu",)},
    signatures=tuple(Signature((t,), (t,), platforms_with("vector_types", (t, t)))
                     for t in ("int8", "int16", "int32")),
    coverpoints=(
        Coverpoint("negative input", "a negative input becomes 0", lambda c: bool((c.inputs[0].data < 0).any())),
        Coverpoint("range ends", "an input is its dtype's minimum or maximum",
                   lambda c: bool(((c.inputs[0].data == c.inputs[0].dtype.min)
                                   | (c.inputs[0].data == c.inputs[0].dtype.max)).any())),
    ),
    impl=relu,
)
