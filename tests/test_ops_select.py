"""ArgMax, topN, topN2, ShuffleChannel and Resize (spec/ops/argmax.md, topn.md, topn2.md, shufflechannel.md,
resize.md) against plain-Python loop models, their REQUIREs, the spec examples, the thinker-3.0.4
compatibility model of E-TOPN-1, ONNX import in both dialects and packed resources."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from onnx import TensorProto, helper, numpy_helper

import lunaref
from lunaref import Tensor, TensorSpec, errors
from lunaref.graph import Graph, Node, ValueInfo
from lunaref.numerics import dtype as get_dtype
from lunaref.ops import REGISTRY
from lunaref.resource.packer import pack
from lunaref.vectors.errata import ERRATA

from strategies import CASES

PLATFORMS = ["venus", "venusA", "arcs"]
F32 = np.float32
EMPTY = Tensor.of(np.zeros(0, F32), "float32")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def _platform_for(op, case):
    """A platform that offers the case's dtypes (the first in PLATFORMS), or None."""
    inputs, outputs, _ = case
    got = (tuple(t.dtype.name for t in inputs), tuple(t.dtype.name for t in outputs))
    for p in PLATFORMS:
        if any((s.inputs, s.outputs) == got and p in s.platforms for s in op.signatures):
            return p
    return None


def _run(name, case, platform=None, compat=None):
    op = REGISTRY.get(name)
    inputs, outputs, attrs = case
    return op.run(inputs, outputs, attrs, platform or _platform_for(op, case), compat)[0]


# --- plain-Python models ------------------------------------------------------------------------

def first_max_model(row):
    best, pos = row[0], 0
    for k, v in enumerate(row):
        if v > best:
            best, pos = v, k
    return best, pos


def pairs_model(x: np.ndarray, offset: int = 0) -> list[int]:
    rows = x.reshape(-1, x.shape[-1]).tolist()
    found = [first_max_model(r) for r in rows]
    return [v for v, _ in found] + [p + offset for _, p in found]


def shuffle_model(x: np.ndarray, g: int, axis: int) -> np.ndarray:
    y = np.empty_like(x)
    c = x.shape[axis]
    m = c // g
    for i in range(g):
        for j in range(m):
            src = [slice(None)] * 4
            dst = [slice(None)] * 4
            src[axis], dst[axis] = i * m + j, j * g + i
            y[tuple(dst)] = x[tuple(src)]
    return y


def f32(v) -> F32:
    return F32(v)


def coordinate_model(o: int, n_in: int, n_out: int, scale: F32, ctm: str) -> F32:
    if ctm == "half_pixel" or (ctm == "pytorch_half_pixel" and n_out > 1):
        return f32((float(o) + 0.5) / float(scale) - 0.5)       # Python floats are doubles
    if ctm == "pytorch_half_pixel":
        return F32(0)
    if ctm == "align_corners":
        return f32(F32(o) * F32(n_in - 1)) / F32(n_out - 1)
    return F32(o) / scale


def nearest_model(c: F32, n_in: int, nmode: str) -> int:
    d = float(c)
    rnd = math.floor(abs(d) + 0.5) * (1 if d >= 0 else -1)
    i = {"floor": math.floor(d), "ceil": math.ceil(d), "round_prefer_ceil": rnd,
         "round_prefer_floor": int(d) if int(d) + 0.5 == d else rnd}[nmode]
    return min(max(int(i), 0), n_in - 1)


def taps_model(c: F32, n: int):
    if c < 0:
        i0 = i1 = 0
    elif c > F32(n - 1):
        i0 = i1 = n - 1
    else:
        i0 = int(c)
        i1 = min(i0 + 1, n - 1)
    return i0, i1, F32(c - F32(i0))


def resize_model(x: np.ndarray, out: tuple, scale: list, attrs) -> np.ndarray:
    mode = attrs.get("mode", "nearest")
    ctm = attrs.get("coordinate_transformation_mode", "half_pixel")
    nmode = attrs.get("nearest_mode", "round_prefer_floor")
    y = np.zeros(out, F32)
    one = F32(1)
    for n in range(out[0]):
        for ch in range(out[1]):
            for o in np.ndindex(*out[2:]):
                cs = [coordinate_model(o[k], x.shape[2 + k], out[2 + k], scale[2 + k], ctm) for k in range(len(o))]
                plane = x[n, ch]
                if mode == "nearest":
                    idx = tuple(nearest_model(c, x.shape[2 + k], nmode) for k, c in enumerate(cs))
                    y[(n, ch) + o] = plane[idx]
                elif len(cs) == 1:
                    y0, y1, wy = taps_model(cs[0], x.shape[2])
                    y[n, ch, o[0]] = (one - wy) * plane[y0] + wy * plane[y1]
                else:
                    y0, y1, wy = taps_model(cs[0], x.shape[2])
                    x0, x1, wx = taps_model(cs[1], x.shape[3])
                    wi, wj = (one - wy) * (one - wx), (one - wy) * wx
                    wh, wg = wy * (one - wx), wx * wy
                    v = wi * plane[y0, x0] + wj * plane[y0, x1]
                    v = v + wh * plane[y1, x0]
                    y[(n, ch) + o] = v + wg * plane[y1, x1]
    return y


def _resize_geometry(inputs):
    x, _, scales, *rest = inputs
    if scales.data.size:
        out = tuple(int(math.floor(d * float(s))) for d, s in zip(x.shape, scales.data))
        return out, [F32(s) for s in scales.data]
    out = tuple(int(v) for v in rest[0].data)
    return out, [F32(o / d) for o, d in zip(out, x.shape)]


# --- properties -----------------------------------------------------------------------------------

@SETTINGS
@given(CASES["ArgMax"])
def test_argmax_matches_the_model(case):
    (x,), _, _ = case
    y = _run("ArgMax", case)
    assert y.dtype.name == "int32"
    assert y.shape == ((2,) if x.data.ndim == 1 else (2, *x.shape[1:-1], 1))
    assert y.data.reshape(-1).tolist() == pairs_model(x.data)


@SETTINGS
@given(CASES["topN"])
def test_topn_matches_the_model(case):
    (x, off), (spec,), _ = case
    want = pairs_model(x.data, int(off.data[0]))
    d = spec.dtype
    try:
        y = _run("topN", case)
    except errors.ValueOutOfRange:
        assert max(want) > d.max
        return
    assert y.data.reshape(-1).tolist() == want


@SETTINGS
@given(CASES["topN2"])
def test_topn2_matches_the_model(case):
    (x,), _, _ = case
    g = x.shape[-1]
    vals, idxs = x.data[0].reshape(-1, g).tolist(), x.data[1].reshape(-1, g).tolist()
    found = [first_max_model(r) for r in vals]
    want = [v for v, _ in found] + [idxs[r][p] for r, (_, p) in enumerate(found)]
    assert _run("topN2", case).data.reshape(-1).tolist() == want


@SETTINGS
@given(CASES["ShuffleChannel"])
def test_shufflechannel_matches_the_model(case):
    (x,), _, attrs = case
    y = _run("ShuffleChannel", case, "venus")
    assert np.array_equal(y.data, shuffle_model(x.data, attrs["groups"], attrs["axis"]))
    assert y.exponent == x.exponent


@SETTINGS
@given(CASES["Resize"])
def test_resize_matches_the_float32_model(case):
    inputs, _, attrs = case
    try:
        y = _run("Resize", case, "venus")
    except errors.LunarefError:
        return   # e.g. an align_corners axis that rounded down to extent 1
    out, scale = _resize_geometry(inputs)
    want = resize_model(inputs[0].data.astype(F32), out, scale, attrs)
    assert y.data.dtype == F32
    assert want.tobytes() == y.data.tobytes()          # bit for bit, signed zeros included


@pytest.mark.parametrize("platform", PLATFORMS)
def test_platform_availability(platform):
    x = Tensor.of(np.zeros((1, 4, 1, 1), np.int64), "int8", 0)
    op = REGISTRY.get("ShuffleChannel")
    if platform == "venus":
        op.run([x], [TensorSpec.of("int8", 0)], {"groups": 2}, platform)
    else:
        with pytest.raises(errors.UnsupportedOnPlatform):
            op.run([x], [TensorSpec.of("int8", 0)], {"groups": 2}, platform)
    v16 = Tensor.of(np.zeros((1, 3), np.int64), "int16", 0)
    am = REGISTRY.get("ArgMax")
    if platform == "venusA":
        am.run([v16], [TensorSpec.of("int32", 0)], {"axis": -1}, platform)
    else:
        with pytest.raises(errors.UnsupportedOnPlatform):
            am.run([v16], [TensorSpec.of("int32", 0)], {"axis": -1}, platform)


# --- REQUIREs ---------------------------------------------------------------------------------------

def _i8(values, e=0):
    return Tensor.of(np.array(values), "int8", e)


@pytest.mark.parametrize("name, case, error", [
    ("ArgMax", ([_i8([[[1, 2], [3, 4]]])], [TensorSpec.of("int32", 0)], {"axis": 1}), errors.UnsupportedAttribute),
    ("ArgMax", ([_i8([[1, 2], [3, 4]])], [TensorSpec.of("int32", 0)], {"axis": -1}), errors.ShapeMismatch),
    ("ArgMax", ([_i8(np.zeros((1, 0), int))], [TensorSpec.of("int32", 0)], {"axis": -1}), errors.ShapeMismatch),
    ("topN", ([_i8([[1, 2]]), Tensor.of(np.array([0]), "int64")], [TensorSpec.of("int32", 0)],
              {"dim": -1, "max_num": 3}), errors.UnsupportedAttribute),
    ("topN", ([_i8([[1, 2]]), Tensor.of(np.array([0]), "int64")], [TensorSpec.of("int32", 0)],
              {"dim": 0, "max_num": 1}), errors.UnsupportedAttribute),
    ("topN", ([_i8([1, 2]), Tensor.of(np.array([0]), "int64")], [TensorSpec.of("int32", 0)], {}), errors.ShapeMismatch),
    ("topN", ([_i8([[1, 2]]), Tensor.of(np.zeros(0, int), "int64")], [TensorSpec.of("int32", 0)], {}),
     errors.ShapeMismatch),
    ("topN", ([_i8([[1, 2]]), Tensor.of(np.array([2 ** 31 - 1]), "int64")], [TensorSpec.of("int32", 0)], {}),
     errors.ValueOutOfRange),
    ("topN2", ([Tensor.of(np.zeros((1, 3), int), "int32", 0)], [TensorSpec.of("int32", 0)], {}), errors.ShapeMismatch),
    ("topN2", ([Tensor.of(np.zeros((2, 3), int), "int32", 0)], [TensorSpec.of("int32", 0)], {"max_num": 2}),
     errors.UnsupportedAttribute),
])
def test_requires_raise_named_errors(name, case, error):
    with pytest.raises(error):
        _run(name, case, "arcs")


@pytest.mark.parametrize("attrs, shape, out_e, error", [
    ({"groups": 4}, (1, 6, 1, 1), 0, errors.ShapeMismatch),
    ({"groups": 2, "axis": 2}, (1, 4, 4, 1), 0, errors.UnsupportedAttribute),
    ({"groups": 0}, (1, 4, 1, 1), 0, errors.UnsupportedAttribute),
    ({"groups": 256}, (1, 256, 1, 1), 0, errors.UnsupportedAttribute),
    ({}, (1, 4, 1, 1), 0, errors.UnsupportedAttribute),
    ({"groups": 2}, (4, 1, 1), 0, errors.ShapeMismatch),
    ({"groups": 2}, (1, 4, 1, 1), 3, errors.ExponentOutOfRange),
])
def test_shufflechannel_requires(attrs, shape, out_e, error):
    with pytest.raises(error):
        REGISTRY.get("ShuffleChannel").run([Tensor.of(np.zeros(shape, int), "int8", 0)],
                                           [TensorSpec.of("int8", out_e)], attrs, "venus")


def _resize(x, scales=None, sizes=None, **attrs):
    ins = [Tensor.of(np.asarray(x, F32), "float32"), EMPTY,
           Tensor.of(np.asarray(scales, F32), "float32") if scales is not None else EMPTY]
    if sizes is not None:
        ins.append(Tensor.of(np.asarray(sizes), "int64"))
    return REGISTRY.get("Resize").run(ins, [TensorSpec.of("float32")], attrs, "venusA")[0].data


@pytest.mark.parametrize("kwargs, error", [
    ({"scales": [1, 1, 2, 2], "mode": "cubic"}, errors.UnsupportedAttribute),
    ({"scales": [1, 1, 2, 2], "coordinate_transformation_mode": "tf_crop_and_resize"}, errors.UnsupportedAttribute),
    ({"scales": [1, 1, 2, 2], "mode": "bilinear"}, errors.UnsupportedAttribute),
    ({"scales": [1, 2, 2, 2]}, errors.UnsupportedAttribute),
    ({"scales": [1, 1, 2]}, errors.ShapeMismatch),
    ({}, errors.ShapeMismatch),
    ({"scales": [1, 1, 2, 2], "sizes": [1, 1, 4, 4]}, errors.ShapeMismatch),
    ({"scales": [1, 1, -2, 2]}, errors.ValueOutOfRange),
    ({"scales": [1, 1, 0.1, 2]}, errors.ShapeMismatch),
    ({"sizes": [1, 1, 1, 4], "coordinate_transformation_mode": "align_corners"}, errors.ShapeMismatch),
])
def test_resize_requires(kwargs, error):
    with pytest.raises(error):
        _resize(np.ones((1, 1, 2, 2)), **kwargs)


def test_resize_rank_and_dtype():
    with pytest.raises(errors.ShapeMismatch):
        _resize(np.ones((2, 2)), scales=[2, 2])
    with pytest.raises(errors.DTypeMismatch):
        REGISTRY.get("Resize").run([Tensor.of(np.ones((1, 1, 2, 2), int), "int8", 0), EMPTY, EMPTY],
                                   [TensorSpec.of("float32")], {}, "venus")


# --- spec examples ------------------------------------------------------------------------------------

def test_spec_examples():
    am = REGISTRY.get("ArgMax")
    y = am.run([_i8([[[1, 5, 5], [-128, -128, -128]]])], [TensorSpec.of("int32", 0)], {"axis": -1}, "venus")[0]
    assert y.shape == (2, 2, 1) and y.data.reshape(-1).tolist() == [5, -128, 1, 0]
    y = am.run([_i8([3, 9, 9, 2])], [TensorSpec.of("int32", 0)], {"axis": 0}, "arcs")[0]
    assert y.data.tolist() == [9, 1]
    y = REGISTRY.get("topN").run([_i8([[[-5, 7, 0, 9, 9]]]), Tensor.of(np.array([100]), "int64")],
                                 [TensorSpec.of("int16", 0)], {"dim": -1, "max_num": 1}, "venus")[0]
    assert y.shape == (2, 1, 1) and y.data.reshape(-1).tolist() == [9, 103]
    y = REGISTRY.get("topN2").run([Tensor.of(np.array([[[3, 9, 9]], [[100, 200, 300]]]), "int32", 0)],
                                  [TensorSpec.of("int32", 0)], {}, "arcs")[0]
    assert y.data.reshape(-1).tolist() == [9, 200]
    sc = REGISTRY.get("ShuffleChannel")
    x = Tensor.of(np.arange(6).reshape(1, 6, 1, 1), "int8", 0)
    for g, want in ((2, [0, 3, 1, 4, 2, 5]), (3, [0, 2, 4, 1, 3, 5])):
        assert sc.run([x], [TensorSpec.of("int8", 0)], {"groups": g}, "venus")[0].data.reshape(-1).tolist() == want
    x = [[[[0, 1], [2, 3]]]]
    near = _resize(x, scales=[1, 1, 2, 2])[0, 0]
    assert near.tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]
    lin = _resize(x, scales=[1, 1, 2, 2], mode="linear")[0, 0]
    assert lin[0].tolist() == [0, 0.25, 0.75, 1] and lin[3].tolist() == [2, 2.25, 2.75, 3]
    asym = _resize(x, scales=[1, 1, 2, 2], mode="linear", coordinate_transformation_mode="asymmetric")[0, 0]
    assert asym[0].tolist() == [0, 0.5, 1, 1]


def test_resize_tie_rules():
    """asymmetric ×2 puts coordinates on exact halves: prefer-floor rounds them down, prefer-ceil up."""
    x = np.arange(3, dtype=F32).reshape(1, 1, 3)
    common = {"scales": [1, 1, 2], "coordinate_transformation_mode": "asymmetric"}
    assert _resize(x, **common, nearest_mode="round_prefer_floor")[0, 0].tolist() == [0, 0, 1, 1, 2, 2]
    assert _resize(x, **common, nearest_mode="round_prefer_ceil")[0, 0].tolist() == [0, 1, 1, 2, 2, 2]
    assert _resize(x, **common, nearest_mode="ceil")[0, 0].tolist() == [0, 1, 1, 2, 2, 2]


# --- compatibility model (E-TOPN-1) ------------------------------------------------------------------------

@pytest.mark.parametrize("row", [r for r in ERRATA if r[0] == "topN"], ids=lambda r: ",".join(r[2]))
def test_topn_compat_reproduces_the_wrap(row):
    _, entry, only, build = row
    assert entry == "E-TOPN-1"
    for platform in only:
        inputs, specs, attrs = build()
        op = REGISTRY.get("topN")
        with pytest.raises(errors.ValueOutOfRange):
            op.run(inputs, specs, attrs, platform)
        y = op.run(inputs, specs, attrs, platform, compat="thinker-3.0.4")[0]
        wrapped = 1 if specs[0].dtype.name == "int16" else -(2 ** 31) + 1   # 2^31 + 1 cut to 16 / 32 bits
        assert y.data.reshape(-1).tolist() == [9, wrapped]


def test_compat_agrees_with_the_spec_where_thinker_is_right():
    case = ([_i8([[4, -1, 4]]), Tensor.of(np.array([7]), "int64")], [TensorSpec.of("int16", 0)], {})
    assert np.array_equal(_run("topN", case, "venus").data, _run("topN", case, "venus", "thinker-3.0.4").data)


# --- ONNX import and packed resources ------------------------------------------------------------------

def _quant(dialect, name_in, name_out, platform, scale=16.0):
    dom = {"linger1": "thinker", "linger3": "linger"}[dialect]
    extra = {"platform": platform} if dialect == "linger3" else {"platform_quant": "luna_quant"}
    return helper.make_node("Quant", [name_in], [name_out], domain=dom, data_bits=8, scale_x=scale, **extra)


def _dequant(dialect, name_in, name_out, platform, scale=16.0):
    dom = {"linger1": "thinker", "linger3": "linger"}[dialect]
    extra = {"platform": platform} if dialect == "linger3" else {}
    return helper.make_node("Dequant", [name_in], [name_out], domain=dom, scale_o=scale, **extra)


def _model(nodes, x_shape, out_type, inits=()):
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
                          [helper.make_tensor_value_info("y", out_type, None)], initializer=list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("thinker", 1),
                                               helper.make_opsetid("linger", 1)])


@pytest.mark.parametrize("dialect", ["linger1", "linger3"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_argmax_onnx_and_resource(dialect, platform):
    model = _model([_quant(dialect, "x", "q", platform),
                    helper.make_node("ArgMax", ["q"], ["y"], axis=-1, keepdims=1)], (1, 3, 5), TensorProto.INT64)
    x = np.random.default_rng(3).standard_normal((1, 3, 5)).astype(F32)
    x[0, 1, 1] = x[0, 1, 3] = 9.0            # a tie (both saturate to 127): the first position wins
    graph = lunaref.load_onnx(model)
    (y,) = lunaref.run_onnx(graph, [x], platform)
    q = np.clip(np.floor(x * 16 + 0.5), -128, 127).astype(np.int64)
    assert y.dtype == np.int32 and y.shape == (2, 3, 1)
    assert y.reshape(-1).tolist() == pairs_model(q)
    res = pack(graph, platform)
    op = next(o for o in res.resource.operators if o.type == "ArgMax")
    assert op.attrs["axis"] == -1 and op.temps            # the 8-byte workspace
    (got,) = lunaref.run_resource(res.data, [x], quantize_inputs=True)
    assert np.array_equal(got, y)


def test_shufflechannel_onnx_and_resource():
    node = helper.make_node("ShuffleChannel", ["q"], ["s"], domain="thinker", groups=2)
    model = _model([_quant("linger1", "x", "q", "venus"), node, _dequant("linger1", "s", "y", "venus")],
                   (1, 4, 2, 2), TensorProto.FLOAT)
    x = np.random.default_rng(4).standard_normal((1, 4, 2, 2)).astype(F32)
    graph = lunaref.load_onnx(model)
    (y,) = lunaref.run_onnx(graph, [x], "venus")
    q = np.clip(np.floor(x * 16 + 0.5), -128, 127)
    assert np.array_equal(y, (shuffle_model(q, 2, 1) / 16).astype(F32))
    res = pack(graph, "venus")
    op = next(o for o in res.resource.operators if o.type == "ShuffleChannel")
    assert (op.attrs["num_group"], op.attrs["axis"]) == (2, 1)
    (got,) = lunaref.run_resource(res.data, [x], quantize_inputs=True, dequantize_outputs=True)
    assert np.array_equal(got, y)
    with pytest.raises(errors.UnsupportedOnPlatform):
        lunaref.run_onnx(graph, [x], "arcs")


@pytest.mark.parametrize("dialect", ["linger1", "linger3"])
@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("form", ["scales", "sizes", "opset10"])
@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_resize_onnx_and_resource(dialect, platform, form, mode):
    roi = numpy_helper.from_array(np.zeros(0, F32), "roi")
    scales = numpy_helper.from_array(np.array([1, 1, 2, 1.5], F32), "scales")
    sizes = numpy_helper.from_array(np.array([1, 2, 3, 5], np.int64), "sizes")
    ins, inits = {"scales": (["d", "roi", "scales"], [roi, scales]), "sizes": (["d", "", "", "sizes"], [sizes]),
                  "opset10": (["d", "scales"], [scales])}[form]
    resize = helper.make_node("Resize", ins, ["y"], mode=mode, coordinate_transformation_mode="half_pixel"
                              if form != "opset10" else "asymmetric", nearest_mode="floor")
    model = _model([_quant(dialect, "x", "q", platform), _dequant(dialect, "q", "d", platform), resize],
                   (1, 2, 2, 4), TensorProto.FLOAT, inits)
    x = np.random.default_rng(5).standard_normal((1, 2, 2, 4)).astype(F32)
    graph = lunaref.load_onnx(model)
    (y,) = lunaref.run_onnx(graph, [x], platform)
    d = (np.clip(np.floor(x * 16 + 0.5), -128, 127) / 16).astype(F32)
    ins_t = [Tensor.of(d, "float32"), EMPTY]
    if form == "sizes":
        ins_t += [EMPTY, Tensor.of(numpy_helper.to_array(sizes), "int64")]
    else:
        ins_t.append(Tensor.of(numpy_helper.to_array(scales), "float32"))
    out, scale = _resize_geometry(ins_t)
    attrs = {"mode": mode, "coordinate_transformation_mode": "half_pixel" if form != "opset10" else "asymmetric",
             "nearest_mode": "floor"}
    assert y.tobytes() == resize_model(d, out, scale, attrs).tobytes()
    res = pack(graph, platform)
    op = next(o for o in res.resource.operators if o.type == "Resize")
    assert op.attrs["mode"] == (0 if mode == "nearest" else 1) and op.attrs["nearest_mode"] == 2
    assert len(op.inputs) == (4 if form == "sizes" else 3)
    (got,) = lunaref.run_resource(res.data, [x], quantize_inputs=True)
    assert got.tobytes() == y.tobytes()


def test_resize_refuses_integer_data_and_antialias():
    model = _model([_quant("linger1", "x", "q", "venus"),
                    helper.make_node("Resize", ["q", "roi", "scales"], ["y"])], (1, 1, 2, 2), TensorProto.INT8,
                   [numpy_helper.from_array(np.zeros(0, F32), "roi"),
                    numpy_helper.from_array(np.array([1, 1, 2, 2], F32), "scales")])
    with pytest.raises(errors.UnsupportedOp):
        lunaref.load_onnx(model)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_topn_topn2_resource_runs_like_the_graph(platform):
    """tpacker's split ArgMax by hand: two topN slices (offsets 0 and 4), their pairs side by side, topN2."""
    out_t = next(s.outputs[0] for s in REGISTRY.get("topN").signatures if platform in s.platforms)
    mid_t = next(s.inputs[0] for s in REGISTRY.get("topN2").signatures if platform in s.platforms)
    d8, dm = get_dtype("int8"), get_dtype(out_t)
    attrs = {"dim": -1, "max_num": 1}
    offs = {f"o{k}": Tensor.of(np.array([4 * k]), "int64") for k in range(2)}
    nodes = (Node("t0", "topN", ("a", "o0"), ("p0",), attrs, (TensorSpec(dm, 3),)),
             Node("t1", "topN", ("b", "o1"), ("p1",), attrs, (TensorSpec(dm, 3),)),
             Node("t2", "topN2", ("c",), ("y",), attrs, (TensorSpec(get_dtype(mid_t), 0),)))
    graph = Graph(inputs=(ValueInfo("a", d8, 3, (1, 2, 4)), ValueInfo("b", d8, 3, (1, 2, 4)),
                          ValueInfo("c", get_dtype(mid_t), 3, (2, 2, 2))),
                  outputs=(ValueInfo("p0", dm, 3), ValueInfo("p1", dm, 3), ValueInfo("y", get_dtype(mid_t), 0)),
                  constants=offs, nodes=nodes, platform=platform,
                  specs={"a": TensorSpec(d8, 3), "b": TensorSpec(d8, 3), "c": TensorSpec(get_dtype(mid_t), 3),
                         "o0": TensorSpec(get_dtype("int64"), None), "o1": TensorSpec(get_dtype("int64"), None),
                         "p0": TensorSpec(dm, 3), "p1": TensorSpec(dm, 3), "y": TensorSpec(get_dtype(mid_t), 0)})
    rng = np.random.default_rng(6)
    a, b = (rng.integers(-3, 4, (1, 2, 4)).astype(np.int8) for _ in range(2))
    p0, p1 = (lunaref.run_onnx(graph, [a, b, np.zeros((2, 2, 2), get_dtype(mid_t).storage)])[k] for k in (0, 1))
    c = np.concatenate([p0, p1], axis=-1).astype(get_dtype(mid_t).storage)   # what tpacker's iqCat builds
    want = lunaref.run_onnx(graph, [a, b, c])
    whole = np.concatenate([a, b], axis=-1).astype(np.int64)
    assert want[2].reshape(-1).tolist() == pairs_model(whole)              # the split equals one ArgMax
    res = pack(graph, platform)
    assert [o.type for o in res.resource.operators] == ["topN", "topN", "topN2"]
    assert all(o.temps for o in res.resource.operators)
    got = lunaref.run_resource(res.data, [a, b, c])
    assert all(np.array_equal(g, w) for g, w in zip(got, want))
