"""A person an administrator removed cannot join again by themselves through an allowed email
domain (joining the organization, or registering for its program); an invitation from the
organization (an administrator's invitation accepted, a program invitation sent since) lifts it."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from kindred.orgs import services
from kindred.orgs.models import AllowedDomain, DomainProof, Membership, OrgInvitation, Removal, Role
from kindred.programs.access import get_program_for
from kindred.programs.models import Status
from kindred.registration.models import ProgramInvitation
from kindred.registration.services import may_register, registration_start
from tests.factories import MembershipFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pat(acme):  # type: ignore[no-untyped-def]
    """Someone at acme.test, a proven allowed domain, whom an administrator has removed."""
    AllowedDomain.objects.create(
        organization=acme, domain="acme.test", verified_at=timezone.now(), proof=DomainProof.DNS
    )
    user = UserFactory(email="pat@acme.test")
    services.membership_remove(membership=MembershipFactory(organization=acme, user=user))
    return user


@pytest.fixture
def program(acme):  # type: ignore[no-untyped-def]
    return ProgramFactory(organization=acme, slug="hand-up", status=Status.REGISTRATION)


def test_a_colleague_at_the_domain_may_join(acme, pat):
    newcomer = UserFactory(email="quinn@acme.test")
    assert services.joinable_organizations(newcomer) == [acme]


def test_a_removed_member_cannot_join_again_by_themselves(client_for, acme, pat):
    assert Removal.objects.filter(organization=acme, user=pat).exists()
    assert services.joinable_organizations(pat) == []
    response = client_for(pat).post("/o/acme/join/", follow=True)
    assert "removed you from Acme" in response.content.decode()
    assert not Membership.objects.filter(organization=acme, user=pat).exists()
    with pytest.raises(ValidationError, match="removed you"):
        services.organization_join(organization=acme, user=pat)


def test_the_join_page_of_an_organization_one_cannot_join_is_404(client_for, globex, pat):
    assert client_for(pat).post("/o/globex/join/").status_code == 404


def test_a_removed_member_cannot_register_through_the_domain(acme, pat, program):
    allowed, reason = may_register(program, pat)
    assert allowed is False and "removed you from Acme" in reason
    with pytest.raises(ValidationError):
        registration_start(program=program, user=pat)
    with pytest.raises(Http404):
        get_program_for(pat, "acme", "hand-up", need="applicant")


def test_an_administrators_invitation_lifts_the_removal(alice, acme, pat):
    invitation = OrgInvitation.objects.create(
        organization=acme, email=pat.email, role=Role.PROGRAM_MANAGER, invited_by=alice
    )
    services.org_invitation_accept(token=invitation.token, user=pat)
    assert not Removal.objects.filter(organization=acme, user=pat).exists()
    services.membership_remove(membership=Membership.objects.get(organization=acme, user=pat))
    assert services.joinable_organizations(pat) == []  # removed again


def test_a_program_invitation_sent_since_lifts_it(acme, pat, program):
    invitation = ProgramInvitation.objects.create(program=program, email=pat.email)
    assert get_program_for(pat, "acme", "hand-up", need="applicant").program == program
    assert may_register(program, pat) == (True, "")
    registration_start(program=program, user=pat, token=invitation.token)
    assert Membership.objects.filter(organization=acme, user=pat).exists()
    assert not Removal.objects.filter(organization=acme, user=pat).exists()


def test_a_program_invitation_from_before_the_removal_does_not(acme, program):
    AllowedDomain.objects.create(
        organization=acme, domain="acme.test", verified_at=timezone.now(), proof=DomainProof.DNS
    )
    sam = UserFactory(email="sam@acme.test")
    ProgramInvitation.objects.create(program=program, email=sam.email)
    services.membership_remove(membership=MembershipFactory(organization=acme, user=sam))
    assert may_register(program, sam)[0] is False
    with pytest.raises(Http404):
        get_program_for(sam, "acme", "hand-up", need="applicant")
