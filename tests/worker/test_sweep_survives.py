"""`manage.py sweep --loop` outlives a database error: it logs it, backs off and sweeps again."""

import pytest
from django.core.management import call_command
from django.db import OperationalError

from kindred.pairing.management.commands import sweep

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
    monkeypatch.setattr(sweep, "domains_check_pending", lambda: 0, raising=False)
    # No real waiting, and the test's own connection stays open.
    monkeypatch.setattr("kindred.lib.backoff.time.sleep", lambda seconds: None)
    monkeypatch.setattr(sweep, "drop_connections", lambda: None, raising=False)
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
