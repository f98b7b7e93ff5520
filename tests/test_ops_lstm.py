"""LSTMInt (spec/ops/lstmint.md): against the step-by-step Python-int model of linger 3.0.9's cells
(tests/models.py), the thinker 3.0.4 compatibility models (E-LSTM-2, E-LSTM-3), ONNX in both dialects
(linger 3.x QLSTM, linger 1.x LSTMInt and its named forms), REQUIREs and the model.bin round trip.  The
linger3 exports are checked in test_evidence_models.py."""

from __future__ import annotations

import lunaref
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunaref import Tensor, TensorSpec, errors
from lunaref.ops import REGISTRY
from lunaref.platforms import profile as get_profile
from models import lstm_model
from onnx import TensorProto, helper, numpy_helper

PLATFORMS = ["venus", "venusA", "arcs"]
OP = REGISTRY.get("LSTMInt")
pytest.importorskip("lunaref.luna.activation", reason="sigmoid/tanh (spec/nonlinear.md §1) not yet in lunaref")


def _functions(platform):
    from lunaref.luna import activation
    prof = get_profile(platform)
    return (lambda v: int(activation.sigmoid(np.array([v], np.int64), prof)[0]),
            lambda v: int(activation.tanh(np.array([v], np.int64), prof)[0]))


@st.composite
def lstm_cases(draw):
    t_len, batch = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    n_in, hidden = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    e_x, e_iw, e_hw, e_h = (draw(st.integers(0, 10)) for _ in range(4))
    e_y = draw(st.sampled_from([e_h, e_h, draw(st.integers(0, 10))]))
    i8 = st.integers(-128, 127)
    big = draw(st.booleans())
    blim = (1 << 31) - 1 if big else 1 << 16
    arr = lambda shape, el: np.array(draw(st.lists(el, min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))),
                                     dtype=np.int64).reshape(shape)
    x = arr((t_len, batch, n_in), i8)
    w_ih, w_hh = arr((4 * hidden, n_in), i8), arr((4 * hidden, hidden), i8)
    b_ih, b_hh = arr((4 * hidden,), st.integers(-blim, blim)), arr((4 * hidden,), st.integers(-blim, blim))
    state = draw(st.booleans())
    h0 = arr((1, batch, hidden), i8) if state else None
    c0 = arr((1, batch, hidden), st.integers(-(1 << 31), (1 << 31) - 1) if big else st.integers(-40000, 40000)) \
        if state else None
    lengths = arr((batch,), st.integers(0, t_len)) if draw(st.booleans()) else None
    batch_first, reverse = draw(st.booleans()), draw(st.booleans())
    inputs = [Tensor.of(np.swapaxes(x, 0, 1) if batch_first else x, "int8", e_x)]
    if lengths is not None:
        inputs.append(Tensor.of(lengths, draw(st.sampled_from(["int32", "int64"]))))
    if state:
        inputs += [Tensor.of(h0, "int8", e_h), Tensor.of(c0, "int32", 15)]
    inputs += [Tensor.of(w_ih, "int8", e_iw), Tensor.of(w_hh, "int8", e_hw),
               Tensor.of(b_ih, "int32", e_x + e_iw), Tensor.of(b_hh, "int32", e_h + e_hw)]
    attrs = {"layout": int(batch_first), "direction": int(reverse)}
    outs = [TensorSpec.of("int8", e_y), TensorSpec.of("int8", e_h), TensorSpec.of("int32", 15)]
    raw = {"x": x, "h0": h0, "c0": c0, "lengths": lengths, "w_ih": w_ih, "w_hh": w_hh, "b_ih": b_ih, "b_hh": b_hh,
           "e": (e_x, e_iw, e_hw, e_h, e_y), "reverse": reverse, "batch_first": batch_first}
    return inputs, outs, attrs, raw


def _model(raw, platform):
    sig, tanh = _functions(platform)
    x = raw["x"]
    t_len, batch, _ = x.shape
    hidden = raw["w_hh"].shape[1]
    e_x, e_iw, e_hw, e_h, e_y = raw["e"]
    ys, hs, cs = [], [], []
    for b in range(batch):
        h0 = [0] * hidden if raw["h0"] is None else [int(v) for v in raw["h0"][0, b]]
        c0 = [0] * hidden if raw["c0"] is None else [int(v) for v in raw["c0"][0, b]]
        y, h, c = lstm_model([[int(v) for v in x[t, b]] for t in range(t_len)], h0, c0,
                             raw["w_ih"].tolist(), raw["w_hh"].tolist(), raw["b_ih"].tolist(), raw["b_hh"].tolist(),
                             e_x, e_iw, e_hw, e_h, e_y, platform, sig, tanh, reverse=raw["reverse"],
                             length=None if raw["lengths"] is None else int(raw["lengths"][b]))
        ys.append(y), hs.append(h), cs.append(c)
    y = np.array(ys, dtype=np.int64).transpose(1, 0, 2)        # [T, B, H]
    if raw["batch_first"]:
        y = y.swapaxes(0, 1)
    return y, np.array([hs]), np.array([cs])


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=40, deadline=None)
@given(case=lstm_cases())
def test_lstm_equals_the_step_by_step_model(platform, case):
    inputs, outs, attrs, raw = case
    y, hn, cn = OP.run(inputs, outs, attrs, platform)
    my, mh, mc = _model(raw, platform)
    assert y.data.tolist() == my.tolist()
    assert hn.data.tolist() == mh.tolist()
    assert cn.data.tolist() == mc.tolist()


def _small(t_len=3, n_in=3, e_h=5, e_y=5, batch_first=True, reverse=False, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(-128, 128, (1, t_len, n_in) if batch_first else (t_len, 1, n_in))
    w_ih, w_hh = rng.integers(-128, 128, (8, n_in)), rng.integers(-128, 128, (8, 2))
    inputs = [Tensor.of(x, "int8", 5), Tensor.of(w_ih, "int8", 7), Tensor.of(w_hh, "int8", 7),
              Tensor.of(rng.integers(-3000, 3000, 8), "int32", 12), Tensor.of(rng.integers(-3000, 3000, 8), "int32", e_h + 7)]
    return inputs, [TensorSpec.of("int8", e_y), TensorSpec.of("int8", e_h), TensorSpec.of("int32", 15)], \
        {"layout": int(batch_first), "direction": int(reverse)}


def test_zero_weights_give_half_gates_and_a_zero_state():
    """ops/lstmint.md example: every gate pre-activation 0 → i = f = o = ½, g = 0, so c' = 0 and Y = 0."""
    z = np.zeros
    inputs = [Tensor.of([[[1]]], "int8", 0), Tensor.of(z((4, 1), np.int64), "int8", 0),
              Tensor.of(z((4, 1), np.int64), "int8", 0), Tensor.of(z(4, np.int64), "int32", 0),
              Tensor.of(z(4, np.int64), "int32", 0)]
    for p in PLATFORMS:
        y, h, c = OP.run(inputs, [TensorSpec.of("int8", 0), TensorSpec.of("int8", 0), TensorSpec.of("int32", 15)],
                         {}, p)
        assert (y.data.tolist(), h.data.tolist(), c.data.tolist()) == ([[[0]]], [[[0]]], [[[0]]])


@pytest.mark.parametrize("platform", ["venusA", "arcs"])
def test_compat_runs_the_hidden_state_at_the_output_exponent(platform):
    """E-LSTM-2: thinker's recurrence at e(Y) equals the spec computed with e(H) := e(Y)."""
    inputs, outs, attrs = _small(e_h=4, e_y=6)
    thinker = OP.run(inputs, outs, attrs, platform, compat="thinker-3.0.4")
    inputs2, outs2, attrs2 = _small(e_h=6, e_y=6)
    as_if = OP.run(inputs2[:4] + [Tensor.of(inputs[4].data, "int32", 13)], outs2, attrs2, platform)
    assert thinker[0].data.tolist() == as_if[0].data.tolist()
    assert thinker[0].data.tolist() != OP.run(inputs, outs, attrs, platform)[0].data.tolist()


@pytest.mark.parametrize("platform", ["venusA", "arcs"])
@pytest.mark.parametrize("batch_first", [True, False])
def test_compat_takes_the_step_count_from_the_wrong_axis(platform, batch_first):
    """E-LSTM-3: batch first, thinker walks I steps; time major, B (= 1) steps."""
    inputs, outs, attrs = _small(t_len=3, n_in=2, batch_first=batch_first)
    spec = OP.run(inputs, outs, attrs, platform)[0].data
    thinker = OP.run(inputs, outs, attrs, platform, compat="thinker-3.0.4")[0].data
    steps = 2 if batch_first else 1
    assert thinker.tolist() == (spec[:, :steps] if batch_first else spec[:steps]).tolist()


def test_compat_is_the_spec_on_venus_and_when_thinker_reads_past_x():
    inputs, outs, attrs = _small(t_len=2, n_in=3, e_h=4, e_y=6)
    for p in PLATFORMS:
        want = OP.run(inputs, outs, attrs, p)[0].data.tolist()
        got = OP.run(inputs, outs, attrs, p, compat="thinker-3.0.4")[0].data.tolist()
        assert got == want   # venus: not modelled; arcs/venusA: 3 > T = 2 steps reads past X, the spec's result


def test_reverse_is_forward_on_the_flipped_sequence():
    inputs, outs, attrs = _small(t_len=4)
    fwd_inputs = [Tensor.of(inputs[0].data[:, ::-1], "int8", 5), *inputs[1:]]
    for p in PLATFORMS:
        rev = OP.run(inputs, outs, {**attrs, "direction": 1}, p)
        fwd = OP.run(fwd_inputs, outs, attrs, p)
        assert rev[0].data[:, ::-1].tolist() == fwd[0].data.tolist()
        assert rev[1].data.tolist() == fwd[1].data.tolist() and rev[2].data.tolist() == fwd[2].data.tolist()


@pytest.mark.parametrize("change, error", [
    (lambda i, o, a: (i, [o[0], o[1], TensorSpec.of("int32", 14)], a), errors.ExponentOutOfRange),
    (lambda i, o, a: (i[:4] + [Tensor.of(i[4].data, "int32", 11)], o, a), errors.ExponentOutOfRange),
    (lambda i, o, a: (i, o, {**a, "direction": 2}), errors.UnsupportedAttribute),
    (lambda i, o, a: (i, o, {**a, "hidden_size": 3}), errors.ShapeMismatch),
    (lambda i, o, a: (i[:1] + [Tensor.of([4], "int64")] + i[1:], o, a), errors.ValueOutOfRange),
    (lambda i, o, a: (i[:1] + [Tensor.of(i[1].data[:4], "int8", 7)] + i[2:], o, a), errors.ShapeMismatch),
])
def test_requires(change, error):
    inputs, outs, attrs = change(*_small())
    with pytest.raises(error):
        OP.run(inputs, outs, attrs, "venusA")


# ---------------------------------------------------------------------------------------------
# ONNX, both dialects, and model.bin
# ---------------------------------------------------------------------------------------------

def _onnx(dialect: str, op_type: str, platform: str, *, t_len=3, n_in=3, state=False, seq=False, reverse=False):
    rng = np.random.default_rng(5)
    w_ih, w_hh = rng.integers(-128, 128, (8, n_in)).astype(np.int8), rng.integers(-128, 128, (8, 2)).astype(np.int8)
    b_ih, b_hh = rng.integers(-3000, 3000, 8).astype(np.int32), rng.integers(-3000, 3000, 8).astype(np.int32)
    inits = [numpy_helper.from_array(a, n) for a, n in ((w_ih, "w_ih"), (w_hh, "w_hh"), (b_ih, "b_ih"), (b_hh, "b_hh"))]
    dom = "linger" if dialect == "linger3" else "thinker"
    q = {"platform": platform} if dialect == "linger3" else {"platform_quant": "luna_quant"}
    nodes = [helper.make_node("Quant", ["input"], ["xq"], domain=dom, data_bits=8, scale_x=32.0, **q)]
    graph_inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, t_len, n_in])]
    ins = ["xq"]
    if seq:
        graph_inputs.append(helper.make_tensor_value_info("len", TensorProto.INT64, [1]))
        ins.append("len")
    if state:
        graph_inputs += [helper.make_tensor_value_info("h0", TensorProto.FLOAT, [1, 1, 2]),
                         helper.make_tensor_value_info("c0", TensorProto.FLOAT, [1, 1, 2])]
        if dialect == "linger3":
            nodes += [helper.make_node("Quant", ["h0"], ["h0q"], domain=dom, data_bits=8, scale_x=16.0, **q),
                      helper.make_node("Quant", ["c0"], ["c0q"], domain=dom, data_bits=32, scale_x=32768.0, **q)]
            ins += ["h0q", "c0q"]
        else:
            ins += ["h0", "c0"]
    ins += ["w_ih", "w_hh", "b_ih", "b_hh"]
    common = {"batch_first": 1, "go_forward": 0 if reverse else 1, "hidden_size": 2, "input_size": n_in,
              "num_layers": 1, "o_bits": 8, "scale_h": 16.0, "scale_hw": 128.0, "scale_iw": 128.0, "scale_o": 64.0}
    if dialect == "linger3":
        a = {**common, "scale_x": 32.0, "scale_c": 32768.0, "x_bits": 8, "w_bits": 8, "has_hidden": int(state),
             "has_cell": int(state), "platform": platform, "quant_mode": "floor_add"}
    else:
        a = {**common, "scale_i": 32.0, "data_bits": 8, "parameter_bits": 8, "dropout": 0.0,
             "platform_quant": "luna_quant"}
    nodes.append(helper.make_node(op_type, ins, ["y", "hn", "cn"], domain=dom, **a))
    nodes.append(helper.make_node("Dequant", ["y"], ["output"], domain=dom, scale_o=64.0))
    g = helper.make_graph(nodes, "lstm", graph_inputs, [helper.make_tensor_value_info("output", TensorProto.FLOAT, None)],
                          inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 12), helper.make_opsetid(dom, 1)])
    return m, (w_ih, w_hh, b_ih, b_hh)


def _direct(platform, x, weights, h0=None, c0=None, lengths=None, reverse=False):
    w_ih, w_hh, b_ih, b_hh = weights
    inputs = [Tensor.of(lunaref.numerics.quantize(x, 5), "int8", 5)]
    if lengths is not None:
        inputs.append(Tensor.of(lengths, "int64"))
    if h0 is not None:
        inputs += [Tensor.of(lunaref.numerics.quantize(h0, 4), "int8", 4),
                   Tensor.of(lunaref.numerics.quantize(c0, 15, "int32"), "int32", 15)]
    inputs += [Tensor.of(w_ih, "int8", 7), Tensor.of(w_hh, "int8", 7), Tensor.of(b_ih, "int32", 12),
               Tensor.of(b_hh, "int32", 11)]
    y = OP.run(inputs, [TensorSpec.of("int8", 6), TensorSpec.of("int8", 4), TensorSpec.of("int32", 15)],
               {"layout": 1, "direction": int(reverse)}, platform)[0]
    return y.data / 64.0


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("dialect, op_type, state, seq", [
    ("linger3", "QLSTM", False, False), ("linger3", "QLSTM", True, False),
    ("linger1", "LSTMInt", False, False), ("linger1", "LSTMInt_Is8_Is64", False, True),
    ("linger1", "LSTMInt_Is8_Is64_If32_If32", True, True)])
def test_onnx_import(platform, dialect, op_type, state, seq):
    model, weights = _onnx(dialect, op_type, platform, state=state, seq=seq, reverse=state)
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (1, 3, 3)).astype(np.float32)
    feeds = [x]
    lengths = np.array([2], np.int64) if seq else None
    h0 = rng.normal(0, 0.5, (1, 1, 2)).astype(np.float32) if state else None
    c0 = rng.normal(0, 0.5, (1, 1, 2)).astype(np.float32) if state else None
    if seq:
        feeds.append(lengths)
    if state:
        feeds += [h0, c0]
    (out,) = lunaref.run_onnx(model.SerializeToString(), feeds, platform)
    assert np.array_equal(out, _direct(platform, x, weights, h0, c0, lengths, reverse=state).astype(np.float32))


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("state", [False, True])
def test_model_bin_round_trip(platform, state):
    """5 inputs, and 7 (H0, C0: lstmint.c reads the weights from input 3; tpacker cannot pack this form)."""
    from lunaref.onnx_import import load_onnx
    from lunaref.resource.executor import execute
    from lunaref.resource.packer import pack
    model, _ = _onnx("linger3", "QLSTM", platform, state=state)
    rng = np.random.default_rng(2)
    feeds = [rng.normal(0, 1, s).astype(np.float32) for s in [(1, 3, 3)] + [(1, 1, 2)] * (2 * state)]
    graph = load_onnx(model.SerializeToString())
    res = pack(graph, keep_quant=True)
    assert not res.resource.dma       # LSTMInt reads its constants in place (E-LSTM-4)
    (want,) = lunaref.run_onnx(model.SerializeToString(), feeds, platform)
    assert np.array_equal(execute(res.resource, feeds).outputs[0], want)
    # W_ih [4H, I] = [8, 3] and W_hh [8, 2] as exported; venus stores both transposed (tpacker LstmInt.pack_params)
    (op,) = [o for o in res.resource.operators if o.type == "LSTMInt"]
    assert len(op.inputs) == (7 if state else 5)
    w = op.inputs[-4:]
    shapes = [tuple(res.resource.tensors[t].shape) for t in w[:2]]
    assert shapes == ([(3, 8), (2, 8)] if platform == "venus" else [(8, 3), (8, 2)])
    # B_ih, B_hh recorded with "no scale" as tpacker records them; the executor derives e(X) + e(W_ih), e(H) + e(W_hh)
    assert [res.resource.tensors[t].exponent for t in w[2:]] == [None, None]


@pytest.mark.evidence
@pytest.mark.parametrize("name", [f"lstm_t8_f8_small_{p}" for p in PLATFORMS])
def test_linger_lstm_export_through_model_bin(evidence, name):
    from lunaref.resource.packer import pack
    folder = evidence("linger3-exports", name)
    x = np.load(folder / "input.npy")
    data = pack(lunaref.load_onnx(folder / "model.onnx")).data
    (out,) = lunaref.run_resource(data, [x], quantize_inputs=True, dequantize_outputs=True)
    assert np.array_equal(out, np.load(folder / "linger_output.npy"))


def test_pack_refuses_a_batch():
    from lunaref.onnx_import import load_onnx
    from lunaref.resource.packer import pack
    model, _ = _onnx("linger3", "QLSTM", "arcs")
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 2
    with pytest.raises(errors.UnsupportedAttribute, match="single sequence"):
        pack(load_onnx(model.SerializeToString()), keep_quant=True)


def test_gate_accumulator_saturation_order():
    """x·Wᵀ + B = 2^31 − 1 + 64·127² is moved exact on venus (linger 3.0.9's _forward_venus_exact: 2049 at Q11),
    saturated to int32 first on arcs / venusA (the LUNA split_mat_mul_bias: 2^31 − 1 → 2^27 at Q27)."""
    from lunaref.ops.lstmint import _gate_input
    x, w, b = np.full((1, 64), 127), np.full((4, 64), 127), np.full(4, (1 << 31) - 1)
    assert _gate_input(x, w, b, 31, get_profile("venus")).tolist() == [[2049] * 4]
    for platform in ("arcs", "venusA"):
        assert _gate_input(x, w, b, 31, get_profile(platform)).tolist() == [[1 << 27] * 4]


@pytest.mark.parametrize("platform", ["arcs", "venusA"])
def test_resource_with_tpackers_state_records_runs_as_thinker(platform):
    """tpacker records H_n and C_n at scale_o and the biases with no scale (E-LSTM-2): the executor takes C_n at
    Q15 whatever its record says and the hidden state at H_n's record — so it computes thinker's recurrence at
    e(Y), which the compatibility mode models (here e(H) = 4, e(Y) = 6)."""
    from dataclasses import replace

    from lunaref.onnx_import import load_onnx
    from lunaref.resource.executor import execute
    from lunaref.resource.packer import pack
    model, _ = _onnx("linger3", "QLSTM", platform)
    x = np.random.default_rng(3).normal(0, 1, (1, 3, 3)).astype(np.float32)
    res = pack(load_onnx(model.SerializeToString()), keep_quant=True).resource
    (op,) = [o for o in res.operators if o.type == "LSTMInt"]
    e_y = res.tensors[op.outputs[0]].exponent
    at_y = {op.outputs[1], op.outputs[2]}
    tensors = tuple(replace(t, scale=float(e_y), exponent=e_y) if t.index in at_y else t for t in res.tensors)
    got = execute(replace(res, tensors=tensors), [x]).outputs[0]
    (thinker,) = lunaref.run_onnx(model.SerializeToString(), [x], platform, compat="thinker-3.0.4")
    (spec,) = lunaref.run_onnx(model.SerializeToString(), [x], platform)
    assert np.array_equal(got, thinker) and not np.array_equal(got, spec)
