"""The mutation catalog (spec/formats/vectors.md §7): every mutant is killed by the committed vectors,
injection leaves the reference untouched afterwards, and the equivalence that keeps ReLU-before-
rounding out of the catalog holds."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from hypothesis import given, strategies as st

from lunaref import errors, luna, numerics
from lunaref.conformance import load_backend
from lunaref.conformance.mutants import CATALOG, MutantBackend, hunt, replaced, wrap
from lunaref.conformance.report import verdict
from lunaref.conformance.runner import CHECKOUT_VECTORS
from lunaref.ops import REGISTRY
from lunaref.vectors.case import case_dirs, read_case

from test_cli import lunaref


@pytest.fixture(scope="module")
def cases():
    return [read_case(d) for d in case_dirs(CHECKOUT_VECTORS)]


def test_catalog_has_the_bugs_the_issue_names():
    assert len(CATALOG) >= 12
    for name in ("round-trunc", "round-half-even", "round-half-away", "wrap", "acc16", "acc32", "bias-after-shift",
                 "maxpool-zero-pad", "weight-grouping", "pad-off-by-one", "iqadd-single-rescale",
                 "no-saturation@venusA"):
        assert name in CATALOG
    assert all(m.bug for m in CATALOG.values())


def test_every_mutant_is_killed_by_the_committed_vectors(cases):
    outcomes = hunt(cases)
    survivors = [o.mutant.name for o in outcomes if not o.killed]
    assert not survivors, f"mutants no vector catches (add vectors): {survivors}"
    assert all(o.cases == len(cases) for o in outcomes)


def test_a_platform_mutant_only_fails_cases_of_its_platform(cases):
    (o,) = hunt(cases, [CATALOG["no-saturation@venus"]])
    assert o.killers and all(cid.startswith("venus/") for cid, _ in o.killers)


def test_mutants_kill_through_their_intended_cases(cases):
    """Each bug is caught where the spec says it shows, not by accident elsewhere."""
    expect = {"acc32": "cp-accumulator-beyond-int32", "quant-float64": "cp-float32-sum-rounds-up",
              "maxpool-zero-pad": "cp-padding-never-wins", "round-half-away": "cp-negative-tie",
              "conv-limits-unchecked": "err-", "weight-grouping": "/model/",
              "transpose-perm-inverted": "cp-not-an-involution", "argmax-last-on-tie": "cp-tie",
              "slice-step-ignored": "cp-step"}
    for o in hunt(cases, [CATALOG[n] for n in expect]):
        assert any(expect[o.mutant.name] in cid for cid, _ in o.killers), o.mutant.name


def _bindings():
    from lunaref.conformance.mutants import _reference_modules
    return {(m.__name__, k): id(v) for m in _reference_modules() for k, v in vars(m).items() if callable(v)}


def test_injection_is_undone_even_when_a_case_raises(cases):
    before, impls = _bindings(), {op.name: op.impl for op in REGISTRY}
    for m in CATALOG.values():
        with pytest.raises(RuntimeError):
            with m.applied():
                raise RuntimeError("a case crashed")
    hunt(cases[:50])
    assert _bindings() == before
    assert {op.name: op.impl for op in REGISTRY} == impls


def test_replaced_rebinds_names_imported_by_value():
    original = numerics.saturate

    def fake(v, to):
        return "fake"

    with replaced({original: fake}):
        assert luna.vector.saturate is fake and numerics.saturate is fake
    assert luna.vector.saturate is original


def test_mutant_backend_by_name_and_unknown_names():
    b = load_backend("mutant:round-floor")
    assert isinstance(b, MutantBackend) and b.name == "mutant:round-floor"
    with pytest.raises(errors.BadArgument, match="unknown mutant"):
        load_backend("mutant:no-such-bug")


def test_a_mutant_fails_a_tie_case_the_reference_passes(cases):
    case = next(c for c in cases if c.id == "venus/primitive/rshift/cp-negative-tie")
    assert verdict(case, load_backend("reference")) is None
    assert "differ" in verdict(case, load_backend("mutant:round-half-away"))


@given(st.lists(st.integers(-(1 << 40), 1 << 40), min_size=1, max_size=8), st.integers(0, 45),
       st.sampled_from(["int8", "int16", "int32"]))
def test_relu_before_rounding_is_an_equivalent_mutant(values, s, to):
    """max(sat(rshift(v, s)), 0) == sat(rshift(max(v, 0), s)): no vector can tell them apart."""
    v = np.array(values, dtype=np.int64)
    after = np.maximum(numerics.saturate(numerics.rounding_shift(v, s), to), 0)
    before = numerics.saturate(numerics.rounding_shift(np.maximum(v, 0), s), to)
    assert np.array_equal(after, before)


@given(st.lists(st.integers(-(1 << 62), 1 << 62), min_size=1, max_size=8), st.sampled_from([8, 16, 32]))
def test_wrap_is_twos_complement(values, bits):
    got = wrap(np.array(values, dtype=np.int64), bits)
    for v, g in zip(values, got):
        assert -(1 << (bits - 1)) <= g < 1 << (bits - 1) and (int(g) - v) % (1 << bits) == 0


def test_cli_conform_mutants_reports_a_full_kill_rate():
    r = lunaref("conform", "--mutants", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["killed"] == len(doc["mutants"]) == len(CATALOG)
    text = lunaref("conform", "--mutants", "--level", "primitive", "--mutant", "acc32")
    assert text.returncode == 0 and "kill rate: 1 of 1 mutants (100%)" in text.stdout


def test_cli_conform_names_survivors_and_failures():
    r = lunaref("conform", "--mutants", "--ops", "Relu")
    assert r.returncode == 1
    assert "MutantSurvived" in r.stderr and "acc32" in r.stderr and "NO" in r.stdout
    r = lunaref("conform", "--backend", "mutant:acc32")
    assert r.returncode == 1 and "CasesFailed:" in r.stderr
    assert "FAILED venus/primitive/mat_mul/cp-accumulator-beyond-int32" in r.stdout
    assert lunaref("conform", "--mutant", "nope").returncode == 2
    assert lunaref("conform", "--vectors", "/nonexistent").returncode == 2
    ok = lunaref("conform", "--ops", "Relu", "-p", "arcs")
    assert ok.returncode == 0 and "0 failed" in ok.stdout


def test_cli_conform_drives_a_subprocess_port(tmp_path):
    from support import ROOT

    port = ROOT / "tests" / "fake_port.py"
    r = lunaref("conform", f"--backend=subprocess:{sys.executable} {port}", "--ops", "Relu,iqAdd")
    assert r.returncode == 0, r.stdout + r.stderr
    summary = r.stdout.strip().splitlines()[-1]
    assert int(summary.split(": ")[1].split()[0]) > 0 and " 0 failed" in summary
