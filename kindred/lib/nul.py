"""NUL bytes are refused in one place, for every request.

PostgreSQL cannot store a NUL character in text and psycopg raises on it, so a single "%00" in a
URL, a query string or a form field used to answer 500 wherever that text reached a query. No
human types a NUL; stripping it would silently change what was sent (and can turn "ad\\0min"
into "admin" after a check), so the request is refused with a 400 that says why."""

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

NUL = "\x00"
MESSAGE = "The request contains a NUL character (\\0), which is never valid here."
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(pairs: Iterable[tuple[str, list[str]]]) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in pairs)


def request_has_nul(request: HttpRequest) -> bool:
    """Whether the path, the query string, a cookie, a form field (name or value; not a file's
    contents) or a JSON body carries a NUL."""
    if NUL in request.path or _has_nul(request.GET.lists()):
        return True
    if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    content_type = request.content_type or ""
    if content_type in FORM_TYPES:
        files = ((name, [f.name or "" for f in fs]) for name, fs in request.FILES.lists())
        return _has_nul(request.POST.lists()) or _has_nul(files)
    if content_type == "application/json":
        return b"\x00" in request.body or b"\\u0000" in request.body
    return False


class RefuseNulMiddleware:
    """Answers 400 to a request with a NUL byte anywhere a view could read text from.

    Placed before the session and authentication middleware: a NUL in the session cookie must
    not reach the session table either."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request_has_nul(request):
            if _wants_json(request):
                return JsonResponse({"detail": MESSAGE, "errors": [MESSAGE]}, status=400)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _wants_json(request: HttpRequest) -> bool:
    return (
        request.path.startswith("/api/")
        or request.content_type == "application/json"
        or "application/json" in request.headers.get("Accept", "")
    )
