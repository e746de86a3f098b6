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
    # The email's HTML needs inline styles, which the page's policy would block in a srcdoc frame.
    assert "srcdoc=" not in content
    assert 'sandbox src="/o/acme/programs/hand-up/emails/preview/"' in content
    assert 'sandbox src="/o/acme/programs/hand-up/emails/preview/?reminder=1"' in content


def test_preview_page_is_the_email_with_its_inline_styles_allowed(client_for, alice, program, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    client = client_for(alice)
    client.post(URL, {**DATA, "action": "save"})
    response = client.get(URL + "preview/")
    assert response.status_code == 200
    assert "Hi Alice, register by" in response.content.decode() and "style=" in response.content.decode()
    policy = {
        name: values for name, *values in (d.split() for d in response["Content-Security-Policy"].split(";"))
    }
    assert policy["style-src"] == ["'unsafe-inline'"] and policy["frame-ancestors"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["sandbox"] == []
    assert policy["img-src"] == ["'self'", "data:", "http://127.0.0.1:8000/"]  # the logo's address in emails
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    reminder = client.get(URL + "preview/?reminder=1").content.decode()
    assert "Hi Alice" not in reminder and "hand-up" in reminder


def test_preview_is_for_staff_only(client, client_for, bob, charlie, program):
    assert client.get(URL + "preview/").status_code == 302
    assert client_for(bob).get(URL + "preview/").status_code == 403
    assert client_for(charlie).get(URL + "preview/").status_code == 404


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
