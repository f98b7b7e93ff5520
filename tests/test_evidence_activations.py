"""Evidence: every row of luna-activations/venusA_sigmoid_tanh_q27.csv — the venusA simulator's
``luna_{sigmoid,tanh}_i32o{8,16,32}`` on Q27 inputs, wrapped inputs included — equals lunaref's primitive
(spec/nonlinear.md §1).  Expected values are the evidence; lunaref computes each output from ``in_q27``."""

from __future__ import annotations

import csv

import numpy as np

from lunaref.luna.activation import activation

from support import require_evidence

COLUMNS = {"o8_q7": "int8", "o16_q15": "int16", "o32_q31": "int32"}


def test_every_row_of_the_venusA_table():
    path = require_evidence("luna-activations", "venusA_sigmoid_tanh_q27.csv")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 6656 and sum(r["in_wrapped"] == "1" for r in rows) == 2 * 544
    for kind in ("sigmoid", "tanh"):
        mine = [r for r in rows if r["function"] == kind]
        x = np.array([int(r["in_q27"]) for r in mine], dtype=np.int64)
        for column, out in COLUMNS.items():
            want = np.array([int(r[column]) for r in mine], dtype=np.int64)
            got = activation(kind, x, out, "venusA").astype(np.int64)
            bad = np.nonzero(got != want)[0]
            assert bad.size == 0, f"{kind} {column}: {bad.size} rows differ, first in_q27 {int(x[bad[0]])}"
