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
from . import activation, cnn, div, layernorm, matrix, piecewise, softmax, vector

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


def _softmax_run(inputs, attrs, platform):
    return [softmax.softmax(inputs[0], platform)]


def _softmax_diff(c):
    x = as_int(_data(c, 0))
    return x - x.max(axis=-1, keepdims=True)


def _softmax_sum(c):
    return softmax.exp_q23(np.maximum(_softmax_diff(c), -(1 << 31)), c.platform).sum(axis=-1)


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
    # spec/nonlinear.md §2: the same row semantics everywhere, each platform's exp step and reciprocal
    PrimitiveDef("softmax", "Q25 rows (last axis) → Q15: 2^(d·log2 e) by a Q23 polynomial, times a reciprocal "
                 "of the row sum", (
        Coverpoint("single element", "a row of one element (result 2^15 = 32768)", lambda c: _data(c, 0).shape[-1] == 1),
        Coverpoint("underflow", "an element whose result is 0", lambda c: bool((c.outputs[0].data == 0).any())),
        Coverpoint("tied maximum", "a row whose maximum occurs twice",
                   lambda c: bool(((_softmax_diff(c) == 0).sum(axis=-1) > 1).any())),
        Coverpoint("difference saturates", "x − max(x) below −2^31 (saturated)",
                   lambda c: bool((_softmax_diff(c) < -(1 << 31)).any())),
        Coverpoint("sum saturates", "a row sum of the exponentials at or above 2^31 (saturated)",
                   lambda c: bool((_softmax_sum(c) >= (1 << 31)).any())),), _softmax_run),
)}


def _rsqrt_run(inputs, attrs, platform):
    return [layernorm.layernorm_rsqrt(inputs[0], inputs[1])]


def _rsqrt_parts(c):
    """``(num · r, shift)`` of a layer-norm rsqrt case, rows broadcast."""
    r, q1 = layernorm.rsqrt_lookup(_data(c, 1))
    return as_int(_data(c, 0)) * r[..., None], np.maximum(q1 + 14 - layernorm.Q_NORMAL, 0)[..., None]


def _rsqrt_tie(c, negative: bool) -> bool:
    prod, s = _rsqrt_parts(c)
    return any(has_tie(prod[i], int(s[i, 0]), negative) for i in range(prod.shape[0]))


def _rsqrt_sat(c) -> bool:
    prod, s = _rsqrt_parts(c)
    return any(_beyond_int32(rounding_shift(prod[i], int(s[i, 0]))) for i in range(prod.shape[0]))


PRIMITIVES["layernorm_rsqrt"] = PrimitiveDef(   # spec/nonlinear.md §3: one algorithm on every platform
    "layernorm_rsqrt", "sat32(rshift(num · RSQ[t − 256], q1 − 1)): num · 2^15 / sqrt(D) by the 768-entry table", (
        Coverpoint("positive tie", "num · r meets a positive exact half", lambda c: _rsqrt_tie(c, False)),
        Coverpoint("negative tie", "num · r meets a negative exact half", lambda c: _rsqrt_tie(c, True)),
        Coverpoint("saturates", "a result beyond int32 (saturated)", _rsqrt_sat),
        Coverpoint("D zero", "D = 0: entry 0 (32767) and no shift", lambda c: bool((_data(c, 1) == 0).any())),
        Coverpoint("small D", "0 < D < 256: D normalised by a left shift",
                   lambda c: bool(((_data(c, 1) > 0) & (_data(c, 1) < 256)).any())),
        Coverpoint("D beyond 2^48", "D ≥ 2^48: the groups thinker 3.0.4 does not search (E-LAYERNORM-1)",
                   lambda c: bool((_data(c, 1) >= (1 << 48)).any())),), _rsqrt_run)



def _piecewise_row(table) -> PrimitiveDef:
    """spec/nonlinear.md §4: venusA's ``luna_<gelu|swish>_i32o<32|16|8>``, attribute ``out`` the result type."""
    inner = np.asarray(table.bands[1:16], dtype=np.int64)

    def run(inputs, attrs, platform):
        return [piecewise.piecewise(inputs[0], table, attrs.get("out", "int32"))]

    def mag(c):
        x = as_int(_data(c, 0))
        return np.where(x == -(1 << 31), (1 << 31) - 1, np.abs(x))

    def acc_tie(c, negative: bool) -> bool:
        return has_tie(piecewise.accumulate(_data(c, 0), table),
                       piecewise.ACC_Q - piecewise.OUT_Q[c.attrs.get("out", "int32")], negative)

    def beyond(c) -> bool:
        out = c.attrs.get("out", "int32")
        v = rounding_shift(piecewise.accumulate(_data(c, 0), table), piecewise.ACC_Q - piecewise.OUT_Q[out])
        return bool((v > get_dtype(out).max).any())

    return PrimitiveDef(table.name, f"luna_{table.name}: 16-segment piecewise-linear on |x| (Q27 in; Q27, Q11 or Q3 "
                        "out)", (
        Coverpoint("band edge", "|x| equals an inner band edge (the upper end of its segment)",
                   lambda c: bool(np.isin(mag(c), inner).any())),
        Coverpoint("above a band edge", "|x| is an inner band edge + 1 (the next segment)",
                   lambda c: bool(np.isin(mag(c), inner + 1).any())),
        Coverpoint("int32 minimum", "x = −2^31 (|x| taken as 2^31 − 1)",
                   lambda c: bool((as_int(_data(c, 0)) == -(1 << 31)).any())),
        Coverpoint("positive tie", "the Q54 value is a positive exact half at the output shift",
                   lambda c: acc_tie(c, False)),
        Coverpoint("negative tie", "the Q54 value is a negative exact half at the output shift",
                   lambda c: acc_tie(c, True)),
        Coverpoint("saturates high", "a rounded result exceeds the output maximum (int16, int8)", beyond),),
        run, platforms=("venusA",))


def _activation_row(kind: str) -> PrimitiveDef:
    """spec/nonlinear.md §1: ``luna_<kind>`` / ``luna_<kind>_int8`` (venus, int16 Q11 in) and
    ``luna_<kind>_i32o<32|16|8>`` (arcs, venusA; int32 Q27 in); attribute ``out`` the result type."""

    def run(inputs, attrs, platform):
        x = np.asarray(inputs[0])
        want = "int16" if activation.input_q(platform) == 11 else "int32"
        if x.dtype != np.dtype(want):
            raise errors.DTypeMismatch(f"luna {kind}: the input is {want} on {platform} (got {x.dtype})")
        return [activation.activation(kind, x, attrs.get("out", "int32"), platform)]

    def table(c):
        return activation.VENUS_SIGMOID if activation.input_q(c.platform) == 11 and kind == "sigmoid" else \
            activation.VENUS_TANH if activation.input_q(c.platform) == 11 else \
            activation.Q27_SIGMOID if kind == "sigmoid" else activation.Q27_TANH

    def mag(c):
        return np.abs(as_int(_data(c, 0)))

    def inner(c):
        return np.asarray(table(c).bands[1:16], dtype=np.int64)

    def shift(c):
        return activation.raw_q(c.platform) - (get_dtype(c.attrs.get("out", "int32")).bits - 1)

    def tie(c, negative: bool) -> bool:
        s = shift(c)
        return s > 0 and has_tie(activation.raw(kind, _data(c, 0), c.platform), s, negative)

    def beyond(c) -> bool:
        out = get_dtype(c.attrs.get("out", "int32"))
        return bool((rounding_shift(activation.raw(kind, _data(c, 0), c.platform), shift(c)) > out.max).any())

    points = (
        Coverpoint("band edge", "|x| equals an inner band edge (the upper end of its segment)",
                   lambda c: bool(np.isin(mag(c), inner(c)).any())),
        Coverpoint("above a band edge", "|x| is an inner band edge + 1 (the next segment)",
                   lambda c: bool(np.isin(mag(c), inner(c) + 1).any())),
        Coverpoint("last segment", "|x| beyond the last inner band edge (the flat tail up to ±16.0)",
                   lambda c: bool((mag(c) > inner(c)[-1]).any())),
        Coverpoint("type minimum", "x is the input type's minimum (−2^15 on venus, −2^31 on arcs and venusA)",
                   lambda c: bool((as_int(_data(c, 0)) == -(1 << (activation.input_q(c.platform) + 4))).any())),
        Coverpoint("positive tie", "the raw value is a positive exact half at the output's shift",
                   lambda c: tie(c, False)),
        Coverpoint("saturates high", "a rounded result exceeds the output maximum", beyond),
    )
    if kind == "tanh":
        points += (Coverpoint("negative tie", "the raw value is a negative exact half at the output's shift",
                              lambda c: tie(c, True)),)
    return PrimitiveDef(kind, f"luna_{kind}: 16-segment piecewise-linear on |x| (venus Q11 → Q15 / Q7; arcs, "
                        "venusA Q27 → Q31 / Q15 / Q7)", points, run)


PRIMITIVES["sigmoid"] = _activation_row("sigmoid")     # spec/nonlinear.md §1 (every platform, per-platform tables)
PRIMITIVES["tanh"] = _activation_row("tanh")


PRIMITIVES["gelu"] = _piecewise_row(piecewise.GELU)      # spec/nonlinear.md §4 (venusA only)
PRIMITIVES["swish"] = _piecewise_row(piecewise.SWISH)


def run_primitive(name: str, inputs: Sequence[np.ndarray], attrs: Mapping[str, Any], platform: str) -> list:
    """Compute one primitive case (named errors as the primitive raises them)."""
    if name not in PRIMITIVES:
        raise errors.UnsupportedOp(f"no LUNA primitive named {name!r}")
    get_profile(platform)
    return PRIMITIVES[name].run(inputs, attrs, platform)
