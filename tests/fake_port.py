"""A stand-in for a port outside Python, speaking the subprocess batch protocol (spec/formats/vectors.md §6):
``fake_port.py request.json response.json``.  It computes Relu with numpy, reports the must-error case,
and declares everything else unsupported — reading case directories and writing .npy files as a C
program would."""

import json
import sys
from pathlib import Path

import numpy as np

request, response = sys.argv[1], sys.argv[2]
results = {}
for case in json.loads(Path(request).read_text())["cases"]:
    if case["op"] != "Relu":
        results[case["id"]] = {"status": "unsupported"}
        continue
    doc = json.loads((Path(case["dir"]) / "case.json").read_text())
    if case["platform"] == "arcs" and doc["inputs"][0]["dtype"] == "int16":    # arcs has no 16-bit relu
        results[case["id"]] = {"status": "error", "error": "UnsupportedOnPlatform"}
        continue
    if doc["inputs"][0]["exponent"] != doc["outputs"][0]["exponent"]:
        results[case["id"]] = {"status": "error", "error": "ExponentOutOfRange"}
        continue
    x = np.load(Path(case["dir"]) / doc["inputs"][0]["file"])
    out = Path(case["outputs"])
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "out0.npy", np.maximum(x, 0).astype(x.dtype))
    results[case["id"]] = {"status": "ok"}
Path(response).write_text(json.dumps({"format": "lunaref-batch/1", "results": results}))
