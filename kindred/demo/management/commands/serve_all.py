import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand

from kindred.demo.data import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Run the web server, the background worker and the periodic sweep together (`make run`)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        python, manage = sys.executable, os.path.abspath(sys.argv[0])
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nKindred is starting on {url}\n"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, what in DEMO_LOGINS:
            self.stdout.write(f"  {email:<28} {what}")
        self.stdout.write("Press Ctrl+C to stop the web server and the worker.\n")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        procs = [
            subprocess.Popen([python, manage, "db_worker", "--interval", "1"], env=env),
            subprocess.Popen([python, manage, "sweep", "--loop"], env=env),
            subprocess.Popen([python, manage, "runserver", f"{host}:{port}", "--noreload"], env=env),
        ]

        def stop(*_: Any) -> None:
            for p in procs:
                if p.poll() is None:
                    p.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
