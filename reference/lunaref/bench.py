"""Benchmarks: how fast the exact reference runs on this machine (``lunaref bench``; README "Benchmarks").

Three groups, printed as a table each; nothing here is a test and nothing asserts a time:

* **kernels** — the multiply-accumulate ops at named shapes with int8 operands, timed as a ratio to a
  float64 GEMM of the same multiply-accumulate count measured in the same run — the im2col product, or for
  BmmInt the batch of products — (target ≤ 2×), with the exactness path
  :func:`lunaref.luna.matrix.exact_matmul` took (float32 or float64 BLAS under the 2^24 or 2^53 bound, int64,
  or Python integers).  int32-operand forms are reported without a target.
* **models** — ONNX files given on the command line, through the ONNX graph and through a packed
  model.bin: milliseconds per inference after load (best and median of the repeats) and the peak of
  memory allocated during one inference (tracemalloc, which numpy reports its buffers to).
* **suite** — wall time of ``pytest conformance/ --backend=reference`` and ``lunaref vectors check``
  as subprocesses (from a source checkout only).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .luna.matrix import matmul_path
from .tensor import Tensor, TensorSpec

__all__ = ["KERNELS", "Kernel", "time_call", "bench_kernels", "bench_model", "bench_suite", "main"]

#: The kernel targets of issue 12: lunaref's time over a float64 GEMM of the same MAC count.
KERNEL_TARGET = 2.0


def time_call(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Seconds per call of ``fn``, ``repeat`` times after one warm-up call."""
    fn()
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


@dataclass(frozen=True)
class Kernel:
    """One named kernel case: the op, its platform, and the GEMM ``(M, K, N)`` it amounts to (``batch`` of
    them for a batched product)."""

    name: str
    op: str
    platform: str
    build: Callable[[np.random.Generator], tuple[list[Tensor], list[TensorSpec], dict]]
    gemm: tuple[int, int, int]       # M, K, N: the im2col matrix product of the same MAC count
    target: bool = True              # int32-operand forms have no target
    batch: int = 1                   # BmmInt: that many products of (M, K, N)


def _i8(rng, shape):
    return rng.integers(-128, 128, size=shape, dtype=np.int64)


def _conv(c, oc, k, hw, pad):
    def build(rng):
        x = Tensor.of(_i8(rng, (1, c, hw, hw)), "int8", 4)
        w = Tensor.of(_i8(rng, (oc, c, k, k)), "int8", 6)
        b = Tensor.of(rng.integers(-5000, 5000, size=oc), "int32", 10)
        attrs = {"kernel_shape": (k, k), "strides": (1, 1), "pads": (pad,) * 4, "dilations": (1, 1), "group": 1}
        return [x, w, b], [TensorSpec.of("int8", 3)], attrs
    return build


def _conv1d(c, oc, k, length):
    def build(rng):
        x = Tensor.of(_i8(rng, (1, c, length)), "int8", 4)
        w = Tensor.of(_i8(rng, (oc, c, k)), "int8", 6)
        b = Tensor.of(rng.integers(-5000, 5000, size=oc), "int32", 10)
        attrs = {"kernel_shape": (k,), "strides": (1,), "pads": (1, 1), "dilations": (1,), "group": 1}
        return [x, w, b], [TensorSpec.of("int8", 3)], attrs
    return build


def _linear(m, k, n):
    def build(rng):
        x = Tensor.of(_i8(rng, (m, k)), "int8", 4)
        w = Tensor.of(_i8(rng, (n, k)), "int8", 6)
        b = Tensor.of(rng.integers(-5000, 5000, size=n), "int32", 10)
        return [x, w, b], [TensorSpec.of("int8", 3)], {}
    return build


def _bmm(batch, m, k, n, dt):
    def build(rng):
        hi = 128 if dt == "int8" else 1 << 20
        a = Tensor.of(rng.integers(-hi, hi, size=(batch, m, k)), dt, 4)
        b = Tensor.of(rng.integers(-hi, hi, size=(batch, k, n)), dt, 4)
        return [a, b], [TensorSpec.of(dt, 4 if dt == "int32" else 3)], {}
    return build


KERNELS: tuple[Kernel, ...] = (
    Kernel("Conv2dInt 3x3 64->64 @32x32", "Conv2dInt", "venusA", _conv(64, 64, 3, 32, 1), (32 * 32, 64 * 9, 64)),
    Kernel("Conv2dInt 1x1 256->256 @16x16", "Conv2dInt", "venusA", _conv(256, 256, 1, 16, 0), (16 * 16, 256, 256)),
    Kernel("Conv1dInt k3 128->128 @L512", "Conv1dInt", "venusA", _conv1d(128, 128, 3, 512), (512, 128 * 3, 128)),
    Kernel("LinearInt 512x512, 64 rows", "LinearInt", "venusA", _linear(64, 512, 512), (64, 512, 512)),
    Kernel("BmmInt 8x(64x64)(64x64) int8", "BmmInt", "venusA", _bmm(8, 64, 64, 64, "int8"), (64, 64, 64), batch=8),
    Kernel("BmmInt 8x(64x64)(64x64) int32", "BmmInt", "arcs", _bmm(8, 64, 64, 64, "int32"), (64, 64, 64), batch=8,
           target=False),
)


def _kernel_path(k: Kernel, inputs: Sequence[Tensor]) -> str:
    """The exactness path the op's matrix product takes for these operands (the im2col operands have the
    same value bounds and inner length as the op's inputs)."""
    a, b = inputs[0].data, inputs[1].data
    return matmul_path(k.gemm[1], a, b)


def bench_kernels(repeat: int, out=print) -> list[dict]:
    from .ops import REGISTRY

    rng = np.random.default_rng(0)
    rows = []
    for k in KERNELS:
        inputs, outs, attrs = k.build(rng)
        op = REGISTRY.get(k.op)
        t_ref = min(time_call(lambda: op.run(inputs, outs, attrs, k.platform), repeat))
        m, kk, n = k.gemm
        lead = (k.batch,) if k.batch > 1 else ()
        fa, fb = rng.standard_normal(lead + (m, kk)), rng.standard_normal(lead + (kk, n))
        t_gemm = min(time_call(lambda: np.matmul(fa, fb), repeat))
        rows.append({"kernel": k.name, "platform": k.platform, "macs": k.batch * m * kk * n, "ms": t_ref * 1e3,
                     "gemm_ms": t_gemm * 1e3, "ratio": t_ref / t_gemm, "path": _kernel_path(k, inputs),
                     "target": KERNEL_TARGET if k.target else None})
    out(f"{'kernel':<34} {'platform':<8} {'MACs':>10} {'ms':>8} {'f64 GEMM ms':>12} {'ratio':>7} {'target':>7}  path")
    for r in rows:
        tgt = f"<= {r['target']:.0f}x" if r["target"] else "-"
        out(f"{r['kernel']:<34} {r['platform']:<8} {r['macs']:>10} {r['ms']:>8.2f} {r['gemm_ms']:>12.3f} "
            f"{r['ratio']:>6.2f}x {tgt:>7}  {r['path']}")
    return rows


def _peak_bytes(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bench_model(path: str | os.PathLike, platform: str | None, repeat: int) -> list[dict]:
    """ONNX and model.bin rows for one model: load once, then time inferences on a fixed random input."""
    from . import load_onnx, run_onnx
    from .resource.executor import run_resource
    from .resource.packer import pack
    from .resource.reader import read

    graph = load_onnx(path)
    prof = graph.resolve_platform(platform)
    rng = np.random.default_rng(0)
    feeds = [rng.uniform(-1, 1, size=[d or 1 for d in (i.shape or ())]).astype(i.dtype.storage)
             for i in graph.inputs]
    resource = read(pack(graph, prof.name).data)       # parsed once: the times are per inference after load
    runs = {
        "onnx": lambda: run_onnx(graph, feeds, prof.name),
        "model.bin": lambda: run_resource(resource, feeds, prof.name, quantize_inputs=True, dequantize_outputs=True),
    }
    rows = []
    for via, fn in runs.items():
        times = time_call(fn, repeat)
        rows.append({"model": Path(path).name, "platform": prof.name, "via": via, "best_ms": min(times) * 1e3,
                     "median_ms": statistics.median(times) * 1e3, "peak_mib": _peak_bytes(fn) / 2**20})
    return rows


def bench_suite(root: Path, out=print) -> list[dict]:
    """Wall time of the conformance suite and of ``vectors check`` (subprocesses, this interpreter)."""
    commands = {
        "pytest conformance/ --backend=reference": [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                                    "conformance/", "--backend=reference"],
        "lunaref vectors check": [sys.executable, "-m", "lunaref", "vectors", "check"],
    }
    rows = []
    for name, cmd in commands.items():
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
        rows.append({"command": name, "seconds": time.perf_counter() - t, "exit": proc.returncode})
    out(f"{'command':<42} {'seconds':>8} {'exit':>5}")
    for r in rows:
        out(f"{r['command']:<42} {r['seconds']:>8.1f} {r['exit']:>5}")
    return rows


def checkout_root() -> Path | None:
    """The source checkout this package runs from (it has conformance/ and vectors/), if any."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "conformance").is_dir() and (root / "vectors").is_dir() else None


def main(models: Sequence[str], platform: str | None, repeat: int, kernels: bool, suite: bool, out=print) -> dict:
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                                          "numpy": np.__version__,
                                          "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")}}
    out(f"lunaref bench: {report['machine']['cpus']} CPUs, Python {report['machine']['python']}, "
        f"numpy {report['machine']['numpy']}, OPENBLAS_NUM_THREADS={report['machine']['OPENBLAS_NUM_THREADS']}, "
        f"best of {repeat}")
    if kernels:
        out("")
        report["kernels"] = bench_kernels(repeat, out)
    if models:
        out("")
        rows = [r for m in models for r in bench_model(m, platform, repeat)]
        out(f"{'model':<32} {'platform':<8} {'via':<10} {'best ms':>9} {'median ms':>10} {'peak MiB':>9}")
        for r in rows:
            out(f"{r['model']:<32} {r['platform']:<8} {r['via']:<10} {r['best_ms']:>9.1f} {r['median_ms']:>10.1f} "
                f"{r['peak_mib']:>9.1f}")
        report["models"] = rows
    if suite:
        out("")
        root = checkout_root()
        if root is None:
            out("suite: not a source checkout (conformance/ and vectors/ not found); skipped")
        else:
            report["suite"] = bench_suite(root, out)
    return report
