"""Valid thinker resources made in the tests (with lunaref's writer), for the reader, inspect and fuzzing.

A small conv network laid out as tpacker lays one out: constants in one PSRAM parameter blob, activations
in a share-memory arena, a workspace, a DMA buffer fed by one DMA entry, debug names; optionally a
dynamic-shape program (one symbol T, dims updated to ``4·floor(T/4)``).
"""

from __future__ import annotations

import struct

from lunaref.resource.layout import ATTR_STRUCTS
from lunaref.resource.reader import (DMAEntry, DyAxis, Header, IOEntry, Memory, Operator, Parameter, Resource,
                                     ScalarGraph, ShapeInfer, TensorRecord)
from lunaref.resource.writer import write

PLATFORM_CODE = {"venus": 0, "arcs": 2, "venusA": 3}


def _tensor(i, name, dtype, code, shape, scale, mem, mem_id, offset, layout="NCHW"):
    return TensorRecord(i, name, mem, code, dtype, mem_id, float(scale), None if scale == -1 else int(scale), 0,
                        tuple(shape), offset, layout)


def _pad16(b: bytes) -> bytes:
    return b + b"\0" * (-len(b) % 16)


def sample(platform: str = "venusA", dynamic: bool = False) -> bytes:
    weight = bytes(range(1, 1 + 2 * 1 * 3 * 3))                 # int8 [2,1,3,3] (18 bytes)
    bias = struct.pack("<2i", 100, -100)                           # int32 [2]
    blob = _pad16(weight) + _pad16(bias)
    tensors = (
        _tensor(0, "input", "Int8", 0x6901, (1, 1, 8, 8), 7, "share", 1, 0),
        _tensor(1, "conv.weight", "Int8", 0x6901, (2, 1, 3, 3), 6, "psram", 0, 0),
        _tensor(2, "conv.bias", "Int32", 0x6904, (2,), -1, "psram", 0, 32),
        _tensor(3, "conv_out", "Int8", 0x6901, (1, 2, 8, 8), 5, "share", 1, 64),
        _tensor(4, "relu_out", "Int8", 0x6901, (1, 2, 8, 8), 5, "share", 1, 192),
        _tensor(5, "dma_buffer1", "Int8", 0x6901, (48,), -1, "share", 1, 320),
    )
    conv = ATTR_STRUCTS["Conv2dInt"]
    conv_attrs = {"dilation": [1, 1, 0], "kernel": [3, 3, 0], "pad": [1, 1, 1, 1, 0, 0], "stride": [1, 1, 0],
                  "group": 1, "layout": 0, "quant_type": 1, "act_type": 0}
    operators = (
        Operator(0, "Conv2dInt", conv_attrs, _pad16(conv.encode(conv_attrs)), (0, 1, 2), (3,), (5,)),
        Operator(1, "Relu", None, b"", (3,), (4,), ()),
    )
    shape = ShapeInfer((), None, ())
    if dynamic:
        graph = ScalarGraph(inputs=(2,), outputs=(5, 5, 5), input_names=("T",), scalars=(4.0, 0.25, 0, 0, 0, 0),
                            nodes=((2, (1, 2), 3), (5, (3,), 4), (2, (0, 4), 5)))
        shape = ShapeInfer((DyAxis(0, 3, 0),), graph, ((0, 3), (3, 3), (4, 3)))
    header = Header("thinker10", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, PLATFORM_CODE[platform], 0)
    res = Resource(
        header=header,
        memory=(Memory(0, len(blob), "psram", True), Memory(1, 368, "share", False)),
        tensors=tensors, operators=operators,
        inputs=(IOEntry("input", 0),), outputs=(IOEntry("relu_out", 4),),
        parameters=(Parameter("psram", 0, 0, len(blob)),),
        shape_infer=shape,
        debug_names=tuple(t.name for t in tensors),
        dma=(DMAEntry("psram", 0, "share", 0, 1, 5, 48),),
        data=blob,
    )
    return write(res)
