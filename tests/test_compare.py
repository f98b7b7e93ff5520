"""`lunaref compare`: dumps of lunaref, thinker's text result dump and .npz, compared tensor by tensor in graph
order; an injected single-tensor difference is found and named as the first divergence."""

from __future__ import annotations

import json
import math
import os
import shutil

import numpy as np
import pytest

from lunaref.compare import compare_dumps, read_dump
from lunaref.vectors.models import conv_model

from test_cli import lunaref


def thinker_dump(directory, tensors):
    """Write tensors as thinker's result dump does: <name with / as _>##_<dims>.txt, one value per line,
    %d for integers and %.6f for floats, files written (and time-stamped) in execution order."""
    directory.mkdir()
    for k, (name, arr) in enumerate(tensors.items()):
        dims = "_".join(str(d) for d in arr.shape)
        path = directory / f"{name.replace('/', '_')}##_{dims}.txt"
        fmt = "%.6f" if arr.dtype.kind == "f" else "%d"
        path.write_text("".join(fmt % v + "\n" for v in arr.reshape(-1).tolist()))
        os.utime(path, ns=(1_700_000_000_000_000_000 + k * 1000, 1_700_000_000_000_000_000 + k * 1000))
    return directory


def lunaref_dump(tmp_path, name="A"):
    model = tmp_path / "m.onnx"
    model.write_bytes(conv_model("linger3", "venusA").SerializeToString())
    x = tmp_path / "x.npy"
    np.save(x, np.random.default_rng(3).standard_normal((1, 2, 4, 4)).astype(np.float32))
    r = lunaref("run", str(model), "-i", str(x), "-o", str(tmp_path / f"y{name}.npy"), "--dump", str(tmp_path / name))
    assert r.returncode == 0, r.stderr
    return tmp_path / name


def _tensors(dump):
    return read_dump(dump).tensors


def test_identical_dumps_compare_exact(tmp_path):
    a = lunaref_dump(tmp_path)
    r = lunaref("compare", str(a), str(a))
    assert r.returncode == 0 and "all 8 shared tensors are identical" in r.stdout


def test_an_injected_difference_is_named_first(tmp_path):
    a = lunaref_dump(tmp_path)
    b = tmp_path / "B"
    shutil.copytree(a, b)
    index = json.loads((b / "exponents.json").read_text())
    names = list(index)
    for name, delta in (("c", 1), ("l", 3)):  # the injected difference, and a consequence further down
        path = b / index[name]["file"]
        arr = np.load(path)
        arr.reshape(-1)[1] += delta
        np.save(path, arr)
    r = lunaref("compare", str(a), str(b), "--json")
    assert r.returncode == 1 and "OutputMismatch" in r.stderr and "first divergence: c" in r.stderr
    doc = json.loads(r.stdout)
    assert doc["first_divergence"] == "c"
    rows = {t["name"]: t for t in doc["tensors"]}
    assert [t["name"] for t in doc["tensors"]] == names
    assert rows["c"]["status"] == "differs" and rows["c"]["mismatches"] == 1 and rows["c"]["max_lsb"] == 1
    assert rows["l"]["max_lsb"] == 3 and rows["q"]["status"] == "exact" and rows["q"]["sqnr_db"] is None
    text = lunaref("compare", str(a), str(b)).stdout
    marked = [line for line in text.splitlines() if line.startswith(">>")]
    assert len(marked) == 1 and " c " in marked[0]
    assert "6 of 8 shared tensors identical; first divergence: c (#2): 1 of 32 values differ, max 1 LSB" in text


def test_thinker_text_dumps_match_by_name_in_graph_order(tmp_path):
    a = lunaref_dump(tmp_path)
    tensors = _tensors(a)
    fused = {k: v for k, v in tensors.items() if k != "c"}  # tpacker fuses Conv+Relu: no pre-ReLU tensor
    t = thinker_dump(tmp_path / "thinker", fused)
    c = compare_dumps(read_dump(a), read_dump(t))
    assert c.first_divergence is None and c.only_a == ["c"] and not c.only_b
    assert [r.name for r in c.rows] == [k for k in tensors if k != "c"]
    # thinker writes '/' in tensor names as '_'
    from lunaref.compare import Dump
    slashed = Dump("a", "npz", {"net/m": tensors["m"]})
    nested = thinker_dump(tmp_path / "nested", {"net/m": tensors["m"]})
    assert (tmp_path / "nested" / "net_m##_1_2_2_2.txt").exists()
    assert [r.exact for r in compare_dumps(slashed, read_dump(nested)).rows] == [True]
    # thinker as A: graph order still comes from the lunaref side
    back = compare_dumps(read_dump(t), read_dump(a))
    assert [r.name for r in back.rows][:3] == ["input", "q", "r"] and back.only_b == ["c"]
    # a float printed with %.6f equals the float32 it came from, printed the same way
    assert next(r for r in c.rows if r.name == "output").exact


def test_npz_dumps(tmp_path):
    a = lunaref_dump(tmp_path)
    tensors = _tensors(a)
    tensors["r"] = tensors["r"].copy()
    tensors["r"].reshape(-1)[0] -= 2
    np.savez(tmp_path / "d.npz", **tensors)
    c = compare_dumps(read_dump(a), read_dump(tmp_path / "d.npz"))
    assert c.first_divergence.name == "r" and c.first_divergence.max_lsb == 2


def test_metrics():
    from lunaref.compare import Dump

    a = Dump("a", "npz", {"t": np.array([1, 2, 3], np.int8)})
    b = Dump("b", "npz", {"t": np.array([1, 2, 4], np.int8)})
    (row,) = compare_dumps(a, b).rows
    assert row.mismatches == 1 and row.max_lsb == 1
    assert row.cosine == pytest.approx(17 / math.sqrt(14 * 21))
    assert row.sqnr_db == pytest.approx(10 * math.log10(14 / 1))
    shape = compare_dumps(a, Dump("c", "npz", {"t": np.zeros((1, 3), np.int8)})).rows[0]
    assert shape.status == "shape" and not shape.exact


def test_errors_are_one_line(tmp_path):
    a = lunaref_dump(tmp_path)
    r = lunaref("compare", str(a), str(tmp_path / "nope"))
    assert r.returncode == 3 and "InputNotFound" in r.stderr
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x##_2_2.txt").write_text("1\n2\n3\n")
    r = lunaref("compare", str(a), str(bad))
    assert r.returncode == 4 and "MalformedDump" in r.stderr and "3 values for the shape [2, 2]" in r.stderr
    (bad / "x##_2_2.txt").write_text("1\n2\n3\n4\n")
    r = lunaref("compare", str(a), str(bad))
    assert r.returncode == 3 and "NothingInCommon" in r.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert lunaref("compare", str(a), str(empty)).returncode == 4


@pytest.mark.evidence
def test_resnet50_demo_against_the_real_executors_dump(evidence, tmp_path):
    """The real venusA executor's 74 tensors (evidence npz), written back in thinker's dump format, compared
    with lunaref's dump: all exact; one changed value in a middle tensor is named as the first divergence."""
    dump = tmp_path / "lunaref"
    r = lunaref("run", str(evidence("thinker-demo", "resnet50_fashion_mnist.onnx")), "-p", "venusA",
                "-i", str(evidence("thinker-demo", "input.bin")), "-o", str(tmp_path / "out.bin"), "--dump", str(dump))
    assert r.returncode == 0, r.stderr
    with np.load(evidence("thinker-demo", "resnet50-layers-venusA.npz")) as z:
        layers = {k: z[k] for k in z.files}
    clean = thinker_dump(tmp_path / "thinker", layers)
    c = compare_dumps(read_dump(dump), read_dump(clean))
    assert len(c.rows) == 74 and c.first_divergence is None
    assert compare_dumps(read_dump(dump), read_dump(evidence("thinker-demo", "resnet50-layers-venusA.npz"))) \
        .first_divergence is None
    key = list(layers)[40]
    layers[key] = layers[key].copy()
    layers[key].reshape(-1)[7] ^= 1
    broken = thinker_dump(tmp_path / "broken", layers)
    r = lunaref("compare", str(dump), str(broken))
    assert r.returncode == 1
    assert f"first divergence: {key} (#" in r.stdout
