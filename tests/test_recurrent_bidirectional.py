"""Bidirectional LSTM / GRU as linger 3.x exports them (spec/ops/lstmint.md, gruint.md): two single-direction
nodes — ``go_forward`` = 1 and 0, each with its own weights and scales — whose output sequences a ``linger::QCat``
joins on the feature axis (at the smaller output scale) and whose final states a standard ``Concat`` joins on
the direction axis (linger 3.0.9 ``qmodule/qlstm.py`` / ``qgru.py`` ``symbolic``).  No evidence export is
bidirectional, so the graph is built here the way those ``symbolic`` functions build it.  The state Concat has no
scales: it is defined only when both directions' ``scale_h`` agree (the exporter drops it when the final states
are unused, the usual case)."""

from __future__ import annotations

import lunaref
import numpy as np
import pytest
from lunaref import Tensor, TensorSpec
from lunaref.numerics import quantize
from lunaref.ops import REGISTRY
from onnx import TensorProto, helper, numpy_helper

PLATFORMS = ["venus", "venusA", "arcs"]
T, I, H = 4, 3, 2
#: per direction: (e(W_ih), e(W_hh), e_h, e(Y)) — the two directions at different output exponents
EXPONENTS = {"f": (7, 7, 4, 6), "r": (7, 6, 5, 5)}


def _weights(gates: int, seed: int):
    rng = np.random.default_rng(seed)
    return (rng.integers(-128, 128, (gates * H, I)).astype(np.int8), rng.integers(-128, 128, (gates * H, H)).astype(np.int8),
            rng.integers(-3000, 3000, gates * H).astype(np.int32), rng.integers(-3000, 3000, gates * H).astype(np.int32))


def _export(op_type: str, platform: str, states: bool = False, exponents=EXPONENTS):
    """Quant → two op_type nodes (forward, reverse) → QCat(axis 2) → Dequant; with ``states`` also the final
    hidden states Concat'ed on axis 0 as a second graph output."""
    gates, outs = (4, ["y", "hn", "cn"]) if op_type == "QLSTM" else (3, ["y", "hn"])
    weights = {d: _weights(gates, seed) for d, seed in (("f", 1), ("r", 2))}
    inits, nodes = [], [helper.make_node("Quant", ["input"], ["xq"], domain="linger", data_bits=8, scale_x=32.0,
                                         platform=platform)]
    for d, go_forward in (("f", 1), ("r", 0)):
        e_iw, e_hw, e_h, e_y = exponents[d]
        names = [f"{n}_{d}" for n in ("w_ih", "w_hh", "b_ih", "b_hh")]
        inits += [numpy_helper.from_array(a, n) for a, n in zip(weights[d], names)]
        attrs = {"batch_first": 1, "go_forward": go_forward, "hidden_size": H, "input_size": I, "num_layers": 1,
                 "o_bits": 8, "scale_x": 32.0, "scale_h": 2.0 ** e_h, "scale_iw": 2.0 ** e_iw, "scale_hw": 2.0 ** e_hw,
                 "scale_o": 2.0 ** e_y, "x_bits": 8, "w_bits": 8, "platform": platform, "quant_mode": "floor_add"}
        if op_type == "QLSTM":
            attrs.update(scale_c=32768.0, has_hidden=0, has_cell=0)
        nodes.append(helper.make_node(op_type, ["xq", *names], [f"{o}_{d}" for o in outs], domain="linger", **attrs))
    e_out = min(exponents["f"][3], exponents["r"][3])
    nodes += [helper.make_node("QCat", ["y_f", "y_r"], ["y"], domain="linger", axis=2, x_0_bits=8, x_1_bits=8, o_bits=8,
                               scale_x_0=2.0 ** exponents["f"][3], scale_x_1=2.0 ** exponents["r"][3],
                               scale_o=2.0 ** e_out, platform=platform, quant_mode="floor_add"),
              helper.make_node("Dequant", ["y"], ["output"], domain="linger", scale_o=2.0 ** e_out)]
    outputs = [helper.make_tensor_value_info("output", TensorProto.FLOAT, None)]
    if states:
        nodes.append(helper.make_node("Concat", ["hn_f", "hn_r"], ["hn"], axis=0))
        outputs.append(helper.make_tensor_value_info("hn", TensorProto.INT8, None))
    g = helper.make_graph(nodes, "birnn", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, T, I])],
                          outputs, inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 12), helper.make_opsetid("linger", 1)])
    return model.SerializeToString(), weights, e_out


def _direction(op: str, xq: np.ndarray, weights, d: str, reverse: bool, platform: str, exponents=EXPONENTS):
    """One direction straight through the op: (Y, H_n) as int arrays."""
    e_iw, e_hw, e_h, e_y = exponents[d]
    w_ih, w_hh, b_ih, b_hh = weights
    inputs = [Tensor.of(xq, "int8", 5), Tensor.of(w_ih, "int8", e_iw), Tensor.of(w_hh, "int8", e_hw),
              Tensor.of(b_ih, "int32", 5 + e_iw), Tensor.of(b_hh, "int32", e_h + e_hw)]
    specs = [TensorSpec.of("int8", e_y), TensorSpec.of("int8", e_h)]
    if op == "LSTMInt":
        specs.append(TensorSpec.of("int32", 15))
    out = REGISTRY.get(op).run(inputs, specs, {"layout": 1, "direction": int(reverse)}, platform)
    return out[0].data, out[1].data


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("op_type,op", [("QLSTM", "LSTMInt"), ("QGRU", "GRUInt")])
def test_bidirectional_export_runs_as_two_directions_and_a_cat(platform, op_type, op):
    model, weights, e_out = _export(op_type, platform)
    graph = lunaref.load_onnx(model)
    assert sorted(n.op for n in graph.nodes) == sorted(["Quant", op, op, "iqCat", "Dequant"])
    x = np.random.default_rng(3).normal(0, 1.5, (1, T, I)).astype(np.float32)
    (out,) = lunaref.run_onnx(model, [x], platform)

    xq = quantize(x, 5)
    y_f, h_f = _direction(op, xq, weights["f"], "f", False, platform)
    y_r, h_r = _direction(op, xq, weights["r"], "r", True, platform)
    # the reverse direction is the forward cell run on the time-reversed sequence, each output at its own step
    y_flip, h_flip = _direction(op, xq[:, ::-1], weights["r"], "r", False, platform)
    assert np.array_equal(y_r, y_flip[:, ::-1]) and np.array_equal(h_r, h_flip)

    cat = REGISTRY.get("iqCat").run([Tensor.of(y_f, "int8", EXPONENTS["f"][3]), Tensor.of(y_r, "int8", EXPONENTS["r"][3])],
                                    [TensorSpec.of("int8", e_out)], {"axis": 2}, platform)[0].data
    assert out.shape == (1, T, 2 * H) and np.array_equal(out, cat.astype(np.float32) / 2.0 ** e_out)


@pytest.mark.parametrize("op_type,op", [("QLSTM", "LSTMInt"), ("QGRU", "GRUInt")])
def test_bidirectional_final_states(op_type, op):
    """With a shared scale_h the final states stack on the direction axis; with two scale_h the unscaled Concat is
    refused with a one-line error naming the exponents."""
    same = {"f": EXPONENTS["f"], "r": EXPONENTS["r"][:2] + (EXPONENTS["f"][2], EXPONENTS["r"][3])}
    model, weights, _ = _export(op_type, "venusA", states=True, exponents=same)
    x = np.random.default_rng(4).normal(0, 1.5, (1, T, I)).astype(np.float32)
    _, hn = lunaref.run_onnx(model, [x], "venusA")
    xq = quantize(x, 5)
    h_f = _direction(op, xq, weights["f"], "f", False, "venusA", same)[1]
    h_r = _direction(op, xq, weights["r"], "r", True, "venusA", same)[1]
    assert np.array_equal(hn, np.concatenate([h_f, h_r], axis=0))
    with pytest.raises(lunaref.errors.UnsupportedAttribute, match="different dtypes or exponents"):
        lunaref.load_onnx(_export(op_type, "venusA", states=True)[0])
