"""Every op runs from a thinker resource: each valid op-level vector case, as a one-operator graph packed
by ``lunaref pack`` and run by the resource executor, gives the case's expected outputs on its platform
(formats/resource.md, formats/executor.md). A tensor at exponent −1 cannot be stored (errata E-FORMAT-1)."""

from __future__ import annotations

import numpy as np
import pytest

from lunaref import errors
from lunaref.graph import Graph, Node, ValueInfo
from lunaref.ops import REGISTRY
from lunaref.resource.executor import run_resource
from lunaref.resource.layout import EXECUTOR_LACKS, EXECUTOR_OPS
from lunaref.resource.packer import pack
from lunaref.tensor import TensorSpec
from lunaref.vectors.case import case_dirs, read_case

from support import ROOT

#: Inputs that are constants of the op in a real model (weights and biases; Resize's roi, scales, sizes),
#: besides the signature's unscaled inputs (shapes, indices, pads).
CONSTANT_INPUTS = {"Conv2dInt": (1, 2), "LinearInt": (1, 2), "BatchNorm2dInt": (1, 2), "Resize": (1, 2, 3),
                   "Conv1dInt": (1, 2), "ConvTranspose2dInt": (1, 2), "LayerNormInt": (1, 2)}


def one_operator_graph(case) -> tuple[Graph, list[np.ndarray]]:
    """The case as a graph of one node: activations are graph inputs, the rest constants."""
    op = REGISTRY.get(case.op)
    sig = next(s for s in op.signatures if s.inputs == tuple(t.dtype.name for t in case.inputs))
    constant = set(sig.unscaled) | set(CONSTANT_INPUTS.get(case.op, ()))
    if case.op in ("LSTMInt", "GRUInt") and case.inputs[-1].dtype.name == "int32":   # W_ih, W_hh, B_ih, B_hh
        constant |= set(range(len(case.inputs) - 4, len(case.inputs)))
    names = [f"in{k}" for k in range(len(case.inputs))]
    inputs = tuple(ValueInfo(n, t.dtype, t.exponent, tuple(t.shape))
                   for k, (n, t) in enumerate(zip(names, case.inputs)) if k not in constant)
    constants = {n: t for k, (n, t) in enumerate(zip(names, case.inputs)) if k in constant}
    outs = tuple(f"out{k}" for k in range(len(case.output_specs)))
    specs = {**{i.name: TensorSpec(i.dtype, i.exponent) for i in inputs},
             **{n: TensorSpec(t.dtype, t.exponent) for n, t in constants.items()},
             **dict(zip(outs, case.output_specs))}
    node = Node("op", case.op, tuple(names), outs, case.attrs, tuple(case.output_specs))
    graph = Graph(inputs, tuple(ValueInfo(o, s.dtype, s.exponent) for o, s in zip(outs, case.output_specs)),
                  constants, (node,), case.platform, None, specs)
    return graph, [case.inputs[k].data for k in range(len(case.inputs)) if k not in constant]


CASES = [d for d in case_dirs(ROOT / "vectors" / "v1") if d.parts[-3] == "op"]


def _not_packable(case, graph):
    """What ``lunaref pack`` refuses, with its error: an exponent of −1 (E-FORMAT-1), a grouped
    convolution with group = output channels that is not depthwise (tpacker's op_divide leaves it and no
    weight layout exists, formats/packing.md), a Shape with start/end (thinker's Shape has no attributes),
    an op thinker's executor lacks (BatchNorm1dInt), which pack checks first."""
    if case.op not in EXECUTOR_OPS:   # e.g. BatchNorm1dInt (spec/ops/batchnorm1dint.md)
        return errors.UnsupportedOp, "no such operator"
    if case.op in EXECUTOR_LACKS.get(case.platform, ()):   # GluInt on venus (E-GLU-2)
        return errors.UnsupportedOp, "builds no"
    if case.op == "GRUInt" and [t.dtype.name for t in case.inputs] != ["int8"] * 3 + ["int32"] * 2:
        # gruint.c reads X, W_ih, W_hh, B_ih, B_hh only
        return errors.UnsupportedAttribute, "exactly X, W_ih, W_hh, B_ih, B_hh"
    if case.op in ("LSTMInt", "GRUInt") and case.inputs[0].shape[0 if case.attrs.get("layout", 0) else 1] != 1:
        return errors.UnsupportedAttribute, "single sequence"
    if any(s.exponent == -1 for s in graph.specs.values()):
        return errors.ExponentOutOfRange, "E-FORMAT-1"
    group = int(case.attrs.get("group", 1))
    if case.op in ("Conv2dInt", "Conv1dInt") and 1 < group == case.inputs[1].shape[0] \
            and case.inputs[1].shape[1] != 1:
        return errors.UnsupportedAttribute, "grouped convolutions"
    if case.op == "Shape" and ("start" in case.attrs or "end" in case.attrs):
        return errors.UnsupportedAttribute, "start/end"
    return None


@pytest.mark.parametrize("op", sorted(op.name for op in REGISTRY))
def test_every_valid_case_of_an_op_runs_from_model_bin(op):
    ran = refused = 0
    for d in (d for d in CASES if d.parts[-2] == op):
        case = read_case(d)
        if case.expect["outcome"] != "valid":
            continue
        graph, feeds = one_operator_graph(case)
        refusal = _not_packable(case, graph)
        if refusal:
            error, words = refusal
            with pytest.raises(error, match=words):
                pack(graph, case.platform, keep_quant=True)
            refused += 1
            continue
        outputs = run_resource(pack(graph, case.platform, keep_quant=True).data, feeds, case.platform)
        for k, (got, want) in enumerate(zip(outputs, case.outputs)):
            assert got.dtype == want.data.dtype and np.array_equal(got, want.data), f"{case.id} output {k}"
        ran += 1
    if op in EXECUTOR_OPS:
        assert ran > 0
    else:   # thinker 3.0.4 has no such operator: every case is refused
        assert ran == 0 and refused > 0
