"""The certificate of a general-graph matching, checked independently of the blossom solver that
produced it: the dual of the matching polytope's LP (vertex duals ``y`` and odd-set duals ``z``)
must cover every edge given, and its value must equal the matching's weight (see
:mod:`kindred.matching.blossom` for how the duals are kept, doubled)."""

from __future__ import annotations

import numpy as np

from .blossom import BlossomResult


def slacks(first: np.ndarray, second: np.ndarray, weight: np.ndarray, result: BlossomResult) -> np.ndarray:
    """Each edge's doubled slack under ``result``'s duals: ``2 (y_i + y_j + sum z_B - w_ij)``,
    ``z_B`` summed over the blossoms holding both ends. Negative = the duals do not cover it."""
    first = np.asarray(first, dtype=np.int64)
    second = np.asarray(second, dtype=np.int64)
    slack = result.dual[first] + result.dual[second] - 2 * np.asarray(weight, dtype=np.int64)
    count = len(result.z)
    if count == 0:
        return slack
    position, low, high = result.forest()
    up = np.where(result.parent >= 0, result.parent, -1)
    # z summed from the outermost blossom down to each blossom; and each one's outermost.
    total = np.zeros(count, dtype=np.int64)
    outer = np.arange(count)
    order = np.argsort(low - high, kind="stable")  # larger first: parents before children
    for b in order.tolist():
        p = int(up[b])
        total[b] = result.z[b] + (total[p] if p >= 0 else 0)
        outer[b] = outer[p] if p >= 0 else b
    inner_u, inner_v = result.inner[first], result.inner[second]
    both = np.flatnonzero((inner_u >= 0) & (inner_v >= 0))
    both = both[outer[inner_u[both]] == outer[inner_v[both]]]
    if len(both) == 0:
        return slack
    # The innermost blossom holding both ends: climb from u's innermost by binary lifting to
    # the highest one not holding v; its parent is it (unless u's innermost holds v already).
    target = position[second[both]]
    b = inner_u[both]

    def holds(blossom: np.ndarray) -> np.ndarray:
        safe = np.maximum(blossom, 0)
        return (blossom >= 0) & (low[safe] <= target) & (target < high[safe])

    jumps = [up]
    while (jumps[-1] >= 0).any():
        last = jumps[-1]
        jumps.append(np.where(last >= 0, last[np.maximum(last, 0)], -1))
    done = holds(b)
    for jump in reversed(jumps):
        ahead = jump[b]
        move = ~done & (ahead >= 0) & ~holds(ahead)
        b = np.where(move, ahead, b)
    lowest = np.where(done, b, up[b])
    slack[both] += 2 * total[lowest]
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
        _, low, high = result.forest()
    except ValueError:
        return False
    size = high - low
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
