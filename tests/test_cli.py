"""The lunaref command: --version, --help, ops, shift; errors are one line with the spec'd code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from lunaref import SPEC_VERSION, __version__
from lunaref.ops import REGISTRY


def lunaref(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LUNAREF_DEBUG"}
    return subprocess.run([sys.executable, "-m", "lunaref", *args], capture_output=True, text=True, env=env)


def test_version():
    r = lunaref("--version")
    assert r.returncode == 0
    assert r.stdout.strip() == f"lunaref {__version__} (spec {SPEC_VERSION})"


def test_help_lists_the_commands():
    r = lunaref("--help")
    assert r.returncode == 0 and "ops" in r.stdout and "shift" in r.stdout
    assert lunaref().returncode == 0  # no command: help, success


def test_ops_lists_the_registry():
    r = lunaref("ops")
    assert r.returncode == 0
    for op in REGISTRY:
        assert any(line.split()[0] == op.name for line in r.stdout.splitlines()[1:])
    rows = json.loads(lunaref("ops", "--json", "-p", "arcs").stdout)
    assert {row["op"] for row in rows} == {op.name for op in REGISTRY if "arcs" in op.platforms}
    quant = next(row for row in rows if row["op"] == "Quant")
    assert quant["spec"] == "ops/quant.md" and "positive tie" in quant["coverpoints"]


def test_shift_table():
    r = lunaref("shift", "-5", "5", "-s", "1", "-m", "half_up", "-m", "floor")
    assert r.returncode == 0
    rows = [line.split() for line in r.stdout.splitlines()[2:]]
    assert rows == [["-5", "-2.5", "-2", "-3"], ["5", "2.5", "3", "2"]]


@pytest.mark.parametrize("args,code,name", [
    (["bogus"], 2, "BadArgument"),
    (["ops", "--nope"], 2, "BadArgument"),
    (["ops", "-p", "mars"], 2, "UnknownPlatform"),
    (["shift", "1", "-s", "x"], 2, "BadArgument"),
    (["shift", "1", "-s", "-1"], 6, "ShiftOutOfRange"),
    (["shift", "1", "-s", "1", "-m", "nearest"], 2, "BadArgument"),
])
def test_errors_are_one_line_with_the_spec_exit_code(args, code, name):
    r = lunaref(*args)
    assert r.returncode == code
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"lunaref: error: {name}: ")
    assert "Traceback" not in r.stderr and r.stdout == ""
