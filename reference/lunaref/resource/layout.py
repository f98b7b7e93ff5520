"""Fixed facts of the thinker resource format (spec/formats/resource.md): sizes, enums, attribute structs.

All numbers here are the layout of thinker 3.0.4's C structs as its packer (an x86-64 host, natural
alignment, little endian) writes them: ``tools/tpacker/executor/thinker_type.h`` and
``operator_attrs.h`` in LISTENAI/thinker.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["LABEL", "HEADER", "HEADER_SIZE", "PLATFORM_CODES", "MEM_TYPES", "LAYOUTS", "DTYPES",
           "EXECUTOR_OPS", "AttrStruct", "ATTR_STRUCTS", "ALIGN"]

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


@dataclass(frozen=True)
class AttrStruct:
    """An operator attribute struct: its C name, binary layout and how to name the decoded fields."""

    name: str
    layout: struct.Struct
    decode: Callable[[tuple], dict[str, Any]]

    @property
    def size(self) -> int:
        return self.layout.size


def _conv(v: tuple) -> dict[str, Any]:
    return {"dilation": list(v[0:3]), "kernel": list(v[3:6]), "pad": list(v[6:12]), "stride": list(v[12:15]),
            "group": v[15], "layout": v[16], "quant_type": v[17], "act_type": v[18]}


def _pool(v: tuple) -> dict[str, Any]:
    return {"ceil": v[0], "kernel": list(v[1:3]), "stride": list(v[3:5]), "pad": list(v[5:9]),
            "layout": v[9], "quant_type": v[10]}


#: Attribute structs of the ops lunaref implements, by executor op name.  Sizes with natural C
#: alignment: Conv2dIntAttrs 26, LinearIntAttrs 20, PoolAttrs 14, QuantAttrs 2, RequantAttrs 3,
#: DequantAttrs 1, iqBinaryAttrs 2, FlattenAttrs 1.  Ops absent here have no attribute struct.
ATTR_STRUCTS: dict[str, AttrStruct] = {
    "Conv2dInt": AttrStruct("Conv2dIntAttrs", struct.Struct("<3Bx3H6B3Bxhh2B"), _conv),
    "LinearInt": AttrStruct("LinearIntAttrs", struct.Struct("<ffiiB3x"),
                            lambda v: {"alpha": v[0], "beta": v[1], "transA": v[2], "transB": v[3],
                                       "quant_type": v[4]}),
    "MaxPool": AttrStruct("PoolAttrs", struct.Struct("<B2B2B4BxHBx"), _pool),
    "AvgPool2dInt": AttrStruct("PoolAttrs", struct.Struct("<B2B2B4BxHBx"), _pool),
    "Quant": AttrStruct("QuantAttrs", struct.Struct("<BB"), lambda v: {"data_bits": v[0], "quant_type": v[1]}),
    "Requant": AttrStruct("RequantAttrs", struct.Struct("<BBB"),
                          lambda v: {"data_bits": v[0], "o_bits": v[1], "quant_type": v[2]}),
    "Dequant": AttrStruct("DequantAttrs", struct.Struct("<B"), lambda v: {"scale_o": v[0]}),
    "iqAdd": AttrStruct("iqBinaryAttrs", struct.Struct("<BB"), lambda v: {"quant_type": v[0], "reserve": v[1]}),
    "Flatten": AttrStruct("FlattenAttrs", struct.Struct("<b"), lambda v: {"axis": v[0]}),
}
