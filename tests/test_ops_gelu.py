"""GELU and SiLU: venusA's piecewise-linear primitives (spec/nonlinear.md §4) and the ONNX-level ops GeluInt /
SiluInt (spec/ops/geluint.md, siluint.md)."""

from __future__ import annotations

import re

import lunaref
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunaref import Tensor, TensorSpec, errors
from lunaref.graph import Graph, Node, ValueInfo
from lunaref.luna import piecewise as pw
from lunaref.luna.registry import PRIMITIVES, run_primitive
from lunaref.ops import REGISTRY
from lunaref.resource.layout import EXECUTOR_OPS
from lunaref.resource.packer import pack
from lunaref.vectors.strategies import CASES, PRIMITIVE_CASES
from models import piecewise_model, piecewise_op_model, rshift
from onnx import TensorProto, helper
from support import SPEC

TABLES = {"gelu": pw.GELU, "swish": pw.SWISH}
OPS = {"GeluInt": pw.GELU, "SiluInt": pw.SWISH}
Q = {"int32": 27, "int16": 11, "int8": 3}


def _model(x: int, table, out: str = "int32") -> int:
    return piecewise_model(x, table.bands, table.slopes_pos, table.slopes_neg, table.biases, Q[out])


# ---------------------------------------------------------------------------------------------
# the tables
# ---------------------------------------------------------------------------------------------

# (count, sum, sum of squares mod 1000003) of each table of linger 3.0.9 quant/ops/qtensor/qgelu.py, qswish.py
LINGER_FINGERPRINTS = {
    ("gelu", "bands"): (17, 4933673728, 401213), ("gelu", "slopes_pos"): (16, 2009898886, 366496),
    ("gelu", "slopes_neg"): (16, 137584762, 758029), ("gelu", "biases"): (16, -31332053, 51618),
    ("swish", "bands"): (17, 7869914624, 503537), ("swish", "slopes_pos"): (16, 2013875785, 50293),
    ("swish", "slopes_neg"): (16, 133607863, 523364), ("swish", "biases"): (16, -50572530, 817188),
}


@pytest.mark.parametrize("name,field", sorted(LINGER_FINGERPRINTS))
def test_tables_are_lingers(name, field):
    v = getattr(TABLES[name], field)
    assert (len(v), sum(v), sum(x * x for x in v) % 1000003) == LINGER_FINGERPRINTS[name, field]


def test_table_shape():
    for t in TABLES.values():
        assert t.bands[0] == 0 and t.bands[-1] == 1 << 31 and list(t.bands) == sorted(set(t.bands))
        # f(x) − f(−x) = x before rounding: the two slopes of a segment add up to 1.0 in Q27
        assert {a + b for a, b in zip(t.slopes_pos, t.slopes_neg)} == {1 << 27}


def _spec_table(section: str) -> list[list[int]]:
    text = (SPEC / "nonlinear.md").read_text(encoding="utf-8")
    body = text[text.index(section):]
    body = body[:body.index("Source:")]
    rows = []
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"\d+", cells[0]):
            rows.append([int(c.replace("−", "-")) if c else None for c in cells[1:]])
    return rows


@pytest.mark.parametrize("section,name", [("### 4.2 GELU table", "gelu"), ("### 4.3 SiLU (swish) table", "swish")])
def test_spec_tables_are_the_modules(section, name):
    t, rows = TABLES[name], _spec_table(section)
    assert [r[0] for r in rows] == list(t.bands)
    assert [r[1] for r in rows[:16]] == list(t.slopes_pos)
    assert [r[2] for r in rows[:16]] == list(t.slopes_neg)
    assert [r[3] for r in rows[:16]] == list(t.biases)


# ---------------------------------------------------------------------------------------------
# the primitives
# ---------------------------------------------------------------------------------------------

def test_lingers_published_vectors():
    """linger 3.0.9 test/test_gelu_swish.py ``test_piecewise_int_forward`` (the int32 form)."""
    x = [-2147483647, -123456789, -1, 0, 1, 123456789, 2147483647]
    assert pw.gelu(x).tolist() == [-22920, -22026943, -86064, -86064, -86063, 101429846, 2147460727]
    assert pw.swish(x).tolist() == [-56416, -35096076, -147248, -147248, -147247, 88360713, 2147427231]


@pytest.mark.parametrize("name", ["gelu", "swish"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_primitive_equals_model(name, data):
    (x,), attrs = data.draw(PRIMITIVE_CASES[name])
    (got,) = run_primitive(name, [x], attrs, "venusA")
    assert got.dtype == np.dtype(attrs["out"])
    assert got.tolist() == [_model(int(v), TABLES[name], attrs["out"]) for v in x]


@pytest.mark.parametrize("name", ["gelu", "swish"])
@pytest.mark.parametrize("out", ["int32", "int16", "int8"])
def test_primitive_band_edges_and_extremes(name, out):
    t = TABLES[name]
    x = sorted({min(max(s * (b + d), -(1 << 31)), (1 << 31) - 1) for b in t.bands for d in (-2, -1, 0, 1, 2)
                for s in (1, -1)})
    assert pw.piecewise(x, t, out).tolist() == [_model(v, t, out) for v in x]
    assert pw.piecewise([-(1 << 31)], t, out).tolist() == pw.piecewise([-(1 << 31) + 1], t, out).tolist()


@pytest.mark.parametrize("name", ["gelu", "swish"])
def test_segments(name):
    t = TABLES[name]
    edges = np.array(t.bands[1:16])
    assert pw.segment(edges, t).tolist() == list(range(15))          # an edge closes its segment
    assert pw.segment(edges + 1, t).tolist() == list(range(1, 16))
    assert pw.segment(-edges, t).tolist() == list(range(15))
    assert pw.segment([0, -(1 << 31), (1 << 31) - 1], t).tolist() == [0, 15, 15]


def test_narrow_forms_round_the_q54_value_once():
    """The int16 / int8 forms are rshift(acc, 43 / 51), not the int32 result shifted again (measured)."""
    x = np.arange(100_000_000, 100_000_000 + (1 << 20), dtype=np.int64)
    acc = pw.accumulate(x, pw.GELU)
    twice = rshift_array(rshift_array(acc, 27), 16)
    once = rshift_array(acc, 43)
    differ = np.nonzero(twice != once)[0]
    assert differ.size > 0
    assert pw.gelu(x[differ], "int16").tolist() == once[differ].tolist()


def rshift_array(v, s):
    return (v + (1 << (s - 1))) >> s


@pytest.mark.parametrize("name", ["gelu", "swish"])
def test_ties_of_the_strategy_are_ties(name):
    from lunaref.vectors.strategies import _piecewise_ties
    t = TABLES[name]
    x = np.array(_piecewise_ties(t))
    assert x.size and ((pw.accumulate(x, t) % (1 << 27)) == 1 << 26).all()
    assert pw.piecewise(x, t).tolist() == [_model(int(v), t) for v in x]


def test_range_of_the_int32_form():
    for t, lo, hi in ((pw.GELU, -22772661, 2147460727), (pw.SWISH, -37494645, 2147427231)):
        x = np.array(sorted({min(max(s * (b + d), -(1 << 31)), (1 << 31) - 1) for b in t.bands for d in (-1, 0, 1)
                             for s in (1, -1)}))
        y = pw.piecewise(x, t)       # linear between edges: the extremes are at edges
        assert (int(y.min()), int(y.max())) == (lo, hi)


def test_primitive_refusals():
    with pytest.raises(errors.ValueOutOfRange):
        pw.gelu([1 << 31])
    with pytest.raises(errors.DTypeMismatch):
        pw.swish([0], "int64")
    assert PRIMITIVES["gelu"].platforms == ("venusA",) and PRIMITIVES["swish"].platforms == ("venusA",)


# ---------------------------------------------------------------------------------------------
# the ops
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("op", sorted(OPS))
@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_op_equals_model(op, data):
    (x,), (y,), attrs = data.draw(CASES[op])
    (got,) = REGISTRY.get(op).run([x], [y], attrs, "venusA")
    want = [piecewise_op_model(int(v), x.exponent, y.exponent, y.dtype.bits, OPS[op]) for v in x.data.reshape(-1)]
    assert got.data.reshape(-1).tolist() == want
    assert got.dtype == y.dtype and got.exponent == y.exponent and got.shape == x.shape


def _run(op, values, t, e_x, to, e_y):
    return REGISTRY.get(op).run([Tensor.of(np.array(values), t, e_x)], [TensorSpec.of(to, e_y)], {}, "venusA")[0]


def test_spec_examples():
    x = [-128, -16, -1, 0, 1, 16, 64, 127]
    assert _run("GeluInt", x, "int8", 4, "int8", 4).data.tolist() == [0, -3, 0, 0, 1, 13, 64, 127]
    assert _run("SiluInt", x, "int8", 4, "int8", 4).data.tolist() == [0, -4, 0, 0, 1, 12, 63, 127]
    for op in OPS:
        assert _run(op, [127, -128, 63, 64], "int8", 2, "int8", 2).data.tolist() == [64, 0, 63, 64]
    assert _run("GeluInt", [-1000, -300, 300, 1000], "int16", 8, "int16", 10).data.tolist() == [0, -145, 1055, 4000]
    assert _run("SiluInt", [-1000, -300, 300, 1000], "int16", 8, "int16", 10).data.tolist() == [-79, -283, 917, 3921]


@pytest.mark.parametrize("op", sorted(OPS))
def test_widening_saturates(op):
    """X·2^(27−e(X)) beyond int32 saturates (the spec's choice): the result is f(2^31 − 1), not f(−2^31) as
    linger 3.0.9's out-of-range float32 → int32 conversion gives on x86-64."""
    t = OPS[op]
    got = _run(op, [127, 64, -128, -127], "int8", 2, "int32", 27).data.tolist()
    top, bottom = int(pw.piecewise([(1 << 31) - 1], t)[0]), int(pw.piecewise([-(1 << 31)], t)[0])
    assert got == [top, top, bottom, bottom]
    # −16 itself fits (−128 at e 3)
    assert _run(op, [-128], "int8", 3, "int32", 27).data.tolist() == [bottom]


@pytest.mark.parametrize("op", sorted(OPS))
def test_input_rounds_above_27_and_output_scales_up(op):
    t = OPS[op]
    got = _run(op, [-3, -1, 1, 3], "int32", 28, "int32", 27).data.tolist()
    assert got == pw.piecewise([rshift(v, 1) for v in (-3, -1, 1, 3)], t).tolist()     # −1.5 → −1, −0.5 → 0
    assert _run(op, [5], "int8", 27, "int32", 29).data.tolist() == [int(pw.piecewise([5], t)[0]) * 4]


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("platform", ["venus", "arcs"])
def test_op_is_venusA_only(op, platform):
    with pytest.raises(errors.UnsupportedOnPlatform):
        REGISTRY.get(op).run([Tensor.of(np.zeros(3, np.int64), "int8", 4)], [TensorSpec.of("int8", 4)], {}, platform)


def test_op_refuses_float():
    with pytest.raises(errors.DTypeMismatch):
        REGISTRY.get("GeluInt").run([Tensor.of(np.zeros(3, np.float32), "float32")], [TensorSpec.of("int8", 4)], {},
                                    "venusA")


# ---------------------------------------------------------------------------------------------
# ONNX (linger 3.x) and model.bin
# ---------------------------------------------------------------------------------------------

def _onnx(op_type: str, platform: str, x_bits=8, o_bits=8, scale_x=16.0, scale_o=16.0):
    nodes = [helper.make_node("Quant", ["x"], ["qx"], domain="linger", data_bits=x_bits, scale_x=scale_x,
                              platform=platform),
             helper.make_node(op_type, ["qx"], ["y"], domain="linger", x_bits=x_bits, scale_x=scale_x,
                              o_bits=o_bits, scale_o=scale_o, platform=platform, quant_mode="floor_add"),
             helper.make_node("Dequant", ["y"], ["out"], domain="linger", scale_o=scale_o)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("linger", 1)])


@pytest.mark.parametrize("op_type,op", [("QGelu", "GeluInt"), ("QSwish", "SiluInt")])
def test_onnx_linger3(op_type, op):
    x = np.random.default_rng(4).standard_normal((1, 8)).astype(np.float32) * 3
    (out,) = lunaref.run_onnx(_onnx(op_type, "venusA"), [x], "venusA")
    q = np.clip(np.floor(x * 16 + 0.5), -128, 127).astype(np.int64)
    want = [piecewise_op_model(int(v), 4, 4, 8, OPS[op]) for v in q.reshape(-1)]
    assert np.array_equal(out.reshape(-1), np.array(want, dtype=np.float32) / 16)
    graph = lunaref.load_onnx(_onnx(op_type, "venusA", x_bits=16, o_bits=32, scale_x=256.0, scale_o=2.0 ** 20))
    assert [n.op for n in graph.nodes] == ["Quant", op, "Dequant"]
    assert graph.specs["y"].dtype.name == "int32" and graph.specs["y"].exponent == 20


@pytest.mark.parametrize("platform", ["venus", "arcs"])
def test_onnx_other_platform_is_refused_when_run(platform):
    x = np.zeros((1, 8), np.float32)
    with pytest.raises(errors.UnsupportedOnPlatform):
        lunaref.run_onnx(_onnx("QGelu", platform), [x], platform)


def test_onnx_x_bits_must_match():
    m = _onnx("QSwish", "venusA")
    (a,) = [a for a in m.graph.node[1].attribute if a.name == "x_bits"]
    a.i = 16                                       # x_bits 16 on an int8 input
    with pytest.raises(errors.MalformedOnnx):
        lunaref.load_onnx(m)


@pytest.mark.parametrize("op", sorted(OPS))
def test_pack_refuses(op):
    """thinker 3.0.4 has no GELU / SiLU operator: no resource can hold one."""
    assert op not in EXECUTOR_OPS
    x, y = TensorSpec.of("int8", 4), TensorSpec.of("int8", 4)
    node = Node("f", op, ("x",), ("y",), {}, (y,))
    graph = Graph((ValueInfo("x", x.dtype, 4, (1, 8)),), (ValueInfo("y", y.dtype, 4),), {}, (node,), "venusA", None,
                  {"x": x, "y": y})
    with pytest.raises(errors.UnsupportedOp):
        pack(graph, "venusA", keep_quant=True)
