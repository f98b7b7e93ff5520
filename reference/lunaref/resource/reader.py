"""Read a thinker resource (model.bin) into an immutable, fully checked description
(spec/formats/resource.md).

Every offset, size and count is checked against the bytes that hold it before it is used, and no
allocation is sized by a field that has not been checked: a malformed file raises
:class:`~lunaref.errors.MalformedResource` (or :class:`~lunaref.errors.CrcMismatch`) naming the field.
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .. import errors
from .crc import crc24
from .layout import (ALIGN, ATTR_STRUCTS, DTYPES, EXECUTOR_OPS, HEADER, HEADER_FIELDS, HEADER_SIZE, LABEL,
                     LAYOUTS, MEM_TYPES, PLATFORM_CODES)

__all__ = ["Header", "Memory", "TensorRecord", "Operator", "IOEntry", "Parameter", "DyAxis", "ScalarGraph",
           "ShapeInfer", "DMAEntry", "Resource", "read"]

#: Sanity limits that keep a corrupt count from driving work: far above anything a chip can hold.
MAX_NDIM = 7


@dataclass(frozen=True)
class Header:
    label: str
    crc: int
    memory_offset: int
    tensor_offset: int
    scalar_offset: int
    op_offset: int
    io_offset: int
    state_offset: int
    debug_offset: int
    shape_infer_offset: int
    param_offset: int
    dma_offset: int
    platform_code: int
    total_size: int

    @property
    def platform(self) -> str:
        return PLATFORM_CODES[self.platform_code]


@dataclass(frozen=True)
class Memory:
    """A memory-list record: a parameter blob (``shared``) or a runtime arena."""

    index: int
    size: int
    mem: str            # flash, psram, share
    shared: bool


@dataclass(frozen=True)
class TensorRecord:
    index: int
    name: str | None    # from the debug list, if present
    mem: str
    dtype_code: int
    dtype: str          # thinker's name: Int8, Float32, ...
    mem_id: int         # 0: a constant in parameter blob 0; otherwise a runtime tensor
    scale: float
    exponent: int | None
    zero: int
    shape: tuple[int, ...]
    offset: int
    layout: str

    @property
    def constant(self) -> bool:
        return self.mem_id == 0

    @property
    def nbytes(self) -> int:
        n = math.prod(self.shape)
        size = DTYPES[self.dtype_code][2]
        return math.ceil(n * size)


@dataclass(frozen=True)
class Operator:
    index: int
    type: str
    attrs: Mapping[str, Any] | None   # decoded struct, or None when the blob is empty
    attr_bytes: bytes
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    temps: tuple[int, ...]


@dataclass(frozen=True)
class IOEntry:
    name: str
    tensor: int


@dataclass(frozen=True)
class Parameter:
    mem: str
    mem_id: int
    data_offset: int    # absolute file offset of the blob's data
    size: int


@dataclass(frozen=True)
class DyAxis:
    tensor: int
    dim: int
    scalar_input: int


@dataclass(frozen=True)
class ScalarGraph:
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    input_names: tuple[str, ...]
    scalars: tuple[float, ...]
    nodes: tuple[tuple[int, tuple[int, ...], int], ...]   # (op code, inputs, output)


@dataclass(frozen=True)
class ShapeInfer:
    dy_axes: tuple[DyAxis, ...]
    graph: ScalarGraph | None
    pairs: tuple[tuple[int, int], ...]                     # (tensor id, dim id) receiving output k

    @property
    def empty(self) -> bool:
        return not self.dy_axes and self.graph is None and not self.pairs


@dataclass(frozen=True)
class DMAEntry:
    src_mem: str
    src_id: int
    dst_mem: str
    dst_id: int
    src_tensor: int
    dst_tensor: int
    size: int


@dataclass(frozen=True)
class Resource:
    header: Header
    memory: tuple[Memory, ...]
    tensors: tuple[TensorRecord, ...]
    operators: tuple[Operator, ...]
    inputs: tuple[IOEntry, ...]
    outputs: tuple[IOEntry, ...]
    parameters: tuple[Parameter, ...]
    shape_infer: ShapeInfer
    debug_names: tuple[str, ...]
    dma: tuple[DMAEntry, ...]
    data: bytes

    @property
    def platform(self) -> str:
        return self.header.platform

    def constant_bytes(self, tensor: TensorRecord) -> bytes:
        """The raw bytes of a constant tensor (from parameter blob 0, as the executor binds them)."""
        if not tensor.constant:
            raise errors.BadArgument(f"tensor {tensor.index} is not a constant")
        start = self.parameters[0].data_offset + tensor.offset
        return self.data[start:start + tensor.nbytes]


# ----------------------------------------------------------------------------------------------

class _Bytes:
    """Bounded little-endian reads; every failure names the field."""

    def __init__(self, data: bytes, end: int) -> None:
        self.data, self.end = data, end

    def need(self, offset: int, size: int, what: str) -> None:
        if offset < 0 or size < 0 or offset + size > self.end:
            raise errors.MalformedResource(f"{what}: bytes [{offset}, {offset + size}) lie outside the resource "
                                           f"(size {self.end})")

    def unpack(self, fmt: struct.Struct, offset: int, what: str) -> tuple:
        self.need(offset, fmt.size, what)
        return fmt.unpack_from(self.data, offset)

    def cstr(self, offset: int, size: int, what: str) -> str:
        self.need(offset, size, what)
        raw = self.data[offset:offset + size].split(b"\0", 1)[0]
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise errors.MalformedResource(f"{what}: name is not ASCII") from None


def _fail(msg: str) -> errors.MalformedResource:
    return errors.MalformedResource(msg)


def _list_header(b: _Bytes, offset: int, fmt: str, what: str) -> tuple:
    return b.unpack(struct.Struct(fmt), offset, what)


def _check_tensor_id(tid: int, count: int, what: str) -> int:
    if not 0 <= tid < count:
        raise _fail(f"{what}: tensor id {tid} outside [0, {count})")
    return tid


def _header(b: _Bytes) -> Header:
    if len(b.data) < HEADER_SIZE:
        raise _fail(f"header: {len(b.data)} bytes, a resource has at least {HEADER_SIZE}")
    values = HEADER.unpack_from(b.data, 0)
    h = dict(zip(HEADER_FIELDS, values))
    label = h["label"]
    if label.split(b"\0", 1)[0] != LABEL or any(label[len(LABEL):]):
        raise _fail(f"header: label {label!r} is not {LABEL.decode()!r}")
    if h["platform_code"] not in PLATFORM_CODES:
        raise _fail(f"header: platform code {h['platform_code']} (expected one of {sorted(PLATFORM_CODES)})")
    if h["total_size"] != len(b.data):
        raise _fail(f"header: total_size {h['total_size']} but the resource has {len(b.data)} bytes")
    h["label"] = LABEL.decode()
    return Header(**h)


#: Sections in file order.  Each runs from its offset to the next section's offset (the last one to
#: total_size), so sections cannot overlap; an empty section has the same offset as the next.
SECTION_ORDER = ("memory", "tensor", "operator", "io", "parameter", "shape-inference", "debug", "dma")


def _sections(h: Header) -> dict[str, tuple[int, int]]:
    offsets = [h.memory_offset, h.tensor_offset, h.op_offset, h.io_offset, h.param_offset,
               h.shape_infer_offset, h.debug_offset, h.dma_offset]
    prev = HEADER_SIZE
    for name, off in zip(SECTION_ORDER, offsets):
        if off % ALIGN or off < prev or off > h.total_size:
            raise _fail(f"header: {name} section offset {off} must be 16-aligned, not below the previous "
                        f"section ({prev}) and within the resource ({h.total_size})")
        prev = off
    ends = offsets[1:] + [h.total_size]
    return {name: (start, end) for name, start, end in zip(SECTION_ORDER, offsets, ends)}


def read(source: bytes | bytearray | str | os.PathLike, *, accept_zero_crc: bool = False) -> Resource:
    """Read and check a thinker resource from bytes or a path.

    The stored CRC-24 must equal the CRC of bytes ``[80, total_size)``.  thinker skips the check when
    the stored value is 0; lunaref refuses that (``CrcMismatch``) unless ``accept_zero_crc`` is set.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise errors.InputNotFound(f"cannot read resource {os.fspath(source)!r}: {exc.strerror or exc}") from None
    b = _Bytes(data, len(data))
    h = _header(b)
    if h.crc == 0:
        if not accept_zero_crc:
            raise errors.CrcMismatch("header: CRC field is 0 (no CRC recorded); accept such files explicitly "
                                     "(--accept-zero-crc / accept_zero_crc=True)")
    else:
        actual = crc24(memoryview(data)[HEADER_SIZE:h.total_size])
        if actual != h.crc:
            raise errors.CrcMismatch(f"header: stored CRC 0x{h.crc:06x}, bytes [80, {h.total_size}) have "
                                     f"CRC 0x{actual:06x}")
    sec = _sections(h)
    memory = _read_memory(b, *sec["memory"])
    tensors = _read_tensors(b, *sec["tensor"])
    parameters = _read_parameters(b, *sec["parameter"])
    debug_names = _read_debug(b, *sec["debug"])
    if debug_names and len(debug_names) != len(tensors):
        raise _fail(f"debug section: {len(debug_names)} names for {len(tensors)} tensors")
    if debug_names:
        tensors = tuple(TensorRecord(**{**t.__dict__, "name": debug_names[t.index]}) for t in tensors)
    operators = _read_operators(b, *sec["operator"], len(tensors))
    inputs, outputs = _read_io(b, *sec["io"], len(tensors))
    shape_infer = _read_shape_infer(b, *sec["shape-inference"], len(tensors))
    dma = _read_dma(b, *sec["dma"], len(tensors))
    _check_placement(memory, tensors, parameters)
    return Resource(h, memory, tensors, operators, inputs, outputs, parameters, shape_infer, debug_names, dma, data)


def _read_memory(b: _Bytes, start: int, end: int) -> tuple[Memory, ...]:
    shared, count, elem, hdr, off = _list_header(b, start, "<HHIII", "memory section header")
    if elem != 16 or hdr != 16 or off != 16:
        raise _fail(f"memory section: element/header/offset sizes {elem}/{hdr}/{off} (expected 16/16/16)")
    if shared > count:
        raise _fail(f"memory section: {shared} parameter blobs but only {count} records")
    if start + off + 16 * count > end:
        raise _fail(f"memory section: {count} records do not fit in [{start}, {end})")
    out = []
    for i in range(count):
        size, dev, mem_type, _pad, _ptr = b.unpack(struct.Struct("<IBBHQ"), start + off + 16 * i, f"memory record {i}")
        if dev not in MEM_TYPES:
            raise _fail(f"memory record {i}: memory type {dev} (expected 0 flash, 1 psram, 2 share)")
        out.append(Memory(i, size, MEM_TYPES[dev], i < shared))
    return tuple(out)


def _read_tensors(b: _Bytes, start: int, end: int) -> tuple[TensorRecord, ...]:
    count, elem, hdr, off = _list_header(b, start, "<IIII", "tensor section header")
    if elem != 64 or hdr != 16 or off != 16:
        raise _fail(f"tensor section: element/header/offset sizes {elem}/{hdr}/{off} (expected 64/16/16)")
    if start + off + 64 * count > end:
        raise _fail(f"tensor section: {count} records do not fit in [{start}, {end})")
    rec = struct.Struct("<BBHifiI7IQB3xI")
    out = []
    for i in range(count):
        (mem, _mt, dtype, mem_id, scale, zero, ndim, *rest) = b.unpack(rec, start + off + 64 * i, f"tensor {i}")
        dims, offset, layout = rest[:7], rest[7], rest[8]
        if mem not in MEM_TYPES:
            raise _fail(f"tensor {i}: memory type {mem}")
        if dtype not in DTYPES:
            raise _fail(f"tensor {i}: unknown dtype code 0x{dtype:04x}")
        if ndim > MAX_NDIM:
            raise _fail(f"tensor {i}: ndim {ndim} > {MAX_NDIM}")
        if layout not in LAYOUTS:
            raise _fail(f"tensor {i}: layout code {layout}")
        if mem_id not in (0, 1):
            raise _fail(f"tensor {i}: mem_id {mem_id} (0 constant, 1 runtime)")
        if not math.isfinite(scale) or (scale != -1 and scale != int(scale)):
            raise _fail(f"tensor {i}: scale {scale} is neither an integral exponent nor -1")
        shape = tuple(dims[:ndim])
        exponent = None if scale == -1 or DTYPES[dtype][1] in (None, "float32") else int(scale)
        out.append(TensorRecord(i, None, MEM_TYPES[mem], dtype, DTYPES[dtype][0], mem_id, scale, exponent, zero,
                                shape, offset, LAYOUTS[layout]))
    return tuple(out)


def _read_parameters(b: _Bytes, start: int, end: int) -> tuple[Parameter, ...]:
    count, elem, hdr, off = _list_header(b, start, "<IIII", "parameter section header")
    if elem != 16 or hdr != 16 or off != 16:
        raise _fail(f"parameter section: element/header/offset sizes {elem}/{hdr}/{off} (expected 16/16/16)")
    pos, out = start + off, []
    for i in range(count):
        mem, _mt, mem_id, data_off, size = b.unpack(struct.Struct("<BBHIQ"), pos, f"parameter blob {i} header")
        if mem not in MEM_TYPES:
            raise _fail(f"parameter blob {i}: memory type {mem}")
        if data_off != 16 or size % ALIGN:
            raise _fail(f"parameter blob {i}: data offset {data_off} / size {size} (expected 16 / a multiple of 16)")
        if pos + data_off + size > end:
            raise _fail(f"parameter blob {i}: {size} bytes do not fit in the section [{start}, {end})")
        out.append(Parameter(MEM_TYPES[mem], mem_id, pos + data_off, size))
        pos += data_off + size
    return tuple(out)


def _read_debug(b: _Bytes, start: int, end: int) -> tuple[str, ...]:
    if start == end:
        return ()
    count, _pad, _ptr, off, _pad2 = _list_header(b, start, "<IIQII", "debug section header")
    if off != 24:
        raise _fail(f"debug section: names start at {off} (expected 24, the 64-bit packer's tDebugList)")
    if start + off + 64 * count > end:
        raise _fail(f"debug section: {count} names do not fit in [{start}, {end})")
    return tuple(b.cstr(start + off + 64 * i, 64, f"debug name {i}") for i in range(count))


def _read_operators(b: _Bytes, start: int, end: int, n_tensors: int) -> tuple[Operator, ...]:
    count, n_types, type_len, hdr, type_off, op_off, op_size = _list_header(b, start, "<HHBBHII",
                                                                            "operator section header")
    if hdr != 16 or type_off != 16 or op_off != type_off + type_len * n_types:
        raise _fail(f"operator section: header {hdr}, type table at {type_off}, records at {op_off} "
                    f"(expected 16, 16, 16 + {type_len}·{n_types})")
    if start + op_off + op_size > end:
        raise _fail(f"operator section: {op_size} record bytes do not fit in [{start}, {end})")
    types = []
    for t in range(n_types):
        name = b.cstr(start + type_off + type_len * t, type_len, f"operator type {t}")
        if name not in EXECUTOR_OPS:
            raise _fail(f"operator type {t}: {name!r} is not an operator of thinker's executor")
        types.append(name)
    pos, stop, out = start + op_off, start + op_off + op_size, []
    rec = struct.Struct("<HHHHHHHBB")
    for i in range(count):
        op_id, attr_off, tens_off, scal_off, total, n_in, n_out, n_tmp, _n_scalar = b.unpack(rec, pos, f"operator {i}")
        if not op_id < n_types:
            raise _fail(f"operator {i}: type index {op_id} outside [0, {n_types})")
        n = n_in + n_out + n_tmp
        if not (attr_off == 16 and attr_off <= tens_off and tens_off % ALIGN == 0
                and tens_off + 4 * n <= scal_off == total and pos + total <= stop):
            raise _fail(f"operator {i} ({types[op_id]}): record offsets attr {attr_off}, tensors {tens_off}, "
                        f"end {scal_off}/{total} are inconsistent or leave the section")
        ids = struct.unpack_from(f"<{n}i", b.data, pos + tens_off)
        for k, tid in enumerate(ids):
            _check_tensor_id(tid, n_tensors, f"operator {i} ({types[op_id]}) tensor {k}")
        blob = b.data[pos + attr_off:pos + tens_off]
        out.append(Operator(i, types[op_id], _decode_attrs(types[op_id], blob, i), blob,
                            ids[:n_in], ids[n_in:n_in + n_out], ids[n_in + n_out:]))
        pos += total
    if pos != stop:
        raise _fail(f"operator section: records end at {pos - start}, the header says {op_off + op_size}")
    return tuple(out)


def _decode_attrs(op: str, blob: bytes, index: int) -> Mapping[str, Any] | None:
    if not blob:
        return None
    s = ATTR_STRUCTS.get(op)
    if s is None:
        return None
    if len(blob) < s.size:
        raise _fail(f"operator {index} ({op}): {len(blob)} attribute bytes, {s.name} needs {s.size}")
    return s.decode(s.layout.unpack_from(blob, 0))


def _read_io(b: _Bytes, start: int, end: int, n_tensors: int):
    n_in, n_out, n_state, name_len, tens_off, name_off = _list_header(b, start, "<HHHHII", "io section header")
    n = n_in + n_out + 2 * n_state
    if tens_off != 16 or name_off != 16 + 4 * n:
        raise _fail(f"io section: ids at {tens_off}, names at {name_off} (expected 16 and {16 + 4 * n})")
    names_end = start + name_off + name_len * (n_in + n_out + n_state)
    if names_end > end:
        raise _fail(f"io section: {n} entries do not fit in [{start}, {end})")
    ids = struct.unpack_from(f"<{n}i", b.data, start + tens_off)
    entries = []
    for k in range(n_in + n_out):
        name = b.cstr(start + name_off + name_len * k, name_len, f"io name {k}")
        entries.append(IOEntry(name, _check_tensor_id(ids[k], n_tensors, f"io entry {k}")))
    return tuple(entries[:n_in]), tuple(entries[n_in:])


def _read_shape_infer(b: _Bytes, start: int, end: int, n_tensors: int) -> ShapeInfer:
    if start == end:
        return ShapeInfer((), None, ())
    dy_off, g_off, p_off, n_dy, g_size, n_pair = _list_header(b, start, "<IIIIII", "shape-inference header")
    limit = end - start

    def inside(off: int, size: int, what: str) -> None:
        if off < 24 or off + size > limit:
            raise _fail(f"shape-inference section: {what} [{off}, {off + size}) outside [24, {limit})")

    inside(dy_off, 4 * n_dy, "dynamic axes")
    inside(g_off, g_size, "scalar graph")
    inside(p_off, 4 * n_pair, "tensor/dim pairs")
    axes = []
    for k in range(n_dy):
        tid, dim, sid = b.unpack(struct.Struct("<HBB"), start + dy_off + 4 * k, f"dynamic axis {k}")
        axes.append(DyAxis(_check_tensor_id(tid, n_tensors, f"dynamic axis {k}"), dim, sid))
    pairs = []
    for k in range(n_pair):
        tid, dim, _pad = b.unpack(struct.Struct("<HBB"), start + p_off + 4 * k, f"tensor/dim pair {k}")
        pairs.append((_check_tensor_id(tid, n_tensors, f"tensor/dim pair {k}"), dim))
    graph = _read_scalar_graph(b, start + g_off, g_size) if g_size else None
    return ShapeInfer(tuple(axes), graph, tuple(pairs))


def _read_scalar_graph(b: _Bytes, start: int, size: int) -> ScalarGraph:
    end = start + size
    g = _Bytes(b.data, end)
    n_in, n_out, n_node, n_scalar = g.unpack(struct.Struct("<iiii"), start, "scalar graph header")
    if min(n_in, n_out, n_node, n_scalar) < 0 or max(n_in, n_out, n_node, n_scalar) > size:
        raise _fail(f"scalar graph: counts {n_in}/{n_out}/{n_node}/{n_scalar} do not fit its {size} bytes")
    pos = start + 16
    g.need(pos, 4 * (n_in + n_out) + 32 * n_in + 8 * n_scalar + 4 * n_node, "scalar graph tables")
    inputs = struct.unpack_from(f"<{n_in}i", b.data, pos)
    pos += 4 * n_in
    outputs = struct.unpack_from(f"<{n_out}i", b.data, pos)
    pos += 4 * n_out
    names = tuple(g.cstr(pos + 32 * k, 32, f"scalar graph input name {k}") for k in range(n_in))
    pos += 32 * n_in
    scalars = struct.unpack_from(f"<{n_scalar}d", b.data, pos)
    pos += 8 * n_scalar
    meta = struct.unpack_from(f"<{n_node}i", b.data, pos)
    pos += 4 * n_node
    nodes = []
    for k, m in enumerate(meta):
        if m < 3 or m > 10:
            raise _fail(f"scalar graph node {k}: {m} fields (expected 3 to 10: op, 1 to 8 inputs, output)")
        fields = g.unpack(struct.Struct(f"<{m}i"), pos, f"scalar graph node {k}")
        op, ins, out = fields[0], fields[1:-1], fields[-1]
        if not 1 <= op <= 9:
            raise _fail(f"scalar graph node {k}: op code {op} (expected 1 to 9)")
        for v in (*ins, out):
            if not 0 <= v < n_scalar:
                raise _fail(f"scalar graph node {k}: scalar id {v} outside [0, {n_scalar})")
        nodes.append((op, tuple(ins), out))
        pos += 4 * m
    for v in (*inputs, *outputs):
        if not 0 <= v < n_scalar:
            raise _fail(f"scalar graph: scalar id {v} outside [0, {n_scalar})")
    return ScalarGraph(tuple(inputs), tuple(outputs), names, tuple(scalars), tuple(nodes))


def _read_dma(b: _Bytes, start: int, end: int, n_tensors: int) -> tuple[DMAEntry, ...]:
    count, elem, hdr, off = _list_header(b, start, "<IIII", "dma section header")
    if elem != 16 or hdr != 16 or off != 16:
        raise _fail(f"dma section: element/header/offset sizes {elem}/{hdr}/{off} (expected 16/16/16)")
    if start + off + 16 * count > end:
        raise _fail(f"dma section: {count} entries do not fit in [{start}, {end})")
    out = []
    for k in range(count):
        st, sid, dt, did, src, dst, size = b.unpack(struct.Struct("<BBBBHHQ"), start + off + 16 * k, f"dma entry {k}")
        if st not in MEM_TYPES or dt not in MEM_TYPES:
            raise _fail(f"dma entry {k}: memory types {st} -> {dt}")
        out.append(DMAEntry(MEM_TYPES[st], sid, MEM_TYPES[dt], did, _check_tensor_id(src, n_tensors, f"dma entry {k}"),
                            _check_tensor_id(dst, n_tensors, f"dma entry {k}"), size))
    return tuple(out)


def _check_placement(memory, tensors, parameters) -> None:
    """Constants inside blob 0; runtime tensors inside the arena of their memory type."""
    arenas = {m.mem: m.size for m in memory if not m.shared}
    for t in tensors:
        if t.dtype_code == 0x6900 and t.constant:
            continue  # int4 offsets follow the packer's own (unpadded) count — see errata E-FORMAT-3
        if t.constant:
            if not parameters:
                raise _fail(f"tensor {t.index}: a constant but the resource has no parameter blob")
            if t.offset + t.nbytes > parameters[0].size:
                raise _fail(f"tensor {t.index}: constant bytes [{t.offset}, {t.offset + t.nbytes}) exceed parameter "
                            f"blob 0 ({parameters[0].size} bytes)")
        elif math.prod(t.shape) and t.nbytes:
            if t.mem not in arenas:
                raise _fail(f"tensor {t.index}: runtime tensor in {t.mem} memory, which has no arena")
            if t.offset + t.nbytes > arenas[t.mem]:
                raise _fail(f"tensor {t.index}: bytes [{t.offset}, {t.offset + t.nbytes}) exceed the {t.mem} arena "
                            f"({arenas[t.mem]} bytes)")
