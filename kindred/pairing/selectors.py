"""Pairing reads: the criteria preview, why people are unmatched, proposals and mentorships."""

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, QuerySet
from django.utils import timezone

from kindred.matching import Problem, parse_problem
from kindred.matching.score import Scorer
from kindred.orgs.facts import with_facts
from kindred.orgs.models import Membership
from kindred.pairing.models import (
    Comparison,
    Criterion,
    Exclusion,
    MatchRun,
    Mentorship,
    MentorshipMember,
    PairingSettings,
    Proposal,
    Weight,
)
from kindred.pairing.problem import build_problem, option_key, utc_offset_hours
from kindred.programs.models import Program
from kindred.registration.models import Answer, Question, QuestionKind, QuestionOption, Registration
from kindred.registration.selectors import AnswerTable, answers_for_program


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
                with_facts(Membership.objects.filter(organization_id=program.organization_id))
                .order_by("user_id")
                .values_list("user_id", "fact_department", "fact_manager_email")
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


# -- why two people fit, in participants' own words -----------------------------------------------


@dataclass(frozen=True)
class Answered:
    """One person's answer to one criterion's question, as reasons read it."""

    labels: tuple[str, ...]  # what they chose or wrote, as shown to people
    keys: tuple[str, ...]  # what pairing compares: an option's meaning, lower-case text
    position: float | None = None  # place on the scale, the number, or the time zone's UTC offset


@dataclass(frozen=True)
class Reason:
    text: str  # "you both listed Negotiation and Public speaking" (capitalise where it starts a line)
    question: str  # the viewer's question behind it, for context ("" when unknown)


def _listing(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def reason_text(
    *,
    comparison: str,
    mine: Answered | None,
    theirs: Answered | None,
    them: str,
    mentor_side: bool = False,
    reverse: bool = False,
    min_gap: float = 1,
    max_difference: float = 6,
) -> str | None:
    """One matching reason in plain second-person words, or None when the two answers do not
    support it (so a page never claims what the data does not say).

    `mine` is the viewer's answer and `theirs` the other person's, named `them` ("Vera");
    `mentor_side` says the viewer answered the criterion's mentor question, which matters for
    ordinal criteria (the mentor ranks above the mentee, or below with `reverse`)."""
    if mine is None or theirs is None or not mine.labels or not theirs.labels:
        return None
    if comparison == Comparison.OVERLAP:
        common = set(theirs.keys)
        shared = list(
            dict.fromkeys(label for label, key in zip(mine.labels, mine.keys, strict=True) if key in common)
        )
        return f"you both listed {_listing(shared)}" if shared else None
    if comparison == Comparison.EQUAL:
        return f"you both answered {mine.labels[0]}" if mine.keys[:1] == theirs.keys[:1] else None
    if mine.position is None or theirs.position is None:
        return None
    if comparison == Comparison.ORDINAL:
        mentor, mentee = (mine, theirs) if mentor_side else (theirs, mine)
        assert mentor.position is not None and mentee.position is not None
        gap = mentee.position - mentor.position if reverse else mentor.position - mentee.position
        if gap < min_gap:
            return None
        if mentor_side != reverse:  # the viewer is the one further up the scale
            return f"you rank above {them} ({mine.labels[0]}; {them}: {theirs.labels[0]})"
        return f"{them} ranks above you ({theirs.labels[0]}; you: {mine.labels[0]})"
    if comparison == Comparison.CLOSENESS:
        if abs(mine.position - theirs.position) >= max_difference:
            return None
        if mine.labels[0] == theirs.labels[0]:
            return f"you both answered {mine.labels[0]}"
        return f"your answers are close (you: {mine.labels[0]}; {them}: {theirs.labels[0]})"
    return None


@dataclass(frozen=True)
class ReasonSource:
    """A program's criteria and a few people's answers, loaded once to explain their pairs."""

    criteria: list[Criterion]
    answers: AnswerTable
    now: dt.datetime


def reason_source(program: Program, people: Iterable[Registration]) -> ReasonSource:
    """Criteria and answers for these people, in four queries however many people."""
    ids = [p.pk for p in people]
    criteria = list(
        Criterion.objects.filter(program=program)
        .exclude(weight=Weight.IGNORE)
        .select_related("mentee_question", "mentor_question")
        .prefetch_related("mentee_question__options", "mentor_question__options")
    )
    answers = answers_for_program(program, registrations=Registration.objects.filter(pk__in=ids))
    return ReasonSource(criteria=criteria, answers=answers, now=timezone.now())


def _answered(source: ReasonSource, question: Question, registration_pk: int) -> Answered | None:
    table = source.answers
    chosen = table.options.get(registration_pk, {}).get(question.pk)
    if chosen:
        options = list(question.options.all())
        picked = [o for o in options if o.pk in chosen]
        if not picked:
            return None
        return Answered(
            labels=tuple(o.label for o in picked),
            keys=tuple(option_key(o) for o in picked),
            position=float(options.index(picked[0])),
        )
    number = table.numbers.get(registration_pk, {}).get(question.pk)
    if number is not None:
        shown = str(int(number)) if number == int(number) else str(number)
        return Answered(labels=(shown,), keys=(str(number),), position=number)
    text = table.texts.get(registration_pk, {}).get(question.pk)
    if text:
        offset = utc_offset_hours(text, source.now) if question.kind == QuestionKind.TIMEZONE else None
        return Answered(labels=(text.strip(),), keys=(text.strip().lower(),), position=offset)
    return None


_WEIGHT_ORDER = {Weight.MUST: 0, Weight.HIGH: 1, Weight.MEDIUM: 2, Weight.LOW: 3}


def _importance(criterion: Criterion) -> tuple[int, int, int]:
    return _WEIGHT_ORDER.get(Weight(criterion.weight), 9), criterion.position, criterion.pk


_SHARED = ("you both listed ", "you both answered ")


def _says(earlier: str, text: str) -> bool:
    """Whether an earlier reason already says this one: the same words, or the same shared
    answers ("you both listed Operations" after "you both listed Design and Operations")."""
    if earlier == text:
        return True
    for prefix in _SHARED:
        if text.startswith(prefix) and earlier.startswith(_SHARED):
            said = earlier.split(" ", 3)[3].replace(" and ", ", ").split(", ")
            return all(item in said for item in text[len(prefix) :].replace(" and ", ", ").split(", "))
    return False


def pair_reasons(
    source: ReasonSource,
    *,
    viewer: Registration,
    other: Registration,
    them: str,
    side: str,
    reasons: list[dict[str, Any]] | None = None,
    limit: int = 3,
) -> list[Reason]:
    """Why `viewer` and `other` fit, in the viewer's words. `side` is the viewer's side of the
    criteria: "mentee", "mentor" or "peer" (either way round). With the engine's `reasons`
    (stored on a mentorship or a recommendation) the `limit` criteria that scored most are
    explained, then the must-haves that hold; without, every criterion the answers support,
    must-haves and heavier criteria first. A criterion no longer in the program is shown by
    the name it had."""
    by_name: dict[str, Criterion] = {}
    for criterion in source.criteria:
        by_name.setdefault(criterion.name, criterion)
    picked: list[Criterion | str] = []
    if reasons is None:
        by_importance: list[Criterion] = sorted(source.criteria, key=_importance)
        picked += by_importance
    else:
        scored = sorted((r for r in reasons if (r.get("points") or 0) > 0), key=lambda r: -r["points"])
        for r in scored[:limit]:
            picked.append(by_name.get(r["criterion"], r["criterion"]))
        musts = [r for r in reasons if r.get("weight") == "must" and (r.get("similarity") or 0) > 0]
        picked += [by_name[r["criterion"]] for r in musts if r["criterion"] in by_name]
    out: list[Reason] = []
    for c in picked:
        if isinstance(c, str):
            out.append(Reason(text=c[:1].lower() + c[1:], question=""))
            continue
        directions = {"mentee": [False], "mentor": [True]}.get(side, [False, True])
        for mentor_side in directions:
            mine_q, their_q = (
                (c.mentor_question, c.mentee_question)
                if mentor_side
                else (c.mentee_question, c.mentor_question)
            )
            text = reason_text(
                comparison=c.comparison,
                mine=_answered(source, mine_q, viewer.pk),
                theirs=_answered(source, their_q, other.pk),
                them=them,
                mentor_side=mentor_side,
                reverse=c.reverse,
                min_gap=c.min_gap,
                max_difference=c.max_difference,
            )
            if text is not None:
                if not any(_says(r.text, text) for r in out):
                    out.append(Reason(text=text, question=mine_q.text))
                break
    return out


def first_name(registration: Registration) -> str:
    return registration.user.display_name.split()[0]


def mentorship_reasons(
    source: ReasonSource, mentorship: Mentorship, viewer: Registration
) -> list[tuple[Registration, list[Reason]]]:
    """Each person the viewer is paired with in a mentorship, with why, in the viewer's words.
    Mentees of one group are explained only against their mentor (the engine paired them with
    the mentor, not with each other)."""
    peer = mentorship.mentor_id is None
    i_mentor = mentorship.mentor_id == viewer.pk
    members = {x.registration_id: x for x in mentorship.members.all()}

    def stored(other: Registration) -> list[dict[str, Any]] | None:
        """The engine's reasons for this pair: the mentee's own (kept per member), else the
        mentorship's when it is this pair's alone; None (explain from the answers) when nobody
        scored it, as when a mentee chose the mentor."""
        member = members.get(other.pk if i_mentor else viewer.pk)
        if member is not None and member.reasons is not None:
            return member.reasons or None
        return (mentorship.reasons or None) if len(members) == 1 or peer else None

    others = [x.registration for x in mentorship.members.all() if x.registration_id != viewer.pk]
    if mentorship.mentor and not i_mentor:
        others.insert(0, mentorship.mentor)
    side = "peer" if peer else "mentor" if i_mentor else "mentee"
    return [
        (
            other,
            pair_reasons(
                source,
                viewer=viewer,
                other=other,
                them=first_name(other),
                side=side,
                reasons=stored(other),
            )
            if peer or i_mentor or other.pk == mentorship.mentor_id
            else [],
        )
        for other in others
    ]
