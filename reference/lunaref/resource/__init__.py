"""thinker resources (model.bin): the format (spec/formats/resource.md), a checked reader, CRC-24."""

from .crc import crc24
from .reader import (DMAEntry, DyAxis, Header, IOEntry, Memory, Operator, Parameter, Resource, ScalarGraph,
                     ShapeInfer, TensorRecord, read)

__all__ = ["read", "crc24", "Resource", "Header", "Memory", "TensorRecord", "Operator", "IOEntry", "Parameter",
           "ShapeInfer", "ScalarGraph", "DyAxis", "DMAEntry"]
