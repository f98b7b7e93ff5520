"""Shared test set-up: hypothesis profiles and the evidence folder.

* Under ``CI`` (set by .ci/run) hypothesis runs the derandomized ``ci`` profile, so every run explores
  the same examples; elsewhere the ``dev`` profile explores afresh each time.
* Tests that use real evidence take the ``evidence`` fixture: the folder named by ``LUNAREF_EVIDENCE``
  (default ``../shared/data`` beside the checkout).  Without it they skip with the reason, unless
  ``LUNAREF_REQUIRE_EVIDENCE=1``, which turns the skip into a failure (CI sets it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec"

settings.register_profile("ci", derandomize=True, max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("LUNAREF_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def evidence_root() -> Path:
    return Path(os.environ.get("LUNAREF_EVIDENCE", ROOT.parent / "shared" / "data"))


def require_evidence(*parts: str) -> Path:
    """The evidence path ``parts`` below the evidence root; skip (or fail under CI's flag) if absent."""
    path = evidence_root().joinpath(*parts)
    if not path.exists():
        reason = f"evidence not found: {path} (set LUNAREF_EVIDENCE to the evidence folder)"
        if os.environ.get("LUNAREF_REQUIRE_EVIDENCE") == "1":
            pytest.fail(reason + "; LUNAREF_REQUIRE_EVIDENCE=1 requires it")
        pytest.skip(reason)
    return path


@pytest.fixture
def evidence():
    """Call ``evidence("thinker-demo", "input.bin")`` to get an evidence path (skips if absent)."""
    return require_evidence
