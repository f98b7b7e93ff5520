"""ShuffleChannel (venus): channel shuffle with ``groups`` groups (spec/ops/shufflechannel.md).

Source: rule 2 (``executor/core/ops/venus/shufflechannel.h``: a byte copy of channel ``i·(C/g) + j`` to
channel ``j·g + i``, NCHW for axis 1 and NHWC for axis 3; ``shufflechannel.c`` has no arcs or venusA
implementation; tpacker packs it for venus only, ``devices/venus.py``).

    C = g · m:  Y[:, j·g + i] = X[:, i·m + j]   (i < g, j < m; the channel axis is 1 or 3)
"""

from __future__ import annotations

from .. import errors
from ..tensor import Tensor
from .common import require_rank
from .registry import Coverpoint, OpDef, Signature


def shuffle(data, groups: int, axis: int):
    """The permutation along ``axis`` of a 4-D array: view C as (g, C/g), swap, flatten."""
    n = data.shape
    c = n[axis]
    split = n[:axis] + (groups, c // groups) + n[axis + 1:]
    return data.reshape(split).swapaxes(axis, axis + 1).reshape(n)


def shufflechannel(inputs, outputs, attrs, profile):
    """Y = X with its channels regrouped: output channel j·g + i is input channel i·(C/g) + j."""
    (x,) = inputs
    (y,) = outputs
    require_rank("ShuffleChannel", x, 4, "X")
    axis = int(attrs.get("axis", 1))
    if axis not in (1, 3):
        raise errors.UnsupportedAttribute(f"ShuffleChannel: axis {axis} (1 for NCHW or 3 for NHWC)")
    if "groups" not in attrs:
        raise errors.UnsupportedAttribute("ShuffleChannel: missing attribute 'groups'")
    g = int(attrs["groups"])
    if not 1 <= g <= 255:
        raise errors.UnsupportedAttribute(f"ShuffleChannel: groups {g} (1…255: the resource stores a u8)")
    if x.shape[axis] % g:
        raise errors.ShapeMismatch(f"ShuffleChannel: {x.shape[axis]} channels do not split into {g} groups")
    if y.exponent != x.exponent:
        raise errors.ExponentOutOfRange(f"ShuffleChannel: output exponent {y.exponent} differs from the "
                                        f"input's {x.exponent}")
    return [Tensor.of(shuffle(x.data, g, axis), y.dtype, y.exponent)]


def _g(c) -> int:
    return int(c.attrs.get("groups", 1))


def _c(c) -> int:
    return c.inputs[0].shape[int(c.attrs.get("axis", 1))]


OP = OpDef(
    name="ShuffleChannel",
    summary="channel shuffle: channel i·(C/g) + j moves to j·g + i (venus)",
    spec_section="ops/shufflechannel.md",
    since="1.0.0",
    aliases={"linger1": ("ShuffleChannel",)},
    signatures=tuple(Signature((t,), (t,), ("venus",)) for t in ("int8", "int16", "int32")),
    coverpoints=(
        Coverpoint("channels first", "axis 1 (NCHW)", lambda c: int(c.attrs.get("axis", 1)) == 1),
        Coverpoint("channels last", "axis 3 (NHWC)", lambda c: int(c.attrs.get("axis", 1)) == 3),
        Coverpoint("proper shuffle", "1 < groups < channels: the permutation moves channels",
                   lambda c: 1 < _g(c) < _c(c)),
        Coverpoint("several images", "a batch of more than one", lambda c: c.inputs[0].shape[0] > 1),
    ),
    impl=shufflechannel,
)
