"""The vector format, the committed set, ``lunaref vectors check``, and the conformance suite catching a
broken backend."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from lunaref import Tensor, TensorSpec, errors
from lunaref.ops import REGISTRY
from lunaref.vectors.case import VectorCase, case_dirs, read_case, write_case
from lunaref.vectors.generate import MODELS, check

from support import ROOT
from test_cli import lunaref

VECTORS = ROOT / "vectors" / "v1"


def test_committed_set_covers_every_op_platform_and_coverpoint():
    from lunaref.luna.registry import PRIMITIVES
    dirs = case_dirs(VECTORS)
    assert dirs
    cases = [read_case(d) for d in dirs]
    seen_pairs = {(c.level, c.op, c.platform) for c in cases}
    seen_cps = {(c.level, c.op, cp) for c in cases for cp in c.coverpoints}
    assert seen_pairs == {("op", op.name, p) for op in REGISTRY for p in op.platforms} | \
        {("primitive", name, p) for name, prim in PRIMITIVES.items() for p in prim.platforms} | \
        {("model", name, p) for name in MODELS for p in ("venus", "venusA", "arcs")}
    assert seen_cps == {("op", op.name, cp.name) for op in REGISTRY for cp in op.coverpoints} | \
        {("primitive", name, cp.name) for name, prim in PRIMITIVES.items() for cp in prim.coverpoints}
    must_error = {c.op for c in cases if c.expect["outcome"] == "error"}
    assert must_error == {op.name for op in REGISTRY} - {"Dequant"}  # every op with a REQUIRE a file can break
    assert sum(f.stat().st_size for f in VECTORS.rglob("*") if f.is_file()) < 20 * 1024 * 1024


def test_vectors_check_is_clean():
    r = lunaref("vectors", "check", "--dir", str(VECTORS))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "every case recomputes" in r.stdout


def test_check_finds_a_changed_byte_and_an_empty_set(tmp_path):
    import shutil
    shutil.copytree(VECTORS / "arcs" / "op" / "Relu", tmp_path / "arcs" / "op" / "Relu")
    from lunaref.vectors.generate import write_manifest
    write_manifest(tmp_path)
    assert check(tmp_path, progress=lambda m: None) == []
    out = tmp_path / "arcs" / "op" / "Relu" / "cp-negative-input" / "out0.npy"
    arr = np.load(out)
    arr.reshape(-1)[0] += 1
    np.save(out, arr)
    problems = check(tmp_path, progress=lambda m: None)
    assert any("manifest.json does not match" in p for p in problems)
    assert any("cp-negative-input: output 0:" in p and "values differ" in p for p in problems)
    assert check(tmp_path / "nothing", progress=lambda m: None) == [f"{tmp_path / 'nothing'}: no vector cases"]
    r = lunaref("vectors", "check", "--dir", str(tmp_path))
    assert r.returncode == 1 and "OutputMismatch" in r.stderr


def test_case_round_trip_and_ids_are_never_rewritten(tmp_path):
    x = Tensor.of(np.array([-3, 0, 5], np.int8), "int8", 2)
    (y,) = REGISTRY.get("Relu").run([x], [TensorSpec.of("int8", 2)], {}, "venus")
    case = VectorCase("venus", "op", "Relu", "example", {}, [x], [y], [TensorSpec.of("int8", 2)],
                      provenance={"generator": "hand"}, coverpoints=["negative input"])
    d = write_case(tmp_path, case)
    back = read_case(d)
    assert back.id == "venus/op/Relu/example" and back.outputs[0].data.tolist() == [0, 0, 5]
    assert json.loads((d / "case.json").read_text())["inputs"][0] == {"file": "in0.npy", "dtype": "int8",
                                                                     "shape": [3], "exponent": 2}
    with pytest.raises(errors.BadArgument, match="never rewritten"):
        write_case(tmp_path, case)
    (d / "case.json").write_text("{}")
    with pytest.raises(errors.MalformedVector):
        read_case(d)


def _conformance(*args):
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ROOT / "conformance"),
                           *args], capture_output=True, text=True, cwd=ROOT / "tests")


def test_reference_backend_passes_and_reports_every_op_platform(tmp_path):
    report = tmp_path / "report.json"
    r = _conformance("--backend=reference", f"--report-json={report}", "-n", "2")   # pytest-xdist, 2 workers
    assert r.returncode == 0, r.stdout[-3000:]
    doc = json.loads(report.read_text())
    assert doc["backend"] == "reference" and doc["spec"] and doc["vectors"]["set"] == "v1"
    assert len(doc["vectors"]["manifest_sha256"]) == 64
    pairs = {(row["op"], row["platform"]) for row in doc["results"] if row["passed"] > 0 and row["level"] == "op"}
    assert pairs == {(op.name, p) for op in REGISTRY for p in op.platforms}
    assert {row["level"] for row in doc["results"]} == {"op", "primitive", "model"}
    assert all(row["failed"] == 0 for row in doc["results"])


def test_the_suite_reports_the_same_with_and_without_xdist(tmp_path):
    """xdist-safe: the per-(level, op, platform) counts of a parallel run equal a serial run's."""
    docs = []
    for k, extra in enumerate(([], ["-n", "2"])):
        report = tmp_path / f"report{k}.json"
        r = _conformance("--backend=broken_backend:BrokenRelu", "--ops=Relu,iqAdd,BatchNorm1dInt",
                         f"--report-json={report}", *extra)
        assert r.returncode == 1, r.stdout[-2000:]
        docs.append(json.loads(report.read_text())["results"])
    assert docs[0] == docs[1] and any(row["failed"] for row in docs[0])


def test_a_broken_backend_fails_exactly_that_ops_cases(tmp_path):
    report = tmp_path / "report.json"
    r = _conformance("--backend=broken_backend:BrokenRelu", f"--report-json={report}")
    assert r.returncode == 1
    doc = json.loads(report.read_text())
    failed = {(row["op"], row["platform"]) for row in doc["results"] if row["failed"]}
    assert failed == {("Relu", p) for p in REGISTRY.get("Relu").platforms}
    assert "expected 0, got" in r.stdout and "LSB" in r.stdout and "rerun: pytest conformance/" in r.stdout
    assert "venus/op/Relu/err-exponent-changes (Relu on venus):\nexpected error ExponentOutOfRange, the backend " \
        "returned outputs" in r.stdout


def test_the_minimal_example_backend_passes_its_op(tmp_path):
    import os
    report = tmp_path / "report.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "examples"))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ROOT / "conformance"),
                        "--backend=minimal_backend:NumpyRelu", f"--report-json={report}"],
                       capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stdout[-2000:]
    rows = json.loads(report.read_text())["results"]
    assert {(row["op"], row["platform"]) for row in rows if row["passed"]} == \
        {("Relu", p) for p in REGISTRY.get("Relu").platforms}
    assert all(row["failed"] == 0 for row in rows)
    assert sum(row["skipped"] for row in rows) > 0
    assert len((ROOT / "examples" / "minimal_backend.py").read_text().splitlines()) < 50


def test_xfail_file_and_strict(tmp_path):
    report = tmp_path / "report.json"
    relu_ids = sorted(d.relative_to(VECTORS).as_posix() for d in case_dirs(VECTORS) if d.parts[-2] == "Relu")
    xfail = tmp_path / "xfail.txt"
    xfail.write_text("# known port bugs\n" + "\n".join(f"{i} rectifier missing" for i in relu_ids) + "\n")
    r = _conformance("--backend=broken_backend:BrokenRelu", f"--report-json={report}", f"--xfail-file={xfail}",
                     "--ops=Relu")
    # the broken cases are expected failures; a listed case that passes (strict xfail) fails the run
    rows = json.loads(report.read_text())["results"]
    xfailed = sum(row["xfailed"] for row in rows)
    assert xfailed >= 3 and all(row["failed"] == 0 or row["op"] == "Relu" for row in rows)
    xfail.write_text("venus/op/NoSuchOp/cp-x reason\n")
    r = _conformance("--backend=reference", f"--xfail-file={xfail}")
    assert r.returncode != 0 and "matches no case" in (r.stdout + r.stderr)
    r = _conformance("--backend=broken_backend:OnlyRelu", f"--report-json={report}", "--strict", "--ops=Relu,iqAdd")
    assert r.returncode == 1 and "(--strict)" in r.stdout


def test_installed_plugin_runs_with_pyargs_and_its_own_vectors(tmp_path):
    import shutil
    shutil.copytree(VECTORS / "venusA" / "op" / "iqAdd", tmp_path / "set" / "venusA" / "op" / "iqAdd")
    from lunaref.vectors.generate import write_manifest
    write_manifest(tmp_path / "set")
    report = tmp_path / "report.json"
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs",
                        "lunaref.conformance", "--backend=reference", f"--vectors={tmp_path / 'set'}",
                        f"--report-json={report}"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    rows = json.loads(report.read_text())["results"]
    assert [(row["op"], row["platform"]) for row in rows] == [("iqAdd", "venusA")]
    assert rows[0]["passed"] == len(list((tmp_path / "set").glob("*/*/*/*/case.json")))


def test_subprocess_backend_batch_protocol(tmp_path):
    report = tmp_path / "report.json"
    port = ROOT / "tests" / "fake_port.py"
    r = _conformance(f"--backend=subprocess:{sys.executable} {port}", f"--report-json={report}")
    assert r.returncode == 0, r.stdout[-2000:]
    rows = json.loads(report.read_text())["results"]
    assert {(row["op"], row["platform"]) for row in rows if row["passed"]} == \
        {("Relu", p) for p in REGISTRY.get("Relu").platforms}
    assert all(row["failed"] == 0 for row in rows)
    r = _conformance("--backend=subprocess:false", f"--report-json={report}", "--ops=Relu")
    assert r.returncode != 0 and "failed (exit 1)" in r.stdout + r.stderr


def test_mac_cases_carry_the_platforms_packed_weight():
    for platform, group in (("venus", 2), ("venusA", 4), ("arcs", 2)):
        d = VECTORS / platform / "op" / "Conv2dInt" / "cp-bias"
        doc = json.loads((d / "case.json").read_text())
        packed = np.load(d / "packed1.npy")
        assert doc["inputs"][1]["packed"]["layout"] == "NHWC8" and packed.shape[-2:] == (group, 8)
        w = np.load(d / "in1.npy")
        oc, ic, kh, kw = w.shape
        flat = packed.reshape(-1)
        icb = -(-ic // 8)
        for o, c, a, b in [(0, 0, 0, 0), (oc - 1, ic - 1, kh - 1, kw - 1)]:
            pos = (((((o // group) * kh * kw + a * kw + b) * icb + c // 8) * group + o % group) * 8 + c % 8)
            assert flat[pos] == w[o, c, a, b]
    lin = json.loads((VECTORS / "venus" / "op" / "LinearInt" / "cp-bias" / "case.json").read_text())
    assert lin["inputs"][1]["packed"]["layout"] == "NCWH"  # venus stores the transpose


def test_model_cases_run_through_model_bin():
    import lunaref
    from lunaref.resource import read
    for platform in ("venus", "venusA", "arcs"):
        case = read_case(VECTORS / platform / "model" / "ConvNet" / "baseline-0")
        assert read(case.resource).platform == platform and case.provenance["seed"] > 0
        (y,) = lunaref.run_resource(case.resource, [case.inputs[0].data])
        assert np.array_equal(y, case.outputs[0].data)


def test_baseline_cases_are_reproducible_from_their_id(tmp_path):
    from lunaref.vectors.generate import _add_baseline
    _add_baseline(tmp_path, {"Conv2dInt", "iqAdd"}, {"arcs"}, lambda m: None)
    for op in ("Conv2dInt", "iqAdd"):
        for k in range(2):
            rel = f"arcs/op/{op}/baseline-{k}"
            for f in (VECTORS / rel).iterdir():
                assert (tmp_path / rel / f.name).read_bytes() == f.read_bytes(), (rel, f.name)
    ids = {d.relative_to(VECTORS).as_posix() for d in case_dirs(VECTORS)}
    assert all(f"{p}/op/{op.name}/baseline-0" in ids for op in REGISTRY for p in op.platforms)
