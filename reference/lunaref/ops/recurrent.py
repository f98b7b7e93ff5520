"""Steps shared by the recurrent cells GRUInt and LSTMInt (spec/ops/gruint.md; linger 3.0.9
``quant/ops/qmodule/qgru.py``, ``qlstm.py``).

linger states both cells with three integer helpers, which the spec keeps exactly:

* ``req(v, a → b)`` (``requant_int_ste``): a left shift when ``b ≥ a``, else the LUNA rounding shift
  ``⌊v / 2^(a−b) + ½⌋`` — :func:`req`, unsaturated.
* ``mul_req(a, b, s → d)`` (``mul_requant_int_ste``): the exact int64 product, converted to float64 before
  a right shift — so a product of more than 53 significant bits is first rounded to 53 bits, ties to even
  (:func:`as_double`); the left-shift direction stays exact.
* the gate matrix products ``x · Wᵀ + b`` are exact (``matmul_int_with_bias_ste``).

and walks a sequence step by step (:func:`run_sequence`): time-major or batch-first layout, forward or
reverse direction, optional per-sequence lengths (linger 1.x ``*_Is8_Is64``: a sequence stops at its length;
later outputs are 0 and its state is kept).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import errors
from ..numerics import as_int, rescale, round_to_float64, saturate

__all__ = ["req", "sat32", "as_double", "mul_req", "gate_acc", "time_major", "from_time_major",
           "run_sequence"]


def req(v: Any, src: int, dst: int) -> np.ndarray:
    """linger's ``REQ(v, src → dst)``: ``v · 2^(dst − src)``, exact left shift or LUNA rounding shift."""
    return rescale(v, int(src) - int(dst))


def sat32(v: Any) -> np.ndarray:
    """Saturate to int32, returned as int64 (linger's ``clamp_to_int32_ste``)."""
    return saturate(v, "int32").astype(np.int64)


def as_double(p: Any) -> np.ndarray:
    """``(double)p`` as an exact integer: values of more than 53 significant bits rounded to 53, ties to even
    (numerics.md §4.1)."""
    return round_to_float64(p)


def mul_req(a: Any, b: Any, src: int, dst: int) -> np.ndarray:
    """linger's ``mul_requant_int_ste``: ``a·b`` exact; to a lower exponent through float64 (:func:`as_double`)."""
    p = as_int(a) * as_int(b)
    return req(p if dst >= src else as_double(p), src, dst)


def gate_acc(x: Any, w: Any, b: Any | None) -> np.ndarray:
    """Exact ``x · Wᵀ + b`` for rows ``x`` [B, K], ``W`` [N, K], ``b`` [N] (int64: |acc| < 2^62 asserted)."""
    x, w = as_int(x), as_int(w)
    bound = x.shape[-1] * max(int(np.abs(x).max(initial=0)), 1) * max(int(np.abs(w).max(initial=0)), 1)
    assert bound < (1 << 61), "gate accumulator out of int64 range"
    acc = x.astype(np.int64) @ w.astype(np.int64).T
    return acc if b is None else acc + as_int(b).astype(np.int64)


def time_major(x: np.ndarray, batch_first: bool) -> np.ndarray:
    """``[T, B, I]`` view of a ``[B, T, I]`` (batch_first) or ``[T, B, I]`` sequence."""
    return np.swapaxes(x, 0, 1) if batch_first else x


def from_time_major(y: np.ndarray, batch_first: bool) -> np.ndarray:
    return np.swapaxes(y, 0, 1) if batch_first else y


def run_sequence(step: Callable[[np.ndarray, Any], tuple[np.ndarray, Any]], xs: np.ndarray, state: Any,
                 *, reverse: bool = False, lengths: np.ndarray | None = None,
                 hidden: Callable[[Any], np.ndarray] = lambda s: s) -> tuple[np.ndarray, Any]:
    """Walk ``xs`` ([T, B, I], time-major) with ``state, y_t = step(x_t, state)``; forward (t = 0 … T−1) or
    reverse (t = T−1 … 0, each output at its own position t).  With ``lengths`` [B], sequence ``b`` takes only
    the steps ``t < lengths[b]``: at other steps its state is kept and its output is 0.  Returns the outputs
    ``[T, B, H]`` and the final state.  ``state`` may be a tuple of arrays (LSTM: h, c) whose leading axis is B."""
    t_len, batch = xs.shape[0], xs.shape[1]
    if lengths is not None:
        lengths = as_int(lengths).reshape(-1)
        if lengths.shape[0] != batch or bool(((lengths < 0) | (lengths > t_len)).any()):
            raise errors.ShapeMismatch(f"sequence lengths {lengths.tolist()} do not fit {batch} sequences of "
                                       f"{t_len} steps")
    outs: list[np.ndarray | None] = [None] * t_len
    for t in (range(t_len - 1, -1, -1) if reverse else range(t_len)):
        new_state = step(xs[t], state)
        y = hidden(new_state)
        if lengths is not None:
            live = (t < lengths)
            keep = live.reshape(-1, *([1] * (y.ndim - 1)))
            if isinstance(state, tuple):
                new_state = tuple(np.where(keep, n, o) for n, o in zip(new_state, state))
            else:
                new_state = np.where(keep, new_state, state)
            y = np.where(keep, y, 0)
        state = new_state
        outs[t] = y
    return np.stack(outs, 0), state
