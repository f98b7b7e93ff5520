"""Per-platform packed weight layouts of thinker resources (spec/formats/resource.md §13).

``pack_*`` turns an exported weight into the packed array tpacker stores; ``unpack_*`` inverts it.
Which layout a platform uses is a field of its profile (``conv_weight_group``, ``depthwise_layout``,
``linear_weight_transposed``), not a branch on the platform's name.
"""

from __future__ import annotations

import numpy as np

from ..numerics import pack_int4, unpack_int4
from ..platforms import Profile

__all__ = ["pack_conv", "unpack_conv", "pack_depthwise", "unpack_depthwise", "pack_linear", "unpack_linear",
           "CONV1D_WEIGHT_GROUP", "pack_deconv", "unpack_deconv"]

#: tpacker packs Conv1dInt weights with output channels in pairs on every platform
#: (``graph_analysis/ops/<platform>/Conv1dInt.py``; errata E-CONV1D-1 for venusA's primitive).
CONV1D_WEIGHT_GROUP = 2


def _ceil_to(n: int, m: int) -> int:
    return -(-n // m) * m


def pack_conv(w: np.ndarray, prof: Profile, group: int | None = None) -> np.ndarray:
    """``[OC, IC, KH, KW]`` → ``[OC/g][KH·KW][IC/8][g][8]`` (OC padded to g, IC to 8), layout NHWC8;
    ``g`` is the profile's ``conv_weight_group`` unless ``group`` names another (Conv1dInt: 2)."""
    oc, ic, kh, kw = w.shape
    g = group or prof.conv_weight_group
    wp = np.zeros((_ceil_to(oc, g), _ceil_to(ic, 8), kh, kw), dtype=w.dtype)
    wp[:oc, :ic] = w
    ocp, icp = wp.shape[:2]
    return wp.reshape(ocp // g, g, icp // 8, 8, kh * kw).transpose(0, 4, 2, 1, 3)


def unpack_conv(packed: np.ndarray, oc: int, ic: int, kh: int, kw: int, prof: Profile,
                group: int | None = None) -> np.ndarray:
    g = group or prof.conv_weight_group
    icp = _ceil_to(ic, 8)
    flat = packed.reshape(-1)
    ocp = flat.size // (kh * kw * icp)
    w = flat.reshape(ocp // g, kh * kw, icp // 8, g, 8).transpose(0, 3, 2, 4, 1).reshape(ocp, icp, kh, kw)
    return w[:oc, :ic]


def pack_depthwise(w: np.ndarray, prof: Profile, layout: str | None = None) -> np.ndarray:
    """``[C, 1, KH, KW]`` → the platform's depthwise layout (NHWC16 for "C16", else NHWC8); ``layout``
    overrides the profile's ``depthwise_layout`` (Conv1dInt: ``conv1d_depthwise_layout``)."""
    c, _, kh, kw = w.shape
    w3 = w[:, 0]
    layout = layout or prof.depthwise_layout
    if layout == "C16":                      # [C16/16][KH][KW][16]
        wp = np.zeros((_ceil_to(c, 16), kh, kw), w.dtype)
        wp[:c] = w3
        return wp.reshape(-1, 16, kh, kw).transpose(0, 2, 3, 1)
    if layout == "C8":                                      # [C8/8][1][KH][KW][8]
        wp = np.zeros((_ceil_to(c, 8), kh, kw), w.dtype)
        wp[:c] = w3
        return wp.reshape(-1, 8, kh, kw).transpose(0, 2, 3, 1)[:, None]
    wp = np.zeros((_ceil_to(c, 8), _ceil_to(kh, 2), kw), w.dtype)  # "KH2": (KH2/2, KW, C8/4, 2, 4)
    wp[:c, :kh] = w3
    return wp.reshape(-1, 4, wp.shape[1] // 2, 2, kw).transpose(2, 4, 0, 3, 1)


def unpack_depthwise(packed: np.ndarray, c: int, kh: int, kw: int, prof: Profile,
                     layout: str | None = None) -> np.ndarray:
    flat = packed.reshape(-1)
    layout = layout or prof.depthwise_layout
    if layout in ("C16", "C8"):
        lanes = 16 if layout == "C16" else 8
        cp = flat.size // (kh * kw)
        w = flat.reshape(cp // lanes, kh, kw, lanes).transpose(0, 3, 1, 2).reshape(cp, kh, kw)
    else:
        kh2 = _ceil_to(kh, 2)
        cp = flat.size // (kh2 * kw)
        w = flat.reshape(kh2 // 2, kw, cp // 4, 2, 4).transpose(2, 4, 0, 3, 1).reshape(cp, kh2, kw)[:, :kh]
    return w[:c].reshape(c, 1, kh, kw)


def pack_linear(w: np.ndarray, prof: Profile) -> np.ndarray:
    """``[N, K]`` as exported, or its transpose ``[K, N]`` where the platform stores that (venus)."""
    return np.ascontiguousarray(w.T) if prof.linear_weight_transposed else w


def unpack_linear(packed: np.ndarray, n: int, k: int, prof: Profile) -> np.ndarray:
    return packed.reshape(k, n).T if prof.linear_weight_transposed else packed.reshape(n, k)


def pack_deconv(w: np.ndarray, prof: Profile) -> np.ndarray:
    """ConvTranspose2dInt ``[C, OC, KH, KW]`` → the conv layout of the equivalent convolution: transposed to
    ``[OC, C, KH, KW]``, flipped in both kernel axes, then ``[OC/g][KH][KW][C/8][g][8]`` (tpacker
    ``graph_analysis/ops/<platform>/ConvTranspose2dInt.py``)."""
    c, oc, kh, kw = w.shape
    wc = np.ascontiguousarray(np.flip(w.transpose(1, 0, 2, 3), (2, 3)))
    packed = pack_conv(wc, prof)
    return packed.reshape(packed.shape[0], kh, kw, *packed.shape[2:])


def unpack_deconv(packed: np.ndarray, c: int, oc: int, kh: int, kw: int, prof: Profile) -> np.ndarray:
    wc = unpack_conv(packed, oc, c, kh, kw, prof)
    return np.ascontiguousarray(np.flip(wc, (2, 3)).transpose(1, 0, 2, 3))


def pack_conv_int16(w: np.ndarray) -> np.ndarray:
    """venus int16 Conv2dInt: ``[OC, IC, KH, KW]`` → ``[IC][KH][KW][OC]`` (the right operand of ``mat_mul_q15``),
    layout code NCHW."""
    return np.ascontiguousarray(w.transpose(1, 2, 3, 0))


def unpack_conv_int16(packed: np.ndarray, oc: int, ic: int, kh: int, kw: int) -> np.ndarray:
    return packed.reshape(ic, kh, kw, oc).transpose(3, 0, 1, 2)


def int4_bytes(arr: np.ndarray) -> bytes:
    """int4 values (one per int8 element, in their packed layout) as stored: each row along the last axis
    packed two per byte, even element in the low nibble, an odd row ending in a zero high nibble
    (numerics.md §1.1; tpacker ``combine4bit_8bit``)."""
    a = np.asarray(arr)
    last = a.shape[-1] if a.ndim else 1
    return b"".join(pack_int4(row).tobytes() for row in a.reshape(-1, last))


def int4_values(raw: bytes, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of :func:`int4_bytes`: the values of an int4 constant of record shape ``shape``."""
    last = shape[-1] if shape else 1
    rows = int(np.prod(shape[:-1])) if shape else 1
    per = -(-last // 2)
    b = np.frombuffer(raw[:rows * per], dtype=np.uint8).reshape(rows, per)
    return np.stack([unpack_int4(r, last) for r in b]).reshape(shape) if rows else np.zeros(shape, np.int8)


def int4_nbytes(shape: tuple[int, ...]) -> int:
    """Bytes :func:`int4_bytes` writes for a record of shape ``shape``."""
    last = shape[-1] if shape else 1
    return (int(np.prod(shape[:-1])) if shape else 1) * -(-last // 2)


def recurrent_transposed(op: str, n_inputs: int, prof) -> tuple[int, ...]:
    """Input positions of W_ih and W_hh that a resource stores transposed (``[I, G·H]``, ``[H, G·H]``; tpacker's
    ``pack_params``): GRUInt on every platform (its packable form is X, W_ih, W_hh, B_ih, B_hh), LSTMInt where
    the profile says so (venus; W_ih, W_hh are the 4th and 3rd inputs from the end)."""
    if op == "GRUInt":
        return (1, 2)
    if op == "LSTMInt" and prof.lstm_weight_transposed:
        return (n_inputs - 4, n_inputs - 3)
    return ()

