"""Mutation catalog: lunaref with one realistic porting bug each (spec/formats/vectors.md §7).

A conformance suite is worth what it catches.  Each mutant is the reference with one bug a port of
the LUNA arithmetic plausibly has — a bare ``>>`` instead of the rounding shift, a missing clamp, a
32-bit accumulator — made by replacing one or two reference functions while a case runs.
``lunaref conform --mutants`` runs a vector set against every mutant and prints the kill rate; a
mutant that no case kills means the set lacks a vector, and one must be added.
``--backend mutant:NAME`` runs a single mutant through the pytest suite, to see which cases catch it.

Equivalent mutants are left out.  ReLU applied *before* the rounding shift instead of after it is
one: the rounding shift and saturation are monotone and map 0 to 0, so ``max(·, 0)`` commutes with
both and no input can tell the two apart (tests/test_mutants.py checks the identity).  Its
non-equivalent cousin, ReLU before the bias is added, is in the catalog.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Mapping

import numpy as np

from .. import luna, numerics, ops, resource
from ..luna import cnn, matrix
from ..numerics import Rounding, as_int, rescale, rounding_shift, saturate, wrap
from ..ops import argmax as argmax_op, avgpool2dint as avgpool_op, conv2dint as conv_op, iqadd as iqadd_op
from ..ops import slice as slice_op, transpose as transpose_op
from ..platforms import PLATFORM_NAMES
from ..resource import weights
from ..tensor import Tensor
from .backend import ReferenceBackend
from .report import verdict

__all__ = ["Mutant", "MutantBackend", "CATALOG", "Outcome", "hunt", "replaced", "wrap"]

#: {reference function: its buggy replacement}
Replacements = Mapping[Callable, Callable]


@dataclass(frozen=True)
class Mutant:
    """One porting bug: ``build()`` returns the replacements that inject it."""

    name: str
    bug: str                                         # what the port does wrong, one line
    build: Callable[[], Replacements] = dataclasses.field(repr=False)
    platforms: tuple[str, ...] = PLATFORM_NAMES      # cases of these platforms run mutated

    def applied(self):
        return replaced(self.build())


CATALOG: dict[str, Mutant] = {}


def mutant(name: str, bug: str, platforms: Iterable[str] = PLATFORM_NAMES):
    """Register the decorated builder as the mutant ``name``."""
    def register(build: Callable[[], Replacements]) -> Callable[[], Replacements]:
        CATALOG[name] = Mutant(name, bug, build, tuple(platforms))
        return build
    return register


# --------------------------------------------------------------------------------------------
# Injection: rebind every reference to the original function for the duration of a case
# --------------------------------------------------------------------------------------------

def _reference_modules() -> list:
    """lunaref's computing modules, all imported first (a module imported while a mutant is applied
    would bind the mutant for good)."""
    for pkg in (luna, ops, resource):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            importlib.import_module(info.name)
    return [m for n, m in list(sys.modules.items())
            if m is not None and (n == "lunaref" or n.startswith("lunaref.")) and n != __name__]


@contextmanager
def replaced(replacements: Replacements) -> Iterator[None]:
    """Within the block, every module-level name bound to an original function (``from x import f``
    included) and every registry op whose implementation it is, refers to the replacement."""
    by_id = {id(original): new for original, new in replacements.items()}
    undo: list[Callable[[], None]] = []
    try:
        for module in _reference_modules():
            for name, value in list(vars(module).items()):
                if id(value) in by_id:
                    setattr(module, name, by_id[id(value)])
                    undo.append(lambda m=module, n=name, v=value: setattr(m, n, v))
        for op in ops.REGISTRY:
            original = op.impl
            if id(original) in by_id:
                object.__setattr__(op, "impl", by_id[id(original)])
                undo.append(lambda o=op, v=original: object.__setattr__(o, "impl", v))
        yield
    finally:
        for restore in reversed(undo):
            restore()


# --------------------------------------------------------------------------------------------
# The catalog
# --------------------------------------------------------------------------------------------

def _rounding_instead_of_half_up(mode: Rounding) -> Replacements:
    """Every half-up rounding — of a shift and of an exact quotient — uses ``mode`` instead."""
    shift_ref, divide_ref = numerics.shift_round, numerics.divide_round

    def shift_round(v, s, m=Rounding.HALF_UP):
        return shift_ref(v, s, mode if numerics.rounding(m) is Rounding.HALF_UP else m)

    def divide_round(n, d, m=Rounding.HALF_UP):
        return divide_ref(n, d, mode if numerics.rounding(m) is Rounding.HALF_UP else m)

    return {shift_ref: shift_round, divide_ref: divide_round}


ROUNDING_BUGS = {
    Rounding.FLOOR: "a bare arithmetic shift v >> s (rounds down) instead of the rounding shift",
    Rounding.TRUNC: "rounds toward zero (C integer division v / 2^s) instead of half up",
    Rounding.HALF_EVEN: "rounds ties to even (numpy.round, IEEE) instead of half up",
    Rounding.HALF_AWAY: "rounds ties away from zero (C round()) instead of half up",
}
for _mode, _bug in ROUNDING_BUGS.items():
    mutant(f"round-{_mode.value.replace('_', '-')}", _bug)(lambda m=_mode: _rounding_instead_of_half_up(m))


def _wrapping_saturate() -> Replacements:
    def saturate(v, to):
        to = numerics.dtype(to)
        return wrap(v, to.bits).astype(to.storage)

    return {numerics.saturate: saturate}


mutant("wrap", "wraps (two's complement) where the spec saturates")(_wrapping_saturate)
for _p in PLATFORM_NAMES:
    mutant(f"no-saturation@{_p}", f"the {_p} kernels wrap instead of saturating (one platform's clamp "
           "dropped)", platforms=(_p,))(_wrapping_saturate)
del _mode, _bug, _p


def _accumulator(bits: int) -> Replacements:
    conv_acc, mm_acc = cnn.conv2d_acc, matrix.mat_mul_acc

    def conv2d_acc(*args, **kwargs):
        return wrap(conv_acc(*args, **kwargs), bits)

    def mat_mul_acc(*args, **kwargs):
        return wrap(mm_acc(*args, **kwargs), bits)

    return {conv_acc: conv2d_acc, mm_acc: mat_mul_acc}


mutant("acc16", "accumulates convolutions and matrix products in 16 bits, which overflow")(
    lambda: _accumulator(16))
mutant("acc32", "accumulates convolutions and matrix products in 32 bits, which overflow")(
    lambda: _accumulator(32))


@mutant("bias-after-shift", "adds the bias to the shifted result instead of to the accumulator")
def _bias_after_shift() -> Replacements:
    conv, mm = cnn.conv2d, matrix.mat_mul

    def conv2d(x, w, bias, *, shift, out, platform, relu=False, **geometry):
        conv(x, w, bias, shift=shift, out=out, platform=platform, relu=relu, **geometry)  # the same checks
        y = rounding_shift(cnn.conv2d_acc(x, w, None, **geometry), shift)
        if bias is not None:
            y = y + as_int(bias).reshape(1, -1, 1, 1)
        y = saturate(y, out)
        return np.maximum(y, 0).astype(y.dtype) if relu else y

    def mat_mul(a, b, shift, out, platform, bias=None):
        mm(a, b, shift, out, platform, bias=bias)                                         # the same checks
        y = rounding_shift(matrix.mat_mul_acc(a, b), shift)
        return saturate(y if bias is None else y + as_int(bias), out)

    return {conv: conv2d, mm: mat_mul}


@mutant("relu-before-bias", "applies a convolution's fused ReLU to the accumulator before adding the bias")
def _relu_before_bias() -> Replacements:
    conv = cnn.conv2d

    def conv2d(x, w, bias, *, shift, out, platform, relu=False, **geometry):
        conv(x, w, bias, shift=shift, out=out, platform=platform, relu=relu, **geometry)  # the same checks
        acc = cnn.conv2d_acc(x, w, None, **geometry)
        if relu:
            acc = np.maximum(acc, 0)
        if bias is not None:
            acc = acc + as_int(bias).reshape(1, -1, 1, 1)
        return saturate(rounding_shift(acc, shift), out)

    return {conv: conv2d}


@mutant("maxpool-zero-pad", "max pooling pads with zeros, so padding wins over negative windows")
def _maxpool_zero_pad() -> Replacements:
    def max_pool2d(x, kernel, strides, pads, ceil_mode=False):
        x = np.asarray(x)
        win = cnn.windows(as_int(x), kernel, strides, pads, ceil_mode=ceil_mode, fill=0)
        return win.max(axis=(4, 5)).astype(x.dtype)

    return {cnn.max_pool2d: max_pool2d}


@mutant("pad-off-by-one", "windows start one row and one column late: a top/left pad p is applied as p − 1 "
        "(and the bottom/right one as p + 1)")
def _pad_off_by_one() -> Replacements:
    ref = cnn.windows

    def windows(x, kernel, strides, pads, dilations=(1, 1), ceil_mode=False, fill=0):
        pt, pl, pb, pr = pads
        late = (max(pt - 1, 0), max(pl - 1, 0), pb + (pt > 0), pr + (pl > 0))
        return ref(x, kernel, strides, late, dilations, ceil_mode, fill)

    return {ref: windows}


@mutant("iqadd-single-rescale", "iqAdd adds the raw operands and rescales the sum once, by the first "
        "operand's shift, instead of rescaling each operand")
def _iqadd_single_rescale() -> Replacements:
    ref = iqadd_op.iqadd

    def iqadd(inputs, outputs, attrs, profile):
        ref(inputs, outputs, attrs, profile)                                            # the same checks
        (x1, x2), (y,) = inputs, outputs
        total = as_int(x1.data) + as_int(x2.data)
        return [Tensor.of(saturate(rescale(total, x1.exponent - y.exponent), y.dtype), y.dtype, y.exponent)]

    return {ref: iqadd}


@mutant("weight-grouping", "unpacks packed convolution weights with the other platforms' output-channel "
        "grouping (2 where it is 4, 4 where it is 2)")
def _weight_grouping() -> Replacements:
    ref = weights.unpack_conv

    def unpack_conv(packed, oc, ic, kh, kw, prof):
        return ref(packed, oc, ic, kh, kw, dataclasses.replace(prof, conv_weight_group=6 - prof.conv_weight_group))

    return {ref: unpack_conv}


@mutant("left-scale-dropped", "treats a negative shift (an exact scale up) as no shift at all")
def _left_scale_dropped() -> Replacements:
    def scale_pow2(v, k):
        return as_int(v)

    return {numerics.scale_pow2: scale_pow2}


@mutant("avgpool-exclude-pad", "average pooling divides border windows by their unpadded element count "
        "(ONNX count_include_pad = 0) instead of the kernel area")
def _avgpool_exclude_pad() -> Replacements:
    ref = avgpool_op.avgpool2dint

    def avgpool2dint(inputs, outputs, attrs, profile):
        ref(inputs, outputs, attrs, profile)                                            # the same checks
        (x,), (y,) = inputs, outputs
        kernel, strides, pads, ceil_mode = avgpool_op.attributes(attrs)
        sums = luna.sum_pool2d(x.data, kernel, strides, pads, ceil_mode)
        counts = luna.sum_pool2d(np.ones_like(x.data), kernel, strides, pads, ceil_mode)
        d = x.exponent - y.exponent
        acc = np.zeros(sums.shape, dtype=np.int64)
        for k in map(int, np.unique(counts)):                         # a few distinct window sizes
            at = counts == k
            acc[at] = (rescale(sums[at], k.bit_length() - 1 + d) if k & (k - 1) == 0
                       else rescale(luna.divide(sums[at], k, 0, profile), d))
        return [Tensor.of(saturate(acc, y.dtype), y.dtype, y.exponent)]

    return {ref: avgpool2dint}


@mutant("conv-limits-unchecked", "accepts convolutions beyond the platform's kernel, pad, stride and "
        "dilation limits instead of rejecting them")
def _conv_limits_unchecked() -> Replacements:
    ref = conv_op.attributes

    def attributes(attrs, w_shape, profile):
        unlimited = dataclasses.replace(profile, conv_max_kernel=1 << 30, conv_max_pad=1 << 30,
                                        conv_strides=frozenset(range(1, 65)), conv_dilations=frozenset(range(1, 65)))
        return ref(attrs, w_shape, unlimited)

    return {ref: attributes}


@mutant("quant-float64", "Quant rounds floor(x·2^e + 1/2) in float64, without thinker's float32 steps")
def _quant_float64() -> Replacements:
    ref = numerics.quantize

    def quantize(x, e, to="int8"):
        ref(x, e, to)                                                                   # the same checks
        to = numerics.dtype(to)
        p = np.floor(np.asarray(x, dtype=np.float64) * 2.0 ** int(e) + 0.5)
        return np.clip(p, to.min, to.max).astype(np.int64).astype(to.storage)

    return {ref: quantize}


@mutant("slice-step-ignored", "Slice ignores its steps and copies consecutive elements (as thinker 3.0.4 does, "
        "errata E-SLICE-1)")
def _slice_step_ignored() -> Replacements:
    ref = slice_op._params

    def _params(inputs):
        x, starts, ends, axes, steps = ref(inputs)
        return x, starts, ends, axes, [1] * len(steps)

    return {ref: _params}


@mutant("transpose-perm-inverted", "Transpose applies the inverse permutation (reads perm as destination axes)")
def _transpose_perm_inverted() -> Replacements:
    ref = transpose_op.permutation

    def permutation(rank, attrs):
        return [int(a) for a in np.argsort(ref(rank, attrs))]

    return {ref: permutation}


@mutant("argmax-last-on-tie", "ArgMax, topN and topN2 take the last position of a repeated maximum (a >= comparison)")
def _argmax_last_on_tie() -> Replacements:
    ref = argmax_op.first_max

    def first_max(rows):
        last = rows.shape[-1] - 1 - np.argmax(rows[..., ::-1], axis=-1)
        return np.take_along_axis(rows, last[..., None], axis=-1)[..., 0], last

    return {ref: first_max}


# --------------------------------------------------------------------------------------------
# Running the catalog
# --------------------------------------------------------------------------------------------

class MutantBackend(ReferenceBackend):
    """The reference with one mutant applied to the cases of the mutant's platforms."""

    def __init__(self, m: Mutant | str) -> None:
        if isinstance(m, str):
            from .. import errors

            if m not in CATALOG:
                raise errors.BadArgument(f"unknown mutant {m!r} (known: {', '.join(CATALOG)})")
            m = CATALOG[m]
        self.mutant = m
        self.name = f"mutant:{m.name}"

    def run(self, case):
        if case.platform not in self.mutant.platforms:
            return super().run(case)
        with self.mutant.applied():
            return super().run(case)


@dataclass
class Outcome:
    """How the vector set fared against one mutant."""

    mutant: Mutant
    cases: int                           # cases run
    killers: list[tuple[str, str]]       # (case id, why it failed) for each case that caught the mutant

    @property
    def killed(self) -> bool:
        return bool(self.killers)


def hunt(cases, mutants: Iterable[Mutant] | None = None) -> list[Outcome]:
    """Run every case (VectorCase objects) against every mutant.  A case kills a mutant when the
    mutant fails it: different outputs, a wrong or missing error, or a crash."""
    out = []
    for m in (CATALOG.values() if mutants is None else mutants):
        backend = MutantBackend(m)
        killers, ran = [], 0
        for case in cases:
            if not backend.supports(case.level, case.op, case.platform):
                continue
            ran += 1
            try:
                why = verdict(case, backend)
            except Exception as exc:  # a crashing port fails the case too
                why = f"crashed: {type(exc).__name__}: {exc}"
            if why:
                killers.append((case.id, why))
        out.append(Outcome(m, ran, killers))
    return out
