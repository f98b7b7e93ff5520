"""BmmInt (spec/ops/bmmint.md) against a plain Python-int model, its REQUIREs and example, its ONNX aliases and
resource round trip; and the thinker-3.0.4 compatibility models of E-BMM-1 and E-LINEAR-1."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto, helper

import lunaref
from lunaref import Tensor, TensorSpec, errors
from lunaref.ops import REGISTRY
from lunaref.ops.linearint import in_place_transpose
from lunaref.resource.executor import run_resource
from lunaref.resource.packer import pack
from lunaref.vectors.errata import ERRATA
from lunaref.vectors.negative import NEGATIVE

from models import bmm_model, linear_model
from strategies import CASES

PLATFORMS = ["venus", "venusA", "arcs"]
BMM = REGISTRY.get("BmmInt")


def t(values, dtype="int8", e=0):
    return Tensor.of(np.array(values), dtype, e)


def _form_on(platform, case) -> bool:
    (x, y), (o,), _ = case
    return any(s.inputs == (x.dtype.name, y.dtype.name) and s.outputs == (o.dtype.name,) and platform in s.platforms
               for s in BMM.signatures)


@given(CASES["BmmInt"], st.sampled_from(PLATFORMS))
def test_bmmint_equals_the_loop_model(case, platform):
    (x, y), (o,), attrs = case
    if not _form_on(platform, case):
        with pytest.raises(errors.UnsupportedOnPlatform):
            BMM.run([x, y], [o], attrs, platform)
        return
    (got,) = BMM.run([x, y], [o], attrs, platform)
    shift = x.exponent + y.exponent - o.exponent
    xs, ys = x.data.tolist(), y.data.tolist()
    want = ([bmm_model(a, b, shift, o.dtype.bits) for a, b in zip(xs, ys)] if x.data.ndim == 3
            else bmm_model(xs, ys, shift, o.dtype.bits))
    assert got.data.tolist() == want
    assert got.dtype == o.dtype and got.exponent == o.exponent and got.shape == x.shape[:-1] + (y.shape[-1],)


def test_spec_example():
    # spec/ops/bmmint.md, Examples
    x = t([[[1, 2], [-3, 1]], [[4, 0], [1, 1]]], "int8", 2)
    y = t([[[1, 1], [2, -1]], [[1, -1], [3, 2]]], "int8", 1)
    (o,) = BMM.run([x, y], [TensorSpec.of("int8", 2)], {}, "arcs")
    assert o.data.tolist() == [[[3, 0], [0, -2]], [[2, -2], [2, 1]]]


def test_negative_shift_scales_up_exactly_and_saturates():
    (o,) = BMM.run([t([[100, 2]], e=3), t([[1], [1]], e=3)], [TensorSpec.of("int8", 7)], {}, "venusA")
    assert o.data.tolist() == [[127]]            # 102 · 2 saturates
    (o,) = BMM.run([t([[1, 2]], e=3), t([[3], [-4]], e=3)], [TensorSpec.of("int32", 9)], {}, "arcs")
    assert o.data.tolist() == [[-5 * 8]]


@pytest.mark.parametrize("x, y, error", [
    (np.zeros((2, 3)), np.zeros((4, 2)), errors.ShapeMismatch),              # inner extents
    (np.zeros((2, 2, 3)), np.zeros((3, 2)), errors.ShapeMismatch),           # ranks differ
    (np.zeros((2, 2, 3)), np.zeros((3, 3, 2)), errors.ShapeMismatch),        # batches differ
    (np.zeros((1, 1, 2, 3)), np.zeros((1, 1, 3, 2)), errors.ShapeMismatch),  # rank 4
    (np.zeros(3), np.zeros(3), errors.ShapeMismatch),                        # rank 1
])
def test_requires(x, y, error):
    with pytest.raises(error):
        BMM.run([Tensor.of(x.astype(np.int64), "int8", 0), Tensor.of(y.astype(np.int64), "int8", 0)],
                [TensorSpec.of("int8", 0)], {}, "venusA")


def test_capabilities():
    i32 = [t([[1]], "int32"), t([[1]], "int32")]
    with pytest.raises(errors.UnsupportedOnPlatform):
        BMM.run(i32, [TensorSpec.of("int32", 0)], {}, "venus")
    with pytest.raises(errors.UnsupportedOnPlatform):
        BMM.run([t([[1]], "int16"), t([[1]], "int16")], [TensorSpec.of("int8", 0)], {}, "arcs")
    with pytest.raises(errors.UnsupportedOnPlatform):
        BMM.run([t([[1]]), t([[1]])], [TensorSpec.of("int32", 0)], {}, "venus")
    with pytest.raises(errors.DTypeMismatch):
        BMM.run([t([[1]]), t([[1]], "int16")], [TensorSpec.of("int8", 0)], {}, "venusA")
    (o,) = BMM.run(i32, [TensorSpec.of("int32", 0)], {}, "arcs")
    assert o.data.tolist() == [[1]]


def test_wide_accumulator_is_exact():
    big = 2 ** 31 - 1
    (o,) = BMM.run([t([[big, big, big]], "int32"), t([[big], [big], [-big]], "int32")], [TensorSpec.of("int32", 0)],
                   {}, "venusA")
    assert o.data.tolist() == [[2 ** 31 - 1]]            # saturated, from the exact big^2
    (o,) = BMM.run([t([[big, big]], "int32", 31), t([[big], [-big + 2]], "int32", 31)], [TensorSpec.of("int32", 31)],
                   {}, "arcs")
    acc = big * big + big * (-big + 2)                   # 2·big: beyond 2^53 partial sums, exact result 2^32 − 2
    assert o.data.tolist() == [[(acc + 2 ** 30) >> 31]]


# ---------------------------------------------------------------------------------------------
# thinker-3.0.4 compatibility
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("platform", PLATFORMS)
def test_compat_refuses_a_negative_shift(platform):
    args = [t([[1, 2]], e=3), t([[3], [4]], e=3)], [TensorSpec.of("int8", 7)], {}
    assert BMM.run(*args, platform)[0].data.tolist() == [[22]]
    with pytest.raises(errors.ShiftOutOfRange):
        BMM.run(*args, platform, compat="thinker-3.0.4")
    ok = [t([[1, 2]], e=3), t([[3], [4]], e=3)], [TensorSpec.of("int8", 5)], {}
    assert BMM.run(*ok, platform, compat="thinker-3.0.4")[0].data.tolist() == BMM.run(*ok, platform)[0].data.tolist()


def in_place_model(values, rows, cols):
    """Independent statement of the measured rule: a buffer of values, walked row by row, each element
    stored at its transposed position as soon as it is read."""
    buf = list(values)
    for r in range(rows):
        for c in range(cols):
            buf[c * rows + r] = buf[r * cols + c]
    return buf


@given(st.integers(1, 9), st.integers(1, 9))
def test_in_place_transpose(rows, cols):
    vals = np.arange(rows * cols) * 7 - 50
    assert in_place_transpose(vals, rows, cols).tolist() == in_place_model(vals.tolist(), rows, cols)


def test_in_place_transpose_of_a_vector_is_the_identity():
    vals = np.arange(6)
    assert in_place_transpose(vals, 1, 6).tolist() == vals.tolist() == in_place_transpose(vals, 6, 1).tolist()


LINEAR = REGISTRY.get("LinearInt")


@given(st.integers(1, 5), st.integers(1, 4), st.integers(1, 5), st.sampled_from(["int8", "int32"]),
       st.sampled_from([(), (1,)]))
def test_linear_compat_scrambles_several_rows_on_venusA_only(m, k, n, out, lead):
    rng = np.random.default_rng(m * 100 + k * 10 + n)
    x = Tensor.of(rng.integers(-128, 128, size=lead + (m, k)), "int8", 3)
    w = Tensor.of(rng.integers(-128, 128, size=(n, k)), "int8", 2)
    spec = [TensorSpec.of(out, 4)]
    for platform in PLATFORMS:
        (y,) = LINEAR.run([x, w], spec, {}, platform)
        want = linear_model(x.data.reshape(-1, k).tolist(), w.data.tolist(), None, 1, y.dtype.bits)
        assert y.data.reshape(-1, n).tolist() == want
        (c,) = LINEAR.run([x, w], spec, {}, platform, compat="thinker-3.0.4")
        if platform == "venusA":
            flat_product = np.array(want).T.reshape(-1).tolist()    # the [N, M] product, row-major
            assert c.data.reshape(-1).tolist() == in_place_model(flat_product, n, m)
            assert c.shape == y.shape
        else:
            assert c.data.tolist() == y.data.tolist()


def test_linear_compat_two_by_three():
    # X [3, 2] · I: the [2, 3] product (1 3 −5 / 2 −4 6) transposed in place gives 1 2 3 3 3 6
    (c,) = LINEAR.run([t([[1, 2], [3, -4], [-5, 6]], "int8", 2), t([[1, 0], [0, 1]], "int8", 0)],
                      [TensorSpec.of("int8", 2)], {}, "venusA", compat="thinker-3.0.4")
    assert c.data.tolist() == [[1, 2], [3, 3], [3, 6]]


# ---------------------------------------------------------------------------------------------
# vectors: errata and must-error builders
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("row", [r for r in ERRATA if r[1] in ("E-BMM-1", "E-LINEAR-1")], ids=lambda r: r[1])
def test_errata_cases_differ_under_compat(row):
    op, entry, only, build = row
    inputs, outputs, attrs = build()
    for platform in only or REGISTRY.get(op).platforms:
        (spec,) = REGISTRY.get(op).run(inputs, outputs, attrs, platform)
        try:
            (thinker,) = REGISTRY.get(op).run(inputs, outputs, attrs, platform, compat="thinker-3.0.4")
        except errors.LunarefError:
            continue
        assert not np.array_equal(spec.data, thinker.data)


@pytest.mark.parametrize("row", [r for r in NEGATIVE if r[0] == "BmmInt"], ids=lambda r: r[1])
def test_negative_cases(row):
    op, slug, only, build, error = row
    inputs, outputs, attrs = build()
    for platform in only or BMM.platforms:
        with pytest.raises(getattr(errors, error)):
            BMM.run(inputs, outputs, attrs, platform)


# ---------------------------------------------------------------------------------------------
# ONNX (both dialects) and model.bin
# ---------------------------------------------------------------------------------------------

def _bmm_model(op_type: str, domain: str, platform: str, xs, ys, **attrs):
    nodes = [helper.make_node("Quant", ["x"], ["qx"], domain=domain, data_bits=8, scale_x=16.0, platform=platform),
             helper.make_node("Quant", ["y"], ["qy"], domain=domain, data_bits=8, scale_x=8.0, platform=platform),
             helper.make_node(op_type, ["qx", "qy"], ["o"], domain=domain, scale_x=16.0, scale_y=8.0, scale_o=4.0,
                              platform=platform, **attrs),
             helper.make_node("Dequant", ["o"], ["out"], domain=domain, scale_o=4.0)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, xs),
                                       helper.make_tensor_value_info("y", TensorProto.FLOAT, ys)],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 12), helper.make_opsetid(domain, 1)])


@pytest.mark.parametrize("op_type, domain, attrs", [
    ("QBmm", "linger", {"x_bits": 8, "y_bits": 8, "o_bits": 8, "quant_mode": "floor_add"}),
    ("QMatmul", "linger", {"x_bits": 8, "y_bits": 8, "o_bits": 8, "quant_mode": "floor_add"}),
    ("BmmInt", "thinker", {"data_bits": 8, "o_bits": 8}),
])
def test_onnx_aliases(op_type, domain, attrs):
    rng = np.random.default_rng(5)
    x = rng.uniform(-4, 4, size=(2, 3, 4)).astype(np.float32)
    y = rng.uniform(-4, 4, size=(2, 4, 5)).astype(np.float32)
    (out,) = lunaref.run_onnx(_bmm_model(op_type, domain, "arcs", [2, 3, 4], [2, 4, 5], **attrs), [x, y], "arcs")
    qx = np.clip(np.floor(x * 16 + 0.5), -128, 127).astype(np.int64)
    qy = np.clip(np.floor(y * 8 + 0.5), -128, 127).astype(np.int64)
    want = [bmm_model(a, b, 5, 8) for a, b in zip(qx.tolist(), qy.tolist())]
    assert (out * 4).astype(np.int64).tolist() == want


def test_onnx_qmatmul_broadcast_is_refused():
    m = _bmm_model("QMatmul", "linger", "venusA", [2, 3, 4], [4, 5], x_bits=8, y_bits=8, o_bits=8)
    with pytest.raises(errors.ShapeMismatch):
        lunaref.run_onnx(m, [np.zeros((2, 3, 4), np.float32), np.zeros((4, 5), np.float32)], "venusA")


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5)])
def test_resource_round_trip(platform, shape, tmp_path):
    *lead, m, k, n = shape
    rng = np.random.default_rng(len(shape))
    x = rng.uniform(-4, 4, size=tuple(lead) + (m, k)).astype(np.float32)
    y = rng.uniform(-4, 4, size=tuple(lead) + (k, n)).astype(np.float32)
    model = _bmm_model("QBmm", "linger", platform, list(x.shape), list(y.shape), x_bits=8, y_bits=8, o_bits=8)
    (want,) = lunaref.run_onnx(model, [x, y], platform)
    blob = pack(lunaref.load_onnx(model), platform).data
    (got,) = run_resource(blob, [x, y], quantize_inputs=True, dequantize_outputs=True)
    assert np.array_equal(np.asarray(got).reshape(want.shape), want)
