"""lunaref: the reference implementation of LUNA integer arithmetic (LISTENAI thinker / linger).

Layers (spec/README.md): :mod:`lunaref.numerics` (integer types, rounding, quantization),
:mod:`lunaref.luna` (LUNA primitives), :mod:`lunaref.ops` (thinker ops and the registry).
"""

import os

# One BLAS thread unless the environment says otherwise (README "Benchmarks"). lunaref's exact products are
# many small GEMMs: on an idle 2-core machine a second OpenBLAS thread gains under 10 %, but while another
# process holds a core every GEMM waits for the scheduler to run that thread — resnet18 took 240 ms per
# inference instead of 16 ms. Results never depend on it (the BLAS paths are exact in any summation order).
# OpenBLAS reads this when numpy is first imported, so it applies only if lunaref is imported before numpy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

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


def run_onnx(model, inputs, platform=None, *, intermediates: bool = False, compat: str | None = None):
    """Run a linger-exported ONNX model (path, bytes or ``onnx.ModelProto``) as the chip would.

    ``model`` may also be a :class:`~lunaref.graph.Graph` from :func:`load_onnx`.
    ``inputs``: numpy arrays (or :class:`Tensor`) in graph-input order, or a dict by input name;
    their dtypes and shapes must be the model's.  ``platform``: ``"venus"``, ``"venusA"`` or
    ``"arcs"`` — required unless the model names one, and must agree with it if both do.

    Returns the outputs as numpy arrays in graph-output order.  With ``intermediates=True`` returns
    ``(outputs, tensors)`` where ``tensors`` maps every tensor name the run produced (graph inputs
    and every node output, in execution order) to a :class:`Tensor` (data, dtype, exponent).
    ``compat="thinker-3.0.4"`` computes as thinker 3.0.4's executor does, its deterministic deviations
    from the spec included (spec/errata.md).
    """
    from .graph import evaluate
    from .onnx_import import load_onnx

    graph = model if hasattr(model, "nodes") else load_onnx(model)
    tensors = evaluate(graph, inputs, platform, compat)
    outputs = [tensors[o.name].data for o in graph.outputs]
    return (outputs, tensors) if intermediates else outputs


def run_resource(model, inputs, platform=None, *, intermediates: bool = False, quantize_inputs: bool = False,
                 dequantize_outputs: bool = False, accept_zero_crc: bool = False, compat: str | None = None):
    """Run a thinker resource (model.bin: path, bytes or :class:`lunaref.resource.Resource`) as thinker's
    executor does (spec/formats/executor.md) — the counterpart of :func:`run_onnx`.

    ``inputs``: numpy arrays in the resource's input order, or a dict by input name, of the inputs'
    dtypes and shapes. ``platform`` must agree with the resource's header if given.
    ``quantize_inputs``: a float32 array given for an integer input is quantized with that input's
    exponent (numerics.md §5.1). ``dequantize_outputs``: integer outputs come back as float32.
    Returns the outputs (numpy arrays); with ``intermediates=True``, ``(outputs, tensors)`` where
    ``tensors`` maps each input and operator output name to a :class:`Tensor`. ``compat``: as for
    :func:`run_onnx`.
    """
    from .resource.executor import run_resource as _run

    return _run(model, inputs, platform, intermediates=intermediates, quantize_inputs=quantize_inputs,
                dequantize_outputs=dequantize_outputs, accept_zero_crc=accept_zero_crc, compat=compat)


__all__ += ["load_onnx", "run_onnx", "run_resource"]
