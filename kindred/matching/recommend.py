"""Mentee choice: the best mentors to show one mentee, spreading demand across mentors.

Fairness rule. Listing mentors by exact score sends every similar mentee to the same few
popular mentors. So allowed mentors with free capacity are ranked by:

1. the score band, ``floor(score / BAND)`` with ``BAND`` = 5 points, best band first: a clearly
   better match always comes first;
2. inside a band, the mentor's load (fixed pairs / capacity), least loaded first: of two
   near-equal mentors the one with fewer mentees is shown first;
3. then the exact score, best first;
4. then a rotation: a stable hash of (mentee id, mentor id), so equally good and equally loaded
   mentors are shown in a different order to different mentees instead of input order.

The pairing app passes accepted and pending choices as ``fixed`` pairs, so each choice a mentee
makes moves that mentor down for the next mentee until the others catch up.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from .explain import reasons
from .model import Problem, ProblemError
from .score import NOT_ALLOWED, Scorer

BAND = 5.0


@dataclass
class Recommendation:
    """A mentor suggested to a mentee, with the pair's score and reasons."""

    mentor: str
    score: float
    reasons: list[dict[str, Any]]
    load: int
    capacity: int

    def to_json(self) -> dict[str, Any]:
        return {
            "mentor": self.mentor,
            "score": self.score,
            "reasons": self.reasons,
            "load": self.load,
            "capacity": self.capacity,
        }


def _rotation(mentee: str, mentor: str) -> str:
    return hashlib.sha256(f"{mentee}\x00{mentor}".encode()).hexdigest()


def recommend(problem: Problem, mentee_id: str, n: int = 5) -> list[Recommendation]:
    """The ``n`` best allowed mentors with free capacity for ``mentee_id`` (see the fairness rule)."""
    if problem.is_peer:
        raise ProblemError("mode: recommend needs mentees and mentors (mentoring mode)")
    if mentee_id not in problem.mentee_index:
        raise ProblemError(f"mentee: unknown mentee {mentee_id!r}")
    i = problem.mentee_index[mentee_id]
    load = np.zeros(len(problem.mentors), dtype=np.int64)
    for _, j in problem.fixed:
        load[j] += 1
    capacity = np.array([p.capacity for p in problem.mentors], dtype=np.int64)
    values = Scorer(problem).block(np.array([i]))[0]
    taken = {j for e, j in problem.fixed if e == i}
    options = [
        j for j in np.flatnonzero((values != NOT_ALLOWED) & (load < capacity)).tolist() if j not in taken
    ]

    def key(j: int) -> tuple[float, float, int, str]:
        score = values[j] / 100
        return (
            -(score // BAND),
            load[j] / capacity[j],
            -int(values[j]),
            _rotation(mentee_id, problem.mentors[j].id),
        )

    chosen = sorted(options, key=key)[: max(0, n)]
    return [
        Recommendation(
            mentor=problem.mentors[j].id,
            score=values[j] / 100,
            reasons=reasons(problem, i, j),
            load=int(load[j]),
            capacity=int(capacity[j]),
        )
        for j in chosen
    ]
