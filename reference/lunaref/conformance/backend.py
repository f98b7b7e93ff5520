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

                return run_resource(case.resource, [t.data for t in case.inputs], case.platform)
            outs = REGISTRY.get(case.op).run(case.inputs, case.output_specs, case.attrs, case.platform)
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
        self.outdir: Any = None

    def prepare(self, case_dirs) -> None:
        import json
        import subprocess
        import tempfile
        from pathlib import Path

        from ..vectors.case import read_case

        work = Path(tempfile.mkdtemp(prefix="lunaref-batch-"))
        self.outdir = work / "outputs"
        self.outdir.mkdir()
        cases = []
        for d in case_dirs:
            c = read_case(d)
            cases.append({"id": c.id, "dir": str(Path(d).resolve()), "level": c.level, "op": c.op,
                          "platform": c.platform, "outputs": str(self.outdir / c.id.replace("/", "__"))})
        request = work / "request.json"
        request.write_text(json.dumps({"format": "lunaref-batch/1", "cases": cases}, indent=1))
        response = work / "response.json"
        proc = subprocess.run([*self.command, str(request), str(response)], capture_output=True, text=True)
        if proc.returncode != 0 or not response.exists():
            raise errors.CheckFailed(f"backend command {' '.join(self.command)} failed (exit {proc.returncode}): "
                                     f"{proc.stderr.strip()[-500:]}")
        try:
            doc = json.loads(response.read_text())
            self.results = dict(doc["results"])
        except (ValueError, KeyError, TypeError) as exc:
            raise errors.CheckFailed(f"backend response.json is malformed: {exc}") from None

    def _result(self, case_id: str) -> dict:
        if self.results is None:
            raise errors.InternalError("SubprocessBackend.prepare was not called")
        return self.results.get(case_id, {"status": "unsupported"})

    def supports_case(self, case: VectorCase) -> bool:
        return self._result(case.id).get("status") != "unsupported"

    def run(self, case: VectorCase) -> Sequence[np.ndarray]:
        from pathlib import Path

        res = self._result(case.id)
        if res.get("status") == "error":
            raise BackendError(str(res.get("error", "UnnamedError")))
        out = Path(self.outdir) / case.id.replace("/", "__")
        arrays = []
        for k in range(len(case.output_specs)):
            path = out / f"out{k}.npy"
            if not path.exists():
                raise BackendError("MissingOutput", f"{path.name} was not written")
            arrays.append(np.load(path, allow_pickle=False))
        return arrays


BUILTIN = {"reference": ReferenceBackend}


def load_backend(spec: str) -> Backend:
    """A built-in backend name, or ``module:attribute`` naming a Backend class or instance."""
    if spec in BUILTIN:
        return BUILTIN[spec]()
    if spec.startswith("subprocess:"):
        import shlex

        command = shlex.split(spec[len("subprocess:"):])
        if not command:
            raise errors.BadArgument("subprocess backend: no command given (subprocess:COMMAND ...)")
        return SubprocessBackend(command)
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
