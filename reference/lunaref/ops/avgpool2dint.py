"""AvgPool2dInt: quantized average pooling (spec/ops/avgpool2dint.md).

Source: rule 1 for the window sum (``luna_mean_pooling`` sums, padding contributes 0) and for the
divide (the platform's ``luna_div``); rule 3 (linger 3.0.9 ``QAvgPool2d``) for how the divide and the
exponent change compose, because thinker's composition is defective (errata E-AVGPOOL-1, -2).

    S = window sum,  K = kh · kw  (every window divides by the full kernel area)
    d = e(X) − e(Y)
    K = 2^k:  Y = sat(rescale(S, k + d))                 one rounding
    else:     Y = sat(rescale(div_P(S, K), d))           the platform's divide, then the exponent change
"""

from __future__ import annotations

from .. import compat, errors, luna
from ..numerics import rescale, saturate
from ..tensor import Tensor
from .common import has_tie, ints, require_rank
from .registry import Coverpoint, OpDef, Signature


def attributes(attrs):
    kernel = ints(attrs.get("kernel_shape", ()), 2, "AvgPool2dInt kernel_shape")
    strides = ints(attrs.get("strides", kernel), 2, "AvgPool2dInt strides")
    pads = ints(attrs.get("pads", (0, 0, 0, 0)), 4, "AvgPool2dInt pads")
    if 0 in kernel or 0 in strides:
        raise errors.UnsupportedAttribute("AvgPool2dInt: kernel and strides must be positive")
    if not int(attrs.get("count_include_pad", 1)):
        raise errors.UnsupportedAttribute("AvgPool2dInt: count_include_pad = 0 (the chip divides by the kernel area)")
    if int(attrs.get("divisor_override", -1)) not in (-1, 0):
        raise errors.UnsupportedAttribute("AvgPool2dInt: divisor_override (the chip divides by the kernel area)")
    return kernel, strides, pads, bool(attrs.get("ceil_mode", 0))


def window_sums(x: Tensor, attrs):
    kernel, strides, pads, ceil_mode = attributes(attrs)
    return luna.sum_pool2d(x.data, kernel, strides, pads, ceil_mode), kernel[0] * kernel[1]


def avgpool2dint(inputs, outputs, attrs, profile):
    """Y = sat(round(S / K · 2^−d)): one shift for power-of-two K, else the platform divide then the shift."""
    (x,), (y,) = inputs, outputs
    require_rank("AvgPool2dInt", x, 4, "X")
    s, k = window_sums(x, attrs)
    d = x.exponent - y.exponent
    if k & (k - 1) == 0:
        acc = rescale(s, k.bit_length() - 1 + d)
    else:
        acc = rescale(luna.divide(s, k, 0, profile), d)
    return [Tensor.of(saturate(acc, y.dtype), y.dtype, y.exponent)]


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """Compatibility model (errata E-AVGPOOL-1, E-AVGPOOL-2), where thinker is deterministic:

    * ``K = 2^k``: venus drops the exponent change, ``sat8(rshift(S, k))``; arcs and venusA round
      twice for ``d > 0``, ``sat8(rshift(rshift(S, d), k))``;
    * other ``K`` on venus: ``div_q31(S, e(X), K, 0, e(Y))``, the platform divide with shift ``−d`` (which
      on venus gives 0 for ``d > 0``).

    Where thinker passes a negative shift as unsigned (arcs/venusA: ``d < 0``, and any ``d ≠ 0`` with
    another ``K``) the behaviour is undefined: the spec's result."""
    (x,), (y,) = inputs, outputs
    require_rank("AvgPool2dInt", x, 4, "X")
    s, k = window_sums(x, attrs)
    d = x.exponent - y.exponent
    thinker = compat.thinker_3_0_4(profile)
    if k & (k - 1) == 0 and thinker.avgpool_pow2_drops_exponent:
        acc = rescale(s, k.bit_length() - 1)
    elif k & (k - 1) == 0 and d > 0:
        acc = rescale(rescale(s, d), k.bit_length() - 1)
    elif k & (k - 1) != 0 and thinker.avgpool_divide_takes_exponent:
        acc = luna.divide(s, k, -d, profile)
    else:
        return avgpool2dint(inputs, outputs, attrs, profile)
    return [Tensor.of(saturate(acc, y.dtype), y.dtype, y.exponent)]


def _d(c) -> int:
    return c.inputs[0].exponent - c.outputs[0].exponent


def _pow2_tie(c, negative: bool) -> bool:
    s, k = window_sums(c.inputs[0], c.attrs)
    return k & (k - 1) == 0 and has_tie(s, k.bit_length() - 1 + _d(c), negative)


def _k(c) -> int:
    return window_sums(c.inputs[0], c.attrs)[1]


OP = OpDef(
    name="AvgPool2dInt",
    summary="window sum divided by the kernel area, with the exponent change; int8",
    spec_section="ops/avgpool2dint.md",
    since="1.0.0",
    aliases={"linger1": ("AvgPool2dInt",), "linger3": ("QAvgPool2d",)},
    signatures=(Signature(("int8",), ("int8",)),),
    coverpoints=(
        Coverpoint("power-of-two window", "K is a power of two: a single rounding shift",
                   lambda c: _k(c) & (_k(c) - 1) == 0),
        Coverpoint("other window", "K is not a power of two: the platform's divide",
                   lambda c: _k(c) & (_k(c) - 1) != 0),
        Coverpoint("positive tie", "a power-of-two window meets a positive exact half",
                   lambda c: _pow2_tie(c, negative=False)),
        Coverpoint("negative tie", "a power-of-two window meets a negative exact half",
                   lambda c: _pow2_tie(c, negative=True)),
        Coverpoint("exponent change", "e(X) differs from e(Y)", lambda c: _d(c) != 0),
        Coverpoint("padding", "windows reach into the padding",
                   lambda c: any(attributes(c.attrs)[2])),
    ),
    impl=avgpool2dint,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
