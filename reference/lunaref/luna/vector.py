"""Element-wise LUNA primitives with a rounding shift (spec/luna.md §1).

All five have the same shape, measured identically on venus, arcs and venusA (thinker.md §1.3):

    widen the operands to a wide accumulator, combine exactly,
    round-shift right by ``shift`` (floor(v / 2^s + 1/2)), saturate to the result type.

Real-number meaning: with operands at exponent ``e`` the exact result is at exponent ``e`` (add,
sub, offset) or ``2e`` / ``e + e_k`` (mul, scale); ``shift`` moves it to exponent ``that - shift``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import errors
from ..numerics import as_int, dtype, rounding_shift, saturate
from ..platforms import Profile, profile as get_profile

__all__ = ["add", "sub", "mul", "scale", "offset", "relu", "prelu", "relux"]


def _operand_type(name: str, a: np.ndarray) -> str:
    a = np.asarray(a)
    if a.dtype not in (np.int8, np.int16, np.int32):
        raise errors.DTypeMismatch(f"luna {name}: operands must be int8, int16 or int32 (got {a.dtype})")
    return str(a.dtype)


def _check(name: str, plat: str | Profile, in_type: str, out: str) -> str:
    out = dtype(out).name
    prof = get_profile(plat)
    if (in_type, out) not in prof.vector_types:
        raise errors.UnsupportedOnPlatform(
            f"luna {name}: no {in_type} -> {out} form on {prof.name}")
    return out


def _vector_pair(name: str, a: Any, b: Any, out: str, platform: str | Profile) -> tuple[np.ndarray, np.ndarray, str]:
    a, b = np.asarray(a), np.asarray(b)
    t = _operand_type(name, a)
    if b.dtype != a.dtype:
        raise errors.DTypeMismatch(f"luna {name}: operand dtypes differ ({a.dtype} vs {b.dtype})")
    if a.shape != b.shape:
        raise errors.ShapeMismatch(f"luna {name}: operand shapes differ ({a.shape} vs {b.shape})")
    return as_int(a), as_int(b), _check(name, platform, t, out)


def _vector_scalar(name: str, a: Any, k: int, out: str, platform: str | Profile) -> tuple[np.ndarray, int, str]:
    a = np.asarray(a)
    t = _operand_type(name, a)
    lo, hi = dtype(t).min, dtype(t).max
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or not lo <= int(k) <= hi:
        raise errors.ValueOutOfRange(f"luna {name}: scalar {k!r} is not a {t} value (it has the operand type)")
    return as_int(a), int(k), _check(name, platform, t, out)


def add(a: Any, b: Any, shift: int, out: str, platform: str | Profile) -> np.ndarray:
    """``luna_add``: ``sat(rhu(a + b, shift))``.  Sum of two vectors, rescaled by ``2^-shift``."""
    a, b, out = _vector_pair("add", a, b, out, platform)
    return saturate(rounding_shift(a + b, shift), out)


def sub(a: Any, b: Any, shift: int, out: str, platform: str | Profile) -> np.ndarray:
    """``luna_sub``: ``sat(rhu(a - b, shift))``.  Difference of two vectors, rescaled by ``2^-shift``."""
    a, b, out = _vector_pair("sub", a, b, out, platform)
    return saturate(rounding_shift(a - b, shift), out)


def mul(a: Any, b: Any, shift: int, out: str, platform: str | Profile) -> np.ndarray:
    """``luna_mul``: ``sat(rhu(a * b, shift))``.  Element-wise product (exact, 64-bit), rescaled."""
    a, b, out = _vector_pair("mul", a, b, out, platform)
    return saturate(rounding_shift(a * b, shift), out)


def scale(a: Any, k: int, shift: int, out: str, platform: str | Profile) -> np.ndarray:
    """``luna_scale``: ``sat(rhu(a * k, shift))``.  Vector times a scalar ``k`` of the operand type."""
    a, k, out = _vector_scalar("scale", a, k, out, platform)
    return saturate(rounding_shift(a * k, shift), out)


def offset(a: Any, k: int, shift: int, out: str, platform: str | Profile) -> np.ndarray:
    """``luna_offset``: ``sat(rhu(a + k, shift))``.  Vector plus a scalar ``k`` of the operand type."""
    a, k, out = _vector_scalar("offset", a, k, out, platform)
    return saturate(rounding_shift(a + k, shift), out)


def relu(a: Any, shift: int = 0) -> np.ndarray:
    """``luna_relu``: ``sat(rshift(max(a, 0), shift))`` in the operand type (every platform, every width)."""
    a = np.asarray(a)
    t = _operand_type("relu", a)
    return saturate(rounding_shift(np.maximum(as_int(a), 0), shift), t)


def prelu(a: Any, slope: int, shift: int, out: str, platform: str | Profile) -> np.ndarray:
    """``luna_prelu``: ``sat(rshift(a, shift))`` where ``a >= 0``, ``sat(rshift(a, slope + shift))`` where
    ``a < 0`` — the negative part is multiplied by ``2^-slope``: ``slope`` is a right-shift count, not a
    factor (measured, thinker.md §1.3).  Forms as the element-wise primitives (``vector_types``)."""
    a = np.asarray(a)
    t = _operand_type("prelu", a)
    out = _check("prelu", platform, t, out)
    slope, shift = _shift_count_of("prelu", slope), _shift_count_of("prelu", shift)
    v = as_int(a)
    pos = rounding_shift(np.maximum(v, 0), shift)
    neg = rounding_shift(np.minimum(v, 0), slope + shift)
    return saturate(np.where(v >= 0, pos, neg), out)


def relux(a: Any, x: int, shift: int, platform: str | Profile) -> np.ndarray:
    """``luna_relux`` (arcs, venusA): ``min(max(rshift(a, shift), 0), x)`` into int8, the threshold ``x``
    an int8 value in ``[0, 127]`` (measured: the clamp follows the rounding, thinker.md §1.3)."""
    a = np.asarray(a)
    t = _operand_type("relux", a)
    prof = get_profile(platform)
    if t not in prof.relux_in:
        raise errors.UnsupportedOnPlatform(f"luna relux: no {t} -> int8 form on {prof.name}")
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)) or not 0 <= int(x) <= 127:
        raise errors.ValueOutOfRange(f"luna relux: threshold {x!r} is not an int8 value in [0, 127]")
    shift = _shift_count_of("relux", shift)
    return np.minimum(np.maximum(rounding_shift(as_int(a), shift), 0), int(x)).astype(np.int8)


def _shift_count_of(name: str, s: Any) -> int:
    if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) or int(s) < 0:
        raise errors.ShiftOutOfRange(f"luna {name}: shift {s!r} must be a non-negative integer")
    return int(s)
