"""Per-pair similarities, the explanation ("reasons") of a pair, and exact scores.

These are plain-Python versions of the vectorised scoring in ``score.py``: they explain the
pairs a solver returned, and settle the rare pair whose float score lands on a rounding tie.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

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
    directions = [(i, j), (j, i)] if problem.is_peer else [(i, j)]
    out = []
    for c in problem.criteria:
        sims = []
        for a, b in directions:
            s, _ = similarity(
                c, problem.mentees[a].attributes.get(c.mentee), problem.mentors[b].attributes.get(c.mentor)
            )
            sims.append(s)
        s = sum(sims) / len(sims)
        points = 100 * c.points_weight * s / weight_total if weight_total else 0.0
        out.append(
            {"criterion": c.name, "weight": c.weight, "similarity": round(s, 4), "points": round(points, 2)}
        )
    return out
