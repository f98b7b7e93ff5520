"""Backends under test (spec/formats/vectors.md §5).

A backend says which (level, op, platform) it supports and computes one case: it returns the output
arrays, or raises :class:`BackendError` with the error name it reports (for must-error cases).
"""

from __future__ import annotations

import importlib
from typing import Any, Sequence

import numpy as np

from .. import errors
from ..vectors.case import VectorCase

__all__ = ["Backend", "BackendError", "ReferenceBackend", "load_backend", "BUILTIN"]


class BackendError(Exception):
    """The backend rejected a case with the named error (compare spec/errors.md)."""

    def __init__(self, name: str, message: str = "") -> None:
        super().__init__(f"{name}: {message}" if message else name)
        self.name = name


class Backend:
    """Base class: override :meth:`supports` and :meth:`run`."""

    name = "backend"

    def supports(self, level: str, op: str, platform: str) -> bool:
        return True

    def run(self, case: VectorCase) -> Sequence[np.ndarray]:
        raise NotImplementedError


class ReferenceBackend(Backend):
    """lunaref itself."""

    name = "reference"

    def supports(self, level: str, op: str, platform: str) -> bool:
        from ..ops import REGISTRY

        return level == "op" and op in REGISTRY and platform in REGISTRY.get(op).platforms

    def run(self, case: VectorCase) -> Sequence[np.ndarray]:
        from ..ops import REGISTRY

        try:
            outs = REGISTRY.get(case.op).run(case.inputs, case.output_specs, case.attrs, case.platform)
        except errors.LunarefError as exc:
            raise BackendError(exc.name, str(exc)) from None
        return [t.data for t in outs]


BUILTIN = {"reference": ReferenceBackend}


def load_backend(spec: str) -> Backend:
    """A built-in backend name, or ``module:attribute`` naming a Backend class or instance."""
    if spec in BUILTIN:
        return BUILTIN[spec]()
    if ":" not in spec:
        raise errors.BadArgument(f"unknown backend {spec!r} (built-in: {', '.join(BUILTIN)}; or module:attribute)")
    module, _, attr = spec.partition(":")
    try:
        obj: Any = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise errors.BadArgument(f"cannot load backend {spec!r}: {exc}") from None
    backend = obj() if isinstance(obj, type) else obj
    if not hasattr(backend, "run") or not hasattr(backend, "supports"):
        raise errors.BadArgument(f"backend {spec!r} has no supports() and run()")
    return backend
