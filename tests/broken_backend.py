"""A deliberately broken backend for the conformance suite's own test: the reference, except that Relu
returns its input unchanged (a port that forgot the rectifier)."""

import numpy as np

from lunaref.conformance import ReferenceBackend


class BrokenRelu(ReferenceBackend):
    name = "broken-relu"

    def run(self, case):
        if case.op == "Relu":
            return [np.array(case.inputs[0].data)]
        return super().run(case)


class OnlyRelu(ReferenceBackend):
    """The reference, declaring only Relu supported (for --strict)."""

    name = "only-relu"

    def supports(self, level, op, platform):
        return op == "Relu"
