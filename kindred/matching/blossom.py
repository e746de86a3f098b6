"""Exact maximum-weight matching on a general graph: Edmonds' weighted blossom algorithm.

The primal-dual method in its O(n^3) form (Edmonds 1965; Gabow 1976; Galil, "Efficient
algorithms for finding maximum matching in graphs", 1986), written for the peer pairing of
this engine. Weights are integers and every dual stays an integer, so the result is exact.

Duals are kept doubled: ``dual[v] = 2 y_v`` for a vertex and ``dual[B] = z_B`` for a blossom, so
that an edge's doubled slack ``dual[i] + dual[j] + 2 * sum(z_B, B holds i and j) - 2 w_ij`` is
an integer and so is every step of the dual adjustment. At the end the duals are a solution of
the dual of the matching polytope's LP (degree and odd-set constraints)::

    min  sum_v y_v + sum_B z_B (|B| - 1) / 2
    s.t. y_i + y_j + sum_{B contains i, j} z_B >= w_ij,   y >= 0, z >= 0

with the same value as the matching: :func:`certify` checks exactly that, over any edge set.

Vertices are 0..n-1, blossoms n..2n-1. Edge ``k`` has endpoints ``2k`` (its first vertex) and
``2k + 1`` (its second); ``ends[p]`` is the vertex of endpoint ``p`` and ``p ^ 1`` is the other
end of the same edge. ``mate[v]`` is the endpoint of v's partner (``ends[mate[v]]`` is the
partner), -1 when v is free. A labelled top-level blossom b was reached through ``via[b]``, the
endpoint at its parent in the alternating tree (-1 for a root).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

FREE, S, T = 0, 1, 2
MARK = 4  # scan_blossom's breadcrumb on S-blossoms


@dataclass
class BlossomResult:
    """A maximum-weight matching and its optimal (doubled) duals.

    ``mate[v]`` is v's partner or -1; ``dual[v]`` is 2 y_v. The blossoms left at the end are
    numbered 0..len(z)-1: ``inner[v]`` is the innermost one holding vertex v (-1: none),
    ``parent[B]`` the one around B (-1: none) and ``z[B]`` its dual z_B.
    """

    mate: np.ndarray
    dual: np.ndarray
    inner: np.ndarray
    parent: np.ndarray
    z: np.ndarray
    stages: int = 0

    def lifted(self, n: int, people: np.ndarray) -> BlossomResult:
        """The same result in a graph of ``n`` vertices where vertex x here is ``people[x]``;
        the other vertices are unmatched with a zero dual."""
        mate = np.full(n, -1, dtype=np.int64)
        matched = self.mate >= 0
        mate[people[matched]] = people[self.mate[matched]]
        dual = np.zeros(n, dtype=np.int64)
        dual[people] = self.dual
        inner = np.full(n, -1, dtype=np.int64)
        inner[people] = self.inner
        return BlossomResult(mate, dual, inner, self.parent, self.z, self.stages)

    def ancestry(self) -> tuple[np.ndarray, np.ndarray]:
        """``(table, size)``: ``table[d, v]`` is the blossom at depth d (0: outermost) holding
        vertex v, -1 if none; ``size[B]`` is B's number of vertices."""
        n, count = len(self.mate), len(self.z)
        depth = np.zeros(count, dtype=np.int64)
        for _ in range(count + 1):  # depth = number of blossoms around (a forest: settles in <= count)
            around = np.where(self.parent >= 0, depth[np.maximum(self.parent, 0)] + 1, 0)
            if (around == depth).all():
                break
            depth = around
        else:
            raise ValueError("blossom parents form a cycle")
        size = np.zeros(count, dtype=np.int64)
        table = np.full((int(depth.max(initial=-1)) + 1, n), -1, dtype=np.int64)
        vertex = np.arange(n)
        current = self.inner.copy()
        while (current >= 0).any():
            held = current >= 0
            table[depth[current[held]], vertex[held]] = current[held]
            np.add.at(size, current[held], 1)
            current = np.where(held, self.parent[np.maximum(current, 0)], -1)
        return table, size


def max_weight_matching(
    n: int,
    first: np.ndarray,
    second: np.ndarray,
    weight: np.ndarray,
    check: Callable[[], None] | None = None,
) -> BlossomResult:
    """Maximum-weight matching of ``n`` vertices over edges ``(first[k], second[k], weight[k])``.

    Weights are non-negative integers; there are no self-loops or repeated edges. ``check`` is
    called once per stage (a stage ends with one augmentation) and may raise to stop the run.
    """
    m = len(first)
    if n == 0 or m == 0:
        none = np.zeros(0, dtype=np.int64)
        return BlossomResult(
            np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int64), np.full(n, -1), none, none
        )
    ends: list[int] = np.column_stack([first, second]).ravel().tolist() if m else []
    w2: list[int] = (2 * np.asarray(weight, dtype=np.int64)).tolist() if m else []
    out: list[list[int]] = [[] for _ in range(n)]  # per vertex: the endpoints at its neighbours
    for k in range(m):
        out[ends[2 * k]].append(2 * k + 1)
        out[ends[2 * k + 1]].append(2 * k)
    top_weight = max(w2) // 2 if m else 0

    mate = [-1] * n
    label = [FREE] * (2 * n)
    via = [-1] * (2 * n)
    top = list(range(n))  # each vertex's top-level blossom
    parent = [-1] * (2 * n)
    children: list[list[int]] = [[] for _ in range(2 * n)]
    links: list[list[int]] = [[] for _ in range(2 * n)]  # links[b][i]: child i -> child i+1
    base = list(range(n)) + [-1] * n
    best = [-1] * (2 * n)  # least-slack edge: to an S-blossom (non-S) / another S-blossom (S)
    best_list: list[list[int] | None] = [None] * (2 * n)
    unused = list(range(2 * n - 1, n - 1, -1))
    dual = [2 * top_weight] * n + [0] * n
    allowed = [False] * m
    queue: list[int] = []

    def slack(k: int) -> int:
        return dual[ends[2 * k]] + dual[ends[2 * k + 1]] - w2[k]

    def leaves(b: int) -> list[int]:
        if b < n:
            return [b]
        found, stack = [], [b]
        while stack:
            x = stack.pop()
            if x < n:
                found.append(x)
            else:
                stack.extend(children[x])
        return found

    def assign_label(w: int, t: int, p: int) -> None:
        while True:
            b = top[w]
            label[w] = label[b] = t
            via[w] = via[b] = p
            best[w] = best[b] = -1
            if t == S:
                queue.extend(leaves(b))
                return
            # A T-blossom's base is matched: its partner becomes S.
            q = mate[base[b]]
            w, t, p = ends[q], S, q ^ 1

    def scan_blossom(v: int, w: int) -> int:
        """Trace the tree paths up from S-vertices v and w: the base vertex of the new blossom,
        or -1 when the paths end at two different roots (an augmenting path)."""
        path = []
        found = -1
        while v != -1:
            b = top[v]
            if label[b] & MARK:
                found = base[b]
                break
            path.append(b)
            label[b] = S | MARK
            if via[b] == -1:
                v = -1  # reached a root
            else:
                v = ends[via[b]]  # the T-vertex above ...
                v = ends[via[top[v]]]  # ... and the S-vertex above that
            if w != -1:
                v, w = w, v
        for b in path:
            label[b] = S
        return found

    def add_blossom(base_vertex: int, k: int) -> None:
        """Make the odd cycle closed by S-S edge k, through ``base_vertex``, a new S-blossom."""
        v, w = ends[2 * k], ends[2 * k + 1]
        bb, bv, bw = top[base_vertex], top[v], top[w]
        b = unused.pop()
        base[b] = base_vertex
        parent[b] = -1
        parent[bb] = b
        cycle: list[int] = []
        edges: list[int] = []
        while bv != bb:  # from v down to the base
            parent[bv] = b
            cycle.append(bv)
            edges.append(via[bv])
            bv = top[ends[via[bv]]]
        cycle.append(bb)
        cycle.reverse()
        edges.reverse()
        edges.append(2 * k)
        while bw != bb:  # from w down to the base
            parent[bw] = b
            cycle.append(bw)
            edges.append(via[bw] ^ 1)
            bw = top[ends[via[bw]]]
        children[b] = cycle
        links[b] = edges
        label[b] = S
        via[b] = via[bb]
        dual[b] = 0
        for x in leaves(b):
            if label[top[x]] == T:
                queue.append(x)  # former T-vertices are S now: scan them
            top[x] = b
        # The least-slack edge from the new blossom to every other S-blossom.
        best_to: dict[int, int] = {}
        for child in cycle:
            kept = best_list[child]
            candidates = [p >> 1 for x in leaves(child) for p in out[x]] if kept is None else kept
            for e in candidates:
                i, j = ends[2 * e], ends[2 * e + 1]
                if top[j] == b:
                    i, j = j, i
                bj = top[j]
                if bj != b and label[bj] == S:
                    held = best_to.get(bj, -1)
                    if held == -1 or slack(e) < slack(held):
                        best_to[bj] = e
            best_list[child] = None
            best[child] = -1
        kept_edges = list(best_to.values())
        best_list[b] = kept_edges
        chosen = -1
        for e in kept_edges:
            if chosen == -1 or slack(e) < slack(chosen):
                chosen = e
        best[b] = chosen

    def expand_blossom(b: int, end_of_stage: bool) -> None:
        """Dissolve top-level blossom b into its children (and, at the end of a stage, every
        nested child whose dual is zero). A T-blossom's children are relabelled in the tree."""
        work = [b]
        while work:
            x = work.pop()
            for s in children[x]:
                parent[s] = -1
                if s < n:
                    top[s] = s
                elif end_of_stage and dual[s] == 0:
                    work.append(s)
                else:
                    for y in leaves(s):
                        top[y] = s
            if x != b:
                _recycle(x)
        if not end_of_stage and label[b] == T:
            _relabel_expanded(b)
        _recycle(b)

    def _recycle(b: int) -> None:
        label[b] = via[b] = -1
        children[b] = []
        links[b] = []
        base[b] = -1
        best_list[b] = None
        best[b] = -1
        unused.append(b)

    def _relabel_expanded(b: int) -> None:
        """The expanded T-blossom b's children: those on the even path from the entry child to
        the base child stay in the tree (alternately T and S), the others become unlabelled
        (T again if an S-vertex already reached one of their vertices by a tight edge)."""
        cycle, edges = children[b], links[b]
        size = len(cycle)
        entry = top[ends[via[b] ^ 1]]
        j = cycle.index(entry)
        if j & 1:  # walk forward (odd index: the even path goes up through the end of the list)
            j -= size
            step, trick = 1, 0
        else:
            step, trick = -1, 1
        p = via[b]
        while j != 0:
            label[ends[p ^ 1]] = FREE
            label[ends[edges[j - trick] ^ trick ^ 1]] = FREE
            assign_label(ends[p ^ 1], T, p)
            allowed[edges[j - trick] >> 1] = True
            j += step
            p = edges[j - trick] ^ trick
            allowed[p >> 1] = True
            j += step
        child = cycle[j]
        label[ends[p ^ 1]] = label[child] = T
        via[ends[p ^ 1]] = via[child] = p
        best[child] = -1
        j += step
        while cycle[j] != entry:
            child = cycle[j]
            if label[child] == S:
                j += step
                continue
            reached = -1
            for y in leaves(child):
                if label[y] != FREE:
                    reached = y
                    break
            if reached >= 0:
                label[reached] = FREE
                label[ends[mate[base[child]]]] = FREE
                assign_label(reached, T, via[reached])
            j += step

    def augment_blossom(b: int, v: int) -> None:
        """Swap matched and unmatched edges inside blossom b so that vertex v becomes its base."""
        work = [(b, v)]
        while work:
            b, v = work.pop()
            t = v
            while parent[t] != b:
                t = parent[t]
            if t >= n:
                work.append((t, v))
            cycle, edges = children[b], links[b]
            i = j = cycle.index(t)
            if i & 1:
                j -= len(cycle)
                step, trick = 1, 0
            else:
                step, trick = -1, 1
            while j != 0:
                j += step
                t = cycle[j]
                p = edges[j - trick] ^ trick
                if t >= n:
                    work.append((t, ends[p]))
                j += step
                t = cycle[j]
                if t >= n:
                    work.append((t, ends[p ^ 1]))
                mate[ends[p]] = p ^ 1
                mate[ends[p ^ 1]] = p
            children[b] = cycle[i:] + cycle[:i]
            links[b] = edges[i:] + edges[:i]
            base[b] = v  # (nested blossoms may still be waiting on the work list)

    def augment_matching(k: int) -> None:
        """Flip the augmenting path through edge k (both ends S, in different trees)."""
        v, w = ends[2 * k], ends[2 * k + 1]
        for s, p in ((v, 2 * k + 1), (w, 2 * k)):
            while True:
                bs = top[s]
                if bs >= n:
                    augment_blossom(bs, s)
                mate[s] = p
                if via[bs] == -1:
                    break  # the root: it is matched now
                t = ends[via[bs]]
                bt = top[t]
                s = ends[via[bt]]
                j = ends[via[bt] ^ 1]
                if bt >= n:
                    augment_blossom(bt, j)
                mate[j] = via[bt]
                p = via[bt] ^ 1

    stages = 0
    for _ in range(n + 1):
        stages += 1
        if check is not None:
            check()
        for b in range(2 * n):
            label[b] = FREE
            best[b] = -1
        for b in range(n, 2 * n):
            best_list[b] = None
        for k in range(m):
            allowed[k] = False
        queue.clear()
        for v in range(n):
            if mate[v] == -1 and label[top[v]] == FREE:
                assign_label(v, S, -1)
        augmented = False
        while True:
            while queue and not augmented:
                v = queue.pop()
                bv = top[v]
                for p in out[v]:
                    k = p >> 1
                    w = ends[p]
                    bw = top[w]
                    if bv == bw:
                        continue
                    if not allowed[k]:
                        k_slack = dual[v] + dual[w] - w2[k]
                        if k_slack <= 0:
                            allowed[k] = True
                    if allowed[k]:
                        if label[bw] == FREE:
                            assign_label(w, T, p ^ 1)
                        elif label[bw] == S:
                            found = scan_blossom(v, w)
                            if found >= 0:
                                add_blossom(found, k)
                                bv = top[v]
                            else:
                                augment_matching(k)
                                augmented = True
                                break
                        elif label[w] == FREE:
                            # w is inside a T-blossom and first reached here: remember how, for
                            # when that blossom is expanded.
                            label[w] = T
                            via[w] = p ^ 1
                    elif label[bw] == S:
                        if best[bv] == -1 or k_slack < slack(best[bv]):
                            best[bv] = k
                    elif label[w] == FREE and (best[w] == -1 or k_slack < slack(best[w])):
                        best[w] = k
            if augmented:
                break
            # Dual adjustment: the largest step that keeps every dual feasible.
            kind, delta, edge, blossom = 1, min(dual[:n]), -1, -1  # 1: a vertex dual reaches 0
            for v in range(n):
                if label[top[v]] == FREE and best[v] != -1:
                    d = slack(best[v])
                    if d < delta:
                        kind, delta, edge = 2, d, best[v]  # an edge S - free becomes tight
            for b in range(2 * n):
                if parent[b] == -1 and label[b] == S and best[b] != -1:
                    d = slack(best[b]) >> 1
                    if d < delta:
                        kind, delta, edge = 3, d, best[b]  # an edge S - S becomes tight
            for b in range(n, 2 * n):
                if base[b] >= 0 and parent[b] == -1 and label[b] == T and dual[b] < delta:
                    kind, delta, blossom = 4, dual[b], b  # a T-blossom's dual reaches 0
            for v in range(n):
                lv = label[top[v]]
                if lv == S:
                    dual[v] -= delta
                elif lv == T:
                    dual[v] += delta
            for b in range(n, 2 * n):
                if base[b] >= 0 and parent[b] == -1:
                    if label[b] == S:
                        dual[b] += delta
                    elif label[b] == T:
                        dual[b] -= delta
            if kind == 1:
                break  # optimal: no vertex dual can decrease any more
            if kind == 2:
                allowed[edge] = True
                i, j = ends[2 * edge], ends[2 * edge + 1]
                if label[top[i]] == FREE:
                    i = j
                queue.append(i)
            elif kind == 3:
                allowed[edge] = True
                queue.append(ends[2 * edge])
            else:
                expand_blossom(blossom, False)
        if not augmented:
            break
        for b in range(n, 2 * n):
            if parent[b] == -1 and base[b] >= 0 and label[b] == S and dual[b] == 0:
                expand_blossom(b, True)

    partner = np.array([ends[p] if p >= 0 else -1 for p in mate], dtype=np.int64)
    number = {b: i for i, b in enumerate(b for b in range(n, 2 * n) if base[b] >= 0)}
    inner = np.array([number.get(parent[v], -1) for v in range(n)], dtype=np.int64)
    around = np.array([number.get(parent[b], -1) for b in number], dtype=np.int64)
    z = np.array([dual[b] for b in number], dtype=np.int64)
    return BlossomResult(partner, np.array(dual[:n], dtype=np.int64), inner, around, z, stages)


def slacks(first: np.ndarray, second: np.ndarray, weight: np.ndarray, result: BlossomResult) -> np.ndarray:
    """Each edge's doubled slack under ``result``'s duals: ``2 (y_i + y_j + sum z_B - w_ij)``,
    ``z_B`` summed over the blossoms holding both ends. Negative = the duals do not cover it."""
    first = np.asarray(first, dtype=np.int64)
    second = np.asarray(second, dtype=np.int64)
    slack = result.dual[first] + result.dual[second] - 2 * np.asarray(weight, dtype=np.int64)
    if len(result.z):
        table, _ = result.ancestry()
        common = np.flatnonzero(result.inner[first] >= 0)
        for level in table:  # outermost first: an edge leaves at the first level it splits
            here = level[first[common]]
            common = common[(here >= 0) & (here == level[second[common]])]
            if len(common) == 0:
                break
            slack[common] += 2 * result.z[level[first[common]]]
    return slack


def certify(n: int, first: np.ndarray, second: np.ndarray, weight: np.ndarray, result: BlossomResult) -> bool:
    """Check ``result`` against every given edge, independently of how it was found: the
    matching pairs each vertex at most once over given edges, the duals are non-negative, every
    blossom is odd, no edge has a negative slack, and the dual value equals the matching's
    weight. Then no matching on these edges weighs more (LP duality over the matching polytope).
    """
    first = np.asarray(first, dtype=np.int64)
    second = np.asarray(second, dtype=np.int64)
    weight = np.asarray(weight, dtype=np.int64)
    mate, dual = result.mate, result.dual
    if len(mate) != n or (dual < 0).any() or (result.z < 0).any():
        return False
    try:
        _, size = result.ancestry()
    except ValueError:
        return False
    if (size % 2 == 0).any():
        return False
    matched = np.flatnonzero(mate >= 0)
    if (mate[mate[matched]] != matched).any() or (mate[matched] == matched).any():
        return False
    # Each matched pair must be a given edge; its weight counts towards the primal value.
    keys = np.minimum(first, second) * n + np.maximum(first, second)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    low = matched[mate[matched] > matched]
    wanted = low * n + mate[low]
    where = np.minimum(np.searchsorted(keys, wanted), max(0, len(keys) - 1))
    if len(wanted) and (len(keys) == 0 or (keys[where] != wanted).any()):
        return False
    primal = int(weight[order][where].sum()) if len(wanted) else 0
    dual_value = int(dual.sum()) + int((result.z * (size - 1)).sum())
    feasible = not (slacks(first, second, weight, result) < 0).any()
    return feasible and 2 * primal == dual_value
