"""Peer mode: pairs by a weighted blossom (Edmonds) with a checked odd-set certificate, and
circles by a heuristic with a quality bound."""

from __future__ import annotations

import numpy as np

from .blossom import max_weight_matching
from .certificate import certify, slacks
from .explain import reasons_many
from .model import Problem
from .score import FULL_SCORE, NOT_ALLOWED, Scorer
from .solution import TIE_STEP, Certificate, Group, Pair, Solution, _Clock

PEER_CANDIDATES = 8  # peer pairs: each person's best pairs given to the first blossom solve
PEER_ACTIVATE = 8  # ... and each person's most violated pairs added in round 2 (doubling after)


# -- peer mode ----------------------------------------------------------------------------------


def _peer_edges(scorer: Scorer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every allowed peer pair once (a < b) with its value (sum of both directions)."""
    a_parts, b_parts, v_parts = [], [], []
    for rows, block in scorer.blocks():
        r, c = np.nonzero(block != NOT_ALLOWED)
        keep = rows[r] < c
        a_parts.append(rows[r][keep])
        b_parts.append(c[keep])
        v_parts.append(block[r[keep], c[keep]])
    if not a_parts:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    return np.concatenate(a_parts), np.concatenate(b_parts), np.concatenate(v_parts).astype(np.int64)


def _solve_peer(problem: Problem, scorer: Scorer, clock: _Clock) -> Solution:
    """Maximum-weight pairing of one pool: Edmonds' blossom algorithm with a checked certificate.

    Weights follow the mentoring objectives (``BIG + value`` for max_participation). Fixed pairs
    are set first. The blossom algorithm (``blossom.py``) runs on candidate pairs, each person's
    ``PEER_CANDIDATES`` heaviest; its duals (vertex and odd-set) are then checked against every
    allowed pair, and each person's most violated pairs join the candidates (``PEER_ACTIVATE``,
    doubling each round), until every pair is covered: then the matching is optimal over all
    allowed pairs (LP duality), which :func:`~kindred.matching.certificate.certify` confirms
    independently before the result is used.
    """
    n = len(problem.mentees)
    partner = np.full(n, -1, dtype=np.int64)
    for x, y in problem.fixed:
        partner[x], partner[y] = y, x
    a, b, value = _peer_edges(scorer)
    free = (partner[a] < 0) & (partner[b] < 0)
    a, b, value = a[free], b[free], value[free]
    clock.check()
    n_free = int((partner < 0).sum())
    if problem.objective == "max_participation":
        weight = (2 * FULL_SCORE * n_free + 1) + value
    else:
        weight = value * (n_free + 1) + 1
    chosen, certificate = _peer_matching(n, a, b, weight, clock)
    partner[a[chosen]] = b[chosen]
    partner[b[chosen]] = a[chosen]
    first = np.flatnonzero(partner > np.arange(n))
    values = scorer.pairs(first, partner[first])
    explained = reasons_many(problem, first, partner[first])
    pairs = [
        Pair(mentee=problem.mentees[x].id, mentor=problem.mentees[y].id, score=value / 200, reasons=why)
        for x, y, value, why in zip(
            first.tolist(), partner[first].tolist(), values.tolist(), explained, strict=True
        )
    ]
    total = int(values.sum(dtype=np.int64))
    unmatched = [p.id for x, p in enumerate(problem.mentees) if partner[x] < 0]
    return Solution(problem, pairs, unmatched, certificate, total=total)


def _heaviest(n: int, a: np.ndarray, b: np.ndarray, key: np.ndarray, k: int) -> np.ndarray:
    """The edges among each vertex's ``k`` largest ``key``.

    Ties are broken by a rotation per vertex (v looks from neighbour ``v * TIE_STEP`` on), as in
    mentoring mode: in input order, everyone's tied candidates would be the same few people
    and the first solve would pair few of them (measured on a pool where every pair ties:
    7 rounds at 101 people, and at 1,001 people no answer in 10 minutes).
    """
    ends = np.concatenate([a, b])
    others = np.concatenate([b, a])
    edge = np.tile(np.arange(len(a)), 2)
    rotation = (others - ends * TIE_STEP) % max(n, 1)
    both = np.tile(key, 2)
    low, span = (int(both.min()), int(both.max()) - int(both.min()) + 1) if len(both) else (0, 1)
    if n * span * n < 2**62:  # one sort key: (vertex, key descending, rotation); no pair repeats
        order = np.argsort((ends * span + (span - 1 - (both - low))) * n + rotation)
    else:
        order = np.lexsort((edge, rotation, -both, ends))
    ends, edge = ends[order], edge[order]
    rank = np.arange(len(ends)) - np.searchsorted(ends, ends)
    return np.unique(edge[rank < k])


def _peer_matching(
    n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray, clock: _Clock
) -> tuple[np.ndarray, Certificate]:
    """The edges of a maximum-weight matching of ``n`` vertices, and its certificate."""
    active = np.zeros(len(a), dtype=bool)
    active[_heaviest(n, a, b, weight, PEER_CANDIDATES)] = True
    rounds = 0
    while True:
        clock.check()
        rounds += 1
        edges = np.flatnonzero(active)
        # The solver sees only the people of the candidate edges, renumbered.
        people = np.unique(np.concatenate([a[edges], b[edges]]))
        local = np.full(n, -1, dtype=np.int64)
        local[people] = np.arange(len(people))
        found = max_weight_matching(
            len(people), local[a[edges]], local[b[edges]], weight[edges], check=clock.check
        )
        result = found.lifted(n, people)  # a person outside the candidates: y = 0, unmatched
        slack = slacks(a, b, weight, result)
        violated = np.flatnonzero(slack < 0)
        if len(violated) == 0:
            break
        # Each person's most violated pairs join the candidates (never active ones: the duals
        # cover those, so every round adds pairs and the loop ends), more each round.
        more = PEER_ACTIVATE << min(rounds - 1, 20)
        active[violated[_heaviest(n, a[violated], b[violated], -slack[violated], more)]] = True
    if not certify(n, a, b, weight, result):
        raise RuntimeError("peer pairing: the blossom result failed its optimality check")
    chosen = np.flatnonzero(result.mate[a] == b)
    certificate = Certificate(
        optimal=True, gap=0.0, rounds=rounds, candidates=int(active.sum()), pairs_checked=len(a) * rounds
    )
    return chosen, certificate


def _solve_circles(problem: Problem, scorer: Scorer, clock: _Clock) -> Solution:
    """Peer circles of up to ``group_size`` people: greedy merging, then single moves.

    Every pair inside a circle must be allowed; a circle's value is the sum of its pair values.
    1. Start from singletons; repeatedly merge the two circles whose union fits and whose cross
       pairs add the most value per new pair (ties: lowest indices), until no merge is possible.
    2. Move single people to another circle with room while that raises the total.
    The upper bound reported next to the total gives each person their best ``group_size - 1``
    partners and halves the sum: no set of circles can beat it.
    """
    n = len(problem.mentees)
    k = problem.group_size
    values = np.full((n, n), NOT_ALLOWED, dtype=np.int64)
    for rows, block in scorer.blocks():
        values[rows] = block
    allowed = values != NOT_ALLOWED
    pair_value = np.where(allowed, values, 0)
    # Circles as member lists; cross[g, h] = value between circles, -inf if any pair is not allowed.
    members: list[list[int]] = [[x] for x in range(n)]
    cross = np.where(allowed, pair_value, -np.inf).astype(np.float64)
    np.fill_diagonal(cross, -np.inf)
    size = np.ones(n, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    while n > 1:
        clock.check()
        fits = (size[:, None] + size[None, :] <= k) & alive[:, None] & alive[None, :]
        new_pairs = (size[:, None] * size[None, :]).astype(np.float64)
        gain = np.where(fits & np.isfinite(cross), cross / new_pairs, -np.inf)
        best = int(np.argmax(gain))
        g, h = divmod(best, n)
        if not np.isfinite(gain[g, h]):
            break
        g, h = min(g, h), max(g, h)
        members[g] += members[h]
        members[h] = []
        size[g] += size[h]
        alive[h] = False
        cross[g] += cross[h]
        cross[:, g] += cross[:, h]
        cross[g, g] = -np.inf
        cross[h] = cross[:, h] = -np.inf
    circle_of = np.full(n, -1, dtype=np.int64)
    for g, group in enumerate(members):
        for x in group:
            circle_of[x] = g
    improved = True
    while improved:
        clock.check()
        improved = False
        for x in range(n):
            g = circle_of[x]
            here = [y for y in members[g] if y != x]
            current = int(pair_value[x, here].sum()) if here else 0
            best_gain, best_target = 0, -1
            for h, group in enumerate(members):
                if h == g or not group or len(group) >= k or not allowed[x, group].all():
                    continue
                move_gain = int(pair_value[x, group].sum()) - current
                if move_gain > best_gain:
                    best_gain, best_target = move_gain, h
            if best_target >= 0:
                members[g].remove(x)
                members[best_target].append(x)
                circle_of[x] = best_target
                improved = True
    groups = []
    total = 0
    grouped: set[int] = set()
    for group in members:
        if len(group) < 2:
            continue
        group = sorted(group)
        inner = [int(pair_value[x, y]) for i, x in enumerate(group) for y in group[i + 1 :]]
        total += sum(inner)
        grouped.update(group)
        groups.append(Group([problem.mentees[x].id for x in group], round(sum(inner) / len(inner) / 200, 3)))
    groups.sort(key=lambda g: problem.mentee_index[g.members[0]])
    best_partners = -np.sort(-pair_value, axis=1)[:, : k - 1]
    upper_bound = round(float(best_partners.sum()) / 2 / 200, 3)
    unmatched = [p.id for x, p in enumerate(problem.mentees) if x not in grouped]
    return Solution(problem, [], unmatched, groups=groups, total=total, upper_bound=upper_bound)
