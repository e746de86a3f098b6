"""The organization invitation page offers Accept only to the person it was sent to; anyone else
is told who it is for and how to sign in as them."""

import pytest
from allauth.account.models import EmailAddress

from kindred.orgs.models import OrgInvitation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(acme, alice):  # type: ignore[no-untyped-def]
    return OrgInvitation.objects.create(
        organization=acme, email="dana@example.test", role="program_manager", invited_by=alice
    )


def url(invitation: OrgInvitation) -> str:
    return f"/invitations/{invitation.token}/"


def test_the_invited_person_is_offered_accept(client_for, invitation):
    dana = UserFactory(email="dana@example.test")
    content = client_for(dana).get(url(invitation)).content.decode()
    assert "Accept invitation" in content
    assert "Log out and sign in as" not in content


def test_a_verified_second_address_counts_as_the_invited_person(client_for, invitation):
    dana = UserFactory(email="dana@home.test")
    EmailAddress.objects.create(user=dana, email="dana@example.test", verified=True, primary=False)
    assert "Accept invitation" in client_for(dana).get(url(invitation)).content.decode()


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_someone_else_sees_who_it_is_for_and_no_accept_button(client_for, invitation, request, who):
    user = request.getfixturevalue(who)
    response = client_for(user).get(url(invitation))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Accept invitation" not in content
    assert "is for <strong>dana@example.test</strong>" in content
    assert f"You are logged in as {user.email}" in content
    assert "Log out and sign in as dana@example.test" in content
    assert 'action="/accounts/logout/"' in content
    assert f'name="next" value="/accounts/login/?next=%2Finvitations%2F{invitation.token}%2F"' in content


def test_logging_out_from_the_hint_leads_to_login_and_back(client_for, bob, invitation):
    client = client_for(bob)
    response = client.post(
        "/accounts/logout/", {"next": f"/accounts/login/?next=/invitations/{invitation.token}/"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/invitations/{invitation.token}/"
    assert "_auth_user_id" not in client.session


def test_someone_elses_post_is_still_refused(client_for, bob, invitation):
    response = client_for(bob).post(url(invitation))
    content = response.content.decode()
    assert response.status_code == 400
    assert "Accept invitation" not in content
    assert "Log out and sign in as dana@example.test" in content


def test_an_admin_is_not_offered_someone_elses_invitation(client_for, alice, invitation):
    assert "Accept invitation" not in client_for(alice).get(url(invitation)).content.decode()
