"""CRC-24 of thinker resources (spec/formats/resource.md §10).

Reflected (LSB-first) CRC with the polynomial 0x800063 (reflected constant 0xC60001), initial value 0,
no final XOR.  Check value: ``crc24(b"123456789") == 0xB30D04``.  Written by hand: the project's
runtime dependencies are numpy and onnx only, and no standard-library routine computes this CRC.
"""

from __future__ import annotations

import numpy as np

__all__ = ["crc24", "POLY_REFLECTED"]

POLY_REFLECTED = 0xC60001


def _table() -> np.ndarray:
    t = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        t = np.where(t & 1, (t >> 1) ^ POLY_REFLECTED, t >> 1).astype(np.uint32)
    return t


_TABLE = [int(v) for v in _table()]


def crc24(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """The thinker CRC-24 of ``data``, continuing from ``crc``."""
    table = _TABLE
    for b in bytes(data):
        crc = (crc ^ b) & 0xFFFFFF
        crc = (crc >> 8) ^ table[crc & 0xFF]
    return crc
