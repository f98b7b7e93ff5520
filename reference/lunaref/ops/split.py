"""Split (spec/ops/split.md): X cut along an axis into consecutive parts; dtype and exponent kept.

Source: rule 2 (``executor/core/ops/*/split.h``: per output, one copy per leading block; the part sizes
are ``SplitAttrs.split``) where it is sound; rule 3 (ONNX Split) for the arcs/venusA share-memory
branch, which forgets the element width in the block offset (errata E-SPLIT-1, modelled by
``thinker_3_0_4``).
"""

from __future__ import annotations

import numpy as np

from .. import errors
from ..compat import thinker_3_0_4 as thinker_facts
from ..tensor import Tensor
from .gather import normalize_axis, require_same_exponent
from .registry import Coverpoint, OpDef, Signature

#: ``SplitAttrs.split`` has 8 entries.
MAX_OUTPUTS = 8


def parts(x_shape, n_out: int, attrs) -> tuple[int, list[int]]:
    """(axis, part sizes): ``split`` if given (must sum to the extent), else equal parts."""
    axis = normalize_axis("Split", attrs.get("axis", 0), len(x_shape))
    if not 1 <= n_out <= MAX_OUTPUTS:
        raise errors.UnsupportedAttribute(f"Split: {n_out} outputs (1 to {MAX_OUTPUTS} supported)")
    extent = x_shape[axis]
    split = attrs.get("split")
    if split is None or len(split) == 0:
        if extent % n_out:
            raise errors.ShapeMismatch(f"Split: extent {extent} does not divide into {n_out} equal parts")
        return axis, [extent // n_out] * n_out
    split = [int(v) for v in split]
    if len(split) != n_out or min(split) < 0 or sum(split) != extent:
        raise errors.ShapeMismatch(f"Split: parts {split} for {n_out} outputs do not cover extent {extent}")
    return axis, split


def split(inputs, outputs, attrs, profile):
    """Y_n = X[..., o_n : o_n + split[n], ...] on ``axis``, o_n the sum of the earlier parts."""
    (x,) = inputs
    for y in outputs:
        require_same_exponent("Split", x, y)
    axis, sizes = parts(x.shape, len(outputs), attrs)
    bounds = np.cumsum(sizes)[:-1]
    return [Tensor.of(p, y.dtype, x.exponent) for p, y in zip(np.split(x.data, bounds, axis=axis), outputs)]


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """Compatibility model (errata E-SPLIT-1): on arcs and venusA (outputs in share memory) leading block
    ``i`` of part ``n`` is read from byte ``i·M·S + o_n·S·b`` of X — the first term lacks the element
    width ``b`` — instead of ``(i·M·S + o_n·S)·b`` (``M`` the axis extent, ``S`` the trailing size).
    The bytes read always lie inside X, so this is deterministic; for int8 or one leading block it is
    the spec's result."""
    (x,) = inputs
    result = split(inputs, outputs, attrs, profile)
    if not thinker_facts(profile).split_block_offset_unscaled or x.dtype.bits == 8:
        return result
    axis, sizes = parts(x.shape, len(outputs), attrs)
    lead = int(np.prod(x.shape[:axis], dtype=np.int64))
    m = x.shape[axis]
    s = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
    b = x.dtype.bits // 8
    raw = np.ascontiguousarray(x.data.astype(x.dtype.storage.newbyteorder("<"))).view(np.uint8).reshape(-1)
    out, offset = [], 0
    for size, y in zip(sizes, result):
        start = np.arange(lead)[:, None] * (m * s) + offset * s * b          # byte offset of each block
        idx = start + np.arange(size * s * b)[None, :]
        data = raw[idx.reshape(-1)].view(x.dtype.storage.newbyteorder("<")).astype(x.dtype.storage)
        out.append(Tensor.of(data.reshape(y.shape), y.dtype, y.exponent))
        offset += size
    return out


def _ax(c) -> int:
    return normalize_axis("Split", c.attrs.get("axis", 0), len(c.inputs[0].shape))


def _sizes(c) -> list[int]:
    return [t.shape[_ax(c)] for t in c.outputs]


_DATA = ("int8", "int16", "int32")

OP = OpDef(
    name="Split",
    summary="cut along an axis into up to 8 consecutive parts; exponent unchanged",
    spec_section="ops/split.md",
    since="1.0.0",
    aliases={"linger1": ("Split",), "linger3": ("Split",)},
    signatures=tuple(Signature((t,), (t,) * n) for t in _DATA for n in range(1, MAX_OUTPUTS + 1)),
    coverpoints=(
        Coverpoint("unequal parts", "the parts differ in size", lambda c: len(set(_sizes(c))) > 1),
        Coverpoint("equal parts", "no split sizes given: equal parts", lambda c: not c.attrs.get("split")),
        Coverpoint("inner axis", "the axis is not the first", lambda c: _ax(c) > 0),
        Coverpoint("negative axis", "the axis is given from the end", lambda c: int(c.attrs.get("axis", 0)) < 0),
        Coverpoint("wide blocks", "int16/int32 data cut on an axis with more than one leading block "
                   "(where thinker's arcs/venusA offset goes wrong)",
                   lambda c: c.inputs[0].dtype.bits > 8 and int(np.prod(c.inputs[0].shape[:_ax(c)])) > 1),
    ),
    impl=split,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
