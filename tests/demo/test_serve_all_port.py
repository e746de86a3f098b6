"""`make run` on a port that is taken fails at once, non-zero, with a message that says so,
before it prints the demo logins or starts anything."""

import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_serve_all(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "serve_all", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true", "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_taken_port_is_a_clear_failure_before_anything_starts():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_serve_all("--port", str(port))
    assert done.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use" in done.stderr
    assert f"PORT={port + 1} make run" in done.stderr
    assert "Demo logins" not in done.stdout


def test_the_port_check_alone_passes_on_a_free_port_and_fails_on_a_taken_one():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        taken.listen()
        assert run_serve_all("--port", str(port), "--check-port").returncode != 0
    free = run_serve_all("--port", str(port), "--check-port")
    assert free.returncode == 0, free.stderr
    assert free.stdout == ""
