import re
from urllib.parse import urlparse

import pytest
from django.core import mail

from kindred.accounts.models import User

pytestmark = pytest.mark.django_db


def test_sign_up_verify_email_then_log_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {
                "name": "Dana Doe",
                "email": "dana@example.test",
                "password1": "a-long-passphrase",
                "password2": "a-long-passphrase",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="dana@example.test")
    assert user.name == "Dana Doe"
    # Verification is mandatory: not logged in yet, and a confirmation email went out.
    assert client.get("/o/anything/").status_code in (302, 404)
    [message] = mail.outbox
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    confirmed = client.post(urlparse(link).path)
    assert confirmed.status_code == 302
    assert client.get("/").status_code == 200  # logged in: the "create an organization" page
    assert b"You are not in an organization yet" in client.get("/").content


def test_weak_password_is_refused(client):
    response = client.post(
        "/accounts/signup/",
        {"name": "D", "email": "d@example.test", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200
    assert not User.objects.exists()
