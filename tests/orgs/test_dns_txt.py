"""The resolver wrapper against a real DNS server on 127.0.0.1 (tests/orgs/dns_server.py)."""

import pytest

from kindred.lib.dns_txt import DnsLookupFailed, parse_nameserver, txt_records


def test_reads_the_published_strings(fake_dns):
    fake_dns.records["_kindred-challenge.acme.test"] = ["kindred-abc", "v=spf1 -all"]
    found = txt_records("_kindred-challenge.acme.test", nameservers=[fake_dns.nameserver], timeout=1)
    assert sorted(found) == ["kindred-abc", "v=spf1 -all"]
    assert fake_dns.queries == ["_kindred-challenge.acme.test"]


def test_a_missing_name_is_no_records(fake_dns):
    assert txt_records("_kindred-challenge.nowhere.test", nameservers=[fake_dns.nameserver], timeout=1) == []


def test_a_name_without_txt_records_is_no_records(fake_dns):
    fake_dns.records["_kindred-challenge.acme.test"] = []
    assert txt_records("_kindred-challenge.acme.test", nameservers=[fake_dns.nameserver], timeout=1) == []


def test_a_server_that_never_answers_is_a_clear_failure(fake_dns):
    fake_dns.silent.add("_kindred-challenge.slow.test")
    with pytest.raises(DnsLookupFailed, match="did not answer in time"):
        txt_records("_kindred-challenge.slow.test", nameservers=[fake_dns.nameserver], timeout=0.3)


def test_servfail_is_a_clear_failure(fake_dns):
    fake_dns.failing.add("_kindred-challenge.broken.test")
    with pytest.raises(DnsLookupFailed, match="SERVFAIL"):
        txt_records("_kindred-challenge.broken.test", nameservers=[fake_dns.nameserver], timeout=1)


@pytest.mark.parametrize(
    ("text", "address", "port"),
    [
        ("192.0.2.53", "192.0.2.53", 53),
        ("192.0.2.53:5353", "192.0.2.53", 5353),
        ("2001:db8::53", "2001:db8::53", 53),
        ("[2001:db8::53]:5353", "2001:db8::53", 5353),
    ],
)
def test_nameserver_forms(text, address, port):
    server = parse_nameserver(text)
    assert (server.address, server.port) == (address, port)
