"""The LUNA divide (spec/luna.md §5): ``div_P(a, b)`` ≈ ``a / b`` rounded, per platform."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import errors
from ..numerics import as_int
from ..platforms import Profile, profile as get_profile

__all__ = ["divide"]


def divide(a: Any, b: int, platform: str | Profile) -> np.ndarray:
    """PROVISIONAL: exact round-half-up quotient, until the per-platform divider is settled."""
    get_profile(platform)
    b = int(b)
    if b <= 0:
        raise errors.ValueOutOfRange(f"luna div: divisor {b} must be positive")
    a = as_int(a)
    return (2 * a + b) // (2 * b)
