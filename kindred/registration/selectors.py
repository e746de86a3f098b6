"""Registration reads: the form's current values, registrant lists, and answers in bulk."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from kindred.programs.models import Program
from kindred.registration.answers import field_name, role_of
from kindred.registration.models import (
    Answer,
    Builtin,
    ParticipantRole,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
)


def current_values(
    registration: Registration, questions: Sequence[Question], *, draft: bool = True
) -> dict[str, Any]:
    """What the form shows: the draft if there is one (and `draft`), else the submitted answers.
    Anyone but the participant sees submitted answers only (draft=False)."""
    if draft and registration.draft:
        return dict(registration.draft)
    values: dict[str, Any] = {}
    by_id = {q.pk: q for q in questions}
    for q in questions:
        if q.builtin == Builtin.ROLE and registration.role:
            chosen = next((o.pk for o in q.options.all() if o.value == registration.role), None)
            if chosen is not None:
                values[field_name(q)] = str(chosen)
    for question_id, option_id, number, text in Answer.objects.filter(registration=registration).values_list(
        "question_id", "option_id", "number", "text"
    ):
        answered = by_id.get(question_id)
        if answered is None:
            continue
        name = field_name(answered)
        if answered.kind == QuestionKind.MULTIPLE:
            values.setdefault(name, []).append(str(option_id))
        elif option_id is not None:
            values[name] = str(option_id)
        elif number is not None:
            values[name] = str(int(number)) if number == int(number) else str(number)
        else:
            values[name] = text
    return values


@dataclass(frozen=True)
class RegistrantAnswers:
    """One registrant's answers as the program team sees them, with the role they are for."""

    values: dict[str, Any]
    role: str  # "" while no role is chosen
    from_draft: bool  # unsubmitted answers, kept in Registration.draft

    @property
    def role_label(self) -> str:
        return ParticipantRole(self.role).label if self.role in ParticipantRole.values else ""


def registrant_answers(registration: Registration, questions: Sequence[Question]) -> RegistrantAnswers:
    """A registered person's submitted answers; a started or withdrawn one's draft when there is
    one. The role is read from the same answers, so the role shown and the questions shown agree
    (a draft's role is only in the draft until it is submitted)."""
    from_draft = registration.status != RegistrationStatus.SUBMITTED and bool(registration.draft)
    values = current_values(registration, questions, draft=from_draft)
    role = role_of(questions, values) if from_draft else registration.role
    return RegistrantAnswers(values=values, role=role, from_draft=from_draft)


@dataclass(frozen=True)
class RegistrantFilter:
    role: str = ""
    status: str = ""
    query: str = ""
    option_id: int | None = None


def registrants(program: Program, f: RegistrantFilter) -> QuerySet[Registration]:
    rows = Registration.objects.filter(program=program).select_related("user")
    if f.role:
        rows = (
            rows.filter(Q(role=f.role) | Q(role="both"))
            if f.role in ("mentor", "mentee")
            else rows.filter(role=f.role)
        )
    if f.status:
        rows = rows.filter(status=f.status)
    if f.query:
        rows = rows.filter(
            Q(user__name__icontains=f.query)
            | Q(user__email__icontains=f.query)
            | Q(user__job_title__icontains=f.query)
        )
    if f.option_id:
        rows = rows.filter(answers__option_id=f.option_id)
    return rows.order_by("-submitted_at", "user__name").distinct()


@dataclass(frozen=True)
class AnswerTable:
    """Every submitted answer of a program, keyed by registration and question, loaded in one
    query: option ids (lists), numbers and texts. This is what pairing reads."""

    options: dict[int, dict[int, list[int]]]
    numbers: dict[int, dict[int, float]]
    texts: dict[int, dict[int, str]]


def answers_for_program(
    program: Program, *, registrations: QuerySet[Registration] | None = None
) -> AnswerTable:
    options: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    numbers: dict[int, dict[int, float]] = defaultdict(dict)
    texts: dict[int, dict[int, str]] = defaultdict(dict)
    answers = Answer.objects.filter(registration__program=program, registration__status="submitted")
    if registrations is not None:  # a subset, e.g. one mentee and the mentors
        answers = answers.filter(registration__in=registrations)
    rows = answers.values_list("registration_id", "question_id", "option_id", "number", "text")
    for reg, question, option, number, text in rows.iterator(chunk_size=20_000):
        if option is not None:
            options[reg][question].append(option)
        elif number is not None:
            numbers[reg][question] = number
        else:
            texts[reg][question] = text
    return AnswerTable(options=options, numbers=numbers, texts=texts)
