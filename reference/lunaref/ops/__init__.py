"""Layer 2: thinker's ops, composed from LUNA primitives and the numerics helpers.

One module per op; each defines ``OP``, its registry row.  :data:`REGISTRY` holds them all.
"""

from __future__ import annotations

from . import (avgpool2dint, batchnorm2dint, conv2dint, dequant, flatten, iqadd, iqpad, linearint, maxpool,
               quant, relu, requant, reshape)
from .registry import DIALECTS, Case, Coverpoint, OpDef, Registry, Signature, check_spec

__all__ = ["REGISTRY", "DIALECTS", "Case", "Coverpoint", "OpDef", "Registry", "Signature", "check_spec"]

REGISTRY = Registry()
for _module in (quant, dequant, requant, conv2dint, linearint, batchnorm2dint, iqadd, relu, maxpool,
                avgpool2dint, reshape, flatten, iqpad):
    REGISTRY.register(_module.OP)
