"""The registry schema, registry <-> spec consistency (both ways), and the checker's own test."""

from __future__ import annotations

from pathlib import Path

import pytest

from lunaref import errors
from lunaref.ops import DIALECTS, REGISTRY, check_spec
from lunaref.platforms import PLATFORM_NAMES

from support import SPEC

FIXTURE = Path(__file__).parent / "fixtures" / "spec_bad"


def test_registry_rows_are_well_formed():
    assert {"Quant", "Dequant", "Requant"} <= {op.name for op in REGISTRY}
    for op in REGISTRY:
        assert op.name.isidentifier()
        assert (SPEC / op.spec_section).is_file()
        assert set(op.aliases) <= set(DIALECTS)
        assert op.signatures and set(op.platforms) <= set(PLATFORM_NAMES)
        names = [c.name for c in op.coverpoints]
        assert names and len(names) == len(set(names))
        assert op.impl.__doc__, f"{op.name}: the op function needs a docstring stating its formula"


def test_registry_and_spec_agree_both_ways():
    assert check_spec(REGISTRY, SPEC) == []


def test_checker_reports_every_kind_of_disagreement():
    problems = check_spec(REGISTRY, FIXTURE)
    text = "\n".join(problems)
    assert "Quant: since 1.0.0 in the registry, 0.9.0 in ops/quant.md" in text
    assert "Quant: coverpoints differ (not in spec: ['infinite input']; not in registry: " \
           "['not a coverpoint of the registry'])" in text
    assert "Requant: platforms" in text and "ops/requant.md" in text
    assert "Dequant: spec section ops/dequant.md does not exist" in text
    assert "ops/ghost.md: op 'Ghost' has no registry row" in text
    assert "ops/notes.md: no '| op | `Name` |' row" in text
    in_fixture = {"Quant", "Requant", "Ghost"}
    missing = [f"{op.name}: spec section {op.spec_section} does not exist" for op in REGISTRY
               if op.name not in in_fixture]
    assert sorted(p for p in problems if "does not exist" in p) == sorted(missing)
    assert len(problems) == 5 + len(missing)


def test_lookup_by_name_and_alias():
    assert REGISTRY.get("Quant").name == "Quant"
    assert REGISTRY.by_alias("linger1", "Requant").name == "Requant"
    assert REGISTRY.by_alias("linger3", "Dequant").name == "Dequant"
    with pytest.raises(errors.UnsupportedOp):
        REGISTRY.get("NoSuchOp")
    with pytest.raises(errors.UnsupportedOp):
        REGISTRY.by_alias("linger3", "Requant")  # linger 3.x has no Requant node
    with pytest.raises(errors.BadArgument):
        REGISTRY.by_alias("linger2", "Quant")


def test_registering_twice_is_refused():
    op = REGISTRY.get("Quant")
    with pytest.raises(errors.InternalError):
        REGISTRY.register(op)
