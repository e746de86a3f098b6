"""The background worker's loop: django_tasks_db's `db_worker`, made to outlive its database.

db_worker gives up on the first database error it does not expect (a lock that outlasts the
busy timeout while it begins its claim, a lost connection, a failed save of a result): the
loop ends and every queued email, import and matching run waits for ever. This loop logs the
error, drops the connection, backs off (capped, exponential) and carries on, and keeps the two
promises of the queue:

- a claimed task runs once: the claim is one short transaction, and a claim whose COMMIT failed
  in a way that may still have landed is looked up again rather than guessed;
- no task is lost: a task's result is recorded whatever happens to the database meanwhile
  (the save is retried until it lands), so it never stays "running" for ever.

Every turn of the loop beats the heartbeat (kindred.lib.heartbeat), and a running task beats
from a thread, so a supervisor can tell a stuck worker from a busy one."""

import datetime as dt
import logging
import random
import time
from typing import Any

from django.db import close_old_connections
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from kindred.lib import heartbeat
from kindred.lib.backoff import DATABASE_TROUBLE, Backoff, drop_connections, sleep

logger = logging.getLogger("django_tasks_db")


class ResilientWorker(Worker):
    def __init__(self, *, max_backoff: float = 30.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.backoff = Backoff(first=0.5, cap=max_backoff, tick=heartbeat.beat)
        # (id, started_at) of a claim whose transaction failed after the claim was written.
        self._maybe_claimed: tuple[Any, dt.datetime | None] | None = None

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spreads workers that start together
        while self.running:
            heartbeat.beat()
            try:
                db_task_result = self._next_task()
            except DATABASE_TROUBLE as exc:
                self._database_trouble(exc, "claiming the next task")
                continue
            self.backoff.reset()
            if db_task_result is not None:
                self.run_task(db_task_result)
            elif self.batch:
                logger.info("No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info(
                    "Ran the maximum of %d tasks on worker_id=%s - exiting.", self._run_tasks, self.worker_id
                )
                return
            if self.running and db_task_result is None:
                sleep(self.interval, tick=heartbeat.beat)

    def _queue(self) -> Any:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        return tasks

    def _next_task(self) -> DBTaskResult | None:
        """Claim the next ready task in one short exclusive transaction (None when none waits)."""
        close_old_connections()
        if self._maybe_claimed is not None:
            pk, started_at = self._maybe_claimed
            ours = DBTaskResult.objects.filter(
                pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at
            ).first()
            self._maybe_claimed = None  # only once the database has answered
            if ours is not None and ours.worker_ids[-1:] == [self.worker_id]:
                logger.warning("Task id=%s was claimed before the database error; running it now.", pk)
                return ours
        tasks = self._queue()
        candidate: DBTaskResult | None = None
        try:
            with exclusive_transaction(tasks.db):
                candidate = tasks.get_locked()
                if candidate is not None:
                    candidate.claim(self.worker_id)
        except DATABASE_TROUBLE:
            if candidate is not None and candidate.status == TaskResultStatus.RUNNING:
                # The claim was written; if the error came with COMMIT it may have landed.
                self._maybe_claimed = (candidate.pk, candidate.started_at)
            raise
        return candidate

    def _database_trouble(self, exc: BaseException, doing: str) -> None:
        logger.warning(
            "Database error while %s: %s. Retrying in %.1f s.",
            doing,
            str(exc) or type(exc).__name__,
            self.backoff.delay,
        )
        drop_connections()
        self.backoff.wait()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run a claimed task, then record its outcome (retrying until the database takes it)."""
        self.running_task = True
        try:
            with heartbeat.beating_while():
                return_value, error = self._call(db_task_result)
                self._record(db_task_result, return_value, error)
        finally:
            self.running_task = False
            self._run_tasks += 1
        self._announce_finished(db_task_result)

    def _call(self, db_task_result: DBTaskResult) -> tuple[Any, BaseException | None]:
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            task_started.send(sender=task.get_backend(), task_result=task_result)
            if task.takes_context:
                value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
        except BaseException as exc:  # the task's failure, whatever it is, is its result
            return None, exc
        return value, None

    def _record(self, db_task_result: DBTaskResult, return_value: Any, error: BaseException | None) -> None:
        while True:
            try:
                close_old_connections()  # the task may have left a broken connection behind
                if error is None:
                    db_task_result.set_successful(return_value)
                else:
                    db_task_result.set_failed(error)
            except DATABASE_TROUBLE as exc:
                self._database_trouble(exc, f"recording the result of task id={db_task_result.id}")
                continue
            except Exception as exc:
                if error is not None:
                    raise
                error = exc  # e.g. a return value JSON cannot hold: the task failed after all
                continue
            self.backoff.reset()
            return

    def _announce_finished(self, db_task_result: DBTaskResult) -> None:
        try:
            task_finished.send(
                sender=type(db_task_result.task.get_backend()), task_result=db_task_result.task_result
            )
        except Exception:
            logger.exception("Task id=%s finished, but announcing it failed", db_task_result.id)
