import pytest

from tests.programs.test_program_create import VALID

pytestmark = pytest.mark.django_db
URL = "/o/acme/programs/hand-up/edit/"


def test_admin_edits_and_the_url_stays(client_for, alice, program):
    response = client_for(alice).post(URL, {**VALID, "name": "Renamed", "cadence": "weekly"})
    assert response.status_code == 302
    program.refresh_from_db()
    assert (program.name, program.cadence, program.slug) == ("Renamed", "weekly", "hand-up")


def test_bad_input_changes_nothing(client_for, alice, program):
    response = client_for(alice).post(URL, {**VALID, "name": "", "starts_on": "2028-01-01"})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    program.refresh_from_db()
    assert program.name == "Hand-up Mentorship"


def test_member_is_forbidden(client_for, bob, program):
    assert client_for(bob).post(URL, {**VALID, "name": "Hacked"}).status_code == 403
    program.refresh_from_db()
    assert program.name == "Hand-up Mentorship"


def test_outsider_gets_404(client_for, charlie, program):
    assert client_for(charlie).post(URL, {**VALID, "name": "Hacked"}).status_code == 404
