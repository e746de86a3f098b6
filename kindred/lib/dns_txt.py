"""Read a name's DNS TXT records with a real resolver (dnspython), for proofs of domain control.

Every way a lookup can go wrong ends as `[]` (the name or its TXT records do not exist) or as
`DnsLookupFailed` with a sentence a person can act on, never as another exception: the worker
that calls this must not die on a bad domain."""

from collections.abc import Sequence

import dns.exception
import dns.nameserver
import dns.resolver


class DnsLookupFailed(Exception):
    """The DNS servers could not say whether the record exists (timeout, SERVFAIL, no network)."""


def parse_nameserver(text: str) -> dns.nameserver.Do53Nameserver:
    """`192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53` or `[2001:db8::53]:5353`."""
    text = text.strip()
    port = 53
    if text.startswith("["):
        address, _, rest = text[1:].partition("]")
        if rest:
            port = int(rest.removeprefix(":"))
    elif text.count(":") == 1:
        address, _, port_text = text.partition(":")
        port = int(port_text)
    else:
        address = text
    return dns.nameserver.Do53Nameserver(address, port)


def txt_records(name: str, *, nameservers: Sequence[str] = (), timeout: float = 5.0) -> list[str]:
    """The TXT strings published at `name` (each record's strings joined, as RFC 7208 reads them).

    `nameservers` (see `parse_nameserver`) replaces the system's resolvers from /etc/resolv.conf;
    `timeout` bounds the whole lookup, retries included."""
    try:
        resolver = dns.resolver.Resolver(configure=not nameservers)
        if nameservers:
            resolver.nameservers = [parse_nameserver(ns) for ns in nameservers]
    except (dns.exception.DNSException, OSError, ValueError) as exc:
        raise DnsLookupFailed(f"this server has no usable DNS resolver ({exc})") from exc
    resolver.timeout = resolver.lifetime = timeout
    try:
        answer = resolver.resolve(name, "TXT", search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.resolver.LifetimeTimeout as exc:
        raise DnsLookupFailed("the DNS servers did not answer in time") from exc
    except dns.resolver.NoNameservers as exc:
        raise DnsLookupFailed("the DNS servers refused to answer or failed (SERVFAIL)") from exc
    except (dns.exception.DNSException, OSError) as exc:
        raise DnsLookupFailed(f"the DNS lookup failed ({exc.__class__.__name__})") from exc
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]
