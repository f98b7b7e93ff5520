"""The thinker resource reader, writer and inspect on resources made here, and a corpus of hand-made
malformed files, each expecting its own named error."""

from __future__ import annotations

import json
import struct

import pytest

from lunaref import errors, resource
from lunaref.resource.crc import crc24
from lunaref.resource.writer import write

from resource_samples import sample
from test_cli import lunaref


def test_crc24_check_value_and_table():
    assert crc24(b"123456789") == 0xB30D04
    assert crc24(b"") == 0
    assert crc24(b"6789", crc24(b"12345")) == 0xB30D04  # continues


def recrc(data: bytes) -> bytes:
    """Fix the stored CRC after an edit, so that the edit reaches the structural checks."""
    return data[:16] + struct.pack("<I", crc24(data[80:])) + data[20:]


@pytest.mark.parametrize("platform", ["venus", "venusA", "arcs"])
@pytest.mark.parametrize("dynamic", [False, True])
def test_round_trip(platform, dynamic):
    data = sample(platform, dynamic)
    r = resource.read(data)
    assert r.platform == platform and write(r) == data
    assert [t.name for t in r.tensors] == ["input", "conv.weight", "conv.bias", "conv_out", "relu_out", "dma_buffer1"]
    assert r.tensors[1].exponent == 6 and r.tensors[2].exponent is None and r.tensors[2].constant
    assert r.operators[0].attrs["kernel"] == [3, 3, 0] and r.operators[1].attrs is None
    assert r.operators[0].temps == (5,) and r.inputs[0].name == "input"
    assert r.constant_bytes(r.tensors[2]) == struct.pack("<2i", 100, -100)
    assert r.shape_infer.empty is not dynamic
    if dynamic:
        assert r.shape_infer.graph.input_names == ("T",) and r.shape_infer.pairs[0] == (0, 3)


def test_zero_crc_is_refused_unless_accepted(tmp_path):
    data = bytearray(sample())
    data[16:20] = b"\0\0\0\0"
    with pytest.raises(errors.CrcMismatch, match="accept"):
        resource.read(bytes(data))
    assert resource.read(bytes(data), accept_zero_crc=True).platform == "venusA"
    path = tmp_path / "zero.bin"
    path.write_bytes(bytes(data))
    assert lunaref("inspect", str(path)).returncode == 4
    assert lunaref("inspect", str(path), "--accept-zero-crc").returncode == 0


def test_inspect_text_and_json(tmp_path):
    path = tmp_path / "m.bin"
    path.write_bytes(sample("arcs", dynamic=True))
    r = lunaref("inspect", str(path), "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["format"] == "lunaref-inspect/1" and d["header"]["platform"] == "arcs"
    assert [s["name"] for s in d["sections"]] == ["memory", "tensor", "operator", "io", "parameter",
                                                  "shape-inference", "debug", "dma"]
    assert d["memory_totals"] == {"psram": 48, "share": 368}
    assert d["tensors"][0] == {"index": 0, "name": "input", "dtype": "Int8", "shape": [1, 1, 8, 8], "exponent": 7,
                               "scale": 7.0, "mem": "share", "storage": "runtime", "offset": 0, "nbytes": 64,
                               "layout": "NCHW"}
    assert d["operators"][1]["type"] == "Relu" and d["operators"][1]["attrs"] is None
    assert d["shape_inference"]["graph"]["input_names"] == ["T"]
    text = lunaref("inspect", str(path)).stdout
    assert "platform arcs" in text and "Conv2dInt" in text and "conv.weight" in text


# ---------------------------------------------------------------------------------------------
# the malformed corpus: (name, how to break a valid file, expected error, expected message part)
# ---------------------------------------------------------------------------------------------

def put(fmt: str, offset: int, *values):
    def edit(data: bytearray) -> None:
        struct.pack_into(fmt, data, offset, *values)
    return edit


def section(name: str) -> int:
    """Offset of the u32 header field holding a section's offset."""
    return {"memory": 20, "tensor": 24, "operator": 32, "io": 36, "debug": 44, "shape": 48, "param": 52,
            "dma": 56}[name]


def at(name: str, rel: int, fmt: str, value):
    """Overwrite a field ``rel`` bytes into section ``name``."""
    def edit(data: bytearray) -> None:
        base = struct.unpack_from("<I", data, section(name))[0]
        struct.pack_into(fmt, data, base + rel, value)
    return edit


def truncate(n: int):
    def edit(data: bytearray) -> None:
        del data[n:]
    return edit


CORPUS = [
    ("empty file", truncate(0), errors.MalformedResource, "at least 80"),
    ("truncated header", truncate(40), errors.MalformedResource, "at least 80"),
    ("truncated body", truncate(1000), errors.MalformedResource, "total_size"),
    ("bad label", put("<8s", 0, b"thinker9"), errors.MalformedResource, "label"),
    ("unknown platform", put("<I", 60, 7), errors.MalformedResource, "platform code 7"),
    ("total size too large", put("<Q", 64, 1 << 40), errors.MalformedResource, "total_size"),
    ("unaligned section", put("<I", section("io"), 1201), errors.MalformedResource, "io section offset"),
    ("sections out of order", put("<I", section("tensor"), 2048), errors.MalformedResource, "section offset"),
    ("section beyond the end", put("<I", section("dma"), 1 << 30), errors.MalformedResource, "dma section offset"),
    ("memory record count", at("memory", 2, "<H", 60000), errors.MalformedResource, "memory section"),
    ("blob count above records", at("memory", 0, "<H", 9), errors.MalformedResource, "parameter blobs"),
    ("memory type", at("memory", 16 + 4, "<B", 9), errors.MalformedResource, "memory type 9"),
    ("tensor count", at("tensor", 0, "<I", 0xFFFFFFFF), errors.MalformedResource, "records do not fit"),
    ("tensor element size", at("tensor", 4, "<I", 56), errors.MalformedResource, "expected 64/16/16"),
    ("unknown dtype code", at("tensor", 16 + 2, "<H", 0x1234), errors.MalformedResource, "unknown dtype code 0x1234"),
    ("tensor ndim", at("tensor", 16 + 16, "<I", 9), errors.MalformedResource, "ndim 9"),
    ("tensor layout", at("tensor", 16 + 56, "<B", 42), errors.MalformedResource, "layout code 42"),
    ("tensor mem id", at("tensor", 16 + 4, "<i", 5), errors.MalformedResource, "mem_id 5"),
    ("non-integral scale", at("tensor", 16 + 8, "<f", 2.5), errors.MalformedResource, "scale 2.5"),
    ("constant beyond its blob", at("tensor", 16 + 64 + 48, "<Q", 10**6), errors.MalformedResource, "parameter blob 0"),
    ("activation beyond its arena", at("tensor", 16 + 48, "<Q", 10**6), errors.MalformedResource, "share arena"),
    ("operator type index", at("operator", 16 + 32, "<H", 7), errors.MalformedResource, "type index 7"),
    ("unknown operator type", at("operator", 16, "<10s", b"Conv9dInt\0"), errors.MalformedResource,
     "not an operator of thinker"),
    ("operator tensor id", at("operator", 16 + 32 + 48, "<i", 99), errors.MalformedResource, "tensor id 99"),
    ("operator record size", at("operator", 16 + 32 + 8, "<H", 4000), errors.MalformedResource, "inconsistent"),
    ("operator bytes", at("operator", 12, "<I", 10**6), errors.MalformedResource, "do not fit"),
    ("io tensor id", at("io", 16, "<i", -1), errors.MalformedResource, "io entry 0"),
    ("io name offset", at("io", 12, "<I", 999), errors.MalformedResource, "io section"),
    ("parameter size", at("param", 16 + 8, "<Q", 1 << 50), errors.MalformedResource, "do not fit"),
    ("parameter data offset", at("param", 16 + 4, "<I", 20), errors.MalformedResource, "data offset 20"),
    ("debug name count", at("debug", 0, "<I", 2), errors.MalformedResource, "2 names for 6 tensors"),
    ("debug name offset", at("debug", 16, "<I", 16), errors.MalformedResource, "expected 24"),
    ("debug name not ascii", at("debug", 24, "<B", 0xFF), errors.MalformedResource, "not ASCII"),
    ("dma count", at("dma", 0, "<I", 1000), errors.MalformedResource, "dma section"),
    ("dma tensor id", at("dma", 16 + 4, "<H", 77), errors.MalformedResource, "tensor id 77"),
]


@pytest.mark.parametrize("name,edit,error,message", CORPUS, ids=[c[0] for c in CORPUS])
def test_malformed_corpus(name, edit, error, message):
    data = bytearray(sample())
    edit(data)
    data = bytes(data)
    if len(data) >= 80:
        data = recrc(data)
    with pytest.raises(error) as info:
        resource.read(data)
    assert message in str(info.value)


def test_bit_flip_without_crc_fix_is_a_crc_error():
    data = bytearray(sample())
    data[500] ^= 0x10
    with pytest.raises(errors.CrcMismatch, match="stored CRC"):
        resource.read(bytes(data))


DYNAMIC_CORPUS = [
    # shape section: header 32, one axis at 32, graph at 48: header 16, 1 input, 3 outputs, a 32-byte name,
    # 6 scalars, 3 node sizes (12 bytes), so node 0 (its op code first) starts at 48 + 124 = 172
    ("scalar graph op code", 172, "<i", 12, "op code 12"),
    ("dynamic axis tensor", 32, "<H", 500, "tensor id 500"),
    ("scalar graph counts", 48, "<i", -1, "do not fit"),
]


@pytest.mark.parametrize("name,rel,fmt,value,message", DYNAMIC_CORPUS, ids=[c[0] for c in DYNAMIC_CORPUS])
def test_malformed_shape_inference(name, rel, fmt, value, message):
    data = bytearray(sample(dynamic=True))
    at("shape", rel, fmt, value)(data)
    with pytest.raises(errors.MalformedResource, match=message):
        resource.read(recrc(bytes(data)))
