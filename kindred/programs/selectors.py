"""Program reads shared by the dashboards."""

from dataclasses import dataclass

from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.utils import timezone

from kindred.accounts.models import User
from kindred.orgs.models import Organization
from kindred.programs.checklist import Checklist, checklists_for
from kindred.programs.models import Program, Status

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


@dataclass(frozen=True)
class ParticipantRow:
    program: Program
    role: str  # "" when not registered
    registration_status: str
    next_step: str


def _next_step(program: Program, role: str, reg_status: str) -> str:
    today = timezone.localdate()
    if reg_status == "withdrawn":
        return "You withdrew from this program."
    if not role:
        if program.status == Status.REGISTRATION:
            closes = program.registration_closes_on
            until = f" until {closes:%B} {closes.day}" if closes else ""
            return f"Registration is open{until}: register as a mentor or a mentee."
        return "Registration is not open."
    if reg_status == "draft":
        return "Finish your registration: your answers are saved as a draft."
    if program.status == Status.REGISTRATION:
        return "You are registered. Pairing starts when registration closes."
    if program.status == Status.PAIRING:
        return "You are registered. Your pairing is being prepared."
    if program.status == Status.RUNNING:
        if program.ends_on and program.ends_on >= today:
            return f"The program runs until {program.ends_on:%B} {program.ends_on.day}, {program.ends_on:%Y}."
        return "The program is running."
    return "This program has ended."


def participant_home(organization: Organization, user: User) -> list[ParticipantRow]:
    """The user's programs (registered, or open for registration) with what to do next."""
    programs = (
        Program.objects.filter(organization=organization)
        .annotate(mine=FilteredRelation("registrations", condition=Q(registrations__user=user)))
        .annotate(my_role=F("mine__role"), my_status=F("mine__status"))
        .filter(Q(my_role__isnull=False) | Q(status=Status.REGISTRATION))
        .exclude(status__in=[Status.DRAFT, Status.ARCHIVED])
        .select_related("organization")
        .order_by("-starts_on", "name")
    )
    rows = []
    for program in programs:
        role, status = getattr(program, "my_role", None) or "", getattr(program, "my_status", None) or ""
        rows.append(ParticipantRow(program, role, status, _next_step(program, role, status)))
    return rows


def program_counts(program: Program) -> dict[str, int]:
    """Registered participants of one program, by role."""
    return Program.objects.filter(pk=program.pk).aggregate(**_participant_counts())
