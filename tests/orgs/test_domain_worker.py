"""The proofs run in the real database worker: a domain whose DNS times out or does not exist
leaves its task SUCCESSFUL (pending, with a message), and the worker goes on to the next one."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from kindred.orgs import services
from kindred.orgs.models import Organization
from tests.factories import OrganizationFactory


@pytest.mark.django_db(transaction=True)
def test_the_worker_survives_dns_trouble_and_proves_the_good_domain(fake_dns, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.DNS_TIMEOUT = 0.3
    slow = OrganizationFactory(custom_domain="slow.example.test")
    missing = OrganizationFactory(custom_domain="missing.example.test")
    good = OrganizationFactory(custom_domain="good.example.test")
    fake_dns.silent.add("_kindred-challenge.slow.example.test")
    fake_dns.records["_kindred-challenge.good.example.test"] = [good.domain_token]
    assert services.domains_check_pending() == 3
    assert DBTaskResult.objects.count() == 3  # queued, not run by the sweep itself
    call_command("db_worker", "--batch", "--no-startup-delay")
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    slow, missing, good = (Organization.objects.get(pk=o.pk) for o in (slow, missing, good))
    assert (
        slow.custom_domain_verified_at is None
        and "did not answer in time" in slow.custom_domain_check_message
    )
    assert (
        missing.custom_domain_verified_at is None and "No TXT record" in missing.custom_domain_check_message
    )
    assert good.custom_domain_verified_at is not None
