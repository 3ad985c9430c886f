"""``circular_reference`` (error / warning): each cycle of the dependency graph once, with its cells."""

from __future__ import annotations

from typing import Any

import numpy as np

from xlmodel.tekst import format_tal
from xlmodel.validate.addresses import (
    MAX_COL,
    MAX_ROW,
    a1,
    sheet_prefix,
)
from xlmodel.validate.book import LoadedBook, ref_uses, sorted_unique, target_sheet
from xlmodel.validate.findings import Finding

# The circular-reference check stops adding range nodes to its dependency graph beyond this
# many edges (and says so in an info finding) so that a pathological file cannot exhaust memory.
CYCLE_EDGE_BUDGET = 5_000_000


def _formula_keys(book: LoadedBook) -> np.ndarray:
    """Global keys (sheet, row, col) of all formula cells, sorted."""
    parts = [s.index * (MAX_ROW + 1) * (MAX_COL + 1) + s.f_rows * (MAX_COL + 1) + s.f_cols
             for s in book.sheets]
    return np.sort(np.concatenate(parts)) if parts else np.empty(0, np.int64)


def circular_references(book: LoadedBook, params: Any = None) -> list[Finding]:
    """``circular_reference``: every cycle of formula cells (a strongly connected component
    with more than one cell, or a cell referring to itself), reported once with its cells.

    Ranges count: a formula referring to a range depends on every formula cell in it.  Cells
    that cannot be on a cycle are peeled off first (Kahn's algorithm); Tarjan's algorithm finds
    the cycles among the rest.  ``error``, or ``warning`` when iterative calculation is on.
    """
    per_sheet = (MAX_ROW + 1) * (MAX_COL + 1)
    keys = _formula_keys(book)
    n = len(keys)
    if n == 0:
        return []
    src_parts: list[np.ndarray] = []
    dst_parts: list[np.ndarray] = []
    ranges: dict[tuple[int, int, int, int, int], int] = {}  # rectangle → range node id (≥ n)
    trees: dict[tuple[int, int], _SegmentTree] = {}           # (sheet, column) → tree over its formulas
    next_id = n
    edges = 0
    skipped = 0
    for sheet, form, rows, cols, _ in book.skeleton_groups():
        src = np.searchsorted(keys, sheet.index * per_sheet + rows * (MAX_COL + 1) + cols)
        for use in ref_uses(book, sheet, book.structure(form)):
            target = target_sheet(book, sheet, use.ref)
            if target is None or not len(target.f_rows):
                continue
            r1, c1, r2, c2 = use.ref.resolve(rows, cols)
            base = target.index * per_sheet
            grid = target.formula_grid
            if use.ref.single:
                hit = grid.contains(r1, c1)
                if hit.any():
                    src_parts.append(src[hit])
                    dst_parts.append(np.searchsorted(keys, base + r1[hit] * (MAX_COL + 1) + c1[hit]))
                continue
            counts = grid.count(r1, c1, r2, c2)
            hit = np.flatnonzero(counts > 0)
            if not len(hit):
                continue
            height, width = r2 - r1, c2 - c1
            fixed = bool((height == height[0]).all() and (width == width[0]).all())
            same = fixed and bool((r1 == r1[0]).all() and (c1 == c1[0]).all())
            if fixed and not same and (height[0] + 1) * (width[0] + 1) <= 256:
                # a relative range of fixed size (=SUM(B2:B7) copied along a row): expand
                # it into direct cell-to-cell edges for all cells at once
                for dr in range(int(height[0]) + 1):
                    for dc in range(int(width[0]) + 1):
                        tr, tc = r1[hit] + dr, c1[hit] + dc
                        inner = grid.contains(tr, tc)
                        if inner.any():
                            src_parts.append(src[hit][inner])
                            dst_parts.append(np.searchsorted(keys, base + tr[inner] * (MAX_COL + 1)
                                                             + tc[inner]))
                continue
            for i in (hit[:1] if same else hit).tolist():  # an absolute range: one node for all
                rect = (target.index, int(r1[i]), int(c1[i]), int(r2[i]), int(c2[i]))
                node = ranges.get(rect)
                if node is None:
                    if edges > CYCLE_EDGE_BUDGET:
                        skipped += 1
                        continue
                    node = ranges[rect] = next_id
                    next_id += 1
                    if counts[i] <= 64:  # small: straight to its formula cells
                        targets = np.searchsorted(keys, base + grid.inside(*rect[1:]))
                    else:  # large (a running total): O(log n) segment-tree nodes per column
                        parts = []
                        for col in grid.columns_between(rect[2], rect[4]):
                            tree = trees.get((target.index, col))
                            if tree is None:
                                col_keys = grid.column_keys(col)
                                tree = trees[(target.index, col)] = _SegmentTree(
                                    col_keys // (MAX_COL + 1), np.searchsorted(keys, base + col_keys),
                                    next_id)
                                next_id = tree.next_id
                                src_parts.append(tree.src)
                                dst_parts.append(tree.dst)
                                edges += len(tree.src)
                            parts.append(tree.cover(rect[1], rect[3]))
                        targets = np.concatenate(parts) if parts else np.empty(0, np.int64)
                    src_parts.append(np.full(len(targets), node, np.int64))
                    dst_parts.append(targets)
                    edges += len(targets)
                chosen = hit if same else np.array([i])
                src_parts.append(src[chosen])
                dst_parts.append(np.full(len(chosen), node, np.int64))
    src = np.concatenate(src_parts).astype(np.int64) if src_parts else np.empty(0, np.int64)
    dst = np.concatenate(dst_parts).astype(np.int64) if dst_parts else np.empty(0, np.int64)
    cycles = _cycles(next_id, src, dst)
    out = []
    sheet_of = {s.index: s for s in book.sheets}
    severity = "warning" if book.iterate else "error"
    for members in cycles:
        cells = sorted(int(keys[m]) for m in members if m < n)
        if not cells:
            continue
        places = [(c // per_sheet, (c % per_sheet) // (MAX_COL + 1), c % (MAX_COL + 1)) for c in cells]
        first = sheet_of[places[0][0]]
        names = [(a1(r, c) if si == first.index else f"{sheet_prefix(sheet_of[si].name)}{a1(r, c)}")
                 for si, r, c in places]
        more = f" og {format_tal(len(names) - 20, 0)} til" if len(names) > 20 else ""
        shown = ", ".join(names[:20]) + more
        msg = (f"cirkulær reference gennem {format_tal(len(names), 0)} "
               f"{'celler' if len(names) > 1 else 'celle'}: {shown}")
        if book.iterate:
            msg += " (iterativ beregning er slået til, så Excel advarer ikke: tjek, at det er meningen)"
        out.append(Finding("circular_reference", severity, first.name, a1(*places[0][1:]), msg,
                           actual=", ".join(names), formula=first.formula(*places[0][1:])))
    if skipped:
        out.append(Finding("circular_reference", "info", None, None,
                           f"{format_tal(skipped, 0)} områdereference(r) er ikke fulgt "
                           f"(afhængighedsgrafen nåede {format_tal(CYCLE_EDGE_BUDGET, 0)} kanter): "
                           "kredsløb gennem dem kan være overset"))
    return out


class _SegmentTree:
    """A segment tree over one column's formula cells (sorted by row), as graph nodes.

    A range over many formula cells of the column depends on the O(log n) tree nodes covering
    it instead of on each cell, so nested ranges (running totals) stay small: an internal
    node depends on its two children, a leaf is the formula cell itself.
    """

    def __init__(self, rows: np.ndarray, cells: np.ndarray, next_id: int) -> None:
        m = len(rows)
        size = 1 << max(0, (m - 1).bit_length())
        node = np.full(2 * size, -1, np.int64)
        node[size:size + m] = cells
        src, dst = [], []
        width = size // 2
        while width >= 1:  # one level at a time, bottom up
            idx = np.arange(width, 2 * width)
            left, right = node[2 * idx], node[2 * idx + 1]
            live = (left >= 0) | (right >= 0)
            ids = next_id + np.arange(int(live.sum()))
            next_id += len(ids)
            node[idx[live]] = ids
            for child in (left, right):
                keep = live & (child >= 0)
                src.append(node[idx[keep]])
                dst.append(child[keep])
            width //= 2
        self.rows, self.node, self.size, self.next_id = rows, node, size, next_id
        self.src = np.concatenate(src) if src else np.empty(0, np.int64)
        self.dst = np.concatenate(dst) if dst else np.empty(0, np.int64)

    def cover(self, r1: int, r2: int) -> np.ndarray:
        """Tree nodes covering exactly the cells with row in [r1, r2]."""
        lo = int(np.searchsorted(self.rows, r1, "left")) + self.size
        hi = int(np.searchsorted(self.rows, r2, "right")) + self.size
        out = []
        while lo < hi:
            if lo & 1:
                out.append(self.node[lo])
                lo += 1
            if hi & 1:
                hi -= 1
                out.append(self.node[hi])
            lo >>= 1
            hi >>= 1
        found = np.array(out, np.int64)
        return found[found >= 0]


def _cycles(n: int, src: np.ndarray, dst: np.ndarray) -> list[list[int]]:
    """Strongly connected components that are cycles, for the graph src → dst (depends on)."""
    if not len(src):
        return []
    pairs = sorted_unique(src * n + dst)
    src, dst = pairs // n, pairs % n
    self_loops = set(src[src == dst].tolist())
    # Peel: a node whose precedents are all peeled cannot be on a cycle (Kahn's algorithm).
    outdeg = np.bincount(src, minlength=n)
    order = np.argsort(dst, kind="stable")
    rev_src = src[order].tolist()
    rev_ptr = np.searchsorted(dst[order], np.arange(n + 1)).tolist()
    deg = outdeg.tolist()
    stack = np.flatnonzero(outdeg == 0).tolist()
    while stack:
        node = stack.pop()
        for dep in rev_src[rev_ptr[node]:rev_ptr[node + 1]]:
            deg[dep] -= 1
            if deg[dep] == 0:
                stack.append(dep)
    alive = np.array(deg) > 0
    if not alive.any():
        return []
    keep = alive[src] & alive[dst]
    s, d = src[keep].tolist(), dst[keep].tolist()
    adjacency: dict[int, list[int]] = {}
    for a, b in zip(s, d, strict=True):
        adjacency.setdefault(a, []).append(b)
    return [comp for comp in _tarjan(adjacency) if len(comp) > 1 or comp[0] in self_loops]


def _tarjan(adjacency: dict[int, list[int]]) -> list[list[int]]:
    """Tarjan's strongly connected components, iterative (no recursion limit)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in adjacency:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = adjacency.get(node, [])
            advanced = False
            while i < len(successors):
                nxt = successors[i]
                i += 1
                if nxt not in index:
                    work.append((node, i))
                    work.append((nxt, 0))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                out.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out
