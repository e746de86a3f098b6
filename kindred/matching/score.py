"""Vectorised pair scoring, computed in blocks of mentee rows so memory stays bounded.

Scores are kept as integers in hundredths of a point ("centi-points", 0..10000), which is exactly
``round(100 * sum(w * s) / sum(w), 2)`` times 100. Integer scores make the solvers exact and let
totals be compared without float noise. In peer mode a pair's value is the *sum* of both
directions (0..20000); the reported score is its half, the mean of both directions.

A block is an ``int32`` array with one row per mentee and one column per mentor, holding the
value of every allowed pair and ``NOT_ALLOWED`` (-1) elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .explain import exact_centi
from .model import Criterion, Problem, scalar_key

NOT_ALLOWED = -1
FULL_SCORE = 10000  # centi-points of a perfect directional score
FAIL = float(2**22)  # added (negated) once per failed must-have; far below any score
BLOCK_CELLS = 1 << 21  # pairs scored at once: ~2M cells keeps every temporary around 16 MB

IntArray = npt.NDArray[np.int32]


MAX_TABLE_VALUES = 256  # numeric criteria with more distinct mentor values are scored element-wise


def _values(attrs: list[dict[str, Any]], name: str) -> list[Any]:
    return [a.get(name) for a in attrs]


class _Features:
    """Row features for one side; the other side's rows are matched by a matrix product.

    Points: ``total[i, j] = A[i] @ B[j]`` is the weighted similarity sum. Must-haves:
    ``fails[i, j] = FA[i] @ FB[j]`` counts failed must-haves (overlap must-haves are counted by
    ``common[i, j] = EA[i] @ EB[j]`` instead, since they need at least one common item).
    """

    def __init__(self) -> None:
        self.a: list[np.ndarray] = []
        self.b: list[np.ndarray] = []
        self.fail_a: list[np.ndarray] = []
        self.fail_b: list[np.ndarray] = []
        self.overlap_musts: list[tuple[np.ndarray, np.ndarray]] = []
        self.elementwise: list[tuple[Criterion, np.ndarray, np.ndarray]] = []


def _one_hot(codes: np.ndarray, width: int, dtype: Any) -> np.ndarray:
    out = np.zeros((len(codes), width), dtype=dtype)
    present = codes >= 0
    out[np.flatnonzero(present), codes[present]] = 1
    return out


def _item_bits(values: list[Any], vocabulary: dict[str, int]) -> np.ndarray:
    """One row per person, a 1 in the column of each item of their list."""
    bits = np.zeros((len(values), len(vocabulary)))
    lengths = [len(items) if items else 0 for items in values]
    columns = np.fromiter((vocabulary[item] for items in values if items for item in items), dtype=np.int64)
    bits[np.repeat(np.arange(len(values)), lengths), columns] = 1
    return bits


def _add_criterion(f: _Features, c: Criterion, e_values: list[Any], m_values: list[Any]) -> None:
    weight = c.points_weight
    if c.kind == "overlap":
        vocabulary: dict[str, int] = {}
        for values in (e_values, m_values):
            for items in values:
                for item in items or ():
                    vocabulary.setdefault(item, len(vocabulary))
        e_bits, m_bits = _item_bits(e_values, vocabulary), _item_bits(m_values, vocabulary)
        if c.is_must:
            f.overlap_musts.append((e_bits.astype(np.float32), m_bits.astype(np.float32)))
        else:
            size = e_bits.sum(axis=1, keepdims=True)
            f.a.append(np.divide(weight * e_bits, size, out=np.zeros_like(e_bits), where=size > 0))
            f.b.append(m_bits)
        return
    if c.kind == "equal":
        e_codes, m_codes, width = _codes(e_values, m_values)
        if c.is_must:
            # One extra column stands for a missing mentor value, which fails for everyone.
            m_full = np.where(m_codes >= 0, m_codes, width)
            f.fail_a.append(1 - _one_hot(e_codes, width + 1, np.float32) * (np.arange(width + 1) < width))
            f.fail_b.append(_one_hot(m_full, width + 1, np.float32))
        else:
            f.a.append(weight * _one_hot(e_codes, width, np.float64))
            f.b.append(_one_hot(m_codes, width, np.float64))
        return
    e = np.array([np.nan if v is None else float(v) for v in e_values])
    m = np.array([np.nan if v is None else float(v) for v in m_values])
    present = np.sort(m[~np.isnan(m)])
    # np.unique, without the import of numpy.ma it triggers (45 ms of every CLI run).
    distinct = present[np.concatenate(([True], present[1:] != present[:-1]))] if len(present) else present
    if len(distinct) > MAX_TABLE_VALUES:
        f.elementwise.append((c, e, m))
        return
    table = distinct[None, :]
    if c.kind == "ordinal":
        gap = table - e[:, None] if c.direction == "mentor_above" else e[:, None] - table
        holds = gap >= c.min_gap
        sim = holds.astype(np.float64)
    else:
        distance = np.abs(e[:, None] - table)
        holds = distance <= c.max
        sim = np.where(holds, 1.0 - distance / c.max, 0.0)
    m_codes = np.searchsorted(distinct, m)
    m_codes[np.isnan(m)] = -1
    if c.is_must:
        width = len(distinct)
        fail = np.ones((len(e), width + 1), dtype=np.float32)
        fail[:, :width] = ~holds
        f.fail_a.append(fail)
        f.fail_b.append(_one_hot(np.where(m_codes >= 0, m_codes, width), width + 1, np.float32))
    else:
        f.a.append(weight * sim)
        f.b.append(_one_hot(m_codes, len(distinct), np.float64))


def _codes(e_values: list[Any], m_values: list[Any]) -> tuple[np.ndarray, np.ndarray, int]:
    """Both sides' scalar values as codes 0..width-1 (-1 when missing), compared as `equal` does."""
    codes: dict[tuple[str, Any], int] = {}
    for v in (*e_values, *m_values):
        if v is not None:
            codes.setdefault(scalar_key(v), len(codes))
    e_codes = np.array([-1 if v is None else codes[scalar_key(v)] for v in e_values], dtype=np.int64)
    m_codes = np.array([-1 if v is None else codes[scalar_key(v)] for v in m_values], dtype=np.int64)
    return e_codes, m_codes, len(codes)


def _add_apart(f: _Features, e_values: list[Any], m_values: list[Any]) -> None:
    """Two people sharing a value (a department) count one failed must-have; missing never fails.
    A linear-size feature instead of listing every pair within each group in `exclude`."""
    e_codes, m_codes, width = _codes(e_values, m_values)
    f.fail_a.append(_one_hot(e_codes, width, np.float32))
    f.fail_b.append(_one_hot(m_codes, width, np.float32))


def _stack(parts: list[np.ndarray], rows: int, dtype: Any) -> np.ndarray:
    return np.ascontiguousarray(np.hstack(parts)) if parts else np.zeros((rows, 0), dtype=dtype)


class Scorer:
    """Scores blocks of mentee rows against all mentors (or, in peer mode, all participants).

    Similarity sums come from one matrix product of per-side feature rows (each criterion's
    similarity is a table over the other side's distinct values), so a block costs one BLAS call
    plus a few element-wise passes. Floats are only an intermediate: every score is rounded to
    an integer, and the few whose float lands within 1e-6 of a rounding tie are recomputed
    exactly with fractions, so block size and summation order never change a score.
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.n_rows = len(problem.mentees)
        self.n_cols = len(problem.mentors)
        self.peer = problem.is_peer
        self.scale = 200 if self.peer else 100  # value / scale = reported score
        self.weight_total = problem.weight_total
        mentee_attrs = [p.attributes for p in problem.mentees]
        mentor_attrs = [p.attributes for p in problem.mentors]
        f = _Features()
        for c in problem.criteria:
            if c.is_must or c.points_weight > 0:
                _add_criterion(f, c, _values(mentee_attrs, c.mentee), _values(mentor_attrs, c.mentor))
        for name in problem.apart:
            _add_apart(f, _values(mentee_attrs, name), _values(mentor_attrs, name))
        # One product gives both the score and the must-haves: points are pre-scaled to
        # centi-points and each failed must-have adds -FAIL, so an allowed pair's float sum has
        # only exact zeros added to it and a failed one lands far below zero.
        self.points_scale = FULL_SCORE / self.weight_total if self.weight_total else 0.0
        self.base = 0.0 if self.weight_total else float(FULL_SCORE)
        points_a = _stack(f.a, self.n_rows, np.float64) * self.points_scale
        fail_a = _stack(f.fail_a, self.n_rows, np.float64) * -FAIL
        self.n_points = points_a.shape[1]
        self.a = np.ascontiguousarray(np.hstack([points_a, fail_a]))
        self.b = np.ascontiguousarray(
            np.hstack([_stack(f.b, self.n_cols, np.float64), _stack(f.fail_b, self.n_cols, np.float64)])
        )
        # float32 copies for approximate scans: within 1 centi-point, twice as fast (see block()).
        self.a32 = self.a.astype(np.float32)
        self.b32 = self.b.astype(np.float32)
        self.overlap_musts = f.overlap_musts
        self.elementwise = f.elementwise
        # min_score compares the 2-decimal score; the rounding absorbs float noise such as 0.57*100.
        self.min_centi = math.ceil(round(problem.min_score * 100, 6))
        same = {p.id: j for j, p in enumerate(problem.mentors)}
        self.same_person = np.array([same.get(p.id, -1) for p in problem.mentees], dtype=np.int64)
        excluded = set(problem.exclude)
        if self.peer:
            excluded |= {(b, a) for a, b in problem.exclude}
        self.excluded: dict[int, list[int]] = {}
        for i, j in sorted(excluded):
            self.excluded.setdefault(i, []).append(j)
        banned = [i * self.n_cols + j for i, j in excluded]
        banned += [i * self.n_cols + int(j) for i, j in enumerate(self.same_person) if j >= 0]
        self.banned_keys = np.array(sorted(banned), dtype=np.int64)

    def block_rows(self) -> int:
        """How many mentee rows one block holds."""
        return max(1, BLOCK_CELLS // max(1, self.n_cols))

    def directional(
        self,
        rows: np.ndarray,
        cols: np.ndarray | slice,
        transpose: bool = False,
        paired: bool = False,
        points_only: bool = False,
        approximate: bool = False,
    ) -> tuple[IntArray, np.ndarray]:
        """Centi-scores and must-have flags of mentees ``rows`` against mentors ``cols``.

        The result is shaped (rows, cols); with ``paired`` it is element-wise instead, shaped
        (len(rows),) for the pairs ``(rows[k], cols[k])``. With ``transpose`` the roles swap:
        ``rows`` index mentors and ``cols`` mentees. Peer mode uses it for the second direction.
        ``points_only`` skips the must-haves (the flags are then meaningless), for fixed pairs.
        ``approximate`` uses float32 and no tie fixing: every score is within one centi-point of
        the exact one, must-have flags stay exact and the min_score test is loosened by one, so
        the allowed pairs are a superset of the exact ones.
        """
        mentee_ids, mentor_ids = (cols, rows) if transpose else (rows, cols)

        def product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            left, right = (b[rows], a[cols]) if transpose else (a[rows], b[cols])
            return np.einsum("ij,ij->i", left, right) if paired else left @ right.T

        def outer(e: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            if paired:
                return e, m
            return (e[None, :], m[:, None]) if transpose else (e[:, None], m[None, :])

        n_cols = len(range(self.n_cols)[cols]) if isinstance(cols, slice) else len(cols)
        shape = (len(rows),) if paired else (len(rows), n_cols)
        a, b = (self.a32, self.b32) if approximate else (self.a, self.b)
        if points_only:
            a, b = a[:, : self.n_points], b[:, : self.n_points]
        raw = product(a, b) if a.shape[1] else np.zeros(shape)
        if self.base:
            raw += self.base
        # Failed must-haves put raw far below zero. Approximate scans fold the (loosened)
        # min_score test into the same comparison.
        ok = raw > (self.min_centi - 2 if approximate and not points_only else -FAIL / 2)
        for e_bits, m_bits in self.overlap_musts:
            ok &= product(e_bits, m_bits) > 0.5
        for c, e_all, m_all in self.elementwise:
            e, m = outer(e_all[mentee_ids], m_all[mentor_ids])
            with np.errstate(invalid="ignore"):
                if c.kind == "ordinal":
                    holds = (m - e if c.direction == "mentor_above" else e - m) >= c.min_gap
                    sim = holds.astype(np.float64)
                else:
                    distance = np.abs(e - m)
                    holds = distance <= c.max
                    sim = np.where(holds, 1.0 - distance / c.max, 0.0)
            if c.is_must:
                ok &= holds
            else:
                raw += (c.points_weight * self.points_scale) * sim
        centi = np.rint(raw).astype(np.int32)
        if approximate:
            return centi, ok
        near_tie = np.abs(np.abs(raw - centi) - 0.5) < 1e-6
        if near_tie.any():
            e_ids = np.arange(self.n_rows)[mentee_ids]
            m_ids = np.arange(self.n_cols)[mentor_ids]
            for where in zip(*np.nonzero(near_tie), strict=True):
                if paired:
                    i, j = int(e_ids[where[0]]), int(m_ids[where[0]])
                elif transpose:
                    i, j = int(e_ids[where[1]]), int(m_ids[where[0]])
                else:
                    i, j = int(e_ids[where[0]]), int(m_ids[where[1]])
                centi[where] = exact_centi(self.problem, i, j)
        return centi, ok & (centi >= self.min_centi)

    def block(self, rows: np.ndarray, cols: np.ndarray | None = None, approximate: bool = False) -> IntArray:
        """Values of mentee ``rows`` against every mentor (or mentors ``cols``), ``NOT_ALLOWED``
        where a pair is not allowed. ``approximate``: see :meth:`directional`."""
        which: np.ndarray | slice = slice(None) if cols is None else cols
        centi, ok = self.directional(rows, which, approximate=approximate)
        if self.peer:
            back, back_ok = self.directional(rows, which, transpose=True, approximate=approximate)
            centi = centi + back
            ok &= back_ok
        position = None if cols is None else {int(j): k for k, j in enumerate(cols)}
        for r, i in enumerate(rows.tolist()):
            banned = self.excluded.get(i, [])
            if self.same_person[i] >= 0:
                banned = [*banned, int(self.same_person[i])]
            for j in banned:
                k = j if position is None else position.get(j)
                if k is not None:
                    ok[r, k] = False
        np.putmask(centi, ~ok, NOT_ALLOWED)
        return centi

    def allowed_pairs(self, rows: np.ndarray, cols: np.ndarray) -> IntArray:
        """Exact values of the pairs ``(rows[k], cols[k])``, ``NOT_ALLOWED`` where not allowed."""
        centi, ok = self.directional(rows, cols, paired=True)
        if self.peer:
            back, back_ok = self.directional(rows, cols, transpose=True, paired=True)
            centi = centi + back
            ok &= back_ok
        ok &= ~np.isin(rows * self.n_cols + cols, self.banned_keys)
        centi[~ok] = NOT_ALLOWED
        return centi

    def pairs(self, rows: np.ndarray, cols: np.ndarray) -> IntArray:
        """Values of the pairs ``(rows[k], cols[k])``, allowed or not (fixed pairs are locked by an admin)."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        if len(rows) == 0:
            return np.zeros(0, dtype=np.int32)
        centi, _ = self.directional(rows, cols, paired=True, points_only=True)
        if self.peer:
            back, _ = self.directional(rows, cols, transpose=True, paired=True, points_only=True)
            centi = centi + back
        return centi

    def blocks(self) -> Any:
        """Yield ``(rows, block)`` over all mentees, a bounded number of rows at a time."""
        step = self.block_rows()
        for start in range(0, self.n_rows, step):
            rows = np.arange(start, min(start + step, self.n_rows))
            yield rows, self.block(rows)


@dataclass(frozen=True)
class ScoreMatrix:
    """Every pair's score: ``values[i, j]`` in centi-points (or peer sums), -1 when not allowed."""

    problem: Problem
    values: IntArray
    scale: int

    def score(self, i: int, j: int) -> float | None:
        value = int(self.values[i, j])
        return None if value == NOT_ALLOWED else value / self.scale

    def to_json(self) -> dict[str, Any]:
        """The CLI's ``score`` output."""
        scores = [[None if v == NOT_ALLOWED else v / self.scale for v in row.tolist()] for row in self.values]
        if self.problem.is_peer:
            return {"participants": [p.id for p in self.problem.mentees], "scores": scores}
        return {
            "mentees": [p.id for p in self.problem.mentees],
            "mentors": [p.id for p in self.problem.mentors],
            "scores": scores,
        }


def score_matrix(problem: Problem) -> ScoreMatrix:
    """Score every pair of a problem into a dense matrix (for display and small problems)."""
    scorer = Scorer(problem)
    values = np.full((scorer.n_rows, scorer.n_cols), NOT_ALLOWED, dtype=np.int32)
    for rows, block in scorer.blocks():
        values[rows] = block
    return ScoreMatrix(problem, values, scorer.scale)
