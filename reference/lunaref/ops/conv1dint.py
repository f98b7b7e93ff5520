"""Conv1dInt: quantized 1-D convolution with int32 bias and fused ReLU (spec/ops/conv1dint.md).

Source: rule 1 (``luna_conv1d_*`` / ``luna_depthwise1d_*`` measured on the arcs and venusA simulators with
the executor's settings; venus composes ``luna_conv_q7_*`` with a height-1 window), rule 2 for the
composition (``ops/conv1dInt.c``, ``*/conv1dint.h``), rule 3 (linger's exact left shift) when the shift
would be negative.  The arithmetic is Conv2dInt's with a height-1 input and kernel:

    acc = Σ_{c,k} X[n, g·Cg + c, t·s − pl + k] · W[o, c, k] + B[o]
    s   = e(X) + e(W) − e(Y)
    Y   = act(sat(rshift(acc, s)))          s ≥ 0
    Y   = act(sat(acc · 2^−s))              s < 0

int4 weights (arcs, venusA: ``luna_conv1d_i8i4o*`` / ``luna_depthwise1d_i8i4o*``, measured exact on the
packed layout two per byte): the same on the unpacked values.
"""

from __future__ import annotations

import numpy as np

from .. import compat, errors, luna
from ..numerics import requantize, rounding_shift, saturate
from ..platforms import profile as get_profile
from ..tensor import Tensor
from .common import accumulator_coverpoints, ints, platforms_with, require_rank
from .registry import Coverpoint, OpDef, Signature

ACTIVATIONS = ("none", "relu")


def attributes(attrs, w_shape, profile):
    """Normalise and check the attributes; returns (stride, pads, group, relu)."""
    k = w_shape[2]
    kernel = ints(attrs.get("kernel_shape", (k,)), 1, "Conv1dInt kernel_shape")
    if kernel != (k,):
        raise errors.ShapeMismatch(f"Conv1dInt: kernel_shape {list(kernel)} but weight is {list(w_shape)}")
    (stride,) = ints(attrs.get("strides", (1,)), 1, "Conv1dInt strides")
    pads = ints(attrs.get("pads", (0, 0)), 2, "Conv1dInt pads")
    (dilation,) = ints(attrs.get("dilations", (1,)), 1, "Conv1dInt dilations")
    group = int(attrs.get("group", 1))
    act = attrs.get("act", "none")
    if act not in ACTIVATIONS:
        raise errors.UnsupportedAttribute(f"Conv1dInt: activation {act!r} (supported: {', '.join(ACTIVATIONS)})")
    if stride == 0 or dilation == 0 or group < 1:
        raise errors.UnsupportedAttribute("Conv1dInt: stride, dilation and group must be positive")
    # capability limits (spec: Capabilities) — tpacker's Conv1dIntAttrs.checkparams; the attribute struct has
    # no dilation field, so only 1 exists
    p = profile
    if k > p.conv_max_kernel or max(pads) > p.conv_max_pad or stride not in p.conv_strides or dilation != 1 \
            or k < stride or max(pads) > k:
        raise errors.UnsupportedOnPlatform(
            f"Conv1dInt: kernel {k}, stride {stride}, pads {list(pads)}, dilation {dilation} exceed {p.name}'s "
            f"limits (kernel <= {p.conv_max_kernel}, pad <= min({p.conv_max_pad}, kernel), stride in "
            f"{sorted(p.conv_strides)} and <= kernel, dilation 1)")
    return stride, pads, group, act == "relu"


def _check(inputs, outputs, attrs, profile):
    x, w, *rest = inputs
    b = rest[0] if rest else None
    (y,) = outputs
    require_rank("Conv1dInt", x, 3, "X")
    require_rank("Conv1dInt", w, 3, "W")
    if b is not None and tuple(b.shape) != (w.shape[0],):
        raise errors.ShapeMismatch(f"Conv1dInt: bias shape {list(b.shape)} is not [{w.shape[0]}]")
    stride, pads, group, relu = attributes(attrs, w.shape, profile)
    if w.dtype.name == "int4" and not profile.conv_int4_weights:
        raise errors.UnsupportedOnPlatform(f"Conv1dInt: int4 weights on {profile.name}")
    if y.dtype.name not in profile.conv1d_out:
        raise errors.UnsupportedOnPlatform(f"Conv1dInt: no int8 -> {y.dtype.name} form on {profile.name}")
    return x, w, b, y, stride, pads, group, relu


def accumulate(x: Tensor, w: Tensor, b: Tensor | None, stride: int, pads, group: int):
    """The exact accumulator ``[N, OC, OL]``: Conv2dInt's with height 1."""
    acc = luna.conv2d_acc(x.data[:, :, None, :], w.data[:, :, None, :], None if b is None else b.data,
                          strides=(1, stride), pads=(0, pads[0], 0, pads[1]), group=group)
    return acc[:, :, 0, :]


def _finish(acc, shift: int, y, relu: bool):
    """Round, saturate, activate (the LUNA conv for s >= 0, linger's exact left scale for s < 0)."""
    if shift >= 0:
        data = saturate(rounding_shift(acc, shift), y.dtype.name)
    else:
        data = requantize(acc, shift + y.exponent, y.exponent, y.dtype)
    return luna.relu(data) if relu else data


def conv1dint(inputs, outputs, attrs, profile):
    """Y = act(sat(rshift(Σ X·W + B, e(X) + e(W) − e(Y)))) — see the module docstring."""
    x, w, b, y, stride, pads, group, relu = _check(inputs, outputs, attrs, profile)
    acc = accumulate(x, w, b, stride, pads, group)
    data = _finish(acc, x.exponent + w.exponent - y.exponent, y, relu)
    return [Tensor.of(data, y.dtype, y.exponent)]


# ----------------------------------------------------------------------------------------------
# thinker 3.0.4 compatibility (spec/errata.md E-CONV1D-1, E-CONV1D-2)
# ----------------------------------------------------------------------------------------------

def _misread_weight(w, read_group: int):
    """The weights ``luna_conv1d`` uses when it reads output channels grouped by ``read_group`` from the
    packer's pair-grouped layout ``[OC/2][K][IC/8][2][8]`` (OC a multiple of ``read_group``)."""
    oc, ic, k = w.shape
    icp = -(-ic // 8) * 8
    wp = np.zeros((oc, icp, k), dtype=np.int64)
    wp[:, :ic] = w
    flat = wp.reshape(oc // 2, 2, icp // 8, 8, k).transpose(0, 4, 2, 1, 3).reshape(-1)   # as packed
    read = flat.reshape(oc // read_group, k, icp // 8, read_group, 8).transpose(0, 3, 2, 4, 1)
    return read.reshape(oc, icp, k)[:, :ic]


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """What thinker 3.0.4 computes: venusA's pads on the height axis and weights read grouped by 4
    (E-CONV1D-1, group 1 with OC a multiple of 4, int8 or int4 weights: otherwise the primitive reads past
    the packed weights and the spec's result is given); arcs/venusA int8 with a negative shift left unscaled
    (E-CONV1D-2)."""
    x, w, b, y, stride, pads, group, relu = _check(inputs, outputs, attrs, profile)
    thinker = compat.thinker_3_0_4(profile)
    shift = x.exponent + w.exponent - y.exponent
    acc = accumulate(x, w, b, stride, pads, group)
    if group == 1 and (thinker.conv1d_pads_in_height or thinker.conv1d_weight_read_group != 2) \
            and w.shape[0] % thinker.conv1d_weight_read_group == 0:
        wd = Tensor.of(_misread_weight(w.data, thinker.conv1d_weight_read_group), w.dtype, w.exponent)
        ol = acc.shape[2]
        if thinker.conv1d_pads_in_height and pads[0] > 0:
            # the only output row is the padded top row: every position sees zeros, the bias alone remains
            acc = np.zeros_like(acc) + (0 if b is None else b.data.astype(np.int64)[None, :, None])
        elif thinker.conv1d_pads_in_height:
            # no left pad on the width axis; positions past the input read zeros
            right = max(0, (ol - 1) * stride + w.shape[2] - x.shape[2])
            acc = accumulate(x, wd, b, stride, (0, right), 1)[:, :, :ol]
        else:
            acc = accumulate(x, wd, b, stride, pads, 1)
    if shift < 0 and y.dtype.name == "int8" and thinker.conv1d_int8_negative_shift_unscaled:
        data = saturate(acc, "int8")
        data = luna.relu(data) if relu else data
    else:
        data = _finish(acc, shift, y, relu)
    return [Tensor.of(data, y.dtype, y.exponent)]


def _acc(c):
    b = c.inputs[2] if len(c.inputs) > 2 else None
    stride, pads, group, _ = attributes(c.attrs, c.inputs[1].shape, get_profile(c.platform))
    return accumulate(c.inputs[0], c.inputs[1], b, stride, pads, group)


def _group(c) -> int:
    return int(c.attrs.get("group", 1))


SIGNATURES = tuple(
    Signature(ins, (out,), platforms_with("conv1d_out", out))
    for out in ("int8", "int16", "int32")
    for ins in (("int8", "int8"), ("int8", "int8", "int32"))
) + tuple(   # int4 weights: luna_conv1d_i8i4o{8,32} / luna_depthwise1d_i8i4o{8,32} (arcs, venusA)
    Signature(ins, (out,), tuple(p for p in platforms_with("conv1d_out", out) if get_profile(p).conv_int4_weights))
    for out in ("int8", "int32")
    for ins in (("int8", "int4"), ("int8", "int4", "int32"))
)

OP = OpDef(
    name="Conv1dInt",
    summary="1-D convolution (group 1, depthwise, grouped), int32 bias, rounding shift, fused ReLU",
    spec_section="ops/conv1dint.md",
    since="1.0.0",
    aliases={"linger1": ("Conv1dInt",), "linger3": ("QConv1d",)},
    signatures=SIGNATURES,
    coverpoints=(
        *accumulator_coverpoints(_acc),
        Coverpoint("bias", "an int32 bias is added before the shift", lambda c: len(c.inputs) > 2),
        Coverpoint("relu", "the fused ReLU is applied after rounding", lambda c: c.attrs.get("act") == "relu"),
        Coverpoint("depthwise", "group = input channels = output channels",
                   lambda c: _group(c) > 1 and _group(c) == c.inputs[0].shape[1] == c.inputs[1].shape[0]),
        Coverpoint("grouped", "1 < group < input channels",
                   lambda c: 1 < _group(c) < c.inputs[0].shape[1]),
        Coverpoint("stride > 1", "a stride above 1", lambda c: max(c.attrs.get("strides", (1,))) > 1),
        Coverpoint("asymmetric pads", "the begin and end pads differ",
                   lambda c: (lambda p: p[0] != p[1])(tuple(c.attrs.get("pads", (0, 0))))),
        Coverpoint("int4 weights", "the weights are int4 (packed two per byte in a resource)",
                   lambda c: c.inputs[1].dtype.name == "int4"),
    ),
    impl=conv1dint,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
