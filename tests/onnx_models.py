"""Small linger-style ONNX models for the tests: the builder lives in the package (lunaref.vectors.models);
here is an independent numpy computation of its network."""

from __future__ import annotations

import numpy as np
import onnx

from lunaref.vectors.models import conv_model  # noqa: F401


def reference_output(x: np.ndarray, model: onnx.ModelProto) -> np.ndarray:
    """The same network computed directly with numpy integer code written from the spec formulas
    (independent of lunaref's graph machinery), for conv_model's defaults."""
    from onnx import numpy_helper as nh
    inits = {t.name: nh.to_array(t).astype(np.int64) for t in model.graph.initializer}

    def rshift(v, s):
        return np.floor_divide(v + (1 << (s - 1)), 1 << s) if s > 0 else v

    p = (x.astype(np.float32) * np.float32(16)).astype(np.float64) + 0.5
    q = np.clip(np.floor(p.astype(np.float32)), -128, 127).astype(np.int64)
    w, b = inits["conv.weight"], inits["conv.bias"]
    qp = np.pad(q, ((0, 0), (0, 0), (1, 1), (1, 1)))
    acc = np.zeros((1, 2, 4, 4), np.int64)
    for o in range(2):
        for i in range(4):
            for j in range(4):
                acc[0, o, i, j] = (qp[0, :, i:i + 3, j:j + 3] * w[o]).sum() + b[o]
    c = np.clip(rshift(acc, 4 + 6 - 3), -128, 127)
    r = np.maximum(c, 0)
    m = r.reshape(1, 2, 2, 2, 2, 2).max(axis=(3, 5))
    f = m.reshape(1, 8)
    lacc = f @ inits["fc.weight"].T + inits["fc.bias"]
    lq = np.clip(rshift(lacc, 3 + 7 - 2), -128, 127)
    return (lq.astype(np.float32) * np.float32(0.25)).astype(np.float32)
