"""The LUNA sigmoid and tanh (spec/nonlinear.md §1): 16-segment piecewise-linear functions of |x|.

Source: rule 1 — thinker 3.0.4's x86-64 simulator libraries, measured: venus ``luna_sigmoid``, ``luna_sigmoid_int8``,
``luna_tanh``, ``luna_tanh_int8`` (int16 Q11 in, ``executor/core/ops/venus/luna/luna_misc_math.h``); arcs
``luna_{sigmoid,tanh}_i32o{32,8}`` and venusA ``luna_{sigmoid,tanh}_i32o{32,16,8}`` (int32 Q27 in,
``executor/core/ops/{arcs,venusA}/luna/luna_misc_math.h``).  The tables are linger 3.0.9's
(``linger/kernel/cpu/{venus,arcs,venusa}_q{sigmoid,tanh}_kernel.cpp``), which reproduce the simulators exactly
(spec/nonlinear.md §1.6).

Each platform computes one *raw* value per element, then every output form is one rounding of it:

    venus   (Q11 → raw Q15)   k = segment of |x|;  σ: ⌊S[k]·x / 2^sh[k]⌋ + (x<0 ? B1[k] : B0[k])
                                                   tanh: ±(⌊±T[k]·|x| / 2^sh[k]⌋ + TB[k])     (floor of the signed product)
    arcs    (Q27 → raw Q31)   σ: ⌊S[k]·x / 2^27⌋ + (x<0 ? B1[k] : B0[k])         Q31 biases
                              tanh: ⌊T[k]·|x| / 2^27⌋ + TB[k]  (x ≥ 0),  ⌊−T[k]·|x| / 2^27⌋ − TB[k]  (x < 0)
    venusA  (Q27 → raw Q58)   σ: S[k]·x + (x<0 ? B1[k] : B0[k])·2^30              Q28 biases, exact
                              tanh: ±(T[k]·|x| + TB[k]·2^30)
    output of b bits:         sat_b(rshift(raw, q_raw − (b − 1)))                 Q7 / Q15 / Q31

``rshift`` is the LUNA rounding shift (half up).  On venus the raw value is also the int16 result (shift 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import errors
from ..numerics import as_int, dtype, rounding_shift, saturate
from ..platforms import Profile
from ..platforms import profile as get_profile

__all__ = ["ARCS_BIASES", "KINDS", "Q27_SIGMOID", "Q27_TANH", "VENUSA_BIASES", "VENUS_SIGMOID", "VENUS_TANH",
           "activation", "input_q", "output_types", "raw", "raw_q", "segment", "sigmoid", "tanh"]

KINDS = ("sigmoid", "tanh")

_I32_MIN, _I32_MAX = -(1 << 31), (1 << 31) - 1


@dataclass(frozen=True)
class SegmentTable:
    """Band edges on |x| (``bands[k] < |x| ≤ bands[k+1]`` selects segment k; segment 0 also holds 0) and one
    slope per segment.  ``shifts``: venus's per-segment divisor exponent (None: the Q27 tables, shift 27)."""

    name: str
    bands: tuple[int, ...]
    slopes: tuple[int, ...]
    shifts: tuple[int, ...] | None = None


# ----------------------------------------------------------------------------------------------
# venus: Q11 in, Q15 out.  linger 3.0.9 kernel/cpu/venus_qsigmoid_kernel.cpp, venus_qtanh_kernel.cpp
# (bands, slopes, bias0s, bias1s / biass); the shift is 13, 14, 16, 19 (sigmoid) and 11, 12, 14, 18 (tanh) for
# segments 0–4, 5–8, 9–12, 13–15.  Checked on all 65 536 int16 inputs of venus luna_sigmoid / luna_tanh.
# ----------------------------------------------------------------------------------------------

VENUS_SIGMOID = SegmentTable(
    "sigmoid",
    bands=(0, 971, 1699, 2347, 2974, 3614, 4291, 5026, 5861, 6831, 7864, 8987, 10375, 11594, 13168, 14730, 32768),
    slopes=(32316, 29471, 25891, 22068, 18225, 29057, 22206, 16113, 10881, 27353, 16611, 9242, 4618, 20670, 8610,
            693),
    shifts=(13,) * 5 + (14,) * 4 + (16,) * 4 + (19,) * 3,
)
#: venus sigmoid biases (Q15) for x ≥ 0 and x < 0; ``B0[k] + B1[k] = 32768`` for every segment.
VENUS_SIGMOID_BIAS_POS = (16384, 16721, 17464, 18559, 19954, 21585, 23380, 25249, 27121, 28807, 30096, 31107, 31839,
                          32199, 32502, 32724)
VENUS_SIGMOID_BIAS_NEG = (16384, 16047, 15304, 14209, 12814, 11183, 9388, 7519, 5647, 3961, 2672, 1661, 929, 569,
                          266, 44)

VENUS_TANH = SegmentTable(
    "tanh",
    bands=(0, 512, 888, 1226, 1558, 1899, 2264, 2670, 3146, 3734, 4297, 4761, 5466, 6151, 7193, 8093, 32768),
    slopes=(32266, 29154, 25374, 21309, 17272, 26886, 19904, 13765, 8599, 19497, 12047, 7324, 3373, 26820, 5531, 337),
    shifts=(11,) * 5 + (12,) * 4 + (14,) * 4 + (18,) * 3,
)
#: venus tanh bias (Q15), one per segment (both signs).
VENUS_TANH_BIAS = (0, 778, 2417, 4851, 7922, 11474, 15334, 19335, 23303, 26699, 28653, 30026, 31344, 31981, 32565,
                   32725)

# ----------------------------------------------------------------------------------------------
# arcs and venusA: Q27 in.  Bands and Q31 slopes are shared: linger 3.0.9 kernel/cpu/arcs_q*_kernel.cpp and
# venusa_q*_kernel.cpp (identical ``bands`` / ``slopes``).  Checked on every int32 input of the simulators.
# ----------------------------------------------------------------------------------------------

Q27_SIGMOID = SegmentTable(
    "sigmoid",
    bands=(0, 63656107, 111395083, 153816608, 194953701, 236865036, 281253298, 329433241, 384154475, 447714743,
           515399149, 589016819, 679940425, 759830874, 862986200, 965402453, 2147483648),
    slopes=(529475578, 482862538, 424212188, 361565531, 298613704, 238039992, 181912633, 132002182, 89144402,
            56020914, 34019888, 18928477, 9459126, 5291645, 2204341, 177654),
)
Q27_TANH = SegmentTable(
    "tanh",
    bands=(0, 33584191, 58182438, 80361293, 102120620, 124483371, 148392654, 174972063, 206183541, 244722657,
           281591256, 312045360, 358241226, 403095772, 471425623, 530372454, 2147483648),
    slopes=(2114623134, 1910645334, 1662969581, 1396521636, 1131979061, 881027392, 652221876, 451080022, 281798391,
            159724746, 98692663, 60001039, 27632752, 13732196, 2832019, 172634),
)

#: arcs biases, Q31: sigmoid for x ≥ 0 / x < 0 (their sum is 2^31 in every segment) and tanh.
#: linger 3.0.9 ``arcs_qsigmoid_kernel.cpp`` (bias0s, bias1s), ``arcs_qtanh_kernel.cpp`` (biass).
ARCS_BIASES = {
    "sigmoid": ((1073741824, 1095849221, 1144526551, 1216321063, 1307759740, 1414659140, 1532274042, 1654777693,
                 1777444109, 1887935281, 1972419725, 2038648643, 2086619912, 2110212774, 2130063364, 2144640936),
                (1073741824, 1051634427, 1002957097, 931162585, 839723908, 732824508, 615209606, 492705955,
                 370039539, 259548367, 175063923, 108835005, 60863736, 37270874, 17420284, 2842712)),
    "tanh": ((0, 51039676, 158405367, 317937954, 519217264, 751968259, 1004938252, 1267155516, 1527203771,
              1749783808, 1877830237, 1967785133, 2054179492, 2095926998, 2134212723, 2144721503),) * 2,
}
#: venusA biases, Q28 (each ⌊arcs bias / 8⌋): linger 3.0.9 ``venusa_qsigmoid_kernel.cpp`` (bias0s, bias1s),
#: ``venusa_qtanh_kernel.cpp`` (biass).
VENUSA_BIASES = {
    "sigmoid": ((134217728, 136981152, 143065818, 152040132, 163469967, 176832392, 191534255, 206847211, 222180513,
                 235991910, 246552465, 254831080, 260827489, 263776596, 266257920, 268080117),
                (134217728, 131454303, 125369637, 116395323, 104965488, 91603063, 76901200, 61588244, 46254942,
                 32443545, 21882990, 13604375, 7607967, 4658859, 2177535, 355339)),
    "tanh": ((0, 6379959, 19800670, 39742244, 64902158, 93996032, 125617281, 158394439, 190900471, 218722976,
              234728779, 245973141, 256772436, 261990874, 266776590, 268090187),) * 2,
}

#: Per form (``Profile.activation_form``): fraction bits of the input and of the raw value, and the result
#: types the platform's libluna offers.
_FORMS = {
    "q11_q15": (11, 15, ("int16", "int8")),            # venus
    "q27_q31": (27, 31, ("int32", "int8")),            # arcs: no o16 form
    "q27_q58": (27, 58, ("int32", "int16", "int8")),   # venusA
}


def _form(platform: str | Profile) -> str:
    return get_profile(platform).activation_form


def input_q(platform: str | Profile) -> int:
    """Fraction bits of the functions' input: 11 (venus), 27 (arcs, venusA)."""
    return _FORMS[_form(platform)][0]


def raw_q(platform: str | Profile) -> int:
    """Fraction bits of the raw value every output form rounds: 15 (venus), 31 (arcs), 58 (venusA)."""
    return _FORMS[_form(platform)][1]


def output_types(platform: str | Profile) -> tuple[str, ...]:
    """The result types of the platform's sigmoid / tanh primitives."""
    return _FORMS[_form(platform)][2]


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise errors.BadArgument(f"luna activation: unknown function {kind!r} (expected sigmoid or tanh)")
    return kind


def _values(x: Any, lo: int, hi: int, what: str) -> np.ndarray:
    a = as_int(x)
    if a.dtype == object or (a.size and (int(a.min()) < lo or int(a.max()) > hi)):
        raise errors.ValueOutOfRange(f"luna sigmoid/tanh: inputs must be {what} values")
    return a.astype(np.int64)


def segment(x: Any, table: SegmentTable) -> np.ndarray:
    """Segment index of each value: ``bands[k] < |x| ≤ bands[k+1]`` (k = 0 also for x = 0); 16 beyond the last
    band (venus only: |x| > 32768 reaches no segment)."""
    a = np.abs(as_int(x))
    return np.searchsorted(np.asarray(table.bands[1:], dtype=np.int64), a, side="left")


def _venus_raw(kind: str, x: np.ndarray) -> np.ndarray:
    """venus, Q11 → Q15.  Values beyond ±32768 (only reachable by callers with wider Q11 values, e.g. the
    recurrent cells of linger) select no segment: slope, bias and shift are 0, the result 0."""
    if kind == "sigmoid":
        k = segment(x, VENUS_SIGMOID)
        inside = k < 16
        k = np.minimum(k, 15)
        slope = np.asarray(VENUS_SIGMOID.slopes, dtype=np.int64)[k]
        shift = np.asarray(VENUS_SIGMOID.shifts, dtype=np.int64)[k]
        bias = np.where(x < 0, np.asarray(VENUS_SIGMOID_BIAS_NEG, dtype=np.int64)[k],
                        np.asarray(VENUS_SIGMOID_BIAS_POS, dtype=np.int64)[k])
        y = ((slope * x) >> shift) + bias
    else:
        mag = np.where(x == -32768, 32767, np.abs(x))             # |−32768| is taken as 32767
        k = segment(mag, VENUS_TANH)
        inside = k < 16
        k = np.minimum(k, 15)
        p = np.asarray(VENUS_TANH.slopes, dtype=np.int64)[k] * mag
        shift = np.asarray(VENUS_TANH.shifts, dtype=np.int64)[k]
        bias = np.asarray(VENUS_TANH_BIAS, dtype=np.int64)[k]
        y = np.where(x < 0, ((-p) >> shift) - bias, (p >> shift) + bias)
    return np.where(inside, y, 0)


def _q27_raw(kind: str, x: np.ndarray, exact: bool) -> np.ndarray:
    """arcs (``exact`` False: Q31, the product floored by 2^27) or venusA (True: the exact Q58 value)."""
    table = Q27_SIGMOID if kind == "sigmoid" else Q27_TANH
    pos, neg = (VENUSA_BIASES if exact else ARCS_BIASES)[kind]
    mag = np.where(x == _I32_MIN, _I32_MAX, np.abs(x))            # |−2^31| taken as 2^31 − 1 (same segment)
    k = np.minimum(segment(mag, table), 15)
    slope = np.asarray(table.slopes, dtype=np.int64)[k]
    if kind == "sigmoid":
        bias = np.where(x < 0, np.asarray(neg, dtype=np.int64)[k], np.asarray(pos, dtype=np.int64)[k])
        return slope * x + (bias << 30) if exact else ((slope * x) >> 27) + bias
    bias = np.asarray(pos, dtype=np.int64)[k]
    p = slope * mag                                               # < 2^57 in every segment
    if exact:
        return np.where(x < 0, -(p + (bias << 30)), p + (bias << 30))
    return np.where(x < 0, ((-p) >> 27) - bias, (p >> 27) + bias)


def raw(kind: str, x: Any, platform: str | Profile) -> np.ndarray:
    """The raw value (int64) at ``raw_q(platform)`` fraction bits: venus Q15, arcs Q31, venusA Q58.

    Inputs: int32 values in the platform's input format (Q11 / Q27).  venus's libluna takes int16; wider Q11
    values give 0 beyond ±32768, as linger 3.0.9's venus kernels do (spec/nonlinear.md §1.4)."""
    kind = _kind(kind)
    x = _values(x, _I32_MIN, _I32_MAX, "int32")
    form = _form(platform)
    if form == "q11_q15":
        return _venus_raw(kind, x)
    return _q27_raw(kind, x, exact=form == "q27_q58")


def activation(kind: str, x: Any, out: str, platform: str | Profile) -> np.ndarray:
    """One libluna call: ``luna_<kind>[_int8]`` (venus, int16 Q11 in) or ``luna_<kind>_i32o<bits>`` (arcs,
    venusA; int32 Q27 in): ``sat_out(rshift(raw, q_raw − (bits − 1)))`` in Q(bits − 1)."""
    out = dtype(out).name
    prof = get_profile(platform)
    if out not in output_types(prof):
        raise errors.UnsupportedOnPlatform(f"luna {kind}: no {out} result on {prof.name} "
                                           f"(forms: {', '.join(output_types(prof))})")
    if input_q(prof) == 11:
        _values(x, -(1 << 15), (1 << 15) - 1, "int16")
    r = raw(kind, x, prof)
    return saturate(rounding_shift(r, raw_q(prof) - (dtype(out).bits - 1)), out)


def sigmoid(x: Any, platform: str | Profile) -> np.ndarray:
    """σ in the platform's native formats, int64: venus Q11 → Q15 (int32 inputs, 0 beyond ±16.0), arcs and
    venusA Q27 → Q31 (``luna_sigmoid_i32o32``)."""
    return _native("sigmoid", x, platform)


def tanh(x: Any, platform: str | Profile) -> np.ndarray:
    """tanh in the platform's native formats (as :func:`sigmoid`)."""
    return _native("tanh", x, platform)


def _native(kind: str, x: Any, platform: str | Profile) -> np.ndarray:
    prof = get_profile(platform)
    if input_q(prof) == 11:
        return raw(kind, x, prof)
    return activation(kind, x, "int32", prof).astype(np.int64)
