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


def _lstm(t_len: int, features: int, e_h: int, e_y: int) -> tuple:
    """An LSTMInt case, H = 2, batch first, one sequence of ``t_len`` steps of ``features`` values (e(X) = 5,
    e(W) = 7): fixed pseudo-random weights large enough to move every gate."""
    rng = np.random.default_rng(11 + t_len * 10 + features)
    x = rng.integers(-128, 128, (1, t_len, features))
    w_ih, w_hh = rng.integers(-128, 128, (8, features)), rng.integers(-128, 128, (8, 2))
    b_ih, b_hh = rng.integers(-3000, 3000, 8), rng.integers(-3000, 3000, 8)
    return ([_t(x, "int8", 5), _t(w_ih, "int8", 7), _t(w_hh, "int8", 7), _t(b_ih, "int32", 12),
             _t(b_hh, "int32", e_h + 7)],
            [TensorSpec.of("int8", e_y), TensorSpec.of("int8", e_h), TensorSpec.of("int32", 15)],
            {"direction": 0, "layout": 1})



def _gru() -> tuple:
    """A GRUInt case: one sequence of 3 steps, I = 3, H = 2, e(X) = e(h) = e(Y) = 5, e(W) = 7 (fixed weights)."""
    rng = np.random.default_rng(23)
    x = rng.integers(-128, 128, (3, 1, 3))
    w_ih, w_hh = rng.integers(-128, 128, (6, 3)), rng.integers(-128, 128, (6, 2))
    b_ih, b_hh = rng.integers(-3000, 3000, 6), rng.integers(-3000, 3000, 6)
    return ([_t(x, "int8", 5), _t(w_ih, "int8", 7), _t(w_hh, "int8", 7), _t(b_ih, "int32", 12),
             _t(b_hh, "int32", 12)], [TensorSpec.of("int8", 5), TensorSpec.of("int8", 5)], {"direction": 0, "layout": 0})

ERRATA: list[tuple[str, str, tuple[str, ...] | None, Callable[[], tuple]]] = [
    # arcs: an int8 LinearInt output at a negative shift (e 2 + 3 -> 7), which it refuses;
    # venusA: an int16 output, which it refuses (its negative-shift refusal shows on cp-negative-shift)
    ("LinearInt", "E-LINEAR-4", ("arcs",),
     lambda: ([_t([[3, -5, 7]], "int8", 2), _t([[1, 2, -1], [-3, 0, 4]], "int8", 3)],
              [TensorSpec.of("int8", 7)], {})),
    ("LinearInt", "E-LINEAR-4", ("venusA",),
     lambda: ([_t([[3, -5, 7]], "int8", 2), _t([[1, 2, -1], [-3, 0, 4]], "int8", 3)],
              [TensorSpec.of("int16", 3)], {})),
    # iqSub: the spec's difference (thinker subtracts from the stale destination)
    ("iqSub", "E-IQSUB-1", None,
     lambda: ([_t([3, -3, 100, -100], "int8", 5), _t([1, 1, -100, 100], "int8", 4)], [TensorSpec.of("int8", 4)], {})),
    # iqMul per-channel with N = 2 (thinker writes the first batch item only)
    ("iqMul", "E-IQMUL-1", None,
     lambda: ([_t(np.arange(-16, 16).reshape(2, 2, 2, 4), "int8", 4), _t([[[[3]], [[-5]]], [[[7]], [[-2]]]], "int8", 3)],
              [TensorSpec.of("int8", 5)], {})),
    # arcs int8 x int8 -> int32 (thinker calls mul_i32i32o8)
    ("iqMul", "E-IQMUL-2", ("arcs",),
     lambda: ([_t([100, -100, 7, 3], "int8", 4), _t([100, 100, -9, 3], "int8", 4)], [TensorSpec.of("int32", 4)], {})),
    # scalar divisor 3: thinker shifts by floor(log2 3) = 1
    ("iqDiv", "E-IQDIV-1", None,
     lambda: ([_t([10, -10, 7, 100], "int8", 4), _t(3, "int8", 0)], [TensorSpec.of("int8", 4)], {})),
    # venusA tensor divide with s = 1 (thinker passes shift 0)
    ("iqDiv", "E-IQDIV-2", ("venusA",),
     lambda: ([_t([10, -10, 7, 100], "int32", 4), _t([3, 3, 2, 7], "int32", 0)], [TensorSpec.of("int32", 5)], {})),
    # iqSum of two rows (thinker sums row 0 only)
    ("iqSum", "E-IQSUM-1", None,
     lambda: ([_t([[1, 2, 3], [4, 5, 6]], "int8", 2)], [TensorSpec.of("int8", 1)], {"dims": -1})),
    # arcs/venusA iqVar (thinker's sum of squares is stale workspace)
    ("iqVar", "E-IQVAR-1", ("venusA", "arcs"),
     lambda: ([_t([[0, 1, 5, -3], [2, 2, 2, 2]], "int8", 0)], [TensorSpec.of("int8", 0)], {})),
    # venus iqVar: 400 values of +-127, F * S2 wraps int32 (spec 127, thinker -128)
    ("iqVar", "E-IQVAR-2", ("venus",),
     lambda: ([_t([[127, -127] * 200], "int8", 0)], [TensorSpec.of("int8", 0)], {})),
    # --- ops breadth I (Requant, iqCat, Clip, iqPad) ---
    # widening by d = 9: thinker's int16 store keeps the low 16 bits of x << 9
    ("Requant", "E-REQUANT-1", None,
     lambda: ([_t([100, -100, 3], "int8", 0)], [TensorSpec.of("int16", 9)], {})),
    # int8 -> int8 up by d = 7: the factor 1 << 7 passes as the int8 scalar -128
    ("Requant", "E-REQUANT-2", None,
     lambda: ([_t([1, -1, 0], "int8", 0)], [TensorSpec.of("int8", 7)], {})),
    # an int32 input: thinker refuses everything but int8
    ("Requant", "E-REQUANT-3", None,
     lambda: ([_t([100000, -6], "int32", 4)], [TensorSpec.of("int8", 2)], {})),
    # up by d = 7 into int8: the factor wraps to -128
    ("iqCat", "E-IQCAT-1", None,
     lambda: ([_t([1, -1, 3], "int8", 0), _t([5], "int8", 7)], [TensorSpec.of("int8", 7)], {"axis": 0})),
    # venus copies int16 inputs whatever their exponents
    ("iqCat", "E-IQCAT-3", ("venus",),
     lambda: ([_t([1000, -3], "int16", 2), _t([5], "int16", 4)], [TensorSpec.of("int16", 4)], {"axis": 0})),
    # arcs and venusA refuse int32 inputs at another exponent
    ("iqCat", "E-IQCAT-4", ("venusA", "arcs"),
     lambda: ([_t([70000, -3], "int32", 3), _t([9], "int32", 2)], [TensorSpec.of("int32", 2)], {"axis": 0})),
    # arcs int16 up-scaling: SATURATE_16BITS clamps 40000 to +32768, stored as -32768 (equal extents along
    # an inner axis, where arcs places the inputs right)
    ("iqCat", "E-SAT-1", ("arcs",),
     lambda: ([_t([[20000, -20000], [5, 6]], "int16", 0), _t([[1, 2], [3, 4]], "int16", 1)],
              [TensorSpec.of("int16", 1)], {"axis": 1})),
    # int32 beyond 2^24: 16777217 equals the bound 2^24 in float32, so thinker does not clamp it
    ("Clip", "E-CLIP-1", None,
     lambda: ([_t([16777217, 16777216, -5], "int32", 0)], [TensorSpec.of("int32", 0)], {"max": 16777216})),
    # reflect by 1: venus pads with the edge value instead
    ("iqPad", "E-IQPAD-1", None,
     lambda: ([_t([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], "int8", 4), _t([1, 1, 1, 1], "int64", None)],
              [TensorSpec.of("int8", 4)], {"mode": 1})),
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
    # maximum at position 3 of a slice whose offset is 2^31 - 2: index 2^31 + 1 fits neither int16 (venus)
    # nor int32 (arcs, venusA); thinker's C cast wraps it to 1 / -2^31 + 1
    ("topN", "E-TOPN-1", ("venus",),
     lambda: ([_t([[[-5, 7, 0, 9, 9]]], "int8", 4), _t([2 ** 31 - 2], "int64", None)],
              [TensorSpec.of("int16", 4)], {"dim": -1, "max_num": 1})),
    ("topN", "E-TOPN-1", ("venusA", "arcs"),
     lambda: ([_t([[[-5, 7, 0, 9, 9]]], "int8", 4), _t([2 ** 31 - 2], "int64", None)],
              [TensorSpec.of("int32", 4)], {"dim": -1, "max_num": 1})),
    # data movement (spec/ops/gather.md … squeeze.md)
    ("Gather", "E-GATHER-1", None,
     lambda: ([_t([[1, 2], [3, 4], [5, 6]], "int8", 3), _t([-2, 0], "int64", None)], [TensorSpec.of("int8", 3)],
              {"axis": 0})),
    ("Slice", "E-SLICE-1", None,
     lambda: ([_t([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]], "int8", 2), _t([1], "int64", None),
               _t([6], "int64", None), _t([1], "int64", None), _t([2], "int64", None)],
              [TensorSpec.of("int8", 2)], {})),
    ("Slice", "E-SLICE-2", None,
     lambda: ([_t([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], "int8", 2), _t([1, 1], "int64", None),
               _t([3, 3], "int64", None), _t([0, 1], "int64", None)], [TensorSpec.of("int8", 2)], {})),
    ("Slice", "E-SLICE-3", ("venus",),
     lambda: ([_t([[1, 2], [3, 4], [5, 6]], "int8", 2), _t([1], "int64", None), _t([3], "int64", None),
               _t([0], "int64", None)], [TensorSpec.of("int8", 2)], {})),
    ("Split", "E-SPLIT-1", ("venusA", "arcs"),
     lambda: ([_t([[[1000, -2], [3, 4], [5, 6]], [[7, 8], [9, -1000], [11, 12]]], "int16", 5)],
              [TensorSpec.of("int16", 5), TensorSpec.of("int16", 5)], {"axis": 1, "split": [1, 2]})),
    ("Transpose", "E-TRANSPOSE-1", None,
     lambda: ([Tensor.of(np.arange(24).reshape(2, 1, 3, 4), "int8", 1)], [TensorSpec.of("int8", 1)],
              {"perm": [0, 1, 2, 3]})),   # the identity: merged to one axis, which thinker refuses
    ("Expand", "E-EXPAND-1", None,
     lambda: ([_t([[300, -300]], "int16", 4), _t([3, 2, 2], "int64", None)], [TensorSpec.of("int16", 4)], {})),
    ("Squeeze", "E-SQUEEZE-1", None,
     lambda: ([_t([[[1], [2], [3]]], "int8", 0)], [TensorSpec.of("int8", 0)], {})),
    # venusA LinearInt with M = 3 rows, N = 2: the in-place transpose of the [2, 3] product scrambles it
    # venusA int4 weights: the int4 product reads the bytes of the int32-widened input (spec [[4, 8]])
    ("LinearInt", "E-LINEAR-2", ("venusA",),
     lambda: ([_t([[5, -3, 2]], "int8", 0), _t([[1, 1, 1], [2, 0, -1]], "int4", 0)], [TensorSpec.of("int8", 0)], {})),
    # venus int16 with a bias: sat32(3 * 32767^2) - 2^31 = -1 in thinker
    ("LinearInt", "E-LINEAR-3", ("venus",),
     lambda: ([_t([[32767] * 3], "int16", 0), _t([[32767] * 3], "int16", 0), _t([-2**31], "int32", 0)],
              [TensorSpec.of("int32", 0)], {})),
    # venus int16 conv: the same accumulator saturated to int32 before the bias (spec 127, thinker -1)
    ("Conv2dInt", "E-CONV-1", ("venus",),
     lambda: ([_t([[[[32767] * 3]]], "int16", 0), _t([[[[32767] * 3]]], "int16", 0), _t([-2**31], "int32", 0)],
              [TensorSpec.of("int8", 0)], {"kernel_shape": (1, 3)})),
    ("LinearInt", "E-LINEAR-1", ("venusA",),
     lambda: ([_t([[1, 2], [3, -4], [-5, 6]], "int8", 2), _t([[1, 0], [0, 1]], "int8", 0)],
              [TensorSpec.of("int8", 2)], {})),
    # a negative shift (e(X) + e(Y) = 6 < e(O) = 7): thinker refuses it, the spec scales up exactly
    ("BmmInt", "E-BMM-1", None,
     lambda: ([_t([[1, 2], [-3, 4]], "int8", 3), _t([[5, -6], [7, 8]], "int8", 3)], [TensorSpec.of("int8", 7)], {})),
    # --- ops breadth II (convolutions) ---
    # venusA Conv1dInt, pads [1, 1], OC 4: thinker's output row is the padded top row (bias only)
    ("Conv1dInt", "E-CONV1D-1", ("venusA",),
     lambda: ([_t([[[1, 2, 3, 4]]], "int8", 0), _t([[[1, 2]], [[3, -1]], [[-2, 5]], [[1, 1]]], "int8", 0),
               _t([10, -10, 0, 5], "int32", 0)], [TensorSpec.of("int8", 0)], {"kernel_shape": (2,), "pads": (1, 1)})),
    # int8 output with e(X) + e(W) < e(Y): arcs/venusA never scale up
    ("Conv1dInt", "E-CONV1D-2", ("venusA", "arcs"),
     lambda: ([_t([[[3, -3, 100]]], "int8", 2), _t([[[1]]], "int8", 0)], [TensorSpec.of("int8", 3)], {})),
    # --- nonlinear (issue 10) ---
    # softmax along axis 1 of [1, 3, 2]: thinker softmaxes over the flattened trailing block (venusA, venus
    # through a non-negative axis), arcs along axis 1 only by chance of its "axis = 1" rule, so axis 2 on a
    # rank-3 tensor shows arcs's misreading
    ("SoftmaxInt", "E-SOFTMAX-1", ("venus", "venusA"),
     lambda: ([_t([[[10, -20], [30, 5], [-40, 60]]], "int8", 4)], [TensorSpec.of("int8", 7)], {"axis": 1})),
    ("SoftmaxInt", "E-SOFTMAX-1", ("arcs",),
     lambda: ([_t([[[10, -20], [30, 5], [-40, 60]]], "int8", 4)], [TensorSpec.of("int8", 7)], {"axis": 2})),
    # arcs int32 output at exponent 20: thinker leaves the Q15 values unscaled
    # iqSigmoid venusA at e(X) = 6: thinker's int16 factor 2^21 truncates to 0, every output σ(0) = 64
    ("iqSigmoid", "E-SIGMOID-1", ("venusA",),
     lambda: ([_t([[-128, -40, -1, 0, 1, 40, 100, 127]], "int8", 6)], [TensorSpec.of("int8", 7)], {})),
    # venus int16 X at e(X) = 9 read as Q11 (4 times too small), and an int8 result at e(Y) = 6 written in Q7
    ("iqSigmoid", "E-SIGMOID-2", ("venus",),
     lambda: ([_t([[-3000, -700, -1, 0, 1, 700, 2500, 4000]], "int16", 9)], [TensorSpec.of("int8", 6)], {})),
    ("iqTanh", "E-SIGMOID-2", ("venus",),
     lambda: ([_t([[-3000, -700, -1, 0, 1, 700, 2500, 4000]], "int16", 9)], [TensorSpec.of("int8", 7)], {})),
    # arcs / venusA iqTanh: X read as int32 and shifted right by e(X) − 27 < 0 taken unsigned: every output 0
    ("iqTanh", "E-TANH-1", ("venusA", "arcs"),
     lambda: ([_t([[-128, -40, -1, 0, 1, 40, 100, 127]], "int8", 6)], [TensorSpec.of("int8", 7)], {})),
    # arcs GluInt: no multiply; Y is the little-endian bytes of the int32-widened A
    ("GluInt", "E-GLU-1", ("arcs",),
     lambda: ([_t([[10, -20, 30, -128, 40, -40, 0, 127]], "int8", 4)], [TensorSpec.of("int8", 4)], {"axis": -1})),
    ("SoftmaxInt", "E-SOFTMAX-3", ("arcs",),
     lambda: ([_t([[10, -20, 30, 5]], "int8", 4)], [TensorSpec.of("int32", 20)], {"axis": -1})),    # LayerNormInt: the spec's Q15 result; thinker normalises to Q10 and adds β 32 times too large
    ("LayerNormInt", "E-LAYERNORM-1", ("venusA", "arcs"),
     lambda: ([_t([[[10, -20, 30, 5, -7, 0, 64, -128]]], "int8", 6), _t([127, 100, -50, 64, 1, -128, 77, 3], "int8", 7),
               _t([-32232, 24379, 31962, 7350, -9487, -18760, 1 << 20, -(1 << 20)], "int32", 22)],
              [TensorSpec.of("int8", 5)], {})),
    # a 600-element row of 127, −128: N·ΣX² = 5852340000 passes 2^32 (thinker's int32 product wraps to
    # 1557372704, a smaller D, so larger normalised values)
    ("LayerNormInt", "E-LAYERNORM-2", ("venusA", "arcs"),
     lambda: ([_t(np.where(np.arange(600) % 2 == 0, 127, -128).reshape(1, 1, 600), "int8", 4),
               _t(np.full(600, 64), "int8", 6), _t(np.zeros(600, dtype=np.int64), "int32", 21)],
              [TensorSpec.of("int8", 4)], {})),
    # LSTMInt venus: the spec's Q15-gate cell (thinker computes linger 1.x's Q7 cell, not modelled)
    ("LSTMInt", "E-LSTM-1", ("venus",), lambda: _lstm(3, 3, 5, 5)),
    # LSTMInt e(h) = 4, e(Y) = 6 (thinker runs the hidden state at e(Y)); T = I so E-LSTM-3 stays out of it
    ("LSTMInt", "E-LSTM-2", ("venusA", "arcs"), lambda: _lstm(3, 3, 4, 6)),
    # LSTMInt batch first with T = 3, I = 2: thinker walks I = 2 steps
    ("LSTMInt", "E-LSTM-3", ("venusA", "arcs"), lambda: _lstm(3, 2, 5, 5)),
    # GRUInt arcs / venusA: the spec's Q31-gate cells (thinker feeds Q11 sums to the Q27 functions, not modelled)
    ("GRUInt", "E-GRU-1", ("venusA", "arcs"), _gru),
]
