"""Tile (spec/ops/tile.md): ONNX Tile — X repeated ``repeats[i]`` times along each axis; dtype and exponent
kept.

Source: rule 2 (``executor/core/ops/*/tile.h``: the rows placed, then blocks doubled axis by axis from
the last — the same result as ONNX Tile, checked by restating it); int8 only, the executor has no other
integer branch.
"""

from __future__ import annotations

import numpy as np

from .. import errors
from ..tensor import Tensor
from .gather import require_same_exponent
from .registry import Coverpoint, OpDef, Signature


def _repeats(c) -> list[int]:
    return [int(v) for v in c.inputs[1].data.reshape(-1)]


def tile(inputs, outputs, attrs, profile):
    """Y = numpy.tile(X, repeats), ``len(repeats)`` equal to X's rank."""
    x, reps = inputs
    (y,) = outputs
    require_same_exponent("Tile", x, y)
    r = [int(v) for v in reps.data.reshape(-1)]
    if len(r) != len(x.shape) or len(x.shape) == 0:
        raise errors.ShapeMismatch(f"Tile: {len(r)} repeats for rank {len(x.shape)}")
    if min(r) < 0:
        raise errors.ValueOutOfRange(f"Tile: negative repeat in {r}")
    return [Tensor.of(np.tile(x.data, r), y.dtype, x.exponent)]


OP = OpDef(
    name="Tile",
    summary="ONNX Tile (repeats as a raw int64 input); int8; exponent unchanged",
    spec_section="ops/tile.md",
    since="1.0.0",
    aliases={"linger1": ("Tile",), "linger3": ("Tile",)},
    # int16/int32 on no platform (Capabilities: thinker's tile silently writes nothing for them)
    signatures=(Signature(("int8", "int64"), ("int8",), unscaled=(1,)),
                Signature(("int16", "int64"), ("int16",), (), unscaled=(1,)),
                Signature(("int32", "int64"), ("int32",), (), unscaled=(1,))),
    coverpoints=(
        Coverpoint("last axis repeated", "the last axis is repeated", lambda c: _repeats(c)[-1] > 1),
        Coverpoint("outer axis repeated", "an axis before the last is repeated",
                   lambda c: any(r > 1 for r in _repeats(c)[:-1])),
        Coverpoint("several axes repeated", "two or more axes are repeated",
                   lambda c: sum(r > 1 for r in _repeats(c)) >= 2),
    ),
    impl=tile,
)
