"""Judging a backend on a case: the comparison of its outputs with the expected ones, as the failure
report shows it (spec/formats/vectors.md §5)."""

from __future__ import annotations

import numpy as np

from ..vectors.case import VectorCase

__all__ = ["compare", "verdict"]


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


def verdict(case: VectorCase, backend) -> str | None:
    """None if ``backend`` passes ``case``; else why not, in one paragraph.

    A valid case passes when every output equals the expected one bit for bit; a must-error case
    passes only when the backend reports that error (:class:`~lunaref.conformance.BackendError`).
    """
    from .backend import BackendError

    try:
        actual = backend.run(case)
    except BackendError as exc:
        if case.expect["outcome"] == "error" and exc.name == case.expect["error"]:
            return None
        return f"the backend reported {exc}"
    if case.expect["outcome"] == "error":
        return f"expected error {case.expect['error']}, the backend returned outputs"
    return compare(case, actual)
