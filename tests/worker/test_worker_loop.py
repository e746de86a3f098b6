"""The worker loop in-process: `manage.py worker --batch` runs what is queued, and a claim whose
COMMIT reported an error after it had landed is found again and run, once."""

import pytest
from django.core.management import call_command
from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.models import DBTaskResult

from kindred.worker.loop import ResilientWorker
from tests.worker.tasks import record

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _database_queue(settings, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    monkeypatch.setenv("KINDRED_TEST_TASK_LOG", str(tmp_path / "log"))
    monkeypatch.setattr("kindred.lib.backoff.sleep", lambda seconds, tick=None: None)
    return tmp_path / "log"


def ran(log) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(log.read_text().split()) if log.exists() else []


def test_worker_batch_runs_everything_queued_then_stops(_database_queue):
    for tag in ("a", "b"):
        record.enqueue(tag)
    call_command("worker", "--batch", "--no-startup-delay")
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert ran(_database_queue) == ["a", "b"]


@pytest.mark.parametrize(
    "error", [OperationalError("disk I/O error"), InterfaceError("connection already closed")], ids=repr
)
def test_a_claim_whose_commit_errs_after_landing_runs_once(_database_queue, monkeypatch, error):
    record.enqueue("claimed")
    conn = connections["default"]
    real_commit, failed = conn._commit, []

    def commit_then_err() -> None:
        real_commit()
        if not failed:  # the claim's COMMIT: it landed, but the client hears an error
            failed.append(True)
            raise error

    monkeypatch.setattr(conn, "_commit", commit_then_err)
    worker = ResilientWorker(
        queue_names=["default"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="worker-under-test",
    )
    worker.run()
    assert failed
    task = DBTaskResult.objects.get()
    assert task.status == "SUCCESSFUL" and task.worker_ids == ["worker-under-test"]
    assert ran(_database_queue) == ["claimed"]


def test_a_result_the_database_cannot_store_is_recorded_as_a_failure(_database_queue):
    from tests.worker.tasks import returns_what_json_cannot_hold

    returns_what_json_cannot_hold.enqueue("odd")
    record.enqueue("next")
    call_command("worker", "--batch", "--no-startup-delay")
    statuses = dict(DBTaskResult.objects.values_list("task_path", "status"))
    assert statuses["tests.worker.tasks.returns_what_json_cannot_hold"] == "FAILED"
    assert statuses["tests.worker.tasks.record"] == "SUCCESSFUL"
    assert ran(_database_queue) == ["next", "odd"]
