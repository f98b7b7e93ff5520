"""Hypothesis strategies for op cases, aimed at each op's registry coverpoints (spec/formats/vectors.md).

``CASES[op]`` draws ``(inputs, output specs, attrs)`` for the op.  Used by the project's tests and by
``lunaref vectors generate``, which records what they find; importing this module needs hypothesis
(the ``test`` extra).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from lunaref import Tensor, TensorSpec
from lunaref.luna import piecewise
from lunaref.numerics import dtype

OUT_INTS = ["int8", "int16", "int32"]


def _int_values(t: str):
    d = dtype(t)
    edge = st.sampled_from([d.min, d.min + 1, -1, 0, 1, d.max - 1, d.max])
    return st.one_of(edge, st.integers(d.min, d.max))


@st.composite
def quant_case(draw):
    """(inputs, outputs) for Quant: floats near ties, near the float32 artifact, beyond the range."""
    to = draw(st.sampled_from(OUT_INTS))
    e = draw(st.integers(-8, 20))
    scale = 2.0 ** e
    d = dtype(to)
    k = st.integers(-(1 << min(d.bits - 1, 24)), (1 << min(d.bits - 1, 24)) - 1)
    special = st.one_of(
        k.map(lambda i: (i + 0.5) / scale),                        # ties of both signs
        st.just((0.5 - 2.0 ** -25) / scale),                        # the float32 artifact
        st.sampled_from([(d.max + 1.0) / scale, (d.min - 1.0) / scale, 1e30, -1e30]),  # saturation
        st.sampled_from([float("inf"), float("-inf")]),
        st.floats(width=32, allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    )
    xs = draw(st.lists(special, min_size=1, max_size=8))
    x = Tensor.of(np.array(xs, dtype=np.float32), "float32")
    return [x], [TensorSpec.of(to, e)]


@st.composite
def dequant_case(draw):
    t = draw(st.sampled_from(OUT_INTS))
    e = draw(st.integers(-31, 31))
    values = draw(st.lists(_int_values(t), min_size=1, max_size=8))
    return [Tensor.of(np.array(values), t, e)], [TensorSpec.of("float32")]


@st.composite
def requant_case(draw):
    to = draw(st.sampled_from(OUT_INTS))
    e_in = draw(st.integers(-12, 20))
    e_out = draw(st.one_of(st.integers(e_in - 10, e_in + 24), st.just(e_in)).filter(lambda e: -31 <= e <= 31))
    values = draw(st.lists(_int_values("int8"), min_size=1, max_size=8))
    return [Tensor.of(np.array(values), "int8", e_in)], [TensorSpec.of(to, e_out)]


CASES: dict = {}  # registry op name -> strategy of (inputs, outputs, attrs); filled below


def _uniform_array(draw, shape, lo, hi):
    """Integers drawn uniformly from [lo, hi] (no bias towards the limits)."""
    n = int(np.prod(shape))
    return np.array(draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n)), dtype=np.int64).reshape(shape)


def _int8_array(draw, shape, lo=-128, hi=127):
    n = int(np.prod(shape))
    values = draw(st.lists(st.one_of(st.sampled_from([lo, hi, 0, -1, 1]), st.integers(lo, hi)),
                           min_size=n, max_size=n))
    return np.array(values, dtype=np.int64).reshape(shape)


@st.composite
def conv_case(draw):
    """Conv2dInt cases on venusA: groups, strides, pads, dilation, bias, ReLU, shifts of both signs."""
    n = draw(st.integers(1, 2))
    group = draw(st.sampled_from([1, 1, 2, 3]))
    cg = draw(st.integers(1, 2))
    depthwise = draw(st.booleans()) and group > 1
    ocg = 1 if depthwise else draw(st.integers(1, 2))
    c, oc = group * cg if not depthwise else group, group * ocg
    if depthwise:
        cg = 1
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.sampled_from([1, 2])), draw(st.sampled_from([1, 2]))
    dh, dw = draw(st.sampled_from([1, 1, 2])), draw(st.sampled_from([1, 1, 2]))
    pads = tuple(draw(st.integers(0, 2)) for _ in range(4))
    h = draw(st.integers((kh - 1) * dh + 1, 6))
    w = draw(st.integers((kw - 1) * dw + 1, 6))
    x = _int8_array(draw, (n, c, h, w))
    wt = _int8_array(draw, (oc, cg, kh, kw))
    e_x, e_w = draw(st.integers(0, 8)), draw(st.integers(0, 8))
    e_y = draw(st.integers(e_x + e_w - 14, e_x + e_w + 2))
    inputs = [Tensor.of(x, "int8", e_x), Tensor.of(wt, "int8", e_w)]
    if draw(st.booleans()):
        inputs.append(Tensor.of(_int8_array(draw, (oc,), -5000, 5000), "int32", e_x + e_w))
    attrs = {"kernel_shape": (kh, kw), "strides": (sh, sw), "pads": pads, "dilations": (dh, dw),
             "group": group, "act": draw(st.sampled_from(["none", "relu"]))}
    out = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    return inputs, [TensorSpec.of(out, e_y)], attrs


@st.composite
def linear_case(draw):
    rows = draw(st.integers(1, 4))
    k, n = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    lead = draw(st.sampled_from([(rows,), (1, rows), ()]))
    x = _int8_array(draw, lead + (k,))
    w = _int8_array(draw, (n, k))
    e_x, e_w = draw(st.integers(0, 8)), draw(st.integers(0, 8))
    e_y = draw(st.integers(e_x + e_w - 12, e_x + e_w + 2))
    inputs = [Tensor.of(x, "int8", e_x), Tensor.of(w, "int8", e_w)]
    if draw(st.booleans()):
        inputs.append(Tensor.of(_int8_array(draw, (n,), -5000, 5000), "int32", e_x + e_w))
    out = draw(st.sampled_from(["int8", "int16", "int32"]))
    return inputs, [TensorSpec.of(out, e_y)], {}


@st.composite
def batchnorm_case(draw):
    c = draw(st.integers(1, 3))
    x = _int8_array(draw, (1, c, draw(st.integers(1, 3)), draw(st.integers(1, 3))))
    e_x, e_w = draw(st.integers(0, 8)), draw(st.integers(0, 8))
    e_y = draw(st.integers(e_x + e_w - 10, e_x + e_w + 2))
    inputs = [Tensor.of(x, "int8", e_x), Tensor.of(_int8_array(draw, (c,)), "int8", e_w),
              Tensor.of(_int8_array(draw, (c,), -3000, 3000), "int32", e_x + e_w)]
    return inputs, [TensorSpec.of("int8", e_y)], {}


@st.composite
def batchnorm1d_case(draw):
    c = draw(st.integers(1, 3))
    shape = draw(st.sampled_from([(draw(st.integers(1, 2)), c), (1, c, draw(st.integers(1, 4)))]))
    e_x, e_w = draw(st.integers(0, 8)), draw(st.integers(0, 8))
    e_y = draw(st.integers(e_x + e_w - 10, e_x + e_w + 2))
    inputs = [Tensor.of(_int8_array(draw, shape), "int8", e_x), Tensor.of(_int8_array(draw, (c,)), "int8", e_w),
              Tensor.of(_int8_array(draw, (c,), -3000, 3000), "int32", e_x + e_w)]
    return inputs, [TensorSpec.of("int8", e_y)], {}


@st.composite
def iqadd_case(draw):
    t = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    shape = (draw(st.integers(1, 6)),)
    a = draw(st.lists(_int_values(t), min_size=shape[0], max_size=shape[0]))
    b = draw(st.lists(_int_values(t), min_size=shape[0], max_size=shape[0]))
    e1, e2, eo = (draw(st.integers(0, 10)) for _ in range(3))
    return ([Tensor.of(np.array(a), t, e1), Tensor.of(np.array(b), t, e2)], [TensorSpec.of(t, eo)], {})


@st.composite
def relu_case(draw):
    t = draw(st.sampled_from(["int8", "int16", "int32"]))
    v = draw(st.lists(_int_values(t), min_size=1, max_size=8))
    e = draw(st.integers(-5, 10))
    return [Tensor.of(np.array(v), t, e)], [TensorSpec.of(t, e)], {}


@st.composite
def _pool_geometry(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    pads = (draw(st.integers(0, kh - 1)), draw(st.integers(0, kw - 1)),
            draw(st.integers(0, kh - 1)), draw(st.integers(0, kw - 1)))
    h, w = draw(st.integers(kh, 6)), draw(st.integers(kw, 6))
    return (kh, kw), (sh, sw), pads, (h, w)


@st.composite
def maxpool_case(draw):
    kernel, strides, pads, (h, w) = draw(_pool_geometry())
    negative = draw(st.booleans())
    x = _int8_array(draw, (1, draw(st.integers(1, 2)), h, w), -128, -1 if negative else 127)
    e = draw(st.integers(0, 8))
    attrs = {"kernel_shape": kernel, "strides": strides, "pads": pads, "ceil_mode": int(draw(st.booleans()))}
    return [Tensor.of(x, "int8", e)], [TensorSpec.of("int8", e)], attrs


@st.composite
def avgpool_case(draw):
    kernel, strides, pads, (h, w) = draw(_pool_geometry())
    x = _int8_array(draw, (1, draw(st.integers(1, 2)), h, w))
    e_x = draw(st.integers(0, 8))
    e_y = draw(st.one_of(st.just(e_x), st.integers(e_x - 3, e_x + 3)))
    attrs = {"kernel_shape": kernel, "strides": strides, "pads": pads, "ceil_mode": int(draw(st.booleans()))}
    return [Tensor.of(x, "int8", e_x)], [TensorSpec.of("int8", e_y)], attrs


@st.composite
def reshape_case(draw):
    dims = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    x = np.arange(int(np.prod(dims)), dtype=np.int64).reshape(dims) % 100
    target = list(reversed(dims))
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    if draw(st.booleans()) and target[0] == dims[0]:
        target[0] = 0
    e = draw(st.integers(0, 8))
    return ([Tensor.of(x, "int8", e), Tensor.of(np.array(target, dtype=np.int64), "int64")],
            [TensorSpec.of("int8", e)], {})


@st.composite
def flatten_case(draw):
    dims = draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))
    axis = draw(st.integers(-len(dims), len(dims)))
    x = np.arange(int(np.prod(dims)), dtype=np.int64).reshape(dims) % 100
    e = draw(st.integers(0, 8))
    return [Tensor.of(x, "int8", e)], [TensorSpec.of("int8", e)], {"axis": axis}


def _no_attrs(strategy):
    return strategy.map(lambda c: (c[0], c[1], {}))


CASES.update({
    "Quant": _no_attrs(quant_case()), "Dequant": _no_attrs(dequant_case()), "Requant": _no_attrs(requant_case()),
    "Conv2dInt": conv_case(), "LinearInt": linear_case(), "BatchNorm2dInt": batchnorm_case(), "BatchNorm1dInt": batchnorm1d_case(),
    "iqAdd": iqadd_case(), "Relu": relu_case(), "MaxPool": maxpool_case(), "AvgPool2dInt": avgpool_case(),
    "Reshape": reshape_case(), "Flatten": flatten_case(),
})


@st.composite
def mac_dtype_case(draw, op: str):
    """Conv2dInt / LinearInt with int4 weights (arcs, venusA) or int16 activations and weights (venus):
    near the int4 and int16 extremes, shifts that floor, accumulators beyond int32."""
    wide = draw(st.booleans())
    tx, tw = ("int16", "int16") if wide else ("int8", "int4")
    x_lim, w_lim = ((-32768, 32767), (-32768, 32767)) if wide else ((-128, 127), (-8, 7))
    e_x, e_w = draw(st.integers(0, 15 if wide else 8)), draw(st.integers(0, 15 if wide else 7))
    if op == "Conv2dInt":
        c, oc = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        x = _int8_array(draw, (1, c, draw(st.integers(kh, 4)), draw(st.integers(kw, 4))), *x_lim)
        w = _int8_array(draw, (oc, c, kh, kw), *w_lim)
        attrs = {"kernel_shape": (kh, kw), "strides": (1, 1), "pads": tuple(draw(st.integers(0, 1)) for _ in range(4)),
                 "dilations": (1, 1), "group": 1, "act": draw(st.sampled_from(["none", "relu"]))}
        outs = ["int8"]
    else:
        k, n = draw(st.integers(1, 6)), draw(st.integers(1, 4))
        x = _int8_array(draw, (draw(st.integers(1, 3)), k), *x_lim)
        w = _int8_array(draw, (n, k), *w_lim)
        attrs = {}
        outs = ["int8", "int16", "int32"] if wide else ["int8"]
    inputs = [Tensor.of(x, tx, e_x), Tensor.of(w, tw, e_w)]
    if draw(st.booleans()):
        inputs.append(Tensor.of(_int8_array(draw, (w.shape[0],), -2**31, 2**31 - 1), "int32", e_x + e_w))
    e_y = draw(st.integers(max(e_x + e_w - 31, -31), e_x + e_w + 2))
    return inputs, [TensorSpec.of(draw(st.sampled_from(outs)), e_y)], attrs


CASES["Conv2dInt"] = st.one_of(CASES["Conv2dInt"], mac_dtype_case("Conv2dInt"))
CASES["LinearInt"] = st.one_of(CASES["LinearInt"], mac_dtype_case("LinearInt"))


@st.composite
def iqpad_case(draw):
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    x = _int8_array(draw, (1, draw(st.integers(1, 2)), h, w))
    mode = draw(st.sampled_from([0, 1, 2]))
    lim_h, lim_w = (h - 1, w - 1) if mode == 1 else (3, 3)
    t, b = draw(st.integers(0, lim_h)), draw(st.integers(0, lim_h))
    l, r = draw(st.integers(0, lim_w)), draw(st.integers(0, lim_w))
    form = draw(st.sampled_from([4, 6, 8]))
    pads = {4: [t, l, b, r], 6: [0, t, l, 0, b, r], 8: [0, 0, t, l, 0, 0, b, r]}[form]
    e = draw(st.integers(0, 8))
    inputs = [Tensor.of(x, "int8", e), Tensor.of(np.array(pads), "int64")]
    if draw(st.booleans()):
        inputs.append(Tensor.of(np.array([0]), "int64"))
    return inputs, [TensorSpec.of("int8", e)], {"mode": mode}


CASES["iqPad"] = iqpad_case()


# data movement (spec/ops/gather.md … shape.md): values are arbitrary, shapes and indices are the point

def _move_data(draw, shape, types=("int8", "int16", "int32")):
    t = draw(st.sampled_from(list(types)))
    e = draw(st.integers(-4, 12))
    d = dtype(t)
    n = int(np.prod(shape))
    values = draw(st.lists(st.integers(d.min, d.max), min_size=n, max_size=n))
    return Tensor.of(np.array(values, dtype=np.int64).reshape(shape), t, e), TensorSpec.of(t, e)


def _shape(draw, lo=1, hi=4, max_rank=4):
    return tuple(draw(st.lists(st.integers(lo, hi), min_size=1, max_size=max_rank)))


@st.composite
def gather_case(draw):
    shape = _shape(draw)
    x, y = _move_data(draw, shape)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    s = shape[axis]
    ishape = draw(st.sampled_from([(), (2,), (1, 3), (4,)]))
    idx = np.array(draw(st.lists(st.integers(-s, s - 1), min_size=int(np.prod(ishape)),
                                 max_size=int(np.prod(ishape))))).reshape(ishape)
    it = draw(st.sampled_from(["int64", "int32"]))
    return [x, Tensor.of(idx, it)], [y], {"axis": axis}


@st.composite
def slice_case(draw):
    shape = _shape(draw, 1, 6)
    x, y = _move_data(draw, shape)
    k = draw(st.integers(1, len(shape)))
    axes = draw(st.permutations(range(len(shape))))[:k]
    starts, ends, steps = [], [], []
    for a in axes:
        s = shape[a]
        steps.append(draw(st.sampled_from([1, 1, 2, 3, -1, -2])))
        starts.append(draw(st.integers(-s - 2, s + 1)))
        ends.append(draw(st.one_of(st.integers(-s - 2, s + 2), st.sampled_from([2 ** 62, -2 ** 62]))))
    form = draw(st.sampled_from([3, 4, 5] if all(v == 1 for v in steps) else [5]))
    if form == 3 and list(axes) != list(range(k)):
        form = 4
    raw = [starts, ends, [a - len(shape) if draw(st.booleans()) else a for a in axes], steps][:form - 1]
    return [x] + [Tensor.of(np.array(v, dtype=np.int64), "int64") for v in raw], [y], {}


@st.composite
def split_case(draw):
    shape = _shape(draw, 1, 5)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    n = draw(st.integers(1, min(4, shape[axis])))
    x, y = _move_data(draw, shape)
    attrs = {"axis": axis}
    if shape[axis] % n or draw(st.booleans()):
        cuts = sorted(draw(st.lists(st.integers(0, shape[axis]), min_size=n - 1, max_size=n - 1)))
        attrs["split"] = [b - a for a, b in zip([0] + cuts, cuts + [shape[axis]])]
    return [x], [y] * n, attrs


@st.composite
def transpose_case(draw):
    shape = _shape(draw, 1, 3, 5)
    x, y = _move_data(draw, shape, ("int8",))
    attrs = {} if draw(st.integers(0, 5)) == 0 else {"perm": list(draw(st.permutations(range(len(shape)))))}
    return [x], [y], attrs


@st.composite
def tile_case(draw):
    shape = _shape(draw, 1, 3)
    x, y = _move_data(draw, shape, ("int8",))
    reps = draw(st.lists(st.integers(0, 3), min_size=len(shape), max_size=len(shape)))
    return [x, Tensor.of(np.array(reps, dtype=np.int64), "int64")], [y], {}


@st.composite
def expand_case(draw):
    shape = _shape(draw, 1, 3)
    x, y = _move_data(draw, shape)
    target = [draw(st.sampled_from([1, d])) if d != 1 else draw(st.integers(1, 3)) for d in shape]
    lead = draw(st.lists(st.integers(1, 3), max_size=2))
    return [x, Tensor.of(np.array(lead + target, dtype=np.int64), "int64")], [y], {}


@st.composite
def squeeze_case(draw):
    shape = list(_shape(draw, 1, 3))
    for _ in range(draw(st.integers(1, 2))):
        shape.insert(draw(st.integers(0, len(shape))), 1)
    x, y = _move_data(draw, tuple(shape))
    ones = [i for i, d in enumerate(shape) if d == 1]
    attrs = {}
    if draw(st.booleans()):
        pick = draw(st.lists(st.sampled_from(ones), min_size=1, unique=True))
        attrs["axes"] = [a - len(shape) if draw(st.booleans()) else a for a in pick]
    return [x], [y], attrs


@st.composite
def unsqueeze_case(draw):
    shape = _shape(draw, 1, 3)
    x, y = _move_data(draw, shape)
    k = draw(st.integers(1, 2))
    rank = len(shape) + k
    pos = draw(st.lists(st.integers(0, rank - 1), min_size=k, max_size=k, unique=True))
    return [x], [y], {"axes": [p - rank if draw(st.booleans()) else p for p in pos]}


@st.composite
def shape_case(draw):
    shape = _shape(draw, 1, 3, 5)
    x, _ = _move_data(draw, shape)
    attrs = {}
    if draw(st.booleans()):
        attrs["start"] = draw(st.integers(-6, 6))
    if draw(st.booleans()):
        attrs["end"] = draw(st.integers(-6, 6))
    return [x], [TensorSpec.of("int64")], attrs


CASES.update({
    "Gather": gather_case(), "Slice": slice_case(), "Split": split_case(), "Transpose": transpose_case(),
    "Tile": tile_case(), "Expand": expand_case(), "Squeeze": squeeze_case(), "Unsqueeze": unsqueeze_case(),
    "Shape": shape_case(),
})


# --- ArgMax, topN, topN2, ShuffleChannel, Resize (ops breadth I, select) -----------------------

def _rows_array(draw, t: str, shape):
    """Rows of a last-axis reduction: edge values and small ranges so ties and all-minimum rows occur."""
    d = dtype(t)
    n = int(np.prod(shape))
    small = st.integers(-3, 3)
    values = draw(st.lists(st.one_of(st.sampled_from([d.min, d.max, 0]), small, st.integers(d.min, d.max)),
                           min_size=n, max_size=n))
    return np.array(values, dtype=np.int64).reshape(shape)


def _reduction_shape(draw):
    k = draw(st.integers(1, 6))
    if draw(st.integers(0, 4)) == 0:
        return (k,)
    return (1, *draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)), k)


@st.composite
def argmax_case(draw):
    t = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    shape = _reduction_shape(draw)
    e = draw(st.integers(0, 8))
    axis = draw(st.sampled_from([-1, len(shape) - 1]))
    return [Tensor.of(_rows_array(draw, t, shape), t, e)], [TensorSpec.of("int32", e)], {"axis": axis}


@st.composite
def topn_case(draw):
    shape = (1, *draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)), draw(st.integers(1, 6)))
    e = draw(st.integers(0, 8))
    offset = draw(st.one_of(st.just(0), st.integers(0, 4000)))
    out = draw(st.sampled_from(["int16", "int32"]))
    return ([Tensor.of(_rows_array(draw, "int8", shape), "int8", e), Tensor.of(np.array([offset]), "int64")],
            [TensorSpec.of(out, e)], {"dim": -1, "max_num": 1})


@st.composite
def topn2_case(draw):
    t = draw(st.sampled_from(["int16", "int32"]))
    lead = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
    g = draw(st.integers(1, 5))
    values = _rows_array(draw, t, (1, *lead, g))
    indices = _rows_array(draw, t, (1, *lead, g)) if draw(st.booleans()) else \
        np.broadcast_to(np.arange(g) * draw(st.integers(0, 300)), (1, *lead, g))
    x = np.concatenate([values, np.asarray(indices, dtype=np.int64)])
    return [Tensor.of(x, t, 0)], [TensorSpec.of(t, draw(st.integers(0, 8)))], {"dim": -1, "max_num": 1}


@st.composite
def shufflechannel_case(draw):
    t = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    g, m = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    axis = draw(st.sampled_from([1, 3]))
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shape = (n, g * m, h, w) if axis == 1 else (n, h, w, g * m)
    e = draw(st.integers(0, 8))
    x = _rows_array(draw, t, shape)
    return [Tensor.of(x, t, e)], [TensorSpec.of(t, e)], {"groups": g, "axis": axis}


@st.composite
def resize_case(draw):
    """Float32 Resize: nearest (every nearest mode) and linear, the four defined coordinate modes,
    integer and fractional scales both ways, 3-D and 4-D, scales or sizes."""
    rank = draw(st.sampled_from([3, 4, 4]))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *[draw(st.integers(1, 5)) for _ in range(rank - 2)])
    n = int(np.prod(shape))
    finite = st.floats(-1000, 1000, width=32, allow_nan=False)
    x = np.array(draw(st.lists(st.one_of(finite, st.sampled_from([0.0, -0.0, 1.0, 0.5])), min_size=n, max_size=n)),
                 dtype=np.float32).reshape(shape)
    mode = draw(st.sampled_from(["nearest", "nearest", "linear"]))
    ctm = draw(st.sampled_from(["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"]))
    nmode = draw(st.sampled_from(["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]))
    factors = [draw(st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0, 0.75, 2.5])) for _ in range(rank - 2)]
    out = [max(1, int(np.floor(d * f))) for d, f in zip(shape[2:], factors)]
    if ctm == "align_corners":
        out = [max(2, o) for o in out]
    empty = Tensor.of(np.zeros(0, np.float32), "float32")
    inputs = [Tensor.of(x, "float32"), empty]
    if draw(st.booleans()):
        inputs += [empty, Tensor.of(np.array([*shape[:2], *out], dtype=np.int64), "int64")]
    else:
        scales = np.array([1.0, 1.0, *[o / d if ctm == "align_corners" else f
                                       for o, d, f in zip(out, shape[2:], factors)]], dtype=np.float32)
        inputs.append(Tensor.of(scales, "float32"))
    attrs = {"mode": mode, "coordinate_transformation_mode": ctm, "nearest_mode": nmode}
    return inputs, [TensorSpec.of("float32")], attrs


CASES.update({"ArgMax": argmax_case(), "topN": topn_case(), "topN2": topn2_case(),
              "ShuffleChannel": shufflechannel_case(), "Resize": resize_case()})


# ---------------------------------------------------------------------------------------------
# LUNA primitives: (inputs as arrays, attrs); the output dtype is attrs["out"] where there is one
# ---------------------------------------------------------------------------------------------

_VEC_TYPES = ["int8", "int16", "int32"]
_OUTS = ["int8", "int16", "int32"]


def _arr(draw, t: str, n: int):
    return np.array(draw(st.lists(_int_values(t), min_size=n, max_size=n)), dtype=dtype(t).storage)


@st.composite
def rshift_case(draw):
    v = draw(st.lists(st.one_of(st.integers(-(1 << 63), (1 << 63) - 1), st.integers(-300, 300)),
                      min_size=1, max_size=8))
    s = draw(st.one_of(st.integers(0, 8), st.integers(0, 70)))
    return [np.array(v, dtype=np.int64)], {"shift": s}


def _elementwise_case(scalar: bool):
    @st.composite
    def case(draw):
        t = draw(st.sampled_from(_VEC_TYPES))
        n = draw(st.integers(1, 8))
        inputs = [_arr(draw, t, n)] + ([] if scalar else [_arr(draw, t, n)])
        attrs = {"shift": draw(st.integers(0, 12)), "out": draw(st.sampled_from(_OUTS))}
        if scalar:
            attrs["k"] = int(draw(_int_values(t)))
        return inputs, attrs
    return case()


@st.composite
def matmul_case(draw):
    m, k, n = (draw(st.integers(1, 4)) for _ in range(3))
    t = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    a = _arr(draw, t, m * k).reshape(m, k)
    b = _arr(draw, t, k * n).reshape(k, n)
    inputs = [a, b]
    if draw(st.booleans()):
        inputs.append(np.array(draw(st.lists(st.integers(-4000, 4000), min_size=n, max_size=n)), dtype=np.int32))
    shift = draw(st.integers(0, {"int8": 12, "int16": 24, "int32": 40}[t]))
    return inputs, {"shift": shift, "out": draw(st.sampled_from(["int8", "int32"]))}


@st.composite
def conv_primitive_case(draw):
    inputs, specs, attrs = draw(conv_case())
    x, w, *b = inputs
    return ([x.data, w.data] + [t.data for t in b],
            {"shift": max(0, x.exponent + w.exponent - specs[0].exponent), "out": "int8",
             "strides": list(attrs["strides"]), "pads": list(attrs["pads"]), "dilations": [1, 1],
             "group": attrs["group"], "relu": attrs["act"] == "relu"})


@st.composite
def maxpool_primitive_case(draw):
    inputs, _, attrs = draw(maxpool_case())
    return [inputs[0].data], {"kernel": list(attrs["kernel_shape"]), "strides": list(attrs["strides"]),
                              "pads": list(attrs["pads"])}


@st.composite
def meanpool_primitive_case(draw):
    inputs, _, attrs = draw(maxpool_case())
    return [inputs[0].data], {"kernel": list(attrs["kernel_shape"]), "strides": list(attrs["strides"]),
                              "pads": list(attrs["pads"]), "shift": draw(st.integers(0, 6)), "out": "int8"}


@st.composite
def divide_case(draw):
    a = draw(st.lists(st.one_of(st.integers(-20000, 20000), st.integers(-(1 << 31), (1 << 31) - 1)),
                      min_size=1, max_size=8))
    b = draw(st.one_of(st.integers(1, 64), st.integers(1, 1 << 16)))
    return [np.array(a, dtype=np.int32)], {"b": b, "shift": draw(st.integers(0, 3))}


PRIMITIVE_CASES: dict = {
    "rshift": rshift_case(), "add": _elementwise_case(False), "sub": _elementwise_case(False),
    "mul": _elementwise_case(False), "scale": _elementwise_case(True), "offset": _elementwise_case(True),
    "mat_mul": matmul_case(), "conv2d": conv_primitive_case(), "max_pool2d": maxpool_primitive_case(),
    "mean_pool2d": meanpool_primitive_case(), "divide": divide_case(),
}


# ---------------------------------------------------------------------------------------------
# ops breadth I: Requant (every width), Relux, PRelu, Clip, Cast, iqCat
# ---------------------------------------------------------------------------------------------

@st.composite
def requant_any_case(draw):
    """Requant over every width pair (the int8-input strategy above covers the original signatures)."""
    ti, to = draw(st.sampled_from(OUT_INTS)), draw(st.sampled_from(OUT_INTS))
    e_in = draw(st.integers(-12, 20))
    e_out = draw(st.one_of(st.integers(e_in - 34, e_in + 24), st.just(e_in)).filter(lambda e: -31 <= e <= 31))
    values = draw(st.lists(_int_values(ti), min_size=1, max_size=8))
    return [Tensor.of(np.array(values), ti, e_in)], [TensorSpec.of(to, e_out)], {}


@st.composite
def relux_case(draw):
    t = draw(st.sampled_from(OUT_INTS))
    shift = draw(st.integers(0, 12))
    values = draw(st.lists(_int_values(t), min_size=1, max_size=8))
    e = draw(st.integers(shift - 20, 20).filter(lambda e: e - shift >= -31 and e <= (62 if t == "int32" else 31)))
    attrs = {"threshold": draw(st.sampled_from([0, 1, 6, 96, 127])), "shift": shift}
    return [Tensor.of(np.array(values), t, e)], [TensorSpec.of("int8", e - shift)], attrs


@st.composite
def prelu_case(draw):
    ti, to = draw(st.sampled_from(OUT_INTS)), draw(st.sampled_from(OUT_INTS))
    post = draw(st.integers(0, 8))
    slope = draw(st.one_of(st.integers(0, 4), st.integers(0, 40)))
    values = draw(st.lists(_int_values(ti), min_size=1, max_size=8))
    e = draw(st.integers(post - 20, 20).filter(lambda e: e - post >= -31))
    return ([Tensor.of(np.array(values), ti, e)], [TensorSpec.of(to, e - post)],
            {"slope": slope, "post_shift": post})


@st.composite
def clip_case(draw):
    t = draw(st.sampled_from(OUT_INTS))
    d = dtype(t)
    values = draw(st.lists(_int_values(t), min_size=1, max_size=8))
    lo = draw(st.integers(max(d.min, -1000), 10))
    hi = draw(st.integers(lo, min(d.max, lo + 2000)))
    e = draw(st.integers(0, 10))
    x = Tensor.of(np.array(values), t, e)
    form = draw(st.sampled_from(["attrs", "int tensors", "float tensors", "fractional", "one-sided"]))
    if form == "int tensors":
        return [x, Tensor.of(np.array([lo]), t), Tensor.of(np.array([hi]), t)], [TensorSpec.of(t, e)], {}
    if form == "float tensors":
        return ([x, Tensor.of(np.array([lo + 0.5], np.float32), "float32"),
                 Tensor.of(np.array([hi + 0.25], np.float32), "float32")], [TensorSpec.of(t, e)], {})
    if form == "fractional":
        return [x], [TensorSpec.of(t, e)], {"min": lo - 0.5, "max": hi + 0.75}
    if form == "one-sided":
        return [x], [TensorSpec.of(t, e)], draw(st.sampled_from([{"min": lo}, {"max": hi}]))
    return [x], [TensorSpec.of(t, e)], {"min": lo, "max": hi}


@st.composite
def cast_case(draw):
    types = ["int8", "int16", "int32", "int64", "float32"]
    ti = draw(st.sampled_from(types))
    to = draw(st.sampled_from([t for t in types if t != ti]))
    n = draw(st.integers(1, 8))
    if ti == "float32":
        hi = min(dtype(to).max, 1 << 24)
        xs = draw(st.lists(st.floats(-hi, hi, width=32), min_size=n, max_size=n))
        return [Tensor.of(np.array(xs, np.float32), "float32")], [TensorSpec.of(to, 0)], {}
    src = dtype(ti)
    if to != "float32" and dtype(to).bits < src.bits:      # narrowing: only representable values
        src = dtype(to)
    if to == "float32" and src.bits > 16:                 # exact in float32 only up to 2^24
        values = draw(st.lists(st.integers(-(1 << 24), 1 << 24), min_size=n, max_size=n))
    else:
        values = draw(st.lists(_int_values(src.name if src.bits < 64 else "int32"), min_size=n, max_size=n))
    e = draw(st.one_of(st.none(), st.integers(-8, 20)))
    x = Tensor.of(np.array(values), ti, e)
    return [x], [TensorSpec.of(to, None if to == "float32" else (e or 0))], {}


@st.composite
def iqcat_case(draw):
    t = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    rank = draw(st.integers(1, 3))
    shape = [draw(st.integers(1, 3)) for _ in range(rank)]
    axis = draw(st.integers(-rank, rank - 1))
    n = draw(st.integers(1, 4))
    inputs = []
    for _ in range(n):
        s = list(shape)
        s[axis] = draw(st.integers(1, 3))
        size = int(np.prod(s))
        v = draw(st.lists(_int_values(t), min_size=size, max_size=size))
        inputs.append(Tensor.of(np.array(v).reshape(s), t, draw(st.integers(0, 10))))
    return inputs, [TensorSpec.of(t, draw(st.integers(0, 10)))], {"axis": axis}


CASES.update({
    "Requant": st.one_of(_no_attrs(requant_case()), requant_any_case()), "Relux": relux_case(),
    "PRelu": prelu_case(), "Clip": clip_case(), "Cast": cast_case(), "iqCat": iqcat_case(),
})


def _prelu_primitive(draw_case):
    @st.composite
    def case(draw):
        (x,), (y,), a = draw(draw_case)
        return [x.data], {"slope": a["slope"], "shift": a["post_shift"], "out": y.dtype.name}
    return case()


@st.composite
def relux_primitive_case(draw):
    (x,), _, a = draw(relux_case())
    return [x.data], {"x": a["threshold"], "shift": a["shift"]}


PRIMITIVE_CASES.update({"prelu": _prelu_primitive(prelu_case()), "relux": relux_primitive_case()})


@st.composite
def softmax_primitive_case(draw):
    """Rows of Q25 int32: int8/int16 values widened from an exponent (saturated), full-range int32, clusters;
    now and then one long row of near-equal values (the exponential sum saturates at 256 equal elements)."""
    if draw(st.integers(0, 9)) == 0:
        n = draw(st.integers(250, 300))
        base = draw(st.integers(-(1 << 31), (1 << 31) - 1))
        x = np.clip(base - np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))), -(1 << 31),
                    (1 << 31) - 1)
        return [x.reshape(1, n).astype(np.int32)], {}
    rows, n = draw(st.integers(1, 3)), draw(st.integers(1, 12))
    kind = draw(st.sampled_from(["int8", "int16", "int32", "cluster"]))
    if kind == "int32":
        v = np.array(draw(st.lists(st.integers(-(1 << 31), (1 << 31) - 1), min_size=rows * n, max_size=rows * n)))
    elif kind == "cluster":
        c, w = draw(st.integers(-(1 << 31), (1 << 31) - 1)), draw(st.sampled_from([1, 1000, 1 << 20, 1 << 26]))
        v = np.clip(c + np.array(draw(st.lists(st.integers(-w, w), min_size=rows * n, max_size=rows * n))),
                    -(1 << 31), (1 << 31) - 1)
    else:
        e = draw(st.integers(0, 25))
        v = np.clip(_values(draw, kind, (rows * n,)) << (25 - e), -(1 << 31), (1 << 31) - 1)
    return [np.asarray(v, dtype=np.int64).reshape(rows, n).astype(np.int32)], {}


# ---------------------------------------------------------------------------------------------
# ops breadth I (arithmetic): iqSub, iqMul, iqDiv, iqSum, iqVar
# ---------------------------------------------------------------------------------------------

def _values(draw, t: str, shape) -> np.ndarray:
    n = int(np.prod(shape))
    return np.array(draw(st.lists(_int_values(t), min_size=n, max_size=n)), dtype=np.int64).reshape(shape)


@st.composite
def iqsub_case(draw):
    n = draw(st.integers(1, 6))
    e1, e2, eo = (draw(st.integers(0, 10)) for _ in range(3))
    return ([Tensor.of(_values(draw, "int8", (n,)), "int8", e1), Tensor.of(_values(draw, "int8", (n,)), "int8", e2)],
            [TensorSpec.of("int8", eo)], {})


@st.composite
def iqmul_case(draw):
    form = draw(st.sampled_from(["same", "same", "scalar", "channel"]))
    if form == "channel":
        t_in = t = "int8"
        n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
        shape, shape2 = (n, c, draw(st.integers(1, 3)), draw(st.integers(1, 3))), (n, c, 1, 1)
    else:
        t_in = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
        t = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
        shape = (draw(st.integers(1, 6)),)
        shape2 = () if form == "scalar" else shape
    e1, e2 = draw(st.integers(0, 10)), draw(st.integers(0, 10))
    eo = draw(st.integers(0, 24))
    return ([Tensor.of(_values(draw, t_in, shape), t_in, e1), Tensor.of(_values(draw, t_in, shape2), t_in, e2)],
            [TensorSpec.of(t, eo)], {})


@st.composite
def iqdiv_case(draw):
    if draw(st.integers(0, 2)) == 0:                      # tensor divisor: int32, 1 <= q <= 2^21, s >= 0
        n = draw(st.integers(1, 6))
        a = _values(draw, "int32", (n,))
        q = np.array(draw(st.lists(st.one_of(st.integers(1, 64), st.integers(1, 1 << 21)),
                                   min_size=n, max_size=n)), dtype=np.int64)
        e1, e2 = draw(st.integers(0, 12)), draw(st.integers(0, 12))
        eo = e1 - e2 + draw(st.integers(0, 20))
        if not -62 <= eo <= 62:
            eo = e1 - e2
        return [Tensor.of(a, "int32", e1), Tensor.of(q, "int32", e2)], [TensorSpec.of("int32", eo)], {}
    t = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    d = dtype(t)
    n = draw(st.integers(1, 6))
    q = draw(st.one_of(st.sampled_from([1, 2, 3, -1, -2, -3, 4, 5, 7, d.max, d.min]),
                       st.integers(d.min, d.max))).__int__() or 1
    e1, e2, eo = draw(st.integers(0, 10)), draw(st.integers(0, 10)), draw(st.integers(0, 10))
    return ([Tensor.of(_values(draw, t, (n,)), t, e1), Tensor.of(np.array(q), t, e2)], [TensorSpec.of(t, eo)], {})


@st.composite
def iqsum_case(draw):
    t = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 6)))
    e, eo = draw(st.integers(0, 10)), draw(st.integers(0, 10))
    return [Tensor.of(_values(draw, t, shape), t, e)], [TensorSpec.of(t, eo)], {"dims": draw(st.sampled_from([-1, 1]))}


@st.composite
def iqvar_case(draw):
    shape = (draw(st.integers(1, 3)), draw(st.integers(2, 8)))
    x = _values(draw, "int8", shape)
    if draw(st.booleans()):
        x[0] = x[0, 0]                                   # a constant row
    e, eo = draw(st.integers(0, 6)), draw(st.integers(0, 14))
    return [Tensor.of(x, "int8", e)], [TensorSpec.of("int8", eo)], {"dim": draw(st.sampled_from([-1, 1]))}


CASES.update({"iqSub": iqsub_case(), "iqMul": iqmul_case(), "iqDiv": iqdiv_case(), "iqSum": iqsum_case(),
              "iqVar": iqvar_case()})


# ops breadth II: BmmInt

@st.composite
def bmm_case(draw):
    t = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    m, k, n = draw(st.integers(1, 4)), draw(st.integers(1, 5)), draw(st.integers(1, 4))
    lead = draw(st.sampled_from([(), (1,), (draw(st.integers(2, 3)),)]))
    x, y = _values(draw, t, lead + (m, k)), _values(draw, t, lead + (k, n))
    e_x, e_y = draw(st.integers(0, 8)), draw(st.integers(0, 8))
    e_o = draw(st.integers(e_x + e_y - 12, e_x + e_y + 2))
    out = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    return [Tensor.of(x, t, e_x), Tensor.of(y, t, e_y)], [TensorSpec.of(out, e_o)], {}


CASES["BmmInt"] = bmm_case()


# ops breadth II: Conv1dInt, ConvTranspose2dInt

@st.composite
def conv1d_case(draw, weights: str = "int8"):
    """Conv1dInt cases valid on every platform (kernel <= 5, pads <= min(4, kernel), stride <= kernel):
    group 1, depthwise and grouped, bias, ReLU, shifts of both signs; ``weights="int4"``: int4 weights
    (arcs and venusA only)."""
    n = draw(st.integers(1, 2))
    group = draw(st.sampled_from([1, 1, 2, 3]))
    depthwise = draw(st.booleans()) and group > 1
    cg = 1 if depthwise else draw(st.integers(1, 2))
    ocg = 1 if depthwise else draw(st.integers(1, 2))
    c, oc = group * cg, group * ocg
    k = draw(st.integers(1, 4))
    s = draw(st.sampled_from([s for s in (1, 2, 4) if s <= k]))
    pads = (draw(st.integers(0, min(k, 3))), draw(st.integers(0, min(k, 3))))
    length = draw(st.integers(max(1, k - sum(pads)), 8))
    x = _int8_array(draw, (n, c, length))
    wt = _int8_array(draw, (oc, cg, k), *((-8, 7) if weights == "int4" else (-128, 127)))
    e_x, e_w = draw(st.integers(0, 8)), draw(st.integers(0, 8))
    e_y = draw(st.integers(e_x + e_w - 14, e_x + e_w + 2))
    inputs = [Tensor.of(x, "int8", e_x), Tensor.of(wt, weights, e_w)]
    if draw(st.booleans()):
        inputs.append(Tensor.of(_int8_array(draw, (oc,), -5000, 5000), "int32", e_x + e_w))
    attrs = {"kernel_shape": (k,), "strides": (s,), "pads": pads, "dilations": (1,), "group": group,
             "act": draw(st.sampled_from(["none", "relu"]))}
    out = draw(st.sampled_from(["int8", "int8", "int32"]))
    return inputs, [TensorSpec.of(out, e_y)], attrs


@st.composite
def convtranspose_case(draw, weights: str = "int8"):
    """ConvTranspose2dInt cases valid on every platform: group 1, strides 1/2/4 up to the kernel, pads,
    output padding, bias, ReLU, shifts of both signs; int8 or (``weights="int4"``) int4 weights."""
    n = draw(st.integers(1, 2))
    c, oc = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh = draw(st.sampled_from([s for s in (1, 2, 4) if s <= kh]))
    sw = draw(st.sampled_from([s for s in (1, 2, 4) if s <= kw]))
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    oph, opw = draw(st.integers(0, sh - 1)), draw(st.integers(0, sw - 1))
    full_h, full_w = (h - 1) * sh + kh + oph, (w - 1) * sw + kw + opw
    pt = draw(st.integers(0, min(kh, full_h - 1)))
    pb = draw(st.integers(0, min(kh, full_h - 1 - pt)))
    pl = draw(st.integers(0, min(kw, full_w - 1)))
    pr = draw(st.integers(0, min(kw, full_w - 1 - pl)))
    x = _int8_array(draw, (n, c, h, w))
    wt = _int8_array(draw, (c, oc, kh, kw), *((-8, 7) if weights == "int4" else (-128, 127)))
    e_x, e_w = draw(st.integers(0, 8)), draw(st.integers(0, 8))
    e_y = draw(st.integers(e_x + e_w - 14, e_x + e_w + 2))
    inputs = [Tensor.of(x, "int8", e_x), Tensor.of(wt, weights, e_w)]
    if draw(st.booleans()):
        inputs.append(Tensor.of(_int8_array(draw, (oc,), -5000, 5000), "int32", e_x + e_w))
    attrs = {"kernel_shape": (kh, kw), "strides": (sh, sw), "pads": (pt, pl, pb, pr), "output_padding": (oph, opw),
             "dilations": (1, 1), "group": 1, "act": draw(st.sampled_from(["none", "relu"]))}
    return inputs, [TensorSpec.of("int8", e_y)], attrs


CASES.update({"Conv1dInt": st.one_of(conv1d_case(), conv1d_case("int4")),
              "ConvTranspose2dInt": st.one_of(convtranspose_case(), convtranspose_case("int4"))})


@st.composite
def conv1d_primitive_case(draw):
    inputs, specs, attrs = draw(conv1d_case())
    x, w, *b = inputs
    return ([x.data, w.data] + [t.data for t in b],
            {"shift": max(0, x.exponent + w.exponent - specs[0].exponent), "out": specs[0].dtype.name,
             "stride": attrs["strides"][0], "pads": list(attrs["pads"]), "group": attrs["group"],
             "relu": attrs["act"] == "relu"})


@st.composite
def deconv_primitive_case(draw):
    inputs, specs, attrs = draw(convtranspose_case())
    x, w, *b = inputs
    return ([x.data, w.data] + [t.data for t in b],
            {"shift": max(0, x.exponent + w.exponent - specs[0].exponent), "out": "int8",
             "strides": list(attrs["strides"]), "pads": list(attrs["pads"]),
             "output_padding": list(attrs["output_padding"]), "relu": attrs["act"] == "relu"})


PRIMITIVE_CASES.update({"conv1d": conv1d_primitive_case(), "conv_transpose2d": deconv_primitive_case()})


PRIMITIVE_CASES["softmax"] = softmax_primitive_case()


@st.composite
def softmaxint_case(draw):
    """SoftmaxInt: int8 (every platform) or int16/int32 input (venusA), any output width, the axis anywhere,
    input exponents from saturating (0) to rounding (> 25), output exponents around 7 … 15 and beyond."""
    ti = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    to = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    shape = draw(st.sampled_from([(1, 6), (1, 2, 5), (2, 3, 4), (1, 1), (1, 4, 1), (3,)]))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    e_x = draw(st.one_of(st.integers(0, 10), st.integers(-3, 30)))
    e_y = draw(st.one_of(st.integers(6, 10), st.integers(0, 20)))
    x = _values(draw, ti, shape)
    return [Tensor.of(x, ti, e_x)], [TensorSpec.of(to, e_y)], {"axis": axis}


CASES["SoftmaxInt"] = softmaxint_case()


@st.composite
def layernorm_rsqrt_primitive_case(draw):
    """The layer-norm rsqrt: rows of int32 numerators, one int64 D per row — D from 0 and the small
    (left-normalised) values up to just below 2^60, numerators small (ties) or full-range (saturation)."""
    rows, n = draw(st.integers(1, 3)), draw(st.integers(1, 8))
    d = draw(st.lists(st.one_of(st.integers(0, 300), st.integers(0, (1 << 60) - 1),
                                st.sampled_from([0, 1, 255, 256, 1023, 1024, (1 << 48) - 1, 1 << 48, (1 << 60) - 1])),
                      min_size=rows, max_size=rows))
    lim = draw(st.sampled_from([1 << 8, 1 << 20, 1 << 31]))
    num = draw(st.lists(st.integers(-lim, lim - 1), min_size=rows * n, max_size=rows * n))
    return [np.array(num, dtype=np.int64).reshape(rows, n), np.array(d, dtype=np.int64)], {}


PRIMITIVE_CASES["layernorm_rsqrt"] = layernorm_rsqrt_primitive_case()


@st.composite
def layernormint_case(draw):
    """LayerNormInt: int8 rows normalised over the last axis or the last two, γ int8, β int32 at 15 + e(γ)
    (small, large or extreme), output shifts from negative to large; constant rows now and then."""
    shape = draw(st.sampled_from([(1, 2, 4), (1, 3, 8), (1, 1, 5), (2, 2, 3), (1, 2, 2, 3), (1, 1)]))
    two = len(shape) >= 2 and shape[-2] > 1 and draw(st.booleans())
    n = shape[-1] * (shape[-2] if two else 1)
    x = _int8_array(draw, shape)
    if draw(st.integers(0, 4)) == 0:
        x = np.full(shape, draw(st.integers(-128, 127)), dtype=np.int64)
    e_x, e_g = draw(st.integers(0, 12)), draw(st.integers(0, 8))
    e_y = draw(st.one_of(st.integers(e_g + 12, e_g + 17), st.integers(e_g, e_g + 20)))
    lim = draw(st.sampled_from([1 << 10, 1 << 24, 1 << 31]))
    beta = np.array(draw(st.lists(st.integers(-lim, lim - 1), min_size=n, max_size=n)), dtype=np.int64)
    return ([Tensor.of(x, "int8", e_x), Tensor.of(_int8_array(draw, (n,)), "int8", e_g),
             Tensor.of(beta, "int32", 15 + e_g)], [TensorSpec.of("int8", e_y)], {})


CASES["LayerNormInt"] = layernormint_case()


# ---------------------------------------------------------------------------------------------
# nonlinear (issue 10): GELU and SiLU — venusA's piecewise-linear primitives and the ops on them
# ---------------------------------------------------------------------------------------------

def _piecewise_ties(table, k: int = 27) -> list[int]:
    """Inputs whose Q54 value ``x·slope + bias·2^30`` is an exact half at shift ``k``: per segment and sign,
    the solutions of ``x·slope ≡ 2^(k−1) − bias·2^30 (mod 2^k)`` inside the segment (a few each)."""
    out = []
    for i in range(16):
        lo, hi = table.bands[i], min(table.bands[i + 1], (1 << 31) - 1)
        for sign, slope in ((1, table.slopes_pos[i]), (-1, table.slopes_neg[i])):
            v = (abs(slope) & -abs(slope)).bit_length() - 1
            rhs = ((1 << (k - 1)) - table.biases[i] * (1 << 30)) % (1 << k)
            if rhs % (1 << v):
                continue
            mod = 1 << (k - v)
            x0 = (rhs >> v) * pow((slope >> v) % mod, -1, mod) % mod
            if sign > 0:
                first = lo + ((x0 - lo) % mod)
                out += [x for x in range(first, hi + 1, mod)][:3]
            else:
                first = -hi + ((x0 + hi) % mod)
                out += [x for x in range(first, -lo, mod) if x < 0][:3]
    return out


@st.composite
def piecewise_primitive_case(draw, table):
    """GELU / swish primitive: int32 values anywhere, at and around the band edges (both signs), the extremes,
    and inputs that meet an exact half at the Q27 shift; the output width drawn."""
    out = draw(st.sampled_from(["int32", "int32", "int16", "int8"]))
    edges = [s * (b + d) for b in table.bands[1:16] for d in (-1, 0, 1) for s in (1, -1)]
    special = st.sampled_from(edges + [-(1 << 31), -(1 << 31) + 1, (1 << 31) - 1, 0, 1, -1])
    ties = st.sampled_from(_piecewise_ties(table))
    value = st.one_of(st.integers(-(1 << 31), (1 << 31) - 1), special, ties,
                      st.integers(-(1 << 29), 1 << 29))
    x = draw(st.lists(value, min_size=1, max_size=12))
    return [np.array(x, dtype=np.int32)], {"out": out}


@st.composite
def piecewise_op_case(draw):
    """GeluInt / SiluInt (venusA): int8, int16 or int32 input at exponents from saturating (small e(X)) to
    rounding (> 27); output of any width at exponents around linger's (3 … 7) and up to 27 and beyond."""
    ti = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    to = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    shape = draw(st.sampled_from([(1, 6), (2, 3), (1, 2, 4), (5,), (1, 1)]))
    e_x = draw(st.one_of(st.integers(2, 8), st.integers(-4, 31)))
    e_y = draw(st.one_of(st.integers(3, 8), st.integers(0, 30)))
    return [Tensor.of(_values(draw, ti, shape), ti, e_x)], [TensorSpec.of(to, e_y)], {}


PRIMITIVE_CASES.update({"gelu": piecewise_primitive_case(piecewise.GELU), "swish": piecewise_primitive_case(piecewise.SWISH)})
CASES.update({"GeluInt": piecewise_op_case(), "SiluInt": piecewise_op_case()})


@st.composite
def gluint_case(draw):
    """GluInt: int8 X with an even size along the split axis (the last or an inner one); input exponents from
    saturating the gate's input (small e(X)) to rounding it (above 11 / 27); output exponents at e(X) (A·G is then
    an exact half whenever B holds 0 and A is odd: G = 2^14) and around it (saturation above)."""
    shape = list(draw(st.sampled_from([(1, 4), (2, 3), (1, 2, 3), (2, 1, 2), (1,), (1, 3, 1)])))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    shape[axis] *= 2
    e_x = draw(st.one_of(st.integers(2, 8), st.integers(-2, 30)))
    e_y = draw(st.one_of(st.just(e_x), st.integers(max(-4, e_x - 4), min(31, e_x + 6))))
    return [Tensor.of(_int8_array(draw, tuple(shape)), "int8", e_x)], [TensorSpec.of("int8", e_y)], {"axis": axis}


CASES["GluInt"] = gluint_case()


@st.composite
def gruint_case(draw, big: bool = False):
    """GRUInt (ops/gruint.md): T ≤ 4 steps, B ≤ 3 sequences, I, H ≤ 4; optional biases (full int32 range when
    ``big``: saturated gate sums, |gate| > 16), H0, lengths; either layout and direction; e(Y) ≠ e_h at times."""
    t_len, batch = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    n_in, hidden = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    e_x, e_iw, e_hw, e_h = (draw(st.integers(0, 10)) for _ in range(4))
    e_y = draw(st.sampled_from([e_h, e_h, draw(st.integers(0, 10))]))
    lim = (1 << 31) - 1 if big else 1 << 16

    layout, direction = draw(st.integers(0, 1)), draw(st.integers(0, 1))
    x = _uniform_array(draw, (t_len, batch, n_in), -128, 127)
    inputs = [Tensor.of(np.swapaxes(x, 0, 1) if layout else x, "int8", e_x)]
    if draw(st.booleans()):
        inputs.append(Tensor.of(_uniform_array(draw, (batch,), 0, t_len), "int64"))
    if draw(st.booleans()):
        inputs.append(Tensor.of(_uniform_array(draw, (1, batch, hidden), -128, 127), "int8", e_h))
    inputs += [Tensor.of(_uniform_array(draw, (3 * hidden, n_in), -128, 127), "int8", e_iw),
               Tensor.of(_uniform_array(draw, (3 * hidden, hidden), -128, 127), "int8", e_hw)]
    if draw(st.booleans()):
        inputs += [Tensor.of(_uniform_array(draw, (3 * hidden,), -lim, lim), "int32", e_x + e_iw),
                   Tensor.of(_uniform_array(draw, (3 * hidden,), -lim, lim), "int32", e_h + e_hw)]
    return inputs, [TensorSpec.of("int8", e_y), TensorSpec.of("int8", e_h)], {"direction": direction, "layout": layout}


CASES["GRUInt"] = st.one_of(gruint_case(), gruint_case(big=True))


@st.composite
def lstmint_case(draw):
    """LSTMInt (ops/lstmint.md): T ≤ 4 steps, B ≤ 3 sequences, I, H ≤ 4; optional lengths (int32 or int64),
    H0 at e(H_n) with C0 at Q15; either layout and direction; e(Y) above, at or below e(H_n) (saturation)."""
    t_len, batch = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    n_in, hidden = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    e_x, e_iw, e_hw, e_h = (draw(st.integers(0, 8)) for _ in range(4))
    e_y = draw(st.sampled_from([e_h, e_h + draw(st.integers(1, 4)), max(e_h - 1, 0)]))

    layout, direction = draw(st.integers(0, 1)), draw(st.integers(0, 1))
    x = _uniform_array(draw, (t_len, batch, n_in), -128, 127)
    inputs = [Tensor.of(np.swapaxes(x, 0, 1) if layout else x, "int8", e_x)]
    if draw(st.booleans()):
        lengths = draw(st.lists(st.integers(0, t_len), min_size=batch, max_size=batch))
        inputs.append(Tensor.of(np.array(lengths, dtype=np.int64), draw(st.sampled_from(["int32", "int64"]))))
    if draw(st.booleans()):
        inputs += [Tensor.of(_uniform_array(draw, (1, batch, hidden), -128, 127), "int8", e_h),
                   Tensor.of(_uniform_array(draw, (1, batch, hidden), -(1 << 16), 1 << 16), "int32", 15)]
    inputs += [Tensor.of(_uniform_array(draw, (4 * hidden, n_in), -128, 127), "int8", e_iw),
               Tensor.of(_uniform_array(draw, (4 * hidden, hidden), -128, 127), "int8", e_hw),
               Tensor.of(_uniform_array(draw, (4 * hidden,), -(1 << 16), 1 << 16), "int32", e_x + e_iw),
               Tensor.of(_uniform_array(draw, (4 * hidden,), -(1 << 16), 1 << 16), "int32", e_h + e_hw)]
    outs = [TensorSpec.of("int8", e_y), TensorSpec.of("int8", e_h), TensorSpec.of("int32", 15)]
    return inputs, outs, {"direction": direction, "layout": layout}


CASES["LSTMInt"] = lstmint_case()


# ---------------------------------------------------------------------------------------------
# nonlinear (issue 10): sigmoid and tanh — the LUNA primitives (spec/nonlinear.md §1) and iqSigmoid / iqTanh
# ---------------------------------------------------------------------------------------------

_ACTIVATION_TIES: dict = {}


def _activation_ties(kind: str, platform: str, out: str) -> list[int]:
    """Inputs whose raw value (Q15 / Q31 / Q58) is an exact half at the ``out`` form's shift: venusA's exact
    value by solving ``slope·x ≡ 2^(s−1) − bias·2^30 (mod 2^s)`` per segment, the floored forms (venus, arcs)
    by a bisection on the monotone raw value for each half-way target."""
    from lunaref.luna import activation as act

    key = (kind, platform, out)
    if key in _ACTIVATION_TIES:
        return _ACTIVATION_TIES[key]
    s = act.raw_q(platform) - (dtype(out).bits - 1)
    found: list[int] = []
    if s > 0 and act.raw_q(platform) == 58:
        table = act.Q27_SIGMOID if kind == "sigmoid" else act.Q27_TANH
        pos, neg = act.VENUSA_BIASES[kind]
        for i in range(16):
            lo, hi = table.bands[i], min(table.bands[i + 1], (1 << 31) - 1)
            for sign, bias in ((1, pos[i]), (-1, neg[i])):
                slope = table.slopes[i]              # sigmoid: slope·x, x signed; tanh: ±(slope·|x| + b): same congruence
                v = (slope & -slope).bit_length() - 1
                rhs = ((1 << (s - 1)) - bias * (1 << 30)) % (1 << s)     # −2^(s−1) ≡ 2^(s−1): tanh's x < 0 too
                if v >= s or rhs % (1 << v):
                    continue
                mod = 1 << (s - v)
                a0 = (rhs >> v) * pow((slope >> v) % mod, -1, mod) % mod     # slope·a ≡ rhs, a = x (sigmoid) or |x|
                if kind == "sigmoid" and sign < 0:
                    cand = [x for x in range(-hi + ((a0 + hi) % mod), -lo, mod) if x < 0][:3]
                else:
                    cand = [sign * a for a in range(lo + ((a0 - lo) % mod), hi + 1, mod)][:3]
                found += [x for x in cand if -(1 << 31) < x < (1 << 31)]
    elif s > 0:
        bits = act.input_q(platform) + 4
        lo, hi = -(1 << bits), (1 << bits) - 1
        r_lo, r_hi = (int(v) for v in act.raw(kind, np.array([lo, hi]), platform))
        half = 1 << (s - 1)
        first = r_lo + ((half - r_lo) % (1 << s))
        targets = np.arange(first, r_hi + 1, 1 << s, dtype=np.int64)[:4096]
        a, b = np.full(targets.shape, lo, np.int64), np.full(targets.shape, hi, np.int64)
        for _ in range(bits + 2):                     # smallest x with raw(x) ≥ target (raw is non-decreasing)
            mid = (a + b) >> 1
            up = act.raw(kind, mid, platform) >= targets
            b, a = np.where(up, mid, b), np.where(up, a, mid + 1)
        ok = act.raw(kind, a, platform) == targets
        found = [int(x) for x in a[ok]]
    found = [x for x in found if act.raw(kind, np.array([x]), platform)[0] % (1 << s) == (1 << (s - 1))] if s > 0 else []
    _ACTIVATION_TIES[key] = found
    return found


@st.composite
def activation_primitive_case(draw, kind: str):
    """sigmoid / tanh primitive: int16 (venus, Q11) or int32 (arcs, venusA, Q27) values anywhere, at and around
    the band edges (both signs), the extremes, and inputs that meet an exact half at the output's shift."""
    from lunaref.luna import activation as act

    t = draw(st.sampled_from(["int16", "int32", "int32"]))
    out = draw(st.sampled_from(["int8", "int16"] if t == "int16" else ["int32", "int16", "int8", "int8"]))
    bits = 16 if t == "int16" else 32
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    tables = ([act.VENUS_SIGMOID if kind == "sigmoid" else act.VENUS_TANH] if t == "int16" else
              [act.Q27_SIGMOID if kind == "sigmoid" else act.Q27_TANH])
    edges = [s * (b + d) for tb in tables for b in tb.bands[1:16] for d in (-1, 0, 1) for s in (1, -1)]
    special = st.sampled_from(edges + [lo, lo + 1, hi, 0, 1, -1])
    ties = [x for p in (["venus"] if t == "int16" else ["arcs", "venusA"]) if out in act.output_types(p)
            for x in _activation_ties(kind, p, out)]
    value = st.one_of(st.integers(lo, hi), special, st.integers(lo >> 3, hi >> 3),
                      *([st.sampled_from(ties)] if ties else []))
    x = draw(st.lists(value, min_size=1, max_size=12))
    return [np.array(x, dtype=t)], {"out": out}


PRIMITIVE_CASES.update({"sigmoid": activation_primitive_case("sigmoid"), "tanh": activation_primitive_case("tanh")})


@st.composite
def activation_op_case(draw):
    """iqSigmoid / iqTanh: int8 (every platform) or int16 (venus) input at exponents from saturating (small e(X))
    through linger's (4 … 8) to rounding (> 11 on venus, > 27 on arcs/venusA); output int8 / int16 / int32 at the
    primitive's Q (bits − 1, what arcs and venusA require) or, for venus, anywhere from 0 to 20."""
    ti = draw(st.sampled_from(["int8", "int8", "int8", "int16"]))
    to = draw(st.sampled_from(["int8", "int8", "int16", "int32"]))
    shape = draw(st.sampled_from([(1, 6), (2, 3), (1, 2, 4), (5,), (1, 1), (1, 12)]))
    e_x = draw(st.one_of(st.integers(2, 8), st.integers(-4, 31)))
    e_y = draw(st.one_of(st.just(dtype(to).bits - 1), st.just(dtype(to).bits - 1), st.integers(0, 20)))
    return [Tensor.of(_values(draw, ti, shape), ti, e_x)], [TensorSpec.of(to, e_y)], {}


CASES.update({"iqSigmoid": activation_op_case(), "iqTanh": activation_op_case()})
