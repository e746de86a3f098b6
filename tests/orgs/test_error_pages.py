"""Error pages wear the organization's brand for its members, and never betray it to others."""

import pytest

pytestmark = pytest.mark.django_db

STAFF_PAGE = "/o/acme/programs/hand-up/questionnaire/"


def test_a_member_without_the_role_gets_a_branded_403(client_for, bob, program):
    response = client_for(bob).get(STAFF_PAGE)
    content = response.content.decode()
    assert response.status_code == 403
    assert "<title>Not allowed · Acme</title>" in content
    assert "Only administrators and program managers can do this." in content


def test_a_members_404_inside_the_organization_is_branded(client_for, bob, program):
    response = client_for(bob).get("/o/acme/p/no-such-program/register/")
    assert response.status_code == 404
    assert "<title>Not found · Acme</title>" in response.content.decode()


def test_a_strangers_404_does_not_name_the_organization(client_for, charlie, program):
    response = client_for(charlie).get(STAFF_PAGE)
    content = response.content.decode()
    assert response.status_code == 404
    assert "Acme" not in content and "<title>Not found · Kindred</title>" in content
