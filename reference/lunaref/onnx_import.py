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
from .numerics import dtype as get_dtype, exponent_of_scale
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
            if (node.domain in _STANDARD_DOMAINS) != (op.name in STANDARD_OPS):
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
    im.add(node, "Requant", [x], {}, [TensorSpec.of(to, im.exp(a, "scale_o", node))])


_CONV_ATTRS = {"dilations", "group", "kernel_shape", "pads", "strides"}
_MAC_ATTRS = {"scale_x", "scale_w", "scale_o", "o_bits", "data_bits", "parameter_bits", "x_bits", "w_bits"}


def _weights(im: _Importer, node, a, x: str, w: str, b: str | None) -> int:
    e_x = im.exp(a, "scale_x", node)
    im.expect(x, e_x, node, "scale_x")
    im.bits(a, ("data_bits", "x_bits"), node)
    im.bits(a, ("parameter_bits", "w_bits"), node)
    e_w = im.exp(a, "scale_w", node)
    im.constant(w, e_w, node, "weight", ("int8",))
    if b:
        im.constant(b, e_x + e_w, node, "bias", ("int32",))
    return e_x + e_w


def _conv(im: _Importer, node) -> None:
    a = im.attrs(node, _CONV_ATTRS | _MAC_ATTRS)
    x, w, *rest = im.inputs(node, 2, 3)
    b = rest[0] if rest and rest[0] else None
    _weights(im, node, a, x, w, b)
    kernel = tuple(im.need(a, "kernel_shape", node))
    if len(kernel) != 2:
        raise errors.UnsupportedAttribute(f"node {node.name!r}: kernel_shape {list(kernel)} is not 2-D")
    attrs = {"kernel_shape": kernel, "strides": tuple(a.get("strides", (1, 1))),
             "pads": tuple(a.get("pads", (0, 0, 0, 0))), "dilations": tuple(a.get("dilations", (1, 1))),
             "group": int(a.get("group", 1)), "act": "none"}
    to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
    im.add(node, "Conv2dInt", [x, w] + ([b] if b else []), attrs, [TensorSpec.of(to, im.exp(a, "scale_o", node))])


def _linear(im: _Importer, node) -> None:
    a = im.attrs(node, _MAC_ATTRS)
    x, w, *rest = im.inputs(node, 2, 3)
    b = rest[0] if rest and rest[0] else None
    _weights(im, node, a, x, w, b)
    to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
    im.add(node, "LinearInt", [x, w] + ([b] if b else []), {}, [TensorSpec.of(to, im.exp(a, "scale_o", node))])


def _batchnorm(im: _Importer, node) -> None:
    a = im.attrs(node, _MAC_ATTRS)
    # linger 1.x appends running_mean and running_var (float, unused by the integer op)
    x, w, b, *_stats = im.inputs(node, 3, 5)
    _weights(im, node, a, x, w, b)
    to = im.bits(a, ("o_bits",), node)
    im.add(node, "BatchNorm2dInt", [x, w, b], {}, [TensorSpec.of(to, im.exp(a, "scale_o", node))])


def _add(im: _Importer, node) -> None:
    a = im.attrs(node, {"scale_x", "scale_y", "scale_o", "o_bits", "x_bits", "y_bits", "data_bits"})
    x, y = im.inputs(node, 2, 2)
    im.expect(x, im.exp(a, "scale_x", node), node, "scale_x")
    im.expect(y, im.exp(a, "scale_y", node), node, "scale_y")
    to = im.bits(a, ("o_bits",), node, allowed=(8, 16, 32))
    im.add(node, "iqAdd", [x, y], {}, [TensorSpec.of(to, im.exp(a, "scale_o", node))])


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


def _constant(im: _Importer, node) -> None:
    for attr in node.attribute:
        if attr.name != "value":
            raise errors.UnsupportedAttribute(f"node {node.name!r} (Constant): attribute {attr.name!r}")
    if len(node.output) != 1 or not node.attribute:
        raise errors.MalformedOnnx(f"node {node.name!r} (Constant): needs one 'value' and one output")
    im.raw[node.output[0]] = im._array(node.attribute[0].t)


#: Handlers by registry op name; which ONNX op types reach them is the registry's alias table.
HANDLERS: dict[str, Callable[[_Importer, Any], None]] = {
    "Quant": _quant, "Dequant": _dequant, "Requant": _requant,
    "Conv2dInt": _conv, "LinearInt": _linear, "BatchNorm2dInt": _batchnorm,
    "iqAdd": _add, "AvgPool2dInt": _avgpool,
    "Relu": _passthrough("Relu", set()),
    "MaxPool": _passthrough("MaxPool", {"kernel_shape", "strides", "pads", "ceil_mode", "dilations"}),
    "Flatten": _passthrough("Flatten", {"axis"}),
    "Reshape": _passthrough("Reshape", set()),
}

#: Ops that appear as standard ONNX ops (default domain) in both dialects.
STANDARD_OPS = frozenset({"Relu", "MaxPool", "Flatten", "Reshape"})


def load_onnx(model: Any) -> Graph:
    """Import an ONNX model (path, bytes or ``onnx.ModelProto``) exported by linger 1.x or 3.x."""
    return _Importer(_load_proto(model)).run()
