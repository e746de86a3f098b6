"""Heartbeats: a long-running loop (the worker, the sweep) touches a file on every turn, so the
supervisor that started it (`manage.py serve_all`) can tell a live process from a stuck one.
The file is named by the environment variable KINDRED_HEARTBEAT_FILE; without it, no beat."""

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENV = "KINDRED_HEARTBEAT_FILE"


def beat() -> None:
    path = os.environ.get(ENV)
    if not path:
        return
    # A missing heartbeat is the supervisor's signal; failing to write one must never stop the work.
    with contextlib.suppress(OSError):
        Path(path).touch()


def seconds_since_beat(path: Path, *, started: float) -> float | None:
    """Seconds since the last beat in `path`, or None if the process that started at `started`
    (a time.time()) has not beaten yet."""
    try:
        last = path.stat().st_mtime
    except OSError:
        return None
    return None if last < started else time.time() - last


@contextmanager
def beating_while(every: float = 5.0) -> Iterator[None]:
    """Keep beating from a thread while the block runs: a long task is work, not a hang."""
    done = threading.Event()

    def run() -> None:
        while not done.wait(every):
            beat()

    thread = threading.Thread(target=run, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
