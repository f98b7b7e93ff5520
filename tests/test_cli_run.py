"""``lunaref run``: model recognised by content, .npy and raw IO, fresh atomic outputs, --dump, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from onnx_models import conv_model, reference_output
from test_cli import lunaref

X = np.random.default_rng(5).standard_normal((1, 2, 4, 4)).astype(np.float32)


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.weird-extension"  # recognised by content, not by name
    m = conv_model("linger3", "venusA")
    path.write_bytes(m.SerializeToString())
    np.save(tmp_path / "x.npy", X)
    (tmp_path / "x.bin").write_bytes(X.astype("<f4").tobytes())
    return path, reference_output(X, m)


def test_npy_in_npy_out(model, tmp_path):
    path, want = model
    r = lunaref("run", str(path), "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy"))
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(tmp_path / "y.npy"), want)


def test_raw_in_raw_out_is_fresh_not_appended(model, tmp_path):
    path, want = model
    out = tmp_path / "y.bin"
    out.write_bytes(b"stale bytes that must disappear" * 10)
    for _ in range(2):
        r = lunaref("run", str(path), "-p", "venusA", "-i", str(tmp_path / "x.bin"), "-o", str(out))
        assert r.returncode == 0, r.stderr
    assert out.read_bytes() == want.astype("<f4").tobytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporaries left


def test_dump_writes_every_tensor_with_exponents(model, tmp_path):
    path, _ = model
    dump = tmp_path / "dump"
    r = lunaref("run", str(path), "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy"), "--dump", str(dump))
    assert r.returncode == 0, r.stderr
    index = json.loads((dump / "exponents.json").read_text())
    assert set(index) == {"input", "q", "c", "r", "m", "f", "l", "output"}
    assert index["c"] == {"exponent": 3, "dtype": "int8", "file": "c.npy"}
    assert index["output"]["exponent"] is None
    assert np.load(dump / "c.npy").dtype == np.int8
    assert np.array_equal(np.load(dump / "output.npy"), np.load(tmp_path / "y.npy"))


@pytest.mark.parametrize("args,code,name", [
    (["-p", "arcs"], 2, "PlatformConflict"),
    (["-i", "{tmp}/x.npy"], 2, "BadArgument"),          # a second input
    (["-o", "{tmp}/z.npy"], 2, "BadArgument"),          # a second output
])
def test_usage_errors(model, tmp_path, args, code, name):
    path, _ = model
    base = ["run", str(path), "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy")]
    r = lunaref(*base, *[a.format(tmp=tmp_path) for a in args])
    assert r.returncode == code and r.stderr.startswith(f"lunaref: error: {name}: ")
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "y.npy").exists()


def test_input_errors(model, tmp_path):
    path, _ = model
    (tmp_path / "short.bin").write_bytes(b"\0" * 12)
    np.save(tmp_path / "f64.npy", X.astype(np.float64))
    for inp, code, name in [("missing.npy", 3, "InputNotFound"), ("short.bin", 3, "InputSizeMismatch"),
                            ("f64.npy", 3, "InputDTypeMismatch")]:
        r = lunaref("run", str(path), "-i", str(tmp_path / inp), "-o", str(tmp_path / "y.npy"))
        assert r.returncode == code and r.stderr.startswith(f"lunaref: error: {name}: "), r.stderr


def test_model_kinds(tmp_path):
    (tmp_path / "m.bin").write_bytes(b"thinker10\0\0\0\0\0\0\0" + b"\0" * 64)
    (tmp_path / "junk").write_bytes(b"not a model")
    np.save(tmp_path / "x.npy", X)
    r = lunaref("run", str(tmp_path / "m.bin"), "-p", "venus", "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y"))
    assert r.returncode == 4 and "MalformedResource" in r.stderr  # recognised as a resource, then checked
    r = lunaref("run", str(tmp_path / "junk"), "-p", "venus", "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y"))
    assert r.returncode == 4 and "MalformedOnnx" in r.stderr
    r = lunaref("run", str(tmp_path / "nothing"), "-i", "a", "-o", "b")
    assert r.returncode == 3 and "InputNotFound" in r.stderr


def test_nothing_is_written_when_an_output_cannot_be(model, tmp_path):
    path, _ = model
    first = tmp_path / "y1.npy"
    m = conv_model("linger3", "venusA")
    m.graph.output.append(m.graph.output[0])  # two outputs, the second to an impossible place
    two = tmp_path / "two.onnx"
    two.write_bytes(m.SerializeToString())
    r = lunaref("run", str(two), "-i", str(tmp_path / "x.npy"), "-o", str(first), "-o", str(tmp_path / "no" / "y2.npy"))
    assert r.returncode == 3 and "OutputWriteError" in r.stderr
    assert not first.exists()
