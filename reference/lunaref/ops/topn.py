"""topN: ArgMax of a slice of a larger row, with the slice's position offset added to the index
(spec/ops/topn.md).  tpacker inserts it when it splits a LinearInt that feeds an ArgMax.

Source: rule 2 (``executor/core/ops/{venus,arcs,venusA}/topn.h``: int8 rows, one LUNA ``max`` per row, the
index plus the int64 offset read from input 1; only ``max_num == 1``; venus stores int16, arcs/venusA
int32; tpacker ``graph_analysis/ops/topN.py`` and ``graph_optimizer/op_split.py``); rule 1 for ties.

    v[r] = max X[r, :],  i[r] = first k with X[r, k] = v[r] + offset
    Y = [v..., i...]  shaped (2, *X.shape[1:-1], 1)
"""

from __future__ import annotations

import numpy as np

from .. import errors
from ..tensor import Tensor
from .argmax import first_max, last_position, pack_pairs, require_last_axis, require_rows, tie
from .registry import Coverpoint, OpDef, Signature


def _common(x, offset, attrs):
    require_last_axis("topN", x, attrs.get("dim", -1), "dim")
    if int(attrs.get("max_num", 1)) != 1:
        raise errors.UnsupportedAttribute(f"topN: max_num {attrs.get('max_num')} (only 1 is implemented)")
    if len(x.shape) < 2:
        raise errors.ShapeMismatch(f"topN: X must have rank 2 or more (got shape {list(x.shape)})")
    require_rows("topN", x, 1)
    if offset.data.size == 0:
        raise errors.ShapeMismatch("topN: the index offset (input 1) is empty")
    values, idx = first_max(x.data.reshape(-1, x.shape[-1]))
    return values, idx + int(offset.data.reshape(-1)[0])


def topn(inputs, outputs, attrs, profile):
    """Y = [row maxima..., first positions + offset...]; the index must fit Y's dtype."""
    x, offset = inputs
    (y,) = outputs
    values, idx = _common(x, offset, attrs)
    if idx.size and (idx.max() > y.dtype.max or idx.min() < y.dtype.min):
        raise errors.ValueOutOfRange(f"topN: index + offset {int(idx.max())} does not fit {y.dtype}")
    return [Tensor.of(pack_pairs(values, idx, x.shape), y.dtype, y.exponent)]


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """thinker stores index + offset with a C cast: it wraps to the output width (errata E-TOPN-1)."""
    x, offset = inputs
    (y,) = outputs
    values, idx = _common(x, offset, attrs)
    wrapped = idx.astype(np.int64).astype(y.dtype.storage)   # two's-complement truncation, as the C cast
    return [Tensor.of(pack_pairs(values, wrapped.astype(np.int64), x.shape), y.dtype, y.exponent)]


def _rows(c):
    x = c.inputs[0].data
    return x.reshape(-1, x.shape[-1])


OP = OpDef(
    name="topN",
    summary="row maximum and first position + an index offset (max_num 1), packed [values, indices]",
    spec_section="ops/topn.md",
    since="1.0.0",
    aliases={},
    signatures=(
        Signature(("int8", "int64"), ("int16",), ("venus",), unscaled=(1,)),
        Signature(("int8", "int64"), ("int32",), ("venusA", "arcs"), unscaled=(1,)),
    ),
    coverpoints=(
        Coverpoint("tie", "a row's maximum occurs more than once (the first position is taken)",
                   lambda c: tie(_rows(c))),
        Coverpoint("last position", "a row's maximum is only at its last position", lambda c: last_position(_rows(c))),
        Coverpoint("several rows", "more than one row is reduced", lambda c: _rows(c).shape[0] > 1),
        Coverpoint("offset", "the index offset is not 0", lambda c: int(c.inputs[1].data.reshape(-1)[0]) != 0),
    ),
    impl=topn,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
