"""Gather (spec/ops/gather.md): ``Y = take(X, indices, axis)`` — rows of X picked by raw integer indices.

Source: rule 2 (``executor/core/ops/*/gather.h``: one byte copy per index) for indices in ``[−1, s)``;
rule 3 (ONNX Gather, linger's ``qw[idx]`` embedding) for the other negative indices, which thinker
does not map (errata E-GATHER-1).  Dtype and exponent of X are kept.
"""

from __future__ import annotations

import numpy as np

from .. import errors
from ..tensor import Tensor
from .registry import Coverpoint, OpDef, Signature


def normalize_axis(op: str, axis, rank: int, what: str = "axis") -> int:
    """``axis`` in ``[−rank, rank)`` as a non-negative axis, else ``UnsupportedAttribute``."""
    axis = int(axis)
    if not -rank <= axis < rank:
        raise errors.UnsupportedAttribute(f"{op}: {what} {axis} outside [-{rank}, {rank - 1}]")
    return axis + rank if axis < 0 else axis


def require_same_exponent(op: str, x: Tensor, y) -> None:
    """Data-movement ops keep the exponent: ``e(Y) = e(X)``, else ``ExponentOutOfRange``."""
    if y.exponent != x.exponent:
        raise errors.ExponentOutOfRange(f"{op}: output exponent {y.exponent} differs from the input's "
                                        f"{x.exponent} (the op moves values, it does not rescale)")


def gather(inputs, outputs, attrs, profile):
    """Y[a, j…, b] = X[a, idx[j…], b] with ``idx < 0`` meaning ``idx + s`` (s = X's extent on ``axis``)."""
    x, indices = inputs
    (y,) = outputs
    require_same_exponent("Gather", x, y)
    if len(x.shape) == 0:
        raise errors.ShapeMismatch("Gather: X must have rank 1 or more")
    axis = normalize_axis("Gather", attrs.get("axis", 0), len(x.shape))
    s = x.shape[axis]
    idx = indices.data.astype(np.int64)
    bad = (idx < -s) | (idx >= s)
    if bad.any():
        raise errors.ValueOutOfRange(f"Gather: index {int(idx[bad].reshape(-1)[0])} outside [-{s}, {s - 1}] "
                                     f"(axis {axis} has extent {s})")
    return [Tensor.of(np.take(x.data, np.where(idx < 0, idx + s, idx), axis=axis), y.dtype, x.exponent)]


_DATA = ("int8", "int16", "int32")


def _idx(c):
    return c.inputs[1].data.astype(np.int64)


OP = OpDef(
    name="Gather",
    summary="rows picked by raw integer indices along an axis (embedding lookup); exponent unchanged",
    spec_section="ops/gather.md",
    since="1.0.0",
    aliases={"linger1": ("Gather",), "linger3": ("Gather",)},
    signatures=tuple(Signature((t, i), (t,), unscaled=(1,)) for t in _DATA for i in ("int64", "int32")),
    coverpoints=(
        Coverpoint("index -1", "an index is -1 (the last row)", lambda c: bool((_idx(c) == -1).any())),
        Coverpoint("negative index", "an index below -1", lambda c: bool((_idx(c) < -1).any())),
        Coverpoint("int32 indices", "the indices are int32", lambda c: c.inputs[1].dtype.name == "int32"),
        Coverpoint("inner axis", "the axis is not the first", lambda c: int(c.attrs.get("axis", 0)) % max(
            len(c.inputs[0].shape), 1) != 0),
        Coverpoint("scalar index", "the indices are a 0-d tensor (the axis disappears)",
                   lambda c: c.inputs[1].data.ndim == 0),
    ),
    impl=gather,
)
