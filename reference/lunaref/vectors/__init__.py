"""Conformance vectors (spec/formats/vectors.md): the case format, generation, checking."""

from .case import FORMAT, VectorCase, case_dirs, read_case, write_case

__all__ = ["FORMAT", "VectorCase", "read_case", "write_case", "case_dirs"]
