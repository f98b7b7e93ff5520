"""Resize: float32 nearest-neighbour and linear resizing of the last axis (3-D) or the last two axes
(4-D), with ONNX's coordinate modes, in thinker's float32 operation order (spec/ops/resize.md).

Source: rule 2 (``executor/core/ops/resize.c``: ``GetCoordinateFunc``, ``GetNearestPixelFunc``,
``Resize_nearest_float{3d,4d}``, ``Resize_linear_float{,3d}``; tpacker ``graph_analysis/ops/Resize.py``
for the output shape and the attribute enums); rule 3 (ONNX Resize) where thinker's 4-D linear path is
defective (errata E-RESIZE-1).  Cubic and tf_crop_and_resize are implementation-defined: no result.

    c = coordinate(o)                         float32, per resized axis (ONNX transformation modes)
    nearest: Y[o] = X[clamp(pick(c), 0, L − 1)]
    linear:  i0, i1, w from c;  Y = Σ weight · X[neighbour]  in float32, thinker's order
"""

from __future__ import annotations

import math

import numpy as np

from .. import errors
from ..tensor import Tensor
from .registry import Coverpoint, OpDef, Signature

#: ResizeAttrs enums (executor ``resize.c``; tpacker ``Resize.py`` writes unknown coordinate modes as 4
#: and unknown modes as 2).
COORD_MODES = ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize")
MODES = ("nearest", "linear", "cubic")
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")
F32 = np.float32


def _name(value, names: tuple[str, ...], what: str) -> str:
    if isinstance(value, (bytes, str)):
        v = value.decode() if isinstance(value, bytes) else value
        if v in names:
            return v
    elif isinstance(value, (int, np.integer)) and 0 <= int(value) < len(names):
        return names[int(value)]
    raise errors.UnsupportedAttribute(f"Resize: {what} {value!r} (one of {', '.join(names)})")


def modes(attrs) -> tuple[str, str, str]:
    """(mode, coordinate_transformation_mode, nearest_mode) with ONNX's defaults."""
    return (_name(attrs.get("mode", "nearest"), MODES, "mode"),
            _name(attrs.get("coordinate_transformation_mode", "half_pixel"), COORD_MODES,
                  "coordinate_transformation_mode"),
            _name(attrs.get("nearest_mode", "round_prefer_floor"), NEAREST_MODES, "nearest_mode"))


def geometry(x, scales, sizes) -> tuple[tuple[int, ...], list]:
    """Output shape and the float32 scale of each axis: the given scales (output extent
    ``floor(d · s)``), or ``float32(out / in)`` computed in double when sizes are given."""
    rank = len(x.shape)
    if rank not in (3, 4):
        raise errors.ShapeMismatch(f"Resize: X must have rank 3 or 4 (got shape {list(x.shape)})")
    s = scales.data.reshape(-1) if scales is not None else np.zeros(0, F32)
    z = sizes.data.reshape(-1) if sizes is not None else np.zeros(0, np.int64)
    if (s.size == 0) == (z.size == 0):
        raise errors.ShapeMismatch("Resize: exactly one of scales and sizes must be given")
    if s.size:
        if s.size != rank:
            raise errors.ShapeMismatch(f"Resize: {s.size} scales for rank {rank}")
        if not (np.isfinite(s) & (s > 0)).all():
            raise errors.ValueOutOfRange(f"Resize: scales must be positive and finite (got {s.tolist()})")
        out = tuple(int(math.floor(d * float(v))) for d, v in zip(x.shape, s))
        scale = [F32(v) for v in s]
    else:
        if z.size != rank:
            raise errors.ShapeMismatch(f"Resize: {z.size} sizes for rank {rank}")
        out = tuple(int(v) for v in z)
        if min(x.shape) <= 0:
            raise errors.ShapeMismatch(f"Resize: X has an empty axis ({list(x.shape)})")
        scale = [F32(o / d) for o, d in zip(out, x.shape)]
    if min(out) <= 0:
        raise errors.ShapeMismatch(f"Resize: output shape {list(out)} has an empty axis")
    if tuple(out[:2]) != tuple(x.shape[:2]):
        raise errors.UnsupportedAttribute(f"Resize: output {list(out)} changes an axis before the resized ones "
                                          f"(only the last axis of 3-D, the last two of 4-D input are resized)")
    return out, scale


def coordinates(n_out: int, n_in: int, scale, ctm: str) -> np.ndarray:
    """The float32 source coordinate of every output index, as ``GetCoordinateFunc`` computes it: the
    half-pixel modes in double (C's ``0.5`` is a double) rounded once to float32, the others in float32."""
    o = np.arange(n_out)
    if ctm in ("half_pixel", "pytorch_half_pixel"):
        if ctm == "pytorch_half_pixel" and n_out <= 1:
            return np.zeros(n_out, F32)
        return ((o.astype(np.float64) + 0.5) / np.float64(scale) - 0.5).astype(F32)
    if ctm == "align_corners":
        if n_out <= 1:
            raise errors.ShapeMismatch("Resize: align_corners needs an output extent above 1 on resized axes")
        return (o.astype(F32) * F32(n_in - 1)) / F32(n_out - 1)
    if ctm == "asymmetric":
        return o.astype(F32) / F32(scale)
    raise errors.UnsupportedAttribute("Resize: coordinate_transformation_mode tf_crop_and_resize is "
                                      "implementation-defined (thinker ignores roi)")


def nearest_index(c: np.ndarray, n_in: int, nmode: str) -> np.ndarray:
    """``GetNearestPixelFunc`` then the clamp to ``[0, n_in − 1]``."""
    d = c.astype(np.float64)
    away = np.sign(d) * np.floor(np.abs(d) + 0.5)          # C round(): halves away from zero
    if nmode == "floor":
        i = np.floor(d)
    elif nmode == "ceil":
        i = np.ceil(d)
    elif nmode == "round_prefer_ceil":
        i = away
    else:                                                   # round_prefer_floor: a positive half goes down
        t = np.trunc(d)
        i = np.where(t + 0.5 == d, t, away)
    return np.clip(i, 0, n_in - 1).astype(np.int64)


def linear_taps(c: np.ndarray, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i0, i1, w) of one axis: outside ``[0, n_in − 1]`` both taps are the edge and ``w = c − edge``;
    inside ``i0 = trunc(c)``, ``i1 = min(i0 + 1, n_in − 1)``, ``w = c − i0`` (float32)."""
    lo, hi = c < 0, c > F32(n_in - 1)
    inner = np.trunc(np.where(lo | hi, 0, c)).astype(np.int64)
    i0 = np.where(lo, 0, np.where(hi, n_in - 1, inner))
    i1 = np.where(lo | hi, i0, np.minimum(i0 + 1, n_in - 1))
    return i0, i1, (c - i0.astype(F32)).astype(F32)


def resize(inputs, outputs, attrs, profile):
    """Nearest or linear resize of the trailing axes in float32 (see the module docstring)."""
    x, roi, scales, *rest = inputs
    (y,) = outputs
    mode, ctm, nmode = modes(attrs)
    if mode == "cubic":
        raise errors.UnsupportedAttribute("Resize: mode cubic is implementation-defined (thinker's weights use "
                                          "libm pow in double)")
    out, scale = geometry(x, scales, rest[0] if rest else None)
    data = x.data.astype(F32)
    axes = range(2, len(out))
    coords = [coordinates(out[a], x.shape[a], scale[a], ctm) for a in axes]
    if mode == "nearest":
        idx = [nearest_index(c, x.shape[a], nmode) for a, c in zip(axes, coords)]
        res = data[:, :, idx[0]] if len(idx) == 1 else data[:, :, idx[0][:, None], idx[1][None, :]]
        return [Tensor.of(res.astype(F32), y.dtype)]
    one = F32(1)
    if len(coords) == 1:
        y0, y1, wy = linear_taps(coords[0], x.shape[2])
        res = (one - wy) * data[:, :, y0] + wy * data[:, :, y1]
        return [Tensor.of(res.astype(F32), y.dtype)]
    y0, y1, wy = linear_taps(coords[0], x.shape[2])
    x0, x1, wx = linear_taps(coords[1], x.shape[3])
    wy, wx = wy[:, None], wx[None, :]
    w_i, w_j = (one - wy) * (one - wx), (one - wy) * wx
    w_h, w_g = wy * (one - wx), wx * wy
    a, b = y0[:, None], y1[:, None]
    p, q = x0[None, :], x1[None, :]
    res = w_i * data[:, :, a, p] + w_j * data[:, :, a, q]
    res = res + w_h * data[:, :, b, p]
    res = res + w_g * data[:, :, b, q]
    return [Tensor.of(res.astype(F32), y.dtype)]


# --- coverpoints -----------------------------------------------------------------------------

def _coords(c):
    """(n_in, coordinates) of each resized axis of a case, or [] when it does not compute."""
    try:
        x, _, scales, *rest = c.inputs
        out, scale = geometry(x, scales, rest[0] if rest else None)
        _, ctm, _ = modes(c.attrs)
        return [(x.shape[a], coordinates(out[a], x.shape[a], scale[a], ctm)) for a in range(2, len(out))]
    except errors.LunarefError:
        return []


def _mode(c, k: int) -> str:
    try:
        return modes(c.attrs)[k]
    except errors.LunarefError:
        return "?"


def _nearest_tie(c, nmode: str) -> bool:
    if _mode(c, 0) != "nearest" or _mode(c, 2) != nmode:
        return False
    return any(bool(((cs >= 0) & (cs - np.floor(cs) == F32(0.5)) & (cs < n - 1)).any()) for n, cs in _coords(c))


COVERPOINTS = (
    Coverpoint("nearest", "mode nearest", lambda c: _mode(c, 0) == "nearest"),
    Coverpoint("linear", "mode linear", lambda c: _mode(c, 0) == "linear"),
    *(Coverpoint(m, f"coordinate_transformation_mode {m}", lambda c, m=m: _mode(c, 1) == m)
      for m in COORD_MODES[:4]),
    Coverpoint("floor", "nearest_mode floor with a fractional coordinate",
               lambda c: _mode(c, 0) == "nearest" and _mode(c, 2) == "floor"
               and any(bool((cs != np.floor(cs)).any()) for _, cs in _coords(c))),
    Coverpoint("ceil", "nearest_mode ceil with a fractional coordinate",
               lambda c: _mode(c, 0) == "nearest" and _mode(c, 2) == "ceil"
               and any(bool((cs != np.floor(cs)).any()) for _, cs in _coords(c))),
    Coverpoint("prefer floor tie", "round_prefer_floor meets an exact half inside the input (rounds down)",
               lambda c: _nearest_tie(c, "round_prefer_floor")),
    Coverpoint("prefer ceil tie", "round_prefer_ceil meets an exact half inside the input (rounds up)",
               lambda c: _nearest_tie(c, "round_prefer_ceil")),
    Coverpoint("clamped", "a source coordinate lies outside [0, L − 1] and is clamped to the edge",
               lambda c: any(bool(((cs < 0) | (cs > F32(n - 1))).any()) for n, cs in _coords(c))),
    Coverpoint("downscale", "a resized axis gets shorter",
               lambda c: any(o < i for o, i in zip(_out_shape(c), c.inputs[0].shape))),
    Coverpoint("rank 3", "a 3-D input: one resized axis", lambda c: len(c.inputs[0].shape) == 3),
    Coverpoint("sizes given", "the output shape comes from sizes (scales empty)",
               lambda c: len(c.inputs) > 3 and c.inputs[3].data.size > 0),
)


def _out_shape(c):
    return c.outputs[0].shape


OP = OpDef(
    name="Resize",
    summary="float32 nearest / linear resize of the trailing axes, ONNX coordinate modes, thinker's float order",
    spec_section="ops/resize.md",
    since="1.0.0",
    aliases={"linger1": ("Resize",), "linger3": ("Resize",)},
    signatures=(
        Signature(("float32", "float32", "float32"), ("float32",)),
        Signature(("float32", "float32", "float32", "int64"), ("float32",), unscaled=(3,)),
    ),
    coverpoints=COVERPOINTS,
    impl=resize,
)
