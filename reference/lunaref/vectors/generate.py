"""``lunaref vectors generate`` and ``check`` (spec/formats/vectors.md §3, §4).

Generation asks hypothesis (derandomized) for one case per (op, platform, coverpoint) that hits the
coverpoint, computes the expected outputs with the reference, and **records** the case: inputs,
attributes and outputs are written once and never regenerated, so a new hypothesis release cannot
change the committed set.  Checking recomputes every committed case and compares bytes.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .. import errors
from ..ops import REGISTRY, Case
from ..tensor import Tensor
from .case import VectorCase, case_dirs, case_id, manifest, packed_weight, read_case, write_case

__all__ = ["generate", "check", "run_case", "slug_of"]


def slug_of(coverpoint: str) -> str:
    """``cp-<coverpoint>``: lower case, ``>`` spelled ``gt``, other runs of symbols one hyphen."""
    text = coverpoint.lower().replace(">", " gt ")
    return "cp-" + re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def run_case(case: VectorCase):
    """Compute a case with the reference: (outputs as Tensors, None) or (None, error name)."""
    try:
        if case.level == "model":
            from ..resource.executor import run_resource

            arrays = run_resource(case.resource, [t.data for t in case.inputs], case.platform, compat=case.compat)
            return [Tensor.of(a, str(a.dtype), s.exponent) for a, s in zip(arrays, case.output_specs)], None
        if case.level == "primitive":
            from ..luna.registry import run_primitive

            arrays = run_primitive(case.op, [t.data for t in case.inputs], case.attrs, case.platform)
            return [Tensor.of(a, str(a.dtype)) for a in arrays], None
        return REGISTRY.get(case.op).run(case.inputs, case.output_specs, case.attrs, case.platform,
                                          case.compat), None
    except errors.LunarefError as exc:
        return None, exc.name


def _find_primitive(prim, platform: str, coverpoint, strategy):
    def hits(drawn) -> bool:
        arrays, attrs = drawn
        try:
            outs = prim.run(arrays, attrs, platform)
        except errors.LunarefError:
            return False
        return coverpoint.hit(Case(tuple(Tensor.of(a, str(a.dtype)) for a in arrays),
                                   tuple(Tensor.of(o, str(o.dtype)) for o in outs), attrs, platform))

    return _search(strategy, hits)


def _missing(root, cid: str) -> bool:
    return not (Path(root) / cid / "case.json").exists()


def _record(root, case: VectorCase, progress) -> int:
    """Write a new case and report it; returns 1 (the count of cases added)."""
    write_case(root, case)
    progress(f"  {case.id}")
    return 1


#: Model-level networks: name -> conv_model's output channels (ConvNet8's convolution has more output channels
#: than any platform's packed weight group, so a wrong grouping changes its weights).
MODELS = {"ConvNet": 2, "ConvNet8": 8}


def _add_models(root, platforms, progress) -> int:
    """Model-level cases: small CNNs packed by ``lunaref pack`` for each platform (int8 in and out), run on
    inputs drawn from ``numpy.random.default_rng`` seeded by the case id (the deterministic baseline)."""
    import hashlib

    from ..numerics import quantize
    from ..onnx_import import load_onnx
    from ..platforms import PLATFORM_NAMES
    from ..resource import read
    from ..resource.executor import run_resource
    from ..resource.packer import pack
    from .models import conv_model

    added = 0
    for platform in PLATFORM_NAMES:
        if platforms and platform not in platforms:
            continue
        for (name, channels), k in itertools.product(MODELS.items(), range(2)):
            cid = case_id(platform, "model", name, f"baseline-{k}")
            if not _missing(root, cid):
                continue
            seed = int(hashlib.sha256(cid.encode()).hexdigest()[:16], 16)
            data = pack(load_onnx(conv_model("linger3", platform, channels=channels))).data
            res = read(data)
            rec = res.tensors[res.inputs[0].tensor]
            x = np.random.default_rng(seed).standard_normal(rec.shape).astype(np.float32)
            q = quantize(x, rec.exponent, "int8")
            (y,) = run_resource(data, [q])
            out_rec = res.tensors[res.outputs[0].tensor]
            inputs = [Tensor.of(q, "int8", rec.exponent)]
            outputs = [Tensor.of(y, "int8", out_rec.exponent)]
            case = VectorCase(platform, "model", name, f"baseline-{k}", {}, inputs, outputs,
                              [o.spec for o in outputs], {"outcome": "valid"},
                              {"generator": "numpy.default_rng", "seed": seed,
                               "model": f"lunaref.vectors.models.conv_model (linger3, channels={channels}), "
                                        "lunaref pack"}, [], data)
            added += _record(root, case, progress)
    return added


def _add_primitives(root, names, platforms, progress) -> int:
    """One recorded case per reachable (primitive, platform, coverpoint) missing under ``root``."""
    import hypothesis

    from ..luna.registry import PRIMITIVES
    from .strategies import PRIMITIVE_CASES

    added = 0
    for name, prim in PRIMITIVES.items():
        if names and name not in names:
            continue
        for platform in prim.platforms:
            if platforms and platform not in platforms:
                continue
            for cp in prim.coverpoints:
                slug = slug_of(cp.name)
                if not _missing(root, case_id(platform, "primitive", name, slug)):
                    continue
                drawn = _find_primitive(prim, platform, cp, PRIMITIVE_CASES[name])
                if drawn is None:
                    progress(f"  {platform}/primitive/{name}: coverpoint {cp.name!r} not reachable on {platform}")
                    continue
                arrays, attrs = drawn
                outs = prim.run(arrays, attrs, platform)
                inputs = [Tensor.of(a, str(a.dtype)) for a in arrays]
                outputs = [Tensor.of(o, str(o.dtype)) for o in outs]
                hit = sorted(prim.coverage(Case(tuple(inputs), tuple(outputs), attrs, platform)))
                case = VectorCase(platform, "primitive", name, slug, _plain(attrs), inputs, outputs,
                                  [o.spec for o in outputs], {"outcome": "valid"},
                                  {"generator": "hypothesis.find", "target": cp.name,
                                   "hypothesis": hypothesis.__version__, "derandomize": True}, hit)
                added += _record(root, case, progress)
    return added


def _search(strategy, hits):
    """The first example of ``strategy`` that ``hits`` (derandomized hypothesis), or None."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample, Unsatisfiable

    try:
        return find(strategy, hits, settings=settings(derandomize=True, max_examples=3000, database=None,
                                                      suppress_health_check=list(HealthCheck)))
    except (NoSuchExample, Unsatisfiable):
        return None


def _find(op, platform: str, coverpoint, strategy):
    def hits(drawn) -> bool:
        inputs, outputs, attrs = drawn
        try:
            result = op.run(inputs, outputs, attrs, platform)
        except errors.LunarefError:
            return False
        return coverpoint.hit(Case(tuple(inputs), tuple(result), attrs, platform))

    return _search(strategy, hits)


def generate(root: str | Path, ops: Iterable[str] | None = None, platforms: Iterable[str] | None = None,
             progress: Callable[[str], None] = print) -> int:
    """Add one recorded case per reachable (op, platform, coverpoint) missing under ``root``."""
    import hypothesis

    from .strategies import CASES

    wanted_ops = set(ops) if ops else None
    wanted_platforms = set(platforms) if platforms else None
    added = 0
    for op in REGISTRY:
        if wanted_ops and op.name not in wanted_ops:
            continue
        if op.name not in CASES:  # noqa: SIM102
            raise errors.InternalError(f"no strategy for op {op.name}")
        for platform in op.platforms:
            if wanted_platforms and platform not in wanted_platforms:
                continue
            for cp in op.coverpoints:
                slug = slug_of(cp.name)
                if not _missing(root, case_id(platform, "op", op.name, slug)):
                    continue
                drawn = _find(op, platform, cp, CASES[op.name])
                if drawn is None:
                    progress(f"  {platform}/op/{op.name}: coverpoint {cp.name!r} not reachable on {platform}")
                    continue
                inputs, specs, attrs = drawn
                outputs = op.run(inputs, specs, attrs, platform)
                hit = sorted(op.coverage(Case(tuple(inputs), tuple(outputs), attrs, platform)))
                case = VectorCase(platform, "op", op.name, slug, _plain(attrs), list(inputs), list(outputs),
                                  list(specs), {"outcome": "valid"},
                                  {"generator": "hypothesis.find", "target": cp.name,
                                   "hypothesis": hypothesis.__version__, "derandomize": True},
                                  hit)
                added += _record(root, case, progress)
    added += _add_baseline(root, wanted_ops, wanted_platforms, progress)
    added += _add_negative(root, wanted_ops, wanted_platforms, progress)
    added += _add_errata(root, wanted_ops, wanted_platforms, progress)
    added += _add_primitives(root, wanted_ops, wanted_platforms, progress)
    if not wanted_ops or "ConvNet" in wanted_ops:
        added += _add_models(root, wanted_platforms, progress)
    write_manifest(root)
    return added


def _add_baseline(root, ops, platforms, progress, per_platform: int = 2) -> int:
    """Random op cases from ``default_rng`` seeded by the case id (baseline.py)."""
    from .baseline import BUILDERS, seed_of

    added = 0
    for op in REGISTRY:
        if ops and op.name not in ops:
            continue
        for platform in op.platforms:
            if platforms and platform not in platforms:
                continue
            for k in range(per_platform):
                slug = f"baseline-{k}"
                cid = case_id(platform, "op", op.name, slug)
                if not _missing(root, cid):
                    continue
                rng = np.random.default_rng(seed_of(cid))
                build = BUILDERS[op.name]  # a builder marked per_platform also takes the platform
                inputs, specs, attrs = build(rng, platform) if getattr(build, "per_platform", False) else build(rng)
                outputs = op.run(inputs, specs, attrs, platform)
                hit = sorted(op.coverage(Case(tuple(inputs), tuple(outputs), attrs, platform)))
                case = VectorCase(platform, "op", op.name, slug, _plain(attrs), list(inputs), list(outputs),
                                  list(specs), {"outcome": "valid"},
                                  {"generator": "numpy.default_rng", "seed": seed_of(cid)}, hit)
                added += _record(root, case, progress)
    return added


def _add_negative(root, ops, platforms, progress) -> int:
    """Write the must-error cases of negative.py that are missing; each must raise its error."""
    from .negative import negative_cases

    added = 0
    for platform, op, slug, (inputs, specs, attrs), error in negative_cases(ops, platforms):
        if not _missing(root, case_id(platform, "op", op, slug)):
            continue
        case = VectorCase(platform, "op", op, slug, _plain(attrs), list(inputs), [], list(specs),
                          {"outcome": "error", "error": error}, {"generator": "hand"}, [])
        _, raised = run_case(case)
        if raised != error:
            raise errors.InternalError(f"{case.id}: expected {error}, the reference gives {raised or 'a result'}")
        added += _record(root, case, progress)
    return added


def _add_errata(root, ops, platforms, progress) -> int:
    """The errata cases of errata.py (the spec's result; the compatibility variant records thinker's)."""
    from .errata import ERRATA, errata_slug

    added = 0
    for op_name, entry, only, build in ERRATA:
        if ops and op_name not in ops:
            continue
        op = REGISTRY.get(op_name)
        for platform in op.platforms:
            if (only and platform not in only) or (platforms and platform not in platforms):
                continue
            slug = errata_slug(entry)
            if not _missing(root, case_id(platform, "op", op_name, slug)):
                continue
            inputs, specs, attrs = build()
            case = VectorCase(platform, "op", op_name, slug, _plain(attrs), list(inputs), [], list(specs),
                              {"outcome": "valid"}, {"generator": "hand", "errata": entry}, [])
            outputs, error = run_case(case)
            if error is not None:
                case.expect = {"outcome": "error", "error": error}
            else:
                case.outputs = list(outputs)
                case.coverpoints = sorted(op.coverage(Case(tuple(inputs), tuple(outputs), attrs, platform)))
            added += _record(root, case, progress)
    return added


def compat_root(root: str | Path, compat: str) -> Path:
    """Where the compatibility variant of the set ``root`` lives: ``<root>-<compat>`` beside it."""
    root = Path(root)
    return root.with_name(f"{root.name}-{compat}")


def _expected(case: VectorCase):
    """What a case records: ("valid", outputs) or ("error", name)."""
    if case.expect["outcome"] == "error":
        return "error", case.expect["error"]
    return "valid", case.outputs


def _differs(a, b) -> bool:
    (ka, va), (kb, vb) = a, b
    if ka != kb:
        return True
    if ka == "error":
        return va != vb
    return len(va) != len(vb) or any(_same(x, y) for x, y in zip(va, vb))


def _in_compat(case: VectorCase, compat: str) -> VectorCase:
    """``case`` recomputed in the compatibility mode ``compat`` (same id, inputs and attributes)."""
    variant = VectorCase(case.platform, case.level, case.op, case.slug, case.attrs, case.inputs, [],
                         case.output_specs, {"outcome": "valid"}, {**case.provenance, "compat": compat},
                         case.coverpoints, case.resource, compat)
    outputs, error = run_case(variant)
    if error is not None:
        variant.expect = {"outcome": "error", "error": error}
    else:
        variant.outputs = list(outputs)
    return variant


def generate_compat(root: str | Path, compat: str, progress: Callable[[str], None] = print) -> int:
    """Write the compatibility variant of the set ``root``: every op or model case whose result in the
    mode ``compat`` differs from the spec's, under the same id (formats/vectors.md §9)."""
    from ..ops.registry import check_compat

    check_compat(compat)
    out = compat_root(root, compat)
    added = 0
    for d in case_dirs(root):
        case = read_case(d)
        if case.level == "primitive" or not _missing(out, case.id):
            continue
        variant = _in_compat(case, compat)
        if _differs(_expected(case), _expected(variant)):
            added += _record(out, variant, progress)
    if out.is_dir():
        write_manifest(out)
    return added


def check_compat_set(root: str | Path, compat: str, progress: Callable[[str], None] = print) -> list[str]:
    """The variant of ``root`` holds exactly the cases whose result differs in ``compat``, each as computed."""
    out = compat_root(root, compat)
    problems = check(out, progress) if out.is_dir() else []
    have = {d.relative_to(out).as_posix() for d in case_dirs(out)} if out.is_dir() else set()
    for d in case_dirs(root):
        case = read_case(d)
        if case.level == "primitive":
            continue
        differs = _differs(_expected(case), _expected(_in_compat(case, compat)))
        if differs and case.id not in have:
            problems.append(f"{case.id}: differs in {compat} but is missing from {out.name}")
        if not differs and case.id in have:
            problems.append(f"{case.id}: in {out.name} but {compat} computes the spec's result")
    return problems


def _plain(attrs: dict) -> dict:
    """Attributes as JSON values (tuples become lists)."""
    return json.loads(json.dumps(attrs, default=lambda v: v.tolist() if hasattr(v, "tolist") else list(v)))


def write_manifest(root: str | Path) -> None:
    from ..tensorio import write_files

    doc = manifest(root)
    write_files([(str(Path(root) / "manifest.json"), (json.dumps(doc, indent=1) + "\n").encode())])


def _same(expected, actual) -> str | None:
    if expected.dtype != actual.dtype or expected.exponent != actual.exponent:
        return f"{actual.dtype} e={actual.exponent}, expected {expected.dtype} e={expected.exponent}"
    if expected.shape != actual.shape:
        return f"shape {list(actual.shape)}, expected {list(expected.shape)}"
    diff = np.flatnonzero(expected.data.reshape(-1) != actual.data.reshape(-1))
    if diff.size:
        i = int(diff[0])
        return (f"{diff.size} of {expected.data.size} values differ; first at flat index {i}: "
                f"{actual.data.reshape(-1)[i]} instead of {expected.data.reshape(-1)[i]}")
    return None


def check(root: str | Path, progress: Callable[[str], None] = print) -> list[str]:
    """Recompute every case under ``root``; the problems found (empty: clean).  An empty set is a problem."""
    root = Path(root)
    dirs = case_dirs(root)
    if not dirs:
        return [f"{root}: no vector cases"]
    problems = []
    recorded = {}
    mpath = root / "manifest.json"
    if mpath.exists():
        try:
            recorded = json.loads(mpath.read_text()).get("files", {})
        except ValueError:
            problems.append("manifest.json is not JSON")
    actual = manifest(root)["files"]
    if recorded != actual:
        changed = sorted(set(recorded.items()) ^ set(actual.items()))
        problems.append(f"manifest.json does not match the files ({len(changed)} entries differ, e.g. {changed[0][0]})")
    for k, d in enumerate(dirs):
        case = read_case(d)
        outputs, error = run_case(case)
        if case.expect["outcome"] == "error":
            if error != case.expect["error"]:
                problems.append(f"{case.id}: expected error {case.expect['error']}, got {error or 'a result'}")
        elif error is not None:
            problems.append(f"{case.id}: the reference raises {error}")
        else:
            for j, (e, a) in enumerate(zip(case.outputs, outputs)):
                why = _same(e, a)
                if why:
                    problems.append(f"{case.id}: output {j}: {why}")
        packed = packed_weight(case)
        stored = d / "packed1.npy"
        if (packed is None) != (not stored.exists()):
            problems.append(f"{case.id}: packed weight {'missing' if packed is not None else 'unexpected'}")
        elif packed is not None and not np.array_equal(np.load(stored, allow_pickle=False), packed[0]):
            problems.append(f"{case.id}: packed1.npy differs from the platform's packing of the weight")
        if (k + 1) % 100 == 0:
            progress(f"  checked {k + 1} of {len(dirs)} cases")
    return problems
