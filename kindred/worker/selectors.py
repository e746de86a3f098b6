"""What the worker's queue says about the worker: work that waits too long, or a task "running"
far longer than any should, means it is down or was killed.

The queue is shared by every organization, so what this tells an organization's administrators
is yes or no and since when, never how many tasks (theirs or anyone's) wait."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, F, Min, Q, When
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max


@dataclass(frozen=True)
class WorkerTrouble:
    late_since: dt.datetime | None  # when the longest-waiting ready task became ready, if it is late
    stuck_since: dt.datetime | None  # when the oldest task still marked running started, if stuck

    @property
    def since(self) -> dt.datetime:
        return min(t for t in (self.late_since, self.stuck_since) if t is not None)


def worker_trouble(*, now: dt.datetime | None = None) -> WorkerTrouble | None:
    """Whether background work is late or stuck, in one query, or None when all is well.

    Late: a task ready to run has waited more than WORKER_WARN_AFTER_MINUTES to start (from when
    it was queued, or, if it was deferred, from when it was due). Stuck: a task has been running
    for more than WORKER_STUCK_AFTER_MINUTES; its worker was most likely killed mid-task and
    nothing will run it again. The READY rows are found through django_tasks_db's partial index
    on ready tasks, the RUNNING ones through the worker app's (migration 0001), so the query
    reads only the queue, never the history of finished tasks."""
    now = now or timezone.now()
    late_cutoff = now - dt.timedelta(minutes=settings.WORKER_WARN_AFTER_MINUTES)
    stuck_cutoff = now - dt.timedelta(minutes=settings.WORKER_STUCK_AFTER_MINUTES)
    never = get_date_max()
    ready, running = Q(status=TaskResultStatus.READY), Q(status=TaskResultStatus.RUNNING)
    late = ready & (
        Q(run_after=never, enqueued_at__lte=late_cutoff) | Q(run_after__lt=never, run_after__lte=late_cutoff)
    )
    stuck = running & Q(started_at__lte=stuck_cutoff)
    row = DBTaskResult.objects.filter(late | stuck).aggregate(
        late_since=Min(
            Case(When(run_after=never, then=F("enqueued_at")), default=F("run_after")), filter=ready
        ),
        stuck_since=Min("started_at", filter=running),
    )
    if row["late_since"] is None and row["stuck_since"] is None:
        return None
    return WorkerTrouble(late_since=row["late_since"], stuck_since=row["stuck_since"])
