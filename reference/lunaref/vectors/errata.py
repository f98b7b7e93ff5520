"""Errata cases (spec/errata.md, spec/formats/vectors.md §3): for each arithmetic errata entry, hand-made
inputs on which the spec's result and the shipping executor's differ.

The committed set records the spec's result (slug ``errata-<entry>``, e.g. ``errata-e-avgpool-1``); the
compatibility variant of the set (formats/vectors.md §9) records, under the same id, what the executor's
compatibility model computes.  Each row: (op, errata entry, platforms or None for all of the op's,
builder -> (inputs, output specs, attrs)).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..tensor import Tensor, TensorSpec

__all__ = ["ERRATA", "errata_slug"]


def errata_slug(entry: str) -> str:
    """``E-AVGPOOL-1`` -> ``errata-e-avgpool-1``."""
    return "errata-" + entry.lower()


def _t(values, dtype: str, exponent: int | None = 0) -> Tensor:
    return Tensor.of(np.array(values), dtype, exponent)


ERRATA: list[tuple[str, str, tuple[str, ...] | None, Callable[[], tuple]]] = [
    # 2×2 windows, e 4 -> 3: window sums 3, 5, -3, 12 round differently once (spec), twice (arcs/venusA)
    # or without the exponent change (venus)
    ("AvgPool2dInt", "E-AVGPOOL-1", None,
     lambda: ([_t([[[[3, 0, 5, 0], [0, 0, 0, 0], [-3, 0, 12, 0], [0, 0, 0, 0]]]], "int8", 4)],
              [TensorSpec.of("int8", 3)], {"kernel_shape": [2, 2], "strides": [2, 2]})),
    # 3×3 window, pad 1, e 4 -> 3 (d = 1) and e 4 -> 6 (d = -2): venus's divide takes shift -d
    ("AvgPool2dInt", "E-AVGPOOL-2", ("venus",),
     lambda: ([_t([[[[90, -70, 33], [12, 127, -128], [45, 6, -9]]]], "int8", 4)],
              [TensorSpec.of("int8", 3)], {"kernel_shape": [3, 3], "strides": [1, 1], "pads": [1, 1, 1, 1]})),
    # exponent 31: thinker's factor (float)(1 << 31) is -2^31
    ("Quant", "E-QUANT-2", None,
     lambda: ([Tensor.of(np.array([2.0 ** -31, -(2.0 ** -30), 0.75 * 2.0 ** -31, 1e-12], np.float32), "float32")],
              [TensorSpec.of("int32", 31)], {"data_bits": 32})),
    ("Dequant", "E-QUANT-2", None,
     lambda: ([_t([1, -2, 127, -128], "int8", 31)], [TensorSpec.of("float32")], {})),
    # int16 and int32 inputs: thinker's int32 test compares the data pointer, so both are refused
    ("Dequant", "E-DEQUANT-1", None,
     lambda: ([_t([1, -2, 32767, -32768], "int16", 4)], [TensorSpec.of("float32")], {})),
]
