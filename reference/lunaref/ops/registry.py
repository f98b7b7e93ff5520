"""The op registry: one row per thinker op (spec/README.md §"The registry").

A row (:class:`OpDef`) says, for one op: its name exactly as thinker's executor names it (what a
model.bin stores), its ONNX names in both linger dialects, the dtype signatures it accepts on each
platform, the spec section that defines it and the spec version that added it, its coverpoints
(conditions a test set must exercise, as predicates over a computed case) and the function that
computes it.  Later issues add rows; the schema stays.

:func:`check_spec` compares the registry with the op sections in ``spec/ops/`` both ways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from .. import errors
from ..platforms import PLATFORM_NAMES, Profile, profile as get_profile
from ..tensor import Tensor, TensorSpec

__all__ = ["DIALECTS", "Case", "Coverpoint", "Signature", "OpDef", "Registry", "check_spec"]

#: ONNX dialects: linger 1.x exports use domain ``thinker``, linger 3.x exports domain ``linger``.
DIALECTS: dict[str, str] = {"linger1": "thinker", "linger3": "linger"}

OpImpl = Callable[[Sequence[Tensor], Sequence[TensorSpec], Mapping[str, Any], Profile], list]


@dataclass(frozen=True)
class Case:
    """One evaluated op instance, as coverpoints see it."""

    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]
    attrs: Mapping[str, Any]
    platform: str


@dataclass(frozen=True)
class Coverpoint:
    """A named condition on a case, e.g. "a positive tie was rounded"."""

    name: str
    description: str
    hit: Callable[[Case], bool] = field(compare=False)


@dataclass(frozen=True)
class Signature:
    """One accepted dtype combination, and the platforms that have it."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    platforms: tuple[str, ...] = PLATFORM_NAMES
    #: Positions of integer inputs that are raw integers (shapes, indices) and carry no exponent;
    #: every other integer operand must have one.
    unscaled: tuple[int, ...] = ()
    #: Positions of integer outputs that are raw integers (Shape's int64 extents): no exponent.
    unscaled_outputs: tuple[int, ...] = ()


#: Compatibility modes (spec/errata.md): executors whose deterministic deviations lunaref can reproduce.
COMPAT_MODES = ("thinker-3.0.4",)


def check_compat(compat: str | None) -> str | None:
    """``compat`` if it names a compatibility mode (or is None), else ``BadArgument``."""
    if compat is not None and compat not in COMPAT_MODES:
        raise errors.BadArgument(f"unknown compatibility mode {compat!r} (known: {', '.join(COMPAT_MODES)})")
    return compat


@dataclass(frozen=True)
class OpDef:
    """A registry row."""

    name: str
    summary: str
    spec_section: str                      # path below spec/, e.g. "ops/quant.md"
    since: str                             # spec version that introduced the op
    aliases: Mapping[str, tuple[str, ...]]  # dialect -> ONNX op types
    signatures: tuple[Signature, ...]
    coverpoints: tuple[Coverpoint, ...]
    impl: OpImpl = field(compare=False)
    #: Compatibility models (spec/errata.md): mode name -> an implementation that reproduces a shipping
    #: executor's deterministic deviations; the op's own ``impl`` is the spec.
    compat: Mapping[str, OpImpl] = field(default_factory=dict, compare=False)

    @property
    def platforms(self) -> tuple[str, ...]:
        have = {p for s in self.signatures for p in s.platforms}
        return tuple(p for p in PLATFORM_NAMES if p in have)

    def check_signature(self, inputs: Sequence[Tensor], outputs: Sequence[TensorSpec], prof: Profile) -> None:
        """Raise unless the operand dtypes form a signature available on ``prof``."""
        if prof.name not in self.platforms:
            raise errors.UnsupportedOnPlatform(f"{self.name}: not available on {prof.name}")
        got = (tuple(t.dtype.name for t in inputs), tuple(t.dtype.name for t in outputs))
        matches = [s for s in self.signatures if (s.inputs, s.outputs) == got]
        if not matches:
            allowed = "; ".join(f"({', '.join(s.inputs)}) -> ({', '.join(s.outputs)})" for s in self.signatures)
            raise errors.DTypeMismatch(
                f"{self.name}: dtypes ({', '.join(got[0])}) -> ({', '.join(got[1])}) are not a signature "
                f"of the op (allowed: {allowed})")
        if not any(prof.name in s.platforms for s in matches):
            raise errors.UnsupportedOnPlatform(
                f"{self.name}: ({', '.join(got[0])}) -> ({', '.join(got[1])}) is not available on {prof.name}")
        unscaled = matches[0].unscaled
        for i, t in enumerate(inputs):
            if t.dtype.is_integer and i not in unscaled and t.exponent is None:
                raise errors.ExponentOutOfRange(f"{self.name}: integer input {i} has no exponent")
        for i, t in enumerate(outputs):
            if t.dtype.is_integer and i not in matches[0].unscaled_outputs and t.exponent is None:
                raise errors.ExponentOutOfRange(f"{self.name}: integer output {i} has no exponent")

    def run(self, inputs: Sequence[Tensor], outputs: Sequence[TensorSpec | Tensor],
            attrs: Mapping[str, Any] | None = None, platform: str | Profile = "venusA",
            compat: str | None = None) -> list[Tensor]:
        """Check the signature for ``platform`` and compute the op — as the spec defines it, or, with
        ``compat`` (a name in :data:`COMPAT_MODES`), as that shipping executor computes it."""
        prof = get_profile(platform)
        specs = [o.spec if isinstance(o, Tensor) else o for o in outputs]
        self.check_signature(inputs, specs, prof)
        impl = self.impl if compat is None else self.compat.get(check_compat(compat), self.impl)
        return impl(list(inputs), specs, dict(attrs or {}), prof)

    def coverage(self, case: Case) -> set[str]:
        """Names of the coverpoints ``case`` hits."""
        return {c.name for c in self.coverpoints if c.hit(case)}


class Registry:
    """All registered ops, by executor name and by ONNX alias."""

    def __init__(self) -> None:
        self._ops: dict[str, OpDef] = {}

    def register(self, op: OpDef) -> OpDef:
        if op.name in self._ops:
            raise errors.InternalError(f"op {op.name} registered twice")
        unknown = set(op.aliases) - set(DIALECTS)
        if unknown:
            raise errors.InternalError(f"op {op.name}: unknown dialects {sorted(unknown)}")
        for alias_dialect, names in op.aliases.items():
            for other in self._ops.values():
                clash = set(names) & set(other.aliases.get(alias_dialect, ()))
                if clash:
                    raise errors.InternalError(f"alias {sorted(clash)} of {op.name} already names {other.name}")
        self._ops[op.name] = op
        return op

    def __iter__(self) -> Iterator[OpDef]:
        return iter(sorted(self._ops.values(), key=lambda o: o.name))

    def __len__(self) -> int:
        return len(self._ops)

    def __contains__(self, name: object) -> bool:
        return name in self._ops

    def get(self, name: str) -> OpDef:
        """The op whose executor name is ``name``."""
        try:
            return self._ops[name]
        except KeyError:
            raise errors.UnsupportedOp(f"no op named {name!r} in the registry") from None

    def by_alias(self, dialect: str, op_type: str) -> OpDef:
        """The op a node ``op_type`` of ``dialect`` ("linger1" or "linger3") denotes."""
        if dialect not in DIALECTS:
            raise errors.BadArgument(f"unknown dialect {dialect!r} (expected {', '.join(DIALECTS)})")
        for op in self._ops.values():
            if op_type in op.aliases.get(dialect, ()):
                return op
        raise errors.UnsupportedOp(f"op type {op_type!r} of the {dialect} dialect "
                                   f"(domain {DIALECTS[dialect]!r}) is not supported")


# ----------------------------------------------------------------------------------------------
# registry <-> spec
# ----------------------------------------------------------------------------------------------

_FIELD = re.compile(r"^\|\s*(?P<key>[a-z ]+?)\s*\|\s*(?P<value>.*?)\s*\|\s*$")
_COVERPOINT = re.compile(r"^[-*]\s+`(?P<name>[^`]+)`")


@dataclass(frozen=True)
class SpecSection:
    """What :func:`check_spec` reads from one ``spec/ops/*.md`` file."""

    path: str
    op: str | None
    since: str | None
    platforms: tuple[str, ...]
    coverpoints: tuple[str, ...]


def read_spec_section(path: Path, rel: str) -> SpecSection:
    """Parse the header table (``| op | `Name` |`` ...) and the Coverpoints list of an op section."""
    fields: dict[str, str] = {}
    coverpoints: list[str] = []
    in_cover = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            in_cover = line.lstrip("#").strip().lower() == "coverpoints"
            continue
        m = _FIELD.match(line)
        if m and m.group("key") in ("op", "since", "platforms") and m.group("key") not in fields:
            fields[m.group("key")] = m.group("value").strip("`")
            continue
        if in_cover:
            c = _COVERPOINT.match(line.strip())
            if c:
                coverpoints.append(c.group("name"))
    plats = tuple(p.strip() for p in fields.get("platforms", "").split(",") if p.strip())
    return SpecSection(rel, fields.get("op"), fields.get("since"), plats, tuple(coverpoints))


def check_spec(registry: Iterable[OpDef], spec_dir: str | Path) -> list[str]:
    """Problems between ``registry`` and the op sections under ``spec_dir/ops`` (empty: consistent).

    Checked both ways: every row names an existing section that declares the same op, since-version,
    platforms and coverpoints; every section declares an op that has a row.
    """
    spec_dir = Path(spec_dir)
    problems: list[str] = []
    sections: dict[str, SpecSection] = {}
    for path in sorted((spec_dir / "ops").glob("*.md")):
        rel = path.relative_to(spec_dir).as_posix()
        sec = read_spec_section(path, rel)
        if sec.op is None:
            problems.append(f"{rel}: no '| op | `Name` |' row in the header table")
            continue
        sections[rel] = sec
    ops = list(registry)
    by_name = {op.name: op for op in ops}
    for op in ops:
        sec = sections.get(op.spec_section)
        if sec is None:
            problems.append(f"{op.name}: spec section {op.spec_section} does not exist")
            continue
        if sec.op != op.name:
            problems.append(f"{op.name}: {op.spec_section} defines op {sec.op!r}, not {op.name!r}")
        if sec.since != op.since:
            problems.append(f"{op.name}: since {op.since} in the registry, {sec.since} in {op.spec_section}")
        if set(sec.platforms) != set(op.platforms):
            problems.append(f"{op.name}: platforms {sorted(op.platforms)} in the registry, "
                            f"{sorted(sec.platforms)} in {op.spec_section}")
        reg_cp = [c.name for c in op.coverpoints]
        if sorted(reg_cp) != sorted(sec.coverpoints):
            missing = sorted(set(reg_cp) - set(sec.coverpoints))
            extra = sorted(set(sec.coverpoints) - set(reg_cp))
            problems.append(f"{op.name}: coverpoints differ (not in spec: {missing}; not in registry: {extra})")
    for rel, sec in sections.items():
        op = by_name.get(sec.op)  # type: ignore[arg-type]
        if op is None:
            problems.append(f"{rel}: op {sec.op!r} has no registry row")
        elif op.spec_section != rel:
            problems.append(f"{rel}: op {sec.op!r} is registered with section {op.spec_section}")
    return problems
