"""Tasks the real worker runs in these tests. Each appends its tag to the file named by
KINDRED_TEST_TASK_LOG, so a test can count how often each ran without touching the database."""

import os
import time
from pathlib import Path

from django_tasks import task


def _append(tag: str) -> None:
    with open(os.environ["KINDRED_TEST_TASK_LOG"], "a") as log:
        log.write(tag + "\n")


@task()
def record(tag: str) -> str:
    _append(tag)
    return tag


@task()
def record_when_told(tag: str) -> str:
    """Say it started (a file `started-<tag>`), wait for a file `go`, then record: the test
    locks the database while this task runs, so the result meets the lock."""
    folder = Path(os.environ["KINDRED_TEST_TASK_LOG"]).parent
    (folder / f"started-{tag}").touch()
    deadline = time.monotonic() + 120
    while not (folder / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    _append(tag)
    return tag


@task()
def returns_what_json_cannot_hold(tag: str) -> object:
    _append(tag)
    return {1, 2}
