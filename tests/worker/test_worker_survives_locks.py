"""The real worker (`manage.py worker`) against a file-based SQLite database that another
connection holds locked for longer than the worker's busy timeout: the worker logs, backs off,
and once the lock is gone every queued task runs exactly once and its result is recorded."""

import time

from tests.worker.conftest import BUSY_TIMEOUT, Site, wait_for

WORKER = ("worker", "--interval", "0.2", "--no-startup-delay", "--max-backoff", "1")


def all_done(site: Site, tags: list[str]) -> bool:
    results = site.results()
    return all(results.get(tag) == "SUCCESSFUL" for tag in tags)


def test_a_lock_longer_than_the_timeout_while_claiming_delays_the_tasks_and_loses_none(site, stop_afterwards):
    tags = [f"claim-{i}" for i in range(5)]
    site.enqueue("record", tags)
    with site.locked():
        worker = site.start(*WORKER, output="worker.out")
        stop_afterwards.append(worker)
        wait_for(
            lambda: worker.poll() is not None or "Database error while claiming" in site.output("worker.out"),
            what="the lock to bite",
        )
        time.sleep(2 * BUSY_TIMEOUT)  # several more failed attempts
        assert worker.poll() is None, site.output("worker.out")
        assert site.ran() == []
    wait_for(lambda: all_done(site, tags), what="every task to finish after the lock")
    assert site.ran() == sorted(tags)  # each ran exactly once
    assert worker.poll() is None


def test_a_lock_while_recording_a_result_is_waited_out_and_the_task_is_not_run_again(site, stop_afterwards):
    site.enqueue("record_when_told", ["slow"])
    site.enqueue("record", ["after-1", "after-2"])
    worker = site.start(*WORKER, output="worker.out")
    stop_afterwards.append(worker)
    wait_for(lambda: (site.folder / "started-slow").exists(), what="the slow task to start")
    with site.locked():
        (site.folder / "go").touch()  # the task finishes while the database is locked
        wait_for(
            lambda: (
                worker.poll() is not None
                or "Database error while recording the result" in site.output("worker.out")
            ),
            what="recording the result to meet the lock",
        )
        time.sleep(2 * BUSY_TIMEOUT)
        assert worker.poll() is None, site.output("worker.out")
        assert site.results()["slow"] == "RUNNING"  # claimed, finished, not yet recorded
    wait_for(lambda: all_done(site, ["slow", "after-1", "after-2"]), what="every task to finish")
    assert site.ran() == ["after-1", "after-2", "slow"]
    assert worker.poll() is None


def test_the_worker_beats_its_heartbeat_while_idle(site, stop_afterwards):
    beat = site.folder / "beat"
    site.env["KINDRED_HEARTBEAT_FILE"] = str(beat)
    worker = site.start(*WORKER, output="worker.out")
    stop_afterwards.append(worker)
    wait_for(beat.exists, what="a first heartbeat")
    first = beat.stat().st_mtime
    wait_for(lambda: beat.stat().st_mtime > first, what="a later heartbeat")
