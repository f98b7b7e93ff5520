"""Must-error cases: one per REQUIRE condition or capability limit an op section names
(spec/formats/vectors.md §3).  Hand-made and small; each names the error a conforming port must report.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from ..ops import REGISTRY
from ..tensor import Tensor, TensorSpec

__all__ = ["NEGATIVE", "negative_cases"]


def _t(values, dtype: str, exponent: int | None = 0) -> Tensor:
    return Tensor.of(np.array(values), dtype, exponent)


def _zeros(shape, dtype="int8", exponent=0) -> Tensor:
    return Tensor.of(np.zeros(shape, dtype=np.int64), dtype, exponent)


_S8 = TensorSpec.of("int8", 0)

#: (op, slug, platforms or None for all of the op's, builder -> (inputs, output specs, attrs), error name)
NEGATIVE: list[tuple[str, str, tuple[str, ...] | None, Callable[[], tuple], str]] = [
    ("Quant", "err-nan-input", None,
     lambda: ([Tensor.of(np.array([0.5, np.nan], np.float32), "float32")], [TensorSpec.of("int8", 3)], {}),
     "NonFiniteInput"),
    ("Requant", "err-int16-input", None,
     lambda: ([_t([1, 2], "int16", 4)], [TensorSpec.of("int8", 2)], {}), "DTypeMismatch"),
    ("Conv2dInt", "err-bias-shape", None,
     lambda: ([_zeros((1, 2, 4, 4)), _zeros((3, 2, 3, 3)), _zeros((2,), "int32", 0)], [_S8],
              {"kernel_shape": [3, 3]}), "ShapeMismatch"),
    ("Conv2dInt", "err-dilation-on-venus", ("venus",),
     lambda: ([_zeros((1, 1, 6, 6)), _zeros((1, 1, 2, 2))], [_S8], {"dilations": [2, 2]}), "UnsupportedOnPlatform"),
    # the capability limits of each platform's convolution (spec/ops/conv2dint.md, Capabilities)
    ("Conv2dInt", "err-kernel-6-on-venus", ("venus",),
     lambda: ([_zeros((1, 1, 6, 6)), _zeros((1, 1, 6, 6))], [_S8], {}), "UnsupportedOnPlatform"),
    ("Conv2dInt", "err-kernel-13", ("venusA", "arcs"),
     lambda: ([_zeros((1, 1, 13, 13)), _zeros((1, 1, 13, 13))], [_S8], {}), "UnsupportedOnPlatform"),
    ("Conv2dInt", "err-pad-5-on-venus", ("venus",),
     lambda: ([_zeros((1, 1, 4, 4)), _zeros((1, 1, 1, 1))], [_S8], {"pads": [5, 0, 0, 0]}), "UnsupportedOnPlatform"),
    ("Conv2dInt", "err-pad-12", ("venusA", "arcs"),
     lambda: ([_zeros((1, 1, 4, 4)), _zeros((1, 1, 1, 1))], [_S8], {"pads": [0, 12, 0, 0]}), "UnsupportedOnPlatform"),
    ("Conv2dInt", "err-stride-3", None,
     lambda: ([_zeros((1, 1, 6, 6)), _zeros((1, 1, 1, 1))], [_S8], {"strides": [3, 1]}), "UnsupportedOnPlatform"),
    ("Conv2dInt", "err-dilation-3", ("venusA", "arcs"),
     lambda: ([_zeros((1, 1, 8, 8)), _zeros((1, 1, 2, 2))], [_S8], {"dilations": [1, 3]}), "UnsupportedOnPlatform"),
    ("Conv2dInt", "err-int16-output-on-arcs", ("arcs",),
     lambda: ([_zeros((1, 1, 4, 4)), _zeros((1, 1, 1, 1))], [TensorSpec.of("int16", 0)], {}),
     "UnsupportedOnPlatform"),
    ("LinearInt", "err-weight-shape", None,
     lambda: ([_zeros((2, 4)), _zeros((3, 5))], [_S8], {}), "ShapeMismatch"),
    ("BatchNorm2dInt", "err-weight-length", None,
     lambda: ([_zeros((1, 2, 2, 2)), _zeros((3,)), _zeros((2,), "int32")], [_S8], {}), "ShapeMismatch"),
    ("iqAdd", "err-shapes-differ", None,
     lambda: ([_zeros((4,)), _zeros((5,))], [_S8], {}), "ShapeMismatch"),
    ("iqAdd", "err-int16-on-arcs", ("arcs",),
     lambda: ([_zeros((2,), "int16"), _zeros((2,), "int16")], [TensorSpec.of("int16", 0)], {}),
     "UnsupportedOnPlatform"),
    ("Relu", "err-exponent-changes", None,
     lambda: ([_t([-1, 1], "int8", 3)], [TensorSpec.of("int8", 4)], {}), "ExponentOutOfRange"),
    ("MaxPool", "err-pad-not-below-kernel", None,
     lambda: ([_zeros((1, 1, 4, 4))], [_S8], {"kernel_shape": [2, 2], "pads": [2, 0, 0, 0]}), "UnsupportedAttribute"),
    ("AvgPool2dInt", "err-count-exclude-pad", None,
     lambda: ([_zeros((1, 1, 4, 4))], [_S8], {"kernel_shape": [2, 2], "count_include_pad": 0}),
     "UnsupportedAttribute"),
    ("Reshape", "err-element-count", None,
     lambda: ([_zeros((2, 3)), _t([4, 2], "int64", None)], [_S8], {}), "ShapeMismatch"),
    ("Flatten", "err-axis-range", None,
     lambda: ([_zeros((2, 3))], [_S8], {"axis": 3}), "UnsupportedAttribute"),
    ("iqPad", "err-nonzero-value", None,
     lambda: ([_zeros((1, 1, 2, 2)), _t([0, 1, 0, 1], "int64", None), _t([3], "int64", None)], [_S8], {}),
     "UnsupportedAttribute"),
    ("iqPad", "err-reflect-too-wide", None,
     lambda: ([_zeros((1, 1, 2, 2)), _t([0, 2, 0, 0], "int64", None)], [_S8], {"mode": 1}), "ShapeMismatch"),
    ("Quant", "err-data-bits-disagree", None,
     lambda: ([Tensor.of(np.array([0.5], np.float32), "float32")], [TensorSpec.of("int8", 3)], {"data_bits": 16}),
     "DTypeMismatch"),
    ("Conv2dInt", "err-input-rank", None,
     lambda: ([_zeros((1, 4, 4)), _zeros((1, 1, 1, 1))], [_S8], {}), "ShapeMismatch"),
    ("Conv2dInt", "err-kernel-too-large", None,
     lambda: ([_zeros((1, 1, 2, 2)), _zeros((1, 1, 3, 3))], [_S8], {"kernel_shape": [3, 3]}), "ShapeMismatch"),
    ("Conv2dInt", "err-zero-stride", None,
     lambda: ([_zeros((1, 1, 4, 4)), _zeros((1, 1, 1, 1))], [_S8], {"strides": [0, 1]}), "UnsupportedAttribute"),
    ("Conv2dInt", "err-unknown-activation", None,
     lambda: ([_zeros((1, 1, 4, 4)), _zeros((1, 1, 1, 1))], [_S8], {"act": "sigmoid"}), "UnsupportedAttribute"),
    ("LinearInt", "err-bias-shape", None,
     lambda: ([_zeros((2, 4)), _zeros((3, 4)), _zeros((2,), "int32")], [_S8], {}), "ShapeMismatch"),
    ("BatchNorm2dInt", "err-input-rank", None,
     lambda: ([_zeros((2, 2)), _zeros((2,)), _zeros((2,), "int32")], [_S8], {}), "ShapeMismatch"),
    ("iqAdd", "err-dtypes-differ", ("venusA",),
     lambda: ([_zeros((2,)), _zeros((2,), "int16")], [_S8], {}), "DTypeMismatch"),
    ("MaxPool", "err-input-rank", None,
     lambda: ([_zeros((4, 4))], [_S8], {"kernel_shape": [2, 2]}), "ShapeMismatch"),
    ("MaxPool", "err-dilation", None,
     lambda: ([_zeros((1, 1, 4, 4))], [_S8], {"kernel_shape": [2, 2], "dilations": [2, 2]}), "UnsupportedAttribute"),
    ("AvgPool2dInt", "err-divisor-override", None,
     lambda: ([_zeros((1, 1, 4, 4))], [_S8], {"kernel_shape": [2, 2], "divisor_override": 3}), "UnsupportedAttribute"),
    ("AvgPool2dInt", "err-input-rank", None,
     lambda: ([_zeros((4, 4))], [_S8], {"kernel_shape": [2, 2]}), "ShapeMismatch"),
    ("Reshape", "err-two-inferred", None,
     lambda: ([_zeros((2, 3)), _t([-1, -1], "int64", None)], [_S8], {}), "ShapeMismatch"),
    ("iqPad", "err-pad-count", None,
     lambda: ([_zeros((1, 1, 2, 2)), _t([0, 1, 0, 1, 0], "int64", None)], [_S8], {}), "UnsupportedAttribute"),
    ("iqPad", "err-channel-pads", None,
     lambda: ([_zeros((1, 1, 2, 2)), _t([1, 0, 0, 1, 0, 0], "int64", None)], [_S8], {}), "UnsupportedAttribute"),
    ("iqPad", "err-unknown-mode", None,
     lambda: ([_zeros((1, 1, 2, 2)), _t([0, 1, 0, 1], "int64", None)], [_S8], {"mode": 7}), "UnsupportedAttribute"),
]


def negative_cases(ops=None, platforms=None) -> Iterator[tuple[str, str, str, tuple, str]]:
    """(platform, op, slug, (inputs, specs, attrs), error) for every must-error case selected."""
    for op, slug, only, build, error in NEGATIVE:
        if ops and op not in ops:
            continue
        for platform in only or REGISTRY.get(op).platforms:
            if platforms and platform not in platforms:
                continue
            yield platform, op, slug, build(), error
