import pytest
from django.utils import timezone

from kindred.orgs.models import Membership

pytestmark = pytest.mark.django_db


def test_visitor_sees_the_welcome(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Create your organization" in response.content


def test_single_membership_goes_straight_to_the_organization(client_for, alice):
    assert client_for(alice).get("/")["Location"] == "/o/acme/"


def test_people_in_no_organization_are_offered_to_create_one(client_for):
    from tests.factories import UserFactory

    response = client_for(UserFactory()).get("/")
    assert b"You are not in an organization yet" in response.content


def test_colleague_at_an_allowed_domain_may_join(client_for, acme):
    from kindred.orgs.models import AllowedDomain
    from tests.factories import UserFactory

    AllowedDomain.objects.create(organization=acme, domain="acme.test", verified_at=timezone.now())
    dana = UserFactory(email="dana@acme.test")
    client = client_for(dana)
    assert b"Join Acme" in client.get("/").content
    response = client.post("/o/acme/join/")
    assert response["Location"] == "/o/acme/"
    assert Membership.objects.get(user=dana).role == "member"


def test_unverified_address_cannot_join(client_for, acme):
    from allauth.account.models import EmailAddress

    from kindred.orgs.models import AllowedDomain
    from tests.factories import UserFactory

    AllowedDomain.objects.create(organization=acme, domain="acme.test", verified_at=timezone.now())
    erin = UserFactory(email="erin@acme.test")
    EmailAddress.objects.filter(user=erin).update(verified=False)
    assert client_for(erin).post("/o/acme/join/").status_code == 404
    assert not Membership.objects.filter(user=erin).exists()


def test_outsider_domain_cannot_join(client_for, charlie, acme):
    assert client_for(charlie).post("/o/acme/join/").status_code == 404
