import pytest

from kindred.orgs.models import AllowedDomain, Membership, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_admin_lists_searches_and_pages_members(client_for, alice, bob, acme):
    for i in range(30):
        MembershipFactory(organization=acme, user__name=f"Person {i:02d}")
    client = client_for(alice)
    page = client.get("/o/acme/members/")
    assert page.status_code == 200 and page.context["page"].paginator.count == 32
    assert len(page.context["page"].object_list) == 25
    found = client.get("/o/acme/members/?q=bob")
    assert [m.user for m in found.context["page"].object_list] == [bob]
    admins = client.get("/o/acme/members/?role=admin")
    assert [m.user for m in admins.context["page"].object_list] == [alice]


def test_member_list_queries_do_not_grow(client_for, alice, acme, django_assert_max_num_queries):
    client = client_for(alice)
    with django_assert_max_num_queries(15) as few:
        client.get("/o/acme/members/")
    for _ in range(20):
        MembershipFactory(organization=acme)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/o/acme/members/")


def test_admin_changes_a_role(client_for, alice, bob):
    client_for(alice).post(f"/o/acme/members/{bob.memberships.get().pk}/role/", {"role": "program_manager"})
    assert bob.memberships.get().role == Role.PROGRAM_MANAGER


def test_last_admin_cannot_step_down_or_leave(client_for, alice):
    membership = alice.memberships.get()
    client = client_for(alice)
    response = client.post(f"/o/acme/members/{membership.pk}/role/", {"role": "member"}, follow=True)
    assert "at least one administrator" in response.content.decode()
    client.post(f"/o/acme/members/{membership.pk}/remove/")
    assert Membership.objects.get(pk=membership.pk).role == Role.ADMIN


def test_remove_asks_for_confirmation_first(client_for, alice, bob):
    membership = bob.memberships.get()
    client = client_for(alice)
    confirm = client.get(f"/o/acme/members/{membership.pk}/remove/")
    assert b"Remove Bob Member?" in confirm.content
    assert Membership.objects.filter(pk=membership.pk).exists()
    client.post(f"/o/acme/members/{membership.pk}/remove/")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_another_organizations_membership_is_404(client_for, alice, charlie):
    other = charlie.memberships.get()
    assert client_for(alice).post(f"/o/acme/members/{other.pk}/remove/").status_code == 404
    assert Membership.objects.filter(pk=other.pk).exists()


def test_allowed_domains_add_and_remove(client_for, alice, acme):
    client = client_for(alice)
    client.post("/o/acme/domains/new/", {"domain": "Acme.TEST"})
    allowed = AllowedDomain.objects.get(organization=acme)
    assert allowed.domain == "acme.test"
    again = client.post("/o/acme/domains/new/", {"domain": "acme.test"})
    assert again.status_code == 400 and AllowedDomain.objects.count() == 1
    bad = client.post("/o/acme/domains/new/", {"domain": "not a domain"})
    assert bad.status_code == 400
    client.post(f"/o/acme/domains/{allowed.pk}/remove/")
    assert not AllowedDomain.objects.exists()


def test_member_is_forbidden(client_for, bob, alice):
    client = client_for(bob)
    assert client.get("/o/acme/members/").status_code == 403
    assert (
        client.post(f"/o/acme/members/{alice.memberships.get().pk}/role/", {"role": "member"}).status_code
        == 403
    )
    assert client.post("/o/acme/domains/new/", {"domain": "evil.test"}).status_code == 403
    assert alice.memberships.get().role == Role.ADMIN and not AllowedDomain.objects.exists()


def test_outsider_gets_404(client_for, charlie):
    assert client_for(charlie).get("/o/acme/members/").status_code == 404
    assert client_for(charlie).post("/o/acme/domains/new/", {"domain": "evil.test"}).status_code == 404
