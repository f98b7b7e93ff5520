"""Conv2dInt: quantized 2-D convolution with int32 bias and fused ReLU (spec/ops/conv2dint.md).

Source: rule 1 for the arithmetic (``luna_conv2d`` / ``luna_depthwise2d`` measured on all three
simulators), rule 2 for the composition (``ops/conv2dInt.c``, ``*/conv2dint.h``), rule 3 (linger's
exact left shift) when the shift would be negative (errata E-SHIFT-1).

    acc = Σ_{c,kh,kw} X[n, g·Cg + c, i·sh − pt + kh·dh, j·sw − pl + kw·dw] · W[o, c, kh, kw] + B[o]
    s   = e(X) + e(W) − e(Y)
    Y   = act(sat(rshift(acc, s)))          s ≥ 0   (LUNA conv)
    Y   = act(sat(acc · 2^−s))              s < 0
"""

from __future__ import annotations

from .. import errors, luna
from ..numerics import requantize
from ..platforms import profile as get_profile
from ..tensor import Tensor
from .common import accumulator_coverpoints, ints, platforms_with, require_rank
from .registry import Coverpoint, OpDef, Signature

ACTIVATIONS = ("none", "relu")


def attributes(attrs, w_shape, profile):
    """Normalise and check the attributes; returns (strides, pads, dilations, group, relu)."""
    kh, kw = w_shape[2], w_shape[3]
    kernel = ints(attrs.get("kernel_shape", (kh, kw)), 2, "Conv2dInt kernel_shape")
    if kernel != (kh, kw):
        raise errors.ShapeMismatch(f"Conv2dInt: kernel_shape {list(kernel)} but weight is {list(w_shape)}")
    strides = ints(attrs.get("strides", (1, 1)), 2, "Conv2dInt strides")
    pads = ints(attrs.get("pads", (0, 0, 0, 0)), 4, "Conv2dInt pads")
    dilations = ints(attrs.get("dilations", (1, 1)), 2, "Conv2dInt dilations")
    group = int(attrs.get("group", 1))
    act = attrs.get("act", "none")
    if act not in ACTIVATIONS:
        raise errors.UnsupportedAttribute(f"Conv2dInt: activation {act!r} (supported: {', '.join(ACTIVATIONS)})")
    if 0 in strides or 0 in dilations or group < 1:
        raise errors.UnsupportedAttribute("Conv2dInt: strides, dilations and group must be positive")
    # capability limits of the platform (spec: Capabilities)
    p = profile
    if max(kernel) > p.conv_max_kernel or max(pads) > p.conv_max_pad or \
            not set(strides) <= p.conv_strides or not set(dilations) <= p.conv_dilations:
        raise errors.UnsupportedOnPlatform(
            f"Conv2dInt: kernel {list(kernel)}, strides {list(strides)}, pads {list(pads)}, dilations "
            f"{list(dilations)} exceed {p.name}'s limits (kernel <= {p.conv_max_kernel}, pad <= {p.conv_max_pad}, "
            f"strides in {sorted(p.conv_strides)}, dilations in {sorted(p.conv_dilations)})")
    return strides, pads, dilations, group, act == "relu"


def accumulate(x: Tensor, w: Tensor, b: Tensor | None, attrs, profile):
    strides, pads, dilations, group, _ = attributes(attrs, w.shape, profile)
    return luna.conv2d_acc(x.data, w.data, None if b is None else b.data,
                           strides=strides, pads=pads, dilations=dilations, group=group)


def conv2dint(inputs, outputs, attrs, profile):
    """Y = act(sat(rshift(Σ X·W + B, e(X) + e(W) − e(Y)))) — see the module docstring."""
    x, w, *rest = inputs
    b = rest[0] if rest else None
    (y,) = outputs
    require_rank("Conv2dInt", x, 4, "X")
    require_rank("Conv2dInt", w, 4, "W")
    if b is not None and tuple(b.shape) != (w.shape[0],):
        raise errors.ShapeMismatch(f"Conv2dInt: bias shape {list(b.shape)} is not [{w.shape[0]}]")
    strides, pads, dilations, group, relu = attributes(attrs, w.shape, profile)
    shift = x.exponent + w.exponent - y.exponent
    bias = None if b is None else b.data
    if shift >= 0:
        data = luna.conv2d(x.data, w.data, bias, shift=shift, out=y.dtype.name, platform=profile,
                           strides=strides, pads=pads, dilations=dilations, group=group, relu=relu)
    else:
        acc = luna.conv2d_acc(x.data, w.data, bias, strides=strides, pads=pads, dilations=dilations, group=group)
        data = requantize(acc, x.exponent + w.exponent, y.exponent, y.dtype)
        if relu:
            data = luna.relu(data)
    return [Tensor.of(data, y.dtype, y.exponent)]



def _acc(c):
    b = c.inputs[2] if len(c.inputs) > 2 else None
    return accumulate(c.inputs[0], c.inputs[1], b, c.attrs, get_profile(c.platform))


def _group(c) -> int:
    return int(c.attrs.get("group", 1))


SIGNATURES = tuple(
    Signature(ins, (out,), platforms_with("conv_out", out))
    for out in ("int8", "int16", "int32")
    for ins in (("int8", "int8"), ("int8", "int8", "int32"))
)

OP = OpDef(
    name="Conv2dInt",
    summary="2-D convolution (group 1, depthwise, grouped), int32 bias, rounding shift, fused ReLU",
    spec_section="ops/conv2dint.md",
    since="1.0.0",
    aliases={"linger1": ("Conv2dInt",), "linger3": ("QConv2d",)},
    signatures=SIGNATURES,
    coverpoints=(
        *accumulator_coverpoints(_acc),
        Coverpoint("bias", "an int32 bias is added before the shift", lambda c: len(c.inputs) > 2),
        Coverpoint("relu", "the fused ReLU is applied after rounding", lambda c: c.attrs.get("act") == "relu"),
        Coverpoint("depthwise", "group = input channels = output channels",
                   lambda c: _group(c) > 1 and _group(c) == c.inputs[0].shape[1] == c.inputs[1].shape[0]),
        Coverpoint("grouped", "1 < group < input channels",
                   lambda c: 1 < _group(c) < c.inputs[0].shape[1]),
        Coverpoint("stride > 1", "a stride above 1",
                   lambda c: max(c.attrs.get("strides", (1, 1))) > 1),
        Coverpoint("asymmetric pads", "begin and end pads differ on an axis",
                   lambda c: (lambda p: p[0] != p[2] or p[1] != p[3])(tuple(c.attrs.get("pads", (0, 0, 0, 0))))),
        Coverpoint("dilation > 1", "a dilation above 1",
                   lambda c: max(c.attrs.get("dilations", (1, 1))) > 1),
    ),
    impl=conv2dint,
)
