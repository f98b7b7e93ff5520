"""Per-platform packed weight layouts of thinker resources (spec/formats/resource.md §13).

``pack_*`` turns an exported weight into the packed array tpacker stores; ``unpack_*`` inverts it.
Which layout a platform uses is a field of its profile (``conv_weight_group``, ``depthwise_layout``,
``linear_weight_transposed``), not a branch on the platform's name.
"""

from __future__ import annotations

import numpy as np

from ..platforms import Profile

__all__ = ["pack_conv", "unpack_conv", "pack_depthwise", "unpack_depthwise", "pack_linear", "unpack_linear"]


def _ceil_to(n: int, m: int) -> int:
    return -(-n // m) * m


def pack_conv(w: np.ndarray, prof: Profile) -> np.ndarray:
    """``[OC, IC, KH, KW]`` → ``[OC/g][KH·KW][IC/8][g][8]`` (OC padded to g, IC to 8), layout NHWC8."""
    oc, ic, kh, kw = w.shape
    g = prof.conv_weight_group
    wp = np.zeros((_ceil_to(oc, g), _ceil_to(ic, 8), kh, kw), dtype=w.dtype)
    wp[:oc, :ic] = w
    ocp, icp = wp.shape[:2]
    return wp.reshape(ocp // g, g, icp // 8, 8, kh * kw).transpose(0, 4, 2, 1, 3)


def unpack_conv(packed: np.ndarray, oc: int, ic: int, kh: int, kw: int, prof: Profile) -> np.ndarray:
    g = prof.conv_weight_group
    icp = _ceil_to(ic, 8)
    flat = packed.reshape(-1)
    ocp = flat.size // (kh * kw * icp)
    w = flat.reshape(ocp // g, kh * kw, icp // 8, g, 8).transpose(0, 3, 2, 4, 1).reshape(ocp, icp, kh, kw)
    return w[:oc, :ic]


def pack_depthwise(w: np.ndarray, prof: Profile) -> np.ndarray:
    """``[C, 1, KH, KW]`` → the platform's depthwise layout (NHWC16 for "C16", else NHWC8)."""
    c, _, kh, kw = w.shape
    w3 = w[:, 0]
    if prof.depthwise_layout == "C16":                      # [C16/16][KH][KW][16]
        wp = np.zeros((_ceil_to(c, 16), kh, kw), w.dtype)
        wp[:c] = w3
        return wp.reshape(-1, 16, kh, kw).transpose(0, 2, 3, 1)
    if prof.depthwise_layout == "C8":                       # [C8/8][1][KH][KW][8]
        wp = np.zeros((_ceil_to(c, 8), kh, kw), w.dtype)
        wp[:c] = w3
        return wp.reshape(-1, 8, kh, kw).transpose(0, 2, 3, 1)[:, None]
    wp = np.zeros((_ceil_to(c, 8), _ceil_to(kh, 2), kw), w.dtype)  # "KH2": (KH2/2, KW, C8/4, 2, 4)
    wp[:c, :kh] = w3
    return wp.reshape(-1, 4, wp.shape[1] // 2, 2, kw).transpose(2, 4, 0, 3, 1)


def unpack_depthwise(packed: np.ndarray, c: int, kh: int, kw: int, prof: Profile) -> np.ndarray:
    flat = packed.reshape(-1)
    if prof.depthwise_layout in ("C16", "C8"):
        lanes = 16 if prof.depthwise_layout == "C16" else 8
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
