"""Sigmoid and tanh (and GluInt, built on the sigmoid): the LUNA primitives of every platform (spec/nonlinear.md §1) against a Python-int model,
the venusA simulator table of the evidence, and the ops iqSigmoid / iqTanh (spec/ops/iqsigmoid.md, iqtanh.md):
arithmetic, ONNX in both dialects, model.bin, and thinker 3.0.4's compatibility models."""

from __future__ import annotations

import csv
import re

import lunaref
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunaref import Tensor, TensorSpec, errors
from lunaref.graph import Graph, Node, ValueInfo
from lunaref.luna import activation as act
from lunaref.luna.registry import PRIMITIVES, run_primitive
from lunaref.ops import REGISTRY
from lunaref.resource import read
from lunaref.resource.executor import run_resource
from lunaref.resource.packer import pack
from lunaref.vectors.strategies import CASES, PRIMITIVE_CASES
from onnx import TensorProto, helper
from support import SPEC, require_evidence

PLATFORMS = ["venus", "venusA", "arcs"]
OPS = {"iqSigmoid": "sigmoid", "iqTanh": "tanh"}


# ---------------------------------------------------------------------------------------------
# an independent model in Python ints (spec/nonlinear.md §1.1, tables as the spec prints them)
# ---------------------------------------------------------------------------------------------

def _spec_rows(heading: str, cells: int) -> list[list[int]]:
    text = (SPEC / "nonlinear.md").read_text(encoding="utf-8")
    body = text[text.index(heading):]
    body = body[:body.index("Source:")]
    rows = []
    for line in body.splitlines():
        c = [x.strip() for x in line.strip().strip("|").split("|")]
        if len(c) == cells and re.fullmatch(r"\d+", c[0]):
            rows.append([int(v) for v in c[1:]])
    assert len(rows) == 16
    return rows


VENUS = _spec_rows("### 1.2 venus tables", 10)
Q27_SIG = _spec_rows("### 1.3 arcs and venusA tables", 7)
Q27_TANH = _spec_rows("| k | tanh BANDS[k+1] | T[k] | arcs TB[k] | venusA TB[k] |", 5)


def _seg(a: int, bands_upper: list[int]) -> int | None:
    lower = 0
    for k, upper in enumerate(bands_upper):
        if (a == 0 and k == 0) or lower < a <= upper:
            return k
        lower = upper
    return None


def _rhu(v: int, s: int) -> int:
    return v if s <= 0 else (v + (1 << (s - 1))) >> s


def _sat(v: int, bits: int) -> int:
    return max(-(1 << (bits - 1)), min((1 << (bits - 1)) - 1, v))


def raw_model(kind: str, x: int, platform: str) -> int:
    if platform == "venus":
        if kind == "sigmoid":
            k = _seg(abs(x), [r[0] for r in VENUS])
            if k is None:
                return 0
            _, s, b0, b1, sh = VENUS[k][:5]
            return (s * x) // (1 << sh) + (b1 if x < 0 else b0)
        a = 32767 if x == -32768 else abs(x)
        k = _seg(a, [r[5] for r in VENUS])
        if k is None:
            return 0
        t, tb, sh = VENUS[k][6], VENUS[k][7], VENUS[k][8]
        return (-t * a) // (1 << sh) - tb if x < 0 else (t * a) // (1 << sh) + tb
    exact = platform == "venusA"
    if kind == "sigmoid":
        k = _seg(abs(x), [r[0] for r in Q27_SIG])
        s = Q27_SIG[k][1]
        b = Q27_SIG[k][(5 if x < 0 else 4) if exact else (3 if x < 0 else 2)]
        return s * x + b * (1 << 30) if exact else (s * x) // (1 << 27) + b
    a = (1 << 31) - 1 if x == -(1 << 31) else abs(x)
    k = _seg(a, [r[0] for r in Q27_TANH])
    t, tb = Q27_TANH[k][1], Q27_TANH[k][3 if exact else 2]
    if exact:
        return -(t * a + tb * (1 << 30)) if x < 0 else t * a + tb * (1 << 30)
    return (-t * a) // (1 << 27) - tb if x < 0 else (t * a) // (1 << 27) + tb


RAW_Q = {"venus": 15, "arcs": 31, "venusA": 58}


def primitive_model(kind: str, x: int, platform: str, bits: int) -> int:
    return _sat(_rhu(raw_model(kind, x, platform), RAW_Q[platform] - (bits - 1)), bits)


def _rescale(v: int, d: int) -> int:
    return _rhu(v, d) if d > 0 else v * (1 << -d)


def op_model(kind: str, x: int, e_x: int, e_y: int, bits: int, platform: str) -> int:
    q, t = (11, 16) if platform == "venus" else (27, 32)
    xq = _sat(_rescale(x, e_x - q), t)
    return _sat(_rescale(raw_model(kind, xq, platform), RAW_Q[platform] - e_y), bits)


# ---------------------------------------------------------------------------------------------
# the tables
# ---------------------------------------------------------------------------------------------

# (count, sum, sum of squares mod 1000003) of linger 3.0.9's kernel tables (kernel/cpu/<name>_kernel.cpp)
LINGER_FINGERPRINTS = {
    ("venus_qsigmoid", "bands"): (17, 133100, 705824), ("venus_qsigmoid", "slopes"): (16, 294025, 488859),
    ("venus_qsigmoid", "bias0s"): (16, 405691, 177487), ("venus_qsigmoid", "bias1s"): (16, 118597, 709519),
    ("venus_qtanh", "bands"): (17, 86626, 498974), ("venus_qtanh", "slopes"): (16, 269458, 11274),
    ("venus_qtanh", "biass"): (16, 299407, 397113),
    ("arcs_qsigmoid", "bands"): (17, 8723301860, 133353), ("arcs_qsigmoid", "slopes"): (16, 2863930793, 578957),
    ("arcs_qsigmoid", "bias0s"): (16, 26587894018, 216797), ("arcs_qsigmoid", "bias1s"): (16, 7771844350, 670552),
    ("arcs_qtanh", "bands"): (17, 5677258167, 316014), ("arcs_qtanh", "slopes"): (16, 10845654476, 456132),
    ("arcs_qtanh", "biass"): (16, 19622305953, 634411),
    ("venusa_qsigmoid", "bias0s"): (16, 3323486745, 401973), ("venusa_qsigmoid", "bias1s"): (16, 971480538, 476828),
    ("venusa_qtanh", "biass"): (16, 2452788237, 617078),
}
MODULE_TABLES = {
    ("venus_qsigmoid", "bands"): act.VENUS_SIGMOID.bands, ("venus_qsigmoid", "slopes"): act.VENUS_SIGMOID.slopes,
    ("venus_qsigmoid", "bias0s"): act.VENUS_SIGMOID_BIAS_POS, ("venus_qsigmoid", "bias1s"): act.VENUS_SIGMOID_BIAS_NEG,
    ("venus_qtanh", "bands"): act.VENUS_TANH.bands, ("venus_qtanh", "slopes"): act.VENUS_TANH.slopes,
    ("venus_qtanh", "biass"): act.VENUS_TANH_BIAS,
    ("arcs_qsigmoid", "bands"): act.Q27_SIGMOID.bands, ("arcs_qsigmoid", "slopes"): act.Q27_SIGMOID.slopes,
    ("arcs_qsigmoid", "bias0s"): act.ARCS_BIASES["sigmoid"][0], ("arcs_qsigmoid", "bias1s"): act.ARCS_BIASES["sigmoid"][1],
    ("arcs_qtanh", "bands"): act.Q27_TANH.bands, ("arcs_qtanh", "slopes"): act.Q27_TANH.slopes,
    ("arcs_qtanh", "biass"): act.ARCS_BIASES["tanh"][0],
    ("venusa_qsigmoid", "bias0s"): act.VENUSA_BIASES["sigmoid"][0],
    ("venusa_qsigmoid", "bias1s"): act.VENUSA_BIASES["sigmoid"][1], ("venusa_qtanh", "biass"): act.VENUSA_BIASES["tanh"][0],
}


@pytest.mark.parametrize("key", sorted(LINGER_FINGERPRINTS))
def test_tables_are_lingers(key):
    assert _fp(MODULE_TABLES[key]) == LINGER_FINGERPRINTS[key]


def _fp(v):
    return len(v), sum(v), sum(x * x for x in v) % 1000003


def test_module_tables_are_the_spec_tables():
    assert list(act.VENUS_SIGMOID.bands[1:]) == [r[0] for r in VENUS]
    assert list(act.VENUS_SIGMOID.slopes) == [r[1] for r in VENUS]
    assert list(act.VENUS_SIGMOID_BIAS_POS) == [r[2] for r in VENUS]
    assert list(act.VENUS_SIGMOID_BIAS_NEG) == [r[3] for r in VENUS]
    assert list(act.VENUS_SIGMOID.shifts) == [r[4] for r in VENUS]
    assert list(act.VENUS_TANH.bands[1:]) == [r[5] for r in VENUS]
    assert list(act.VENUS_TANH.slopes) == [r[6] for r in VENUS]
    assert list(act.VENUS_TANH_BIAS) == [r[7] for r in VENUS]
    assert list(act.VENUS_TANH.shifts) == [r[8] for r in VENUS]
    assert list(act.Q27_SIGMOID.bands[1:]) == [r[0] for r in Q27_SIG]
    assert list(act.Q27_SIGMOID.slopes) == [r[1] for r in Q27_SIG]
    assert [list(t) for t in act.ARCS_BIASES["sigmoid"]] == [[r[2] for r in Q27_SIG], [r[3] for r in Q27_SIG]]
    assert [list(t) for t in act.VENUSA_BIASES["sigmoid"]] == [[r[4] for r in Q27_SIG], [r[5] for r in Q27_SIG]]
    assert list(act.Q27_TANH.bands[1:]) == [r[0] for r in Q27_TANH]
    assert list(act.Q27_TANH.slopes) == [r[1] for r in Q27_TANH]
    assert list(act.ARCS_BIASES["tanh"][0]) == [r[2] for r in Q27_TANH]
    assert list(act.VENUSA_BIASES["tanh"][0]) == [r[3] for r in Q27_TANH]


def test_table_properties():
    assert {a + b for a, b in zip(act.VENUS_SIGMOID_BIAS_POS, act.VENUS_SIGMOID_BIAS_NEG)} == {32768}
    pos, neg = act.ARCS_BIASES["sigmoid"]
    assert {a + b for a, b in zip(pos, neg)} == {1 << 31}
    for kind in ("sigmoid", "tanh"):     # venusA's Q28 biases are arcs's Q31 ones divided by 8, floored
        for a, v in zip(act.ARCS_BIASES[kind], act.VENUSA_BIASES[kind]):
            assert [x >> 3 for x in a] == list(v)
    for t in (act.VENUS_SIGMOID, act.VENUS_TANH, act.Q27_SIGMOID, act.Q27_TANH):
        assert t.bands[0] == 0 and list(t.bands) == sorted(set(t.bands))


# ---------------------------------------------------------------------------------------------
# the primitives
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["sigmoid", "tanh"])
def test_venus_every_int16_input(kind):
    x = np.arange(-32768, 32768)
    r16 = act.activation(kind, x, "int16", "venus")
    r8 = act.activation(kind, x, "int8", "venus")
    sample = x[::97].tolist() + [-32768, -32767, 32767, 0, -1, 1]
    assert [int(r16[v + 32768]) for v in sample] == [primitive_model(kind, v, "venus", 16) for v in sample]
    assert [int(r8[v + 32768]) for v in sample] == [primitive_model(kind, v, "venus", 8) for v in sample]
    assert np.array_equal(r8, np.clip((r16.astype(np.int64) + 128) >> 8, -128, 127))     # int8 = rshift(int16, 8)
    lo, hi = (0, 32767) if kind == "sigmoid" else (-32768, 32767)
    assert int(r16.min()) == lo and int(r16.max()) == hi


@pytest.mark.parametrize("platform", ["arcs", "venusA"])
@pytest.mark.parametrize("kind", ["sigmoid", "tanh"])
@settings(max_examples=200, deadline=None)
@given(x=st.lists(st.one_of(st.integers(-(1 << 31), (1 << 31) - 1), st.integers(-(1 << 28), 1 << 28),
                            st.sampled_from([-(1 << 31), (1 << 31) - 1, 0, 1, -1, 1 << 25, -(1 << 25)])),
                  min_size=1, max_size=8))
def test_q27_primitive_equals_model(platform, kind, x):
    for out in act.output_types(platform):
        bits = int(out[3:])
        got = act.activation(kind, np.array(x), out, platform).tolist()
        assert got == [primitive_model(kind, v, platform, bits) for v in x]


def test_venusA_int16_is_one_rounding_of_q58():
    """An input where rshift(rshift(R, 27), 16) differs from rshift(R, 43) (found by search; the simulator
    gives the single rounding, spec/nonlinear.md §1.6)."""
    x = np.arange(0, 1 << 22, dtype=np.int64) * 512 + 3
    r = act.raw("sigmoid", x, "venusA")
    single = (r + (1 << 42)) >> 43
    double = ((((r + (1 << 26)) >> 27) + (1 << 15)) >> 16)
    diff = np.nonzero(single != double)[0]
    assert diff.size > 0
    got = act.activation("sigmoid", x[diff], "int16", "venusA")
    assert np.array_equal(got, np.clip(single[diff], -32768, 32767))


def test_wide_q11_inputs_give_zero_beyond_16():
    """linger's venus kernels (used by the recurrent cells on int32 sums): no segment beyond |x| = 32768."""
    x = np.array([32768, 32769, -32769, 1 << 20, -(1 << 31), (1 << 31) - 1])
    assert act.sigmoid(x, "venus").tolist() == [32767, 0, 0, 0, 0, 0]
    assert act.tanh(x, "venus").tolist()[1:] == [0, 0, 0, 0, 0]
    with pytest.raises(errors.ValueOutOfRange):          # the libluna call itself takes int16
        act.activation("sigmoid", np.array([32768]), "int16", "venus")


def test_native_forms():
    x = np.array([0, 1 << 27, -(1 << 27)])
    assert act.sigmoid(x, "arcs").tolist() == [1 << 30, 1568738739, 578744909]
    assert act.sigmoid(x, "venusA").tolist() == [1 << 30, 1568738732, 578744908]
    assert act.tanh(np.array([0, 2048, -2048]), "venus").tolist() == [0, 24917, -24917]


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_primitive_rows_equal_model(name, data):
    arrays, attrs = data.draw(PRIMITIVE_CASES[name])
    for platform in PLATFORMS:
        try:
            (got,) = run_primitive(name, arrays, attrs, platform)
        except (errors.DTypeMismatch, errors.UnsupportedOnPlatform):
            assert (arrays[0].dtype == np.int16) != (platform == "venus") or attrs["out"] not in \
                act.output_types(platform)
            continue
        bits = int(attrs["out"][3:])
        assert got.tolist() == [primitive_model(name, int(v), platform, bits) for v in arrays[0]]


def test_primitive_rows_per_platform():
    for name in ("sigmoid", "tanh"):
        assert set(PRIMITIVES[name].platforms) == set(PLATFORMS)
    with pytest.raises(errors.UnsupportedOnPlatform):       # arcs has no int16 result
        run_primitive("sigmoid", [np.zeros(2, np.int32)], {"out": "int16"}, "arcs")
    with pytest.raises(errors.DTypeMismatch):               # venus takes int16 Q11
        run_primitive("tanh", [np.zeros(2, np.int32)], {"out": "int8"}, "venus")


def test_evidence_csv_every_row():
    """Every row of luna-activations/venusA_sigmoid_tanh_q27.csv (the venusA simulator; wrapped inputs
    included) equals lunaref's primitives."""
    path = require_evidence("luna-activations", "venusA_sigmoid_tanh_q27.csv")
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == 6656
    for kind in ("sigmoid", "tanh"):
        sel = [r for r in rows if r["function"] == kind]
        x = np.array([int(r["in_q27"]) for r in sel])
        for col, out in (("o8_q7", "int8"), ("o16_q15", "int16"), ("o32_q31", "int32")):
            want = np.array([int(r[col]) for r in sel])
            assert np.array_equal(run_primitive(kind, [x.astype(np.int32)], {"out": out}, "venusA")[0], want), \
                (kind, col)
        assert sum(r["in_wrapped"] == "1" for r in sel) == 544


# ---------------------------------------------------------------------------------------------
# the ops
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("op", sorted(OPS))
@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_op_equals_model(op, data):
    (x,), (y,), attrs = data.draw(CASES[op])
    for platform in PLATFORMS:
        try:
            (got,) = REGISTRY.get(op).run([x], [y], attrs, platform)
        except (errors.UnsupportedOnPlatform, errors.DTypeMismatch):
            continue
        want = [op_model(OPS[op], int(v), x.exponent, y.exponent, y.dtype.bits, platform) for v in x.data.reshape(-1)]
        assert got.data.reshape(-1).tolist() == want
        assert got.dtype == y.dtype and got.exponent == y.exponent and got.shape == x.shape


def _run(op, values, t, e_x, to, e_y, platform, compat=None):
    return REGISTRY.get(op).run([Tensor.of(np.array(values), t, e_x)], [TensorSpec.of(to, e_y)], {}, platform,
                                compat=compat)[0].data.tolist()


X8 = [-128, -40, -1, 0, 1, 40, 100, 127]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_spec_examples(platform):
    assert _run("iqSigmoid", X8, "int8", 6, "int8", 7, platform) == [15, 45, 64, 64, 64, 83, 106, 112]
    assert _run("iqTanh", X8, "int8", 6, "int8", 7, platform) == [-123, -71, -2, 0, 2, 71, 117, 123]


def test_spec_examples_wide():
    x16 = [-32768, -3000, 0, 3000, 32767]
    assert _run("iqSigmoid", x16, "int16", 13, "int16", 15, "venus") == [595, 13425, 16384, 19342, 32172]
    assert _run("iqSigmoid", x16, "int16", 13, "int8", 5, "venus") == [1, 13, 16, 19, 31]
    assert _run("iqTanh", x16, "int16", 13, "int16", 15, "venus") == [-32736, -11455, 0, 11454, 32735]
    assert _run("iqTanh", x16, "int16", 13, "int8", 5, "venus") == [-32, -11, 0, 11, 32]
    sat = [-128, -40, 0, 40, 127]
    assert _run("iqSigmoid", sat, "int8", 2, "int16", 15, "venusA") == [0, 16, 16384, 32752, 32767]
    assert _run("iqSigmoid", sat, "int8", 2, "int8", 7, "venus") == [0, 0, 64, 127, 127]
    assert _run("iqTanh", sat, "int8", 2, "int16", 15, "venusA") == [-32768, -32752, 0, 32752, 32767]


def test_widening_saturates_not_linger_zero():
    """int8 at e(X) = 2 on venus: x·2^9 leaves int16; the spec saturates (σ ≈ 1), linger's kernel gives 0."""
    assert _run("iqSigmoid", [127, -128], "int8", 2, "int16", 15, "venus") == [32767, 0]
    assert _run("iqSigmoid", [127], "int8", 3, "int16", 15, "venus") == [primitive_model("sigmoid", 32512, "venus", 16)]


@pytest.mark.parametrize("platform", ["venusA", "arcs"])
def test_fixed_output_exponent_on_q27_platforms(platform):
    with pytest.raises(errors.UnsupportedOnPlatform):
        _run("iqSigmoid", X8, "int8", 6, "int8", 6, platform)
    with pytest.raises(errors.UnsupportedOnPlatform):
        _run("iqTanh", X8, "int16", 12, "int8", 7, platform)


def test_arcs_has_int8_output_only():
    with pytest.raises(errors.UnsupportedOnPlatform):
        _run("iqSigmoid", X8, "int8", 6, "int16", 15, "arcs")
    assert _run("iqTanh", X8, "int8", 6, "int32", 31, "venusA")[3] == 0


# ---------------------------------------------------------------------------------------------
# thinker 3.0.4 (errata E-SIGMOID-1, E-SIGMOID-2, E-TANH-1)
# ---------------------------------------------------------------------------------------------

def test_compat_venusA_sigmoid_factor():
    c = "thinker-3.0.4"
    assert _run("iqSigmoid", X8, "int8", 6, "int8", 7, "venusA", c) == [64] * 8          # factor 2^21 → 0
    assert _run("iqSigmoid", X8, "int8", 12, "int8", 7, "venusA", c) == \
        [primitive_model("sigmoid", _sat(v * -32768, 32), "venusA", 8) for v in X8]      # 2^15 → −32768
    assert _run("iqSigmoid", X8, "int8", 13, "int8", 7, "venusA", c) == _run("iqSigmoid", X8, "int8", 13, "int8", 7,
                                                                             "venusA")
    assert _run("iqSigmoid", X8, "int8", 6, "int8", 7, "arcs", c) == _run("iqSigmoid", X8, "int8", 6, "int8", 7, "arcs")


def test_compat_venus_exponents():
    c, x = "thinker-3.0.4", [-3000, -700, -1, 0, 1, 700, 2500, 4000]
    assert _run("iqSigmoid", x, "int16", 9, "int8", 6, "venus") == [0, 13, 32, 32, 32, 51, 64, 64]
    assert _run("iqSigmoid", x, "int16", 9, "int8", 6, "venus", c) == [24, 53, 64, 64, 64, 75, 99, 112]
    assert _run("iqTanh", x, "int16", 9, "int8", 7, "venus", c) == [-115, -42, 0, 0, 0, 42, 107, 123]
    # e(X) ≥ 11 and e(Y) the primitive's own: thinker is the spec
    for e in (11, 12, 15):
        assert _run("iqTanh", x, "int16", e, "int8", 7, "venus", c) == _run("iqTanh", x, "int16", e, "int8", 7, "venus")
        assert _run("iqSigmoid", x, "int16", e, "int16", 15, "venus", c) == \
            _run("iqSigmoid", x, "int16", e, "int16", 15, "venus")
    # int8 X (thinker cannot hold it): the spec
    assert _run("iqSigmoid", X8, "int8", 6, "int8", 6, "venus", c) == _run("iqSigmoid", X8, "int8", 6, "int8", 6, "venus")


@pytest.mark.parametrize("platform", ["venusA", "arcs"])
def test_compat_tanh_all_zero(platform):
    c = "thinker-3.0.4"
    assert _run("iqTanh", X8, "int8", 6, "int8", 7, platform, c) == [0] * 8
    assert _run("iqTanh", X8, "int8", 28, "int8", 7, platform, c) == _run("iqTanh", X8, "int8", 28, "int8", 7, platform)


# ---------------------------------------------------------------------------------------------
# ONNX (both dialects) and model.bin
# ---------------------------------------------------------------------------------------------

def _linger3(op_type: str, platform: str, scale_x=64.0, scale_o=128.0, o_bits=8):
    nodes = [helper.make_node("Quant", ["x"], ["qx"], domain="linger", data_bits=8, scale_x=scale_x, platform=platform),
             helper.make_node(op_type, ["qx"], ["y"], domain="linger", x_bits=8, scale_x=scale_x, o_bits=o_bits,
                              scale_o=scale_o, platform=platform, quant_mode="floor_add"),
             helper.make_node("Dequant", ["y"], ["out"], domain="linger", scale_o=scale_o)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("linger", 1)])


def _linger1(op_type: str, scale_x=4096.0):
    nodes = [helper.make_node("Quant", ["x"], ["qx"], domain="thinker", data_bits=16, scale_x=scale_x,
                              platform_quant="luna_quant"),
             helper.make_node(op_type, ["qx"], ["y"], domain="thinker", scale_x=scale_x, scale_o=128.0,
                              platform_quant="luna_quant", castor_mode="luna"),
             helper.make_node("Dequant", ["y"], ["out"], domain="thinker", scale_o=128.0)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("thinker", 1)])


@pytest.mark.parametrize("op_type,op", [("QSigmoid", "iqSigmoid"), ("QTanh", "iqTanh")])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_onnx_linger3(op_type, op, platform):
    x = np.random.default_rng(7).standard_normal((1, 8)).astype(np.float32) * 1.5
    (out,) = lunaref.run_onnx(_linger3(op_type, platform), [x], platform)
    q = np.clip(np.floor(x * 64 + 0.5), -128, 127).astype(np.int64)
    want = [op_model(OPS[op], int(v), 6, 7, 8, platform) for v in q.reshape(-1)]
    assert np.array_equal(out.reshape(-1), np.array(want, dtype=np.float32) / 128)
    graph = lunaref.load_onnx(_linger3(op_type, "venusA", o_bits=32, scale_o=2.0 ** 31))
    assert [n.op for n in graph.nodes] == ["Quant", op, "Dequant"]
    assert graph.specs["y"].dtype.name == "int32" and graph.specs["y"].exponent == 31


@pytest.mark.parametrize("op_type", ["iqSigmoid", "iqTanh"])
def test_onnx_linger1(op_type):
    x = np.linspace(-6, 6, 8, dtype=np.float32).reshape(1, 8)
    graph = lunaref.load_onnx(_linger1(op_type))
    assert [n.op for n in graph.nodes] == ["Quant", op_type, "Dequant"]
    assert graph.specs["qx"].dtype.name == "int16" and graph.specs["y"].dtype.name == "int8"
    (out,) = lunaref.run_onnx(_linger1(op_type), [x], "venus")
    q = np.clip(np.floor(x * 4096 + 0.5), -32768, 32767).astype(np.int64)
    want = [op_model(OPS[op_type], int(v), 12, 7, 8, "venus") for v in q.reshape(-1)]
    assert np.array_equal(out.reshape(-1), np.array(want, dtype=np.float32) / 128)


def test_onnx_x_bits_must_match():
    m = _linger3("QSigmoid", "venusA")
    (a,) = [a for a in m.graph.node[1].attribute if a.name == "x_bits"]
    a.i = 16
    with pytest.raises(errors.MalformedOnnx):
        lunaref.load_onnx(m)


def _graph(op, x, y, platform, shape=(1, 8)):
    node = Node("f", op, ("x",), ("y",), {}, (y,))
    return Graph((ValueInfo("x", x.dtype, x.exponent, shape),), (ValueInfo("y", y.dtype, y.exponent),), {}, (node,),
                 platform, None, {"x": x, "y": y})


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("platform,tx,ex,ty,ey", [("venus", "int16", 12, "int8", 7), ("venus", "int8", 6, "int16", 13),
                                                   ("arcs", "int8", 6, "int8", 7), ("venusA", "int8", 5, "int16", 15)])
def test_model_bin_round_trip(op, platform, tx, ex, ty, ey):
    x, y = TensorSpec.of(tx, ex), TensorSpec.of(ty, ey)
    data = pack(_graph(op, x, y, platform), platform, keep_quant=True).data
    values = np.random.default_rng(3).integers(x.dtype.min, x.dtype.max + 1, (1, 8))
    (got,) = run_resource(data, [values.astype(x.dtype.storage)], platform)
    want = REGISTRY.get(op).run([Tensor.of(values, tx, ex)], [y], {}, platform)[0].data
    assert got.dtype == want.dtype and np.array_equal(got, want)
    res = read(data)
    (rec,) = res.operators
    assert rec.type == op
    if op == "iqTanh":     # tpacker's iqBinaryAttrs: quant_type from platform_quant (luna_quant = 4)
        assert rec.attrs == {"quant_type": 4, "reserve": 0}


def test_model_bin_workspace():
    """tpacker iqSigmoid.get_workspace: 4 bytes per (aligned) input byte on arcs and venusA, 2 on venus when X
    is rescaled; iqTanh none."""
    def ws(op, platform, x):
        graph = _graph(op, x, TensorSpec.of("int8", 7), platform, shape=(1, 16))
        res = read(pack(graph, platform, keep_quant=True).data)
        (rec,) = res.operators
        return [res.tensors[t].nbytes for t in rec.temps]
    assert ws("iqSigmoid", "arcs", TensorSpec.of("int8", 6)) == [64] == ws("iqSigmoid", "venusA", TensorSpec.of("int8", 6))
    assert ws("iqSigmoid", "venus", TensorSpec.of("int16", 12)) == [64]
    assert ws("iqSigmoid", "venus", TensorSpec.of("int16", 11)) == [] == ws("iqTanh", "venusA", TensorSpec.of("int8", 6))


# ---------------------------------------------------------------------------------------------
# GluInt: A · σ(B) with the gate in Q15 (spec/ops/gluint.md)
# ---------------------------------------------------------------------------------------------

def glu_model(x: np.ndarray, e_x: int, e_y: int, axis: int, platform: str) -> np.ndarray:
    """spec/ops/gluint.md in Python ints: the halves along ``axis``, B to the sigmoid's Q (saturated), the
    widest sigmoid result (venus int16 Q15, arcs/venusA int32 Q31) rounded to Q15, A·G moved to e(Y)."""
    moved = np.moveaxis(np.asarray(x), axis, -1)
    n = moved.shape[-1] // 2
    q, bits = (11, 16) if platform == "venus" else (27, 32)
    out = []
    for row in moved.reshape(-1, 2 * n).tolist():
        for a, b in zip(row[:n], row[n:]):
            g = _rhu(primitive_model("sigmoid", _sat(_rescale(b, e_x - q), bits), platform, bits), bits - 1 - 15)
            out.append(_sat(_rescale(a * g, 15 + e_x - e_y), 8))
    return np.moveaxis(np.array(out, dtype=np.int64).reshape(moved.shape[:-1] + (n,)), -1, axis)


def _glu(values, e_x, e_y, platform, axis=-1, compat=None):
    x = Tensor.of(np.array(values), "int8", e_x)
    return REGISTRY.get("GluInt").run([x], [TensorSpec.of("int8", e_y)], {"axis": axis}, platform,
                                      compat=compat)[0].data


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_glu_equals_model(data):
    (x,), (y,), attrs = data.draw(CASES["GluInt"])
    for platform in PLATFORMS:
        (got,) = REGISTRY.get("GluInt").run([x], [y], attrs, platform)
        want = glu_model(x.data, x.exponent, y.exponent, attrs["axis"], platform)
        assert got.dtype == y.dtype and got.exponent == y.exponent and got.shape == want.shape
        assert np.array_equal(got.data, want)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_glu_ties_on_both_signs(platform):
    """B = 0 gives the gate σ(0) = 2^14 on every platform; at e(Y) = e(X), A·2^14 / 2^15 = A/2 is an exact half for
    an odd A, and it rounds up on both signs."""
    assert primitive_model("sigmoid", 0, platform, 16 if platform == "venus" else 32) >> (0 if platform == "venus"
                                                                                          else 16) == 1 << 14
    a = [-5, -3, -1, 1, 3, 5]
    got = _glu([a + [0] * len(a)], 4, 4, platform)
    assert got.tolist() == [[(v + 1) >> 1 for v in a]] == [[-2, -1, 0, 1, 2, 3]]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_glu_saturates(platform):
    """e(Y) = e(X) + 3: A·G·8 leaves int8 for a large |A| and a gate near 1 (clamped to the int8 bounds); small
    ones stay inside and equal the model."""
    x = np.array([[127, -128, 3, -3, 127, 127, 127, 127]])
    got = _glu(x, 4, 7, platform)
    assert got[0, :2].tolist() == [127, -128]
    assert np.array_equal(got, glu_model(x, 4, 7, -1, platform))
    q, bits = (11, 16) if platform == "venus" else (27, 32)
    g = _rhu(primitive_model("sigmoid", 127 << (q - 4), platform, bits), bits - 1 - 15)   # σ(B = 127 at e(X) 4), Q15
    assert 127 * g * 8 > 127 << 15 and 3 * g * 8 < 127 << 15       # the unsaturated values, in Q15


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_glu_inner_axis_is_the_last_axis_moved(platform, data):
    shape = data.draw(st.sampled_from([(2, 4, 3), (4, 2), (1, 2, 2, 2)]))
    axis = data.draw(st.sampled_from([k for k in range(len(shape)) if shape[k] % 2 == 0]))
    values = np.array(data.draw(st.lists(st.integers(-128, 127), min_size=int(np.prod(shape)),
                                         max_size=int(np.prod(shape))))).reshape(shape)
    e_x, e_y = data.draw(st.integers(0, 12)), data.draw(st.integers(0, 12))
    moved = _glu(np.moveaxis(values, axis, -1), e_x, e_y, platform)
    assert np.array_equal(_glu(values, e_x, e_y, platform, axis=axis), np.moveaxis(moved, -1, axis))


@pytest.mark.parametrize("platform", ["arcs", "venusA"])
def test_glu_int8_gate_has_no_q31_ties(platform):
    """spec/ops/gluint.md: for int8 B at any e(X) in 0 … 27 no Q31 sigmoid value is an exact half at shift 16."""
    b = np.arange(-128, 128)
    for e_x in range(28):
        xq = np.clip(b * (1 << (27 - e_x)), -(1 << 31), (1 << 31) - 1)
        s = act.activation("sigmoid", xq, "int32", platform).astype(np.int64)
        assert not ((s % (1 << 16)) == (1 << 15)).any()


def test_glu_requires_an_even_split():
    with pytest.raises(errors.ShapeMismatch, match="even"):
        _glu([[1, 2, 3]], 4, 4, "venusA")
    with pytest.raises(errors.UnsupportedAttribute):
        _glu([[1, 2]], 4, 4, "venusA", axis=2)


def test_glu_compat_arcs_writes_the_bytes_of_a():
    """E-GLU-1: thinker's arcs kernel never multiplies; Y is the little-endian bytes of the int32-widened A,
    transposed — rebuilt here with struct from the kernel's buffer layout."""
    import struct
    rng = np.random.default_rng(11)
    for shape in [(1, 8), (3, 4), (2, 2, 6)]:
        x = rng.integers(-128, 128, shape)
        m, n = int(np.prod(shape[:-1])), shape[-1]
        a_t = x.reshape(m, n).T[: n // 2].reshape(-1)           # the transposed A, row by row
        raw = struct.pack(f"<{a_t.size}i", *a_t.tolist())[: m * (n // 2)]
        want = np.frombuffer(raw, dtype=np.int8).reshape(n // 2, m).T.reshape(shape[:-1] + (n // 2,))
        assert np.array_equal(_glu(x, 4, 4, "arcs", compat="thinker-3.0.4"), want)
        assert np.array_equal(_glu(x, 4, 4, "venusA", compat="thinker-3.0.4"), _glu(x, 4, 4, "venusA"))
        # an inner axis is E-GLU-3 (undefined): the compatibility mode computes the spec
    x = rng.integers(-128, 128, (2, 4, 3))
    assert np.array_equal(_glu(x, 4, 4, "arcs", axis=1, compat="thinker-3.0.4"), _glu(x, 4, 4, "arcs", axis=1))


def _glu_onnx(op_type: str, domain: str, platform: str, dim: int = -1):
    q = helper.make_node("Quant", ["x"], ["qx"], domain=domain, data_bits=8, scale_x=16.0, platform=platform)
    extra = {"x_bits": 8, "platform": platform, "quant_mode": "floor_add"} if domain == "linger" else {}
    nodes = [q, helper.make_node(op_type, ["qx"], ["y"], domain=domain, dim=dim, scale_x=16.0, o_bits=8, scale_o=32.0,
                                 **extra),
             helper.make_node("Dequant", ["y"], ["out"], domain=domain, scale_o=32.0)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 8])],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(domain, 1)])


@pytest.mark.parametrize("op_type,domain", [("QGLU", "linger"), ("GluInt", "thinker")])
@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("dim", [-1, 1])
def test_glu_onnx(op_type, domain, platform, dim):
    x = np.random.default_rng(5).standard_normal((2, 3, 8)).astype(np.float32) * 3
    if dim == 1:
        x = x[:, :2, :]
    model = _glu_onnx(op_type, domain, platform, dim)
    if dim == 1:
        model.graph.input[0].type.tensor_type.shape.dim[1].dim_value = 2
    graph = lunaref.load_onnx(model)
    assert [n.op for n in graph.nodes] == ["Quant", "GluInt", "Dequant"]
    assert graph.nodes[1].attrs == {"axis": dim} and graph.specs["y"].exponent == 5
    (out,) = lunaref.run_onnx(model, [x], platform)
    q = np.clip(np.floor(x * 16 + 0.5), -128, 127).astype(np.int64)
    assert np.array_equal(out, glu_model(q, 4, 5, dim, platform).astype(np.float32) / 32)


def _glu_graph(platform, shape, axis):
    x, y = TensorSpec.of("int8", 4), TensorSpec.of("int8", 5)
    node = Node("g", "GluInt", ("x",), ("y",), {"axis": axis}, (y,))
    return Graph((ValueInfo("x", x.dtype, x.exponent, shape),), (ValueInfo("y", y.dtype, y.exponent),), {}, (node,),
                 platform, None, {"x": x, "y": y})


@pytest.mark.parametrize("platform", ["arcs", "venusA"])
@pytest.mark.parametrize("shape,axis,workspace", [((2, 4, 6), -1, 7 * 6), ((2, 4, 6), 1, 7 * 2 * 4), ((3, 8), 1, 7 * 24)])
def test_glu_model_bin(platform, shape, axis, workspace):
    """Runs from model.bin; GluIntAttrs holds the ONNX dim as given; the workspace is tpacker's 7·M·N with M the
    product of dims[0 … dim) — empty for a negative dim (E-GLU-4) — stored rounded up to 16 bytes."""
    data = pack(_glu_graph(platform, shape, axis), platform, keep_quant=True).data
    values = np.random.default_rng(9).integers(-128, 128, shape)
    (got,) = run_resource(data, [values.astype(np.int8)], platform)
    assert np.array_equal(got, _glu(values, 4, 5, platform, axis=axis))
    res = read(data)
    (rec,) = res.operators
    assert rec.type == "GluInt" and rec.attrs == {"axis": axis}
    assert [res.tensors[t].nbytes for t in rec.temps] == [-(-workspace // 16) * 16]


def test_glu_model_bin_refused_on_venus():
    with pytest.raises(errors.UnsupportedOp, match="venus executor builds no GluInt"):
        pack(_glu_graph("venus", (1, 8), -1), "venus", keep_quant=True)
