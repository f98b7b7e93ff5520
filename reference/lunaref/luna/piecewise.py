"""GELU and SiLU ("swish") of venusA's libluna (spec/nonlinear.md §4): 16-segment piecewise-linear
functions of a Q27 int32 input.

Source: rule 1 — ``luna_gelu_i32o32/o16/o8`` and ``luna_swish_i32o32/o16/o8`` of thinker 3.0.4's venusA x86-64
simulator library (``executor/libs/venusa/linux64/libluna.a``), called directly and measured against the
tables below; the tables are linger 3.0.9's (``linger/quant/ops/qtensor/qgelu.py``, ``qswish.py``:
``VENUSA_*_BANDS``, ``*_SLOPE0S``, ``*_SLOPE1S``, ``*_BIASES``), which reproduce the simulator exactly.
Only venusA's libluna has these functions.

    a   = |x|  (2^31 − 1 for x = −2^31)
    i   = the segment with BANDS[i] < a ≤ BANDS[i+1]   (segment 0 includes a = 0)
    acc = x · (x ≥ 0 ? SLOPE_POS[i] : SLOPE_NEG[i]) + BIAS[i] · 2^30        Q54 (slopes Q27, biases Q24)
    y   = sat_out(rshift(acc, 54 − q))        q = 27 (int32), 11 (int16), 3 (int8): one rounding each
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import errors
from ..numerics import as_int, rounding_shift, saturate

__all__ = ["ACC_Q", "GELU", "OUT_Q", "SWISH", "TABLES", "PiecewiseTable", "accumulate", "gelu", "piecewise",
           "segment", "swish"]

_INT32_MIN, _INT32_MAX = -(1 << 31), (1 << 31) - 1


@dataclass(frozen=True)
class PiecewiseTable:
    """One function's table: 17 band edges on |x| (Q27), 16 slopes per input sign (Q27), 16 biases (Q24)."""

    name: str
    bands: tuple[int, ...]
    slopes_pos: tuple[int, ...]      # used for x ≥ 0 (linger's SLOPE0S)
    slopes_neg: tuple[int, ...]      # used for x < 0 (linger's SLOPE1S)
    biases: tuple[int, ...]


#: GELU (erf form, PyTorch ``approximate='none'``).  linger 3.0.9 ``quant/ops/qtensor/qgelu.py``
#: (``VENUSA_GELU_BANDS``, ``VENUSA_GELU_SLOPE0S``, ``VENUSA_GELU_SLOPE1S``, ``VENUSA_GELU_BIASES``); checked
#: against thinker 3.0.4's venusA simulator ``luna_gelu_i32o32/o16/o8`` (spec/nonlinear.md §4.5).
GELU = PiecewiseTable(
    "gelu",
    bands=(0, 14115017, 28375324, 42953268, 58054959, 73951497, 91038024, 109967415, 132036451, 160959227,
           226844274, 267242587, 306191336, 350131144, 407973369, 516356188, 2147483648),
    slopes_pos=(72728288, 83897176, 94867369, 105507160, 115674329, 125208681, 133918928, 141554901,
                147729276, 151456513, 147845039, 143733750, 139917095, 136824421, 134818073, 134217887),
    slopes_neg=(61489440, 50320552, 39350359, 28710568, 18543399, 9009047, 298800, -7337173, -13511548,
                -17238785, -13627311, -9516022, -5699367, -2606693, -600345, -159),
    biases=(-10758, -157495, -447240, -872623, -1421992, -2078164, -2815981, -3596982, -4354386, -4913744,
            -4157062, -3134007, -2046605, -1040047, -281784, -3183),
)

#: SiLU / swish ``x · sigmoid(x)``.  linger 3.0.9 ``quant/ops/qtensor/qswish.py`` (``VENUSA_SWISH_BANDS``,
#: ``VENUSA_SWISH_SLOPE0S``, ``VENUSA_SWISH_SLOPE1S``, ``VENUSA_SWISH_BIASES``); checked against thinker
#: 3.0.4's venusA simulator ``luna_swish_i32o32/o16/o8`` (spec/nonlinear.md §4.5).
SWISH = PiecewiseTable(
    "swish",
    bands=(0, 24654376, 49696796, 75597255, 102943334, 132562612, 165787474, 205189411, 257698662, 386828914,
           411601113, 503293022, 600623812, 719278864, 886211418, 1200463913, 2147483648),
    slopes_pos=(73253038, 85425077, 97268252, 108569000, 119102644, 128623281, 136842248, 143368061,
                147330902, 146163034, 144088169, 140854555, 138082720, 135988566, 134689659, 134226579),
    slopes_neg=(60964690, 48792651, 36949476, 25648728, 15115084, 5594447, -2624520, -9150333, -13113174,
                -11945306, -9870441, -6636827, -3864992, -1770838, -471931, -8851),
    biases=(-18406, -297641, -845322, -1640240, -2649106, -3823039, -5089876, -6333243, -7277526, -6866303,
            -6053889, -4539545, -2991709, -1593178, -528753, -24754),
)

TABLES = {"gelu": GELU, "swish": SWISH}

#: Fraction bits of each output form (``luna_<f>_i32o32`` Q27, ``_i32o16`` Q11, ``_i32o8`` Q3); the Q54
#: accumulator is shifted by ``54 − q`` in one rounding (measured: not via the Q27 result).
OUT_Q = {"int32": 27, "int16": 11, "int8": 3}
ACC_Q = 54


def _int32_input(x: Any) -> np.ndarray:
    a = as_int(x)
    if a.dtype == object or (a.size and (int(a.min()) < _INT32_MIN or int(a.max()) > _INT32_MAX)):
        raise errors.ValueOutOfRange("luna gelu/swish: inputs must be int32 values")
    return a.astype(np.int64)


def segment(x: Any, table: PiecewiseTable) -> np.ndarray:
    """The segment index 0 … 15 of each int32 ``x``: ``BANDS[i] < |x| ≤ BANDS[i+1]`` (|−2^31| taken as 2^31 − 1)."""
    a = _int32_input(x)
    mag = np.where(a == _INT32_MIN, _INT32_MAX, np.abs(a))
    return np.searchsorted(np.asarray(table.bands[1:], dtype=np.int64), mag, side="left")


def accumulate(x: Any, table: PiecewiseTable) -> np.ndarray:
    """The exact Q54 value ``x · slope + bias · 2^30`` of each int32 ``x`` (int64: |acc| < 2^59)."""
    a = _int32_input(x)
    i = segment(a, table)
    slope = np.where(a >= 0, np.asarray(table.slopes_pos, dtype=np.int64)[i],
                     np.asarray(table.slopes_neg, dtype=np.int64)[i])
    return a * slope + (np.asarray(table.biases, dtype=np.int64)[i] << 30)


def piecewise(x: Any, table: PiecewiseTable, out: str = "int32") -> np.ndarray:
    """``sat_out(rshift(acc, 54 − q_out))``: the function in Q27 (int32), Q11 (int16) or Q3 (int8)."""
    if out not in OUT_Q:
        raise errors.DTypeMismatch(f"luna {table.name}: output {out!r} (forms: {', '.join(OUT_Q)})")
    return saturate(rounding_shift(accumulate(x, table), ACC_Q - OUT_Q[out]), out)


def gelu(x: Any, out: str = "int32") -> np.ndarray:
    """``luna_gelu_i32o<bits>``: GELU of Q27 int32 values (venusA)."""
    return piecewise(x, GELU, out)


def swish(x: Any, out: str = "int32") -> np.ndarray:
    """``luna_swish_i32o<bits>``: SiLU (``x · sigmoid(x)``) of Q27 int32 values (venusA)."""
    return piecewise(x, SWISH, out)
