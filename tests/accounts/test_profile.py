import pytest
from django.utils import timezone

from tests.orgs.test_settings import png

pytestmark = pytest.mark.django_db
URL = "/accounts/profile/"
DATA = {"name": "Alice A.", "job_title": "Head of L&D", "department": "People", "time_zone": "Asia/Tokyo"}


def test_profile_is_saved_with_a_photo(client_for, alice):
    client = client_for(alice)
    response = client.post(URL, {**DATA, "photo_upload": png()})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.name, alice.time_zone, alice.photo_content_type) == ("Alice A.", "Asia/Tokyo", "image/png")
    assert client.get(alice.photo_url).status_code == 200


def test_times_are_shown_in_the_profile_time_zone(client_for, alice):
    client = client_for(alice)
    client.post(URL, DATA)
    client.get(URL)
    assert str(timezone.get_current_timezone()) == "Asia/Tokyo"


def test_unknown_time_zone_is_refused(client_for, alice):
    response = client_for(alice).post(URL, {**DATA, "time_zone": "Mars/Olympus"})
    assert "time_zone" in response.context["form"].errors
    alice.refresh_from_db()
    assert alice.time_zone == "UTC"


def test_photos_are_private_to_colleagues(client_for, alice, bob, charlie):
    client_for(alice).post(URL, {**DATA, "photo_upload": png()})
    alice.refresh_from_db()
    assert client_for(bob).get(alice.photo_url).status_code == 200
    assert client_for(charlie).get(alice.photo_url).status_code == 404


def test_manager_email_is_saved_in_lower_case_and_cannot_be_ones_own(client_for, alice):
    client = client_for(alice)
    response = client.post(URL, {**DATA, "manager_email": alice.email.upper()})
    assert "Give your manager's email, not your own." in response.context["form"].errors["manager_email"]
    assert client.post(URL, {**DATA, "manager_email": "Boss@Acme.test"}).status_code == 302
    alice.refresh_from_db()
    assert alice.manager_email == "boss@acme.test"


def test_what_a_person_edits_becomes_their_word_in_every_organization(client_for, alice, globex):
    from kindred.orgs.facts import member_facts
    from kindred.orgs.models import Membership

    Membership.objects.create(organization=globex, user=alice, department="Imported dept")
    Membership.objects.filter(user=alice, organization__slug="acme").update(job_title="Acme's title")
    response = client_for(alice).post(URL, {**DATA, "job_title": alice.job_title, "department": "Research"})
    assert response.status_code == 302, response.context["form"].errors
    assert member_facts(organization_id=globex.pk)[alice.pk]["department"] == "Research"
    # What she left unchanged keeps each organization's own copy.
    acme = Membership.objects.get(user=alice, organization__slug="acme").organization_id
    assert member_facts(organization_id=acme)[alice.pk]["job_title"] == "Acme's title"
