import pytest

from kindred.programs.models import StatusChange

pytestmark = pytest.mark.django_db
URL = "/o/acme/programs/hand-up/status/"


def test_admin_launches_registration(client_for, alice, program):
    response = client_for(alice).post(URL, {"to": "registration"}, follow=True)
    program.refresh_from_db()
    assert program.status == "registration"
    assert "7 steps left" in response.content.decode()
    assert StatusChange.objects.get().by == alice


def test_illegal_move_shows_the_reason(client_for, alice, program):
    response = client_for(alice).post(URL, {"to": "running"}, follow=True)
    program.refresh_from_db()
    assert program.status == "draft"
    assert "cannot move to running" in response.content.decode()


def test_get_is_not_allowed(client_for, alice, program):
    assert client_for(alice).get(URL).status_code == 405


def test_member_is_forbidden(client_for, bob, program):
    assert client_for(bob).post(URL, {"to": "registration"}).status_code == 403
    program.refresh_from_db()
    assert program.status == "draft"


def test_outsider_gets_404(client_for, charlie, program):
    assert client_for(charlie).post(URL, {"to": "registration"}).status_code == 404
