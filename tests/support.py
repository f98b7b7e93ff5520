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


def require_cc() -> str:
    """The system C compiler (``$CC``, else cc, gcc or clang); skip if there is none (fail under
    LUNAREF_REQUIRE_CC=1, which CI sets)."""
    import shutil

    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return shutil.which(name)
    reason = "no C compiler found (set CC)"
    if os.environ.get("LUNAREF_REQUIRE_CC") == "1":
        pytest.fail(reason + "; LUNAREF_REQUIRE_CC=1 requires one")
    pytest.skip(reason)


def build_c(cc: str, sources, out: Path, *flags: str) -> Path:
    """Compile C99 sources strictly (warnings are errors) into the program ``out``."""
    import subprocess

    cmd = [cc, "-std=c99", "-O2", "-Wall", "-Wextra", "-pedantic", "-Werror", *flags, "-o", str(out),
           *map(str, sources)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr}"
    return out
