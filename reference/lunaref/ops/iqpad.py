"""iqPad: pad the spatial axes of a quantized NCHW tensor (spec/ops/iqpad.md).

Source: rule 2 for the interface (``executor/core/ops/iqpad.c``, ``venus/iqpad.h``: pads of 4, 6 or 8
int64 values, modes 0 constant, 1 reflect, 2 edge); the mode semantics are ONNX Pad's, which thinker
intends but does not compute on any platform (errata E-IQPAD-1).

    Y = X extended by pads on H and W: constant 0, a mirror that excludes the edge, or the edge repeated
"""

from __future__ import annotations

import numpy as np

from .. import compat, errors
from ..tensor import Tensor
from .common import require_rank
from .registry import Coverpoint, OpDef, Signature

MODES = {0: "constant", 1: "reflect", 2: "edge", "constant": "constant", "reflect": "reflect", "edge": "edge",
         "replicate": "edge"}


def spatial_pads(values) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) from thinker's 4, 6 or 8 pad values; N and C pads must be 0."""
    p = [int(v) for v in np.asarray(values).reshape(-1)]
    if len(p) == 4:
        t, l, b, r = p
    elif len(p) == 6:
        if p[0] or p[3]:
            raise errors.UnsupportedAttribute(f"iqPad: channel pads {p[0]}, {p[3]} (only H and W are padded)")
        t, l, b, r = p[1], p[2], p[4], p[5]
    elif len(p) == 8:
        if p[0] or p[1] or p[4] or p[5]:
            raise errors.UnsupportedAttribute(f"iqPad: batch/channel pads in {p} (only H and W are padded)")
        t, l, b, r = p[2], p[3], p[6], p[7]
    else:
        raise errors.UnsupportedAttribute(f"iqPad: {len(p)} pad values (expected 4, 6 or 8)")
    if min(t, l, b, r) < 0:
        raise errors.UnsupportedAttribute(f"iqPad: negative pads {[t, l, b, r]}")
    return t, l, b, r


def iqpad(inputs, outputs, attrs, profile):
    """Y = pad(X) on H and W in the given mode; dtype and exponent unchanged."""
    x, pads, *rest = inputs
    (y,) = outputs
    require_rank("iqPad", x, 4, "X")
    mode = MODES.get(attrs.get("mode", 0))
    if mode is None:
        raise errors.UnsupportedAttribute(f"iqPad: mode {attrs.get('mode')!r} (0 constant, 1 reflect, 2 edge)")
    if rest and np.any(rest[0].data != 0):
        raise errors.UnsupportedAttribute("iqPad: a constant pad value other than 0")
    if y.exponent != x.exponent:
        raise errors.ExponentOutOfRange(f"iqPad: output exponent {y.exponent} differs from the input's {x.exponent}")
    t, l, b, r = spatial_pads(pads.data)
    h, w = x.shape[2:]
    if mode == "reflect" and (max(t, b) >= h or max(l, r) >= w):
        raise errors.ShapeMismatch(f"iqPad: reflect pads {[t, l, b, r]} must be smaller than H {h} and W {w}")
    if mode == "edge" and (h == 0 or w == 0):
        raise errors.ShapeMismatch("iqPad: edge padding of an empty axis")
    data = np.pad(x.data, ((0, 0), (0, 0), (t, b), (l, r)), mode=mode)
    return [Tensor.of(data, y.dtype, y.exponent)]


#: ``iqpad.h`` on venus pads "reflect" with the edge value and "edge" by reflection (E-IQPAD-1).
_VENUS_SWAP = {"reflect": "edge", "edge": "reflect", "constant": "constant"}


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """Compatibility model (E-IQPAD-1): on venus thinker 3.0.4 swaps reflect and edge (deterministic;
    observed end-to-end); arcs and venusA produce data-dependent garbage in every mode (no model: the
    spec's result)."""
    if not compat.thinker_3_0_4(profile).iqpad_modes_swapped:
        return iqpad(inputs, outputs, attrs, profile)
    mode = MODES.get(attrs.get("mode", 0))
    iqpad(inputs, outputs, attrs, profile)           # the spec's REQUIREs
    return iqpad(inputs, outputs, dict(attrs, mode=_VENUS_SWAP.get(mode, attrs.get("mode"))), profile)


def _mode(c) -> str:
    return MODES.get(c.attrs.get("mode", 0), "?")


OP = OpDef(
    name="iqPad",
    summary="pad H and W of an NCHW tensor: constant 0, reflect or edge",
    spec_section="ops/iqpad.md",
    since="1.0.0",
    aliases={"linger1": ("iqPad",), "linger3": ("Pad",)},
    signatures=tuple(Signature(ins, ("int8",), unscaled=(1, 2)) for ins in
                     (("int8", "int64"), ("int8", "int64", "int64"))),
    coverpoints=(
        Coverpoint("constant", "mode 0: zeros", lambda c: _mode(c) == "constant"),
        Coverpoint("reflect", "mode 1: mirror without the edge", lambda c: _mode(c) == "reflect"),
        Coverpoint("edge", "mode 2: the edge repeated", lambda c: _mode(c) == "edge"),
        Coverpoint("asymmetric", "begin and end pads differ on an axis",
                   lambda c: (lambda p: p[0] != p[2] or p[1] != p[3])(spatial_pads(c.inputs[1].data))),
        Coverpoint("eight pad values", "pads in ONNX's 8-value form",
                   lambda c: c.inputs[1].data.size == 8),
    ),
    impl=iqpad,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
