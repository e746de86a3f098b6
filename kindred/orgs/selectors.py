import ipaddress
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Q, QuerySet
from django.http.request import split_domain_port, validate_host

from kindred.accounts.models import User
from kindred.orgs.models import Membership, Organization, Role

# Names that always mean "this machine", whatever the settings say.
LOCAL_HOSTS = ("localhost", "localhost.localdomain", "ip6-localhost", "testserver")


def is_site_host(host: str) -> bool:
    """Whether `host` is one of Kindred's own addresses, which no organization may claim: the host
    of SITE_URL, every ALLOWED_HOSTS entry that is not there for organizations' custom domains
    (CUSTOM_DOMAIN_HOSTS), and loopback names and addresses."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host or host in LOCAL_HOSTS or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True  # an address is never an organization's domain
    site_host = (urlsplit(settings.SITE_URL).hostname or "").lower()
    if host == site_host:
        return True
    tenant_hosts = set(settings.CUSTOM_DOMAIN_HOSTS)
    own = [h.lower() for h in settings.ALLOWED_HOSTS if h != "*" and h not in tenant_hosts]
    return validate_host(host, own)


def served_here(host: str) -> bool:
    """Whether this server answers on `host` at all (ALLOWED_HOSTS, with CUSTOM_DOMAIN_HOSTS)."""
    return validate_host(host, settings.ALLOWED_HOSTS)


def absolute_url(path: str, organization: Organization | None = None) -> str:
    """A full URL for emails: on the organization's custom domain once it is proven."""
    if organization is not None and organization.verified_custom_domain:
        return f"https://{organization.verified_custom_domain}{path}"
    return f"{settings.SITE_URL}{path}"


def email_branding(organization: Organization) -> dict[str, object]:
    """Context every email of an organization needs to wear its branding."""
    logo = absolute_url(organization.logo_url, organization) if organization.logo_url else ""
    return {"brand": organization, "logo_src": logo}


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name")


def members_of(organization: Organization, *, query: str = "", role: str = "") -> QuerySet[Membership]:
    """The organization's people, optionally searched by name, email or title and filtered by role."""
    members = Membership.objects.filter(organization=organization).select_related("user")
    if query:
        members = members.filter(
            Q(user__name__icontains=query)
            | Q(user__email__icontains=query)
            | Q(user__job_title__icontains=query)
        )
    if role in Role.values:
        members = members.filter(role=role)
    return members.order_by("user__name", "user__email")


def organization_for_host(host: str) -> Organization | None:
    """The organization whose proven custom domain this is (never for Kindred's own hosts)."""
    host, _port = split_domain_port(host)
    if is_site_host(host):
        return None
    return Organization.objects.filter(custom_domain=host, custom_domain_verified_at__isnull=False).first()


def admin_email_at(organization: Organization, domain: str) -> bool:
    """Whether an administrator of the organization has a verified email address at `domain`."""
    return EmailAddress.objects.filter(
        verified=True,
        email__iendswith=f"@{domain}",
        user__memberships__organization=organization,
        user__memberships__role=Role.ADMIN,
    ).exists()
