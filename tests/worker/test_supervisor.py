"""`manage.py serve_all` (what `make run` starts) supervises the worker and the sweep: a worker
that dies or hangs is restarted and the console says why; if the web server stops, the
supervisor stops everything and exits non-zero."""

import os
import signal
import socket
import time
from pathlib import Path

from tests.worker.conftest import Site, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(parent: int) -> dict[str, int]:
    """The supervisor's children by role (web server, worker, sweep): pid of each."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and len(argv) > 2:
            found[argv[2].decode()] = int(entry.name)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_or_hung_worker_is_restarted_and_a_dead_web_server_stops_everything(
    site: Site, stop_afterwards
):
    supervisor = site.start(
        "serve_all", "--port", str(free_port()), "--heartbeat-timeout", "8", output="serve.out"
    )
    stop_afterwards.append(supervisor)
    wait_for(
        lambda: {"runserver", "worker", "sweep"} <= children(supervisor.pid).keys(),
        what="all three processes",
    )
    first = children(supervisor.pid)["worker"]

    os.kill(first, signal.SIGKILL)
    wait_for(lambda: children(supervisor.pid).get("worker", first) != first, what="a new worker")
    assert "The worker exited with code -9: restarting it" in site.output("serve.out")
    second = children(supervisor.pid)["worker"]
    site.enqueue("record", ["after-restart"])
    wait_for(lambda: site.results().get("after-restart") == "SUCCESSFUL", what="the new worker to run a task")
    assert site.ran() == ["after-restart"]
    assert children(supervisor.pid)["worker"] == second  # its heartbeat keeps it in place

    os.kill(second, signal.SIGSTOP)  # alive, but no longer beating its heartbeat
    wait_for(
        lambda: children(supervisor.pid).get("worker", second) != second,
        what="the hung worker to be replaced",
    )
    assert "The worker sent no heartbeat for" in site.output("serve.out")
    assert not alive(second)

    everyone = children(supervisor.pid)
    os.kill(everyone["runserver"], signal.SIGKILL)
    assert supervisor.wait(timeout=90) != 0
    assert "The web server exited with code -9; stopping Kindred." in site.output("serve.out")
    assert not any(alive(pid) for pid in everyone.values())


def test_a_worker_waiting_out_a_long_lock_keeps_its_heartbeat_and_runs_every_task_once(
    site: Site, stop_afterwards
):
    tags = [f"locked-{i}" for i in range(3)]
    site.enqueue("record", tags)
    with site.locked():
        supervisor = site.start(
            "serve_all", "--port", str(free_port()), "--heartbeat-timeout", "15", output="serve.out"
        )
        stop_afterwards.append(supervisor)
        wait_for(lambda: "worker" in children(supervisor.pid), what="the worker")
        worker = children(supervisor.pid)["worker"]
        time.sleep(20)  # longer than the heartbeat timeout, far longer than the busy timeout
        assert children(supervisor.pid).get("worker") == worker, site.output("serve.out")
        assert site.ran() == []
    wait_for(
        lambda: all(site.results()[tag] == "SUCCESSFUL" for tag in tags), what="the tasks after the lock"
    )
    assert site.ran() == sorted(tags)
    assert "The worker" not in site.output("serve.out")  # never restarted
    assert "Database error while claiming the next task: database is locked" in site.output("serve.out")
