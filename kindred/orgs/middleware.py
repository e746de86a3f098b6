from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from kindred.orgs.selectors import organization_for_host


class BrandingMiddleware:
    """Recognise an organization's custom domain: `request.host_organization` is that
    organization (or None), looked up only when something asks for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.host_organization = SimpleLazyObject(  # type: ignore[attr-defined]
            lambda: organization_for_host(request.get_host())
        )
        return self.get_response(request)
