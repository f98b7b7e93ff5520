"""Deterministic baseline cases (spec/formats/vectors.md §3): random inputs from
``numpy.random.default_rng`` seeded with the first 64 bits of the case id's sha256.

One builder per op draws shapes, attributes, exponents and values within the op's common capabilities
(int8 activations), so the same id always yields the same case on any machine and numpy version that
keeps ``default_rng``'s stream.
"""

from __future__ import annotations

import hashlib
from typing import Callable

import numpy as np

from ..tensor import Tensor, TensorSpec

__all__ = ["BUILDERS", "seed_of"]


def seed_of(case_id: str) -> int:
    return int(hashlib.sha256(case_id.encode()).hexdigest()[:16], 16)


def _i8(rng, shape):
    return rng.integers(-128, 128, size=shape, dtype=np.int64)


def _exps(rng):
    e_x, e_w = int(rng.integers(2, 8)), int(rng.integers(4, 9))
    return e_x, e_w, e_x + e_w - int(rng.integers(4, 12))


def _quant(rng):
    x = (rng.standard_normal(int(rng.integers(1, 33))) * 2).astype(np.float32)
    e = int(rng.integers(0, 9))
    return [Tensor.of(x, "float32")], [TensorSpec.of("int8", e)], {"data_bits": 8}


def _dequant(rng):
    return [Tensor.of(_i8(rng, int(rng.integers(1, 33))), "int8", int(rng.integers(0, 9)))], \
        [TensorSpec.of("float32")], {}


def _requant(rng):
    e = int(rng.integers(0, 9))
    return [Tensor.of(_i8(rng, int(rng.integers(1, 33))), "int8", e)], \
        [TensorSpec.of("int8", e + int(rng.integers(-4, 3)))], {}


def _conv(rng):
    c, oc, k = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(1, 4))
    h, w, s, p = int(rng.integers(k, 9)), int(rng.integers(k, 9)), int(rng.integers(1, 3)), int(rng.integers(0, k))
    e_x, e_w, e_y = _exps(rng)
    inputs = [Tensor.of(_i8(rng, (1, c, h, w)), "int8", e_x), Tensor.of(_i8(rng, (oc, c, k, k)), "int8", e_w),
              Tensor.of(rng.integers(-5000, 5000, size=oc), "int32", e_x + e_w)]
    attrs = {"kernel_shape": [k, k], "strides": [s, s], "pads": [p, p, p, p], "dilations": [1, 1], "group": 1,
             "act": "relu" if rng.integers(0, 2) else "none"}
    return inputs, [TensorSpec.of("int8", e_y)], attrs


def _linear(rng):
    m, k, n = int(rng.integers(1, 4)), int(rng.integers(1, 17)), int(rng.integers(1, 9))
    e_x, e_w, e_y = _exps(rng)
    return [Tensor.of(_i8(rng, (m, k)), "int8", e_x), Tensor.of(_i8(rng, (n, k)), "int8", e_w),
            Tensor.of(rng.integers(-5000, 5000, size=n), "int32", e_x + e_w)], [TensorSpec.of("int8", e_y)], {}


def _batchnorm(rng):
    c = int(rng.integers(1, 5))
    e_x, e_w, e_y = _exps(rng)
    return [Tensor.of(_i8(rng, (1, c, 3, 3)), "int8", e_x), Tensor.of(_i8(rng, c), "int8", e_w),
            Tensor.of(rng.integers(-3000, 3000, size=c), "int32", e_x + e_w)], [TensorSpec.of("int8", e_y)], {}


def _batchnorm1d(rng):
    c = int(rng.integers(1, 5))
    e_x, e_w, e_y = _exps(rng)
    shape = (int(rng.integers(1, 3)), c) if rng.integers(0, 2) else (1, c, int(rng.integers(1, 9)))
    return [Tensor.of(_i8(rng, shape), "int8", e_x), Tensor.of(_i8(rng, c), "int8", e_w),
            Tensor.of(rng.integers(-3000, 3000, size=c), "int32", e_x + e_w)], [TensorSpec.of("int8", e_y)], {}


def _iqadd(rng):
    n = int(rng.integers(1, 33))
    e1, e2 = int(rng.integers(2, 8)), int(rng.integers(2, 8))
    return [Tensor.of(_i8(rng, n), "int8", e1), Tensor.of(_i8(rng, n), "int8", e2)], \
        [TensorSpec.of("int8", min(e1, e2) - int(rng.integers(0, 2)))], {}


def _relu(rng):
    e = int(rng.integers(0, 9))
    return [Tensor.of(_i8(rng, int(rng.integers(1, 33))), "int8", e)], [TensorSpec.of("int8", e)], {}


def _pool(avg: bool):
    def build(rng):
        k, s = int(rng.integers(1, 4)), int(rng.integers(1, 3))
        p = int(rng.integers(0, k))
        e = int(rng.integers(0, 9))
        x = Tensor.of(_i8(rng, (1, int(rng.integers(1, 4)), int(rng.integers(k, 9)), int(rng.integers(k, 9)))),
                      "int8", e)
        return [x], [TensorSpec.of("int8", e)], {"kernel_shape": [k, k], "strides": [s, s], "pads": [p, p, p, p]}
    return build


def _reshape(rng):
    a, b = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    e = int(rng.integers(0, 9))
    return [Tensor.of(_i8(rng, (a, b)), "int8", e), Tensor.of(np.array([b, -1]), "int64")], \
        [TensorSpec.of("int8", e)], {}


def _flatten(rng):
    e = int(rng.integers(0, 9))
    return [Tensor.of(_i8(rng, (1, 2, 3, 2)), "int8", e)], [TensorSpec.of("int8", e)], {"axis": int(rng.integers(0, 5))}


def _iqpad(rng):
    e = int(rng.integers(0, 9))
    mode = int(rng.integers(0, 3))
    pads = [int(v) for v in rng.integers(0, 3, size=4)]
    return [Tensor.of(_i8(rng, (1, 2, 4, 4)), "int8", e), Tensor.of(np.array(pads), "int64")], \
        [TensorSpec.of("int8", e)], {"mode": mode}


def _softmax(rng):
    """int8 rows at a typical linger exponent, output int8 at 7 … 9; now and then along a non-last axis."""
    shape = _rows(rng)
    axis = -1 if rng.integers(0, 3) else int(rng.integers(0, len(shape)))
    return [Tensor.of(_i8(rng, shape), "int8", int(rng.integers(3, 8)))], [TensorSpec.of("int8", int(rng.integers(7, 10)))], \
        {"axis": axis}


def _per_platform(build):
    """Mark a builder whose output dtype depends on the platform: it is called as ``build(rng, platform)``."""
    build.per_platform = True
    return build


def _out_dtype(op: str, platform: str) -> str:
    """The output dtype of ``op``'s signature on ``platform`` (the registry decides, not the builder)."""
    from ..ops import REGISTRY
    return next(sig.outputs[0] for sig in REGISTRY.get(op).signatures if platform in sig.platforms)


def _rows(rng, lead_max=3, k_max=8):
    lead = tuple(int(v) for v in rng.integers(1, lead_max + 1, size=int(rng.integers(0, 3))))
    return (1, *lead, int(rng.integers(1, k_max + 1)))


def _argmax(rng):
    e = int(rng.integers(0, 9))
    x = rng.integers(-4, 5, size=_rows(rng), dtype=np.int64)   # a narrow range: ties are common
    return [Tensor.of(x, "int8", e)], [TensorSpec.of("int32", e)], {"axis": -1}


@_per_platform
def _topn(rng, platform):
    e = int(rng.integers(0, 9))
    x = rng.integers(-4, 5, size=_rows(rng), dtype=np.int64)
    offset = int(rng.integers(0, 1000))
    out = _out_dtype("topN", platform)
    return [Tensor.of(x, "int8", e), Tensor.of(np.array([offset]), "int64")], [TensorSpec.of(out, e)], \
        {"dim": -1, "max_num": 1}


@_per_platform
def _topn2(rng, platform):
    t = _out_dtype("topN2", platform)
    shape = _rows(rng, k_max=6)
    values = rng.integers(-4, 5, size=shape, dtype=np.int64)
    indices = rng.integers(0, 30000, size=shape, dtype=np.int64)
    return [Tensor.of(np.concatenate([values, indices]), t, 0)], [TensorSpec.of(t, 0)], {"dim": -1, "max_num": 1}


def _shufflechannel(rng):
    e = int(rng.integers(0, 9))
    g, m = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    axis = int(rng.choice([1, 3]))
    h, w = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    shape = (1, g * m, h, w) if axis == 1 else (1, h, w, g * m)
    return [Tensor.of(_i8(rng, shape), "int8", e)], [TensorSpec.of("int8", e)], {"groups": g, "axis": axis}


def _resize(rng):
    h, w = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    x = (rng.standard_normal((1, int(rng.integers(1, 3)), h, w)) * 4).astype(np.float32)
    mode = str(rng.choice(["nearest", "linear"]))
    ctm = str(rng.choice(["half_pixel", "pytorch_half_pixel", "asymmetric"]))
    nmode = str(rng.choice(["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]))
    scales = np.array([1, 1, rng.choice([0.5, 1.5, 2, 3]), rng.choice([0.5, 1.5, 2, 3])], dtype=np.float32)
    if min(int(np.floor(d * s)) for d, s in zip((h, w), scales[2:])) < 1:
        scales[2:] = 2
    empty = Tensor.of(np.zeros(0, np.float32), "float32")
    return [Tensor.of(x, "float32"), empty, Tensor.of(scales, "float32")], [TensorSpec.of("float32")], \
        {"mode": mode, "coordinate_transformation_mode": ctm, "nearest_mode": nmode}


def _relux(rng):
    shift = int(rng.integers(0, 4))
    e = int(rng.integers(shift, 9))
    return [Tensor.of(_i8(rng, int(rng.integers(1, 33))), "int8", e)], [TensorSpec.of("int8", e - shift)], \
        {"threshold": int(rng.integers(0, 128)), "shift": shift}


def _prelu(rng):
    post = int(rng.integers(0, 3))
    e = int(rng.integers(post, 9))
    return [Tensor.of(_i8(rng, int(rng.integers(1, 33))), "int8", e)], [TensorSpec.of("int8", e - post)], \
        {"slope": int(rng.integers(0, 5)), "post_shift": post}


def _clip(rng):
    e = int(rng.integers(0, 9))
    lo = int(rng.integers(-64, 1))
    return [Tensor.of(_i8(rng, int(rng.integers(1, 33))), "int8", e)], [TensorSpec.of("int8", e)], \
        {"min": lo, "max": lo + int(rng.integers(0, 128))}


def _cast(rng):
    e = int(rng.integers(0, 9))
    return [Tensor.of(_i8(rng, int(rng.integers(1, 33))), "int8", e)], [TensorSpec.of("int32", e)], {}


def _iqcat(rng):
    e1, e2 = int(rng.integers(2, 8)), int(rng.integers(2, 8))
    c1, c2 = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    return [Tensor.of(_i8(rng, (1, c1, 3)), "int8", e1), Tensor.of(_i8(rng, (1, c2, 3)), "int8", e2)], \
        [TensorSpec.of("int8", min(e1, e2))], {"axis": 1}


def _iqsub(rng):
    n = int(rng.integers(1, 33))
    e1, e2 = int(rng.integers(2, 8)), int(rng.integers(2, 8))
    return [Tensor.of(_i8(rng, n), "int8", e1), Tensor.of(_i8(rng, n), "int8", e2)], \
        [TensorSpec.of("int8", min(e1, e2) - int(rng.integers(0, 2)))], {}


def _iqmul(rng):
    e1, e2 = int(rng.integers(2, 8)), int(rng.integers(2, 8))
    x = _i8(rng, (1, 4, 2, 3))
    y = _i8(rng, (1, 4, 1, 1) if rng.integers(0, 2) else (1, 4, 2, 3))
    return [Tensor.of(x, "int8", e1), Tensor.of(y, "int8", e2)], [TensorSpec.of("int8", e1 + e2 - int(rng.integers(5, 9)))], {}


def _iqdiv(rng):
    e1 = int(rng.integers(2, 8))
    q = int(rng.integers(2, 20)) * (1 if rng.integers(0, 2) else -1)
    return [Tensor.of(_i8(rng, int(rng.integers(1, 33))), "int8", e1), Tensor.of(np.array(q), "int8", 0)], \
        [TensorSpec.of("int8", e1 + int(rng.integers(0, 3)))], {}


def _iqsum(rng):
    e = int(rng.integers(2, 8))
    return [Tensor.of(_i8(rng, (1, 3, int(rng.integers(1, 9)))), "int8", e)], \
        [TensorSpec.of("int8", e - int(rng.integers(1, 4)))], {"dims": -1}


def _iqvar(rng):
    e = int(rng.integers(2, 6))
    return [Tensor.of(_i8(rng, (1, 3, int(rng.integers(2, 9)))), "int8", e)], \
        [TensorSpec.of("int8", 2 * e - int(rng.integers(8, 12)))], {"dim": -1}


def _mv(rng, shape):
    return Tensor.of(_i8(rng, shape), "int8", int(rng.integers(0, 9)))


def _gather(rng):
    x = _mv(rng, (4, 3))
    return [x, Tensor.of(rng.integers(-4, 4, size=(2,)), "int64")], [x.spec], {"axis": 0}


def _slice(rng):
    x = _mv(rng, (2, 6))
    return [x, Tensor.of(np.array([int(rng.integers(0, 3))]), "int64"), Tensor.of(np.array([6]), "int64"),
            Tensor.of(np.array([1]), "int64"), Tensor.of(np.array([int(rng.integers(1, 3))]), "int64")], [x.spec], {}


def _split(rng):
    x = _mv(rng, (2, 5))
    a = int(rng.integers(1, 5))
    return [x], [x.spec, x.spec], {"axis": 1, "split": [a, 5 - a]}


def _transpose(rng):
    x = _mv(rng, (2, 3, 4))
    return [x], [x.spec], {"perm": [int(v) for v in rng.permutation(3)]}


def _tile(rng):
    x = _mv(rng, (2, 3))
    return [x, Tensor.of(rng.integers(1, 3, size=(2,)), "int64")], [x.spec], {}


def _expand(rng):
    x = _mv(rng, (3, 1))
    return [x, Tensor.of(np.array([2, 3, int(rng.integers(1, 4))]), "int64")], [x.spec], {}


def _squeeze(rng):
    x = _mv(rng, (1, 3, 1, 2))
    return [x], [x.spec], {"axes": [0]}


def _unsqueeze(rng):
    x = _mv(rng, (3, 2))
    return [x], [x.spec], {"axes": [int(rng.integers(0, 3))]}


def _shape_op(rng):
    x = _mv(rng, tuple(int(v) for v in rng.integers(1, 4, size=int(rng.integers(1, 5)))))
    return [x], [TensorSpec.of("int64")], {}


def _bmm(rng):
    b, m, k, n = int(rng.integers(1, 4)), int(rng.integers(1, 5)), int(rng.integers(1, 17)), int(rng.integers(1, 9))
    lead = (b,) if rng.integers(0, 2) else ()
    e_x, e_y = int(rng.integers(2, 8)), int(rng.integers(2, 8))
    e_o = e_x + e_y - int(rng.integers(4, 12))
    return [Tensor.of(_i8(rng, lead + (m, k)), "int8", e_x), Tensor.of(_i8(rng, lead + (k, n)), "int8", e_y)], \
        [TensorSpec.of("int8", e_o)], {}


def _conv1d(rng):
    c, oc, k = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(1, 4))
    length, s, p = int(rng.integers(k, 12)), int(rng.integers(1, 3)), int(rng.integers(0, k))
    s = min(s, k)
    e_x, e_w, e_y = _exps(rng)
    inputs = [Tensor.of(_i8(rng, (1, c, length)), "int8", e_x), Tensor.of(_i8(rng, (oc, c, k)), "int8", e_w),
              Tensor.of(rng.integers(-5000, 5000, size=oc), "int32", e_x + e_w)]
    attrs = {"kernel_shape": [k], "strides": [s], "pads": [p, p], "dilations": [1], "group": 1,
             "act": "relu" if rng.integers(0, 2) else "none"}
    return inputs, [TensorSpec.of("int8", e_y)], attrs


def _convtranspose(rng):
    c, oc, k = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(2, 4))
    h, w, s = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(1, 3))
    p = int(rng.integers(0, k - 1)) if k > 2 else 0
    e_x, e_w, e_y = _exps(rng)
    inputs = [Tensor.of(_i8(rng, (1, c, h, w)), "int8", e_x), Tensor.of(_i8(rng, (c, oc, k, k)), "int8", e_w),
              Tensor.of(rng.integers(-5000, 5000, size=oc), "int32", e_x + e_w)]
    attrs = {"kernel_shape": [k, k], "strides": [s, s], "pads": [p, p, p, p], "output_padding": [s - 1, 0],
             "dilations": [1, 1], "group": 1, "act": "relu" if rng.integers(0, 2) else "none"}
    return inputs, [TensorSpec.of("int8", e_y)], attrs


def _layernorm(rng):
    """LayerNormInt as linger 3.x exports it: rows of 8 … 64 over the last axis (or the last two), exponents
    around linger's (x 4 … 8, γ 6 … 8, Y 3 … 6), β at 15 + e(γ)."""
    lead, n = int(rng.integers(1, 5)), int(rng.choice([8, 16, 32, 64]))
    two = bool(rng.integers(0, 4) == 0)
    shape = (1, lead, n) if not two else (1, lead, 4, n // 4)
    e_x, e_g, e_y = int(rng.integers(4, 9)), int(rng.integers(6, 9)), int(rng.integers(3, 7))
    gamma = _i8(rng, n) if rng.integers(0, 2) else np.full(n, 127, dtype=np.int64)
    return [Tensor.of(_i8(rng, shape), "int8", e_x), Tensor.of(gamma, "int8", e_g),
            Tensor.of(rng.integers(-40000, 40000, size=n), "int32", 15 + e_g)], [TensorSpec.of("int8", e_y)], {}



def _piecewise(rng):
    """GeluInt / SiluInt (venusA) as linger 3.x exports them: int8 at e(X) 3 … 6 (|x| < 16, no saturation)
    or now and then 2 (saturating beyond 16), int8 output at e(Y) 3 … 6."""
    e_x = int(rng.integers(3, 7)) if rng.integers(0, 4) else 2
    return [Tensor.of(_i8(rng, _rows(rng)), "int8", e_x)], [TensorSpec.of("int8", int(rng.integers(3, 7)))], {}

def _glu(rng):
    """GluInt as linger 3.x exports it: int8 at e(X) 3 … 6, the last axis of even size 2 … 16 (now and then an
    inner axis), int8 output at e(Y) 3 … 7."""
    shape = list(_rows(rng))
    axis = -1 if rng.integers(0, 4) else int(rng.integers(0, len(shape)))
    shape[axis] *= 2
    return ([Tensor.of(_i8(rng, tuple(shape)), "int8", int(rng.integers(3, 7)))],
            [TensorSpec.of("int8", int(rng.integers(3, 8)))], {"axis": axis})


@_per_platform
def _activation(rng, platform):
    """iqSigmoid / iqTanh as linger exports them: int8 at e(X) 3 … 8 (linger 3) or, on venus, int16 at 9 … 13
    (linger 1.x's 16-bit input); int8 output at e(Y) = 7 (linger's fixed Q7)."""
    if rng.integers(0, 4) or platform != "venus":
        x = Tensor.of(_i8(rng, _rows(rng)), "int8", int(rng.integers(3, 9)))
    else:
        x = Tensor.of(rng.integers(-32768, 32768, size=_rows(rng), dtype=np.int64), "int16", int(rng.integers(9, 14)))
    return [x], [TensorSpec.of("int8", 7)], {}


def _recurrent(gates: int):
    """LSTMInt (4 gates) / GRUInt (3 gates): T 2 … 5 steps, one or two sequences, I, H 1 … 6, time major,
    forward, biases, hidden and output at the same exponent (ops/lstmint.md, ops/gruint.md)."""
    def build(rng):
        t_len, batch, n_in, hidden = (int(rng.integers(lo, hi)) for lo, hi in ((2, 6), (1, 3), (1, 7), (1, 7)))
        e_x, e_iw, e_hw, e_h = (int(rng.integers(2, 8)) for _ in range(4))
        inputs = [Tensor.of(_i8(rng, (t_len, batch, n_in)), "int8", e_x),
                  Tensor.of(_i8(rng, (gates * hidden, n_in)), "int8", e_iw),
                  Tensor.of(_i8(rng, (gates * hidden, hidden)), "int8", e_hw),
                  Tensor.of(rng.integers(-5000, 5000, size=gates * hidden), "int32", e_x + e_iw),
                  Tensor.of(rng.integers(-5000, 5000, size=gates * hidden), "int32", e_h + e_hw)]
        outs = [TensorSpec.of("int8", e_h), TensorSpec.of("int8", e_h)]
        if gates == 4:
            outs.append(TensorSpec.of("int32", 15))
        return inputs, outs, {"direction": 0, "layout": 0}
    return build


BUILDERS: dict[str, Callable] = {
    "iqSub": _iqsub, "iqMul": _iqmul, "iqDiv": _iqdiv, "iqSum": _iqsum, "iqVar": _iqvar,
    "Quant": _quant, "Dequant": _dequant, "Requant": _requant, "Conv2dInt": _conv, "LinearInt": _linear,
    "BatchNorm2dInt": _batchnorm, "BatchNorm1dInt": _batchnorm1d, "iqAdd": _iqadd, "Relu": _relu, "MaxPool": _pool(False),
    "AvgPool2dInt": _pool(True), "Reshape": _reshape, "Flatten": _flatten, "iqPad": _iqpad,
    "Gather": _gather, "Slice": _slice, "Split": _split, "Transpose": _transpose, "Tile": _tile,
    "Expand": _expand, "Squeeze": _squeeze, "Unsqueeze": _unsqueeze, "Shape": _shape_op, "Relux": _relux, "PRelu": _prelu, "Clip": _clip, "Cast": _cast,
    "iqCat": _iqcat,
    "ArgMax": _argmax, "topN": _topn, "topN2": _topn2, "ShuffleChannel": _shufflechannel, "Resize": _resize,
    "BmmInt": _bmm,
    "Conv1dInt": _conv1d, "ConvTranspose2dInt": _convtranspose,
    "SoftmaxInt": _softmax,
    "LayerNormInt": _layernorm,
    "GeluInt": _piecewise, "SiluInt": _piecewise,
    "iqSigmoid": _activation, "iqTanh": _activation,
    "GluInt": _glu,
    "LSTMInt": _recurrent(4), "GRUInt": _recurrent(3),
}
