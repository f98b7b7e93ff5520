"""Compatibility modes: what a shipping executor does differently from the spec (spec/errata.md).

The spec's arithmetic lives in the ops and the chip's facts in :mod:`lunaref.platforms`; the
deterministic deviations of a shipping executor are modelled by each op's compatibility implementation
(``OpDef.compat``), and where such a deviation differs by platform, the per-platform facts are here —
one table per mode, each field citing its errata entry — rather than in branches on platform names.
"""

from __future__ import annotations

from dataclasses import dataclass

from .platforms import Profile

__all__ = ["Thinker304", "THINKER_3_0_4", "thinker_3_0_4"]


@dataclass(frozen=True)
class Thinker304:
    """thinker 3.0.4's executor on one platform."""

    platform: str
    #: E-AVGPOOL-1: a power-of-two window ignores the exponent change (venus) instead of rounding twice.
    avgpool_pow2_drops_exponent: bool
    #: E-AVGPOOL-2: another window divides with shift ``−d`` (venus ``div_q31``), instead of an undefined
    #: unsigned shift (arcs, venusA).
    avgpool_divide_takes_exponent: bool
    #: E-IQDIV-1: a scalar divisor's shift is the float32 exponent field of ``q`` ("exponent", venus
    #: ``fastlog2``, sign ignored) or ``(int32_t)log2f(q)`` ("log2f", arcs and venusA).
    iqdiv_log2: str = "log2f"
    #: E-IQDIV-1: the scalar path's scale table holds only the int8 -> int8 form correctly (arcs, venusA).
    iqdiv_scalar_int8_only: bool = True
    #: E-IQDIV-2: the tensor divide is called with shift 0, ignoring the exponents (venusA).
    iqdiv_tensor_ignores_exponents: bool = False
    #: E-IQVAR-2: the variance is evaluated in int32 and float32 as written (venus); elsewhere the sum of
    #: squares is never computed (E-IQVAR-1, not modelled).
    iqvar_float_eval: bool = False

    #: iqCat's int16/int32 code path (``*/concat.h``): "copy" (venus: copied, exponents ignored, E-IQCAT-3),
    #: "cpu" (arcs: a C routine clamping int16 to +32768, E-SAT-1), "scale16" (venusA: ``luna_scale``
    #: with an int16 factor, E-IQCAT-1).
    iqcat_wide_path: str = "copy"
    #: E-IQCAT-2: scaling an input down passes a negative shift as unsigned (venusA; undefined: the
    #: compatibility model computes the spec's result there).
    iqcat_downscale_undefined: bool = False
    #: E-IQPAD-1: reflect and edge padding are swapped (venus); elsewhere every mode is garbage (no model).
    iqpad_modes_swapped: bool = False

    #: E-LINEAR-1: LinearInt with the output in share memory transposes its ``[N, M]`` result in place
    #: (venusA), which the LUNA transpose performs as a sequential element-by-element copy.
    linear_transposes_in_place: bool = False

    #: E-SPLIT-1: the share-memory branch reads leading block ``i`` at byte ``i·M·S`` without the element
    #: width (arcs, venusA); venus copies by element type.
    split_block_offset_unscaled: bool = True
    #: E-SLICE-3: venus's slice copies nothing on axis 0 and leaves a start below ``−s`` negative (not
    #: deterministic: the compatibility model gives the spec's result there).
    slice_venus_offsets: bool = False

    #: E-CONV1D-1: Conv1dInt puts the pads in the height fields of the LUNA conv struct and its
    #: ``luna_conv1d`` reads output channels grouped by this many, where tpacker packs them by 2 (venusA: 4;
    #: elsewhere 2, i.e. no mismatch) — int8 and int4 weights alike (measured).
    conv1d_pads_in_height: bool = False
    conv1d_weight_read_group: int = 2
    #: E-CONV1D-2: an int8 Conv1dInt with ``e(X) + e(W) < e(Y)`` clamps the shift to 0 and never scales up
    #: (arcs, venusA; venus passes the negative shift on, E-SHIFT-1).
    conv1d_int8_negative_shift_unscaled: bool = True

    #: E-CONV-1: the int16 Conv2dInt path (venus ``conv2dint_i16w16o8``) saturates the accumulator to int32
    #: before and after the bias and reads its input without width padding.
    conv_int16_as_written: bool = False
    #: E-LINEAR-3: the int16 LinearInt with a bias saturates the accumulator to int32 before adding it (venus).
    linear_int16_bias_saturates: bool = False
    #: E-LINEAR-4: an int8 output with a negative shift is refused (arcs, venusA: ``T_ERR_NO_IMPLEMENTED``).
    linear_refuses_int8_left_scale: bool = False
    #: E-LINEAR-4: an int16 output is refused (venusA: no int8 -> int16 branch, ``T_ERR_INVALID_DATATYPE``).
    linear_refuses_int16_output: bool = False
    #: E-LINEAR-2: LinearInt with int4 weights widens the input to int32, transposes it in place and the int4
    #: product reads those bytes as int8 (venusA).
    linear_int4_reads_widened_input: bool = False
    #: E-LAYERNORM-1: LayerNormInt normalises to Q10 and adds β as if at ``10 + e(γ)`` (arcs, venusA; the venus
    #: kernel reads γ as int16 and is not modelled, E-LAYERNORM-4).
    layernorm_q10: bool = False

    #: E-SOFTMAX-1: how SoftmaxInt reads its axis before flattening every axis from it on into one row:
    #: "normalised" (venusA: a negative axis + rank), "negative_only" (arcs: a non-negative axis becomes 1),
    #: "minus_one_only" (venus: −1 is the last axis, other negative values index before ``dims_``).
    softmax_axis: str = "normalised"
    #: E-SOFTMAX-3: an int32 SoftmaxInt output is written in Q15 whatever its exponent (arcs).
    softmax_int32_output_raw: bool = False
    #: E-GRU-1: GRUInt feeds Q11 gate sums to the Q27 sigmoid/tanh (Q7 gates, linger 1.x's cell; arcs, venusA).
    gru_q11_into_q27: bool = False
    #: E-GRU-1: the r and z gate sums include W_hh·h + b_hh (arcs); venusA uses W_ih·x + b_ih alone.
    gru_rz_adds_hidden: bool = True

    #: E-SIGMOID-1: iqSigmoid widens X through ``luna_scale_i16i16o32``, whose factor ``2^(27 − e(X))`` is an
    #: int16 of this many bits (venusA: −32768 at e(X) = 12, 0 below); None: the factor is exact.
    sigmoid_factor_bits: int | None = None
    #: E-SIGMOID-2: iqSigmoid / iqTanh leave X unscaled below e(X) = 11 and write the primitive's Q7 / Q15 result
    #: whatever e(Y) (venus).
    activation_venus_exponents: bool = False
    #: E-TANH-1: iqTanh reads X as int32 (tpacker makes it int16) and rescales it in place by ``e(X) − 27`` as an
    #: unsigned shift: every word becomes 0 or −1 below e(X) = 27 (arcs, venusA).
    tanh_reads_int32: bool = False
    #: E-GLU-1: GluInt never multiplies: Y holds the bytes of the int32-widened A (arcs).
    glu_never_multiplies: bool = False
    #: E-LSTM-2 / E-LSTM-3: LSTMInt keeps the hidden state at e(Y) and takes its step count from the wrong axis
    #: (arcs, venusA; venus computes linger 1.x's cell instead, E-LSTM-1, which is not modelled).
    lstm_hidden_at_output_exponent: bool = True


THINKER_3_0_4: dict[str, Thinker304] = {q.platform: q for q in (
    Thinker304("venus", avgpool_pow2_drops_exponent=True, avgpool_divide_takes_exponent=True,
               iqdiv_log2="exponent", iqdiv_scalar_int8_only=False, iqvar_float_eval=True,
               iqcat_wide_path="copy", iqpad_modes_swapped=True,
               split_block_offset_unscaled=False, slice_venus_offsets=True,
               conv1d_int8_negative_shift_unscaled=False, conv_int16_as_written=True,
               linear_int16_bias_saturates=True, softmax_axis="minus_one_only",
               activation_venus_exponents=True, lstm_hidden_at_output_exponent=False),
    Thinker304("venusA", avgpool_pow2_drops_exponent=False, avgpool_divide_takes_exponent=False,
               iqdiv_tensor_ignores_exponents=True, iqcat_wide_path="scale16", iqcat_downscale_undefined=True,
               conv1d_pads_in_height=True, conv1d_weight_read_group=4,
               linear_transposes_in_place=True, linear_int4_reads_widened_input=True,
               linear_refuses_int8_left_scale=True, linear_refuses_int16_output=True, layernorm_q10=True,
               sigmoid_factor_bits=16, tanh_reads_int32=True, gru_q11_into_q27=True, gru_rz_adds_hidden=False),
    Thinker304("arcs", avgpool_pow2_drops_exponent=False, avgpool_divide_takes_exponent=False,
               iqcat_wide_path="cpu", linear_refuses_int8_left_scale=True, softmax_axis="negative_only",
               softmax_int32_output_raw=True, layernorm_q10=True, tanh_reads_int32=True, gru_q11_into_q27=True,
               glu_never_multiplies=True),
)}


def thinker_3_0_4(profile: Profile) -> Thinker304:
    """thinker 3.0.4's deviations on ``profile``'s platform."""
    return THINKER_3_0_4[profile.name]
