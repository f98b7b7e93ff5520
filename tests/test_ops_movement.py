"""The data-movement ops (spec/ops/gather.md, slice.md, split.md, transpose.md, tile.md, expand.md,
squeeze.md, unsqueeze.md, shape.md): properties against plain-Python index models, REQUIREs, spec
examples, the thinker-3.0.4 compatibility models, ONNX import in both dialects and model.bin round trips."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from onnx import TensorProto, helper, numpy_helper

import lunaref
from lunaref import Tensor, TensorSpec, errors
from lunaref.ops import REGISTRY
from lunaref.ops.transpose import thinker_merge
from lunaref.resource.packer import pack
from lunaref.vectors.errata import ERRATA
from lunaref.vectors.negative import negative_cases
from lunaref.vectors.strategies import CASES

MOVEMENT = ["Gather", "Slice", "Split", "Transpose", "Tile", "Expand", "Squeeze", "Unsqueeze", "Shape"]
PLATFORMS = ["venus", "venusA", "arcs"]


def run(op, inputs, outputs, attrs=None, platform="venusA", compat=None):
    return REGISTRY.get(op).run(inputs, outputs, attrs or {}, platform, compat)


def t(values, dtype="int8", e=3):
    return Tensor.of(np.array(values), dtype, e)


def i64(values, dtype="int64"):
    return Tensor.of(np.array(values), dtype)


S8 = TensorSpec.of("int8", 3)


# ---------------------------------------------------------------------------------------------
# independent models: nested Python lists and index arithmetic
# ---------------------------------------------------------------------------------------------

def _flat(a):
    return [int(v) for v in np.asarray(a).reshape(-1).tolist()]


def _strides(shape):
    out, acc = [], 1
    for d in reversed(shape):
        out.insert(0, acc)
        acc *= d
    return out


def _gather_model(x, idx, axis):
    xs = list(x.shape)
    flat, ids = _flat(x), _flat(idx)
    lead, tail = int(np.prod(xs[:axis])), int(np.prod(xs[axis + 1:]))
    out = []
    for a in range(lead):
        for k in ids:
            k = k + xs[axis] if k < 0 else k
            base = a * xs[axis] * tail + k * tail
            out += flat[base:base + tail]
    return out, xs[:axis] + list(np.shape(idx)) + xs[axis + 1:]


def _python_slice_indices(s, start, end, step):
    return list(range(s))[start:end:step]


def _slice_model(x, starts, ends, axes, steps):
    shape = list(x.shape)
    keep = [list(range(d)) for d in shape]
    for s, e, a, k in zip(starts, ends, axes, steps):
        a = a + len(shape) if a < 0 else a
        keep[a] = _python_slice_indices(shape[a], s, e, k)
    flat, st = _flat(x), _strides(shape)
    out = [flat[sum(i * s for i, s in zip(ix, st))] for ix in itertools.product(*keep)]
    return out, [len(k) for k in keep]


def _transpose_model(x, perm):
    shape, st, flat = list(x.shape), _strides(x.shape), _flat(x)
    oshape = [shape[p] for p in perm]
    out = []
    for ix in itertools.product(*[range(d) for d in oshape]):
        src = [0] * len(shape)
        for k, p in enumerate(perm):
            src[p] = ix[k]
        out.append(flat[sum(i * s for i, s in zip(src, st))])
    return out, oshape


def _broadcast_model(x, oshape):
    shape = [1] * (len(oshape) - len(x.shape)) + list(x.shape)
    st, flat = _strides(shape), _flat(x)
    return [flat[sum((i if d != 1 else 0) * s for i, d, s in zip(ix, shape, st))]
            for ix in itertools.product(*[range(d) for d in oshape])]


# ---------------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------------

def _check(op, case, platform="venusA"):
    inputs, outputs, attrs = case
    res = run(op, inputs, outputs, attrs, platform)
    for r, o in zip(res, outputs):
        assert r.dtype == o.dtype
        if op != "Shape":
            assert r.exponent == inputs[0].exponent
    return res


@given(CASES["Gather"])
def test_gather_against_index_model(case):
    (y,) = _check("Gather", case)
    x, idx = case[0]
    axis = case[2]["axis"] % len(x.shape)
    want, shape = _gather_model(x.data, idx.data, axis)
    assert list(y.shape) == shape and _flat(y.data) == want


@given(CASES["Slice"])
def test_slice_against_python_ranges(case):
    (y,) = _check("Slice", case)
    x, *rest = case[0]
    starts, ends = _flat(rest[0].data), _flat(rest[1].data)
    axes = _flat(rest[2].data) if len(rest) > 2 else list(range(len(starts)))
    steps = _flat(rest[3].data) if len(rest) > 3 else [1] * len(starts)
    want, shape = _slice_model(x.data, starts, ends, axes, steps)
    assert list(y.shape) == shape and _flat(y.data) == want


@given(CASES["Split"])
def test_split_parts_concatenate_back(case):
    ys = _check("Split", case)
    (x,), _, attrs = case
    axis = attrs["axis"] % len(x.shape)
    sizes = attrs.get("split") or [x.shape[axis] // len(ys)] * len(ys)
    assert [y.shape[axis] for y in ys] == sizes
    offset = 0
    for y, n in zip(ys, sizes):
        want, _ = _slice_model(x.data, [offset], [offset + n], [axis], [1])
        assert _flat(y.data) == want
        offset += n


@given(CASES["Transpose"])
def test_transpose_against_index_model(case):
    (y,) = _check("Transpose", case)
    (x,), _, attrs = case
    perm = attrs.get("perm") or list(range(len(x.shape)))[::-1]
    want, shape = _transpose_model(x.data, perm)
    assert list(y.shape) == shape and _flat(y.data) == want


@given(CASES["Tile"])
def test_tile_against_modulo_model(case):
    (y,) = _check("Tile", case)
    x, reps = case[0]
    oshape = [d * r for d, r in zip(x.shape, _flat(reps.data))]
    st, flat = _strides(x.shape), _flat(x.data)
    want = [flat[sum((i % d) * s for i, d, s in zip(ix, x.shape, st))]
            for ix in itertools.product(*[range(d) for d in oshape])]
    assert list(y.shape) == oshape and _flat(y.data) == want


@given(CASES["Expand"])
def test_expand_against_broadcast_model(case):
    (y,) = _check("Expand", case)
    x, shape = case[0]
    target = _flat(shape.data)
    xs = [1] * (len(target) - len(x.shape)) + list(x.shape)
    oshape = [max(a, b) for a, b in zip(xs, target)]
    assert list(y.shape) == oshape and _flat(y.data) == _broadcast_model(x.data, oshape)


@given(CASES["Squeeze"])
def test_squeeze_keeps_values(case):
    (y,) = _check("Squeeze", case)
    (x,), _, attrs = case
    axes = [a % len(x.shape) for a in attrs.get("axes", [])] or [i for i, d in enumerate(x.shape) if d == 1]
    assert list(y.shape) == [d for i, d in enumerate(x.shape) if i not in axes]
    assert _flat(y.data) == _flat(x.data)


@given(CASES["Unsqueeze"])
def test_unsqueeze_keeps_values(case):
    (y,) = _check("Unsqueeze", case)
    (x,), _, attrs = case
    rank = len(x.shape) + len(attrs["axes"])
    axes = {a % rank for a in attrs["axes"]}
    assert [d for i, d in enumerate(y.shape) if i not in axes] == list(x.shape)
    assert all(y.shape[a] == 1 for a in axes) and _flat(y.data) == _flat(x.data)


@given(CASES["Shape"])
def test_shape_is_the_extents(case):
    (y,) = _check("Shape", case)
    (x,), _, attrs = case
    assert y.dtype.name == "int64" and y.exponent is None
    assert y.data.tolist() == list(x.shape)[attrs.get("start"):attrs.get("end")]



# ---------------------------------------------------------------------------------------------
# REQUIREs and capabilities
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("platform,op,slug,case,error",
                         [c for c in negative_cases(MOVEMENT)], ids=lambda v: v if isinstance(v, str) else "")
def test_negative_cases_raise_their_named_error(platform, op, slug, case, error):
    with pytest.raises(getattr(errors, error)):
        run(op, *case, platform=platform)


def test_exponent_is_kept():
    with pytest.raises(errors.ExponentOutOfRange):
        run("Gather", [t([1, 2]), i64([0])], [TensorSpec.of("int8", 4)])
    with pytest.raises(errors.ExponentOutOfRange):
        run("Split", [t([1, 2])], [S8, TensorSpec.of("int8", 2)])


def test_capabilities():
    with pytest.raises(errors.UnsupportedOnPlatform):
        run("Tile", [t([1], "int16"), i64([2])], [TensorSpec.of("int16", 3)])
    (y,) = run("Transpose", [t([[1, 2]], "int32")], [TensorSpec.of("int32", 3)], platform="arcs")
    assert y.data.tolist() == [[1], [2]]
    with pytest.raises(errors.DTypeMismatch):   # no signature with 9 outputs
        run("Split", [t(list(range(9)))], [S8] * 9)
    x = t(np.arange(24).reshape(2, 3, 4))   # [1, 2, 0] merges to a 2-D transpose in thinker
    assert np.array_equal(run("Transpose", [x], [S8], {"perm": [1, 2, 0]}, compat="thinker-3.0.4")[0].data,
                          x.data.transpose(1, 2, 0))


# ---------------------------------------------------------------------------------------------
# spec examples
# ---------------------------------------------------------------------------------------------

def test_spec_examples():
    (y,) = run("Gather", [t([[1, 2], [3, 4], [5, 6]]), i64([-1, 0])], [S8])
    assert y.data.tolist() == [[5, 6], [1, 2]]
    (y,) = run("Gather", [t([[1, 2], [3, 4], [5, 6]]), i64([-3])], [S8])
    assert y.data.tolist() == [[1, 2]]
    x = t([0, 1, 2, 3, 4, 5])
    (y,) = run("Slice", [x, i64([1]), i64([100]), i64([0]), i64([2])], [S8])
    assert y.data.tolist() == [1, 3, 5]
    (y,) = run("Slice", [x, i64([1]), i64([100]), i64([0]), i64([2])], [S8], compat="thinker-3.0.4")
    assert y.data.tolist() == [1, 2, 3]
    (y,) = run("Slice", [x, i64([-1]), i64([-100]), i64([0]), i64([-2])], [S8])
    assert y.data.tolist() == [5, 3, 1]
    w = Tensor.of(np.arange(24).reshape(2, 3, 4), "int16", 3)
    s16 = TensorSpec.of("int16", 3)
    y0, _ = run("Split", [w], [s16, s16], {"axis": 1, "split": [1, 2]})
    assert y0.data.reshape(2, 4).tolist() == [[0, 1, 2, 3], [12, 13, 14, 15]]
    for p in ("arcs", "venusA"):
        y0, _ = run("Split", [w], [s16, s16], {"axis": 1, "split": [1, 2]}, p, "thinker-3.0.4")
        assert y0.data.reshape(2, 4).tolist() == [[0, 1, 2, 3], [6, 7, 8, 9]]
    y0, _ = run("Split", [w], [s16, s16], {"axis": 1, "split": [1, 2]}, "venus", "thinker-3.0.4")
    assert y0.data.reshape(2, 4).tolist() == [[0, 1, 2, 3], [12, 13, 14, 15]]
    x3 = t(np.arange(24).reshape(2, 3, 4))
    (y,) = run("Transpose", [x3], [S8], {"perm": [2, 0, 1]})
    assert y.shape == (4, 2, 3) and y.data[3, 1, 2] == x3.data[1, 2, 3]
    (y,) = run("Tile", [t([[1, 2]]), i64([2, 2])], [S8])
    assert y.data.tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]
    (y,) = run("Expand", [t([[1], [2]]), i64([2, 1, 3])], [S8])
    assert y.data.tolist() == [[[1, 1, 1], [2, 2, 2]]] * 2
    z = t(np.zeros((1, 5, 1), np.int64))
    assert run("Squeeze", [z], [S8])[0].shape == (5,)
    assert run("Squeeze", [z], [S8], compat="thinker-3.0.4")[0].shape == (1, 5)
    assert run("Squeeze", [z], [S8], {"axes": [-1]})[0].shape == (1, 5)
    assert run("Unsqueeze", [t(np.zeros((2, 3), np.int64))], [S8], {"axes": [0, -1]})[0].shape == (1, 2, 3, 1)
    x4 = t(np.zeros((1, 8, 7, 7), np.int64))
    assert run("Shape", [x4], [TensorSpec.of("int64")])[0].data.tolist() == [1, 8, 7, 7]
    assert run("Shape", [x4], [TensorSpec.of("int64")], {"start": -2})[0].data.tolist() == [7, 7]


# ---------------------------------------------------------------------------------------------
# compatibility models
# ---------------------------------------------------------------------------------------------

def test_transpose_merge_restates_thinker():
    assert thinker_merge([0, 2, 3, 1], [2, 3, 4, 5]) == ([0, 2, 1], [2, 3, 20], 1)
    assert thinker_merge([2, 3, 0, 1], [2, 3, 4, 5]) == ([1, 0, 0], [6, 4, 5], 2)
    assert thinker_merge([1, 0], [2, 3]) == ([1, 0], [2, 3], 0)
    for perm in ([0, 1, 2], [1, 0, 3, 2], [4, 3, 2, 1, 0]):
        x = t(np.zeros([2] * len(perm), np.int64))
        with pytest.raises(errors.UnsupportedAttribute, match="E-TRANSPOSE-1"):
            run("Transpose", [x], [S8], {"perm": perm}, compat="thinker-3.0.4")
    x = t(np.arange(24).reshape(2, 3, 4))
    assert np.array_equal(run("Transpose", [x], [S8], {"perm": [0, 2, 1]}, compat="thinker-3.0.4")[0].data,
                          x.data.transpose(0, 2, 1))


@given(CASES["Slice"])
def test_slice_compat_equals_spec_for_unit_steps_on_one_axis(case):
    inputs, outputs, attrs = case
    steps = _flat(inputs[4].data) if len(inputs) > 4 else [1]
    if len(_flat(inputs[1].data)) != 1 or steps != [1]:
        return
    for p in PLATFORMS:
        assert np.array_equal(run("Slice", inputs, outputs, attrs, p)[0].data,
                              run("Slice", inputs, outputs, attrs, p, "thinker-3.0.4")[0].data)


@pytest.mark.parametrize("entry", ["E-SLICE-1", "E-SPLIT-1", "E-SQUEEZE-1"])
def test_errata_cases_show_the_modelled_deviation(entry):
    rows = [r for r in ERRATA if r[1] == entry]
    assert rows
    for op, _, plats, build in rows:
        for p in plats or REGISTRY.get(op).platforms:
            inputs, outputs, attrs = build()
            spec = run(op, inputs, outputs, attrs, p)
            compat = run(op, inputs, outputs, attrs, p, "thinker-3.0.4")
            assert any(a.data.shape != b.data.shape or not np.array_equal(a.data, b.data)
                       for a, b in zip(spec, compat))


@pytest.mark.parametrize("entry", ["E-GATHER-1", "E-SLICE-2", "E-SLICE-3", "E-EXPAND-1"])
def test_errata_cases_without_model_give_the_spec_result(entry):
    for op, _, plats, build in [r for r in ERRATA if r[1] == entry]:
        for p in plats or REGISTRY.get(op).platforms:
            inputs, outputs, attrs = build()
            spec = run(op, inputs, outputs, attrs, p)
            compat = run(op, inputs, outputs, attrs, p, "thinker-3.0.4")
            assert all(np.array_equal(a.data, b.data) for a, b in zip(spec, compat))


# ---------------------------------------------------------------------------------------------
# ONNX import (both dialects) and model.bin
# ---------------------------------------------------------------------------------------------

def _model(dialect, body, x_shape, out_type=TensorProto.FLOAT, inits=(), n_out=1, opset=12, dequant=True):
    """input -> Quant(2^4) -> body nodes (q -> y0 … ) -> Dequant per output."""
    domain = "linger" if dialect == "linger3" else "thinker"
    tag = {"platform": "venusA"} if dialect == "linger3" else {}
    nodes = [helper.make_node("Quant", ["input"], ["q"], domain=domain, name="Quant_0", data_bits=8,
                              scale_x=16.0, **tag)]
    nodes += body(domain, tag)
    outs = []
    for k in range(n_out):
        if dequant:
            nodes.append(helper.make_node("Dequant", [f"y{k}"], [f"out{k}"], domain=domain, name=f"Dequant_{k}",
                                          scale_o=16.0))
            outs.append(helper.make_tensor_value_info(f"out{k}", out_type, None))
        else:
            outs.append(helper.make_tensor_value_info(f"y{k}", TensorProto.INT64, None))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT, x_shape)],
                              outs, [numpy_helper.from_array(np.asarray(v), k) for k, v in inits])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset), helper.make_opsetid(domain, 1)])


def _const(k):
    return ("c" + str(k))


MODELS = {
    "Gather": (lambda d, tag: [helper.make_node("Gather", ["q", "idx"], ["y0"], axis=1)], [2, 4],
               [("idx", np.array([-1, 0, 2], np.int64))], 1),
    "Slice": (lambda d, tag: [helper.make_node("Slice", ["q", "s", "e", "a", "k"], ["y0"])], [2, 6],
              [("s", np.array([-5])), ("e", np.array([100])), ("a", np.array([1])), ("k", np.array([2]))], 1),
    "Split": (lambda d, tag: [helper.make_node("Split", ["q"], ["y0", "y1"], axis=1, split=[1, 3])], [2, 4], [], 2),
    "Transpose": (lambda d, tag: [helper.make_node("Transpose", ["q"], ["y0"], perm=[0, 2, 1])], [2, 3, 4], [], 1),
    "Tile": (lambda d, tag: [helper.make_node("Tile", ["q", "r"], ["y0"])], [2, 3],
             [("r", np.array([2, 1]))], 1),
    "Expand": (lambda d, tag: [helper.make_node("Expand", ["q", "sh"], ["y0"])], [3, 1],
               [("sh", np.array([2, 3, 4]))], 1),
    "Squeeze": (lambda d, tag: [helper.make_node("Squeeze", ["q"], ["y0"], axes=[0])], [1, 3, 2], [], 1),
    "Unsqueeze": (lambda d, tag: [helper.make_node("Unsqueeze", ["q"], ["y0"], axes=[1])], [3, 2], [], 1),
}


def _expected(op, q):
    """The integer result, by numpy directly."""
    return {
        "Gather": lambda: [q[:, [3, 0, 2]]], "Slice": lambda: [q[:, 1::2]],
        "Split": lambda: [q[:, :1], q[:, 1:]], "Transpose": lambda: [q.transpose(0, 2, 1)],
        "Tile": lambda: [np.tile(q, (2, 1))], "Expand": lambda: [np.broadcast_to(q, (2, 3, 4))],
        "Squeeze": lambda: [q[0]], "Unsqueeze": lambda: [q[:, None]],
    }[op]()


@pytest.mark.parametrize("dialect", ["linger1", "linger3"])
@pytest.mark.parametrize("op", sorted(MODELS))
def test_onnx_import_and_model_bin(dialect, op):
    body, shape, inits, n_out = MODELS[op]
    model = _model(dialect, body, shape, inits=inits, n_out=n_out)
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    graph = lunaref.load_onnx(model)
    outs, tensors = lunaref.run_onnx(graph, [x], "venusA", intermediates=True)
    q = tensors["q"].data
    assert len(outs) == n_out
    for got, want in zip(outs, _expected(op, q)):
        assert np.array_equal(got, want.astype(np.float32) / 16)
    for platform in PLATFORMS if dialect == "linger1" else ["venusA"]:   # linger 3.x names its platform
        result = pack(graph, platform)
        assert [o.type for o in result.resource.operators] == [op]
        got = lunaref.run_resource(result.data, [x], quantize_inputs=True)
        for g, w in zip(got, _expected(op, q)):
            assert np.array_equal(g, w)


def test_embedding_gather_both_dialects():
    table = np.arange(-12, 12, dtype=np.int8).reshape(6, 4)
    for dialect, attrs in (("linger1", {"scale_w": 8.0, "scale_o": 8.0, "parameter_bits": 8}),
                           ("linger3", {"scale_w": 8.0, "w_bits": 8, "platform": "arcs"})):
        domain = "thinker" if dialect == "linger1" else "linger"
        nodes = [helper.make_node("Gather", ["emb.weight", "ids"], ["e"], domain=domain, name="Gather_0", **attrs),
                 helper.make_node("Dequant", ["e"], ["out"], domain=domain, name="Dequant_1", scale_o=8.0)]
        g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, 3])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(table, "emb.weight")])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 12), helper.make_opsetid(domain, 1)])
        ids = np.array([[5, 0, -1]], np.int64)
        (y,) = lunaref.run_onnx(m, [ids], "arcs")
        assert np.array_equal(y, table[[[5, 0, 5]]].astype(np.float32) / 8)
        res = pack(lunaref.load_onnx(m), "arcs")
        (q,) = lunaref.run_resource(res.data, [ids])
        assert np.array_equal(q, table[[[5, 0, 5]]])


def test_opset13_inputs_and_linger_squeeze():
    def body(d, tag):
        return [helper.make_node("Split", ["q", "sp"], ["a", "b"], axis=0),
                helper.make_node("Unsqueeze", ["a", "ax"], ["u"]),
                helper.make_node("Squeeze", ["u"], ["y0"], domain="linger", axes=[0], **tag)]
    model = _model("linger3", body, [3, 2], inits=[("sp", np.array([1, 2])), ("ax", np.array([0]))], opset=13)
    x = np.random.default_rng(1).standard_normal((3, 2)).astype(np.float32)
    outs, tensors = lunaref.run_onnx(model, [x], intermediates=True)
    assert np.array_equal(outs[0], tensors["q"].data[:1].astype(np.float32) / 16)
    res = pack(lunaref.load_onnx(model))
    assert [o.type for o in res.resource.operators] == ["Split", "Unsqueeze", "Squeeze"]
    (got,) = lunaref.run_resource(res.data, [x], quantize_inputs=True)
    assert np.array_equal(got, tensors["q"].data[:1])


def test_shape_output_and_attribute_structs():
    model = _model("linger3", lambda d, tag: [helper.make_node("Shape", ["q"], ["y0"])], [2, 3, 5],
                   dequant=False)
    x = np.zeros((2, 3, 5), np.float32)
    (y,) = lunaref.run_onnx(model, [x])
    assert y.dtype == np.int64 and y.tolist() == [2, 3, 5]
    (got,) = lunaref.run_resource(pack(lunaref.load_onnx(model)).data, [x], quantize_inputs=True)
    assert got.tolist() == [2, 3, 5]
    body, shape, inits, n = MODELS["Split"]
    ops = pack(lunaref.load_onnx(_model("linger3", body, shape, inits=inits, n_out=n))).resource.operators
    assert ops[0].attrs == {"axis": 1, "dims": 2, "split": [1, 3, 0, 0, 0, 0, 0, 0]}
    body, shape, inits, n = MODELS["Transpose"]
    ops = pack(lunaref.load_onnx(_model("linger3", body, shape, inits=inits, n_out=n))).resource.operators
    assert ops[0].attrs["ndim_"] == 3 and ops[0].attrs["axes_"][:3] == [0, 2, 1]
