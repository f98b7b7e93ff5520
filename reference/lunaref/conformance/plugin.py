"""The pytest conformance plugin (spec/formats/vectors.md §5), installed with lunaref (entry point
``pytest11``): ``pytest conformance/ --backend=NAME`` in a checkout, or ``pytest --pyargs
lunaref.conformance --backend=NAME --vectors DIR`` against an installed lunaref, runs every vector case
against a backend.

Options: --backend (built-in name or module:attribute), --vectors DIR (default: the checkout's
vectors/v1), --platform, --ops, --level, --report-json PATH, --xfail-file PATH, and pytest's own
--strict, which here also makes a case the backend does not support fail instead of skip.  Each case is one test, named by its id.
At the end a table op × platform (passed / failed / skipped / xfailed) is printed and written as JSON.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

import pytest

from lunaref import SPEC_VERSION, __version__
from lunaref.conformance import load_backend
from lunaref.errors import LunarefError
from lunaref.conformance.runner import default_vectors, select
from lunaref.vectors.case import case_dirs
_RESULTS: dict[tuple[str, str, str], dict[str, int]] = defaultdict(
    lambda: {"passed": 0, "failed": 0, "skipped": 0, "xfailed": 0})


def pytest_addoption(parser):
    g = parser.getgroup("lunaref conformance")
    g.addoption("--backend", default="reference", help="built-in backend name or module:attribute")
    g.addoption("--vectors", default=str(default_vectors()) if default_vectors() else None,
                help="the vector set to run (default: the checkout's vectors/v1)")
    g.addoption("--platform", action="append", default=[], help="only this platform (repeatable)")
    g.addoption("--ops", action="append", default=[], help="only these ops (comma-separated, repeatable)")
    g.addoption("--level", action="append", default=[], help="only this level: primitive, op, model")
    g.addoption("--report-json", default="conformance-report.json", help="where the summary JSON goes")
    g.addoption("--xfail-file", help="known failures: one '<case id> <reason>' per line (# comments)")
    g.addoption("--compat", help="expect a compatibility mode's results (thinker-3.0.4): the set's variant "
                "<vectors>-MODE replaces the cases it holds")


def pytest_configure(config):
    from lunaref.ops.registry import COMPAT_MODES

    compat = config.getoption("--compat", None)
    if compat is not None and compat not in COMPAT_MODES:
        raise pytest.UsageError(f"--compat {compat}: unknown compatibility mode (known: {', '.join(COMPAT_MODES)})")


def _xfails(config, all_ids: set[str]) -> dict[str, str]:
    path = config.getoption("--xfail-file")
    if not path:
        return {}
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as exc:
        raise pytest.UsageError(f"--xfail-file {path}: {exc.strerror}") from None
    out = {}
    for n, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        case, _, reason = line.partition(" ")
        if case not in all_ids:
            raise pytest.UsageError(f"--xfail-file {path}:{n}: {case!r} matches no case of the vector set")
        out[case] = reason.strip() or "listed in the xfail file"
    return out


def _selected(config):
    ops = {o for spec in config.getoption("--ops") for o in spec.split(",") if o}
    try:
        return select(config.getoption("--vectors"), config.getoption("--platform"), ops, config.getoption("--level"),
                      config.getoption("--compat"))
    except LunarefError as exc:
        raise pytest.UsageError(exc.one_line()) from None


def pytest_generate_tests(metafunc):
    if "case_dir" in metafunc.fixturenames:
        if not metafunc.config.getoption("--vectors"):
            raise pytest.UsageError("no vector set: pass --vectors DIR")
        root = Path(metafunc.config.getoption("--vectors"))
        all_ids = {d.relative_to(root).as_posix() for d in case_dirs(root)}
        xfails = _xfails(metafunc.config, all_ids)
        params = []
        for d in _selected(metafunc.config):
            cid = "/".join(d.parts[-4:])  # the case id (a compatibility variant's case lives in another root)
            marks = [pytest.mark.xfail(reason=xfails[cid], strict=True)] if cid in xfails else []
            params.append(pytest.param(d, marks=marks, id=cid))
        metafunc.parametrize("case_dir", params)


@pytest.fixture(scope="session")
def backend(request):
    b = load_backend(request.config.getoption("--backend"))
    if hasattr(b, "prepare"):  # batch backends get every selected case at once
        b.prepare(_selected(request.config))
    return b


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and report.skipped):
        key = getattr(report, "case_key", None)
        if key:
            outcome = "xfailed" if hasattr(report, "wasxfail") and report.skipped else report.outcome
            _RESULTS[tuple(key)][outcome] += 1     # a tuple again after pytest-xdist's JSON round trip


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    case_dir = item.funcargs.get("case_dir") if hasattr(item, "funcargs") else None
    if case_dir is not None:
        platform, level, op = Path(case_dir).parts[-4:-1]
        rep.case_key = (level, op, platform)


def pytest_terminal_summary(terminalreporter, config):
    if not _RESULTS or not config.getoption("--vectors"):
        return
    backend = config.getoption("--backend")
    rows = [{"level": level, "op": op, "platform": plat, **counts}
            for (level, op, plat), counts in sorted(_RESULTS.items())]
    vectors = Path(config.getoption("--vectors"))
    manifest = vectors / "manifest.json"
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.exists() else None
    doc = {"backend": backend, "lunaref": __version__, "spec": SPEC_VERSION, "compat": config.getoption("--compat"),
           "vectors": {"path": str(vectors), "set": vectors.name, "manifest_sha256": digest}, "results": rows}
    Path(config.getoption("--report-json")).write_text(json.dumps(doc, indent=1) + "\n")
    tr = terminalreporter
    tr.section(f"conformance: backend {backend}, spec {SPEC_VERSION}")
    tr.write_line(f"{'level':<10} {'op':<16} {'platform':<8} {'passed':>7} {'failed':>7} {'skipped':>8} "
                  f"{'xfailed':>8}")
    for r in rows:
        tr.write_line(f"{r['level']:<10} {r['op']:<16} {r['platform']:<8} {r['passed']:>7} {r['failed']:>7} "
                      f"{r['skipped']:>8} {r['xfailed']:>8}")
    tr.write_line(f"summary JSON: {config.getoption('--report-json')}")
