"""Small linger-style ONNX models built with onnx.helper, in both dialects, for import tests."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv_model(dialect: str = "linger3", platform: str | None = "venusA", *, extra_attr: dict | None = None,
               scale_x_conv: float = 16.0, op_type: str | None = None, weight_scale: float = 64.0,
               symbolic_output: bool = True) -> onnx.ModelProto:
    """input float [1,2,4,4] -> Quant(2^4) -> conv 3x3 pad 1 (+bias) -> Relu -> MaxPool 2x2 -> Flatten
    -> Linear(8 -> 3) -> Dequant."""
    rng = np.random.default_rng(7)
    domain = "linger" if dialect == "linger3" else "thinker"
    tag = {"platform": platform} if (dialect == "linger3" and platform) else {}
    if dialect == "linger1":
        tag = {"platform_quant": "luna_quant"}
    w = rng.integers(-20, 20, size=(2, 2, 3, 3), dtype=np.int8)
    b = rng.integers(-300, 300, size=(2,), dtype=np.int32)
    fw = rng.integers(-30, 30, size=(3, 8), dtype=np.int8)
    fb = rng.integers(-100, 100, size=(3,), dtype=np.int32)
    inits = [numpy_helper.from_array(w, "conv.weight"), numpy_helper.from_array(b, "conv.bias"),
             numpy_helper.from_array(fw, "fc.weight"), numpy_helper.from_array(fb, "fc.bias")]
    xb, wb = ("x_bits", "w_bits") if dialect == "linger3" else ("data_bits", "parameter_bits")
    conv_attrs = dict(scale_x=scale_x_conv, scale_w=weight_scale, scale_o=8.0, o_bits=8, **{xb: 8, wb: 8},
                      kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1], group=1, **tag)
    conv_attrs.update(extra_attr or {})
    conv_op = op_type or ("QConv2d" if dialect == "linger3" else "Conv2dInt")
    lin_op = "QLinear" if dialect == "linger3" else "LinearInt"
    nodes = [
        helper.make_node("Quant", ["input"], ["q"], domain=domain, name="Quant_0", data_bits=8, scale_x=16.0, **tag),
        helper.make_node(conv_op, ["q", "conv.weight", "conv.bias"], ["c"], domain=domain, name="Conv_1", **conv_attrs),
        helper.make_node("Relu", ["c"], ["r"], name="Relu_2"),
        helper.make_node("MaxPool", ["r"], ["m"], name="MaxPool_3", kernel_shape=[2, 2], strides=[2, 2],
                         pads=[0, 0, 0, 0], ceil_mode=0),
        helper.make_node("Flatten", ["m"], ["f"], name="Flatten_4", axis=1),
        helper.make_node(lin_op, ["f", "fc.weight", "fc.bias"], ["l"], domain=domain, name="Linear_5",
                         scale_x=8.0, scale_w=128.0, scale_o=4.0, o_bits=8, **{xb: 8, wb: 8}, **tag),
        helper.make_node("Dequant", ["l"], ["output"], domain=domain, name="Dequant_6", scale_o=4.0),
    ]
    out_shape = ["d0", "d1"] if symbolic_output else [1, 3]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 4, 4])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, out_shape)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12), helper.make_opsetid(domain, 1)])


def reference_output(x: np.ndarray, model: onnx.ModelProto) -> np.ndarray:
    """The same network computed directly with numpy integer code written from the spec formulas
    (independent of lunaref's graph machinery), for conv_model's defaults."""
    from onnx import numpy_helper as nh
    inits = {t.name: nh.to_array(t).astype(np.int64) for t in model.graph.initializer}

    def rshift(v, s):
        return np.floor_divide(v + (1 << (s - 1)), 1 << s) if s > 0 else v

    p = (x.astype(np.float32) * np.float32(16)).astype(np.float64) + 0.5
    q = np.clip(np.floor(p.astype(np.float32)), -128, 127).astype(np.int64)
    w, b = inits["conv.weight"], inits["conv.bias"]
    qp = np.pad(q, ((0, 0), (0, 0), (1, 1), (1, 1)))
    acc = np.zeros((1, 2, 4, 4), np.int64)
    for o in range(2):
        for i in range(4):
            for j in range(4):
                acc[0, o, i, j] = (qp[0, :, i:i + 3, j:j + 3] * w[o]).sum() + b[o]
    c = np.clip(rshift(acc, 4 + 6 - 3), -128, 127)
    r = np.maximum(c, 0)
    m = r.reshape(1, 2, 2, 2, 2, 2).max(axis=(3, 5))
    f = m.reshape(1, 8)
    lacc = f @ inits["fc.weight"].T + inits["fc.bias"]
    lq = np.clip(rshift(lacc, 3 + 7 - 2), -128, 127)
    return (lq.astype(np.float32) * np.float32(0.25)).astype(np.float32)
