"""lunaref: the reference implementation of LUNA integer arithmetic (LISTENAI thinker / linger).

Layers (spec/README.md): :mod:`lunaref.numerics` (integer types, rounding, quantization),
:mod:`lunaref.luna` (LUNA primitives), :mod:`lunaref.ops` (thinker ops and the registry).
"""

from ._version import SPEC_VERSION, __version__
from .errors import LunarefError
from .platforms import PLATFORM_NAMES, profile
from .tensor import Tensor, TensorSpec

__all__ = ["__version__", "SPEC_VERSION", "LunarefError", "PLATFORM_NAMES", "profile", "Tensor", "TensorSpec"]
