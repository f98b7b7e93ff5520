"""Conv1dInt and ConvTranspose2dInt (spec/ops/conv1dint.md, convtranspose2dint.md) against plain Python-int
models, their REQUIREs and examples, the thinker 3.0.4 compatibility model (errata E-CONV1D-1, E-CONV1D-2),
int4 weights (the int8 arithmetic on the same values; packed two per byte), and packing: the two ops and
grouped convolutions (divided as tpacker's op_divide does) through model.bin."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lunaref import Tensor, TensorSpec, errors
from lunaref.graph import Graph, Node, ValueInfo
from lunaref.luna.registry import run_primitive
from lunaref.ops import REGISTRY, Case
from lunaref.resource.executor import run_resource
from lunaref.resource.packer import pack
from lunaref.resource.reader import read
from lunaref.vectors.strategies import conv1d_primitive_case, deconv_primitive_case

from models import conv2d_model, rshift, sat
from strategies import conv1d_case, conv_case, convtranspose_case

PLATFORMS = ["venus", "venusA", "arcs"]
platforms = st.sampled_from(PLATFORMS)
COMPAT = "thinker-3.0.4"


def t(values, dtype, exponent=0):
    return Tensor.of(np.array(values), dtype, exponent)


def run(name, inputs, outputs, attrs, platform, compat=None):
    return REGISTRY.get(name).run(inputs, outputs, attrs, platform, compat)


# ---------------------------------------------------------------------------------------------
# plain models

def conv1d_model(x, w, b, stride, pads, group, shift, bits, relu):
    """spec/ops/conv1dint.md, element by element: Conv2dInt's model with height 1."""
    y = conv2d_model([[[row] for row in plane] for plane in x], [[[k] for k in oc] for oc in w], b,
                     (1, stride), (0, pads[0], 0, pads[1]), (1, 1), group, shift, bits, relu)
    return [[plane[0] for plane in n] for n in y]


def convtranspose_model(x, w, b, strides, pads, out_pad, shift, bits, relu):
    """spec/ops/convtranspose2dint.md (group 1, dilation 1), by scattering into the full result."""
    n_, c_, h_, w_ = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    oc_, kh_, kw_ = len(w[0]), len(w[0][0]), len(w[0][0][0])
    (sh, sw), (pt, pl, pb, pr), (oph, opw) = strides, pads, out_pad
    fh, fw = (h_ - 1) * sh + kh_ + oph, (w_ - 1) * sw + kw_ + opw
    out = []
    for n in range(n_):
        planes = []
        for o in range(oc_):
            full = [[0] * fw for _ in range(fh)]
            for c in range(c_):
                for i in range(h_):
                    for j in range(w_):
                        for a in range(kh_):
                            for e in range(kw_):
                                full[i * sh + a][j * sw + e] += x[n][c][i][j] * w[c][o][a][e]
            rows = []
            for i in range(pt, fh - pb):
                row = []
                for j in range(pl, fw - pr):
                    v = sat(rshift(full[i][j] + (b[o] if b is not None else 0), shift), bits)
                    row.append(max(v, 0) if relu else v)
                rows.append(row)
            planes.append(rows)
        out.append(planes)
    return out


@given(conv1d_case(), platforms)
def test_conv1dint_matches_model(case, platform):
    (x, w, *b), (y,), attrs = case
    try:
        (got,) = run("Conv1dInt", *case, platform)
    except errors.UnsupportedOnPlatform:
        assert y.dtype.name not in REGISTRY.get("Conv1dInt").platforms or platform != "venus"
        (got,) = run("Conv1dInt", *case, "venus")
    want = conv1d_model(x.data.tolist(), w.data.tolist(), b[0].data.tolist() if b else None,
                        attrs["strides"][0], attrs["pads"], attrs["group"], x.exponent + w.exponent - y.exponent,
                        y.dtype.bits, attrs["act"] == "relu")
    assert got.data.tolist() == want and got.exponent == y.exponent and got.dtype == y.dtype


@given(convtranspose_case(), platforms)
def test_convtranspose2dint_matches_model(case, platform):
    (x, w, *b), (y,), attrs = case
    (got,) = run("ConvTranspose2dInt", *case, platform)
    want = convtranspose_model(x.data.tolist(), w.data.tolist(), b[0].data.tolist() if b else None,
                               attrs["strides"], attrs["pads"], attrs["output_padding"],
                               x.exponent + w.exponent - y.exponent, y.dtype.bits, attrs["act"] == "relu")
    assert got.data.tolist() == want and got.dtype == y.dtype


def test_convtranspose_as_a_convolution_of_the_zero_stuffed_input():
    """The equivalent convolution the executor runs on arcs/venusA: zero-stuffed X, flipped transposed W,
    pads K − 1 − p at the start."""
    rng = np.random.default_rng(3)
    x, w = rng.integers(-128, 128, (1, 3, 3, 4)), rng.integers(-128, 128, (3, 2, 3, 2))
    s, pads, op = (2, 2), (1, 0, 2, 1), (1, 1)
    (got,) = run("ConvTranspose2dInt", [t(x, "int8"), t(w, "int8")], [TensorSpec.of("int8", 14)],
                 {"strides": s, "pads": pads, "output_padding": op}, "arcs")
    z = np.zeros((1, 3, 5, 7), np.int64)
    z[:, :, ::2, ::2] = x
    wc = np.flip(w.transpose(1, 0, 2, 3), (2, 3)).copy()
    conv_pads = (3 - 1 - pads[0], 2 - 1 - pads[1], 3 - 1 - pads[2] + op[0], 2 - 1 - pads[3] + op[1])
    (want,) = run("Conv2dInt", [t(z, "int8"), t(wc, "int8")], [TensorSpec.of("int8", 14)], {"pads": conv_pads},
                  "venusA")
    assert np.array_equal(got.data, want.data)


# ---------------------------------------------------------------------------------------------
# examples, REQUIREs, capabilities

def test_conv1d_spec_example():
    x, w = t([[[1, 2, 3]]], "int8"), t([[[1, 1]]], "int8")
    a = {"pads": (1, 0)}
    assert run("Conv1dInt", [x, w], [TensorSpec.of("int8", 1)], a, "arcs")[0].data.tolist() == [[[2, 6, 10]]]
    assert run("Conv1dInt", [x, w], [TensorSpec.of("int8", -1)], a, "venus")[0].data.tolist() == [[[1, 2, 3]]]


def test_convtranspose_spec_example():
    x, w = t([[[[1, 2]]]], "int8"), t([[[[1, 1]]]], "int8")
    y = [TensorSpec.of("int8", 0)]
    assert run("ConvTranspose2dInt", [x, w], y, {"strides": (1, 2)}, "venus")[0].data.tolist() == [[[[1, 1, 2, 2]]]]
    assert run("ConvTranspose2dInt", [x, w], y, {}, "venusA")[0].data.tolist() == [[[[1, 3, 2]]]]
    assert run("ConvTranspose2dInt", [x, w], y, {"pads": (0, 1, 0, 0)}, "arcs")[0].data.tolist() == [[[[3, 2]]]]


@pytest.mark.parametrize("inputs, out, attrs, platform, error", [
    ([t(np.zeros((1, 2, 4, 4), int), "int8"), t(np.zeros((1, 2, 3), int), "int8")], "int8", {}, "arcs", errors.ShapeMismatch),
    ([t(np.zeros((1, 1, 8), int), "int8"), t(np.zeros((1, 1, 6), int), "int8")], "int8", {}, "venus",
     errors.UnsupportedOnPlatform),
    ([t(np.zeros((1, 1, 8), int), "int8"), t(np.zeros((1, 1, 1), int), "int8")], "int8", {"strides": (2,)}, "arcs",
     errors.UnsupportedOnPlatform),
    ([t(np.zeros((1, 1, 8), int), "int8"), t(np.zeros((1, 1, 2), int), "int8")], "int8", {"dilations": (2,)}, "venusA",
     errors.UnsupportedOnPlatform),
    ([t(np.zeros((1, 1, 4), int), "int8"), t(np.zeros((1, 1, 1), int), "int8")], "int16", {}, "venusA",
     errors.UnsupportedOnPlatform),
    ([t(np.zeros((1, 1, 4), int), "int8"), t(np.zeros((1, 1, 1), int), "int8")], "int8", {"act": "tanh"}, "venus",
     errors.UnsupportedAttribute),
])
def test_conv1d_requires(inputs, out, attrs, platform, error):
    with pytest.raises(error):
        run("Conv1dInt", inputs, [TensorSpec.of(out, 0)], attrs, platform)


@pytest.mark.parametrize("attrs, error", [
    ({"strides": (2, 2), "output_padding": (2, 0)}, errors.UnsupportedAttribute),
    ({"group": 2}, errors.ShapeMismatch),
    ({"dilations": (2, 2)}, errors.UnsupportedOnPlatform),
    ({"pads": (2, 0, 2, 0)}, errors.ShapeMismatch),
    ({"strides": (4, 1)}, errors.UnsupportedOnPlatform),
])
def test_convtranspose_requires(attrs, error):
    x, w = t(np.zeros((1, 1, 1, 2), int), "int8"), t(np.zeros((1, 1, 2, 2), int), "int8")
    with pytest.raises(error):
        run("ConvTranspose2dInt", [x, w], [TensorSpec.of("int8", 0)], attrs, "venusA")


# ---------------------------------------------------------------------------------------------
# thinker 3.0.4 compatibility

def test_compat_venusA_pads_on_height_and_weights_by_4():
    x = t([[[1, 2, 3, 4]]], "int8")
    w = t([[[1, 2]], [[3, -1]], [[-2, 5]], [[1, 1]]], "int8")
    b = t([10, -10, 0, 5], "int32")
    y = [TensorSpec.of("int8", 0)]
    a = {"pads": (1, 1)}
    assert run("Conv1dInt", [x, w, b], y, a, "venusA")[0].data.tolist()[0][0] == [12, 15, 18, 21, 14]
    assert run("Conv1dInt", [x, w, b], y, a, "venusA", COMPAT)[0].data.tolist()[0] == [[10] * 5, [-10] * 5,
                                                                                         [0] * 5, [5] * 5]
    # begin pad 0: no width padding, positions past the input read 0; weights read grouped by 4
    got = run("Conv1dInt", [x, w, b], y, {"pads": (0, 1)}, "venusA", COMPAT)[0].data.tolist()[0]
    assert got == [[7, 6, 5, 14], [-5, -1, 3, 2], [12, 19, 26, 8], [6, 6, 6, 1]]
    # arcs and venus compute the spec
    for p in ("arcs", "venus"):
        assert np.array_equal(run("Conv1dInt", [x, w, b], y, a, p, COMPAT)[0].data,
                              run("Conv1dInt", [x, w, b], y, a, p)[0].data)


def test_compat_misread_weights_equal_the_packed_bytes_read_by_4():
    from lunaref.ops.conv1dint import _misread_weight
    from lunaref.platforms import profile
    from lunaref.resource import weights
    rng = np.random.default_rng(0)
    w = rng.integers(-128, 128, (8, 5, 3))
    packed = weights.pack_conv(w[:, :, None, :], profile("venusA"), 2)
    as_read = weights.unpack_conv(packed, 8, 5, 1, 3, profile("venusA"), 4)[:, :, 0, :]
    assert np.array_equal(_misread_weight(w, 4), as_read)
    assert np.array_equal(_misread_weight(w, 2), w)


@pytest.mark.parametrize("platform, want", [("arcs", [3, -3, 100]), ("venusA", [3, -3, 100]),
                                            ("venus", [6, -6, 127])])
def test_compat_int8_negative_shift(platform, want):
    x, w = t([[[3, -3, 100]]], "int8", 2), t([[[1]]], "int8", 0)
    assert run("Conv1dInt", [x, w], [TensorSpec.of("int8", 3)], {}, platform)[0].data.tolist() == [[[6, -6, 127]]]
    assert run("Conv1dInt", [x, w], [TensorSpec.of("int8", 3)], {}, platform, COMPAT)[0].data.tolist() == [[want]]
    # int32 outputs are scaled up afterwards: the spec's result
    got = run("Conv1dInt", [x, w], [TensorSpec.of("int32", 3)], {}, platform, COMPAT)[0].data.tolist()
    assert got == [[[6, -6, 200]]]


# ---------------------------------------------------------------------------------------------
# packing: the ops and grouped convolutions through model.bin

def one_node(op, inputs, out, attrs, platform, *, constants=(1, 2)):
    names = [f"in{k}" for k in range(len(inputs))]
    graph_inputs = tuple(ValueInfo(n, x.dtype, x.exponent, tuple(x.shape))
                         for k, (n, x) in enumerate(zip(names, inputs)) if k not in constants)
    consts = {n: x for k, (n, x) in enumerate(zip(names, inputs)) if k in constants}
    specs = {**{i.name: TensorSpec(i.dtype, i.exponent) for i in graph_inputs},
             **{n: TensorSpec(x.dtype, x.exponent) for n, x in consts.items()}, "out": out}
    node = Node("op", op, tuple(names), ("out",), attrs, (out,))
    graph = Graph(graph_inputs, (ValueInfo("out", out.dtype, out.exponent),), consts, (node,), platform, None, specs)
    return graph, [x.data for k, x in enumerate(inputs) if k not in constants]


def storable(inputs, out) -> bool:
    """A resource cannot hold a tensor at exponent −1 (errata E-FORMAT-1)."""
    return all(x.exponent != -1 for x in inputs) and out.exponent != -1


def packed_run(op, inputs, out, attrs, platform, compat=None):
    graph, feeds = one_node(op, inputs, out, attrs, platform)
    data = pack(graph, platform, keep_quant=True).data
    return run_resource(data, feeds, platform, compat=compat)[0], read(data)


@settings(max_examples=40, deadline=None)
@given(conv1d_case(), platforms)
def test_conv1dint_from_model_bin(case, platform):
    inputs, (y,), attrs = case
    if not storable(inputs, y):
        return
    try:
        (want,) = run("Conv1dInt", inputs, [y], attrs, platform)
    except errors.UnsupportedOnPlatform:
        return
    if attrs["group"] > 1 and attrs["group"] == inputs[1].shape[0] and inputs[1].shape[1] != 1:
        with pytest.raises(errors.UnsupportedAttribute, match="grouped convolutions"):
            packed_run("Conv1dInt", inputs, y, attrs, platform)
        return
    got, res = packed_run("Conv1dInt", inputs, y, attrs, platform)
    assert got.dtype == want.data.dtype and np.array_equal(got, want.data)
    types = [o.type for o in res.operators]
    if 1 < attrs["group"] != inputs[1].shape[0]:
        assert types == ["Split"] + ["Conv1dInt"] * attrs["group"] + ["iqCat"]
    else:
        assert types == ["Conv1dInt"]


@settings(max_examples=40, deadline=None)
@given(convtranspose_case(), platforms)
def test_convtranspose2dint_from_model_bin(case, platform):
    inputs, (y,), attrs = case
    if not storable(inputs, y):
        return
    (want,) = run("ConvTranspose2dInt", inputs, [y], attrs, platform)
    got, _ = packed_run("ConvTranspose2dInt", inputs, y, attrs, platform)
    assert np.array_equal(got, want.data)


@settings(max_examples=40, deadline=None)
@given(conv_case(), platforms)
def test_grouped_conv2dint_from_model_bin(case, platform):
    inputs, (y,), attrs = case
    if not storable(inputs, y):
        return
    try:
        (want,) = run("Conv2dInt", inputs, [y], attrs, platform)
    except errors.UnsupportedOnPlatform:
        return
    group, oc = attrs["group"], inputs[1].shape[0]
    if 1 < group == oc and inputs[1].shape[1] != 1:
        with pytest.raises(errors.UnsupportedAttribute, match="grouped convolutions"):
            packed_run("Conv2dInt", inputs, y, attrs, platform)
        return
    got, res = packed_run("Conv2dInt", inputs, y, attrs, platform)
    assert np.array_equal(got, want.data)
    if 1 < group != oc:
        assert [o.type for o in res.operators] == ["Split"] + ["Conv2dInt"] * group + ["iqCat"]
        assert all(o.attrs["group"] == 1 for o in res.operators if o.type == "Conv2dInt")


def test_grouped_conv_division_with_fused_relu_and_names():
    rng = np.random.default_rng(5)
    x = t(rng.integers(-128, 128, (1, 4, 5, 5)), "int8", 4)
    w = t(rng.integers(-128, 128, (6, 2, 3, 3)), "int8", 6)
    b = t(rng.integers(-5000, 5000, 6), "int32", 10)
    y = TensorSpec.of("int8", 5)
    conv_attrs = {"kernel_shape": (3, 3), "strides": (1, 1), "pads": (1, 1, 1, 1), "dilations": (1, 1), "group": 2,
                  "act": "none"}
    graph, feeds = one_node("Conv2dInt", [x, w, b], y, conv_attrs, "venusA")
    relu = Node("relu", "Relu", ("out",), ("r",), {}, (y,))
    graph = Graph(graph.inputs, (ValueInfo("r", y.dtype, y.exponent),), graph.constants,
                  (graph.nodes[0], relu), "venusA", None, {**graph.specs, "r": y})
    res = read(pack(graph, "venusA", keep_quant=True).data)
    assert [o.type for o in res.operators] == ["Split", "Conv2dInt", "Conv2dInt", "iqCat"]
    assert all(o.attrs["act_type"] == 1 for o in res.operators if o.type == "Conv2dInt")
    names = [r.name for r in res.tensors]
    assert {"in0_0", "in0_1", "in1_0", "in1_1", "in2_0", "in2_1", "r_op_0", "r_op_1"} <= set(names)
    (got,) = run_resource(pack(graph, "venusA", keep_quant=True).data, feeds, "venusA")
    want = run("Conv2dInt", [x, w, b], [y], {**conv_attrs, "act": "relu"}, "venusA")[0]
    assert np.array_equal(got, want.data)


def test_convtranspose_without_bias_packs_and_attribute_bytes():
    x, w = t([[[[1, 2], [3, 4]]]], "int8", 3), t(np.arange(8).reshape(1, 2, 2, 2), "int8", 3)
    y = TensorSpec.of("int8", 4)
    attrs = {"kernel_shape": (2, 2), "strides": (2, 2), "pads": (0, 1, 1, 0), "output_padding": (1, 0)}
    got, res = packed_run("ConvTranspose2dInt", [x, w], y, attrs, "venusA")
    assert np.array_equal(got, run("ConvTranspose2dInt", [x, w], [y], attrs, "venusA")[0].data)
    (op,) = res.operators
    assert op.attrs["output_padding"][:2] == [1, 0] and op.attrs["pad"][:4] == [0, 1, 1, 0]
    assert op.attrs["stride"][:2] == [2, 2] and op.attrs["kernel"][:2] == [2, 2]
    wrec = res.tensors[op.inputs[1]]
    assert wrec.layout == "NHWC8" and tuple(wrec.shape) == (1, 2, 2, 1, 4, 8)   # venusA: g = 4


def test_conv1d_attribute_bytes_and_layouts():
    from lunaref.resource.layout import ATTR_STRUCTS
    assert ATTR_STRUCTS["Conv1dInt"].size == 12 and ATTR_STRUCTS["ConvTranspose2dInt"].size == 32
    x, w = t(np.ones((1, 3, 9), int), "int8"), t(np.ones((5, 3, 3), int), "int8")
    for platform in PLATFORMS:
        _, res = packed_run("Conv1dInt", [x, w], TensorSpec.of("int8", 0), {"strides": (2,), "pads": (1, 2)}, platform)
        (op,) = res.operators
        assert (op.attrs["kernel"], op.attrs["pad"], op.attrs["stride"], op.attrs["group"]) == (3, [1, 2], 2, 1)
        assert tuple(res.tensors[op.inputs[1]].shape) == (3, 3, 1, 2, 8)    # pairs on every platform
    dw = t(np.ones((3, 1, 3), int), "int8")
    _, res = packed_run("Conv1dInt", [x, dw], TensorSpec.of("int8", 0), {"group": 3}, "venus")
    assert res.tensors[res.operators[0].inputs[1]].layout == "NHWC16"


# --- the LUNA primitives conv1d and conv_transpose2d (luna.md §3, §6) -------------------------------

@given(conv1d_primitive_case())
def test_conv1d_primitive_is_the_op_at_a_non_negative_shift(case):
    """luna conv1d = Conv1dInt whose output exponent makes the shift the primitive's (the op's arithmetic
    is checked against an independent model above)."""
    arrays, a = case
    x, w, *b = arrays
    (got,) = run_primitive("conv1d", arrays, a, "arcs")
    inputs = [Tensor.of(x, "int8", 0), Tensor.of(w, "int8", a["shift"])] + [Tensor.of(t, "int32", a["shift"]) for t in b]
    attrs = {"kernel_shape": (w.shape[2],), "strides": (a["stride"],), "pads": tuple(a["pads"]), "group": a["group"],
             "act": "relu" if a["relu"] else "none"}
    (want,) = REGISTRY.get("Conv1dInt").run(inputs, [TensorSpec.of(a["out"], 0)], attrs, "arcs")
    assert np.array_equal(got, want.data)


@given(deconv_primitive_case())
def test_deconv_primitive_is_the_op_at_a_non_negative_shift(case):
    arrays, a = case
    x, w, *b = arrays
    (got,) = run_primitive("conv_transpose2d", arrays, a, "venusA")
    inputs = [Tensor.of(x, "int8", 0), Tensor.of(w, "int8", a["shift"])] + [Tensor.of(t, "int32", a["shift"]) for t in b]
    attrs = {"kernel_shape": tuple(w.shape[2:]), "strides": tuple(a["strides"]), "pads": tuple(a["pads"]),
             "output_padding": tuple(a["output_padding"]), "group": 1, "act": "relu" if a["relu"] else "none"}
    (want,) = REGISTRY.get("ConvTranspose2dInt").run(inputs, [TensorSpec.of("int8", 0)], attrs, "venusA")
    assert np.array_equal(got, want.data)


# --- int4 weights (spec/ops/conv1dint.md, convtranspose2dint.md: Capabilities; formats/resource.md §13) -----

INT4_CONV1D = ["arcs", "venusA"]   # profile.conv_int4_weights


def as_int8(inputs):
    """The same case with the int4 weight held as int8 (the same values)."""
    x, w, *rest = inputs
    return [x, Tensor.of(w.data, "int8", w.exponent), *rest]


@given(conv1d_case("int4"), st.sampled_from(INT4_CONV1D), st.sampled_from([None, COMPAT]))
def test_conv1dint_int4_weights_are_the_int8_arithmetic_on_the_same_values(case, platform, compat):
    inputs, outs, attrs = case
    assert inputs[1].dtype.name == "int4"
    (got,) = run("Conv1dInt", inputs, outs, attrs, platform, compat)
    (want,) = run("Conv1dInt", as_int8(inputs), outs, attrs, platform, compat)
    assert np.array_equal(got.data, want.data) and got.dtype == want.dtype and got.exponent == want.exponent
    assert "int4 weights" in REGISTRY.get("Conv1dInt").coverage(Case(tuple(inputs), (got,), attrs, platform))


@given(convtranspose_case("int4"), platforms, st.sampled_from([None, COMPAT]))
def test_convtranspose2dint_int4_weights_are_the_int8_arithmetic_on_the_same_values(case, platform, compat):
    inputs, outs, attrs = case
    (got,) = run("ConvTranspose2dInt", inputs, outs, attrs, platform, compat)
    (want,) = run("ConvTranspose2dInt", as_int8(inputs), outs, attrs, platform, compat)
    assert np.array_equal(got.data, want.data) and got.dtype == want.dtype


def test_int4_conv1d_is_refused_on_venus_and_int4_values_are_checked():
    x, w = t(np.ones((1, 2, 5), int), "int8"), t(np.ones((3, 2, 2), int), "int4")
    with pytest.raises(errors.UnsupportedOnPlatform):
        run("Conv1dInt", [x, w], [TensorSpec.of("int8", 0)], {}, "venus")
    with pytest.raises(errors.DTypeMismatch):     # int8 and int32 results only (no platform has int16)
        run("Conv1dInt", [x, w], [TensorSpec.of("int16", 0)], {}, "venusA")
    with pytest.raises(errors.ValueOutOfRange):
        t([[[8]]], "int4")
    # ConvTranspose2dInt takes int4 weights everywhere
    xd, wd = t(np.ones((1, 1, 2, 2), int), "int8"), t(np.full((1, 1, 2, 2), -8), "int4")
    for p in PLATFORMS:
        assert run("ConvTranspose2dInt", [xd, wd], [TensorSpec.of("int8", 0)], {}, p)[0].data.min() == -32


def test_int4_weight_extremes_saturate_and_tie_like_int8():
    # W = −8 everywhere against X = −128: acc = 8·128·K·C; ties at shift 1 with odd accumulators
    x = t(np.full((1, 2, 4), -128), "int8", 0)
    w = t(np.full((2, 2, 2), -8), "int4", 0)
    got = run("Conv1dInt", [x, w], [TensorSpec.of("int8", 0)], {}, "arcs")[0].data
    assert (got == 127).all()
    x1 = t([[[1, 2, 3]]], "int8", 0)
    w1 = t([[[7, -8]]], "int4", 0)             # acc = 7 − 16 = −9, 14 − 24 = −10 -> rshift(., 1) = −4, −5
    assert run("Conv1dInt", [x1, w1], [TensorSpec.of("int8", -1)], {}, "venusA")[0].data.tolist() == [[[-4, -5]]]


def _stored(op, attrs, w, platform):
    from lunaref.platforms import profile
    from lunaref.resource.packer import stored_weight
    return stored_weight(op, attrs, w, profile(platform))


@settings(max_examples=60, deadline=None)
@given(conv1d_case("int4"), st.sampled_from(INT4_CONV1D))
def test_conv1d_int4_weights_pack_two_per_byte_and_round_trip(case, platform):
    from lunaref.resource import weights
    inputs, _, attrs = case
    w = inputs[1]
    if attrs["group"] > 1 and not (attrs["group"] == w.shape[0] and w.shape[1] == 1):
        return                                    # divided by the packer first (test below, through model.bin)
    packed, layout = _stored("Conv1dInt", attrs, w, platform)
    layout8, layout8_name = _stored("Conv1dInt", attrs, Tensor.of(w.data, "int8", w.exponent), platform)
    assert layout == layout8_name and packed.dtype == np.int8
    assert packed.shape == (*layout8.shape[:-1], layout8.shape[-1] // 2)     # last axes 8: two per byte
    assert packed.tobytes() == weights.int4_bytes(layout8)
    assert np.array_equal(weights.int4_values(packed.tobytes(), layout8.shape), layout8)
    b = packed.reshape(-1).view(np.uint8).astype(np.int64)                   # even element in the low nibble
    lo, hi = ((b & 15) ^ 8) - 8, ((b >> 4) ^ 8) - 8
    assert np.array_equal(np.stack([lo, hi], -1).reshape(-1), layout8.reshape(-1))


@settings(max_examples=40, deadline=None)
@given(convtranspose_case("int4"), platforms)
def test_convtranspose_int4_weights_pack_two_per_byte_not_as_tpacker(case, platform):
    """E-DECONV-2: tpacker writes these one per byte; lunaref stores them as the int4 primitives read them."""
    from lunaref.resource import weights
    inputs, _, attrs = case
    w = inputs[1]
    packed, layout = _stored("ConvTranspose2dInt", attrs, w, platform)
    layout8, _ = _stored("ConvTranspose2dInt", attrs, Tensor.of(w.data, "int8", w.exponent), platform)
    assert layout == "NHWC8" and packed.tobytes() == weights.int4_bytes(layout8)
    assert packed.size * 2 == layout8.size
    c, oc, kh, kw = w.shape
    from lunaref.platforms import profile
    got = weights.unpack_deconv(weights.int4_values(packed.tobytes(), layout8.shape), c, oc, kh, kw, profile(platform))
    assert np.array_equal(got, w.data)


def test_venusA_depthwise_conv1d_int4_bytes_are_tpackers():
    """The bytes tpacker 3.0.4 wrote for this weight (a one-operator linger 1.x model packed for venusA,
    depthwise, parameter_bits 4): [C8/8][1][K][8], two per byte, even element in the low nibble."""
    w = t([[[-3, 0, 4]], [[5, 4, 6]], [[-8, 2, -6]]], "int4", 2)
    packed, layout = _stored("Conv1dInt", {"group": 3}, w, "venusA")
    assert layout == "NHWC8"
    assert packed.reshape(-1).tolist() == [93, 8, 0, 0, 64, 2, 0, 0, 100, 10, 0, 0]


@settings(max_examples=30, deadline=None)
@given(st.one_of(conv1d_case("int4").map(lambda c: ("Conv1dInt", c)),
                 convtranspose_case("int4").map(lambda c: ("ConvTranspose2dInt", c))), platforms)
def test_int4_ops_through_model_bin(item, platform):
    op, (inputs, (y,), attrs) = item
    if not storable(inputs, y):
        return
    try:
        (want,) = run(op, inputs, [y], attrs, platform)
    except errors.UnsupportedOnPlatform:
        assert op == "Conv1dInt" and platform == "venus"
        return
    if op == "Conv1dInt" and attrs["group"] > 1 and attrs["group"] == inputs[1].shape[0] and inputs[1].shape[1] != 1:
        return                                    # group = OC with several input channels: not packable
    got, res = packed_run(op, inputs, y, attrs, platform)
    assert np.array_equal(got, want.data)
    for o in res.operators:
        if o.type == op:
            rec = res.tensors[o.inputs[1]]
            assert rec.dtype == "Int4" and rec.nbytes * 2 == int(np.prod(rec.shape))


def test_int4_weights_from_onnx_both_dialects():
    """parameter_bits (linger 1.x) / w_bits (linger 3.x) = 4: the int8 initializer becomes an int4 weight."""
    import lunaref
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(4)
    for domain, ops, bits, xb in (("thinker", ("Conv1dInt", "ConvTranspose2dInt"), "parameter_bits", "data_bits"),
                                  ("linger", ("QConv1d", "QConvTranspose2d"), "w_bits", "x_bits")):
        for op, shape, wshape, extra in ((ops[0], [1, 3, 6], (4, 3, 3), {"kernel_shape": [3], "pads": [1, 1]}),
                                         (ops[1], [1, 3, 3, 3], (3, 2, 3, 3), {"kernel_shape": [3, 3], "strides": [2, 2]})):
            w = rng.integers(-8, 8, wshape).astype(np.int8)
            tag = {"platform": "arcs"} if domain == "linger" else {}
            nodes = [helper.make_node("Quant", ["x"], ["q"], domain=domain, name="q", data_bits=8, scale_x=16.0, **tag),
                     helper.make_node(op, ["q", "w"], ["y"], domain=domain, name="n", scale_x=16.0, scale_w=4.0,
                                      scale_o=8.0, o_bits=8, **{xb: 8, bits: 4}, **extra, **tag),
                     helper.make_node("Dequant", ["y"], ["out"], domain=domain, name="d", scale_o=8.0)]

            def model(weight, nodes=nodes, shape=shape, domain=domain):
                graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)],
                                          [numpy_helper.from_array(weight, "w")])
                return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12),
                                                               helper.make_opsetid(domain, 1)])
            g = lunaref.load_onnx(model(w))
            assert g.constants["w"].dtype.name == "int4"
            x = rng.standard_normal(shape).astype(np.float32)
            as8 = lunaref.run_onnx(model(w), [x], "arcs")[0]
            assert as8.shape[1] == (4 if op in ("Conv1dInt", "QConv1d") else 2)
            w.flat[0] = 8                         # a 4-bit weight outside [-8, 7]
            with pytest.raises(errors.MalformedOnnx, match="4-bit"):
                lunaref.load_onnx(model(w))
