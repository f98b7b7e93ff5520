"""Small linger-style models for model-level vectors (and the tests), built with onnx.helper.

``conv_model``: float input ``[1, 2, 4, 4]`` → Quant (2^4) → Conv2dInt 3×3 pad 1 with bias (2 → C
channels, C = 2 unless asked) → Relu → MaxPool 2×2 → Flatten → LinearInt (4·C → 3) → Dequant, in either
linger dialect.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

__all__ = ["conv_model"]


def conv_model(dialect: str = "linger3", platform: str | None = "venusA", *, extra_attr: dict | None = None,
               scale_x_conv: float = 16.0, op_type: str | None = None, weight_scale: float = 64.0,
               symbolic_output: bool = True, channels: int = 2) -> onnx.ModelProto:
    """input float [1,2,4,4] -> Quant(2^4) -> conv 3x3 pad 1 (+bias, 2 -> channels) -> Relu -> MaxPool 2x2
    -> Flatten -> Linear(4 * channels -> 3) -> Dequant."""
    rng = np.random.default_rng(7)
    domain = "linger" if dialect == "linger3" else "thinker"
    tag = {"platform": platform} if (dialect == "linger3" and platform) else {}
    if dialect == "linger1":
        tag = {"platform_quant": "luna_quant"}
    w = rng.integers(-20, 20, size=(channels, 2, 3, 3), dtype=np.int8)
    b = rng.integers(-300, 300, size=(channels,), dtype=np.int32)
    fw = rng.integers(-30, 30, size=(3, 4 * channels), dtype=np.int8)
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
