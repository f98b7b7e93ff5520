"""topN2: the second stage of tpacker's split ArgMax: the best of several (value, index) candidates
per row (spec/ops/topn2.md).

Source: rule 2 (``executor/core/ops/{venus,arcs,venusA}/topn2.h``: one LUNA ``max`` over each row of the
value half, the index half read at the winning position; only ``max_num == 1``; venus int16, arcs/venusA
int32; tpacker ``graph_analysis/ops/topN2.py``, ``graph_optimizer/op_split.py``), with the row count taken
over every leading axis (rule 3 where thinker reads only ``dims[-2]``: errata E-TOPN2-1); rule 1 for ties.

    X = [V, I] along axis 0;  k[r] = first position of max V[r, :]
    Y = [V[r, k[r]]..., I[r, k[r]]...]  shaped (2, *X.shape[1:-1], 1)
"""

from __future__ import annotations

import numpy as np

from .. import errors
from ..tensor import Tensor
from .argmax import first_max, last_position, pack_pairs, require_last_axis, tie
from .registry import Coverpoint, OpDef, Signature


def topn2(inputs, outputs, attrs, profile):
    """Y = [max of each value row..., the index-half entry at its first position...]."""
    (x,) = inputs
    (y,) = outputs
    require_last_axis("topN2", x, attrs.get("dim", -1), "dim")
    if int(attrs.get("max_num", 1)) != 1:
        raise errors.UnsupportedAttribute(f"topN2: max_num {attrs.get('max_num')} (only 1 is implemented)")
    if len(x.shape) < 2 or x.shape[0] != 2 or x.shape[-1] == 0:
        raise errors.ShapeMismatch(f"topN2: X must be [2, ..., G] with G > 0 (values, then indices; got "
                                   f"shape {list(x.shape)})")
    g = x.shape[-1]
    vals, idxs = x.data[0].reshape(-1, g), x.data[1].reshape(-1, g)
    values, k = first_max(vals)
    picked = np.take_along_axis(idxs, k[:, None], axis=-1)[:, 0]
    return [Tensor.of(pack_pairs(values, picked, x.shape), y.dtype, y.exponent)]


def _rows(c):
    x = c.inputs[0].data
    return x[0].reshape(-1, x.shape[-1])


def _remapped(c) -> bool:
    x = c.inputs[0].data
    g = x.shape[-1]
    _, k = first_max(x[0].reshape(-1, g))
    return bool((np.take_along_axis(x[1].reshape(-1, g), k[:, None], axis=-1)[:, 0] != k).any())


OP = OpDef(
    name="topN2",
    summary="best (value, index) candidate of each row of a packed [values, indices] tensor (max_num 1)",
    spec_section="ops/topn2.md",
    since="1.0.0",
    aliases={},
    signatures=(
        Signature(("int16",), ("int16",), ("venus",)),
        Signature(("int32",), ("int32",), ("venusA", "arcs")),
    ),
    coverpoints=(
        Coverpoint("tie", "a row's maximum value occurs more than once (the first position is taken)",
                   lambda c: tie(_rows(c))),
        Coverpoint("last position", "a row's maximum is only at its last position", lambda c: last_position(_rows(c))),
        Coverpoint("several rows", "more than one row is reduced", lambda c: _rows(c).shape[0] > 1),
        Coverpoint("index remapped", "a selected index differs from its position in the row", _remapped),
    ),
    impl=topn2,
)
