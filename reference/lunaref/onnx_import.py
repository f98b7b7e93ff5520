"""Import linger-exported ONNX into a lunaref :class:`~lunaref.graph.Graph` (spec/formats/onnx.md).

Two dialects: linger 1.x exports (custom domain ``thinker``: Conv2dInt, iqAdd, ``data_bits``,
``parameter_bits``, ``platform_quant``…) and linger 3.x exports (custom domain ``linger``: QConv2d,
QAdd, ``x_bits``/``w_bits``/``o_bits``, a ``platform`` and ``quant_mode`` on each node).  Standard
ONNX ops (Relu, MaxPool, Reshape, Flatten, Constant) operate on the integers in both.

What the importer settles statically: each node's registry op and normalised attributes, and the
dtype and exponent of every tensor — exponents come from the power-of-two ``scale_*`` attributes
(producers set them, consumers' ``scale_x`` must agree), weights take ``scale_w``, biases
``e(X) + e(W)``.  Shapes are never taken from the file's declared output shapes (linger 3.x
declares symbolic ones); ops compute them when the graph runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import errors
from .graph import Graph, Node, ValueInfo
from .numerics import as_int, dtype as get_dtype, exponent_of_scale
from .ops import DIALECTS, REGISTRY
from .platforms import profile as get_profile
from .tensor import Tensor, TensorSpec

__all__ = ["load_onnx", "is_onnx"]

_DOMAIN_DIALECT = {domain: dialect for dialect, domain in DIALECTS.items()}
_STANDARD_DOMAINS = ("", "ai.onnx")

#: ONNX TensorProto element types lunaref accepts for data and constants.
_ONNX_DTYPES = {1: "float32", 3: "int8", 5: "int16", 6: "int32", 7: "int64"}

#: Attributes that carry no arithmetic (provenance, the training-side rounding selector that thinker
#: ignores — errata E-ROUND-1 — and linger 1.x's backend tags); accepted on any node and not used.
_INFORMATIONAL = {"platform", "platform_quant", "castor_mode", "quant_mode", "mode"}


def is_onnx(data: bytes) -> bool:
    """Whether ``data`` parses as an ONNX ModelProto with a graph."""
    import onnx

    try:
        m = onnx.ModelProto()
        m.ParseFromString(data)
    except Exception:  # protobuf's DecodeError and friends
        return False
    return m.HasField("graph") and len(m.graph.node) > 0


def _load_proto(model: Any):
    import onnx

    if isinstance(model, onnx.ModelProto):
        return model
    if isinstance(model, (bytes, bytearray)):
        data = bytes(model)
        where = "the given bytes"
    else:
        path = Path(os.fspath(model))
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise errors.InputNotFound(f"cannot read model {str(path)!r}: {exc.strerror or exc}") from None
        where = str(path)
    m = onnx.ModelProto()
    try:
        m.ParseFromString(data)
    except Exception:
        raise errors.MalformedOnnx(f"{where} is not an ONNX model (protobuf does not parse)") from None
    if not m.HasField("graph") or not m.graph.node:
        raise errors.MalformedOnnx(f"{where} has no graph nodes")
    return m


class _Importer:
    def __init__(self, proto) -> None:
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.g = proto.graph
        self.specs: dict[str, TensorSpec] = {}           # dtype/exponent of every known tensor
        self.raw: dict[str, np.ndarray] = {}              # constants before their exponent is known
        self.constants: dict[str, Tensor] = {}
        self.nodes: list[Node] = []
        self.platforms: dict[str, str] = {}               # node -> platform attribute
        self.dialect = self._dialect(proto)

    # --- set-up -------------------------------------------------------------------------------

    def _dialect(self, proto) -> str:
        domains = {n.domain for n in proto.graph.node} - set(_STANDARD_DOMAINS)
        unknown = domains - set(_DOMAIN_DIALECT)
        if unknown:
            raise errors.UnsupportedOp(f"ONNX domain(s) {sorted(unknown)} are not linger dialects "
                                       f"(expected {' or '.join(repr(d) for d in _DOMAIN_DIALECT)})")
        if len(domains) != 1:
            raise errors.MalformedOnnx("a linger export uses exactly one custom domain ('thinker' or 'linger'); "
                                       f"found {sorted(domains) or 'none'}")
        return _DOMAIN_DIALECT[domains.pop()]

    def _array(self, tensor_proto) -> np.ndarray:
        et = tensor_proto.data_type
        if et not in _ONNX_DTYPES:
            raise errors.UnsupportedAttribute(f"tensor {tensor_proto.name!r}: ONNX element type {et} is not supported")
        try:
            return np.asarray(self.numpy_helper.to_array(tensor_proto))
        except Exception as exc:
            raise errors.MalformedOnnx(f"tensor {tensor_proto.name!r} cannot be decoded: {exc}") from None

    def _value_info(self, vi, *, is_input: bool) -> tuple[str, str, tuple]:
        t = vi.type.tensor_type
        if not vi.type.HasField("tensor_type") or t.elem_type not in _ONNX_DTYPES:
            raise errors.UnsupportedAttribute(f"graph {'input' if is_input else 'output'} {vi.name!r}: "
                                              f"only float32 and integer tensors are supported")
        shape = None
        if t.HasField("shape"):
            shape = tuple(d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim)
        return vi.name, _ONNX_DTYPES[t.elem_type], shape

    # --- exponent bookkeeping -------------------------------------------------------------------

    def spec(self, name: str, node) -> TensorSpec:
        if name in self.specs:
            return self.specs[name]
        if name in self.raw:
            raise errors.MalformedOnnx(f"node {node.name!r} ({node.op_type}): constant {name!r} used where a "
                                       f"quantized activation is expected")
        raise errors.MalformedOnnx(f"node {node.name!r} ({node.op_type}): input {name!r} is not produced by an "
                                   f"earlier node, a graph input or an initializer")

    def expect(self, name: str, exponent: int, node, attr: str) -> None:
        """A consumer declares (``scale_x`` etc.) the exponent of an activation input: it must agree."""
        have = self.spec(name, node).exponent
        if have != exponent:
            raise errors.MalformedOnnx(f"node {node.name!r} ({node.op_type}): {attr} says exponent {exponent} "
                                       f"but input {name!r} has exponent {have}")

    def as_int4(self, name: str, node) -> None:
        """Retype the int8 constant ``name`` (a 4-bit weight) as int4; its values must lie in [−8, 7]."""
        c = self.constants[name]
        if c.dtype.name == "int4":
            return
        try:
            self.constants[name] = Tensor.of(c.data, "int4", c.exponent, what=f"constant {name!r}")
        except errors.ValueOutOfRange as exc:
            raise errors.MalformedOnnx(f"node {node.name!r} ({node.op_type}): 4-bit weight {name!r} holds values "
                                       f"outside [-8, 7]") from exc
        self.specs[name] = TensorSpec(get_dtype("int4"), c.exponent)

    def constant(self, name: str, exponent: int | None, node, what: str, dtypes: tuple[str, ...]) -> None:
        """Give the constant ``name`` its exponent (a constant shared by two consumers must agree)."""
        if name in self.constants:
            if self.constants[name].exponent != exponent:
                raise errors.MalformedOnnx(f"node {node.name!r}: constant {name!r} is used at exponents "
                                           f"{self.constants[name].exponent} and {exponent}")
            return
        if name not in self.raw:
            raise errors.UnsupportedAttribute(f"node {node.name!r} ({node.op_type}): {what} {name!r} must be "
                                              f"a constant (initializer)")
        arr = self.raw[name]
        kind = {np.dtype(np.int8): "int8", np.dtype(np.int16): "int16", np.dtype(np.int32): "int32",
                np.dtype(np.int64): "int64", np.dtype(np.float32): "float32"}.get(arr.dtype)
        if kind not in dtypes:
            raise errors.UnsupportedAttribute(f"node {node.name!r} ({node.op_type}): {what} {name!r} is "
                                              f"{arr.dtype}, expected {' or '.join(dtypes)}")
        self.constants[name] = Tensor.of(arr, kind, exponent, what=f"constant {name!r}")
        self.specs[name] = TensorSpec(get_dtype(kind), exponent)

    # --- attributes -------------------------------------------------------------------------

    def attrs(self, node, allowed: set[str]) -> dict[str, Any]:
        out = {}
        for a in node.attribute:
            value = self.helper.get_attribute_value(a)
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            out[a.name] = value
        extra = set(out) - allowed - _INFORMATIONAL
        if extra:
            raise errors.UnsupportedAttribute(f"node {node.name!r} ({node.domain + '::' if node.domain else ''}"
                                              f"{node.op_type}): unsupported attribute(s) {sorted(extra)}")
        if "platform" in out:
            self.platforms[node.name or node.output[0]] = str(out["platform"])
        if int(out.get("zero_point", 0)) != 0:
            raise errors.UnsupportedAttribute(f"node {node.name!r}: zero_point {out['zero_point']} (LUNA has none)")
        return out

    @staticmethod
    def need(a: dict, key: str, node) -> Any:
        if key not in a:
            raise errors.UnsupportedAttribute(f"node {node.name!r} ({node.op_type}): missing attribute {key!r}")
        return a[key]

    def exp(self, a: dict, key: str, node) -> int:
        return exponent_of_scale(self.need(a, key, node), what=f"node {node.name!r} {key}")

    def bits(self, a: dict, keys: tuple[str, ...], node, allowed=(8,), default=8) -> str:
        for k in keys:
            if k in a:
                b = int(a[k])
                if b not in allowed:
                    raise errors.UnsupportedAttribute(f"node {node.name!r} ({node.op_type}): {k} = {b} "
                                                      f"(supported: {', '.join(map(str, allowed))})")
                return f"int{b}"
        return f"int{default}"

    # --- nodes ------------------------------------------------------------------------------

    def add(self, node, op: str, inputs, attrs: dict, outs: list[TensorSpec]) -> None:
        if len(node.output) != len(outs):
            raise errors.MalformedOnnx(f"node {node.name!r} ({node.op_type}): expected {len(outs)} output(s), "
                                       f"has {len(node.output)}")
        for name, s in zip(node.output, outs):
            if name in self.specs or name in self.raw:
                raise errors.MalformedOnnx(f"node {node.name!r}: tensor {name!r} is produced twice")
            self.specs[name] = s
        src = f"{node.domain}::{node.op_type}" if node.domain else node.op_type
        info = {a.name: self.helper.get_attribute_value(a) for a in node.attribute
                if a.name in ("quant_mode", "platform_quant")}
        info = {k: v.decode("utf-8", "replace") if isinstance(v, bytes) else v for k, v in info.items()}
        self.nodes.append(Node(node.name or node.output[0], op, tuple(inputs), tuple(node.output),
                               attrs, tuple(outs), src, info))

    def inputs(self, node, lo: int, hi: int) -> list[str]:
        n = len(node.input)
        if not lo <= n <= hi:
            raise errors.MalformedOnnx(f"node {node.name!r} ({node.op_type}): expected {lo}..{hi} inputs, has {n}")
        return list(node.input)

    def run(self) -> Graph:
        for init in self.g.initializer:
            self.raw[init.name] = self._array(init)
        graph_inputs = []
        for vi in self.g.input:
            if vi.name in self.raw:
                continue  # an initializer listed as input (old exporters)
            name, kind, shape = self._value_info(vi, is_input=True)
            self.specs[name] = TensorSpec(get_dtype(kind), None)
            graph_inputs.append((name, kind, shape))
        for node in self.g.node:
            if node.op_type == "Constant" and node.domain in _STANDARD_DOMAINS:
                _constant(self, node)
                continue
            qualified = f"{node.domain}::{node.op_type}" if node.domain else node.op_type
            try:  # the registry's aliases decide which op a node type denotes
                op = REGISTRY.by_alias(self.dialect, node.op_type)
            except errors.UnsupportedOp:
                raise errors.UnsupportedOp(f"node {node.name!r}: op type {qualified} is not supported "
                                           f"in the {self.dialect} dialect") from None
            if op.name not in EITHER_DOMAIN_OPS and \
                    (node.domain in _STANDARD_DOMAINS) != (op.name in STANDARD_OPS):
                raise errors.UnsupportedOp(f"node {node.name!r}: {qualified} is in the wrong domain")
            if op.name not in HANDLERS:
                raise errors.UnsupportedOp(f"node {node.name!r}: {qualified} cannot be imported from ONNX yet")
            HANDLERS[op.name](self, node)
        outputs = []
        for vi in self.g.output:
            if vi.name not in self.specs:
                raise errors.MalformedOnnx(f"graph output {vi.name!r} is produced by no node")
            s = self.specs[vi.name]
            outputs.append(ValueInfo(vi.name, s.dtype, s.exponent))
        platforms = set(self.platforms.values())
        if len(platforms) > 1:
            raise errors.PlatformConflict(f"the nodes name different platforms: {sorted(platforms)}")
        platform = get_profile(platforms.pop()).name if platforms else None
        return Graph(
            inputs=tuple(ValueInfo(n, get_dtype(k), None, s) for n, k, s in graph_inputs),
            # constants in file order: initializers, then Constant nodes (the packer's tensor order)
            outputs=tuple(outputs), constants={k: self.constants[k] for k in self.raw if k in self.constants},
            nodes=tuple(self.nodes),
            platform=platform, dialect=self.dialect, specs=dict(self.specs))


# ----------------------------------------------------------------------------------------------
# one handler per ONNX op type (both dialects); each states the attribute mapping of onnx.md
# ----------------------------------------------------------------------------------------------

def _quant(im: _Importer, node) -> None:
    a = im.attrs(node, {"data_bits", "scale_x", "zero_point"})
    (x,) = im.inputs(node, 1, 1)
    if im.spec(x, node).dtype.name != "float32":
        raise errors.MalformedOnnx(f"node {node.name!r} (Quant): input {x!r} is not float32")
    to = im.bits(a, ("data_bits",), node, allowed=(8, 16, 32))
    im.add(node, "Quant", [x], {"data_bits": int(to[3:])}, [TensorSpec.of(to, im.exp(a, "scale_x", node))])


def _dequant(im: _Importer, node) -> None:
    a = im.attrs(node, {"scale_o", "scale_x"})
    (x,) = im.inputs(node, 1, 1)
    key = "scale_o" if "scale_o" in a else "scale_x"
    im.expect(x, im.exp(a, key, node), node, key)
    im.add(node, "Dequant", [x], {}, [TensorSpec.of("float32")])


def _requant(im: _Importer, node) -> None:
    a = im.attrs(node, {"data_bits", "o_bits", "scale_x", "scale_o"})
    (x,) = im.inputs(node, 1, 1)
    if "scale_x" in a:
        im.expect(x, im.exp(a, "scale_x", node), node, "scale_x")
    to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
    widths = {"data_bits": im.spec(x, node).dtype.bits, "o_bits": int(to[3:])}   # RequantAttrs in a resource
    im.add(node, "Requant", [x], widths, [TensorSpec.of(to, im.exp(a, "scale_o", node))])


_CONV_ATTRS = {"dilations", "group", "kernel_shape", "pads", "strides"}
_MAC_ATTRS = {"scale_x", "scale_w", "scale_o", "o_bits", "data_bits", "parameter_bits", "x_bits", "w_bits"}


def _weights(im: _Importer, node, a, x: str, w: str, b: str | None, data_bits=(8,), weight_bits=(8,)) -> int:
    """Exponents and dtypes of a MAC op's X, W and B.  ``w_bits = 4`` (linger 3.x) / ``parameter_bits = 4``
    (linger 1.x): W is stored as int8 holding values in [−8, 7] and becomes an int4 tensor; 16 bits: an
    int16 initializer.  ``x_bits`` / ``data_bits`` must name X's dtype (formats/onnx.md)."""
    e_x = im.exp(a, "scale_x", node)
    im.expect(x, e_x, node, "scale_x")
    tx = im.bits(a, ("data_bits", "x_bits"), node, allowed=data_bits)
    if any(k in a for k in ("data_bits", "x_bits")) and im.spec(x, node).dtype.name != tx:
        raise errors.MalformedOnnx(f"node {node.name!r} ({node.op_type}): data bits say {tx} but input {x!r} "
                                   f"is {im.spec(x, node).dtype}")
    tw = im.bits(a, ("parameter_bits", "w_bits"), node, allowed=weight_bits)
    e_w = im.exp(a, "scale_w", node)
    im.constant(w, e_w, node, "weight", ("int8",) if tw == "int4" else (tw,))
    if tw == "int4":
        im.as_int4(w, node)
    if b:
        im.constant(b, e_x + e_w, node, "bias", ("int32",))
    return e_x + e_w


def _mac_operands(im: _Importer, node, a) -> tuple[str, str, str | None]:
    """X, the weight and the optional bias of a multiply-accumulate node, their exponents and widths
    settled (activations 8 or 16 bits, weights 4, 8 or 16)."""
    x, w, *rest = im.inputs(node, 2, 3)
    b = rest[0] if rest and rest[0] else None
    _weights(im, node, a, x, w, b, data_bits=(8, 16), weight_bits=(4, 8, 16))
    return x, w, b


def _conv(im: _Importer, node) -> None:
    a = im.attrs(node, _CONV_ATTRS | _MAC_ATTRS)
    x, w, b = _mac_operands(im, node, a)
    kernel = tuple(im.need(a, "kernel_shape", node))
    if len(kernel) != 2:
        raise errors.UnsupportedAttribute(f"node {node.name!r}: kernel_shape {list(kernel)} is not 2-D")
    attrs = {"kernel_shape": kernel, "strides": tuple(a.get("strides", (1, 1))),
             "pads": tuple(a.get("pads", (0, 0, 0, 0))), "dilations": tuple(a.get("dilations", (1, 1))),
             "group": int(a.get("group", 1)), "act": "none"}
    to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
    im.add(node, "Conv2dInt", [x, w] + ([b] if b else []), attrs, [TensorSpec.of(to, im.exp(a, "scale_o", node))])


def _conv1d(im: _Importer, node) -> None:
    """linger 1.x ``thinker::Conv1dInt`` / linger 3.x ``linger::QConv1d``: 1-element kernel_shape, strides,
    dilations and 2 pads (linger 3.x writes ``padding·2``)."""
    a = im.attrs(node, _CONV_ATTRS | _MAC_ATTRS)
    x, w, b = _mac_operands(im, node, a)
    kernel = tuple(im.need(a, "kernel_shape", node))
    if len(kernel) != 1:
        raise errors.UnsupportedAttribute(f"node {node.name!r}: kernel_shape {list(kernel)} is not 1-D")
    attrs = {"kernel_shape": kernel, "strides": tuple(a.get("strides", (1,))), "pads": tuple(a.get("pads", (0, 0))),
             "dilations": tuple(a.get("dilations", (1,))), "group": int(a.get("group", 1)), "act": "none"}
    to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
    im.add(node, "Conv1dInt", [x, w] + ([b] if b else []), attrs, [TensorSpec.of(to, im.exp(a, "scale_o", node))])


def _convtranspose(im: _Importer, node) -> None:
    """linger 1.x ``thinker::ConvTranspose2dInt`` / linger 3.x ``linger::QConvTranspose2d``: Conv2dInt's
    attributes and ``output_padding``; the weight is ``[C, OC/group, KH, KW]``."""
    a = im.attrs(node, _CONV_ATTRS | _MAC_ATTRS | {"output_padding"})
    x, w, b = _mac_operands(im, node, a)
    kernel = tuple(im.need(a, "kernel_shape", node))
    if len(kernel) != 2:
        raise errors.UnsupportedAttribute(f"node {node.name!r}: kernel_shape {list(kernel)} is not 2-D")
    out_pad = tuple(a.get("output_padding", (0, 0)))
    attrs = {"kernel_shape": kernel, "strides": tuple(a.get("strides", (1, 1))),
             "pads": tuple(a.get("pads", (0, 0, 0, 0))), "output_padding": out_pad[:2] if out_pad else (0, 0),
             "dilations": tuple(a.get("dilations", (1, 1))), "group": int(a.get("group", 1)), "act": "none"}
    to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
    im.add(node, "ConvTranspose2dInt", [x, w] + ([b] if b else []), attrs,
           [TensorSpec.of(to, im.exp(a, "scale_o", node))])


def _linear(im: _Importer, node) -> None:
    a = im.attrs(node, _MAC_ATTRS)
    x, w, b = _mac_operands(im, node, a)
    to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
    im.add(node, "LinearInt", [x, w] + ([b] if b else []), {}, [TensorSpec.of(to, im.exp(a, "scale_o", node))])


def _batchnorm(op: str):
    """BatchNorm2dInt / BatchNorm1dInt (linger 1.x names, linger 3.x QBatchNorm2d / QBatchNorm1d)."""
    def handler(im: _Importer, node) -> None:
        a = im.attrs(node, _MAC_ATTRS)
        # linger 1.x appends running_mean and running_var (float, unused by the integer op)
        x, w, b, *_stats = im.inputs(node, 3, 5)
        _weights(im, node, a, x, w, b)
        to = im.bits(a, ("o_bits",), node)
        im.add(node, op, [x, w, b], {}, [TensorSpec.of(to, im.exp(a, "scale_o", node))])
    return handler


def _add(im: _Importer, node) -> None:
    a = im.attrs(node, {"scale_x", "scale_y", "scale_o", "o_bits", "x_bits", "y_bits", "data_bits"})
    x, y = im.inputs(node, 2, 2)
    im.expect(x, im.exp(a, "scale_x", node), node, "scale_x")
    im.expect(y, im.exp(a, "scale_y", node), node, "scale_y")
    to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
    im.add(node, "iqAdd", [x, y], {}, [TensorSpec.of(to, im.exp(a, "scale_o", node))])


def _operand(im: _Importer, name: str, exponent: int, node, attr: str, what: str) -> None:
    """A second operand: an activation whose exponent ``attr`` declares, or an integer constant (linger
    exports a Python-number operand as an initializer or Constant) given that exponent."""
    if name in im.raw and name not in im.specs:
        im.constant(name, exponent, node, what, ("int8", "int16", "int32"))
    else:
        im.expect(name, exponent, node, attr)


def _binary(op: str, what: str) -> Callable[[_Importer, Any], None]:
    """iqSub / iqMul / iqDiv (linger 1.x ``scale_x, scale_y, scale_o``; linger 3.x QMul adds the bits)."""
    def handle(im: _Importer, node) -> None:
        a = im.attrs(node, {"scale_x", "scale_y", "scale_o", "o_bits", "x_bits", "y_bits", "data_bits"})
        x, y = im.inputs(node, 2, 2)
        im.expect(x, im.exp(a, "scale_x", node), node, "scale_x")
        _operand(im, y, im.exp(a, "scale_y", node), node, "scale_y", what)
        to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
        im.add(node, op, [x, y], {}, [TensorSpec.of(to, im.exp(a, "scale_o", node))])
    return handle


def _bmm(im: _Importer, node) -> None:
    """linger 1.x ``BmmInt`` / linger 3.x ``QBmm`` and ``QMatmul``: two activations at ``scale_x`` and
    ``scale_y``; the output at ``scale_o`` with ``o_bits`` (default 8)."""
    a = im.attrs(node, {"scale_x", "scale_y", "scale_o", "o_bits", "x_bits", "y_bits", "data_bits"})
    x, y = im.inputs(node, 2, 2)
    im.expect(x, im.exp(a, "scale_x", node), node, "scale_x")
    im.expect(y, im.exp(a, "scale_y", node), node, "scale_y")
    to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
    im.add(node, "BmmInt", [x, y], {}, [TensorSpec.of(to, im.exp(a, "scale_o", node))])


def _reduce(op: str, axis_attr: str, extra: set[str]) -> Callable[[_Importer, Any], None]:
    """iqSum (``dims``) / iqVar (``dim``, ``unbiased``): linger 1.x ``scale_x, scale_o``, int8 output."""
    def handle(im: _Importer, node) -> None:
        a = im.attrs(node, {"scale_x", "scale_o", "o_bits", "data_bits", axis_attr} | extra)
        (x,) = im.inputs(node, 1, 1)
        im.expect(x, im.exp(a, "scale_x", node), node, "scale_x")
        to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
        attrs = {k: int(a[k]) for k in (axis_attr, *sorted(extra)) if k in a}
        im.add(node, op, [x], attrs, [TensorSpec.of(to, im.exp(a, "scale_o", node))])
    return handle


def _avgpool(im: _Importer, node) -> None:
    a = im.attrs(node, {"kernel_shape", "strides", "pads", "ceil_mode", "count_include_pad", "divisor_override",
                        "scale_x", "scale_o", "o_bits", "x_bits", "data_bits"})
    (x,) = im.inputs(node, 1, 1)
    im.expect(x, im.exp(a, "scale_x", node), node, "scale_x")
    to = im.bits(a, ("o_bits",), node)
    attrs = {k: a[k] for k in ("kernel_shape", "strides", "pads", "ceil_mode", "count_include_pad",
                               "divisor_override") if k in a}
    im.add(node, "AvgPool2dInt", [x], attrs, [TensorSpec.of(to, im.exp(a, "scale_o", node))])


def _passthrough(op: str, allowed: set[str]) -> Callable[[_Importer, Any], None]:
    """Standard ops on integers: same dtype and exponent as their first input."""
    def handle(im: _Importer, node) -> None:
        a = im.attrs(node, allowed)
        names = im.inputs(node, 1, 2 if op == "Reshape" else 1)
        if op == "Reshape":
            im.constant(names[1], None, node, "shape", ("int64",))
        s = im.spec(names[0], node)
        if not s.dtype.is_integer:
            raise errors.UnsupportedOp(f"node {node.name!r}: {node.op_type} on {s.dtype} data is not supported "
                                       f"(lunaref runs the integer graph between Quant and Dequant)")
        im.add(node, op, names, a, [s])
    return handle


def _int_data(im: _Importer, node, name: str) -> TensorSpec:
    s = im.spec(name, node)
    if not s.dtype.is_integer:
        raise errors.UnsupportedOp(f"node {node.name!r}: {node.op_type} on {s.dtype} data is not supported "
                                   f"(lunaref runs the integer graph between Quant and Dequant)")
    return s


def _const_ints(im: _Importer, node, name: str, what: str) -> list[int]:
    """A constant int64 input's values (opset-13 forms of Split/Squeeze/Unsqueeze attributes)."""
    im.constant(name, None, node, what, ("int64",))
    return [int(v) for v in im.constants[name].data.reshape(-1)]


def _gather(im: _Importer, node) -> None:
    """Standard Gather on integers, linger 1.x thinker::Gather and linger 3.x linger::Gather (embeddings:
    the table takes ``scale_w``, the output its exponent)."""
    a = im.attrs(node, {"axis", "scale_w", "scale_o", "w_bits", "parameter_bits", "o_bits"})
    x, idx = im.inputs(node, 2, 2)
    if "scale_w" in a:
        e = im.exp(a, "scale_w", node)
        if "scale_o" in a and im.exp(a, "scale_o", node) != e:
            raise errors.UnsupportedAttribute(f"node {node.name!r} (Gather): scale_o differs from scale_w "
                                              f"(a gather does not rescale)")
        if x in im.raw:
            im.constant(x, e, node, "table", ("int8", "int16", "int32"))
        else:
            im.expect(x, e, node, "scale_w")
    if idx in im.raw:
        im.constant(idx, None, node, "indices", ("int64", "int32"))
    elif im.spec(idx, node).dtype.name not in ("int64", "int32"):
        raise errors.MalformedOnnx(f"node {node.name!r} (Gather): indices {idx!r} are not int64/int32")
    s = _int_data(im, node, x)
    im.add(node, "Gather", [x, idx], {"axis": int(a.get("axis", 0))}, [s])


def _slice(im: _Importer, node) -> None:
    im.attrs(node, set())
    names = im.inputs(node, 3, 5)
    for n, what in zip(names[1:], ("starts", "ends", "axes", "steps")):
        if n:
            im.constant(n, None, node, what, ("int64",))
    s = _int_data(im, node, names[0])
    im.add(node, "Slice", [n for n in names if n], {}, [s])


def _split(im: _Importer, node) -> None:
    a = im.attrs(node, {"axis", "split", "num_outputs"})
    names = im.inputs(node, 1, 2)
    attrs = {"axis": int(a.get("axis", 0))}
    split = _const_ints(im, node, names[1], "split") if len(names) > 1 and names[1] else a.get("split")
    if split:
        attrs["split"] = [int(v) for v in split]
    s = _int_data(im, node, names[0])
    im.add(node, "Split", names[:1], attrs, [s] * len(node.output))


def _axes_op(op: str) -> Callable[[_Importer, Any], None]:
    """Squeeze/Unsqueeze: ``axes`` an attribute (opset < 13, linger::Squeeze) or a constant input."""
    def handle(im: _Importer, node) -> None:
        a = im.attrs(node, {"axes"})
        names = im.inputs(node, 1, 2)
        axes = _const_ints(im, node, names[1], "axes") if len(names) > 1 and names[1] else a.get("axes")
        attrs = {"axes": [int(v) for v in axes]} if axes else {}
        s = _int_data(im, node, names[0])
        im.add(node, op, names[:1], attrs, [s])
    return handle


def _shaped(op: str, what: str) -> Callable[[_Importer, Any], None]:
    """Tile/Expand: data and a constant int64 input."""
    def handle(im: _Importer, node) -> None:
        im.attrs(node, set())
        x, c = im.inputs(node, 2, 2)
        im.constant(c, None, node, what, ("int64",))
        im.add(node, op, [x, c], {}, [_int_data(im, node, x)])
    return handle


def _transpose(im: _Importer, node) -> None:
    a = im.attrs(node, {"perm"})
    (x,) = im.inputs(node, 1, 1)
    attrs = {"perm": [int(v) for v in a["perm"]]} if "perm" in a else {}
    im.add(node, "Transpose", [x], attrs, [_int_data(im, node, x)])


def _shape(im: _Importer, node) -> None:
    a = im.attrs(node, {"start", "end"})
    (x,) = im.inputs(node, 1, 1)
    _int_data(im, node, x)
    im.add(node, "Shape", [x], {k: int(a[k]) for k in ("start", "end") if k in a}, [TensorSpec.of("int64")])


def _constant(im: _Importer, node) -> None:
    for attr in node.attribute:
        if attr.name != "value":
            raise errors.UnsupportedAttribute(f"node {node.name!r} (Constant): attribute {attr.name!r}")
    if len(node.output) != 1 or not node.attribute:
        raise errors.MalformedOnnx(f"node {node.name!r} (Constant): needs one 'value' and one output")
    im.raw[node.output[0]] = im._array(node.attribute[0].t)




# --- ArgMax, ShuffleChannel, Resize (ops breadth I, select; spec/ops/argmax.md, shufflechannel.md, resize.md) --

def _argmax(im: _Importer, node) -> None:
    """Standard ArgMax on integers becomes thinker's ArgMax, as tpacker packs it: the output is thinker's
    int32 [values, indices] pair buffer at the input's exponent, not ONNX's int64 indices."""
    a = im.attrs(node, {"axis", "keepdims", "select_last_index"})
    (x,) = im.inputs(node, 1, 1)
    s = im.spec(x, node)
    if not s.dtype.is_integer:
        raise errors.UnsupportedOp(f"node {node.name!r}: ArgMax on {s.dtype} data is not supported "
                                   f"(thinker's ArgMax runs on the integer graph)")
    if int(a.get("select_last_index", 0)) != 0:
        raise errors.UnsupportedAttribute(f"node {node.name!r} (ArgMax): select_last_index 1 (LUNA takes the first)")
    im.add(node, "ArgMax", [x], {"axis": int(a.get("axis", 0))}, [TensorSpec.of("int32", s.exponent)])


def _shufflechannel(im: _Importer, node) -> None:
    a = im.attrs(node, {"groups", "axis", "scale_x", "scale_o", "data_bits", "o_bits"})
    (x,) = im.inputs(node, 1, 1)
    s = im.spec(x, node)
    for key in ("scale_x", "scale_o"):
        if key in a:
            im.expect(x, im.exp(a, key, node), node, key)
    attrs = {"groups": int(im.need(a, "groups", node)), "axis": int(a.get("axis", 1))}
    im.add(node, "ShuffleChannel", [x], attrs, [s])


def _optional_constant(im: _Importer, node, name: str, what: str, kind: str) -> str:
    """The constant input ``name``, or an empty one standing for an absent optional input (thinker's
    EmptyEntry), so that Resize's inputs keep their positions."""
    if not name:
        name = f"{node.name or node.output[0]}::{what}"
        arr = np.zeros(0, dtype=np.float32 if kind == "float32" else np.int64)
        im.raw[name] = arr
        im.constants[name] = Tensor.of(arr, kind, None, what=f"constant {name!r}")
        im.specs[name] = TensorSpec(get_dtype(kind), None)
        return name
    im.constant(name, None, node, what, (kind,))
    return name


def _resize(im: _Importer, node) -> None:
    """Standard Resize on float32 data (between a Dequant and a Quant): inputs X, roi, scales, sizes."""
    a = im.attrs(node, {"mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a",
                        "exclude_outside", "extrapolation_value", "antialias", "keep_aspect_ratio_policy"})
    names = im.inputs(node, 2, 4)
    if len(names) == 2:                       # opset 10: X, scales
        names = [names[0], "", names[1]]
    x = names[0]
    if im.spec(x, node).dtype.name != "float32":
        raise errors.UnsupportedOp(f"node {node.name!r}: Resize on {im.spec(x, node).dtype} data is not "
                                   f"supported (thinker's Resize is float32 only)")
    if int(a.get("exclude_outside", 0)) or int(a.get("antialias", 0)):
        raise errors.UnsupportedAttribute(f"node {node.name!r} (Resize): exclude_outside / antialias")
    if str(a.get("keep_aspect_ratio_policy", "stretch")) != "stretch":
        raise errors.UnsupportedAttribute(f"node {node.name!r} (Resize): keep_aspect_ratio_policy")
    ins = [x, _optional_constant(im, node, names[1], "roi", "float32"),
           _optional_constant(im, node, names[2] if len(names) > 2 else "", "scales", "float32")]
    if len(names) > 3 and names[3]:
        ins.append(_optional_constant(im, node, names[3], "sizes", "int64"))
    attrs = {k: a[k] for k in ("mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a") if k in a}
    im.add(node, "Resize", ins, attrs, [TensorSpec.of("float32")])




# --- Clip, Cast, iqPad / Pad, iqCat / QCat (ops breadth I; spec/ops/clip.md, cast.md, iqpad.md, iqcat.md) --

def _int_activation(im: _Importer, x: str, node) -> TensorSpec:
    s = im.spec(x, node)
    if not s.dtype.is_integer:
        raise errors.UnsupportedOp(f"node {node.name!r}: {node.op_type} on {s.dtype} data is not supported "
                                   f"(lunaref runs the integer graph between Quant and Dequant)")
    return s


def _clip_bound(im: _Importer, node, name: str, e: int):
    """A bound constant on X's integer grid: integer constants are grid values (linger 1.x ReLU6Int);
    float constants are real values (linger 3.x keeps ReLU6's 0.0 / 6.0), scaled by 2^e(X) and truncated."""
    if name not in im.raw:
        raise errors.UnsupportedAttribute(f"node {node.name!r} (Clip): bound {name!r} must be a constant")
    arr = im.raw[name]
    if arr.size != 1:
        raise errors.ShapeMismatch(f"node {node.name!r} (Clip): bound {name!r} has {arr.size} values")
    v = arr.reshape(-1)[0]
    if arr.dtype.kind in "iu":
        return int(v)
    f = float(v)
    if f != f:
        raise errors.NonFiniteInput(f"node {node.name!r} (Clip): bound {name!r} is NaN")
    if f in (float("inf"), float("-inf")):
        return None
    import math
    return math.trunc(f * 2.0 ** e)


def _clip(im: _Importer, node) -> None:
    a = im.attrs(node, {"min", "max"})
    x, *bounds = im.inputs(node, 1, 3)
    s = _int_activation(im, x, node)
    attrs = {}
    for key, name in zip(("min", "max"), bounds):
        if name:
            v = _clip_bound(im, node, name, s.exponent or 0)
            if v is not None:
                attrs[key] = v
    for key in ("min", "max"):           # opset < 11: float attributes, real values as above
        if key in a and key not in attrs:
            import math
            attrs[key] = math.trunc(float(a[key]) * 2.0 ** (s.exponent or 0))
    im.add(node, "Clip", [x], attrs, [s])


_CAST_TO = {1: "float32", 3: "int8", 5: "int16", 6: "int32", 7: "int64"}


def _cast(im: _Importer, node) -> None:
    a = im.attrs(node, {"to", "saturate"})
    (x,) = im.inputs(node, 1, 1)
    s = im.spec(x, node)
    to = _CAST_TO.get(int(im.need(a, "to", node)))
    if to is None:
        raise errors.UnsupportedAttribute(f"node {node.name!r} (Cast): to = {a['to']} (supported: "
                                          f"{', '.join(_CAST_TO.values())})")
    if to == s.dtype.name:
        raise errors.UnsupportedOp(f"node {node.name!r} (Cast): a cast to the input's own type {to}")
    exponent = None if to == "float32" else (s.exponent or 0) if s.dtype.is_integer else 0
    im.add(node, "Cast", [x], {"to": to}, [TensorSpec.of(to, exponent)])


_PAD_MODES = {"constant": 0, "reflect": 1, "edge": 2}


def _pad(im: _Importer, node) -> None:
    """linger 1.x ``thinker::iqPad(x, pads, value)`` and linger 3.x standard ``Pad(data, pads[, value])``."""
    a = im.attrs(node, {"mode", "pads", "value"})
    x, *rest = im.inputs(node, 1, 3)
    s = _int_activation(im, x, node)
    mode = a.get("mode", "constant")
    if mode not in _PAD_MODES:
        raise errors.UnsupportedAttribute(f"node {node.name!r} ({node.op_type}): mode {mode!r}")
    if rest and rest[0]:
        im.constant(rest[0], None, node, "pads", ("int64",))
        pads = rest[0]
    elif "pads" in a:                     # opset < 11: an attribute
        pads = f"{node.name or node.output[0]}::pads"
        arr = np.asarray(a["pads"], dtype=np.int64)
        im.raw[pads] = arr
        im.constants[pads] = Tensor.of(arr, "int64", None, what=f"constant {pads!r}")
        im.specs[pads] = TensorSpec(get_dtype("int64"), None)
    else:
        raise errors.UnsupportedAttribute(f"node {node.name!r} ({node.op_type}): no pads")
    value = rest[1] if len(rest) > 1 and rest[1] else None
    if value is not None:
        if value not in im.raw or np.any(im.raw[value] != 0):
            raise errors.UnsupportedAttribute(f"node {node.name!r} ({node.op_type}): a constant pad value other "
                                              f"than 0 (thinker pads with 0 only)")
    if float(a.get("value", 0.0)) != 0.0:
        raise errors.UnsupportedAttribute(f"node {node.name!r} ({node.op_type}): pad value {a['value']}")
    im.add(node, "iqPad", [x, pads], {"mode": _PAD_MODES[mode]}, [s])


def _cat(im: _Importer, node) -> None:
    """linger 1.x ``thinker::iqCat`` (scale_x_i, dim, scale_o), linger 3.x ``linger::QCat`` (axis,
    scale_x_i, x_i_bits, scale_o, o_bits), and standard ``Concat`` on integers (thinker's packer makes
    it an iqCat): no scales, so every input must have the same dtype and exponent, which Y keeps."""
    names = list(node.input)
    if not names:
        raise errors.MalformedOnnx(f"node {node.name!r} ({node.op_type}): no inputs")
    if node.domain in _STANDARD_DOMAINS:
        a = im.attrs(node, {"axis"})
        specs = {(im.spec(x, node).dtype.name, im.spec(x, node).exponent) for x in names}
        for x in names:
            _int_activation(im, x, node)
        if len(specs) != 1:
            raise errors.UnsupportedAttribute(f"node {node.name!r} (Concat): inputs at different dtypes or "
                                              f"exponents {sorted(specs, key=str)} (a QCat / iqCat rescales them)")
        im.add(node, "iqCat", names, {"axis": int(im.need(a, "axis", node))}, [im.spec(names[0], node)])
        return
    per = {f"scale_x_{i}" for i in range(len(names))} | {f"x_{i}_bits" for i in range(len(names))}
    a = im.attrs(node, per | {"axis", "dim", "scale_o", "o_bits", "data_bits"})
    for i, x in enumerate(names):
        _int_activation(im, x, node)
        im.expect(x, im.exp(a, f"scale_x_{i}", node), node, f"scale_x_{i}")
    t = im.spec(names[0], node).dtype.name
    to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32), default=int(t[3:]))
    axis = int(a["axis"] if "axis" in a else a.get("dim", 0))
    im.add(node, "iqCat", names, {"axis": axis}, [TensorSpec.of(to, im.exp(a, "scale_o", node))])



def _softmax(im: _Importer, node) -> None:
    """linger 1.x ``thinker::SoftmaxInt`` (``dim``, ``scale_x``, ``scale_o``, ``data_bits``, ``o_bits``) and
    linger 3.x ``linger::QSoftmax`` (``axis``, ``scale_x``, ``scale_o``, ``x_bits``, ``o_bits``): the axis is
    recorded as ``axis`` whichever name carried it."""
    a = im.attrs(node, {"axis", "dim", "scale_x", "scale_o", "data_bits", "x_bits", "o_bits"})
    (x,) = im.inputs(node, 1, 1)
    im.expect(x, im.exp(a, "scale_x", node), node, "scale_x")
    to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
    axis = int(a.get("axis", a.get("dim", -1)))
    im.add(node, "SoftmaxInt", [x], {"axis": axis}, [TensorSpec.of(to, im.exp(a, "scale_o", node))])


def _layernorm(im: _Importer, node) -> None:
    """linger 3.x ``linger::QLayerNorm`` (tpacker's name ``QLayerNorm2d`` too): ``scale_y_normal`` must be
    2^15 and the bias is at ``15 + e(w)``.  linger 1.x ``thinker::LayerNormInt``: the bias is at
    ``10 + e(w)`` (linger 1.1.1's Q10 intermediate) and is moved exactly to the spec's ``15 + e(w)``."""
    a = im.attrs(node, _MAC_ATTRS | {"scale_y_normal", "eps"})
    x, w, b = im.inputs(node, 3, 3)
    e_x = im.exp(a, "scale_x", node)
    im.expect(x, e_x, node, "scale_x")
    tx = im.bits(a, ("data_bits", "x_bits"), node)
    if im.spec(x, node).dtype.name != tx:
        raise errors.MalformedOnnx(f"node {node.name!r} ({node.op_type}): data bits say {tx} but input {x!r} "
                                   f"is {im.spec(x, node).dtype}")
    im.bits(a, ("parameter_bits", "w_bits"), node)
    e_w = im.exp(a, "scale_w", node)
    im.constant(w, e_w, node, "weight", ("int8",))
    if im.dialect == "linger3":
        e_n = im.exp(a, "scale_y_normal", node) if "scale_y_normal" in a else 15
        if e_n != 15:
            raise errors.UnsupportedAttribute(f"node {node.name!r}: scale_y_normal 2^{e_n} (LayerNormInt "
                                              "normalises to 2^15)")
        im.constant(b, 15 + e_w, node, "bias", ("int32",))
    elif b not in im.constants:
        im.constant(b, 10 + e_w, node, "bias", ("int32",))
        q10 = im.constants[b]
        moved = as_int(q10.data) * 32
        if moved.size and int(np.abs(moved).max()) >= 1 << 31:
            raise errors.UnsupportedAttribute(f"node {node.name!r}: bias {b!r} does not fit int32 at 2^(15+e(w))")
        im.constants[b] = Tensor.of(moved, "int32", 15 + e_w, what=f"constant {b!r}")
        im.specs[b] = TensorSpec(get_dtype("int32"), 15 + e_w)
    to = im.bits(a, ("o_bits",), node)
    im.add(node, "LayerNormInt", [x, w, b], {}, [TensorSpec.of(to, im.exp(a, "scale_o", node))])


_LSTM_ATTRS = {"batch_first", "go_forward", "has_cell", "has_hidden", "hidden_size", "input_size", "num_layers",
               "dropout", "o_bits", "scale_c", "scale_h", "scale_hw", "scale_iw", "scale_o", "scale_x", "scale_i",
               "w_bits", "x_bits", "data_bits", "parameter_bits"}


def _lstm(im: _Importer, node) -> None:
    """linger 3.x ``linger::QLSTM`` (inputs X, [H0, C0], W_ih, W_hh, [B_ih, B_hh]; ``scale_x``, ``scale_h``,
    ``scale_c``, ``scale_iw``, ``scale_hw``, ``scale_o``, ``x_bits``, ``w_bits``, ``o_bits``, ``batch_first``,
    ``go_forward``, ``has_hidden``, ``has_cell``, ``input_size``, ``hidden_size``, ``num_layers``) and linger 1.x
    ``thinker::LSTMInt`` / ``LSTMInt_Is8_Is64`` / ``LSTMInt_Is8_Is64_If32_If32`` (inputs X, [seq_len], [H0, C0],
    W_ih, W_hh, [B_ih, B_hh]; ``scale_i`` for the input, ``data_bits``, ``parameter_bits``, ``dropout``).  The
    inputs between X and W_ih (the first int8 initializer) are seq_len (one), H0 and C0 (two) or all three.  A
    float32 H0 / C0 (linger 1.x ``If32``) gets a Quant to int8 at e(h) / int32 at 15; absent biases are 0."""
    a = im.attrs(node, _LSTM_ATTRS)
    names = im.inputs(node, 3, 8)
    x = names[0]
    weights = [k for k, t in enumerate(names) if k > 0 and t in im.raw and im.raw[t].dtype == np.int8]
    if len(weights) != 2 or weights[1] != weights[0] + 1 or len(names) - weights[1] - 1 not in (0, 2):
        raise errors.MalformedOnnx(f"node {node.name!r} ({node.op_type}): expected X, [seq_len], [H0, C0], W_ih, "
                                   "W_hh, [B_ih, B_hh] with int8 weight initializers")
    middle = names[1:weights[0]]
    seq = middle[0] if len(middle) in (1, 3) else None
    state = middle[-2:] if len(middle) in (2, 3) else None
    w_ih, w_hh = names[weights[0]], names[weights[1]]
    biases = names[weights[1] + 1:]
    if int(a.get("num_layers", 1)) != 1:
        raise errors.UnsupportedAttribute(f"node {node.name!r}: num_layers {a['num_layers']} (LSTMInt is one layer)")
    if float(a.get("dropout", 0) or 0) != 0:
        raise errors.UnsupportedAttribute(f"node {node.name!r}: dropout {a['dropout']} (inference has none)")
    if im.dialect == "linger3" and bool(int(a.get("has_hidden", 0))) != (state is not None):
        raise errors.MalformedOnnx(f"node {node.name!r}: has_hidden = {a.get('has_hidden', 0)} but the inputs "
                                   f"{'do not ' if state is None else ''}hold H0 and C0")
    e_x = im.exp(a, "scale_x" if "scale_x" in a else "scale_i", node)
    im.expect(x, e_x, node, "scale_x")
    tx = im.bits(a, ("x_bits", "data_bits"), node)
    if im.spec(x, node).dtype.name != tx:
        raise errors.MalformedOnnx(f"node {node.name!r} ({node.op_type}): data bits say {tx} but input {x!r} "
                                   f"is {im.spec(x, node).dtype}")
    im.bits(a, ("w_bits", "parameter_bits"), node)
    to = im.bits(a, ("o_bits",), node)
    if "scale_o" not in a:
        raise errors.UnsupportedAttribute(f"node {node.name!r}: no scale_o / o_bits (a float LSTM output is not "
                                          "an integer op)")
    e_h, e_iw, e_hw = im.exp(a, "scale_h", node), im.exp(a, "scale_iw", node), im.exp(a, "scale_hw", node)
    if "scale_c" in a and im.exp(a, "scale_c", node) != 15:
        raise errors.UnsupportedAttribute(f"node {node.name!r}: scale_c 2^{im.exp(a, 'scale_c', node)} (the cell "
                                          "state is Q15)")
    im.constant(w_ih, e_iw, node, "weight", ("int8",))
    im.constant(w_hh, e_hw, node, "weight", ("int8",))
    hidden = int(im.raw[w_hh].shape[-1]) if im.raw[w_hh].ndim == 2 else 0
    if not biases:   # nn.LSTM(bias=False): zero biases, as the executor needs them
        biases = [f"{node.name or node.output[0]}::{k}_zero_bias" for k in ("ih", "hh")]
        for b in biases:
            im.raw[b] = np.zeros(4 * hidden, dtype=np.int32)
    im.constant(biases[0], e_x + e_iw, node, "bias", ("int32",))
    im.constant(biases[1], e_h + e_hw, node, "bias", ("int32",))
    inputs = [x]
    if seq is not None:
        kind = im.spec(seq, node).dtype.name if seq in im.specs else None
        if seq in im.raw:
            im.constant(seq, None, node, "seq_len", ("int32", "int64"))
            kind = im.constants[seq].dtype.name
        if kind not in ("int32", "int64"):
            raise errors.MalformedOnnx(f"node {node.name!r}: seq_len {seq!r} must be int32 or int64")
        inputs.append(seq)
    if state is not None:
        for name, e, bits in ((state[0], e_h, "int8"), (state[1], 15, "int32")):
            have = im.spec(name, node)
            if have.dtype.name == "float32":      # linger 1.x If32: quantize it, as the spec's state is integer
                q = f"{name}::quant_{bits}"
                if q not in im.specs:
                    spec = TensorSpec.of(bits, e)
                    im.specs[q] = spec
                    im.nodes.append(Node(q, "Quant", (name,), (q,), {"data_bits": int(bits[3:])}, (spec,),
                                         f"{node.domain}::{node.op_type} initial state", {}))
                name = q
            elif (have.dtype.name, have.exponent) != (bits, e):
                raise errors.MalformedOnnx(f"node {node.name!r}: initial state {name!r} must be {bits} at exponent "
                                           f"{e} (got {have.dtype} at {have.exponent})")
            inputs.append(name)
    inputs += [w_ih, w_hh, *biases]
    attrs = {"direction": 0 if int(a.get("go_forward", 1)) else 1, "layout": int(a.get("batch_first", 0)),
             "hidden_size": hidden, "input_size": int(im.raw[w_ih].shape[-1])}
    im.add(node, "LSTMInt", inputs, attrs,
           [TensorSpec.of(to, im.exp(a, "scale_o", node)), TensorSpec.of("int8", e_h), TensorSpec.of("int32", 15)])


def _piecewise(op: str) -> Callable[[_Importer, Any], None]:
    """linger 3.x ``linger::QGelu`` / ``linger::QSwish`` (``x_bits``, ``scale_x``, ``o_bits``, ``scale_o``;
    ``platform``, ``quant_mode`` informational): GeluInt / SiluInt (ops/geluint.md, ops/siluint.md)."""
    def handle(im: _Importer, node) -> None:
        a = im.attrs(node, {"scale_x", "scale_o", "x_bits", "o_bits"})
        (x,) = im.inputs(node, 1, 1)
        im.expect(x, im.exp(a, "scale_x", node), node, "scale_x")
        if "x_bits" in a:
            tx = im.bits(a, ("x_bits",), node, allowed=(8, 16, 32))
            if im.spec(x, node).dtype.name != tx:
                raise errors.MalformedOnnx(f"node {node.name!r} ({node.op_type}): x_bits say {tx} but input "
                                           f"{x!r} is {im.spec(x, node).dtype}")
        to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
        im.add(node, op, [x], {}, [TensorSpec.of(to, im.exp(a, "scale_o", node))])
    return handle


def _int_unary(im: _Importer, node, extra: set[str] = frozenset()) -> tuple[dict, str, TensorSpec]:
    """One integer input at ``scale_x`` whose ``x_bits`` / ``data_bits`` (when given) must be its width, one output
    of ``o_bits`` at ``scale_o``: the node's attributes, its input and the output's spec."""
    a = im.attrs(node, {"scale_x", "scale_o", "x_bits", "o_bits", "data_bits"} | set(extra))
    (x,) = im.inputs(node, 1, 1)
    im.expect(x, im.exp(a, "scale_x", node), node, "scale_x")
    _int_activation(im, x, node)
    for k in ("x_bits", "data_bits"):
        if k in a and im.spec(x, node).dtype.name != im.bits(a, (k,), node, allowed=(8, 16, 32)):
            raise errors.MalformedOnnx(f"node {node.name!r} ({node.op_type}): {k} = {a[k]} but input {x!r} is "
                                       f"{im.spec(x, node).dtype}")
    to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
    return a, x, TensorSpec.of(to, im.exp(a, "scale_o", node))


def _activation(op: str) -> Callable[[_Importer, Any], None]:
    """linger 1.x ``thinker::iqSigmoid`` / ``iqTanh`` (``scale_x``, ``scale_o`` = 128; ``platform_quant``,
    ``castor_mode`` informational; int8 result) and linger 3.x ``linger::QSigmoid`` / ``QTanh`` (``x_bits``,
    ``scale_x``, ``o_bits``, ``scale_o`` — 2^(o_bits−1) on arcs and venusA, learned on venus): iqSigmoid / iqTanh
    (ops/iqsigmoid.md, ops/iqtanh.md)."""
    def handle(im: _Importer, node) -> None:
        _, x, y = _int_unary(im, node)
        im.add(node, op, [x], {}, [y])
    return handle


def _glu(im: _Importer, node) -> None:
    """linger 3.x ``linger::QGLU`` (``dim``, ``x_bits``, ``scale_x``, ``o_bits``, ``scale_o``; ``platform``,
    ``quant_mode`` informational) and thinker's own ``GluInt`` (``dim``, ``scale_x``, ``scale_o``, ``o_bits``, as
    tpacker reads it): GluInt with the split axis recorded as ``axis`` (ops/gluint.md)."""
    a, x, y = _int_unary(im, node, {"dim"})
    im.add(node, "GluInt", [x], {"axis": int(a.get("dim", -1))}, [y])


def _gru(im: _Importer, node) -> None:
    """linger 1.x ``thinker::GRUInt`` / ``GRUInt_Is8_Is64`` (+ int64 lengths) / ``GRUInt_Is8_Is64_If32`` (+ lengths and
    an initial hidden state) and linger 3.x ``linger::QGRU`` (optional initial hidden state, ``has_hidden``):
    inputs ``X, [L], [H0], W_ih, W_hh, [B_ih, B_hh]`` kept in that order (ops/gruint.md).  Exponents: X at
    ``scale_x`` (1.x ``scale_i``), W_ih at ``scale_iw``, W_hh at ``scale_hw``, B_ih at ``e(X) + e(W_ih)``, B_hh at
    ``e_h + e(W_hh)``; outputs Y at ``scale_o`` (``o_bits``) and the last hidden state at ``scale_h`` (int8).
    ``num_layers`` must be 1, ``dropout`` 0; ``scale_c`` (a dummy cell scale some exports carry) is ignored."""
    a = im.attrs(node, {"scale_x", "scale_i", "scale_h", "scale_iw", "scale_hw", "scale_o", "scale_c", "o_bits",
                        "x_bits", "w_bits", "data_bits", "parameter_bits", "batch_first", "go_forward", "has_hidden",
                        "hidden_size", "input_size", "num_layers", "dropout", "outputs"})
    names = im.inputs(node, 3, 7)
    if int(a.get("num_layers", 1)) != 1 or float(a.get("dropout", 0) or 0) != 0:
        raise errors.UnsupportedAttribute(f"node {node.name!r} ({node.op_type}): num_layers must be 1 and dropout 0")
    if "o_bits" not in a and im.dialect == "linger1":
        raise errors.UnsupportedAttribute(f"node {node.name!r} ({node.op_type}): no o_bits — linger 1.x then "
                                          "returns a float hidden sequence, which no integer op computes")
    e_x = im.exp(a, "scale_x" if "scale_x" in a else "scale_i", node)
    x, rest = names[0], list(names[1:])
    im.expect(x, e_x, node, "scale_x")
    for k in ("x_bits", "data_bits"):
        if k in a and int(a[k]) != 8:
            raise errors.UnsupportedAttribute(f"node {node.name!r} ({node.op_type}): {k} = {a[k]} (GRUInt is 8-bit)")
    im.bits(a, ("w_bits", "parameter_bits"), node)
    e_h, e_iw, e_hw = im.exp(a, "scale_h", node), im.exp(a, "scale_iw", node), im.exp(a, "scale_hw", node)
    inputs = [x]
    if node.op_type in ("GRUInt_Is8_Is64", "GRUInt_Is8_Is64_If32"):
        lengths = rest.pop(0)
        if lengths in im.raw:
            im.constant(lengths, None, node, "sequence lengths", ("int64", "int32"))
        elif im.spec(lengths, node).dtype.name not in ("int64", "int32"):
            raise errors.MalformedOnnx(f"node {node.name!r}: sequence lengths {lengths!r} must be int64")
        inputs.append(lengths)
    with_h0 = node.op_type == "GRUInt_Is8_Is64_If32" or bool(int(a.get("has_hidden", 0)))
    if with_h0:
        h0 = rest.pop(0)
        s = im.spec(h0, node)
        if s.dtype.name != "int8":
            raise errors.UnsupportedAttribute(f"node {node.name!r} ({node.op_type}): the initial hidden state "
                                              f"{h0!r} is {s.dtype}; GRUInt takes it as int8 at scale_h")
        im.expect(h0, e_h, node, "scale_h")
        inputs.append(h0)
    if len(rest) not in (2, 4):
        raise errors.MalformedOnnx(f"node {node.name!r} ({node.op_type}): expected W_ih, W_hh and optionally "
                                   f"B_ih, B_hh after X{', L' if len(inputs) > 1 else ''}")
    im.constant(rest[0], e_iw, node, "W_ih", ("int8",))
    im.constant(rest[1], e_hw, node, "W_hh", ("int8",))
    if len(rest) == 4:
        im.constant(rest[2], e_x + e_iw, node, "B_ih", ("int32",))
        im.constant(rest[3], e_h + e_hw, node, "B_hh", ("int32",))
    inputs += rest
    go_forward = int(a.get("go_forward", 1))
    if go_forward not in (0, 1):
        raise errors.UnsupportedAttribute(f"node {node.name!r} ({node.op_type}): go_forward = {go_forward} "
                                          "(1 forward, 0 reverse)")
    attrs = {"layout": int(a.get("batch_first", 0)), "direction": 1 - go_forward}
    for k in ("hidden_size", "input_size"):
        if k in a:
            attrs[k] = int(a[k])
    to = im.bits(a, ("o_bits",), node)
    im.add(node, "GRUInt", inputs, attrs,
           [TensorSpec.of(to, im.exp(a, "scale_o", node)), TensorSpec.of("int8", e_h)])


# ----------------------------------------------------------------------------------------------
# the tables: which handler imports a registry op, and in which ONNX domain its node types live
# ----------------------------------------------------------------------------------------------

#: Handlers by registry op name; which ONNX op types reach them is the registry's alias table.
HANDLERS: dict[str, Callable[[_Importer, Any], None]] = {
    "Quant": _quant, "Dequant": _dequant, "Requant": _requant,
    "Conv2dInt": _conv, "LinearInt": _linear, "BatchNorm2dInt": _batchnorm("BatchNorm2dInt"),
    "BatchNorm1dInt": _batchnorm("BatchNorm1dInt"),
    "Conv1dInt": _conv1d, "ConvTranspose2dInt": _convtranspose,   # ops breadth II
    "iqAdd": _add, "AvgPool2dInt": _avgpool,
    "iqSub": _binary("iqSub", "subtrahend"), "iqMul": _binary("iqMul", "multiplier"),
    "iqDiv": _binary("iqDiv", "divisor"), "iqSum": _reduce("iqSum", "dims", set()),
    "iqVar": _reduce("iqVar", "dim", {"unbiased"}), "iqCat": _cat, "iqPad": _pad,
    "Relu": _passthrough("Relu", set()), "Clip": _clip, "Cast": _cast,
    "MaxPool": _passthrough("MaxPool", {"kernel_shape", "strides", "pads", "ceil_mode", "dilations"}),
    "Flatten": _passthrough("Flatten", {"axis"}),
    "Reshape": _passthrough("Reshape", set()),
    "Gather": _gather, "Slice": _slice, "Split": _split, "Transpose": _transpose,
    "Tile": _shaped("Tile", "repeats"), "Expand": _shaped("Expand", "shape"),
    "Squeeze": _axes_op("Squeeze"), "Unsqueeze": _axes_op("Unsqueeze"), "Shape": _shape,
    "ArgMax": _argmax, "ShuffleChannel": _shufflechannel, "Resize": _resize,
    "BmmInt": _bmm,
    "SoftmaxInt": _softmax,   # nonlinear (issue 10)
    "LayerNormInt": _layernorm,   # nonlinear (issue 10)
    "LSTMInt": _lstm,   # recurrent cells (issue 11)
    "GeluInt": _piecewise("GeluInt"), "SiluInt": _piecewise("SiluInt"),   # nonlinear (issue 10)
    "GRUInt": _gru,   # recurrent cells (issue 11)
    "iqSigmoid": _activation("iqSigmoid"), "iqTanh": _activation("iqTanh"),   # nonlinear (issue 10)
    "GluInt": _glu,   # nonlinear (issue 10): GLU
}

#: Ops that appear as standard ONNX ops (default domain) in both dialects.
STANDARD_OPS = frozenset({"Relu", "MaxPool", "Flatten", "Reshape", "Clip", "Cast",
                          "Slice", "Split", "Transpose", "Tile", "Expand", "Unsqueeze", "Shape",
                          "ArgMax", "Resize"})

#: Ops that appear both as standard ONNX ops and in the dialect's custom domain: linger 1.x
#: ``thinker::Gather`` / linger 3.x ``linger::Gather`` embeddings, ``linger::Squeeze``,
#: ``thinker::iqPad`` / standard ``Pad``, ``thinker::iqCat`` / ``linger::QCat`` / standard ``Concat``.
EITHER_DOMAIN_OPS = frozenset({"Gather", "Squeeze", "iqPad", "iqCat"})


def load_onnx(model: Any) -> Graph:
    """Import an ONNX model (path, bytes or ``onnx.ModelProto``) exported by linger 1.x or 3.x."""
    return _Importer(_load_proto(model)).run()
