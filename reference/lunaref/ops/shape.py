"""Shape (spec/ops/shape.md): X's extents as a raw int64 vector (no exponent).

Source: rule 2 (``executor/core/ops/shape.c``: writes ``dims_`` as int64); ``start``/``end`` follow ONNX
Shape (opset 15), clamped as ONNX clamps them.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .registry import Coverpoint, OpDef, Signature


def shape(inputs, outputs, attrs, profile):
    """Y = X.shape[start:end] as int64."""
    (x,), (y,) = inputs, outputs
    dims = list(x.shape)[slice(attrs.get("start"), attrs.get("end"))]
    return [Tensor.of(np.array(dims, dtype=np.int64), y.dtype)]


OP = OpDef(
    name="Shape",
    summary="the input's extents as raw int64",
    spec_section="ops/shape.md",
    since="1.0.0",
    aliases={"linger1": ("Shape",), "linger3": ("Shape",)},
    signatures=tuple(Signature((t,), ("int64",), unscaled_outputs=(0,)) for t in ("int8", "int16", "int32")),
    coverpoints=(
        Coverpoint("rank 4", "a four-axis input", lambda c: len(c.inputs[0].shape) == 4),
        Coverpoint("sliced", "start or end given", lambda c: c.attrs.get("start") is not None
                   or c.attrs.get("end") is not None),
    ),
    impl=shape,
)
