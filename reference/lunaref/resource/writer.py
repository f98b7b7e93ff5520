"""Serialise a :class:`~lunaref.resource.Resource` back to bytes (spec/formats/resource.md).

The layout is the one thinker 3.0.4's packer writes, byte for byte: sections in file order, each
starting 16-aligned with zero padding, reserved fields zero, and the CRC-24 of bytes
``[80, total_size)`` in the header.  ``write(read(b)) == b`` for every resource the packer makes.
"""

from __future__ import annotations

import struct
from typing import Iterable

from .. import errors
from .crc import crc24
from .layout import ALIGN, DTYPES, HEADER, HEADER_SIZE, LABEL, LAYOUTS, MEM_TYPES, PLATFORM_CODES
from .reader import Resource, ShapeInfer

__all__ = ["write", "align"]

_MEM = {v: k for k, v in MEM_TYPES.items()}
_LAYOUT = {v: k for k, v in LAYOUTS.items()}
_PLATFORM = {v: k for k, v in PLATFORM_CODES.items()}


def align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def _pad(buf: bytes) -> bytes:
    return buf + b"\0" * (align(len(buf)) - len(buf))


def _name(text: str, width: int, what: str) -> bytes:
    raw = text.encode("ascii")
    if len(raw) >= width:
        raise errors.BadArgument(f"{what} {text!r} does not fit {width} bytes with its NUL")
    return raw + b"\0" * (width - len(raw))


def _memory(r: Resource) -> bytes:
    shared = sum(1 for m in r.memory if m.shared)
    out = struct.pack("<HHIII", shared, len(r.memory), 16, 16, 16)
    for m in r.memory:
        out += struct.pack("<IBBHQ", m.size, _MEM[m.mem], 0, 0, 0)
    return out


def _tensors(r: Resource) -> bytes:
    out = struct.pack("<IIII", len(r.tensors), 64, 16, 16)
    for t in r.tensors:
        dims = list(t.shape) + [0] * (7 - len(t.shape))
        out += struct.pack("<BBHifiI7IQB3xI", _MEM[t.mem], 0, t.dtype_code, t.mem_id, t.scale, t.zero,
                           len(t.shape), *dims, t.offset, _LAYOUT[t.layout], 0)
    return out


def _operators(r: Resource) -> bytes:
    types: list[str] = []
    for op in r.operators:
        if op.type not in types:
            types.append(op.type)
    type_len = align(max(len(t) for t in types) + 1) if types else 0
    records = b""
    for op in r.operators:
        ids = op.inputs + op.outputs + op.temps
        tens_off = align(16 + len(op.attr_bytes))
        end = align(tens_off + 4 * len(ids))
        rec = struct.pack("<HHHHHHHBB", types.index(op.type), 16, tens_off, end, end, len(op.inputs),
                          len(op.outputs), len(op.temps), 1)
        rec = _pad(rec + op.attr_bytes) + struct.pack(f"<{len(ids)}i", *ids)
        records += _pad(rec)
    head = struct.pack("<HHBBHII", len(r.operators), len(types), type_len, 16, 16, 16 + type_len * len(types),
                       len(records))
    return head + b"".join(_name(t, type_len, "operator type") for t in types) + records


def _io(r: Resource) -> bytes:
    entries = r.inputs + r.outputs
    name_len = align(max(len(e.name) for e in entries) + 1) if entries else 0
    head = struct.pack("<HHHHII", len(r.inputs), len(r.outputs), 0, name_len, 16, 16 + 4 * len(entries))
    ids = struct.pack(f"<{len(entries)}i", *(e.tensor for e in entries))
    return head + ids + b"".join(_name(e.name, name_len, "io name") for e in entries)


def _parameters(r: Resource) -> bytes:
    out = struct.pack("<IIII", len(r.parameters), 16, 16, 16)
    for p in r.parameters:
        out += struct.pack("<BBHIQ", _MEM[p.mem], 0, p.mem_id, 16, p.size)
        out += r.data[p.data_offset:p.data_offset + p.size]
    return out


def _shape_infer(s: ShapeInfer) -> bytes:
    if s.empty:
        return b""
    axes = b"".join(struct.pack("<HBB", a.tensor, a.dim, a.scalar_input) for a in s.dy_axes)
    graph = b""
    if s.graph is not None:
        g = s.graph
        graph = struct.pack("<iiii", len(g.inputs), len(g.outputs), len(g.nodes), len(g.scalars))
        graph += struct.pack(f"<{len(g.inputs)}i", *g.inputs) + struct.pack(f"<{len(g.outputs)}i", *g.outputs)
        graph += b"".join(_name(n, 32, "scalar graph input name") for n in g.input_names)
        graph += struct.pack(f"<{len(g.scalars)}d", *g.scalars)
        graph += struct.pack(f"<{len(g.nodes)}i", *(2 + len(ins) for _, ins, _ in g.nodes))
        graph += b"".join(struct.pack(f"<{2 + len(ins)}i", op, *ins, out) for op, ins, out in g.nodes)
    pairs = b"".join(struct.pack("<HBB", t, d, 0) for t, d in s.pairs)
    dy_off = 32
    g_off = align(dy_off + len(axes))
    p_off = align(g_off + len(graph))
    head = struct.pack("<IIIIII", dy_off, g_off, p_off, len(s.dy_axes), len(graph), len(s.pairs))
    return _pad(_pad(_pad(head) + axes) + graph) + pairs


def _debug(r: Resource) -> bytes:
    out = struct.pack("<IIQII", len(r.debug_names), 0, 0, 24, 0)
    return out + b"".join(_name(n, 64, "debug name") for n in r.debug_names)


def _dma(r: Resource) -> bytes:
    out = struct.pack("<IIII", len(r.dma), 16, 16, 16)
    for d in r.dma:
        out += struct.pack("<BBBBHHQ", _MEM[d.src_mem], d.src_id, _MEM[d.dst_mem], d.dst_id, d.src_tensor,
                           d.dst_tensor, d.size)
    return out


def write(r: Resource) -> bytes:
    """The resource's bytes, with offsets, total size and CRC recomputed."""
    parts: Iterable[bytes] = (_memory(r), _tensors(r), _operators(r), _io(r), _parameters(r),
                              _shape_infer(r.shape_infer), _debug(r), _dma(r))
    body, offsets = b"", []
    for part in parts:
        offsets.append(HEADER_SIZE + len(body))
        body += _pad(part)
    mem, ten, op, io, par, shp, dbg, dma = offsets
    total = HEADER_SIZE + len(body)
    if any(t.dtype_code not in DTYPES for t in r.tensors):
        raise errors.BadArgument("unknown dtype code in a tensor record")
    head = HEADER.pack(LABEL, crc24(body), mem, ten, 0, op, io, 0, dbg, shp, par, dma,
                       _PLATFORM[r.header.platform], total)
    return head + b"\0" * (HEADER_SIZE - len(head)) + body
