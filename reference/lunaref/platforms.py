"""Platform profiles: what differs between venus, venusA and arcs (spec/README.md §Platforms).

Kernels never test ``platform == ...``; they ask the profile.  A profile holds *capabilities*
(which dtype combinations a LUNA primitive exists for, limits) and, as later spec sections add
them, the per-platform arithmetic choices (nonlinear tables, weight layouts).  Arithmetic that is
identical everywhere lives in the kernels, not here.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import errors

__all__ = ["Profile", "PROFILES", "PLATFORM_NAMES", "profile"]


def _pairs(ins: tuple[int, ...], outs: tuple[int, ...]) -> frozenset[tuple[str, str]]:
    return frozenset((f"int{i}", f"int{o}") for i in ins for o in outs)


@dataclass(frozen=True)
class Profile:
    """One chip's LUNA, as shipped with thinker 3.0.4."""

    name: str
    #: The platform code a thinker resource header stores (thinker.md §3.2).
    resource_code: int
    #: ``LUNA_VER`` declared by the platform's LUNA headers (None: venus declares none).
    luna_version: str | None
    #: (operand dtype, result dtype) pairs for which the element-wise primitives add, sub, mul,
    #: scale and offset exist (spec/luna.md §1; from each platform's ``luna_basic_math.h``).
    vector_types: frozenset[tuple[str, str]]
    #: (operand dtype, result dtype) pairs of ``mat_mul`` / ``split_mat_mul_bias`` (``luna_matrix_math.h``).
    matmul_types: frozenset[tuple[str, str]]
    #: Result dtypes of the int8 convolutions ``luna_conv2d`` / ``luna_depthwise2d`` (``luna_cnn_math.h``).
    conv_out: frozenset[str]
    #: Result dtypes of ``luna_mean_pooling`` (int8 input).
    mean_pool_out: frozenset[str]
    #: Convolution limits the chip accepts (linger 3.0.9 ``QModuleMixin`` legality checks, which mirror
    #: the packer's): largest kernel side, largest pad, allowed strides, allowed dilations.
    conv_max_kernel: int
    conv_max_pad: int
    conv_strides: frozenset[int]
    conv_dilations: frozenset[int]
    #: ``luna_div``: the product reciprocal × dividend is held in a double on venus and arcs, so it is
    #: rounded to 53 significant bits before the final shift; venusA keeps it exact (None).
    div_product_bits: int | None
    #: ``luna_div`` on venus takes Q formats, and a negative combined shift yields 0 (measured).
    div_negative_shift_is_zero: bool
    #: Packed Conv2dInt weights group output channels by this many (formats/resource.md §13).
    conv_weight_group: int
    #: Packed depthwise weights: "C16" ([C/16][KH][KW][16]), "C8" ([C/8][1][KH][KW][8]) or "KH2" (venusA).
    depthwise_layout: str
    #: LinearInt weights are stored transposed (``[K][N]``, layout NCWH) on this platform.
    linear_weight_transposed: bool
    #: Which linger attribute the packer records as an op's ``quant_type`` rounding selector:
    #: "quant_mode" (RoundMethod, arcs and venusA) or "platform_quant" (QuantType, venus).
    rounding_selector: str
    #: Operand dtypes of ``luna_relux`` (result int8; ``luna_misc_math.h``): none on venus.
    relux_in: frozenset[str] = frozenset()
    #: Result dtypes of the executor's Conv1dInt (venus ``conv_q7_int{8,16,32}``; arcs and venusA call
    #: ``luna_conv1d_i8i8o{8,32}`` only: an int16 output is never written, ``*/conv1dint.h``).
    conv1d_out: frozenset[str] = frozenset({"int8", "int32"})
    #: Packed depthwise Conv1dInt weights: "C16" (venus, ``[C/16][1][K][16]``) or "C8" (arcs, venusA,
    #: ``[C/8][1][K][8]``; tpacker ``graph_analysis/ops/<platform>/Conv1dInt.py``).
    conv1d_depthwise_layout: str = "C8"
    #: Conv2dInt and Conv1dInt take int4 weights (``luna_conv2d_i8i4o8`` / ``luna_depthwise2d_i8i4o8``,
    #: ``*/conv2dint.h``; ``luna_conv1d_i8i4o{8,32}`` / ``luna_depthwise1d_i8i4o{8,32}``, ``*/conv1dint.h``): arcs
    #: and venusA; venus's executor reaches its int4 convolutions only with int8 weights, and tpacker refuses
    #: ``parameter_bits = 4`` for both on venus.  (ConvTranspose2dInt takes int4 weights on every platform.)
    conv_int4_weights: bool = False
    #: Result dtypes of LinearInt with int4 weights: ``split_mat_mul_bias_i4i8i32o8`` only (arcs, venusA);
    #: venus stores such weights as int8 and runs its int8 forms (tpacker ``LinearInt.pack_params``).
    linear_int4_out: frozenset[str] = frozenset({"int8"})
    #: A resource stores int4 LinearInt weights two per byte (arcs, venusA) rather than one per int8 byte.
    linear_int4_packed: bool = True
    #: int16 x int16 multiply-accumulate paths: Conv2dInt (``conv2dint_i16w16o8``, int8 result) and
    #: LinearInt (``mat_mul_q15_*``) — venus only (``venus/conv2dint.h``, ``venus/linearint.h``).
    int16_mac: bool = False
    #: Softmax reciprocal of the row sum (spec/nonlinear.md §2.4): "division" (arcs, venusA: 30-step restoring
    #: division, ``luna_softmax_i32o32``) or "newton" (venus: HiFi ``vec_softmax32x32``, normalisation and two
    #: Newton iterations).
    softmax_reciprocal: str = "division"
    #: Softmax exp step: venusA folds the last Horner term and the 2^E scaling into one rounding shift
    #: (``venusa_qsoftmax_kernel.cpp``); venus and arcs round the last term, then scale (spec/nonlinear.md §2.3).
    softmax_exp_folded: bool = False
    #: Softmax exp step: the product ``d · log2(e)/4`` rounded to this many significant bits before the shift
    #: (venus: linger computes it in double); None: exact (spec/nonlinear.md §2.2).
    softmax_log2e_product_bits: int | None = None
    #: Recurrent cells (spec/ops/gruint.md; linger 3.0.9 ``qgru.py``): fraction bits of the gate pre-activations
    #: fed to sigmoid/tanh — Q11 (venus), Q27 (arcs, venusA); the functions return Q(q + 4): Q15 / Q31.
    recurrent_gate_q: int = 27
    #: GRUInt: how the two gate products meet: "separate" (venus, arcs: each requantized to the gate Q on its
    #: own) or "common" (venusA: both brought to the larger of their exponents, M, by a left shift; the reset
    #: product stays at M and each gate sum is requantized to Q27).
    gru_gate_alignment: str = "separate"
    #: GRUInt: where the reset gate applies — "after_matmul", r ⊙ (W_hn·h + b_hn) (venus, venusA; ONNX
    #: linear_before_reset = 1), or "before_matmul", W_hn·(r ⊙ h) + b_hn (arcs; linear_before_reset = 0).
    gru_reset: str = "after_matmul"
    #: GRUInt: the update blend — "h+z(n-h)" (venus, with n − h saturated to int16) or "n+z(h-n)" (arcs, venusA).
    gru_blend: str = "n+z(h-n)"
    #: LSTMInt (spec/ops/lstmint.md): the type the gate pre-activations and the cell's tanh input are saturated
    #: to before sigmoid/tanh — "int16" (venus: linger 3.0.9 clamps to int16, thinker's ``add_q31_int16``) or
    #: "int32" (arcs, venusA).
    lstm_gate_saturate: str = "int32"
    #: LSTMInt: ``x·Wᵀ + b`` saturated to int32 before it is moved to the gate format (arcs, venusA: the LUNA
    #: ``split_mat_mul_bias`` int32 result, rule 2) or moved exact and saturated after (venus: linger 3.0.9's
    #: ``_forward_venus_exact``, rule 3, as GRUInt everywhere).  They differ only when ``|x·Wᵀ + b| ≥ 2^31``.
    lstm_acc_saturate: bool = True
    #: LSTMInt cell update: "q30" (venus, linger's ``_forward_venus_exact``: P = f·c + i·g exact in Q30, the new
    #: cell and the tanh input each rounded from P) or "q27" (arcs, venusA: the two products saturated to int32,
    #: their sum rounded to Q27, the new cell rounded from that).
    lstm_cell: str = "q27"
    #: A resource stores LSTMInt's W_ih and W_hh transposed (``[I, 4H]``, ``[H, 4H]``: tpacker ``LstmInt.pack_params``,
    #: venus only).  GRUInt's are transposed on every platform (``GRUInt.pack_params``).
    lstm_weight_transposed: bool = False

    #: Sigmoid and tanh (spec/nonlinear.md §1): "q11_q15" (venus: int16 Q11 in, per-segment shifts, raw Q15),
    #: "q27_q31" (arcs: int32 Q27 in, the product floored to Q31 plus a Q31 bias) or "q27_q58" (venusA: the exact
    #: Q58 value with a Q28 bias; every output form is one rounding of it).
    activation_form: str = "q27_q58"

    def __str__(self) -> str:
        return self.name


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        # venus: luna_<op>_q{7,15,31}_int{8,16,32}: every width to every width.
        Profile("venus", 0, None, _pairs((8, 16, 32), (8, 16, 32)),
                matmul_types=_pairs((8, 16, 32), (8, 16, 32)), conv_out=frozenset({"int8", "int16", "int32"}),
                mean_pool_out=frozenset({"int8", "int16"}), conv_max_kernel=5, conv_max_pad=4,
                conv_strides=frozenset({1, 2, 4}), conv_dilations=frozenset({1}),
                div_product_bits=53, div_negative_shift_is_zero=True, conv_weight_group=2,
                depthwise_layout="C16", linear_weight_transposed=True,
                rounding_selector="platform_quant", conv1d_out=frozenset({"int8", "int16", "int32"}),
                conv1d_depthwise_layout="C16", linear_int4_out=frozenset({"int8", "int16", "int32"}),
                linear_int4_packed=False, int16_mac=True, softmax_reciprocal="newton",
                softmax_log2e_product_bits=53, recurrent_gate_q=11, gru_blend="h+z(n-h)",
                lstm_gate_saturate="int16", lstm_cell="q30", lstm_weight_transposed=True,
                lstm_acc_saturate=False,
                activation_form="q11_q15"),
        # venusA: 8/16-bit operands to 8/16/32-bit results, 32-bit operands also to 64-bit.
        Profile("venusA", 3, "3.0.1.0", _pairs((8, 16), (8, 16, 32)) | _pairs((32,), (8, 16, 32, 64)),
                matmul_types=_pairs((8, 16, 32), (8, 16, 32)), conv_out=frozenset({"int8", "int16", "int32"}),
                mean_pool_out=frozenset({"int8", "int16", "int32"}), conv_max_kernel=12, conv_max_pad=11,
                conv_strides=frozenset({1, 2, 4}), conv_dilations=frozenset({1, 2, 4, 8}),
                div_product_bits=None, div_negative_shift_is_zero=False, conv_weight_group=4,
                depthwise_layout="KH2", linear_weight_transposed=False,
                rounding_selector="quant_mode", relux_in=frozenset({"int8", "int16", "int32"}),
                conv_int4_weights=True, softmax_exp_folded=True, gru_gate_alignment="common"),
        # arcs: luna_<op>_i{8,32}i{8,32}o{8,32}: no 16-bit forms.
        Profile("arcs", 2, "3.0.1.0", _pairs((8, 32), (8, 32)),
                matmul_types=_pairs((8, 32), (8, 32)), conv_out=frozenset({"int8", "int32"}),
                mean_pool_out=frozenset({"int8", "int32"}), conv_max_kernel=12, conv_max_pad=11,
                conv_strides=frozenset({1, 2, 4}), conv_dilations=frozenset({1, 2, 4, 8}),
                div_product_bits=53, div_negative_shift_is_zero=False, conv_weight_group=2,
                depthwise_layout="C8", linear_weight_transposed=False,
                rounding_selector="quant_mode", relux_in=frozenset({"int8", "int32"}),
                conv_int4_weights=True, gru_reset="before_matmul", activation_form="q27_q31"),
    )
}

PLATFORM_NAMES: tuple[str, ...] = tuple(PROFILES)


def profile(name: str | Profile) -> Profile:
    """The profile called ``name``.  Matching ignores case (``venusa`` is venusA)."""
    if isinstance(name, Profile):
        return name
    for key, prof in PROFILES.items():
        if isinstance(name, str) and key.lower() == name.lower():
            return prof
    raise errors.UnknownPlatform(f"unknown platform {name!r} (expected one of {', '.join(PLATFORM_NAMES)})")
