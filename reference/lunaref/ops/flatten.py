"""Flatten (spec/ops/flatten.md): ``[d0 … d(a−1), da … dn]`` becomes ``[Π d<a, Π d≥a]``.

Source: rule 2 (``ops/flatten.c``: a byte copy); ONNX Flatten's shape rule.
"""

from __future__ import annotations

import math

from .. import errors
from ..tensor import Tensor
from .registry import Coverpoint, OpDef, Signature


def flatten(inputs, outputs, attrs, profile):
    """Y = X reshaped to [prod(shape[:axis]), prod(shape[axis:])]; exponent unchanged."""
    (x,), (y,) = inputs, outputs
    rank = len(x.shape)
    axis = int(attrs.get("axis", 1))
    if not -rank <= axis <= rank:
        raise errors.UnsupportedAttribute(f"Flatten: axis {axis} outside [-{rank}, {rank}]")
    if axis < 0:
        axis += rank
    shape = (math.prod(x.shape[:axis]), math.prod(x.shape[axis:]))
    return [Tensor.of(x.data.reshape(shape), y.dtype, x.exponent)]


OP = OpDef(
    name="Flatten",
    summary="collapse to two dimensions around an axis; exponent unchanged",
    spec_section="ops/flatten.md",
    since="1.0.0",
    aliases={"linger1": ("Flatten",), "linger3": ("Flatten",)},
    signatures=tuple(Signature((t,), (t,)) for t in ("int8", "int16", "int32")),
    coverpoints=(
        Coverpoint("axis 0", "axis 0 gives shape [1, all]", lambda c: int(c.attrs.get("axis", 1)) == 0),
        Coverpoint("inner axis", "an axis above 1", lambda c: int(c.attrs.get("axis", 1)) > 1),
    ),
    impl=flatten,
)
