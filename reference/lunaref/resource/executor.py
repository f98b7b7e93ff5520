"""Run a thinker resource as thinker's C executor does (spec/formats/executor.md).

* Memory: one byte arena per runtime memory record, sized from the memory list; every runtime tensor is
  read from and written to its own bytes at its offset, so the file's memory plan is really used (a plan
  that lets live tensors overlap corrupts results here as it would on the chip).  Constants are read in
  place from parameter blob 0.  Before each weight operator its DMA entry is carried out, as the
  executor's prefetch does.
* Operators run in file order with the attributes of their records, through the one implementation of
  each op in :mod:`lunaref.ops`; packed weights are decoded back to the exported layout (formats/
  resource.md §13, per platform profile).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from .. import errors
from ..numerics import dequantize, dtype as get_dtype, quantize
from ..ops import REGISTRY
from ..ops.registry import check_compat
from ..platforms import Profile, profile as get_profile
from ..tensor import Tensor, TensorSpec
from . import weights
from .layout import DMA_OPS, DTYPES
from .reader import Operator, Resource, TensorRecord, read

__all__ = ["run_resource", "ResourceRun"]

#: Ops whose inputs 1 (weight) and 2 (bias) are multiply-accumulate parameters: the bias's record says
#: "no scale" and the executor gives it e(X) + e(W).
_MAC_OPS = {"Conv2dInt", "Conv1dInt", "ConvTranspose2dInt", "LinearInt", "BatchNorm2dInt"}


def _storage(rec: TensorRecord) -> np.dtype:
    name = DTYPES[rec.dtype_code][1]
    if name is None or name == "int4":
        raise errors.UnsupportedAttribute(f"tensor {rec.index} ({rec.name}): dtype {rec.dtype} is not supported yet")
    return get_dtype(name).storage.newbyteorder("<")


@dataclass
class _Memory:
    res: Resource
    arenas: dict[str, bytearray]
    shapes: dict[int, tuple[int, ...]]

    def _where(self, rec: TensorRecord) -> tuple[Any, int]:
        if rec.constant:
            return self.res.data, self.res.parameters[0].data_offset + rec.offset
        return self.arenas[rec.mem], rec.offset

    def get(self, rec: TensorRecord) -> np.ndarray:
        shape = self.shapes.get(rec.index, rec.shape)
        if DTYPES[rec.dtype_code][1] == "int4" and rec.constant:   # two per byte along the last axis (§13)
            buf, off = self._where(rec)
            n = weights.int4_nbytes(tuple(shape))
            if off + n > len(buf):
                raise errors.MalformedResource(f"tensor {rec.index} ({rec.name}) reads beyond its memory")
            return weights.int4_values(bytes(buf[off:off + n]), tuple(shape))
        dt = _storage(rec)
        buf, off = self._where(rec)
        n = math.prod(shape)
        if off + n * dt.itemsize > len(buf):
            raise errors.MalformedResource(f"tensor {rec.index} ({rec.name}) reads beyond its memory")
        return np.frombuffer(bytes(buf[off:off + n * dt.itemsize]), dtype=dt).astype(dt.newbyteorder("=")).reshape(shape)

    def put(self, rec: TensorRecord, value: np.ndarray) -> None:
        if rec.constant:
            raise errors.MalformedResource(f"operator output tensor {rec.index} ({rec.name}) is a constant")
        dt = _storage(rec)
        data = np.ascontiguousarray(value).astype(dt).tobytes()
        capacity = rec.nbytes
        if len(data) > capacity:
            raise errors.ShapeMismatch(f"tensor {rec.index} ({rec.name}): {len(data)} bytes computed, "
                                       f"{capacity} planned")
        buf, off = self._where(rec)
        buf[off:off + len(data)] = data
        self.shapes[rec.index] = tuple(value.shape)

    def copy(self, src: TensorRecord, dst: TensorRecord, size: int) -> None:
        sbuf, soff = self._where(src)
        dbuf, doff = self._where(dst)
        if soff + size > len(sbuf) or doff + size > len(dbuf):
            raise errors.MalformedResource(f"DMA of {size} bytes from tensor {src.index} to {dst.index} leaves memory")
        dbuf[doff:doff + size] = sbuf[soff:soff + size]


# --------------------------------------------------------------------------------------------

def _attrs(op: Operator) -> dict[str, Any]:
    a = op.attrs or {}
    if op.type == "Conv2dInt":
        act = {0: "none", 1: "relu"}.get(a.get("act_type", 0))
        if act is None:
            raise errors.UnsupportedAttribute(f"operator {op.index} (Conv2dInt): act_type {a['act_type']} "
                                              "(only none and ReLU are supported)")
        return {"kernel_shape": tuple(a["kernel"][:2]), "strides": tuple(a["stride"][:2]),
                "pads": tuple(a["pad"][:4]), "dilations": tuple(a["dilation"][:2]), "group": int(a["group"]),
                "act": act}
    if op.type in ("Conv1dInt", "ConvTranspose2dInt"):
        act = {0: "none", 1: "relu"}.get(a.get("act_type", 0))
        if act is None:
            raise errors.UnsupportedAttribute(f"operator {op.index} ({op.type}): act_type {a['act_type']} "
                                              "(only none and ReLU are supported)")
        if op.type == "Conv1dInt":   # Conv1dIntAttrs has no dilation
            return {"kernel_shape": (int(a["kernel"]),), "strides": (int(a["stride"]),), "pads": tuple(a["pad"]),
                    "group": int(a["group"]), "act": act}
        return {"kernel_shape": tuple(a["kernel"][:2]), "strides": tuple(a["stride"][:2]),
                "pads": tuple(a["pad"][:4]), "output_padding": tuple(a["output_padding"][:2]),
                "dilations": tuple(a["dilation"][:2]), "group": int(a["group"]), "act": act}
    if op.type in ("MaxPool", "AvgPool2dInt"):
        return {"kernel_shape": tuple(a["kernel"]), "strides": tuple(a["stride"]), "pads": tuple(a["pad"]),
                "ceil_mode": int(a["ceil"])}
    if op.type == "Quant":
        return {"data_bits": int(a["data_bits"])} if a else {}
    if op.type == "iqPad":
        return {"mode": int(a.get("mode", 0))}
    if op.type == "iqSum":
        return {"dims": int(a["axis"])} if a else {}
    if op.type == "iqVar":   # tpacker writes the blob empty (E-FORMAT-7): the last axis
        return {"dim": int(a["dims"])} if a else {}
    if op.type == "Gather":
        return {"axis": int(a.get("axis", 0))}
    if op.type == "Split" and a:
        return {"axis": int(a["axis"]), "split": list(a["split"][:int(a["dims"])])}
    if op.type == "Transpose" and a:
        return {"perm": list(a["axes_"][:int(a["ndim_"])])}
    if op.type == "Squeeze" and a and a["ndim"]:
        return {"axes": list(a["axes"][:int(a["ndim"])])}
    if op.type == "ArgMax":
        return {"axis": int(a["axis"])}
    if op.type == "iqCat":
        return {"axis": int(a.get("axis", 0))}
    if op.type == "SoftmaxInt":
        return {"axis": int(a["axis"])}
    if op.type == "GluInt":
        return {"axis": int(a["axis"])}
    if op.type == "Clip" and a:   # ±FLT_MAX (what lunaref pack writes for an absent bound) is no bound
        big = float(np.finfo(np.float32).max)
        return {k: float(a[k]) for k in ("min", "max") if abs(float(a[k])) < big}
    if op.type == "PRelu":
        return {"slope": int(a["slope"]), "post_shift": int(a["post_shift"])}
    if op.type == "Relux":
        return {"threshold": int(a["threshold"]), "shift": int(a["shift"])}
    if op.type in ("topN", "topN2"):
        return {"dim": int(a["dim"]), "max_num": int(a["max_num"])}
    if op.type == "ShuffleChannel":
        return {"groups": int(a["num_group"]), "axis": int(a["axis"])}
    if op.type in ("LSTMInt", "GRUInt"):
        return {"direction": int(a["direction"]), "layout": int(a["layout"]), "hidden_size": int(a["hidden_size"]),
                "input_size": int(a["input_size"])}
    if op.type == "Resize":   # the enums of resize.c; an unknown code is refused by the op
        return {"mode": int(a["mode"]), "coordinate_transformation_mode": int(a["coord_trans_mode"]),
                "nearest_mode": int(a["nearest_mode"]), "cubic_coeff_a": float(a["cubic_coeff_a"])}
    return {}


@dataclass(frozen=True)
class ResourceRun:
    outputs: list[np.ndarray]
    tensors: dict[str, Tensor]


def _spec(rec: TensorRecord) -> TensorSpec:
    name = DTYPES[rec.dtype_code][1]
    if name is None:
        raise errors.UnsupportedAttribute(f"tensor {rec.index} ({rec.name}): dtype {rec.dtype}")
    return TensorSpec.of(name, rec.exponent)


def execute(res: Resource, inputs: Sequence[Any] | Mapping[str, Any], platform: str | Profile | None = None, *,
            quantize_inputs: bool = False, dequantize_outputs: bool = False,
            compat: str | None = None) -> ResourceRun:
    """Run ``res`` on ``inputs`` (arrays in IO order, or by input name); ``compat`` names a
    compatibility mode (spec/errata.md)."""
    check_compat(compat)
    if res.platform not in ("venus", "venusA", "arcs"):
        raise errors.UnsupportedOnPlatform(f"the resource is for {res.platform}, which has no executor")
    prof = get_profile(res.platform)
    if platform is not None and get_profile(platform).name != prof.name:
        raise errors.PlatformConflict(f"the resource is for {prof.name} but {get_profile(platform).name} was requested")
    if isinstance(inputs, Mapping):
        missing = [e.name for e in res.inputs if e.name not in inputs]
        if missing or set(inputs) - {e.name for e in res.inputs}:
            raise errors.BadArgument(f"inputs must be named {[e.name for e in res.inputs]}")
        inputs = [inputs[e.name] for e in res.inputs]
    inputs = list(inputs)
    if len(inputs) != len(res.inputs):
        raise errors.BadArgument(f"the resource has {len(res.inputs)} inputs, {len(inputs)} given")

    arenas = {m.mem: bytearray(m.size) for m in res.memory if not m.shared}
    arrays = []
    for entry, value in zip(res.inputs, inputs):
        rec = res.tensors[entry.tensor]
        spec = _spec(rec)
        arr = np.asarray(value)
        if quantize_inputs and arr.dtype.kind == "f" and spec.dtype.is_integer:
            arr = quantize(arr.astype(np.float32), rec.exponent, spec.dtype)
        if arr.dtype != spec.dtype.storage:
            raise errors.InputDTypeMismatch(f"input {entry.name!r}: expected {spec.dtype}, got {arr.dtype}"
                                            + (" (use --quantize-inputs)" if arr.dtype.kind == "f" else ""))
        arrays.append(arr)
    dims = infer_shapes(res, [a.shape for a in arrays])
    mem = _Memory(res, arenas, dict(dims))
    tensors: dict[str, Tensor] = {}
    for entry, arr in zip(res.inputs, arrays):
        rec = res.tensors[entry.tensor]
        want = dims.get(rec.index, rec.shape)
        if tuple(arr.shape) != tuple(want):
            raise errors.InputSizeMismatch(f"input {entry.name!r}: expected shape {list(want)}, got {list(arr.shape)}")
        mem.put(rec, arr)
        spec = _spec(rec)
        tensors[entry.name] = Tensor.of(arr, spec.dtype, spec.exponent)

    dma = iter(res.dma)
    for op in res.operators:
        try:
            _run_op(op, res, mem, prof, dma, tensors, compat)
        except errors.LunarefError as exc:
            raise type(exc)(f"operator {op.index} ({op.type}): {exc}") from exc

    outputs = []
    for entry in res.outputs:
        rec = res.tensors[entry.tensor]
        arr = mem.get(rec)
        if dequantize_outputs and rec.exponent is not None and arr.dtype.kind == "i":
            arr = dequantize(arr, rec.exponent)
        outputs.append(arr)
    return ResourceRun(outputs, tensors)


_SCALAR_OPS = {
    1: lambda v: sum(v[1:], v[0]),
    2: lambda v: math.prod(v[1:], start=v[0]),
    3: lambda v: _fold(lambda a, b: a / b, v),
    4: lambda v: _fold(lambda a, b: a ** b, v),
    5: lambda v: float(math.floor(v[0])),
    6: lambda v: float(math.ceil(v[0])),
    7: lambda v: math.sqrt(v[0]),
    8: lambda v: min(v),
    9: lambda v: max(v),
}


def _fold(f, values):
    acc = values[0]
    for v in values[1:]:
        acc = f(acc, v)
    return acc


def infer_shapes(res: Resource, input_shapes: Sequence[tuple[int, ...]]) -> dict[int, tuple[int, ...]]:
    """Current dims of every tensor the shape-inference program updates (formats/resource.md §9).

    Each dynamic axis reads its extent from the given input shape; axes bound to one symbol must agree.
    The scalar graph is evaluated in double precision; pair ``k`` sets ``dims[dim] = uint32(value + 0.5)``.
    """
    si = res.shape_infer
    if si.empty:
        return {}
    g = si.graph
    if g is None:
        raise errors.MalformedResource("shape-inference section without a scalar graph")
    scalars = list(g.scalars)
    bound: dict[int, int] = {}
    by_tensor = {e.tensor: k for k, e in enumerate(res.inputs)}
    for axis in si.dy_axes:
        if axis.tensor not in by_tensor:
            raise errors.MalformedResource(f"dynamic axis on tensor {axis.tensor}, which is not a graph input")
        shape = input_shapes[by_tensor[axis.tensor]]
        if axis.dim >= len(shape) or axis.scalar_input >= len(g.inputs):
            raise errors.InputSizeMismatch(f"dynamic axis {axis.dim} of input tensor {axis.tensor} does not exist")
        extent = int(shape[axis.dim])
        if bound.setdefault(axis.scalar_input, extent) != extent:
            raise errors.InputSizeMismatch(f"dynamic axes bound to {g.input_names[axis.scalar_input]!r} disagree "
                                           f"({bound[axis.scalar_input]} vs {extent})")
        scalars[g.inputs[axis.scalar_input]] = float(extent)
    for op, ins, out in g.nodes:
        try:
            scalars[out] = float(_SCALAR_OPS[op]([scalars[i] for i in ins]))
        except (ZeroDivisionError, OverflowError, ValueError):
            raise errors.InputSizeMismatch(f"the shape program fails for these input shapes (op {op})") from None
    dims: dict[int, list[int]] = {}
    for k, (tensor, dim) in enumerate(si.pairs):
        if k >= len(g.outputs):
            raise errors.MalformedResource(f"tensor/dim pair {k} has no scalar-graph output")
        cur = dims.setdefault(tensor, list(res.tensors[tensor].shape))
        if dim >= len(cur):
            raise errors.MalformedResource(f"tensor/dim pair {k}: tensor {tensor} has no dim {dim}")
        value = scalars[g.outputs[k]] + 0.5
        cur[dim] = int(value) if math.isfinite(value) and value > 0 else 0
    for tensor, shape in dims.items():
        if math.prod(shape) > math.prod(res.tensors[tensor].shape):
            raise errors.InputSizeMismatch(f"tensor {tensor} would need {shape}, more than its planned "
                                           f"{list(res.tensors[tensor].shape)}")
    return {t: tuple(d) for t, d in dims.items()}


def _run_op(op: Operator, res: Resource, mem: _Memory, prof: Profile, dma, tensors: dict[str, Tensor],
            compat: str | None = None) -> None:
    if op.type not in REGISTRY:
        raise errors.UnsupportedOp(f"operator type {op.type} is not implemented yet")
    recs = [res.tensors[i] for i in op.inputs]
    if op.type in DMA_OPS and res.dma and any(r.constant and r.mem != "share" for r in recs[1:]):
        entry = next(dma, None)  # the executor's prefetch: one DMA entry per weight op, in order
        if entry is not None:
            mem.copy(res.tensors[entry.src_tensor], res.tensors[entry.dst_tensor], entry.size)
    attrs = _attrs(op)
    args: list[Tensor] = []
    for k, rec in enumerate(recs):
        if op.type == "Reshape" and k == 1:  # thinker takes the extent from the output tensor's (current) shape
            out_rec = res.tensors[op.outputs[0]]
            shape = mem.shapes.get(out_rec.index, out_rec.shape)
            args.append(Tensor.of(np.array(shape, dtype=np.int64), "int64"))
            continue
        data = mem.get(rec)
        spec = _spec(rec)
        exponent = spec.exponent
        if op.type in _MAC_OPS and k == 1:
            data = _weight(op, rec, data, recs, res, mem, attrs, prof)
        if rec.constant and k in weights.recurrent_transposed(op.type, len(recs), prof):   # stored [I, G·H] / [H, G·H]
            data = data.T
        if op.type in _MAC_OPS and k == 2 and exponent is None:
            exponent = args[0].exponent + args[1].exponent
        if op.type in ("LSTMInt", "GRUInt") and k >= len(recs) - 2 and exponent is None:   # "no scale" biases:
            e_in = args[0].exponent if k == len(recs) - 2 else _spec(res.tensors[op.outputs[1]]).exponent
            if e_in is not None and args[k - 2].exponent is not None:   # B_ih at e(X) + e(W_ih), B_hh at
                exponent = e_in + args[k - 2].exponent                  # e(H_n) + e(W_hh)
        if op.type == "LayerNormInt" and k == 2:   # β is at 15 + e(γ) whatever the record says (tpacker
            exponent = args[1].exponent + 15          # writes e(X) + e(γ); ops/layernormint.md)
        args.append(Tensor.of(data, spec.dtype, exponent, what=f"tensor {rec.index} ({rec.name})"))
    outs = [_spec(res.tensors[i]) for i in op.outputs]
    if op.type == "LSTMInt" and len(outs) == 3 and outs[2].dtype.name == "int32":   # the kernels keep the cell
        outs[2] = TensorSpec(outs[2].dtype, 15)   # at Q15 whatever C_n's record says (tpacker: scale_o, E-LSTM-2)
    if op.type in ("Squeeze", "Unsqueeze", "Flatten"):
        # byte copies in thinker: the values stay, the shape is the output record's (tpacker's)
        out_rec = res.tensors[op.outputs[0]]
        target = mem.shapes.get(out_rec.index, out_rec.shape)
        if op.type == "Unsqueeze":
            attrs = {"axes": _inserted_axes(args[0].shape, target)}
        results = REGISTRY.get(op.type).run(args, outs, attrs, prof, compat)
        if math.prod(target) != results[0].data.size:
            raise errors.ShapeMismatch(f"{op.type}: output record shape {list(target)} does not hold "
                                       f"{results[0].data.size} elements")
        results = [Tensor.of(results[0].data.reshape(target), results[0].dtype, results[0].exponent)]
    else:
        results = REGISTRY.get(op.type).run(args, outs, attrs, prof, compat)
    for i, t in zip(op.outputs, results):
        rec = res.tensors[i]
        mem.put(rec, t.data)
        tensors[rec.name or str(i)] = Tensor.of(mem.get(rec), t.dtype, t.exponent)


def _inserted_axes(x_shape, y_shape) -> list[int]:
    """Unsqueeze axes that turn ``x_shape`` into ``y_shape``'s rank (tpacker writes ``ndim = 0``; the
    values do not depend on where the unit axes go, and the result takes ``y_shape``)."""
    if len(y_shape) <= len(x_shape) or math.prod(y_shape) != math.prod(x_shape):
        raise errors.ShapeMismatch(f"Unsqueeze: output shape {list(y_shape)} is not {list(x_shape)} with unit axes")
    return list(range(len(x_shape), len(y_shape)))


def _weight(op, rec, data, recs, res, mem, attrs, prof) -> np.ndarray:
    """The exported weight of a MAC op, from its packed form (formats/resource.md §13)."""
    if rec.layout == "NCHW" and (op.type != "LinearInt" or data.ndim == 2) and \
            not (op.type == "Conv2dInt" and data.dtype == np.int16):
        return data  # stored as exported (BatchNorm2dInt, unpacked weights)
    x_shape = mem.shapes.get(recs[0].index, recs[0].shape)
    out_rec = res.tensors[op.outputs[0]]
    if op.type == "Conv2dInt" and data.dtype == np.int16 and data.ndim == 4:   # venus int16: [IC][KH][KW][OC]
        kh, kw = attrs["kernel_shape"]
        return weights.unpack_conv_int16(data, out_rec.shape[1], x_shape[1], kh, kw)
    if op.type == "Conv2dInt":
        kh, kw = attrs["kernel_shape"]
        group = attrs["group"]
        c, oc = x_shape[1], out_rec.shape[1]
        if group > 1 and group == c == oc:
            return weights.unpack_depthwise(data, c, kh, kw, prof)
        return weights.unpack_conv(data, oc, c // group, kh, kw, prof)
    if op.type == "Conv1dInt":
        (k,), group = attrs["kernel_shape"], attrs["group"]
        c, oc = x_shape[1], out_rec.shape[1]
        if group > 1 and group == c == oc:
            return weights.unpack_depthwise(data, c, 1, k, prof, prof.conv1d_depthwise_layout)[:, :, 0, :]
        return weights.unpack_conv(data, oc, c // group, 1, k, prof, weights.CONV1D_WEIGHT_GROUP)[:, :, 0, :]
    if op.type == "ConvTranspose2dInt":
        kh, kw = attrs["kernel_shape"]
        return weights.unpack_deconv(data, x_shape[1], out_rec.shape[1], kh, kw, prof)
    if op.type == "LinearInt":
        return weights.unpack_linear(data, out_rec.shape[-1], x_shape[-1], prof)
    return data


def run_resource(model: Any, inputs: Sequence[Any] | Mapping[str, Any], platform: str | None = None, *,
                 intermediates: bool = False, quantize_inputs: bool = False, dequantize_outputs: bool = False,
                 accept_zero_crc: bool = False, compat: str | None = None):
    """Run a thinker resource (path, bytes or :class:`Resource`) — see :func:`lunaref.run_resource`."""
    res = model if isinstance(model, Resource) else read(model, accept_zero_crc=accept_zero_crc)
    run = execute(res, inputs, platform, quantize_inputs=quantize_inputs, dequantize_outputs=dequantize_outputs,
                  compat=compat)
    return (run.outputs, run.tensors) if intermediates else run.outputs
