"""The ops of the walking skeleton against plain Python-int loop models of their spec formulas,
on random shapes, attributes and values (the strategies aim at the coverpoints), on every platform."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lunaref import Tensor, TensorSpec, errors
from lunaref.ops import REGISTRY

from models import conv2d_model, linear_model, luna_div_model, pool_windows, rshift, sat
from strategies import (avgpool_case, batchnorm1d_case, batchnorm_case, conv_case, flatten_case, iqadd_case, linear_case,
                        maxpool_case, relu_case, reshape_case)

PLATFORMS = ["venus", "venusA", "arcs"]
platforms = st.sampled_from(PLATFORMS)


def run(name, case, platform):
    inputs, outputs, attrs = case
    return REGISTRY.get(name).run(inputs, outputs, attrs, platform)


def runs_or_is_unsupported(name, case, platform):
    """Run; if the platform lacks the form, the error must be UnsupportedOnPlatform and venusA must run it."""
    try:
        return run(name, case, platform)
    except errors.UnsupportedOnPlatform:
        return run(name, case, "venusA")


@given(conv_case(), platforms)
def test_conv2dint(case, platform):
    (x, w, *b), (y,), attrs = case
    (got,) = runs_or_is_unsupported("Conv2dInt", case, platform)
    want = conv2d_model(x.data.tolist(), w.data.tolist(), b[0].data.tolist() if b else None,
                        attrs["strides"], attrs["pads"], attrs["dilations"], attrs["group"],
                        x.exponent + w.exponent - y.exponent, y.dtype.bits, attrs["act"] == "relu")
    assert got.data.tolist() == want and got.exponent == y.exponent and got.dtype == y.dtype


@given(linear_case(), platforms)
def test_linearint(case, platform):
    (x, w, *b), (y,), _ = case
    (got,) = runs_or_is_unsupported("LinearInt", case, platform)
    rows = x.data.reshape(-1, x.shape[-1]).tolist()
    want = linear_model(rows, w.data.tolist(), b[0].data.tolist() if b else None,
                        x.exponent + w.exponent - y.exponent, y.dtype.bits)
    assert got.shape == x.shape[:-1] + (w.shape[0],)
    assert got.data.reshape(-1, w.shape[0]).tolist() == want


@given(batchnorm_case(), platforms)
def test_batchnorm2dint(case, platform):
    (x, w, b), (y,), _ = case
    (got,) = run("BatchNorm2dInt", case, platform)
    s = x.exponent + w.exponent - y.exponent
    xs = x.data.tolist()
    want = [[[[sat(rshift(v * int(w.data[c]) + int(b.data[c]), s), 8) for v in row] for row in plane]
             for c, plane in enumerate(xs[0])]]
    assert got.data.tolist() == want


@given(batchnorm1d_case(), platforms)
def test_batchnorm1dint(case, platform):
    """Rank 2 and 3: each value times its channel's multiplier plus bias, rounded and saturated."""
    (x, w, b), (y,), _ = case
    (got,) = run("BatchNorm1dInt", case, platform)
    s = x.exponent + w.exponent - y.exponent
    flat = x.data.reshape(x.shape[0], x.shape[1], -1).tolist()
    want = [[[sat(rshift(v * int(w.data[c]) + int(b.data[c]), s), 8) for v in vals] for c, vals in enumerate(row)]
            for row in flat]
    assert got.shape == x.shape and got.data.reshape(x.shape[0], x.shape[1], -1).tolist() == want


@given(batchnorm1d_case())
def test_batchnorm1dint_is_batchnorm2dint_on_a_trailing_unit_view(case):
    """spec/ops/batchnorm1dint.md: the same arithmetic as BatchNorm2dInt on X viewed as [N, C, L, 1]."""
    (x, w, b), outs, _ = case
    x4 = Tensor.of(x.data.reshape(x.shape[0], x.shape[1], -1, 1), x.dtype, x.exponent)
    (one,) = REGISTRY.get("BatchNorm1dInt").run([x, w, b], outs, {}, "venusA")
    (two,) = REGISTRY.get("BatchNorm2dInt").run([x4, w, b], outs, {}, "venusA")
    assert np.array_equal(one.data.reshape(-1), two.data.reshape(-1))


@given(iqadd_case(), platforms)
def test_iqadd(case, platform):
    (x1, x2), (y,), _ = case
    try:
        (got,) = run("iqAdd", case, platform)
    except errors.UnsupportedOnPlatform:
        assert (y.dtype.name, platform) in {("int16", "venus"), ("int16", "arcs"), ("int32", "venus")}
        return
    want = [sat(rshift(a, x1.exponent - y.exponent) + rshift(b, x2.exponent - y.exponent), y.dtype.bits)
            for a, b in zip(x1.data.tolist(), x2.data.tolist())]
    assert got.data.tolist() == want


@given(relu_case(), platforms)
def test_relu(case, platform):
    (x,), _, _ = case
    try:
        (got,) = run("Relu", case, platform)
    except errors.UnsupportedOnPlatform:    # arcs has no 16-bit luna_relu
        assert (x.dtype.name, platform) == ("int16", "arcs")
        return
    assert got.data.tolist() == [max(v, 0) for v in x.data.tolist()] and got.exponent == x.exponent


@given(maxpool_case(), platforms)
def test_maxpool(case, platform):
    (x,), _, attrs = case
    (got,) = run("MaxPool", case, platform)
    g = got.data
    for n, c, i, j, vals, shape in pool_windows(x.data.tolist(), attrs["kernel_shape"], attrs["strides"],
                                                 attrs["pads"], bool(attrs["ceil_mode"])):
        assert g.shape[2:] == shape
        assert int(g[n, c, i, j]) == max(vals)  # only values inside the input take part


def avgpool_model(vals_sum: int, k: int, d: int, platform: str) -> int:
    """ops/avgpool2dint.md: one rounding for power-of-two K; else the platform divide, then the shift."""
    if k & (k - 1) == 0:
        return sat(rshift(vals_sum, k.bit_length() - 1 + d), 8)
    return sat(rshift(luna_div_model(vals_sum, k, 0, platform), d), 8)


@given(avgpool_case(), platforms)
def test_avgpool2dint(case, platform):
    (x,), (y,), attrs = case
    (got,) = run("AvgPool2dInt", case, platform)
    kh, kw = attrs["kernel_shape"]
    d = x.exponent - y.exponent
    for n, c, i, j, vals, shape in pool_windows(x.data.tolist(), attrs["kernel_shape"], attrs["strides"],
                                                 attrs["pads"], bool(attrs["ceil_mode"])):
        assert got.data.shape[2:] == shape
        assert int(got.data[n, c, i, j]) == avgpool_model(sum(vals), kh * kw, d, platform), (vals, kh * kw, d)


@given(reshape_case(), platforms)
def test_reshape(case, platform):
    (x, shape), _, _ = case
    (got,) = run("Reshape", case, platform)
    target = [x.shape[i] if v == 0 else v for i, v in enumerate(shape.data.tolist())]
    if -1 in target:
        target[target.index(-1)] = x.data.size // -int(np.prod(target))
    assert list(got.shape) == target and got.data.reshape(-1).tolist() == x.data.reshape(-1).tolist()


@given(flatten_case(), platforms)
def test_flatten(case, platform):
    (x,), _, attrs = case
    (got,) = run("Flatten", case, platform)
    axis = attrs["axis"] % (len(x.shape)) if attrs["axis"] < 0 else attrs["axis"]
    assert got.shape == (int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:])))


# ---------------------------------------------------------------------------------------------
# the Examples of the spec sections
# ---------------------------------------------------------------------------------------------

def t(values, dtype, e):
    return Tensor.of(np.array(values), dtype, e)


def test_spec_examples():
    conv = REGISTRY.get("Conv2dInt")
    x, w = t([[[[3, -3]]]], "int8", 4), t([[[[1]]]], "int8", 1)
    k = {"kernel_shape": (1, 1)}
    assert conv.run([x, w], [TensorSpec.of("int8", 4)], k, "venus")[0].data.tolist() == [[[[2, -1]]]]
    assert conv.run([x, w], [TensorSpec.of("int8", 4)], {**k, "act": "relu"}, "arcs")[0].data.tolist() == [[[[2, 0]]]]
    assert conv.run([x, w, t([1], "int32", 5)], [TensorSpec.of("int8", 4)], k, "venusA")[0].data.tolist() == [[[[2, -1]]]]

    lin = REGISTRY.get("LinearInt").run([t([[1, 2], [-3, 1]], "int8", 2), t([[1, 1], [2, -1]], "int8", 1),
                                         t([1, 0], "int32", 3)], [TensorSpec.of("int8", 2)], {}, "arcs")
    assert lin[0].data.tolist() == [[2, 0], [0, -3]]

    bn = REGISTRY.get("BatchNorm2dInt").run([t([[[[5]], [[-5]]]], "int8", 4), t([3, 3], "int8", 2),
                                             t([1, 1], "int32", 6)], [TensorSpec.of("int8", 5)], {}, "venus")
    assert bn[0].data.reshape(-1).tolist() == [8, -7]

    add = REGISTRY.get("iqAdd")
    assert add.run([t([3, -3], "int8", 5), t([1, 1], "int8", 4)], [TensorSpec.of("int8", 4)], {},
                   "venus")[0].data.tolist() == [3, 0]
    assert add.run([t([100], "int8", 4), t([100], "int8", 4)], [TensorSpec.of("int8", 4)], {},
                   "arcs")[0].data.tolist() == [127]

    assert REGISTRY.get("Relu").run([t([-128, -1, 0, 5, 127], "int8", 3)], [TensorSpec.of("int8", 3)], {},
                                    "venus")[0].data.tolist() == [0, 0, 0, 5, 127]
    for platform in ("venus", "venusA"):
        assert REGISTRY.get("Relu").run([t([-32768, -1, 0, 32767], "int16", 3)], [TensorSpec.of("int16", 3)], {},
                                        platform)[0].data.tolist() == [0, 0, 0, 32767]

    mp = REGISTRY.get("MaxPool").run([t([[[[-5, -7], [-9, -6]]]], "int8", 0)], [TensorSpec.of("int8", 0)],
                                     {"kernel_shape": (2, 2), "strides": (1, 1), "pads": (1, 1, 1, 1)}, "arcs")
    assert mp[0].data[0, 0, 0, 0] == -5 and mp[0].data[0, 0, 1, 1] == -5 and mp[0].data[0, 0, 2, 2] == -6

    # window sums 6, -6, 2, -2 over 2x2 windows
    ap = REGISTRY.get("AvgPool2dInt").run([t([[[[3, 3, -3, -3, 1, 1, -1, -1]]]], "int8", 0)],
                                          [TensorSpec.of("int8", 0)],
                                          {"kernel_shape": (1, 2), "strides": (1, 2)}, "venusA")
    assert ap[0].data.reshape(-1).tolist() == [3, -3, 1, -1]
    ap = REGISTRY.get("AvgPool2dInt").run([t([[[[3, 3], [0, 0]], [[-3, -3], [0, 0]]]], "int8", 0)],
                                          [TensorSpec.of("int8", 0)], {"kernel_shape": (2, 2)}, "venusA")
    assert ap[0].data.reshape(-1).tolist() == [2, -1]

    rs = REGISTRY.get("Reshape").run([t(np.zeros((1, 8, 7, 7), int), "int8", 2), Tensor.of(np.array([1, -1]), "int64")],
                                     [TensorSpec.of("int8", 2)], {}, "venus")
    assert rs[0].shape == (1, 392)
    fl = REGISTRY.get("Flatten").run([t(np.zeros((1, 8, 4, 4), int), "int8", 5)], [TensorSpec.of("int8", 5)], {}, "arcs")
    assert fl[0].shape == (1, 128)


def test_requires_and_capabilities():
    conv = REGISTRY.get("Conv2dInt")
    x, w = t(np.zeros((1, 2, 4, 4), int), "int8", 4), t(np.zeros((3, 2, 3, 3), int), "int8", 4)
    with pytest.raises(errors.UnsupportedOnPlatform):
        conv.run([x, w], [TensorSpec.of("int16", 4)], {"kernel_shape": (3, 3)}, "arcs")
    with pytest.raises(errors.UnsupportedOnPlatform):
        conv.run([x, w], [TensorSpec.of("int8", 4)], {"dilations": (2, 2)}, "venus")
    with pytest.raises(errors.ShapeMismatch):
        conv.run([x, w, t([0, 0], "int32", 8)], [TensorSpec.of("int8", 4)], {}, "venus")
    with pytest.raises(errors.ShapeMismatch):
        conv.run([x, w], [TensorSpec.of("int8", 4)], {"group": 2}, "venus")
    with pytest.raises(errors.UnsupportedAttribute):
        conv.run([x, w], [TensorSpec.of("int8", 4)], {"act": "sigmoid"}, "venus")
    with pytest.raises(errors.ShapeMismatch):
        REGISTRY.get("iqAdd").run([t([1, 2], "int8", 1), t([1], "int8", 1)], [TensorSpec.of("int8", 1)], {}, "venus")
    with pytest.raises(errors.DTypeMismatch):
        REGISTRY.get("iqAdd").run([t([1], "int8", 1), t([1], "int16", 1)], [TensorSpec.of("int8", 1)], {}, "venusA")
    with pytest.raises(errors.UnsupportedOnPlatform):
        REGISTRY.get("iqAdd").run([t([1], "int16", 1), t([1], "int16", 1)], [TensorSpec.of("int16", 1)], {}, "arcs")
    with pytest.raises(errors.UnsupportedAttribute):
        REGISTRY.get("AvgPool2dInt").run([t(np.zeros((1, 1, 2, 2), int), "int8", 0)], [TensorSpec.of("int8", 0)],
                                         {"kernel_shape": (2, 2), "count_include_pad": 0}, "venus")
    with pytest.raises(errors.ExponentOutOfRange):
        REGISTRY.get("Relu").run([t([1], "int8", 1)], [TensorSpec.of("int8", 2)], {}, "venus")
    with pytest.raises(errors.UnsupportedOnPlatform):    # arcs has no 16-bit luna_relu (relu.h refuses int16)
        REGISTRY.get("Relu").run([t([1], "int16", 1)], [TensorSpec.of("int16", 1)], {}, "arcs")
    with pytest.raises(errors.ShapeMismatch):
        REGISTRY.get("Reshape").run([t([1, 2, 3], "int8", 1), Tensor.of(np.array([2, -1]), "int64")],
                                    [TensorSpec.of("int8", 1)], {}, "venus")
    with pytest.raises(errors.ExponentOutOfRange):  # a quantized operand without an exponent
        REGISTRY.get("Relu").run([Tensor.of(np.array([1]), "int8")], [TensorSpec.of("int8", 1)], {}, "venus")


@given(st.data())
def test_iqpad(data):
    from strategies import iqpad_case
    case = data.draw(iqpad_case())
    (x, pads, *_), _, attrs = case
    (got,) = run("iqPad", case, data.draw(platforms))
    p = pads.data.tolist()
    t, l, b, r = p if len(p) == 4 else (p[1], p[2], p[4], p[5]) if len(p) == 6 else (p[2], p[3], p[6], p[7])
    h, w = x.shape[2:]
    assert got.shape == (x.shape[0], x.shape[1], h + t + b, w + l + r)

    def source(i, n, before):  # which input index an output index reads, per mode
        k = i - before
        if 0 <= k < n:
            return k
        if attrs["mode"] == 0:
            return None
        if attrs["mode"] == 2:
            return min(max(k, 0), n - 1)
        return -k if k < 0 else 2 * (n - 1) - k
    xs = x.data
    for i in range(got.shape[2]):
        for j in range(got.shape[3]):
            si, sj = source(i, h, t), source(j, w, l)
            want = 0 if si is None or sj is None else xs[:, :, si, sj]
            assert np.all(got.data[:, :, i, j] == want)


def test_iqpad_spec_example():
    row = Tensor.of(np.array([[[[1, 2, 3]]]]), "int8", 0)
    pads = Tensor.of(np.array([0, 2, 0, 1]), "int64")
    op = REGISTRY.get("iqPad")
    got = [op.run([row, pads], [TensorSpec.of("int8", 0)], {"mode": m}, "venus")[0].data.reshape(-1).tolist()
           for m in (0, 1, 2)]
    assert got == [[0, 0, 1, 2, 3, 0], [3, 2, 1, 2, 3, 2], [1, 1, 1, 2, 3, 3]]
    with pytest.raises(errors.UnsupportedAttribute):
        op.run([row, Tensor.of(np.array([1, 0, 0, 0, 0, 0, 0, 0]), "int64")], [TensorSpec.of("int8", 0)], {}, "venus")
    with pytest.raises(errors.UnsupportedAttribute):
        op.run([row, pads, Tensor.of(np.array([5]), "int64")], [TensorSpec.of("int8", 0)], {}, "venus")
    with pytest.raises(errors.ShapeMismatch):
        op.run([row, Tensor.of(np.array([0, 3, 0, 0]), "int64")], [TensorSpec.of("int8", 0)], {"mode": 1}, "venus")
