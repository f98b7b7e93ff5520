"""``lunaref inspect``: a resource described as text or as stable JSON (spec/formats/resource.md §12)."""

from __future__ import annotations

from typing import Any

from .reader import SECTION_ORDER, Resource

__all__ = ["describe", "format_text", "INSPECT_FORMAT"]

#: Identifies the JSON document's schema; bumped only when a key changes meaning or disappears.
INSPECT_FORMAT = "lunaref-inspect/1"


def _sections(r: Resource) -> list[dict[str, Any]]:
    h = r.header
    offsets = [h.memory_offset, h.tensor_offset, h.op_offset, h.io_offset, h.param_offset,
               h.shape_infer_offset, h.debug_offset, h.dma_offset]
    ends = offsets[1:] + [h.total_size]
    return [{"name": n, "offset": s, "size": e - s} for n, s, e in zip(SECTION_ORDER, offsets, ends)]


def describe(r: Resource) -> dict[str, Any]:
    """The resource as plain JSON-ready data (keys documented in spec/formats/resource.md §12)."""
    h = r.header
    totals: dict[str, int] = {}
    for m in r.memory:
        totals[m.mem] = totals.get(m.mem, 0) + m.size
    si = r.shape_infer
    return {
        "format": INSPECT_FORMAT,
        "header": {"label": h.label, "platform": h.platform, "platform_code": h.platform_code,
                   "crc": h.crc, "total_size": h.total_size},
        "sections": _sections(r),
        "memory": [{"index": m.index, "kind": "parameters" if m.shared else "arena", "mem": m.mem, "size": m.size}
                   for m in r.memory],
        "memory_totals": totals,
        "tensors": [{"index": t.index, "name": t.name, "dtype": t.dtype, "shape": list(t.shape),
                     "exponent": t.exponent, "scale": t.scale, "mem": t.mem,
                     "storage": "constant" if t.constant else "runtime", "offset": t.offset, "nbytes": t.nbytes,
                     "layout": t.layout} for t in r.tensors],
        "operators": [{"index": o.index, "type": o.type, "attrs": None if o.attrs is None else dict(o.attrs),
                       "attr_bytes": o.attr_bytes.hex(), "inputs": list(o.inputs), "outputs": list(o.outputs),
                       "temps": list(o.temps)} for o in r.operators],
        "inputs": [{"name": e.name, "tensor": e.tensor} for e in r.inputs],
        "outputs": [{"name": e.name, "tensor": e.tensor} for e in r.outputs],
        "parameters": [{"mem": p.mem, "mem_id": p.mem_id, "data_offset": p.data_offset, "size": p.size}
                       for p in r.parameters],
        "dma": [{"src": {"mem": d.src_mem, "id": d.src_id}, "dst": {"mem": d.dst_mem, "id": d.dst_id},
                 "src_tensor": d.src_tensor, "dst_tensor": d.dst_tensor, "size": d.size} for d in r.dma],
        "shape_inference": None if si.empty else {
            "dynamic_axes": [{"tensor": a.tensor, "dim": a.dim, "scalar_input": a.scalar_input} for a in si.dy_axes],
            "pairs": [{"tensor": t, "dim": d} for t, d in si.pairs],
            "graph": None if si.graph is None else {
                "inputs": list(si.graph.inputs), "outputs": list(si.graph.outputs),
                "input_names": list(si.graph.input_names), "scalars": list(si.graph.scalars),
                "nodes": [{"op": op, "inputs": list(ins), "output": out} for op, ins, out in si.graph.nodes]}},
    }


def format_text(r: Resource) -> str:
    d = describe(r)
    h = d["header"]
    lines = [f"thinker resource  platform {h['platform']} (code {h['platform_code']})  {h['total_size']} bytes  "
             f"crc 0x{h['crc']:06x}", "", "sections"]
    lines += [f"  {s['name']:<16} offset {s['offset']:>9}  size {s['size']:>9}" for s in d["sections"]]
    lines += ["", "memory"]
    lines += [f"  [{m['index']}] {m['kind']:<10} {m['mem']:<6} {m['size']:>9} bytes" for m in d["memory"]]
    lines += [f"  total {mem:<6} {size:>9} bytes" for mem, size in d["memory_totals"].items()]
    lines += ["", "tensors", f"  {'id':>4} {'name':<28} {'dtype':<8} {'shape':<20} {'exp':>4} {'mem':<6} "
                              f"{'storage':<8} {'offset':>8} {'bytes':>8} layout"]
    for t in d["tensors"]:
        exp = "-" if t["exponent"] is None else str(t["exponent"])
        lines.append(f"  {t['index']:>4} {str(t['name'] or ''):<28.28} {t['dtype']:<8} {str(t['shape']):<20} {exp:>4} "
                     f"{t['mem']:<6} {t['storage']:<8} {t['offset']:>8} {t['nbytes']:>8} {t['layout']}")
    lines += ["", "operators"]
    for o in d["operators"]:
        attrs = "" if o["attrs"] is None else " " + ", ".join(f"{k}={v}" for k, v in o["attrs"].items())
        temps = f" temps {o['temps']}" if o["temps"] else ""
        lines.append(f"  {o['index']:>4} {o['type']:<16} in {o['inputs']} out {o['outputs']}{temps}{attrs}")
    lines += ["", "io"]
    lines += [f"  input  {e['name']} -> tensor {e['tensor']}" for e in d["inputs"]]
    lines += [f"  output {e['name']} -> tensor {e['tensor']}" for e in d["outputs"]]
    if d["dma"]:
        lines += ["", "dma"]
        lines += [f"  {k:>4} {x['src']['mem']} tensor {x['src_tensor']} -> {x['dst']['mem']} tensor "
                  f"{x['dst_tensor']}  {x['size']} bytes" for k, x in enumerate(d["dma"])]
    si = d["shape_inference"]
    lines += ["", "shape inference: " + ("none (static shapes)" if si is None else
                                         f"{len(si['dynamic_axes'])} dynamic axes, {len(si['pairs'])} dims updated")]
    return "\n".join(lines) + "\n"
