"""Running thinker resources: weight layouts, the executor on resources made here, CLI, and (with
evidence) resources packed by lunaref... and the real tpacker outputs in the opt-in compatibility run."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lunaref
from lunaref import errors, resource
from lunaref.platforms import PROFILES
from lunaref.resource import weights

from resource_samples import sample
from test_cli import lunaref as lunaref_cli

PLATFORMS = ["venus", "venusA", "arcs"]


@given(st.sampled_from(PLATFORMS), st.integers(1, 20), st.integers(1, 20), st.integers(1, 5), st.integers(1, 5),
       st.data())
def test_conv_weight_layouts_round_trip(platform, oc, ic, kh, kw, data):
    prof = PROFILES[platform]
    w = np.arange(oc * ic * kh * kw, dtype=np.int64).reshape(oc, ic, kh, kw) % 251 - 125
    packed = weights.pack_conv(w.astype(np.int8), prof)
    assert packed.shape[1:] == (kh * kw, -(-ic // 8), prof.conv_weight_group, 8)
    assert np.array_equal(weights.unpack_conv(packed, oc, ic, kh, kw, prof), w)


@given(st.sampled_from(PLATFORMS), st.integers(1, 40), st.integers(1, 5), st.integers(1, 5))
def test_depthwise_and_linear_layouts_round_trip(platform, c, kh, kw):
    prof = PROFILES[platform]
    w = (np.arange(c * kh * kw).reshape(c, 1, kh, kw) % 200 - 100).astype(np.int8)
    assert np.array_equal(weights.unpack_depthwise(weights.pack_depthwise(w, prof), c, kh, kw, prof), w)
    lw = w.reshape(c, kh * kw)
    assert np.array_equal(weights.unpack_linear(weights.pack_linear(lw, prof), c, kh * kw, prof), lw)


def test_conv_layout_element_formula():
    # formats/resource.md §13: element (o, c, kh, kw) at ((((o/g)·KH·KW + kh·KW + kw)·(IC/8) + c/8)·g + o%g)·8 + c%8
    oc, ic, kh, kw = 5, 11, 2, 3
    w = np.arange(oc * ic * kh * kw).reshape(oc, ic, kh, kw).astype(np.int32)
    for prof in PROFILES.values():
        g = prof.conv_weight_group
        flat = weights.pack_conv(w, prof).reshape(-1)
        icb = -(-ic // 8)
        for o, c, a, b in [(0, 0, 0, 0), (4, 10, 1, 2), (3, 7, 0, 1), (1, 9, 1, 0)]:
            pos = (((((o // g) * kh * kw + a * kw + b) * icb + c // 8) * g + o % g) * 8 + c % 8)
            assert flat[pos] == w[o, c, a, b]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_execute_a_resource_made_here(platform):
    data = sample(platform)
    res = resource.read(data)
    x = (np.arange(64, dtype=np.int64).reshape(1, 1, 8, 8) % 40 - 20).astype(np.int8)
    outs, tensors = lunaref.run_resource(data, [x], platform, intermediates=True)
    # the same two ops through the registry directly (the sample's weight is stored unpacked)
    w = np.frombuffer(res.constant_bytes(res.tensors[1]), np.int8).reshape(2, 1, 3, 3)
    from lunaref import Tensor, TensorSpec
    from lunaref.ops import REGISTRY
    conv = REGISTRY.get("Conv2dInt").run(
        [Tensor.of(x, "int8", 7), Tensor.of(w, "int8", 6), Tensor.of(np.array([100, -100]), "int32", 13)],
        [TensorSpec.of("int8", 5)], {"kernel_shape": (3, 3), "pads": (1, 1, 1, 1)}, platform)[0]
    relu = np.maximum(conv.data, 0)
    assert np.array_equal(tensors["conv_out"].data, conv.data)
    assert np.array_equal(outs[0], relu)
    (f,) = lunaref.run_resource(data, [x.astype(np.float32) / 128], quantize_inputs=True, dequantize_outputs=True)
    assert f.dtype == np.float32 and np.array_equal(f, relu.astype(np.float32) / 32)


def test_execute_errors():
    data = sample("arcs")
    x = np.zeros((1, 1, 8, 8), np.int8)
    with pytest.raises(errors.PlatformConflict):
        lunaref.run_resource(data, [x], "venus")
    with pytest.raises(errors.InputDTypeMismatch, match="quantize"):
        lunaref.run_resource(data, [x.astype(np.float32)])
    with pytest.raises(errors.InputSizeMismatch):
        lunaref.run_resource(data, [np.zeros((1, 1, 4, 4), np.int8)])
    with pytest.raises(errors.BadArgument):
        lunaref.run_resource(data, [x, x])


def test_dynamic_shapes_through_the_shape_program():
    # the sample's program sets the width of input, conv output and relu output to 4·floor(T/4)
    dynamic, static = sample("venusA", dynamic=True), sample("venusA")
    x = (np.arange(64).reshape(1, 1, 8, 8) % 9 - 4).astype(np.int8)
    (full,) = lunaref.run_resource(dynamic, [x])
    assert np.array_equal(full, lunaref.run_resource(static, [x])[0])
    narrow = np.ascontiguousarray(x[..., :4])
    (y,) = lunaref.run_resource(dynamic, [narrow])
    assert y.shape == (1, 2, 8, 4)
    from lunaref import Tensor, TensorSpec
    from lunaref.ops import REGISTRY
    res = resource.read(static)
    w = np.frombuffer(res.constant_bytes(res.tensors[1]), np.int8).reshape(2, 1, 3, 3)
    conv = REGISTRY.get("Conv2dInt").run(
        [Tensor.of(narrow, "int8", 7), Tensor.of(w, "int8", 6), Tensor.of(np.array([100, -100]), "int32", 13)],
        [TensorSpec.of("int8", 5)], {"kernel_shape": (3, 3), "pads": (1, 1, 1, 1)}, "venusA")[0]
    assert np.array_equal(y, np.maximum(conv.data, 0))
    with pytest.raises(errors.InputSizeMismatch, match=r"expected shape \[1, 1, 8, 4\]"):
        lunaref.run_resource(dynamic, [np.zeros((1, 1, 8, 5), np.int8)])   # T = 5 gives width 4
    with pytest.raises(errors.InputSizeMismatch, match="more than its planned"):
        lunaref.run_resource(dynamic, [np.zeros((1, 1, 8, 12), np.int8)])


def test_cli_runs_a_resource(tmp_path):
    path = tmp_path / "m.bin"
    path.write_bytes(sample("venusA"))
    x = (np.arange(64).reshape(1, 1, 8, 8) % 30 - 15).astype(np.int8)
    np.save(tmp_path / "x.npy", x)
    r = lunaref_cli("run", str(path), "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy"),
                    "--dump", str(tmp_path / "dump"))
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(tmp_path / "y.npy"), lunaref.run_resource(path, [x])[0])
    assert (tmp_path / "dump" / "conv_out.npy").exists()
    r = lunaref_cli("run", str(path), "-p", "arcs", "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "z.npy"))
    assert r.returncode == 2 and "PlatformConflict" in r.stderr
