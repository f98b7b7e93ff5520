"""iqTanh: the LUNA tanh of a quantized tensor (spec/ops/iqtanh.md).

Source: as iqSigmoid (``ops/iqsigmoid.py``, which builds both): rule 1 and rule 2 — the LUNA tanh
(spec/nonlinear.md §1) after X is moved to the function's Q format, as thinker 3.0.4 composes it on venus
(``venus/iqtanh.h``: ``luna_scale_q15_int16`` to Q11, ``luna_tanh_int8``); rule 3 — linger 3.0.9
``quant/ops/qtensor/qtanh.py`` where thinker is defective: arcs and venusA read X as int32 from the int16 tensor
tpacker makes and shift it the wrong way (errata E-TANH-1), venus leaves ``e(X) < 11`` unscaled (E-SIGMOID-2).

    Xq  = sat_Tq(rescale(X, e(X) − q))            q = 11 (venus, int16) | 27 (arcs, venusA, int32)
    Y   = sat_T(rescale(tanh_P(Xq), q_raw − e(Y)))   arcs, venusA: e(Y) = bits(T) − 1
"""

from __future__ import annotations

from .iqsigmoid import SIGNATURES, coverpoints, make_compat, make_impl
from .registry import OpDef

OP = OpDef(
    name="iqTanh",
    summary="tanh: X to Q11 (venus) or Q27 (arcs, venusA), the LUNA 16-segment tanh, to the output",
    spec_section="ops/iqtanh.md",
    since="1.0.0",
    aliases={"linger1": ("iqTanh",), "linger3": ("QTanh",)},
    signatures=SIGNATURES,
    coverpoints=coverpoints("tanh"),
    impl=make_impl("tanh", "iqTanh"),
    compat={"thinker-3.0.4": make_compat("tanh", "iqTanh")},
)
