"""Hypothesis strategies for op cases, aimed at each op's registry coverpoints."""

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


CASES = {"Quant": quant_case, "Dequant": dequant_case, "Requant": requant_case}
