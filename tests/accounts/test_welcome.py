"""Welcome links: an imported person chooses a password once, within the time limit."""

import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress

from kindred.accounts.welcome import welcome_path, welcome_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NEW = {"new_password1": "a-long-pass-phrase", "new_password2": "a-long-pass-phrase"}


@pytest.fixture
def imported():  # type: ignore[no-untyped-def]
    user = UserFactory(email="dana@acme.test", name="Dana")
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.filter(user=user).update(verified=False)
    return user


def test_the_link_sets_a_password_verifies_the_address_and_logs_in(client, imported):
    path = welcome_path(imported, next_path="/o/acme/p/hand-up/")
    page = client.get(path)
    assert page.status_code == 200 and "Welcome, Dana" in page.content.decode()
    response = client.post(path, NEW)
    assert response.status_code == 302 and response["Location"] == "/o/acme/p/hand-up/"
    imported.refresh_from_db()
    assert imported.check_password(NEW["new_password1"])
    assert EmailAddress.objects.get(user=imported).verified
    assert client.get("/accounts/profile/").status_code == 200  # logged in


def test_the_link_works_once(client, imported):
    path = welcome_path(imported)
    client.post(path, NEW)
    client.logout()
    assert client.get(path).status_code == 410
    assert client.post(path, {**NEW, "new_password1": "x" * 20, "new_password2": "x" * 20}).status_code == 410


def test_a_forged_or_expired_link_is_refused(client, imported):
    assert client.get(f"/accounts/welcome/{welcome_token(imported)}x/").status_code == 410
    path = welcome_path(imported)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=15)):
        assert client.get(path).status_code == 410
    imported.refresh_from_db()
    assert not imported.has_usable_password()


def test_a_weak_password_is_refused_with_the_reason_and_nothing_changes(client, imported):
    response = client.post(welcome_path(imported), {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200 and response.context["form"].errors["new_password2"]
    imported.refresh_from_db()
    assert not imported.has_usable_password()


@pytest.mark.parametrize("next_path", ["https://evil.test/", "//evil.test/x", "nosuchname", "home"])
def test_a_next_that_is_not_a_path_here_is_ignored(client, imported, next_path):
    response = client.post(welcome_path(imported, next_path=next_path), NEW)
    assert response.status_code == 302 and response["Location"] == "/"
