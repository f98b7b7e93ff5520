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
