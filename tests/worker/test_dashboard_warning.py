"""Administrators see on the dashboard when background work is late (a ready task has waited
longer than WORKER_WARN_AFTER_MINUTES) or stuck (a task has been running longer than
WORKER_STUCK_AFTER_MINUTES: its worker was killed mid-task), and since when. The queue is shared
by every organization, so the warning never says how many tasks wait."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kindred.worker.selectors import worker_trouble

pytestmark = pytest.mark.django_db


def queued(
    *,
    minutes_ago: float,
    status: str = "READY",
    due_minutes_ago: float | None = None,
    started_minutes_ago: float | None = None,
) -> DBTaskResult:
    now = timezone.now()
    task = DBTaskResult.objects.create(
        task_path="kindred.lib.mail.deliver_email",
        backend_name="default",
        args_kwargs={"args": [], "kwargs": {}},
        status=status,
        run_after=None if due_minutes_ago is None else now - dt.timedelta(minutes=due_minutes_ago),
    )
    started = None if started_minutes_ago is None else now - dt.timedelta(minutes=started_minutes_ago)
    DBTaskResult.objects.filter(pk=task.pk).update(
        enqueued_at=now - dt.timedelta(minutes=minutes_ago), started_at=started
    )
    return task


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(response.content.decode().split())


def test_admin_is_told_work_is_late_since_when_but_not_how_much(client_for, alice, program):
    queued(minutes_ago=12)
    queued(minutes_ago=7)
    queued(minutes_ago=1)  # young: not late
    response = client_for(alice).get("/o/acme/")
    trouble = response.context["worker_trouble"]
    assert timezone.now() - trouble.late_since > dt.timedelta(minutes=11)
    assert trouble.stuck_since is None
    text = page_text(response)
    assert "Background work is running late since" in text
    assert "Emails (invitations, reminders, notices), imports and matching runs are delayed" in text
    assert "The background worker may be down." in text
    assert "stuck" not in text
    assert "queued task" not in text and " 2 " not in text  # no count of anyone's tasks


def test_no_warning_while_the_queue_moves(client_for, alice, program):
    queued(minutes_ago=1)
    queued(minutes_ago=30, status="SUCCESSFUL")
    queued(minutes_ago=30, status="RUNNING", started_minutes_ago=20)  # a long task, not a stuck one
    queued(minutes_ago=300, status="FAILED", started_minutes_ago=200)
    response = client_for(alice).get("/o/acme/")
    assert response.context["worker_trouble"] is None
    assert b"Background work" not in response.content


def test_a_task_running_for_over_an_hour_is_reported_stuck(client_for, alice, program):
    queued(minutes_ago=90, status="RUNNING", started_minutes_ago=61)
    queued(minutes_ago=90, status="RUNNING", started_minutes_ago=59)
    response = client_for(alice).get("/o/acme/")
    trouble = response.context["worker_trouble"]
    assert trouble.late_since is None
    assert dt.timedelta(minutes=60) < timezone.now() - trouble.stuck_since < dt.timedelta(minutes=62)
    text = page_text(response)
    assert "Background work has been stuck since" in text
    assert "will not run again by itself" in text
    assert "running late" not in text


def test_late_and_stuck_together_in_one_query(django_assert_num_queries):
    queued(minutes_ago=10)
    queued(minutes_ago=200, status="RUNNING", started_minutes_ago=120)
    with django_assert_num_queries(1):
        trouble = worker_trouble()
    assert trouble is not None and trouble.late_since and trouble.stuck_since
    assert trouble.since == trouble.stuck_since


def test_a_deferred_task_waits_from_when_it_was_due():
    queued(minutes_ago=60, due_minutes_ago=-10)  # not due yet
    queued(minutes_ago=60, due_minutes_ago=2)  # due, but only for two minutes
    assert worker_trouble() is None
    queued(minutes_ago=60, due_minutes_ago=9)
    trouble = worker_trouble()
    assert trouble is not None and trouble.late_since is not None
    assert timezone.now() - trouble.late_since > dt.timedelta(minutes=8)


def test_the_thresholds_are_settings(settings):
    settings.WORKER_WARN_AFTER_MINUTES = 30
    queued(minutes_ago=20)
    assert worker_trouble() is None
    settings.WORKER_WARN_AFTER_MINUTES = 15
    assert worker_trouble() is not None
    DBTaskResult.objects.all().delete()
    settings.WORKER_STUCK_AFTER_MINUTES = 30
    queued(minutes_ago=40, status="RUNNING", started_minutes_ago=20)
    assert worker_trouble() is None
    settings.WORKER_STUCK_AFTER_MINUTES = 15
    assert worker_trouble() is not None


def test_the_query_reads_the_queue_through_indexes():
    """Finished tasks pile up in the same table: the warning must not read them all."""
    with CaptureQueriesContext(connection) as queries:
        worker_trouble()
    [query] = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + ("QUERY PLAN " if connection.vendor == "sqlite" else "") + query["sql"])
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "tasks_db_new_ordering_idx" in plan and "kindred_task_running_idx" in plan, plan


def test_a_member_sees_no_warning(client_for, bob, program):
    queued(minutes_ago=30)
    queued(minutes_ago=200, status="RUNNING", started_minutes_ago=120)
    response = client_for(bob).get("/o/acme/")
    assert b"Background work" not in response.content
