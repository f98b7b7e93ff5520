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

__all__ = ["Backend", "BackendError", "ReferenceBackend", "SubprocessBackend", "load_backend", "BUILTIN"]


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
        from ..luna.registry import PRIMITIVES
        from ..ops import REGISTRY

        if level == "primitive":
            return op in PRIMITIVES and platform in PRIMITIVES[op].platforms
        if level == "model":
            return True
        return level == "op" and op in REGISTRY and platform in REGISTRY.get(op).platforms

    def run(self, case: VectorCase) -> Sequence[np.ndarray]:
        from ..luna.registry import run_primitive
        from ..ops import REGISTRY

        try:
            if case.level == "primitive":
                return run_primitive(case.op, [t.data for t in case.inputs], case.attrs, case.platform)
            if case.level == "model":
                from ..resource.executor import run_resource

                return run_resource(case.resource, [t.data for t in case.inputs], case.platform, compat=case.compat)
            outs = REGISTRY.get(case.op).run(case.inputs, case.output_specs, case.attrs, case.platform,
                                             case.compat)
        except errors.LunarefError as exc:
            raise BackendError(exc.name, str(exc)) from None
        return [t.data for t in outs]


class SubprocessBackend(Backend):
    """A backend outside Python, run once per batch (spec/formats/vectors.md §6).

    lunaref writes ``request.json`` listing the cases (each a case directory the program reads itself)
    and runs ``COMMAND request.json response.json``; the program writes each case's outputs as
    ``.npy`` files under the response directory and a ``response.json`` with one status per case:
    ``ok``, ``error`` (with the error name) or ``unsupported``.
    """

    name = "subprocess"

    def __init__(self, command: Sequence[str]) -> None:
        self.command = list(command)
        self.results: dict[str, dict] | None = None
        self.arrays: dict[str, list[np.ndarray] | str] = {}

    def prepare(self, case_dirs) -> None:
        """Run the program once over every case; its outputs are read into memory and its working
        directory removed."""
        import json
        import shutil
        import subprocess
        import tempfile
        from pathlib import Path

        from ..vectors.case import read_case

        work = Path(tempfile.mkdtemp(prefix="lunaref-batch-"))
        try:
            outdir = work / "outputs"
            outdir.mkdir()
            cases = [read_case(d) for d in case_dirs]
            for c in cases:  # one output directory per case, made here so a port need not create directories
                (outdir / c.id.replace("/", "__")).mkdir()
            request = work / "request.json"
            request.write_text(json.dumps({"format": "lunaref-batch/1", "cases": [
                {"id": c.id, "dir": str(Path(d).resolve()), "level": c.level, "op": c.op, "platform": c.platform,
                 "outputs": str(outdir / c.id.replace("/", "__"))} for c, d in zip(cases, case_dirs)]}, indent=1))
            response = work / "response.json"
            proc = subprocess.run([*self.command, str(request), str(response)], capture_output=True, text=True)
            if proc.returncode != 0 or not response.exists():
                raise errors.CheckFailed(f"backend command {' '.join(self.command)} failed (exit {proc.returncode}): "
                                         f"{proc.stderr.strip()[-500:]}")
            try:
                self.results = dict(json.loads(response.read_text())["results"])
            except (ValueError, KeyError, TypeError) as exc:
                raise errors.CheckFailed(f"backend response.json is malformed: {exc}") from None
            for c in cases:
                if self._result(c.id).get("status") == "ok":
                    self.arrays[c.id] = self._outputs(outdir / c.id.replace("/", "__"), len(c.output_specs))
        finally:
            shutil.rmtree(work, ignore_errors=True)

    @staticmethod
    def _outputs(out, count: int) -> list[np.ndarray] | str:
        arrays = []
        for k in range(count):
            path = out / f"out{k}.npy"
            if not path.exists():
                return f"{path.name} was not written"
            try:
                arrays.append(np.load(path, allow_pickle=False))
            except (OSError, ValueError) as exc:
                return f"{path.name} is not a readable .npy file ({exc})"
        return arrays

    def _result(self, case_id: str) -> dict:
        if self.results is None:
            raise errors.InternalError("SubprocessBackend.prepare was not called")
        res = self.results.get(case_id, {"status": "unsupported"})
        return res if isinstance(res, dict) else {"status": "error", "error": "MalformedResult"}

    def supports_case(self, case: VectorCase) -> bool:
        return self._result(case.id).get("status") != "unsupported"

    def run(self, case: VectorCase) -> Sequence[np.ndarray]:
        res = self._result(case.id)
        if res.get("status") == "error":
            raise BackendError(str(res.get("error", "UnnamedError")))
        if res.get("status") != "ok":
            raise BackendError("MalformedResult", f"status {res.get('status')!r} is not ok, error or unsupported")
        arrays = self.arrays[case.id]
        if isinstance(arrays, str):
            raise BackendError("MissingOutput", arrays)
        return arrays


BUILTIN = {"reference": ReferenceBackend}


def load_backend(spec: str) -> Backend:
    """A built-in backend name, ``subprocess:COMMAND`` (a program speaking the batch protocol),
    ``mutant:NAME`` (the reference with a catalogued porting bug, :mod:`lunaref.conformance.mutants`), or
    ``module:attribute`` naming a Backend class or instance."""
    if spec in BUILTIN:
        return BUILTIN[spec]()
    if spec.startswith("subprocess:"):
        import shlex

        command = shlex.split(spec[len("subprocess:"):])
        if not command:
            raise errors.BadArgument("subprocess backend: no command given (subprocess:COMMAND ...)")
        return SubprocessBackend(command)
    if spec.startswith("mutant:"):
        from .mutants import MutantBackend

        return MutantBackend(spec[len("mutant:"):])
    if ":" not in spec:
        raise errors.BadArgument(f"unknown backend {spec!r} (built-in: {', '.join(BUILTIN)}; subprocess:COMMAND, "
                                 "mutant:NAME, or module:attribute)")
    module, _, attr = spec.partition(":")
    try:
        obj: Any = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise errors.BadArgument(f"cannot load backend {spec!r}: {exc}") from None
    backend = obj() if isinstance(obj, type) else obj
    if not hasattr(backend, "run") or not hasattr(backend, "supports"):
        raise errors.BadArgument(f"backend {spec!r} has no supports() and run()")
    return backend
