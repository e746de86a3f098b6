"""Pairing reads: the criteria preview, why people are unmatched, proposals and mentorships."""

import hashlib
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, QuerySet
from django.utils import timezone

from kindred.accounts.models import User
from kindred.matching import Problem, parse_problem
from kindred.matching.score import Scorer
from kindred.pairing.models import (
    Criterion,
    Exclusion,
    MatchRun,
    Mentorship,
    MentorshipMember,
    PairingSettings,
    Proposal,
)
from kindred.pairing.problem import build_problem
from kindred.programs.models import Program
from kindred.registration.models import Answer, QuestionOption, Registration


@dataclass(frozen=True)
class Reach:
    """For every mentee, how many mentors pass the must-haves; and the score distribution."""

    mentees: int
    mentors: int  # in peer programs, the same people as the mentees
    peer: bool
    allowed: dict[str, int]  # mentee engine id -> number of allowed mentors
    histogram: list[int]  # allowed pairs per 10-point bucket: 0–9, 10–19, …, 90–100
    pairs: int  # all candidate pairs

    @property
    def without_mentor(self) -> list[str]:
        return [m for m, n in self.allowed.items() if n == 0]


def reach(problem: Problem) -> Reach:
    """Score every pair in bounded blocks (never the whole matrix at once)."""
    scorer = Scorer(problem)
    allowed: dict[str, int] = {}
    histogram = np.zeros(10, dtype=np.int64)
    for rows, block in scorer.blocks():
        ok = block >= 0
        for offset, row in enumerate(rows):
            allowed[problem.mentees[int(row)].id] = int(ok[offset].sum())
        scores = block[ok] / scorer.scale
        histogram += np.bincount(np.minimum((scores // 10).astype(np.int64), 9), minlength=10)
    cols = len(problem.mentees) if problem.is_peer else len(problem.mentors)
    return Reach(
        mentees=len(problem.mentees),
        mentors=cols,
        peer=problem.is_peer,
        allowed=allowed,
        histogram=[int(x) for x in histogram],
        pairs=len(problem.mentees) * cols,
    )


def _signature(program: Program) -> str:
    """Everything the preview depends on, in a few aggregate queries: when none of it changed,
    the cached preview is still right."""
    parts = [
        list(Criterion.objects.filter(program=program).order_by("pk").values_list()),
        list(PairingSettings.objects.filter(program=program).values_list()),
        Registration.objects.filter(program=program).aggregate(n=Count("pk"), last=Max("updated_at")),
        Answer.objects.filter(registration__program=program).aggregate(n=Count("pk"), last=Max("pk")),
        QuestionOption.objects.filter(question__program=program).aggregate(n=Count("pk"), last=Max("pk")),
        Exclusion.objects.filter(program=program).aggregate(n=Count("pk"), last=Max("pk")),
        timezone.localdate(),  # time zone offsets move with daylight saving
    ]
    settings = PairingSettings.objects.filter(program=program).first()
    if settings and (settings.exclude_same_department or settings.exclude_reporting_line):
        # Profiles change without touching the program: read the fields the exclusions use.
        parts.append(
            list(
                User.objects.filter(memberships__organization_id=program.organization_id)
                .order_by("pk")
                .values_list("pk", "department", "manager_email")
            )
        )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def program_reach(program: Program) -> Reach:
    """The preview of a program's pairing, scored once per change of its data (cached)."""
    key = f"pairing:reach:{program.pk}:{_signature(program)}"
    cached = cache.get(key)
    if cached is None:
        cached = reach(parse_problem(build_problem(program).data))
        cache.set(key, cached, timeout=3600)
    return cached


def latest_run(program: Program) -> MatchRun | None:
    return MatchRun.objects.filter(program=program).first()


def proposals_of(program: Program) -> QuerySet[Proposal]:
    return (
        Proposal.objects.filter(program=program)
        .select_related("mentee__user", "mentor__user")
        .order_by("circle", "-locked", "-score", "pk")
    )


def mentor_load(program: Program) -> dict[int, int]:
    """Proposed plus active mentees per mentor registration."""
    load: dict[int, int] = {}
    for mentor_id, n in (
        Proposal.objects.filter(program=program).values_list("mentor_id").annotate(n=Count("pk"))
    ):
        load[mentor_id] = load.get(mentor_id, 0) + n
    for mentor_id, n in (
        MentorshipMember.objects.filter(mentorship__program=program, mentorship__status="active")
        .exclude(mentorship__mentor=None)
        .values_list("mentorship__mentor_id")
        .annotate(n=Count("pk"))
    ):
        load[mentor_id] = load.get(mentor_id, 0) + n
    return load


def mentorships_of(program: Program) -> QuerySet[Mentorship]:
    return (
        Mentorship.objects.filter(program=program)
        .select_related("mentor__user")
        .prefetch_related(
            Prefetch("members", queryset=MentorshipMember.objects.select_related("registration__user"))
        )
    )
