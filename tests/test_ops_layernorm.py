"""LayerNormInt and the layer-norm rsqrt primitive (spec/ops/layernormint.md, spec/nonlinear.md §3)."""

from __future__ import annotations

import lunaref
import numpy as np
import pytest
from hypothesis import given, settings
from lunaref import errors
from lunaref.graph import Graph, Node, ValueInfo
from lunaref.luna import layernorm as rs
from lunaref.luna.registry import PRIMITIVES
from lunaref.ops import REGISTRY
from lunaref.resource.executor import run_resource
from lunaref.resource.packer import pack
from lunaref.tensor import Tensor, TensorSpec
from lunaref.vectors.strategies import CASES, PRIMITIVE_CASES
from models import (
    layernorm_model,
    layernorm_qeps_model,
    layernorm_rsqrt_model,
    rsq_model,
)

OP = REGISTRY.get("LayerNormInt")
PLATFORMS = ("venus", "venusA", "arcs")


def _case(x, gamma, beta, e_x=6, e_g=7, e_y=5):
    return ([Tensor.of(np.array(x), "int8", e_x), Tensor.of(np.array(gamma), "int8", e_g),
             Tensor.of(np.array(beta), "int32", 15 + e_g)], [TensorSpec.of("int8", e_y)])


# --- the table and the primitive ------------------------------------------------------------

def test_rsq_table_is_its_formula():
    assert list(rs.RSQ) == [rsq_model(i + 256) for i in range(768)]
    # facts of the 768-entry table in linger 3.0.9 kernel/cpu/qlayernorm_kernel.cpp and thinker 3.0.4
    # executor/core/ops/*/layernormint.h (identical): first, second and last entries, and their sum
    assert (rs.RSQ[0], rs.RSQ[1], rs.RSQ[767], sum(rs.RSQ)) == (32767, 32704, 16392, 16785024)


@given(PRIMITIVE_CASES["layernorm_rsqrt"])
@settings(max_examples=150)
def test_rsqrt_primitive_equals_the_model(case):
    (num, d), attrs = case
    (got,) = PRIMITIVES["layernorm_rsqrt"].run([num, d], attrs, "venusA")
    want = [[layernorm_rsqrt_model(int(v), int(d[i])) for v in num[i]] for i in range(num.shape[0])]
    assert got.tolist() == want


def test_rsqrt_edges():
    # D = 0: entry 0 (32767), no shift; D = 1: q1 = 1, t = 256, shift 0
    assert rs.layernorm_rsqrt([[3, -3]], [0]).tolist() == [[3 * 32767, -3 * 32767]]
    assert rs.layernorm_rsqrt([[3]], [1]).tolist() == [[3 * 32767]]
    # D = 4 (q1 = 2, t = 256, shift 1): 1·32767/2 = 16383.5 rounds half up, −16383.5 to −16383
    assert rs.layernorm_rsqrt([[1, -1]], [4]).tolist() == [[16384, -16383]]
    assert rs.layernorm_rsqrt([[1 << 30]], [1]).tolist() == [[(1 << 31) - 1]]        # saturates
    with pytest.raises(errors.ValueOutOfRange):
        rs.layernorm_rsqrt([[1]], [1 << 60])
    with pytest.raises(errors.ValueOutOfRange):
        rs.layernorm_rsqrt([[1]], [-1])


# --- the op ---------------------------------------------------------------------------------

@given(CASES["LayerNormInt"])
@settings(max_examples=120)
def test_op_equals_the_python_int_model(case):
    inputs, outputs, attrs = case
    x, g, b = inputs
    (y,) = OP.run(inputs, outputs, attrs, "venusA")
    n = g.data.size
    rows = x.data.reshape(-1, n).tolist()
    want = layernorm_model(rows, g.data.tolist(), b.data.tolist(), x.exponent, g.exponent, outputs[0].exponent)
    assert y.data.reshape(-1, n).tolist() == want
    assert y.data.shape == x.data.shape


def test_same_on_every_platform():
    inputs, outputs = _case([[[10, -20, 30, 5, -7, 0, 64, -128]]], [127] * 8, [100] * 8)
    results = [OP.run(inputs, outputs, {}, p)[0].data.tolist() for p in PLATFORMS]
    assert results[0] == results[1] == results[2]


def test_q_eps_in_float32_steps():
    for e_x in range(16):
        for n in (1, 7, 32, 100, 777):
            assert lunaref.ops.layernormint.q_eps(e_x, n) == layernorm_qeps_model(e_x, n)
    assert lunaref.ops.layernormint.q_eps(6, 32) == 42


def test_ties_round_half_up_on_both_signs():
    # a constant row: y = 0, so Y = rshift(β, 15 + e(γ) − e(Y)); with shift 1, β = ±1 are the ties ±½
    inputs, outputs = _case([[[3, 3, 3, 3]]], [5, 5, 5, 5], [1, -1, 3, -3], e_x=0, e_g=0, e_y=14)
    assert OP.run(inputs, outputs, {}, "arcs")[0].data.tolist() == [[[1, 0, 2, -1]]]


def test_saturation_and_negative_shift():
    inputs, outputs = _case([[[100, -100]]], [127, 127], [0, 0], e_x=0, e_g=0, e_y=5)
    assert OP.run(inputs, outputs, {}, "venus")[0].data.tolist() == [[[127, -128]]]
    # 15 + e(γ) − e(Y) = −1: the accumulator is scaled up exactly (β = 3 → 6)
    inputs, outputs = _case([[[7, 7]]], [1, 1], [3, -3], e_x=0, e_g=0, e_y=16)
    assert OP.run(inputs, outputs, {}, "venus")[0].data.tolist() == [[[6, -6]]]


def test_two_axes_and_shape_errors():
    x = np.arange(-12, 12).reshape(1, 2, 3, 4)
    inputs, outputs = _case(x, [64] * 12, [0] * 12)
    (y,) = OP.run(inputs, outputs, {}, "venusA")
    want = layernorm_model(x.reshape(-1, 12).tolist(), [64] * 12, [0] * 12, 6, 7, 5)
    assert y.data.reshape(-1, 12).tolist() == want
    with pytest.raises(errors.ShapeMismatch):
        OP.run(*_case(x, [64] * 5, [0] * 5), {}, "venusA")
    with pytest.raises(errors.ExponentOutOfRange):
        OP.run([Tensor.of(x, "int8", 6), Tensor.of(np.ones(4, np.int64), "int8", 7), Tensor.of(np.zeros(4, np.int64), "int32", 13)],
               [TensorSpec.of("int8", 5)], {}, "venusA")


# --- thinker 3.0.4 compatibility --------------------------------------------------------------

def _thinker_q10_model(rows, gamma, beta, e_x, e_g, e_y):
    """E-LAYERNORM-1/2 from their text: int32 products, Q10 with groups to bits 46–47, sat32(y·γ) + β."""
    def wrap32(v):
        return (v + (1 << 31)) % (1 << 32) - (1 << 31)
    out = []
    for row in rows:
        n = len(row)
        s1, s2 = sum(row), sum(v * v for v in row)
        d = wrap32(n * s2) - wrap32(s1 * s1) + layernorm_qeps_model(e_x, n)
        ys = [layernorm_rsqrt_model(n * v - s1, d, 10, 24) for v in row]
        acc = [max(-(1 << 31), min((1 << 31) - 1, y * g)) + b for y, g, b in zip(ys, gamma, beta)]
        s = 10 + e_g - e_y
        out.append([max(-128, min(127, (a + (1 << (s - 1))) >> s if s > 0 else a)) for a in acc])
    return out


@pytest.mark.parametrize("platform", ["venusA", "arcs"])
def test_compat_normalises_to_q10(platform):
    rng = np.random.default_rng(3)
    x = rng.integers(-128, 128, (2, 3, 16))
    g, b = rng.integers(-128, 128, 16), rng.integers(-40000, 40000, 16)
    inputs, outputs = _case(x, g, b)
    (got,) = OP.run(inputs, outputs, {}, platform, compat="thinker-3.0.4")
    assert got.data.reshape(-1, 16).tolist() == _thinker_q10_model(x.reshape(-1, 16).tolist(), g.tolist(),
                                                                   b.tolist(), 6, 7, 5)
    (spec,) = OP.run(inputs, outputs, {}, platform)
    assert not np.array_equal(got.data, spec.data)


def test_compat_int32_products_wrap():
    x = np.where(np.arange(600) % 2 == 0, 127, -128).reshape(1, 1, 600)
    inputs, outputs = _case(x, [64] * 600, [0] * 600, e_x=4, e_g=6, e_y=4)
    (got,) = OP.run(inputs, outputs, {}, "arcs", compat="thinker-3.0.4")
    assert got.data.reshape(-1, 600).tolist() == _thinker_q10_model(x.reshape(1, 600).tolist(), [64] * 600,
                                                                    [0] * 600, 4, 6, 4)
    assert OP.run(inputs, outputs, {}, "arcs")[0].data.ravel()[:2].tolist() == [16, -16]


def test_compat_venus_is_not_modelled():
    inputs, outputs = _case([[[10, -20, 30, 5]]], [127] * 4, [1 << 20] * 4)
    assert np.array_equal(OP.run(inputs, outputs, {}, "venus", compat="thinker-3.0.4")[0].data,
                          OP.run(inputs, outputs, {}, "venus")[0].data)


# --- ONNX, both dialects, and model.bin -------------------------------------------------------

def _onnx(domain, op_type, attrs, beta):
    from onnx import TensorProto, helper, numpy_helper
    n = 8
    nodes = [helper.make_node("Quant", ["x"], ["q"], domain=domain,
                              data_bits=8, scale_x=64.0),
             helper.make_node(op_type, ["q", "w", "b"], ["y"], domain=domain, **attrs),
             helper.make_node("Dequant", ["y"], ["out"], domain=domain, scale_o=32.0)]
    inits = [numpy_helper.from_array(np.array([127, 100, -50, 64, 1, -128, 77, 3], np.int8), "w"),
             numpy_helper.from_array(np.array(beta, np.int32), "b")]
    graph = helper.make_graph(nodes, "ln", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, n])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 2, n])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12), helper.make_opsetid(domain, 1)]
                             ).SerializeToString()


X = np.array([[[0.1, -0.3, 0.5, 0.05, -0.7, 0.0, 1.2, -1.9], [0.3, 0.3, 0.2, -0.1, 0.0, 0.9, -0.5, 0.4]]],
             dtype=np.float32)
BETA15 = [-32232, 24379, 31962, 7350, -9487, -18760, 32000, -32000]


def test_onnx_linger3_qlayernorm():
    model = _onnx("linger", "QLayerNorm", {"scale_x": 64.0, "scale_w": 128.0, "scale_o": 32.0, "x_bits": 8,
                                          "w_bits": 8, "o_bits": 8, "scale_y_normal": 32768.0,
                                          "quant_mode": "floor_add", "platform": "venusA"}, BETA15)
    (out,) = lunaref.run_onnx(model, [X])
    q = np.floor(X * 64 + 0.5).astype(np.int64)
    want = layernorm_model(q.reshape(2, 8).tolist(), [127, 100, -50, 64, 1, -128, 77, 3], BETA15, 6, 7, 5)
    assert (out * 32).astype(np.int64).reshape(2, 8).tolist() == want


def test_onnx_linger1_layernormint_moves_beta_to_q15():
    beta10 = [-1007, 761, 998, 229, -296, -586, 1000, -1000]
    model = _onnx("thinker", "LayerNormInt", {"scale_x": 64.0, "scale_w": 128.0, "scale_o": 32.0,
                                              "data_bits": 8, "parameter_bits": 8, "o_bits": 8,
                                              "platform_quant": "luna_quant"}, beta10)
    graph = lunaref.load_onnx(model)
    assert graph.constants["b"].exponent == 22
    assert graph.constants["b"].data.tolist() == [v * 32 for v in beta10]


def test_onnx_refuses_another_normalisation():
    model = _onnx("linger", "QLayerNorm", {"scale_x": 64.0, "scale_w": 128.0, "scale_o": 32.0,
                                          "scale_y_normal": 1024.0, "platform": "venusA"}, BETA15)
    with pytest.raises(errors.UnsupportedAttribute, match="scale_y_normal"):
        lunaref.load_onnx(model)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_model_bin_round_trip(platform):
    rng = np.random.default_rng(7)
    x = rng.integers(-128, 128, (1, 4, 32))
    g, b = rng.integers(-128, 128, 32), rng.integers(-40000, 40000, 32)
    inputs, outputs = _case(x, g, b)
    specs = {"x": TensorSpec.of("int8", 6), "w": inputs[1].spec, "b": inputs[2].spec, "y": outputs[0]}
    node = Node("ln", "LayerNormInt", ("x", "w", "b"), ("y",), {}, tuple(outputs))
    graph = Graph((ValueInfo("x", specs["x"].dtype, 6, (1, 4, 32)),), (ValueInfo("y", outputs[0].dtype, 5),),
                  {"w": inputs[1], "b": inputs[2]}, (node,), platform, None, specs)
    res = pack(graph, platform, keep_quant=True)
    (got,) = run_resource(res.data, [x.astype(np.int8)], platform)
    assert np.array_equal(got, OP.run(inputs, outputs, {}, platform)[0].data)
