"""Opt-in (marker ``tpacker``): resources packed by the real tpacker 3.0.4 are read, re-serialised byte for
byte, and inspected, and inspect names the same tensors and operators as tpacker's own debug output.

Run with ``python -m pytest -m tpacker`` (needs PyPI; the first run builds the packer's venv, see
tests/tpacker_helper.py).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import lunaref
from lunaref import errors, resource
from lunaref.resource.inspect import describe
from lunaref.resource.packer import pack
from lunaref.resource.writer import write

from support import evidence_root, require_evidence
from test_cli import lunaref as lunaref_cli
import tpacker_helper as tp

pytestmark = [pytest.mark.tpacker, pytest.mark.evidence]

DEMO = [(p, keep) for p in ("venus", "venusA", "arcs") for keep in (False, True)]
EXPORTS = sorted(p.name for p in (evidence_root() / "linger3-exports").glob("*") if (p / "model.onnx").exists())


def check(out, workdir, model):
    data = out.read_bytes()
    res = resource.read(data)
    assert write(res) == data                                      # every byte understood
    assert sorted(t.name for t in res.tensors) == sorted(tp.report_tensor_names(workdir, model))
    assert [o.type for o in res.operators] == tp.final_operator_types(workdir, model)
    r = lunaref_cli("inspect", str(out), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == json.loads(json.dumps(describe(res)))
    assert lunaref_cli("inspect", str(out)).returncode == 0
    return res


@pytest.mark.parametrize("platform,keep", DEMO)
def test_resnet50_demo(tmp_path, platform, keep):
    src = require_evidence("thinker-demo", "resnet50_fashion_mnist.onnx")
    model = src if platform == "venus" else tp.with_platform(src, tmp_path / f"resnet50_{platform}.onnx", platform)
    out = tmp_path / "model.bin"
    r = tp.pack(model, out, tmp_path / "work", *(["-s", "Remove_QuantDequant"] if keep else []))
    assert r.returncode == 0, r.stderr[-2000:]
    res = check(out, tmp_path / "work", model)
    assert res.platform == platform
    assert (res.operators[0].type == "Quant") == keep
    x = np.fromfile(require_evidence("thinker-demo", "input.bin"), dtype="<f4").reshape(1, 1, 32, 32)
    # the executor on tpacker's resource reproduces the demo's output
    (y,) = lunaref.run_resource(res, [x], quantize_inputs=not keep, dequantize_outputs=not keep)
    assert y.astype("<f4").tobytes() == require_evidence("thinker-demo", "output.bin").read_bytes()


_PACKED: dict[str, tuple] = {}


def packed_export(name, tmp_path_factory):
    """Pack a linger3 export once per session: (resource path, work dir, model path) or a skip."""
    if name not in _PACKED:
        model = require_evidence("linger3-exports", name, "model.onnx")
        base = tmp_path_factory.mktemp(name)
        out = base / "model.bin"
        r = tp.pack(model, out, base / "work")
        lines = [ln for ln in (r.stdout + r.stderr).splitlines() if "Error" in ln] or ["no message"]
        _PACKED[name] = (out, base / "work", model, None if r.returncode == 0 else lines[-1].strip())
    out, work, model, refused = _PACKED[name]
    if refused:  # the evidence README lists which exports tpacker 3.0.4 refuses, and why
        pytest.skip(f"tpacker 3.0.4 refuses {name}: {refused}")
    return out, work, model


@pytest.mark.parametrize("name", EXPORTS)
def test_linger3_export_format(tmp_path_factory, name):
    check(*packed_export(name, tmp_path_factory))


@pytest.mark.parametrize("name", EXPORTS)
def test_linger3_export_runs(tmp_path_factory, name):
    out, _, model = packed_export(name, tmp_path_factory)
    x = np.load(model.parent / "input.npy")
    try:
        (via_onnx,) = lunaref.run_onnx(model, [x])
        (via_resource,) = lunaref.run_resource(out, [x], quantize_inputs=True, dequantize_outputs=True)
    except errors.UnsupportedOp as exc:
        pytest.skip(f"executing needs an op lunaref lacks: {exc}")
    assert np.array_equal(via_resource, via_onnx)


# ---------------------------------------------------------------------------------------------
# lunaref pack against tpacker: byte for byte (formats/packing.md §"Compatibility")
# ---------------------------------------------------------------------------------------------

def same_bytes(ours: bytes, theirs: bytes) -> None:
    if ours == theirs:
        return
    a, b = resource.read(ours), resource.read(theirs)
    differing = [f for f in ("header", "memory", "tensors", "operators", "inputs", "outputs", "parameters",
                             "shape_infer", "debug_names", "dma") if getattr(a, f) != getattr(b, f)]
    pytest.fail(f"lunaref pack differs from tpacker in: {differing}")


@pytest.mark.parametrize("platform,keep", DEMO)
def test_lunaref_pack_equals_tpacker_on_the_demo(tmp_path, platform, keep):
    src = require_evidence("thinker-demo", "resnet50_fashion_mnist.onnx")
    model = src if platform == "venus" else tp.with_platform(src, tmp_path / f"resnet50_{platform}.onnx", platform)
    out = tmp_path / "model.bin"
    assert tp.pack(model, out, tmp_path / "work", *(["-s", "Remove_QuantDequant"] if keep else [])).returncode == 0
    theirs = out.read_bytes()
    if any(o.type == "iqPad" for o in resource.read(theirs).operators):
        pytest.skip("tpacker moves venus convolution padding into iqPad operators here (formats/packing.md)")
    same_bytes(pack(lunaref.load_onnx(model), platform, keep_quant=keep).data, theirs)


@pytest.mark.parametrize("name", [n for n in EXPORTS if n.startswith(("cnn_", "dwconv_add_avgpool_"))])
def test_lunaref_pack_equals_tpacker_on_exports(tmp_path_factory, name):
    out, _, model = packed_export(name, tmp_path_factory)
    same_bytes(pack(lunaref.load_onnx(model)).data, out.read_bytes())
