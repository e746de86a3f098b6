import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kindred.programs.models import Program, Status, StatusChange
from kindred.programs.services import TRANSITIONS, program_change_status, program_create, program_update

pytestmark = pytest.mark.django_db


def _fields(**over):  # type: ignore[no-untyped-def]
    fields = dict(
        name="Emerging Leaders",
        description="Grow leaders.",
        purpose="emerging_leaders",
        structure="traditional",
        registration_opens_on=dt.date(2026, 12, 1),
        registration_closes_on=dt.date(2026, 12, 20),
        starts_on=dt.date(2027, 1, 10),
        ends_on=dt.date(2027, 9, 30),
        cadence="monthly",
        enrollment="cohort",
    )
    fields.update(over)
    return fields


def test_create_makes_a_draft_with_a_unique_slug(acme, alice):
    first = program_create(organization=acme, by=alice, **_fields())
    second = program_create(organization=acme, by=alice, **_fields())
    assert first.status == Status.DRAFT
    assert (first.slug, second.slug) == ("emerging-leaders", "emerging-leaders-2")


def test_create_defaults_to_monthly_cadence(acme, alice):
    fields = _fields()
    del fields["cadence"]
    assert program_create(organization=acme, by=alice, **fields).cadence == "monthly"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"registration_closes_on": dt.date(2026, 11, 1)}, "registration_closes_on"),
        ({"ends_on": dt.date(2027, 1, 1)}, "ends_on"),
        (
            {"registration_opens_on": dt.date(2027, 2, 1), "registration_closes_on": dt.date(2027, 2, 5)},
            "registration_opens_on",
        ),
        ({"registration_closes_on": dt.date(2027, 10, 5)}, "registration_closes_on"),
        ({"cadence": "daily"}, "cadence"),
        ({"purpose": "fun"}, "purpose"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(acme, alice, over, field):
    with pytest.raises(ValidationError) as exc:
        program_create(organization=acme, by=alice, **_fields(**over))
    assert field in exc.value.message_dict
    assert not Program.objects.exists()


def test_update_keeps_the_slug(program):
    program_update(program=program, name="A new name")
    program.refresh_from_db()
    assert (program.name, program.slug) == ("A new name", "hand-up")


def test_update_refuses_unknown_fields(program):
    with pytest.raises(ValueError):
        program_update(program=program, status="running")


def test_the_whole_lifecycle_is_logged(program, alice):
    for target in (Status.REGISTRATION, Status.PAIRING, Status.RUNNING, Status.COMPLETED, Status.ARCHIVED):
        program = program_change_status(program=program, to=target, by=alice)
        assert program.status == target
    changes = list(
        StatusChange.objects.filter(program=program).order_by("at", "pk").values_list("to_status", flat=True)
    )
    assert changes == ["registration", "pairing", "running", "completed", "archived"]
    assert StatusChange.objects.filter(by=alice).count() == 5


@pytest.mark.parametrize("start", list(Status))
def test_every_illegal_move_is_refused_with_a_message(acme, alice, start):
    for target in Status:
        if target in TRANSITIONS[start]:
            continue
        program = Program.objects.create(
            organization=acme, name="P", slug=f"p-{start}-{target}", status=start
        )
        with pytest.raises(ValidationError) as exc:
            program_change_status(program=program, to=target, by=alice)
        assert exc.value.messages[0]
        program.refresh_from_db()
        assert program.status == start
    assert not StatusChange.objects.exists()


def test_draft_cannot_open_registration_without_general_information(acme, alice):
    program = Program.objects.create(organization=acme, name="Bare", slug="bare")
    with pytest.raises(ValidationError) as exc:
        program_change_status(program=program, to=Status.REGISTRATION, by=alice)
    assert "description" in exc.value.messages[0]
    assert "starts" in exc.value.messages[0].lower() or "start" in exc.value.messages[0]


def test_unknown_status_is_refused(program, alice):
    with pytest.raises(ValidationError):
        program_change_status(program=program, to="launched", by=alice)
