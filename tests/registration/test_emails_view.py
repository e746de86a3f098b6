import pytest
from django.core import mail

from kindred.registration.models import ProgramSetup

pytestmark = pytest.mark.django_db
URL = "/o/acme/programs/hand-up/emails/"
DATA = {
    "invitation_subject": "Join {program_name}",
    "invitation_body": "Hi {first_name}, register by {deadline}: {link}",
    "reminder_subject": "Last call for {program_name}",
    "reminder_body": "{link}",
}


def test_preview_renders_the_branded_email(client_for, alice, program):
    response = client_for(alice).get(URL)
    content = response.content.decode()
    assert response.status_code == 200
    assert (
        "You&#x27;re invited to Hand-up Mentorship" in content
        or "You're invited to Hand-up Mentorship" in content
    )
    assert "srcdoc=" in content


def test_save_marks_the_step_done(client_for, alice, program):
    client = client_for(alice)
    client.post(URL, {**DATA, "action": "save"})
    setup = ProgramSetup.objects.get(program=program)
    assert setup.invitation_subject == "Join {program_name}" and setup.emails_reviewed_at


def test_unknown_placeholder_is_a_field_error(client_for, alice, program):
    response = client_for(alice).post(URL, {**DATA, "invitation_body": "Hi {name}"})
    assert response.status_code == 400
    assert "invitation_body" in response.context["form"].errors
    assert not ProgramSetup.objects.filter(program=program, emails_reviewed_at__isnull=False).exists()


def test_test_send_goes_to_me(client_for, alice, program, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(alice).post(URL, {**DATA, "action": "test"})
    [message] = mail.outbox
    assert message.to == ["alice@acme.test"] and message.subject == "[Test] Join Hand-up Mentorship"


def test_member_forbidden_outsider_404(client_for, bob, charlie, program):
    assert client_for(bob).post(URL, DATA).status_code == 403
    assert client_for(charlie).post(URL, DATA).status_code == 404
