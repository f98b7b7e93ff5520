"""Data types of the MAC ops (ops breadth II, part 3): int4 weights on Conv2dInt and LinearInt, int16
activations on venus (spec/ops/conv2dint.md, spec/ops/linearint.md, formats/resource.md §13), against
plain Python-int models; their model.bin layouts; ONNX import of 4- and 16-bit widths; the thinker 3.0.4
compatibility models of E-CONV-1, E-LINEAR-2 and E-LINEAR-3."""

from __future__ import annotations

import math
import struct

import numpy as np
import onnx
import pytest
from hypothesis import given, settings, strategies as st
from onnx import TensorProto, helper, numpy_helper

from lunaref import Tensor, TensorSpec, errors, numerics
from lunaref.graph import Graph, Node, ValueInfo
from lunaref import load_onnx, run_onnx
from lunaref.ops import REGISTRY
from lunaref.resource import weights
from lunaref.resource.executor import run_resource
from lunaref.resource.packer import pack
from lunaref.resource.reader import read

from models import conv2d_model, linear_model, sat

CONV = REGISTRY.get("Conv2dInt")
LINEAR = REGISTRY.get("LinearInt")


def _arr(draw, shape, lo, hi):
    n = int(np.prod(shape))
    vals = draw(st.lists(st.one_of(st.sampled_from([lo, hi, 0, -1]), st.integers(lo, hi)), min_size=n, max_size=n))
    return np.array(vals, dtype=np.int64).reshape(shape)


def f32(v: int) -> float:
    """C's (float)v, by struct (independent of lunaref's integer rounding)."""
    return struct.unpack("<f", struct.pack("<f", float(v)))[0]


def int16_conv_model(x, w, b, strides, pads, shift, relu):
    """spec/ops/conv2dint.md, int16 path: the exact accumulator, float32, times 2^−shift, floor, sat8."""
    acc = conv2d_model(x, w, b, strides, pads, (1, 1), 1, 0, 64, False)
    def one(v):
        q = math.floor(f32(v) * 2.0 ** -shift)
        q = sat(q, 8)
        return max(q, 0) if relu else q
    return [[[[one(v) for v in row] for row in plane] for plane in img] for img in acc]


# --- int4 weights ------------------------------------------------------------------------------

@st.composite
def conv_int4(draw):
    depthwise = draw(st.booleans())
    c = draw(st.integers(1, 4))
    oc = c if depthwise else draw(st.integers(1, 5))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, wd = draw(st.integers(kh, 5)), draw(st.integers(kw, 5))
    x = _arr(draw, (1, c, h, wd), -128, 127)
    w = _arr(draw, (oc, 1 if depthwise else c, kh, kw), -8, 7)
    b = _arr(draw, (oc,), -3000, 3000) if draw(st.booleans()) else None
    e_x, e_w = draw(st.integers(0, 7)), draw(st.integers(0, 7))
    e_y = draw(st.integers(e_x + e_w - 8, e_x + e_w + 2))
    attrs = {"kernel_shape": (kh, kw), "strides": (draw(st.sampled_from([1, 2])),) * 2,
             "pads": tuple(draw(st.integers(0, 1)) for _ in range(4)), "group": c if depthwise else 1,
             "act": draw(st.sampled_from(["none", "relu"]))}
    return x, w, b, e_x, e_w, e_y, attrs, draw(st.sampled_from(["venusA", "arcs"]))


@settings(max_examples=60, deadline=None)
@given(conv_int4())
def test_conv_int4_weights_are_the_exact_mac(case):
    x, w, b, e_x, e_w, e_y, attrs, platform = case
    ins = [Tensor.of(x, "int8", e_x), Tensor.of(w, "int4", e_w)] + ([Tensor.of(b, "int32", e_x + e_w)] if b is not None else [])
    (y,) = CONV.run(ins, [TensorSpec.of("int8", e_y)], attrs, platform)
    want = conv2d_model(x.tolist(), w.tolist(), None if b is None else b.tolist(), attrs["strides"], attrs["pads"],
                        (1, 1), attrs["group"], e_x + e_w - e_y, 8, attrs["act"] == "relu")
    assert y.data.tolist() == want


def test_conv_int4_not_on_venus():
    ins = [Tensor.of(np.zeros((1, 1, 2, 2), np.int8), "int8", 0), Tensor.of(np.ones((1, 1, 1, 1), np.int8), "int4", 0)]
    with pytest.raises(errors.UnsupportedOnPlatform):
        CONV.run(ins, [TensorSpec.of("int8", 0)], {}, "venus")


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_linear_int4_and_int16(data):
    platform = data.draw(st.sampled_from(["venus", "venusA", "arcs"]))
    wide = platform == "venus" and data.draw(st.booleans())
    m, k, n = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 7)), data.draw(st.integers(1, 4))
    tx, tw = ("int16", "int16") if wide else ("int8", "int4")
    lim = 32767 if wide else 127
    x = _arr(data.draw, (m, k), -lim - 1, lim)
    w = _arr(data.draw, (n, k), -32768 if wide else -8, 32767 if wide else 7)
    b = _arr(data.draw, (n,), -2**31, 2**31 - 1) if data.draw(st.booleans()) else None
    e_x, e_w = data.draw(st.integers(0, 15)), data.draw(st.integers(0, 15))
    outs = ["int8", "int16", "int32"] if platform == "venus" else ["int8"]
    to = data.draw(st.sampled_from(outs))
    e_y = data.draw(st.integers(e_x + e_w - 2, e_x + e_w + 30).filter(lambda e: -31 <= e <= 31))
    ins = [Tensor.of(x, tx, e_x), Tensor.of(w, tw, e_w)] + ([Tensor.of(b, "int32", e_x + e_w)] if b is not None else [])
    (y,) = LINEAR.run(ins, [TensorSpec.of(to, e_y)], {}, platform)
    assert y.data.tolist() == linear_model(x.tolist(), w.tolist(), None if b is None else b.tolist(),
                                           e_x + e_w - e_y, numerics.dtype(to).bits)


def test_linear_int4_output_widths():
    ins = [Tensor.of(np.ones((1, 2), np.int8), "int8", 0), Tensor.of(np.ones((1, 2), np.int8), "int4", 0)]
    with pytest.raises(errors.UnsupportedOnPlatform):
        LINEAR.run(ins, [TensorSpec.of("int32", 0)], {}, "arcs")
    assert LINEAR.run(ins, [TensorSpec.of("int32", 0)], {}, "venus")[0].data.tolist() == [[2]]


# --- int16 activations (venus) ------------------------------------------------------------------

@st.composite
def conv_int16(draw):
    c, oc = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, wd = draw(st.integers(kh, 5)), draw(st.integers(kw, 5))
    x = _arr(draw, (1, c, h, wd), -32768, 32767)
    w = _arr(draw, (oc, c, kh, kw), -32768, 32767)
    b = _arr(draw, (oc,), -2**31, 2**31 - 1) if draw(st.booleans()) else None
    e_x, e_w = draw(st.integers(0, 15)), draw(st.integers(0, 15))
    e_y = draw(st.integers(max(e_x + e_w - 40, -31), min(e_x + e_w + 3, 31)))
    attrs = {"kernel_shape": (kh, kw), "strides": (draw(st.sampled_from([1, 2])),) * 2,
             "pads": tuple(draw(st.integers(0, 1)) for _ in range(4)), "act": draw(st.sampled_from(["none", "relu"]))}
    return x, w, b, e_x, e_w, e_y, attrs


@settings(max_examples=60, deadline=None)
@given(conv_int16())
def test_conv_int16_float_floor(case):
    x, w, b, e_x, e_w, e_y, attrs = case
    ins = [Tensor.of(x, "int16", e_x), Tensor.of(w, "int16", e_w)] + ([Tensor.of(b, "int32", e_x + e_w)] if b is not None else [])
    (y,) = CONV.run(ins, [TensorSpec.of("int8", e_y)], attrs, "venus")
    assert y.data.tolist() == int16_conv_model(x.tolist(), w.tolist(), None if b is None else b.tolist(),
                                               attrs["strides"], attrs["pads"], e_x + e_w - e_y, attrs["act"] == "relu")


def test_conv_int16_examples():
    # floor, not half up: 3/2 -> 1, -3/2 -> -2; float32: 2^24 + 1 rounds to 2^24 before the floor
    x = Tensor.of(np.array([[[[3, -3, 7, -7]]]]), "int16", 1)
    w = Tensor.of(np.array([[[[1]]]]), "int16", 0)
    assert CONV.run([x, w], [TensorSpec.of("int8", 0)], {}, "venus")[0].data.ravel().tolist() == [1, -2, 3, -4]
    x1 = Tensor.of(np.zeros((1, 1, 1, 1), np.int64), "int16", 0)
    b = Tensor.of(np.array([-100 * 2**20 - 1]), "int32", 0)
    got = CONV.run([x1, w, b], [TensorSpec.of("int8", -20)], {}, "venus")[0].data.item()
    assert got == -100            # float32(−104857601) = −104857600; the exact floor would be −101


@pytest.mark.parametrize("platform", ["venusA", "arcs"])
def test_conv_int16_not_elsewhere(platform):
    x = Tensor.of(np.zeros((1, 1, 2, 2), np.int64), "int16", 0)
    w = Tensor.of(np.ones((1, 1, 1, 1), np.int64), "int16", 0)
    with pytest.raises(errors.UnsupportedOnPlatform):
        CONV.run([x, w], [TensorSpec.of("int8", 0)], {}, platform)


# --- thinker 3.0.4 compatibility --------------------------------------------------------------

def test_e_conv_1_compat():
    # width pads: thinker's unpadded column reads run past the input (undefined): the spec's result
    x = Tensor.of(np.array([[[[1, 2, 3], [4, 5, 6]]]]), "int16", 0)
    w = Tensor.of(np.array([[[[1, 1]]]]), "int16", 0)
    b = Tensor.of(np.array([0]), "int32", 0)
    attrs = {"kernel_shape": (1, 2), "pads": (0, 1, 0, 0)}
    spec = CONV.run([x, w, b], [TensorSpec.of("int8", 0)], attrs, "venus")[0].data.tolist()
    thinker = CONV.run([x, w, b], [TensorSpec.of("int8", 0)], attrs, "venus", "thinker-3.0.4")[0].data.tolist()
    assert spec == thinker == [[[[1, 3, 5], [4, 9, 11]]]]
    # the accumulator saturated to int32 before the bias
    x2 = Tensor.of(np.array([[[[32767, 32767, 32767]]]]), "int16", 0)
    w2 = Tensor.of(np.array([[[[32767, 32767, 32767]]]]), "int16", 0)
    b2 = Tensor.of(np.array([-2**31]), "int32", 0)
    got = CONV.run([x2, w2, b2], [TensorSpec.of("int8", 0)], {"kernel_shape": (1, 3)}, "venus", "thinker-3.0.4")
    assert got[0].data.item() == -1      # sat32(3·32767²) + B = −1; the spec saturates to 127
    assert CONV.run([x2, w2, b2], [TensorSpec.of("int8", 0)], {"kernel_shape": (1, 3)}, "venus")[0].data.item() == 127


def test_e_linear_2_compat_one_row():
    # M = 1: the int4 product reads the bytes of the int32-widened row: x0, its sign bytes, x1, ...
    x = Tensor.of(np.array([[5, -3, 2]]), "int8", 0)
    w = Tensor.of(np.array([[1, 1, 1, 1][:3], [2, 0, -1]]), "int4", 0)
    got = LINEAR.run([x, w], [TensorSpec.of("int8", 0)], {}, "venusA", "thinker-3.0.4")[0].data.tolist()
    read = [5, 0, 0, 0]   # the first K2 = 4 bytes of int32 [5, -3, 2]: 5, 0, 0, 0
    assert got == [[sum(a * b for a, b in zip(read, [1, 1, 1, 0])), sum(a * b for a, b in zip(read, [2, 0, -1, 0]))]]
    assert LINEAR.run([x, w], [TensorSpec.of("int8", 0)], {}, "venusA")[0].data.tolist() == [[4, 8]]


def test_e_linear_3_compat():
    x = Tensor.of(np.array([[32767, 32767, 32767]]), "int16", 0)
    w = Tensor.of(np.array([[32767, 32767, 32767]]), "int16", 0)
    b = Tensor.of(np.array([-2**31]), "int32", 0)
    spec = LINEAR.run([x, w, b], [TensorSpec.of("int32", 0)], {}, "venus")[0].data.item()
    thinker = LINEAR.run([x, w, b], [TensorSpec.of("int32", 0)], {}, "venus", "thinker-3.0.4")[0].data.item()
    assert spec == 3 * 32767 * 32767 - 2**31 and thinker == -1


# --- model.bin ---------------------------------------------------------------------------------

def _graph(op, x: Tensor, consts: list[Tensor], out: TensorSpec, attrs, platform):
    names = ["x"] + [f"c{k}" for k in range(len(consts))]
    node = Node("op", op, tuple(names), ("y",), attrs, (out,))
    specs = {"x": x.spec, "y": out, **{n: c.spec for n, c in zip(names[1:], consts)}}
    return Graph((ValueInfo("x", x.dtype, x.exponent, x.shape),), (ValueInfo("y", out.dtype, out.exponent),),
                 dict(zip(names[1:], consts)), (node,), platform, None, specs)


@pytest.mark.parametrize("platform,depthwise", [("venusA", False), ("venusA", True), ("arcs", False), ("arcs", True)])
def test_resource_conv_int4(platform, depthwise):
    rng = np.random.default_rng(3)
    c = 5
    x = Tensor.of(rng.integers(-128, 128, (1, c, 4, 5)), "int8", 4)
    w = Tensor.of(rng.integers(-8, 8, (c if depthwise else 3, 1 if depthwise else c, 3, 2)), "int4", 3)
    b = Tensor.of(rng.integers(-500, 500, (w.shape[0],)), "int32", 7)
    attrs = {"kernel_shape": (3, 2), "strides": (1, 1), "pads": (1, 0, 1, 1), "dilations": (1, 1),
             "group": c if depthwise else 1, "act": "none"}
    out = TensorSpec.of("int8", 5)
    blob = pack(_graph("Conv2dInt", x, [w, b], out, attrs, platform))
    res = read(blob.data)
    rec = next(r for r in res.tensors if r.name == "c0")
    assert rec.dtype_code == 0x6900
    packed = (weights.pack_depthwise(w.data, _prof(platform)) if depthwise else weights.pack_conv(w.data, _prof(platform)))
    assert tuple(rec.shape) == packed.shape
    data = bytes(res.data[res.parameters[0].data_offset + rec.offset:][:weights.int4_nbytes(packed.shape)])
    assert data == b"".join(numerics.pack_int4(r).tobytes() for r in packed.reshape(-1, packed.shape[-1]))
    (got,) = run_resource(blob.data, [x.data])
    assert got.tolist() == CONV.run([x, w, b], [out], attrs, platform)[0].data.tolist()


def _prof(name):
    from lunaref.platforms import profile
    return profile(name)


@pytest.mark.parametrize("platform", ["venus", "venusA", "arcs"])
@pytest.mark.parametrize("k", [1, 4, 5])
def test_resource_linear_int4(platform, k):
    rng = np.random.default_rng(k)
    x = Tensor.of(rng.integers(-128, 128, (1, k)), "int8", 4)
    w = Tensor.of(rng.integers(-8, 8, (3, k)), "int4", 3)
    out = TensorSpec.of("int8", 5)
    blob = pack(_graph("LinearInt", x, [w], out, {}, platform))
    rec = next(r for r in read(blob.data).tensors if r.name == "c0")
    assert rec.dtype_code == (0x6900 if platform != "venus" else 0x6901)   # venus keeps int4 one per byte
    (got,) = run_resource(blob.data, [x.data])
    assert got.tolist() == LINEAR.run([x, w], [out], {}, platform)[0].data.tolist()


@pytest.mark.parametrize("op", ["Conv2dInt", "LinearInt"])
def test_resource_int16_venus(op):
    rng = np.random.default_rng(5)
    if op == "Conv2dInt":
        x = Tensor.of(rng.integers(-32768, 32768, (1, 3, 4, 4)), "int16", 9)
        w = Tensor.of(rng.integers(-32768, 32768, (2, 3, 3, 3)), "int16", 12)
        attrs = {"kernel_shape": (3, 3), "strides": (1, 1), "pads": (1, 1, 1, 1), "dilations": (1, 1), "group": 1,
                 "act": "relu"}
    else:
        x = Tensor.of(rng.integers(-32768, 32768, (2, 6)), "int16", 9)
        w = Tensor.of(rng.integers(-32768, 32768, (3, 6)), "int16", 12)
        attrs = {}
    b = Tensor.of(rng.integers(-2**20, 2**20, (w.shape[0],)), "int32", 21)
    out = TensorSpec.of("int8", 2)
    blob = pack(_graph(op, x, [w, b], out, attrs, "venus"))
    rec = next(r for r in read(blob.data).tensors if r.name == "c0")
    assert rec.dtype_code == 0x6902
    if op == "Conv2dInt":
        assert tuple(rec.shape) == (3, 3, 3, 2)   # [IC][KH][KW][OC]
    (got,) = run_resource(blob.data, [x.data])
    assert got.tolist() == REGISTRY.get(op).run([x, w, b], [out], attrs, "venus")[0].data.tolist()


# --- ONNX import -------------------------------------------------------------------------------

def _linear_onnx(x_bits: int, w_bits: int, w: np.ndarray, platform="venus", dialect="linger3") -> onnx.ModelProto:
    domain = "linger" if dialect == "linger3" else "thinker"
    xb, wb = ("x_bits", "w_bits") if dialect == "linger3" else ("data_bits", "parameter_bits")
    tag = {"platform": platform} if dialect == "linger3" else {"platform_quant": "luna_quant"}
    nodes = [
        helper.make_node("Quant", ["input"], ["q"], domain=domain, data_bits=x_bits, scale_x=16.0, **tag),
        helper.make_node("QLinear" if dialect == "linger3" else "LinearInt", ["q", "fc.weight"], ["l"], domain=domain,
                         scale_x=16.0, scale_w=8.0, scale_o=4.0, o_bits=8, **{xb: x_bits, wb: w_bits}, **tag),
        helper.make_node("Dequant", ["l"], ["output"], domain=domain, scale_o=4.0),
    ]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, w.shape[1]])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, w.shape[0]])],
                              [numpy_helper.from_array(w, "fc.weight")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12), helper.make_opsetid(domain, 1)])


@pytest.mark.parametrize("dialect", ["linger3", "linger1"])
def test_onnx_int4_weights(dialect):
    w = np.array([[-8, 7, 1], [3, -2, 0]], dtype=np.int8)
    m = _linear_onnx(8, 4, w, "arcs", dialect)
    g = load_onnx(m)
    assert g.constants["fc.weight"].dtype.name == "int4"
    x = np.float32([[0.5, -0.25, 1.0]])
    (y,) = run_onnx(m, [x], "arcs")
    q = [8, -4, 16]
    assert (y * 4).astype(int).tolist() == linear_model([q], w.tolist(), None, 5, 8)
    bad = _linear_onnx(8, 4, np.array([[9, 0, 0]], dtype=np.int8), "arcs", dialect)
    with pytest.raises(errors.MalformedOnnx):
        load_onnx(bad)


def test_onnx_int16_activations():
    w = np.array([[300, -20000, 7]], dtype=np.int16)
    m = _linear_onnx(16, 16, w, "venus")
    g = load_onnx(m)
    assert g.constants["fc.weight"].dtype.name == "int16"
    x = np.float32([[100.5, -3.25, 1.0]])
    (y,) = run_onnx(m, [x], "venus")
    q = [1608, -52, 16]
    assert (y * 4).astype(int).tolist() == [linear_model([q], w.tolist(), None, 5, 8)[0]]
    m = _linear_onnx(8, 8, np.zeros((1, 3), np.int8), "venus")
    for a in m.graph.node[1].attribute:
        if a.name == "x_bits":
            a.i = 16                             # x_bits 16 on an int8 activation
    with pytest.raises(errors.MalformedOnnx):
        load_onnx(m)
