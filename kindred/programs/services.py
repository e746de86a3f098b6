"""Program writes: create, edit, and the lifecycle (draft → registration → pairing → running →
completed → archived), which only moves through `program_change_status`."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from kindred.accounts.models import User
from kindred.orgs.models import Organization
from kindred.programs.checklist import missing_general_information
from kindred.programs.models import Program, Status, StatusChange

# The legal moves. Going back is allowed where nothing is lost: unpublishing a program still open
# for registration, reopening registration before anyone is paired; archiving and unarchiving.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.REGISTRATION,),
    Status.REGISTRATION: (Status.PAIRING, Status.DRAFT),
    Status.PAIRING: (Status.RUNNING, Status.REGISTRATION),
    Status.RUNNING: (Status.COMPLETED,),
    Status.COMPLETED: (Status.ARCHIVED,),
    Status.ARCHIVED: (Status.COMPLETED,),
}

EDITABLE_FIELDS = (
    "name",
    "description",
    "purpose",
    "custom_purpose",
    "structure",
    "registration_opens_on",
    "registration_closes_on",
    "starts_on",
    "ends_on",
    "cadence",
    "enrollment",
)


def _unique_slug(organization: Organization, name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:50] or "program"
    slug, n = base, 2
    taken = Program.objects.filter(organization=organization)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_dates(program: Program) -> None:
    errors: dict[str, str] = {}
    opens, closes = program.registration_opens_on, program.registration_closes_on
    starts, ends = program.starts_on, program.ends_on
    if opens and closes and closes < opens:
        errors["registration_closes_on"] = "Registration must close on or after the day it opens."
    if starts and ends and ends <= starts:
        errors["ends_on"] = "The program must end after it starts."
    if opens and starts and opens > starts:
        errors["registration_opens_on"] = "Registration must open before the program starts."
    if closes and ends and closes > ends:
        errors["registration_closes_on"] = "Registration must close before the program ends."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def program_create(*, organization: Organization, by: User, **fields: Any) -> Program:
    """Create a draft program in `organization`."""
    program = Program(organization=organization, created_by=by)
    for name in EDITABLE_FIELDS:
        if name in fields:
            setattr(program, name, fields[name])
    program.slug = _unique_slug(organization, program.name)
    _check_dates(program)
    program.full_clean(exclude=["organization", "created_by"])
    program.save()
    return program


@transaction.atomic
def program_update(*, program: Program, **fields: Any) -> Program:
    """Edit a program's general information (the slug, and so its URLs, stay the same)."""
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"{name} is not an editable program field")
        if name == "structure" and value != program.structure:
            if program.status != Status.DRAFT:
                raise ValidationError({"structure": "The structure is fixed once registration has opened."})
            # An import can register people into a draft; their roles were asked (or, for peers,
            # not asked) under this structure.
            if program.registrations.exists():
                message = "The structure is fixed once people are registered (imported) for the program."
                raise ValidationError({"structure": message})
        setattr(program, name, value)
    _check_dates(program)
    program.full_clean(exclude=["organization", "created_by"])
    program.save()
    return program


def allowed_moves(program: Program) -> tuple[str, ...]:
    return TRANSITIONS[program.status]


@transaction.atomic
def program_change_status(*, program: Program, to: str, by: User | None) -> Program:
    """Move a program through its lifecycle, refusing moves that are not allowed."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    current = Status(program.status)
    if to not in Status.values:
        raise ValidationError(f"Unknown status {to!r}.")
    target = Status(to)
    if target == current:
        raise ValidationError(f"{program.name} is already {current.label.lower()}.")
    allowed = TRANSITIONS[current]
    if target not in allowed:
        options = " or ".join(Status(s).label.lower() for s in allowed)
        raise ValidationError(
            f"A program that is {current.label.lower()} cannot move to {target.label.lower()}; "
            f"from here it can move to {options}."
        )
    if target == Status.REGISTRATION and current == Status.DRAFT:
        missing = missing_general_information(program)
        if missing:
            raise ValidationError(
                "Complete the general information before opening registration: missing "
                + ", ".join(missing)
                + "."
            )
    # Reverse relations by name: this app sits below registration and pairing.
    if target == Status.DRAFT and program.registrations.exists():
        raise ValidationError(
            "People have registered: registration can close, but the program cannot go back to draft."
        )
    if target == Status.REGISTRATION and current == Status.PAIRING and program.mentorships.exists():
        raise ValidationError("Pairs are published: registration cannot reopen for this cohort.")
    StatusChange.objects.create(program=program, from_status=current, to_status=target, by=by)
    program.status = target
    program.save(update_fields=["status", "updated_at"])
    return program
