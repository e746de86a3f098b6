"""Account pages and their emails are Kindred's on every host: an organization's proven custom
domain brands its programs, never login, signup, password reset or email verification."""

import pytest
from django.core import mail
from django.utils import timezone

from kindred.orgs.models import Organization

pytestmark = pytest.mark.django_db
DOMAIN = "mentoring.acme.test"


@pytest.fixture(autouse=True)
def _proven_domain(settings, acme):  # type: ignore[no-untyped-def]
    settings.SITE_URL = "https://kindred.example"
    settings.ALLOWED_HOSTS = ["kindred.example", DOMAIN, "testserver"]
    settings.CUSTOM_DOMAIN_HOSTS = [DOMAIN]
    settings.DEFAULT_FROM_EMAIL = "Kindred <kindred@kindred.example>"
    Organization.objects.filter(pk=acme.pk).update(
        custom_domain=DOMAIN, custom_domain_verified_at=timezone.now(), email_display_name="Acme Mentoring"
    )


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/accounts/confirm-email/"]
)
def test_account_pages_on_a_custom_domain_wear_kindreds_look(client, path):
    page = client.get(path, HTTP_HOST=DOMAIN)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Acme" not in text and "Kindred" in text


def test_the_custom_domains_front_page_is_the_organizations(client):
    assert "Acme" in client.get("/", HTTP_HOST=DOMAIN, follow=True).content.decode()


def test_password_reset_email_is_kindreds_with_links_on_the_site(
    client, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "alice@acme.test"}, HTTP_HOST=DOMAIN)
    [message] = mail.outbox
    assert message.from_email == "Kindred <kindred@kindred.example>"
    assert "Acme" not in message.body + "".join(body for body, _ in message.alternatives)
    assert "https://kindred.example/accounts/password/reset/key/" in message.body
    assert DOMAIN not in message.body


def test_verification_email_is_kindreds_with_links_on_the_site(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/signup/",
            {
                "name": "Dora",
                "email": "dora@acme.test",
                "password1": "a-long-passphrase",
                "password2": "a-long-passphrase",
            },
            HTTP_HOST=DOMAIN,
        )
    [message] = mail.outbox
    assert message.from_email == "Kindred <kindred@kindred.example>"
    assert "Acme" not in message.body
    assert "https://kindred.example/accounts/confirm-email/" in message.body
    assert DOMAIN not in message.body
