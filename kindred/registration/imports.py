"""CSV and XLSX import of registrants.

The admin uploads a file (`import_upload`), maps its columns to questions (`guess_mapping` gives a
first guess), has every row checked (`import_validate`: the questionnaire's own
`validate_answers`, so the form and the import accept the same answers), reads the report of bad
rows, and confirms (`import_start`). The worker then imports the good rows in one transaction
(`import_run`): all of them land, or none. People are keyed by email, so importing the same file
again updates registrations instead of duplicating them.

Line numbers are the ones the admin sees: the header is line 1; in a CSV a row's line is the
physical line it starts on, in a spreadsheet its row number."""

import csv
import datetime as dt
import io
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

import openpyxl
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task

from kindred.accounts.models import User
from kindred.accounts.welcome import WELCOME_DAYS, welcome_path
from kindred.orgs.mail import org_email_send
from kindred.orgs.models import Membership, Role
from kindred.orgs.selectors import absolute_url
from kindred.programs.models import Program
from kindred.registration.answers import CleanAnswers, field_name, validate_answers
from kindred.registration.models import (
    Answer,
    Builtin,
    ImportFormat,
    ImportJob,
    ImportStatus,
    InvitationStatus,
    ParticipantRole,
    ProgramInvitation,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
)
from kindred.registration.services import asked_questions

logger = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 25_000
MAX_COLUMNS = 200
CHUNK = 500  # rows written per round of bulk queries
PREVIEW_ROWS = 5
PROFILE_LIMIT = 150  # the User model's name, job_title and department lengths
EMAIL_LIMIT = 254  # the User model's email fields
REASON_LIMIT = 1000

PROFILE_TARGETS = {
    "email": "Email",
    "name": "Name",
    "job_title": "Job title",
    "department": "Department",
    "manager_email": "Manager's email",
}
PROFILE_FIELDS = ("name", "job_title", "department", "manager_email")
_SYNONYMS = {
    "email": {"email", "e mail", "email address", "e mail address", "work email", "mail"},
    "name": {"name", "full name", "participant", "participant name", "person"},
    "job_title": {"job title", "title", "position", "job"},
    "department": {"department", "dept", "team", "division"},
    "manager_email": {
        "manager",
        "manager email",
        "manager s email",
        "line manager",
        "reports to",
        "supervisor",
    },
}
# fmt: off
_STOP_WORDS = {"a", "an", "and", "are", "do", "for", "how", "in", "is", "many", "of", "or", "the", "to",
               "what", "which", "you", "your"}
# fmt: on
_CHOICE_SPLIT = re.compile(r"\s*[;|]\s*")
_NOT_AN_OPTION = "?"  # stands for an unknown label: never an option id, so validation rejects it


# -- reading files ------------------------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, cells), blank rows left out


def detect_format(file_name: str, content: bytes) -> str:
    name = file_name.lower()
    if name.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return ImportFormat.XLSX
    if name.endswith(".xls"):
        raise ValidationError("Old .xls workbooks cannot be read. Save the file as .xlsx or as CSV UTF-8.")
    if name.endswith((".csv", ".txt", ".tsv")):
        return ImportFormat.CSV
    raise ValidationError("Upload a .csv or .xlsx file.")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _csv_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”.") from exc
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)  # Excel writes ";" in some locales
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for cells in reader:
            yield line, [c.strip() for c in cells]
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationError(f"Line {line} cannot be read: {exc}.") from exc


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        # data_only=False: a cell holding a formula gives its text, which is imported as text.
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # a broken upload can fail anywhere in zip or XML parsing
        raise ValidationError("This is not a readable XLSX workbook. Save it again, or as CSV.") from exc
    try:
        sheet = workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell_text(v) for v in values]
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError("The workbook's first sheet cannot be read. Save it again, or as CSV.") from exc
    finally:
        workbook.close()


def read_table(content: bytes, fmt: str, *, limit: int | None = None) -> Table:
    """The file's header and its non-blank rows (the first `limit` of them when given), every cell
    as trimmed text, each row as wide as the header."""
    rows = _xlsx_rows(content) if fmt == ImportFormat.XLSX else _csv_rows(content)
    table: Table | None = None
    for line, cells in rows:
        if table is None:
            headers = list(cells)
            while headers and not headers[-1]:
                headers.pop()
            if not headers:
                raise ValidationError("The first line must name the columns, for example: email, name, …")
            if len(headers) > MAX_COLUMNS:
                raise ValidationError(f"The file has {len(headers)} columns; at most {MAX_COLUMNS} are read.")
            table = Table(headers)
            continue
        if not any(cells):
            continue
        if len(table.rows) == MAX_ROWS:
            raise ValidationError(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
        width = len(table.headers)
        table.rows.append((line, (cells + [""] * width)[:width]))
        if limit is not None and len(table.rows) >= limit:
            break
    if table is None:
        raise ValidationError("The file is empty.")
    return table


def column_name(index: int) -> str:
    """A spreadsheet's column letter: 0 → A, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def header_label(headers: Sequence[str], index: int) -> str:
    return headers[index] or f"Column {column_name(index)}"


# -- mapping columns to questions -------------------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


def target_choices(questions: Sequence[Question]) -> list[tuple[str, str]]:
    return [("", "Ignore this column"), *PROFILE_TARGETS.items()] + [
        (field_name(q), q.text) for q in questions
    ]


def _question_keys(q: Question) -> set[str]:
    keys = {_norm(q.text)}
    if q.pool_key:
        keys.add(_norm(q.pool_key.replace("_", " ")))
    if q.builtin:
        keys.add(q.builtin)
    if q.builtin == Builtin.CAPACITY:
        keys.add("mentee capacity")
    return keys


def _guess(header: str, questions: Sequence[Question], used: set[str]) -> str:
    if not header:
        return ""
    for target, names in _SYNONYMS.items():
        if header in names and target not in used:
            return target
    free = [q for q in questions if field_name(q) not in used]
    for q in free:
        if header in _question_keys(q):
            return field_name(q)
    scored = [(SequenceMatcher(None, header, _norm(q.text)).ratio(), q) for q in free]
    best = max(scored, key=lambda s: s[0], default=None)
    if best is not None and best[0] >= 0.8:
        return field_name(best[1])
    # Else the one question whose text holds every word of the header ("Years in career").
    words = set(header.split()) - _STOP_WORDS
    containing = [q for q in free if words and words <= set(" ".join(_question_keys(q)).split())]
    return field_name(containing[0]) if len(containing) == 1 else ""


def guess_mapping(headers: Sequence[str], questions: Sequence[Question]) -> list[str]:
    """A first mapping from header text: email and profile columns by their usual names,
    questions by their text, pool key or a word only one question uses."""
    used: set[str] = set()
    mapping = []
    for header in headers:
        target = _guess(_norm(header), questions, used)
        if target:
            used.add(target)
        mapping.append(target)
    return mapping


def mapping_errors(
    mapping: Sequence[str], headers: Sequence[str], questions: Sequence[Question]
) -> list[str]:
    known = {value for value, _ in target_choices(questions)}
    errors = []
    if len(mapping) != len(headers):
        return ["The columns changed; map them again."]
    if "email" not in mapping:
        errors.append("Choose the column that holds email addresses: people are matched by email.")
    labels = dict(target_choices(questions))
    seen: dict[str, int] = {}
    for i, target in enumerate(mapping):
        if not target:
            continue
        if target not in known:
            errors.append(f"{header_label(headers, i)}: its question no longer exists; choose again.")
        elif target in seen:
            errors.append(
                f"{header_label(headers, seen[target])} and {header_label(headers, i)} are both mapped to "
                f"“{labels[target]}”; keep one."
            )
        else:
            seen[target] = i
    return errors


def unmapped_required(mapping: Sequence[str], questions: Sequence[Question]) -> list[Question]:
    """Required questions no column answers: every row that must answer them will be refused."""
    return [q for q in questions if q.required and field_name(q) not in mapping]


# -- checking rows ---------------------------------------------------------------------------------


@dataclass
class GoodRow:
    line: int
    email: str
    profile: dict[str, str]
    clean: CleanAnswers


@dataclass
class _Column:
    index: int
    question: Question
    labels: dict[str, str] | None  # casefolded label (or role value) → option id; None: not a choice


@dataclass
class _Plan:
    questions: list[Question]
    email: int
    profile: dict[str, int]
    columns: list[_Column]
    names: dict[str, str]  # form field name → what the report calls the question

    @classmethod
    def build(cls, mapping: Sequence[str], headers: Sequence[str], questions: Sequence[Question]) -> "_Plan":
        by_field = {field_name(q): q for q in questions}
        profile, columns, names = {}, [], {}
        for i, target in enumerate(mapping):
            if target in PROFILE_FIELDS:
                profile[target] = i
            elif target in by_field:
                q = by_field[target]
                labels = None
                if q.is_choice:
                    options = [o for o in q.options.all() if not o.archived]
                    labels = {o.label.strip().casefold(): str(o.pk) for o in options}
                    labels.update({o.value.casefold(): str(o.pk) for o in options if o.value})
                columns.append(_Column(i, q, labels))
                names[target] = header_label(headers, i)
        for q in questions:
            names.setdefault(field_name(q), q.text if len(q.text) <= 60 else q.text[:59] + "…")
        return cls(list(questions), mapping.index("email"), profile, columns, names)


def _option_labels(q: Question) -> str:
    labels = [o.label for o in q.options.all() if not o.archived]
    shown = ", ".join(labels[:8])
    return shown + (", …" if len(labels) > 8 else "")


def _check_row(plan: _Plan, cells: list[str]) -> tuple[dict[str, str], CleanAnswers, list[str]]:
    reasons = []
    profile = {}
    for target, index in plan.profile.items():
        value = cells[index]
        if target == "manager_email" and value:
            value = value.lower()
            try:
                validate_email(value)
                if len(value) > EMAIL_LIMIT:
                    raise ValidationError("too long")
            except ValidationError:
                reasons.append(f"Manager's email “{value[:80]}” is not a valid email address.")
        elif len(value) > PROFILE_LIMIT:
            reasons.append(f"{PROFILE_TARGETS[target]} is longer than {PROFILE_LIMIT} characters.")
        profile[target] = value
    raw: dict[str, object] = {}
    unknown: dict[str, list[str]] = {}
    for column in plan.columns:
        cell = cells[column.index]
        name = field_name(column.question)
        if not cell:
            continue
        if column.labels is None:
            raw[name] = cell
            continue
        whole = cell.casefold() in column.labels or column.question.kind != QuestionKind.MULTIPLE
        parts = [cell] if whole else [p for p in _CHOICE_SPLIT.split(cell) if p]
        ids = []
        for part in parts:
            option_id = column.labels.get(part.casefold())
            if option_id is None:
                unknown.setdefault(name, []).append(part)
            ids.append(option_id or _NOT_AN_OPTION)
        raw[name] = ids
    clean, errors = validate_answers(plan.questions, raw)
    by_field = {field_name(q): q for q in plan.questions}
    mapped = {field_name(c.question) for c in plan.columns}
    for name, message in errors.items():
        q = by_field[name]
        if name in unknown:
            values = ", ".join(f"“{v}”" for v in unknown[name])
            verb = "is not an option" if len(unknown[name]) == 1 else "are not options"
            message = f"{values} {verb} (options: {_option_labels(q)})."
        elif name not in mapped:
            message = "needs an answer, and no column gives it."
        elif q.builtin == Builtin.ROLE:
            message = "give mentor, mentee or both."
        reasons.append(f"{plan.names[name]}: {message}")
    return profile, clean, reasons


def check_rows(table: Table, plan: _Plan) -> tuple[list[GoodRow], list[dict[str, Any]]]:
    """Every row checked: the good ones ready to write, the bad ones as {line, reason}."""
    good: list[GoodRow] = []
    bad: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    for line, cells in table.rows:
        reasons = []
        email = cells[plan.email].strip().lower()
        if not email:
            reasons.append("Email is missing.")
        else:
            try:
                validate_email(email)
            except ValidationError:
                reasons.append(f"“{email}” is not a valid email address.")
            else:
                if email in first_line:
                    reasons.append(
                        f"{email} is also on line {first_line[email]}; a person can be on one line only."
                    )
                else:
                    first_line[email] = line
        profile, clean, answer_reasons = _check_row(plan, cells)
        reasons += answer_reasons
        if reasons:
            bad.append({"line": line, "reason": " ".join(reasons)[:REASON_LIMIT]})
        else:
            good.append(GoodRow(line, email, profile, clean))
    return good, bad


def _existing_registrations(program: Program, emails: Sequence[str]) -> int:
    return sum(
        Registration.objects.filter(program=program, user__email__in=emails[i : i + CHUNK]).count()
        for i in range(0, len(emails), CHUNK)
    )


# -- services --------------------------------------------------------------------------------------


@transaction.atomic
def import_upload(*, program: Program, user: User, file_name: str, content: bytes) -> ImportJob:
    """Keep an uploaded CSV or XLSX file for import, with a first guess of its column mapping.
    Refuses files that are too large, unreadable, or without rows."""
    if len(content) > MAX_BYTES:
        raise ValidationError(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller ones."
        )
    fmt = detect_format(file_name, content)
    table = read_table(content, fmt)
    if not table.rows:
        raise ValidationError("The file has a header line but no rows of registrants.")
    questions = asked_questions(program)
    return ImportJob.objects.create(
        program=program,
        created_by=user,
        file_name=file_name[:255],
        format=fmt,
        content=content,
        headers=table.headers,
        mapping=guess_mapping(table.headers, questions),
        total_rows=len(table.rows),
    )


def import_preview(job: ImportJob) -> Table:
    """The header and first rows of an uploaded file, to show next to the mapping."""
    return read_table(bytes(job.content), job.format, limit=PREVIEW_ROWS)


@transaction.atomic
def import_validate(*, job: ImportJob, mapping: Sequence[str]) -> ImportJob:
    """Save the column mapping and check every row: email present, valid and not repeated, every
    answer through the questionnaire's validation. Records the bad rows with their line numbers."""
    job = ImportJob.objects.select_for_update().select_related("program").get(pk=job.pk)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATED, ImportStatus.FAILED):
        raise ValidationError(
            "This file is already imported (or importing); upload it again to import it again."
        )
    questions = asked_questions(job.program)
    errors = mapping_errors(mapping, job.headers, questions)
    if errors:
        raise ValidationError(errors)
    table = read_table(bytes(job.content), job.format)
    good, bad = check_rows(table, _Plan.build(mapping, job.headers, questions))
    job.mapping = list(mapping)
    job.status = ImportStatus.VALIDATED
    job.total_rows = len(table.rows)
    job.good_rows = len(good)
    job.bad_rows = bad
    job.existing_rows = _existing_registrations(job.program, [g.email for g in good])
    job.validated_at = timezone.now()
    job.error = ""
    job.save()
    return job


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
    job.processed_rows = job.created_count = job.updated_count = 0
    job.started_at = job.finished_at = None
    job.error = ""
    job.notify = notify
    job.save()
    transaction.on_commit(lambda: import_run.enqueue(job.pk))
    return job


# -- the import itself -----------------------------------------------------------------------------


@contextmanager
def _progress(job_id: int) -> Iterator[Callable[[int], None]]:
    """Report rows written while the import's transaction is still open, on a connection of its
    own so the status page sees them. SQLite allows one writer at a time (the import), so there
    the count appears when the import commits; so it does when a caller's transaction wraps us."""
    if connection.vendor == "sqlite" or connection.in_atomic_block:
        yield lambda n: None
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = side.ops.quote_name(ImportJob._meta.db_table)

    def report(n: int) -> None:
        with side.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET processed_rows = %s WHERE id = %s", [n, job_id])  # noqa: S608

    try:
        yield report
    finally:
        side.close()


def _answer_rows(registration_id: int, clean: CleanAnswers) -> list[Answer]:
    rid = registration_id
    rows = [
        Answer(registration_id=rid, question_id=q, option_id=o)
        for q, options in clean.options.items()
        for o in options
    ]
    rows += [Answer(registration_id=rid, question_id=q, number=n) for q, n in clean.numbers.items()]
    rows += [Answer(registration_id=rid, question_id=q, text=t) for q, t in clean.texts.items()]
    return rows


def _users_for(
    rows: Sequence[GoodRow], seen: dict[int, int], organization_id: int
) -> tuple[dict[str, User], list[User]]:
    """The chunk's people by email, creating the new ones. An import never rewrites anyone's
    profile: it only fills fields still empty, and only for people already in this organization
    (a person's account is theirs, and may belong to other organizations too). New accounts are
    not verified: their owners prove the address when they first log in."""
    emails = [r.email for r in rows]
    users = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}
    missing = [e for e in emails if e not in users]
    if missing:
        # A verified second address identifies its owner too.
        for address in EmailAddress.objects.filter(email__in=missing, verified=True).select_related("user"):
            users.setdefault(address.email.lower(), address.user)
    members = set(
        Membership.objects.filter(organization_id=organization_id, user__in=list(users.values())).values_list(
            "user_id", flat=True
        )
    )
    changed, new = [], []
    for row in rows:
        user = users.get(row.email)
        if user is None:
            user = User(email=row.email, password=make_password(None), **row.profile)
            users[row.email] = user
            new.append(user)
            continue
        if user.pk in seen:
            raise ValidationError(f"Lines {seen[user.pk]} and {row.line} are the same person ({user.email}).")
        seen[user.pk] = row.line
        if user.pk not in members:
            continue
        updates = {k: v for k, v in row.profile.items() if v and not getattr(user, k)}
        if updates:
            for key, value in updates.items():
                setattr(user, key, value)
            changed.append(user)
    User.objects.bulk_create(new)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=False, primary=True) for u in new]
    )
    if changed:
        User.objects.bulk_update(changed, list(PROFILE_FIELDS))
    return users, new


@dataclass
class _Saved:
    created: int = 0
    updated: int = 0
    fresh: list[int] = field(default_factory=list)  # registrations newly submitted: to be told
    new_users: list[int] = field(default_factory=list)  # accounts this import created


def _save_chunk(program: Program, rows: Sequence[GoodRow], seen: dict[int, int], saved: _Saved) -> int:
    """Write one chunk of good rows with a fixed number of bulk queries, adding to `saved` what
    it did. Returns the rows written."""
    now = timezone.now()
    users, new_users = _users_for(rows, seen, program.organization_id)
    saved.new_users += [u.pk for u in new_users]
    user_ids = [users[r.email].pk for r in rows]
    members = set(
        Membership.objects.filter(organization_id=program.organization_id, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    Membership.objects.bulk_create(
        Membership(organization_id=program.organization_id, user_id=uid, role=Role.MEMBER)
        for uid in user_ids
        if uid not in members
    )
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
    Answer.objects.bulk_create(
        [answer for row in rows for answer in _answer_rows(by_email[row.email].pk, row.clean)],
        batch_size=2000,
    )
    invitations = list(ProgramInvitation.objects.filter(program=program, email__in=list(by_email)))
    for invitation in invitations:
        invitation.status = InvitationStatus.REGISTERED
        invitation.registration = by_email[invitation.email]
    ProgramInvitation.objects.bulk_update(invitations, ["status", "registration"])
    revived = [r.pk for r in updated if r.pk not in was_submitted]
    if revived:  # submitted again by this import: its notice is due again
        Registration.objects.filter(pk__in=revived).update(import_notice_at=None)
    saved.fresh += [r.pk for r in created] + revived
    saved.created += len(created)
    saved.updated += len(updated)
    return len(created) + len(updated)


def _import(job: ImportJob) -> None:
    questions = asked_questions(job.program)
    errors = mapping_errors(job.mapping, job.headers, questions)
    if errors:
        raise ValidationError(["The questionnaire changed since the check: map the columns again.", *errors])
    table = read_table(bytes(job.content), job.format)
    good, bad = check_rows(table, _Plan.build(job.mapping, job.headers, questions))
    if [b["line"] for b in bad] != [b["line"] for b in job.bad_rows]:
        raise ValidationError(
            "The rows no longer pass the check as before (was the questionnaire edited?). "
            "Check the file again."
        )
    seen: dict[int, int] = {}
    saved = _Saved()
    with _progress(job.pk) as report, transaction.atomic():
        for start in range(0, len(good), CHUNK):
            written = _save_chunk(job.program, good[start : start + CHUNK], seen, saved)
            report(start + written)
        # The file is personal data: it goes once its rows are in. Only the run that claimed
        # the job may finish it: one the sweep gave up on (and maybe restarted) rolls back.
        finished = ImportJob.objects.filter(
            pk=job.pk, status=ImportStatus.IMPORTING, started_at=job.started_at
        ).update(
            status=ImportStatus.DONE,
            processed_rows=len(good),
            created_count=saved.created,
            updated_count=saved.updated,
            finished_at=timezone.now(),
            content=b"",
        )
        if not finished:
            raise _GivenUp
        if job.notify and saved.fresh:
            fresh, new_users = saved.fresh, saved.new_users
            transaction.on_commit(lambda: send_import_notices.enqueue(fresh, new_users))


STALE_AFTER = dt.timedelta(minutes=30)  # a 25,000-row import takes about a minute


def imports_fail_stale(*, now: dt.datetime | None = None) -> int:
    """Give up imports whose worker died mid-way (the sweep calls this). Their transaction never
    committed, so nothing landed, and the admin can start them again from the report."""
    now = now or timezone.now()
    return ImportJob.objects.filter(status=ImportStatus.IMPORTING, started_at__lt=now - STALE_AFTER).update(
        status=ImportStatus.FAILED,
        error="The worker stopped before the import finished, and nothing was imported. Try again.",
        finished_at=now,
    )


class _GivenUp(Exception):
    """This run lost its claim on the job (the sweep gave up on it): nothing it wrote stays."""


def _fail(job: ImportJob, error: str) -> None:
    """Mark the job failed, unless another run has claimed it since."""
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.IMPORTING, started_at=job.started_at).update(
        status=ImportStatus.FAILED, error=error[:500], finished_at=timezone.now()
    )


@task()
def import_run(job_id: int) -> str:
    """Import a confirmed job's good rows, all in one transaction. Runs once per confirmation: the
    job is claimed with a conditional UPDATE, so a second delivery of the task does nothing."""
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
        _fail(job, " ".join(exc.messages) + " Nothing was imported.")
        return "failed"
    except Exception:
        logger.exception("Import job %s failed", job_id)
        _fail(job, "The import stopped on an unexpected error and nothing was imported. Try again.")
        raise
    return "done"


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
