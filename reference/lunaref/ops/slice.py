"""Slice (spec/ops/slice.md): ONNX Slice — per listed axis, the elements ``start, start+step, …`` before
``end`` (clamped as ONNX clamps them); dtype and exponent kept.

Source: rule 2 (``executor/core/ops/*/slice.h``: one contiguous copy per leading block) for one axis with
step 1; rule 3 (ONNX Slice) for steps other than 1 and several axes, which thinker ignores (errata
E-SLICE-1, E-SLICE-2).  ``thinker_3_0_4`` reproduces the deterministic part of E-SLICE-1.
"""

from __future__ import annotations


from .. import errors
from ..compat import thinker_3_0_4 as thinker_facts
from ..tensor import Tensor
from .gather import require_same_exponent
from .registry import Coverpoint, OpDef, Signature


def _params(inputs):
    """(X, starts, ends, axes, steps) as Python ints, with ONNX's defaults and checks."""
    x = inputs[0]
    rank = len(x.shape)
    starts, ends = ([int(v) for v in t.data.reshape(-1)] for t in inputs[1:3])
    axes = [int(v) for v in inputs[3].data.reshape(-1)] if len(inputs) > 3 else list(range(len(starts)))
    steps = [int(v) for v in inputs[4].data.reshape(-1)] if len(inputs) > 4 else [1] * len(starts)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise errors.ShapeMismatch(f"Slice: starts, ends, axes and steps have different lengths "
                                   f"({len(starts)}, {len(ends)}, {len(axes)}, {len(steps)})")
    for a in axes:
        if not -rank <= a < rank:
            raise errors.ValueOutOfRange(f"Slice: axis {a} outside [-{rank}, {rank - 1}]")
    axes = [a + rank if a < 0 else a for a in axes]
    if len(set(axes)) != len(axes):
        raise errors.ValueOutOfRange(f"Slice: repeated axis in {axes}")
    if 0 in steps:
        raise errors.ValueOutOfRange("Slice: a step is 0")
    return x, starts, ends, axes, steps


def slice_op(inputs, outputs, attrs, profile):
    """Y = X[..., start:end:step, ...] per listed axis (Python's slice clamping is ONNX's)."""
    x, starts, ends, axes, steps = _params(inputs)
    (y,) = outputs
    require_same_exponent("Slice", x, y)
    index = [slice(None)] * len(x.shape)
    for s, e, a, k in zip(starts, ends, axes, steps):
        index[a] = slice(s, e, k)
    return [Tensor.of(x.data[tuple(index)], y.dtype, x.exponent)]


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """Compatibility model (errata E-SLICE-1): thinker uses the first axis and start only, ignores the
    step and the end, and copies the output's extent (ONNX's, from the output shape) of consecutive rows
    from the start, normalised as ``(start + s) mod s`` (0 below ``−s``).

    Where that is undefined — rows past the end of the axis, several axes that change the shape
    (E-SLICE-2), venus on axis 0 or below ``−s`` (E-SLICE-3) — the spec's result."""
    (spec,) = slice_op(inputs, outputs, attrs, profile)
    x, starts, _, axes, _ = _params(inputs)
    a, start = axes[0], starts[0]
    dim = x.shape[a]
    if any(spec.shape[b] != x.shape[b] for b in range(len(x.shape)) if b != a) or dim == 0:
        return [spec]
    facts = thinker_facts(profile)
    if facts.slice_venus_offsets and (a == 0 or start < -dim):
        return [spec]
    begin = (start + dim) % dim if start + dim >= 0 else 0
    n = spec.shape[a]
    if begin + n > dim:
        return [spec]
    index = [slice(None)] * len(x.shape)
    index[a] = slice(begin, begin + n)
    return [Tensor.of(x.data[tuple(index)], spec.dtype, spec.exponent)]


def _p(c):
    return _params(c.inputs)


def _step_shows(c, kind) -> bool:
    """A step of the given kind selects two or more elements on its axis (with one, any step gives the same)."""
    x, starts, ends, axes, steps = _p(c)
    return any(kind(k) and len(range(*slice(s, e, k).indices(x.shape[a]))) >= 2
               for s, e, a, k in zip(starts, ends, axes, steps))


def _beyond(c) -> bool:
    x, starts, ends, axes, steps = _p(c)
    return any((e > x.shape[a] if k > 0 else e < -x.shape[a] - 1) for e, a, k in zip(ends, axes, steps))


_DATA = ("int8", "int16", "int32")

OP = OpDef(
    name="Slice",
    summary="ONNX Slice (starts, ends, axes, steps as raw int64 inputs); exponent unchanged",
    spec_section="ops/slice.md",
    since="1.0.0",
    aliases={"linger1": ("Slice",), "linger3": ("Slice",)},
    signatures=tuple(Signature((t,) + ("int64",) * n, (t,), unscaled=tuple(range(1, n + 1)))
                     for t in _DATA for n in (2, 3, 4)),
    coverpoints=(
        Coverpoint("negative start", "a start is negative (counted from the end)", lambda c: min(_p(c)[1]) < 0),
        Coverpoint("step above 1", "a step of 2 or more takes at least two elements (the step shows)",
                   lambda c: _step_shows(c, lambda k: k > 1)),
        Coverpoint("negative step", "a negative step takes at least two elements (reversed order shows)",
                   lambda c: _step_shows(c, lambda k: k < 0)),
        Coverpoint("end beyond extent", "an end lies beyond the axis (clamped)", _beyond),
        Coverpoint("inner axis", "a sliced axis is not the first", lambda c: max(_p(c)[3]) > 0),
        Coverpoint("several axes", "more than one axis is sliced", lambda c: len(_p(c)[3]) > 1),
    ),
    impl=slice_op,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
