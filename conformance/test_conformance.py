"""The conformance suite in a checkout: the test lives in the package (lunaref.conformance), so that an
installed lunaref runs the same suite with ``pytest --pyargs lunaref.conformance``."""

from lunaref.conformance.test_conformance import test_case  # noqa: F401
