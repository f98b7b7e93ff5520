"""``lunaref pack``: an imported ONNX graph as a thinker resource (spec/formats/packing.md).

What thinker's packer does that changes the bytes, in this order:

1. **Quant/Dequant removal** (unless kept): a Quant fed by a graph input is dropped and the input takes
   its dtype and exponent; a Dequant producing a graph output is dropped and the output is its integer
   input.
2. **Conv + Relu fusion**: a Relu that is the only consumer of a Conv2dInt (or ConvTranspose2dInt) becomes
   the conv's ``act_type`` (the fused output keeps the Relu's name); then **group division**: a grouped
   Conv2dInt/Conv1dInt (``1 < group ≠ OC``) becomes Split → group-1 convolutions → iqCat.
3. **Tensor list**: graph inputs, constants in file order (initializers, then Constant nodes), activations
   in op order, then the
   DMA buffers.  Constants go to one PSRAM parameter blob; activations to share memory, or PSRAM when one
   is larger than the threshold.
4. **Weights** re-laid per platform (formats/resource.md §13); attribute structs (§6.2).
5. **Memory plan**: lifetimes over the op order, a workspace sized as tpacker sizes it, and tpacker's
   block planner (resource/planner.py), checked against the platform's limits.
6. **DMA list** for weight ops whose constants are not in share memory, alternating two buffers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .. import errors
from ..graph import Graph, Node
from ..platforms import Profile
from ..tensor import Tensor, TensorSpec
from . import planner, weights
from .layout import ATTR_STRUCTS, DMA_OPS, EXECUTOR_LACKS, EXECUTOR_OPS, PLATFORM_CODES
from .reader import DMAEntry, Header, IOEntry, Memory, Operator, Parameter, Resource, ShapeInfer, TensorRecord
from .writer import align, write

__all__ = ["pack", "PackResult", "SHARE_MEMORY_LIMIT", "PSRAM_LIMIT", "PSRAM_THRESHOLD"]

#: tpacker's default share-memory budget (``--ramsize``) per platform, bytes.
SHARE_MEMORY_LIMIT = {"venus": 640 * 1024, "venusA": 384 * 1024, "arcs": 384 * 1024}
#: tpacker's PSRAM budget and the activation size above which an activation goes to PSRAM.
PSRAM_LIMIT = 8 * 1024 * 1024
PSRAM_THRESHOLD = 640 * 1024

_CODES = {"float32": 0x6604, "int4": 0x6900, "int8": 0x6901, "int16": 0x6902, "int32": 0x6904, "int64": 0x6908}
_THINKER_NAMES = {0x6604: "Float32", 0x6900: "Int4", 0x6901: "Int8", 0x6902: "Int16", 0x6904: "Int32", 0x6908: "Int64"}
#: Ops whose output shares its input's memory (tpacker's ``is_inplace``).
_INPLACE_OPS = {"Reshape", "Squeeze", "Unsqueeze"}  # the executor's Squeeze/Unsqueeze require it
_ROUND_METHOD = {"floor": 0, "floor_add": 1, "round": 2, "ceil": 3}
_QUANT_TYPE = {"qshift_quant": 0, "qmax_quant": 1, "tf_quant": 2, "normal_quant": 3, "luna_quant": 4}
_FUSING_OPS = {"Conv2dInt", "ConvTranspose2dInt"}
#: Weight ops packed without a DMA entry (their constants are read in place): thinker 3.0.4's DMA path of these
#: expects other buffers than tpacker attaches (errata E-LSTM-4).
_NO_DMA_OPS = frozenset({"LSTMInt", "GRUInt"})
#: Ops whose weight (input 1) is re-laid and whose bias (input 2) is recorded with "no scale".
_CONV_OPS = {"Conv2dInt", "Conv1dInt", "ConvTranspose2dInt"}


@dataclass(frozen=True)
class PackResult:
    resource: Resource
    data: bytes
    report: list[dict[str, Any]]       # one row per tensor: name, mem, storage, offset, size


# ----------------------------------------------------------------------------------------------
# graph rewrites
# ----------------------------------------------------------------------------------------------

def _rewrite(graph: Graph, keep_quant: bool):
    nodes = list(graph.nodes)
    inputs = {i.name: i for i in graph.inputs}
    rename: dict[str, str] = {}
    in_specs = {i.name: TensorSpec(i.dtype, i.exponent) for i in graph.inputs}
    out_names = [o.name for o in graph.outputs]
    if not keep_quant:
        consumers: dict[str, list[Node]] = {}
        for n in nodes:
            for t in n.inputs:
                consumers.setdefault(t, []).append(n)
        for n in list(nodes):
            if n.op == "Quant" and n.inputs[0] in inputs and len(consumers[n.inputs[0]]) == 1:
                nodes.remove(n)
                rename[n.outputs[0]] = n.inputs[0]
                in_specs[n.inputs[0]] = n.out_specs[0]
        for n in list(nodes):
            if n.op == "Dequant" and n.outputs[0] in out_names:
                nodes.remove(n)
                out_names[out_names.index(n.outputs[0])] = n.inputs[0]
    nodes = [replace(n, inputs=tuple(rename.get(t, t) for t in n.inputs)) for n in nodes]
    # Conv + Relu fusion
    uses: dict[str, int] = {}
    for n in nodes:
        for t in n.inputs:
            uses[t] = uses.get(t, 0) + 1
    fused: list[Node] = []
    skip: set[int] = set()
    for i, n in enumerate(nodes):
        if i in skip:
            continue
        nxt = nodes[i + 1] if i + 1 < len(nodes) else None
        # tpacker's CR_fusion: Conv2dInt and ConvTranspose2dInt (it looks for Conv1dInt as "conv1dInt", which
        # never matches: a Conv1dInt keeps its Relu)
        if (n.op in _FUSING_OPS and n.attrs.get("act", "none") == "none" and nxt is not None and nxt.op == "Relu"
                and nxt.inputs[0] == n.outputs[0] and uses.get(n.outputs[0], 0) == 1 and n.outputs[0] not in out_names):
            fused.append(replace(n, outputs=nxt.outputs, attrs={**n.attrs, "act": "relu"}))
            skip.add(i + 1)
        else:
            fused.append(n)
    return fused, in_specs, out_names


def _divide_groups(nodes: list[Node], graph: Graph, in_specs: dict[str, TensorSpec]):
    """tpacker's ``op_divide`` (``graph_optimizer/op_divide.py``, on every platform, after the Conv + Relu
    fusion): a Conv2dInt or Conv1dInt with ``1 < group`` and ``group ≠ OC`` becomes a Split of X along the
    channels into ``group`` equal parts, one group-1 convolution per part with its slice of the weights
    (and bias) and the original output's dtype and exponent, and an iqCat of their outputs on axis 1
    (formats/packing.md §2).  Every step is exact, so the result is the grouped convolution's.

    Returns the new node list, the graph with the slices as constants and the new tensors' specs, and
    ``{new tensor: (tensor whose shape it takes, channel divisor)}`` for the shapes.
    """
    out: list[Node] = []
    constants = dict(graph.constants)
    specs = dict(graph.specs)
    derived: dict[str, tuple[str, int]] = {}
    for n in nodes:
        group = int(n.attrs.get("group", 1))
        if n.op not in ("Conv2dInt", "Conv1dInt") or group == 1 or n.inputs[1] not in graph.constants \
                or group == graph.constants[n.inputs[1]].shape[0]:
            out.append(n)
            continue
        x, y = n.inputs[0], n.outputs[0]
        x_spec = in_specs.get(x) or graph.specs[x]
        parts = tuple(f"{x}_{g}" for g in range(group))
        outs = tuple(f"{y}_{n.name}_{g}" for g in range(group))
        out.append(Node(f"{n.name}_split", "Split", (x,), parts, {"axis": 1}, (x_spec,) * group, n.source, n.info))
        w = graph.constants[n.inputs[1]]
        ocg = w.shape[0] // group
        b = graph.constants.get(n.inputs[2]) if len(n.inputs) > 2 and n.inputs[2] else None
        for g in range(group):
            ins = [parts[g], f"{n.inputs[1]}_{g}"]
            constants[ins[1]] = Tensor.of(w.data[g * ocg:(g + 1) * ocg], w.dtype, w.exponent)
            specs[ins[1]] = TensorSpec(w.dtype, w.exponent)
            if b is not None:
                ins.append(f"{n.inputs[2]}_{g}")
                constants[ins[2]] = Tensor.of(b.data[g * ocg:(g + 1) * ocg], b.dtype, b.exponent)
                specs[ins[2]] = TensorSpec(b.dtype, b.exponent)
            specs[parts[g]] = x_spec
            specs[outs[g]] = n.out_specs[0]
            derived[parts[g]], derived[outs[g]] = (x, group), (y, group)
            out.append(replace(n, name=f"{n.name}_{g}", inputs=tuple(ins), outputs=(outs[g],),
                               attrs={**n.attrs, "group": 1}))
        out.append(Node(f"{n.name}_concat", "iqCat", outs, (y,), {"axis": 1}, n.out_specs, n.source, n.info))
    return out, replace(graph, constants=constants, specs=specs), derived


# ----------------------------------------------------------------------------------------------

def _quant_type(node: Node, prof: Profile) -> int:
    info = node.info
    if node.op == "Quant":
        return _QUANT_TYPE.get(str(info.get("platform_quant", "qmax_quant")), 1)
    if prof.rounding_selector == "quant_mode":
        return _ROUND_METHOD.get(str(info.get("quant_mode", "floor_add")), 1)
    return _QUANT_TYPE.get(str(info.get("platform_quant", "luna_quant")), 4)


def _attr_bytes(node: Node, prof: Profile, shapes_of: dict | None = None) -> bytes:
    a = node.attrs
    if node.op == "Conv2dInt":   # the attributes' defaults as ops/conv2dint.md states them
        kernel = a.get("kernel_shape") or tuple((shapes_of or {})[node.inputs[1]][2:])
        (kh, kw), (sh, sw), (dh, dw) = kernel, a.get("strides", (1, 1)), a.get("dilations", (1, 1))
        fields = {"dilation": [dh, dw, 0], "kernel": [kh, kw, 0], "pad": list(a.get("pads", (0, 0, 0, 0))) + [0, 0],
                  "stride": [sh, sw, 0], "group": int(a.get("group", 1)), "layout": 0,
                  "quant_type": _quant_type(node, prof), "act_type": 1 if a.get("act") == "relu" else 0}
    elif node.op == "Conv1dInt":
        fields = {"kernel": a["kernel_shape"][0], "pad": list(a.get("pads", (0, 0))),
                  "stride": a.get("strides", (1,))[0], "group": a.get("group", 1), "layout": 0,
                  "quant_type": _quant_type(node, prof), "act_type": 1 if a.get("act") == "relu" else 0}
    elif node.op == "ConvTranspose2dInt":
        (kh, kw), (sh, sw) = a["kernel_shape"], a.get("strides", (1, 1))
        (dh, dw), op_ = a.get("dilations", (1, 1)), list(a.get("output_padding", (0, 0)))
        fields = {"dilation": [dh, dw, 0], "kernel": [kh, kw, 0], "pad": list(a.get("pads", (0, 0, 0, 0))) + [0, 0],
                  "output_padding": op_ + [0] * (6 - len(op_)), "stride": [sh, sw, 0], "group": a.get("group", 1),
                  "layout": 0, "quant_type": _quant_type(node, prof),
                  "act_type": 1 if a.get("act") == "relu" else 0}
    elif node.op == "LinearInt":
        fields = {"alpha": 0.0, "beta": 0.0, "transA": 0, "transB": 0, "quant_type": _quant_type(node, prof)}
    elif node.op in ("MaxPool", "AvgPool2dInt"):
        k = tuple(a["kernel_shape"])
        fields = {"ceil": int(a.get("ceil_mode", 0)), "kernel": list(k), "stride": list(a.get("strides", k)),
                  "pad": list(a.get("pads", (0, 0, 0, 0))), "layout": 0, "quant_type": 0}
    elif node.op == "Quant":
        fields = {"data_bits": int(a.get("data_bits", 8)), "quant_type": _quant_type(node, prof)}
    elif node.op == "Gather":
        fields = {"axis": int(a.get("axis", 0))}
    elif node.op == "Split":
        # tpacker's SplitAttrs: dims = the number of outputs (errata E-SPLIT-2), split = the part sizes
        from ..ops.split import parts
        _, sizes = parts(shapes_of[node.inputs[0]], len(node.outputs), a)
        fields = {"axis": int(a.get("axis", 0)), "dims": len(sizes), "split": sizes + [0] * (8 - len(sizes))}
    elif node.op == "Transpose":
        from ..ops.transpose import permutation
        perm = permutation(len(shapes_of[node.inputs[0]]), a)
        fields = {"ndim_": len(perm), "axes_": perm + [0] * (8 - len(perm))}
    elif node.op in ("Squeeze", "Unsqueeze"):
        axes = [int(v) for v in a.get("axes") or []]
        if node.op == "Unsqueeze":   # tpacker: axes made non-negative, ndim left 0
            rank = len(shapes_of[node.inputs[0]]) + len(axes)
            axes, ndim = [v + rank if v < 0 else v for v in axes], 0
        else:
            ndim = len(axes)
        if len(axes) > 7:
            raise errors.UnsupportedAttribute(f"node {node.name!r}: {len(axes)} axes (SqueezeAttrs holds 7)")
        fields = {"ndim": ndim, "axes": axes + [0] * (7 - len(axes))}
    elif node.op == "Requant":   # the widths as the importer recorded them (linger 1.x data_bits, o_bits)
        fields = {"data_bits": int(a.get("data_bits", 8)), "o_bits": int(a.get("o_bits", node.out_specs[0].dtype.bits)),
                  "quant_type": _quant_type(node, prof)}
    elif node.op == "iqCat":
        fields = {"axis": int(a.get("axis", 0))}
    elif node.op == "iqPad":
        from ..ops.iqpad import MODES
        fields = {"mode": {"constant": 0, "reflect": 1, "edge": 2}[MODES[a.get("mode", 0)]]}
    elif node.op == "Clip":   # tpacker cannot write ClipAttrs (E-TPACKER-1); absent bounds as ±FLT_MAX
        big = float(np.finfo(np.float32).max)
        fields = {"max": float(a.get("max", big)), "min": float(a.get("min", -big))}
    elif node.op == "Cast":   # the ONNX TensorProto code of the target, as CastAttrs.to would hold it
        fields = {"to": {"float32": 1, "int8": 3, "int16": 5, "int32": 6, "int64": 7}[node.out_specs[0].dtype.name]}
    elif node.op == "PRelu":
        fields = {"slope": int(a["slope"]), "post_shift": int(a.get("post_shift", 0))}
    elif node.op == "Relux":
        fields = {"threshold": int(a["threshold"]), "shift": int(a.get("shift", 0))}
    elif node.op == "iqSum":
        fields = {"axis": int(a.get("dims", -1))}   # as tpacker's serializer would (its constructor fails)
    elif node.op == "ArgMax":
        fields = {"axis": int(a.get("axis", -1))}
    elif node.op == "SoftmaxInt":
        fields = {"axis": int(a.get("axis", -1))}
    elif node.op == "GluInt":   # tpacker GluIntAttrs.serialize: the ONNX `dim` as given
        fields = {"axis": int(a.get("axis", -1))}
    elif node.op == "LayerNormInt":   # tpacker LayerNormIntAttrs.serialize: constants, unread by the executor
        fields = {"axis": 1, "keepdims": 1, "eps": 1e-5}
    elif node.op == "LSTMInt":   # tpacker LstmIntAttrs.serialize: direction 0 forward / 1 reverse, layout 1 batch first
        fields = {"direction": int(a.get("direction", 0)), "hidden_size": int(a["hidden_size"]),
                  "input_size": int(a["input_size"]), "layout": int(a.get("layout", 0)),
                  "quant_type": _quant_type(node, prof)}
    elif node.op == "GRUInt":   # tpacker GRUIntAttrs.serialize writes no direction (always 0: E-GRU-3); lunaref does
        fields = {"direction": int(a.get("direction", 0)), "hidden_size": int(a["hidden_size"]),
                  "input_size": int(a["input_size"]), "layout": int(a.get("layout", 0)), "quant_type": 0}
    elif node.op in ("topN", "topN2"):
        fields = {"dim": int(a.get("dim", -1)), "max_num": int(a.get("max_num", 1))}
    elif node.op == "iqTanh":   # tpacker iqTanhOperatorAttrs: QuantType of `platform_quant` on every platform
        fields = {"quant_type": _QUANT_TYPE.get(str(node.info.get("platform_quant", "luna_quant")), 4), "reserve": 0}
    elif node.op == "ShuffleChannel":
        fields = {"num_group": int(a["groups"]), "axis": int(a.get("axis", 1))}
    elif node.op == "Resize":
        from ..ops.resize import COORD_MODES, MODES, NEAREST_MODES, modes
        mode, ctm, nmode = modes(a)
        fields = {"coord_trans_mode": COORD_MODES.index(ctm), "cubic_coeff_a": float(a.get("cubic_coeff_a", -0.75)),
                  "mode": MODES.index(mode), "nearest_mode": NEAREST_MODES.index(nmode)}
    else:
        return b""   # tpacker writes no attributes for Dequant, iqAdd, BatchNorm2dInt, Relu, Reshape, Flatten
    return ATTR_STRUCTS[node.op].encode(fields)


def _raw(entry) -> bytes:
    """A constant's bytes in the parameter blob: little-endian, int4 two per byte along the last axis."""
    arr, dt = entry[0], entry[3]
    if dt == "int4":
        return weights.int4_bytes(arr)
    return arr.astype(arr.dtype.newbyteorder("<")).tobytes()


def _packed_weight(node: Node, w: Tensor, prof: Profile) -> tuple[np.ndarray, str]:
    data = w.data
    if node.op == "Conv2dInt" and w.dtype.name == "int16":   # venus int16 path: [IC][KH][KW][OC] (§13)
        return weights.pack_conv_int16(data), "NCHW"
    if node.op == "Conv2dInt":
        group = node.attrs.get("group", 1)
        oc = data.shape[0]
        if group > 1 and group == oc and data.shape[1] == 1:
            return weights.pack_depthwise(data, prof), ("NHWC16" if prof.depthwise_layout == "C16" else "NHWC8")
        if group != 1:   # group = OC with more than one input channel per group: op_divide leaves it
            raise errors.UnsupportedAttribute(f"node {node.name!r}: grouped convolutions with group = output "
                                              f"channels ({group}) but {data.shape[1]} input channels per group "
                                              "cannot be packed (tpacker neither splits nor lays them out)")
        return weights.pack_conv(data, prof), "NHWC8"
    if node.op == "Conv1dInt":
        w4 = data[:, :, None, :]
        if node.attrs.get("group", 1) > 1 and node.attrs["group"] == data.shape[0] and data.shape[1] == 1:
            layout = prof.conv1d_depthwise_layout
            return weights.pack_depthwise(w4, prof, layout), ("NHWC16" if layout == "C16" else "NHWC8")
        if node.attrs.get("group", 1) != 1:
            raise errors.UnsupportedAttribute(f"node {node.name!r}: grouped convolutions with group = output "
                                              f"channels ({node.attrs['group']}) but {data.shape[1]} input "
                                              "channels per group cannot be packed (tpacker neither splits nor "
                                              "lays them out)")
        return weights.pack_conv(w4, prof, weights.CONV1D_WEIGHT_GROUP), "NHWC8"
    if node.op == "ConvTranspose2dInt":
        # int4 values then go two per byte, as the int4 primitives read them (tpacker 3.0.4 writes them one
        # per byte under the Int4 code: errata E-DECONV-2)
        return weights.pack_deconv(data, prof), "NHWC8"
    if node.op == "LinearInt":
        return weights.pack_linear(data, prof), ("NCWH" if prof.linear_weight_transposed else "NCHW")
    return data, "NCHW"


def stored_weight(op: str, attrs, w: Tensor, prof: Profile) -> tuple[np.ndarray, str]:
    """A MAC op's weight exactly as a resource stores it (formats/resource.md §13): the platform's packed
    layout, and int4 values two per byte along the last axis (an int8 array of those bytes), except where
    the platform keeps them one per byte (venus LinearInt)."""
    arr, layout = _packed_weight(Node("weight", op, (), (), dict(attrs), ()), w, prof)
    if w.dtype.name == "int4" and not (op == "LinearInt" and not prof.linear_int4_packed):
        last = arr.shape[-1] if arr.ndim else 1
        raw = np.frombuffer(weights.int4_bytes(arr), dtype=np.int8)
        return raw.reshape(*arr.shape[:-1], -(-last // 2)), layout
    return np.ascontiguousarray(arr), layout


def _ceil_to(n: int, m: int) -> int:
    return -(-n // m) * m


def _workspace(node: Node, shape, nbytes, mem_of, graph: Graph, prof: Profile) -> int | None:
    """The workspace bytes tpacker 3.0.4 reserves for ``node`` (None: the op asks for none).

    Restated from the packer's per-op ``get_workspace`` for the ops of this spec version, for
    activations in share memory and the PSRAM cases that are simple; the workspace does not change any
    result, only the memory plan (formats/packing.md).
    """
    x = node.inputs[0]
    y = node.outputs[0]
    share = lambda t: mem_of.get(t, "share") == "share"  # noqa: E731
    if node.op == "BatchNorm2dInt":
        return shape(x)[2] * shape(x)[3] * 4
    if node.op == "Relu":
        size = min(65536, (0 if share(x) else nbytes(x)) + (0 if share(y) else nbytes(y)))
        return size or None
    if node.op == "iqAdd":
        size = nbytes(x)
        rescaled = [graph.specs[t].exponent != node.out_specs[0].exponent or not share(t) for t in node.inputs]
        if share(y):
            ws = size if all(rescaled) else 0
        else:
            ws = max(size * sum(rescaled), size)
        if prof.name == "venusA":
            ws = min(ws, 65536)
        return ws or None
    if node.op == "iqCat":   # tpacker iqCat.get_workspace (bytes = elements: it sizes int8 data)
        axis = int(node.attrs.get("axis", 0)) % len(shape(x))
        out = shape(y)
        if prof.name == "venusA":
            return min(0 if share(y) else int(np.prod(out)), 65536) or None
        rescaled = any(graph.specs[t].exponent != node.out_specs[0].exponent for t in node.inputs)
        if rescaled and (not share(y) or not all(share(t) for t in node.inputs)):
            return int(np.prod(shape(x)[axis + 1:])) * out[axis]
        return None
    if node.op == "iqSub":   # tpacker iqSub.get_workspace
        size = nbytes(x)
        ws = sum(size for t in node.inputs
                 if graph.specs[t].exponent != node.out_specs[0].exponent or not share(t))
        return (ws if share(y) else max(ws, size)) or None
    if node.op == "iqMul":   # tpacker iqMul.get_workspace: the per-channel form's ones and repeated X2
        w = node.inputs[1]
        s1, s2 = shape(x), (graph.constants[w].shape if w in graph.constants else shape(w))
        if (len(s1) == 4 and len(s2) == 4 and s1[:2] == s2[:2] and (s1[2] > 1 or s1[3] > 1)
                and s2[2] == 1 and s2[3] == 1):
            return s1[2] * s1[3] + s1[1] * s1[2] * s1[3]
        return None
    if node.op == "iqSum":   # tpacker iqSum.get_workspace: 4 bytes per output element
        return int(np.prod(shape(y))) * 4 or None
    if node.op == "iqVar":   # tpacker iqVar.get_workspace: nbytes · itemsize / shape[2] · 3 (int8: itemsize 1)
        xs = shape(x)
        return int(nbytes(x) / xs[2 if len(xs) > 2 else -1] * 3) or None
    if node.op == "MaxPool":
        c, h, w = shape(x)[1:4]
        sw = node.attrs.get("strides", node.attrs["kernel_shape"])[1]
        data = _ceil_to(c, 8) * h * _ceil_to(w, 8 * sw)
        if prof.name == "venus":
            if data > 65536:
                return max(60 * 1024, nbytes(y))
            return None if share(y) else nbytes(y)
        return None if share(y) else min(nbytes(y), 65536)
    if node.op == "AvgPool2dInt":
        c, h, w = shape(x)[1:4]
        kh, kw = node.attrs["kernel_shape"]
        sw = node.attrs.get("strides", (kh, kw))[1]
        pads = node.attrs.get("pads", (0, 0, 0, 0))
        oh, ow = shape(y)[2:4]
        pow2 = (kh * kw) & (kh * kw - 1) == 0
        if kh == h + pads[0] + pads[2] and kw == w + pads[1] + pads[3]:       # global pooling
            ch = 8 if _ceil_to(c, 8) * h * w > 65536 else c
            ws = max(h * w, ch * oh * ow * 4)
            return ws if pow2 else ws + ch * oh * ow * 4
        ch = 8 if _ceil_to(c, 8) * h * _ceil_to(w, 8 * sw) > 65536 else c
        if not pow2:
            return ch * oh * ow * 8
        return ch * oh * ow * (2 if prof.name == "venus" else 4)
    if node.op == "LinearInt":
        wshape = graph.constants[node.inputs[1]].data.shape
        if prof.name == "arcs":
            return nbytes(x) + nbytes(y)
        if prof.name == "venusA":
            m = int(np.prod(shape(x)[:-1]))
            big = _ceil_to(m, 4) * _ceil_to(wshape[-1], 8) > 65536
            return max(nbytes(x), nbytes(y)) if big else nbytes(x)
        ws = nbytes(y) * 4 if len(node.inputs) > 2 else 0
        return ws or None
    if node.op == "BmmInt":   # tpacker BmmInt.get_workspace: venus only, staging for PSRAM operands
        if prof.name != "venus":
            return None
        w = node.inputs[1]
        (m, k), n = shape(x)[-2:], (graph.constants[w].shape if w in graph.constants else shape(w))[-1]
        rows, parts = m, 1
        while _ceil_to(rows, 4) * _ceil_to(k, 8) > 65536:      # the left operand is split by rows
            parts += 1
            rows = -(-m // parts)
        if not share(x) and not share(y):
            ws = rows * max(k, n) + rows * n * 4
        elif not share(x):
            ws = rows * k
        elif not share(y):
            ws = rows * n
        else:
            ws = 0
        if not share(w):
            ws += k * n
        return ws or None
    if node.op == "ArgMax":        # graph_analysis/ops/ArgMax.py: the LUNA max result pair
        return 8
    if node.op == "SoftmaxInt":    # graph_analysis/ops/SoftmaxInt.py (too small for venusA and venus: E-SOFTMAX-2)
        xs = shape(x)
        if prof.name == "venus":   # it reads attribute "axis", which venus's node lacks ("dim"): the last axis
            return min(xs[-1] * 2, 65536) or None
        block = int(np.prod(xs[int(node.attrs.get("axis", -1)) % len(xs):]))
        elements, int8_in = int(np.prod(xs)), graph.specs[x].dtype.name == "int8"
        if prof.name == "venusA":
            ws = elements * (6 if int8_in else 4) + block * 4
        else:
            ws = (nbytes(x) * 4 if int8_in else 0) + (block * 4 if node.out_specs[0].dtype.name == "int8" else 0)
        return min(ws, 65536) or None
    if node.op == "GluInt":   # graph_analysis/ops/GLUInt.py: 7·M·N bytes with M the product of dims[0 … dim) —
        xs, dim = shape(x), int(node.attrs.get("axis", -1))   # an empty product for a negative dim (E-GLU-4)
        return int(np.prod(xs[:max(dim, 0)], dtype=np.int64)) * xs[dim] * 7 or None
    if node.op == "LayerNormInt":  # graph_analysis/ops/LayerNormInt.py: max(2·|γ| + 8, 4·|γ|) (too small: E-LAYERNORM-3)
        n = int(np.prod(graph.constants[node.inputs[1]].shape)) if node.inputs[1] in graph.constants \
            else int(np.prod(shape(node.inputs[1])))
        return max(2 * n + 8, 4 * n) or None
    if node.op == "LSTMInt":   # graph_analysis/ops/LstmInt.py: 32 bytes per hidden unit, and on arcs/venusA room
        consts = [t for t in node.inputs if t in graph.constants]        # to copy all four constants in
        ws = 32 * int(node.attrs["hidden_size"])
        if prof.name != "venus":
            ws += sum(int(graph.constants[t].data.nbytes) for t in consts)
        return ws       # (venus's kernel touches 40 bytes per hidden unit: errata E-LSTM-1)
    if node.op == "GRUInt":    # graph_analysis/ops/GRUInt.py: 12 bytes per column of W_hh, read after pack_params
        return 12 * 3 * int(node.attrs["hidden_size"])          # has transposed it to [H, 3H]: 36·H
    if node.op == "iqSigmoid":   # graph_analysis/ops/iqSigmoid.py: 4 bytes per input byte (arcs, venusA; venusA's
        if prof.name != "venus":  # kernel uses 6 per element: errata E-SIGMOID-3), venus 2 when it rescales
            return nbytes(x) * 4 or None
        return (nbytes(x) * 2 if graph.specs[x].exponent != 11 else 0) or None
    if node.op in ("topN", "topN2"):  # topN.py / topN2.py: max_num · 8 on venus, · 16 elsewhere
        return int(node.attrs.get("max_num", 1)) * (8 if prof.name == "venus" else 16)
    if node.op == "Transpose":   # tpacker Transpose.get_workspace: staging for PSRAM operands
        size = (0 if share(x) else nbytes(x)) + (nbytes(y) if not share(y) and nbytes(x) >= 65536 else 0)
        return min(size, 65536) or None
    if node.op == "Conv2dInt":
        if share(x) and share(y):
            return None
        return None if share(y) else nbytes(y)
    if node.op == "ConvTranspose2dInt" and prof.name == "venusA":   # venusA/ConvTranspose2dInt.py: the
        return min(65536, int(np.prod(shape(y)))) or None           # output staged (weights not in share)
    return None   # Conv1dInt: 0 on arcs/venusA, and on venus for kernels below 6 (its limit)


def pack(graph: Graph, platform: str | None = None, *, keep_quant: bool = False,
         share_limit: int | None = None) -> PackResult:
    """Pack ``graph`` for ``platform`` (or the graph's own); see the module docstring."""
    prof = graph.resolve_platform(platform)
    if prof.name not in PLATFORM_CODES.values():
        raise errors.UnsupportedOnPlatform(f"no resource platform code for {prof.name}")
    nodes, in_specs, out_names = _rewrite(graph, keep_quant)
    split_nodes, split_graph, derived = _divide_groups(nodes, graph, in_specs)
    for n in nodes:
        if n.op not in EXECUTOR_OPS:
            raise errors.UnsupportedOp(f"node {n.name!r}: {n.op} cannot be packed (thinker 3.0.4's executor has no "
                                       "such operator)")
        if n.op == "GRUInt" and [(in_specs.get(t) or graph.specs[t]).dtype.name   # X may be a graph input that
                                 for t in n.inputs] != ["int8"] * 3 + ["int32"] * 2:   # replaced its Quant
            raise errors.UnsupportedAttribute(f"node {n.name!r}: GRUInt with inputs {list(n.inputs)} cannot be packed "
                                              "(thinker's executor reads exactly X, W_ih, W_hh, B_ih, B_hh: no "
                                              "lengths, no initial state, biases present)")
        if n.op in EXECUTOR_LACKS.get(prof.name, ()):
            raise errors.UnsupportedOp(f"node {n.name!r}: {n.op} cannot be packed for {prof.name} (thinker 3.0.4's "
                                       f"{prof.name} executor builds no {n.op} kernel)")
        if n.op == "Shape" and (n.attrs.get("start", 0) != 0 or n.attrs.get("end") is not None):
            raise errors.UnsupportedAttribute(f"node {n.name!r}: Shape with start/end cannot be packed (thinker's "
                                              "Shape has no attributes and writes every dimension)")

    # shapes: run the graph once on zeros (shapes come from the ops, not from the file) — or on ones where
    # an op refuses a zero (a divisor), since a shape never depends on the values
    from ..graph import evaluate

    def filled(value: int) -> list[np.ndarray]:
        return [np.full([d or 1 for d in (i.shape or ())], value, dtype=i.dtype.storage) for i in graph.inputs]

    try:
        values = evaluate(graph, filled(0), prof)
    except errors.ValueOutOfRange:
        values = evaluate(graph, filled(1), prof)
    shapes = {k: v.shape for k, v in values.items()}
    for n in nodes:
        if n.op in ("LSTMInt", "GRUInt"):   # the executor walks one sequence (lstmint.c ignores the batch; arcs
            xs = shapes[n.inputs[0]]        # and venusA gruint.h too, E-GRU-3)
            if len(xs) != 3 or xs[0 if n.attrs.get("layout", 0) else 1] != 1:
                raise errors.UnsupportedAttribute(f"node {n.name!r}: {n.op} with X {list(xs)} cannot be packed "
                                                  "(thinker's executor walks a single sequence: batch 1)")
    nodes, graph = split_nodes, split_graph          # grouped convolutions divided (tpacker op_divide)
    nodes = [replace(n, attrs={**n.attrs, "kernel_shape": tuple(graph.constants[n.inputs[1]].shape[2:])})
             if n.op in _CONV_OPS and "kernel_shape" not in n.attrs and n.inputs[1] in graph.constants else n
             for n in nodes]                         # the kernel from the weight where the attribute is absent

    def dims(t: str) -> tuple:
        return tuple(graph.constants[t].shape) if t in graph.constants else tuple(shapes[t])
    nodes = [replace(n, attrs={**n.attrs, "hidden_size": dims(n.inputs[-3])[1], "input_size": dims(n.inputs[-4])[1]})
             if n.op in ("LSTMInt", "GRUInt") and "hidden_size" not in n.attrs else n
             for n in nodes]                         # sizes from W_hh [G·H, H] and W_ih [G·H, I] (biases present)
    for name, (like, divisor) in derived.items():
        dims = list(shapes[like])
        dims[1] //= divisor
        shapes[name] = tuple(dims)

    # tensor list: inputs, constants (first use), activations (op order)
    order: list[str] = [i.name for i in graph.inputs]
    used = {t for n in nodes for t in n.inputs}
    constants = [t for t in graph.constants if t in used]   # file order: initializers, then Constant nodes
    order += constants
    for n in nodes:
        for t in n.outputs:
            if t not in order:
                order.append(t)
    index = {name: i for i, name in enumerate(order)}

    # constants: packed data in one PSRAM blob, in tensor-list order
    packed: dict[str, tuple[np.ndarray, str, int | None, str]] = {}
    for n in nodes:
        for k, t in enumerate(n.inputs):
            if t not in graph.constants or t in packed:
                continue
            c = graph.constants[t]
            if k == 1 and n.op in _CONV_OPS | {"LinearInt"}:
                arr, layout = _packed_weight(n, c, prof)
            elif k in weights.recurrent_transposed(n.op, len(n.inputs), prof):
                arr, layout = c.data.T, "NCHW"
            else:
                arr, layout = c.data, "NCHW"
            # tpacker records Conv2dInt and LinearInt biases as "no scale" (the executor derives e(X) + e(W)), and
            # LSTMInt's and GRUInt's B_ih, B_hh (the last two inputs: it gives them no scale at all)
            exponent = None if (k == 2 and n.op in _CONV_OPS | {"LinearInt"}) or \
                (n.op in ("LSTMInt", "GRUInt") and k >= len(n.inputs) - 2) else c.exponent
            # (ascontiguousarray makes a 0-d array 1-d; a scalar constant keeps rank 0, as iqMul/iqDiv test)
            dt = c.dtype.name   # venus keeps int4 LinearInt weights one per byte, as int8 (§13)
            if dt == "int4" and n.op == "LinearInt" and not prof.linear_int4_packed:
                dt = "int8"
            packed[t] = (np.ascontiguousarray(arr).reshape(np.shape(arr)), layout, exponent, dt)
    blob = b""
    const_offset: dict[str, int] = {}
    for t in constants:
        arr = packed[t][0]
        const_offset[t] = len(blob)
        raw = _raw(packed[t])
        blob += raw + b"\0" * (align(len(raw)) - len(raw))

    # activation placement and lifetimes
    def nbytes(name: str) -> int:
        spec = in_specs.get(name) or graph.specs[name]
        return int(np.prod(shapes[name], dtype=np.int64)) * spec.dtype.storage.itemsize

    last = len(nodes) - 1
    life: dict[str, list[int]] = {}
    for i, n in enumerate(nodes):
        for t in n.outputs:
            life[t] = [i, i]
        for t in n.inputs:
            if t and t not in graph.constants:
                life.setdefault(t, [0, 0])
                life[t][1] = max(life[t][1], i)
    for name in out_names:
        life[name][1] = last

    mem_of = {t: ("psram" if nbytes(t) > PSRAM_THRESHOLD else "share") for t in life}
    sizes = {t: nbytes(t) for t in life}

    # the workspace: one tensor as large as the largest request, alive from the first requesting op
    # to the last (tpacker's get_workspace; no result depends on it)
    requests = {k: _workspace(n, lambda t: shapes[t], lambda t: align(nbytes(t)), mem_of, graph, prof)
                for k, n in enumerate(nodes)}
    requests = {k: v for k, v in requests.items() if v is not None}
    if requests:
        order.append("workspace")
        index["workspace"] = len(order) - 1
        sizes["workspace"] = max(align(v) for v in requests.values())
        life["workspace"] = [min(requests), max(requests)]
        mem_of["workspace"] = "share"

    # DMA buffers: the weight ops with non-share constants alternate between two buffers
    # (LSTMInt gets none: thinker's DMA path wants four buffers on arcs/venusA, E-LSTM-4; it reads its constants
    # in place)
    dma_ops = [n for n in nodes if n.op in DMA_OPS - _NO_DMA_OPS and any(t in graph.constants for t in n.inputs)]
    dma_size = [0, 0]
    for j, n in enumerate(dma_ops):
        size = sum(align(len(_raw(packed[t]))) for t in n.inputs if t in graph.constants)
        dma_size[j % 2] = max(dma_size[j % 2], size)
    dma_names = [f"dma_buffer{k + 1}" for k in range(2) if dma_size[k] and (k == 0 or len(dma_ops) > 1)]
    for k, name in enumerate(dma_names):
        order.append(name)
        index[name] = len(order) - 1
        life[name] = [0, last]
        sizes[name] = dma_size[k]
        # share memory, as tpacker; a buffer beyond the activation threshold can only come from an op
        # tpacker would have split (op_split, formats/packing.md), so it goes to PSRAM here
        mem_of[name] = "psram" if dma_size[k] > PSRAM_THRESHOLD else "share"

    # the plan: tpacker's three block strategies (resource/planner.py)
    entries = []
    for name in order:
        if name in graph.constants:
            entries.append(planner.Entry(name, 0, "psram", 0, planner.NEVER))
            continue
        alias = None
        producer = next((n for n in nodes if name in n.outputs), None)
        if producer is not None and producer.op in _INPLACE_OPS:
            alias = index[producer.inputs[0]]
        entries.append(planner.Entry(name, align(sizes[name]), mem_of[name], *life[name], alias_of=alias))
    offsets, arena = planner.plan(entries, len(nodes))
    limit = SHARE_MEMORY_LIMIT[prof.name] if share_limit is None else share_limit
    for mem, cap in (("share", limit), ("psram", PSRAM_LIMIT)):
        if arena.get(mem, 0) > cap:
            worst = max((t for t in life if mem_of[t] == mem), key=lambda t: offsets[t] + align(sizes[t]))
            raise errors.MemoryLimitExceeded(
                f"{mem} memory: the plan needs {arena[mem]} bytes, {prof.name} allows {cap}; tensor {worst!r} "
                f"({align(sizes[worst])} bytes at offset {offsets[worst]}) ends at {offsets[worst] + align(sizes[worst])}")

    # records
    dequantized = {t for n in nodes if n.op == "Dequant" for t in n.outputs}
    for name in order:  # a stored scale of -1 means "no scale" (formats/resource.md §5, errata E-FORMAT-1)
        spec = packed[name][2] if name in graph.constants else (in_specs.get(name) or graph.specs.get(name))
        exponent = spec if name in graph.constants else getattr(spec, "exponent", None)
        if exponent == -1:
            raise errors.ExponentOutOfRange(f"tensor {name!r} has exponent -1, which a thinker resource cannot "
                                            "store: its scale field -1 means 'no scale' (errata E-FORMAT-1)")
    records = []
    for name in order:
        i = index[name]
        if name in graph.constants:
            arr, layout, exponent, dt = packed[name]
            records.append(TensorRecord(i, name, "psram", _CODES[dt], _THINKER_NAMES[_CODES[dt]], 0,
                                        float(-1 if exponent is None else exponent), exponent, 0, tuple(arr.shape),
                                        const_offset[name], layout))
            continue
        if name in dma_names or name == "workspace":
            code, exponent, shape = _CODES["int8"], None, (sizes[name],)
        else:
            spec = in_specs.get(name) or graph.specs[name]
            code, exponent, shape = _CODES[spec.dtype.name], spec.exponent, tuple(shapes[name])
        scale = float(-1 if exponent is None else exponent)
        if name in dequantized:
            scale = 1.0  # tpacker's convention for a Dequant's float output (read as "no exponent")
        records.append(TensorRecord(i, name, mem_of[name], code, _THINKER_NAMES[code], 1, scale, exponent, 0,
                                    shape, offsets[name], "NCHW"))

    operators, dma = [], []
    for k, n in enumerate(nodes):
        temps: tuple[int, ...] = (index["workspace"],) if k in requests else ()
        if n in dma_ops:
            j = dma_ops.index(n)
            buf = dma_names[j % 2] if len(dma_names) > 1 else dma_names[0]
            temps += (index[buf],)
            consts = [t for t in n.inputs if t in graph.constants]
            dma.append(DMAEntry("psram", 0, "share", 0, index[consts[0]], index[buf],
                                sum(align(len(_raw(packed[t]))) for t in consts)))
        blob_attrs = _attr_bytes(n, prof, shapes)
        padded = blob_attrs + b"\0" * (align(16 + len(blob_attrs)) - 16 - len(blob_attrs))
        operators.append(Operator(k, n.op, None, padded, tuple(index[t] for t in n.inputs if t),
                                  tuple(index[t] for t in n.outputs), temps))

    memory = [Memory(0, len(blob), "psram", True)] if blob else []
    for mem in ("share", "psram"):
        if arena.get(mem):
            memory.append(Memory(len(memory), arena[mem], mem, False))
    code = {v: k for k, v in PLATFORM_CODES.items()}[prof.name]
    res = Resource(
        header=Header("thinker10", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, code, 0),
        memory=tuple(memory), tensors=tuple(records), operators=tuple(operators),
        inputs=tuple(IOEntry(i.name, index[i.name]) for i in graph.inputs),
        outputs=tuple(IOEntry(name, index[name]) for name in out_names),
        parameters=(Parameter("psram", 0, 0, len(blob)),) if blob else (),
        shape_infer=ShapeInfer((), None, ()), debug_names=tuple(order), dma=tuple(dma), data=blob)
    data = write(res)
    report = [{"tensor": r.name, "mem": r.mem, "storage": "constant" if r.constant else "runtime",
               "offset": r.offset, "size": align(r.nbytes)} for r in records]
    from .reader import read
    return PackResult(read(data), data, report)
