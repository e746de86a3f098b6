"""Participant pages of pairing: my mentorship, choosing a mentor, a mentor's requests; and the
administrators' list of mentorships with end and reassign."""

import datetime as dt
from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kindred.accounts.http import AuthedRequest
from kindred.lib.forms import posted_id, posted_text, search_text
from kindred.pairing import choice
from kindred.pairing import mentorships as ms
from kindred.pairing.criteria import settings_for
from kindred.pairing.models import MentorRequest, Mentorship, MentorshipStatus, RequestStatus
from kindred.pairing.selectors import (
    first_name,
    mentorship_reasons,
    mentorships_of,
    pair_reasons,
    reason_source,
)
from kindred.programs.access import ProgramAccess, program_view
from kindred.programs.models import Program
from kindred.programs.pages import staff_program
from kindred.programs.selectors import CHOICE_STATUSES, CHOICE_STRUCTURES
from kindred.registration.models import Registration, RegistrationStatus
from kindred.registration.selectors import answers_for_program
from kindred.registration.services import questions_of


def _participant(request: AuthedRequest, pa: ProgramAccess) -> tuple[Program, Registration]:
    """The program and the visitor's submitted registration in it (404 otherwise)."""
    registration = Registration.objects.filter(
        program=pa.program, user=request.user, status=RegistrationStatus.SUBMITTED
    ).first()
    if registration is None:
        raise Http404
    return pa.program, registration


def _profiles(program: Program, people: Iterable[Registration]) -> dict[int, list[tuple[str, str]]]:
    """People's submitted answers as shown to those they are matched or may be matched with, by
    registration id: the questions once and every answer in one query, however many people."""
    people = list(people)
    questions = [q for q in questions_of(program) if not q.builtin]
    table = answers_for_program(
        program, registrations=Registration.objects.filter(pk__in=[p.pk for p in people])
    )
    out: dict[int, list[tuple[str, str]]] = {}
    for person in people:
        rows = []
        for q in questions:
            chosen = table.options.get(person.pk, {}).get(q.pk)
            number = table.numbers.get(person.pk, {}).get(q.pk)
            text = table.texts.get(person.pk, {}).get(q.pk)
            label = q.label_for_others
            if chosen:
                rows.append((label, ", ".join(o.label for o in q.options.all() if o.pk in chosen)))
            elif number is not None:
                rows.append((label, str(int(number)) if number == int(number) else str(number)))
            elif text:
                rows.append((label, text))
        out[person.pk] = rows
    return out


FIRST_SESSION_WINDOW = dt.timedelta(days=30)
# What people write: a request to a mentor and the answer to it; why a mentorship ends (kept with
# the person's name in a 300-character history note).
MESSAGE_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 250


def _ctx(program: Program, registration: Registration, **extra: object) -> dict[str, object]:
    return {"organization": program.organization, "program": program, "registration": registration, **extra}


def _choice_on(program: Program) -> bool:
    """Mentees choose their mentor here (never in peer or flash programs)."""
    return program.structure in CHOICE_STRUCTURES and settings_for(program).mentee_choice


@program_view(need="member")
def mine(request: AuthedRequest, pa: ProgramAccess) -> HttpResponse:
    """My mentor / my mentees (or peers), with their profiles and why we were matched."""
    program, registration = _participant(request, pa)
    mine = list(
        mentorships_of(program)
        .filter(
            Q(mentor=registration) | Q(members__registration=registration), status=MentorshipStatus.ACTIVE
        )
        .distinct()
    )
    everyone = [registration, *(m.mentor for m in mine if m.mentor)]
    everyone += [x.registration for m in mine for x in m.members.all()]
    source = reason_source(program, everyone)
    profiles = _profiles(program, everyone)
    items = []
    for m in mine:
        people = [(o, profiles[o.pk], reasons) for o, reasons in mentorship_reasons(source, m, registration)]
        mine_member = next((x for x in m.members.all() if x.registration_id == registration.pk), None)
        score: float | None
        if m.mentor_id and mine_member is not None and mine_member.score is not None:
            score = mine_member.score  # a mentee's own pair with the mentor, also in a group
        else:
            score = m.score if len(people) == 1 else None  # only where it is this pair's
        items.append(
            {
                "mentorship": m,
                "people": people,
                "score": score,
                "i_mentor": m.mentor_id == registration.pk,
                # Scheduling the first session is the next step only at the start.
                "new": m.started_at >= timezone.now() - FIRST_SESSION_WINDOW,
            }
        )
    settings = settings_for(program)
    pending = (
        MentorRequest.objects.filter(mentee=registration, status=RequestStatus.PENDING)
        .select_related("mentor__user")
        .first()
    )
    ended = program.has_ended
    past = []
    if ended and not items:
        for m in mentorships_of(program).filter(
            Q(mentor=registration) | Q(members__registration=registration)
        ):
            past += [m.mentor] if m.mentor and m.mentor_id != registration.pk else []
            past += [x.registration for x in m.members.all() if x.registration_id != registration.pk]
    return render(
        request,
        "pairing/mine.html",
        _ctx(
            program,
            registration,
            items=items,
            settings=settings,
            choice_on=_choice_on(program),
            pending=pending,
            ended=ended,
            past=list({p.pk: p for p in past}.values()),
            waiting=MentorRequest.objects.filter(mentor=registration, status=RequestStatus.PENDING).count()
            if registration.is_mentor and not items
            else 0,
        ),
    )


@require_POST
@program_view(need="member")
def not_a_fit(request: AuthedRequest, pa: ProgramAccess, mentorship_id: int) -> HttpResponse:
    program, registration = _participant(request, pa)
    org_slug, program_slug = program.organization.slug, program.slug
    mentorship = get_object_or_404(Mentorship, pk=mentorship_id, program=program)
    try:
        reason = posted_text(request.POST, "reason", max_length=REASON_MAX_LENGTH)
        ms.mentorship_not_a_fit(mentorship=mentorship, registration=registration, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, "Thank you for saying so. The program team is told, and you're back in the pool."
        )
    return redirect("pairing:mine", org_slug, program_slug)


@program_view(need="member")
def choose(request: AuthedRequest, pa: ProgramAccess) -> HttpResponse:
    """Mentee choice: five recommendations, then every eligible mentor, searchable."""
    program, registration = _participant(request, pa)
    settings = settings_for(program)
    if not _choice_on(program) or not registration.is_mentee or program.status not in CHOICE_STATUSES:
        raise Http404
    paired = choice.is_paired(registration)
    query = search_text(request.GET)
    recommended = [] if paired else choice.recommendations(program=program, mentee=registration)
    source = reason_source(program, [registration, *(c.registration for c in recommended)])
    cards = [
        (
            c,
            pair_reasons(
                source,
                viewer=registration,
                other=c.registration,
                them=first_name(c.registration),
                side="mentee",
                reasons=c.reasons,
            ),
        )
        for c in recommended
    ]
    everyone = [] if paired else choice.eligible_mentors(program=program, mentee=registration, query=query)
    page = Paginator(everyone, 20).get_page(request.GET.get("page"))
    requests = MentorRequest.objects.filter(mentee=registration).select_related("mentor__user")[:10]
    return render(
        request,
        "pairing/choose.html",
        _ctx(
            program,
            registration,
            settings=settings,
            paired=paired,
            recommended=recommended,
            cards=cards,
            page=page,
            query=query,
            requests=requests,
        ),
    )


@program_view(need="member")
def mentor_detail(request: AuthedRequest, pa: ProgramAccess, mentor_id: int) -> HttpResponse:
    program, registration = _participant(request, pa)
    org_slug, program_slug = program.organization.slug, program.slug
    if not _choice_on(program) or not registration.is_mentee or program.status not in CHOICE_STATUSES:
        raise Http404
    mentor = get_object_or_404(
        Registration.objects.select_related("user"),
        pk=mentor_id,
        program=program,
        status=RegistrationStatus.SUBMITTED,
    )
    if not mentor.is_mentor:
        raise Http404
    if request.method == "POST":
        try:
            message = posted_text(request.POST, "message", max_length=MESSAGE_MAX_LENGTH)
            made = choice.request_create(program=program, mentee=registration, mentor=mentor, message=message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if made.status == RequestStatus.ACCEPTED:
                messages.success(request, f"{mentor.user.display_name} is your mentor.")
                return redirect("pairing:mine", org_slug, program_slug)
            messages.success(
                request,
                f"Request sent. {mentor.user.display_name} has until "
                f"{made.expires_at:%B} {made.expires_at.day} to answer.",
            )
            return redirect("pairing:choose", org_slug, program_slug)
    candidates = (
        {c.registration.pk: c for c in choice.eligible_mentors(program=program, mentee=registration)}
        if registration.is_mentee
        else {}
    )
    return render(
        request,
        "pairing/mentor.html",
        _ctx(
            program,
            registration,
            mentor=mentor,
            profile=_profiles(program, [mentor])[mentor.pk],
            candidate=candidates.get(mentor.pk),
            reasons=pair_reasons(
                reason_source(program, [registration, mentor]),
                viewer=registration,
                other=mentor,
                them=first_name(mentor),
                side="mentee",
            ),
        ),
    )


@require_POST
@program_view(need="member")
def request_cancel(request: AuthedRequest, pa: ProgramAccess, request_id: int) -> HttpResponse:
    program, registration = _participant(request, pa)
    org_slug, program_slug = program.organization.slug, program.slug
    mentor_request = get_object_or_404(MentorRequest, pk=request_id, program=program, mentee=registration)
    try:
        choice.request_cancel(request=mentor_request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Request cancelled. You can choose another mentor.")
    return redirect("pairing:choose", org_slug, program_slug)


@program_view(need="member")
def requests(request: AuthedRequest, pa: ProgramAccess) -> HttpResponse:
    """A mentor's requests: accept, decline, or ask for more information."""
    program, registration = _participant(request, pa)
    org_slug, program_slug = program.organization.slug, program.slug
    if not registration.is_mentor:
        raise Http404
    if request.method == "POST":
        mentor_request = get_object_or_404(
            MentorRequest, pk=posted_id(request.POST.get("request")), program=program, mentor=registration
        )
        action = request.POST.get("action")
        try:
            if action == "accept":
                choice.request_accept(request=mentor_request, by=request.user)
                messages.success(request, f"You're now mentoring {mentor_request.mentee.user.display_name}.")
            elif action == "decline":
                response = posted_text(request.POST, "response", max_length=MESSAGE_MAX_LENGTH)
                choice.request_decline(request=mentor_request, response=response)
                messages.success(request, "Declined; they can choose another mentor.")
            elif action == "ask":
                question = posted_text(request.POST, "question", max_length=MESSAGE_MAX_LENGTH)
                choice.request_ask_more(request=mentor_request, question=question)
                messages.success(request, "Your question is on its way.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("pairing:requests", org_slug, program_slug)
    items = list(MentorRequest.objects.filter(mentor=registration).select_related("mentee__user")[:50])
    pending = [r.mentee for r in items if r.status == RequestStatus.PENDING]
    profiles = _profiles(program, pending) if pending else {}
    load = choice.active_load(program).get(registration.pk, 0)
    return render(
        request,
        "pairing/requests.html",
        _ctx(
            program,
            registration,
            items=[(r, profiles.get(r.mentee_id, [])) for r in items],
            load=load,
            choice_on=_choice_on(program),
        ),
    )


@login_required
def mentorship_list(request: AuthedRequest, org_slug: str, program_slug: str) -> HttpResponse:
    """Administrators: every mentorship of the program, filtered by status, searchable."""
    pa = staff_program(request, org_slug, program_slug)
    rows = mentorships_of(pa.program)
    status = request.GET.get("status", "")
    if status in MentorshipStatus.values:
        rows = rows.filter(status=status)
    query = search_text(request.GET)
    if query:
        rows = rows.filter(members__registration__user__name__icontains=query) | rows.filter(
            mentor__user__name__icontains=query
        )
    page = Paginator(rows.distinct().order_by("-started_at", "pk"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "pairing/mentorships.html",
        {
            "access": pa.org,
            "organization": pa.program.organization,
            "program": pa.program,
            "page": page,
            "status": status,
            "query": query,
            "statuses": MentorshipStatus.choices,
        },
    )


@login_required
def mentorship_manage(
    request: AuthedRequest, org_slug: str, program_slug: str, mentorship_id: int
) -> HttpResponse:
    """Administrators: end a mentorship, or move a mentee to another mentor."""
    pa = staff_program(request, org_slug, program_slug)
    program = pa.program
    mentorship = get_object_or_404(mentorships_of(program), pk=mentorship_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "end":
                reason = posted_text(request.POST, "reason", max_length=REASON_MAX_LENGTH)
                ms.mentorship_end(mentorship=mentorship, by=request.user, reason=reason)
                messages.success(request, "Mentorship ended.")
            else:
                mentee = get_object_or_404(
                    Registration, pk=posted_id(request.POST.get("mentee")), program=program
                )
                mentor = get_object_or_404(
                    Registration, pk=posted_id(request.POST.get("mentor")), program=program
                )
                ms.mentorship_reassign(mentorship=mentorship, mentee=mentee, mentor=mentor, by=request.user)
                messages.success(
                    request, f"{mentee.user.display_name} now has {mentor.user.display_name} as mentor."
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("pairing:mentorship", org_slug, program_slug, mentorship.pk)
        return redirect("pairing:mentorships", org_slug, program_slug)
    mentors = (
        Registration.objects.filter(
            program=program, status=RegistrationStatus.SUBMITTED, role__in=["mentor", "both"]
        )
        .select_related("user")
        .order_by("user__name")
    )
    load = choice.active_load(program)
    for x in mentorship.members.all():
        stored = x.reasons if x.reasons is not None else mentorship.reasons
        x.top_reasons = sorted((r for r in stored or [] if r.get("points")), key=lambda r: -r["points"])[:4]  # type: ignore[attr-defined]
    return render(
        request,
        "pairing/mentorship.html",
        {
            "access": pa.org,
            "organization": program.organization,
            "program": program,
            "mentorship": mentorship,
            "events": mentorship.events.select_related("by")[:50],
            # Mentors with room first (the default choice), full ones after: reassigning may
            # go past capacity, but only on purpose.
            "mentors": sorted(
                ((m, load.get(m.pk, 0)) for m in mentors), key=lambda ml: ml[1] >= ml[0].capacity
            ),
        },
    )
