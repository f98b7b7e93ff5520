"""README's commands stay what CI runs."""

from __future__ import annotations

import re

from support import ROOT


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("## Run the tests"):]
    command = re.search(r"```sh\n(.+?)\n```", block, re.S).group(1).strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command in ci.splitlines()
    assert "pip install --quiet -e '.[test]'" in ci and "LUNAREF_REQUIRE_EVIDENCE=1" in ci


def test_readme_has_exactly_two_setup_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("## Set up and run"):readme.index("## Run the tests")]
    commands = re.search(r"```sh\n(.+?)\n```", block, re.S).group(1).strip().splitlines()
    assert len(commands) == 2
