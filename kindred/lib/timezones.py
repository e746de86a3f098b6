"""Time zone choices for forms."""

import zoneinfo
from functools import cache


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(tz for tz in time_zone_names() if "/" in tz and not tz.startswith(("Etc/", "SystemV/")))
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


@cache
def time_zone_names() -> frozenset[str]:
    """Every IANA name (reading them from disk is slow: once per process)."""
    return frozenset(zoneinfo.available_timezones())


def is_valid_time_zone(name: str) -> bool:
    return name in time_zone_names()
