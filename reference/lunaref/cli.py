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


def _load_model(path: str):
    """Recognise MODEL by its content: an ONNX protobuf or a thinker resource."""
    from .onnx_import import is_onnx, load_onnx

    try:
        data = open(path, "rb").read()
    except OSError as exc:
        raise errors.InputNotFound(f"cannot read model {path!r}: {exc.strerror or exc}") from None
    if data[:9] == b"thinker10":
        raise errors.UnsupportedModel(f"{path!r} is a thinker resource (model.bin); running resources is not "
                                      "supported yet — run the ONNX it was packed from")
    if not is_onnx(data):
        raise errors.MalformedOnnx(f"{path!r} is neither an ONNX model nor a thinker resource")
    return load_onnx(data)


def _cmd_run(args: argparse.Namespace) -> int:
    from .graph import evaluate
    from .tensorio import array_bytes, dump_files, read_input, write_files

    graph = _load_model(args.model)
    prof = graph.resolve_platform(args.platform)
    if len(args.input) != len(graph.inputs):
        raise errors.BadArgument(f"the model has {len(graph.inputs)} input(s) "
                                 f"({', '.join(i.name for i in graph.inputs)}); {len(args.input)} -i given")
    if len(args.output) != len(graph.outputs):
        raise errors.BadArgument(f"the model has {len(graph.outputs)} output(s) "
                                 f"({', '.join(o.name for o in graph.outputs)}); {len(args.output)} -o given")
    feeds = [read_input(path, info) for path, info in zip(args.input, graph.inputs)]
    tensors = evaluate(graph, feeds, prof)
    files = [(path, array_bytes(path, tensors[o.name].data)) for path, o in zip(args.output, graph.outputs)]
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

    run = sub.add_parser("run", help="run a linger-exported ONNX model bit-exactly on a platform",
                         description="Run MODEL (recognised by content) on the given inputs. .npy paths are numpy "
                                     "arrays; other paths are raw little-endian bytes of the model's dtype and shape.")
    run.add_argument("model", metavar="MODEL")
    run.add_argument("-p", "--platform", help="venus, venusA or arcs (required unless the model names one)")
    run.add_argument("-i", "--input", action="append", default=[], metavar="INPUT", help="one per model input, in order")
    run.add_argument("-o", "--output", action="append", default=[], metavar="OUTPUT",
                     help="one per model output, in order; written fresh and atomically")
    run.add_argument("--dump", metavar="DIR", help="also write every tensor as DIR/<name>.npy and DIR/exponents.json")
    run.set_defaults(func=_cmd_run)

    ins = sub.add_parser("inspect", help="describe a thinker resource (model.bin): header, sections, memory, "
                                        "tensors, operators, IO", description="Read and check a thinker resource "
                                        "(every offset, count and the CRC) and describe it.")
    ins.add_argument("model", metavar="MODEL.bin")
    ins.add_argument("--json", action="store_true", help="stable JSON (spec/formats/resource.md §12)")
    ins.add_argument("--accept-zero-crc", action="store_true",
                     help="accept a resource whose CRC field is 0, as thinker does (no CRC check then)")
    ins.set_defaults(func=_cmd_inspect)

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
