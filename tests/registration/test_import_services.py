"""The import's checking services: reading CSV and XLSX files, guessing the column mapping, and
the report of bad rows with their line numbers."""

import csv
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase

from kindred.registration import imports
from kindred.registration.answers import field_name
from kindred.registration.imports import read
from kindred.registration.models import ImportJob, ImportStatus
from kindred.registration.services import questions_of
from tests.factories import MembershipFactory, RegistrationFactory, UserFactory
from tests.registration.helpers import questionnaire

pytestmark = pytest.mark.django_db

HEADER = [
    "Email",
    "Name",
    "Role",
    "Capacity",
    "Seniority",
    "Skills to grow",
    "Strengths",
    "Years in career",
    "Time zone",
    "What do you hope for?",
]


def person(email: str, role: str = "mentee", **over: str) -> list[str]:
    cells = {
        "Email": email,
        "Name": email.split("@")[0].title(),
        "Role": role,
        "Capacity": "",
        "Seniority": "Associate",
        "Skills to grow": "",
        "Strengths": "",
        "Years in career": "4",
        "Time zone": "Europe/Paris",
        "What do you hope for?": "",
    }
    if role in ("mentee", "both"):
        cells.update(
            {"Skills to grow": "Negotiation; public speaking", "What do you hope for?": "Lead a team"}
        )
    if role in ("mentor", "both"):
        cells.update({"Capacity": "2", "Strengths": "Giving feedback"})
    cells.update(over)
    return [cells[h] for h in HEADER]


def csv_bytes(
    rows: list[list[str]], header: list[str] = HEADER, bom: bool = False, delimiter: str = ","
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def member_of(program, email: str, **fields: str):  # type: ignore[no-untyped-def]
    """An account that is a member of the program's organization."""
    user = UserFactory(email=email, **fields)
    MembershipFactory(organization=program.organization, user=user)
    return user


@pytest.fixture
def qs(program):  # type: ignore[no-untyped-def]
    return questionnaire(program)


def uploaded(program, user, content: bytes, name: str = "people.csv") -> ImportJob:  # type: ignore[no-untyped-def]
    """Upload a file and let the worker read it (the test backend runs the task at once)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = imports.import_upload(program=program, user=user, file_name=name, content=content)
    job.refresh_from_db()
    if job.status == ImportStatus.UNREADABLE:
        raise ValidationError(job.error)
    return job


upload = uploaded


def check(program, alice, rows, **kwargs) -> ImportJob:  # type: ignore[no-untyped-def]
    job = upload(program, alice, csv_bytes(rows, **kwargs))
    return imports.import_validate(job=job, mapping=job.mapping)


def test_upload_guesses_the_mapping_from_the_headers(program, alice, qs):
    job = upload(program, alice, csv_bytes([person("dana@acme.test")]))
    assert job.status == ImportStatus.UPLOADED
    assert job.format == "csv" and job.total_rows == 1
    expected = [
        "email",
        "name",
        field_name(qs["role"]),
        field_name(qs["capacity"]),
        field_name(qs["seniority"]),
        field_name(qs["skills_to_grow"]),
        field_name(qs["strengths"]),
        field_name(qs["years_career"]),
        field_name(qs["time_zone"]),
        field_name(qs["hope"]),
    ]
    assert job.mapping == expected


def test_a_header_no_question_matches_is_ignored(program, alice, qs):
    job = upload(program, alice, csv_bytes([["a@acme.test", "x"]], header=["E-mail", "Shoe size"]))
    assert job.mapping == ["email", ""]


def test_semicolon_separated_csv_with_a_bom_is_read(program, alice, qs):
    job = upload(program, alice, csv_bytes([person("dana@acme.test")], bom=True, delimiter=";"))
    assert job.headers[0] == "Email"
    job = imports.import_validate(job=job, mapping=job.mapping)
    assert job.good_rows == 1 and job.bad_rows == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("people.csv", b"", "The file is empty."),
        ("people.csv", b"Email,Name\n\n", "no rows"),
        ("people.csv", "Email\né@x.test\n".encode("latin-1"), "not UTF-8"),
        ("people.xls", b"\xd0\xcf\x11\xe0", ".xls workbooks"),
        ("people.pdf", b"%PDF-1.4", "Upload a .csv or .xlsx"),
        ("people.xlsx", b"PK\x03\x04broken", "not a readable XLSX"),
    ],
)
def test_unreadable_uploads_are_refused(program, alice, qs, name, content, message):
    with pytest.raises(ValidationError) as exc:
        upload(program, alice, content, name)
    assert message in " ".join(exc.value.messages)
    # Refused at the upload (no job), or by the worker (a job that says why, without the file).
    assert not ImportJob.objects.exclude(status=ImportStatus.UNREADABLE).exists()
    assert not ImportJob.objects.exclude(content=b"").exists()


def test_a_file_over_the_size_limit_is_refused(program, alice, qs, monkeypatch):
    monkeypatch.setattr(read, "MAX_BYTES", 100)
    with pytest.raises(ValidationError, match="larger than"):
        upload(program, alice, csv_bytes([person(f"p{i}@acme.test") for i in range(5)]))


def test_too_many_rows_are_refused(program, alice, qs, monkeypatch):
    monkeypatch.setattr(read, "MAX_ROWS", 3)
    with pytest.raises(ValidationError, match="more than 3 rows"):
        upload(program, alice, csv_bytes([person(f"p{i}@acme.test") for i in range(4)]))


def test_every_bad_row_is_reported_with_its_line(program, alice, qs):
    job = check(
        program,
        alice,
        [
            person("good@acme.test"),  # line 2
            person("wrong-option@acme.test", Seniority="Junior"),  # 3
            person("missing@acme.test", **{"What do you hope for?": ""}),  # 4
            person("not-an-email"),  # 5
            person("good@acme.test"),  # 6: the same person again
            person("", Name="Nobody"),  # 7
            person("role@acme.test", role="boss"),  # 8
            person(
                "too-many@acme.test",
                **{
                    "Skills to grow": "Negotiation;Public speaking;Giving feedback;"
                    "Conflict resolution;Delegation;Coaching"
                },
            ),  # 9
            person("mentor@acme.test", role="mentor", Capacity="9"),  # 10
        ],
    )
    reasons = {row["line"]: row["reason"] for row in job.bad_rows}
    assert set(reasons) == {3, 4, 5, 6, 7, 8, 9, 10}
    assert "“Junior” is not an option" in reasons[3] and "Seniority:" in reasons[3]
    assert reasons[4] == "What do you hope for?: This question needs an answer."
    assert "“not-an-email” is not a valid email address." in reasons[5]
    assert "also on line 2" in reasons[6]
    assert reasons[7] == "Email is missing."
    assert "“boss” is not an option" in reasons[8]
    assert "Choose at most 5." in reasons[9]
    assert "Capacity: Enter 5 or less." in reasons[10]
    assert job.status == ImportStatus.VALIDATED
    assert (job.total_rows, job.good_rows) == (9, 1)


def test_line_numbers_count_blank_and_multi_line_rows_as_the_file_shows_them(program, alice, qs):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerow(person("one@acme.test", **{"What do you hope for?": "Two\nlines"}))  # lines 2-3
    out.write("\n")  # line 4, blank
    writer.writerow(person("bad", role="mentee"))  # line 5
    job = upload(program, alice, out.getvalue().encode())
    job = imports.import_validate(job=job, mapping=job.mapping)
    assert [row["line"] for row in job.bad_rows] == [5]
    assert job.total_rows == 2


def test_an_unmapped_required_question_fails_every_row_that_must_answer_it(program, alice, qs):
    job = upload(program, alice, csv_bytes([person("dana@acme.test")]))
    mapping = [t if t != field_name(qs["seniority"]) else "" for t in job.mapping]
    assert imports.unmapped_required(mapping, list(questions_of(program))) == [qs["seniority"]]
    job = imports.import_validate(job=job, mapping=mapping)
    assert job.bad_rows == [
        {"line": 2, "reason": f"{qs['seniority'].text}: needs an answer, and no column gives it."}
    ]


@pytest.mark.parametrize(
    ("mapping_of", "message"),
    [
        (lambda m: ["" if t == "email" else t for t in m], "holds email addresses"),
        (lambda m: [*m[:-1], m[1]], "are both mapped to “Name”"),
        (lambda m: [*m[:-1], "q999999"], "no longer exists"),
        (lambda m: m[:-1], "map them again"),
    ],
)
def test_a_bad_mapping_is_refused(program, alice, qs, mapping_of, message):
    job = upload(program, alice, csv_bytes([person("dana@acme.test")]))
    with pytest.raises(ValidationError) as exc:
        imports.import_validate(job=job, mapping=mapping_of(job.mapping))
    assert message in " ".join(exc.value.messages)
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED


def test_choices_match_labels_and_role_values_ignoring_case(program, alice, qs):
    job = check(
        program,
        alice,
        [
            person(
                "a@acme.test",
                Role="MENTEE",
                Seniority="associate",
                **{"Skills to grow": "negotiation | DELEGATION"},
            ),
            person("b@acme.test", role="both", Role="Both mentor & mentee", Seniority="VP/Executive"),
        ],
    )
    assert job.bad_rows == [] and job.good_rows == 2


def test_the_check_counts_people_already_registered(program, alice, qs):
    RegistrationFactory(program=program, user=member_of(program, "known@acme.test"))
    job = check(program, alice, [person("known@acme.test"), person("new@acme.test")])
    assert (job.good_rows, job.existing_rows) == (2, 1)


def test_an_xlsx_file_is_read_like_a_csv(program, alice, qs):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([*person("dana@acme.test")[:7], 4, "Europe/Paris", "Lead a team"])  # a real number
    sheet.append([None] * len(HEADER))  # blank row 3
    sheet.append(person("wrong@acme.test", Seniority="Junior"))  # row 4
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = upload(program, alice, buffer.getvalue(), "people.xlsx")
    assert job.format == "xlsx" and job.headers == HEADER
    job = imports.import_validate(job=job, mapping=job.mapping)
    assert job.good_rows == 1
    assert [row["line"] for row in job.bad_rows] == [4]


def test_a_started_import_cannot_be_checked_again(program, alice, qs):
    job = check(program, alice, [person("dana@acme.test")])
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE)
    with pytest.raises(ValidationError, match="already imported"):
        imports.import_validate(job=job, mapping=job.mapping)


def test_import_start_needs_good_rows(program, alice, qs):
    job = check(program, alice, [person("bad")])
    with pytest.raises(ValidationError, match="nothing to import"):
        imports.import_start(job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED


def test_a_peer_program_imports_without_role_or_capacity_columns(
    program, alice, django_capture_on_commit_callbacks
):
    program.structure = "peer"
    program.save()
    qs = questionnaire(program)
    header = [h for h in HEADER if h not in ("Role", "Capacity")]
    rows = [
        [c for h, c in zip(HEADER, person(email, role="both"), strict=True) if h in header]
        for email in (
            "dana@acme.test",
            "erik@acme.test",
        )
    ]
    job = upload(program, alice, csv_bytes(rows, header=header))
    assert field_name(qs["role"]) not in job.mapping and field_name(qs["capacity"]) not in job.mapping
    job = imports.import_validate(job=job, mapping=job.mapping)
    assert (job.good_rows, job.bad_rows) == (2, [])
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_start(job=job, notify=False)  # the test task backend runs it at once
    registrations = program.registrations.order_by("user__email")
    assert [(r.user.email, r.role, r.capacity) for r in registrations] == [
        ("dana@acme.test", "both", 1),
        ("erik@acme.test", "both", 1),
    ]


def test_a_draft_with_imported_people_keeps_its_structure(program, alice, django_capture_on_commit_callbacks):
    from kindred.programs.services import program_update

    program.structure = "peer"
    program.save()
    assert program.status == "draft"
    questionnaire(program)
    header = [h for h in HEADER if h not in ("Role", "Capacity")]
    rows = [[c for h, c in zip(HEADER, person("dana@acme.test", role="both"), strict=True) if h in header]]
    job = upload(program, alice, csv_bytes(rows, header=header))
    job = imports.import_validate(job=job, mapping=job.mapping)
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_start(job=job, notify=False)
    # Dana was registered as a peer, never asked for a role: a traditional program would make her
    # a mentor and a mentee with room for one without her saying so.
    with pytest.raises(ValidationError) as caught:
        program_update(program=program, structure="traditional")
    assert "fixed once people are registered" in str(caught.value)
    program.refresh_from_db()
    assert program.structure == "peer"


def test_an_email_longer_than_an_account_stores_is_a_bad_row(program, alice, qs):
    """validate_email takes 320 characters, accounts store 254: one such row failed the whole
    import on PostgreSQL."""
    too_long = "a" * 64 + "@" + ".".join(["d" * 63] * 3) + ".test"
    assert 254 < len(too_long) <= 320
    job = check(program, alice, [person(too_long), person("dana@acme.test")])
    assert job.good_rows == 1
    assert job.bad_rows == [
        {"line": 2, "reason": "The email is longer than 254 characters, the most it can be."}
    ]
