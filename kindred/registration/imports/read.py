"""Reading an uploaded CSV or XLSX file, once, in the worker.

The upload (`import_upload`) only keeps the file and queues `import_read`; the worker reads it
into rows stored on the job, and every later page and step reads those rows. A spreadsheet's
declared size is never trusted: only the cells the sheet really holds are visited, columns past
MAX_COLUMNS are skipped, and more than MAX_ROWS rows with data is an error naming the limit.

Line numbers are the ones the admin sees: the header is line 1; in a CSV a row's line is the
physical line it starts on, in a spreadsheet its row number."""

import csv
import datetime as dt
import io
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from openpyxl.worksheet._reader import WorkSheetParser

from kindred.accounts.models import User
from kindred.programs.models import Program
from kindred.registration.imports.mapping import column_name, guess_mapping
from kindred.registration.models import ImportFormat, ImportJob, ImportStatus
from kindred.registration.services import asked_questions

logger = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 25_000
MAX_COLUMNS = 200
MAX_UNPACKED = 200 * 1024 * 1024  # an XLSX is a zip: what its parts may unpack to, all together
PREVIEW_ROWS = 5


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, cells), blank rows left out


def detect_format(file_name: str, content: bytes) -> str:
    name = file_name.lower()
    if name.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return ImportFormat.XLSX
    if name.endswith(".xls"):
        raise ValidationError("Old .xls workbooks cannot be read. Save the file as .xlsx or as CSV UTF-8.")
    if name.endswith((".csv", ".txt", ".tsv")):
        return ImportFormat.CSV
    raise ValidationError("Upload a .csv or .xlsx file.")


def _cell_text(value: object) -> str:
    """One cell as trimmed text. Every cell the readers visit goes through here once."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _csv_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”.") from exc
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)  # Excel writes ";" in some locales
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for cells in reader:
            yield line, [_cell_text(c) for c in cells[: MAX_COLUMNS + 1]]
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationError(f"Line {line} cannot be read: {exc}.") from exc


def _check_unpacked_size(content: bytes) -> None:
    """A few kB of zip can unpack to gigabytes of XML: refuse that before parsing anything. The
    sizes are the archive's own, and zipfile never unpacks a part past its declared size."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ValidationError("This is not a readable XLSX workbook. Save it again, or as CSV.") from exc
    if unpacked > MAX_UNPACKED:
        raise ValidationError(
            f"The workbook unpacks to more than {MAX_UNPACKED // (1024 * 1024)} MB. "
            "Save only the sheet of registrants, or as CSV."
        )


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    _check_unpacked_size(content)
    try:
        # data_only=False: a cell holding a formula gives its text, which is imported as text.
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # a broken upload can fail anywhere in zip or XML parsing
        raise ValidationError("This is not a readable XLSX workbook. Save it again, or as CSV.") from exc
    try:
        if not workbook.worksheets:
            raise ValidationError("The workbook has no sheet to read.")
        sheet = workbook.worksheets[0]
        # Not sheet.iter_rows(): it pads every row to the sheet's declared dimension (a 1.5 kB file
        # can declare A1:XFD16000, 262 million cells) and every gap between row numbers. The
        # sheet's own parser yields only the <row> and <c> elements the file really holds.
        with sheet._get_source() as source:
            parser = WorkSheetParser(
                source,
                sheet._shared_strings,
                data_only=False,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            for line, cells in parser.parse():
                values: dict[int, str] = {}
                for cell in cells:
                    column = cell["column"]
                    if column <= MAX_COLUMNS + 1:  # one past the limit, to say a header is too wide
                        values[column] = _cell_text(cell["value"])
                while values and not values[max(values)]:
                    del values[max(values)]  # stop at the row's last non-empty cell
                width = max(values, default=0)
                yield line, [values.get(c, "") for c in range(1, width + 1)]
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError("The workbook's first sheet cannot be read. Save it again, or as CSV.") from exc
    finally:
        workbook.close()


def _check_cells(line: int, cells: list[str]) -> None:
    """Python's csv passes a NUL character, and PostgreSQL stores it in neither text nor jsonb."""
    for index, cell in enumerate(cells):
        if "\x00" in cell:
            raise ValidationError(
                f"Line {line}, column {column_name(index)} holds a NUL character (an invisible control "
                "byte), which cannot be imported. Remove it and upload the file again."
            )


def read_table(content: bytes, fmt: str) -> Table:
    """The file's header and its non-blank rows, every cell as trimmed text, each row as wide as
    the header. More than MAX_COLUMNS columns or MAX_ROWS rows, or a cell holding a NUL
    character, is an error naming the line."""
    rows = _xlsx_rows(content) if fmt == ImportFormat.XLSX else _csv_rows(content)
    table: Table | None = None
    for line, cells in rows:
        if table is None:
            headers = list(cells)
            while headers and not headers[-1]:
                headers.pop()
            if not headers:
                raise ValidationError("The first line must name the columns, for example: email, name, …")
            if len(headers) > MAX_COLUMNS:
                raise ValidationError(f"The file has more than {MAX_COLUMNS} columns, the most it may have.")
            _check_cells(line, headers)
            table = Table(headers)
            continue
        if not any(cells):
            continue
        if len(table.rows) == MAX_ROWS:
            raise ValidationError(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
        width = len(table.headers)
        kept = (cells + [""] * width)[:width]
        _check_cells(line, kept)
        table.rows.append((line, kept))
    if table is None:
        raise ValidationError("The file is empty.")
    if not table.rows:
        raise ValidationError("The file has a header line but no rows of registrants.")
    return table


def stored_table(job: ImportJob) -> Table:
    """The rows the worker read from the job's file: nothing is parsed again."""
    return Table(list(job.headers), [(line, list(cells)) for line, cells in job.rows])


# -- services --------------------------------------------------------------------------------------


@transaction.atomic
def import_upload(*, program: Program, user: User, file_name: str, content: bytes) -> ImportJob:
    """Keep an uploaded CSV or XLSX file and queue its reading by the worker. Refuses at once only
    what needs no parsing: too large, or not a CSV or XLSX file."""
    if len(content) > MAX_BYTES:
        raise ValidationError(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller ones."
        )
    fmt = detect_format(file_name, content)
    job = ImportJob.objects.create(
        program=program,
        created_by=user,
        file_name=file_name[:255],
        format=fmt,
        content=content,
        status=ImportStatus.READING,
    )
    transaction.on_commit(lambda: import_read.enqueue(job.pk))
    return job


@task()
def import_read(job_id: int) -> str:
    """Read an uploaded file into rows on its job, with a first guess of its column mapping. The
    file goes once read: the rows are all that is kept. The job is claimed by stamping when its
    reading started (the sweep measures from then, never from a wait in the queue), so a second
    delivery finds nothing to do. Whatever goes wrong, the job ends readable or unreadable."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.READING, started_at=None).update(
        started_at=timezone.now()
    )
    if not claimed:
        return "not reading"
    job = ImportJob.objects.select_related("program").get(pk=job_id)
    reading = ImportJob.objects.filter(pk=job_id, status=ImportStatus.READING, started_at=job.started_at)
    try:
        table = read_table(bytes(job.content), job.format)
        rows = [[line, cells] for line, cells in table.rows]
        with transaction.atomic():  # a refused write (a database's own limits) rolls back alone
            reading.update(
                status=ImportStatus.UPLOADED,
                headers=table.headers,
                rows=rows,
                preview=rows[:PREVIEW_ROWS],
                mapping=guess_mapping(table.headers, asked_questions(job.program)),
                total_rows=len(rows),
                content=b"",
            )
    except ValidationError as exc:
        _unreadable(reading, " ".join(exc.messages))
        return "unreadable"
    except Exception:
        logger.exception("Reading import job %s failed", job_id)
        _unreadable(reading, "The file could not be read (an unexpected error). Save it again, or as CSV.")
        raise
    return "read"


def _unreadable(reading: Any, error: str) -> None:
    reading.update(status=ImportStatus.UNREADABLE, error=error[:500], content=b"", finished_at=timezone.now())


def import_preview(job: ImportJob) -> Table:
    """The header and first rows of an uploaded file, to show next to the mapping."""
    return Table(list(job.headers), [(line, list(cells)) for line, cells in job.preview])
