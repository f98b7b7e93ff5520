"""Reshape (spec/ops/reshape.md): the same values in a new shape; dtype and exponent unchanged.

Source: rule 2 (``ops/reshape.c``: a byte copy); the target shape follows ONNX Reshape (0 copies the
input extent, one -1 is inferred).
"""

from __future__ import annotations

import math

import numpy as np

from .. import errors
from ..tensor import Tensor
from .registry import Coverpoint, OpDef, Signature


def target_shape(in_shape, spec) -> tuple[int, ...]:
    """ONNX Reshape's shape rule (allowzero = 0)."""
    spec = [int(v) for v in np.asarray(spec).reshape(-1)]
    out = [in_shape[i] if v == 0 and i < len(in_shape) else v for i, v in enumerate(spec)]
    if out.count(-1) > 1 or any(v < -1 for v in out):
        raise errors.ShapeMismatch(f"Reshape: invalid target shape {spec}")
    total = math.prod(in_shape)
    if -1 in out:
        known = math.prod(v for v in out if v != -1)
        if known == 0 or total % known:
            raise errors.ShapeMismatch(f"Reshape: cannot infer -1 in {spec} for {total} elements")
        out[out.index(-1)] = total // known
    if math.prod(out) != total:
        raise errors.ShapeMismatch(f"Reshape: {list(in_shape)} ({total} elements) cannot become {out}")
    return tuple(out)


def reshape(inputs, outputs, attrs, profile):
    """Y = X with shape ``target_shape(X.shape, shape)``."""
    x, shape = inputs
    (y,) = outputs
    return [Tensor.of(x.data.reshape(target_shape(x.shape, shape.data)), y.dtype, x.exponent)]


OP = OpDef(
    name="Reshape",
    summary="same values, new shape (ONNX shape rule); exponent unchanged",
    spec_section="ops/reshape.md",
    since="1.0.0",
    aliases={"linger1": ("Reshape",), "linger3": ("Reshape",)},
    signatures=tuple(Signature((t, "int64"), (t,), unscaled=(1,)) for t in ("int8", "int16", "int32")),
    coverpoints=(
        Coverpoint("inferred extent", "the target shape has a -1", lambda c: -1 in c.inputs[1].data.tolist()),
        Coverpoint("copied extent", "the target shape has a 0", lambda c: 0 in c.inputs[1].data.tolist()),
    ),
    impl=reshape,
)
