from typing import Any

from django.core.management.base import BaseCommand

from kindred.demo.data import load_demo


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo organization Northwind. Safe to run twice."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo organization ready: " + ", ".join(f"{v} {k}" for k, v in summary.items())
            )
        )
