"""A custom domain is used only after its owner proves control with a DNS TXT record, looked up by
the worker on a real (local) DNS server; Kindred's own hosts can never be claimed."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from kindred.orgs import services
from kindred.orgs.models import Organization
from kindred.orgs.selectors import absolute_url, organization_for_host
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db
DOMAIN = "mentoring.acme.test"
RECORD = f"_kindred-challenge.{DOMAIN}"


@pytest.fixture(autouse=True)
def _hosts(settings):  # type: ignore[no-untyped-def]
    settings.SITE_URL = "https://kindred.example"
    settings.ALLOWED_HOSTS = ["kindred.example", ".kindred.example", DOMAIN, "testserver"]
    settings.CUSTOM_DOMAIN_HOSTS = [DOMAIN]


def claim(client, domain=DOMAIN, **extra):  # type: ignore[no-untyped-def]
    data = {"name": "Acme", "email_display_name": "Acme Mentoring", "primary_colour": "#123456"}
    return client.post("/o/acme/settings/", {**data, "custom_domain": domain, **extra})


def check_now(client):  # type: ignore[no-untyped-def]
    return client.post("/o/acme/settings/domain/check/")


def test_a_claimed_domain_is_pending_and_used_nowhere(client_for, alice, acme, fake_dns, client):
    ProgramFactory(organization=acme, slug="hand-up", status="registration")
    assert claim(client_for(alice)).status_code == 302
    acme.refresh_from_db()
    assert acme.custom_domain == DOMAIN and acme.custom_domain_verified_at is None
    assert organization_for_host(DOMAIN) is None
    assert absolute_url("/p/hand-up/", acme) == "https://kindred.example/p/hand-up/"
    client.logout()
    assert client.get("/p/hand-up/", HTTP_HOST=DOMAIN).status_code == 404
    assert b"Acme" not in client.get("/", HTTP_HOST=DOMAIN).content


def test_the_settings_page_says_what_record_to_publish(client_for, alice, acme):
    client = client_for(alice)
    claim(client)
    acme.refresh_from_db()
    page = client.get("/o/acme/settings/").content.decode()
    assert "Waiting for proof" in page and RECORD in page and acme.domain_token in page
    assert "Check now" in page


def test_the_right_record_proves_the_domain_and_it_is_served(
    client_for, alice, acme, fake_dns, client, django_capture_on_commit_callbacks
):
    ProgramFactory(organization=acme, name="Hand-up Mentorship", slug="hand-up", status="registration")
    fake_dns.records[RECORD] = [acme.domain_token]
    with django_capture_on_commit_callbacks(execute=True):
        claim(client_for(alice))  # the worker looks at once
    acme.refresh_from_db()
    assert acme.custom_domain_verified_at is not None and acme.custom_domain_check_message == ""
    assert RECORD in fake_dns.queries
    assert organization_for_host(f"{DOMAIN}:443") == acme
    assert absolute_url("/p/hand-up/", acme) == f"https://{DOMAIN}/p/hand-up/"
    assert "Verified" in client.get("/o/acme/settings/").content.decode()
    client.logout()
    page = client.get("/p/hand-up/", HTTP_HOST=DOMAIN)
    assert page.status_code == 200 and "Hand-up Mentorship" in page.content.decode()


def test_check_now_runs_the_check_in_the_worker(
    client_for, alice, acme, fake_dns, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    claim(client)  # before the record exists
    fake_dns.records[RECORD] = [acme.domain_token]
    with django_capture_on_commit_callbacks(execute=True):
        response = check_now(client)
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.custom_domain_verified_at is not None


def test_a_wrong_token_stays_pending_with_a_clear_message(
    client_for, alice, acme, globex, fake_dns, django_capture_on_commit_callbacks
):
    fake_dns.records[RECORD] = [globex.domain_token]  # someone else's token
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        claim(client)
    acme.refresh_from_db()
    assert acme.custom_domain_verified_at is None
    assert "does not hold this organization's token" in acme.custom_domain_check_message
    assert acme.domain_token in acme.custom_domain_check_message
    assert "does not hold this organization" in client.get("/o/acme/settings/").content.decode()
    assert organization_for_host(DOMAIN) is None


@pytest.mark.parametrize(
    ("trouble", "message"),
    [("missing", "No TXT record found"), ("silent", "did not answer in time"), ("failing", "SERVFAIL")],
)
def test_dns_trouble_leaves_it_pending_without_an_error(
    client_for, alice, acme, fake_dns, settings, django_capture_on_commit_callbacks, trouble, message
):
    settings.DNS_TIMEOUT = 0.3
    if trouble != "missing":
        getattr(fake_dns, trouble).add(RECORD)
    client = client_for(alice)
    claim(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = check_now(client)  # the task runs in-process here: it must not raise
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.custom_domain_verified_at is None and message in acme.custom_domain_check_message
    assert acme.custom_domain_checked_at is not None


@pytest.mark.parametrize(
    "host", ["kindred.example", "app.kindred.example", "localhost", "api.localhost", "localhost.localdomain"]
)
def test_the_sites_own_hosts_cannot_be_claimed(client_for, alice, acme, host):
    response = claim(client_for(alice), domain=host)
    assert response.status_code == 200
    assert "own address" in " ".join(response.context["form"].errors["custom_domain"])
    acme.refresh_from_db()
    assert acme.custom_domain == ""


def test_an_address_or_the_site_url_host_is_refused_even_when_not_in_allowed_hosts(
    client_for, alice, acme, settings
):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SITE_URL = "https://mentoring.kindred.test"
    response = claim(client_for(alice), domain="mentoring.kindred.test")
    assert "own address" in " ".join(response.context["form"].errors["custom_domain"])
    with pytest.raises(Exception, match="own address"):
        services.organization_update(
            organization=acme,
            name="Acme",
            email_display_name="",
            primary_colour="#123456",
            custom_domain="mentoring.kindred.test",
        )


def test_a_site_host_is_never_served_even_if_proven(acme, settings):
    Organization.objects.filter(pk=acme.pk).update(
        custom_domain="kindred.example", custom_domain_verified_at=timezone.now()
    )
    assert organization_for_host("kindred.example") is None


def test_changing_the_domain_starts_the_proof_again(
    client_for, alice, acme, fake_dns, django_capture_on_commit_callbacks
):
    fake_dns.records[RECORD] = [acme.domain_token]
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        claim(client)
    acme.refresh_from_db()
    assert acme.custom_domain_verified_at is not None
    claim(client, primary_colour="#654321")  # the same domain: still proven
    acme.refresh_from_db()
    assert acme.custom_domain_verified_at is not None
    claim(client, domain="learn.acme.test")
    acme.refresh_from_db()
    assert acme.custom_domain == "learn.acme.test" and acme.custom_domain_verified_at is None
    assert organization_for_host("learn.acme.test") is None and organization_for_host(DOMAIN) is None


def test_a_pending_claim_blocks_nobody_but_a_proven_one_does(client_for, alice, acme, globex, fake_dns):
    globex.custom_domain = DOMAIN
    globex.save()
    assert claim(client_for(alice)).status_code == 302  # globex has not proven it
    Organization.objects.filter(pk=globex.pk).update(custom_domain_verified_at=timezone.now())
    response = claim(client_for(alice), primary_colour="#654321")
    assert "Another organization" in str(response.context["form"].errors["custom_domain"])
    fake_dns.records[RECORD] = [acme.domain_token]
    Organization.objects.filter(pk=acme.pk).update(custom_domain=DOMAIN)
    services.custom_domain_check(organization_id=acme.pk)
    acme.refresh_from_db()
    assert acme.custom_domain_verified_at is None and "already proven" in acme.custom_domain_check_message


def test_the_sweep_queues_checks_of_pending_domains_once_per_interval(acme, fake_dns, time_machine):
    Organization.objects.filter(pk=acme.pk).update(custom_domain=DOMAIN)
    assert services.domains_check_pending() == 1  # runs at once in tests: NXDOMAIN
    acme.refresh_from_db()
    assert "No TXT record found" in acme.custom_domain_check_message
    assert services.domains_check_pending() == 0
    fake_dns.records[RECORD] = [acme.domain_token]
    time_machine.move_to(timezone.now() + services.DOMAIN_RECHECK + timezone.timedelta(seconds=1))
    assert services.domains_check_pending() == 1
    acme.refresh_from_db()
    assert acme.custom_domain_verified_at is not None
    assert services.domains_check_pending() == 0


def test_emails_use_the_domain_only_once_proven(alice, acme, fake_dns, django_capture_on_commit_callbacks):
    Organization.objects.filter(pk=acme.pk).update(custom_domain=DOMAIN)
    acme.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.org_invitation_create(organization=acme, by=alice, email="pat@acme.test", role="admin")
    assert (
        "https://kindred.example/invitations/" in mail.outbox[-1].body and DOMAIN not in mail.outbox[-1].body
    )
    Organization.objects.filter(pk=acme.pk).update(custom_domain_verified_at=timezone.now())
    acme.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.org_invitation_create(organization=acme, by=alice, email="quinn@acme.test", role="admin")
    assert f"https://{DOMAIN}/invitations/" in mail.outbox[-1].body


def test_check_now_is_for_administrators(client_for, bob, charlie, acme):
    assert check_now(client_for(bob)).status_code == 403
    assert check_now(client_for(charlie)).status_code == 404


def test_the_settings_page_says_when_this_server_does_not_answer_on_the_domain(
    client_for, alice, acme, settings
):
    client = client_for(alice)
    claim(client)
    assert "CUSTOM_DOMAIN_HOSTS" not in client.get("/o/acme/settings/").content.decode()
    settings.ALLOWED_HOSTS = ["kindred.example", "testserver"]
    settings.CUSTOM_DOMAIN_HOSTS = []
    assert "CUSTOM_DOMAIN_HOSTS" in client.get("/o/acme/settings/").content.decode()


def test_a_stale_form_instance_never_carries_a_proof_to_another_domain(
    alice, acme, django_capture_on_commit_callbacks
):
    """Two concurrent saves: R1 changes a proven domain to another; R2, loaded before R1, posts
    the new domain with the old proof still on its instance. The stored row decides."""
    Organization.objects.filter(pk=acme.pk).update(
        custom_domain=DOMAIN, custom_domain_verified_at=timezone.now()
    )
    stale = Organization.objects.get(pk=acme.pk)
    fields = {"name": "Acme", "email_display_name": "", "primary_colour": "#123456"}
    with django_capture_on_commit_callbacks(execute=False):
        services.organization_update(
            organization=Organization.objects.get(pk=acme.pk), custom_domain="learn.acme.test", **fields
        )
        stale.custom_domain = "learn.acme.test"  # what the bound form does
        services.organization_update(organization=stale, custom_domain="learn.acme.test", **fields)
    acme.refresh_from_db()
    assert acme.custom_domain == "learn.acme.test" and acme.custom_domain_verified_at is None
    assert stale.custom_domain_verified_at is None
    assert organization_for_host("learn.acme.test") is None


def test_a_stale_proof_onto_a_domain_proven_elsewhere_is_no_server_error(
    alice, acme, globex, django_capture_on_commit_callbacks
):
    Organization.objects.filter(pk=acme.pk).update(
        custom_domain=DOMAIN, custom_domain_verified_at=timezone.now()
    )
    stale = Organization.objects.get(pk=acme.pk)
    fields = {"name": "Acme", "email_display_name": "", "primary_colour": "#123456"}
    with django_capture_on_commit_callbacks(execute=False):
        services.organization_update(
            organization=Organization.objects.get(pk=acme.pk), custom_domain="learn.acme.test", **fields
        )
    Organization.objects.filter(pk=globex.pk).update(
        custom_domain="learn.acme.test", custom_domain_verified_at=timezone.now()
    )
    stale.custom_domain = "learn.acme.test"
    services.organization_update(organization=stale, custom_domain="learn.acme.test", **fields)
    acme.refresh_from_db()
    assert acme.custom_domain_verified_at is None
    assert organization_for_host("learn.acme.test") == globex


def test_the_service_refuses_a_domain_another_organization_has_proven(acme, globex):
    Organization.objects.filter(pk=globex.pk).update(
        custom_domain=DOMAIN, custom_domain_verified_at=timezone.now()
    )
    with pytest.raises(ValidationError) as caught:
        services.organization_update(
            organization=acme,
            name="Acme",
            email_display_name="",
            primary_colour="#123456",
            custom_domain=DOMAIN,
        )
    assert caught.value.message_dict == {"custom_domain": [services.DOMAIN_TAKEN]}


def test_check_now_runs_at_most_once_a_minute(
    client_for, alice, acme, fake_dns, time_machine, django_capture_on_commit_callbacks
):
    Organization.objects.filter(pk=acme.pk).update(custom_domain=DOMAIN)
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        check_now(client)
    assert fake_dns.queries.count(RECORD) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/o/acme/settings/domain/check/", follow=True)
    assert "less than a minute ago" in response.content.decode()
    assert fake_dns.queries.count(RECORD) == 1
    time_machine.move_to(timezone.now() + services.CHECK_NOW_INTERVAL + timezone.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        check_now(client)
    assert fake_dns.queries.count(RECORD) == 2


def test_the_sweep_backs_off_then_stops_after_a_week(acme, fake_dns, time_machine):
    start = timezone.now()
    time_machine.move_to(start)
    Organization.objects.filter(pk=acme.pk).update(custom_domain=DOMAIN, custom_domain_changed_at=start)

    def sweep_at(delta):  # type: ignore[no-untyped-def]
        time_machine.move_to(start + delta)
        return services.domains_check_pending()

    minutes = timezone.timedelta(minutes=1)
    assert sweep_at(0 * minutes) == 1
    assert sweep_at(16 * minutes) == 1  # first day: every 15 minutes
    assert sweep_at(24 * 60 * minutes + minutes) == 1
    assert sweep_at(24 * 60 * minutes + 20 * minutes) == 0  # then hourly
    assert sweep_at(24 * 60 * minutes + 62 * minutes) == 1
    assert sweep_at(7 * 24 * 60 * minutes - 30 * minutes) == 1
    assert sweep_at(7 * 24 * 60 * minutes + minutes) == 1  # the last one, past a week
    acme.refresh_from_db()
    assert "stopped checking" in acme.custom_domain_check_message
    assert sweep_at(8 * 24 * 60 * minutes) == 0
    assert sweep_at(30 * 24 * 60 * minutes) == 0
