"""Writing the checked rows, in the worker, in short transactions.

Every row is checked before anything is written (`checked_rows`). The good rows are then written
CHUNK at a time, each chunk in its own transaction, so no transaction holds SQLite's write lock
for long (500 rows take well under a second) and the job's count of landed rows moves with each
commit. People are keyed by email, so importing the same rows again updates them: a run that
stopped mid-way (the sweep gives it up) is simply run again, and says how many rows landed.

The tenant boundary: an import creates accounts (recording that its organization did), and
registers the organization's own members; it never adds a person whose account exists outside
the organization (they get the program's invitation, and register themselves), and it never
writes a field of an account it did not create. The facts pairing reads (job title, department,
manager's email) of accounts it created go to the organization's own copy on the membership."""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task

from kindred.accounts.models import User
from kindred.accounts.welcome import WELCOME_DAYS, welcome_path
from kindred.orgs.facts import FACTS
from kindred.orgs.mail import org_email_send
from kindred.orgs.models import Membership, Role
from kindred.orgs.selectors import absolute_url
from kindred.programs.models import Program
from kindred.registration import invitations
from kindred.registration.answers import CleanAnswers
from kindred.registration.imports.validate import GoodRow, checked_rows, people_of
from kindred.registration.models import (
    Answer,
    ImportJob,
    ImportStatus,
    InvitationStatus,
    ParticipantRole,
    ProgramInvitation,
    Registration,
    RegistrationStatus,
)

logger = logging.getLogger(__name__)

CHUNK = 250  # rows per transaction: about 0.3 s of SQLite's write lock on the build machine


@transaction.atomic
def import_start(*, job: ImportJob, notify: bool = True) -> ImportJob:
    """The admin confirmed: queue the import of the good rows for the worker. With `notify`, the
    people it registers are emailed once it has landed."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (ImportStatus.VALIDATED, ImportStatus.FAILED):
        raise ValidationError("This file cannot be imported now: check its rows first.")
    if not job.good_rows:
        raise ValidationError(
            "No row passed the check, so there is nothing to import. Fix the file, upload it again."
        )
    job.status = ImportStatus.IMPORTING
    job.processed_rows = job.created_count = job.updated_count = job.joining_count = 0
    job.started_at = job.finished_at = job.progress_at = None
    job.error = ""
    job.notify = notify
    job.save()
    transaction.on_commit(lambda: import_run.enqueue(job.pk))
    return job


def _answer_values(registration_id: int, clean: CleanAnswers) -> list[tuple[Any, ...]]:
    rid = registration_id
    rows: list[tuple[Any, ...]] = [
        (rid, q, o, None, "") for q, options in clean.options.items() for o in options
    ]
    rows += [(rid, q, None, n, "") for q, n in clean.numbers.items()]
    rows += [(rid, q, None, None, t) for q, t in clean.texts.items()]
    return rows


def _insert_answers(values: list[tuple[Any, ...]]) -> None:
    """One INSERT of plain values, executed per row by the driver. A row has about 18 answers, and
    building (then bulk-creating) an Answer instance for each was most of a chunk's time, all of
    it under SQLite's write lock."""
    if not values:
        return
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in ("registration_id", "question_id", "option_id", "number", "text"))
    sql = f"INSERT INTO {qn(Answer._meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


@dataclass
class _Saved:
    processed: int = 0
    created: int = 0  # registrations of the organization's members (not the new accounts')
    updated: int = 0
    joining: int = 0  # people new to the organization: accounts created, and outsiders invited
    fresh: list[int] = field(default_factory=list)  # registrations newly submitted: to be told
    new_users: list[int] = field(default_factory=list)  # accounts this import created


@dataclass
class _Chunk:
    registered: list[GoodRow]  # new accounts and the organization's members
    users: dict[str, User]
    outside: list[str]  # existing accounts of other organizations: invited, never added
    new: int  # accounts created


def _people_for(rows: Sequence[GoodRow], organization_id: int, seen: dict[int, int], saved: _Saved) -> _Chunk:
    """The chunk's people by email, creating the new ones (unverified: their owners prove the
    address when they first log in). Of existing accounts, only those the organization created
    have anything written: their name when empty, and the organization's own copy of the facts
    pairing reads when that is empty. Nobody else's account is touched."""
    people = people_of([r.email for r in rows], organization_id)
    users = dict(people.users)
    new: list[User] = []
    registered: list[GoodRow] = []
    outside: list[str] = []
    own_accounts: list[tuple[User, GoodRow]] = []
    for row in rows:
        user = users.get(row.email)
        if user is None:
            user = User(
                email=row.email,
                password=make_password(None),
                created_by_organization_id=organization_id,
                **row.profile,
            )
            users[row.email] = user
            new.append(user)
            registered.append(row)
            continue
        if user.pk in seen:
            raise ValidationError(f"Lines {seen[user.pk]} and {row.line} are the same person ({user.email}).")
        seen[user.pk] = row.line
        if people.outside(row.email):
            outside.append(row.email)
            continue
        registered.append(row)
        if user.created_by_organization_id == organization_id:
            own_accounts.append((user, row))
    User.objects.bulk_create(new)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=False, primary=True) for u in new]
    )
    Membership.objects.bulk_create(
        Membership(organization_id=organization_id, user_id=u.pk, role=Role.MEMBER) for u in new
    )
    saved.new_users += [u.pk for u in new]
    _fill_own_accounts(own_accounts, organization_id)
    return _Chunk(registered, users, outside, len(new))


def _fill_own_accounts(own: list[tuple[User, GoodRow]], organization_id: int) -> None:
    """Accounts the organization's imports created: fill what is still empty, never rewrite."""
    if not own:
        return
    rows = Membership.objects.filter(organization_id=organization_id, user_id__in=[u.pk for u, _ in own])
    memberships = {m.user_id: m for m in rows}
    named, facts_changed = [], []
    for user, row in own:
        if row.profile.get("name") and not user.name:
            user.name = row.profile["name"]
            named.append(user)
        membership = memberships.get(user.pk)
        if membership is None:
            continue
        changed = False
        for fact in FACTS:
            value = row.profile.get(fact, "")
            if value and not (getattr(membership, fact) or getattr(user, fact)):
                setattr(membership, fact, value)
                changed = True
        if changed:
            facts_changed.append(membership)
    if named:
        User.objects.bulk_update(named, ["name"])
    if facts_changed:
        Membership.objects.bulk_update(facts_changed, list(FACTS))


def _save_chunk(program: Program, rows: Sequence[GoodRow], seen: dict[int, int], saved: _Saved) -> int:
    """Write one chunk of good rows with a fixed number of bulk queries, adding to `saved` what
    it did. Returns the rows handled (registered or invited)."""
    now = timezone.now()
    chunk = _people_for(rows, program.organization_id, seen, saved)
    rows = chunk.registered
    user_ids = [chunk.users[r.email].pk for r in rows]
    existing = {r.user_id: r for r in Registration.objects.filter(program=program, user_id__in=user_ids)}
    created: list[Registration] = []
    updated: list[Registration] = []
    by_email: dict[str, Registration] = {}
    was_submitted = {r.pk for r in existing.values() if r.status == RegistrationStatus.SUBMITTED}
    for row, uid in zip(rows, user_ids, strict=True):
        registration = existing.get(uid) or Registration(program=program, user_id=uid, created_at=now)
        (updated if registration.pk else created).append(registration)
        registration.role = row.clean.role
        is_mentor = row.clean.role in (ParticipantRole.MENTOR, ParticipantRole.BOTH)
        registration.capacity = row.clean.capacity if is_mentor else 1
        registration.status = RegistrationStatus.SUBMITTED
        registration.source = "import"
        registration.draft = {}
        registration.submitted_at = registration.submitted_at or now
        registration.withdrawn_at = None
        registration.updated_at = now
        by_email[row.email] = registration
    Registration.objects.bulk_create(created)
    # One UPDATE per distinct (role, capacity): far cheaper than bulk_update's CASE per row.
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for registration in updated:
        groups[(registration.role, registration.capacity)].append(registration.pk)
    for (role, capacity), ids in groups.items():
        Registration.objects.filter(pk__in=ids).update(
            role=role,
            capacity=capacity,
            status=RegistrationStatus.SUBMITTED,
            source="import",
            draft={},
            submitted_at=Coalesce(F("submitted_at"), Value(now)),
            withdrawn_at=None,
            updated_at=now,
        )
    if updated:
        Answer.objects.filter(registration_id__in=[r.pk for r in updated]).delete()
    _insert_answers([value for row in rows for value in _answer_values(by_email[row.email].pk, row.clean)])
    registered_invitations = list(ProgramInvitation.objects.filter(program=program, email__in=list(by_email)))
    for invitation in registered_invitations:
        invitation.status = InvitationStatus.REGISTERED
        invitation.registration = by_email[invitation.email]
    ProgramInvitation.objects.bulk_update(registered_invitations, ["status", "registration"])
    if chunk.outside:
        # The program's own invitation, emailed by the worker: they decide whether to register.
        invitations.invitations_add(program=program, emails=chunk.outside)
    revived = [r.pk for r in updated if r.pk not in was_submitted]
    if revived:  # submitted again by this import: its notice is due again
        Registration.objects.filter(pk__in=revived).update(import_notice_at=None)
    saved.fresh += [r.pk for r in created] + revived
    # New accounts and invited outsiders are counted together: the importer is never told which
    # of the people new to the organization already had a Kindred account.
    saved.created += len(created) - chunk.new
    saved.updated += len(updated)
    saved.joining += chunk.new + len(chunk.outside)
    return len(rows) + len(chunk.outside)


class _GivenUp(Exception):
    """This run lost its claim on the job (the sweep gave up on it, or it was started again):
    the chunk it was writing rolls back, and it stops."""


def _claimed(job: ImportJob) -> Any:
    return ImportJob.objects.filter(pk=job.pk, status=ImportStatus.IMPORTING, started_at=job.started_at)


def _import(job: ImportJob) -> None:
    try:
        good, bad, _ = checked_rows(job, job.mapping)
    except ValidationError as exc:
        raise ValidationError(
            ["The questionnaire changed since the check: map the columns again.", *exc.messages]
        ) from exc
    if [b["line"] for b in bad] != [b["line"] for b in job.bad_rows]:
        raise ValidationError(
            "The rows no longer pass the check as before (was the questionnaire edited?). "
            "Check the file again."
        )
    if len(good) != job.good_rows:
        # Never a quiet "done" with fewer rows than the admin confirmed (a job checked before its
        # rows were stored on it has none).
        raise ValidationError(
            f"{len(good):,} rows pass the check now, not the {job.good_rows:,} confirmed. "
            "Upload the file again."
        )
    seen: dict[int, int] = {}
    fresh = job.fresh or {}
    saved = _Saved(fresh=list(fresh.get("registrations", [])), new_users=list(fresh.get("users", [])))
    for start in range(0, len(good), CHUNK):
        with transaction.atomic():
            saved.processed += _save_chunk(job.program, good[start : start + CHUNK], seen, saved)
            # Only the run that claimed the job may write to it: one the sweep gave up on (and
            # maybe restarted) rolls this chunk back and stops.
            landed = _claimed(job).update(
                processed_rows=saved.processed,
                created_count=saved.created,
                updated_count=saved.updated,
                joining_count=saved.joining,
                fresh={"registrations": saved.fresh, "users": saved.new_users},
                progress_at=timezone.now(),
            )
            if not landed:
                raise _GivenUp
    with transaction.atomic():
        # The rows are personal data: they go once they are in.
        finished = _claimed(job).update(
            status=ImportStatus.DONE, finished_at=timezone.now(), content=b"", rows=[], preview=[]
        )
        if not finished:
            raise _GivenUp
        if job.notify and saved.fresh:
            registrations, new_users = saved.fresh, saved.new_users
            transaction.on_commit(lambda: send_import_notices.enqueue(registrations, new_users))


STALE_AFTER = dt.timedelta(minutes=30)  # a chunk lands in about a second


def imports_fail_stale(*, now: dt.datetime | None = None) -> int:
    """Give up imports whose worker died mid-way (the sweep calls this): no chunk has landed for
    STALE_AFTER. What landed stays, and the job says how much; the admin can run it again (rows
    already in are updated, not duplicated). Files whose reading started STALE_AFTER ago and never
    finished are given up too; a file still waiting in the queue is not (the dashboard warns when
    the queue is not moving)."""
    now = now or timezone.now()
    given_up = ImportJob.objects.filter(status=ImportStatus.READING, started_at__lt=now - STALE_AFTER).update(
        status=ImportStatus.UNREADABLE,
        error="The worker stopped before it finished reading the file. Upload it again.",
        content=b"",
        finished_at=now,
    )
    stale = (
        ImportJob.objects.filter(status=ImportStatus.IMPORTING)
        .annotate(last=Coalesce("progress_at", "started_at"))
        .filter(last__lt=now - STALE_AFTER)
        .only("pk", "started_at", "processed_rows", "good_rows")
    )
    for job in stale:
        given_up += _claimed(job).update(
            status=ImportStatus.FAILED,
            error=f"The worker stopped before the import finished: {job.processed_rows:,} of "
            f"{job.good_rows:,} rows were imported. Run it again: rows already in are updated, not "
            "added twice.",
            finished_at=now,
        )
    return given_up


def _fail(job: ImportJob, error: str) -> None:
    """Mark the job failed, unless another run has claimed it since."""
    _claimed(job).update(status=ImportStatus.FAILED, error=error[:500], finished_at=timezone.now())


@task()
def import_run(job_id: int) -> str:
    """Import a confirmed job's good rows, a chunk per transaction. Runs once per confirmation:
    the job is claimed with a conditional UPDATE, so a second delivery of the task does nothing."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.IMPORTING, started_at=None).update(
        started_at=timezone.now()
    )
    if not claimed:
        return "not claimed"
    job = ImportJob.objects.select_related("program__organization").get(pk=job_id)
    try:
        _import(job)
    except _GivenUp:
        return "given up"
    except ValidationError as exc:
        _fail(job, " ".join(exc.messages) + _landed(job))
        return "failed"
    except Exception:
        logger.exception("Import job %s failed", job_id)
        _fail(job, "The import stopped on an unexpected error." + _landed(job) + " Try again.")
        raise
    return "done"


def _landed(job: ImportJob) -> str:
    landed = ImportJob.objects.filter(pk=job.pk).values_list("processed_rows", flat=True).first() or 0
    if not landed:
        return " Nothing was imported."
    return (
        f" {landed:,} of {job.good_rows:,} rows were imported before it stopped; running it again updates"
        " them, it does not add them twice."
    )


@task()
def send_import_notices(registration_ids: list[int], new_user_ids: list[int]) -> int:
    """Tell each person an import registered that they are in the program, once: each chunk is
    claimed by stamping it with this run's own time in one conditional UPDATE, then reading back
    what carries the stamp. Accounts this import created (and nobody has used) get a welcome
    link to choose a password; nobody else does, so an import can never hand out a way into an
    account that existed before it."""
    new_users = set(new_user_ids)
    sent = 0
    for start in range(0, len(registration_ids), CHUNK):
        chunk = registration_ids[start : start + CHUNK]
        stamp = timezone.now()
        Registration.objects.filter(
            pk__in=chunk, status=RegistrationStatus.SUBMITTED, import_notice_at=None
        ).update(import_notice_at=stamp)
        claimed = Registration.objects.filter(pk__in=chunk, import_notice_at=stamp).select_related(
            "user", "program__organization"
        )
        for registration in claimed:
            _import_notice(registration, welcome=registration.user_id in new_users)
            sent += 1
    return sent


def _import_notice(registration: Registration, *, welcome: bool) -> None:
    program, user = registration.program, registration.user
    org = program.organization
    url = absolute_url(program.get_participant_url(), org)
    welcome_url = ""
    if welcome and not user.has_usable_password() and user.last_login is None:
        # On Kindred's own address, never a custom domain: the link is a key to the account.
        welcome_url = absolute_url(welcome_path(user, next_path=program.get_participant_url()))
    org_email_send(
        org,
        template_dir="registration/email/imported",
        to=[user.email],
        context={
            "registration": registration,
            "program": program,
            "url": url,
            "welcome_url": welcome_url,
            "welcome_days": WELCOME_DAYS,
        },
    )
