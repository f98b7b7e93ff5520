"""spec/luna.md §1: the element-wise LUNA primitives against a Python-int model, per platform form."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lunaref import errors, luna
from lunaref.platforms import PROFILES

from models import sat, shift_model

FORMS = sorted((p.name, i, o) for p in PROFILES.values() for (i, o) in p.vector_types)
MODEL = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "scale": lambda a, k: a * k,
    "offset": lambda a, k: a + k,
}
BITS = {"int8": 8, "int16": 16, "int32": 32, "int64": 64}


def vec(t: str, n: int):
    b = BITS[t]
    return st.lists(st.integers(-(1 << (b - 1)), (1 << (b - 1)) - 1), min_size=n, max_size=n)


@st.composite
def case(draw):
    plat, tin, tout = draw(st.sampled_from(FORMS))
    name = draw(st.sampled_from(sorted(MODEL)))
    n = draw(st.integers(1, 12))
    a = draw(vec(tin, n))
    if name in ("scale", "offset"):
        b = draw(st.integers(-(1 << (BITS[tin] - 1)), (1 << (BITS[tin] - 1)) - 1))
    else:
        b = draw(vec(tin, n))
    s = draw(st.integers(0, 70))
    return plat, tin, tout, name, a, b, s


@given(case())
def test_primitive_matches_python_int_model(c):
    plat, tin, tout, name, a, b, s = c
    fn = getattr(luna, name)
    arr_a = np.array(a, dtype=tin)
    arr_b = b if name in ("scale", "offset") else np.array(b, dtype=tin)
    got = fn(arr_a, arr_b, s, tout, plat)
    assert got.dtype == np.dtype(tout)
    bb = [b] * len(a) if name in ("scale", "offset") else b
    want = [sat(shift_model(MODEL[name](x, y), s, "half_up"), BITS[tout]) for x, y in zip(a, bb)]
    assert got.tolist() == want


def test_examples_of_the_spec():
    i8 = lambda *v: np.array(v, dtype=np.int8)  # noqa: E731
    assert luna.add(i8(100), i8(100), 1, "int8", "arcs").tolist() == [100]
    assert luna.add(i8(127), i8(127), 0, "int8", "venus").tolist() == [127]
    assert luna.sub(i8(-100), i8(100), 0, "int8", "venusA").tolist() == [-128]
    assert luna.mul(i8(-7), i8(1), 1, "int8", "venusA").tolist() == [-3]
    assert luna.mul(i8(127), i8(127), 7, "int8", "arcs").tolist() == [126]
    assert luna.scale(i8(-5), 1, 1, "int8", "venus").tolist() == [-2]
    assert luna.offset(i8(3), 0, 1, "int8", "venus").tolist() == [2]


@pytest.mark.parametrize("plat,tin,tout", [("arcs", "int16", "int16"), ("arcs", "int8", "int16"),
                                           ("venus", "int32", "int64"), ("venusA", "int8", "int64")])
def test_forms_a_platform_lacks(plat, tin, tout):
    with pytest.raises(errors.UnsupportedOnPlatform):
        luna.add(np.zeros(2, tin), np.zeros(2, tin), 0, tout, plat)


def test_capability_table_of_the_spec():
    assert PROFILES["venus"].vector_types == {(f"int{i}", f"int{o}") for i in (8, 16, 32) for o in (8, 16, 32)}
    assert PROFILES["arcs"].vector_types == {(f"int{i}", f"int{o}") for i in (8, 32) for o in (8, 32)}
    assert PROFILES["venusA"].vector_types == (
        {(f"int{i}", f"int{o}") for i in (8, 16) for o in (8, 16, 32)} | {("int32", f"int{o}") for o in (8, 16, 32, 64)})


def test_requires():
    a8, a16 = np.zeros(3, np.int8), np.zeros(3, np.int16)
    with pytest.raises(errors.DTypeMismatch):
        luna.add(a8, a16, 0, "int8", "venus")
    with pytest.raises(errors.ShapeMismatch):
        luna.sub(a8, np.zeros(4, np.int8), 0, "int8", "venus")
    with pytest.raises(errors.DTypeMismatch):
        luna.mul(np.zeros(3, np.int64), np.zeros(3, np.int64), 0, "int32", "venusA")
    with pytest.raises(errors.ValueOutOfRange):
        luna.scale(a8, 128, 0, "int8", "venus")  # the scalar has the operand type
    with pytest.raises(errors.ShiftOutOfRange):
        luna.offset(a8, 1, -1, "int8", "venus")
    with pytest.raises(errors.UnknownPlatform):
        luna.add(a8, a8, 0, "int8", "mars")


# ---------------------------------------------------------------------------------------------
# spec/luna.md §5: the divide
# ---------------------------------------------------------------------------------------------

from models import luna_div_model  # noqa: E402


@given(a=st.integers(-(1 << 31), (1 << 31) - 1), b=st.integers(1, 1 << 21), s=st.integers(0, 8),
       platform=st.sampled_from(["venus", "venusA", "arcs"]))
def test_divide_matches_the_spec_formula(a, b, s, platform):
    assert int(luna.divide([a], b, s, platform)[0]) == luna_div_model(a, b, s, platform)


@given(a=st.integers(-20000, 20000), b=st.integers(1, 64), platform=st.sampled_from(["venus", "venusA", "arcs"]))
def test_divide_is_near_the_exact_quotient(a, b, platform):
    q = int(luna.divide([a], b, 0, platform)[0])
    assert abs(q * b - a) * 2 <= b  # within half a step: only ties may go either way


def test_divide_examples_of_the_spec():
    for p in ("venus", "venusA", "arcs"):
        assert luna.divide([-3], 6, 0, p).tolist() == [-1]
        assert luna.divide([5], 10, 0, p).tolist() == [0]
        assert luna.divide([85], 20, 1, p).tolist() == [8]
        assert luna.divide([9, 10, 17, -9, -10, -17, 127, -127], 9, 0, p).tolist() == [1, 1, 2, -1, -1, -2, 14, -14]
        assert luna.divide([-613472272], 61, 0, p).tolist() == [-10056923]
    assert luna.divide([1073741632], 3, 0, "arcs").tolist() == [357913878]
    assert luna.divide([1073741632], 3, 0, "venus").tolist() == [357913878]
    assert luna.divide([1073741632], 3, 0, "venusA").tolist() == [357913877]
    assert luna.divide([7], 6, -1, "venus").tolist() == [0]


def test_divide_requires():
    with pytest.raises(errors.ValueOutOfRange):
        luna.divide([1], 0, 0, "arcs")
    with pytest.raises(errors.ValueOutOfRange):
        luna.divide([1], (1 << 21) + 1, 0, "arcs")
    with pytest.raises(errors.ValueOutOfRange):
        luna.divide([1 << 31], 3, 0, "venusA")
    with pytest.raises(errors.ShiftOutOfRange):
        luna.divide([1], 3, -1, "venusA")
    with pytest.raises(errors.ShiftOutOfRange):
        luna.divide([1], 3, 31, "arcs")  # m = 2: at most 30
