"""Expand (spec/ops/expand.md): ONNX Expand — X broadcast (numpy rules, aligned on the right) to the
broadcast of its shape and ``shape``; dtype and exponent kept.

Source: rule 2 (``executor/core/ops/expand.c``: each output element reads ``X[i mod extent]`` per axis)
for X's own axes; rule 3 (ONNX Expand) for added leading axes of int16/int32 data, whose copies thinker
places at the wrong stride (errata E-EXPAND-1, not deterministic).
"""

from __future__ import annotations

import numpy as np

from .. import errors
from ..tensor import Tensor
from .gather import require_same_exponent
from .registry import Coverpoint, OpDef, Signature


def expanded_shape(x_shape, shape) -> tuple[int, ...]:
    """ONNX's two-way broadcast of ``x_shape`` and ``shape``."""
    shape = [int(v) for v in np.asarray(shape).reshape(-1)]
    try:
        return tuple(np.broadcast_shapes(tuple(x_shape), tuple(shape)))
    except ValueError:
        raise errors.ShapeMismatch(f"Expand: {list(x_shape)} does not broadcast with {shape}") from None


def expand(inputs, outputs, attrs, profile):
    """Y = broadcast_to(X, broadcast(X.shape, shape))."""
    x, shape = inputs
    (y,) = outputs
    require_same_exponent("Expand", x, y)
    if shape.data.size and shape.data.min() < 0:
        raise errors.ShapeMismatch(f"Expand: negative extent in {shape.data.tolist()}")
    out = expanded_shape(x.shape, shape.data)
    return [Tensor.of(np.broadcast_to(x.data, out).copy(), y.dtype, x.exponent)]


def _lead(c) -> int:
    """Product of the axes Y has beyond X's rank."""
    yshape = c.outputs[0].shape
    return int(np.prod(yshape[:len(yshape) - len(c.inputs[0].shape)], dtype=np.int64))


_DATA = ("int8", "int16", "int32")

OP = OpDef(
    name="Expand",
    summary="ONNX Expand (shape as a raw int64 input); exponent unchanged",
    spec_section="ops/expand.md",
    since="1.0.0",
    aliases={"linger1": ("Expand",), "linger3": ("Expand",)},
    signatures=tuple(Signature((t, "int64"), (t,), unscaled=(1,)) for t in _DATA),
    coverpoints=(
        Coverpoint("leading axis added", "Y has more axes than X, and they hold more than one copy",
                   lambda c: _lead(c) > 1),
        Coverpoint("wide leading copies", "int16/int32 data with added leading axes (E-EXPAND-1)",
                   lambda c: _lead(c) > 1 and c.inputs[0].dtype.bits > 8),
        Coverpoint("unit axis broadcast", "an axis of extent 1 in X is widened",
                   lambda c: any(a == 1 and b > 1 for a, b in zip(c.inputs[0].shape[::-1], c.outputs[0].shape[::-1]))),
        Coverpoint("extent kept by 1", "shape has a 1 where X's extent is larger",
                   lambda c: any(s == 1 and a > 1 for s, a in zip(c.inputs[1].data.reshape(-1)[::-1].tolist(),
                                                                  c.inputs[0].shape[::-1]))),
    ),
    impl=expand,
)
