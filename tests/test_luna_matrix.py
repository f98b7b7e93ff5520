"""spec/luna.md §2–4: exact matrix products on every path, and the conv / pooling primitives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lunaref import errors, luna
from lunaref.luna import matrix

from models import rshift, sat


def python_matmul(a, b):
    return [[sum(int(a[i][k]) * int(b[k][j]) for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


@given(st.sampled_from([8, 16, 32, 62]), st.integers(1, 5), st.integers(1, 6), st.integers(1, 4), st.data())
def test_exact_matmul_on_every_path(bits, m, k, n, data):
    lim = (1 << (bits - 1)) - 1
    vals = st.integers(-lim, lim)
    a = data.draw(st.lists(st.lists(vals, min_size=k, max_size=k), min_size=m, max_size=m))
    b = data.draw(st.lists(st.lists(vals, min_size=n, max_size=n), min_size=k, max_size=k))
    arr_a = np.array(a, dtype=object if bits > 32 else np.int64)
    arr_b = np.array(b, dtype=object if bits > 32 else np.int64)
    got = matrix.exact_matmul(arr_a, arr_b)
    assert [[int(v) for v in row] for row in got] == python_matmul(a, b)


def test_exact_matmul_takes_blas_only_under_the_bound(monkeypatch):
    calls = []
    real = np.matmul

    def spy(x, y):
        calls.append(x.dtype)
        return real(x, y)

    monkeypatch.setattr(matrix.np, "matmul", spy)
    matrix.exact_matmul(np.full((2, 4), 127), np.full((4, 2), -128))            # 4*127*128 < 2^24: float32
    matrix.exact_matmul(np.full((2, 1024), 128), np.full((1024, 2), -128))      # 1024*2^14 = 2^24: float64
    matrix.exact_matmul(np.full((2, 1024), 127), np.full((1024, 2), -128))      # just below 2^24: float32
    big = (1 << 26)
    matrix.exact_matmul(np.full((2, 4), big), np.full((4, 2), big))            # 4*2^52 >= 2^53: int64
    matrix.exact_matmul(np.full((1, 2), 1 << 40), np.full((2, 1), 1 << 40))    # beyond 2^63: Python ints
    assert calls == [np.float32, np.float64, np.float32, np.int64, object]


@given(st.data())
def test_float32_path_is_exact_at_its_bound(data):
    """Operands whose bound k·max|a|·max|b| lies just below 2^24 (the float32 path): the product equals Python
    ints' — the extreme rows and columns included, where every partial sum reaches the bound."""
    k = data.draw(st.integers(1, 1024))
    m, n = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    lim = data.draw(st.sampled_from([127, 128]))
    vals = st.one_of(st.sampled_from([-lim, lim - 1, -128 if lim == 128 else -127]), st.integers(-lim, lim - 1))
    a = np.array(data.draw(st.lists(vals, min_size=m * k, max_size=m * k))).reshape(m, k)
    b = np.array(data.draw(st.lists(vals, min_size=k * n, max_size=k * n))).reshape(k, n)
    a[0, :], b[:, 0] = -lim, -lim                       # one dot product at the full bound k·lim²
    got = matrix.exact_matmul(a, b)
    assert matrix.matmul_path(k, a, b) == ("float32" if k * lim * lim < (1 << 24) else "float64")
    assert got.dtype == np.int64 and got.tolist() == python_matmul(a, b)


@given(st.data())
def test_mat_mul_primitive(data):
    m, k, n = (data.draw(st.integers(1, 4)) for _ in range(3))
    a = np.array(data.draw(st.lists(st.integers(-128, 127), min_size=m * k, max_size=m * k)), np.int8).reshape(m, k)
    b = np.array(data.draw(st.lists(st.integers(-128, 127), min_size=k * n, max_size=k * n)), np.int8).reshape(k, n)
    bias = np.array(data.draw(st.lists(st.integers(-3000, 3000), min_size=n, max_size=n)), np.int32)
    s = data.draw(st.integers(0, 12))
    got = luna.mat_mul(a, b, s, "int8", "arcs", bias=bias)
    want = [[sat(rshift(v + int(bias[j]), s), 8) for j, v in enumerate(row)] for row in python_matmul(a, b)]
    assert got.tolist() == want


def test_matrix_and_cnn_capabilities():
    a = np.zeros((2, 2), np.int8)
    with pytest.raises(errors.UnsupportedOnPlatform):
        luna.mat_mul(a, a, 0, "int16", "arcs")
    with pytest.raises(errors.DTypeMismatch):
        luna.mat_mul(a, a.astype(np.int16), 0, "int8", "venus")
    with pytest.raises(errors.ShapeMismatch):
        luna.mat_mul(np.zeros((2, 3), np.int8), a, 0, "int8", "venus")
    x = np.zeros((1, 1, 3, 3), np.int8)
    with pytest.raises(errors.UnsupportedOnPlatform):
        luna.conv2d(x, np.zeros((1, 1, 1, 1), np.int8), None, shift=0, out="int16", platform="arcs")
    with pytest.raises(errors.UnsupportedOnPlatform):
        luna.mean_pool2d(x, (1, 1), (1, 1), (0, 0, 0, 0), shift=0, out="int32", platform="venus")


def test_pooling_primitives():
    x = np.array([[[[-5, -7], [-9, -6]]]], np.int8)
    assert luna.max_pool2d(x, (2, 2), (1, 1), (1, 1, 1, 1)).tolist() == [[[[-5, -5, -7], [-5, -5, -6], [-9, -6, -6]]]]
    s = luna.sum_pool2d(x, (2, 2), (1, 1), (1, 1, 1, 1))
    assert s.tolist() == [[[[-5, -12, -7], [-14, -27, -13], [-9, -15, -6]]]]
    # mean_pooling returns the rounded sum: it does not divide
    assert luna.mean_pool2d(x, (2, 2), (2, 2), (0, 0, 0, 0), shift=2, out="int8", platform="venus").tolist() == \
        [[[[rshift(-27, 2)]]]]
