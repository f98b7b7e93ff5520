"""ConvTranspose2dInt: quantized 2-D transposed convolution with int32 bias and fused ReLU
(spec/ops/convtranspose2dint.md).

Source: rule 1 (``luna_deconv2d_i8i8o8`` measured on the arcs and venusA simulators with the executor's
settings and tpacker's weight layout: exact, whatever the right and bottom pads the executor passes),
rule 2 for the composition (``ops/convtranspose2dint.c``, ``*/deconv2dint.h``), rule 3 (linger's
``QConvTranspose2d``: an exact left scale) when the shift would be negative.  ONNX ConvTranspose:

    full[n, o, i·sh + kh·dh, j·sw + kw·dw] += X[n, c, i, j] · W[c, o − g·OCg, kh, kw]    (c in group g)
    acc = full[n, o, pt + y, pl + x] + B[o]
    Y   = act(sat(rshift(acc, e(X) + e(W) − e(Y))))     (exact left scale when the shift is negative)

int4 weights (every platform: ``luna_deconv2d_i8i4o8`` on arcs and venusA, ``luna_deconv_intx_int8(…, 4)`` on
venus, measured exact on the packed layout two per byte): the same on the unpacked values.  tpacker 3.0.4
stores them one per byte (errata E-DECONV-2); lunaref's packer stores them as the primitives read them.
"""

from __future__ import annotations

from .. import errors, luna
from ..numerics import requantize, rounding_shift, saturate
from ..platforms import profile as get_profile
from ..tensor import Tensor
from .common import accumulator_coverpoints, ints, require_rank
from .registry import Coverpoint, OpDef, Signature

ACTIVATIONS = ("none", "relu")


def attributes(attrs, w_shape, profile):
    """Normalise and check the attributes; returns (strides, pads, output_padding, dilations, group, relu)."""
    kh, kw = w_shape[2], w_shape[3]
    kernel = ints(attrs.get("kernel_shape", (kh, kw)), 2, "ConvTranspose2dInt kernel_shape")
    if kernel != (kh, kw):
        raise errors.ShapeMismatch(f"ConvTranspose2dInt: kernel_shape {list(kernel)} but weight is {list(w_shape)}")
    strides = ints(attrs.get("strides", (1, 1)), 2, "ConvTranspose2dInt strides")
    pads = ints(attrs.get("pads", (0, 0, 0, 0)), 4, "ConvTranspose2dInt pads")
    out_pad = ints(attrs.get("output_padding", (0, 0)), 2, "ConvTranspose2dInt output_padding")
    dilations = ints(attrs.get("dilations", (1, 1)), 2, "ConvTranspose2dInt dilations")
    group = int(attrs.get("group", 1))
    act = attrs.get("act", "none")
    if act not in ACTIVATIONS:
        raise errors.UnsupportedAttribute(f"ConvTranspose2dInt: activation {act!r} "
                                          f"(supported: {', '.join(ACTIVATIONS)})")
    if 0 in strides or 0 in dilations or group < 1:
        raise errors.UnsupportedAttribute("ConvTranspose2dInt: strides, dilations and group must be positive")
    if any(op >= max(s, d) for op, s, d in zip(out_pad, strides, dilations)):
        raise errors.UnsupportedAttribute(f"ConvTranspose2dInt: output_padding {list(out_pad)} must be below the "
                                          f"stride or dilation of its axis (ONNX)")
    # capability limits (spec: Capabilities) — tpacker's ConvTranspose2dIntAttrs.checkparams and the
    # weight re-layout (group 1 only, dilation 1)
    p = profile
    if max(kernel) > p.conv_max_kernel or max(pads) > p.conv_max_pad or not set(strides) <= p.conv_strides \
            or dilations != (1, 1) or group != 1 or kh < strides[0] or kw < strides[1] \
            or max(pads[0], pads[2]) > kh or max(pads[1], pads[3]) > kw:
        raise errors.UnsupportedOnPlatform(
            f"ConvTranspose2dInt: kernel {list(kernel)}, strides {list(strides)}, pads {list(pads)}, dilations "
            f"{list(dilations)}, group {group} exceed {p.name}'s limits (kernel <= {p.conv_max_kernel}, pad <= "
            f"min({p.conv_max_pad}, kernel), strides in {sorted(p.conv_strides)} and <= kernel, dilation 1, "
            "group 1)")
    return strides, pads, out_pad, dilations, group, act == "relu"


def _check(inputs, outputs, attrs, profile):
    x, w, *rest = inputs
    b = rest[0] if rest else None
    (y,) = outputs
    require_rank("ConvTranspose2dInt", x, 4, "X")
    require_rank("ConvTranspose2dInt", w, 4, "W")
    group = int(attrs.get("group", 1))
    if group < 1 or w.shape[0] != x.shape[1] or x.shape[1] % group:
        raise errors.ShapeMismatch(f"ConvTranspose2dInt: weight {list(w.shape)} does not match input channels "
                                   f"{x.shape[1]} with group {group}")
    if b is not None and tuple(b.shape) != (w.shape[1] * group,):
        raise errors.ShapeMismatch(f"ConvTranspose2dInt: bias shape {list(b.shape)} is not [{w.shape[1] * group}]")
    return x, w, b, y, attributes(attrs, w.shape, profile)


def accumulate(x: Tensor, w: Tensor, b: Tensor | None, attrs, profile):
    strides, pads, out_pad, dilations, group, _ = attributes(attrs, w.shape, profile)
    return luna.conv_transpose2d_acc(x.data, w.data, None if b is None else b.data, strides=strides, pads=pads,
                                     output_padding=out_pad, dilations=dilations, group=group)


def convtranspose2dint(inputs, outputs, attrs, profile):
    """Y = act(sat(rshift(ConvTranspose(X, W) + B, e(X) + e(W) − e(Y)))) — see the module docstring."""
    x, w, b, y, (strides, pads, out_pad, dilations, group, relu) = _check(inputs, outputs, attrs, profile)
    acc = luna.conv_transpose2d_acc(x.data, w.data, None if b is None else b.data, strides=strides, pads=pads,
                                    output_padding=out_pad, dilations=dilations, group=group)
    shift = x.exponent + w.exponent - y.exponent
    if shift >= 0:
        data = saturate(rounding_shift(acc, shift), y.dtype.name)
    else:
        data = requantize(acc, x.exponent + w.exponent, y.exponent, y.dtype)
    if relu:
        data = luna.relu(data)
    return [Tensor.of(data, y.dtype, y.exponent)]


def _acc(c):
    b = c.inputs[2] if len(c.inputs) > 2 else None
    return accumulate(c.inputs[0], c.inputs[1], b, c.attrs, get_profile(c.platform))


_ALL = ("venus", "venusA", "arcs")
SIGNATURES = tuple(Signature(ins, ("int8",), _ALL)     # int8 or int4 weights, on every platform
                   for ins in (("int8", "int8"), ("int8", "int8", "int32"), ("int8", "int4"), ("int8", "int4", "int32")))

OP = OpDef(
    name="ConvTranspose2dInt",
    summary="2-D transposed convolution (ONNX ConvTranspose), int32 bias, rounding shift, fused ReLU",
    spec_section="ops/convtranspose2dint.md",
    since="1.0.0",
    aliases={"linger1": ("ConvTranspose2dInt",), "linger3": ("QConvTranspose2d",)},
    signatures=SIGNATURES,
    coverpoints=(
        *accumulator_coverpoints(_acc),
        Coverpoint("bias", "an int32 bias is added before the shift", lambda c: len(c.inputs) > 2),
        Coverpoint("relu", "the fused ReLU is applied after rounding", lambda c: c.attrs.get("act") == "relu"),
        Coverpoint("stride > 1", "a stride above 1", lambda c: max(c.attrs.get("strides", (1, 1))) > 1),
        Coverpoint("output padding", "an output_padding above 0",
                   lambda c: max(c.attrs.get("output_padding", (0, 0))) > 0),
        Coverpoint("asymmetric pads", "begin and end pads differ on an axis",
                   lambda c: (lambda p: p[0] != p[2] or p[1] != p[3])(tuple(c.attrs.get("pads", (0, 0, 0, 0))))),
        Coverpoint("cropped", "pads remove output positions (a pad above 0)",
                   lambda c: max(c.attrs.get("pads", (0, 0, 0, 0))) > 0),
        Coverpoint("int4 weights", "the weights are int4 (packed two per byte in a resource)",
                   lambda c: c.inputs[1].dtype.name == "int4"),
    ),
    impl=convtranspose2dint,
)
