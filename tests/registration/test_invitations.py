"""Invitations: parsed from pasted text, queued, sent once each by the worker in batches to a
real SMTP server (aiosmtpd), with the personal link; reminders go to those who have not registered."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command

from kindred.registration import invitations as inv
from kindred.registration.models import ProgramInvitation, ProgramSetup
from tests.lib.test_mail_smtp import smtp_server  # noqa: F401 - the real SMTP fixture
from tests.registration.helpers import open_program

pytestmark = pytest.mark.django_db


def test_parse_emails_dedupes_and_reports_bad_entries():
    valid, invalid = inv.parse_emails("A@x.test, b@x.test; a@x.test\nnot-an-email <c@y.test>\nemail")
    assert valid == ["a@x.test", "b@x.test", "c@y.test"]
    assert invalid == ["not-an-email"]


def test_templates_refuse_unknown_placeholders():
    inv.check_template("Hi {first_name}, join {program_name} by {deadline}: {link}")
    with pytest.raises(ValidationError) as exc:
        inv.check_template("Hi {firstname}")
    assert "{firstname}" in exc.value.messages[0]


def test_rendering_fills_placeholders_and_escapes_html(program):
    setup = ProgramSetup.objects.create(
        program=program, invitation_body="Hi {first_name} <b>{program_name}</b> {link}"
    )
    message = inv.render_invitation(program, setup, link="https://k.test/r/abc/", name="Dana Doe")
    assert message.body == "Hi Dana <b>Hand-up Mentorship</b> https://k.test/r/abc/"
    html = message.alternatives[0][0]
    assert "&lt;b&gt;Hand-up Mentorship&lt;/b&gt;" in html and 'href="https://k.test/r/abc/"' in html


@pytest.mark.django_db(transaction=True)
def test_worker_sends_each_invitation_once_with_its_personal_link(smtp_server, program, monkeypatch):  # noqa: F811
    open_program(program)
    monkeypatch.setattr(inv, "BATCH_SIZE", 2)
    assert inv.invitations_add(program=program, emails=["a@x.test", "b@x.test", "c@x.test"]) == 3
    assert inv.invitations_add(program=program, emails=["a@x.test"]) == 0  # invited once
    assert smtp_server.messages == []  # nothing inline
    call_command("db_worker", "--batch", "--no-startup-delay")
    assert sorted(m["To"] for m in smtp_server.messages) == ["a@x.test", "b@x.test", "c@x.test"]
    for message in smtp_server.messages:
        invitation = ProgramInvitation.objects.get(email=message["To"])
        text = message.get_payload()[0].get_payload(decode=True).decode()
        assert f"/r/{invitation.token}/" in text
        assert invitation.status == "sent" and invitation.sent_at
    call_command("db_worker", "--batch", "--no-startup-delay")
    assert len(smtp_server.messages) == 3  # a second run sends nothing again


@pytest.mark.django_db(transaction=True)
def test_reminders_go_only_to_those_who_have_not_registered(smtp_server, program):  # noqa: F811
    open_program(program)
    ProgramInvitation.objects.create(program=program, email="waiting@x.test", status="sent")
    ProgramInvitation.objects.create(program=program, email="done@x.test", status="registered")
    ProgramInvitation.objects.create(program=program, email="queued@x.test", status="sending")
    assert inv.invitations_remind(program=program) == 1
    assert inv.invitations_remind(program=program) == 0  # already due
    call_command("db_worker", "--batch", "--no-startup-delay")
    assert [m["To"] for m in smtp_server.messages] == ["waiting@x.test"]
    assert "Reminder" in smtp_server.messages[0]["Subject"]
    assert ProgramInvitation.objects.get(email="waiting@x.test").reminders_sent == 1


def test_a_delivery_failure_is_recorded(program, settings):
    open_program(program)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # nothing listens
    ProgramInvitation.objects.create(program=program, email="a@x.test")
    inv.send_invitation_batch.call(program.pk)
    invitation = ProgramInvitation.objects.get()
    assert invitation.status == "failed" and invitation.error


def test_test_send_goes_to_the_admin_and_marks_emails_reviewed(
    program, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inv.invitation_test_send(program=program, user=alice)
    [message] = mail.outbox
    assert message.to == [alice.email] and message.subject.startswith("[Test] ")
    assert ProgramSetup.objects.get(program=program).emails_reviewed_at is not None


def test_invitations_to_a_draft_program_wait_for_it_to_open(program):
    ProgramInvitation.objects.create(program=program, email="a@x.test")
    inv.send_invitation_batch.call(program.pk)
    assert ProgramInvitation.objects.get().status == "queued" and mail.outbox == []
    open_program(program)
    assert inv.invitations_start_waiting() == 1  # immediate worker in tests: sent right away
    assert ProgramInvitation.objects.get().status == "sent" and len(mail.outbox) == 1


def test_failed_invitations_can_be_resent(program, django_capture_on_commit_callbacks):
    open_program(program)
    ProgramInvitation.objects.create(program=program, email="a@x.test", status="failed", error="550")
    with django_capture_on_commit_callbacks(execute=True):
        assert inv.invitations_resend(program=program) == 1
    assert ProgramInvitation.objects.get().status == "sent"


@pytest.mark.parametrize("status", ["running", "completed", "archived"])
def test_nobody_is_invited_once_registration_is_over(program, status):
    program.status = status
    program.save()
    for attempt in (
        lambda: inv.invitations_add(program=program, emails=["dana@acme.test"]),
        lambda: inv.invitations_remind(program=program),
        lambda: inv.invitations_resend(program=program),
    ):
        with pytest.raises(ValidationError, match="nobody can be invited"):
            attempt()
    assert not ProgramInvitation.objects.exists()
