from django.conf import settings
from django.db.models import Q, QuerySet

from kindred.accounts.models import User
from kindred.orgs.models import Membership, Organization, Role


def absolute_url(path: str, organization: Organization | None = None) -> str:
    """A full URL for emails: on the organization's custom domain when it has one."""
    if organization is not None and organization.custom_domain:
        return f"https://{organization.custom_domain}{path}"
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
    host = host.split(":")[0].lower()
    if not host:
        return None
    return Organization.objects.filter(custom_domain=host).first()
