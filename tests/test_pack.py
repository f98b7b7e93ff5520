"""``lunaref pack``: resources made from ONNX run like the ONNX; the platform memory limits; the CLI."""

from __future__ import annotations

import numpy as np
import pytest

import lunaref
from lunaref import errors, resource
from lunaref.resource.packer import pack

from onnx_models import conv_model
from test_cli import lunaref as lunaref_cli

PLATFORMS = ["venus", "venusA", "arcs"]
X = np.random.default_rng(9).standard_normal((1, 2, 4, 4)).astype(np.float32)


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("keep", [False, True])
def test_packed_model_runs_like_the_onnx(platform, keep):
    model = conv_model("linger1")
    graph = lunaref.load_onnx(model)
    result = pack(graph, platform, keep_quant=keep)
    res = result.resource
    assert res.platform == platform and resource.read(result.data) == res
    types = [o.type for o in res.operators]
    # Quant/Dequant removed unless kept; the conv's Relu fused into it
    assert types == (["Quant"] if keep else []) + ["Conv2dInt", "MaxPool", "Flatten", "LinearInt"] + \
        (["Dequant"] if keep else [])
    assert res.operators[1 if keep else 0].attrs["act_type"] == 1
    (want,) = lunaref.run_onnx(graph, [X], platform)
    (got,) = lunaref.run_resource(result.data, [X], quantize_inputs=not keep, dequantize_outputs=not keep)
    assert np.array_equal(got, want)
    # an int8-in resource computes the integers the ONNX graph computes before its Dequant
    if not keep:
        _, tensors = lunaref.run_onnx(graph, [X], platform, intermediates=True)
        (q,) = lunaref.run_resource(result.data, [X], quantize_inputs=True)
        assert np.array_equal(q, tensors["l"].data)


def test_memory_plan_never_overlaps_live_tensors():
    result = pack(lunaref.load_onnx(conv_model("linger3", "arcs")))
    res = result.resource
    ops = res.operators
    life = {}
    for k, op in enumerate(ops):
        for t in op.outputs + op.temps:
            life.setdefault(t, [k, k])
        for t in op.inputs + op.temps:
            if not res.tensors[t].constant:
                life.setdefault(t, [0, k])[1] = k
    for e in res.outputs:
        life[e.tensor][1] = len(ops) - 1
    items = list(life.items())
    for i, (a, (ab, ae)) in enumerate(items):
        for b, (bb, be) in items[i + 1:]:
            ta, tb = res.tensors[a], res.tensors[b]
            if ta.mem != tb.mem or ae < bb or be < ab:
                continue
            assert ta.offset + ta.nbytes <= tb.offset or tb.offset + tb.nbytes <= ta.offset, (ta.name, tb.name)


def test_share_memory_limit_is_a_named_error():
    graph = lunaref.load_onnx(conv_model("linger3", "venusA"))
    with pytest.raises(errors.MemoryLimitExceeded, match=r"share memory: the plan needs \d+ bytes, venusA allows 100"):
        pack(graph, share_limit=100)


def test_cli_pack_report_and_run(tmp_path):
    src = tmp_path / "m.onnx"
    src.write_bytes(conv_model("linger3", "arcs").SerializeToString())
    out = tmp_path / "m.bin"
    r = lunaref_cli("pack", str(src), "-o", str(out), "--report")
    assert r.returncode == 0, r.stderr
    assert "conv.weight" in r.stdout and "total share" in r.stdout and "total psram" in r.stdout
    assert resource.read(out.read_bytes()).platform == "arcs"
    r = lunaref_cli("pack", str(src), "-p", "venus", "-o", str(out))
    assert r.returncode == 2 and "PlatformConflict" in r.stderr
    r = lunaref_cli("pack", str(src), "-o", str(tmp_path / "x.bin"), "--ramsize", "64")
    assert r.returncode == 5 and "MemoryLimitExceeded" in r.stderr and not (tmp_path / "x.bin").exists()
    r = lunaref_cli("pack", str(out), "-o", str(tmp_path / "y.bin"))
    assert r.returncode == 2 and "already a thinker resource" in r.stderr


# ---------------------------------------------------------------------------------------------
# evidence
# ---------------------------------------------------------------------------------------------

@pytest.mark.evidence
@pytest.mark.parametrize("platform", PLATFORMS)
def test_resnet50_demo_through_model_bin(evidence, tmp_path, platform):
    onnx_path = evidence("thinker-demo", "resnet50_fashion_mnist.onnx")
    inp = evidence("thinker-demo", "input.bin")
    expected = evidence("thinker-demo", "output.bin").read_bytes()
    kept, removed = tmp_path / "kept.bin", tmp_path / "removed.bin"
    assert lunaref_cli("pack", str(onnx_path), "-p", platform, "--keep-quant", "-o", str(kept)).returncode == 0
    r = lunaref_cli("run", str(kept), "-i", str(inp), "-o", str(tmp_path / "out.bin"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out.bin").read_bytes() == expected
    # Quant/Dequant removed: int8 in, int8 out; the output is the quantized result the ONNX run computes
    assert lunaref_cli("pack", str(onnx_path), "-p", platform, "-o", str(removed)).returncode == 0
    x = np.fromfile(inp, dtype="<f4").reshape(1, 1, 32, 32)
    _, tensors = lunaref.run_onnx(onnx_path, [x], platform, intermediates=True)
    (q,) = lunaref.run_resource(removed, [x], quantize_inputs=True)
    assert q.dtype == np.int8 and np.array_equal(q, tensors["Dequant_output_526"].data)


@pytest.mark.evidence
@pytest.mark.parametrize("name", [f"{m}_{p}" for m in ("cnn", "dwconv_add_avgpool")
                                  for p in ("venus", "venusA", "arcs", "venus__diag_pq")])
def test_linger3_exports_through_model_bin(evidence, name):
    folder = evidence("linger3-exports", name)
    x = np.load(folder / "input.npy")
    graph = lunaref.load_onnx(folder / "model.onnx")
    data = pack(graph).data
    (via_resource,) = lunaref.run_resource(data, [x], quantize_inputs=True, dequantize_outputs=True)
    assert np.array_equal(via_resource, lunaref.run_onnx(graph, [x])[0])


@pytest.mark.evidence
@pytest.mark.parametrize("platform", PLATFORMS)
def test_resnet18_fits_venus_only(evidence, tmp_path, platform):
    r = lunaref_cli("pack", str(evidence("thinker-demo", "resnet18-12-regular.onnx")), "-p", platform,
                    "-o", str(tmp_path / "r18.bin"))
    if platform == "venus":
        assert r.returncode == 0, r.stderr
    else:
        assert r.returncode == 5 and "MemoryLimitExceeded: share memory" in r.stderr
        assert f"{platform} allows 393216" in r.stderr


@pytest.mark.evidence
def test_executor_consumes_each_dma_entry_for_its_own_weight_op(evidence, monkeypatch):
    # cnn: Conv2dInt, BatchNorm2dInt (constants read in place, no DMA entry), ..., LinearInt
    from lunaref.resource import executor
    folder = evidence("linger3-exports", "cnn_arcs")
    res = pack(lunaref.load_onnx(folder / "model.onnx")).resource
    copies, current = [], []
    real_copy, real_run = executor._Memory.copy, executor._run_op
    monkeypatch.setattr(executor._Memory, "copy", lambda self, src, dst, size: copies.append(
        (current[-1], src.index, dst.index, size)) or real_copy(self, src, dst, size))
    monkeypatch.setattr(executor, "_run_op", lambda op, *a: current.append(op.type) or real_run(op, *a))
    lunaref.run_resource(res, [np.load(folder / "input.npy")], quantize_inputs=True)
    weight_ops = [o.type for o in res.operators if o.type in ("Conv2dInt", "LinearInt")]
    assert copies == [(t, d.src_tensor, d.dst_tensor, d.size) for t, d in zip(weight_ops, res.dma)]
    assert [res.tensors[c[1]].name for c in copies] == ["conv.weight", "fc.weight"]
