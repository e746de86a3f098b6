import pytest

from kindred.programs.models import Program

pytestmark = pytest.mark.django_db
URL = "/o/acme/programs/new/"
VALID = {
    "name": "Emerging Leaders",
    "description": "Grow leaders",
    "purpose": "emerging_leaders",
    "custom_purpose": "",
    "structure": "traditional",
    "registration_opens_on": "2026-12-01",
    "registration_closes_on": "2026-12-20",
    "starts_on": "2027-01-10",
    "ends_on": "2027-09-30",
    "cadence": "monthly",
    "enrollment": "cohort",
}


def test_admin_creates_a_draft(client_for, alice):
    response = client_for(alice).post(URL, VALID)
    program = Program.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/programs/emerging-leaders/"
    assert (program.status, program.created_by, program.organization.slug) == ("draft", alice, "acme")


def test_form_explains_every_structure(client_for, alice):
    content = client_for(alice).get(URL).content.decode()
    for text in (
        "Traditional 1-on-1",
        "Group mentoring",
        "Peer-to-peer",
        "Reverse mentoring",
        "Flash mentoring",
        "Colleagues at similar levels coach each other.",
    ):
        assert text in content
    assert 'value="monthly" checked' in content.replace("\n", "") or "checked" in content


def test_bad_dates_show_field_errors_and_save_nothing(client_for, alice):
    response = client_for(alice).post(URL, {**VALID, "ends_on": "2026-01-01"})
    assert response.status_code == 200
    assert "ends_on" in response.context["form"].errors
    assert not Program.objects.exists()


def test_custom_goal_needs_its_text(client_for, alice):
    response = client_for(alice).post(URL, {**VALID, "purpose": "custom"})
    assert "custom_purpose" in response.context["form"].errors
    assert not Program.objects.exists()


def test_short_program_is_saved_with_a_warning(client_for, alice):
    response = client_for(alice).post(URL, {**VALID, "ends_on": "2027-02-10"}, follow=True)
    assert Program.objects.count() == 1
    assert "6 to 12 months" in response.content.decode()


def test_program_manager_may_create(client_for, acme):
    from kindred.orgs.models import Role
    from tests.factories import MembershipFactory

    manager = MembershipFactory(organization=acme, role=Role.PROGRAM_MANAGER).user
    assert client_for(manager).post(URL, VALID).status_code == 302


def test_member_is_forbidden(client_for, bob):
    assert client_for(bob).get(URL).status_code == 403
    assert client_for(bob).post(URL, VALID).status_code == 403
    assert not Program.objects.exists()


def test_outsider_gets_404(client_for, charlie):
    assert client_for(charlie).post(URL, VALID).status_code == 404
    assert not Program.objects.exists()
