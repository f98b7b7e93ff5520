"""Layer 2: thinker's ops, composed from LUNA primitives and the numerics helpers.

One module per op; each defines ``OP``, its registry row.  :data:`REGISTRY` holds them all.
"""

from __future__ import annotations

from . import cast, clip, iqcat, prelu, relux  # ops breadth I
from . import (avgpool2dint, batchnorm2dint, conv2dint, dequant, flatten, iqadd, iqpad, linearint, maxpool,
               quant, relu, requant, reshape)
from . import expand, gather, shape, slice, split, squeeze, tile, transpose, unsqueeze  # movement
from . import iqdiv, iqmul, iqsub, iqsum, iqvar  # ops breadth I (arithmetic)
from . import argmax, resize, shufflechannel, topn, topn2  # ops breadth I (select)
from . import bmmint  # ops breadth II (matrix products)
from . import conv1dint, convtranspose2dint  # ops breadth II (convolutions)
from . import batchnorm1dint  # ops breadth II (linger's 1-d batch normalisation)
from . import softmaxint  # nonlinear (issue 10)
from . import layernormint  # nonlinear (issue 10): layer norm
from . import geluint, siluint  # nonlinear (issue 10): GELU, SiLU (venusA, ONNX-level)
from . import iqsigmoid, iqtanh  # nonlinear (issue 10): sigmoid, tanh
from . import gluint  # nonlinear (issue 10): GLU
from . import lstmint  # recurrent cells (issue 11)
from . import gruint  # recurrent cells (issue 11)
from .registry import DIALECTS, Case, Coverpoint, OpDef, Registry, Signature, check_spec

__all__ = ["REGISTRY", "DIALECTS", "Case", "Coverpoint", "OpDef", "Registry", "Signature", "check_spec"]

REGISTRY = Registry()
for _module in (quant, dequant, requant, conv2dint, linearint, batchnorm2dint, iqadd, relu, maxpool,
                avgpool2dint, reshape, flatten, iqpad):
    REGISTRY.register(_module.OP)
for _module in (argmax, topn, topn2, shufflechannel, resize):  # ops breadth I (select)
    REGISTRY.register(_module.OP)
for _module in (clip, prelu, relux, cast, iqcat):  # ops breadth I
    REGISTRY.register(_module.OP)
for _module in (gather, slice, split, transpose, tile, expand, squeeze, unsqueeze, shape):  # movement
    REGISTRY.register(_module.OP)
for _module in (iqsub, iqmul, iqdiv, iqsum, iqvar):  # ops breadth I (arithmetic)
    REGISTRY.register(_module.OP)
REGISTRY.register(bmmint.OP)  # ops breadth II
for _module in (conv1dint, convtranspose2dint, batchnorm1dint):  # ops breadth II
    REGISTRY.register(_module.OP)
REGISTRY.register(softmaxint.OP)  # nonlinear (issue 10)
REGISTRY.register(layernormint.OP)  # nonlinear (issue 10): layer norm
for _module in (geluint, siluint):  # nonlinear (issue 10): GELU, SiLU
    REGISTRY.register(_module.OP)
for _module in (iqsigmoid, iqtanh):  # nonlinear (issue 10): sigmoid, tanh
    REGISTRY.register(_module.OP)
REGISTRY.register(gluint.OP)  # nonlinear (issue 10): GLU
REGISTRY.register(lstmint.OP)  # recurrent cells (issue 11)
REGISTRY.register(gruint.OP)  # recurrent cells (issue 11)
