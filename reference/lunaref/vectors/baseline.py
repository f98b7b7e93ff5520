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


BUILDERS: dict[str, Callable] = {
    "Quant": _quant, "Dequant": _dequant, "Requant": _requant, "Conv2dInt": _conv, "LinearInt": _linear,
    "BatchNorm2dInt": _batchnorm, "iqAdd": _iqadd, "Relu": _relu, "MaxPool": _pool(False),
    "AvgPool2dInt": _pool(True), "Reshape": _reshape, "Flatten": _flatten, "iqPad": _iqpad,
}
