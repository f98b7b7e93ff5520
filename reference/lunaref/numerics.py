"""Integer types, rounding rules, saturation, quantization (spec/numerics.md).

Everything here is exact.  Integer inputs are widened to ``int64`` before any arithmetic; where a
result could leave the int64 range (a left scale by a large power of two, a shift of 63 or more) the
computation switches to Python integers (``object`` arrays), so no value ever wraps.  Floating point
appears only where the spec *defines* a float recipe (quantize, dequantize), and there it is the
float32 arithmetic thinker's C code performs, step by step.

Real-number meaning: an integer ``q`` with exponent ``e`` stands for ``q * 2**-e`` (no zero point).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import errors

__all__ = [
    "DType", "DTYPES", "INT4", "INT8", "INT16", "INT32", "INT64", "FLOAT32", "dtype",
    "Rounding", "LINGER_ROUND_MODES", "rounding",
    "as_int", "shift_round", "divide_round", "rounding_shift", "saturate", "wrap", "round_to_significant_bits",
    "round_to_float32", "round_to_float64", "scale_pow2",
    "rescale", "requantize",
    "quantize", "dequantize", "check_exponent", "exponent_of_scale", "pack_int4", "unpack_int4",
]


# --------------------------------------------------------------------------------------------
# numerics.md §1  Integer types
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DType:
    """A tensor element type.  Integer types are two's complement, signed, symmetric-free.

    ``storage`` is the numpy dtype lunaref uses for an *unpacked* array of this type (int4 values
    are held one per int8 element; see :func:`pack_int4` for the two-per-byte form).
    ``exponent_range`` is the closed range of exponents spec/numerics.md §2 allows, or ``None``
    for types that never carry an exponent.
    """

    name: str
    bits: int
    is_integer: bool
    storage: np.dtype
    exponent_range: tuple[int, int] | None

    @property
    def min(self) -> int:
        return -(1 << (self.bits - 1))

    @property
    def max(self) -> int:
        return (1 << (self.bits - 1)) - 1

    def __str__(self) -> str:
        return self.name


INT4 = DType("int4", 4, True, np.dtype(np.int8), (-31, 31))
INT8 = DType("int8", 8, True, np.dtype(np.int8), (-31, 31))
INT16 = DType("int16", 16, True, np.dtype(np.int16), (-31, 31))
INT32 = DType("int32", 32, True, np.dtype(np.int32), (-62, 62))
INT64 = DType("int64", 64, True, np.dtype(np.int64), (-62, 62))
FLOAT32 = DType("float32", 32, False, np.dtype(np.float32), None)

DTYPES: dict[str, DType] = {t.name: t for t in (INT4, INT8, INT16, INT32, INT64, FLOAT32)}


def dtype(name: str | DType) -> DType:
    """The :class:`DType` called ``name`` (``"int8"``, ...)."""
    if isinstance(name, DType):
        return name
    try:
        return DTYPES[name]
    except (KeyError, TypeError):
        raise errors.BadArgument(
            f"unknown dtype {name!r} (expected one of {', '.join(DTYPES)})") from None


# --------------------------------------------------------------------------------------------
# numerics.md §3  Rounding rules
# --------------------------------------------------------------------------------------------

class Rounding(enum.Enum):
    """How an exact rational ``v / 2**s`` becomes an integer (spec/numerics.md §3)."""

    HALF_UP = "half_up"        #: floor(x + 1/2): ties toward +inf.  The LUNA rule ("FloorX05").
    FLOOR = "floor"            #: floor(x): arithmetic right shift.  LUNA "ShiftType_Floor".
    CEIL = "ceil"              #: ceil(x).
    HALF_EVEN = "half_even"    #: nearest, ties to even (numpy/torch ``round``).
    HALF_AWAY = "half_away"    #: nearest, ties away from zero (C ``roundf``).
    TRUNC = "trunc"            #: toward zero (C float-to-int conversion).


#: linger's ``round_mode`` / ``quant_mode`` names (linger 3.x config, thinker RoundMethod).
LINGER_ROUND_MODES: dict[str, Rounding] = {
    "floor": Rounding.FLOOR,
    "floor_add": Rounding.HALF_UP,
    "round": Rounding.HALF_EVEN,
    "ceil": Rounding.CEIL,
}


def rounding(mode: str | Rounding) -> Rounding:
    """Accept a :class:`Rounding`, its value (``"half_up"``) or a linger mode name (``"floor_add"``)."""
    if isinstance(mode, Rounding):
        return mode
    if mode in LINGER_ROUND_MODES:
        return LINGER_ROUND_MODES[mode]
    try:
        return Rounding(mode)
    except ValueError:
        names = sorted({m.value for m in Rounding} | set(LINGER_ROUND_MODES))
        raise errors.BadArgument(f"unknown rounding mode {mode!r} (expected one of {', '.join(names)})") from None


def as_int(v: Any) -> np.ndarray:
    """Widen integer data to an exact array: ``int64``, or ``object`` (Python ints) if it does not fit.

    An ``object`` array stays ``object`` (its elements become Python ints).

    Accepts numpy integer arrays of any width, Python ints and nested lists of them.  Floats and
    booleans are refused (:class:`~lunaref.errors.DTypeMismatch`): integer arithmetic never
    silently takes a float.
    """
    a = np.asarray(v)
    if a.size == 0 and a.dtype.kind in "fO":  # an empty list has no integer dtype of its own
        return np.zeros(a.shape, dtype=np.int64)
    if a.dtype == object:
        flat = a.reshape(-1)
        if not all(isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)) for x in flat):
            raise errors.DTypeMismatch("integer arithmetic needs integer operands (got non-integer objects)")
        return np.array([int(x) for x in flat], dtype=object).reshape(a.shape)
    if a.dtype.kind == "i":
        return a.astype(np.int64, copy=False)
    if a.dtype.kind == "u":
        if a.dtype.itemsize < 8 or a.size == 0 or int(a.max()) < (1 << 63):
            return a.astype(np.int64)
        return np.array([int(x) for x in a.reshape(-1)], dtype=object).reshape(a.shape)
    raise errors.DTypeMismatch(f"integer arithmetic needs integer operands (got {a.dtype})")


def _shift_count(s: Any) -> int:
    if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)):
        raise errors.ShiftOutOfRange(f"shift must be an integer (got {s!r})")
    s = int(s)
    if s < 0:
        raise errors.ShiftOutOfRange(f"shift {s} is negative; LUNA shifts are unsigned "
                                     "(use rescale() for a left scale)")
    return s


def shift_round(v: Any, s: int, mode: str | Rounding = Rounding.HALF_UP) -> np.ndarray:
    """``round_mode(v / 2**s)`` exactly, for an integer array ``v`` and a shift ``s >= 0``.

    The quotient is split into ``q = floor(v / 2**s)`` and a remainder ``r`` in ``[0, 2**s)``; each
    rule then decides from ``r`` (and, for ties, the sign or parity) whether to add one to ``q``.
    ``s = 0`` is the identity; a shift at or beyond the operand width is well defined (the exact
    quotient is then in ``[-1/2, 1/2)``).  Result: ``int64`` if ``v`` was int64-representable,
    else Python ints.  No saturation: compose with :func:`saturate`.
    """
    mode = rounding(mode)
    s = _shift_count(s)
    v = as_int(v)
    if s == 0:
        return v.copy()
    if v.dtype != object and s > 62:
        # q << s could leave int64; the quotient itself always fits, so compute in Python ints.
        return _to_int64_if_fits(shift_round(v.astype(object), s, mode))
    if mode is Rounding.HALF_UP:      # numerics.md §3.1's overflow-free form: t = v >> (s−1); (t >> 1) + (t & 1)
        t = v >> (s - 1)
        return (t >> 1) + (t & 1)
    q = v >> s
    r = v - (q << s)
    half = 1 << (s - 1)
    if mode is Rounding.FLOOR:
        up = np.zeros(v.shape, dtype=bool)
    elif mode is Rounding.CEIL:
        up = r != 0
    elif mode is Rounding.HALF_EVEN:
        up = (r > half) | ((r == half) & ((q & 1) == 1))
    elif mode is Rounding.HALF_AWAY:
        up = (r > half) | ((r == half) & (v >= 0))
    else:  # TRUNC
        up = (r != 0) & (v < 0)
    return q + (up.astype(object) if v.dtype == object else up.astype(np.int64))


def divide_round(n: Any, d: Any, mode: str | Rounding = Rounding.HALF_UP) -> np.ndarray:
    """``round_mode(n / d)`` exactly, for integer arrays ``n`` and ``d`` (broadcast) with ``d != 0``
    (spec/numerics.md §3.3).

    The quotient is split into ``q = floor(n / d)`` and a remainder ``r`` with ``0 <= r < |d|`` (after
    making the divisor positive); each rule then decides from ``2r`` against ``|d|`` — the same decisions
    as :func:`shift_round` with ``2**s`` replaced by ``d``.  Python ints where int64 could overflow.
    """
    mode = rounding(mode)
    n, d = as_int(n), as_int(d)
    if d.size and bool((d == 0).any()):
        raise errors.ValueOutOfRange("divide_round: division by zero")
    neg = d < 0
    n, d = np.where(neg, -n, n), np.where(neg, -d, d)            # d > 0 from here on
    if n.dtype != object and d.dtype != object and n.size and d.size:
        big = max(int(np.abs(n).max()), int(d.max()))
        if big >= (1 << 61):
            n, d = n.astype(object), d.astype(object)
    elif n.dtype == object or d.dtype == object:
        n, d = np.asarray(n, dtype=object), np.asarray(d, dtype=object)
    q = n // d
    r2 = 2 * (n - q * d)                                          # 2r in [0, 2d)
    if mode is Rounding.FLOOR:
        up = np.zeros(np.shape(q), dtype=bool)
    elif mode is Rounding.CEIL:
        up = r2 != 0
    elif mode is Rounding.HALF_UP:
        up = r2 >= d
    elif mode is Rounding.HALF_EVEN:
        up = (r2 > d) | ((r2 == d) & ((q % 2) == 1))
    elif mode is Rounding.HALF_AWAY:
        up = (r2 > d) | ((r2 == d) & (n >= 0))
    else:  # TRUNC
        up = (r2 != 0) & (n < 0)
    up = np.asarray(up, dtype=bool)
    out = q + (up.astype(object) if q.dtype == object else up.astype(np.int64))
    return _to_int64_if_fits(out) if out.dtype == object else out


def rounding_shift(v: Any, s: int) -> np.ndarray:
    """The LUNA rounding right shift ``floor(v / 2**s + 1/2)`` (spec/numerics.md §3.1), unsaturated."""
    return shift_round(v, s, Rounding.HALF_UP)


def _to_int64_if_fits(a: np.ndarray) -> np.ndarray:
    flat = a.reshape(-1)
    if all(-(1 << 63) <= int(x) < (1 << 63) for x in flat):
        return a.astype(np.int64)
    return a


# --------------------------------------------------------------------------------------------
# numerics.md §4  Saturation, scaling by powers of two
# --------------------------------------------------------------------------------------------

def saturate(v: Any, to: str | DType) -> np.ndarray:
    """Clamp integers to the range of ``to``; the result has ``to``'s storage dtype."""
    to = dtype(to)
    if not to.is_integer:
        raise errors.DTypeMismatch(f"cannot saturate to {to}")
    v = as_int(v)
    if v.dtype == object:
        clipped = np.array([min(max(int(x), to.min), to.max) for x in v.reshape(-1)], dtype=np.int64)
        return clipped.reshape(v.shape).astype(to.storage)
    return np.clip(v, to.min, to.max).astype(to.storage)


def wrap(v: Any, bits: int) -> np.ndarray:
    """Two's-complement truncation to ``bits`` (numerics.md §4.1): what a C conversion to a narrower
    signed type does on every platform lunaref knows.  Never part of the spec's arithmetic, which
    saturates; compatibility models and implementation-defined cases only.  int64, or Python ints
    where int64 could overflow on the way."""
    v = as_int(v)
    if bits >= 64 and v.dtype != object:
        return v.copy()
    m = 1 << bits
    if v.dtype != object and (v.size == 0 or max(-int(v.min()), int(v.max())) < (1 << 62)):
        return (v + (m >> 1)) % m - (m >> 1)
    return _to_int64_if_fits((v.astype(object) + (m >> 1)) % m - (m >> 1))


def round_to_significant_bits(v: Any, bits: int) -> np.ndarray:
    """Each integer rounded to ``bits`` significant bits, ties to even, as an integer: a value with ``b``
    significant bits beyond ``bits`` is ``shift_round(v, b − bits, half_even) · 2^(b − bits)``
    (numerics.md §4.1).  :func:`round_to_float32` and :func:`round_to_float64` are C's ``(float)v`` and
    ``(double)v``, computed exactly in integers."""
    v = as_int(v)
    a = np.abs(v)
    top = int(a.max()).bit_length() if a.size else 0
    if top <= bits:
        return v
    length = sum(((a >> k) > 0).astype(np.int64) for k in range(top))    # bit length of each value
    drop = np.maximum(np.asarray(length, dtype=np.int64) - bits, 0)
    out = v.astype(object) if (v.dtype == object or top >= 62) else v.copy()
    for s in (int(s) for s in np.unique(drop) if s > 0):   # a few distinct exponents
        at = drop == s
        out[at] = scale_pow2(shift_round(v[at], s, Rounding.HALF_EVEN), s)
    return _to_int64_if_fits(out) if out.dtype == object else out


def round_to_float32(v: Any) -> np.ndarray:
    """C's ``(float)v`` of integers as integers: 24 significant bits, ties to even (numerics.md §4.1)."""
    return round_to_significant_bits(v, 24)


def round_to_float64(v: Any) -> np.ndarray:
    """C's ``(double)v`` of integers as integers: 53 significant bits, ties to even (numerics.md §4.1)."""
    return round_to_significant_bits(v, 53)


def scale_pow2(v: Any, k: int) -> np.ndarray:
    """``v * 2**k`` exactly (``k >= 0``), unsaturated; Python ints where int64 would overflow."""
    k = int(k)
    if k < 0:
        raise errors.ShiftOutOfRange(f"left scale {k} is negative")
    v = as_int(v)
    if v.dtype != object and v.size:
        big = max(int(v.max()), -int(v.min()))
        if k >= 62 or big >= (1 << (62 - k)):
            v = v.astype(object)
    return v * (1 << k)


def rescale(v: Any, d: int, mode: str | Rounding = Rounding.HALF_UP) -> np.ndarray:
    """Move integers from exponent ``e_in`` to ``e_out`` where ``d = e_in - e_out``, unsaturated.

    ``d > 0`` drops ``d`` fraction bits with ``mode`` (:func:`shift_round`); ``d <= 0`` multiplies
    by ``2**-d``, which is exact.
    """
    d = int(d)
    return shift_round(v, d, mode) if d > 0 else scale_pow2(v, -d)


def requantize(q: Any, e_in: int, e_out: int, to: str | DType,
               mode: str | Rounding = Rounding.HALF_UP) -> np.ndarray:
    """Re-express integers at exponent ``e_in`` at exponent ``e_out`` in type ``to`` (numerics.md §6).

    ``saturate(rescale(q, e_in - e_out, mode), to)``: widening, narrowing, up- and down-scaling are
    all this one formula.
    """
    return saturate(rescale(q, int(e_in) - int(e_out), mode), to)


# --------------------------------------------------------------------------------------------
# numerics.md §2  Exponents
# --------------------------------------------------------------------------------------------

def check_exponent(e: Any, of: str | DType, what: str = "tensor") -> int:
    """Return ``e`` as int after checking it lies in the range numerics.md §2 allows for ``of``."""
    of = dtype(of)
    if of.exponent_range is None:
        if e is not None:
            raise errors.ExponentOutOfRange(f"{what}: {of} tensors carry no exponent (got {e})")
        return None  # type: ignore[return-value]
    if e is None or isinstance(e, (bool, np.bool_)) or not isinstance(e, (int, np.integer)):
        raise errors.ExponentOutOfRange(f"{what}: a {of} tensor needs an integer exponent (got {e!r})")
    lo, hi = of.exponent_range
    if not lo <= int(e) <= hi:
        raise errors.ExponentOutOfRange(f"{what}: exponent {int(e)} outside [{lo}, {hi}] allowed for {of}")
    return int(e)


def exponent_of_scale(scale: float, what: str = "scale") -> int:
    """The exponent ``e`` of a power-of-two scale ``2**e`` (linger's multiplier convention).

    Raises :class:`~lunaref.errors.InvalidScale` unless ``scale`` is exactly a positive power of two.
    """
    s = float(scale)
    if not math.isfinite(s) or s <= 0:
        raise errors.InvalidScale(f"{what} = {scale!r} is not a positive power of two")
    m, e = math.frexp(s)  # s = m * 2**e, 0.5 <= m < 1
    if m != 0.5:
        raise errors.InvalidScale(f"{what} = {scale!r} is not an exact power of two")
    return e - 1


# --------------------------------------------------------------------------------------------
# numerics.md §5  Quantization and dequantization (thinker's float32 recipe)
# --------------------------------------------------------------------------------------------

def quantize(x: Any, e: int, to: str | DType = INT8) -> np.ndarray:
    """Float to integer as thinker's Quant computes it (numerics.md §5.1).

    1. ``p = float32(2**e) * x`` in float32 (exact unless it over/underflows),
    2. ``p + 0.5`` in double (exact), **converted back to float32** (round to nearest even),
    3. ``floor`` of that float32, 4. saturate to ``to``.

    Step 2's conversion makes ``p = 0.5 - 2**-25`` (the largest float32 below a half) round to 1.
    NaN is refused (:class:`~lunaref.errors.NonFiniteInput`); infinities saturate.
    """
    to = dtype(to)
    e = check_exponent(e, to, "quantize")
    x32 = np.asarray(x, dtype=np.float32)
    if np.isnan(x32).any():
        raise errors.NonFiniteInput("quantize: input contains NaN")
    with np.errstate(over="ignore", under="ignore"):
        p = x32 * np.float32(2.0 ** e)
        t = (p.astype(np.float64) + 0.5).astype(np.float32)
    f = np.floor(t).astype(np.float64)      # exact: every float32 is a float64
    f = np.clip(f, to.min, to.max)           # in float64, where int32's ends are exact; maps +-inf too
    return f.astype(np.int64).astype(to.storage)


def dequantize(q: Any, e: int) -> np.ndarray:
    """Integer to float32: ``float32(q) * float32(2**-e)`` in float32 (numerics.md §5.2).

    Exact whenever ``|q| <= 2**24``; a larger int32 first rounds to the nearest float32 (ties to even).
    """
    q = as_int(q)
    if q.dtype == object:
        raise errors.DTypeMismatch("dequantize: operand does not fit int64")
    return q.astype(np.float32) * np.float32(2.0 ** -int(e))


# --------------------------------------------------------------------------------------------
# numerics.md §1.1  int4 packing
# --------------------------------------------------------------------------------------------

def pack_int4(values: Any) -> np.ndarray:
    """Pack int4 values two per byte, even element in the low nibble (odd count: high nibble 0)."""
    v = as_int(values).reshape(-1)
    if v.dtype == object or (v.size and (v.min() < INT4.min or v.max() > INT4.max)):
        raise errors.ValueOutOfRange("pack_int4: values must lie in [-8, 7]")
    nib = (v & 0xF).astype(np.uint8)
    if nib.size % 2:
        nib = np.append(nib, np.uint8(0))
    return (nib[0::2] | (nib[1::2] << 4)).astype(np.uint8)


def unpack_int4(packed: Any, count: int) -> np.ndarray:
    """Inverse of :func:`pack_int4`: ``count`` sign-extended int4 values (as int8)."""
    b = np.asarray(packed, dtype=np.uint8).reshape(-1)
    if count < 0 or (count + 1) // 2 > b.size:
        raise errors.ValueOutOfRange(f"unpack_int4: {b.size} bytes hold fewer than {count} values")
    nib = np.empty(b.size * 2, dtype=np.int16)
    nib[0::2] = b & 0xF
    nib[1::2] = b >> 4
    nib = nib[:count]
    return np.where(nib >= 8, nib - 16, nib).astype(np.int8)
