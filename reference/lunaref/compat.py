"""Compatibility modes: what a shipping executor does differently from the spec (spec/errata.md).

The spec's arithmetic lives in the ops and the chip's facts in :mod:`lunaref.platforms`; the
deterministic deviations of a shipping executor are modelled by each op's compatibility implementation
(``OpDef.compat``), and where such a deviation differs by platform, the per-platform facts are here —
one table per mode, each field citing its errata entry — rather than in branches on platform names.
"""

from __future__ import annotations

from dataclasses import dataclass

from .platforms import Profile

__all__ = ["Thinker304", "THINKER_3_0_4", "thinker_3_0_4"]


@dataclass(frozen=True)
class Thinker304:
    """thinker 3.0.4's executor on one platform."""

    platform: str
    #: E-AVGPOOL-1: a power-of-two window ignores the exponent change (venus) instead of rounding twice.
    avgpool_pow2_drops_exponent: bool
    #: E-AVGPOOL-2: another window divides with shift ``−d`` (venus ``div_q31``), instead of an undefined
    #: unsigned shift (arcs, venusA).
    avgpool_divide_takes_exponent: bool


THINKER_3_0_4: dict[str, Thinker304] = {q.platform: q for q in (
    Thinker304("venus", avgpool_pow2_drops_exponent=True, avgpool_divide_takes_exponent=True),
    Thinker304("venusA", avgpool_pow2_drops_exponent=False, avgpool_divide_takes_exponent=False),
    Thinker304("arcs", avgpool_pow2_drops_exponent=False, avgpool_divide_takes_exponent=False),
)}


def thinker_3_0_4(profile: Profile) -> Thinker304:
    """thinker 3.0.4's deviations on ``profile``'s platform."""
    return THINKER_3_0_4[profile.name]
