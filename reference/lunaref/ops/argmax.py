"""ArgMax: the maximum of each row of the last axis and its first position, packed as thinker lays
them out (spec/ops/argmax.md).

Source: rule 2 for the layout (``executor/core/ops/{venus,arcs,venusA}/argmax.h``: one LUNA ``max`` call
per row, values then indices in one int32 buffer; the output shape is tpacker's, ``graph_analysis/ops/
ArgMax.py``); rule 1 for ties (the simulator ``luna_max_q7`` / ``luna_max_i8o32`` / ``luna_max_i16o32`` /
``luna_max_i32o32`` return the first position of the maximum).

    rows r of X (X.shape[0] == 1 unless X is 1-D):  v[r] = max X[r, :],  i[r] = first k with X[r, k] = v[r]
    Y = [v..., i...]  shaped (2, *X.shape[1:-1], 1)   (1-D X: Y = [v, i])
"""

from __future__ import annotations

import numpy as np

from .. import errors
from ..tensor import Tensor
from .registry import Coverpoint, OpDef, Signature


def require_last_axis(op: str, x, axis: int, what: str = "axis") -> None:
    """thinker implements only the last axis (``axis == -1`` or ``rank − 1``)."""
    rank = len(x.shape)
    if rank == 0 or int(axis) not in (-1, rank - 1):
        raise errors.UnsupportedAttribute(f"{op}: {what} {axis} (only the last axis, -1 or {rank - 1}, is supported)")


def require_rows(op: str, x, first: int) -> None:
    """X's first extent must be ``first`` (the output replaces it by 2); the reduced axis non-empty."""
    if len(x.shape) >= 2 and x.shape[0] != first:
        raise errors.ShapeMismatch(f"{op}: X.shape[0] must be {first} (got shape {list(x.shape)}); the output "
                                   f"replaces axis 0 by the value/index pair")
    if x.shape[-1] == 0:
        raise errors.ShapeMismatch(f"{op}: the last axis of X is empty")


def first_max(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum along the last axis and the first position holding it."""
    idx = np.argmax(rows, axis=-1)   # numpy returns the first occurrence, as LUNA's max does
    return np.take_along_axis(rows, idx[..., None], axis=-1)[..., 0], idx


def pack_pairs(values: np.ndarray, indices: np.ndarray, x_shape) -> np.ndarray:
    """thinker's layout: all values, then all indices, shaped (2, *X.shape[1:-1], 1) (1-D X: (2,))."""
    shape = (2,) if len(x_shape) == 1 else (2, *x_shape[1:-1], 1)
    return np.concatenate([values.reshape(-1), indices.reshape(-1)]).reshape(shape)


def argmax(inputs, outputs, attrs, profile):
    """Y = [max of each last-axis row..., first index of it...] as int32."""
    (x,) = inputs
    (y,) = outputs
    require_last_axis("ArgMax", x, attrs.get("axis", -1))
    require_rows("ArgMax", x, 1)
    values, indices = first_max(x.data.reshape(-1, x.shape[-1]))
    return [Tensor.of(pack_pairs(values, indices, x.shape), y.dtype, y.exponent)]


def _rows(c):
    x = c.inputs[0].data
    return x.reshape(-1, x.shape[-1])


def tie(rows) -> bool:
    return bool(((rows == rows.max(axis=-1, keepdims=True)).sum(axis=-1) > 1).any())


def last_position(rows) -> bool:
    return bool(rows.shape[-1] > 1 and (np.argmax(rows, axis=-1) == rows.shape[-1] - 1).any())


OP = OpDef(
    name="ArgMax",
    summary="maximum of each last-axis row and its first position, packed [values, indices] in int32",
    spec_section="ops/argmax.md",
    since="1.0.0",
    aliases={"linger1": ("ArgMax",), "linger3": ("ArgMax",)},
    signatures=(
        Signature(("int8",), ("int32",)),
        Signature(("int16",), ("int32",), ("venusA",)),
        Signature(("int32",), ("int32",), ("venusA", "arcs")),
    ),
    coverpoints=(
        Coverpoint("tie", "a row's maximum occurs more than once (the first position is taken)",
                   lambda c: tie(_rows(c))),
        Coverpoint("last position", "a row's maximum is only at its last position", lambda c: last_position(_rows(c))),
        Coverpoint("several rows", "more than one row is reduced", lambda c: _rows(c).shape[0] > 1),
        Coverpoint("minimum row", "a whole row holds the input type's minimum",
                   lambda c: bool((_rows(c) == c.inputs[0].dtype.min).all(axis=-1).any())),
    ),
    impl=argmax,
)
