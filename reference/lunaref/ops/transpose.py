"""Transpose (spec/ops/transpose.md): ONNX Transpose, ``Y.shape[i] = X.shape[perm[i]]``; dtype and exponent
kept.

Source: rule 2 (``executor/core/ops/transpose.c`` merges runs of consecutive axes, then
``*/transpose.h`` calls LUNA's matrix transpose or ``trans_axis``) where thinker's axis merge is sound;
rule 3 (ONNX Transpose) for the permutations it refuses or merges wrongly (errata E-TRANSPOSE-1).
"""

from __future__ import annotations

import numpy as np

from .. import errors
from ..tensor import Tensor
from .gather import require_same_exponent
from .registry import Coverpoint, OpDef, Signature

#: thinker's executor refuses more than 5 dimensions (``TransposeAttrs`` has room for 8).
MAX_RANK = 5


def permutation(rank: int, attrs) -> list[int]:
    """``perm`` (default: reversed axes), checked to be a permutation of ``0 … rank−1``."""
    perm = attrs.get("perm")
    perm = list(range(rank - 1, -1, -1)) if perm is None or len(perm) == 0 else [int(p) for p in perm]
    if sorted(perm) != list(range(rank)):
        raise errors.UnsupportedAttribute(f"Transpose: perm {perm} is not a permutation of 0..{rank - 1}")
    return perm


def transpose(inputs, outputs, attrs, profile):
    """Y[i_perm[0], …] = X[i_0, …]: ``numpy.transpose(X, perm)``."""
    (x,), (y,) = inputs, outputs
    require_same_exponent("Transpose", x, y)
    if len(x.shape) > MAX_RANK:
        raise errors.UnsupportedOnPlatform(f"Transpose: rank {len(x.shape)} (at most {MAX_RANK})")
    perm = permutation(len(x.shape), attrs)
    return [Tensor.of(np.transpose(x.data, perm), y.dtype, x.exponent)]


def thinker_merge(perm, shape):
    """thinker's ``merge_transpose_axes`` restated: (axes, shape, runs) after merging. Every run of
    output axes that are consecutive input axes is found, but only the **last** such run is merged
    into one axis; ``runs`` counts them (more than one: the result is not a permutation)."""
    n = len(perm)
    starts, runs, last = [], 0, None
    i = 0
    while i < n:
        j = i
        while j < n - 1 and perm[j + 1] == perm[j] + 1:
            j += 1
        if j != i:
            runs, last = runs + 1, (perm[i], j - i)
        starts.append(perm[i])
        i = j + 1
    if last is None:
        return list(perm), list(shape), 0
    a0, extra = last
    merged_shape, k = [], 0
    while k < n:
        if k == a0:
            merged_shape.append(int(np.prod(shape[k:k + extra + 1])))
            k += extra + 1
        else:
            merged_shape.append(shape[k])
            k += 1
    axes = [(a if a <= a0 else a - extra) for a in starts] + [0] * (len(merged_shape) - len(starts))
    return axes[:len(merged_shape)], merged_shape, runs


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """Compatibility model (errata E-TRANSPOSE-1): after thinker's axis merge, it transposes only 2 or 3
    axes, or 4 with the first axis fixed; other merged ranks (1 — the identity —, 4 moving the first
    axis, 5) return an error status, raised here as ``UnsupportedAttribute``.  Where the merge is wrong
    (two or more runs) or the venusA 4-axis path reads uninitialised pointers, the spec's result."""
    (x,) = inputs
    perm = permutation(len(x.shape), attrs)
    axes, shape, runs = thinker_merge(perm, list(x.shape))
    if runs <= 1 and (len(axes) not in (2, 3, 4) or (len(axes) == 4 and axes[0] != 0)):
        raise errors.UnsupportedAttribute(f"Transpose: thinker 3.0.4 refuses perm {perm} (merged to {len(axes)} "
                                          f"axes {axes}; E-TRANSPOSE-1)")
    return transpose(inputs, outputs, attrs, profile)


def _perm(c):
    return permutation(len(c.inputs[0].shape), c.attrs)


def _inverse_differs(c) -> bool:
    x, perm = c.inputs[0].data, _perm(c)
    a, b = np.transpose(x, perm), np.transpose(x, np.argsort(perm))
    return a.shape != b.shape or not np.array_equal(a, b)


def _rank(r):
    return lambda c: len(c.inputs[0].shape) == r


OP = OpDef(
    name="Transpose",
    summary="ONNX Transpose (perm), up to 5 axes; exponent unchanged",
    spec_section="ops/transpose.md",
    since="1.0.0",
    aliases={"linger1": ("Transpose",), "linger3": ("Transpose",)},
    # int16 on no platform, int32 on arcs only (Capabilities): thinker's byte transposes do not refuse them
    signatures=(Signature(("int8",), ("int8",)), Signature(("int16",), ("int16",), ()),
                Signature(("int32",), ("int32",), ("arcs",))),
    coverpoints=(
        Coverpoint("rank 2", "a matrix transpose", _rank(2)),
        Coverpoint("rank 3", "three axes", _rank(3)),
        Coverpoint("rank 4", "four axes", _rank(4)),
        Coverpoint("rank 5", "five axes", _rank(5)),
        Coverpoint("merged axes", "a run of consecutive axes stays together (thinker merges it)",
                   lambda c: thinker_merge(_perm(c), list(c.inputs[0].shape))[2] == 1),
        Coverpoint("first axis moves", "rank 4 or more and perm[0] is not 0", lambda c: len(_perm(c)) >= 4
                   and _perm(c)[0] != 0),
        Coverpoint("not an involution", "transposing by the inverse permutation would give another result",
                   _inverse_differs),
    ),
    impl=transpose,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
