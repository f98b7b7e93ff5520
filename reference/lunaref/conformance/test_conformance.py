"""One test per vector case: the backend's outputs must equal the expected ones bit for bit, and a
must-error case passes only if the backend reports that error."""

from __future__ import annotations

import pytest

from lunaref.conformance import BackendError
from lunaref.conformance.report import compare
from lunaref.vectors.case import read_case


def test_case(case_dir, backend, request):
    case = read_case(case_dir)
    supported = backend.supports(case.level, case.op, case.platform)
    if supported and hasattr(backend, "supports_case"):
        supported = backend.supports_case(case)
    if not supported:
        if request.config.getoption("strict", False):  # pytest's own --strict
            pytest.fail(f"{case.id}: the backend does not support {case.level}/{case.op} on {case.platform} "
                        "(--strict)", pytrace=False)
        pytest.skip(f"{getattr(backend, 'name', 'backend')} does not support {case.level}/{case.op} on {case.platform}")
    rerun = f"pytest conformance/ --backend={request.config.getoption('--backend')} -k '{case.id}'"
    try:
        actual = backend.run(case)
    except BackendError as exc:
        if case.expect["outcome"] == "error" and exc.name == case.expect["error"]:
            return
        pytest.fail(f"{case.id} ({case.op} on {case.platform}): the backend reported {exc}\nrerun: {rerun}",
                    pytrace=False)
    if case.expect["outcome"] == "error":
        pytest.fail(f"{case.id}: expected error {case.expect['error']}, the backend returned outputs\n"
                    f"rerun: {rerun}", pytrace=False)
    problem = compare(case, actual)
    if problem:
        pytest.fail(f"{case.id} ({case.op} on {case.platform}):\n{problem}\nrerun: {rerun}", pytrace=False)
