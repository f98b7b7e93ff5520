"""Unsqueeze (spec/ops/unsqueeze.md): ONNX Unsqueeze — axes of extent 1 inserted at the listed positions of
the result; values, dtype and exponent unchanged.

Source: rule 2 (``executor/core/ops/unsqueeze.c``: in place, no copy); the shape rule is ONNX
Unsqueeze's.
"""

from __future__ import annotations

from .. import errors
from ..tensor import Tensor
from .gather import require_same_exponent
from .registry import Coverpoint, OpDef, Signature


def unsqueezed_shape(shape, axes) -> tuple[int, ...]:
    if axes is None or len(axes) == 0:
        raise errors.UnsupportedAttribute("Unsqueeze: no axes")
    rank = len(shape) + len(axes)
    norm = []
    for a in axes:
        a = int(a)
        if not -rank <= a < rank:
            raise errors.UnsupportedAttribute(f"Unsqueeze: axis {a} outside [-{rank}, {rank - 1}]")
        norm.append(a + rank if a < 0 else a)
    if len(set(norm)) != len(norm):
        raise errors.UnsupportedAttribute(f"Unsqueeze: repeated axis in {list(axes)}")
    rest = iter(shape)
    return tuple(1 if i in norm else next(rest) for i in range(rank))


def unsqueeze(inputs, outputs, attrs, profile):
    """Y = X with extent-1 axes at the listed positions of Y."""
    (x,), (y,) = inputs, outputs
    require_same_exponent("Unsqueeze", x, y)
    return [Tensor.of(x.data.reshape(unsqueezed_shape(x.shape, attrs.get("axes"))), y.dtype, x.exponent)]


OP = OpDef(
    name="Unsqueeze",
    summary="ONNX Unsqueeze (axes attribute); in place; exponent unchanged",
    spec_section="ops/unsqueeze.md",
    since="1.0.0",
    aliases={"linger1": ("Unsqueeze",), "linger3": ("Unsqueeze",)},
    signatures=tuple(Signature((t,), (t,)) for t in ("int8", "int16", "int32")),
    coverpoints=(
        Coverpoint("negative axis", "an axis counted from the end", lambda c: min(c.attrs.get("axes") or [0]) < 0),
        Coverpoint("several axes", "two or more axes inserted", lambda c: len(c.attrs.get("axes") or ()) > 1),
    ),
    impl=unsqueeze,
)
