"""Build the matching engine's problem from a program's registrations.

Every submitted answer of the program is loaded in one query (`answers_for_program`), turned into
engine attributes named after the question (`q<id>`), and each criterion compares a mentee
question with a mentor question. Choice answers compare by meaning, not by row: two questions
offering "Sales" match on the label, skill questions match on the organization's skill."""

import datetime as dt
import zoneinfo
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from kindred.orgs.facts import managers_of, member_facts
from kindred.pairing.models import ENGINE_WEIGHT, Comparison, Criterion, Exclusion, PairingSettings
from kindred.programs.models import Program, Structure
from kindred.registration.models import (
    Question,
    QuestionKind,
    QuestionOption,
    Registration,
    RegistrationStatus,
)
from kindred.registration.selectors import answers_for_program


def registration_id(registration_pk: int) -> str:
    return f"r{registration_pk}"


def option_key(option: QuestionOption) -> str:
    return f"skill:{option.skill_id}" if option.skill_id else option.label.strip().lower()


def utc_offset_hours(name: str, at: dt.datetime) -> float | None:
    try:
        offset = at.astimezone(zoneinfo.ZoneInfo(name)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return offset.total_seconds() / 3600 if offset is not None else None


@dataclass(frozen=True)
class BuiltProblem:
    data: dict[str, Any]
    registrations: dict[str, Registration]  # engine id -> registration (with user)


class _Values:
    """Turns stored answers into engine attribute values, per question kind and comparison."""

    def __init__(self, questions: Sequence[Question], now: dt.datetime) -> None:
        self.now = now
        self.kind = {q.pk: q.kind for q in questions}
        self.key: dict[int, str] = {}
        self.rank: dict[int, int] = {}
        for q in questions:
            for i, o in enumerate(q.options.all()):
                self.key[o.pk] = option_key(o)
                self.rank[o.pk] = i

    def value(
        self,
        comparison: str,
        question_id: int,
        options: list[int] | None,
        number: float | None,
        text: str | None,
    ) -> Any:
        kind = self.kind.get(question_id)
        if options:
            if comparison == Comparison.OVERLAP:
                return sorted({self.key[o] for o in options})
            if comparison == Comparison.EQUAL:
                return self.key[options[0]]
            return float(self.rank[options[0]])  # ordinal, closeness: the option's place on the scale
        if number is not None:
            return [str(number)] if comparison == Comparison.OVERLAP else number
        if text:
            if kind == QuestionKind.TIMEZONE and comparison in (Comparison.CLOSENESS, Comparison.ORDINAL):
                return utc_offset_hours(text, self.now)
            if comparison == Comparison.OVERLAP:
                return [text.strip().lower()]
            return text.strip().lower()
        return None


def attribute_name(c: Criterion, side: str) -> str:
    """Attributes are named per criterion and side: one question may feed two criteria that read
    it differently (a scale position for one, a set of labels for another)."""
    return f"c{c.pk}{'e' if side == 'mentee' else 'm'}"


def engine_criterion(c: Criterion) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": c.name,
        "kind": c.comparison,
        "mentee": attribute_name(c, "mentee"),
        "mentor": attribute_name(c, "mentor"),
        "weight": ENGINE_WEIGHT[c.weight],
    }
    if c.comparison == Comparison.ORDINAL:
        spec.update(direction="mentor_below" if c.reverse else "mentor_above", min_gap=c.min_gap)
    if c.comparison == Comparison.CLOSENESS:
        spec["max"] = c.max_difference
    return spec


def can_pair(registrations: dict[str, Registration], mentee: str, mentor: str, peer: bool) -> bool:
    """Whether both are in the problem on the right sides (roles can change after a lock)."""
    a, b = registrations.get(mentee), registrations.get(mentor)
    return a is not None and b is not None and (peer or (a.is_mentee and b.is_mentor))


DEPARTMENT = "department"  # the engine attribute `apart` reads (criteria attributes are `q<id>…`)


MAX_CHAIN = 50  # a reporting line longer than this is cut (and a loop in the data ends there too)


def reporting_chain(email: str, managers: dict[str, str]) -> list[str]:
    """Everyone above a person: their manager, their manager's manager, … (loops stop)."""
    chain: list[str] = []
    seen = {email}
    manager = managers.get(email)
    while manager and manager not in seen and len(chain) < MAX_CHAIN:
        chain.append(manager)
        seen.add(manager)
        manager = managers.get(manager)
    return chain


def _same_reporting_line(
    registrations: dict[str, Registration], managers: dict[str, str], peer: bool
) -> list[list[str]]:
    """Every pair where one person is above the other in the reporting line, both ways round.
    People between them need not be in the program. Grows with registrants × chain length."""
    by_email = {reg.user.email.lower(): rid for rid, reg in registrations.items()}
    pairs: dict[tuple[str, str], None] = {}  # ordered and without repeats (loops in the data)
    for rid, reg in registrations.items():
        for boss_email in reporting_chain(reg.user.email.lower(), managers):
            boss = by_email.get(boss_email)
            if boss is None:
                continue
            for a, b in ((rid, boss), (boss, rid)):
                if can_pair(registrations, a, b, peer):
                    pairs[a, b] = None
    return [[a, b] for a, b in pairs]


def build_problem(
    program: Program,
    *,
    objective: str | None = None,
    now: dt.datetime | None = None,
    only_mentees: Collection[int] | None = None,
) -> BuiltProblem:
    """The engine problem for every submitted registration of the program, in a fixed number of
    queries whatever the number of registrants. `only_mentees` keeps just those mentees (and every
    mentor): what one mentee's choice needs, without reading everyone else's answers."""
    now = now or timezone.now()
    settings, _ = PairingSettings.objects.get_or_create(program=program)
    criteria = list(Criterion.objects.filter(program=program))
    questions = list(Question.objects.filter(program=program).prefetch_related("options"))
    values = _Values(questions, now)
    people = Registration.objects.filter(program=program, status=RegistrationStatus.SUBMITTED)
    if only_mentees is not None:
        people = people.filter(Q(pk__in=list(only_mentees)) | Q(role__in=["mentor", "both"]))
    table = answers_for_program(program, registrations=people if only_mentees is not None else None)
    registrations = {registration_id(r.pk): r for r in people.select_related("user")}
    specs = [engine_criterion(c) for c in criteria if c.weight != "ignore"]
    used = [c for c in criteria if c.weight != "ignore"]
    tz_question = next((q.pk for q in questions if q.kind == QuestionKind.TIMEZONE), None)
    # As this organization sees its members: another organization's edits never reach here.
    facts = member_facts(organization_id=program.organization_id) if settings.exclude_same_department else {}

    def attributes(reg: Registration, side: str) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        for c in used:
            qid = c.mentee_question_id if side == "mentee" else c.mentor_question_id
            value = values.value(
                c.comparison,
                qid,
                table.options.get(reg.pk, {}).get(qid),
                table.numbers.get(reg.pk, {}).get(qid),
                table.texts.get(reg.pk, {}).get(qid),
            )
            if value is not None:
                # Keyed by criterion: one question may feed two criteria that read it differently.
                attrs[attribute_name(c, side)] = value
        if settings.exclude_same_department:
            own = facts.get(reg.user_id)
            department = (own["department"] if own else reg.user.department).strip().lower()
            if department:  # no department: nobody to keep apart from
                attrs[DEPARTMENT] = department
        if settings.max_time_zone_gap is not None:
            tz = table.texts.get(reg.pk, {}).get(tz_question) if tz_question else None
            offset = utc_offset_hours(tz or reg.user.time_zone, now)
            if offset is not None:
                attrs["utc_offset"] = offset
        return attrs

    if settings.max_time_zone_gap is not None:
        specs.append(
            {
                "name": "Time zone gap",
                "kind": "closeness",
                "mentee": "utc_offset",
                "mentor": "utc_offset",
                "weight": "must",
                "max": max(settings.max_time_zone_gap, 0.5),
            }
        )
    peer = program.structure == Structure.PEER
    exclude = [
        [registration_id(m), registration_id(n)]
        for m, n in Exclusion.objects.filter(program=program).values_list("mentee_id", "mentor_id")
        if can_pair(registrations, registration_id(m), registration_id(n), peer)
    ]
    if settings.exclude_reporting_line:
        exclude += _same_reporting_line(registrations, managers_of(program.organization_id), peer=peer)
    data: dict[str, Any] = {
        "objective": objective or settings.objective,
        "min_score": settings.min_score,
        "criteria": specs,
        "exclude": exclude,
        "fixed": [],
    }
    if settings.exclude_same_department:
        # One attribute per person instead of every pair within a department in `exclude`.
        data["apart"] = [DEPARTMENT]
    if program.structure == Structure.PEER:
        data["mode"] = "peer"
        data["participants"] = [
            {"id": rid, "attributes": {**attributes(r, "mentee"), **attributes(r, "mentor")}}
            for rid, r in registrations.items()
        ]
        if settings.circle_size > 2:
            data["group_size"] = settings.circle_size
    else:
        data["mode"] = "mentoring"
        data["mentees"] = [
            {"id": rid, "attributes": attributes(r, "mentee")}
            for rid, r in registrations.items()
            if r.is_mentee and (only_mentees is None or r.pk in only_mentees)
        ]
        data["mentors"] = [
            {"id": rid, "attributes": attributes(r, "mentor"), "capacity": r.capacity}
            for rid, r in registrations.items()
            if r.is_mentor
        ]
    return BuiltProblem(data=data, registrations=registrations)
