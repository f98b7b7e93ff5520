"""Every registered op has a strategy, and that strategy reaches every one of the op's coverpoints.

The default run checks the committed ``cp-`` case of every coverpoint (recomputed, it must hit it); the search
that shows the strategy itself reaches each coverpoint — what ``lunaref vectors generate`` relies on — takes
minutes and runs with ``-m slow``."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, find, settings

from lunaref import errors
from lunaref.ops import REGISTRY, Case
from lunaref.vectors.case import read_case
from lunaref.vectors.generate import run_case, slug_of

from strategies import CASES

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "v1"
COVERPOINTS = [(op.name, c.name) for op in REGISTRY for c in op.coverpoints]


def test_every_op_has_a_strategy():
    assert {op.name for op in REGISTRY} == set(CASES)


@pytest.mark.parametrize("name,coverpoint", COVERPOINTS)
def test_coverpoint_is_hit_by_its_committed_case(name, coverpoint):
    op = REGISTRY.get(name)
    cp = next(c for c in op.coverpoints if c.name == coverpoint)
    dirs = sorted(p.parent for p in VECTORS.glob(f"*/op/{name}/{slug_of(coverpoint)}/case.json"))
    assert dirs, f"no committed case for {name} / {coverpoint!r}"
    for d in dirs:
        case = read_case(d)
        outputs, error = run_case(case)
        assert error is None, f"{case.id}: {error}"
        assert cp.hit(Case(tuple(case.inputs), tuple(outputs), case.attrs, case.platform)), case.id


@pytest.mark.slow
@pytest.mark.parametrize("name,coverpoint", COVERPOINTS)
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
