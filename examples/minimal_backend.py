"""A complete conformance backend in under 50 lines (README, "Testing a port").

A port implements two methods: ``supports`` says which cases it can run, ``run`` computes one case and
returns its output arrays — or raises ``BackendError(name)`` when it rejects the inputs, so that
must-error cases can pass.  This one runs a single op with plain numpy (no lunaref arithmetic), the way
a port's first binding looks; everything else it declares unsupported, and those cases are skipped.

    pytest conformance/ --backend=minimal_backend:NumpyRelu    (with examples/ on PYTHONPATH)
"""

import numpy as np

from lunaref.conformance import Backend, BackendError


class NumpyRelu(Backend):
    name = "numpy-relu"

    def supports(self, level, op, platform):
        return level == "op" and op == "Relu"

    def run(self, case):
        (x,) = case.inputs                      # lunaref.Tensor: .data (numpy), .dtype, .exponent
        (y,) = case.output_specs                # what the case expects: dtype and exponent
        if case.platform == "arcs" and x.dtype.name == "int16":   # arcs's luna_relu has no 16-bit form
            raise BackendError("UnsupportedOnPlatform", "no int16 Relu on arcs")
        if y.exponent != x.exponent:
            raise BackendError("ExponentOutOfRange", "Relu keeps the exponent")
        return [np.maximum(x.data, 0).astype(x.data.dtype)]
