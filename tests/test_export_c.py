"""`lunaref vectors export-c`: the C headers hold exactly the vector set, compile strictly, and the runner
checks a port on the target's terms (no files, no allocation) — here examples/c-port's arithmetic."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np

from lunaref.conformance.runner import CHECKOUT_VECTORS, select
from lunaref.vectors.case import packed_weight, read_case

from support import ROOT, build_c, require_cc
from test_cli import lunaref

PORT = ROOT / "examples" / "c-port"
PORTED = "iqAdd,Conv2dInt,rshift,add,sub,mul,scale,offset"


def _export(out, *args):
    r = lunaref("vectors", "export-c", "--dir", str(CHECKOUT_VECTORS), "--out", str(out), *args)
    assert r.returncode == 0, r.stderr
    return out


def test_export_runs_the_c_port_on_target_terms(tmp_path):
    cc = require_cc()
    out = _export(tmp_path / "export", "--ops", PORTED)
    prog = build_c(cc, [out / "lunaref_runner.c", PORT / "target.c", PORT / "luna_port.c", PORT / "npy.c"],
                   tmp_path / "target-check", "-DLR_MAIN", f"-I{out}", f"-I{PORT}")
    r = subprocess.run([str(prog)], capture_output=True, text=True)
    cases = [read_case(d) for d in select(CHECKOUT_VECTORS, ops=PORTED.split(","))]
    skipped = sum(c.op == "Conv2dInt" and any(t.dtype.name != "int8" for t in c.inputs[:2]) for c in cases)
    assert r.returncode == 0, r.stdout[-2000:]
    assert r.stdout.strip().splitlines()[-1] == \
        f"{len(cases) - skipped} passed, 0 failed, {skipped} skipped of {len(cases)} cases"


def test_the_runner_reports_a_port_bug(tmp_path):
    cc = require_cc()
    out = _export(tmp_path / "export", "--ops", "iqAdd", "-p", "venus")
    src = tmp_path / "luna_port.c"
    shutil.copy(PORT / "luna_port.c", src)
    src.write_text(src.read_text().replace("return floor_shift(t, 1) + (t & 1);", "return floor_shift(t, 1);"))
    prog = build_c(cc, [out / "lunaref_runner.c", PORT / "target.c", src, PORT / "npy.c"], tmp_path / "buggy",
                   "-DLR_MAIN", f"-I{out}", f"-I{PORT}")
    r = subprocess.run([str(prog)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "FAIL venus/op/iqAdd/cp-positive-tie: output 0 differs first at element" in r.stdout


DUMP = r"""
#include <stdio.h>
#include "lunaref_cases.h"
static unsigned long long fnv(const void *p, unsigned long n, unsigned long long h) {
    const unsigned char *b = p;
    for (unsigned long i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}
static unsigned lr_dtype_size_(lr_dtype d) {
    return d == LR_INT8 || d == LR_INT4 ? 1 : d == LR_INT16 ? 2 : d == LR_INT64 ? 8 : 4;
}
static unsigned long long tensor(const lr_tensor *t, unsigned long long h) {
    unsigned size = lr_dtype_size_(t->dtype);
    h = fnv(t->shape, sizeof(int32_t) * t->ndim, h);
    h = fnv(&t->exponent, sizeof t->exponent, h);
    if (t->data) h = fnv(t->data, (unsigned long)t->count * size, h);
    return t->packed ? tensor(t->packed, h) : h;
}
int main(void) {
    for (unsigned n = 0; n < LR_CASE_COUNT; n++) {
        const lr_case *c = &lr_cases[n];
        unsigned long long h = 14695981039346656037ull;
        for (unsigned k = 0; k < c->n_inputs; k++) h = tensor(&c->inputs[k], h);
        for (unsigned k = 0; k < c->n_outputs; k++) h = tensor(&c->outputs[k], h);
        if (c->model) h = fnv(c->model, c->model_size, h);
        printf("%s %u %s %llu\n", c->id, (unsigned)c->n_attrs, c->error ? c->error : "-", h);
    }
    return 0;
}
"""


def _fnv(data: bytes, h: int) -> int:
    for b in data:
        h = ((h ^ b) * 1099511628211) & (2 ** 64 - 1)
    return h


def _tensor_hash(arr, exponent, h, packed=None):
    h = _fnv(np.array(arr.shape, dtype=np.int32).tobytes(), h)
    h = _fnv(np.int32(exponent or 0).tobytes(), h)
    if arr.size:
        h = _fnv(np.ascontiguousarray(arr).tobytes(), h)
    return _tensor_hash(packed, exponent, h) if packed is not None else h


def test_the_whole_set_exports_compiles_and_holds_every_byte(tmp_path):
    cc = require_cc()
    out = _export(tmp_path / "export")
    (tmp_path / "dump.c").write_text(DUMP)
    prog = build_c(cc, [tmp_path / "dump.c"], tmp_path / "dump", f"-I{out}")
    lines = subprocess.run([str(prog)], capture_output=True, text=True, check=True).stdout.splitlines()
    dirs = select(CHECKOUT_VECTORS)
    assert len(lines) == len(dirs)
    for line, d in zip(lines, dirs):
        case = read_case(d)
        h = 14695981039346656037
        packed = packed_weight(case)
        for k, t in enumerate(case.inputs):
            h = _tensor_hash(t.data, t.exponent, h, packed[0] if packed and k == 1 else None)
        if case.expect["outcome"] == "valid":
            for t in case.outputs:
                h = _tensor_hash(t.data, t.exponent, h)
        else:
            for s in case.output_specs:
                h = _fnv(np.int32(s.exponent or 0).tobytes(), h)
        if case.resource is not None:
            h = _fnv(case.resource, h)
        error = case.expect.get("error", "-")
        assert line == f"{case.id} {len(case.attrs)} {error} {h}", line
    # the runner itself compiles against the whole set with a port that supports nothing
    (tmp_path / "none.c").write_text('#include "lunaref_vectors.h"\nint lr_port_run(const lr_case *c, void *const o[], '
                                     'const char **e) { (void)c; (void)o; (void)e; return LR_UNSUPPORTED; }\n')
    runner = build_c(cc, [out / "lunaref_runner.c", tmp_path / "none.c"], tmp_path / "none", "-DLR_MAIN", f"-I{out}")
    last = subprocess.run([str(runner)], capture_output=True, text=True).stdout.strip().splitlines()[-1]
    assert last == f"0 passed, 0 failed, {len(dirs)} skipped of {len(dirs)} cases"


def test_export_errors_are_one_line(tmp_path):
    r = lunaref("vectors", "export-c", "--dir", str(CHECKOUT_VECTORS))
    assert r.returncode == 2 and "needs --out" in r.stderr
    r = lunaref("vectors", "export-c", "--dir", str(CHECKOUT_VECTORS), "--out", str(tmp_path / "x"), "--ops", "Nope")
    assert r.returncode == 2 and "no case" in r.stderr and not (tmp_path / "x").exists()
    blocker = tmp_path / "file"
    blocker.write_text("")
    r = lunaref("vectors", "export-c", "--dir", str(CHECKOUT_VECTORS), "--out", str(blocker / "sub"))
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1


ATTRS = r"""
#include <stdio.h>
#include "lunaref_cases.h"
int main(void) {
    const lr_case *c = &lr_cases[0];
    for (unsigned k = 0; k < c->n_attrs; k++) {
        const lr_attr *a = &c->attrs[k];
        printf("%s", a->name);
        if (a->kind == LR_ATTR_INT) printf(" int %lld", (long long)a->i);
        if (a->kind == LR_ATTR_FLOAT) printf(" float %.17g", a->f);
        if (a->kind == LR_ATTR_STR) printf(" str %s", a->s);
        if (a->kind == LR_ATTR_INTS) for (unsigned i = 0; i < a->n; i++) printf(" %lld", (long long)a->ints[i]);
        if (a->kind == LR_ATTR_FLOATS) for (unsigned i = 0; i < a->n; i++) printf(" %.17g", a->floats[i]);
        printf("\n");
    }
    return 0;
}
"""


def test_every_attribute_kind_exports_exactly(tmp_path):
    from lunaref import Tensor, TensorSpec
    from lunaref.vectors.case import VectorCase, write_case

    cc = require_cc()
    attrs = {"alpha": 0.1, "axes": [], "flag": True, "mode": "edge", "pads": [0, -(2 ** 63), 2 ** 63 - 1],
             "scales": [1.0, 2.5, 1e-300]}
    x = Tensor.of(np.array([1, -1]), "int8", 0)
    write_case(tmp_path / "set", VectorCase("venus", "op", "Relu", "attrs", attrs, [x], [], [TensorSpec.of("int8", 0)],
                                            {"outcome": "error", "error": "ShapeMismatch"}))
    out = tmp_path / "export"
    r = lunaref("vectors", "export-c", "--dir", str(tmp_path / "set"), "--out", str(out))
    assert r.returncode == 0, r.stderr
    (tmp_path / "attrs.c").write_text(ATTRS)
    prog = build_c(cc, [tmp_path / "attrs.c"], tmp_path / "attrs", f"-I{out}")
    lines = subprocess.run([str(prog)], capture_output=True, text=True, check=True).stdout.splitlines()
    g = "%.17g"
    assert lines == [f"alpha float {g % 0.1}", "axes", "flag int 1", "mode str edge",
                     f"pads 0 {-(2 ** 63)} {2 ** 63 - 1}", "scales " + " ".join(g % v for v in attrs["scales"])]
    assert float(lines[0].split()[-1]) == 0.1 and float(lines[-1].split()[-1]) == 1e-300  # round trip exact
