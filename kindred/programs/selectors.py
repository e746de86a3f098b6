"""Program reads shared by the dashboards."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.utils import timezone

from kindred.accounts.models import User
from kindred.accounts.selectors import verified_emails
from kindred.orgs.models import Organization
from kindred.programs.checklist import Checklist, checklists_for
from kindred.programs.models import Enrollment, Program, Status, Structure

# Registrations are counted through the reverse relation name, so this app needs no import
# from the registration app (which sits above it).
_SUBMITTED = Q(registrations__status="submitted")


def _participant_counts() -> dict[str, Count]:
    return {
        "participant_count": Count("registrations", filter=_SUBMITTED),
        "mentor_count": Count(
            "registrations", filter=_SUBMITTED & Q(registrations__role__in=["mentor", "both"])
        ),
        "mentee_count": Count(
            "registrations", filter=_SUBMITTED & Q(registrations__role__in=["mentee", "both"])
        ),
    }


def programs_with_counts(organization: Organization) -> QuerySet[Program]:
    return (
        Program.objects.filter(organization=organization)
        .select_related("organization")
        .annotate(**_participant_counts())
        .order_by("status", "-starts_on", "name")
    )


@dataclass(frozen=True)
class DashboardRow:
    program: Program
    checklist: Checklist


def admin_dashboard(organization: Organization) -> list[DashboardRow]:
    """Every program of the organization with participant counts and checklist progress,
    in a fixed number of queries whatever the number of programs."""
    order = {s: i for i, s in enumerate(Status.values)}
    programs = sorted(programs_with_counts(organization), key=lambda p: (order[p.status], p.name.lower()))
    checklists = checklists_for(programs)
    return [DashboardRow(p, checklists[p.pk]) for p in programs]


# Mentees choose their mentor only in these structures (peer programs pair colleagues, flash
# programs book one-off sessions), and only while the program pairs people.
CHOICE_STRUCTURES = (Structure.TRADITIONAL, Structure.GROUP, Structure.REVERSE)
CHOICE_STATUSES = (Status.REGISTRATION, Status.PAIRING, Status.RUNNING)


@dataclass(frozen=True)
class ParticipantRow:
    program: Program
    role: str  # "" when not registered
    registration_status: str
    next_step: str
    registration_open: bool = False  # people can register (or edit their answers) today
    choosing: bool = False  # a mentee who can choose their mentor now
    has_mentor: bool = False  # in an active mentorship as a mentee or a peer
    has_mentees: bool = False  # mentors an active mentorship
    waiting_for: str = ""  # the mentor this mentee's pending request waits for
    waiting_until: dt.datetime | None = None
    requests_waiting: int = 0  # mentee requests waiting for this mentor's answer
    mentee_choice: bool = False  # mentees choose their mentor in this program now

    @property
    def is_mentor(self) -> bool:
        return self.role in ("mentor", "both")

    @property
    def is_mentee(self) -> bool:
        return self.role in ("mentee", "both")

    @property
    def is_peer(self) -> bool:
        return self.program.structure == Structure.PEER

    @property
    def in_circles(self) -> bool:
        """Peer programs that group people in circles of three or more, not pairs."""
        return (getattr(self.program, "circle_size", None) or 2) > 2


@dataclass(frozen=True)
class _Pairing:
    """One person's pairing state in one program."""

    has_mentor: bool = False
    has_mentees: bool = False
    waiting_for: str = ""
    waiting_until: dt.datetime | None = None
    requests_waiting: int = 0


def _date(day: dt.date) -> str:
    return f"{day:%B} {day.day}"


def _next_step(program: Program, role: str, reg_status: str, *, choice: bool, pairing: _Pairing) -> str:
    today = timezone.localdate()
    if reg_status == "withdrawn":
        return "You withdrew from this program."
    if not role:
        as_what = "as a peer" if program.structure == Structure.PEER else "as a mentor or a mentee"
        is_open, why = program.registration_window(today)
        opens = program.registration_opens_on
        if not is_open and opens and today < opens:
            return f"Registration opens on {_date(opens)}: register then {as_what}."
        if not is_open:
            return why
        if program.status != Status.REGISTRATION:
            return f"People join at any time: register {as_what}."
        closes = program.registration_closes_on
        until = f" until {_date(closes)}" if closes else ""
        return f"Registration is open{until}: register {as_what}."
    if reg_status == "draft":
        return "Finish your registration: your answers are saved as a draft."
    steps = []
    if choice and role in ("mentee", "both"):
        if pairing.has_mentor:
            steps.append("You have a mentor: see your mentorship.")
        elif pairing.waiting_for:
            expires = pairing.waiting_until
            expiry = f" (until {_date(timezone.localtime(expires))})" if expires else ""
            steps.append(f"Your request is waiting for {pairing.waiting_for}'s answer{expiry}.")
        else:
            steps.append("Choose your mentor from your recommendations.")
    if choice and role in ("mentor", "both") and pairing.requests_waiting:
        n = pairing.requests_waiting
        steps.append(f"{n} request{'s' if n != 1 else ''} waiting for your answer.")
    if steps:
        return " ".join(steps)
    if choice and role == "mentor":
        return "You are registered. Mentees choose their mentor here: you'll get an email when one asks you."
    if program.status == Status.REGISTRATION:
        return "You are registered. Pairing starts when registration closes."
    if program.status == Status.PAIRING:
        return "You are registered. Your pairing is being prepared."
    if program.status == Status.RUNNING:
        if program.ends_on and program.ends_on >= today:
            return f"The program runs until {_date(program.ends_on)}, {program.ends_on:%Y}."
        return "The program is running."
    return "This program has ended."


def _invited_to(programs: list[Program], user: User) -> set[int]:
    """Of these invitation-only programs, those that invited one of this person's verified
    addresses (an invitation already used by someone else lets nobody else in)."""
    if not programs:
        return set()
    emails = verified_emails(user) | {user.email.lower()}
    return set(
        Program.objects.filter(pk__in=[p.pk for p in programs], invitations__email__in=emails)
        .filter(Q(invitations__registration__isnull=True) | Q(invitations__registration__user=user))
        .values_list("pk", flat=True)
    )


def _pairing_states(programs: list[Program], user: User) -> dict[int, _Pairing]:
    """This person's mentorships and mentor requests in these programs, in two queries."""
    if not programs:
        return {}
    now = timezone.now()
    ids = [p.pk for p in programs]
    counts = (
        Program.objects.filter(pk__in=ids)
        .annotate(mine=FilteredRelation("registrations", condition=Q(registrations__user=user)))
        .annotate(
            as_member=Count(
                "mine__memberships", filter=Q(mine__memberships__mentorship__status="active"), distinct=True
            ),
            as_mentor=Count("mine__mentoring", filter=Q(mine__mentoring__status="active"), distinct=True),
            waiting=Count(
                "mine__requests_received",
                filter=Q(
                    mine__requests_received__status="pending", mine__requests_received__expires_at__gt=now
                ),
                distinct=True,
            ),
        )
        .values_list("pk", "as_member", "as_mentor", "waiting")
    )
    # A mentee has at most one pending request per program (a database constraint).
    asked = {
        mentor.program_id: mentor
        for mentor in User.objects.filter(
            registrations__program__in=ids,
            registrations__requests_received__mentee__user=user,
            registrations__requests_received__status="pending",
            registrations__requests_received__expires_at__gt=now,
        ).annotate(
            program_id=F("registrations__program_id"),
            expires_at=F("registrations__requests_received__expires_at"),
        )
    }
    states = {}
    for pk, as_member, as_mentor, waiting in counts:
        mentor = asked.get(pk)
        states[pk] = _Pairing(
            has_mentor=bool(as_member),
            has_mentees=bool(as_mentor),
            waiting_for=mentor.display_name if mentor else "",
            waiting_until=mentor.expires_at if mentor else None,
            requests_waiting=waiting,
        )
    return states


def participant_home(organization: Organization, user: User) -> list[ParticipantRow]:
    """The user's programs (registered, or open for them to register) with what to do next, in a
    fixed number of queries whatever the number of programs."""
    today = timezone.localdate()
    always_open = Q(enrollment=Enrollment.OPEN, status__in=[Status.PAIRING, Status.RUNNING]) & (
        Q(registration_opens_on__isnull=True) | Q(registration_opens_on__lte=today)
    )
    programs = list(
        Program.objects.filter(organization=organization)
        .annotate(mine=FilteredRelation("registrations", condition=Q(registrations__user=user)))
        .annotate(
            my_role=F("mine__role"),
            my_status=F("mine__status"),
            access_mode=F("setup__access_mode"),
            mentee_choice=F("pairing_settings__mentee_choice"),
            circle_size=F("pairing_settings__circle_size"),
        )
        .filter(Q(my_role__isnull=False) | Q(status=Status.REGISTRATION) | always_open)
        .exclude(status__in=[Status.DRAFT, Status.ARCHIVED])
        .select_related("organization")
        .order_by("-starts_on", "name")
    )
    mine = [p for p in programs if getattr(p, "my_role", None) is not None]
    others = [p for p in programs if getattr(p, "my_role", None) is None]
    # Who may register: members are let into programs open to the organization; a program by
    # invitation only needs an invitation to one of their addresses (the registration app's rule).
    invited = _invited_to([p for p in others if getattr(p, "access_mode", None) == "invitation"], user)
    others = [p for p in others if getattr(p, "access_mode", None) != "invitation" or p.pk in invited]
    choice_programs = {
        p.pk
        for p in mine
        if getattr(p, "mentee_choice", False)
        and p.structure in CHOICE_STRUCTURES
        and p.status in CHOICE_STATUSES
    }
    states = _pairing_states([p for p in mine if getattr(p, "my_status", "") == "submitted"], user)
    shown = {p.pk for p in [*mine, *others]}
    rows = []
    for program in programs:
        if program.pk not in shown:
            continue
        role, status = getattr(program, "my_role", None) or "", getattr(program, "my_status", None) or ""
        choice = program.pk in choice_programs
        pairing = states.get(program.pk, _Pairing())
        rows.append(
            ParticipantRow(
                program,
                role,
                status,
                _next_step(program, role, status, choice=choice, pairing=pairing),
                registration_open=program.registration_window(today)[0],
                choosing=choice and role in ("mentee", "both") and not pairing.has_mentor,
                has_mentor=pairing.has_mentor,
                has_mentees=pairing.has_mentees,
                waiting_for=pairing.waiting_for,
                waiting_until=pairing.waiting_until,
                requests_waiting=pairing.requests_waiting,
                mentee_choice=choice,
            )
        )
    return rows


def program_counts(program: Program) -> dict[str, int]:
    """Registered participants of one program, by role."""
    return Program.objects.filter(pk=program.pk).aggregate(**_participant_counts())
