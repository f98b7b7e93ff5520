"""Layer 3: a model as lunaref runs it — a list of registry ops over named tensors (spec/formats/onnx.md).

A :class:`Graph` is dialect-free: every node names a registry op by its executor name, carries
normalised attributes and the dtype and exponent of each output (which in thinker come from the
model, not from the op).  Shapes are *not* stored: each op computes its output shape from its
inputs at run time, so a graph runs on whatever input shapes its ops accept.
:func:`evaluate` runs the nodes in order and can return every intermediate tensor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from . import errors
from .numerics import DType
from .ops import REGISTRY
from .ops.registry import check_compat
from .platforms import Profile, profile as get_profile
from .tensor import Tensor, TensorSpec

__all__ = ["ValueInfo", "Node", "Graph", "evaluate"]


@dataclass(frozen=True)
class ValueInfo:
    """A graph input or output: name, dtype, exponent and (for inputs) the declared shape.

    ``shape`` entries are ints, or ``None`` for a dimension the model leaves symbolic.
    """

    name: str
    dtype: DType
    exponent: int | None
    shape: tuple[int | None, ...] | None = None

    @property
    def static_shape(self) -> tuple[int, ...] | None:
        if self.shape is None or any(d is None for d in self.shape):
            return None
        return tuple(int(d) for d in self.shape)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Node:
    """One op application.  ``inputs`` may contain ``""`` for an absent optional input."""

    name: str
    op: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attrs: Mapping[str, Any]
    out_specs: tuple[TensorSpec, ...]
    source: str = ""  # where it came from, for messages: e.g. "linger::QConv2d"
    #: Informational attributes of the source node that do not change the arithmetic but are recorded
    #: in a resource (``quant_mode``, ``platform_quant``: the rounding selector thinker writes and ignores).
    info: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Graph:
    inputs: tuple[ValueInfo, ...]
    outputs: tuple[ValueInfo, ...]
    constants: Mapping[str, Tensor]
    nodes: tuple[Node, ...]
    platform: str | None = None          # named by the model itself, if it does
    dialect: str | None = None
    specs: Mapping[str, TensorSpec] = field(default_factory=dict)  # dtype/exponent of every value

    def resolve_platform(self, requested: str | Profile | None) -> Profile:
        """The platform to run on: the model's and the requested one must agree; one must exist."""
        req = get_profile(requested) if requested is not None else None
        own = get_profile(self.platform) if self.platform is not None else None
        if req is not None and own is not None and req.name != own.name:
            raise errors.PlatformConflict(f"the model is for {own.name} but {req.name} was requested")
        if req is None and own is None:
            raise errors.PlatformMissing("the model names no platform; give one (-p venus|venusA|arcs)")
        return req or own  # type: ignore[return-value]


def _feed(info: ValueInfo, value: Any) -> Tensor:
    if isinstance(value, Tensor):
        if value.dtype != info.dtype or value.exponent != info.exponent:
            raise errors.InputDTypeMismatch(
                f"input {info.name!r}: expected {info.dtype} at exponent {info.exponent}, "
                f"got {value.dtype} at exponent {value.exponent}")
        arr = value.data
    else:
        arr = np.asarray(value)
        if arr.dtype != info.dtype.storage:
            raise errors.InputDTypeMismatch(f"input {info.name!r}: expected {info.dtype} data, got {arr.dtype}")
    if info.shape is not None:
        ok = len(arr.shape) == len(info.shape) and all(d is None or d == n for d, n in zip(info.shape, arr.shape))
        if not ok:
            want = ["?" if d is None else d for d in info.shape]
            raise errors.InputSizeMismatch(f"input {info.name!r}: expected shape {want}, got {list(arr.shape)}")
    return Tensor.of(arr, info.dtype, info.exponent, what=f"input {info.name!r}")


def evaluate(graph: Graph, inputs: Sequence[Any] | Mapping[str, Any], platform: str | Profile | None = None,
             compat: str | None = None) -> dict[str, Tensor]:
    """Run ``graph``; returns every tensor it computed (inputs and node outputs), in the order produced.

    ``inputs`` are numpy arrays or :class:`Tensor` values, in graph-input order or by name.  ``compat``
    names a compatibility mode (spec/errata.md): ops then compute as that executor does.
    """
    check_compat(compat)
    prof = graph.resolve_platform(platform)
    if isinstance(inputs, Mapping):
        unknown = set(inputs) - {i.name for i in graph.inputs}
        if unknown:
            raise errors.BadArgument(f"unknown input names {sorted(unknown)}")
        missing = [i.name for i in graph.inputs if i.name not in inputs]
        if missing:
            raise errors.BadArgument(f"missing inputs {missing}")
        given = [inputs[i.name] for i in graph.inputs]
    else:
        given = list(inputs)
        if len(given) != len(graph.inputs):
            raise errors.BadArgument(f"the model has {len(graph.inputs)} inputs, {len(given)} given")
    values: dict[str, Tensor] = {}
    for info, value in zip(graph.inputs, given):
        values[info.name] = _feed(info, value)
    for node in graph.nodes:
        op = REGISTRY.get(node.op)
        try:
            args = [values[n] if n in values else graph.constants[n] for n in node.inputs if n]
            results = op.run(args, node.out_specs, node.attrs, prof, compat)
        except errors.LunarefError as exc:
            raise type(exc)(f"node {node.name!r} ({node.source or node.op}): {exc}") from exc
        for name, tensor in zip(node.outputs, results):
            values[name] = tensor
    return values
