"""GRUInt (spec/ops/gruint.md): against the step-by-step Python-int model of linger 3.0.9's three cells
(tests/models.py), ONNX in both dialects (linger 1.x GRUInt and its named forms, linger 3.x QGRU, a
bidirectional pair), the linger3 diagnostic exports, and the shared recurrent helpers."""

from __future__ import annotations

import lunaref
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunaref import Tensor, TensorSpec, errors
from lunaref.ops import REGISTRY, recurrent
from lunaref.platforms import profile as get_profile
from models import gru_model
from onnx import TensorProto, helper, numpy_helper

PLATFORMS = ["venus", "venusA", "arcs"]
OP = REGISTRY.get("GRUInt")


def _functions(platform):
    from lunaref.luna import activation
    prof = get_profile(platform)
    return (lambda v: int(activation.sigmoid(np.array([v], np.int64), prof)[0]),
            lambda v: int(activation.tanh(np.array([v], np.int64), prof)[0]))


@st.composite
def gru_cases(draw, big: bool = False):
    t_len, batch = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    n_in, hidden = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    e_x, e_iw, e_hw, e_h = (draw(st.integers(0, 10)) for _ in range(4))
    e_y = draw(st.sampled_from([e_h, e_h, draw(st.integers(0, 10))]))
    i8 = st.integers(-128, 127)
    blim = (1 << 31) - 1 if big else 1 << 16
    arr = lambda shape, el: np.array(draw(st.lists(el, min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))),
                                     dtype=np.int64).reshape(shape)
    x = arr((t_len, batch, n_in), i8)
    w_ih, w_hh = arr((3 * hidden, n_in), i8), arr((3 * hidden, hidden), i8)
    bias = draw(st.booleans())
    b_ih = arr((3 * hidden,), st.integers(-blim, blim)) if bias else None
    b_hh = arr((3 * hidden,), st.integers(-blim, blim)) if bias else None
    h0 = arr((1, batch, hidden), i8) if draw(st.booleans()) else None
    lengths = arr((batch,), st.integers(0, t_len)) if draw(st.booleans()) else None
    batch_first, reverse = draw(st.booleans()), draw(st.booleans())
    inputs = [Tensor.of(np.swapaxes(x, 0, 1) if batch_first else x, "int8", e_x)]
    if lengths is not None:
        inputs.append(Tensor.of(lengths, "int64"))
    if h0 is not None:
        inputs.append(Tensor.of(h0, "int8", e_h))
    inputs += [Tensor.of(w_ih, "int8", e_iw), Tensor.of(w_hh, "int8", e_hw)]
    if bias:
        inputs += [Tensor.of(b_ih, "int32", e_x + e_iw), Tensor.of(b_hh, "int32", e_h + e_hw)]
    attrs = {"layout": int(batch_first), "direction": int(reverse)}
    outs = [TensorSpec.of("int8", e_y), TensorSpec.of("int8", e_h)]
    raw = dict(x=x, h0=h0, lengths=lengths, w_ih=w_ih, w_hh=w_hh, b_ih=b_ih, b_hh=b_hh, e=(e_x, e_iw, e_hw, e_h, e_y),
               reverse=reverse, batch_first=batch_first)
    return inputs, outs, attrs, raw


def _model(raw, platform):
    sig, tanh = _functions(platform)
    x, (e_x, e_iw, e_hw, e_h, e_y) = raw["x"], raw["e"]
    t_len, batch, _ = x.shape
    hidden = raw["w_hh"].shape[1]
    ys, hs = [], []
    lst = lambda a: None if a is None else a.tolist()
    for b in range(batch):
        h0 = [0] * hidden if raw["h0"] is None else raw["h0"][0, b].tolist()
        y, h = gru_model([x[t, b].tolist() for t in range(t_len)], h0, raw["w_ih"].tolist(), raw["w_hh"].tolist(),
                         lst(raw["b_ih"]), lst(raw["b_hh"]), e_x, e_iw, e_hw, e_h, e_y, platform, sig, tanh,
                         reverse=raw["reverse"], length=None if raw["lengths"] is None else int(raw["lengths"][b]))
        ys.append(y)
        hs.append(h)
    y = np.array(ys).transpose(1, 0, 2)                      # [T, B, H]
    return (np.swapaxes(y, 0, 1) if raw["batch_first"] else y), np.array(hs)[None]


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=40, deadline=None)
@given(case=gru_cases())
def test_equals_the_step_by_step_model(platform, case):
    inputs, outs, attrs, raw = case
    y, h_n = OP.run(inputs, outs, attrs, platform)
    want_y, want_h = _model(raw, platform)
    assert y.data.tolist() == want_y.tolist()
    assert h_n.data.tolist() == want_h.tolist()


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=25, deadline=None)
@given(case=gru_cases(big=True))
def test_equals_the_model_with_full_range_biases(platform, case):
    """int32 biases at full range: the gate sums saturate, σ/tanh see |x| > 16, venusA's r·h_n passes 2^53."""
    inputs, outs, attrs, raw = case
    y, h_n = OP.run(inputs, outs, attrs, platform)
    want_y, want_h = _model(raw, platform)
    assert (y.data.tolist(), h_n.data.tolist()) == (want_y.tolist(), want_h.tolist())


def test_as_double_rounds_to_53_bits_ties_to_even():
    big = [(1 << 53) + 1, (1 << 53) + 3, -((1 << 60) + (1 << 7)), (1 << 61) + (3 << 7), 12345]
    assert recurrent.as_double(np.array(big, dtype=np.int64)).tolist() == [int(float(v)) for v in big]
    # linger's mul_requant: a product beyond 2^53 is rounded before the shift (here a tie flips)
    a, b = (1 << 31) - 1, (1 << 30) + 1                    # a·b = 2^61 + 2^30 − 2^30 ... − 1
    assert recurrent.mul_req(np.array([a]), np.array([b]), 31, 0).tolist() == [int(float(a * b)) >> 31 if
                                                                               (int(float(a * b)) >> 30) & 1 == 0 else (int(float(a * b)) >> 31) + 1]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_profile_rules(platform):
    prof = get_profile(platform)
    assert (prof.recurrent_gate_q, prof.gru_gate_alignment, prof.gru_reset, prof.gru_blend) == {
        "venus": (11, "separate", "after_matmul", "h+z(n-h)"),
        "venusA": (27, "common", "after_matmul", "n+z(h-n)"),
        "arcs": (27, "separate", "before_matmul", "n+z(h-n)")}[platform]


def _small(platform, **kw):
    rng = np.random.default_rng(7)
    x = rng.integers(-128, 128, (3, 1, 2))
    w_ih, w_hh = rng.integers(-128, 128, (6, 2)), rng.integers(-128, 128, (6, 2))
    ins = [Tensor.of(x, "int8", 5), Tensor.of(w_ih, "int8", 7), Tensor.of(w_hh, "int8", 7)]
    return ins, [TensorSpec.of("int8", 5), TensorSpec.of("int8", 5)]


def test_requires():
    ins, outs = _small("venusA")
    with pytest.raises(errors.ShapeMismatch):
        OP.run([ins[0], ins[1], Tensor.of(np.zeros((6, 3), np.int64), "int8", 7)], outs, {}, "venusA")
    with pytest.raises(errors.UnsupportedAttribute):
        OP.run(ins, outs, {"direction": 2}, "venusA")
    with pytest.raises(errors.ExponentOutOfRange):
        OP.run([ins[0], Tensor.of(np.zeros((1, 1, 2), np.int64), "int8", 4), *ins[1:]], outs, {}, "venusA")
    with pytest.raises(errors.ShapeMismatch):
        OP.run([ins[0], Tensor.of(np.zeros((2,), np.int64), "int64"), *ins[1:]], outs, {}, "venusA")


def test_reverse_walks_from_the_end():
    ins, outs = _small("arcs")
    fwd = OP.run(ins, outs, {}, "arcs")[0].data
    flipped = [Tensor.of(ins[0].data[::-1].copy(), "int8", 5), *ins[1:]]
    rev = OP.run(flipped, outs, {"direction": 1}, "arcs")[0].data
    assert rev[::-1].tolist() == fwd.tolist()


# ---------------------------------------------------------------------------------------------
# ONNX, both dialects
# ---------------------------------------------------------------------------------------------

def _init(name, arr, kind):
    return numpy_helper.from_array(np.asarray(arr, dtype=kind), name)


def _gru_graph(dialect, platform, op_type="GRUInt", has_hidden=False, bidirectional=False, lengths=None):
    rng = np.random.default_rng(3)
    dom = "thinker" if dialect == "linger1" else "linger"
    t_len, batch, n_in, hidden = 5, 2, 3, 4
    inits, nodes = [], [helper.make_node("Quant", ["x"], ["qx"], domain=dom, data_bits=8, scale_x=32.0,
                                         **({"platform": platform} if dom == "linger" else {}))]
    ins = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [t_len, batch, n_in])]
    outs = []
    for k, go in enumerate([1, 0] if bidirectional else [1]):
        names = [f"wi{k}", f"wh{k}", f"bi{k}", f"bh{k}"]
        inits += [_init(names[0], rng.integers(-128, 128, (3 * hidden, n_in)), np.int8),
                  _init(names[1], rng.integers(-128, 128, (3 * hidden, hidden)), np.int8),
                  _init(names[2], rng.integers(-5000, 5000, (3 * hidden,)), np.int32),
                  _init(names[3], rng.integers(-5000, 5000, (3 * hidden,)), np.int32)]
        node_in = ["qx"]
        if lengths is not None:
            inits.append(_init("len", lengths, np.int64))
            node_in.append("len")
        if has_hidden:
            node_in.append("qh")
        node_in += names
        common = dict(hidden_size=hidden, input_size=n_in, batch_first=0, go_forward=go, num_layers=1,
                      scale_h=16.0, scale_iw=64.0, scale_hw=64.0, scale_o=16.0, o_bits=8)
        if dom == "linger":
            attrs = dict(common, scale_x=32.0, x_bits=8, w_bits=8, has_hidden=int(has_hidden), platform=platform,
                         quant_mode="floor_add")
        else:
            attrs = dict(common, scale_i=32.0, data_bits=8, parameter_bits=8, dropout=0.0,
                         platform_quant="luna_quant")
        nodes.append(helper.make_node("QGRU" if dom == "linger" else op_type, node_in, [f"y{k}", f"hn{k}"],
                                      domain=dom, **attrs))
        if dom == "thinker":
            nodes[-1].attribute.append(helper.make_attribute("outputs", 2))
    if has_hidden:
        ins.append(helper.make_tensor_value_info("h0", TensorProto.FLOAT, [1, batch, hidden]))
        nodes.insert(1, helper.make_node("Quant", ["h0"], ["qh"], domain=dom, data_bits=8, scale_x=16.0,
                                         **({"platform": platform} if dom == "linger" else {})))
    y = "y0"
    if bidirectional:
        nodes.append(helper.make_node("QCat", ["y0", "y1"], ["y"], domain=dom, axis=2, scale_x_0=16.0, x_0_bits=8,
                                      scale_x_1=16.0, x_1_bits=8, scale_o=16.0, o_bits=8, platform=platform))
        y = "y"
    nodes.append(helper.make_node("Dequant", [y], ["out"], domain=dom, scale_o=16.0))
    outs.append(helper.make_tensor_value_info("out", TensorProto.FLOAT, None))
    g = helper.make_graph(nodes, "g", ins, outs, inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 12), helper.make_opsetid(dom, 1)]), inits


def _direct(model, platform, x, h0=None, lengths=None, node=0):
    """The same layer through OP.run directly (the ONNX handler's exponents written out)."""
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    qx = lunaref.numerics.quantize(x, 5, "int8")
    ins = [Tensor.of(qx, "int8", 5)]
    if lengths is not None:
        ins.append(Tensor.of(lengths, "int64"))
    if h0 is not None:
        ins.append(Tensor.of(lunaref.numerics.quantize(h0, 4, "int8"), "int8", 4))
    ins += [Tensor.of(inits[f"wi{node}"], "int8", 6), Tensor.of(inits[f"wh{node}"], "int8", 6),
            Tensor.of(inits[f"bi{node}"], "int32", 11), Tensor.of(inits[f"bh{node}"], "int32", 10)]
    y, _ = OP.run(ins, [TensorSpec.of("int8", 4), TensorSpec.of("int8", 4)],
                  {"direction": node}, platform)
    return lunaref.numerics.dequantize(y.data, 4)


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("dialect", ["linger1", "linger3"])
def test_onnx_both_dialects(dialect, platform):
    model, _ = _gru_graph(dialect, platform)
    x = np.random.default_rng(1).normal(0, 1, (5, 2, 3)).astype(np.float32)
    (out,) = lunaref.run_onnx(model, [x], platform)
    assert np.array_equal(out, _direct(model, platform, x))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_onnx_linger3_initial_hidden_state(platform):
    model, _ = _gru_graph("linger3", platform, has_hidden=True)
    x = np.random.default_rng(1).normal(0, 1, (5, 2, 3)).astype(np.float32)
    h0 = np.random.default_rng(2).normal(0, 2, (1, 2, 4)).astype(np.float32)
    (out,) = lunaref.run_onnx(model, [x, h0], platform)
    assert np.array_equal(out, _direct(model, platform, x, h0=h0))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_onnx_linger1_named_forms(platform):
    x = np.random.default_rng(1).normal(0, 1, (5, 2, 3)).astype(np.float32)
    h0 = np.random.default_rng(2).normal(0, 2, (1, 2, 4)).astype(np.float32)
    lengths = np.array([5, 2])
    model, _ = _gru_graph("linger1", platform, op_type="GRUInt_Is8_Is64", lengths=lengths)
    (out,) = lunaref.run_onnx(model, [x], platform)
    assert np.array_equal(out, _direct(model, platform, x, lengths=lengths))
    assert not out[2:, 1].any()                            # sequence 1 stops after 2 steps
    model, _ = _gru_graph("linger1", platform, op_type="GRUInt_Is8_Is64_If32", lengths=lengths, has_hidden=True)
    (out,) = lunaref.run_onnx(model, [x, h0], platform)
    assert np.array_equal(out, _direct(model, platform, x, h0=h0, lengths=lengths))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_onnx_bidirectional_pair(platform):
    """linger exports a bidirectional layer as a forward and a reverse node joined by a concat on the last axis."""
    model, _ = _gru_graph("linger3", platform, bidirectional=True)
    x = np.random.default_rng(1).normal(0, 1, (5, 2, 3)).astype(np.float32)
    (out,) = lunaref.run_onnx(model, [x], platform)
    want = np.concatenate([_direct(model, platform, x, node=0), _direct(model, platform, x, node=1)], axis=2)
    assert np.array_equal(out, want)


def test_onnx_refusals():
    model, _ = _gru_graph("linger3", "venusA")
    model.graph.node[1].attribute.append(helper.make_attribute("num_layers", 2))
    del model.graph.node[1].attribute[[a.name for a in model.graph.node[1].attribute].index("num_layers")]
    with pytest.raises(errors.UnsupportedAttribute):
        lunaref.run_onnx(model, [np.zeros((5, 2, 3), np.float32)], "venusA")


# ---------------------------------------------------------------------------------------------
# the linger 3.0.9 diagnostic exports
# ---------------------------------------------------------------------------------------------

@pytest.mark.evidence
@pytest.mark.parametrize("platform", PLATFORMS)
def test_linger_gru_diagnostic_export(evidence, platform):
    folder = evidence("linger3-exports", f"gru_t8_f8_small_{platform}__diag_exportpatch")
    (out,) = lunaref.run_onnx(folder / "model.onnx", [np.load(folder / "input.npy")])
    assert np.array_equal(out, np.load(folder / "linger_output.npy"))


@pytest.mark.evidence
@pytest.mark.parametrize("platform", PLATFORMS)
def test_linger_gru_diagnostic_export_through_model_bin(evidence, platform):
    """The export as `lunaref pack` writes it (its Quant removed: X is the graph input) gives linger's output."""
    from lunaref.resource.packer import pack
    folder = evidence("linger3-exports", f"gru_t8_f8_small_{platform}__diag_exportpatch")
    x = np.load(folder / "input.npy")
    data = pack(lunaref.load_onnx(folder / "model.onnx")).data
    (out,) = lunaref.run_resource(data, [x], quantize_inputs=True, dequantize_outputs=True)
    assert np.array_equal(out, np.load(folder / "linger_output.npy"))


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_strategy_cases_run_and_evaluate_every_coverpoint(platform, data):
    from lunaref.ops.registry import Case
    from lunaref.vectors.strategies import CASES
    inputs, outs, attrs = data.draw(CASES["GRUInt"])
    y = OP.run(inputs, outs, attrs, platform)
    OP.coverage(Case(tuple(inputs), tuple(y), attrs, platform))


def _one_sequence(model):
    model.graph.input[0].type.tensor_type.shape.dim[1].dim_value = 1
    return model


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_model_bin_round_trip(platform, bidirectional):
    """One sequence, both directions: the packed resource computes what the ONNX graph does; GRUIntAttrs holds
    the direction (tpacker writes none, E-GRU-3); W_ih and W_hh are stored transposed ([I, 3H], [H, 3H]) as
    tpacker's GRUInt.pack_params stores them on every platform; the workspace is tpacker's 12 bytes per column
    of the transposed W_hh (36·H); no DMA buffers (the constants are read in place)."""
    from lunaref.onnx_import import load_onnx
    from lunaref.resource import read
    from lunaref.resource.executor import execute
    from lunaref.resource.packer import pack
    model, inits = _gru_graph("linger3", platform, bidirectional=bidirectional)
    model = _one_sequence(model).SerializeToString()
    x = np.random.default_rng(4).normal(0, 1, (5, 1, 3)).astype(np.float32)
    res = pack(load_onnx(model), keep_quant=True)
    (want,) = lunaref.run_onnx(model, [x], platform)
    assert np.array_equal(execute(res.resource, [x]).outputs[0], want)
    r = read(res.data)
    grus = [op for op in r.operators if op.type == "GRUInt"]
    assert [op.attrs["direction"] for op in grus] == ([0, 1] if bidirectional else [0])
    assert all(op.attrs["hidden_size"] == 4 and op.attrs["input_size"] == 3 and op.attrs["layout"] == 0 for op in grus)
    raw = {i.name: numpy_helper.to_array(i) for i in inits}
    for op in grus:
        w_ih, w_hh = (r.tensors[t] for t in op.inputs[1:3])
        assert tuple(w_ih.shape) == (3, 12) and tuple(w_hh.shape) == (4, 12)
        k = op.attrs["direction"]
        assert np.array_equal(np.frombuffer(r.constant_bytes(w_ih), np.int8).reshape(3, 12), raw[f"wi{k}"].T)
        assert [r.tensors[t].nbytes for t in op.temps] == [-(-36 * 4 // 16) * 16]
        assert [r.tensors[t].exponent for t in op.inputs[3:5]] == [None, None]   # biases "no scale", as tpacker
    assert not r.dma


def test_pack_refuses_what_thinker_cannot_read():
    from lunaref.onnx_import import load_onnx
    from lunaref.resource.packer import pack
    with pytest.raises(errors.UnsupportedAttribute, match="single sequence"):
        pack(load_onnx(_gru_graph("linger3", "arcs")[0].SerializeToString()), keep_quant=True)
    with_state = _one_sequence(_gru_graph("linger3", "arcs", has_hidden=True)[0])
    with_state.graph.input[1].type.tensor_type.shape.dim[1].dim_value = 1
    with pytest.raises(errors.UnsupportedAttribute, match="exactly X, W_ih, W_hh, B_ih, B_hh"):
        pack(load_onnx(with_state.SerializeToString()), keep_quant=True)


@pytest.mark.evidence
@pytest.mark.parametrize("platform", ["venusA", "arcs"])
def test_compat_mode_predicts_the_executor_on_the_diagnostic_export(evidence, platform):
    """E-GRU-1: thinker's arcs / venusA GRUInt outputs all zeros on the export; the compatibility model too."""
    folder = evidence("linger3-exports", f"gru_t8_f8_small_{platform}__diag_exportpatch")
    x = np.load(folder / "input.npy")
    (out,) = lunaref.run_onnx(folder / "model.onnx", [x], compat="thinker-3.0.4")
    thinker = np.load(folder / f"thinker_{platform}_output.npy")
    assert np.array_equal(out, thinker) and not np.array_equal(out, np.load(folder / "linger_output.npy"))


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=20, deadline=None)
@given(case=gru_cases())
def test_compat_mode_on_venus_and_on_unmodelled_forms_is_the_spec(platform, case):
    inputs, outs, attrs, raw = case
    spec = OP.run(inputs, outs, attrs, platform)
    comp = OP.run(inputs, outs, attrs, platform, compat="thinker-3.0.4")
    modelled = platform != "venus" and raw["x"].shape[1] == 1 and raw["h0"] is None and raw["lengths"] is None \
        and raw["b_ih"] is not None and raw["e"][4] <= 14
    if not modelled:
        assert [t.data.tolist() for t in comp] == [t.data.tolist() for t in spec]


def test_compat_step_by_hand():
    """One step of the arcs executor by hand: gate sums at Q11 read as Q27 → σ = 64, tanh = 0 (Q7); h' = 0."""
    ins = [Tensor.of(np.array([[[100, -50]]]), "int8", 5), Tensor.of(np.full((3, 2), 20), "int8", 7),
           Tensor.of(np.full((3, 1), 20), "int8", 7), Tensor.of(np.full(3, 1000), "int32", 12),
           Tensor.of(np.full(3, 1000), "int32", 12)]
    outs = [TensorSpec.of("int8", 5), TensorSpec.of("int8", 5)]
    y, h = OP.run(ins, outs, {}, "arcs", compat="thinker-3.0.4")
    assert y.data.tolist() == [[[0]]] and h.data.tolist() == [[[0]]]
    assert OP.run(ins, outs, {}, "arcs")[0].data.tolist() != [[[0]]]
