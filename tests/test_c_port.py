"""examples/c-port: a C99 port of the rounding primitives, iqAdd and Conv2dInt, built with the system C
compiler and run through the subprocess backend — the way firmware uses the suite (issue: Conformance II)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

from lunaref import errors
from lunaref.conformance import SubprocessBackend
from lunaref.conformance.runner import CHECKOUT_VECTORS, run, select
from lunaref.luna.registry import run_primitive
from lunaref.ops import REGISTRY
from lunaref.platforms import PLATFORM_NAMES
from lunaref.tensor import Tensor, TensorSpec
from lunaref.vectors.case import VectorCase, write_case

from support import ROOT, build_c, require_cc

PORT = ROOT / "examples" / "c-port"
SOURCES = ["driver.c", "luna_port.c", "npy.c", "json.c"]
PORTED = ["iqAdd", "Conv2dInt", "rshift", "add", "sub", "mul", "scale", "offset"]


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    cc = require_cc()
    return build_c(cc, [PORT / s for s in SOURCES], tmp_path_factory.mktemp("c-port") / "luna-port")


def _results(program, root, ops=PORTED):
    return run(SubprocessBackend([str(program)]), select(root, ops=ops))


def _int8_only(case) -> bool:
    """The port's Conv2dInt is the int8 × int8 one (not venus's int16 path, not int4 weights)."""
    return case.op != "Conv2dInt" or all(t.dtype.name == "int8" for t in case.inputs[:2])


def test_the_port_passes_every_vector_of_its_ops_on_every_platform(port):
    results = _results(port, CHECKOUT_VECTORS)
    failed = [f"{r.case.id}: {r.message}" for r in results if r.outcome != ("passed" if _int8_only(r.case) else "skipped")]
    assert not failed, "\n".join(failed[:10])
    seen = {(r.case.op, r.case.platform) for r in results}
    assert seen == {(op, p) for op in PORTED for p in PLATFORM_NAMES}
    assert any(r.case.expect["outcome"] == "error" for r in results)  # its must-error cases too


def test_the_port_runs_under_the_pytest_suite(port, tmp_path):
    report = tmp_path / "report.json"
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ROOT / "conformance"),
                        f"--backend=subprocess:{port}", "--ops=iqAdd,Conv2dInt,rshift", "--platform=arcs",
                        f"--report-json={report}"], capture_output=True, text=True, cwd=ROOT / "tests")
    assert r.returncode == 0, r.stdout[-3000:]
    assert " passed" in r.stdout and " failed" not in r.stdout.splitlines()[-1]


def test_a_porting_bug_in_the_c_code_is_caught(tmp_path):
    """The C rounding shift with its rounding constant dropped (a plain floor) fails the suite."""
    cc = require_cc()
    for s in [*SOURCES, "luna_port.h", "npy.h", "json.h"]:
        shutil.copy(PORT / s, tmp_path / s)
    src = tmp_path / "luna_port.c"
    text = src.read_text()
    assert "return floor_shift(t, 1) + (t & 1);" in text
    src.write_text(text.replace("return floor_shift(t, 1) + (t & 1);", "return floor_shift(t, 1);"))
    buggy = build_c(cc, [tmp_path / s for s in SOURCES], tmp_path / "buggy-port")
    failed = {r.case.op for r in _results(buggy, CHECKOUT_VECTORS) if r.outcome == "failed"}
    assert {"rshift", "iqAdd", "Conv2dInt"} <= failed


def _random_cases(rng, count):
    """Cases beyond the committed ones: extreme exponents, widths and shifts, computed by the reference."""
    cases = []
    for k in range(count):
        platform = PLATFORM_NAMES[k % 3]
        kind = k % 3
        if kind == 0:   # iqAdd over the whole exponent range of each width
            t = rng.choice(["int8", "int16", "int32"])
            lo, hi = {"int8": (-31, 31), "int16": (-31, 31), "int32": (-62, 62)}[t]
            info = np.iinfo(t)
            n = int(rng.integers(1, 6))
            xs = [Tensor.of(rng.integers(info.min, info.max, n, endpoint=True), t, int(rng.integers(lo, hi + 1)))
                  for _ in range(2)]
            inputs, specs, attrs, op = xs, [TensorSpec.of(t, int(rng.integers(lo, hi + 1)))], {}, "iqAdd"
        elif kind == 1:  # the int64 rounding shift over all shifts
            v = rng.integers(-(1 << 63), (1 << 63) - 1, 6, dtype=np.int64, endpoint=True)
            v[:2] = [-(1 << 63), (1 << 63) - 1]
            inputs, specs, attrs, op = [v], [], {"shift": int(rng.integers(0, 71))}, "rshift"
        else:            # Conv2dInt with random geometry, both shift signs
            g = int(rng.choice([1, 2]))
            cg, ocg, kh, kw = (int(rng.integers(1, 4)) for _ in range(4))
            d = [int(rng.choice([1, 2])) for _ in range(2)]
            pads = [int(p) for p in rng.integers(0, 3, 4)]
            h, w = (kh - 1) * d[0] + 1 + int(rng.integers(0, 4)), (kw - 1) * d[1] + 1 + int(rng.integers(0, 4))
            ex, ew = int(rng.integers(0, 9)), int(rng.integers(0, 9))
            inputs = [Tensor.of(rng.integers(-128, 128, (1, g * cg, h, w)), "int8", ex),
                      Tensor.of(rng.integers(-128, 128, (g * ocg, cg, kh, kw)), "int8", ew),
                      Tensor.of(rng.integers(-(1 << 31), 1 << 31, g * ocg), "int32", ex + ew)]
            specs = [TensorSpec.of(str(rng.choice(["int8", "int16", "int32"])), int(rng.integers(ex + ew - 20,
                                                                                              ex + ew + 12)))]
            attrs = {"kernel_shape": [kh, kw], "strides": [int(s) for s in rng.choice([1, 2, 4], 2)], "pads": pads,
                     "dilations": d, "group": g, "act": str(rng.choice(["none", "relu"]))}
            op = "Conv2dInt"
        try:
            if op == "rshift":
                (y,) = run_primitive("rshift", inputs, attrs, platform)
                outs, specs, inputs = [Tensor.of(y, "int64")], [TensorSpec.of("int64")], [Tensor.of(inputs[0], "int64")]
            else:
                outs = REGISTRY.get(op).run(inputs, specs, attrs, platform)
            expect = {"outcome": "valid"}
        except errors.LunarefError as exc:
            outs, expect = [], {"outcome": "error", "error": exc.name}
        level = "primitive" if op == "rshift" else "op"
        cases.append(VectorCase(platform, level, op, f"random-{k}", attrs, list(inputs), list(outs), list(specs),
                                expect))
    return cases


def test_the_port_agrees_with_the_reference_beyond_the_committed_vectors(port, tmp_path):
    cases = _random_cases(np.random.default_rng(2026), 450)
    for c in cases:
        write_case(tmp_path, c)
    assert sum(c.expect["outcome"] == "valid" for c in cases) > 300
    results = _results(port, tmp_path)
    failed = [f"{r.case.id}: {r.message}" for r in results if r.outcome != "passed"]
    assert len(results) == len(cases) and not failed, "\n".join(failed[:10])
