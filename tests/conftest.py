"""Shared test set-up: hypothesis profiles and the evidence fixture.

* Under ``CI`` (set by .ci/run) hypothesis runs the derandomized ``ci`` profile, so every run explores
  the same examples; elsewhere the ``dev`` profile explores afresh each time.
* Tests that use real evidence take the ``evidence`` fixture (support.require_evidence): the folder named
  by ``LUNAREF_EVIDENCE`` (default ``../shared/data``). Without it they skip with the reason, unless
  ``LUNAREF_REQUIRE_EVIDENCE=1``, which turns the skip into a failure (CI sets it).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from support import require_evidence

settings.register_profile("ci", derandomize=True, max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("LUNAREF_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def evidence():
    """Call ``evidence("thinker-demo", "input.bin")`` to get an evidence path (skips if absent)."""
    return require_evidence
