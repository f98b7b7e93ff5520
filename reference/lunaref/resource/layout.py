"""Fixed facts of the thinker resource format (spec/formats/resource.md): sizes, enums, attribute structs.

All numbers here are the layout of thinker 3.0.4's C structs as its packer (an x86-64 host, natural
alignment, little endian) writes them: ``tools/tpacker/executor/thinker_type.h`` and
``operator_attrs.h`` in LISTENAI/thinker.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

__all__ = ["LABEL", "HEADER", "HEADER_SIZE", "PLATFORM_CODES", "MEM_TYPES", "LAYOUTS", "DTYPES",
           "EXECUTOR_OPS", "EXECUTOR_LACKS", "DMA_OPS", "AttrStruct", "ATTR_STRUCTS", "ALIGN"]

ALIGN = 16
LABEL = b"thinker10"

#: tModelHeader (72 bytes), padded with zeros to 80 in the file.
HEADER = struct.Struct("<16s12IQ")
HEADER_FIELDS = ("label", "crc", "memory_offset", "tensor_offset", "scalar_offset", "op_offset", "io_offset",
                 "state_offset", "debug_offset", "shape_infer_offset", "param_offset", "dma_offset",
                 "platform_code", "total_size")
HEADER_SIZE = 80

#: ``tModelHeader.reserved``: the platform the resource is packed for.
PLATFORM_CODES = {0: "venus", 1: "mars", 2: "arcs", 3: "venusA"}

#: ``MemType`` (where data lives): tensor records, memory records, parameter blobs, DMA devices.
MEM_TYPES = {0: "flash", 1: "psram", 2: "share"}

#: The packer's ``Layout`` enum (tensor records' ``layout_``).
LAYOUTS = {0: "NCHW", 1: "NHWC", 2: "NCWH", 3: "NHWC8", 4: "NWHC8", 5: "NHWC16", 6: "WHCN"}

#: ``tDType`` codes: ``(ord(kind) << 8) | bytes``; lunaref dtype name (None: not an integer/float32
#: type lunaref computes with) and element size in bytes (int4: two per byte).
DTYPES: dict[int, tuple[str, str | None, float]] = {
    0x6602: ("Float16", None, 2), 0x6604: ("Float32", "float32", 4), 0x6608: ("Float64", None, 8),
    0x6900: ("Int4", "int4", 0.5), 0x6901: ("Int8", "int8", 1), 0x6902: ("Int16", "int16", 2),
    0x6904: ("Int32", "int32", 4), 0x6908: ("Int64", "int64", 8),
    0x7501: ("Uint8", None, 1), 0x7502: ("Uint16", None, 2), 0x7504: ("Uint32", None, 4),
    0x7508: ("Uint64", None, 8), 0x6201: ("Bool", None, 1),
}

#: Every operator type name thinker 3.0.4's executor registers (``__OP__`` in executor/core/ops/*.c).
EXECUTOR_OPS = frozenset("""
ArgMax AvgPool2dInt BatchNorm2dInt BmmInt Cast Clip iqCat Conv1dInt Conv2dInt ConvTranspose2dInt Dequant
Expand FFNInt Flatten Gather GluInt GRUInt iqAdd iqDiv iqMul iqPad iqSigmoid iqSub iqSum iqTanh iqVar
LayerNormInt LinearInt LogSoftmax LogSoftmaxInt LSTMInt MaxPool MultiheadAttention PRelu Quant Relu Relux
Requant Reshape Resize Shape ShuffleChannel Slice SoftmaxInt SparifyFFNInt Split Squeeze Tile topN topN2
Transpose Unsqueeze
""".split())

#: Registered operators a platform's build nonetheless lacks: ``executor/core/ops/gluInt.c`` includes a GluInt
#: kernel for arcs and venusA only, so on venus the operator returns ``T_ERR_NO_IMPLEMENTED`` (errata E-GLU-2).
EXECUTOR_LACKS: dict[str, frozenset[str]] = {"venus": frozenset({"GluInt"})}


#: Operators whose non-share-memory constants are prefetched through the DMA list, one entry each, in
#: operator order (tpacker ``get_dma_buffer``; the executor's ``getWeightData`` callers).
DMA_OPS = frozenset({"Conv1dInt", "Conv2dInt", "ConvTranspose2dInt", "LinearInt", "LSTMInt", "GRUInt",
                     "LayerNormInt"})


@dataclass(frozen=True)
class AttrStruct:
    """An operator attribute struct: its C name, binary layout, and the field names of its values in
    layout order (a list-valued field takes as many values as its list has items)."""

    name: str
    layout: struct.Struct
    fields: tuple[tuple[str, int], ...]     # (name, count) — count > 1: a list

    @property
    def size(self) -> int:
        return self.layout.size

    def decode(self, values: tuple) -> dict[str, Any]:
        out, i = {}, 0
        for name, count in self.fields:
            out[name] = list(values[i:i + count]) if count > 1 else values[i]
            i += count
        return out

    def encode(self, attrs: dict[str, Any]) -> bytes:
        values: list[Any] = []
        for name, count in self.fields:
            v = attrs[name]
            values.extend(v if count > 1 else [v])
        return self.layout.pack(*values)


_CONV = (("dilation", 3), ("kernel", 3), ("pad", 6), ("stride", 3), ("group", 1), ("layout", 1),
         ("quant_type", 1), ("act_type", 1))
_POOL = (("ceil", 1), ("kernel", 2), ("stride", 2), ("pad", 4), ("layout", 1), ("quant_type", 1))

#: Attribute structs of the ops lunaref implements, by executor op name.  Sizes with natural C
#: alignment: Conv2dIntAttrs 26, LinearIntAttrs 20, PoolAttrs 14, QuantAttrs 2, RequantAttrs 3,
#: DequantAttrs 1, iqBinaryAttrs 2, FlattenAttrs 1, iqPadAttrs 1, GatherAttrs 1, SplitAttrs 40,
#: TransposeAttrs 9, SqueezeAttrs 8 (Squeeze and Unsqueeze).  Ops absent here have no attribute struct.
ATTR_STRUCTS: dict[str, AttrStruct] = {
    "Conv2dInt": AttrStruct("Conv2dIntAttrs", struct.Struct("<3Bx3H6B3Bxhh2B"), _CONV),
    "LinearInt": AttrStruct("LinearIntAttrs", struct.Struct("<ffiiB3x"),
                            (("alpha", 1), ("beta", 1), ("transA", 1), ("transB", 1), ("quant_type", 1))),
    "MaxPool": AttrStruct("PoolAttrs", struct.Struct("<B2B2B4BxHBx"), _POOL),
    "AvgPool2dInt": AttrStruct("PoolAttrs", struct.Struct("<B2B2B4BxHBx"), _POOL),
    "Quant": AttrStruct("QuantAttrs", struct.Struct("<BB"), (("data_bits", 1), ("quant_type", 1))),
    "Requant": AttrStruct("RequantAttrs", struct.Struct("<BBB"), (("data_bits", 1), ("o_bits", 1), ("quant_type", 1))),
    "Dequant": AttrStruct("DequantAttrs", struct.Struct("<B"), (("scale_o", 1),)),
    "iqAdd": AttrStruct("iqBinaryAttrs", struct.Struct("<BB"), (("quant_type", 1), ("reserve", 1))),
    "iqSub": AttrStruct("iqBinaryAttrs", struct.Struct("<BB"), (("quant_type", 1), ("reserve", 1))),
    "iqMul": AttrStruct("iqBinaryAttrs", struct.Struct("<BB"), (("quant_type", 1), ("reserve", 1))),
    "iqDiv": AttrStruct("iqBinaryAttrs", struct.Struct("<BB"), (("quant_type", 1), ("reserve", 1))),
    "BmmInt": AttrStruct("iqBinaryAttrs", struct.Struct("<BB"), (("quant_type", 1), ("reserve", 1))),
    "iqTanh": AttrStruct("iqBinaryAttrs", struct.Struct("<BB"), (("quant_type", 1), ("reserve", 1))),
    "iqSum": AttrStruct("iqSumAttrs", struct.Struct("<i"), (("axis", 1),)),
    "iqVar": AttrStruct("iqvarAttrs", struct.Struct("<Bb"), (("ndim_", 1), ("dims", 1))),
    "Flatten": AttrStruct("FlattenAttrs", struct.Struct("<b"), (("axis", 1),)),
    "iqPad": AttrStruct("iqPadAttrs", struct.Struct("<b"), (("mode", 1),)),
    "Gather": AttrStruct("GatherAttrs", struct.Struct("<b"), (("axis", 1),)),
    "Split": AttrStruct("SplitAttrs", struct.Struct("<ii8i"), (("axis", 1), ("dims", 1), ("split", 8))),
    "Transpose": AttrStruct("TransposeAttrs", struct.Struct("<B8b"), (("ndim_", 1), ("axes_", 8))),
    "Squeeze": AttrStruct("SqueezeAttrs", struct.Struct("<B7b"), (("ndim", 1), ("axes", 7))),
    "Unsqueeze": AttrStruct("SqueezeAttrs", struct.Struct("<B7b"), (("ndim", 1), ("axes", 7))),
    # ArgMaxAttrs 1, topNAttrs 2 (topN and topN2), ShuffleChannelAttrs 2, ResizeAttrs 16 (operator_attrs.h)
    "ArgMax": AttrStruct("ArgMaxAttrs", struct.Struct("<b"), (("axis", 1),)),
    # ops breadth I: iqCatAttrs 1, ClipAttrs 8, CastAttrs 8, PreluAttrs 8, ReluxAttrs 8 (operator_attrs.h)
    "iqCat": AttrStruct("iqCatAttrs", struct.Struct("<b"), (("axis", 1),)),
    "Clip": AttrStruct("ClipAttrs", struct.Struct("<ff"), (("max", 1), ("min", 1))),
    "Cast": AttrStruct("CastAttrs", struct.Struct("<q"), (("to", 1),)),
    "PRelu": AttrStruct("PreluAttrs", struct.Struct("<ii"), (("slope", 1), ("post_shift", 1))),
    "Relux": AttrStruct("ReluxAttrs", struct.Struct("<ii"), (("threshold", 1), ("shift", 1))),
    "topN": AttrStruct("topNAttrs", struct.Struct("<bb"), (("dim", 1), ("max_num", 1))),
    "topN2": AttrStruct("topNAttrs", struct.Struct("<bb"), (("dim", 1), ("max_num", 1))),
    # SoftmaxIntAttrs 1 (operator_attrs.h): venus's packer fills it from ONNX `dim`, arcs/venusA from `axis`
    "SoftmaxInt": AttrStruct("SoftmaxIntAttrs", struct.Struct("<b"), (("axis", 1),)),
    # GluIntAttrs 1 (operator_attrs.h: int8 axis), tpacker fills it from ONNX `dim` as given (−1 stays −1)
    "GluInt": AttrStruct("GluIntAttrs", struct.Struct("<b"), (("axis", 1),)),
    # LayerNormIntAttrs 8 (operator_attrs.h: int8 axis, int8 keepdims, float eps); the executor reads none of them
    "LayerNormInt": AttrStruct("LayerNormIntAttrs", struct.Struct("<bbxxf"), (("axis", 1), ("keepdims", 1), ("eps", 1))),
    # LstmIntAttrs 8 (operator_attrs.h): u16 direction, u16 hidden_size, u16 input_size, u8 layout, u8 quant_type
    "LSTMInt": AttrStruct("LstmIntAttrs", struct.Struct("<HHHBB"),
                          (("direction", 1), ("hidden_size", 1), ("input_size", 1), ("layout", 1), ("quant_type", 1))),
    # GRUIntAttrs 8 (operator_attrs.h): u16 direction, u16 hidden_size, u16 input_size, u8 layout, u8 quant_type
    "GRUInt": AttrStruct("GRUIntAttrs", struct.Struct("<HHHBB"),
                         (("direction", 1), ("hidden_size", 1), ("input_size", 1), ("layout", 1), ("quant_type", 1))),
    "ShuffleChannel": AttrStruct("ShuffleChannelAttrs", struct.Struct("<Bb"), (("num_group", 1), ("axis", 1))),
    "Resize": AttrStruct("ResizeAttrs", struct.Struct("<IfII"),
                         (("coord_trans_mode", 1), ("cubic_coeff_a", 1), ("mode", 1), ("nearest_mode", 1))),
    # ops breadth II: Conv1dIntAttrs 12, ConvTranspose2dIntAttrs 32 (operator_attrs.h)
    "Conv1dInt": AttrStruct("Conv1dIntAttrs", struct.Struct("<H2BBxhh2B"),
                            (("kernel", 1), ("pad", 2), ("stride", 1), ("group", 1), ("layout", 1),
                             ("quant_type", 1), ("act_type", 1))),
    "ConvTranspose2dInt": AttrStruct("ConvTranspose2dIntAttrs", struct.Struct("<3Bx3H6B6B3Bxhh2B"),
                                     (("dilation", 3), ("kernel", 3), ("pad", 6), ("output_padding", 6),
                                      ("stride", 3), ("group", 1), ("layout", 1), ("quant_type", 1),
                                      ("act_type", 1))),
}
