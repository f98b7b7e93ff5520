"""Quantized tensors: integer data plus an exponent (spec/numerics.md §2).

A :class:`Tensor` is what flows between ops: ``data`` holds the values unpacked (int4 one per int8
element) in the dtype's storage type, and ``exponent`` is ``e`` in ``real = q * 2^-e`` — or
``None`` for tensors without a scale (float32 data, and raw integers such as indices and shapes).  A :class:`TensorSpec` is what an
op is told about an output it must produce: its dtype and exponent (in thinker both come from the
model, not from the op).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import errors
from .numerics import DType, as_int, check_exponent, dtype as get_dtype

__all__ = ["Tensor", "TensorSpec"]


@dataclass(frozen=True)
class TensorSpec:
    """dtype and exponent of a tensor an op is to produce."""

    dtype: DType
    exponent: int | None

    @classmethod
    def of(cls, dtype: str | DType, exponent: int | None = None, what: str = "output") -> "TensorSpec":
        t = get_dtype(dtype)
        return cls(t, None if exponent is None else check_exponent(exponent, t, what))


@dataclass(frozen=True, eq=False)
class Tensor:
    """Immutable tensor value.  Build with :meth:`of`, which validates dtype, range and exponent."""

    data: np.ndarray
    dtype: DType
    exponent: int | None

    @classmethod
    def of(cls, data: Any, dtype: str | DType, exponent: int | None = None, what: str = "tensor") -> "Tensor":
        t = get_dtype(dtype)
        if t.is_integer:
            raw = np.asarray(data)
            if raw.dtype.kind not in "iu" and raw.dtype != object:
                raise errors.DTypeMismatch(f"{what}: {t} tensor given {raw.dtype} data")
            if raw.dtype == t.storage and np.iinfo(raw.dtype).min == t.min and np.iinfo(raw.dtype).max == t.max:
                arr = raw              # the storage type is the type's own range: nothing to check or widen
            else:
                v = as_int(raw)
                if v.size and (v.dtype == object or int(v.min()) < t.min or int(v.max()) > t.max):
                    raise errors.ValueOutOfRange(f"{what}: values outside the {t} range [{t.min}, {t.max}]")
                arr = v.astype(t.storage)
            exponent = None if exponent is None else check_exponent(exponent, t, what)
        else:
            arr = np.asarray(data, dtype=t.storage)
            if exponent is not None:
                raise errors.ExponentOutOfRange(f"{what}: {t} tensors carry no exponent (got {exponent})")
        arr = np.array(arr, copy=True)
        arr.flags.writeable = False
        return cls(arr, t, exponent)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    @property
    def spec(self) -> TensorSpec:
        return TensorSpec(self.dtype, self.exponent)

    def real(self) -> np.ndarray:
        """The real values ``q * 2^-e`` as float64 (for display; exact while |q| < 2^53)."""
        if self.exponent is None:
            return self.data.astype(np.float64)
        return self.data.astype(np.float64) * 2.0 ** -self.exponent

    def __repr__(self) -> str:
        e = "" if self.exponent is None else f", e={self.exponent}"
        return f"Tensor({self.dtype}{list(self.shape)}{e})"
