"""pytest conformance plugin: ``pytest conformance/ --backend=NAME`` runs every vector case against a backend.

Options: --backend (built-in name or module:attribute), --vectors DIR (default: the checkout's
vectors/v1), --platform, --ops, --level, --report-json PATH.  Each case is one test, named by its id.
At the end a table op × platform (passed / failed / skipped) is printed and written as JSON.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from lunaref import SPEC_VERSION, __version__
from lunaref.conformance import load_backend
from lunaref.vectors.case import case_dirs

ROOT = Path(__file__).resolve().parents[1]
_RESULTS: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"passed": 0, "failed": 0, "skipped": 0})


def pytest_addoption(parser):
    g = parser.getgroup("lunaref conformance")
    g.addoption("--backend", default="reference", help="built-in backend name or module:attribute")
    g.addoption("--vectors", default=str(ROOT / "vectors" / "v1"), help="the vector set to run")
    g.addoption("--platform", action="append", default=[], help="only this platform (repeatable)")
    g.addoption("--ops", action="append", default=[], help="only these ops (comma-separated, repeatable)")
    g.addoption("--level", action="append", default=[], help="only this level: primitive, op, model")
    g.addoption("--report-json", default="conformance-report.json", help="where the summary JSON goes")


def _selected(config):
    ops = {o for spec in config.getoption("--ops") for o in spec.split(",") if o}
    plats, levels = set(config.getoption("--platform")), set(config.getoption("--level"))
    out = []
    for d in case_dirs(config.getoption("--vectors")):
        platform, level, op, _slug = d.relative_to(config.getoption("--vectors")).parts
        if (ops and op not in ops) or (plats and platform not in plats) or (levels and level not in levels):
            continue
        out.append(d)
    return out


def pytest_generate_tests(metafunc):
    if "case_dir" in metafunc.fixturenames:
        dirs = _selected(metafunc.config)
        root = Path(metafunc.config.getoption("--vectors"))
        metafunc.parametrize("case_dir", dirs, ids=[d.relative_to(root).as_posix() for d in dirs])


@pytest.fixture(scope="session")
def backend(request):
    return load_backend(request.config.getoption("--backend"))


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and report.skipped):
        key = getattr(report, "case_key", None)
        if key:
            _RESULTS[key][report.outcome] += 1


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    case_dir = item.funcargs.get("case_dir") if hasattr(item, "funcargs") else None
    if case_dir is not None:
        platform, _level, op = Path(case_dir).parts[-4:-1]
        rep.case_key = (op, platform)


def pytest_terminal_summary(terminalreporter, config):
    if not _RESULTS:
        return
    backend = config.getoption("--backend")
    rows = [{"op": op, "platform": plat, **counts} for (op, plat), counts in sorted(_RESULTS.items())]
    doc = {"backend": backend, "lunaref": __version__, "spec": SPEC_VERSION,
           "vectors": str(config.getoption("--vectors")), "results": rows}
    Path(config.getoption("--report-json")).write_text(json.dumps(doc, indent=1) + "\n")
    tr = terminalreporter
    tr.section(f"conformance: backend {backend}, spec {SPEC_VERSION}")
    tr.write_line(f"{'op':<16} {'platform':<8} {'passed':>7} {'failed':>7} {'skipped':>8}")
    for r in rows:
        tr.write_line(f"{r['op']:<16} {r['platform']:<8} {r['passed']:>7} {r['failed']:>7} {r['skipped']:>8}")
    tr.write_line(f"summary JSON: {config.getoption('--report-json')}")
