from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kindred.demo.data import load_demo


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo organization Northwind. Safe to run twice. DEBUG only."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # The demo logins share a public password: they must never exist in production.
            raise CommandError("The demo organization is for development only (set DEBUG=true).")
        summary = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo organization ready: " + ", ".join(f"{v} {k}" for k, v in summary.items())
            )
        )
