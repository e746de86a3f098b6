"""Registration writes: start, save a draft, submit (all-or-nothing), withdraw."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from kindred.accounts.models import User
from kindred.accounts.selectors import verified_emails
from kindred.orgs.mail import org_email_send
from kindred.orgs.models import AllowedDomain, Membership, Role
from kindred.orgs.selectors import absolute_url
from kindred.orgs.services import removal_lift, removed_at, removed_message, self_join_domains
from kindred.programs.models import Program, Structure
from kindred.registration.answers import CleanAnswers, validate_answers
from kindred.registration.models import (
    AccessMode,
    Answer,
    InvitationStatus,
    ProgramInvitation,
    ProgramSetup,
    Question,
    Registration,
    RegistrationStatus,
)
from kindred.registration.questionnaire import questionnaire_ensure_builtins
from kindred.registration.signals import registration_withdrawn

DRAFT_LIMIT = 100_000  # characters of JSON: plenty for any questionnaire, a bound for abuse


def setup_for(program: Program) -> ProgramSetup:
    setup, _ = ProgramSetup.objects.get_or_create(program=program)
    return setup


@transaction.atomic
def setup_save(*, setup: ProgramSetup, reviewed: str) -> ProgramSetup:
    """Save a program's registration settings; saving access or the emails is what ticks the
    "Participant access" or "Review email invites" step."""
    if reviewed == "access":
        setup.access_reviewed_at = timezone.now()
    elif reviewed == "emails":
        setup.emails_reviewed_at = timezone.now()
    else:
        raise ValueError(f"unknown review {reviewed!r}")
    setup.full_clean(exclude=["program"])
    setup.save()
    return setup


def questions_of(program: Program) -> QuerySet[Question]:
    questionnaire_ensure_builtins(program=program)
    return (
        Question.objects.filter(program=program)
        .select_related("linked")
        .prefetch_related("options")
        .order_by("position", "pk")
    )


def asked_questions(program: Program) -> list[Question]:
    """The questions participants answer, in order. In a peer-to-peer program everyone is a peer
    (one pool, one buddy or circle each), so the built-in role and capacity questions are not asked;
    the builder still lists them (:func:`questions_of`) should the structure change."""
    questions = list(questions_of(program))
    if program.structure == Structure.PEER:
        questions = [q for q in questions if not q.builtin]
    return questions


def invitation_for(program: Program, user: User, token: str = "") -> ProgramInvitation | None:
    """This person's invitation to the program: the one sent to one of their verified addresses.
    A personal link only ever works for the person it was sent to, so a forwarded link lets
    nobody else in."""
    emails = verified_emails(user) | {user.email.lower()}
    invitations = ProgramInvitation.objects.filter(program=program, email__in=emails)
    if token:
        invitations = invitations.filter(token=token)
    invitation = invitations.select_related("registration").first()
    if invitation is not None and invitation.registration and invitation.registration.user_id != user.pk:
        return None
    return invitation


def may_register(program: Program, user: User, token: str = "") -> tuple[bool, str]:
    """Whether this person is let in by the program's access mode."""
    mode = setup_for(program).access_mode
    is_member = Membership.objects.filter(organization_id=program.organization_id, user=user).exists()
    at_allowed_domain = AllowedDomain.objects.filter(
        organization_id=program.organization_id, domain__in=self_join_domains(user), verified_at__isnull=False
    ).exists()
    invitation = invitation_for(program, user, token)
    removed = removed_at(organization_id=program.organization_id, user=user)
    # Only an invitation sent after a removal asks the person back.
    invited = invitation is not None and (removed is None or invitation.created_at > removed)
    if mode in (AccessMode.OPEN, AccessMode.BOTH) and is_member:
        return True, ""
    if invited:  # personal, from the program's staff (an import invites people it may not add)
        return True, ""
    if at_allowed_domain and removed:
        return False, removed_message(program.organization)
    if mode in (AccessMode.OPEN, AccessMode.BOTH) and at_allowed_domain:
        return True, ""
    if mode == AccessMode.INVITATION:
        return False, "This program is by invitation only. Use the link in your invitation email."
    return (
        False,
        f"This program is open to people at {program.organization.name}. Log in with your work email.",
    )


@transaction.atomic
def registration_start(*, program: Program, user: User, token: str = "") -> Registration:
    """Open (or reopen) this person's registration as a draft; joins them to the organization as a
    member when the program lets them in."""
    is_open, reason = program.registration_window()
    if not is_open:
        raise ValidationError(reason)
    allowed, reason = may_register(program, user, token)
    if not allowed:
        raise ValidationError(reason)
    Membership.objects.get_or_create(
        organization_id=program.organization_id, user=user, defaults={"role": Role.MEMBER}
    )
    invitation = invitation_for(program, user, token)
    if invitation is not None:  # the organization asked them back
        removal_lift(organization=program.organization, user=user)
    registration, created = Registration.objects.get_or_create(program=program, user=user)
    if not created and registration.status == RegistrationStatus.WITHDRAWN:
        registration.status = RegistrationStatus.DRAFT
        registration.withdrawn_at = None
        registration.save(update_fields=["status", "withdrawn_at", "updated_at"])
    if invitation is not None and invitation.registration_id is None:
        invitation.registration = registration
        invitation.save(update_fields=["registration"])
    return registration


def _check_open(registration: Registration) -> None:
    is_open, reason = registration.program.registration_window()
    if not is_open:
        raise ValidationError(reason)
    if registration.status == RegistrationStatus.WITHDRAWN:
        raise ValidationError("You withdrew from this program. Register again to take part.")


@transaction.atomic
def registration_save_draft(*, registration: Registration, raw: Mapping[str, object]) -> Registration:
    """Keep unsubmitted answers as typed (no validation yet), so people can continue later."""
    _check_open(registration)
    draft = {k: v for k, v in raw.items() if k.startswith("q") and k[1:].isdigit()}
    merged = {**registration.draft, **draft}
    if len(str(merged)) > DRAFT_LIMIT:
        raise ValidationError("Your answers are too long to save.")
    registration.draft = merged
    registration.save(update_fields=["draft", "updated_at"])
    return registration


def answers_write(registration: Registration, clean: CleanAnswers) -> None:
    """Replace a registration's answers with these (the caller holds the transaction)."""
    Answer.objects.filter(registration=registration).delete()
    rows = [
        Answer(registration=registration, question_id=qid, option_id=option)
        for qid, options in clean.options.items()
        for option in options
    ]
    rows += [Answer(registration=registration, question_id=qid, number=n) for qid, n in clean.numbers.items()]
    rows += [Answer(registration=registration, question_id=qid, text=t) for qid, t in clean.texts.items()]
    Answer.objects.bulk_create(rows)


@transaction.atomic
def registration_submit(*, registration: Registration, raw: Mapping[str, object]) -> Registration:
    """Validate every answer and register; on any error nothing is written (not even the draft)
    and the errors come back by field."""
    registration = (
        Registration.objects.select_for_update().select_related("program", "user").get(pk=registration.pk)
    )
    _check_open(registration)
    questions = asked_questions(registration.program)
    clean, errors = validate_answers(questions, raw)
    if errors:
        raise ValidationError(errors)
    first_time = registration.status != RegistrationStatus.SUBMITTED
    answers_write(registration, clean)
    registration.role = clean.role
    registration.capacity = clean.capacity if registration.is_mentor else 1
    registration.status = RegistrationStatus.SUBMITTED
    registration.draft = {}
    registration.submitted_at = registration.submitted_at if not first_time else timezone.now()
    registration.save()
    ProgramInvitation.objects.filter(program=registration.program, registration=registration).update(
        status=InvitationStatus.REGISTERED
    )
    ProgramInvitation.objects.filter(
        program=registration.program, email__iexact=registration.user.email
    ).update(status=InvitationStatus.REGISTERED, registration=registration)
    _confirmation_email(registration, first_time=first_time)
    return registration


def _confirmation_email(registration: Registration, *, first_time: bool) -> None:
    program = registration.program
    org = program.organization
    org_email_send(
        org,
        template_dir="registration/email/confirmation",
        to=[registration.user.email],
        context={
            "registration": registration,
            "program": program,
            "first_time": first_time,
            "url": absolute_url(program.get_participant_url(), org),
        },
    )


@transaction.atomic
def registration_withdraw(*, registration: Registration) -> Registration:
    """Leave the program. Answers are kept, so registering again starts from them."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == RegistrationStatus.WITHDRAWN:
        raise ValidationError("You have already withdrawn.")
    registration.status = RegistrationStatus.WITHDRAWN
    registration.withdrawn_at = timezone.now()
    registration.save(update_fields=["status", "withdrawn_at", "updated_at"])
    registration_withdrawn.send(sender=Registration, registration=registration)
    return registration
