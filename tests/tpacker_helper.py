"""Opt-in helper: real tpacker 3.0.4 (PyPI ``pythinker``) in a venv of its own, packing evidence models.

pythinker 3.0.4 needs onnx 1.15 (it uses ``onnx.mapping``) and numpy < 2, and does not declare its cffi
and sympy dependencies, so it cannot share lunaref's environment.  The venv is created once, in
``LUNAREF_TPACKER_VENV`` (default ``<repo>/.tpacker-venv``, git-ignored).  tpacker's ``-d True`` report
calls ``os.getlogin()``, which fails without a login terminal; the runner below replaces it with
``getpass.getuser()`` before calling tpacker's own ``main``.  Nothing of tpacker is stored in the project.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support import ROOT

PIP_SPEC = ["pythinker==3.0.4", "onnx==1.15.0", "numpy<2", "cffi", "sympy"]

RUNNER = """import getpass, os, sys
os.getlogin = lambda: getpass.getuser()
from tpacker.tpacker import main
sys.argv[0] = "tpacker"
main()
"""


def venv_python() -> Path:
    venv = Path(os.environ.get("LUNAREF_TPACKER_VENV", ROOT / ".tpacker-venv"))
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PIP_SPEC], check=True)
    return python


def with_platform(src: Path, dst: Path, platform: str) -> Path:
    """A copy of a linger 1.x model with ``platform`` and ``quant_mode`` on every custom node (how the
    packer is told the platform), written with lunaref's own onnx."""
    import onnx
    from onnx import helper

    m = onnx.load(str(src))
    for node in m.graph.node:
        if node.domain:
            node.attribute.extend([helper.make_attribute("platform", platform),
                                   helper.make_attribute("quant_mode", "floor_add")])
    onnx.save(m, str(dst))
    return dst


def pack(model: Path, out: Path, workdir: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run tpacker on ``model`` in ``workdir`` (it writes ./workspace there); the resource goes to ``out``."""
    python = venv_python()
    workdir.mkdir(parents=True, exist_ok=True)
    runner = workdir / "run_tpacker.py"
    runner.write_text(RUNNER)
    return subprocess.run([str(python), str(runner), "-g", str(model), "-o", str(out), "-d", "True", *extra],
                          cwd=workdir, capture_output=True, text=True)


def debug_dir(workdir: Path, model: Path) -> Path:
    return workdir / "workspace" / model.stem


def report_tensor_names(workdir: Path, model: Path) -> list[str]:
    """Tensor names from tpacker's memory report (``<model>_memory_report.txt``)."""
    report = debug_dir(workdir, model) / f"{model.stem}_memory_report.txt"
    names, in_table = [], False
    for line in report.read_text().splitlines():
        cells = [c for c in line.strip("|").split() if c]
        if line.startswith("|tensor name"):
            in_table = True
        elif line.startswith("---") or line.startswith("==="):
            continue
        elif in_table and line.startswith("|") and len(cells) >= 5:
            names.append(cells[0])
        elif not line.startswith("|"):
            in_table = False
    return names


def final_operator_types(workdir: Path, model: Path) -> list[str]:
    """Operator types of tpacker's last graph dump (``model.ignore/7_graph_op_split.onnx``)."""
    import onnx

    g = onnx.load(str(debug_dir(workdir, model) / "model.ignore" / "7_graph_op_split.onnx"))
    return [n.op_type for n in g.graph.node if n.op_type != "Constant"]
