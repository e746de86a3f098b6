"""A registrant import in a real browser, with the real queue: the pages follow the worker while
it reads the file and while it imports, and move on by themselves when it is done."""

import pytest
from django.core.management import call_command

from kindred.registration.models import ImportJob, ImportStatus, Registration
from tests.browser.conftest import log_in
from tests.registration.helpers import open_program, questionnaire
from tests.registration.test_import_services import csv_bytes, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_worker() -> None:
    call_command("worker", "--batch", "--interval", "0")


def test_the_pages_follow_the_worker_through_an_import(page, settings, program, alice, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    open_program(program)
    questionnaire(program)
    upload = tmp_path / "people.csv"
    upload.write_bytes(csv_bytes([person("dana@acme.test"), person("eli@acme.test", role="mentor")]))

    log_in(page, alice.email)
    page.goto("/o/acme/programs/hand-up/import/")
    page.set_input_files("input[type=file]", str(upload))
    page.get_by_role("button", name="Upload and map the columns").click()
    page.get_by_role("heading", name="Reading your file…").wait_for()
    assert (ImportJob.objects.get().rows, ImportJob.objects.get().headers) == (
        [],
        [],
    )  # not read in the request

    run_worker()  # the page notices by itself and shows the mapping
    page.get_by_role("heading", name="Which question does each column answer?").wait_for()
    page.get_by_role("button", name="Check every row").click()
    page.once("dialog", lambda dialog: dialog.accept())  # kindred.js asks first
    page.get_by_role("button", name="Import 2 registrants").click()
    page.locator("#import-progress").wait_for()
    assert not Registration.objects.filter(program=program).exists()

    run_worker()
    page.get_by_text("2 registrants imported").wait_for()
    assert ImportJob.objects.get().status == ImportStatus.DONE
    assert Registration.objects.filter(program=program).count() == 2
