"""The ``lunaref`` command line (README.md, "CLI tour").

Every failure is one line on stderr, ``lunaref: error: <ErrorName>: <message>``, and the exit code
of the error's category (spec/errors.md).  Never a traceback, unless ``LUNAREF_DEBUG=1`` is set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from typing import Sequence

from . import errors, numerics
from ._version import SPEC_VERSION, __version__
from .ops.registry import COMPAT_MODES
from .platforms import PLATFORM_NAMES, profile


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2 (spec/errors.md)."""

    def error(self, message: str) -> "NoReturn":  # type: ignore[name-defined]  # noqa: F821
        raise errors.BadArgument(f"{self.prog}: {message}")


def _cmd_ops(args: argparse.Namespace) -> int:
    from .ops import REGISTRY

    plat = profile(args.platform).name if args.platform else None
    rows = [op for op in REGISTRY if plat is None or plat in op.platforms]
    if args.json:
        out = [{
            "op": op.name,
            "summary": op.summary,
            "platforms": list(op.platforms),
            "aliases": {k: list(v) for k, v in op.aliases.items()},
            "signatures": [{"inputs": list(s.inputs), "outputs": list(s.outputs), "platforms": list(s.platforms)}
                           for s in op.signatures],
            "spec": op.spec_section,
            "since": op.since,
            "coverpoints": [c.name for c in op.coverpoints],
        } for op in rows]
        print(json.dumps(out, indent=2))
        return 0
    print(f"{'op':<12} {'platforms':<20} {'spec':<20} summary")
    for op in rows:
        print(f"{op.name:<12} {','.join(op.platforms):<20} {op.spec_section:<20} {op.summary}")
    return 0


def _cmd_shift(args: argparse.Namespace) -> int:
    modes = [numerics.rounding(m) for m in args.mode] if args.mode else list(numerics.Rounding)
    values = [int(v) for v in args.values]
    results = {m: numerics.shift_round(values, args.shift, m) for m in modes}
    head = f"{'v':>22} {'v/2^s':>26}" + "".join(f" {m.value:>10}" for m in modes)
    print(f"s = {args.shift}")
    print(head)
    for i, v in enumerate(values):
        print(f"{v:>22} {v / 2 ** args.shift:>26.10g}" + "".join(f" {int(results[m][i]):>10}" for m in modes))
    return 0


def _load_model(path: str, accept_zero_crc: bool = False):
    """Recognise MODEL by its content: a thinker resource (label "thinker10") or an ONNX protobuf."""
    from .onnx_import import is_onnx, load_onnx
    from .resource import read

    try:
        data = open(path, "rb").read()
    except OSError as exc:
        raise errors.InputNotFound(f"cannot read model {path!r}: {exc.strerror or exc}") from None
    if data[:9] == b"thinker10":
        return read(data, accept_zero_crc=accept_zero_crc)
    if not is_onnx(data):
        raise errors.MalformedOnnx(f"{path!r} is neither an ONNX model nor a thinker resource")
    return load_onnx(data)


def _resource_inputs(res, quantize_inputs: bool):
    """ValueInfo for each resource input: its record's dtype and shape (float32 if it will be quantized)."""
    from .graph import ValueInfo
    from .numerics import dtype as get_dtype
    from .resource.layout import DTYPES

    infos = []
    for entry in res.inputs:
        rec = res.tensors[entry.tensor]
        name = DTYPES[rec.dtype_code][1] or "float32"
        if quantize_inputs and get_dtype(name).is_integer:
            name = "float32"
        infos.append(ValueInfo(entry.name, get_dtype(name), None, rec.shape))
    return infos


def _cmd_run(args: argparse.Namespace) -> int:
    from .graph import evaluate
    from .resource import Resource
    from .resource.executor import execute
    from .tensorio import array_bytes, dump_files, read_input, write_files

    model = _load_model(args.model, args.accept_zero_crc)
    is_resource = isinstance(model, Resource)
    if is_resource:
        in_infos = _resource_inputs(model, args.quantize_inputs)
        out_names = [e.name for e in model.outputs]
    else:
        if args.quantize_inputs or args.dequantize_outputs:
            raise errors.BadArgument("--quantize-inputs and --dequantize-outputs apply to thinker resources; "
                                     "an ONNX model quantizes through its own Quant and Dequant nodes")
        in_infos = list(model.inputs)
        out_names = [o.name for o in model.outputs]
        prof = model.resolve_platform(args.platform)
    if len(args.input) != len(in_infos):
        raise errors.BadArgument(f"the model has {len(in_infos)} input(s) "
                                 f"({', '.join(i.name for i in in_infos)}); {len(args.input)} -i given")
    if len(args.output) != len(out_names):
        raise errors.BadArgument(f"the model has {len(out_names)} output(s) "
                                 f"({', '.join(out_names)}); {len(args.output)} -o given")
    feeds = [read_input(path, info) for path, info in zip(args.input, in_infos)]
    if is_resource:
        run = execute(model, feeds, args.platform, quantize_inputs=args.quantize_inputs,
                      dequantize_outputs=args.dequantize_outputs, compat=args.compat)
        outputs, tensors = run.outputs, run.tensors
    else:
        tensors = evaluate(model, feeds, prof, args.compat)
        outputs = [tensors[name].data for name in out_names]
    files = [(path, array_bytes(path, arr)) for path, arr in zip(args.output, outputs)]
    if args.dump:
        os.makedirs(args.dump, exist_ok=True)
        files += dump_files(args.dump, tensors)
    write_files(files)
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    from .resource import read
    from .resource.inspect import describe, format_text

    res = read(args.model, accept_zero_crc=args.accept_zero_crc)
    if args.json:
        print(json.dumps(describe(res), indent=1))
    else:
        sys.stdout.write(format_text(res))
    return 0


def _cmd_pack(args: argparse.Namespace) -> int:
    from .resource import Resource
    from .resource.packer import pack
    from .tensorio import write_files

    model = _load_model(args.model)
    if isinstance(model, Resource):
        raise errors.BadArgument(f"{args.model!r} is already a thinker resource; pack takes an ONNX model")
    result = pack(model, args.platform, keep_quant=args.keep_quant, share_limit=args.ramsize)
    if args.report:
        totals: dict[tuple[str, str], int] = {}
        print(f"{'tensor':<40} {'mem':<6} {'storage':<9} {'offset':>9} {'bytes':>9}")
        for row in result.report:
            print(f"{row['tensor']:<40.40} {row['mem']:<6} {row['storage']:<9} {row['offset']:>9} {row['size']:>9}")
            key = (row["mem"], row["storage"])
            totals[key] = totals.get(key, 0) + row["size"]
        for m in result.resource.memory:
            print(f"total {m.mem:<6} {'parameters' if m.shared else 'arena':<10} {m.size:>9} bytes")
    write_files([(args.output, result.data)])
    return 0


def _cmd_vectors(args: argparse.Namespace) -> int:
    from .vectors.generate import check, check_compat_set, compat_root, generate, generate_compat

    if args.compat and args.action != "export-c":
        if args.action == "generate":
            added = generate_compat(args.dir, args.compat, progress=lambda m: print(m, file=sys.stderr))
            print(f"added {added} case(s) under {compat_root(args.dir, args.compat)}")
            return 0
        problems = check_compat_set(args.dir, args.compat, progress=lambda m: print(m, file=sys.stderr))
        for p in problems:
            print(p)
        if problems:
            raise errors.OutputMismatch(f"{len(problems)} problem(s) in {compat_root(args.dir, args.compat)}")
        print(f"{compat_root(args.dir, args.compat)}: exactly the cases {args.compat} computes differently, "
              "each byte for byte")
        return 0

    if args.action == "generate":
        try:
            import hypothesis  # noqa: F401
        except ImportError:
            raise errors.BadArgument("vector generation needs hypothesis: pip install 'lunaref[test]'") from None
        ops = [o for spec in args.ops for o in spec.split(",")] if args.ops else None
        plats = [profile(p).name for p in args.platform] if args.platform else None
        for name in ops or ():
            from .ops import REGISTRY
            REGISTRY.get(name)
        added = generate(args.dir, ops, plats, progress=lambda m: print(m, file=sys.stderr))
        print(f"added {added} case(s) under {args.dir}")
        return 0
    if args.action == "export-c":
        from .conformance.runner import select
        from .vectors.export_c import export_c

        if not args.out:
            raise errors.BadArgument("vectors export-c needs --out DIR")
        ops = [o for spec in args.ops or () for o in spec.split(",") if o]
        dirs = select(args.dir, [profile(p).name for p in args.platform or ()], ops)
        n = export_c(args.dir, dirs, args.out)
        print(f"exported {n} case(s) to {args.out}: lunaref_vectors.h, lunaref_cases.h, lunaref_runner.c")
        return 0
    problems = check(args.dir, progress=lambda m: print(m, file=sys.stderr))
    for p in problems:
        print(p)
    if problems:
        raise errors.OutputMismatch(f"{len(problems)} problem(s) in {args.dir}")
    print(f"{args.dir}: every case recomputes byte for byte")
    return 0


def _conform_cases(args: argparse.Namespace):
    from .conformance.runner import default_vectors, select

    root = args.vectors or default_vectors()
    if root is None:
        raise errors.BadArgument("no vector set: pass --vectors DIR")
    ops = [o for spec in args.ops for o in spec.split(",") if o]
    dirs = select(root, [profile(p).name for p in args.platform], ops, args.level, args.compat)
    if not dirs:
        raise errors.BadArgument(f"no case of {root} matches the selection")
    return root, dirs


def _cmd_conform(args: argparse.Namespace) -> int:
    import json

    root, dirs = _conform_cases(args)
    if args.mutants or args.mutant:
        return _conform_mutants(args, root, dirs)
    from .conformance import load_backend
    from .conformance.runner import run

    backend = load_backend(args.backend)
    results = run(backend, dirs)
    counts = {k: sum(r.outcome == k for r in results) for k in ("passed", "failed", "skipped")}
    failed = [r for r in results if r.outcome == "failed"]
    if args.json:
        print(json.dumps({"backend": args.backend, "vectors": str(root), **counts,
                          "failures": [{"id": r.case.id, "why": r.message} for r in failed]}, indent=1))
    else:
        table: dict[tuple[str, str, str], dict[str, int]] = {}
        for r in results:
            row = table.setdefault((r.case.level, r.case.op, r.case.platform), dict.fromkeys(counts, 0))
            row[r.outcome] += 1
        print(f"{'level':<10} {'op':<16} {'platform':<8} {'passed':>7} {'failed':>7} {'skipped':>8}")
        for (level, op, plat), row in sorted(table.items()):
            print(f"{level:<10} {op:<16} {plat:<8} {row['passed']:>7} {row['failed']:>7} {row['skipped']:>8}")
        for r in failed:
            print(f"FAILED {r.case.id}: {r.message}")
        print(f"backend {args.backend}: {counts['passed']} passed, {counts['failed']} failed, "
              f"{counts['skipped']} skipped of {len(results)} cases in {root}")
    if failed:
        raise errors.CasesFailed(f"{len(failed)} of {len(results)} cases failed against backend {args.backend}")
    return 0


def _conform_mutants(args: argparse.Namespace, root, dirs) -> int:
    import json

    from .conformance.mutants import CATALOG, hunt
    from .vectors.case import read_case

    unknown = [m for m in args.mutant if m not in CATALOG]
    if unknown:
        raise errors.BadArgument(f"unknown mutant {unknown[0]!r} (known: {', '.join(CATALOG)})")
    chosen = [CATALOG[m] for m in args.mutant] if args.mutant else list(CATALOG.values())
    outcomes = hunt([read_case(d) for d in dirs], chosen)
    killed = sum(o.killed for o in outcomes)
    if args.json:
        print(json.dumps({"vectors": str(root), "cases": len(dirs), "killed": killed, "mutants": [
            {"name": o.mutant.name, "bug": o.mutant.bug, "killed": o.killed, "cases_run": o.cases,
             "killed_by": [cid for cid, _ in o.killers]} for o in outcomes]}, indent=1))
    else:
        print(f"{'mutant':<24} {'killed':<6} {'cases':>5}  {'first killing case':<46} bug")
        for o in outcomes:
            first = o.killers[0][0] if o.killers else "-- SURVIVED: add a vector that catches it"
            print(f"{o.mutant.name:<24} {'yes' if o.killed else 'NO':<6} {len(o.killers):>5}  {first:<46} {o.mutant.bug}")
        print(f"kill rate: {killed} of {len(outcomes)} mutants ({100 * killed // len(outcomes)}%) "
              f"with {len(dirs)} cases of {root}")
    if killed < len(outcomes):
        survivors = [o.mutant.name for o in outcomes if not o.killed]
        raise errors.MutantSurvived(f"{len(survivors)} mutant(s) survived: {', '.join(survivors)}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    import json

    from .compare import compare_dumps, format_text, read_dump

    c = compare_dumps(read_dump(args.a), read_dump(args.b))
    print(json.dumps(c.to_json(), indent=1) if args.json else format_text(c))
    first = c.first_divergence
    if first is not None:
        raise errors.OutputMismatch(f"{sum(not r.exact for r in c.rows)} of {len(c.rows)} shared tensors differ; "
                                    f"first divergence: {first.name}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from .bench import main as bench

    for m in args.model:
        if not os.path.isfile(m):
            raise errors.InputNotFound(f"no model file {m!r}")
    if args.repeat < 1:
        raise errors.BadArgument("--repeat must be at least 1")
    plat = profile(args.platform).name if args.platform else None
    everything = not (args.kernels or args.model or args.suite)
    report = bench(args.model, plat, args.repeat, kernels=args.kernels or everything, suite=args.suite or everything,
                   out=(lambda *a: None) if args.json else print)
    if args.json:
        print(json.dumps(report, indent=1))
    return 0


def _int(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="lunaref", description=(
        "Reference implementation of LISTENAI LUNA integer arithmetic "
        f"(spec {SPEC_VERSION}; platforms {', '.join(PLATFORM_NAMES)})."))
    p.add_argument("--version", action="version", version=f"lunaref {__version__} (spec {SPEC_VERSION})")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    ops = sub.add_parser("ops", help="list the registered ops (name, platforms, spec section)")
    ops.add_argument("-p", "--platform", help="only ops available on this platform")
    ops.add_argument("--json", action="store_true", help="machine-readable registry rows")
    ops.set_defaults(func=_cmd_ops)

    run = sub.add_parser("run", help="run an ONNX model or a thinker resource bit-exactly on a platform",
                         description="Run MODEL (a linger-exported ONNX model or a thinker resource, recognised by "
                                     "content) on the given inputs. .npy paths are numpy arrays; other paths are raw "
                                     "little-endian bytes of the model's dtype and shape.")
    run.add_argument("model", metavar="MODEL")
    run.add_argument("-p", "--platform", help="venus, venusA or arcs (required unless the model names one)")
    run.add_argument("-i", "--input", action="append", default=[], metavar="INPUT", help="one per model input, in order")
    run.add_argument("-o", "--output", action="append", default=[], metavar="OUTPUT",
                     help="one per model output, in order; written fresh and atomically")
    run.add_argument("--dump", metavar="DIR", help="also write every tensor as DIR/<name>.npy and DIR/exponents.json")
    run.add_argument("--quantize-inputs", action="store_true",
                     help="resource: take float32 inputs and quantize them with each input's exponent")
    run.add_argument("--dequantize-outputs", action="store_true",
                     help="resource: return integer outputs as float32 (value × 2^-exponent)")
    run.add_argument("--accept-zero-crc", action="store_true", help="resource: accept a CRC field of 0, as thinker does")
    run.add_argument("--compat", choices=COMPAT_MODES, metavar="MODE",
                     help="compute as that executor does, its deterministic deviations from the spec included "
                          "(spec/errata.md): thinker-3.0.4")
    run.set_defaults(func=_cmd_run)

    pk = sub.add_parser("pack", help="pack an ONNX model into a thinker resource (model.bin)",
                        description="Pack MODEL as thinker's packer does: Quant/Dequant removal, Conv+Relu fusion, "
                                    "weight layouts per platform, a memory plan within the platform's limits, "
                                    "the DMA list and debug names (spec/formats/packing.md).")
    pk.add_argument("model", metavar="MODEL.onnx")
    pk.add_argument("-p", "--platform", help="venus, venusA or arcs (required unless the model names one)")
    pk.add_argument("-o", "--output", required=True, metavar="model.bin")
    pk.add_argument("--keep-quant", action="store_true", help="keep the leading Quant and trailing Dequant")
    pk.add_argument("--report", action="store_true", help="print memory use per tensor and in total")
    pk.add_argument("--ramsize", type=_int, metavar="BYTES",
                    help="share-memory budget (default: venus 655360, venusA and arcs 393216)")
    pk.set_defaults(func=_cmd_pack)

    ins = sub.add_parser("inspect", help="describe a thinker resource (model.bin): header, sections, memory, "
                                        "tensors, operators, IO", description="Read and check a thinker resource "
                                        "(every offset, count and the CRC) and describe it.")
    ins.add_argument("model", metavar="MODEL.bin")
    ins.add_argument("--json", action="store_true", help="stable JSON (spec/formats/resource.md §12)")
    ins.add_argument("--accept-zero-crc", action="store_true",
                     help="accept a resource whose CRC field is 0, as thinker does (no CRC check then)")
    ins.set_defaults(func=_cmd_inspect)

    vec = sub.add_parser("vectors", help="generate or check conformance vectors (spec/formats/vectors.md)")
    vec.add_argument("action", choices=["generate", "check", "export-c"],
                     help="generate missing cases, check every case, or export cases as C headers and a runner")
    vec.add_argument("--dir", default="vectors/v1", help="the vector set (default vectors/v1)")
    vec.add_argument("--ops", action="append", help="only these ops (comma-separated, repeatable)")
    vec.add_argument("-p", "--platform", action="append", help="only this platform (repeatable)")
    vec.add_argument("--out", metavar="DIR", help="export-c: the directory to write")
    vec.add_argument("--compat", choices=COMPAT_MODES, metavar="MODE",
                     help="generate or check the set's compatibility variant <dir>-MODE (formats/vectors.md §9)")
    vec.set_defaults(func=_cmd_vectors)

    cf = sub.add_parser("conform", help="run a vector set against a backend, or measure its kill rate on the "
                        "mutation catalog (spec/formats/vectors.md §5, §7)")
    cf.add_argument("--backend", default="reference",
                    help="reference, subprocess:COMMAND, mutant:NAME or module:attribute (default reference)")
    cf.add_argument("--vectors", metavar="DIR", help="the vector set (default: the checkout's vectors/v1)")
    cf.add_argument("-p", "--platform", action="append", default=[], help="only this platform (repeatable)")
    cf.add_argument("--ops", action="append", default=[], help="only these ops (comma-separated, repeatable)")
    cf.add_argument("--level", action="append", default=[], choices=["primitive", "op", "model"],
                    help="only this level (repeatable)")
    cf.add_argument("--compat", choices=COMPAT_MODES, metavar="MODE",
                    help="expect the results of a compatibility mode (thinker-3.0.4): the set's variant applies")
    cf.add_argument("--mutants", action="store_true", help="run every catalogued mutant; print the kill rate")
    cf.add_argument("--mutant", action="append", default=[], metavar="NAME", help="run only this mutant (repeatable)")
    cf.add_argument("--json", action="store_true", help="machine-readable result")
    cf.set_defaults(func=_cmd_conform)

    cp = sub.add_parser("compare", help="compare two tensor dumps tensor by tensor, in graph order, naming the first "
                        "divergence (lunaref --dump directories, thinker result dumps, .npz)",
                        description="Compare two tensor dumps (spec/executor.md §6). Exit status 1 if a shared "
                        "tensor differs.")
    cp.add_argument("a", metavar="A", help="the reference side: a dump directory or .npz file")
    cp.add_argument("b", metavar="B", help="the side under test")
    cp.add_argument("--json", action="store_true", help="machine-readable result")
    cp.set_defaults(func=_cmd_compare)

    bn = sub.add_parser("bench", help="benchmark the kernels, models and the conformance suite on this machine",
                        description="Time the multiply-accumulate kernels against a float64 GEMM of the same size, "
                        "models through ONNX and model.bin, and the conformance suite (README, Benchmarks). With no "
                        "selection: kernels and suite.")
    bn.add_argument("--kernels", action="store_true", help="the kernel table")
    bn.add_argument("--model", action="append", default=[], metavar="ONNX",
                    help="time this ONNX model through ONNX and model.bin (repeatable)")
    bn.add_argument("-p", "--platform", help="platform for models that name none")
    bn.add_argument("--suite", action="store_true", help="time the conformance suite and vectors check (checkout only)")
    bn.add_argument("--repeat", type=int, default=10, help="timed repeats after one warm-up (default 10)")
    bn.add_argument("--json", action="store_true", help="machine-readable figures")
    bn.set_defaults(func=_cmd_bench)

    sh = sub.add_parser("shift", help="show how each rounding rule shifts integers right (spec/numerics.md §3)",
                        description="Print round_mode(v / 2^s) for each value and rounding rule.")
    sh.add_argument("values", nargs="+", type=_int, metavar="V", help="integers (decimal or 0x.. hex)")
    sh.add_argument("-s", "--shift", type=_int, required=True, help="right shift s >= 0")
    sh.add_argument("-m", "--mode", action="append",
                    help="rounding rule (half_up, floor, ceil, half_even, half_away, trunc, or a linger "
                         "name: floor_add, round); repeatable; default: all")
    sh.set_defaults(func=_cmd_shift)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 0
        return int(args.func(args))
    except errors.LunarefError as exc:
        print(f"lunaref: error: {exc.one_line()}", file=sys.stderr)
        if os.environ.get("LUNAREF_DEBUG"):
            traceback.print_exc()
        return exc.exit_code
    except KeyboardInterrupt:
        print("lunaref: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a defect in lunaref: still one line, with the way to see more
        print(f"lunaref: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
              "(set LUNAREF_DEBUG=1 for a traceback)", file=sys.stderr)
        if os.environ.get("LUNAREF_DEBUG"):
            traceback.print_exc()
        return errors.InternalError.exit_code
