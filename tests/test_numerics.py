"""spec/numerics.md against lunaref.numerics: exact models, the spec's example tables, properties."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lunaref import errors, numerics
from lunaref.numerics import Rounding

from support import SPEC
from models import f32, quantize_model, round_rational, sat, shift_model

MODES = [m.value for m in Rounding]
WIDTHS = [8, 16, 32, 64]


def ints(bits: int):
    return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)


any_width_int = st.sampled_from(WIDTHS).flatmap(ints)


def spec_table(heading: str) -> list[list[str]]:
    """Rows of the first markdown table after ``heading`` in numerics.md (unicode minus → '-')."""
    text = (SPEC / "numerics.md").read_text(encoding="utf-8")
    start = text.index(heading)
    rows = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not set(line) <= set("|- "):
            rows.append([c.strip().replace("−", "-") for c in line.strip("|").split("|")])
        elif rows and not line.startswith("|"):
            break
    return rows[1:]  # drop the header row


# ---------------------------------------------------------------------------------------------
# §3 rounding rules
# ---------------------------------------------------------------------------------------------

@given(v=any_width_int, s=st.integers(0, 63), mode=st.sampled_from(MODES))
def test_shift_round_matches_rational_model(v, s, mode):
    got = numerics.shift_round(np.array([v], dtype=np.int64), s, mode)
    assert got.dtype == np.int64
    assert int(got[0]) == shift_model(v, s, mode)


@given(v=ints(64), s=st.integers(64, 200), mode=st.sampled_from(MODES))
def test_shifts_beyond_the_width(v, s, mode):
    assert int(numerics.shift_round([v], s, mode)[0]) == shift_model(v, s, mode)


@given(v=st.integers(-(1 << 130), 1 << 130), s=st.integers(0, 140), mode=st.sampled_from(MODES))
def test_shift_round_on_python_ints_beyond_int64(v, s, mode):
    got = numerics.shift_round(np.array([v], dtype=object), s, mode)
    assert int(got[0]) == shift_model(v, s, mode)


@given(k=st.integers(-(1 << 40), 1 << 40), s=st.integers(1, 20))
def test_ties_round_up_on_both_signs(k, s):
    # v / 2^s = k + 1/2 exactly: the LUNA rule always gives k + 1, whatever the sign.
    v = (2 * k + 1) << (s - 1)
    assert int(numerics.rounding_shift([v], s)[0]) == k + 1
    assert int(numerics.shift_round([v], s, "half_even")[0]) == (k if k % 2 == 0 else k + 1)
    assert int(numerics.shift_round([v], s, "half_away")[0]) == (k + 1 if k >= 0 else k)


def test_luna_shift_equals_the_overflow_free_form():
    # numerics.md §3.1: t = v >> (s-1); (t >> 1) + (t & 1), checked on the extremes of int64.
    vals = [-(1 << 63), -(1 << 63) + 1, -1, 0, 1, (1 << 63) - 1, (1 << 62), -(1 << 62) - 1]
    for s in range(1, 64):
        for v in vals:
            t = v >> (s - 1)
            assert int(numerics.rounding_shift(np.array([v], dtype=np.int64), s)[0]) == (t >> 1) + (t & 1)


def test_shift_example_table_row_by_row():
    rows = spec_table("### 3.2 Examples")
    assert len(rows) >= 20
    for row in rows:
        v, s, *expected = (int(c) for c in row)
        for mode, want in zip(MODES_IN_TABLE, expected):
            assert shift_model(v, s, mode) == want, (v, s, mode)          # the table is right
            assert int(numerics.shift_round([v], s, mode)[0]) == want, (v, s, mode)  # and lunaref


MODES_IN_TABLE = ["half_up", "floor", "ceil", "half_even", "half_away", "trunc"]


def test_linger_mode_names():
    assert numerics.rounding("floor_add") is Rounding.HALF_UP
    assert numerics.rounding("floor") is Rounding.FLOOR
    assert numerics.rounding("round") is Rounding.HALF_EVEN
    assert numerics.rounding("ceil") is Rounding.CEIL
    with pytest.raises(errors.BadArgument):
        numerics.rounding("nearest")


@pytest.mark.parametrize("bad", [-1, -64, 1.5, True, "2"])
def test_negative_or_non_integer_shift_is_refused(bad):
    with pytest.raises(errors.ShiftOutOfRange):
        numerics.shift_round([1, 2], bad)


def test_float_operands_are_refused():
    with pytest.raises(errors.DTypeMismatch):
        numerics.shift_round(np.array([1.5]), 1)


# ---------------------------------------------------------------------------------------------
# §4 saturation and left scaling
# ---------------------------------------------------------------------------------------------

@given(v=st.integers(-(1 << 100), 1 << 100), to=st.sampled_from(["int4", "int8", "int16", "int32", "int64"]))
def test_saturate_bounds(v, to):
    t = numerics.dtype(to)
    got = numerics.saturate(np.array([v], dtype=object), to)
    assert got.dtype == t.storage
    assert int(got[0]) == min(max(v, t.min), t.max)
    assert t.min <= int(got[0]) <= t.max


@given(v=ints(64), k=st.integers(0, 80))
def test_scale_pow2_is_exact(v, k):
    assert int(numerics.scale_pow2(np.array([v]), k)[0]) == v * 2 ** k


@given(q=ints(32), e_in=st.integers(-31, 31), e_out=st.integers(-31, 31),
       to=st.sampled_from(["int8", "int16", "int32"]))
def test_requantize_matches_model(q, e_in, e_out, to):
    bits = numerics.dtype(to).bits
    want = sat(round_rational(Fraction(q) * Fraction(2) ** (e_out - e_in), "half_up"), bits)
    assert int(numerics.requantize(np.array([q], dtype=np.int32), e_in, e_out, to)[0]) == want


def test_requantize_examples_of_the_spec():
    assert numerics.requantize([100], 4, 2, "int8").tolist() == [25]
    assert numerics.requantize([-6], 3, 1, "int8").tolist() == [-1]
    assert numerics.requantize([100], 2, 4, "int8").tolist() == [127]
    assert numerics.requantize([-100], 2, 4, "int16").tolist() == [-400]
    assert numerics.requantize([5], 0, 8, "int32").tolist() == [1280]
    assert numerics.requantize([-128], 8, 0, "int8").tolist() == [0]


# ---------------------------------------------------------------------------------------------
# §5 quantize / dequantize
# ---------------------------------------------------------------------------------------------

finite32 = st.floats(width=32, allow_nan=False, allow_infinity=False)


@given(x=finite32, e=st.integers(-31, 31), to=st.sampled_from(["int8", "int16", "int32"]))
def test_quantize_matches_float32_faithful_model(x, e, to):
    assume(abs(x) * 2.0 ** e < 2.0 ** 100)
    bits = numerics.dtype(to).bits
    got = numerics.quantize(np.array([x], dtype=np.float32), e, to)
    assert got.dtype == numerics.dtype(to).storage
    assert int(got[0]) == quantize_model(x, e, bits)


@given(k=st.integers(-(1 << 20), 1 << 20), e=st.integers(1, 20))
def test_quantize_ties_round_up(k, e):
    x = (k + 0.5) / 2.0 ** e            # exact in float32 for these ranges
    assume(f32(x) == x)
    assert int(numerics.quantize(np.float32(x), e, "int32")) == k + 1


def test_quantize_exceptional_set_is_exactly_as_the_spec_says():
    # numerics.md §5.1: the float32 recipe differs from floor(p + 1/2) only at p = 1/2 - 2^-25 and at
    # odd integers 2^23 < |p| < 2^24.  Check every float32 in [0.25, 1) and every integer in
    # (2^23, 2^24), both signs, plus a large random sample of all bit patterns.
    dense = np.arange(np.float32(0.25).view(np.int32), np.float32(1.0).view(np.int32), dtype=np.int32).view(np.float32)
    big = np.arange((1 << 23) + 1, 1 << 24, dtype=np.int64).astype(np.float32)
    rng = np.random.default_rng(20261122)
    sample = rng.integers(0, 2 ** 32, size=2_000_000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    sample = sample[np.isfinite(sample)]
    for p in (dense, -dense, big, -big, sample):
        got = numerics.quantize(p, 0, "int32").astype(np.int64)
        exact = np.clip(np.floor(p.astype(np.float64) + 0.5), -(2 ** 31), 2 ** 31 - 1).astype(np.int64)
        differs = got != exact
        special = (p == np.float32(0.5 - 2 ** -25)) | (
            (np.abs(p) > 2 ** 23) & (np.abs(p) < 2 ** 24) & (np.mod(p.astype(np.float64), 2) == 1))
        assert np.array_equal(differs, special)
        assert np.all(got[special] == exact[special] + 1)


def test_quantize_example_table_row_by_row():
    rows = spec_table("| x (float32) | e | p | q (int8) | note |")
    assert len(rows) >= 10
    for x_txt, e_txt, _p, q_txt, _note in rows:
        m = re.fullmatch(r"(\S+)(?: \((int\d+)\))?", x_txt)
        to = m.group(2) or "int8"
        x = np.float32(float(m.group(1)))
        want = int(q_txt)
        assert int(numerics.quantize(x, int(e_txt), to)) == want, x_txt
        if math.isfinite(x):
            assert quantize_model(float(x), int(e_txt), numerics.dtype(to).bits) == want, x_txt


def test_quantize_refuses_nan_and_saturates_infinity():
    with pytest.raises(errors.NonFiniteInput):
        numerics.quantize([1.0, float("nan")], 7)
    assert numerics.quantize([float("inf"), float("-inf")], 3, "int16").tolist() == [32767, -32768]


@given(q=ints(32), e=st.integers(-31, 31))
def test_dequantize_is_float32_rounding_of_the_exact_value(q, e):
    got = numerics.dequantize(np.array([q], dtype=np.int32), e)
    assert got.dtype == np.float32
    assert float(got[0]) == f32(float(f32(float(q))) * 2.0 ** -e)
    if abs(q) <= 2 ** 24:
        assert Fraction(float(got[0])) == Fraction(q) * Fraction(2) ** -e


# ---------------------------------------------------------------------------------------------
# §1.1 int4, §2 exponents
# ---------------------------------------------------------------------------------------------

@given(st.lists(st.integers(-8, 7), max_size=65))
def test_int4_round_trip(values):
    packed = numerics.pack_int4(values)
    assert packed.dtype == np.uint8 and packed.size == (len(values) + 1) // 2
    for i, v in enumerate(values):  # the layout, element by element
        nibble = (int(packed[i // 2]) >> (4 * (i % 2))) & 0xF
        assert nibble == v & 0xF
    assert numerics.unpack_int4(packed, len(values)).tolist() == values


def test_int4_spec_example_and_range():
    assert numerics.pack_int4([-8, 7, 1]).tolist() == [0x78, 0x01]
    with pytest.raises(errors.ValueOutOfRange):
        numerics.pack_int4([8])
    with pytest.raises(errors.ValueOutOfRange):
        numerics.unpack_int4([0x12], 3)


@pytest.mark.parametrize("t,lo,hi", [("int4", -31, 31), ("int8", -31, 31), ("int16", -31, 31),
                                     ("int32", -62, 62), ("int64", -62, 62)])
def test_exponent_ranges(t, lo, hi):
    assert numerics.check_exponent(lo, t) == lo and numerics.check_exponent(hi, t) == hi
    for bad in (lo - 1, hi + 1, None, 1.5):
        with pytest.raises(errors.ExponentOutOfRange):
            numerics.check_exponent(bad, t)
    with pytest.raises(errors.ExponentOutOfRange):
        numerics.check_exponent(3, "float32")


@given(e=st.integers(-126, 127))
def test_exponent_of_power_of_two_scales(e):
    assert numerics.exponent_of_scale(2.0 ** e) == e
    assert numerics.exponent_of_scale(np.float32(2.0 ** e)) == e


@pytest.mark.parametrize("bad", [0.0, -4.0, 3.0, 0.3, float("inf"), float("nan"), 128.00001])
def test_scales_that_are_not_powers_of_two(bad):
    with pytest.raises(errors.InvalidScale):
        numerics.exponent_of_scale(bad)


@given(st.lists(st.integers(-(1 << 53) + 1, (1 << 53) - 1), min_size=1, max_size=12))
def test_round_to_float32_is_cs_float_conversion(values):
    """numerics.md §4.1: each integer to the nearest float32 (ties to even) — numpy's float32 conversion of
    the exactly representable float64 is that rounding (IEEE round-to-nearest-even)."""
    v = np.array(values, dtype=np.int64)
    want = v.astype(np.float64).astype(np.float32).astype(np.float64).astype(np.int64)
    assert np.array_equal(numerics.round_to_float32(v), want)


def test_round_to_float32_ties_and_wide_values():
    t = (1 << 24) + 1                        # exactly halfway between two float32 values: to even
    assert numerics.round_to_float32([t, t + 2, -t, -(t + 2)]).tolist() == [t - 1, t + 3, -(t - 1), -(t + 3)]
    big = (1 << 70) + (1 << 46) + 1          # beyond int64: Python ints, rounded up (above the half)
    assert int(numerics.round_to_float32(np.array([big], dtype=object))[0]) == (1 << 70) + (1 << 47)


@given(st.lists(st.integers(-(1 << 63) + 1, (1 << 63) - 1) | st.integers(-(1 << 55), 1 << 55), min_size=1,
                max_size=12))
def test_round_to_float64_is_cs_double_conversion(values):
    """numerics.md §4.1: each integer to the nearest float64 (ties to even) — Python's int → float is that
    rounding (IEEE round-to-nearest-even)."""
    got = numerics.round_to_float64(np.array(values, dtype=object))
    assert [int(g) for g in got] == [int(float(v)) for v in values]


def test_round_to_float64_ties():
    t = (1 << 53) + 1                        # halfway between two doubles: to even
    assert numerics.round_to_float64(np.array([t, t + 2, -t, -(t + 2)])).tolist() == [t - 1, t + 3, -(t - 1), -(t + 3)]


@given(st.lists(st.integers(-(1 << 70), 1 << 70), min_size=1, max_size=8), st.sampled_from([4, 8, 16, 32, 64]))
def test_wrap_is_twos_complement(values, bits):
    got = numerics.wrap(np.array(values, dtype=object), bits)
    for v, g in zip(values, got):
        assert -(1 << (bits - 1)) <= int(g) < 1 << (bits - 1) and (int(g) - v) % (1 << bits) == 0
