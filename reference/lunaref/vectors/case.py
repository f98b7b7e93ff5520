"""One conformance case on disk (spec/formats/vectors.md §2): ``case.json`` plus one ``.npy`` per tensor.

A case directory is ``<root>/<platform>/<level>/<op>/<slug>/``; its id, ``<platform>/<level>/<op>/<slug>``,
names it forever.  Nothing but JSON and numpy's ``.npy`` format is needed to read it.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import errors
from .._version import SPEC_VERSION
from ..numerics import dtype as get_dtype
from ..tensor import Tensor, TensorSpec

__all__ = ["FORMAT", "LEVELS", "VectorCase", "read_case", "write_case", "case_dirs", "case_id"]

FORMAT = "lunaref-vectors/1"
LEVELS = ("primitive", "op", "model")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def case_id(platform: str, level: str, op: str, slug: str) -> str:
    return f"{platform}/{level}/{op}/{slug}"


@dataclass
class VectorCase:
    """A case in memory: what ``case.json`` says, plus the tensors."""

    platform: str
    level: str
    op: str
    slug: str
    attrs: dict[str, Any]
    inputs: list[Tensor]
    outputs: list[Tensor]                   # expected (empty for an error case)
    output_specs: list[TensorSpec]
    expect: dict[str, str] = field(default_factory=lambda: {"outcome": "valid"})
    provenance: dict[str, Any] = field(default_factory=dict)
    coverpoints: list[str] = field(default_factory=list)
    resource: bytes | None = None           # level "model": the thinker resource (model.bin) to run
    compat: str | None = None               # a compatibility variant's case: the mode it was computed in

    @property
    def id(self) -> str:
        return case_id(self.platform, self.level, self.op, self.slug)


def _tensor_entry(name: str, t: Tensor | TensorSpec, shape) -> dict[str, Any]:
    return {"file": name, "dtype": t.dtype.name, "shape": list(shape), "exponent": t.exponent}


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(arr).copy(order="C"), allow_pickle=False)  # (ascontiguousarray makes 0-d 1-d)
    return buf.getvalue()


def packed_weight(case: VectorCase) -> tuple[np.ndarray, str] | None:
    """The weight of a MAC op case as the platform's resource stores it (formats/resource.md §13:
    packed layout, int4 two per byte), or None.  Ports that call LUNA with packed weights read it
    instead of repacking.  Grouped convolutions that the packer divides have none (they become
    group-1 convolutions)."""
    from ..platforms import profile
    from ..resource.packer import stored_weight

    if case.level != "op" or case.op not in ("Conv2dInt", "Conv1dInt", "ConvTranspose2dInt", "LinearInt") \
            or len(case.inputs) < 2:
        return None
    w = case.inputs[1]
    group = int(case.attrs.get("group", 1))
    depthwise = group == w.shape[0] and w.shape[1] == 1 and group == case.inputs[0].shape[1]
    if case.op != "LinearInt" and group != 1 and not depthwise:
        return None
    try:
        return stored_weight(case.op, case.attrs, w, profile(case.platform))
    except errors.LunarefError:   # a case the packer refuses (a must-error case's malformed weight)
        return None


def case_files(case: VectorCase) -> dict[str, bytes]:
    """The files of a case, by name: ``case.json``, ``in<k>.npy``, ``out<k>.npy``, and ``packed1.npy``
    (the weight in the platform's packed layout) for Conv2dInt and LinearInt."""
    files = {f"in{k}.npy": _npy(t.data) for k, t in enumerate(case.inputs)}
    files.update({f"out{k}.npy": _npy(t.data) for k, t in enumerate(case.outputs)})
    doc = {
        "format": FORMAT,
        "spec": SPEC_VERSION,
        "id": case.id,
        "level": case.level,
        "op": case.op,
        "platform": case.platform,
        "attrs": case.attrs,
        "inputs": [_tensor_entry(f"in{k}.npy", t, t.shape) for k, t in enumerate(case.inputs)],
        "outputs": [_tensor_entry(f"out{k}.npy", s, case.outputs[k].shape if case.outputs else [])
                    if case.outputs else {"dtype": s.dtype.name, "exponent": s.exponent}
                    for k, s in enumerate(case.output_specs)],
        "expect": case.expect,
        "provenance": case.provenance,
        "coverpoints": sorted(case.coverpoints),
    }
    if case.compat is not None:
        doc["compat"] = case.compat
    if case.resource is not None:
        files["model.bin"] = case.resource
        doc["model"] = {"file": "model.bin", "sha256": hashlib.sha256(case.resource).hexdigest()}
    packed = packed_weight(case)
    if packed is not None:
        arr, layout = packed
        files["packed1.npy"] = _npy(arr)
        doc["inputs"][1]["packed"] = {"file": "packed1.npy", "layout": layout, "shape": list(arr.shape)}
    files["case.json"] = (json.dumps(doc, indent=1, sort_keys=False) + "\n").encode()
    return files


def write_case(root: str | Path, case: VectorCase) -> Path:
    """Write a case under ``root``; an existing id is never rewritten (``BadArgument``)."""
    from ..tensorio import write_files

    if not _SLUG.match(case.slug):
        raise errors.BadArgument(f"case slug {case.slug!r} must match {_SLUG.pattern}")
    directory = Path(root) / case.id
    if (directory / "case.json").exists():
        raise errors.BadArgument(f"case {case.id} exists already; ids are never rewritten")
    directory.mkdir(parents=True, exist_ok=True)
    write_files((str(directory / name), data) for name, data in case_files(case).items())
    return directory


def _load_npy(path: Path, what: str) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise errors.MalformedVector(f"{what}: {path.name} is not a readable .npy file ({exc})") from None


def read_case(directory: str | Path) -> VectorCase:
    """Read and check one case directory."""
    directory = Path(directory)
    try:
        doc = json.loads((directory / "case.json").read_text())
    except (OSError, ValueError) as exc:
        raise errors.MalformedVector(f"{directory}: case.json is missing or not JSON ({exc})") from None
    where = str(doc.get("id", directory))
    try:
        if doc["format"] != FORMAT:
            raise errors.MalformedVector(f"{where}: format {doc['format']!r} (this lunaref reads {FORMAT})")
        platform, level, op, slug = doc["id"].split("/")
        if (platform, level, op) != (doc["platform"], doc["level"], doc["op"]) or level not in LEVELS:
            raise errors.MalformedVector(f"{where}: id, platform, level and op disagree")
        inputs = []
        for k, e in enumerate(doc["inputs"]):
            arr = _load_npy(directory / e["file"], where)
            if list(arr.shape) != e["shape"] or arr.dtype != get_dtype(e["dtype"]).storage:
                raise errors.MalformedVector(f"{where}: {e['file']} is {arr.dtype}{list(arr.shape)}, case.json says "
                                             f"{e['dtype']}{e['shape']}")
            inputs.append(Tensor.of(arr, e["dtype"], e["exponent"], what=f"{where} input {k}"))
        specs = [TensorSpec.of(e["dtype"], e["exponent"]) for e in doc["outputs"]]
        outputs = []
        if doc["expect"]["outcome"] == "valid":
            for k, e in enumerate(doc["outputs"]):
                arr = _load_npy(directory / e["file"], where)
                outputs.append(Tensor.of(arr, e["dtype"], e["exponent"], what=f"{where} output {k}"))
        elif doc["expect"]["outcome"] != "error" or not doc["expect"].get("error"):
            raise errors.MalformedVector(f"{where}: expect must be valid, or error with an error name")
        resource = None
        if level == "model":
            try:
                resource = (directory / doc["model"]["file"]).read_bytes()
            except OSError as exc:
                raise errors.MalformedVector(f"{where}: model file unreadable ({exc.strerror})") from None
            if hashlib.sha256(resource).hexdigest() != doc["model"]["sha256"]:
                raise errors.MalformedVector(f"{where}: model.bin does not match its sha256")
        compat = doc.get("compat")
        if compat is not None:
            from ..ops.registry import COMPAT_MODES
            if compat not in COMPAT_MODES:
                raise errors.MalformedVector(f"{where}: unknown compatibility mode {compat!r}")
        return VectorCase(platform, level, op, slug, doc["attrs"], inputs, outputs, specs, doc["expect"],
                          doc.get("provenance", {}), doc.get("coverpoints", []), resource, compat)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise errors.MalformedVector(f"{where}: case.json lacks or misstates a field ({exc})") from None


def case_dirs(root: str | Path) -> list[Path]:
    """Every case directory below ``root``, in id order."""
    return sorted(p.parent for p in Path(root).glob("*/*/*/*/case.json"))


def manifest(root: str | Path) -> dict[str, Any]:
    """``{format, spec, files: {relative path: sha256}}`` over every file of every case."""
    root = Path(root)
    files = {}
    for d in case_dirs(root):
        for f in sorted(d.iterdir()):
            files[f.relative_to(root).as_posix()] = hashlib.sha256(f.read_bytes()).hexdigest()
    return {"format": FORMAT, "spec": SPEC_VERSION, "files": files}
