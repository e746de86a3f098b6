"""The import pages: upload, mapping with preview, report, confirm, progress and its JSON status."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kindred.registration import imports
from kindred.registration.models import ImportJob, ImportStatus, Registration
from tests.registration.helpers import questionnaire
from tests.registration.test_import_services import csv_bytes, person, uploaded

pytestmark = pytest.mark.django_db
BASE = "/o/acme/programs/hand-up/"
UPLOAD = BASE + "import/"


@pytest.fixture
def job(program, alice):  # type: ignore[no-untyped-def]
    questionnaire(program)
    content = csv_bytes([person("dana@acme.test"), person("oops", Seniority="Junior")])
    return uploaded(program, alice, content)


def checked(job: ImportJob) -> ImportJob:
    return imports.import_validate(job=job, mapping=job.mapping)


def pages(job: ImportJob) -> list[tuple[str, str]]:
    url = f"{UPLOAD}{job.pk}/"
    return [
        ("get", UPLOAD),
        ("post", UPLOAD),
        ("get", url),
        ("post", url),
        ("get", url + "report/"),
        ("post", url + "confirm/"),
        ("get", url + "progress/"),
        ("get", url + "status/"),
    ]


def test_members_are_refused_every_page(client_for, bob, job):
    client = client_for(bob)
    for method, url in pages(job):
        assert getattr(client, method)(url).status_code == 403, url
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED


def test_outsiders_do_not_see_the_pages(client_for, charlie, job):
    client = client_for(charlie)
    for method, url in pages(job):
        assert getattr(client, method)(url).status_code == 404, url


def test_another_programs_job_is_not_found(client_for, alice, job, acme):
    from tests.factories import ProgramFactory

    ProgramFactory(organization=acme, slug="other", created_by=alice)
    response = client_for(alice).get(f"/o/acme/programs/other/import/{job.pk}/")
    assert response.status_code == 404


def test_registrants_page_links_to_the_import(client_for, alice, program):
    response = client_for(alice).get(BASE + "registrants/")
    assert f'href="{UPLOAD}"' in response.content.decode()


def test_upload_page_lists_earlier_imports(client_for, alice, program):
    client = client_for(alice)
    assert "No imports yet" in client.get(UPLOAD).content.decode()
    questionnaire(program)
    uploaded(program, alice, csv_bytes([person("a@acme.test")]), name="spring.csv")
    assert "spring.csv" in client.get(UPLOAD).content.decode()


def test_upload_leads_to_the_mapping_once_the_worker_has_read_the_file(
    client_for, alice, program, django_capture_on_commit_callbacks
):
    questionnaire(program)
    client = client_for(alice)
    upload = SimpleUploadedFile("people.csv", csv_bytes([person("dana@acme.test")]), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(UPLOAD, {"file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{UPLOAD}{job.pk}/"
    assert (job.created_by, job.file_name, job.status) == (alice, "people.csv", ImportStatus.READING)
    reading = client.get(f"{UPLOAD}{job.pk}/")
    assert (
        "Reading your file" in reading.content.decode() and 'id="import-reading"' in reading.content.decode()
    )
    assert client.get(f"{UPLOAD}{job.pk}/status/").json()["status"] == "reading"
    for callback in queued:  # the worker reads the file
        callback()
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED and job.total_rows == 1 and bytes(job.content) == b""
    assert '<option value="email" selected>' in client.get(f"{UPLOAD}{job.pk}/").content.decode()


def test_an_unreadable_upload_is_explained(client_for, alice, program):
    upload = SimpleUploadedFile("people.xls", b"\xd0\xcf\x11\xe0", content_type="application/vnd.ms-excel")
    response = client_for(alice).post(UPLOAD, {"file": upload})
    assert response.status_code == 400
    assert "Save the file as .xlsx or as CSV UTF-8" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_the_worker_cannot_read_is_explained_on_its_page(
    client_for, alice, program, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    upload = SimpleUploadedFile("people.csv", b"Email,Name\n\n", content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(UPLOAD, {"file": upload})
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.UNREADABLE and bytes(job.content) == b""
    response = client.get(f"{UPLOAD}{job.pk}/")
    assert response.status_code == 422
    assert "no rows of registrants" in response.content.decode()
    assert client.get(f"{UPLOAD}{job.pk}/report/")["Location"] == f"{UPLOAD}{job.pk}/"
    assert client.post(f"{UPLOAD}{job.pk}/", {"col0": "email"}).status_code == 422  # nothing to map


def test_mapping_page_shows_guesses_and_a_preview(client_for, alice, job):
    response = client_for(alice).get(f"{UPLOAD}{job.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<option value="email" selected>' in body
    assert "dana@acme.test" in body and "Junior" in body  # the preview
    assert [line for line, _ in response.context["preview"].rows] == [2, 3]


def test_mapping_without_email_is_refused(client_for, alice, job):
    data = {f"col{i}": ("" if t == "email" else t) for i, t in enumerate(job.mapping)}
    response = client_for(alice).post(f"{UPLOAD}{job.pk}/", data)
    assert response.status_code == 400
    assert "Choose the column that holds email addresses" in response.content.decode()


def test_mapping_checks_every_row_and_shows_the_report(client_for, alice, job):
    client = client_for(alice)
    data = {f"col{i}": t for i, t in enumerate(job.mapping)}
    response = client.post(f"{UPLOAD}{job.pk}/", data)
    assert response.status_code == 302
    assert response["Location"] == f"{UPLOAD}{job.pk}/report/"
    body = client.get(response["Location"]).content.decode()
    assert "“Junior” is not an option" in body
    assert '<td class="num">3</td>' in body
    assert "Import 1 registrant" in body


def test_report_of_an_unchecked_file_goes_back_to_the_mapping(client_for, alice, job):
    response = client_for(alice).get(f"{UPLOAD}{job.pk}/report/")
    assert response["Location"] == f"{UPLOAD}{job.pk}/"


def test_confirm_imports_in_the_background_and_the_status_follows(
    client_for, alice, job, program, django_capture_on_commit_callbacks
):
    checked(job)
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{UPLOAD}{job.pk}/confirm/")
    assert response["Location"] == f"{UPLOAD}{job.pk}/progress/"
    assert Registration.objects.filter(
        program=program, user__email="dana@acme.test", source="import"
    ).exists()
    status = client.get(f"{UPLOAD}{job.pk}/status/").json()
    assert status == {
        "status": "done",
        "status_display": "Imported",
        "total": 1,
        "processed": 1,
        "percent": 100,
        "created": 0,
        "updated": 0,
        "joining": 1,
        "error": "",
        "finished": True,
    }
    body = client.get(f"{UPLOAD}{job.pk}/progress/").content.decode()
    assert "1 registrant imported: 1 person new to Acme asked to join." in body
    assert "1 row with problems was skipped" in body
    # A finished import cannot be confirmed again, nor its mapping changed.
    response = client.post(f"{UPLOAD}{job.pk}/confirm/", follow=True)
    assert "cannot be imported now" in response.content.decode()
    assert client.get(f"{UPLOAD}{job.pk}/")["Location"] == f"{UPLOAD}{job.pk}/progress/"


def test_progress_while_importing(client_for, alice, job):
    checked(job)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING, processed_rows=0)
    client = client_for(alice)
    body = client.get(f"{UPLOAD}{job.pk}/progress/").content.decode()
    assert 'data-status="importing"' in body and "0 of 1 rows saved" in body
    assert client.get(f"{UPLOAD}{job.pk}/status/").json()["finished"] is False


def test_confirm_is_post_only_and_progress_of_an_unconfirmed_job_shows_the_report(client_for, alice, job):
    checked(job)
    client = client_for(alice)
    assert client.get(f"{UPLOAD}{job.pk}/confirm/").status_code == 405
    assert client.get(f"{UPLOAD}{job.pk}/progress/")["Location"] == f"{UPLOAD}{job.pk}/report/"
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED
