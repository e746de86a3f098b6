"""Administrators see on the dashboard when queued work has waited longer than
WORKER_WARN_AFTER_MINUTES: how many tasks, since when, and that the worker may be down."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kindred.worker.selectors import queue_backlog

pytestmark = pytest.mark.django_db


def queued(
    *, minutes_ago: float, status: str = "READY", due_minutes_ago: float | None = None
) -> DBTaskResult:
    now = timezone.now()
    task = DBTaskResult.objects.create(
        task_path="kindred.lib.mail.deliver_email",
        backend_name="default",
        args_kwargs={"args": [], "kwargs": {}},
        status=status,
        run_after=None if due_minutes_ago is None else now - dt.timedelta(minutes=due_minutes_ago),
    )
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=now - dt.timedelta(minutes=minutes_ago))
    return task


def test_admin_is_warned_how_many_tasks_wait_since_when(client_for, alice, program):
    queued(minutes_ago=12)
    queued(minutes_ago=7)
    queued(minutes_ago=1)  # young: not part of the count
    response = client_for(alice).get("/o/acme/")
    assert response.context["backlog"].waiting == 2
    text = " ".join(response.content.decode().split())
    assert "The background worker may be down." in text
    assert "2 queued tasks have waited since" in text
    assert "more than 5 minutes" in text


def test_no_warning_while_the_queue_moves(client_for, alice, program):
    queued(minutes_ago=1)
    queued(minutes_ago=30, status="SUCCESSFUL")
    queued(minutes_ago=30, status="RUNNING")
    queued(minutes_ago=30, status="FAILED")
    response = client_for(alice).get("/o/acme/")
    assert response.context["backlog"] is None
    assert b"may be down" not in response.content


def test_a_deferred_task_waits_from_when_it_was_due():
    queued(minutes_ago=60, due_minutes_ago=-10)  # not due yet
    queued(minutes_ago=60, due_minutes_ago=2)  # due, but only for two minutes
    assert queue_backlog() is None
    queued(minutes_ago=60, due_minutes_ago=9)
    backlog = queue_backlog()
    assert backlog is not None and backlog.waiting == 1
    assert timezone.now() - backlog.since > dt.timedelta(minutes=8)


def test_the_threshold_is_a_setting(settings):
    settings.WORKER_WARN_AFTER_MINUTES = 30
    queued(minutes_ago=20)
    assert queue_backlog() is None
    settings.WORKER_WARN_AFTER_MINUTES = 15
    assert queue_backlog().waiting == 1  # type: ignore[union-attr]


def test_a_member_sees_no_warning(client_for, bob, program):
    queued(minutes_ago=30)
    response = client_for(bob).get("/o/acme/")
    assert b"may be down" not in response.content
