"""MaxPool on int8 (spec/ops/maxpool.md).

Source: rule 1 (``luna_max_pooling``: padded positions are ignored, not zero), rule 2 (``ops/maxpool.c``).

    Y[n, c, i, j] = max over the window of X, positions in the padding never taking part
"""

from __future__ import annotations

import numpy as np

from .. import errors, luna
from ..luna.cnn import windows
from ..tensor import Tensor
from .common import ints, require_rank
from .registry import Coverpoint, OpDef, Signature


def attributes(attrs):
    kernel = ints(attrs.get("kernel_shape", ()), 2, "MaxPool kernel_shape")
    strides = ints(attrs.get("strides", kernel), 2, "MaxPool strides")
    pads = ints(attrs.get("pads", (0, 0, 0, 0)), 4, "MaxPool pads")
    if ints(attrs.get("dilations", (1, 1)), 2, "MaxPool dilations") != (1, 1):
        raise errors.UnsupportedAttribute("MaxPool: dilations other than 1")
    if 0 in kernel or 0 in strides:
        raise errors.UnsupportedAttribute("MaxPool: kernel and strides must be positive")
    if any(p >= k for p, k in zip(pads, kernel + kernel)):
        raise errors.UnsupportedAttribute(f"MaxPool: pads {list(pads)} must be smaller than the kernel {list(kernel)}")
    return kernel, strides, pads, bool(attrs.get("ceil_mode", 0))


def maxpool(inputs, outputs, attrs, profile):
    """Y = window maximum of X; padding is ignored; dtype and exponent unchanged."""
    (x,), (y,) = inputs, outputs
    require_rank("MaxPool", x, 4, "X")
    if y.exponent != x.exponent:
        raise errors.ExponentOutOfRange(f"MaxPool: output exponent {y.exponent} differs from the input's {x.exponent}")
    kernel, strides, pads, ceil_mode = attributes(attrs)
    return [Tensor.of(luna.max_pool2d(x.data, kernel, strides, pads, ceil_mode), y.dtype, y.exponent)]


def _padding_matters(c) -> bool:
    """A window that touches padding and whose real values are all negative: zero padding would win."""
    kernel, strides, pads, ceil_mode = attributes(c.attrs)
    x = c.inputs[0].data.astype(np.int64)
    if not any(pads):
        return False
    ignored = luna.max_pool2d(x, kernel, strides, pads, ceil_mode)
    zero_padded = windows(x, kernel, strides, pads, ceil_mode=ceil_mode, fill=0).max(axis=(4, 5))
    return bool((zero_padded != ignored).any())


OP = OpDef(
    name="MaxPool",
    summary="2-D max pooling on int8; padded positions never win",
    spec_section="ops/maxpool.md",
    since="1.0.0",
    aliases={"linger1": ("MaxPool",), "linger3": ("MaxPool",)},
    signatures=(Signature(("int8",), ("int8",)),),
    coverpoints=(
        Coverpoint("padding never wins", "a window touching padding holds only negative values",
                   _padding_matters),
        Coverpoint("overlapping windows", "stride smaller than the kernel on an axis",
                   lambda c: any(s < k for s, k in zip(attributes(c.attrs)[1], attributes(c.attrs)[0]))),
        Coverpoint("ceil mode", "ceil_mode adds a partial window at the end",
                   lambda c: attributes(c.attrs)[3]),
    ),
    impl=maxpool,
)
