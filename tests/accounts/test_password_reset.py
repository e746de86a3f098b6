import re
from urllib.parse import urlparse

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


def test_reset_link_sets_a_new_password(client, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "alice@acme.test"})
    [message] = mail.outbox
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", message.body).group(0)
    form_page = client.get(urlparse(link).path, follow=True)
    action = form_page.request["PATH_INFO"]
    client.post(action, {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"})
    alice.refresh_from_db()
    assert alice.check_password("a-brand-new-passphrase")


def test_unknown_address_gets_no_reset_link(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "nobody@acme.test"})
    assert response.status_code == 302  # no hint whether the account exists
    assert all("reset/key" not in m.body for m in mail.outbox)


def test_account_emails_name_kindred_and_its_address(
    client, alice, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://mentoring.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "alice@acme.test"})
    [message] = mail.outbox
    assert "Hello from Kindred!" in message.body
    assert "Thank you for using Kindred!\nmentoring.example.com" in message.body


def test_verification_email_names_kindred(client, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://mentoring.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/signup/",
            {
                "name": "Dora",
                "email": "dora@acme.test",
                "password1": "a-long-passphrase",
                "password2": "a-long-passphrase",
            },
        )
    [message] = mail.outbox
    assert "Hello from Kindred!" in message.body
    assert "register an account on mentoring.example.com" in message.body
