"""Bulk sends keep their write transactions short: a batch is claimed in one short transaction,
sent with no transaction open, each email's outcome recorded right after it in a short one that
waits out a locked database instead of losing what was sent; nobody gets an invitation twice."""

import datetime as dt
from collections import Counter

import pytest
from django.core import mail
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kindred.lib import mail as lib_mail
from kindred.pairing import choice
from kindred.pairing.models import MentorRequest
from kindred.registration import invitations as inv
from kindred.registration.models import ProgramInvitation
from tests.factories import RegistrationFactory
from tests.registration.helpers import open_program

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_real_waiting(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("kindred.lib.backoff.sleep", lambda seconds, tick=None: None)


def invite(program, n: int) -> None:  # type: ignore[no-untyped-def]
    open_program(program)
    ProgramInvitation.objects.bulk_create(
        [ProgramInvitation(program=program, email=f"person{i}@x.test") for i in range(n)]
    )


class Crash(BaseException):
    """The worker process dying mid-batch (SIGKILL, a supervisor restart)."""


def sending_through(monkeypatch, during):  # type: ignore[no-untyped-def]
    """Send for real, calling `during(n)` just before the n-th email (from 1) goes."""
    real_send = inv.EmailMultiAlternatives.send
    calls: list[str] = []

    def send(message, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(message.to[0])
        during(len(calls))
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(inv.EmailMultiAlternatives, "send", send)


def sent_to() -> Counter[str]:
    return Counter(m.to[0] for m in mail.outbox)


def test_each_invitation_is_recorded_before_the_next_goes(program, monkeypatch):
    invite(program, 4)
    seen = []
    sending_through(
        monkeypatch, lambda n: seen.append(sorted(ProgramInvitation.objects.values_list("status", flat=True)))
    )
    assert inv.send_invitation_batch.call(program.pk)["sent"] == 4
    assert seen == [
        ["sending"] * 4,
        ["sending"] * 3 + ["sent"],
        ["sending"] * 2 + ["sent"] * 2,
        ["sending"] + ["sent"] * 3,
    ]


def test_resend_failed_during_a_batch_sends_nobody_twice(program, monkeypatch):
    invite(program, 3)
    # Old invitations: only the claim's age may say a row is stuck, not the invitation's.
    ProgramInvitation.objects.update(created_at=timezone.now() - dt.timedelta(hours=2))
    resent = []
    sending_through(monkeypatch, lambda n: n == 2 and resent.append(inv.invitations_resend(program=program)))
    inv.send_invitation_batch.call(program.pk)
    inv.send_invitation_batch.call(program.pk)
    assert resent == [0]
    assert sent_to() == {f"person{i}@x.test": 1 for i in range(3)}
    assert set(ProgramInvitation.objects.values_list("status", flat=True)) == {"sent"}


def test_a_crash_mid_batch_leaves_only_the_unsent_to_resend(program, monkeypatch):
    invite(program, 5)

    def crash_at_third(n: int) -> None:
        if n == 3:
            raise Crash

    sending_through(monkeypatch, crash_at_third)
    with pytest.raises(Crash):
        inv.send_invitation_batch.call(program.pk)
    statuses = dict(ProgramInvitation.objects.values_list("email", "status"))
    assert sorted(statuses.values()) == ["sending"] * 3 + ["sent"] * 2  # the two sent are recorded
    assert inv.invitations_resend(program=program) == 0  # a claim of moments ago is not stuck yet
    ProgramInvitation.objects.filter(status="sending").update(
        claimed_at=timezone.now() - inv.STUCK_AFTER - dt.timedelta(minutes=1)
    )
    sending_through(monkeypatch, lambda n: None)
    assert inv.invitations_resend(program=program) == 3
    assert inv.send_invitation_batch.call(program.pk)["sent"] == 3
    assert sent_to() == {f"person{i}@x.test": 1 for i in range(5)}
    assert set(ProgramInvitation.objects.values_list("status", flat=True)) == {"sent"}


def test_sent_invitations_are_recorded_even_if_the_database_is_locked_meanwhile(program):
    invite(program, 3)
    refused = []

    def locked_once(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        recording = sql.startswith("UPDATE") and "registration_programinvitation" in sql
        if recording and "sent" in (params or ()) and not refused:
            refused.append(sql)
            raise OperationalError("database is locked")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(locked_once):
        counts = inv.send_invitation_batch.call(program.pk)
    assert refused  # the lock was met
    assert counts["sent"] == 3 and len(mail.outbox) == 3
    assert set(ProgramInvitation.objects.values_list("status", flat=True)) == {"sent"}
    assert inv.send_invitation_batch.call(program.pk)["sent"] == 0  # nothing goes twice


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_invitations_go_out(program, monkeypatch):
    invite(program, 3)
    inside = []
    real_send = inv.EmailMultiAlternatives.send

    def send(message, *args, **kwargs):  # type: ignore[no-untyped-def]
        inside.append(transaction.get_connection().in_atomic_block)
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(inv.EmailMultiAlternatives, "send", send)
    inv.send_invitation_batch.call(program.pk)
    assert inside == [False, False, False]


def expired_requests(program, n: int) -> list[MentorRequest]:  # type: ignore[no-untyped-def]
    past = timezone.now() - dt.timedelta(days=1)
    return [
        MentorRequest.objects.create(
            program=program,
            mentee=RegistrationFactory(program=program, role="mentee"),
            mentor=RegistrationFactory(program=program, role="mentor"),
            expires_at=past,
        )
        for _ in range(n)
    ]


@pytest.mark.django_db(transaction=True)
def test_expiry_notices_are_rendered_after_the_requests_are_claimed_not_inside(program, monkeypatch):
    requests = expired_requests(program, 3)
    inside = []
    real_render = lib_mail.render_email

    def render(*args, **kwargs):  # type: ignore[no-untyped-def]
        inside.append(transaction.get_connection().in_atomic_block)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(lib_mail, "render_email", render)
    monkeypatch.setattr(choice, "EXPIRE_AT_ONCE", 2, raising=False)  # two short transactions
    assert choice.requests_expire() == 3
    assert inside == [False, False, False]
    assert set(MentorRequest.objects.values_list("status", flat=True)) == {"expired"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.mentee.user.email for r in requests)
    assert choice.requests_expire() == 0  # each mentee is told once


def test_completing_a_program_writes_a_fixed_number_of_times_whatever_its_size(program):
    from kindred.pairing.mentorships import mentorships_complete
    from kindred.pairing.models import Mentorship

    def mentorships(n: int) -> None:
        Mentorship.objects.bulk_create(
            [
                Mentorship(program=program, mentor=RegistrationFactory(program=program, role="mentor"))
                for _ in range(n)
            ]
        )

    mentorships(2)
    with CaptureQueriesContext(connection) as few:
        assert mentorships_complete(program=program, by=None) == 2
    mentorships(30)
    with CaptureQueriesContext(connection) as many:
        assert mentorships_complete(program=program, by=None) == 30
    assert len(many.captured_queries) == len(few.captured_queries)
    assert set(Mentorship.objects.values_list("status", flat=True)) == {"completed"}
    assert all(m.events.get().kind == "completed" for m in Mentorship.objects.all())
