"""An allowed email domain lets people join only once proven: at once when an administrator has a
verified email there, else by the same DNS TXT record as a custom domain. Public webmail is refused."""

import importlib

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from kindred.orgs import services
from kindred.orgs.models import AllowedDomain, DomainProof, Membership
from kindred.programs.models import Status
from kindred.registration.services import may_register
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db
RECORD = "_kindred-challenge.acme-labs.test"


def add(client, domain):  # type: ignore[no-untyped-def]
    return client.post("/o/acme/domains/new/", {"domain": domain})


@pytest.mark.parametrize(
    "domain", ["gmail.com", "GoogleMail.com", "@outlook.com", "gmx.de", "yandex.ru", "qq.com"]
)
def test_public_webmail_is_refused(client_for, alice, domain):
    response = add(client_for(alice), domain)
    assert response.status_code == 400
    assert "public email provider" in " ".join(response.context["domain_form"].errors["domain"])
    assert not AllowedDomain.objects.exists()


def test_public_webmail_is_refused_by_the_service_too(acme):
    with pytest.raises(Exception, match="public email provider"):
        services.allowed_domain_add(organization=acme, domain="hotmail.com")


def test_an_administrators_verified_email_proves_it_at_once(client_for, alice, acme):
    response = add(client_for(alice), "acme.test")  # alice@acme.test is verified
    assert response.status_code == 302
    allowed = AllowedDomain.objects.get()
    assert allowed.verified_at is not None and allowed.proof == DomainProof.ADMIN_EMAIL
    dana = UserFactory(email="dana@acme.test")
    assert services.joinable_organizations(dana) == [acme]


def test_another_organizations_domain_waits_for_proof_and_lets_nobody_in(
    client_for, charlie, globex, acme, alice, fake_dns, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        add_response = client_for(charlie).post("/o/globex/domains/new/", {"domain": "acme.test"})
    assert add_response.status_code == 302
    allowed = AllowedDomain.objects.get(organization=globex)
    assert allowed.verified_at is None and "No TXT record found" in allowed.check_message
    dana = UserFactory(email="dana@acme.test")
    assert services.joinable_organizations(dana) == []
    client = client_for(dana)
    assert b"Join Globex" not in client.get("/").content
    assert client.post("/o/globex/join/").status_code == 404
    assert not Membership.objects.filter(user=dana).exists()
    program = ProgramFactory(organization=globex, status=Status.REGISTRATION)
    assert may_register(program, dana)[0] is False


def test_an_unverified_admin_email_proves_nothing(client_for, alice, acme, fake_dns):
    EmailAddress.objects.create(user=alice, email="alice@acme-labs.test", verified=False)
    add(client_for(alice), "acme-labs.test")
    assert AllowedDomain.objects.get().verified_at is None


def test_a_member_email_proves_nothing(client_for, alice, bob, acme, fake_dns):
    EmailAddress.objects.create(user=bob, email="bob@acme-labs.test", verified=True)
    add(client_for(alice), "acme-labs.test")
    assert AllowedDomain.objects.get().verified_at is None


def test_the_dns_record_proves_it(client_for, alice, acme, fake_dns, django_capture_on_commit_callbacks):
    client = client_for(alice)
    add(client, "acme-labs.test")
    allowed = AllowedDomain.objects.get()
    page = client.get("/o/acme/members/").content.decode()
    assert "Waiting for proof" in page and RECORD in page and acme.domain_token in page
    fake_dns.records[RECORD] = [acme.domain_token]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/o/acme/domains/{allowed.pk}/check/").status_code == 302
    allowed.refresh_from_db()
    assert allowed.verified_at is not None and allowed.proof == DomainProof.DNS
    assert "Verified" in client.get("/o/acme/members/").content.decode()
    newcomer = UserFactory(email="newcomer@acme-labs.test")
    assert services.joinable_organizations(newcomer) == [acme]
    program = ProgramFactory(organization=acme, status=Status.REGISTRATION)
    assert may_register(program, newcomer)[0] is True


def test_a_wrong_token_stays_pending_with_a_clear_message(client_for, alice, acme, globex, fake_dns):
    add(client_for(alice), "acme-labs.test")
    fake_dns.records[RECORD] = [globex.domain_token]
    allowed = services.allowed_domain_check(allowed_domain_id=AllowedDomain.objects.get().pk)
    assert allowed is not None and allowed.verified_at is None
    assert "does not hold this organization's token" in allowed.check_message


def test_an_admin_who_verifies_an_address_there_later_proves_it_on_the_next_check(
    client_for, alice, acme, fake_dns
):
    add(client_for(alice), "acme-labs.test")
    EmailAddress.objects.create(user=alice, email="alice@acme-labs.test", verified=True)
    assert services.domains_check_pending() == 1
    allowed = AllowedDomain.objects.get()
    assert allowed.verified_at is not None and allowed.proof == DomainProof.ADMIN_EMAIL
    assert RECORD not in fake_dns.queries


def test_dns_trouble_leaves_it_pending(client_for, alice, acme, fake_dns, settings):
    settings.DNS_TIMEOUT = 0.3
    fake_dns.silent.add(RECORD)
    add(client_for(alice), "acme-labs.test")
    allowed = services.allowed_domain_check(allowed_domain_id=AllowedDomain.objects.get().pk)
    assert allowed is not None and allowed.verified_at is None and "did not answer" in allowed.check_message


def test_check_now_is_for_administrators(client_for, alice, bob, charlie, acme):
    add(client_for(alice), "acme-labs.test")
    allowed = AllowedDomain.objects.get()
    assert client_for(bob).post(f"/o/acme/domains/{allowed.pk}/check/").status_code == 403
    assert client_for(charlie).post(f"/o/acme/domains/{allowed.pk}/check/").status_code == 404


def test_an_admin_confirming_an_address_there_proves_it_at_once(
    client_for, alice, bob, acme, globex, fake_dns
):
    from allauth.account.models import EmailConfirmationHMAC

    client = client_for(alice)
    add(client, "acme-labs.test")
    AllowedDomain.objects.create(organization=globex, domain="acme-labs.test")  # not alice's organization
    address = EmailAddress.objects.create(user=alice, email="alice@acme-labs.test", verified=False)
    key = EmailConfirmationHMAC(address).key
    assert client.post(f"/accounts/confirm-email/{key}/").status_code == 302
    ours, theirs = (
        AllowedDomain.objects.get(organization=acme),
        AllowedDomain.objects.get(organization=globex),
    )
    assert ours.verified_at is not None and ours.proof == DomainProof.ADMIN_EMAIL
    assert theirs.verified_at is None
    bobs = EmailAddress.objects.create(user=bob, email="bob@other-labs.test", verified=False)
    add(client, "other-labs.test")
    client_for(bob).post(f"/accounts/confirm-email/{EmailConfirmationHMAC(bobs).key}/")
    assert AllowedDomain.objects.get(domain="other-labs.test").verified_at is None  # bob is no administrator


@pytest.fixture
def old_gmail_row(acme, alice):  # type: ignore[no-untyped-def]
    """A public webmail row from before it was refused, whose administrator has an address there."""
    EmailAddress.objects.create(user=alice, email="alice@gmail.com", verified=True)
    return AllowedDomain.objects.create(organization=acme, domain="gmail.com")


def test_an_old_public_webmail_row_is_never_proven_by_the_check(old_gmail_row):
    allowed = services.allowed_domain_check(allowed_domain_id=old_gmail_row.pk)
    assert allowed is not None and allowed.verified_at is None
    assert "public email provider" in allowed.check_message


def test_an_old_public_webmail_row_is_never_proven_by_an_email_confirmation(old_gmail_row, alice):
    assert services.allowed_domains_prove(user=alice, email="alice2@gmail.com") == 0
    old_gmail_row.refresh_from_db()
    assert old_gmail_row.verified_at is None


def test_an_old_proven_public_webmail_row_lets_nobody_in(old_gmail_row, acme):
    AllowedDomain.objects.filter(pk=old_gmail_row.pk).update(
        verified_at=timezone.now(), proof=DomainProof.DNS
    )
    stranger = UserFactory(email="anyone@gmail.com")  # verified
    assert services.joinable_organizations(stranger) == []
    with pytest.raises(ValidationError):
        services.organization_join(organization=acme, user=stranger)
    program = ProgramFactory(organization=acme, status=Status.REGISTRATION)
    assert may_register(program, stranger)[0] is False


def test_the_0004_migration_leaves_public_webmail_unverified(old_gmail_row, acme):
    migration = importlib.import_module("kindred.orgs.migrations.0004_domain_proofs")
    own = AllowedDomain.objects.create(organization=acme, domain="acme.test")  # alice@acme.test
    migration.keep_domains_an_administrator_proves(django_apps, None)
    old_gmail_row.refresh_from_db()
    own.refresh_from_db()
    assert old_gmail_row.verified_at is None and own.verified_at is not None


def test_an_organization_lists_at_most_twenty_domains(client_for, alice, acme):
    AllowedDomain.objects.bulk_create(
        AllowedDomain(organization=acme, domain=f"d{n}.acme.test") for n in range(20)
    )
    response = add(client_for(alice), "one-more.acme.test")
    assert response.status_code == 400 and "at most 20" in str(response.context["domain_form"].errors)
    assert AllowedDomain.objects.filter(organization=acme).count() == 20


def test_check_now_runs_at_most_once_a_minute(
    client_for, alice, acme, fake_dns, time_machine, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        add(client, "acme-labs.test")
    assert fake_dns.queries.count(RECORD) == 1
    allowed = AllowedDomain.objects.get()
    time_machine.move_to(timezone.now() + timezone.timedelta(seconds=10))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/o/acme/domains/{allowed.pk}/check/", follow=True)
    assert "less than a minute ago" in response.content.decode()
    assert fake_dns.queries.count(RECORD) == 1
    time_machine.move_to(timezone.now() + services.CHECK_NOW_INTERVAL)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/acme/domains/{allowed.pk}/check/")
    assert fake_dns.queries.count(RECORD) == 2
