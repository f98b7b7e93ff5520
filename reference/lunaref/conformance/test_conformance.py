"""One test per vector case: the backend's outputs must equal the expected ones bit for bit, and a
must-error case passes only if the backend reports that error."""

from __future__ import annotations

import pytest

from lunaref.conformance.report import verdict
from lunaref.conformance.runner import supported
from lunaref.vectors.case import read_case


def test_case(case_dir, backend, request):
    case = read_case(case_dir)
    if not supported(backend, case):
        if request.config.getoption("strict", False):  # pytest's own --strict
            pytest.fail(f"{case.id}: the backend does not support {case.level}/{case.op} on {case.platform} "
                        "(--strict)", pytrace=False)
        pytest.skip(f"{getattr(backend, 'name', 'backend')} does not support {case.level}/{case.op} on {case.platform}")
    rerun = f"pytest conformance/ --backend={request.config.getoption('--backend')} -k '{case.id}'"
    problem = verdict(case, backend)
    if problem:
        pytest.fail(f"{case.id} ({case.op} on {case.platform}):\n{problem}\nrerun: {rerun}", pytrace=False)
