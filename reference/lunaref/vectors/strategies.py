"""Hypothesis strategies for op cases, aimed at each op's registry coverpoints (spec/formats/vectors.md).

``CASES[op]`` draws ``(inputs, output specs, attrs)`` for the op.  Used by the project's tests and by
``lunaref vectors generate``, which records what they find; importing this module needs hypothesis
(the ``test`` extra).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from lunaref import Tensor, TensorSpec
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
    "Conv2dInt": conv_case(), "LinearInt": linear_case(), "BatchNorm2dInt": batchnorm_case(),
    "iqAdd": iqadd_case(), "Relu": relu_case(), "MaxPool": maxpool_case(), "AvgPool2dInt": avgpool_case(),
    "Reshape": reshape_case(), "Flatten": flatten_case(),
})


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
