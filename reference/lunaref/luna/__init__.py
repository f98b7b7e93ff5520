"""Layer 1: the LUNA primitives, as the chip's ``libluna`` computes them (spec/luna.md).

Each primitive is documented by its real-number meaning and by its exact integer formula.  The
arithmetic is the same on every platform unless the spec says otherwise; which dtype combinations
exist is a per-platform capability, looked up in :mod:`lunaref.platforms`.
"""

from .vector import add, mul, offset, scale, sub

__all__ = ["add", "sub", "mul", "scale", "offset"]
