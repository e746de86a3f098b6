"""The background import: all-or-nothing, keyed by email, bulk queries only."""

import datetime as dt
import importlib
import re

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kindred.accounts.models import User
from kindred.orgs.models import Membership
from kindred.registration import imports
from kindred.registration.imports import apply
from kindred.registration.models import (
    Answer,
    ImportJob,
    ImportStatus,
    InvitationStatus,
    ProgramInvitation,
    Registration,
)
from kindred.registration.questionnaire import question_create
from tests.factories import RegistrationFactory
from tests.registration.helpers import questionnaire
from tests.registration.test_import_services import HEADER, csv_bytes, member_of, person, uploaded

pytestmark = pytest.mark.django_db
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture
def qs(program):  # type: ignore[no-untyped-def]
    return questionnaire(program)


def checked(program, alice, rows) -> ImportJob:  # type: ignore[no-untyped-def]
    job = uploaded(program, alice, csv_bytes(rows))
    return imports.import_validate(job=job, mapping=job.mapping)


def run(job: ImportJob) -> ImportJob:
    with TestCase.captureOnCommitCallbacks(execute=True):
        imports.import_start(job=job)  # enqueued on commit; the test backend runs it at once
    job.refresh_from_db()
    return job


def answers_of(email: str) -> dict[int, object]:
    rows = Answer.objects.filter(registration__user__email=email).values_list(
        "question_id", "option__label", "number", "text"
    )
    out: dict[int, object] = {}
    for qid, label, number, text in rows:
        if label is not None:
            out.setdefault(qid, set()).add(label)  # type: ignore[union-attr]
        else:
            out[qid] = number if number is not None else text
    return out


def test_good_rows_become_submitted_registrations_of_new_members(program, alice, qs):
    ProgramInvitation.objects.create(program=program, email="dana@acme.test")
    job = checked(
        program, alice, [person("dana@acme.test", **{"What do you hope for?": FORMULA}), person("bad")]
    )
    job = run(job)
    assert job.status == ImportStatus.DONE
    # dana is new to Acme: counted with the people asked to join, never apart from them.
    assert (job.created_count, job.updated_count, job.joining_count, job.processed_rows, job.percent) == (
        0,
        0,
        1,
        1,
        100,
    )
    assert bytes(job.content) == b""
    dana = User.objects.get(email="dana@acme.test")
    assert dana.name == "Dana" and not dana.has_usable_password()
    # Not verified: an import does not prove anyone owns an address.
    assert EmailAddress.objects.filter(
        user=dana, email="dana@acme.test", verified=False, primary=True
    ).exists()
    assert Membership.objects.get(user=dana, organization=program.organization).role == "member"
    registration = Registration.objects.get(program=program, user=dana)
    assert (registration.status, registration.source, registration.role) == ("submitted", "import", "mentee")
    assert registration.submitted_at is not None
    answers = answers_of("dana@acme.test")
    assert answers[qs["hope"].pk] == FORMULA  # stored exactly as given: it is data, not a formula
    assert answers[qs["seniority"].pk] == {"Associate"}
    assert answers[qs["skills_to_grow"].pk] == {"Negotiation", "Public speaking"}
    assert answers[qs["years_career"].pk] == 4
    assert answers[qs["time_zone"].pk] == "Europe/Paris"
    invitation = ProgramInvitation.objects.get(email="dana@acme.test")
    assert (invitation.status, invitation.registration) == (InvitationStatus.REGISTERED, registration)
    assert not User.objects.filter(email="bad").exists()


def test_importing_the_same_people_again_updates_instead_of_duplicating(program, alice, qs):
    run(checked(program, alice, [person("dana@acme.test"), person("erin@acme.test", role="mentor")]))
    job = run(
        checked(
            program,
            alice,
            [
                person("dana@acme.test", Name="Dana Rivera", Seniority="Senior"),
                person("erin@acme.test", role="mentor"),
            ],
        )
    )
    assert (job.created_count, job.updated_count) == (0, 2)
    assert User.objects.filter(email__in=["dana@acme.test", "erin@acme.test"]).count() == 2
    assert Registration.objects.filter(program=program).count() == 2
    assert EmailAddress.objects.filter(email="dana@acme.test").count() == 1
    assert User.objects.get(email="dana@acme.test").name == "Dana"  # a name is never rewritten
    assert answers_of("dana@acme.test")[qs["seniority"].pk] == {"Senior"}
    assert (
        Answer.objects.filter(registration__user__email="dana@acme.test", question=qs["seniority"]).count()
        == 1
    )
    erin = Registration.objects.get(user__email="erin@acme.test")
    assert (erin.role, erin.capacity) == ("mentor", 2)


def test_people_who_registered_themselves_or_withdrew_are_updated(program, alice, charlie, qs):
    withdrawn = RegistrationFactory(
        program=program, user=member_of(program, "wes@acme.test"), status="withdrawn"
    )
    job = run(
        checked(
            program,
            alice,
            [person("wes@acme.test"), person("charlie@globex.test", role="mentor", Name="Pwned")],
        )
    )
    assert (job.created_count, job.updated_count, job.joining_count) == (0, 1, 1)
    withdrawn.refresh_from_db()
    assert (withdrawn.status, withdrawn.source, withdrawn.withdrawn_at) == ("submitted", "import", None)
    # charlie, of another organization, is invited to register himself: never added, never renamed.
    assert User.objects.filter(email="charlie@globex.test").count() == 1
    assert not Membership.objects.filter(user=charlie, organization=program.organization).exists()
    assert not Registration.objects.filter(user=charlie).exists()
    assert ProgramInvitation.objects.get(program=program, email="charlie@globex.test").status == "queued"
    assert User.objects.get(pk=charlie.pk).name == "Charlie Outsider"


def test_a_failure_midway_keeps_the_chunks_that_landed_and_running_again_finishes(
    program, alice, qs, monkeypatch
):
    monkeypatch.setattr(apply, "CHUNK", 2)
    real = apply._save_chunk
    calls = []

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(apply, "_save_chunk", flaky)
    users_before = User.objects.count()
    job = run(checked(program, alice, [person(f"p{i}@acme.test") for i in range(5)]))
    assert len(calls) == 2  # the first chunk landed, the second rolled back, the third never ran
    assert job.status == ImportStatus.FAILED
    assert "2 of 5 rows were imported" in job.error and "running it again" in job.error
    assert job.processed_rows == 2
    assert User.objects.count() == users_before + 2
    assert Registration.objects.filter(program=program).count() == 2
    # Once the cause is gone, the same job is run again: what landed is updated, not duplicated,
    # and everyone it registered (in either run) is told once it has all landed.
    monkeypatch.setattr(apply, "_save_chunk", real)
    job = run(job)
    assert job.status == ImportStatus.DONE and job.processed_rows == 5
    assert (job.created_count, job.updated_count, job.joining_count) == (0, 2, 3)
    assert User.objects.count() == users_before + 5
    assert Registration.objects.filter(program=program).count() == 5
    assert len(job.fresh["registrations"]) == 5 and len(job.fresh["users"]) == 5


def test_a_questionnaire_edited_after_the_check_stops_the_import(program, alice, qs):
    job = checked(program, alice, [person("dana@acme.test")])
    question_create(program=program, kind="short_text", text="Your manager?", required=True)
    job = run(job)
    assert job.status == ImportStatus.FAILED
    assert "Check the file again" in job.error
    assert not Registration.objects.filter(program=program).exists()


def test_a_second_delivery_of_the_task_does_nothing(program, alice, qs):
    job = run(checked(program, alice, [person("dana@acme.test")]))
    assert imports.import_run.call(job.pk) == "not claimed"
    assert Registration.objects.filter(program=program).count() == 1


def _queries_to_import(program, alice, rows) -> int:  # type: ignore[no-untyped-def]
    job = checked(program, alice, rows)
    imports.import_start(job=job)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING, started_at=None)
    with CaptureQueriesContext(connection) as ctx:
        assert imports.import_run.call(job.pk) == "done"
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_the_rows(program, alice, qs, monkeypatch):
    monkeypatch.setattr(apply, "CHUNK", 1000)

    # Half new people, half already registered, so both the create and the update paths count.
    def rows(n: int, tag: str) -> list[list[str]]:
        return [person(f"{tag}{i}@acme.test", role="mentee" if i % 2 else "both") for i in range(n)]

    _queries_to_import(program, alice, rows(20, "old"))  # registered before
    few = _queries_to_import(program, alice, rows(10, "old") + rows(10, "new"))
    many = _queries_to_import(program, alice, rows(50, "old") + rows(50, "new5"))
    assert Registration.objects.filter(program=program).count() == 20 + 10 + 50 + 30
    # Five times the rows: only bulk inserts split into more statements (SQLite takes 999
    # parameters a statement), far from a query per row.
    assert many - few < 80 // 10, (few, many)


def test_a_manager_column_fills_the_reporting_line_and_bad_addresses_are_reported(program, alice, qs):
    header = [*HEADER, "Line manager"]
    rows = [[*person("dana@acme.test"), "Boss@Acme.test"], [*person("erin@acme.test"), "not a mail"]]
    job = uploaded(program, alice, csv_bytes(rows, header=header))
    assert job.mapping[-1] == "manager_email"
    job = imports.import_validate(job=job, mapping=job.mapping)
    assert job.bad_rows == [
        {"line": 3, "reason": "Manager's email “not a mail” is not a valid email address."}
    ]
    run(job)
    assert User.objects.get(email="dana@acme.test").manager_email == "boss@acme.test"


def test_the_people_an_import_registers_are_told_and_new_accounts_get_a_welcome_link(
    program, alice, qs, client, mailoutbox
):
    RegistrationFactory(program=program, user=member_of(program, "sam@acme.test"))  # already registered
    RegistrationFactory(program=program, user=member_of(program, "wes@acme.test"), status="withdrawn")
    run(checked(program, alice, [person("dana@acme.test"), person("sam@acme.test"), person("wes@acme.test")]))
    by_address = {m.to[0]: m for m in mailoutbox}
    assert set(by_address) == {"dana@acme.test", "wes@acme.test"}  # sam knew already
    assert all(m.subject == "You're registered for Hand-up Mentorship" for m in mailoutbox)
    assert "/accounts/welcome/" not in by_address["wes@acme.test"].body  # wes has a password
    link = re.search(r"http://\S+(/accounts/welcome/\S+)", by_address["dana@acme.test"].body)
    assert link, by_address["dana@acme.test"].body
    response = client.post(
        link.group(1), {"new_password1": "a-long-pass-phrase", "new_password2": "a-long-pass-phrase"}
    )
    assert response.status_code == 302 and response["Location"] == program.get_participant_url()
    assert EmailAddress.objects.get(email="dana@acme.test").verified  # the link proved the address
    client.logout()
    assert client.login(email="dana@acme.test", password="a-long-pass-phrase")


def test_an_import_can_register_people_without_telling_them(program, alice, qs, mailoutbox):
    job = checked(program, alice, [person("dana@acme.test")])
    with TestCase.captureOnCommitCallbacks(execute=True):
        imports.import_start(job=job, notify=False)
    assert Registration.objects.filter(user__email="dana@acme.test").exists()
    assert mailoutbox == []


def test_an_import_whose_worker_died_is_given_up_by_the_sweep_and_can_be_run_again(program, alice, qs):
    job = checked(program, alice, [person("dana@acme.test")])
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.IMPORTING, started_at=timezone.now() - dt.timedelta(minutes=31)
    )
    fresh = checked(program, alice, [person("erin@acme.test")])
    ImportJob.objects.filter(pk=fresh.pk).update(status=ImportStatus.IMPORTING, started_at=timezone.now())
    call_command("sweep")
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "worker stopped" in job.error
    assert fresh.status == ImportStatus.IMPORTING  # still within its time
    assert run(job).status == ImportStatus.DONE
    assert Registration.objects.filter(user__email="dana@acme.test").exists()


def test_only_accounts_the_import_created_get_a_welcome_link_and_always_on_kindreds_own_address(
    program, alice, qs, mailoutbox, settings
):
    settings.SITE_URL = "https://kindred.example"
    program.organization.custom_domain = "mentoring.acme.test"
    program.organization.save()
    sleeper = member_of(program, "sleeper@acme.test")  # exists, never set a password
    sleeper.set_unusable_password()
    sleeper.save()
    run(checked(program, alice, [person("dana@acme.test"), person("sleeper@acme.test")]))
    by_address = {m.to[0]: m.body for m in mailoutbox}
    assert "https://kindred.example/accounts/welcome/" in by_address["dana@acme.test"]
    assert "mentoring.acme.test/accounts" not in by_address["dana@acme.test"]
    assert "/accounts/welcome/" not in by_address["sleeper@acme.test"]  # not created by this import


def test_each_person_is_told_once_even_if_the_task_runs_twice(program, alice, qs, mailoutbox):
    run(checked(program, alice, [person("dana@acme.test")]))
    assert len(mailoutbox) == 1
    registration = Registration.objects.get(user__email="dana@acme.test")
    assert imports.send_import_notices.call([registration.pk], []) == 0
    assert len(mailoutbox) == 1


def test_an_import_the_sweep_gave_up_on_keeps_nothing_of_what_it_wrote(program, alice, qs, monkeypatch):
    real = apply._save_chunk

    def given_up_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        written = real(*args, **kwargs)
        ImportJob.objects.update(started_at=timezone.now() + dt.timedelta(seconds=1))  # another run's claim
        return written

    monkeypatch.setattr(apply, "_save_chunk", given_up_meanwhile)
    job = checked(program, alice, [person("dana@acme.test")])
    with TestCase.captureOnCommitCallbacks(execute=True):
        imports.import_start(job=job)
    assert not Registration.objects.filter(user__email="dana@acme.test").exists()
    assert not User.objects.filter(email="dana@acme.test").exists()


def test_a_manager_email_too_long_to_store_is_a_bad_row(program, alice, qs):
    header = [*HEADER, "Manager"]
    too_long = "m" * 64 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 63 + ".test"
    job = uploaded(program, alice, csv_bytes([[*person("dana@acme.test"), too_long]], header=header))
    job = imports.import_validate(job=job, mapping=job.mapping)
    assert job.good_rows == 0 and "Manager's email" in job.bad_rows[0]["reason"]


def test_each_chunk_is_written_in_its_own_short_transaction(program, alice, qs, monkeypatch):
    """SQLite has one writer at a time: a transaction per chunk lets the worker's other work in
    between. Counted, not timed: which transaction each row was written in."""
    monkeypatch.setattr(apply, "CHUNK", 3)
    real = apply._save_chunk
    rows_in: dict[str, int] = {}

    def spy(program, rows, *args):  # type: ignore[no-untyped-def]
        assert connection.in_atomic_block
        transaction_id = str(connection.savepoint_ids[-1])  # the innermost atomic block
        rows_in[transaction_id] = rows_in.get(transaction_id, 0) + len(rows)
        return real(program, rows, *args)

    monkeypatch.setattr(apply, "_save_chunk", spy)
    job = run(checked(program, alice, [person(f"p{i}@acme.test") for i in range(8)]))
    assert job.status == ImportStatus.DONE and job.processed_rows == 8
    assert sorted(rows_in.values()) == [2, 3, 3]  # three transactions, none over CHUNK rows


def test_an_import_still_landing_chunks_is_not_given_up(program, alice, qs):
    job = checked(program, alice, [person("dana@acme.test")])
    long_ago = timezone.now() - dt.timedelta(hours=2)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.IMPORTING, started_at=long_ago, progress_at=timezone.now(), processed_rows=1
    )
    assert imports.imports_fail_stale() == 0
    ImportJob.objects.filter(pk=job.pk).update(progress_at=long_ago)
    assert imports.imports_fail_stale() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "1 of 1 rows were imported" in job.error


def test_an_import_with_fewer_good_rows_than_confirmed_fails_loudly(program, alice, qs):
    """A job checked before its rows were stored on it has none: it must not end 'done' with
    nothing imported."""
    job = checked(program, alice, [person("x1@new.test"), person("x2@new.test")])
    ImportJob.objects.filter(pk=job.pk).update(rows=[], preview=[])
    job = run(job)
    assert job.status == ImportStatus.FAILED
    assert "0 rows pass the check now, not the 2 confirmed" in job.error
    assert "Upload the file again" in job.error
    assert not Registration.objects.filter(program=program).exists()


def test_the_upgrade_tells_jobs_uploaded_before_it_to_upload_their_file_again(program, alice, qs):
    """Migration 0007 stores rows on the job; jobs from before it have only their file."""
    from django.apps import apps

    migration = importlib.import_module("kindred.registration.migrations.0007_importjob_rows_and_chunks")
    legacy = checked(program, alice, [person("x1@new.test")])
    ImportJob.objects.filter(pk=legacy.pk).update(rows=[], preview=[], content=b"email\nx1@new.test\n")
    read_already = checked(program, alice, [person("x2@new.test")])
    done = run(checked(program, alice, [person("x3@new.test")]))
    migration.jobs_without_rows_unreadable(apps, None)
    legacy.refresh_from_db()
    assert legacy.status == ImportStatus.UNREADABLE and "Upload the file again" in legacy.error
    assert bytes(legacy.content) == b""
    with pytest.raises(ValidationError, match="cannot be imported now"):
        imports.import_start(job=legacy)
    read_already.refresh_from_db()
    done.refresh_from_db()
    assert (read_already.status, done.status) == (ImportStatus.VALIDATED, ImportStatus.DONE)
