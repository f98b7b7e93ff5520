"""ONNX import of both linger dialects: the graph it builds, and one named error per malformed input."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

import lunaref
from lunaref import errors
from lunaref.onnx_import import load_onnx

from onnx_models import conv_model, reference_output

X = np.random.default_rng(3).standard_normal((1, 2, 4, 4)).astype(np.float32)


@pytest.mark.parametrize("dialect", ["linger1", "linger3"])
@pytest.mark.parametrize("platform", ["venus", "venusA", "arcs"])
def test_both_dialects_compute_the_same_network(dialect, platform):
    model = conv_model(dialect, platform if dialect == "linger3" else None)
    (out,) = lunaref.run_onnx(model, [X], platform)
    assert out.dtype == np.float32 and out.shape == (1, 3)
    assert np.array_equal(out, reference_output(X, model))


def test_graph_records_ops_exponents_and_platform():
    g = load_onnx(conv_model("linger3", "arcs").SerializeToString())
    assert g.dialect == "linger3" and g.platform == "arcs"
    assert [n.op for n in g.nodes] == ["Quant", "Conv2dInt", "Relu", "MaxPool", "Flatten", "LinearInt", "Dequant"]
    assert g.specs["q"].exponent == 4 and g.specs["c"].exponent == 3 and g.specs["l"].exponent == 2
    assert g.constants["conv.weight"].exponent == 6 and g.constants["conv.bias"].exponent == 10
    assert g.constants["fc.bias"].exponent == 3 + 7
    assert g.nodes[1].attrs["pads"] == (1, 1, 1, 1)


def test_intermediates_carry_exponents():
    outs, tensors = lunaref.run_onnx(conv_model(), {"input": X}, intermediates=True)
    assert list(tensors)[:3] == ["input", "q", "c"]
    assert tensors["c"].exponent == 3 and tensors["c"].dtype.name == "int8"
    assert tensors["m"].exponent == 3 and np.array_equal(outs[0], tensors["output"].data)


def test_platform_rules():
    with pytest.raises(errors.PlatformConflict):
        lunaref.run_onnx(conv_model("linger3", "venusA"), [X], "arcs")
    with pytest.raises(errors.PlatformMissing):
        lunaref.run_onnx(conv_model("linger1"), [X])
    with pytest.raises(errors.UnknownPlatform):
        lunaref.run_onnx(conv_model("linger3", "mars"), [X])
    m = conv_model("linger3", "venusA")
    next(a for a in m.graph.node[5].attribute if a.name == "platform").s = b"arcs"  # the linear's
    with pytest.raises(errors.PlatformConflict):
        load_onnx(m)


@pytest.mark.parametrize("mutate,error", [
    (lambda m: m.graph.node[1].attribute.append(helper.make_attribute("bogus", 1)), errors.UnsupportedAttribute),
    (lambda m: m.graph.node.insert(3, helper.make_node("Sigmoid", ["r"], ["s"], name="Sigmoid_x")),
     errors.UnsupportedOp),
    (lambda m: setattr(m.graph.node[1], "op_type", "QConv3d"), errors.UnsupportedOp),
    (lambda m: setattr(m.graph.node[1], "domain", "other"), errors.UnsupportedOp),
    (lambda m: m.graph.node[2].input.__setitem__(0, "nowhere"), errors.MalformedOnnx),
    (lambda m: m.graph.node.append(helper.make_node("Relu", ["c"], ["r"], name="Relu_again")), errors.MalformedOnnx),
])
def test_malformed_or_unsupported_models(mutate, error):
    m = conv_model()
    mutate(m)
    with pytest.raises(error) as info:
        load_onnx(m)
    assert "node" in str(info.value) or "domain" in str(info.value)


def test_attribute_errors_name_node_and_attribute():
    with pytest.raises(errors.UnsupportedAttribute, match=r"Conv_1.*\['bogus'\]"):
        load_onnx(conv_model(extra_attr={"bogus": 3}))
    with pytest.raises(errors.InvalidScale, match="scale_w"):
        load_onnx(conv_model(weight_scale=100.0))
    with pytest.raises(errors.MalformedOnnx, match="scale_x says exponent 5"):
        load_onnx(conv_model(scale_x_conv=32.0))
    with pytest.raises(errors.UnsupportedAttribute, match="w_bits = 2"):
        load_onnx(conv_model(extra_attr={"w_bits": 2}))
    with pytest.raises(errors.MalformedOnnx, match="4-bit weight"):   # values beyond [-8, 7]
        load_onnx(conv_model(extra_attr={"w_bits": 4}))


def test_not_onnx_at_all(tmp_path):
    with pytest.raises(errors.MalformedOnnx):
        load_onnx(b"\x00\x01garbage")
    with pytest.raises(errors.InputNotFound):
        load_onnx(tmp_path / "missing.onnx")
    plain = helper.make_model(helper.make_graph(
        [helper.make_node("Relu", ["a"], ["b"])], "g",
        [helper.make_tensor_value_info("a", TensorProto.INT8, [2])],
        [helper.make_tensor_value_info("b", TensorProto.INT8, [2])]))
    with pytest.raises(errors.MalformedOnnx, match="exactly one custom domain"):
        load_onnx(plain)


def test_inputs_are_checked():
    m = conv_model()
    with pytest.raises(errors.InputDTypeMismatch):
        lunaref.run_onnx(m, [X.astype(np.float64)])
    with pytest.raises(errors.InputSizeMismatch):
        lunaref.run_onnx(m, [X[:, :1]])
    with pytest.raises(errors.BadArgument):
        lunaref.run_onnx(m, [X, X])
    with pytest.raises(errors.BadArgument):
        lunaref.run_onnx(m, {"x": X})


def test_errors_while_running_name_the_node():
    m = conv_model()
    next(a for a in m.graph.node[3].attribute if a.name == "kernel_shape").ints[:] = [5, 5]  # > input
    with pytest.raises(errors.ShapeMismatch, match="MaxPool_3"):
        lunaref.run_onnx(m, [X])
