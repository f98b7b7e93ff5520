"""The thinker-3.0.4 compatibility mode (spec/errata.md, spec/formats/vectors.md §9): every errata case is in
the committed set, every modelled entry's case is in the variant with thinker's (different) result, and the
mode reaches ops through the API, graphs, resources and the command line."""

from __future__ import annotations

import re

import numpy as np
import pytest
from onnx import TensorProto, helper

import lunaref
from lunaref import Tensor, TensorSpec, errors
from lunaref.ops import REGISTRY
from lunaref.resource.packer import pack
from lunaref.vectors.case import read_case
from lunaref.vectors.errata import ERRATA, errata_slug
from lunaref.vectors.generate import check_compat_set, compat_root

from support import ROOT, SPEC
from test_cli import lunaref as lunaref_cli

VECTORS = ROOT / "vectors" / "v1"
VARIANT = compat_root(VECTORS, "thinker-3.0.4")


def _sections() -> dict[str, str]:
    text = (SPEC / "errata.md").read_text()
    parts = re.split(r"^## (E-[A-Z0-9]+-\d+)\s*$", text, flags=re.M)
    return {parts[k]: parts[k + 1] for k in range(1, len(parts), 2)}


@pytest.mark.parametrize("op, entry, only", [(op, entry, only) for op, entry, only, _ in ERRATA],
                         ids=[f"{op}-{entry}" for op, entry, _, _ in ERRATA])
def test_every_errata_case_is_recorded_and_modelled_entries_differ(op, entry, only):
    sections = _sections()
    assert entry in sections, f"{entry} has no section in spec/errata.md"
    body = sections[entry]
    slug = errata_slug(entry)
    assert slug in body, f"{entry}: its section does not name the vector {slug}"
    modelled = re.search(r"Compat:\s+modelled", body) is not None
    assert modelled or re.search(r"Compat:\s+not\s+modelled", body), f"{entry}: no 'Compat:' statement"
    platforms = only or REGISTRY.get(op).platforms
    differing = 0
    for platform in platforms:
        case = read_case(VECTORS / platform / "op" / op / slug)
        assert case.provenance.get("errata") == entry
        variant = VARIANT / platform / "op" / op / slug
        if variant.exists():
            assert read_case(variant).compat == "thinker-3.0.4"
            differing += 1
    assert (differing > 0) == modelled, f"{entry}: modelled={modelled} but {differing} variant cases"


def test_the_variant_holds_exactly_the_differing_cases():
    assert check_compat_set(VECTORS, "thinker-3.0.4", progress=lambda m: None) == []


def _avgpool_model(platform: str):
    nodes = [helper.make_node("Quant", ["x"], ["q"], domain="linger", data_bits=8, scale_x=16.0, platform=platform),
             helper.make_node("QAvgPool2d", ["q"], ["p"], domain="linger", kernel_shape=[2, 2], strides=[2, 2],
                              pads=[0, 0, 0, 0], ceil_mode=0, count_include_pad=1, scale_x=16.0, scale_o=8.0,
                              x_bits=8, o_bits=8, platform=platform),
             helper.make_node("Dequant", ["p"], ["y"], domain="linger", scale_o=8.0, platform=platform)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 2, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 1, 2])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 12), helper.make_opsetid("linger", 1)])


@pytest.mark.parametrize("platform", ["venus", "venusA", "arcs"])
def test_compat_mode_through_onnx_resource_and_cli(platform, tmp_path):
    """Window sums 3 and 11 at e 4, output e 3 (d = 1, k = 2): the spec rounds once, rshift(S, 3);
    thinker's venus drops d, rshift(S, 2); arcs and venusA round twice, rshift(rshift(S, 1), 2)."""
    from lunaref.numerics import rounding_shift as rshift

    sums = np.array([3, 11])
    twice = rshift(rshift(sums, 1), 2) if platform != "venus" else rshift(sums, 2)
    thinker = (twice / 8).tolist()
    assert thinker != (rshift(sums, 3) / 8).tolist()
    x = np.array([[[[3, 0, 11, 0], [0, 0, 0, 0]]]], np.float32) / 16
    model = _avgpool_model(platform)
    spec = lunaref.run_onnx(model, [x])[0]
    assert spec.ravel().tolist() == (rshift(sums, 3) / 8).tolist()
    got = lunaref.run_onnx(model, [x], compat="thinker-3.0.4")[0]
    assert got.ravel().tolist() == thinker
    data = pack(lunaref.load_onnx(model), keep_quant=True).data
    assert lunaref.run_resource(data, [x])[0].ravel().tolist() == spec.ravel().tolist()
    assert lunaref.run_resource(data, [x], compat="thinker-3.0.4")[0].ravel().tolist() == thinker
    (tmp_path / "m.bin").write_bytes(data)
    np.save(tmp_path / "x.npy", x)
    r = lunaref_cli("run", str(tmp_path / "m.bin"), "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "y.npy"),
                    "--compat", "thinker-3.0.4")
    assert r.returncode == 0, r.stderr
    assert np.load(tmp_path / "y.npy").ravel().tolist() == thinker


def test_unknown_modes_are_refused():
    op = REGISTRY.get("Relu")
    x = Tensor.of(np.array([1, -1]), "int8", 0)
    with pytest.raises(errors.BadArgument, match="unknown compatibility mode"):
        op.run([x], [TensorSpec.of("int8", 0)], {}, "venus", compat="thinker-9")
    assert op.run([x], [TensorSpec.of("int8", 0)], {}, "venus", compat="thinker-3.0.4")[0].data.tolist() == [1, 0]
    r = lunaref_cli("conform", "--compat", "thinker-9")
    assert r.returncode == 2


def test_conformance_runs_against_the_variant():
    r = lunaref_cli("conform", "--compat", "thinker-3.0.4", "--ops", "AvgPool2dInt,Dequant,Quant")
    assert r.returncode == 0, r.stdout[-2000:]
    # without --compat, the reference passes the spec's set; a port that mimics thinker fails there
    r = lunaref_cli("vectors", "check", "--compat", "thinker-3.0.4")
    assert r.returncode == 0 and "exactly the cases" in r.stdout


def test_every_arithmetic_errata_entry_says_whether_it_is_modelled():
    text = (SPEC / "errata.md").read_text()
    classes = dict(re.findall(r"^\| \[(E-[A-Z0-9]+-\d+)\]\(#[^)]*\) \| (\w+) \|", text, flags=re.M))
    sections = _sections()
    assert set(classes) == set(sections)
    missing = [e for e, body in sections.items() if classes[e] == "arithmetic"
               and not re.search(r"Compat:\s+(not\s+)?modelled", body)]
    assert missing == []
