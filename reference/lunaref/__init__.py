"""lunaref: the reference implementation of LUNA integer arithmetic (LISTENAI thinker / linger).

Layers (spec/README.md): :mod:`lunaref.numerics` (integer types, rounding, quantization),
:mod:`lunaref.luna` (LUNA primitives), :mod:`lunaref.ops` (thinker ops and the registry).
"""

from ._version import SPEC_VERSION, __version__
from .errors import LunarefError
from .platforms import PLATFORM_NAMES, profile
from .tensor import Tensor, TensorSpec

__all__ = ["__version__", "SPEC_VERSION", "LunarefError", "PLATFORM_NAMES", "profile", "Tensor", "TensorSpec"]


def load_onnx(model):
    """Import a linger-exported ONNX model (path, bytes or ``onnx.ModelProto``) as a :class:`~lunaref.graph.Graph`
    (spec/formats/onnx.md); pass it to :func:`run_onnx` to run it without importing it again."""
    from .onnx_import import load_onnx as _load

    return _load(model)


def run_onnx(model, inputs, platform=None, *, intermediates: bool = False):
    """Run a linger-exported ONNX model (path, bytes or ``onnx.ModelProto``) as the chip would.

    ``model`` may also be a :class:`~lunaref.graph.Graph` from :func:`load_onnx`.
    ``inputs``: numpy arrays (or :class:`Tensor`) in graph-input order, or a dict by input name;
    their dtypes and shapes must be the model's.  ``platform``: ``"venus"``, ``"venusA"`` or
    ``"arcs"`` — required unless the model names one, and must agree with it if both do.

    Returns the outputs as numpy arrays in graph-output order.  With ``intermediates=True`` returns
    ``(outputs, tensors)`` where ``tensors`` maps every tensor name the run produced (graph inputs
    and every node output, in execution order) to a :class:`Tensor` (data, dtype, exponent).
    """
    from .graph import evaluate
    from .onnx_import import load_onnx

    graph = model if hasattr(model, "nodes") else load_onnx(model)
    tensors = evaluate(graph, inputs, platform)
    outputs = [tensors[o.name].data for o in graph.outputs]
    return (outputs, tensors) if intermediates else outputs


__all__ += ["load_onnx", "run_onnx"]
