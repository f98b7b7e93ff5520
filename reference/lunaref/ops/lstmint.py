"""LSTMInt: one quantized LSTM layer, one direction (spec/ops/lstmint.md).

Source: rule 2 on arcs and venusA — thinker 3.0.4's composition of LUNA primitives
(``arcs/lstmint.h``, ``venusA/lstmint.h``: ``luna_lstm_q7_int8_inner``), which is linger 3.0.9's
``QLSTMCell._forward_exact_runtime`` step for step; rule 3 on venus — linger 3.0.9's
``QLSTMCell._forward_venus_exact`` (thinker's venus kernel computes linger 1.x's Q7 cell and overruns its
workspace: errata E-LSTM-1).  Gate order i, f, g, o (PyTorch); every exponent from the operands.

Per step, with Q = the profile's gate format (``recurrent_gate_q``: 11 venus, 27 arcs/venusA):

    gi = sat32(req(sat32(x·W_ihᵀ + b_ih), e(X)+e(W_ih) → Q))      gh likewise from h, W_hh, b_hh
         (venus, linger: sat32(req(x·W_ihᵀ + b_ih, …)), the inner sat32 absent: lstm_acc_saturate)
    G  = sat_gate(gi + gh)                 sat16 on venus, sat32 elsewhere  (lstm_gate_saturate)
    i, f, o = σ(G_i), σ(G_f), σ(G_o)       g = tanh(G_g)      each req(·, Q+4 → 15)   (Q15)
    venus ("q30"):  P = f·c + i·g           c' = sat32(req(P, 30 → 15))   u = sat32(req(P, 30 → 11))
    arcs/venusA ("q27"):  u = sat32(req(sat32(c·f) + sat32(i·g), 30 → 27))   c' = req(u, 27 → 15)
    t  = req(tanh(sat_gate(u)), Q+4 → 15)
    h' = sat8(req(o·t, 30 → e(h)))          Y_t = sat8(req(h', e(h) → e(Y)))

The hidden state lives at e(h) (the exponent of the H_n output, linger's ``scale_h``), the cell at Q15
(e(C) = 15), the output sequence at e(Y) (``scale_o``).
"""

from __future__ import annotations

import numpy as np

from .. import compat, errors
from ..numerics import as_int, requantize, saturate
from ..tensor import Tensor
from .recurrent import from_time_major, gate_acc, req, run_sequence, sat32, time_major
from .registry import Coverpoint, OpDef, Signature

__all__ = ["OP", "lstmint", "operands", "sigmoid_q15", "tanh_q15"]

#: linger 3.0.9 keeps the cell state in Q15 on every platform (``cell_quantizer`` forced to 2^15).
CELL_EXPONENT = 15


# ----------------------------------------------------------------------------------------------
# the nonlinear steps (spec/nonlinear.md §1)
# ----------------------------------------------------------------------------------------------

def _activation(kind: str, v: np.ndarray, profile) -> np.ndarray:
    """``kind`` ("sigmoid" / "tanh") of gate-format integers, in the function's native output format
    Q(gate_q + 4): Q15 on venus, Q31 on arcs and venusA (spec/nonlinear.md §1)."""
    from ..luna import activation

    return as_int(getattr(activation, kind)(v, profile))


def _q15(kind: str, v, profile) -> np.ndarray:
    q = profile.recurrent_gate_q
    return req(_activation(kind, v, profile), q + 4, 15)


def sigmoid_q15(v, profile) -> np.ndarray:
    """σ of gate-format integers (already saturated to the gate type), in Q15."""
    return _q15("sigmoid", v, profile)


def tanh_q15(v, profile) -> np.ndarray:
    """tanh of gate-format integers (already saturated to the gate type), in Q15."""
    return _q15("tanh", v, profile)


# ----------------------------------------------------------------------------------------------
# operands
# ----------------------------------------------------------------------------------------------

def operands(inputs):
    """(X, seq_len, H0, C0, W_ih, W_hh, B_ih, B_hh) from the executor's input order: X, [seq_len],
    [H0, C0], W_ih, W_hh, B_ih, B_hh (5 to 8 inputs; ``ops/lstmint.c``)."""
    n = len(inputs)
    if n not in (5, 6, 7, 8):
        raise errors.ShapeMismatch(f"LSTMInt: 5 to 8 inputs (X, [seq_len], [H0, C0], W_ih, W_hh, B_ih, B_hh), "
                                   f"got {n}")
    x = inputs[0]
    seq = inputs[1] if n in (6, 8) else None
    h0, c0 = (inputs[n - 6], inputs[n - 5]) if n >= 7 else (None, None)
    w_ih, w_hh, b_ih, b_hh = inputs[-4:]
    return x, seq, h0, c0, w_ih, w_hh, b_ih, b_hh


def _settings(attrs) -> tuple[int, bool]:
    direction = int(attrs.get("direction", 0))
    if direction not in (0, 1):
        raise errors.UnsupportedAttribute(f"LSTMInt: direction {direction} (0 forward, 1 reverse; a bidirectional "
                                          "layer is two LSTMInt nodes)")
    layout = int(attrs.get("layout", 0))
    if layout not in (0, 1):
        raise errors.UnsupportedAttribute(f"LSTMInt: layout {layout} (0: [T, B, I], 1: batch first [B, T, I])")
    return direction, layout == 1


def _check(inputs, outputs, attrs):
    """The REQUIREs of spec/ops/lstmint.md; returns the settings the cell needs."""
    x, seq, h0, c0, w_ih, w_hh, b_ih, b_hh = operands(inputs)
    _, hn, cn = outputs
    direction, batch_first = _settings(attrs)
    if len(x.shape) != 3:
        raise errors.ShapeMismatch(f"LSTMInt: X must have rank 3 (got {list(x.shape)})")
    if len(w_hh.shape) != 2 or w_hh.shape[0] != 4 * w_hh.shape[1] or w_hh.shape[1] == 0:
        raise errors.ShapeMismatch(f"LSTMInt: W_hh must be [4H, H] (got {list(w_hh.shape)})")
    hidden = w_hh.shape[1]
    t_len, batch = (x.shape[1], x.shape[0]) if batch_first else (x.shape[0], x.shape[1])
    if tuple(w_ih.shape) != (4 * hidden, x.shape[2]):
        raise errors.ShapeMismatch(f"LSTMInt: W_ih must be [4H, I] = [{4 * hidden}, {x.shape[2]}] "
                                   f"(got {list(w_ih.shape)})")
    for b, name in ((b_ih, "B_ih"), (b_hh, "B_hh")):
        if tuple(b.shape) != (4 * hidden,):
            raise errors.ShapeMismatch(f"LSTMInt: {name} must be [4H] = [{4 * hidden}] (got {list(b.shape)})")
    for k, name in (("hidden_size", hidden), ("input_size", x.shape[2])):
        if k in attrs and int(attrs[k]) != name:
            raise errors.ShapeMismatch(f"LSTMInt: attribute {k} = {attrs[k]} but the operands say {name}")
    if t_len == 0 or batch == 0:
        raise errors.ShapeMismatch(f"LSTMInt: X {list(x.shape)} has no step or no sequence")
    e_h, e_c = hn.exponent, cn.exponent
    if e_c != CELL_EXPONENT:
        raise errors.ExponentOutOfRange(f"LSTMInt: the cell state is Q15 (e(C_n) = 15), got {e_c}")
    if b_ih.exponent != x.exponent + w_ih.exponent:
        raise errors.ExponentOutOfRange(f"LSTMInt: e(B_ih) must be e(X) + e(W_ih) = {x.exponent + w_ih.exponent} "
                                        f"(got {b_ih.exponent})")
    if b_hh.exponent != e_h + w_hh.exponent:
        raise errors.ExponentOutOfRange(f"LSTMInt: e(B_hh) must be e(H) + e(W_hh) = {e_h + w_hh.exponent} "
                                        f"(got {b_hh.exponent})")
    if e_h > 30:
        raise errors.ShiftOutOfRange(f"LSTMInt: e(H) = {e_h} exceeds 30 (h = o·t is Q30)")
    if h0 is not None:
        if h0.exponent != e_h or c0.exponent != CELL_EXPONENT:
            raise errors.ExponentOutOfRange(f"LSTMInt: H0 must be at e(H_n) = {e_h} and C0 at 15 "
                                            f"(got {h0.exponent}, {c0.exponent})")
        for s, name in ((h0, "H0"), (c0, "C0")):
            if tuple(s.shape) != (1, batch, hidden):
                raise errors.ShapeMismatch(f"LSTMInt: {name} must be [1, B, H] = [1, {batch}, {hidden}] "
                                           f"(got {list(s.shape)})")
    lengths = None
    if seq is not None:
        lengths = as_int(seq.data).reshape(-1)
        if lengths.shape[0] != batch or bool(((lengths < 0) | (lengths > t_len)).any()):
            raise errors.ValueOutOfRange(f"LSTMInt: seq_len {lengths.tolist()} must hold {batch} lengths in "
                                         f"[0, {t_len}]")
    return {"direction": direction, "batch_first": batch_first, "hidden": hidden, "t_len": t_len, "batch": batch,
            "e_h": e_h, "lengths": lengths}


# ----------------------------------------------------------------------------------------------
# the cell
# ----------------------------------------------------------------------------------------------

def _gate_input(rows, w, b, e_acc: int, profile) -> np.ndarray:
    """``sat32(req(sat32(rows · Wᵀ + b), e_acc → Q))``: the int32 LUNA matrix product with bias, moved to the
    gate format by ``luna_scale`` (a left scale or a rounding shift), saturated to int32; on venus
    (``lstm_acc_saturate`` off) the exact sum is moved, as linger computes it."""
    acc = gate_acc(rows, w, b)
    if profile.lstm_acc_saturate:
        acc = sat32(acc)
    return sat32(req(acc, e_acc, profile.recurrent_gate_q))


def cell_step(x_t, h, c, w_ih, w_hh, b_ih, b_hh, e_x: int, e_wi: int, e_h: int, e_wh: int, profile):
    """One LSTM step on a batch of rows: ``(h', c')`` from ``x_t`` [B, I], ``h`` [B, H] (int8 at e_h) and
    ``c`` [B, H] (int32 Q15)."""
    q = profile.recurrent_gate_q
    gate_type = profile.lstm_gate_saturate
    gi = _gate_input(x_t, w_ih, b_ih, e_x + e_wi, profile)
    gh = _gate_input(h, w_hh, b_hh, e_h + e_wh, profile)
    g_all = saturate(gi + gh, gate_type).astype(np.int64)
    hidden = h.shape[-1]
    g_i, g_f, g_g, g_o = (g_all[..., k * hidden:(k + 1) * hidden] for k in range(4))
    i, f, o = sigmoid_q15(g_i, profile), sigmoid_q15(g_f, profile), sigmoid_q15(g_o, profile)
    g = tanh_q15(g_g, profile)
    c = as_int(c).astype(np.int64)
    if profile.lstm_cell == "q30":           # venus: exact Q30 sum, two separate roundings
        p = f * c + i * g
        c_new = sat32(req(p, 30, 15))
        u = sat32(req(p, 30, q))
    else:                                    # arcs, venusA: int32 products, the sum rounded to Q27
        u = sat32(req(sat32(c * f) + sat32(i * g), 30, q))
        c_new = req(u, q, 15)
    t = tanh_q15(saturate(u, gate_type).astype(np.int64), profile)
    h_new = saturate(req(o * t, 30, e_h), "int8").astype(np.int64)
    return h_new, c_new


def run(inputs, outputs, attrs, profile, *, hidden_exponent: int | None = None):
    """The layer: Y [T, B, H] or [B, T, H], H_n [1, B, H], C_n [1, B, H].  ``hidden_exponent`` overrides e(h)
    (the thinker 3.0.4 compatibility model of E-LSTM-2)."""
    s = _check(inputs, outputs, attrs)
    x, _, h0, c0, w_ih, w_hh, b_ih, b_hh = operands(inputs)
    y_spec, hn_spec, cn_spec = outputs
    e_h = s["e_h"] if hidden_exponent is None else hidden_exponent
    batch, hidden = s["batch"], s["hidden"]
    h = np.zeros((batch, hidden), np.int64) if h0 is None else as_int(h0.data).reshape(batch, hidden).astype(np.int64)
    c = np.zeros((batch, hidden), np.int64) if c0 is None else as_int(c0.data).reshape(batch, hidden).astype(np.int64)
    xs = time_major(as_int(x.data).astype(np.int64), s["batch_first"])

    def step(x_t, state):
        return cell_step(x_t, *state, w_ih.data, w_hh.data, b_ih.data, b_hh.data, x.exponent, w_ih.exponent,
                         e_h, w_hh.exponent, profile)

    hs, (h, c) = run_sequence(step, xs, (h, c), reverse=s["direction"] == 1, lengths=s["lengths"],
                              hidden=lambda st: st[0])
    y = requantize(from_time_major(hs, s["batch_first"]), e_h, y_spec.exponent, y_spec.dtype)
    if s["lengths"] is not None:            # steps beyond a sequence's length are 0 in Y as well
        live = np.arange(s["t_len"])[:, None] < s["lengths"][None, :]
        y = np.where(from_time_major(live, s["batch_first"])[..., None], y, 0)
    return [Tensor.of(y, y_spec.dtype, y_spec.exponent),
            Tensor.of(h.reshape(1, batch, hidden), hn_spec.dtype, hn_spec.exponent),
            Tensor.of(c.reshape(1, batch, hidden), cn_spec.dtype, cn_spec.exponent)]


def lstmint(inputs, outputs, attrs, profile):
    """Y, H_n, C_n of one LSTM layer — see the module docstring."""
    return run(inputs, outputs, attrs, profile)


# ----------------------------------------------------------------------------------------------
# thinker 3.0.4 compatibility (spec/errata.md E-LSTM-2, E-LSTM-3)
# ----------------------------------------------------------------------------------------------

def thinker_steps(x: Tensor, attrs) -> int:
    """How many steps thinker 3.0.4 walks without a seq_len input: the extent of X's axis 2 (batch first) or
    axis 1 (time major) — the feature / batch axis (E-LSTM-3)."""
    return int(x.shape[2] if int(attrs.get("layout", 0)) == 1 else x.shape[1])


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """thinker 3.0.4 (tpacker + executor) on arcs and venusA: the hidden state at e(Y) instead of e(h)
    (E-LSTM-2), and without a seq_len input the step count from the wrong axis (E-LSTM-3; the sequence is cut
    there, output rows included).  venus (E-LSTM-1), a step count beyond T (reads past X) and batches of more
    than one sequence are not modelled: the spec's result."""
    x, seq, *_ = operands(inputs)
    y_spec = outputs[0]
    if not compat.thinker_3_0_4(profile).lstm_hidden_at_output_exponent or len(x.shape) != 3:
        return lstmint(inputs, outputs, attrs, profile)
    batch_first = int(attrs.get("layout", 0)) == 1
    batch = x.shape[0] if batch_first else x.shape[1]
    t_len = x.shape[1] if batch_first else x.shape[0]
    if batch != 1:
        return lstmint(inputs, outputs, attrs, profile)
    steps = t_len if seq is not None else thinker_steps(x, attrs)
    if steps > t_len:
        return lstmint(inputs, outputs, attrs, profile)
    if steps < t_len:
        cut = x.data[:, :steps] if batch_first else x.data[:steps]
        inputs = [Tensor.of(cut, x.dtype, x.exponent), *inputs[1:]]
    return run(inputs, outputs, attrs, profile, hidden_exponent=y_spec.exponent)


# ----------------------------------------------------------------------------------------------
# coverpoints
# ----------------------------------------------------------------------------------------------

def _layout(c) -> bool:
    return int(c.attrs.get("layout", 0)) == 1


def _n_inputs(c) -> int:
    return len(c.inputs)


def _y_saturates(c) -> bool:
    """Some hidden value does not fit Y's int8 at e(Y) (only when e(Y) > e(h))."""
    y, hn = c.outputs[0], c.outputs[1]
    if y.exponent <= hn.exponent:
        return False
    return bool(np.any(np.abs(as_int(y.data)) >= 127))


OP = OpDef(
    name="LSTMInt",
    summary="one quantized LSTM layer (gates i, f, g, o), forward or reverse, hidden at e(H_n), cell Q15",
    spec_section="ops/lstmint.md",
    since="1.0.0",
    aliases={"linger1": ("LSTMInt", "LSTMInt_Is8_Is64", "LSTMInt_Is8_Is64_If32_If32"), "linger3": ("QLSTM",)},
    signatures=(
        Signature(("int8", "int8", "int8", "int32", "int32"), ("int8", "int8", "int32")),
        Signature(("int8", "int32", "int8", "int8", "int32", "int32"), ("int8", "int8", "int32"), unscaled=(1,)),
        Signature(("int8", "int64", "int8", "int8", "int32", "int32"), ("int8", "int8", "int32"), unscaled=(1,)),
        Signature(("int8", "int8", "int32", "int8", "int8", "int32", "int32"), ("int8", "int8", "int32")),
        Signature(("int8", "int32", "int8", "int32", "int8", "int8", "int32", "int32"), ("int8", "int8", "int32"),
                  unscaled=(1,)),
        Signature(("int8", "int64", "int8", "int32", "int8", "int8", "int32", "int32"), ("int8", "int8", "int32"),
                  unscaled=(1,)),
    ),
    coverpoints=(
        Coverpoint("forward", "direction 0: t = 0 … T−1", lambda c: int(c.attrs.get("direction", 0)) == 0),
        Coverpoint("reverse", "direction 1: t = T−1 … 0", lambda c: int(c.attrs.get("direction", 0)) == 1),
        Coverpoint("batch first", "layout 1: X is [B, T, I]", _layout),
        Coverpoint("time major", "layout 0: X is [T, B, I]", lambda c: not _layout(c)),
        Coverpoint("initial state", "H0 and C0 given", lambda c: _n_inputs(c) in (7, 8)),
        Coverpoint("sequence lengths", "a seq_len input", lambda c: _n_inputs(c) in (6, 8)),
        Coverpoint("several sequences", "a batch of more than one sequence",
                   lambda c: c.inputs[0].shape[0 if _layout(c) else 1] > 1),
        Coverpoint("hidden exponent differs", "e(H_n) ≠ e(Y)", lambda c: c.outputs[0].exponent != c.outputs[1].exponent),
        Coverpoint("output saturates", "Y saturates where e(Y) > e(H_n)", _y_saturates),
    ),
    impl=lstmint,
    compat={"thinker-3.0.4": thinker_3_0_4},
)
