"""Opt-in (marker ``tpacker``): resources packed by the real tpacker 3.0.4 are read, re-serialised byte for
byte, and inspected, and inspect names the same tensors and operators as tpacker's own debug output.

Run with ``python -m pytest -m tpacker`` (needs PyPI; the first run builds the packer's venv, see
tests/tpacker_helper.py).
"""

from __future__ import annotations

import json

import pytest

from lunaref import resource
from lunaref.resource.inspect import describe
from lunaref.resource.writer import write

from conftest import evidence_root, require_evidence
from test_cli import lunaref
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
    r = lunaref("inspect", str(out), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == json.loads(json.dumps(describe(res)))
    assert lunaref("inspect", str(out)).returncode == 0
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


@pytest.mark.parametrize("name", EXPORTS)
def test_linger3_export(tmp_path, name):
    model = require_evidence("linger3-exports", name, "model.onnx")
    out = tmp_path / "model.bin"
    r = tp.pack(model, out, tmp_path / "work")
    if r.returncode != 0:  # the evidence README lists which exports tpacker 3.0.4 refuses, and why
        lines = [ln for ln in (r.stdout + r.stderr).splitlines() if "Error" in ln] or ["no message"]
        last = lines[-1].strip()
        pytest.skip(f"tpacker 3.0.4 refuses {name}: {last}")
    check(out, tmp_path / "work", model)
