import pytest

pytestmark = pytest.mark.django_db
URL = "/o/acme/programs/hand-up/"


def test_admin_sees_checklist_with_count(client_for, alice, program):
    response = client_for(alice).get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "8 steps left to launch pairing" in content
    assert content.count('data-step="') == 9
    assert "Launch registration" in content


def test_member_is_forbidden(client_for, bob, program):
    program.status = "registration"
    program.save()
    assert client_for(bob).get(URL).status_code == 403


def test_outsider_gets_404(client_for, charlie, program):
    assert client_for(charlie).get(URL).status_code == 404


def test_unknown_program_is_404(client_for, alice, program):
    assert client_for(alice).get("/o/acme/programs/nope/").status_code == 404


def test_superuser_sees_any_organization(client, program):
    from tests.factories import UserFactory

    root = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.get(URL).status_code == 200
