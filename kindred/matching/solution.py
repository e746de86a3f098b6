"""What a solve returns: pairs or groups with their reasons, a certificate of optimality, and the
clock that stops a solve at its time limit."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .model import Problem

CANDIDATES = 8  # pairs per mentee given to the first solve

TIE_STEP = 7919  # person i breaks score ties from partner i * TIE_STEP on (a prime: spread out)
TIME_LIMIT = 600.0  # seconds: a solve that runs longer stops with SolveTimeout


class SolveTimeout(Exception):
    """A solve ran past its time limit; the message is one line, fit to show to a person."""


class _Clock:
    """The time limit of one solve: ``check()`` raises :class:`SolveTimeout` once it is past."""

    def __init__(self, limit: float | None, what: str) -> None:
        self.limit = limit
        self.what = what
        self.end = None if limit is None else time.monotonic() + limit

    def check(self) -> None:
        if self.end is not None and time.monotonic() > self.end:
            assert self.limit is not None
            raise SolveTimeout(
                f"Matching stopped at its time limit of {self.limit:g} seconds without a result "
                f"({self.what}). Nothing was changed."
            )


@dataclass
class Certificate:
    """Proof of optimality: LP duals checked against every allowed pair.

    ``gap`` is the proven distance to the optimum in score points (0 when ``optimal``);
    ``pairs_gap`` bounds how many pairs could be missing (max_participation only).
    """

    optimal: bool
    gap: float
    pairs_gap: int = 0
    rounds: int = 0
    candidates: int = 0
    rescored_rows: int = 0
    pairs_checked: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "optimal": self.optimal,
            "gap": self.gap,
            "pairs_gap": self.pairs_gap,
            "rounds": self.rounds,
            "candidates": self.candidates,
            "rescored_rows": self.rescored_rows,
            "pairs_checked": self.pairs_checked,
        }


@dataclass
class Pair:
    """One pair of the result: ``score`` is 0-100 and ``reasons`` explain it per criterion."""

    mentee: str
    mentor: str
    score: float
    reasons: list[dict[str, Any]]
    fixed: bool = False


@dataclass
class Group:
    """A peer circle: its members and the mean score of the pairs inside it."""

    members: list[str]
    score: float


@dataclass
class Solution:
    """The result of :func:`solve`; ``to_json()`` is the CLI's output."""

    problem: Problem
    pairs: list[Pair]
    unmatched: list[str]
    certificate: Certificate | None = None
    groups: list[Group] = field(default_factory=list)
    total: int = 0  # total in centi-points (peer: sum of both directions)
    upper_bound: float | None = None  # peer circles: the bound the heuristic is measured against

    @property
    def matched(self) -> int:
        """Number of pairs (peer circles: number of people in a circle)."""
        if self.groups:
            return sum(len(g.members) for g in self.groups)
        return len(self.pairs)

    @property
    def total_score(self) -> float:
        return round(self.total / (200 if self.problem.is_peer else 100), 3)

    def to_json(self) -> dict[str, Any]:
        peer = self.problem.is_peer
        a, b = ("a", "b") if peer else ("mentee", "mentor")
        out: dict[str, Any] = {}
        if self.groups:
            out["groups"] = [{"members": g.members, "score": g.score} for g in self.groups]
        else:
            out["pairs"] = [
                {a: p.mentee, b: p.mentor, "score": p.score, "reasons": p.reasons} for p in self.pairs
            ]
        out.update({"unmatched": self.unmatched, "matched": self.matched, "total_score": self.total_score})
        if self.certificate is not None:
            out["certificate"] = self.certificate.to_json()
        if self.upper_bound is not None:
            out["upper_bound"] = self.upper_bound
        return out
