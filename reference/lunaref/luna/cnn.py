"""Convolution and pooling LUNA primitives (spec/luna.md §3, §4).

Layout NCHW, weights ``[OC, C/group, KH, KW]``, pads ``(top, left, bottom, right)``.  The window
arithmetic is the textbook one; what LUNA adds is the exact wide accumulator, the rounding shift
``floor(v / 2^s + 1/2)`` with the bias added *before* it, saturation, and ReLU *after* rounding.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import errors
from ..numerics import as_int, dtype, rounding_shift, saturate
from ..platforms import Profile, profile as get_profile
from .matrix import exact_matmul, exact_operands, exact_product

__all__ = ["output_size", "windows", "conv2d_acc", "conv2d", "conv1d", "conv_transpose2d_acc", "conv_transpose2d",
           "max_pool2d", "sum_pool2d", "mean_pool2d"]


def output_size(size: int, kernel: int, stride: int, pad_begin: int, pad_end: int,
                dilation: int = 1, ceil_mode: bool = False) -> int:
    """Output extent along one axis: ``floor`` (or ``ceil``) of ``(size + pads - span) / stride`` + 1."""
    span = (kernel - 1) * dilation + 1
    room = size + pad_begin + pad_end - span
    if room < 0:
        raise errors.ShapeMismatch(f"window span {span} exceeds the padded extent {size + pad_begin + pad_end}")
    n = -(-room // stride) if ceil_mode else room // stride
    if ceil_mode and n * stride >= size + pad_begin:  # the last window must start inside input or begin pad
        n -= 1
    return n + 1


def windows(x: np.ndarray, kernel: Sequence[int], strides: Sequence[int], pads: Sequence[int],
            dilations: Sequence[int] = (1, 1), ceil_mode: bool = False, fill: int = 0) -> np.ndarray:
    """All windows of an NCHW array as ``[N, C, OH, OW, KH, KW]`` (a view where possible).

    Positions outside the input (padding, and the extra border ``ceil_mode`` may need) hold ``fill``.
    """
    (kh, kw), (sh, sw), (pt, pl, pb, pr), (dh, dw) = kernel, strides, pads, dilations
    n, c, h, w = x.shape
    oh = output_size(h, kh, sh, pt, pb, dh, ceil_mode)
    ow = output_size(w, kw, sw, pl, pr, dw, ceil_mode)
    span_h, span_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    extra_b = max(0, (oh - 1) * sh + span_h - (h + pt + pb))
    extra_r = max(0, (ow - 1) * sw + span_w - (w + pl + pr))
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb + extra_b), (pl, pr + extra_r)), constant_values=fill)
    win = sliding_window_view(xp, (span_h, span_w), axis=(2, 3))
    return win[:, :, : (oh - 1) * sh + 1: sh, : (ow - 1) * sw + 1: sw, ::dh, ::dw]


def conv2d_acc(x: Any, w: Any, bias: Any = None, *, strides=(1, 1), pads=(0, 0, 0, 0),
               dilations=(1, 1), group: int = 1) -> np.ndarray:
    """The exact accumulator ``Σ_{c,kh,kw} x·w + bias`` of a grouped 2-D convolution, ``[N, OC, OH, OW]``."""
    x, w = np.asarray(x), np.asarray(w)     # exact_operands checks them and converts each once (not via int64)
    n, c, _, _ = x.shape
    oc, cg, kh, kw = w.shape
    if c % group or oc % group or cg != c // group:
        raise errors.ShapeMismatch(f"conv2d: input channels {c}, weight {tuple(w.shape)} and group {group} disagree")
    x, w = exact_operands(cg * kh * kw, x, w)                               # the GEMM's exact dtype, before im2col
    win = windows(x, (kh, kw), strides, pads, dilations)                     # [N, C, OH, OW, KH, KW]
    oh, ow = win.shape[2:4]
    cols = win.reshape(n, group, cg, oh, ow, kh, kw).transpose(0, 1, 2, 5, 6, 3, 4)
    cols = cols.reshape(n, group, cg * kh * kw, oh * ow)                     # im2col per group, positions last
    kernels = w.reshape(group, oc // group, cg * kh * kw)                    # [G, OCg, Cg*KH*KW]
    acc = exact_product(kernels[None], cols).reshape(n, oc, oh, ow)          # [N, G, OCg, OH*OW]
    if bias is not None:
        acc = acc + as_int(bias).reshape(1, oc, 1, 1)
    return acc


def conv2d(x: Any, w: Any, bias: Any, *, shift: int, out: str, platform: str | Profile, strides=(1, 1),
           pads=(0, 0, 0, 0), dilations=(1, 1), group: int = 1, relu: bool = False) -> np.ndarray:
    """``luna_conv2d`` / ``luna_depthwise2d``: ``act(sat(rshift(Σ x·w + bias, shift)))``, ReLU after rounding."""
    prof = get_profile(platform)
    out = dtype(out).name
    if out not in prof.conv_out:
        raise errors.UnsupportedOnPlatform(f"luna conv2d: no int8 -> {out} form on {prof.name}")
    y = saturate(rounding_shift(conv2d_acc(x, w, bias, strides=strides, pads=pads, dilations=dilations,
                                           group=group), shift), out)
    return np.maximum(y, 0).astype(y.dtype) if relu else y


def conv_transpose2d_acc(x: Any, w: Any, bias: Any = None, *, strides=(1, 1), pads=(0, 0, 0, 0),
                         output_padding=(0, 0), dilations=(1, 1), group: int = 1) -> np.ndarray:
    """The exact accumulator of a grouped 2-D transposed convolution (ONNX ConvTranspose), ``[N, OC, OH, OW]``.

    ``w`` is ``[C, OC/group, KH, KW]``.  Every input element scatters ``x · w`` into the full output of
    extent ``(H − 1)·sh + (KH − 1)·dh + 1 + oph``; the result is that output without ``pt``/``pl`` leading
    and ``pb``/``pr`` trailing positions: ``OH = (H − 1)·sh + (KH − 1)·dh + 1 + oph − pt − pb``.
    """
    x, w = as_int(x), as_int(w)
    n, c, h, wd = x.shape
    cw, ocg, kh, kw = w.shape
    (sh, sw), (pt, pl, pb, pr), (oph, opw), (dh, dw) = strides, pads, output_padding, dilations
    if c % group or cw != c:
        raise errors.ShapeMismatch(f"conv_transpose2d: input channels {c}, weight {tuple(w.shape)} and group "
                                   f"{group} disagree")
    cg, oc = c // group, ocg * group
    full_h = (h - 1) * sh + (kh - 1) * dh + 1 + oph
    full_w = (wd - 1) * sw + (kw - 1) * dw + 1 + opw
    oh, ow = full_h - pt - pb, full_w - pl - pr
    if oh < 1 or ow < 1:
        raise errors.ShapeMismatch(f"conv_transpose2d: pads {list(pads)} leave no output of the {full_h}x{full_w} "
                                   "full result")
    # per group: [N, H·W, Cg] @ [Cg, OCg·KH·KW] -> every input element's contribution
    cols = x.reshape(n, group, cg, h * wd).transpose(0, 1, 3, 2)
    kernels = w.reshape(group, cg, ocg * kh * kw)
    contrib = exact_matmul(cols, kernels[None]).reshape(n, group, h, wd, ocg, kh, kw)
    contrib = contrib.transpose(0, 1, 4, 2, 3, 5, 6).reshape(n, oc, h, wd, kh, kw)
    full = np.zeros((n, oc, full_h, full_w), dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            full[:, :, i * dh: i * dh + (h - 1) * sh + 1: sh, j * dw: j * dw + (wd - 1) * sw + 1: sw] += \
                contrib[:, :, :, :, i, j]
    acc = full[:, :, pt: pt + oh, pl: pl + ow]
    if bias is not None:
        acc = acc + as_int(bias).reshape(1, oc, 1, 1)
    return acc


def max_pool2d(x: Any, kernel, strides, pads, ceil_mode: bool = False) -> np.ndarray:
    """``luna_max_pooling``: window maximum; padded positions are ignored (they never win)."""
    x = np.asarray(x)
    lowest = np.iinfo(np.int64).min
    win = windows(as_int(x), kernel, strides, pads, ceil_mode=ceil_mode, fill=lowest)
    return win.max(axis=(4, 5)).astype(x.dtype)


def sum_pool2d(x: Any, kernel, strides, pads, ceil_mode: bool = False) -> np.ndarray:
    """The exact window sum (padding contributes 0), ``[N, C, OH, OW]`` int64."""
    win = windows(as_int(x), kernel, strides, pads, ceil_mode=ceil_mode, fill=0)
    return win.sum(axis=(4, 5), dtype=np.int64)


def mean_pool2d(x: Any, kernel, strides, pads, *, shift: int, out: str, platform: str | Profile,
                ceil_mode: bool = False) -> np.ndarray:
    """``luna_mean_pooling``: despite the name, ``sat(rshift(window sum, shift))`` — it does not divide."""
    prof = get_profile(platform)
    out = dtype(out).name
    if out not in prof.mean_pool_out:
        raise errors.UnsupportedOnPlatform(f"luna mean_pooling: no int8 -> {out} form on {prof.name}")
    return saturate(rounding_shift(sum_pool2d(x, kernel, strides, pads, ceil_mode), shift), out)


def conv1d(x: Any, w: Any, bias: Any, *, shift: int, out: str, platform: str | Profile, stride: int = 1,
           pads=(0, 0), group: int = 1, relu: bool = False) -> np.ndarray:
    """``luna_conv1d``: ``act(sat(rshift(Σ x·w + bias, shift)))`` over ``[N, C, L]`` with weights
    ``[OC, C/group, K]`` and pads ``(left, right)`` — the 2-D convolution of height 1 (luna.md §3)."""
    prof = get_profile(platform)
    out = dtype(out).name
    if out not in prof.conv1d_out:
        raise errors.UnsupportedOnPlatform(f"luna conv1d: no int8 -> {out} form on {prof.name}")
    acc = conv2d_acc(np.asarray(x)[:, :, None, :], np.asarray(w)[:, :, None, :], bias, strides=(1, stride),
                     pads=(0, pads[0], 0, pads[1]), group=group)[:, :, 0, :]
    y = saturate(rounding_shift(acc, shift), out)
    return np.maximum(y, 0).astype(y.dtype) if relu else y


def conv_transpose2d(x: Any, w: Any, bias: Any, *, shift: int, out: str, platform: str | Profile, strides=(1, 1),
                     pads=(0, 0, 0, 0), output_padding=(0, 0), relu: bool = False) -> np.ndarray:
    """``luna_deconv2d``: ``act(sat(rshift(ConvTranspose(x, w) + bias, shift)))``, group 1, int8 result
    (the ``i8i8o8`` form thinker calls; luna.md §3)."""
    get_profile(platform)
    if dtype(out).name != "int8":
        raise errors.UnsupportedOnPlatform(f"luna deconv2d: no int8 -> {dtype(out).name} form")
    acc = conv_transpose2d_acc(x, w, bias, strides=strides, pads=pads, output_padding=output_padding)
    y = saturate(rounding_shift(acc, shift), "int8")
    return np.maximum(y, 0).astype(y.dtype) if relu else y

