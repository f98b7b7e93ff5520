"""GRUInt: one quantized GRU layer, one direction (spec/ops/gruint.md).

Source: rule 3 on every platform — linger 3.0.9 ``quant/ops/qmodule/qgru.py`` (``QGRUCell._forward_venus_exact``,
``_forward_venusa_exact``, ``_forward_arcs_mars_exact``), stated exactly in integers; its sigmoid and tanh are the
LUNA functions of spec/nonlinear.md §1 (``lunaref.luna.activation``).  thinker 3.0.4's executor is unsound on
every platform (errata E-GRU-1 … E-GRU-4): arcs and venusA feed Q11 gate sums to the Q27 functions, venus
always crashes.

Per step, with ``q`` the profile's gate Q (11 / 27), ``o = q + 4`` (Q15 / Q31), ``e_h`` the hidden exponent and
``REQ``/``MUL`` linger's requantizations (ops/recurrent.py; gates in PyTorch order r, z, n):

    A        = q (separate) | max(q_ib, q_hb) (common: venusA)
    gi       = sat32(REQ(x·W_ihᵀ + b_ih, q_ib → A))
    gh       = sat32(REQ(h·W_hhᵀ + b_hh, q_hb → A))             (arcs: the r, z rows only)
    r, z     = σ(sat32(REQ(i_r + h_r, A → q))), σ(sat32(REQ(i_z + h_z, A → q)))
    n        = tanh(sat32(REQ(i_n + MUL(r, h_n, o + A → A), A → q)))          reset after the matmul
             = tanh(sat32(i_n + sat32(REQ(MUL(r, h, o + e_h → e_h)·W_hnᵀ + b_hn, q_hb → q))))   before (arcs)
    n_h      = REQ(n, o → e_h)
    h'       = sat_h(h + MUL(z, sat16(n_h − h), o + e_h → e_h))               "h+z(n-h)" (venus)
             = sat_h(n_h + MUL(z, h − n_h, o + e_h → e_h))                    "n+z(h-n)" (arcs, venusA)
    y_t      = sat_Y(REQ(h', e_h → e(Y)))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import compat, errors, luna
from ..numerics import as_int, saturate
from ..tensor import Tensor
from .recurrent import (
    from_time_major,
    gate_acc,
    mul_req,
    req,
    run_sequence,
    sat32,
    time_major,
)
from .registry import Coverpoint, OpDef, Signature

__all__ = ["OP", "gruint", "split_inputs", "cell_step"]


# ----------------------------------------------------------------------------------------------
# the LUNA sigmoid and tanh the cell uses (spec/nonlinear.md §1)
# ----------------------------------------------------------------------------------------------

def gate_sigmoid(x: Any, profile) -> np.ndarray:
    """σ of Q(q) int32 gate sums to Q(q + 4): venus Q11 → Q15, arcs / venusA Q27 → Q31 (int64 array)."""
    from ..luna import activation
    return as_int(activation.sigmoid(x, profile)).astype(np.int64)


def gate_tanh(x: Any, profile) -> np.ndarray:
    """tanh of Q(q) int32 gate sums to Q(q + 4) (int64 array)."""
    from ..luna import activation
    return as_int(activation.tanh(x, profile)).astype(np.int64)


# ----------------------------------------------------------------------------------------------
# operands
# ----------------------------------------------------------------------------------------------

def split_inputs(inputs):
    """``X, [L], [H0], W_ih, W_hh, [B_ih, B_hh]`` (the ONNX order of both linger dialects) as a dict."""
    x, rest = inputs[0], list(inputs[1:])
    lengths = rest.pop(0) if rest and rest[0].dtype.name in ("int64", "int32") else None
    h0 = rest.pop(0) if len(rest) in (3, 5) else None
    if len(rest) not in (2, 4):
        raise errors.ShapeMismatch(f"GRUInt: {len(inputs)} inputs do not form X, [L], [H0], W_ih, W_hh, [B_ih, B_hh]")
    w_ih, w_hh = rest[0], rest[1]
    b_ih, b_hh = (rest[2], rest[3]) if len(rest) == 4 else (None, None)
    return {"x": x, "lengths": lengths, "h0": h0, "w_ih": w_ih, "w_hh": w_hh, "b_ih": b_ih, "b_hh": b_hh}


def _check(ops, outputs, attrs):
    x, w_ih, w_hh = ops["x"], ops["w_ih"], ops["w_hh"]
    if len(x.shape) != 3:
        raise errors.ShapeMismatch(f"GRUInt: X must have rank 3 (got {list(x.shape)})")
    if len(w_hh.shape) != 2 or w_hh.shape[0] % 3 or w_hh.shape[0] != 3 * w_hh.shape[1]:
        raise errors.ShapeMismatch(f"GRUInt: W_hh must be [3H, H] (got {list(w_hh.shape)})")
    hidden = w_hh.shape[1]
    if tuple(w_ih.shape) != (3 * hidden, x.shape[2]):
        raise errors.ShapeMismatch(f"GRUInt: W_ih must be [3H, I] = [{3 * hidden}, {x.shape[2]}] "
                                   f"(got {list(w_ih.shape)})")
    for b in (ops["b_ih"], ops["b_hh"]):
        if b is not None and tuple(b.shape) != (3 * hidden,):
            raise errors.ShapeMismatch(f"GRUInt: biases must be [3H] = [{3 * hidden}] (got {list(b.shape)})")
    if "hidden_size" in attrs and int(attrs["hidden_size"]) != hidden:
        raise errors.ShapeMismatch(f"GRUInt: hidden_size {attrs['hidden_size']} but W_hh is {list(w_hh.shape)}")
    if "input_size" in attrs and int(attrs["input_size"]) != x.shape[2]:
        raise errors.ShapeMismatch(f"GRUInt: input_size {attrs['input_size']} but X is {list(x.shape)}")
    batch_first = int(attrs.get("layout", 0)) == 1
    batch = x.shape[0] if batch_first else x.shape[1]
    e_h = outputs[1].exponent
    if ops["h0"] is not None:
        h0 = ops["h0"]
        if tuple(h0.shape) != (1, batch, hidden):
            raise errors.ShapeMismatch(f"GRUInt: H0 must be [1, B, H] = [1, {batch}, {hidden}] "
                                       f"(got {list(h0.shape)})")
        if h0.exponent != e_h:
            raise errors.ExponentOutOfRange(f"GRUInt: H0's exponent {h0.exponent} differs from the hidden "
                                            f"exponent {e_h} (output 1)")
        if h0.dtype.name != outputs[1].dtype.name:
            raise errors.DTypeMismatch("GRUInt: H0 and the hidden output must have one dtype")
    if ops["lengths"] is not None and tuple(ops["lengths"].shape) != (batch,):
        raise errors.ShapeMismatch(f"GRUInt: sequence lengths must be [B] = [{batch}] "
                                   f"(got {list(ops['lengths'].shape)})")
    if int(attrs.get("layout", 0)) not in (0, 1):
        raise errors.UnsupportedAttribute(f"GRUInt: layout must be 0 ([T, B, I]) or 1 ([B, T, I]); got {attrs['layout']}")
    direction = int(attrs.get("direction", 0))
    if direction not in (0, 1):
        raise errors.UnsupportedAttribute(f"GRUInt: direction must be 0 (forward) or 1 (reverse); got {direction} "
                                          "(a bidirectional layer is two GRUInt and a concat)")
    return hidden, batch_first, direction == 1


# ----------------------------------------------------------------------------------------------
# the cell
# ----------------------------------------------------------------------------------------------

def cell_step(x, h, w, e, profile, h_type: str, trace: dict | None = None):
    """One step for every sequence of the batch: ``x`` [B, I], ``h`` [B, H] (int64) → ``h'`` [B, H].
    ``w`` = (W_ih, W_hh, b_ih, b_hh) as int arrays (biases may be None); ``e`` = (e(X), e(W_ih), e(W_hh), e_h)."""
    w_ih, w_hh, b_ih, b_hh = w
    e_x, e_iw, e_hw, e_h = e
    hidden = h.shape[1]
    q = profile.recurrent_gate_q
    o = q + 4
    q_ib, q_hb = e_x + e_iw, e_h + e_hw
    a = max(q_ib, q_hb) if profile.gru_gate_alignment == "common" else q
    gi = sat32(req(gate_acc(x, w_ih, b_ih), q_ib, a))
    i_r, i_z, i_n = gi[:, :hidden], gi[:, hidden:2 * hidden], gi[:, 2 * hidden:]
    before = profile.gru_reset == "before_matmul"
    rows = slice(0, 2 * hidden) if before else slice(None)
    gh = sat32(req(gate_acc(h, w_hh[rows], None if b_hh is None else b_hh[rows]), q_hb, a))
    h_r, h_z = gh[:, :hidden], gh[:, hidden:2 * hidden]
    pre_r = sat32(req(i_r + h_r, a, q))
    pre_z = sat32(req(i_z + h_z, a, q))
    r, z = gate_sigmoid(pre_r, profile), gate_sigmoid(pre_z, profile)
    if before:
        rh = mul_req(r, h, o + e_h, e_h)
        gh_n = sat32(req(gate_acc(rh, w_hh[2 * hidden:], None if b_hh is None else b_hh[2 * hidden:]), q_hb, q))
        pre_n = sat32(i_n + gh_n)
    else:
        h_n = gh[:, 2 * hidden:]
        pre_n = sat32(req(i_n + mul_req(r, h_n, o + a, a), a, q))
    n = gate_tanh(pre_n, profile)
    n_h = req(n, o, e_h)
    if profile.gru_blend == "h+z(n-h)":
        new = h + mul_req(z, saturate(n_h - h, "int16").astype(np.int64), o + e_h, e_h)
    else:
        new = n_h + mul_req(z, h - n_h, o + e_h, e_h)
    out = saturate(new, h_type).astype(np.int64)
    if trace is not None:
        for key, v in (("pre_r", pre_r), ("pre_z", pre_z), ("pre_n", pre_n), ("new", new), ("n_h", n_h)):
            trace.setdefault(key, []).append(np.asarray(v))
    return out


def _run(inputs, outputs, attrs, profile, trace: dict | None = None):
    ops = split_inputs(inputs)
    hidden, batch_first, reverse = _check(ops, outputs, attrs)
    y_spec, h_spec = outputs
    x = ops["x"]
    xs = time_major(as_int(x.data), batch_first)
    batch = xs.shape[1]
    h0 = np.zeros((batch, hidden), np.int64) if ops["h0"] is None else as_int(ops["h0"].data).reshape(batch, hidden)
    w = tuple(None if t is None else as_int(t.data) for t in
              (ops["w_ih"], ops["w_hh"], ops["b_ih"], ops["b_hh"]))
    e = (x.exponent, ops["w_ih"].exponent, ops["w_hh"].exponent, h_spec.exponent)
    lengths = None if ops["lengths"] is None else as_int(ops["lengths"].data)

    def step(x_t, h):
        return cell_step(x_t, h, w, e, profile, h_spec.dtype.name, trace)

    hs, h_n = run_sequence(step, xs, h0, reverse=reverse, lengths=lengths)
    y = saturate(req(hs, h_spec.exponent, y_spec.exponent), y_spec.dtype)
    return [Tensor.of(from_time_major(y, batch_first), y_spec.dtype, y_spec.exponent),
            Tensor.of(h_n.reshape(1, batch, hidden).astype(h_spec.dtype.storage), h_spec.dtype, h_spec.exponent)]


def gruint(inputs, outputs, attrs, profile):
    """One GRU layer, one direction — see the module docstring."""
    return _run(inputs, outputs, attrs, profile)


# ----------------------------------------------------------------------------------------------
# thinker 3.0.4 compatibility (spec/errata.md E-GRU-1 … E-GRU-3)
# ----------------------------------------------------------------------------------------------

def _thinker_step(x, h, w, e_x, e_iw, e_hw, e_y, profile):
    """One step of ``{arcs,venusA}/gruint.h`` (``gru_luna_inner``) for one sequence: ``x`` [I], ``h`` [H] int8 at
    e(Y) (E-GRU-2).  Gate sums at Q11 go to the Q27 ``sigmoid_i32o8`` / ``tanh_i32o8`` (E-GRU-1)."""
    from ..luna import activation
    w_ih, w_hh, b_ih, b_hh = w
    hidden = h.shape[0]
    i32 = lambda v: np.asarray(v, dtype=np.int32)     # noqa: E731
    i8 = lambda v: np.asarray(v, dtype=np.int8)       # noqa: E731

    def to_q11(g, q):                                 # scale_i32i32o32 by 2^(11 − q) or rounding shift q − 11
        return luna.scale(i32(g), 1 << (11 - q), 0, "int32", profile) if 11 > q else \
            luna.scale(i32(g), 1, q - 11, "int32", profile)

    g1 = to_q11(luna.mat_mul(i8(x[None]), i8(w_ih.T), 0, "int32", profile, bias=b_ih)[0], e_x + e_iw)
    g2 = to_q11(luna.mat_mul(i8(h[None]), i8(w_hh.T), 0, "int32", profile, bias=b_hh)[0], e_y + e_hw)
    gates = g1[:2 * hidden]
    if compat.thinker_3_0_4(profile).gru_rz_adds_hidden:        # arcs; venusA drops W_hh·h from r and z
        gates = luna.add(i32(g1[:2 * hidden]), i32(g2[:2 * hidden]), 0, "int32", profile)
    r = activation.activation("sigmoid", gates[:hidden], "int8", profile)
    z = activation.activation("sigmoid", gates[hidden:], "int8", profile)
    rn = luna.mul(i32(r), i32(g2[2 * hidden:]), 7, "int32", profile)
    n = activation.activation("tanh", luna.add(i32(g1[2 * hidden:]), i32(rn), 0, "int32", profile), "int8", profile)
    half = luna.scale(i8(h), 1, 1, "int8", profile)
    a = luna.mul(i8(z), i8(half), 0, "int32", profile)
    zc = luna.offset(luna.scale(i8(z), -1, 0, "int32", profile), 128, 0, "int32", profile)
    b = luna.mul(i32(zc), i32(n), 0, "int32", profile)
    return luna.add(i32(a), i32(b), 14 - e_y, "int8", profile).astype(np.int64)


def thinker_3_0_4(inputs, outputs, attrs, profile):
    """thinker 3.0.4's GRUInt on arcs and venusA: linger 1.x's Q7 cell on Q11 gate sums read as Q27 (E-GRU-1),
    the hidden state at e(Y) (E-GRU-2), always forward (E-GRU-3), one sequence.  Other cases compute the spec:
    venus crashes (E-GRU-4), a batch, H0 or lengths shift the executor's operands (E-GRU-3), e(Y) > 14 passes
    a negative shift (E-SHIFT-1)."""
    ops = split_inputs(inputs)
    hidden, batch_first, _ = _check(ops, outputs, attrs)
    x, (y_spec, h_spec) = ops["x"], outputs
    xs = time_major(as_int(x.data), batch_first)
    if not compat.thinker_3_0_4(profile).gru_q11_into_q27 or xs.shape[1] != 1 or ops["h0"] is not None \
            or ops["lengths"] is not None or ops["b_ih"] is None or y_spec.exponent > 14 \
            or x.exponent + ops["w_ih"].exponent > 41 or y_spec.exponent + ops["w_hh"].exponent > 41:
        return gruint(inputs, outputs, attrs, profile)
    w = tuple(as_int(t.data) for t in (ops["w_ih"], ops["w_hh"], ops["b_ih"], ops["b_hh"]))
    h = np.zeros(hidden, np.int64)
    ys = []
    for t in range(xs.shape[0]):                      # forward whatever the direction (E-GRU-3)
        h = _thinker_step(xs[t, 0], h, w, x.exponent, ops["w_ih"].exponent, ops["w_hh"].exponent,
                          y_spec.exponent, profile)
        ys.append(h)
    y = np.stack(ys)[:, None, :]
    return [Tensor.of(from_time_major(y, batch_first), y_spec.dtype, y_spec.exponent),
            Tensor.of(h.reshape(1, 1, hidden), h_spec.dtype, h_spec.exponent)]


# ----------------------------------------------------------------------------------------------
# coverpoints
# ----------------------------------------------------------------------------------------------

def _trace(c) -> dict:
    from ..platforms import profile as get_profile
    t: dict = {}
    _run(list(c.inputs), [o.spec for o in c.outputs], c.attrs, get_profile(c.platform), t)
    return {k: np.concatenate([np.asarray(a, dtype=object).reshape(-1) for a in v]) for k, v in t.items()}


def _pre_extreme(c) -> bool:
    """A gate sum beyond ±16.0 (reachable at Q11 only: venus's σ and tanh give 0) or saturated to int32."""
    t, limit = _trace(c), 16 << get_q(c)
    return any(bool(((np.abs(v) > limit) | (v <= -(1 << 31)) | (v >= (1 << 31) - 1)).any())
               for v in (t[k].astype(object) for k in ("pre_r", "pre_z", "pre_n")))


def _saturates(c, high: bool) -> bool:
    new = _trace(c)["new"]
    d = c.outputs[1].dtype
    return bool((new > d.max).any()) if high else bool((new < d.min).any())


def _inputs(c):
    return split_inputs(list(c.inputs))


SIGNATURES = tuple(
    Signature(ins, ("int8", "int8"), unscaled=(1,) if ins[1] == "int64" else ())
    for ins in (("int8", "int8", "int8"), ("int8", "int8", "int8", "int32", "int32"),
                ("int8", "int8", "int8", "int8"), ("int8", "int8", "int8", "int8", "int32", "int32"),
                ("int8", "int64", "int8", "int8"), ("int8", "int64", "int8", "int8", "int32", "int32"),
                ("int8", "int64", "int8", "int8", "int8"), ("int8", "int64", "int8", "int8", "int8", "int32", "int32"))
)

OP = OpDef(
    name="GRUInt",
    summary="one quantized GRU layer (gates r, z, n), forward or reverse, per-platform gate arithmetic",
    spec_section="ops/gruint.md",
    since="1.0.0",
    aliases={"linger1": ("GRUInt", "GRUInt_Is8_Is64", "GRUInt_Is8_Is64_If32"), "linger3": ("QGRU",)},
    signatures=SIGNATURES,
    coverpoints=(
        Coverpoint("bias", "the int32 biases b_ih, b_hh are given", lambda c: _inputs(c)["b_ih"] is not None),
        Coverpoint("no bias", "no biases", lambda c: _inputs(c)["b_ih"] is None),
        Coverpoint("reverse", "direction = 1: the sequence is walked from its end",
                   lambda c: int(c.attrs.get("direction", 0)) == 1),
        Coverpoint("batch first", "layout = 1: X is [B, T, I]", lambda c: int(c.attrs.get("layout", 0)) == 1),
        Coverpoint("several sequences", "a batch of more than one sequence",
                   lambda c: c.inputs[0].shape[0 if int(c.attrs.get("layout", 0)) == 1 else 1] > 1),
        Coverpoint("initial hidden state", "an H0 input", lambda c: _inputs(c)["h0"] is not None),
        Coverpoint("sequence lengths", "a lengths input (linger 1.x *_Is8_Is64)",
                   lambda c: _inputs(c)["lengths"] is not None),
        Coverpoint("output exponent differs", "e(Y) differs from the hidden exponent",
                   lambda c: c.outputs[0].exponent != c.outputs[1].exponent),
        Coverpoint("hidden saturates high", "h + update exceeds the hidden type", lambda c: _saturates(c, True)),
        Coverpoint("hidden saturates low", "h + update is below the hidden type", lambda c: _saturates(c, False)),
        Coverpoint("gate extreme", "a gate sum beyond ±16.0 (venus: σ and tanh give 0) or saturated to int32",
                   _pre_extreme),
    ),
    impl=gruint,
    compat={"thinker-3.0.4": thinker_3_0_4},
)


def get_q(c) -> int:
    from ..platforms import profile as get_profile
    return get_profile(c.platform).recurrent_gate_q
