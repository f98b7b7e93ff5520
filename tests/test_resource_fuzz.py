"""Fuzzing the resource reader: mutations of valid resources (truncation, bit flips, field overwrites with
boundary values, swapped section offsets), with and without a repaired CRC.  Every outcome must be a
checked Resource or a named format error — never another exception, never a hang.

1,000 cases in the default run; 20,000 with ``-m slow``.
"""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lunaref import errors, resource
from lunaref.resource.crc import crc24
from lunaref.resource.inspect import describe
from lunaref.resource.writer import write

from resource_samples import sample

BASES = [sample(p, d) for p in ("venus", "venusA", "arcs") for d in (False, True)]
BOUNDARY = [0, 1, 2, 15, 16, 17, 63, 64, 80, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF,
            0x80000000, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF]
SIZES = {1: "<B", 2: "<H", 4: "<I", 8: "<Q"}


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "flip", "field", "field", "swap", "header"]))
        if kind == "truncate" and len(data) > 1:
            del data[draw(st.integers(0, len(data) - 1)):]
        elif kind == "flip" and data:
            for _ in range(draw(st.integers(1, 8))):
                i = draw(st.integers(0, len(data) - 1))
                data[i] ^= 1 << draw(st.integers(0, 7))
        elif kind in ("field", "header") and len(data) >= 8:
            size = draw(st.sampled_from(sorted(SIZES)))
            hi = min(len(data), 80 if kind == "header" else len(data)) - size
            if hi >= 0:
                off = draw(st.integers(0, hi // size)) * size
                value = draw(st.sampled_from(BOUNDARY)) & ((1 << (8 * size)) - 1)
                struct.pack_into(SIZES[size], data, off, value)
        elif kind == "swap" and len(data) >= 64:
            a, b = draw(st.integers(0, 11)), draw(st.integers(0, 11))
            fa, fb = 20 + 4 * a, 20 + 4 * b
            data[fa:fa + 4], data[fb:fb + 4] = data[fb:fb + 4], data[fa:fa + 4]
    if draw(st.booleans()) and len(data) >= 80:  # repair the CRC so the edit reaches the structural checks
        struct.pack_into("<I", data, 16, crc24(data[80:]))
    return bytes(data)


def check(data: bytes) -> None:
    try:
        r = resource.read(data)
    except (errors.MalformedResource, errors.CrcMismatch):
        return
    again = write(r)                      # whatever reads must re-serialise and read back the same
    assert resource.read(again).tensors == r.tensors
    json.dumps(describe(r))


@settings(max_examples=1000, deadline=2000, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_fuzz_default(data):
    check(data)


@pytest.mark.slow
@settings(max_examples=20000, deadline=2000, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_fuzz_long(data):
    check(data)
