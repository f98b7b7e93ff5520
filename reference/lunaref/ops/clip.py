"""Clip: clamp integers to bounds on their own grid (spec/ops/clip.md).

Source: rule 2 (``executor/core/ops/clip.c``: bounds from inputs 1 and 2 if present, else from
``ClipAttrs {max, min}``; a float bound becomes an integer by C truncation toward zero).  thinker
compares in float32, which differs for int32 values beyond 2^24 (errata E-CLIP-1).

    lo = trunc(min), hi = trunc(max)
    Y  = min(max(X, lo), hi)          same dtype and exponent
"""

from __future__ import annotations

import math

import numpy as np

from .. import errors
from ..numerics import as_int
from ..tensor import Tensor
from .registry import Coverpoint, OpDef, Signature


def _bound(v, what: str):
    """A bound as an exact Python int (float bounds truncated toward zero), or ±inf (no bound)."""
    if isinstance(v, Tensor):
        if v.data.size != 1:
            raise errors.ShapeMismatch(f"Clip: {what} must hold one value (got shape {list(v.shape)})")
        v = v.data.reshape(-1)[0]
    if isinstance(v, (bool, np.bool_)):
        raise errors.UnsupportedAttribute(f"Clip: {what} {v!r} is not a number")
    if isinstance(v, (int, np.integer)):
        return int(v)
    try:
        f = float(np.float32(v))          # ClipAttrs and float32 bound tensors hold float32
    except (TypeError, ValueError):
        raise errors.UnsupportedAttribute(f"Clip: {what} {v!r} is not a number") from None
    if math.isnan(f):
        raise errors.NonFiniteInput(f"Clip: {what} is NaN")
    return f if math.isinf(f) else math.trunc(f)


def bounds(inputs, attrs, t) -> tuple:
    """(lo, hi) from inputs 1, 2 (one value each) or the attributes ``min``/``max`` (absent: unbounded)."""
    if len(inputs) > 1:
        lo, hi = _bound(inputs[1], "min"), _bound(inputs[2], "max")
    else:
        lo = _bound(attrs["min"], "min") if attrs.get("min") is not None else -math.inf
        hi = _bound(attrs["max"], "max") if attrs.get("max") is not None else math.inf
    if lo > hi:
        raise errors.ValueOutOfRange(f"Clip: min {lo} is above max {hi}")
    if lo > t.max or hi < t.min:
        raise errors.ValueOutOfRange(f"Clip: bounds [{lo}, {hi}] lie outside the {t} range")
    return lo, hi


def clip(inputs, outputs, attrs, profile):
    """Y = min(max(X, trunc(min)), trunc(max)), dtype and exponent unchanged."""
    x, (y,) = inputs[0], outputs
    if y.exponent != x.exponent:
        raise errors.ExponentOutOfRange(f"Clip: output exponent {y.exponent} differs from the input's {x.exponent}")
    lo, hi = bounds(inputs, attrs, x.dtype)
    lo, hi = max(lo, x.dtype.min), min(hi, x.dtype.max)   # within T's range: the clamp is unchanged
    return [Tensor.of(np.clip(as_int(x.data), int(lo), int(hi)), y.dtype, y.exponent)]


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """Compatibility model (E-CLIP-1): thinker holds both bounds in a C ``float`` and compares each
    element converted to float32; an element below (above) the bound becomes the bound truncated to the
    element type.  Differs from the spec only for int32 values or bounds beyond 2^24 in magnitude."""
    x, (y,) = inputs[0], outputs
    lo, hi = bounds(inputs, attrs, x.dtype)
    if len(inputs) > 1:   # bound tensors are read into the float variables
        raw = [t.data.reshape(-1)[0] for t in inputs[1:3]]
    else:
        raw = [attrs.get("min", -math.inf), attrs.get("max", math.inf)]
    fmin, fmax = (np.float32(v if v is not None else s) for v, s in zip(raw, (-math.inf, math.inf)))
    xf = x.data.astype(np.float32)
    v = as_int(x.data)
    trunc = lambda f: int(math.trunc(float(f))) if math.isfinite(float(f)) else 0  # noqa: E731
    out = np.where(xf < fmin, trunc(fmin), np.where(xf > fmax, trunc(fmax), v))
    return [Tensor.of(out, y.dtype, y.exponent)]


def _lohi(c):
    return bounds(c.inputs, c.attrs, c.inputs[0].dtype)


OP = OpDef(
    name="Clip",
    summary="clamp to [trunc(min), trunc(max)] on the input's integer grid, exponent unchanged",
    spec_section="ops/clip.md",
    since="1.0.0",
    aliases={"linger1": ("Clip",), "linger3": ("Clip",)},
    signatures=tuple(Signature(ins, (t,), unscaled=(1, 2)) for t in ("int8", "int16", "int32")
                     for ins in ((t,), (t, t, t), (t, "float32", "float32"))),
    coverpoints=(
        Coverpoint("clamped low", "a value below the lower bound", lambda c: bool((c.inputs[0].data < _lohi(c)[0]).any())),
        Coverpoint("clamped high", "a value above the upper bound", lambda c: bool((c.inputs[0].data > _lohi(c)[1]).any())),
        Coverpoint("bound tensors", "bounds from inputs 1 and 2", lambda c: len(c.inputs) == 3),
        Coverpoint("fractional bound", "a float bound that is not an integer (truncated toward zero)",
                   lambda c: any(isinstance(b, (float, np.floating)) and math.isfinite(float(b))
                                 and float(np.float32(b)) != math.trunc(float(np.float32(b)))
                                 for b in ([t.data.reshape(-1)[0] for t in c.inputs[1:3] if t.dtype.name == "float32"]
                                           + [c.attrs.get("min"), c.attrs.get("max")]) if b is not None)),
        Coverpoint("one-sided", "only one bound given (attributes)",
                   lambda c: len(c.inputs) == 1 and (c.attrs.get("min") is None) != (c.attrs.get("max") is None)),
    ),
    impl=clip,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
