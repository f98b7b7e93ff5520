"""Quant, Dequant and Requant through the registry: properties against plain Python-int models
and signature checks."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given

from lunaref import Tensor, TensorSpec, errors
from lunaref.ops import REGISTRY

from models import f32, quantize_model, round_rational, sat
from strategies import dequant_case, quant_case, requant_case

PLATFORMS = ["venus", "venusA", "arcs"]


def run(name, inputs, outputs, platform="venusA"):
    return REGISTRY.get(name).run(inputs, outputs, {}, platform)


@given(quant_case())
def test_quant_matches_model(c):
    inputs, outputs = c
    (y,) = run("Quant", inputs, outputs)
    assert y.dtype == outputs[0].dtype and y.exponent == outputs[0].exponent
    for x, q in zip(inputs[0].data.tolist(), y.data.tolist()):
        if math.isinf(x):
            assert q == (y.dtype.max if x > 0 else y.dtype.min)
        else:
            assert q == quantize_model(x, outputs[0].exponent, y.dtype.bits)


@given(dequant_case())
def test_dequant_matches_model(c):
    inputs, outputs = c
    (y,) = run("Dequant", inputs, outputs)
    assert y.data.dtype == np.float32 and y.exponent is None
    e = inputs[0].exponent
    for q, v in zip(inputs[0].data.tolist(), y.data.tolist()):
        assert v == f32(f32(float(q)) * 2.0 ** -e)


@given(requant_case())
def test_requant_matches_model(c):
    inputs, outputs = c
    (y,) = run("Requant", inputs, outputs)
    d = inputs[0].exponent - outputs[0].exponent
    for q, v in zip(inputs[0].data.tolist(), y.data.tolist()):
        assert v == sat(round_rational(Fraction(q, 1) / Fraction(2) ** d, "half_up"), y.dtype.bits)


def test_spec_examples():
    i8 = lambda v, e: Tensor.of(np.array(v), "int8", e)  # noqa: E731
    (y,) = run("Requant", [i8([100, -100, 6, -6], 4)], [TensorSpec.of("int8", 2)])
    assert y.data.tolist() == [25, -25, 2, -1]
    (y,) = run("Requant", [i8([100, -100], 2)], [TensorSpec.of("int16", 4)])
    assert y.data.tolist() == [400, -400]
    (y,) = run("Dequant", [i8([41, -20, 127, -128], 3)], [TensorSpec.of("float32")])
    assert y.data.tolist() == [5.125, -2.5, 15.875, -16.0]
    (y,) = run("Dequant", [Tensor.of(np.array([16777217]), "int32", 0)], [TensorSpec.of("float32")])
    assert y.data.tolist() == [16777216.0]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_signatures_and_requires(platform):
    x = Tensor.of(np.array([1.0], np.float32), "float32")
    with pytest.raises(errors.DTypeMismatch):
        REGISTRY.get("Quant").run([x], [TensorSpec.of("int64", 3)], {}, platform)
    with pytest.raises(errors.DTypeMismatch):
        REGISTRY.get("Quant").run([x], [TensorSpec.of("int8", 3)], {"data_bits": 16}, platform)
    with pytest.raises(errors.NonFiniteInput):
        REGISTRY.get("Quant").run([Tensor.of(np.array([np.nan], np.float32), "float32")],
                                  [TensorSpec.of("int8", 3)], {}, platform)
    with pytest.raises(errors.DTypeMismatch):
        REGISTRY.get("Requant").run([Tensor.of(np.array([1]), "int64", 3)], [TensorSpec.of("int8", 3)], {}, platform)
    with pytest.raises(errors.ExponentOutOfRange):
        TensorSpec.of("int8", 40)
    with pytest.raises(errors.ValueOutOfRange):
        Tensor.of(np.array([300]), "int8", 0)
