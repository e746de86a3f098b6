"""Exact maximum-weight matching on a general graph: Edmonds' weighted blossom algorithm.

The primal-dual method (Edmonds 1965; Gabow 1976; Galil, "Efficient algorithms for finding
maximum matching in graphs", 1986): alternating trees grow from the free vertices over tight
edges, odd cycles shrink into blossoms, and when nothing is tight the duals move by the largest
step that keeps them feasible. Written for the peer pairing of this engine, with lazy duals, an
event heap and trees kept across augmentations (see :func:`max_weight_matching`). Weights are
integers and every dual stays an integer, so the result is exact.

Duals are kept doubled: ``dual[v] = 2 y_v`` for a vertex and ``dual[B] = z_B`` for a blossom, so
that an edge's doubled slack ``dual[i] + dual[j] + 2 * sum(z_B, B holds i and j) - 2 w_ij`` is
an integer and so is every step of the dual adjustment. At the end the duals are a solution of
the dual of the matching polytope's LP (degree and odd-set constraints)::

    min  sum_v y_v + sum_B z_B (|B| - 1) / 2
    s.t. y_i + y_j + sum_{B contains i, j} z_B >= w_ij,   y >= 0, z >= 0

with the same value as the matching: :func:`kindred.matching.certificate.certify` checks exactly
that, over any edge set.

Vertices are 0..n-1, blossoms n..2n-1. Edge ``k`` has endpoints ``2k`` (its first vertex) and
``2k + 1`` (its second); ``ends[p]`` is the vertex of endpoint ``p`` and ``p ^ 1`` is the other
end of the same edge. ``mate[v]`` is the endpoint of v's partner (``ends[mate[v]]`` is the
partner), -1 when v is free. A labelled top-level blossom b was reached through ``via[b]``, the
endpoint at its parent in the alternating tree (-1 for a root).
"""

from __future__ import annotations

import heapq
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
    events: int = 0  # heap events handled (a measure of work)

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
        return BlossomResult(mate, dual, inner, self.parent, self.z, self.events)

    def forest(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The blossoms laid out: ``(position, low, high)``, a vertex order in which blossom B
        holds exactly the vertices at positions ``low[B] <= position < high[B]``. Raises
        ValueError if the parents are not a forest over the blossoms."""
        n, count = len(self.mate), len(self.z)
        kids: list[list[int]] = [[] for _ in range(count + 1)]  # index count: the roots
        for b, up in enumerate(self.parent.tolist()):
            kids[up if up >= 0 else count].append(b)
        held: list[list[int]] = [[] for _ in range(count)]
        for v, b in enumerate(self.inner.tolist()):
            if b >= 0:
                held[b].append(v)
        position = np.full(n, -1, dtype=np.int64)
        low = np.zeros(count, dtype=np.int64)
        high = np.zeros(count, dtype=np.int64)
        at, seen = 0, 0
        stack = [(b, False) for b in kids[count]]
        while stack:
            b, done = stack.pop()
            if done:
                high[b] = at
                continue
            seen += 1
            low[b] = at
            for v in held[b]:
                position[v] = at
                at += 1
            stack.append((b, True))
            stack.extend((c, False) for c in kids[b])
        if seen != count:
            raise ValueError("blossom parents form a cycle")
        for v in np.flatnonzero(position < 0).tolist():
            position[v] = at
            at += 1
        return position, low, high


def max_weight_matching(
    n: int,
    first: np.ndarray,
    second: np.ndarray,
    weight: np.ndarray,
    check: Callable[[], None] | None = None,
) -> BlossomResult:
    """Maximum-weight matching of ``n`` vertices over edges ``(first[k], second[k], weight[k])``.

    Weights are non-negative integers; there are no self-loops or repeated edges. ``check`` is
    called after every augmentation (and every few thousand events) and may raise to stop.

    Two departures from the textbook loop keep it fast in Python. Duals move lazily: every
    labelled vertex and top-level blossom moves by the same ``delta`` per unit of "time", so each
    stores an offset and a sign and the dual step is one addition to ``now``. The next event
    (an edge becoming tight, a T-blossom's dual reaching zero) comes from a heap keyed by the
    time it happens, re-checked when it surfaces. And the alternating trees of the other free
    vertices are kept across an augmentation: only the two trees it joined are taken apart.
    """
    m = len(first)
    if n == 0 or m == 0:
        none = np.zeros(0, dtype=np.int64)
        return BlossomResult(
            np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int64), np.full(n, -1), none, none
        )
    ends: list[int] = np.column_stack([first, second]).ravel().tolist()
    w2: list[int] = (2 * np.asarray(weight, dtype=np.int64)).tolist()
    out: list[list[int]] = [[] for _ in range(n)]  # per vertex: the endpoints at its neighbours
    for k in range(m):
        out[ends[2 * k]].append(2 * k + 1)
        out[ends[2 * k + 1]].append(2 * k)

    mate = [-1] * n
    label = [FREE] * (2 * n)
    via = [-1] * (2 * n)
    top = list(range(n))  # each vertex's top-level blossom
    parent = [-1] * (2 * n)
    children: list[list[int]] = [[] for _ in range(2 * n)]
    links: list[list[int]] = [[] for _ in range(2 * n)]  # links[b][i]: child i -> child i+1
    base = list(range(n)) + [-1] * n
    unused = list(range(2 * n - 1, n - 1, -1))
    held: list[list[int]] = [[v] for v in range(n)] + [[] for _ in range(n)]  # each one's vertices
    # Duals at time `now`: vertex y = y_off + y_sign * now (S: -1, T: +1); blossom likewise.
    y_off = [max(w2)] * n
    y_sign = [0] * n
    z_off = [0] * (2 * n)
    z_sign = [0] * (2 * n)
    version = [0] * (2 * n)  # a blossom's labelling count: tells a stale heap entry
    tree = [-1] * (2 * n)  # the root vertex of the tree a labelled top-level blossom is in
    members: dict[int, list[int]] = {}  # root -> blossoms labelled in its tree (some stale)
    roots: set[int] = set()
    queue: list[int] = []
    events: list[tuple[int, int, int, int]] = []  # (time, kind, edge or blossom, version)
    now = 0
    EDGE, EXPAND = 0, 1
    V_SIGN = (0, -1, 1)  # by label: FREE, S, T
    Z_SIGN = (0, 1, -1)

    def y(v: int) -> int:
        return y_off[v] + y_sign[v] * now

    def leaves(b: int) -> list[int]:
        return held[b]  # (the caller does not change it)

    def set_label(b: int, t: int, vertices: list[int]) -> None:
        """Label top-level blossom b (``vertices`` are its leaves), settling the duals that move."""
        label[b] = t
        sign = V_SIGN[t]
        for x in vertices:
            if y_sign[x] != sign:
                y_off[x] += (y_sign[x] - sign) * now
                y_sign[x] = sign
        if b >= n:
            sign = Z_SIGN[t]
            z_off[b] += (z_sign[b] - sign) * now
            z_sign[b] = sign
            version[b] += 1
            if t == T:
                heapq.heappush(events, (z_off[b], EXPAND, b, version[b]))  # when z reaches 0

    def z(b: int) -> int:
        return z_off[b] + z_sign[b] * now

    def join_tree(b: int, root: int) -> None:
        tree[b] = root
        members[root].append(b)

    def assign_label(w: int, t: int, p: int) -> None:
        while True:
            b = top[w]
            vertices = leaves(b)
            set_label(b, t, vertices)
            label[w] = t
            via[w] = via[b] = p
            join_tree(b, tree[top[ends[p]]])
            if t == S:
                queue.extend(vertices)
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
        held[b] = [x for child in cycle for x in held[child]]
        for child in cycle:  # nested now: its dual stops moving
            if child >= n:
                z_off[child] += z_sign[child] * now
                z_sign[child] = 0
        via[b] = via[bb]
        z_off[b], z_sign[b] = 0, 0
        vertices = leaves(b)
        for x in vertices:
            if y_sign[x] != -1:
                queue.append(x)  # former T-vertices are S now: scan them
            top[x] = b
        set_label(b, S, vertices)
        join_tree(b, tree[bb])

    def reexamine(vertices: list[int]) -> None:
        """Vertices just unlabelled: their edges to S-vertices are S-free edges now."""
        for x in vertices:
            bx = top[x]
            for p in out[x]:
                v = ends[p]
                if label[top[v]] == S and top[v] != bx:
                    s = y(x) + y(v) - w2[p >> 1]
                    heapq.heappush(events, (now + max(s, 0), EDGE, p >> 1, 0))

    def expand_blossom(b: int) -> None:
        """Dissolve T-blossom b (its dual is zero) into its children and relabel them: those on
        the even path from the entry child to the base child stay in the tree (alternately T
        and S), the others become unlabelled (T again if an S-vertex reached one of their
        vertices by a tight edge)."""
        vertices = leaves(b)
        set_label(b, FREE, vertices)
        for s in children[b]:
            parent[s] = -1
            if s < n:
                top[s] = s
            else:
                for x in leaves(s):
                    top[x] = s
        cycle, edges = children[b], links[b]
        size = len(cycle)
        entry = top[ends[via[b] ^ 1]]
        root = tree[b]
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
            j += step
            p = edges[j - trick] ^ trick
            j += step
        child = cycle[j]
        set_label(child, T, leaves(child))
        label[ends[p ^ 1]] = T
        via[ends[p ^ 1]] = via[child] = p
        join_tree(child, root)
        j += step
        while cycle[j] != entry:
            child = cycle[j]
            if label[child] == S:
                j += step
                continue
            reached = -1
            for x in leaves(child):
                # Reached by a tight edge from an S-vertex still in a tree (an older mark can
                # name a vertex whose tree was taken apart since).
                if label[x] == T and via[x] >= 0:
                    v = ends[via[x]]
                    if label[top[v]] == S and y(v) + y(x) == w2[via[x] >> 1]:
                        reached = x
                        break
            if reached >= 0:
                label[reached] = FREE
                label[ends[mate[base[child]]]] = FREE
                assign_label(reached, T, via[reached])
            j += step
        reexamine([x for child in cycle if label[child] == FREE for x in leaves(child)])
        label[b] = FREE
        via[b] = tree[b] = -1
        held[b] = []
        children[b] = []
        links[b] = []
        base[b] = -1
        unused.append(b)

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

    def dissolve(root: int) -> list[int]:
        """Unlabel the tree of ``root`` (just matched); returns its vertices."""
        freed: list[int] = []
        for b in members.pop(root):
            if tree[b] != root or parent[b] != -1 or label[b] == FREE or (b >= n and base[b] < 0):
                continue
            vertices = leaves(b)
            set_label(b, FREE, vertices)
            tree[b] = -1
            stack = [b]
            while stack:  # forget the labels inside, too
                x = stack.pop()
                label[x] = FREE
                if x >= n:
                    stack.extend(children[x])
            freed.extend(vertices)
        roots.discard(root)
        return freed

    def tight(v: int, p: int) -> None:
        """Edge p from S-vertex v, known tight: grow, shrink or augment."""
        w = ends[p]
        bw = top[w]
        lw = label[bw]
        if lw == FREE:
            assign_label(w, T, p ^ 1)
        elif lw == S:
            found = scan_blossom(v, w)
            if found >= 0:
                add_blossom(found, p >> 1)
            else:
                joined = (tree[top[v]], tree[bw])
                augment_matching(p >> 1)
                reexamine(dissolve(joined[0]) + dissolve(joined[1]))
                if check is not None:
                    check()
        elif label[w] == FREE:
            # w is inside a T-blossom and first reached here: remember how, for when that
            # blossom is expanded.
            label[w] = T
            via[w] = p ^ 1

    def scan(v: int) -> None:
        for p in out[v]:
            bv = top[v]
            if label[bv] != S:
                return  # v's tree was taken apart by an augmentation
            w = ends[p]
            bw = top[w]
            if bv == bw:
                continue
            s = y(v) + y(w) - w2[p >> 1]
            if s <= 0:
                tight(v, p)
            elif label[bw] == S:
                heapq.heappush(events, (now + (s >> 1), EDGE, p >> 1, 0))
            elif label[bw] == FREE:
                heapq.heappush(events, (now + s, EDGE, p >> 1, 0))
            # S - T: the slack stays; reexamine() pushes it if the T side is unlabelled

    for v in range(n):
        roots.add(v)
        members[v] = []
        tree[v] = v
        set_label(v, S, [v])
        join_tree(v, v)
        via[v] = -1
        queue.append(v)
    popped = 0
    while True:
        while queue:
            v = queue.pop()
            if label[top[v]] == S:
                scan(v)
        if not roots:
            break
        # The free vertices' duals are equal (all roots, moving together): they reach zero at
        # `finish`, and then the matching is optimal.
        some_root = next(iter(roots))
        finish = now + y(some_root)
        event = None
        while events and events[0][0] < finish:
            when, kind, x, seen = heapq.heappop(events)
            popped += 1
            if check is not None and popped % 4096 == 0:
                check()
            if kind == EXPAND:
                if version[x] == seen and label[x] == T and parent[x] == -1 and base[x] >= 0:
                    event = (when, kind, x, 0)
                    break
                continue
            i, j = ends[2 * x], ends[2 * x + 1]
            bi, bj = top[i], top[j]
            if bi == bj:
                continue
            if label[bi] != S:
                i, j, bi, bj = j, i, bj, bi
            if label[bi] != S or label[bj] == T:
                continue
            s = y(i) + y(j) - w2[x]
            due = now + ((s >> 1) if label[bj] == S else s)
            if due > when:
                heapq.heappush(events, (due, kind, x, 0))  # moved later since it was pushed
                continue
            if due < when:  # a tight edge was missed: the duals are no longer feasible
                raise RuntimeError("blossom: an edge became tight unnoticed")
            event = (when, kind, x, 1 if i == ends[2 * x] else 0)
            break
        if event is None:
            now = finish
            break
        when, kind, x, side = event
        now = when
        if kind == EXPAND:
            expand_blossom(x)
        else:
            v = ends[2 * x] if side else ends[2 * x + 1]
            tight(v, (2 * x + 1) if side else (2 * x))

    dual = [y(v) for v in range(n)] + [z(b) for b in range(n, 2 * n)]
    partner = np.array([ends[p] if p >= 0 else -1 for p in mate], dtype=np.int64)
    number = {b: i for i, b in enumerate(b for b in range(n, 2 * n) if base[b] >= 0)}
    inner = np.array([number.get(parent[v], -1) for v in range(n)], dtype=np.int64)
    around = np.array([number.get(parent[b], -1) for b in number], dtype=np.int64)
    zs = np.array([dual[b] for b in number], dtype=np.int64)
    return BlossomResult(partner, np.array(dual[:n], dtype=np.int64), inner, around, zs, popped)
