"""Helpers shared by op modules: REQUIRE checks and coverpoint predicates over accumulators."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import errors
from ..numerics import DType, as_int, rescale
from ..platforms import PROFILES
from .registry import Coverpoint

__all__ = ["ints", "has_tie", "saturates", "require_rank", "require_same_shape", "platforms_with",
           "mac_shift", "accumulator_coverpoints", "rounding_coverpoints", "rescaled_pair_coverpoints"]


def ints(values: Sequence[Any], n: int, what: str) -> tuple[int, ...]:
    """``n`` non-negative integers from an attribute (a list or tuple), or UnsupportedAttribute."""
    try:
        out = tuple(int(v) for v in values)
    except (TypeError, ValueError):
        raise errors.UnsupportedAttribute(f"{what} must be {n} integers (got {values!r})") from None
    if len(out) != n or any(v < 0 for v in out):
        raise errors.UnsupportedAttribute(f"{what} must be {n} non-negative integers (got {list(out)})")
    return out


def require_rank(op: str, t, rank: int, what: str) -> None:
    if len(t.shape) != rank:
        raise errors.ShapeMismatch(f"{op}: {what} must have rank {rank} (got shape {list(t.shape)})")


def require_same_shape(op: str, a, b) -> None:
    if tuple(a.shape) != tuple(b.shape):
        raise errors.ShapeMismatch(f"{op}: operand shapes differ ({list(a.shape)} vs {list(b.shape)})")


def has_tie(acc: Any, shift: int, negative: bool) -> bool:
    """Does dropping ``shift`` bits from ``acc`` meet an exact half, on the given sign?"""
    if shift <= 0:
        return False
    v = as_int(acc).reshape(-1)
    half = 1 << (shift - 1)
    rem = v - ((v >> shift) << shift)
    tie = rem == half
    return bool(np.any(tie & ((v < 0) if negative else (v > 0))))


def saturates(acc: Any, shift: int, to: DType, high: bool) -> bool:
    """Does ``rescale(acc, shift)`` leave ``to``'s range at the top (``high``) or the bottom?"""
    v = rescale(acc, shift).reshape(-1)
    if v.size == 0:
        return False
    return int(v.max()) > to.max if high else int(v.min()) < to.min


def platforms_with(attr: str, value: str) -> tuple[str, ...]:
    """Platforms whose profile lists ``value`` in the capability set ``attr``."""
    return tuple(p.name for p in PROFILES.values() if value in getattr(p, attr))


def mac_shift(c) -> int:
    """The shift of a multiply-accumulate op: ``e(X) + e(W) − e(Y)`` (inputs 0 and 1, output 0)."""
    return c.inputs[0].exponent + c.inputs[1].exponent - c.outputs[0].exponent


def rounding_coverpoints(acc: Callable[[Any], Any], shift: Callable[[Any], int],
                         out: Callable[[Any], DType]) -> tuple[Coverpoint, ...]:
    """Ties of both signs and saturation at both ends of an exact accumulator ``acc(case)`` rounded by
    ``shift(case)`` into ``out(case)`` — the coverpoints every rounding-shift computation shares."""
    return (
        Coverpoint("positive tie", "an accumulator is a positive exact half after the shift",
                   lambda c: has_tie(acc(c), shift(c), negative=False)),
        Coverpoint("negative tie", "an accumulator is a negative exact half after the shift",
                   lambda c: has_tie(acc(c), shift(c), negative=True)),
        Coverpoint("saturates high", "a rounded accumulator exceeds the output maximum",
                   lambda c: saturates(acc(c), shift(c), out(c), high=True)),
        Coverpoint("saturates low", "a rounded accumulator is below the output minimum",
                   lambda c: saturates(acc(c), shift(c), out(c), high=False)),
    )


def rescaled_pair_coverpoints(combine: Callable[[Any, Any], Any], result: str) -> tuple[Coverpoint, ...]:
    """The coverpoints of a binary op whose two operands are each rescaled to the output exponent and then
    combined (iqAdd: ``+``, the "sum"; iqSub: ``−``, the "difference")."""
    def rescaled(c):
        y = c.outputs[0]
        return [rescale(x.data, x.exponent - y.exponent) for x in c.inputs]

    def tie(c, negative: bool) -> bool:
        y = c.outputs[0]
        return any(has_tie(x.data, x.exponent - y.exponent, negative) for x in c.inputs)

    return (
        Coverpoint("positive tie", "rescaling an operand meets a positive exact half", lambda c: tie(c, False)),
        Coverpoint("negative tie", "rescaling an operand meets a negative exact half", lambda c: tie(c, True)),
        Coverpoint("saturates high", f"the {result} exceeds the output maximum",
                   lambda c: bool((combine(*rescaled(c)) > c.outputs[0].dtype.max).any())),
        Coverpoint("saturates low", f"the {result} is below the output minimum",
                   lambda c: bool((combine(*rescaled(c)) < c.outputs[0].dtype.min).any())),
        Coverpoint("both rescaled", "both operands differ from the output exponent",
                   lambda c: all(x.exponent != c.outputs[0].exponent for x in c.inputs)),
        Coverpoint("scaled up", "an operand has fewer fraction bits than the output (exact left scale)",
                   lambda c: any(x.exponent < c.outputs[0].exponent for x in c.inputs)),
    )


def accumulator_coverpoints(acc: Callable[[Any], Any]) -> tuple[Coverpoint, ...]:
    """The coverpoints every multiply-accumulate op shares, over its exact accumulator ``acc(case)``."""
    return rounding_coverpoints(acc, mac_shift, lambda c: c.outputs[0].dtype) + (
        Coverpoint("negative shift", "e(X) + e(W) < e(Y): the accumulator is scaled up exactly",
                   lambda c: mac_shift(c) < 0),
    )
