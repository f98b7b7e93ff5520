"""Conv2dInt: quantized 2-D convolution with int32 bias and fused ReLU (spec/ops/conv2dint.md).

Source: rule 1 for the arithmetic (``luna_conv2d`` / ``luna_depthwise2d`` measured on all three
simulators), rule 2 for the composition (``ops/conv2dInt.c``, ``*/conv2dint.h``), rule 3 (linger's
exact left shift) when the shift would be negative (errata E-SHIFT-1).

    acc = Σ_{c,kh,kw} X[n, g·Cg + c, i·sh − pt + kh·dh, j·sw − pl + kw·dw] · W[o, c, kh, kw] + B[o]
    s   = e(X) + e(W) − e(Y)
    Y   = act(sat(rshift(acc, s)))          s ≥ 0   (LUNA conv)
    Y   = act(sat(acc · 2^−s))              s < 0

int4 weights: the same on the unpacked values. int16 activations (venus): the executor's float32
requantization, ``Y = act(sat8(⌊float32(acc) · 2^−s⌋))`` — floor, not the rounding shift — computed
exactly (numerics.md §4.1).
"""

from __future__ import annotations

import numpy as np

from .. import compat, errors, luna
from ..numerics import Rounding, as_int, requantize, rescale, round_to_float32, saturate
from ..platforms import PROFILES, profile as get_profile
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


def floor_requant(acc, shift: int, to: str = "int8"):
    """The int16 path's float requantization: ``sat(⌊float32(acc) · 2^−shift⌋)``, computed exactly (the
    float32 products by powers of two are exact; spec/ops/conv2dint.md, int16 activations)."""
    return saturate(rescale(round_to_float32(acc), shift, Rounding.FLOOR), to)


def _int16_checks(x: Tensor, w: Tensor, y, group: int, dilations, profile) -> None:
    """Capabilities of the int16 x int16 path (spec: Capabilities)."""
    if not profile.int16_mac or w.dtype.name != "int16":
        raise errors.UnsupportedOnPlatform(f"Conv2dInt: {x.dtype} input with {w.dtype} weights on {profile.name} "
                                           "(int16 x int16 only, on venus)")
    if y.dtype.name != "int8" or group != 1 or max(dilations) != 1:
        raise errors.UnsupportedOnPlatform(f"Conv2dInt: the int16 path has int8 output, group 1 and dilation 1 "
                                           f"only (got {y.dtype}, group {group}, dilations {list(dilations)})")


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
    if w.dtype.name == "int4" and not profile.conv_int4_weights:
        raise errors.UnsupportedOnPlatform(f"Conv2dInt: int4 weights on {profile.name}")
    if x.dtype.name == "int16" or w.dtype.name == "int16":     # venus int16 x int16: float floor requant
        _int16_checks(x, w, y, group, dilations, profile)
        acc = luna.conv2d_acc(x.data, w.data, bias, strides=strides, pads=pads, dilations=dilations, group=group)
        data = floor_requant(acc, shift, y.dtype.name)
        return [Tensor.of(luna.relu(data) if relu else data, y.dtype, y.exponent)]
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


def _floor_differs(c) -> bool:
    from ..numerics import rounding_shift
    s = c.inputs[0].exponent + c.inputs[1].exponent - c.outputs[0].exponent
    acc = _acc(c)
    return s > 0 and bool((floor_requant(acc, s, "int64") != rounding_shift(acc, s)).any())


def _group(c) -> int:
    return int(c.attrs.get("group", 1))


SIGNATURES = tuple(
    Signature(ins, (out,), platforms_with("conv_out", out))
    for out in ("int8", "int16", "int32")
    for ins in (("int8", "int8"), ("int8", "int8", "int32"))
) + tuple(   # int4 weights (arcs, venusA) and the venus int16 x int16 path (int8 result)
    Signature(ins, (out,), tuple(p for p in platforms_with("conv_out", out) if get_profile(p).conv_int4_weights))
    for out in ("int8", "int16", "int32")
    for ins in (("int8", "int4"), ("int8", "int4", "int32"))
) + tuple(
    Signature(ins, ("int8",), tuple(p.name for p in PROFILES.values() if p.int16_mac))
    for ins in (("int16", "int16"), ("int16", "int16", "int32"))
)


# ----------------------------------------------------------------------------------------------
# thinker 3.0.4 compatibility (spec/errata.md E-CONV-1: the venus int16 path)
# ----------------------------------------------------------------------------------------------

def _thinker_int16(x: Tensor, w: Tensor, b: Tensor | None, y, attrs, profile):
    """``conv2dint_i16w16o8`` as written: ``mat_mul_q15_int32`` saturates the accumulator to int32, the
    bias ``offset`` saturates again, then the float floor requantization.  None where thinker's result is
    undefined: no bias (a NULL bias is read), width padding (the unpadded column reads run past the last
    row of the input), a shift outside 0…26 (``1 << (shift + 4)`` overflows)."""
    strides, pads, dilations, group, relu = attributes(attrs, w.shape, profile)
    shift = x.exponent + w.exponent - y.exponent
    if b is None or not 0 <= shift <= 26 or pads[1] or pads[3]:
        return None
    acc = luna.conv2d_acc(x.data, w.data, None, strides=strides, pads=pads, dilations=dilations, group=group)
    acc = saturate(saturate(acc, "int32").astype(np.int64) + as_int(b.data).reshape(1, -1, 1, 1), "int32")
    data = floor_requant(acc, shift, "int8")
    return [Tensor.of(luna.relu(data) if relu else data, y.dtype, y.exponent)]


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """thinker 3.0.4's Conv2dInt: the spec, except the venus int16 path (E-CONV-1)."""
    x, w, *rest = inputs
    if x.dtype.name == "int16" and compat.thinker_3_0_4(profile).conv_int16_as_written:
        got = _thinker_int16(x, w, rest[0] if rest else None, outputs[0], attrs, profile)
        if got is not None:
            return got
    return conv2dint(inputs, outputs, attrs, profile)

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
        Coverpoint("int4 weights", "the weights are int4 (packed two per byte in a resource)",
                   lambda c: c.inputs[1].dtype.name == "int4"),
        Coverpoint("int16 input", "int16 activations and weights (the float floor requantization)",
                   lambda c: c.inputs[0].dtype.name == "int16"),
        Coverpoint("int16 floor", "the int16 path floors a value that round-half-up would round up",
                   lambda c: c.inputs[0].dtype.name == "int16" and _floor_differs(c)),
    ),
    impl=conv2dint,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
