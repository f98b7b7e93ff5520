"""Every registered op has a strategy, and that strategy reaches every one of the op's coverpoints."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, find, settings

from lunaref import errors
from lunaref.ops import REGISTRY, Case

from strategies import CASES


def test_every_op_has_a_strategy():
    assert {op.name for op in REGISTRY} == set(CASES)


@pytest.mark.parametrize("name,coverpoint", [(op.name, c.name) for op in REGISTRY for c in op.coverpoints])
def test_coverpoint_is_reachable(name, coverpoint):
    op = REGISTRY.get(name)
    cp = next(c for c in op.coverpoints if c.name == coverpoint)

    # venusA first; a case venusA does not offer (e.g. venus's int16 convolution) on the next platform
    platforms = sorted(op.platforms, key=lambda p: p != "venusA")

    def hits(case):
        inputs, outputs, attrs = case
        for platform in platforms:
            try:
                result = op.run(inputs, outputs, attrs, platform)
            except errors.UnsupportedOnPlatform:
                continue
            except errors.LunarefError:
                return False
            return cp.hit(Case(tuple(inputs), tuple(result), attrs, platform))
        return False

    find(CASES[name], hits, settings=settings(derandomize=True, max_examples=3000, database=None,
                                              suppress_health_check=list(HealthCheck)))
