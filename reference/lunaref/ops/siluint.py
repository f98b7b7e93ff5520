"""SiluInt: SiLU (swish, ``x · sigmoid(x)``) through venusA's LUNA piecewise-linear function
(spec/ops/siluint.md).

Source: rule 3 — linger 3.0.9 ``QSwish`` (``linger/quant/ops/qtensor/qswish.py``, venusA only), GeluInt's
arithmetic with the swish table (``luna_swish_i32o32``, spec/nonlinear.md §4); thinker 3.0.4 has no such
operator (``lunaref pack`` refuses it).

    X27 = sat32(rescale(X, e(X) − 27))
    Y27 = swish(X27)                               nonlinear.md §4, Q27
    Y   = sat_T(rescale(Y27, 27 − e(Y)))
"""

from __future__ import annotations

from ..luna import piecewise
from .geluint import SIGNATURES, coverpoints, make_impl
from .registry import OpDef

OP = OpDef(
    name="SiluInt",
    summary="SiLU / swish (venusA): input to Q27 (saturating), the LUNA 16-segment swish, Q27 to the output exponent",
    spec_section="ops/siluint.md",
    since="1.0.0",
    aliases={"linger3": ("QSwish",)},
    signatures=SIGNATURES,
    coverpoints=coverpoints(piecewise.SWISH),
    impl=make_impl(piecewise.SWISH),
)
