"""Program invitations: templates with placeholders, the batch sender the worker runs, reminders.

Sending is restartable and at-most-once per invitation: a batch claims rows by moving them from
`queued` to `sending` (stamping `claimed_at`) with a conditional UPDATE in one short transaction,
then, one row at a time, sends outside any transaction and records `sent` or `failed` right away
in a short transaction of its own (waiting out a locked database), so the write lock is never
held while a mail server talks and at most the one email in flight is unrecorded when a worker
dies. Rows left `sending` are not retried on their own (better a missed invitation than a
duplicate): "Resend failed" queues failed rows and those claimed more than an hour ago and still
`sending` again. Invitations to a program still in draft wait, queued, until registration opens
(the sweep starts them), since their link would not work before."""

import datetime as dt
import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, F, Q
from django.template.defaultfilters import linebreaksbr, urlize
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from kindred.accounts.models import User
from kindred.lib.backoff import retry_database_trouble
from kindred.lib.mail import email_queue, from_address
from kindred.orgs.selectors import absolute_url, email_branding
from kindred.programs.models import Program, Status
from kindred.registration.models import InvitationStatus, ProgramInvitation, ProgramSetup
from kindred.registration.services import setup_for

BATCH_SIZE = 100
MAX_INVITATIONS_PER_REQUEST = 5000
PLACEHOLDERS = ("program_name", "organization", "deadline", "link", "first_name")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_EMAIL_SPLIT = re.compile(r"[\s,;]+")


def check_template(text: str) -> None:
    unknown = sorted({m for m in _PLACEHOLDER.findall(text) if m not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            "Unknown placeholder "
            + ", ".join("{" + u + "}" for u in unknown)
            + ". Use "
            + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            + "."
        )


def fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def placeholder_values(program: Program, *, link: str, name: str = "") -> dict[str, str]:
    closes = program.registration_closes_on
    deadline = f"{closes:%B} {closes.day}, {closes:%Y}" if closes else "registration closes"
    return {
        "program_name": program.name,
        "organization": program.organization.name,
        "deadline": deadline,
        "link": link,
        "first_name": (name.split()[0] if name.strip() else "there"),
    }


def render_invitation(
    program: Program, setup: ProgramSetup, *, link: str, name: str = "", reminder: bool = False
) -> EmailMultiAlternatives:
    """The invitation (or reminder) email, from the admin's template, in the organization's branding."""
    subject_t, body_t = (
        (setup.reminder_subject, setup.reminder_body)
        if reminder
        else (setup.invitation_subject, setup.invitation_body)
    )
    values = placeholder_values(program, link=link, name=name)
    subject, body = " ".join(fill(subject_t, values).split()), fill(body_t, values)
    org = program.organization
    html = render_to_string(
        "registration/email/invitation.html",
        {
            **email_branding(org),
            "body_html": linebreaksbr(urlize(body, autoescape=True)),
            "link": link,
        },
    )
    message = EmailMultiAlternatives(subject, body, from_address(org.sender_name), [])
    message.attach_alternative(html, "text/html")
    return message


def parse_emails(text: str) -> tuple[list[str], list[str]]:
    """Split pasted text into valid addresses (lower case, first occurrence kept) and invalid entries."""
    valid, invalid, seen = [], [], set()
    for item in _EMAIL_SPLIT.split(text):
        item = item.strip().strip("<>\"'").lower()
        if not item or item == "email":
            continue
        try:
            validate_email(item)
        except ValidationError:
            invalid.append(item)
            continue
        if item not in seen:
            seen.add(item)
            valid.append(item)
    return valid, invalid


@transaction.atomic
def _can_invite(program: Program) -> None:
    """Invitations ask people to register: only while that can still happen (a draft's wait for
    the opening day, see invitations_start_waiting)."""
    is_open, why = program.registration_window()
    opens = program.registration_opens_on
    later = program.status == Status.REGISTRATION and opens is not None and timezone.localdate() < opens
    if not (is_open or later or program.status == Status.DRAFT):
        raise ValidationError(f"Nobody can register for {program.name} now, so nobody can be invited. {why}")


def invitations_add(*, program: Program, emails: Iterable[str]) -> int:
    """Queue an invitation for each new address (an address is invited at most once per program)
    and start the worker on them. Returns how many were queued."""
    _can_invite(program)
    emails = list(emails)
    if len(emails) > MAX_INVITATIONS_PER_REQUEST:
        raise ValidationError(f"Invite at most {MAX_INVITATIONS_PER_REQUEST} people at a time.")
    existing = set(
        ProgramInvitation.objects.filter(program=program, email__in=emails).values_list("email", flat=True)
    )
    new = [ProgramInvitation(program=program, email=e) for e in emails if e not in existing]
    ProgramInvitation.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        transaction.on_commit(lambda: send_invitation_batch.enqueue(program.pk))
    return len(new)


@transaction.atomic
def invitations_remind(*, program: Program) -> int:
    """Mark everyone who was invited but has not registered for one reminder, and start sending."""
    _can_invite(program)
    n = ProgramInvitation.objects.filter(
        program=program, status=InvitationStatus.SENT, reminder_due=False
    ).update(reminder_due=True)
    if n:
        transaction.on_commit(lambda: send_invitation_batch.enqueue(program.pk))
    return n


STUCK_AFTER = dt.timedelta(hours=1)


@transaction.atomic
def invitations_resend(*, program: Program) -> int:
    """Queue failed invitations, and those claimed by a worker over an hour ago and still not
    recorded (the worker died), to be sent again. A batch still going out is not touched: its
    rows were claimed moments ago, however old the invitations are."""
    _can_invite(program)
    stuck = Q(status=InvitationStatus.SENDING, claimed_at__lt=timezone.now() - STUCK_AFTER)
    n = ProgramInvitation.objects.filter(Q(status=InvitationStatus.FAILED) | stuck, program=program).update(
        status=InvitationStatus.QUEUED, error=""
    )
    if n:
        transaction.on_commit(lambda: send_invitation_batch.enqueue(program.pk))
    return n


def invitations_start_waiting() -> int:
    """Start sending the invitations that waited for their program to open (run by the sweep)."""
    waiting = (
        ProgramInvitation.objects.filter(status=InvitationStatus.QUEUED)
        .exclude(program__status=Status.DRAFT)
        .values_list("program_id", flat=True)
        .distinct()
    )
    programs = list(waiting)
    for program_id in programs:
        send_invitation_batch.enqueue(program_id)
    return len(programs)


def _claim(program_id: int, reminder: bool) -> list[ProgramInvitation]:
    """Take up to BATCH_SIZE rows for this worker in one short transaction: the rows are locked
    (PostgreSQL skips those another worker holds; on SQLite the write lock serialises claims) and
    moved on with a conditional UPDATE, so two workers never send the same invitation. The
    `claimed_at` stamp is what "Resend failed" measures a stuck row by."""
    claimed: dict[str, object]
    if reminder:
        waiting, claimed = Q(reminder_due=True, status=InvitationStatus.SENT), {"reminder_due": False}
    else:
        waiting = Q(status=InvitationStatus.QUEUED)
        claimed = {"status": InvitationStatus.SENDING, "claimed_at": timezone.now()}
    with transaction.atomic():
        ids = list(
            ProgramInvitation.objects.select_for_update(skip_locked=True)
            .filter(waiting, program_id=program_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        ProgramInvitation.objects.filter(waiting, pk__in=ids).update(**claimed)
    return list(ProgramInvitation.objects.filter(pk__in=ids).select_related("program__organization"))


def _record_sent(invitation: ProgramInvitation, error: str) -> None:
    """Record one invitation's outcome as soon as it is known, in a short transaction that waits
    out a locked database: this email is gone, and a row left `sending` would be sent again by
    "Resend failed" once its claim is an hour old."""
    done: dict[str, object] = (
        {"status": InvitationStatus.FAILED, "error": error, "sent_at": None}
        if error
        else {"status": InvitationStatus.SENT, "error": "", "sent_at": timezone.now()}
    )

    def write() -> None:
        with transaction.atomic():
            ProgramInvitation.objects.filter(pk=invitation.pk, status=InvitationStatus.SENDING).update(**done)

    retry_database_trouble(write, what="recording a sent invitation")


def _record_reminded(invitation: ProgramInvitation) -> None:
    def write() -> None:
        ProgramInvitation.objects.filter(pk=invitation.pk).update(
            reminders_sent=F("reminders_sent") + 1, last_reminded_at=timezone.now()
        )

    retry_database_trouble(write, what="recording a sent reminder")


def _deliver(invitation: ProgramInvitation, setup: ProgramSetup, *, reminder: bool) -> str:
    program = invitation.program
    user = User.objects.filter(email__iexact=invitation.email).only("name").first()
    link = absolute_url(invitation.get_absolute_url(), program.organization)
    message = render_invitation(program, setup, link=link, name=user.name if user else "", reminder=reminder)
    message.to = [invitation.email]
    try:
        message.send()
    except Exception as exc:  # any delivery failure is recorded on the row, not raised
        return str(exc)[:300] or exc.__class__.__name__
    return ""


@task()
def send_invitation_batch(program_id: int) -> dict[str, int]:
    """Send one batch of queued invitations and due reminders; enqueue another batch if more wait."""
    program = Program.objects.select_related("organization").get(pk=program_id)
    if program.status == Status.DRAFT:
        return {"sent": 0, "failed": 0, "reminded": 0}  # the links work once registration opens
    setup = setup_for(program)
    # Claim, send and record are separate steps: no transaction is open while the mail server
    # talks, and each outcome is written before the next email goes.
    counts = {"sent": 0, "failed": 0, "reminded": 0}
    for invitation in _claim(program_id, reminder=False):
        error = _deliver(invitation, setup, reminder=False)
        _record_sent(invitation, error)
        counts["failed" if error else "sent"] += 1
    for invitation in _claim(program_id, reminder=True):
        if not _deliver(invitation, setup, reminder=True):
            _record_reminded(invitation)
            counts["reminded"] += 1
    more = ProgramInvitation.objects.filter(
        program_id=program_id, status=InvitationStatus.QUEUED
    ).exists() or (
        ProgramInvitation.objects.filter(
            program_id=program_id, reminder_due=True, status=InvitationStatus.SENT
        ).exists()
    )
    if more:
        send_invitation_batch.enqueue(program_id)
    return counts


def invitation_test_send(*, program: Program, user: User, reminder: bool = False) -> None:
    """Send the current template to the admin themselves (marks the emails as reviewed)."""
    setup = setup_for(program)
    link = absolute_url(program.get_participant_url(), program.organization)
    message = render_invitation(program, setup, link=link, name=user.name, reminder=reminder)
    message.to = [user.email]
    message.subject = "[Test] " + message.subject
    with transaction.atomic():
        ProgramSetup.objects.filter(pk=setup.pk).update(emails_reviewed_at=timezone.now())
        email_queue(message)


def invitation_counts(program: Program) -> dict[str, int]:
    rows = ProgramInvitation.objects.filter(program=program).values("status").annotate(n=Count("pk"))
    counts = {s: 0 for s in InvitationStatus.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts
