"""`make run`: the web server, the background worker and the periodic sweep, supervised.

The port is checked before anything starts. The worker and the sweep are restarted when they
exit or stop beating their heartbeat file (kindred.lib.heartbeat), and the console says why; if
the web server stops, everything stops and the command exits non-zero."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kindred.demo.data import DEMO_LOGINS, DEMO_PASSWORD
from kindred.lib import heartbeat

QUICK_EXIT = 30.0  # a process that dies sooner than this after starting is restarted with growing delays
MAX_RESTART_DELAY = 30.0
FIRST_BEAT_WITHIN = 120.0


def port_problem(host: str, port: int) -> str | None:
    """Why the web server could not listen on host:port, or None if it can (a bind test)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        return f"{host} is not an address this machine can serve on ({exc})."
    with socket.socket(family, kind, proto) as probe:
        # Like the web server itself: a port left in TIME_WAIT by a stopped server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return (
                f"Port {port} on {host} is already in use ({exc.strerror or exc}). Is Kindred already "
                f"running? Stop it, or serve on another port: PORT={port + 1} make run"
            )
    return None


class Child:
    """One supervised process: started, watched (exit code, heartbeat age), stopped, restarted."""

    def __init__(self, name: str, argv: list[str], *, beat_file: Path | None = None) -> None:
        self.name, self.argv, self.beat_file = name, argv, beat_file
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.restart_at: float | None = None
        self.quick_exits = 0

    def start(self) -> int:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if self.beat_file:
            self.beat_file.unlink(missing_ok=True)
            env[heartbeat.ENV] = str(self.beat_file)
        self.started, self.restart_at = time.time(), None
        self.process = subprocess.Popen(self.argv, env=env)
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def trouble(self, heartbeat_timeout: float) -> str | None:
        """Why this process needs a restart, or None while it is healthy."""
        if self.process is None:
            return None
        code = self.process.poll()
        if code is not None:
            return f"exited with code {code}"
        if self.beat_file:
            silent = heartbeat.seconds_since_beat(self.beat_file, started=self.started)
            if silent is not None and silent > heartbeat_timeout:
                return f"sent no heartbeat for {silent:.0f} s"
            # Starting Django can take a while on a busy machine: a first beat gets more time.
            waited = time.time() - self.started
            if silent is None and waited > max(heartbeat_timeout, FIRST_BEAT_WITHIN):
                return f"sent no heartbeat in the {waited:.0f} s since it started"
        return None

    def stop(self, grace: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()  # a stopped or hung process ignores SIGTERM
                self.process.wait()

    def schedule_restart(self) -> float:
        """Stop, and pick when to start again: at once, unless it keeps dying right after starting."""
        self.stop(grace=5.0)
        self.quick_exits = self.quick_exits + 1 if time.time() - self.started < QUICK_EXIT else 0
        delay = min(MAX_RESTART_DELAY, 2.0 ** (self.quick_exits - 1)) if self.quick_exits else 0.0
        self.restart_at = time.time() + delay
        return delay


class Command(BaseCommand):
    help = (
        "Run the web server, the background worker and the periodic sweep together (`make run`), "
        "restarting the worker and the sweep when they exit or stop sending heartbeats."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--heartbeat-timeout",
            type=float,
            default=120.0,
            help="Seconds without a heartbeat before the worker or the sweep is restarted (default: 120).",
        )
        parser.add_argument(
            "--check-port", action="store_true", help="Only check that the port is free, then exit."
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        heartbeat_timeout: float,
        check_port: bool,
        **options: Any,
    ) -> None:
        if problem := port_problem(host, port):
            raise CommandError(problem)
        if check_port:
            return
        python, manage = sys.executable, os.path.abspath(sys.argv[0])
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nKindred is starting on {url}\n"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, what in DEMO_LOGINS:
            self.stdout.write(f"  {email:<28} {what}")
        self.stdout.write("Press Ctrl+C to stop the web server and the worker.\n")
        with tempfile.TemporaryDirectory(prefix="kindred-heartbeats-") as beats:
            web = Child("web server", [python, manage, "runserver", f"{host}:{port}", "--noreload"])
            helpers = [
                Child(
                    "worker", [python, manage, "worker", "--interval", "1"], beat_file=Path(beats, "worker")
                ),
                Child("sweep", [python, manage, "sweep", "--loop"], beat_file=Path(beats, "sweep")),
            ]
            self.supervise(web, helpers, heartbeat_timeout)

    def supervise(self, web: Child, helpers: list[Child], heartbeat_timeout: float) -> None:
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        everyone = [web, *helpers]
        failed = ""
        try:
            for child in everyone:
                child.start()
            while not stopping:
                if code := web.trouble(heartbeat_timeout):
                    failed = f"The web server {code}; stopping Kindred."
                    break
                for child in helpers:
                    if child.restart_at is not None:
                        if time.time() >= child.restart_at:
                            pid = child.start()
                            self.stderr.write(f"The {child.name} is running again (pid {pid}).")
                    elif why := child.trouble(heartbeat_timeout):
                        delay = child.schedule_restart()
                        when = f"in {delay:.0f} s" if delay else "now"
                        self.stderr.write(
                            self.style.WARNING(f"The {child.name} {why}: restarting it {when}.")
                        )
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for child in everyone:
                child.stop()
        if failed:
            raise CommandError(failed)
