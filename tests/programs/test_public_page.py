"""The program's landing page says truthfully whether registration is open, offers Register only
when the registration form would accept it, states no cadence for flash programs and gives short
durations in days or weeks."""

import datetime as dt

import pytest
import time_machine

from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db
URL = "/o/acme/p/hand-up/"
TODAY = dt.date(2026, 11, 25)
REGISTER = "/o/acme/p/hand-up/register/"


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        yield


def shape(program, *, status, enrollment="cohort", opens, closes):  # type: ignore[no-untyped-def]
    program.status = status
    program.enrollment = enrollment
    program.registration_opens_on = opens
    program.registration_closes_on = closes
    program.save()
    return program


@pytest.mark.parametrize("status", ["running", "completed", "archived", "registration"])
def test_a_closed_registration_says_when_it_closed_and_offers_no_register_button(
    client_for, bob, program, status
):
    shape(program, status=status, opens=dt.date(2026, 6, 28), closes=dt.date(2026, 7, 28))
    content = client_for(bob).get(URL).content.decode()
    assert "Registration closed on July 28, 2026." in content
    assert "Register by" not in content
    assert REGISTER not in content


def test_open_registration_says_until_when_and_offers_register(client, client_for, bob, program):
    shape(program, status="registration", opens=dt.date(2026, 11, 15), closes=dt.date(2026, 12, 16))
    content = client_for(bob).get(URL).content.decode()
    assert "Registration is open until December 16, 2026." in content
    assert f'href="{REGISTER}"' in content


def test_visitors_are_offered_sign_up_only_while_open(client, program):
    shape(program, status="registration", opens=dt.date(2026, 11, 15), closes=dt.date(2026, 12, 16))
    assert "Sign up to register" in client.get(URL).content.decode()
    shape(program, status="running", opens=dt.date(2026, 6, 28), closes=dt.date(2026, 7, 28))
    assert "Sign up to register" not in client.get(URL).content.decode()


def test_registration_not_yet_open_says_when_it_opens(client_for, bob, program):
    shape(program, status="registration", opens=dt.date(2026, 12, 1), closes=dt.date(2026, 12, 20))
    content = client_for(bob).get(URL).content.decode()
    assert "Registration opens on December 1, 2026." in content
    assert REGISTER not in content


def test_an_always_open_program_says_registration_is_open(client_for, bob, program):
    shape(
        program, status="running", enrollment="open", opens=dt.date(2026, 9, 26), closes=dt.date(2026, 10, 20)
    )
    content = client_for(bob).get(URL).content.decode()
    assert "Registration is open: join at any time." in content
    assert "closed" not in content.lower()
    assert f'href="{REGISTER}"' in content


def test_a_flash_program_states_no_recurring_cadence(client, client_for, alice, program):
    shape(program, status="registration", opens=dt.date(2026, 11, 15), closes=dt.date(2026, 12, 16))
    program.structure, program.cadence = "flash", "weekly"
    program.save()
    content = client.get(URL).content.decode()
    assert "once or twice" in content
    assert "Pairs meet" not in content
    overview = client_for(alice).get("/o/acme/programs/hand-up/").content.decode()
    assert "One-off sessions" in overview and "Weekly" not in overview
    program.structure = "traditional"
    program.save()
    assert "Pairs meet weekly." in client.get(URL).content.decode()


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (1, "1 day"),
        (10, "10 days"),
        (7, "1 week"),
        (14, "2 weeks"),
        (21, "3 weeks"),
        (60, "9 weeks"),
        (240, "7.9 months"),
        (365, "12 months"),
    ],
)
def test_duration_reads_in_days_weeks_or_months(acme, days, text):
    program = ProgramFactory(organization=acme, starts_on=dt.date(2027, 1, 1))
    program.ends_on = program.starts_on + dt.timedelta(days=days)
    assert program.duration_text == text


def test_a_week_long_program_is_not_a_fraction_of_a_month(client, client_for, alice, program):
    shape(program, status="registration", opens=dt.date(2026, 11, 15), closes=dt.date(2026, 12, 16))
    program.starts_on, program.ends_on = dt.date(2027, 4, 4), dt.date(2027, 4, 11)
    program.save()
    overview = client_for(alice).get("/o/acme/programs/hand-up/").content.decode()
    public = client.get(URL).content.decode()
    for content in (overview, public):
        assert "(1 week)" in content
        assert "0.2 months" not in content


def test_a_draft_stays_hidden_from_members(client_for, bob, program):
    assert client_for(bob).get(URL).status_code == 404


def test_someone_registered_is_told_so_instead_of_offered_register(client_for, bob, program):
    from tests.factories import RegistrationFactory

    shape(program, status="registration", opens=dt.date(2026, 11, 1), closes=dt.date(2026, 12, 20))
    RegistrationFactory(program=program, user=bob)
    content = client_for(bob).get(URL).content.decode()
    assert "You are registered for this program." in content and "Edit my answers" in content
    assert f'href="{REGISTER}">Register<' not in content
