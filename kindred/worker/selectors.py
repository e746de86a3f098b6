"""What the worker's queue says about the worker: work that waits too long means it is down."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, Count, F, Min, Q, When
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max


@dataclass(frozen=True)
class QueueBacklog:
    waiting: int  # tasks ready to run that have waited longer than the warning threshold
    since: dt.datetime  # when the longest-waiting of them became ready
    minutes: int  # the warning threshold, WORKER_WARN_AFTER_MINUTES


def queue_backlog(*, now: dt.datetime | None = None) -> QueueBacklog | None:
    """The queued tasks that have waited more than WORKER_WARN_AFTER_MINUTES to start, or None.

    A task waits from when it was queued, or, if it was deferred, from when it was due."""
    now = now or timezone.now()
    minutes = settings.WORKER_WARN_AFTER_MINUTES
    cutoff, never = now - dt.timedelta(minutes=minutes), get_date_max()
    row = DBTaskResult.objects.filter(
        Q(run_after=never, enqueued_at__lte=cutoff) | Q(run_after__lt=never, run_after__lte=cutoff),
        status=TaskResultStatus.READY,
    ).aggregate(
        waiting=Count("pk"),
        since=Min(Case(When(run_after=never, then=F("enqueued_at")), default=F("run_after"))),
    )
    if not row["waiting"]:
        return None
    return QueueBacklog(waiting=row["waiting"], since=row["since"], minutes=minutes)
