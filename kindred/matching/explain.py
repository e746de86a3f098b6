"""Per-pair similarities, the explanation ("reasons") of a pair, and exact scores.

These are plain-Python versions of the vectorised scoring in ``score.py``: they explain the
pairs a solver returned, and settle the rare pair whose float score lands on a rounding tie.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from .model import Criterion, Problem, scalar_key


def similarity(criterion: Criterion, e: Any, m: Any, exact: bool = False) -> tuple[Any, bool]:
    """``(s, holds)`` for one criterion: the similarity in [0, 1] and whether the must-have holds.

    With ``exact`` the similarity is a :class:`~fractions.Fraction` computed without rounding.
    """
    num: Any = Fraction if exact else float
    if e is None or m is None:
        return num(0), False
    if criterion.kind == "overlap":
        mine = set(e)
        common = len(mine & set(m))
        return (num(common) / len(mine) if mine else num(0)), common >= 1
    if criterion.kind == "equal":
        same = scalar_key(e) == scalar_key(m)
        return num(int(same)), same
    if criterion.kind == "ordinal":
        gap = num(m) - num(e) if criterion.direction == "mentor_above" else num(e) - num(m)
        holds = gap >= num(criterion.min_gap)
        return num(int(holds)), holds
    distance = abs(num(e) - num(m))
    holds = distance <= num(criterion.max)
    return (num(1) - distance / num(criterion.max) if holds else num(0)), holds


def exact_centi(problem: Problem, i: int, j: int) -> int:
    """The directional score of mentee ``i`` and mentor ``j`` in hundredths, rounded half to even exactly."""
    total = Fraction(0)
    weight_total = problem.weight_total
    if weight_total == 0:
        return 10000
    e_attrs = problem.mentees[i].attributes
    m_attrs = problem.mentors[j].attributes
    for c in problem.criteria:
        if c.points_weight:
            s, _ = similarity(c, e_attrs.get(c.mentee), m_attrs.get(c.mentor), exact=True)
            total += c.points_weight * s
    return round(total * 10000 / weight_total)


def reasons(problem: Problem, i: int, j: int) -> list[dict[str, Any]]:
    """Why mentee ``i`` and mentor ``j`` scored what they did, one entry per criterion.

    ``points`` is the criterion's share of the 0-100 score; must-haves show weight ``"must"``
    and no points. In peer mode similarity and points are the mean of both directions.
    """
    weight_total = problem.weight_total
    e_attrs, m_attrs = problem.mentees[i].attributes, problem.mentors[j].attributes
    out = []
    for c in problem.criteria:
        s = similarity(c, e_attrs.get(c.mentee), m_attrs.get(c.mentor))[0]
        if problem.is_peer:
            back = similarity(
                c, problem.mentees[j].attributes.get(c.mentee), problem.mentors[i].attributes.get(c.mentor)
            )
            s = (s + back[0]) / 2
        points = 100 * c.points_weight * s / weight_total if weight_total else 0.0
        out.append(
            {"criterion": c.name, "weight": c.weight, "similarity": round(s, 4), "points": round(points, 2)}
        )
    return out


def _side_arrays(
    c: Criterion, people: Any, attr: str, codes: dict[Any, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(values, sizes) of one attribute for the given people, encoded for vectorised similarity."""
    raw = [p.attributes.get(attr) for p in people]
    if c.kind == "overlap":
        words = max(1, (len(codes) + 63) // 64)
        sets = [None if items is None else set(items) for items in raw]
        sizes = np.array([-1 if s is None else len(s) for s in sets], dtype=np.int64)
        bits = np.fromiter((codes[item] for s in sets if s for item in s), dtype=np.int64)
        owners = np.repeat(np.arange(len(raw)), np.maximum(sizes, 0))
        masks = np.zeros((len(raw), words), dtype=np.uint64)
        flags = np.left_shift(np.uint64(1), (bits % 64).astype(np.uint64))
        np.bitwise_or.at(masks, (owners, bits // 64), flags)
        return masks, sizes
    if c.kind == "equal":
        values = np.array([-1 if v is None else codes[scalar_key(v)] for v in raw], dtype=np.int64)
        return values, values
    values = np.array([np.nan if v is None else float(v) for v in raw], dtype=np.float64)
    return values, values


def _similarities(problem: Problem, c: Criterion, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Similarity of criterion ``c`` for the pairs (mentee ``rows[k]``, mentor ``cols[k]``)."""
    codes: dict[Any, int] = {}
    for people, attr in ((problem.mentees, c.mentee), (problem.mentors, c.mentor)):
        for p in people:
            value = p.attributes.get(attr)
            if value is None:
                continue
            for key in value if c.kind == "overlap" else (scalar_key(value),) if c.kind == "equal" else ():
                codes.setdefault(key, len(codes))
    e, e_size = _side_arrays(c, problem.mentees, c.mentee, codes)
    m, m_size = _side_arrays(c, problem.mentors, c.mentor, codes)
    if c.kind == "overlap":
        common = np.bitwise_count(e[rows] & m[cols]).sum(axis=1)
        size = e_size[rows]
        usable = (size > 0) & (m_size[cols] >= 0)
        return np.divide(common, size, out=np.zeros(len(rows)), where=usable)
    if c.kind == "equal":
        return ((e[rows] == m[cols]) & (e[rows] >= 0)).astype(np.float64)
    with np.errstate(invalid="ignore"):
        if c.kind == "ordinal":
            gap = m[cols] - e[rows] if c.direction == "mentor_above" else e[rows] - m[cols]
            return (gap >= c.min_gap).astype(np.float64)
        distance = np.abs(e[rows] - m[cols])
        return np.where(distance <= c.max, 1.0 - distance / c.max, 0.0)


def reasons_many(problem: Problem, rows: np.ndarray, cols: np.ndarray) -> list[list[dict[str, Any]]]:
    """:func:`reasons` for many pairs at once, vectorised per criterion."""
    weight_total = problem.weight_total
    columns = []
    for c in problem.criteria:
        s = _similarities(problem, c, rows, cols)
        if problem.is_peer:
            s = (s + _similarities(problem, c, cols, rows)) / 2
        points = 100 * c.points_weight * s / weight_total if weight_total else np.zeros(len(rows))
        columns.append((c.name, c.weight, np.round(s, 4).tolist(), np.round(points, 2).tolist()))
    return [
        [
            {"criterion": name, "weight": weight, "similarity": sims[k], "points": points[k]}
            for name, weight, sims, points in columns
        ]
        for k in range(len(rows))
    ]
