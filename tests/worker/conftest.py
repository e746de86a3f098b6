"""A file-based SQLite database of its own, and helpers to run the real commands against it in
subprocesses: the worker, the supervisor, and a connection of the test's that holds the write
lock longer than the processes' busy timeout (tests/worker/settings.py)."""

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.worker import settings as worker_settings

ROOT = Path(__file__).resolve().parents[2]
MANAGE = str(ROOT / "manage.py")
TABLE = "django_tasks_database_dbtaskresult"


def wait_for(condition: Callable[[], object], *, what: str, timeout: float = 90.0) -> None:
    """Poll until `condition()` is true; fail with `what` after a generous bound (never a speed test)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


@dataclass
class Site:
    folder: Path
    db: Path
    env: dict[str, str]

    @property
    def task_log(self) -> Path:
        return self.folder / "log"

    def manage(self, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # type: ignore[call-overload, no-any-return]
            [sys.executable, MANAGE, *args], env=self.env, cwd=ROOT, capture_output=True, text=True, **kwargs
        )

    def start(self, *args: str, output: str) -> subprocess.Popen[bytes]:
        with open(self.folder / output, "wb") as out:
            return subprocess.Popen(
                [sys.executable, MANAGE, *args], env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self, name: str) -> str:
        return (self.folder / name).read_text(errors="replace")

    def enqueue(self, task: str, tags: list[str]) -> None:
        code = f"from tests.worker.tasks import {task}\nfor tag in {tags!r}:\n    {task}.enqueue(tag)"
        done = self.manage("shell", "-c", code, timeout=120)
        assert done.returncode == 0, done.stderr

    def results(self) -> dict[str, str]:
        """status by tag (each task's only argument)."""
        with sqlite3.connect(self.db, timeout=30) as conn:
            rows = conn.execute(f"SELECT args_kwargs, status FROM {TABLE}").fetchall()
        return {json.loads(args)["args"][0]: status for args, status in rows}

    def ran(self) -> list[str]:
        return sorted(self.task_log.read_text().split()) if self.task_log.exists() else []

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold SQLite's write lock from another connection until the block ends."""
        conn = sqlite3.connect(self.db, timeout=30, isolation_level=None)
        try:
            conn.execute("BEGIN EXCLUSIVE")
            yield
            conn.execute("ROLLBACK")
        finally:
            conn.close()


def _env(db: Path, folder: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.worker.settings",
        "DATABASE_URL": f"sqlite:///{db}",
        "DEBUG": "true",
        "PYTHONUNBUFFERED": "1",
        "KINDRED_TEST_TASK_LOG": str(folder / "log"),
    }
    env.pop("KINDRED_HEARTBEAT_FILE", None)
    return env


@pytest.fixture(scope="session")
def empty_queue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the queue's table only (the worker needs nothing else), migrated once."""
    folder = tmp_path_factory.mktemp("queue")
    made = Site(folder=folder, db=folder / "db.sqlite3", env=_env(folder / "db.sqlite3", folder))
    done = made.manage("migrate", "django_tasks_database", "--noinput", timeout=300)
    assert done.returncode == 0, done.stderr
    return made.db


@pytest.fixture
def site(tmp_path: Path, empty_queue: Path) -> Site:
    db = tmp_path / "db.sqlite3"
    with sqlite3.connect(empty_queue) as source, sqlite3.connect(db) as copy:
        source.backup(copy)
    return Site(folder=tmp_path, db=db, env=_env(db, tmp_path))


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with every table (for commands that touch more than the queue), migrated once."""
    folder = tmp_path_factory.mktemp("migrated")
    made = Site(folder=folder, db=folder / "db.sqlite3", env=_env(folder / "db.sqlite3", folder))
    done = made.manage("migrate", "--noinput", timeout=600)
    assert done.returncode == 0, done.stderr
    return made.db


@pytest.fixture
def full_site(tmp_path: Path, migrated: Path) -> Site:
    db = tmp_path / "db.sqlite3"
    with sqlite3.connect(migrated) as source, sqlite3.connect(db) as copy:
        source.backup(copy)
    return Site(folder=tmp_path, db=db, env=_env(db, tmp_path))


@pytest.fixture
def stop_afterwards() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            # SIGTERM first: serve_all stops its web server, worker and sweep on it (a SIGKILL
            # would leave them running, orphaned, after the test).
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


BUSY_TIMEOUT = worker_settings.BUSY_TIMEOUT
