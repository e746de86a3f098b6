from typing import Any

from django.http import HttpRequest

from kindred.orgs.models import Membership, Organization

# Account pages (login, signup, password reset, email verification, profile) belong to Kindred:
# an organization's look on them would let it pose as the site to people of other organizations.
ACCOUNT_PAGES = "/accounts/"


def branding(request: HttpRequest) -> dict[str, Any]:
    """`brand`: the organization whose look this page wears — none on account pages; else the one
    a view set on the request (`request.brand`), else the one whose proven custom domain served
    it, else (error pages raised before a view chose) the organization in the URL if the viewer
    is one of its members, else Kindred's own."""
    found: list[Organization | None] = []

    def brand() -> Organization | None:
        if request.path_info.startswith(ACCOUNT_PAGES):
            return None
        chosen = getattr(request, "brand", None)
        if chosen is not None:
            return chosen
        host_org = getattr(request, "host_organization", None)
        if host_org:
            return host_org
        if not found:  # templates ask many times; look up once
            found.append(_member_organization(request))
        return found[0]

    return {"brand": brand}


def _member_organization(request: HttpRequest) -> Organization | None:
    """The organization of a /o/<org_slug>/ URL, for its members only: a 403 (a member without the
    role) wears its brand, while a stranger's 404 never confirms that the organization exists."""
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("org_slug") if match else None
    user = getattr(request, "user", None)
    if not slug or user is None or not user.is_authenticated:
        return None
    membership = (
        Membership.objects.select_related("organization").filter(organization__slug=slug, user=user).first()
    )
    return membership.organization if membership else None
