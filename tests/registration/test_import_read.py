"""Reading uploads off the request path: the worker reads a file once, in bounded work whatever
the file declares; the pages read the stored rows; an oversized body is refused unread."""

import io
import re
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from kindred.registration import imports
from kindred.registration.import_views import UPLOAD_LIMIT
from kindred.registration.imports import read
from kindred.registration.models import ImportJob, ImportStatus, Registration
from tests.registration.helpers import questionnaire
from tests.registration.test_import_run import run
from tests.registration.test_import_services import HEADER, csv_bytes, person, uploaded

pytestmark = pytest.mark.django_db
UPLOAD = "/o/acme/programs/hand-up/import/"


@pytest.fixture
def qs(program):  # type: ignore[no-untyped-def]
    return questionnaire(program)


def xlsx(rows: list[list[str]], *, dimension: str = "", far_cells: int = 0) -> bytes:
    """A workbook of `rows`, then rewritten as a hostile one could be: a declared dimension of
    any size, and `far_cells` extra rows holding a single cell in the sheet's last column (XFD)."""
    workbook = openpyxl.Workbook()
    for cells in rows:
        workbook.active.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode()
                if dimension:
                    declared = f'<dimension ref="{dimension}"/>'
                    xml, found = re.subn(r'<dimension ref="[^"]*" ?/>', declared, xml)
                    assert found == 1
                cell = '<row r="{n}"><c r="XFD{n}" t="inlineStr"><is><t>x</t></is></c></row>'
                far = "".join(cell.format(n=len(rows) + 1 + i) for i in range(far_cells))
                xml = xml.replace("</sheetData>", far + "</sheetData>")
                data = xml.encode()
            target.writestr(info.filename, data)
    return result.getvalue()


def count_cells(monkeypatch, limit: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Count every cell the readers visit, and stop the reading once `limit` is passed."""
    visited = [0]
    real = read._cell_text

    def counting(value: object) -> str:
        visited[0] += 1
        if visited[0] > limit:
            raise AssertionError(f"the reader visited more than {limit} cells")
        return real(value)

    monkeypatch.setattr(read, "_cell_text", counting)
    return visited


def test_a_huge_declared_dimension_is_not_trusted(monkeypatch, qs):
    rows = [HEADER, person("dana@acme.test"), person("erin@acme.test", role="mentor")]
    content = xlsx(rows, dimension="A1:XFD16000", far_cells=2000)
    assert len(content) < 20_000  # tiny on disk; as declared, 262 million cells
    visited = count_cells(monkeypatch, limit=1000)
    table = read.read_table(content, "xlsx")
    assert [line for line, _ in table.rows] == [2, 3]  # the far rows hold nothing in a read column
    assert table.rows[0][1][0] == "dana@acme.test"
    # Each real cell once, and one past the column limit of the far rows: not one padded cell.
    assert visited[0] <= 3 * len(HEADER) + 2000


def test_a_sheet_past_the_row_limit_is_refused_naming_the_limit(monkeypatch, qs):
    monkeypatch.setattr(read, "MAX_ROWS", 3)
    content = xlsx([HEADER, *[person(f"p{i}@acme.test") for i in range(5)]], dimension="A1:XFD1048576")
    with pytest.raises(Exception, match="more than 3 rows"):
        read.read_table(content, "xlsx")


def test_a_header_past_the_column_limit_is_refused(qs):
    wide = [f"Column {i}" for i in range(read.MAX_COLUMNS + 5)]
    with pytest.raises(Exception, match=f"more than {read.MAX_COLUMNS} columns"):
        read.read_table(xlsx([wide, ["x"] * len(wide)]), "xlsx")
    with pytest.raises(Exception, match=f"more than {read.MAX_COLUMNS} columns"):
        read.read_table(csv_bytes([["x"] * len(wide)], header=wide), "csv")


def test_a_zip_that_unpacks_too_far_is_refused_before_parsing(monkeypatch, qs):
    monkeypatch.setattr(read, "MAX_UNPACKED", 1000)
    with pytest.raises(Exception, match="unpacks to more than"):
        read.read_table(xlsx([HEADER, person("dana@acme.test")]), "xlsx")


def test_the_upload_is_read_once_by_the_worker_and_never_by_a_page(
    client_for, alice, program, qs, monkeypatch, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    content = xlsx(
        [HEADER, person("dana@acme.test"), person("oops", Seniority="Junior")], dimension="A1:XFD16000"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(UPLOAD, {"file": SimpleUploadedFile("people.xlsx", content)})
    job = ImportJob.objects.get()
    assert response["Location"] == f"{UPLOAD}{job.pk}/"
    assert job.status == ImportStatus.UPLOADED and job.total_rows == 2 and bytes(job.content) == b""

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a page parsed the file again")

    for name in ("read_table", "_xlsx_rows", "_csv_rows"):
        monkeypatch.setattr(read, name, no_parsing)
    for _ in range(2):
        page = client.get(f"{UPLOAD}{job.pk}/")
        assert page.status_code == 200 and "dana@acme.test" in page.content.decode()
    mapping = {f"col{i}": target for i, target in enumerate(job.mapping)}
    assert client.post(f"{UPLOAD}{job.pk}/", mapping)["Location"] == f"{UPLOAD}{job.pk}/report/"
    job = run(ImportJob.objects.get())
    assert job.status == ImportStatus.DONE and job.rows == [] and job.preview == []
    assert Registration.objects.filter(user__email="dana@acme.test").exists()


def test_a_file_too_large_is_refused_before_its_body_is_read(client_for, alice, program, qs, monkeypatch):
    def unread(*args: object, **kwargs: object) -> None:
        raise AssertionError("the body was parsed")

    monkeypatch.setattr("django.http.multipartparser.MultiPartParser.parse", unread)
    monkeypatch.setattr(imports, "import_upload", unread)
    body = csv_bytes([person("dana@acme.test")]) + b"x" * UPLOAD_LIMIT
    response = client_for(alice).post(UPLOAD, {"file": SimpleUploadedFile("people.csv", body)})
    assert response.status_code == 413
    assert "larger than 10 MB, the most an import takes" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_any_other_too_large_body_is_a_clear_413(client_for, alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client_for(alice).post("/accounts/profile/", {"name": "x" * 2000})
    assert response.status_code == 413
    assert "larger than" in response.content.decode()


def test_a_file_whose_reading_never_finished_is_given_up_by_the_sweep(program, alice, qs):
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    with TestCase.captureOnCommitCallbacks(execute=False):
        job = imports.import_upload(program=program, user=alice, file_name="p.csv", content=csv_bytes([]))
        queued = imports.import_upload(program=program, user=alice, file_name="q.csv", content=csv_bytes([]))
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    # The worker started reading `job` an hour ago and died; `queued` has waited an hour in a busy
    # queue and was never started: only the first is given up.
    ImportJob.objects.filter(pk=job.pk).update(created_at=an_hour_ago, started_at=an_hour_ago)
    ImportJob.objects.filter(pk=queued.pk).update(created_at=an_hour_ago)
    call_command("sweep")
    job.refresh_from_db()
    queued.refresh_from_db()
    assert job.status == ImportStatus.UNREADABLE and "Upload it again" in job.error
    assert queued.status == ImportStatus.READING and bytes(queued.content)
    # Its reading, when the worker gets to it, is stamped and then measured from then.
    assert imports.import_read.call(queued.pk) == "unreadable"  # an empty file
    assert imports.import_read.call(queued.pk) == "not reading"
    assert uploaded  # the helper others use reads at once


NUL_CSV = b"email,name\nx@y.test,a\x00b\n"


def test_a_nul_byte_in_a_cell_makes_the_file_unreadable_naming_its_line(program, alice, qs):
    """Python's csv passes a NUL; PostgreSQL's jsonb refuses it, which killed the reading task and
    left the job 'reading' for half an hour. (Run on PostgreSQL too.)"""
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = imports.import_upload(program=program, user=alice, file_name="a.csv", content=NUL_CSV)
    job.refresh_from_db()
    assert job.status == ImportStatus.UNREADABLE
    assert "Line 2, column B" in job.error and "NUL" in job.error
    assert bytes(job.content) == b"" and job.rows == []


def test_a_nul_in_the_header_is_refused_too():
    with pytest.raises(ValidationError, match="Line 1, column A"):
        read.read_table(b"em\x00ail,name\nx@y.test,a\n", "csv")


def test_an_unexpected_error_while_storing_the_rows_never_leaves_the_job_reading(
    program, alice, qs, monkeypatch
):
    with TestCase.captureOnCommitCallbacks(execute=False):
        job = imports.import_upload(
            program=program, user=alice, file_name="a.csv", content=csv_bytes([person("dana@acme.test")])
        )

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database refused the rows")

    monkeypatch.setattr(read, "guess_mapping", broken)
    with pytest.raises(RuntimeError):
        imports.import_read.call(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.UNREADABLE and "unexpected error" in job.error
    assert bytes(job.content) == b""


@pytest.mark.postgres  # SQLite stores a NUL
def test_rows_the_database_refuses_leave_the_job_unreadable(postgres, program, alice, qs, monkeypatch):
    """Past the reader's own check, PostgreSQL refusing the rows ends the job too."""
    monkeypatch.setattr(read, "_check_cells", lambda *args: None)
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = imports.import_upload(program=program, user=alice, file_name="a.csv", content=NUL_CSV)
    job.refresh_from_db()
    assert job.status == ImportStatus.UNREADABLE and "unexpected error" in job.error
