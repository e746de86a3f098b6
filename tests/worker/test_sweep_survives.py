"""`manage.py sweep --loop` outlives a database error: it logs it, backs off and sweeps again."""

import re
import sqlite3

import pytest
from django.core.management import call_command
from django.db import OperationalError

from kindred.pairing.management.commands import sweep
from tests.worker.conftest import BUSY_TIMEOUT, Site, wait_for

pytestmark = pytest.mark.django_db


class Stop(BaseException):
    """Ends the endless loop from inside the test."""


def test_a_locked_database_is_logged_and_the_next_turn_sweeps(monkeypatch, caplog):
    turns = []

    def expire() -> int:
        turns.append("expire")
        if len(turns) == 1:
            raise OperationalError("database is locked")
        if len(turns) == 3:
            raise Stop
        return 0

    monkeypatch.setattr(sweep, "requests_expire", expire)
    monkeypatch.setattr(sweep, "programs_complete_ended", lambda: 0)
    monkeypatch.setattr(sweep, "invitations_start_waiting", lambda: 0)
    monkeypatch.setattr(sweep, "imports_fail_stale", lambda: 0)
    monkeypatch.setattr(sweep, "domains_check_pending", lambda: 0)
    # No real waiting, and the test's own connection stays open.
    monkeypatch.setattr("kindred.lib.backoff.time.sleep", lambda seconds: None)
    monkeypatch.setattr(sweep, "drop_connections", lambda: None)
    with pytest.raises(Stop):
        call_command("sweep", "--loop", "--interval", "0")
    assert turns == ["expire", "expire", "expire"]
    assert "database is locked" in caplog.text


def test_without_loop_a_database_error_is_an_error():
    def expire() -> int:
        raise OperationalError("database is locked")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sweep, "requests_expire", expire)
        with pytest.raises(OperationalError):
            call_command("sweep")


ENDED_PROGRAM = """
import datetime as dt
from tests.factories import ProgramFactory
today = dt.date.today()
ProgramFactory(
    slug="ended", status="running", registration_opens_on=today - dt.timedelta(days=90),
    registration_closes_on=today - dt.timedelta(days=80), starts_on=today - dt.timedelta(days=60),
    ends_on=today - dt.timedelta(days=1),
)
"""


def program_status(site: Site) -> str:
    with sqlite3.connect(site.db, timeout=30) as conn:
        [(status,)] = conn.execute("SELECT status FROM programs_program WHERE slug = 'ended'").fetchall()
    return str(status)


def test_a_real_lock_past_the_busy_timeout_is_waited_out_and_the_work_done(full_site, stop_afterwards):
    """The real command in its own process, against a file database whose write lock another
    connection holds for several of the process's busy timeouts (BUSY_TIMEOUT seconds)."""
    assert BUSY_TIMEOUT < 4  # the lock is held longer: three refusals and 1 + 2 s of backoff
    site = full_site
    made = site.manage("shell", "-c", ENDED_PROGRAM, timeout=120)
    assert made.returncode == 0, made.stderr
    with site.locked():
        stop_afterwards.append(site.start("sweep", "--loop", "--interval", "5", output="sweep.log"))
        wait_for(
            lambda: len(re.findall(r"database is locked\S*; retrying in", site.output("sweep.log"))) >= 3,
            what="the sweep to meet the lock three times",
        )
        assert program_status(site) == "running"  # nothing was half-done under the lock
    wait_for(lambda: program_status(site) == "completed", what="the sweep to complete the ended program")
    wait_for(lambda: "1 program(s) completed" in site.output("sweep.log"), what="the sweep's report")
    log = site.output("sweep.log")
    waits = [int(s) for s in re.findall(r"retrying in (\d+) s", log)]
    assert waits[:3] == [1, 2, 4], log  # it backs off, doubling, capped by the interval
    assert stop_afterwards[0].poll() is None  # and keeps looping
