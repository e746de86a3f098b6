import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from kindred.orgs.services import domains_check_pending
from kindred.pairing.choice import requests_expire
from kindred.pairing.mentorships import programs_complete_ended
from kindred.registration.imports import imports_fail_stale
from kindred.registration.invitations import invitations_start_waiting


class Command(BaseCommand):
    help = (
        "Periodic housekeeping: expire unanswered mentor requests (telling the mentees), complete ended "
        "programs, start invitations whose registration opened, give up imports whose worker died, "
        "queue DNS checks of domains waiting for their proof. "
        "--loop keeps running."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", action="store_true", help="Run every --interval seconds until stopped.")
        parser.add_argument("--interval", type=int, default=60)

    def handle(self, *args: Any, loop: bool, interval: int, **options: Any) -> None:
        while True:
            expired = requests_expire()
            completed = programs_complete_ended()
            invitations_start_waiting()
            stale = imports_fail_stale()
            domains_check_pending()
            if expired or completed or stale or not loop:
                self.stdout.write(
                    f"sweep: {expired} mentor request(s) expired, {completed} program(s) completed, "
                    f"{stale} stalled import(s) given up"
                )
            if not loop:
                return
            close_old_connections()
            time.sleep(interval)
