"""Checking every row before anything is written: each answer through the questionnaire's own
`validate_answers` (so the form and the import accept the same answers), then who each row is.

An import may create accounts and register the organization's own members; a person whose
account exists but is not a member of the importing organization is never added by it: they
are invited to register themselves. `people_of` tells which is which."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from kindred.accounts.models import User
from kindred.orgs.models import Membership
from kindred.programs.models import Program
from kindred.registration import invitations
from kindred.registration.answers import CleanAnswers, field_name, validate_answers
from kindred.registration.imports.mapping import (
    PROFILE_FIELDS,
    PROFILE_TARGETS,
    header_label,
    mapping_errors,
)
from kindred.registration.imports.read import Table, stored_table
from kindred.registration.models import (
    Builtin,
    ImportJob,
    ImportStatus,
    Question,
    QuestionKind,
    Registration,
)
from kindred.registration.services import asked_questions

PROFILE_LIMIT = 150  # the User model's name, job_title and department lengths
EMAIL_LIMIT = 254  # the User model's email fields
REASON_LIMIT = 1000
QUERY_CHUNK = 500  # emails or ids per query (SQLite takes a bounded number of parameters)
_CHOICE_SPLIT = re.compile(r"\s*[;|]\s*")
_NOT_AN_OPTION = "?"  # stands for an unknown label: never an option id, so validation rejects it


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
                reasons.append(f"“{email[:80]}” is not a valid email address.")
            else:
                if len(email) > EMAIL_LIMIT:  # validate_email allows 320; accounts store 254
                    reasons.append(f"The email is longer than {EMAIL_LIMIT} characters, the most it can be.")
                elif email in first_line:
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


def _chunks(items: Sequence[Any], size: int = QUERY_CHUNK) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass
class People:
    """Who a set of email addresses are, as the database says now."""

    users: dict[str, User]  # email -> existing account (its own address or a verified second one)
    members: set[int]  # the ids of those accounts that are members of the organization

    def member(self, email: str) -> bool:
        """An existing account that is a member of the organization."""
        user = self.users.get(email)
        return user is not None and user.pk in self.members

    def outside(self, email: str) -> bool:
        """An existing account that is not the organization's: only an invitation may reach it."""
        user = self.users.get(email)
        return user is not None and user.pk not in self.members


def people_of(emails: Sequence[str], organization_id: int) -> People:
    users: dict[str, User] = {}
    for chunk in _chunks(emails):
        users.update({u.email.lower(): u for u in User.objects.filter(email__in=chunk)})
        missing = [e for e in chunk if e not in users]
        if missing:
            # A verified second address identifies its owner too.
            for address in EmailAddress.objects.filter(email__in=missing, verified=True).select_related(
                "user"
            ):
                users.setdefault(address.email.lower(), address.user)
    members: set[int] = set()
    for ids in _chunks([u.pk for u in users.values()]):
        members.update(
            Membership.objects.filter(organization_id=organization_id, user_id__in=ids).values_list(
                "user_id", flat=True
            )
        )
    return People(users, members)


def _cannot_invite(program: Program) -> str:
    try:
        invitations._can_invite(program)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


def check_people(
    program: Program, good: list[GoodRow], bad: list[dict[str, Any]]
) -> tuple[list[GoodRow], list[dict[str, Any]], People]:
    """The rows that passed the answers' check, checked for who they are: one person on two lines
    (by a second address) is refused, and so is everyone who is not a member of the organization
    when the program cannot send invitations now. That reason is the same whether the person is
    new to Kindred or has an account elsewhere: the report never tells one organization who has
    an account. Returns the good rows, every bad row by line, and who the good rows are."""
    people = people_of([g.email for g in good], program.organization_id)
    why_not = ""
    if any(not people.member(g.email) for g in good):
        why_not = _cannot_invite(program)
    org = program.organization.name
    kept: list[GoodRow] = []
    seen: dict[int, int] = {}
    for row in good:
        user = people.users.get(row.email)
        reason = ""
        if user is not None and user.pk in seen:
            reason = f"Line {seen[user.pk]} is the same person ({user.email}); a person can be on one line."
        else:
            if user is not None:
                seen[user.pk] = row.line
            if why_not and not people.member(row.email):
                reason = (
                    f"{row.email} is not a member of {org}: the import can only ask people new to {org} "
                    f"to join, and nobody can be asked now. {why_not}"
                )
        if reason:
            bad.append({"line": row.line, "reason": reason[:REASON_LIMIT]})
        else:
            kept.append(row)
    bad.sort(key=lambda b: b["line"])
    return kept, bad, people


def _existing_registrations(program: Program, user_ids: Sequence[int]) -> int:
    return sum(
        Registration.objects.filter(program=program, user_id__in=chunk).count() for chunk in _chunks(user_ids)
    )


def checked_rows(
    job: ImportJob, mapping: Sequence[str]
) -> tuple[list[GoodRow], list[dict[str, Any]], People]:
    """Every stored row of the job checked against today's questionnaire and accounts."""
    questions = asked_questions(job.program)
    errors = mapping_errors(mapping, job.headers, questions)
    if errors:
        raise ValidationError(errors)
    good, bad = check_rows(stored_table(job), _Plan.build(mapping, job.headers, questions))
    return check_people(job.program, good, bad)


@transaction.atomic
def import_validate(*, job: ImportJob, mapping: Sequence[str]) -> ImportJob:
    """Save the column mapping and check every row: email present, valid and not repeated, every
    answer through the questionnaire's validation, one line per person. Records the bad rows with
    their line numbers, how many good rows are people already registered, and how many are people
    new to the organization (new to Kindred, or invited because their account is elsewhere: one
    count, so the report does not tell which)."""
    job = ImportJob.objects.select_for_update().select_related("program__organization").get(pk=job.pk)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATED, ImportStatus.FAILED):
        raise ValidationError(
            "This file is not read yet, or already imported (or importing). Upload it again to import it."
        )
    good, bad, people = checked_rows(job, mapping)
    members = [people.users[g.email].pk for g in good if people.member(g.email)]
    job.mapping = list(mapping)
    job.status = ImportStatus.VALIDATED
    job.total_rows = len(job.rows)
    job.good_rows = len(good)
    job.bad_rows = bad
    job.existing_rows = _existing_registrations(job.program, members)
    job.joining_rows = len(good) - len(members)
    job.validated_at = timezone.now()
    job.error = ""
    job.save()
    return job
