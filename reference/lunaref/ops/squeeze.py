"""Squeeze (spec/ops/squeeze.md): ONNX Squeeze — axes of extent 1 removed; values, dtype and exponent
unchanged (thinker's executor does nothing: the output shares the input's memory).

Source: rule 2 (``executor/core/ops/squeeze.c``: in place, no copy); the shape rule is ONNX Squeeze's
(rule 3), where tpacker differs (a rank-1 result gets shape ``[1, n]``: errata E-SQUEEZE-1, modelled by
``thinker_3_0_4``).
"""

from __future__ import annotations

from .. import errors
from ..tensor import Tensor
from .gather import require_same_exponent
from .registry import Coverpoint, OpDef, Signature


def squeezed_shape(shape, axes) -> tuple[int, ...]:
    rank = len(shape)
    if axes is None or len(axes) == 0:
        return tuple(d for d in shape if d != 1)
    norm = []
    for a in axes:
        a = int(a)
        if not -rank <= a < rank:
            raise errors.UnsupportedAttribute(f"Squeeze: axis {a} outside [-{rank}, {rank - 1}]")
        norm.append(a + rank if a < 0 else a)
    if len(set(norm)) != len(norm):
        raise errors.UnsupportedAttribute(f"Squeeze: repeated axis in {list(axes)}")
    for a in norm:
        if shape[a] != 1:
            raise errors.ShapeMismatch(f"Squeeze: axis {a} has extent {shape[a]}, not 1")
    return tuple(d for i, d in enumerate(shape) if i not in norm)


def squeeze(inputs, outputs, attrs, profile):
    """Y = X without the listed axes (all extent-1 axes when none are listed)."""
    (x,), (y,) = inputs, outputs
    require_same_exponent("Squeeze", x, y)
    return [Tensor.of(x.data.reshape(squeezed_shape(x.shape, attrs.get("axes"))), y.dtype, x.exponent)]


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """Compatibility model (errata E-SQUEEZE-1): tpacker 3.0.4 gives a rank-1 result the shape ``[1, n]``
    (the values are the same)."""
    (y,) = squeeze(inputs, outputs, attrs, profile)
    return [Tensor.of(y.data.reshape(1, -1), y.dtype, y.exponent)] if y.data.ndim == 1 else [y]


OP = OpDef(
    name="Squeeze",
    summary="ONNX Squeeze (axes attribute); in place; exponent unchanged",
    spec_section="ops/squeeze.md",
    since="1.0.0",
    aliases={"linger1": ("Squeeze",), "linger3": ("Squeeze",)},
    signatures=tuple(Signature((t,), (t,)) for t in ("int8", "int16", "int32")),
    coverpoints=(
        Coverpoint("all unit axes", "no axes given: every extent-1 axis goes", lambda c: not c.attrs.get("axes")),
        Coverpoint("negative axis", "an axis counted from the end", lambda c: min(c.attrs.get("axes") or [0]) < 0),
        Coverpoint("rank 1 result", "the result has one axis (tpacker makes it [1, n])",
                   lambda c: c.outputs[0].data.ndim == 1),
    ),
    impl=squeeze,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
