"""The one parser for object ids that come from a request (a URL, a query string, a form).

An id is a bounded positive integer written in ASCII digits: "²" (which `str.isdigit()`
accepts), "-1", "0", " 7", "1e3" and a number past the database's 64-bit range are all "no such
object". Anything else used to reach the database and answer 500 (OverflowError on SQLite,
DataError on PostgreSQL)."""

import re

from django.http import Http404

MAX_ID = 2**63 - 1  # the largest value of a BigAutoField on SQLite and PostgreSQL
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value: object) -> int | None:
    """The id in `value`, or None unless it is a positive integer of at most 2**63-1 in ASCII digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def id_or_404(value: object) -> int:
    """The id in `value`, or a 404: a missing or malformed id names no object."""
    number = parse_id(value)
    if number is None:
        raise Http404
    return number


class IdConverter:
    """The `<id:...>` path converter: like Django's `<int:...>`, but an id out of range does not
    match (a 404), instead of reaching the database."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(f"not an id: {value!r}")
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)


class NumberConverter:
    """The `<num:...>` path converter for a count that is not an id (a logo's version): 0 to
    2**31-1, the range of a PositiveIntegerField on every database."""

    regex = "[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > 2**31 - 1:
            raise ValueError(f"out of range: {value!r}")
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)
