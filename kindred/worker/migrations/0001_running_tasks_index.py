"""An index on the tasks still marked running, for the dashboard's "stuck" warning
(kindred.worker.selectors.worker_trouble). django_tasks_db indexes only ready tasks; the table also
keeps every finished task, so without it the question would read them all. Partial, so it holds
the few running rows only (SQLite and PostgreSQL both speak this SQL)."""

from django.db import migrations

TABLE = "django_tasks_database_dbtaskresult"
INDEX = "kindred_task_running_idx"


class Migration(migrations.Migration):
    dependencies = [("django_tasks_database", "0021_conditional_partial_index_ordering")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {INDEX} ON {TABLE} (started_at) WHERE status = 'RUNNING'",
            f"DROP INDEX {INDEX}",
        )
    ]
