import logging
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from kindred.lib import heartbeat
from kindred.lib.backoff import DATABASE_TROUBLE, Backoff, drop_connections, sleep
from kindred.orgs.services import domains_check_pending
from kindred.pairing.choice import requests_expire
from kindred.pairing.mentorships import programs_complete_ended
from kindred.registration.imports import imports_fail_stale
from kindred.registration.invitations import invitations_start_waiting

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Periodic housekeeping: expire unanswered mentor requests (telling the mentees), complete ended "
        "programs, start invitations whose registration opened, give up imports whose worker died, "
        "queue DNS checks of domains waiting for their proof. "
        "--loop keeps running, and outlives a database that is locked or away for a while."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", action="store_true", help="Run every --interval seconds until stopped.")
        parser.add_argument("--interval", type=int, default=60)

    def handle(self, *args: Any, loop: bool, interval: int, **options: Any) -> None:
        backoff = Backoff(first=1.0, cap=max(interval, 1), tick=heartbeat.beat)
        while True:
            heartbeat.beat()
            try:
                self.sweep(always_report=not loop)
            except DATABASE_TROUBLE as exc:
                if not loop:
                    raise
                logger.warning("sweep: database error (%s); retrying in %.0f s", exc, backoff.delay)
                drop_connections()
                backoff.wait()
                continue
            if not loop:
                return
            backoff.reset()
            close_old_connections()
            sleep(interval, tick=heartbeat.beat)

    def sweep(self, *, always_report: bool) -> None:
        expired = requests_expire()
        completed = programs_complete_ended()
        invitations_start_waiting()
        stale = imports_fail_stale()
        domains_check_pending()
        if expired or completed or stale or always_report:
            self.stdout.write(
                f"sweep: {expired} mentor request(s) expired, {completed} program(s) completed, "
                f"{stale} stalled import(s) given up"
            )
