"""BatchNorm1dInt (spec/ops/batchnorm1dint.md) from ONNX in both dialects, and the refusal to pack it."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import lunaref
from lunaref import errors
from lunaref.resource.packer import pack

from models import rshift, sat


def _bn_model(op_type: str, domain: str, shape, alpha, beta, stats: bool, **bits):
    """Quant → batch norm (x at e 4, α at e 5, β at e 9, y at e 3) → Dequant."""
    inits = [numpy_helper.from_array(np.asarray(alpha, np.int8), "alpha"),
             numpy_helper.from_array(np.asarray(beta, np.int32), "beta")]
    ins = ["qx", "alpha", "beta"]
    if stats:   # linger 1.x appends running_mean and running_var (unused)
        inits += [numpy_helper.from_array(np.zeros(len(alpha), np.float32), n) for n in ("mean", "var")]
        ins += ["mean", "var"]
    nodes = [helper.make_node("Quant", ["x"], ["qx"], domain=domain, data_bits=8, scale_x=16.0, platform="venus"),
             helper.make_node(op_type, ins, ["y"], domain=domain, scale_x=16.0, scale_w=32.0, scale_o=8.0,
                              platform="venus", **bits),
             helper.make_node("Dequant", ["y"], ["out"], domain=domain, scale_o=8.0)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 12), helper.make_opsetid(domain, 1)])


DIALECTS = [("QBatchNorm1d", "linger", False, {"x_bits": 8, "w_bits": 8, "o_bits": 8}),
            ("BatchNorm1dInt", "thinker", True, {"data_bits": 8, "parameter_bits": 8, "o_bits": 8})]


@pytest.mark.parametrize("op_type, domain, stats, bits", DIALECTS, ids=[d[0] for d in DIALECTS])
@pytest.mark.parametrize("shape", [(3, 4), (2, 4, 5)])
def test_onnx_both_dialects(op_type, domain, stats, bits, shape):
    rng = np.random.default_rng(len(shape))
    alpha, beta = [3, -7, 100, -128], [5, -300, 70000, -9]
    x = rng.uniform(-8, 8, size=shape).astype(np.float32)
    model = _bn_model(op_type, domain, shape, alpha, beta, stats, **bits)
    graph = lunaref.load_onnx(model)
    assert [n.op for n in graph.nodes if n.op not in ("Quant", "Dequant")] == ["BatchNorm1dInt"]
    (out,) = lunaref.run_onnx(model, [x], "venus")
    qx = np.clip(np.floor(x * 16 + 0.5), -128, 127).astype(np.int64)
    flat = qx.reshape(shape[0], 4, -1)
    want = [[[sat(rshift(int(v) * alpha[c] + beta[c], 4 + 5 - 3), 8) for v in flat[n, c]] for c in range(4)]
            for n in range(shape[0])]
    assert (out * 8).astype(np.int64).reshape(shape[0], 4, -1).tolist() == want


def test_a_resource_cannot_hold_it():
    model = _bn_model("QBatchNorm1d", "linger", (1, 4, 3), [1, 2, 3, 4], [0, 0, 0, 0], False,
                      x_bits=8, w_bits=8, o_bits=8)
    with pytest.raises(errors.UnsupportedOp, match="BatchNorm1dInt cannot be packed"):
        pack(lunaref.load_onnx(model), "venus")


def test_rank_4_is_refused():
    model = _bn_model("QBatchNorm1d", "linger", (1, 4, 3, 2), [1, 2, 3, 4], [0, 0, 0, 0], False,
                      x_bits=8, w_bits=8, o_bits=8)
    with pytest.raises(errors.ShapeMismatch, match="rank 2 or 3"):
        lunaref.run_onnx(model, [np.zeros((1, 4, 3, 2), np.float32)], "venus")
