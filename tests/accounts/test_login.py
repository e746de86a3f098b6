import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_with_email_and_password(client, alice):
    response = client.post("/accounts/login/", {"login": "alice@acme.test", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/")["Location"] == "/o/acme/"


def test_login_is_rate_limited(client, alice):
    for _ in range(5):
        client.post("/accounts/login/", {"login": "alice@acme.test", "password": "wrong"})
    # Even the right password is refused once the account's failure budget is spent.
    response = client.post("/accounts/login/", {"login": "alice@acme.test", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(client_for, alice):
    client = client_for(alice)
    client.get("/accounts/logout/")
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session
