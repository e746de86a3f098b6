"""Mentee choice: recommendations, requests to a mentor, the mentor's answer, expiry.

Capacity is never exceeded, however many mentees ask the same mentor at once: accepting a request
locks the mentor's registration row (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises
writers) and counts their active mentees inside that lock."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from kindred.accounts.models import User
from kindred.matching import ProblemError, parse_problem, recommend, score_matrix
from kindred.orgs.mail import org_email_send
from kindred.orgs.selectors import absolute_url
from kindred.pairing.criteria import settings_for
from kindred.pairing.models import (
    Exclusion,
    MentorRequest,
    Mentorship,
    MentorshipEvent,
    MentorshipMember,
    MentorshipStatus,
    RequestStatus,
)
from kindred.pairing.problem import build_problem, registration_id
from kindred.programs.models import Program, Structure
from kindred.programs.selectors import CHOICE_STATUSES
from kindred.registration.models import Registration, RegistrationStatus

RECOMMENDATIONS = 5


def active_load(program: Program) -> dict[int, int]:
    """Active mentees per mentor registration."""
    rows = (
        MentorshipMember.objects.filter(
            mentorship__program=program, mentorship__status=MentorshipStatus.ACTIVE
        )
        .exclude(mentorship__mentor=None)
        .values_list("mentorship__mentor_id")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def is_paired(registration: Registration) -> bool:
    return MentorshipMember.objects.filter(
        registration=registration, mentorship__status=MentorshipStatus.ACTIVE
    ).exists()


@dataclass(frozen=True)
class Candidate:
    registration: Registration
    score: float
    reasons: list[dict[str, Any]]
    load: int
    pending: bool  # this mentee already asked them


def _mentoring_data(
    program: Program, mentee: Registration, mentees: set[int]
) -> tuple[dict[str, Any], dict[str, Registration]]:
    """The problem with every mentor and just these mentees (only their answers are read)."""
    built = build_problem(program, only_mentees=mentees | {mentee.pk})
    if built.data.get("mode") != "mentoring":
        raise ValidationError("Mentees choose mentors only in mentoring programs.")
    if not any(m["id"] == registration_id(mentee.pk) for m in built.data["mentees"]):
        raise ValidationError("Only registered mentees can choose a mentor.")
    return built.data, built.registrations


def _single_mentee(program: Program, mentee: Registration) -> tuple[dict[str, Any], dict[str, Registration]]:
    """The problem for one mentee, with each mentor's capacity reduced by their active mentees."""
    data, registrations = _mentoring_data(program, mentee, set())
    mentee_id = registration_id(mentee.pk)
    load = active_load(program)
    data["mentees"] = [m for m in data["mentees"] if m["id"] == mentee_id]
    for mentor in data["mentors"]:
        mentor["capacity"] = max(mentor["capacity"] - load.get(int(mentor["id"][1:]), 0), 0)
    data["mentors"] = [m for m in data["mentors"] if m["capacity"] > 0]
    mentors = {m["id"] for m in data["mentors"]}
    data["exclude"] = [pair for pair in data["exclude"] if pair[0] == mentee_id and pair[1] in mentors]
    data["fixed"] = []
    return data, registrations


def _with_load(program: Program, mentee: Registration) -> tuple[dict[str, Any], dict[str, Registration]]:
    """The whole program with active mentorships and other mentees' pending requests as fixed
    pairs, which the engine's fairness rule reads as each mentor's load."""
    active = list(
        MentorshipMember.objects.filter(
            mentorship__program=program, mentorship__status=MentorshipStatus.ACTIVE
        )
        .exclude(mentorship__mentor=None)
        .values_list("registration_id", "mentorship__mentor_id")
    )
    pending = list(
        MentorRequest.objects.filter(program=program, status=RequestStatus.PENDING)
        .exclude(mentee=mentee)
        .values_list("mentee_id", "mentor_id")
    )
    data, registrations = _mentoring_data(program, mentee, {a for a, _ in [*active, *pending]})
    mentees = {m["id"] for m in data["mentees"]}
    capacity = {m["id"]: m["capacity"] for m in data["mentors"]}
    excluded = {tuple(pair) for pair in data["exclude"]}
    fixed, used, load = [], {registration_id(mentee.pk)}, dict.fromkeys(capacity, 0)
    for a, b in [*active, *pending]:
        pair = (registration_id(a), registration_id(b))
        fits = pair[0] in mentees and pair[1] in capacity and load[pair[1]] < capacity[pair[1]]
        if fits and pair[0] not in used and pair not in excluded:
            fixed.append(list(pair))
            used.add(pair[0])
            load[pair[1]] += 1
    data["fixed"] = fixed
    return data, registrations


def recommendations(*, program: Program, mentee: Registration, n: int = RECOMMENDATIONS) -> list[Candidate]:
    """The n best mentors with room for this mentee (the engine's documented fairness rule)."""
    data, registrations = _with_load(program, mentee)
    try:
        found = recommend(parse_problem(data), registration_id(mentee.pk), n)
    except ProblemError:
        return []
    asked = set(
        MentorRequest.objects.filter(mentee=mentee, status=RequestStatus.PENDING).values_list(
            "mentor_id", flat=True
        )
    )
    return [
        Candidate(registrations[r.mentor], r.score, r.reasons, r.load, int(r.mentor[1:]) in asked)
        for r in found
    ]


def eligible_mentors(*, program: Program, mentee: Registration, query: str = "") -> list[Candidate]:
    """Every mentor this mentee may ask (passes the must-haves, has room), best score first."""
    data, registrations = _single_mentee(program, mentee)
    try:
        matrix = score_matrix(parse_problem(data))
    except ProblemError:
        return []
    query = query.strip().lower()
    load = active_load(program)
    asked = set(
        MentorRequest.objects.filter(mentee=mentee, status=RequestStatus.PENDING).values_list(
            "mentor_id", flat=True
        )
    )
    result = []
    for j, person in enumerate(matrix.problem.mentors):
        score = matrix.score(0, j)
        reg = registrations[person.id]
        if score is None:
            continue
        haystack = f"{reg.user.display_name} {reg.user.job_title} {reg.user.department}".lower()
        if query and query not in haystack:
            continue
        result.append(Candidate(reg, score, [], load.get(reg.pk, 0), reg.pk in asked))
    result.sort(key=lambda c: (-c.score, c.registration.user.display_name))
    return result


def _can_ask(program: Program, mentee: Registration, mentor: Registration) -> None:
    settings = settings_for(program)
    if not settings.mentee_choice:
        raise ValidationError("In this program the administrators pair people.")
    if program.structure in (Structure.PEER, Structure.FLASH):
        raise ValidationError("This program has no mentor requests.")
    if program.status not in CHOICE_STATUSES:
        raise ValidationError("This program is not pairing people now.")
    if (
        mentee.program_id != program.pk
        or mentee.status != RegistrationStatus.SUBMITTED
        or not mentee.is_mentee
    ):
        raise ValidationError("Register as a mentee first.")
    if (
        mentor.program_id != program.pk
        or mentor.status != RegistrationStatus.SUBMITTED
        or not mentor.is_mentor
    ):
        raise ValidationError("This person is not a mentor in the program.")
    if mentee.pk == mentor.pk:
        raise ValidationError("You cannot mentor yourself.")
    if is_paired(mentee):
        raise ValidationError("You already have a mentor in this program.")
    if Exclusion.objects.filter(program=program, mentee=mentee, mentor=mentor).exists():
        raise ValidationError("This mentor is not available to you.")
    eligible = {c.registration.pk for c in eligible_mentors(program=program, mentee=mentee)}
    if mentor.pk not in eligible:
        raise ValidationError("This mentor is full or doesn't fit this program's must-haves.")


@transaction.atomic
def request_create(
    *, program: Program, mentee: Registration, mentor: Registration, message: str
) -> MentorRequest:
    """Ask a mentor. Without mentor approval the request is accepted at once (if there is room)."""
    _can_ask(program, mentee, mentor)
    settings = settings_for(program)
    try:
        with transaction.atomic():
            request = MentorRequest.objects.create(
                program=program,
                mentee=mentee,
                mentor=mentor,
                message=message.strip()[:2000],
                expires_at=timezone.now() + dt.timedelta(days=settings.request_expiry_days),
            )
    except IntegrityError as exc:
        raise ValidationError(
            "You already have a request waiting for an answer. Cancel it to ask someone else."
        ) from exc
    if not settings.mentor_approval:
        request_accept(request=request, by=mentee.user, notify_mentor=True)
        request.refresh_from_db()
    else:
        _notify(request, "pairing/email/request_received", to=request.mentor.user)
    return request


@transaction.atomic
def request_accept(*, request: MentorRequest, by: User, notify_mentor: bool = False) -> Mentorship:
    """Accept a request: the mentorship starts, if the mentor still has room (checked under a lock)."""
    mentor = Registration.objects.select_for_update().get(pk=request.mentor_id)
    request = _pending(request)
    if request.program.status not in CHOICE_STATUSES:
        raise ValidationError("This program is not pairing people now.")
    if request.mentee.status != RegistrationStatus.SUBMITTED or mentor.status != RegistrationStatus.SUBMITTED:
        raise ValidationError("One of you is no longer registered in the program.")
    program = request.program
    taken = active_load(program).get(mentor.pk, 0)
    if taken >= mentor.capacity:
        raise ValidationError(
            f"{mentor.user.display_name} has no room left ({taken} of {mentor.capacity} taken)."
        )
    if is_paired(request.mentee):
        raise ValidationError("This mentee already has a mentor.")
    group = program.structure == Structure.GROUP
    mentorship = (
        Mentorship.objects.filter(program=program, mentor=mentor, status=MentorshipStatus.ACTIVE).first()
        if group
        else None
    )
    if mentorship is None:
        mentorship = Mentorship.objects.create(program=program, mentor=mentor)
    # The acceptance emails below are this pair's introduction.
    MentorshipMember.objects.create(
        mentorship=mentorship, registration=request.mentee, role="mentee", introduced_at=timezone.now()
    )
    MentorshipEvent.objects.create(
        mentorship=mentorship, kind="requested", by=by, note="Chosen by the mentee"
    )
    request.status, request.decided_at, request.mentorship = (
        RequestStatus.ACCEPTED,
        timezone.now(),
        mentorship,
    )
    request.save(update_fields=["status", "decided_at", "mentorship"])
    _notify(request, "pairing/email/request_accepted", to=request.mentee.user)
    if notify_mentor:
        _notify(request, "pairing/email/request_auto_accepted", to=request.mentor.user)
    return mentorship


def _pending(request: MentorRequest, *, even_expired: bool = False) -> MentorRequest:
    """The request reloaded under a lock, refused unless it still waits for an answer (an expired
    one counts as answered even before the sweep marks it)."""
    request = (
        MentorRequest.objects.select_for_update()
        .select_related("mentee__user", "mentor__user", "program")
        .get(pk=request.pk)
    )
    if request.status != RequestStatus.PENDING:
        raise ValidationError(f"This request is already {request.get_status_display().lower()}.")
    if not even_expired and request.expires_at <= timezone.now():
        raise ValidationError("This request has expired.")
    return request


def _decide(request: MentorRequest, status: str, response: str) -> MentorRequest:
    request = _pending(request, even_expired=status == RequestStatus.CANCELLED)
    request.status, request.response, request.decided_at = status, response.strip()[:2000], timezone.now()
    request.save(update_fields=["status", "response", "decided_at"])
    return request


@transaction.atomic
def request_decline(*, request: MentorRequest, response: str = "") -> MentorRequest:
    request = _decide(request, RequestStatus.DECLINED, response)
    _notify(request, "pairing/email/request_declined", to=request.mentee.user)
    return request


@transaction.atomic
def request_cancel(*, request: MentorRequest) -> MentorRequest:
    """The mentee withdraws their request (the mentor is told)."""
    request = _decide(request, RequestStatus.CANCELLED, "")
    _notify(request, "pairing/email/request_cancelled", to=request.mentor.user)
    return request


@transaction.atomic
def request_ask_more(*, request: MentorRequest, question: str) -> MentorRequest:
    """The mentor asks the mentee something before deciding; the request stays pending."""
    if not question.strip():
        raise ValidationError({"question": "Write your question."})
    request = _pending(request)
    request.more_info = question.strip()[:2000]
    request.save(update_fields=["more_info"])
    _notify(request, "pairing/email/request_question", to=request.mentee.user)
    return request


EXPIRE_AT_ONCE = 100


def requests_expire(*, now: dt.datetime | None = None) -> int:
    """Expire pending requests past their date and tell the mentees (run by `manage.py sweep`).

    Requests are claimed EXPIRE_AT_ONCE at a time in one short transaction; their notices are
    rendered and queued after it, so the write lock is never held while emails are rendered."""
    now = now or timezone.now()
    expired = 0
    while True:
        with transaction.atomic():
            ids = list(
                MentorRequest.objects.select_for_update(skip_locked=True)
                .filter(status=RequestStatus.PENDING, expires_at__lte=now)
                .order_by("pk")
                .values_list("pk", flat=True)[:EXPIRE_AT_ONCE]
            )
            MentorRequest.objects.filter(pk__in=ids, status=RequestStatus.PENDING).update(
                status=RequestStatus.EXPIRED, decided_at=now
            )
        if not ids:
            return expired
        claimed = MentorRequest.objects.filter(pk__in=ids).select_related(
            "program__organization", "mentee__user", "mentor__user"
        )
        for request in claimed:
            _notify(request, "pairing/email/request_expired", to=request.mentee.user)
        expired += len(ids)


def _notify(request: MentorRequest, template_dir: str, *, to: User) -> None:
    program = request.program
    org = program.organization
    org_email_send(
        org,
        template_dir=template_dir,
        to=[to.email],
        context={
            "request": request,
            "program": program,
            "person": to,
            "mentee": request.mentee.user,
            "mentor": request.mentor.user,
            "choose_url": absolute_url(reverse("pairing:choose", args=[org.slug, program.slug]), org),
            "requests_url": absolute_url(reverse("pairing:requests", args=[org.slug, program.slug]), org),
        },
    )
