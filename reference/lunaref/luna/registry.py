"""The LUNA primitives as conformance targets (spec/luna.md; vectors at level ``primitive``).

A row names a primitive as spec/luna.md does, the platforms it exists on, its coverpoints, and how
to compute one case: ``run(inputs, attrs, platform)`` with numpy arrays in and out.  A port of libluna
itself is tested against these rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .. import errors
from ..numerics import as_int, rounding_shift
from ..platforms import PLATFORM_NAMES, profile as get_profile
from ..ops.common import has_tie, rounding_coverpoints
from ..ops.registry import Coverpoint
from ..numerics import dtype as get_dtype
from . import cnn, div, matrix, vector

__all__ = ["PrimitiveDef", "PRIMITIVES"]


@dataclass(frozen=True)
class PrimitiveDef:
    name: str
    summary: str
    coverpoints: tuple[Coverpoint, ...]
    run: Callable[[Sequence[np.ndarray], Mapping[str, Any], str], list[np.ndarray]] = field(compare=False)
    platforms: tuple[str, ...] = PLATFORM_NAMES

    def coverage(self, case) -> set[str]:
        return {c.name for c in self.coverpoints if c.hit(case)}


def _acc_points(acc: Callable[[Any], Any], out_type: Callable[[Any], str]) -> tuple[Coverpoint, ...]:
    """Ties and saturation of an exact accumulator ``acc(case)`` shifted by ``attrs['shift']``."""
    return rounding_coverpoints(acc, lambda c: int(c.attrs["shift"]), lambda c: get_dtype(out_type(c)))


def _data(c, k: int) -> np.ndarray:
    return c.inputs[k].data


def _out(c) -> str:
    return c.attrs["out"]


def _elementwise(name: str, combine: Callable, scalar: bool) -> PrimitiveDef:
    fn = getattr(vector, name)

    def run(inputs, attrs, platform):
        second = int(attrs["k"]) if scalar else inputs[1]
        return [fn(inputs[0], second, int(attrs["shift"]), attrs["out"], platform)]

    def acc(c):
        a = as_int(_data(c, 0))
        b = int(c.attrs["k"]) if scalar else as_int(_data(c, 1))
        return combine(a, b)
    return PrimitiveDef(name, f"luna_{name}: sat(rshift({'a op k' if scalar else 'a op b'}, shift))",
                        _acc_points(acc, _out), run)


def _rshift_run(inputs, attrs, platform):
    return [rounding_shift(inputs[0], int(attrs["shift"])).astype(np.int64)]


def _matmul_run(inputs, attrs, platform):
    bias = inputs[2] if len(inputs) > 2 else None
    return [matrix.mat_mul(inputs[0], inputs[1], int(attrs["shift"]), attrs["out"], platform, bias=bias)]


def _matmul_acc(c):
    return matrix.mat_mul_acc(_data(c, 0), _data(c, 1), _data(c, 2) if len(c.inputs) > 2 else None)


def _beyond_int32(acc) -> bool:
    v = as_int(acc)
    return bool(v.size) and (int(v.max()) >= 1 << 31 or int(v.min()) < -(1 << 31))


def _conv_kw(attrs):
    return {"strides": tuple(attrs["strides"]), "pads": tuple(attrs["pads"]), "dilations": tuple(attrs["dilations"]),
            "group": int(attrs["group"])}


def _conv_run(inputs, attrs, platform):
    bias = inputs[2] if len(inputs) > 2 else None
    return [cnn.conv2d(inputs[0], inputs[1], bias, shift=int(attrs["shift"]), out=attrs["out"], platform=platform,
                       relu=bool(attrs.get("relu", False)), **_conv_kw(attrs))]


def _conv_acc(c):
    return cnn.conv2d_acc(_data(c, 0), _data(c, 1), _data(c, 2) if len(c.inputs) > 2 else None, **_conv_kw(c.attrs))


def _conv1d_run(inputs, attrs, platform):
    bias = inputs[2] if len(inputs) > 2 else None
    return [cnn.conv1d(inputs[0], inputs[1], bias, shift=int(attrs["shift"]), out=attrs["out"], platform=platform,
                       stride=int(attrs["stride"]), pads=tuple(attrs["pads"]), group=int(attrs["group"]),
                       relu=bool(attrs.get("relu", False)))]


def _conv1d_acc(c):
    x, w = as_int(_data(c, 0)), as_int(_data(c, 1))
    return cnn.conv2d_acc(x[:, :, None, :], w[:, :, None, :], _data(c, 2) if len(c.inputs) > 2 else None,
                          strides=(1, int(c.attrs["stride"])), pads=(0, c.attrs["pads"][0], 0, c.attrs["pads"][1]),
                          group=int(c.attrs["group"]))


def _deconv_kw(attrs):
    return {"strides": tuple(attrs["strides"]), "pads": tuple(attrs["pads"]),
            "output_padding": tuple(attrs["output_padding"])}


def _deconv_run(inputs, attrs, platform):
    bias = inputs[2] if len(inputs) > 2 else None
    return [cnn.conv_transpose2d(inputs[0], inputs[1], bias, shift=int(attrs["shift"]), out=attrs["out"],
                                 platform=platform, relu=bool(attrs.get("relu", False)), **_deconv_kw(attrs))]


def _deconv_acc(c):
    return cnn.conv_transpose2d_acc(_data(c, 0), _data(c, 1), _data(c, 2) if len(c.inputs) > 2 else None,
                                    **_deconv_kw(c.attrs))


def _pool_args(attrs):
    return tuple(attrs["kernel"]), tuple(attrs["strides"]), tuple(attrs["pads"])


def _max_run(inputs, attrs, platform):
    return [cnn.max_pool2d(inputs[0], *_pool_args(attrs))]


def _max_padding(c) -> bool:
    k, s, p = _pool_args(c.attrs)
    if not any(p):
        return False
    zero = cnn.windows(as_int(_data(c, 0)), k, s, p, fill=0).max(axis=(4, 5))
    return bool((zero != c.outputs[0].data).any())


def _mean_run(inputs, attrs, platform):
    return [cnn.mean_pool2d(inputs[0], *_pool_args(attrs), shift=int(attrs["shift"]), out=attrs["out"],
                            platform=platform)]


def _mean_acc(c):
    return cnn.sum_pool2d(_data(c, 0), *_pool_args(c.attrs))


def _div_run(inputs, attrs, platform):
    return [div.divide(inputs[0], int(attrs["b"]), int(attrs["shift"]), platform)]


def _div_inexact_tie(c) -> bool:
    a = as_int(_data(c, 0)).astype(object)
    b, s = int(c.attrs["b"]), int(c.attrs["shift"])
    if s < 0:
        return False
    exact = [(2 * int(v) * (1 << s) + b) // (2 * b) for v in a.reshape(-1)]
    return any(int(q) != e for q, e in zip(c.outputs[0].data.reshape(-1), exact))


def _div_big(c) -> bool:
    a = as_int(_data(c, 0))
    r, _ = div.reciprocal(int(c.attrs["b"]))
    return bool(a.size and max(abs(int(v)) for v in a.reshape(-1)) * r >= (1 << 53))


def _prelu_run(inputs, attrs, platform):
    return [vector.prelu(inputs[0], int(attrs["slope"]), int(attrs["shift"]), attrs["out"], platform)]


def _prelu_part(c, negative: bool):
    v = as_int(_data(c, 0))
    return (v[v < 0], int(c.attrs["slope"]) + int(c.attrs["shift"])) if negative else (v[v >= 0], int(c.attrs["shift"]))


def _relux_run(inputs, attrs, platform):
    return [vector.relux(inputs[0], int(attrs["x"]), int(attrs["shift"]), platform)]


PRIMITIVES: dict[str, PrimitiveDef] = {p.name: p for p in (
    PrimitiveDef("rshift", "the LUNA rounding shift floor(v / 2^s + 1/2), unsaturated", (
        Coverpoint("positive tie", "a positive half", lambda c: has_tie(_data(c, 0), int(c.attrs["shift"]), False)),
        Coverpoint("negative tie", "a negative half", lambda c: has_tie(_data(c, 0), int(c.attrs["shift"]), True)),
        Coverpoint("shift beyond 32", "a shift of 32 or more", lambda c: int(c.attrs["shift"]) >= 32),
        Coverpoint("zero shift", "shift 0 is the identity", lambda c: int(c.attrs["shift"]) == 0),
    ), _rshift_run),
    _elementwise("add", lambda a, b: a + b, False),
    _elementwise("sub", lambda a, b: a - b, False),
    _elementwise("mul", lambda a, b: a * b, False),
    _elementwise("scale", lambda a, k: a * k, True),
    _elementwise("offset", lambda a, k: a + k, True),
    PrimitiveDef("mat_mul", "sat(rshift(A·B + bias, shift))", _acc_points(_matmul_acc, _out) + (
        Coverpoint("bias", "an int32 bias per output column", lambda c: len(c.inputs) > 2),
        Coverpoint("accumulator beyond int32", "|A·B + bias| ≥ 2^31 somewhere: the accumulator is wider than "
                   "32 bits", lambda c: _beyond_int32(_matmul_acc(c))),), _matmul_run),
    PrimitiveDef("conv2d", "act(sat(rshift(conv(X, W) + bias, shift)))", _acc_points(_conv_acc, _out) + (
        Coverpoint("relu", "ReLU after rounding", lambda c: bool(c.attrs.get("relu"))),
        Coverpoint("depthwise", "group = channels",
                   lambda c: int(c.attrs["group"]) > 1 and int(c.attrs["group"]) == c.inputs[0].data.shape[1]),),
        _conv_run),
    # measured on the arcs and venusA simulators only (thinker's settings and tpacker's layouts)
    PrimitiveDef("conv1d", "act(sat(rshift(conv1d(X, W) + bias, shift)))", _acc_points(_conv1d_acc, _out) + (
        Coverpoint("relu", "ReLU after rounding", lambda c: bool(c.attrs.get("relu"))),
        Coverpoint("stride > 1", "a stride above 1", lambda c: int(c.attrs["stride"]) > 1),), _conv1d_run,
        ("venusA", "arcs")),
    PrimitiveDef("conv_transpose2d", "act(sat(rshift(ConvTranspose(X, W) + bias, shift)))",
                 _acc_points(_deconv_acc, _out) + (
        Coverpoint("relu", "ReLU after rounding", lambda c: bool(c.attrs.get("relu"))),
        Coverpoint("stride > 1", "a stride above 1", lambda c: max(c.attrs["strides"]) > 1),
        Coverpoint("output padding", "output_padding above 0", lambda c: max(c.attrs["output_padding"]) > 0),),
        _deconv_run, ("venusA", "arcs")),
    PrimitiveDef("max_pool2d", "window maximum, padding ignored", (
        Coverpoint("padding never wins", "a border window of negative values", _max_padding),), _max_run),
    PrimitiveDef("mean_pool2d", "sat(rshift(window sum, shift)); it does not divide",
                 _acc_points(_mean_acc, _out), _mean_run),
    PrimitiveDef("divide", "div_P(a, b, s): the reciprocal divide", (
        Coverpoint("differs from exact rounding", "the result is not floor(a·2^s/b + 1/2)", _div_inexact_tie),
        Coverpoint("product beyond 2^53", "|a|·r ≥ 2^53: the 53-bit rounding of venus and arcs applies", _div_big),),
        _div_run),
    PrimitiveDef("prelu", "x >= 0: sat(rshift(x, shift)); x < 0: sat(rshift(x, slope + shift))", (
        Coverpoint("positive tie", "a non-negative value meets an exact half",
                   lambda c: has_tie(*_prelu_part(c, False), negative=False)),
        Coverpoint("negative tie", "a negative value meets an exact half (rounds toward +inf)",
                   lambda c: has_tie(*_prelu_part(c, True), negative=True)),
        Coverpoint("saturates high", "a rounded value exceeds the result maximum",
                   lambda c: bool((rounding_shift(*_prelu_part(c, False)) > get_dtype(_out(c)).max).any())),
        Coverpoint("saturates low", "a rounded value is below the result minimum",
                   lambda c: bool((rounding_shift(*_prelu_part(c, True)) < get_dtype(_out(c)).min).any())),),
        _prelu_run),
    PrimitiveDef("relux", "min(max(rshift(x, shift), 0), x_max) into int8", (
        Coverpoint("positive tie", "the shift meets a positive exact half",
                   lambda c: has_tie(_data(c, 0), int(c.attrs["shift"]), negative=False)),
        Coverpoint("clamped", "a rounded value exceeds the threshold",
                   lambda c: bool((rounding_shift(_data(c, 0), int(c.attrs["shift"])) > int(c.attrs["x"])).any())),),
        _relux_run, platforms=("venusA", "arcs")),
)}


def run_primitive(name: str, inputs: Sequence[np.ndarray], attrs: Mapping[str, Any], platform: str) -> list:
    """Compute one primitive case (named errors as the primitive raises them)."""
    if name not in PRIMITIVES:
        raise errors.UnsupportedOp(f"no LUNA primitive named {name!r}")
    get_profile(platform)
    return PRIMITIVES[name].run(inputs, attrs, platform)
