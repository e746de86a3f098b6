from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from kindred.orgs.access import ORG_NEEDS, OrgAccess, OrgNeed, check_need, get_org_for


def org_view(need: OrgNeed = "member") -> Callable[..., Callable[..., HttpResponse]]:
    """A view inside /o/<org_slug>/: requires login, resolves the organization through the
    access helper, brands the page with it, and passes the OrgAccess to the view."""
    check_need(need, ORG_NEEDS)  # a typo fails when the module is imported, not on a request

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, org_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            access: OrgAccess = get_org_for(request.user, org_slug, need=need)  # type: ignore[arg-type]
            request.brand = access.organization  # type: ignore[attr-defined]
            return view(request, access, *args, **kwargs)

        return wrapper

    return decorate
