"""Quant and Dequant against the real thinker executor's tensors (resnet50 demo, venusA dump).

Evidence (read at test time, never copied): thinker-demo/input.bin (float32 [1,1,32,32]), the
executor's int8 Quant output (npz key '426', exponent 7), its int8 LinearInt output
('Dequant_output_526', exponent 3) and its float32 output.bin.
"""

from __future__ import annotations

import numpy as np
import pytest

from lunaref import Tensor, TensorSpec
from lunaref.ops import REGISTRY

pytestmark = pytest.mark.evidence


@pytest.mark.parametrize("platform", ["venus", "venusA", "arcs"])
def test_quant_of_the_demo_input_equals_the_executor(evidence, platform):
    x = np.fromfile(evidence("thinker-demo", "input.bin"), dtype="<f4").reshape(1, 1, 32, 32)
    layers = np.load(evidence("thinker-demo", "resnet50-layers-venusA.npz"))
    (y,) = REGISTRY.get("Quant").run([Tensor.of(x, "float32")], [TensorSpec.of("int8", 7)], {}, platform)
    assert y.data.dtype == np.int8
    assert np.array_equal(y.data, layers["426"])
    assert int(y.data.max()) == 127  # the input maximum 4.2445 saturates (a coverpoint hit on real data)


@pytest.mark.parametrize("platform", ["venus", "venusA", "arcs"])
def test_dequant_of_the_demo_result_equals_output_bin(evidence, platform):
    layers = np.load(evidence("thinker-demo", "resnet50-layers-venusA.npz"))
    q = Tensor.of(layers["Dequant_output_526"], "int8", 3)
    (y,) = REGISTRY.get("Dequant").run([q], [TensorSpec.of("float32")], {}, platform)
    assert y.data.astype("<f4").tobytes() == evidence("thinker-demo", "output.bin").read_bytes()
