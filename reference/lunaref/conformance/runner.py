"""Selecting and running vector cases outside pytest (``lunaref conform``; spec/formats/vectors.md §5).

The pytest plugin and ``lunaref conform`` select cases the same way (:func:`select`) and judge each
with the same :func:`~lunaref.conformance.report.verdict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .. import errors
from ..vectors.case import VectorCase, case_dirs, read_case
from .report import verdict

__all__ = ["CHECKOUT_VECTORS", "default_vectors", "select", "supported", "Result", "run"]

#: The checkout's vector set, when lunaref runs from a checkout (src layout: reference/lunaref/...).
CHECKOUT_VECTORS = Path(__file__).resolve().parents[3] / "vectors" / "v1"


def default_vectors() -> Path | None:
    return CHECKOUT_VECTORS if CHECKOUT_VECTORS.is_dir() else None


def select(root: str | Path, platforms: Iterable[str] = (), ops: Iterable[str] = (),
           levels: Iterable[str] = (), compat: str | None = None) -> list[Path]:
    """The case directories under ``root`` of the given platforms, ops and levels (empty: all).  With
    ``compat``, a case of the set's compatibility variant (``<root>-<compat>``, formats/vectors.md §9)
    replaces the case of the same id."""
    from ..ops.registry import check_compat
    from ..vectors.generate import compat_root

    root = Path(root)
    if not root.is_dir():
        raise errors.BadArgument(f"vector set {root} is not a directory")
    variant = compat_root(root, check_compat(compat)) if compat else None
    if variant is not None and not variant.is_dir():
        raise errors.BadArgument(f"no {compat} variant of {root}: {variant} is not a directory")
    platforms, ops, levels = set(platforms), set(ops), set(levels)
    out = []
    for d in case_dirs(root):
        platform, level, op, _slug = parts = d.relative_to(root).parts
        if (ops and op not in ops) or (platforms and platform not in platforms) or (levels and level not in levels):
            continue
        replaced = variant.joinpath(*parts) if variant is not None else None
        out.append(replaced if replaced is not None and (replaced / "case.json").exists() else d)
    return out


def supported(backend, case: VectorCase) -> bool:
    """Does ``backend`` claim the case (its level, op and platform; and, for batch backends, the case)?"""
    if not backend.supports(case.level, case.op, case.platform):
        return False
    return backend.supports_case(case) if hasattr(backend, "supports_case") else True


@dataclass(frozen=True)
class Result:
    case: VectorCase
    outcome: str            # "passed", "failed" or "skipped"
    message: str = ""


def run(backend, dirs: Iterable[Path]) -> list[Result]:
    """Run the cases in ``dirs`` against ``backend``; a case it does not support is skipped."""
    dirs = list(dirs)
    if hasattr(backend, "prepare"):  # batch backends get every selected case at once
        backend.prepare(dirs)
    results = []
    for d in dirs:
        case = read_case(d)
        if not supported(backend, case):
            results.append(Result(case, "skipped", "not supported by the backend"))
            continue
        problem = verdict(case, backend)
        results.append(Result(case, "failed" if problem else "passed", problem or ""))
    return results
