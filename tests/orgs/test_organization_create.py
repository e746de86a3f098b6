import pytest

from kindred.orgs.models import Membership, Organization

pytestmark = pytest.mark.django_db
URL = "/orgs/new/"


def test_creator_becomes_admin(client_for, bob):
    response = client_for(bob).post(URL, {"name": "Initech Labs"})
    org = Organization.objects.get(name="Initech Labs")
    assert response["Location"] == "/o/initech-labs/"
    assert Membership.objects.get(organization=org).role == "admin"


def test_same_name_gets_a_new_slug(client_for, alice, charlie):
    client_for(alice).post(URL, {"name": "Acme"})
    assert Organization.objects.filter(name="Acme").count() == 2
    assert Organization.objects.filter(slug="acme-2").exists()


def test_name_is_required(client_for, alice):
    response = client_for(alice).post(URL, {"name": "  "})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert Organization.objects.count() == 1
