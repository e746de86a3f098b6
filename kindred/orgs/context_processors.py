from typing import Any

from django.http import HttpRequest

from kindred.orgs.models import Organization


def branding(request: HttpRequest) -> dict[str, Any]:
    """`brand`: the organization whose look this page wears — the one a view set on the request
    (`request.brand`), else the one whose custom domain served it, else Kindred's own."""

    def brand() -> Organization | None:
        chosen = getattr(request, "brand", None)
        if chosen is not None:
            return chosen
        host_org = getattr(request, "host_organization", None)
        return host_org if host_org else None

    return {"brand": brand}
