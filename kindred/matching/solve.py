"""Mentoring-mode solvers: optimal pairing with a certificate, and stable matching (peer mode is in
``peer.py``, what a solve returns in ``solution.py``).

``max_score`` / ``max_participation`` (mentoring mode) never hold all pairs in memory:

1. Scan: score every mentee against every mentor in blocks (float32, within one centi-point;
   blocks run on all cores) and keep each mentee's best pairs (``RESERVOIR``, or 1% of the
   mentors if more) in a pool, rescored exactly, plus a bound ``rho_i`` (widened by one
   centi-point) on the value of every pair left out. The best ``CANDIDATES`` are active.
2. Solve the active pairs exactly as a min-cost flow (``flow.py``), with LP duals ``u``
   (mentees) and ``v`` (mentor prices).
3. Check that the duals cover every allowed pair: pool pairs directly (the most violated become
   active); pairs outside the pool through ``rho`` (see :func:`_optimal`). Mentees whose bound
   fails are rescanned against the current prices. Repeat from 2.
4. Stop when nothing was added and primal == dual: the LP bound proves the matching optimal. If
   the round limit is hit the certificate says so, with the proven gap.

Objectives become positive integer weights so one max-weight problem answers both:
``max_participation`` uses ``BIG + centi`` (BIG exceeds any total score, so pairs count first),
``max_score`` uses ``centi * (n + 1) + 1`` (score first, then the number of pairs).
"""

from __future__ import annotations

import heapq
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

from .explain import reasons_many
from .flow import FlowResult, max_weight_bmatching
from .model import Problem
from .peer import _solve_circles, _solve_peer
from .score import FULL_SCORE, NOT_ALLOWED, Scorer
from .solution import TIE_STEP, TIME_LIMIT, Certificate, Pair, Solution, _Clock

CANDIDATES = 8  # pairs per mentee given to the first solve
RESERVOIR = 64  # best pairs per mentee kept from a scan (at least); the rest are bounded by rho
RESERVOIR_SHARE = 100  # ... and one in this many mentors: a bound on the rest stays tight
ACTIVATE = 8  # most violated pool pairs per mentee made active in one round
NEAR_POINTS = 2  # pairs this close to violated (in score points) are activated with them
CHEAP_SHARE = 0.1  # share of mentors (the cheapest) checked exactly against every mentee
MAX_ROUNDS = 30
BLOCK_CELLS_CHECK = 1 << 21
NONE = np.iinfo(np.int64).min // 4  # "no pair left out" bound
T = TypeVar("T")


def solve(problem: Problem, *, time_limit: float | None = TIME_LIMIT) -> Solution:
    """Pair the problem's people according to its mode and objective (see the module docstring).

    A solve that runs past ``time_limit`` seconds (``None``: no limit) raises
    :class:`SolveTimeout`, whose message says so in one line.
    """
    if problem.is_peer:
        what = f"{len(problem.mentees)} participants, " + (
            "pairs" if problem.group_size == 2 else f"circles of {problem.group_size}"
        )
    else:
        what = f"{len(problem.mentees)} mentees, {len(problem.mentors)} mentors"
    clock = _Clock(time_limit, what)
    scorer = Scorer(problem)
    if problem.is_peer:
        if problem.group_size > 2:
            return _solve_circles(problem, scorer, clock)
        return _solve_peer(problem, scorer, clock)
    if problem.objective == "stable":
        match = _stable(problem, scorer, clock)
        certificate = None
    else:
        match, certificate = _optimal(problem, scorer, clock)
    return _mentoring_solution(problem, scorer, match, certificate)


# -- mentoring: shared pieces -------------------------------------------------------------------


def _residual(problem: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fixed pairs taken out: ``(fixed_match, free_rows, capacity_left)``."""
    fixed_match = np.full(len(problem.mentees), -1, dtype=np.int64)
    capacity = np.array([p.capacity for p in problem.mentors], dtype=np.int64)
    for i, j in problem.fixed:
        fixed_match[i] = j
        capacity[j] -= 1
    free_rows = np.flatnonzero(fixed_match < 0)
    return fixed_match, free_rows, capacity


def _mentoring_solution(
    problem: Problem, scorer: Scorer, match: np.ndarray, certificate: Certificate | None
) -> Solution:
    fixed = set(problem.fixed)
    rows = np.flatnonzero(match >= 0)
    values = scorer.pairs(rows, match[rows])
    explained = reasons_many(problem, rows, match[rows])
    pairs = [
        Pair(
            mentee=problem.mentees[i].id,
            mentor=problem.mentors[j].id,
            score=value / 100,
            reasons=why,
            fixed=(i, j) in fixed,
        )
        for i, j, value, why in zip(
            rows.tolist(), match[rows].tolist(), values.tolist(), explained, strict=True
        )
    ]
    total = int(values.sum(dtype=np.int64))
    unmatched = [p.id for i, p in enumerate(problem.mentees) if match[i] < 0]
    return Solution(problem, pairs, unmatched, certificate, total=total)


# -- mentoring: optimal with certificate ---------------------------------------------------------


class _Weights:
    """The objective as a monotone map from centi-scores to positive int64 weights."""

    def __init__(self, objective: str, n_free: int) -> None:
        self.participation = objective == "max_participation"
        self.big = FULL_SCORE * n_free + 1
        self.per_centi = 1 if self.participation else n_free + 1

    def __call__(self, centi: np.ndarray) -> np.ndarray:
        centi = centi.astype(np.int64)
        return self.big + centi if self.participation else centi * self.per_centi + 1

    def gap(self, gap: int) -> tuple[float, int]:
        """A gap in weight units as (score points, pairs)."""
        if self.participation:
            pairs, rest = divmod(gap, self.big)
            return (rest / 100 if pairs == 0 else float("inf")), pairs
        return gap / self.per_centi / 100, 0


def _best(
    values: np.ndarray, k: int, missing: int, shift: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each row's ``k`` largest entries above ``missing``, and a bound on the rest.

    Returns ``(rows, cols, rank, rest)``: the kept entries grouped by row, best first (``rank``
    0..k-1), and per row ``rest`` >= every entry left out (``missing`` when none is). A full
    selection per row (argpartition) would cost most of a scan, so a threshold is estimated from
    a strided sample of the columns and only entries at or above it are sorted. A row with fewer
    than ``k`` entries there keeps those, bounded by its best entry below the threshold. Rows
    where ties put far too many entries over the threshold fall back to argpartition.

    Ties are broken by a per-row rotation of the columns (row i's order starts at column
    ``shift[i]``): with the lowest column first, mentees whose scores tie would all hold the same
    few mentors as candidates, and the solver would need a round for every few more.
    """
    n, m = values.shape
    if m == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty, np.full(n, missing, np.int64)
    shift = np.zeros(n, np.int64) if shift is None else shift.astype(np.int64) % m
    stride = max(1, m // (8 * k))
    sample = values[:, ::stride]
    size = sample.shape[1]
    j = -(-3 * k // (2 * stride))  # the sample's j-th largest leaves about 1.5k entries above it
    threshold = np.partition(sample, size - j, axis=1)[:, size - j] if j < size else sample.min(axis=1)
    threshold = np.maximum(threshold.astype(np.int64), missing + 1)
    rows, cols = np.nonzero(values >= threshold.astype(values.dtype)[:, None])
    counts = np.bincount(rows, minlength=n)
    heavy = counts > 8 * k
    if heavy.any():
        light = ~heavy[rows]
        rows, cols = rows[light], cols[light]
    found = values[rows, cols].astype(np.int64)
    if len(found):
        low, high = int(found.min()), int(found.max())
        span = high - low + 1
        tie = (cols - shift[rows]) % m
        if span * m * (n + 1) < 2**62:
            order = np.argsort((rows.astype(np.int64) * span + (high - found)) * m + tie)
        else:
            order = np.lexsort((tie, -found, rows))
        rows, cols, found = rows[order], cols[order], found[order]
    starts = np.searchsorted(rows, np.arange(n + 1))
    rank = np.arange(len(rows)) - starts[rows]
    # The best left out: the entry ranked k, or else the best below the threshold.
    rest = np.full(n, missing, np.int64)
    over = np.flatnonzero((counts > k) & ~heavy)
    rest[over] = found[starts[over] + k]
    under = np.flatnonzero(counts <= k)
    if len(under):
        part = values[under]
        below = np.where(part < threshold[under, None].astype(values.dtype), part, missing)
        rest[under] = below.max(axis=1)
    keep = rank < k
    rows, cols, rank = rows[keep], cols[keep], rank[keep]
    heavy_rows = np.flatnonzero(heavy)
    if len(heavy_rows):
        # Rotated, so that argpartition's choice among ties differs from row to row.
        rotation = (np.arange(m)[None, :] + shift[heavy_rows, None]) % m
        part = np.take_along_axis(values[heavy_rows], rotation, axis=1)
        top = np.sort(np.argpartition(part, m - k, axis=1)[:, m - k :], axis=1)
        top_values = np.take_along_axis(part, top, axis=1)
        by_value = np.argsort(-top_values, axis=1, kind="stable")
        top = np.take_along_axis(top, by_value, axis=1)
        top_values = np.take_along_axis(top_values, by_value, axis=1)
        np.put_along_axis(part, top, missing, axis=1)
        rest[heavy_rows] = part.max(axis=1)
        good = top_values > missing
        top = (top + shift[heavy_rows, None]) % m
        rows = np.concatenate([rows, np.repeat(heavy_rows, k)[good.ravel()]])
        cols = np.concatenate([cols, top[good]])
        rank = np.concatenate([rank, np.broadcast_to(np.arange(k), top.shape)[good]])
    return rows, cols, rank, rest


class _Pool:
    """The pairs kept from the scans; ``active`` ones are given to the solver.

    For mentee i, every allowed pair (i, j) *not* in the pool satisfies
    ``w_ij - prices[ref_i][j] <= rho_i``: the bound was measured against the prices of the round
    that last scanned the mentee (zero prices for the first scan). ``NONE`` means no such pair.
    """

    def __init__(self, n: int, m: int) -> None:
        self.m = m
        self.rows = np.zeros(0, np.int64)
        self.cols = np.zeros(0, np.int64)
        self.centi = np.zeros(0, np.int64)
        self.active = np.zeros(0, bool)
        self.keys = np.zeros(0, np.int64)  # sorted row * m + col, for membership tests
        self.rho = np.full(n, NONE, dtype=np.int64)
        self.ref = np.zeros(n, dtype=np.int64)
        self.prices: list[np.ndarray] = []

    def add(self, rows: np.ndarray, cols: np.ndarray, centi: np.ndarray, active: np.ndarray) -> None:
        self.rows = np.concatenate([self.rows, rows])
        self.cols = np.concatenate([self.cols, cols])
        self.centi = np.concatenate([self.centi, centi.astype(np.int64)])
        self.active = np.concatenate([self.active, active])
        self.keys = np.zeros(0, np.int64)

    def contains(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        if len(self.keys) != len(self.rows):
            self.keys = np.sort(self.rows * self.m + self.cols)
        wanted = rows * self.m + cols
        where = np.minimum(np.searchsorted(self.keys, wanted), max(0, len(self.keys) - 1))
        return (self.keys[where] == wanted) if len(self.keys) else np.zeros(len(wanted), bool)


WORKERS = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _in_parallel(work: Callable[[int], T], items: range) -> list[T]:
    """``[work(x) for x in items]``, on ``WORKERS`` threads: numpy releases the GIL in the
    matrix products, selections and sorts that blocks spend their time in. Order is kept.
    BLAS is held to one thread meanwhile: its own threads would compete with ours (measured:
    two threads each running single-threaded BLAS scan 1.7x faster than one thread with two)."""
    if WORKERS < 2 or len(items) < 2:
        return [work(x) for x in items]
    with _one_blas_thread(), ThreadPoolExecutor(WORKERS) as executor:
        return list(executor.map(work, items))


class _OneBlasThread:
    """BLAS limited to one thread while any solve in this process has blocks in flight.
    threadpoolctl's limit is process-wide: two overlapping solves each restoring "their" original
    would leave BLAS at one thread for good, so the first in sets it and the last out restores."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.limiter: Any = None

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self.lock:
            if self.users == 0:
                self.limiter = threadpool_limits(limits=1, user_api="blas")
            self.users += 1
        try:
            yield
        finally:
            with self.lock:
                self.users -= 1
                if self.users == 0:
                    self.limiter.restore_original_limits()
                    self.limiter = None


_one_blas_thread = _OneBlasThread()


def _scan(
    scorer: Scorer,
    rows: np.ndarray,
    weights: _Weights,
    usable: np.ndarray,
    pool: _Pool,
    prices: np.ndarray,
) -> int:
    """Score ``rows`` in blocks and keep each row's best new pairs (see ``RESERVOIR``) by ``w - prices``
    in the pool (the best ``CANDIDATES`` active), setting ``rho`` for the rest.

    Returns the number of pairs scored.
    """
    version = len(pool.prices)
    pool.prices.append(prices)
    first = version == 0  # the scan of every mentee (later ones are rescans, even at zero prices)
    known = np.isin(pool.rows, rows)
    missing = NOT_ALLOWED if first else NONE
    # A fixed number of pairs is a smaller share of a larger pool of mentors, so bounds on the
    # rest would get weak and fail (measured at 50,000: a quarter of the mentees rescanned).
    reservoir = max(RESERVOIR, scorer.n_cols // RESERVOIR_SHARE)

    def scan_block(start: int) -> tuple[np.ndarray, ...]:
        block_rows = rows[start : start + step]
        # The first scan (every mentee) is approximate and cheap. A rescan (a few mentees whose
        # bound failed) is exact, so its bound needs no widening: widened, a bound on a run of
        # tied scores never passes, and every rescan would only take the next few of the tie.
        centi = scorer.block(block_rows, approximate=first)
        if not usable.all():
            centi[:, ~usable] = NOT_ALLOWED
        # Zero prices: the order by weight is the order by score, so stay in int32.
        reduced = centi if first else np.where(centi != NOT_ALLOWED, weights(centi) - prices[None, :], NONE)
        if known.any():
            mine = known & np.isin(pool.rows, block_rows)
            position = np.searchsorted(block_rows, pool.rows[mine])
            reduced[position, pool.cols[mine]] = missing
        local, new_cols, rank, rest = _best(reduced, reservoir, missing, shift=block_rows * TIE_STEP)
        new_rows = block_rows[local]
        exact = scorer.allowed_pairs(new_rows, new_cols) if first else centi[local, new_cols]
        sure = exact != NOT_ALLOWED
        # A rescanned mentee is a hard one: all its new pairs go to the solver.
        active = rank < (CANDIDATES if first else reservoir)
        # Approximate scores are within one centi-point of the exact ones: widen by it.
        pool.rho[block_rows] = (
            np.where(rest > NOT_ALLOWED, weights(rest) + weights.per_centi, NONE) if first else rest
        )
        pool.ref[block_rows] = version
        return new_rows[sure], new_cols[sure], exact[sure], active[sure]

    step = scorer.block_rows()
    parts = _in_parallel(scan_block, range(0, len(rows), step))
    if parts:
        pool.add(*(np.concatenate(x) for x in zip(*parts, strict=True)))
    return len(rows) * scorer.n_cols


def _optimal(problem: Problem, scorer: Scorer, clock: _Clock) -> tuple[np.ndarray, Certificate]:
    """Maximum ``max_score`` / ``max_participation`` matching with a checked certificate.

    Rounds alternate an exact solve on the active pairs with checks that extend it:
    (a) pool pairs with negative reduced cost become active; (b) pairs outside the pool are
    bounded with ``rho``: for first-scan rows, the ``CHEAP_SHARE`` cheapest mentors are scored
    exactly against every mentee and the others are bounded by ``rho_i - (their lowest price)``;
    rows whose bound fails are rescanned against the current prices.
    """
    n, m = scorer.n_rows, scorer.n_cols
    fixed_match, free_rows, capacity = _residual(problem)
    weights = _Weights(problem.objective, len(free_rows))
    usable = capacity > 0
    pool = _Pool(n, m)
    scored = _scan(scorer, free_rows, weights, usable, pool, np.zeros(m, np.int64))
    rescanned = 0
    rounds = passes = 0
    optimal = False
    result: FlowResult | None = None
    u, v, primal = np.zeros(n, np.int64), np.zeros(m, np.int64), 0
    big = weights.big if weights.participation else 0
    while True:
        clock.check()
        passes += 1
        active = np.flatnonzero(pool.active)
        rows, cols = pool.rows[active], pool.cols[active]
        w = weights(pool.centi[active])
        # Pairs that joined since the last solve but which the duals already cover cannot improve
        # the matching (it stays optimal on the larger graph): solve again only when one is not.
        solved = result is None or bool((u[rows] + v[cols] < w).any())
        if solved:
            rounds += 1
            result = max_weight_bmatching(n, capacity, rows, cols, w, big)
            u, v = result.u, result.v
            primal = int(w[result.match[rows] == cols].sum())
        if rounds >= MAX_ROUNDS or passes >= 4 * MAX_ROUNDS:
            break
        # (a) pool pairs the duals do not cover.
        slack = u[pool.rows] + v[pool.cols] - weights(pool.centi)
        violated = (slack < 0) & ~pool.active
        if violated.any():
            # Each mentee's most violated pairs, and pairs within a point of being violated
            # (prices still move): a smaller graph than "everything", fewer rounds than "only
            # the violated".
            near = np.flatnonzero((slack < NEAR_POINTS * 100 * weights.per_centi) & ~pool.active)
            near = near[np.lexsort((slack[near], pool.rows[near]))]
            row_of = pool.rows[near]
            rank = np.arange(len(near)) - np.searchsorted(row_of, row_of)
            pool.active[near[rank < ACTIVATE]] = True
        hit = np.zeros(n, bool)
        hit[pool.rows[violated]] = True
        if hit.sum() > len(free_rows) // 100:
            continue  # prices are still far off: rescanning against them would be wasted
        # (b) pairs outside the pool (checked in the same round: both only add pairs).
        drop = np.array([max(0, int((p - v).max(initial=0))) for p in pool.prices], dtype=np.int64)
        bounded = pool.rho > NONE
        first_scan = bounded & (pool.ref == 0)
        by_price = np.flatnonzero(usable)[np.argsort(v[usable], kind="stable")]
        cheap = np.sort(by_price[: int(np.ceil(CHEAP_SHARE * len(by_price)))])
        floor = int(v[by_price[len(cheap)]]) if len(cheap) < len(by_price) else 0
        limit = np.where(first_scan, pool.rho - floor, pool.rho + drop[pool.ref])
        failing = np.flatnonzero(bounded & (limit > u))
        added = 0
        check_rows = np.flatnonzero(first_scan & (limit <= u))
        # Unchanged duals would find the same (nothing) as the last check: skip it.
        if solved and len(cheap) and len(check_rows) and floor > 0:
            added, count = _check_columns(scorer, check_rows, cheap, weights, u, v, pool)
            scored += count
        if len(failing):
            rescanned += len(failing)
            scored += _scan(scorer, failing, weights, usable, pool, v.copy())
        if added or len(failing) or violated.any():
            continue
        dual = int(u.sum() + (capacity * v).sum())
        optimal = bool((u[rows] + v[cols] >= w).all()) and primal == dual
        break
    assert result is not None
    match = fixed_match.copy()
    matched = result.match >= 0
    match[matched] = result.match[matched]
    gap, pairs_gap = 0.0, 0
    if not optimal:
        # Raise each u_i to cover every pair it might have, giving a feasible dual and a proven gap.
        drop = np.array([max(0, int((p - v).max(initial=0))) for p in pool.prices], dtype=np.int64)
        cover = np.zeros(n, dtype=np.int64)
        np.maximum.at(cover, pool.rows, weights(pool.centi) - v[pool.cols])
        outside = np.where(pool.rho > NONE, pool.rho + drop[pool.ref], 0)
        safe_u = np.maximum.reduce([u, cover, outside])
        gap, pairs_gap = weights.gap(int(safe_u.sum() + (capacity * v).sum()) - primal)
    certificate = Certificate(
        optimal=optimal,
        gap=gap,
        pairs_gap=pairs_gap,
        rounds=rounds,
        candidates=int(pool.active.sum()),
        rescored_rows=rescanned,
        pairs_checked=scored,
    )
    return match, certificate


def _check_columns(
    scorer: Scorer,
    rows: np.ndarray,
    cols: np.ndarray,
    weights: _Weights,
    u: np.ndarray,
    v: np.ndarray,
    pool: _Pool,
) -> tuple[int, int]:
    """Score ``rows`` x ``cols`` exactly; pairs the duals do not cover join the pool, active.

    Returns (pairs added, pairs scored).
    """
    price = v[cols][None, :]

    def check_block(start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        block_rows = rows[start : start + step]
        centi = scorer.block(block_rows, cols, approximate=True)
        allowed = centi != NOT_ALLOWED
        # Approximate scores can be one centi-point low: flag generously, confirm exactly.
        short = allowed & (weights(centi) + weights.per_centi - price > u[block_rows][:, None])
        r, k = np.nonzero(short)
        new_rows, new_cols = block_rows[r], cols[k]
        exact = scorer.allowed_pairs(new_rows, new_cols)
        confirmed = exact != NOT_ALLOWED
        confirmed[confirmed] = weights(exact[confirmed]) - v[new_cols[confirmed]] > u[new_rows[confirmed]]
        return new_rows[confirmed], new_cols[confirmed], exact[confirmed]

    step = max(1, BLOCK_CELLS_CHECK // max(1, len(cols)))
    parts = _in_parallel(check_block, range(0, len(rows), step))
    added = 0
    if parts:
        new_rows, new_cols, exact = (np.concatenate(x) for x in zip(*parts, strict=True))
        fresh = ~pool.contains(new_rows, new_cols)
        added = int(fresh.sum())
        if added:
            pool.add(new_rows[fresh], new_cols[fresh], exact[fresh], np.ones(added, bool))
    return added, len(rows) * len(cols)


# -- mentoring: stable ---------------------------------------------------------------------------


def _stable(problem: Problem, scorer: Scorer, clock: _Clock) -> np.ndarray:
    """Mentee-proposing deferred acceptance with capacities (the mentee-optimal stable matching).

    Both sides rank the other by pair score, ties broken by input order; only allowed pairs are
    acceptable. Fixed pairs are set first and use their mentor's capacity.
    """
    fixed_match, free_rows, capacity = _residual(problem)
    preferences: dict[int, list[int]] = {}
    value: dict[int, np.ndarray] = {}
    step = scorer.block_rows()
    for start in range(0, len(free_rows), step):
        clock.check()
        rows = free_rows[start : start + step]
        centi = scorer.block(rows)
        for r, i in enumerate(rows.tolist()):
            allowed = np.flatnonzero((centi[r] != NOT_ALLOWED) & (capacity > 0))
            order = allowed[np.lexsort((allowed, -centi[r, allowed]))]
            preferences[i] = order.tolist()
            value[i] = centi[r]
    held: list[list[tuple[int, int]]] = [[] for _ in problem.mentors]  # heap of (score, -mentee)
    next_choice = dict.fromkeys(preferences, 0)
    free = list(reversed(preferences))
    proposals = 0
    while free:
        proposals += 1
        if proposals % 65536 == 0:
            clock.check()
        i = free.pop()
        prefs = preferences[i]
        if next_choice[i] >= len(prefs):
            continue
        j = prefs[next_choice[i]]
        next_choice[i] += 1
        key = (int(value[i][j]), -i)
        if len(held[j]) < capacity[j]:
            heapq.heappush(held[j], key)
        elif key > held[j][0]:
            _, worst = heapq.heapreplace(held[j], key)
            free.append(-worst)
        else:
            free.append(i)
    match = fixed_match.copy()
    for j, keys in enumerate(held):
        for _, minus_i in keys:
            match[-minus_i] = j
    return match
