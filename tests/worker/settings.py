"""Settings for the worker and supervisor processes the tests start: Kindred's own, with a
busy timeout short enough that a test can hold a lock longer than it."""

from kindred.settings import *  # noqa: F403
from kindred.settings import DATABASES as BASE_DATABASES

BUSY_TIMEOUT = 1
DATABASES = {
    "default": {
        **BASE_DATABASES["default"],
        "OPTIONS": {**BASE_DATABASES["default"].get("OPTIONS", {}), "timeout": BUSY_TIMEOUT},
    }
}
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
