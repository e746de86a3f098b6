"""Capped exponential backoff for loops that must outlive a database that is locked or gone."""

import contextlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)
T = TypeVar("T")

# What a database does when it is locked, restarting or unreachable; anything else is a bug
# that should end the process (and its supervisor restarts it, saying why).
DATABASE_TROUBLE = (OperationalError, InterfaceError)


def drop_connections() -> None:
    """Close every open database connection, even a broken one; the next query opens a new one."""
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(Exception):  # a connection that cannot even close is gone already
            conn.close()


class Backoff:
    """`wait()` sleeps first `first` seconds, then twice as long each time, never more than `cap`;
    `reset()` after a success starts again from `first`. `tick` is called at least every second
    while waiting, so a heartbeat keeps beating through a long wait."""

    def __init__(self, *, first: float = 0.5, cap: float = 30.0, tick: Callable[[], None] | None = None):
        self.first, self.cap, self.tick = first, cap, tick
        self.failures = 0

    @property
    def delay(self) -> float:
        return min(self.cap, self.first * 2**self.failures) if self.failures < 64 else self.cap

    def wait(self) -> float:
        delay = self.delay
        self.failures += 1
        sleep(delay, tick=self.tick)
        return delay

    def reset(self) -> None:
        self.failures = 0


def sleep(seconds: float, *, tick: Callable[[], None] | None = None) -> None:
    """time.sleep in slices of at most a second, calling `tick` before each."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if tick:
            tick()
        time.sleep(min(1.0, left))


def retry_database_trouble(write: Callable[[], T], *, what: str, attempts: int = 10) -> T:
    """Run `write` (one short transaction) until the database takes it: a lock held by someone
    else, or a dropped connection, is waited out with capped backoff (about two minutes over
    ten attempts) before the error is raised. For what must not be lost, like the record of an
    email already sent."""
    backoff = Backoff(first=0.5, cap=30.0)
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except DATABASE_TROUBLE as exc:
            if attempt == attempts:
                raise
            logger.warning("Database error while %s: %s. Retrying in %.1f s.", what, exc, backoff.delay)
            for conn in connections.all(initialized_only=True):
                if not conn.in_atomic_block:  # a broken connection is replaced by the next query
                    conn.close_if_unusable_or_obsolete()
            backoff.wait()
    raise AssertionError("unreachable")
