"""spec/errors.md <-> lunaref.errors: the same names, categories and exit codes."""

from __future__ import annotations

import re

import pytest

from lunaref import errors

from support import SPEC

CATEGORIES = {
    "CheckFailed": errors.CheckFailed, "UsageError": errors.UsageError, "InputError": errors.InputError,
    "FormatError": errors.FormatError, "UnsupportedError": errors.UnsupportedError,
    "RequireError": errors.RequireError, "InternalError": errors.InternalError,
}


def table(heading: str) -> list[list[str]]:
    text = (SPEC / "errors.md").read_text(encoding="utf-8")
    rows = []
    for line in text[text.index(heading):].splitlines()[1:]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not set(line) <= set("|- "):
            rows.append([c.strip().strip("`") for c in line.strip("|").split("|")])
    return rows[1:]


def test_every_named_error_is_in_the_spec_and_back():
    rows = table("## Names")
    spec = {name: cat for name, cat, _ in rows}
    assert spec.keys() == errors.ERROR_CLASSES.keys()
    for name, cat in spec.items():
        assert issubclass(errors.ERROR_CLASSES[name], CATEGORIES[cat]), name


def test_exit_codes_match_the_spec():
    rows = table("## Categories and exit codes")
    codes = {cat: int(code) for code, cat, _ in rows if cat in CATEGORIES}
    assert codes.keys() == CATEGORIES.keys()
    for cat, code in codes.items():
        assert CATEGORIES[cat].exit_code == code


def test_one_line_messages_and_lookup():
    e = errors.ShiftOutOfRange("shift -1\nis negative")
    assert e.name == "ShiftOutOfRange" and e.exit_code == 6
    assert e.one_line() == "ShiftOutOfRange: shift -1 is negative"
    assert errors.error_by_name("CrcMismatch") is errors.CrcMismatch
    with pytest.raises(errors.BadArgument):
        errors.error_by_name("NoSuchError")
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9]+", n) for n in errors.ERROR_CLASSES)
