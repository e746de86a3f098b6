from collections.abc import Iterator

import pytest

from tests.orgs.dns_server import FakeDns


@pytest.fixture
def fake_dns(settings) -> Iterator[FakeDns]:  # type: ignore[no-untyped-def]
    """A local DNS server the domain proofs are looked up on (settings.DNS_NAMESERVERS)."""
    server = FakeDns().start()
    settings.DNS_NAMESERVERS = [server.nameserver]
    settings.DNS_TIMEOUT = 1
    yield server
    server.stop()
