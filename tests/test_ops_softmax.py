"""The LUNA softmax (spec/nonlinear.md §2) and SoftmaxInt (spec/ops/softmaxint.md): against linger 3.0.9's
kernels transcribed in tests/models.py, the spec's examples, ONNX in both dialects, model.bin, and the
thinker-3.0.4 compatibility model (E-SOFTMAX-1, E-SOFTMAX-3)."""

from __future__ import annotations

import math

import lunaref
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunaref import Tensor, TensorSpec, errors
from lunaref.graph import Graph, Node, ValueInfo
from lunaref.luna import softmax as sm
from lunaref.luna.registry import PRIMITIVES
from lunaref.ops import REGISTRY
from lunaref.resource.executor import run_resource
from lunaref.resource.packer import pack
from lunaref.resource.reader import read
from lunaref.vectors.strategies import CASES, PRIMITIVE_CASES
from models import rshift, sat, softmax_row_model
from onnx import TensorProto, helper

PLATFORMS = ["venus", "venusA", "arcs"]
OP = REGISTRY.get("SoftmaxInt")


# ---------------------------------------------------------------------------------------------
# the primitive
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=60, deadline=None)
@given(case=PRIMITIVE_CASES["softmax"])
def test_primitive_equals_lingers_kernel(platform, case):
    (x,), _ = case
    got = sm.softmax(x, platform)
    want = [softmax_row_model([int(v) for v in row], platform) for row in x]
    assert got.tolist() == want


@pytest.mark.parametrize("platform", PLATFORMS)
def test_primitive_edges_equal_lingers_kernel(platform):
    lo, hi = -(1 << 31), (1 << 31) - 1
    rows = [[0], [lo], [hi], [lo, hi], [hi, lo, 0], [0, -1], [0, -(1 << 25), -(2 << 25), 3 << 25],
            [lo] * 7, [5 << 21] * 300, list(range(-2048 << 18, 0, 1 << 18))]
    for row in rows:
        assert sm.softmax(np.array([row]), platform)[0].tolist() == softmax_row_model(row, platform), row[:4]


def test_spec_examples():
    for p in PLATFORMS:
        assert sm.softmax(np.array([[0]]), p).tolist() == [[32768]]
        assert sm.softmax(np.array([[0, -(1 << 25), -(2 << 25), 3 << 25]]), p).tolist() == [[1518, 558, 205, 30486]]
        assert sm.exp_q23(np.array([0]), p).tolist() == [8388668]
        assert sm.softmax(np.zeros((1, 256), np.int64), p)[0, 0] == 128          # S saturates from 256 on
        assert sm.softmax(np.zeros((1, 290), np.int64), p)[0, 0] == 128
    assert [int(sm.softmax(np.zeros((1, 255), np.int64), p)[0, 0]) for p in PLATFORMS] == [128, 129, 129]


def test_constants():
    assert sm.LOG2E_Q31_QUARTER == math.floor(math.log2(math.e) / 4 * 2 ** 31)
    assert sm.POLY_Q23 == (57364, 446161, 2008107, 5813551, 8388575)
    assert (sm.VENUS_RECIP_SEED, sm.VENUS_HALF_Q23) == (0xBB5000, 0x400000)
    # the Q23 polynomial approximates 2^f on [-1, 0) to within 40 LSB of Q23
    for f in (-1.0, -0.75, -0.5, -0.25, -1e-6):
        p = 0.0
        for c in sm.POLY_Q23:
            p = p * f + c / 2 ** 23
        assert abs(p - 2 ** f) < 40 / 2 ** 23


@settings(max_examples=200, deadline=None)
@given(s=st.integers(8388668, (1 << 31) - 1))
def test_division_reciprocal_is_the_restoring_loop(s):
    a, c = 1 << 23, 0
    for _ in range(30):
        c, a = (2 * (c + 1), 2 * (a - s)) if a >= s else (2 * c, 2 * a)
    assert int(sm.division_reciprocal(np.array([s]))[0]) == c


#: d values where linger's double product rounds X differently from the exact rounding (found by checking
#: all 2^31 + 1 differences, spec/nonlinear.md §2.2; the expected X comes from the float model below).
DOUBLE_ROUNDED = [-2146773692, -2123048154, -487999924, -439128936, -390257948, -256217709, -207346721]


def test_venus_log2e_product_is_rounded_to_53_bits():
    d = np.array(DOUBLE_ROUNDED)
    e, f = sm.exp2_parts(d, "venus")
    x_venus = (e * (1 << 23) + f).tolist()
    assert x_venus == [math.floor(float(v * sm.LOG2E_Q31_QUARTER) * 2.0 ** -31 + 0.5) for v in DOUBLE_ROUNDED]
    e, f = sm.exp2_parts(d, "arcs")
    x_exact = (e * (1 << 23) + f).tolist()
    assert x_exact == [rshift(v * sm.LOG2E_Q31_QUARTER, 31) for v in DOUBLE_ROUNDED]
    assert all(a == b + 1 for a, b in zip(x_venus, x_exact))


def test_primitive_refuses_what_it_does_not_define():
    with pytest.raises(errors.ValueOutOfRange):
        sm.softmax(np.array([[1 << 31]]), "arcs")
    with pytest.raises(errors.UnsupportedOnPlatform):
        sm.softmax(np.zeros((1, 2049), np.int64), "arcs")
    assert set(PRIMITIVES["softmax"].platforms) == set(PLATFORMS)


# ---------------------------------------------------------------------------------------------
# the op
# ---------------------------------------------------------------------------------------------

def softmaxint_model(x: Tensor, y: TensorSpec, axis: int, platform: str) -> np.ndarray:
    """Python ints: X to Q25 (saturating / rounding), the kernel per row of ``axis``, Q15 to e(Y)."""
    a = np.moveaxis(np.asarray(x.data, dtype=object), axis, -1)
    d = 25 - x.exponent
    q25 = [[sat(int(v) << d if d >= 0 else rshift(int(v), -d), 32) for v in row] for row in a.reshape(-1, a.shape[-1])]
    s = 15 - y.exponent
    out = [[sat(rshift(v, s) if s >= 0 else v << -s, y.dtype.bits) for v in softmax_row_model(row, platform)]
           for row in q25]
    return np.moveaxis(np.array(out, dtype=np.int64).reshape(a.shape), -1, axis)


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=80, deadline=None)
@given(case=CASES["SoftmaxInt"])
def test_op_equals_model(platform, case):
    (x,), (y,), attrs = case
    try:
        (got,) = OP.run([x], [y], attrs, platform)
    except errors.UnsupportedOnPlatform:
        assert platform != "venusA" and x.dtype.name != "int8" or platform == "venus" and y.dtype.name != "int8" \
            or platform == "arcs" and y.dtype.name == "int16"
        return
    assert np.array_equal(got.data, softmaxint_model(x, y, attrs["axis"] % len(x.shape), platform))


def test_op_examples():
    x = Tensor.of(np.array([[16, -8, 0, 40]]), "int8", 4)
    for p in PLATFORMS:
        assert OP.run([x], [TensorSpec.of("int8", 7)], {"axis": -1}, p)[0].data.tolist() == [[21, 5, 8, 94]]
        assert OP.run([Tensor.of(np.array([[5]]), "int8", 0)], [TensorSpec.of("int8", 7)], {}, p)[0].data.tolist() \
            == [[127]]
    x = Tensor.of(np.array([[[1, 2], [3, 4]]]), "int8", 0)
    assert OP.run([x], [TensorSpec.of("int8", 7)], {"axis": 1}, "venusA")[0].data.tolist() == [[[15, 15], [113, 113]]]


def test_op_input_saturates_and_rounds():
    # e(X) = 0: 127·2^25 saturates to 2^31 − 1; e(X) = 27: the input is rounded down to Q25 (tie 2 → 1 up)
    x = Tensor.of(np.array([[127, -128]]), "int8", 0)
    got = OP.run([x], [TensorSpec.of("int32", 15)], {}, "venusA")[0].data
    assert got.tolist() == [softmax_row_model([(1 << 31) - 1, -(1 << 31)], "venusA")]
    x = Tensor.of(np.array([[2, -2, 6]]), "int32", 27)
    got = OP.run([x], [TensorSpec.of("int32", 15)], {}, "venusA")[0].data
    assert got.tolist() == [softmax_row_model([1, 0, 2], "venusA")]


def test_op_refusals():
    with pytest.raises(errors.UnsupportedAttribute):
        OP.run([Tensor.of(np.zeros((1, 4), np.int64), "int8", 4)], [TensorSpec.of("int8", 7)], {"axis": 2}, "arcs")
    with pytest.raises(errors.UnsupportedOnPlatform):
        OP.run([Tensor.of(np.zeros((1, 4), np.int64), "int16", 4)], [TensorSpec.of("int8", 7)], {}, "arcs")
    with pytest.raises(errors.UnsupportedOnPlatform):
        OP.run([Tensor.of(np.zeros((1, 4), np.int64), "int8", 4)], [TensorSpec.of("int16", 7)], {}, "venus")
    with pytest.raises(errors.UnsupportedOnPlatform):
        OP.run([Tensor.of(np.zeros((2049,), np.int64), "int8", 4)], [TensorSpec.of("int8", 7)], {}, "venusA")


# ---------------------------------------------------------------------------------------------
# thinker 3.0.4 compatibility
# ---------------------------------------------------------------------------------------------

def _flat_model(x, y, start, platform):
    lead = int(np.prod(x.shape[:start]))
    rows = np.asarray(x.data, dtype=np.int64).reshape(lead, -1)
    flat = Tensor.of(rows, x.dtype, x.exponent)
    return softmaxint_model(flat, y, 1, platform).reshape(x.shape)


@pytest.mark.parametrize("platform, axis, start", [("venusA", 1, 1), ("venusA", -2, 1), ("venus", 1, 1),
                                                    ("venus", -1, 2), ("arcs", 2, 1), ("arcs", 0, 1),
                                                    ("arcs", -3, 0), ("arcs", -1, 2)])
def test_compat_flattens_the_trailing_axes(platform, axis, start):
    rng = np.random.default_rng(7)
    x = Tensor.of(rng.integers(-128, 128, size=(2, 3, 4)), "int8", 4)
    y = TensorSpec.of("int8", 7)
    (got,) = OP.run([x], [y], {"axis": axis}, platform, compat="thinker-3.0.4")
    assert np.array_equal(got.data, _flat_model(x, y, start, platform))


def test_compat_venus_other_negative_axis_is_the_spec():
    x = Tensor.of(np.arange(24).reshape(2, 3, 4) - 12, "int8", 4)
    y = TensorSpec.of("int8", 7)
    assert np.array_equal(OP.run([x], [y], {"axis": -2}, "venus", compat="thinker-3.0.4")[0].data,
                          OP.run([x], [y], {"axis": -2}, "venus")[0].data)


def test_compat_arcs_int32_output_left_in_q15():
    x = Tensor.of(np.array([[10, -20, 30, 5]]), "int8", 4)
    y = TensorSpec.of("int32", 20)
    (got,) = OP.run([x], [y], {"axis": -1}, "arcs", compat="thinker-3.0.4")
    assert got.data.tolist() == [softmax_row_model([10 << 21, -20 << 21, 30 << 21, 5 << 21], "arcs")]
    assert OP.run([x], [y], {"axis": -1}, "venusA", compat="thinker-3.0.4")[0].data.tolist() == \
        OP.run([x], [y], {"axis": -1}, "venusA")[0].data.tolist()


# ---------------------------------------------------------------------------------------------
# ONNX (both dialects) and model.bin
# ---------------------------------------------------------------------------------------------

def _model(dialect: str, shape, axis: int, platform: str):
    domain = {"linger1": "thinker", "linger3": "linger"}[dialect]
    if dialect == "linger1":
        node = helper.make_node("SoftmaxInt", ["qx"], ["y"], domain=domain, scale_x=16.0, scale_o=128.0,
                                data_bits=8, o_bits=8, dim=axis, platform_quant="luna_quant")
    else:
        node = helper.make_node("QSoftmax", ["qx"], ["y"], domain=domain, scale_x=16.0, scale_o=128.0,
                                x_bits=8, o_bits=8, axis=axis, platform=platform, quant_mode="floor_add")
    nodes = [helper.make_node("Quant", ["x"], ["qx"], domain=domain, data_bits=8, scale_x=16.0, platform=platform),
             node, helper.make_node("Dequant", ["y"], ["out"], domain=domain, scale_o=128.0)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 12), helper.make_opsetid(domain, 1)])


@pytest.mark.parametrize("dialect", ["linger1", "linger3"])
@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("axis", [-1, 1])
def test_onnx_both_dialects(dialect, platform, axis):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 3, 5)).astype(np.float32)
    (out,) = lunaref.run_onnx(_model(dialect, x.shape, axis, platform), [x], platform)
    q = np.clip(np.floor(x * 16 + 0.5), -128, 127).astype(np.int64)
    want = softmaxint_model(Tensor.of(q, "int8", 4), TensorSpec.of("int8", 7), axis % 3, platform)
    assert np.array_equal(out, want.astype(np.float32) / 128)


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_model_bin_round_trip(platform, axis):
    x = Tensor.of(np.random.default_rng(5).integers(-128, 128, size=(2, 6)), "int8", 4)
    y = TensorSpec.of("int8", 7)
    node = Node("sm", "SoftmaxInt", ("x",), ("y",), {"axis": axis}, (y,))
    graph = Graph((ValueInfo("x", x.dtype, 4, (2, 6)),), (ValueInfo("y", y.dtype, 7),), {}, (node,), platform, None,
                  {"x": TensorSpec.of("int8", 4), "y": y})
    data = pack(graph, platform, keep_quant=True).data
    (got,) = run_resource(data, [x.data.astype(np.int8)], platform)
    assert np.array_equal(got, OP.run([x], [y], {"axis": axis}, platform)[0].data)
    res = read(data)
    (op,) = [o for o in res.operators if o.type == "SoftmaxInt"]
    assert op.attrs["axis"] == axis


def test_model_bin_workspace_is_tpackers():
    """tpacker SoftmaxInt.get_workspace: venusA 6·n + 4·stride (int8), arcs 4·nbytes(X) + 4·stride with X's
    size aligned to 16 bytes, venus 2·dims[-1] (E-SOFTMAX-2: too small on venusA and venus); the workspace
    tensor is aligned to 16 bytes."""
    x, y = TensorSpec.of("int8", 4), TensorSpec.of("int8", 7)
    want = {"venusA": 6 * 12 + 4 * 6, "arcs": 4 * 16 + 4 * 6 + 8, "venus": 2 * 6 + 4}
    for platform, size in want.items():
        node = Node("sm", "SoftmaxInt", ("x",), ("y",), {"axis": -1}, (y,))
        graph = Graph((ValueInfo("x", x.dtype, 4, (2, 6)),), (ValueInfo("y", y.dtype, 7),), {}, (node,), platform,
                      None, {"x": x, "y": y})
        res = read(pack(graph, platform, keep_quant=True).data)
        (op,) = [o for o in res.operators if o.type == "SoftmaxInt"]
        assert res.tensors[op.temps[-1]].shape == (size,), platform
