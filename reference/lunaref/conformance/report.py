"""Comparison of a backend's outputs with a case's expected outputs, as the failure report shows it."""

from __future__ import annotations

import numpy as np

from ..vectors.case import VectorCase

__all__ = ["compare"]


def compare(case: VectorCase, actual, limit: int = 8) -> str | None:
    """None if every output equals the expected one bit for bit; else a report naming the differences."""
    if len(actual) != len(case.outputs):
        return f"{len(actual)} outputs, expected {len(case.outputs)}"
    lines = []
    for k, (exp, act) in enumerate(zip(case.outputs, actual)):
        act = np.asarray(act)
        e = exp.data
        if act.dtype != e.dtype or act.shape != e.shape:
            lines.append(f"output {k}: {act.dtype}{list(act.shape)}, expected {e.dtype}{list(e.shape)}")
            continue
        bad = np.argwhere(act != e)
        if not bad.size:
            continue
        diff = act.astype(np.float64) - e.astype(np.float64)
        lines.append(f"output {k}: {len(bad)} of {e.size} values differ; max difference {np.max(np.abs(diff)):g} LSB")
        for idx in bad[:limit]:
            t = tuple(int(i) for i in idx)
            lines.append(f"  at {list(t)}: expected {e[t]}, got {act[t]} (difference {diff[t]:g} LSB)")
    return "\n".join(lines) or None
