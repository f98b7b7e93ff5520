"""Ops breadth I: Requant (every width), Relux, PRelu, Clip, Cast, iqCat, iqPad — properties against plain
Python-int models (spec/ops/*.md), REQUIREs, spec examples, compatibility models, ONNX import."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from onnx import TensorProto, helper, numpy_helper

import lunaref
from lunaref import Tensor, TensorSpec, errors
from lunaref.ops import REGISTRY
from lunaref.vectors.errata import ERRATA
from lunaref.vectors.strategies import CASES

from models import rshift, sat


def _run(op, inputs, outputs, attrs=None, platform="venusA", compat=None):
    return REGISTRY.get(op).run(inputs, outputs, attrs or {}, platform, compat=compat)


def _t(values, t, e=0):
    return Tensor.of(np.array(values), t, e)


def _platforms_for(op, case):
    ins, outs, _ = case
    got = (tuple(t.dtype.name for t in ins), tuple(o.dtype.name for o in outs))
    return [p for s in REGISTRY.get(op).signatures if (s.inputs, s.outputs) == got for p in s.platforms]


# --- properties against Python-int models -------------------------------------------------------

@settings(max_examples=150)
@given(CASES["Requant"])
def test_requant_every_width(case):
    (x,), (y,), attrs = case
    for p in _platforms_for("Requant", case):
        got = _run("Requant", [x], [y], attrs, p)[0].data.tolist()
        want = [sat(rshift(int(v), x.exponent - y.exponent), y.dtype.bits) for v in x.data.reshape(-1)]
        assert got == want


@settings(max_examples=150)
@given(CASES["Relux"])
def test_relux(case):
    (x,), (y,), a = case
    got = _run("Relux", [x], [y], a)[0].data.tolist()
    assert got == [min(max(rshift(int(v), a["shift"]), 0), a["threshold"]) for v in x.data]


@settings(max_examples=150)
@given(CASES["PRelu"])
def test_prelu(case):
    (x,), (y,), a = case
    want = [sat(rshift(int(v), a["post_shift"] + (a["slope"] if v < 0 else 0)), y.dtype.bits) for v in x.data]
    for p in _platforms_for("PRelu", case):
        assert _run("PRelu", [x], [y], a, p)[0].data.tolist() == want


@settings(max_examples=150)
@given(CASES["Clip"])
def test_clip(case):
    ins, (y,), a = case
    x = ins[0]
    raw = [t.data.reshape(-1)[0] for t in ins[1:]] or [a.get("min"), a.get("max")]
    lo, hi = (None if b is None else math.trunc(float(b)) if isinstance(b, (float, np.floating)) else int(b)
              for b in raw)
    lo, hi = (-math.inf if lo is None else lo), (math.inf if hi is None else hi)
    want = [int(min(max(int(v), lo), hi)) for v in x.data]
    assert _run("Clip", ins, [y], a)[0].data.tolist() == want


@settings(max_examples=150)
@given(CASES["Cast"])
def test_cast(case):
    (x,), (y,), a = case
    got = _run("Cast", [x], [y], a)[0].data.tolist()
    if x.dtype.name == "float32":
        assert got == [math.trunc(float(v)) for v in x.data]
    else:
        assert got == [int(v) for v in x.data]


@settings(max_examples=150)
@given(CASES["iqCat"])
def test_iqcat(case):
    ins, (y,), a = case
    want = np.concatenate([np.array([sat(rshift(int(v), x.exponent - y.exponent), y.dtype.bits)
                                     for v in x.data.reshape(-1)], dtype=np.int64).reshape(x.shape)
                           for x in ins], axis=a["axis"])
    for p in _platforms_for("iqCat", case):
        assert _run("iqCat", ins, [y], a, p)[0].data.tolist() == want.tolist()


# --- spec examples ----------------------------------------------------------------------------

def test_spec_examples():
    assert _run("Requant", [_t([100000, -6], "int32", 4)], [TensorSpec.of("int8", 2)])[0].data.tolist() == [127, -1]
    assert _run("Relux", [_t([-5, 3, 5, 200], "int16", 5)], [TensorSpec.of("int8", 4)],
                {"threshold": 6, "shift": 1})[0].data.tolist() == [0, 2, 3, 6]
    x = _t([-6, -5, 5, 100], "int8", 4)
    assert _run("PRelu", [x], [TensorSpec.of("int8", 4)], {"slope": 2})[0].data.tolist() == [-1, -1, 5, 100]
    assert _run("PRelu", [x], [TensorSpec.of("int8", 3)], {"slope": 2, "post_shift": 1}, "arcs")[0].data.tolist() \
        == [-1, -1, 3, 50]
    c = _t([-100, -3, 0, 5, 100], "int8", 4)
    assert _run("Clip", [c], [TensorSpec.of("int8", 4)], {"min": 0, "max": 96})[0].data.tolist() == [0, 0, 0, 5, 96]
    assert _run("Clip", [c], [TensorSpec.of("int8", 4)], {"min": -2.5, "max": 2.5})[0].data.tolist() \
        == [-2, -2, 0, 2, 2]
    f = Tensor.of(np.float32([-2.7, 2.7, -0.5]), "float32")
    assert _run("Cast", [f], [TensorSpec.of("int8", 0)])[0].data.tolist() == [-2, 2, 0]
    got = _run("iqCat", [_t([[3, -3]], "int8", 5), _t([[100]], "int8", 3)], [TensorSpec.of("int8", 4)], {"axis": 1})
    assert got[0].data.tolist() == [[2, -1, 127]]


# --- REQUIREs and capabilities ------------------------------------------------------------------

@pytest.mark.parametrize("op, inputs, out, attrs, platform, error", [
    ("Requant", [_t([1], "int16", 4)], TensorSpec.of("int8", 2), {}, "arcs", "UnsupportedOnPlatform"),
    ("Relux", [_t([1], "int8", 4)], TensorSpec.of("int8", 4), {"threshold": 128}, "venusA", "ValueOutOfRange"),
    ("Relux", [_t([1], "int8", 4)], TensorSpec.of("int8", 4), {"threshold": 5}, "venus", "UnsupportedOnPlatform"),
    ("Relux", [_t([1], "int8", 4)], TensorSpec.of("int8", 4), {"threshold": 5, "shift": 1}, "venusA",
     "ExponentOutOfRange"),
    ("PRelu", [_t([1], "int8", 4)], TensorSpec.of("int8", 4), {"slope": -1}, "venus", "ShiftOutOfRange"),
    ("PRelu", [_t([1], "int16", 4)], TensorSpec.of("int16", 4), {"slope": 1}, "arcs", "UnsupportedOnPlatform"),
    ("Clip", [_t([1], "int8", 4)], TensorSpec.of("int8", 4), {"min": 3, "max": 1}, "venus", "ValueOutOfRange"),
    ("Clip", [_t([1], "int8", 4)], TensorSpec.of("int8", 4), {"min": 200}, "venus", "ValueOutOfRange"),
    ("Clip", [_t([1], "int8", 4)], TensorSpec.of("int8", 5), {}, "venus", "ExponentOutOfRange"),
    ("Cast", [Tensor.of(np.float32([np.nan]), "float32")], TensorSpec.of("int8", 0), {}, "arcs", "NonFiniteInput"),
    ("Cast", [_t([1], "int8", 4)], TensorSpec.of("int16", 3), {}, "arcs", "ExponentOutOfRange"),
    ("iqCat", [_t([[1]], "int8", 4), _t([1], "int8", 4)], TensorSpec.of("int8", 4), {}, "arcs", "ShapeMismatch"),
    ("iqCat", [_t([1], "int8", 4)], TensorSpec.of("int8", 4), {"axis": 1}, "arcs", "UnsupportedAttribute"),
])
def test_requires(op, inputs, out, attrs, platform, error):
    with pytest.raises(errors.LunarefError) as exc:
        _run(op, inputs, [out], attrs, platform)
    assert exc.value.name == error


def test_negative_vectors_raise_their_errors():
    from lunaref.vectors.negative import negative_cases
    ops = {"Requant", "Relux", "PRelu", "Clip", "Cast", "iqCat"}
    for platform, op, slug, (ins, outs, attrs), error in negative_cases(ops=ops):
        with pytest.raises(errors.LunarefError) as exc:
            _run(op, ins, outs, attrs, platform)
        assert exc.value.name == error, (platform, op, slug)


# --- compatibility models reproduce their errata -------------------------------------------------

_THINKER = {  # (op, entry, platform) -> thinker 3.0.4's result, or the error it reports
    ("Requant", "E-REQUANT-1", "venus"): [-14336, 14336, 1536],
    ("Requant", "E-REQUANT-2", "arcs"): [-128, 127, 0],
    ("Requant", "E-REQUANT-3", "venusA"): "DTypeMismatch",
    ("iqCat", "E-IQCAT-1", "venusA"): [-128, 127, -128, 5],
    ("iqCat", "E-IQCAT-3", "venus"): [1000, -3, 5],
    ("iqCat", "E-IQCAT-4", "arcs"): "UnsupportedAttribute",
    ("iqCat", "E-SAT-1", "arcs"): [[-32768, -32768, 1, 2], [10, 12, 3, 4]],
    ("Clip", "E-CLIP-1", "venus"): [16777217, 16777216, -5],
    ("iqPad", "E-IQPAD-1", "venus"): [[[[1, 1, 2, 3, 3], [1, 1, 2, 3, 3], [4, 4, 5, 6, 6], [7, 7, 8, 9, 9],
                                        [7, 7, 8, 9, 9]]]],
}


@pytest.mark.parametrize("key", sorted(_THINKER))
def test_compat_models_reproduce_errata(key):
    op, entry, platform = key
    (build,) = [b for o, e, _, b in ERRATA if (o, e) == (op, entry)]
    ins, outs, attrs = build()
    spec = _run(op, ins, outs, attrs, platform)[0].data.tolist()
    want = _THINKER[key]
    if isinstance(want, str):
        with pytest.raises(errors.LunarefError) as exc:
            _run(op, ins, outs, attrs, platform, compat="thinker-3.0.4")
        assert exc.value.name == want
    else:
        got = _run(op, ins, outs, attrs, platform, compat="thinker-3.0.4")[0].data.tolist()
        assert got == want and got != spec


def test_compat_models_agree_with_the_spec_elsewhere():
    x = _t([100, -100, 6, -6], "int8", 4)
    for op, ins, out, attrs in [("Requant", [x], TensorSpec.of("int8", 2), {}),
                                ("iqCat", [x, x], TensorSpec.of("int8", 3), {}),
                                ("Clip", [x], TensorSpec.of("int8", 4), {"min": -7, "max": 50})]:
        for p in REGISTRY.get(op).platforms:
            assert _run(op, ins, [out], attrs, p).__repr__() == \
                _run(op, ins, [out], attrs, p, compat="thinker-3.0.4").__repr__()


# --- ONNX import in both dialects ------------------------------------------------------------------

def _model(nodes, inits, dialect, out_type=TensorProto.FLOAT):
    domain = {"linger1": "thinker", "linger3": "linger"}[dialect]
    opset = [helper.make_opsetid("", 13), helper.make_opsetid(domain, 1)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3, 3])],
                          [helper.make_tensor_value_info("y", out_type, None)], initializer=inits)
    return helper.make_model(g, opset_imports=opset)


def _quant(dialect, name="x", out="q", scale=16.0, platform="venusA"):
    extra = {"platform": platform} if dialect == "linger3" else {}
    return helper.make_node("Quant", [name], [out], domain={"linger1": "thinker", "linger3": "linger"}[dialect],
                            data_bits=8, scale_x=scale, **extra)


def _dequant(dialect, name, scale=16.0):
    return helper.make_node("Dequant", [name], ["y"], domain={"linger1": "thinker", "linger3": "linger"}[dialect],
                            scale_o=scale)


X = (np.arange(18, dtype=np.float32).reshape(1, 2, 3, 3) - 9) / 4


@pytest.mark.parametrize("dialect", ["linger1", "linger3"])
def test_onnx_clip_pad_cast_and_cat(dialect):
    q = np.clip(np.floor(X * 16 + 0.5), -128, 127)
    # Clip: linger 1.x integer bounds on the grid; linger 3.x float bounds in real units (0.0, 1.0 -> 0, 16)
    if dialect == "linger1":
        inits = [numpy_helper.from_array(np.int8([0]), "lo"), numpy_helper.from_array(np.int8([16]), "hi")]
    else:
        inits = [numpy_helper.from_array(np.float32([0.0]), "lo"), numpy_helper.from_array(np.float32([1.0]), "hi")]
    pads = numpy_helper.from_array(np.int64([0, 0, 1, 1, 0, 0, 1, 1]), "pads")
    pad = (helper.make_node("iqPad", ["c", "pads"], ["p"], domain="thinker", mode="constant")
           if dialect == "linger1" else helper.make_node("Pad", ["c", "pads"], ["p"], mode="constant"))
    domain = {"linger1": "thinker", "linger3": "linger"}[dialect]
    if dialect == "linger1":
        cat = helper.make_node("iqCat", ["p", "p"], ["k"], domain=domain, scale_x_0=16.0, scale_x_1=16.0,
                               scale_o=8.0, dim=1)
    else:
        cat = helper.make_node("QCat", ["p", "p"], ["k"], domain=domain, scale_x_0=16.0, x_0_bits=8,
                               scale_x_1=16.0, x_1_bits=8, scale_o=8.0, o_bits=8, axis=1, platform="venusA")
    nodes = [_quant(dialect), helper.make_node("Clip", ["q", "lo", "hi"], ["c"]), pad, cat,
             helper.make_node("Cast", ["k"], ["y"], to=TensorProto.INT32)]
    m = _model(nodes, inits + [pads], dialect, TensorProto.INT32)
    (y,) = lunaref.run_onnx(m, [X], "venusA")
    c = np.pad(np.clip(q, 0, 16), ((0, 0), (0, 0), (1, 1), (1, 1)))
    want = np.concatenate([np.floor(c / 2 + 0.5)] * 2, axis=1)
    assert y.dtype == np.int32 and y.tolist() == want.astype(np.int64).tolist()


def test_onnx_requant_wider_inputs():
    nodes = [_quant("linger1", scale=16.0), helper.make_node("Requant", ["q"], ["r"], domain="thinker", data_bits=8,
                                                            o_bits=16, scale_x=16.0, scale_o=1024.0),
             helper.make_node("Requant", ["r"], ["s"], domain="thinker", data_bits=16, o_bits=8, scale_x=1024.0,
                              scale_o=4.0), _dequant("linger1", "s", 4.0)]
    (y,) = lunaref.run_onnx(_model(nodes, [], "linger1"), [X], "venus")
    q = np.clip(np.floor(X * 16 + 0.5), -128, 127)
    assert y.tolist() == (np.floor(q * 64 / 256 + 0.5) / 4).tolist()


# --- model.bin: pack, read back, run as the executor does ------------------------------------------

@pytest.mark.parametrize("platform", ["venus", "venusA", "arcs"])
@pytest.mark.parametrize("dialect", ["linger1", "linger3"])
def test_resource_runs_like_onnx(dialect, platform):
    from lunaref.resource.packer import pack
    q = [_quant(dialect, platform=platform)]
    lo_hi = [numpy_helper.from_array(np.int8([-8]), "lo"), numpy_helper.from_array(np.int8([40]), "hi")]
    if dialect == "linger3":
        lo_hi = [numpy_helper.from_array(np.float32([-0.5]), "lo"), numpy_helper.from_array(np.float32([2.5]), "hi")]
    pads = numpy_helper.from_array(np.int64([0, 0, 1, 0, 0, 0, 1, 2]), "pads")
    pad = (helper.make_node("iqPad", ["c", "pads"], ["p"], domain="thinker", mode="constant")
           if dialect == "linger1" else helper.make_node("Pad", ["c", "pads"], ["p"], mode="constant"))
    domain = {"linger1": "thinker", "linger3": "linger"}[dialect]
    extra = {"platform": platform} if dialect == "linger3" else {}
    cat = helper.make_node("QCat" if dialect == "linger3" else "iqCat", ["p", "p"], ["k"], domain=domain,
                           scale_x_0=16.0, scale_x_1=16.0, scale_o=16.0, axis=2, **extra)
    nodes = q + [helper.make_node("Clip", ["q", "lo", "hi"], ["c"]), pad, cat, _dequant(dialect, "k")]
    m = _model(nodes, lo_hi + [pads], dialect)
    want = lunaref.run_onnx(m, [X], platform)
    blob = pack(lunaref.load_onnx(m), platform).data
    got = lunaref.run_resource(blob, [X], quantize_inputs=True, dequantize_outputs=True)
    assert [g.tolist() for g in got] == [w.tolist() for w in want]


def test_attribute_structs_round_trip():
    from lunaref.resource.layout import ATTR_STRUCTS
    for op, fields in [("iqCat", {"axis": -1}), ("Clip", {"max": 6.0, "min": -2.5}), ("Cast", {"to": 6}),
                       ("PRelu", {"slope": 3, "post_shift": 1}), ("Relux", {"threshold": 96, "shift": 2}),
                       ("Requant", {"data_bits": 8, "o_bits": 16, "quant_type": 1})]:
        s = ATTR_STRUCTS[op]
        assert s.decode(s.layout.unpack(s.encode(fields))) == fields
    assert ATTR_STRUCTS["Clip"].size == 8 and ATTR_STRUCTS["Cast"].size == 8
    assert ATTR_STRUCTS["PRelu"].size == 8 and ATTR_STRUCTS["Relux"].size == 8
    assert ATTR_STRUCTS["iqCat"].size == 1 and ATTR_STRUCTS["Requant"].size == 3


@pytest.mark.parametrize("dialect", ["linger1", "linger3"])
def test_standard_concat_is_an_iqcat(dialect):
    """Standard Concat on integers of one exponent imports as iqCat (Y keeps the exponent); inputs at
    different exponents need QCat / iqCat, which says how to rescale them."""
    domain = "linger" if dialect == "linger3" else "thinker"
    tag = {"platform": "arcs"} if dialect == "linger3" else {}

    def model(scale_b):
        nodes = [helper.make_node("Quant", ["a"], ["qa"], domain=domain, data_bits=8, scale_x=16.0, **tag),
                 helper.make_node("Quant", ["b"], ["qb"], domain=domain, data_bits=8, scale_x=scale_b, **tag),
                 helper.make_node("Concat", ["qa", "qb"], ["c"], axis=1),
                 helper.make_node("Dequant", ["c"], ["y"], domain=domain, scale_o=16.0, **tag)]
        g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 2])
                                           for n in ("a", "b")],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(domain, 1)])

    a, b = np.array([[0.5, -1.0]], np.float32), np.array([[2.0, 0.25]], np.float32)
    graph = lunaref.load_onnx(model(16.0))
    assert [n.op for n in graph.nodes] == ["Quant", "Quant", "iqCat", "Dequant"]
    (y,) = lunaref.run_onnx(graph, [a, b], "arcs")
    assert y.tolist() == [[0.5, -1.0, 2.0, 0.25]]
    with pytest.raises(errors.UnsupportedAttribute, match="different dtypes or exponents"):
        lunaref.load_onnx(model(32.0))
