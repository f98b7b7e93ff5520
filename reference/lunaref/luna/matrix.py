"""Matrix LUNA primitives (spec/luna.md §2): ``mat_mul`` and ``split_mat_mul_bias``.

    acc = A · B (+ bias per output column)     exact
    out = sat(rshift(acc, shift))

The exact product is computed by :func:`exact_matmul`, which takes a float32 or float64 BLAS GEMM only
where that is provably exact (every partial sum below 2^24 or 2^53) and integer arithmetic otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import errors
from ..numerics import as_int, dtype, rounding_shift, saturate
from ..platforms import Profile, profile as get_profile

__all__ = ["exact_matmul", "exact_operands", "exact_product", "matmul_path", "mat_mul_acc", "mat_mul"]

#: float32 and float64 represent every integer of magnitude below 2^24 and 2^53 exactly.
FLOAT32_EXACT = 1 << 24
FLOAT64_EXACT = 1 << 53


def _ints(t: Any) -> np.ndarray:
    """Integer data as it is (no int64 copy: the bound and the conversion read it directly); anything else through
    :func:`~lunaref.numerics.as_int`, which refuses floats and booleans and widens unsigned or object data."""
    a = np.asarray(t)
    return a if a.dtype.kind == "i" else as_int(a)


def _amax(t: np.ndarray) -> int:
    return max(int(t.max()), -int(t.min())) if t.size else 0


def matmul_path(k: int, a: Any, b: Any) -> str:
    """Which exact path a matrix product of inner length ``k`` over operands bounded as ``a`` and ``b`` takes:
    ``"float32"`` (BLAS; ``k · max|a| · max|b| < 2^24``), ``"float64"`` (BLAS; below 2^53), ``"int64"`` (below
    2^63) or ``"python-int"``."""
    a, b = _ints(a), _ints(b)
    if a.dtype == object or b.dtype == object:
        return "python-int"
    bound = k * _amax(a) * _amax(b)
    if bound < FLOAT32_EXACT:
        return "float32"
    return "float64" if bound < FLOAT64_EXACT else "int64" if bound < (1 << 63) else "python-int"


def exact_operands(k: int, a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """``a`` and ``b`` converted to the dtype in which a product of inner length ``k`` over them is exact.

    Every partial sum of a dot product of length ``k`` is bounded by ``k · max|a| · max|b|``.  Below 2^24 a
    float32 GEMM is exact in any summation order and with fused multiply-adds (each product and each partial
    sum is an integer float32 represents, so no step rounds), so BLAS may be used: float32 (int8 operands up to
    ``k = 1024``); below 2^53 the same holds for float64; below 2^63 int64 arithmetic is exact: int64; beyond,
    Python integers: object.  The bound holds for any matrix assembled from these values (im2col windows with zero
    padding), so a caller may convert the small operands first and expand them afterwards.
    """
    a, b = _ints(a), _ints(b)
    exact = {"float32": np.float32, "float64": np.float64, "int64": np.int64,
             "python-int": object}[matmul_path(k, a, b)]
    return a.astype(exact, copy=False), b.astype(exact, copy=False)


def exact_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` of operands from :func:`exact_operands` (numpy broadcasting), as int64 or Python ints."""
    r = np.matmul(a, b)
    return r.astype(np.int64) if r.dtype.kind == "f" else r


def exact_matmul(a: Any, b: Any) -> np.ndarray:
    """The exact integer matrix product ``a @ b`` (numpy broadcasting), as int64 or Python ints
    (:func:`exact_operands`: float32 / float64 BLAS below 2^24 / 2^53, int64 below 2^63, Python ints beyond)."""
    a, b = np.asarray(a), np.asarray(b)
    k = a.shape[-1]
    if b.shape[-2 if b.ndim > 1 else 0] != k:
        raise errors.ShapeMismatch(f"matmul: inner dimensions differ ({a.shape} @ {b.shape})")
    return exact_product(*exact_operands(k, a, b))


def _check(prof: Profile, a: np.ndarray, out: str) -> str:
    out = dtype(out).name
    key = (str(np.asarray(a).dtype), out)
    if key not in prof.matmul_types:
        raise errors.UnsupportedOnPlatform(f"luna mat_mul: no {key[0]} -> {out} form on {prof.name}")
    return out


def mat_mul_acc(a: Any, b: Any, bias: Any = None) -> np.ndarray:
    """The exact accumulator ``a · b + bias`` (bias broadcast over rows: one value per output column)."""
    acc = exact_matmul(a, b)
    if bias is not None:
        acc = acc + as_int(bias)
    return acc


def mat_mul(a: Any, b: Any, shift: int, out: str, platform: str | Profile, bias: Any = None) -> np.ndarray:
    """``luna_mat_mul`` / ``luna_split_mat_mul_bias``: ``sat(rshift(a · b + bias, shift))``.

    ``a`` is ``[..., M, K]``, ``b`` is ``[..., K, N]`` of the same integer dtype; ``bias`` (int32,
    ``[N]``) is added to the exact accumulator before the shift.
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype:
        raise errors.DTypeMismatch(f"luna mat_mul: operand dtypes differ ({a.dtype} vs {b.dtype})")
    out = _check(get_profile(platform), a, out)
    return saturate(rounding_shift(mat_mul_acc(a, b, bias), shift), out)
