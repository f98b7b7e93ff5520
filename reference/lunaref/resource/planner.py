"""The memory plan thinker's packer makes (spec/formats/packing.md §"Memory plan").

tpacker 3.0.4 plans each memory type as a list of **blocks**: every runtime tensor is given a block
(a "mem id"), a block's size is the largest tensor it ever holds, a tensor's offset is the sum of the
sizes of the lower-numbered blocks, and the arena is the sum of all blocks.  Three greedy strategies
assign blocks — by size, by breadth, by order — and the one needing the least share memory wins (the
first on a tie).  This module restates them so that ``lunaref pack`` places tensors where tpacker does.

Entries are in tensor-list order; constants (and anything else with ``life_end`` beyond the last
operator) take no block.  An in-place operator's output (Reshape) shares its input's block, and the
two lifetimes are merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Entry", "plan"]

NEVER = 10 ** 11


@dataclass(eq=False)
class Entry:
    name: str
    nbytes: int                     # ALIGN16 of the data size
    mem: str                        # "share", "psram", ...
    life_begin: int
    life_end: int                   # NEVER for constants
    alias_of: int | None = None     # index of the entry whose block an in-place output shares
    share_id: int = field(default=-1, init=False)
    mem_id: int = field(default=-1, init=False)


def _merge_aliases(entries: list[Entry], n_nodes: int) -> list[list[Entry]]:
    """Resolve in-place chains, merge lifetimes, and list the tensors alive at each operator."""
    for i, e in enumerate(entries):
        e.share_id = i if e.alias_of is None else e.alias_of
    for i, e in enumerate(entries):
        prev, same = e, [e]
        while prev.share_id != entries.index(prev) and prev.mem == entries[prev.share_id].mem:
            prev = entries[prev.share_id]
            same.append(prev)
        begin = min(x.life_begin for x in same)
        end = max(x.life_end for x in same)
        for x in same:
            x.life_begin, x.life_end = begin, end
        e.share_id = prev.share_id
    alive: list[list[Entry]] = [[] for _ in range(n_nodes)]
    for i, e in enumerate(entries):
        if e.life_end > n_nodes or e.share_id != i:
            continue
        for j in range(e.life_begin, e.life_end + 1):
            if e not in alive[j]:
                alive[j].append(e)
    return alive


def _best_fit(order: list[Entry], n_nodes: int) -> list[int]:
    """Assign blocks in ``order``: the smallest block that is large enough and idle for the whole
    lifetime, else a new block of the tensor's size."""
    sizes: list[int] = []
    lives: dict[int, list[tuple[int, int]]] = {}
    for t in order:
        if t.life_end > n_nodes:
            continue
        best = None
        for k, life in lives.items():
            if t.nbytes <= sizes[k] and (best is None or sizes[k] - t.nbytes < best[0]):
                if all(t.life_begin > b_end or t.life_end < b_begin for b_begin, b_end in life):
                    best = (sizes[k] - t.nbytes, k)
        if best is None:
            t.mem_id = len(sizes)
            sizes.append(t.nbytes)
            lives[t.mem_id] = [(t.life_begin, t.life_end)]
        else:
            t.mem_id = best[1]
            lives[t.mem_id].append((t.life_begin, t.life_end))
    return sizes


def _by_size(entries: list[Entry], alive, mem: str, n_nodes: int) -> list[int]:
    tensors = sorted((e for e in entries if e.mem == mem), key=lambda e: e.nbytes, reverse=True)
    return _best_fit(tensors, n_nodes)


def _by_breadth(entries: list[Entry], alive, mem: str, n_nodes: int) -> list[int]:
    totals = [sum(t.nbytes for t in a if t.mem == mem) for a in alive]
    nodes = sorted(range(n_nodes), key=lambda j: totals[j], reverse=True)
    order: list[Entry] = []
    pool: list[Entry] = []          # grows over the nodes visited, as tpacker's list does
    for j in nodes:
        if totals[j] == 0:
            continue
        pool.extend(t for t in alive[j] if t.mem == mem)
        for t in sorted(pool, key=lambda e: e.nbytes, reverse=True):
            if t not in order:
                order.append(t)
    return _best_fit(order, n_nodes)


def _by_order(entries: list[Entry], alive, mem: str, n_nodes: int) -> list[int]:
    sizes: list[int] = []
    idle: list[tuple[int, int]] = []
    prev: list[Entry] = []
    for j in range(n_nodes):
        cur = [t for t in alive[j] if t.mem == mem]
        for t in prev:
            if t not in cur:
                idle.append((sizes[t.mem_id], t.mem_id))
        idle.sort()
        for t in cur:
            if t in prev:
                continue
            for x, (size, m_id) in enumerate(idle):
                if size >= t.nbytes:
                    sizes[m_id] = max(t.nbytes, sizes[m_id])
                    t.mem_id = m_id
                    idle.pop(x)
                    break
            else:
                t.mem_id = len(sizes)
                sizes.append(t.nbytes)
        prev = cur
    return sizes


def plan(entries: list[Entry], n_nodes: int) -> tuple[dict[str, int], dict[str, int]]:
    """Offsets (by entry name) and arena sizes (by memory) of the winning strategy."""
    mems: list[str] = []
    for e in entries:
        if e.mem not in mems and e.life_end <= n_nodes:
            mems.append(e.mem)
    results = []
    for strategy in (_by_size, _by_breadth, _by_order):
        work = [Entry(e.name, e.nbytes, e.mem, e.life_begin, e.life_end, e.alias_of) for e in entries]
        alive = _merge_aliases(work, n_nodes)
        sizes = {mem: strategy(work, alive, mem, n_nodes) for mem in mems}
        for e in work:
            if e.share_id != work.index(e):
                e.mem_id = work[e.share_id].mem_id
        results.append((work, sizes))
    best = min(range(len(results)), key=lambda k: (sum(results[k][1].get("share", [])), k))
    work, sizes = results[best]
    offsets = {}
    for e in work:
        if e.life_end > n_nodes or e.mem_id < 0:
            continue
        offsets[e.name] = sum(sizes[e.mem][:e.mem_id])
    return offsets, {mem: sum(s) for mem, s in sizes.items()}
