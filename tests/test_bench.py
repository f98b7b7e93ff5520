"""``lunaref bench`` (README, Benchmarks): it runs, reports every kernel and model row with the exactness path,
and refuses bad arguments.  It measures; it asserts no time."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from lunaref.bench import KERNELS, bench_model
from lunaref.luna.matrix import FLOAT64_EXACT, matmul_path
from lunaref.ops import REGISTRY

from onnx_models import conv_model
from test_cli import lunaref


def test_kernels_report_every_named_kernel_with_its_path():
    r = lunaref("bench", "--kernels", "--repeat", "1", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["kernels"]
    assert [row["kernel"] for row in rows] == [k.name for k in KERNELS]
    for row, k in zip(rows, KERNELS):
        assert row["ms"] > 0 and row["gemm_ms"] > 0 and row["macs"] == k.batch * int(np.prod(k.gemm))
        # int8 operands with K ≤ 1024 stay under 2^24, 2^20-bounded int32 ones under 2^53
        assert row["path"] == ("float64" if "int32" in k.name else "float32")
        assert (row["target"] is None) == (not k.target)


@pytest.mark.parametrize("k", KERNELS, ids=lambda k: k.name)
def test_the_named_kernels_are_valid_cases(k):
    inputs, outs, attrs = k.build(np.random.default_rng(1))
    (y,) = REGISTRY.get(k.op).run(inputs, outs, attrs, k.platform)
    assert y.data.size > 0


def test_matmul_path_follows_the_bound():
    a = np.full((1, 4), 127)
    assert matmul_path(4, a, a) == "float32"
    assert matmul_path(1024, np.full((1, 1), 128), np.full((1, 1), -128)) == "float64"   # 1024 · 2^14 = 2^24
    big = np.array([[1 << 26]])
    assert matmul_path(2, big, big) == "int64"                 # 2 · 2^52 = 2^53: not below the bound
    assert 2 * (1 << 52) == FLOAT64_EXACT
    assert matmul_path(1, np.array([[1 << 40]]), np.array([[1 << 40]])) == "python-int"


def test_models_through_onnx_and_model_bin(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(conv_model("linger3", "venusA").SerializeToString())
    rows = bench_model(path, None, repeat=1)
    assert [(r["via"], r["platform"]) for r in rows] == [("onnx", "venusA"), ("model.bin", "venusA")]
    assert all(r["best_ms"] > 0 and r["peak_mib"] > 0 for r in rows)
    r = lunaref("bench", "--model", str(path), "--repeat", "1")
    assert r.returncode == 0 and "model.bin" in r.stdout, r.stderr


@pytest.mark.parametrize("args, words", [
    (("--model", "no-such.onnx"), "InputNotFound"),
    (("--kernels", "--repeat", "0"), "BadArgument"),
])
def test_bad_arguments_are_one_line(args, words):
    r = lunaref("bench", *args)
    assert r.returncode != 0 and words in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("given, used", [(None, "1"), ("3", "3")])
def test_one_blas_thread_unless_the_environment_says_otherwise(given, used):
    """Importing lunaref sets OPENBLAS_NUM_THREADS=1 before numpy loads OpenBLAS (lunaref/__init__.py: a second
    BLAS thread gains little, and on a busy machine every GEMM waits for it); a value already set stands."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    code = "import lunaref, os; print(os.environ['OPENBLAS_NUM_THREADS'])"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert r.returncode == 0 and r.stdout.strip() == used, r.stderr


def test_bench_reports_the_blas_threads():
    r = lunaref("bench", "--repeat", "1", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["machine"]["OPENBLAS_NUM_THREADS"] == "1", r.stderr
