"""The conformance suite's machinery (spec/formats/vectors.md §5): backends and comparison reports."""

from .backend import Backend, BackendError, ReferenceBackend, SubprocessBackend, load_backend

__all__ = ["Backend", "BackendError", "ReferenceBackend", "SubprocessBackend", "load_backend"]
