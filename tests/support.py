"""Paths and evidence helpers shared by the tests (conftest.py only wires them into pytest)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec"


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
