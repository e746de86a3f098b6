"""Request bodies larger than their view accepts are refused before anything reads them.

Django parses a form body the first time anything asks for `request.POST` or `request.FILES`
(here the NUL check and the CSRF check, before any view), streaming files to disk: a size check
inside a view comes too late. So this middleware, first in the chain, compares the declared
Content-Length with the view's own limit (`@body_limit`) or, for every other view,
DATA_UPLOAD_MAX_MEMORY_SIZE, and answers 413 with a message. A view that wants to say it in its
own form gets the request with an empty body and `request.body_too_large` set; it must then
write nothing, which is why it can skip the CSRF check (there is no form to check)."""

import io
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.html import escape

View = TypeVar("View", bound=Callable[..., Any])


def body_limit(max_bytes: int) -> Callable[[View], View]:
    """Let this view take bodies up to `max_bytes`; a larger one reaches it empty, with
    `request.body_too_large` set to the limit, so it can explain in its own form."""

    def decorate(view: View) -> View:
        view.max_body_bytes = max_bytes  # type: ignore[attr-defined]
        return view

    return decorate


def too_large(request: HttpRequest) -> int:
    """The limit a refused body broke, or 0 when the body was let through."""
    return int(getattr(request, "body_too_large", 0))


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _view_limit(request: HttpRequest) -> int | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return getattr(match.func, "max_body_bytes", None)


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


class BodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _declared_length(request)
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            limit = _view_limit(request)
            if limit is None:
                return _refused(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            if length > limit:
                request.body_too_large = limit  # type: ignore[attr-defined]
                request.META["CONTENT_LENGTH"] = "0"
                request.content_type = "application/octet-stream"  # nothing for a form parser
                request._stream = LimitedStream(io.BytesIO(b""), 0)  # type: ignore[assignment]
                request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        return self.get_response(request)


def _refused(limit: int) -> HttpResponse:
    message = f"The request is larger than {megabytes(limit)}, the most this page accepts. Send less at once."
    return HttpResponse(
        f"<!doctype html><title>Too large</title><h1>Too large</h1><p>{escape(message)}</p>",
        status=413,
        content_type="text/html; charset=utf-8",
    )
