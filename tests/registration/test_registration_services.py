import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from kindred.orgs.models import AllowedDomain, Membership
from kindred.registration import services
from kindred.registration.models import (
    Answer,
    InvitationStatus,
    ProgramInvitation,
    ProgramSetup,
    Registration,
)
from tests.factories import UserFactory
from tests.registration.helpers import open_program, questionnaire, raw_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def qs(program):  # type: ignore[no-untyped-def]
    open_program(program)
    return questionnaire(program)


def test_window_follows_status_and_dates(program):
    assert program.registration_window() == (False, "Registration has not opened yet.")
    open_program(program)
    assert program.registration_window()[0]
    closed = program.registration_window(dt.date(2026, 12, 21))
    assert closed == (False, "Registration closed on December 20, 2026.")
    early = program.registration_window(dt.date(2026, 10, 31))
    assert early == (False, "Registration opens on November 1, 2026.")


def test_always_open_programs_accept_registrations_while_running(program):
    open_program(program)
    program.enrollment, program.status = "open", "running"
    program.save()
    assert program.registration_window()[0]
    program.enrollment = "cohort"
    assert not program.registration_window()[0]


def test_member_registers_and_gets_a_confirmation(qs, program, bob, django_capture_on_commit_callbacks):
    registration = services.registration_start(program=program, user=bob)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_submit(registration=registration, raw=raw_for(qs))
    registration.refresh_from_db()
    assert (registration.status, registration.role, registration.draft) == ("submitted", "mentee", {})
    assert (
        Answer.objects.filter(registration=registration).count() == 6
    )  # seniority, 2 skills, years, tz, hope
    [message] = mail.outbox
    assert message.to == [bob.email] and "You're registered for Hand-up Mentorship" in message.subject


def test_a_bad_answer_writes_nothing(qs, program, bob):
    registration = services.registration_start(program=program, user=bob)
    services.registration_save_draft(registration=registration, raw={"q1": "draft"})
    with pytest.raises(ValidationError) as exc:
        services.registration_submit(registration=registration, raw=raw_for(qs, years_career="200"))
    assert list(exc.value.message_dict) == [f"q{qs['years_career'].pk}"]
    registration.refresh_from_db()
    assert registration.status == "draft" and registration.draft == {"q1": "draft"}
    assert not Answer.objects.exists()


def test_editing_replaces_answers(qs, program, bob):
    registration = services.registration_start(program=program, user=bob)
    services.registration_submit(registration=registration, raw=raw_for(qs))
    services.registration_submit(registration=registration, raw=raw_for(qs, role="mentor"))
    registration.refresh_from_db()
    assert registration.role == "mentor" and registration.capacity == 2
    assert not Answer.objects.filter(registration=registration, question=qs["skills_to_grow"]).exists()


def test_late_registration_is_refused(qs, program, bob):
    registration = services.registration_start(program=program, user=bob)
    with (
        time_machine.travel(dt.datetime(2026, 12, 21, 9, tzinfo=dt.UTC)),
        pytest.raises(ValidationError) as exc,
    ):
        services.registration_submit(registration=registration, raw=raw_for(qs))
    assert "Registration closed on December 20, 2026." in exc.value.messages
    assert Registration.objects.get().status == "draft"


def test_withdraw_and_come_back(qs, program, bob):
    registration = services.registration_start(program=program, user=bob)
    services.registration_submit(registration=registration, raw=raw_for(qs))
    services.registration_withdraw(registration=registration)
    with pytest.raises(ValidationError):
        services.registration_withdraw(registration=registration)
    again = services.registration_start(program=program, user=bob)
    assert again.pk == registration.pk and again.status == "draft"
    assert Answer.objects.filter(registration=registration).exists()  # kept for the comeback


def test_open_mode_lets_in_members_and_allowed_domains_only(qs, program, acme, charlie):
    with pytest.raises(ValidationError):
        services.registration_start(program=program, user=charlie)
    AllowedDomain.objects.create(organization=acme, domain="newcomer.test", verified_at=timezone.now())
    dana = UserFactory(email="dana@newcomer.test")
    services.registration_start(program=program, user=dana)
    assert Membership.objects.get(user=dana, organization=acme).role == "member"


def test_invitation_only_needs_an_invitation(qs, program, bob):
    ProgramSetup.objects.create(program=program, access_mode="invitation")
    with pytest.raises(ValidationError) as exc:
        services.registration_start(program=program, user=bob)
    assert "invitation only" in exc.value.messages[0]
    invitation = ProgramInvitation.objects.create(program=program, email="guest@else.test", status="sent")
    guest = UserFactory(email="guest@else.test")
    registration = services.registration_start(program=program, user=guest, token=invitation.token)
    services.registration_submit(registration=registration, raw=raw_for(qs))
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REGISTERED and invitation.registration == registration


def test_draft_is_bounded_and_keyed_by_question(qs, program, bob):
    registration = services.registration_start(program=program, user=bob)
    services.registration_save_draft(
        registration=registration, raw={"q5": "a", "csrfmiddlewaretoken": "x", "qx": "y"}
    )
    assert Registration.objects.get().draft == {"q5": "a"}
    with pytest.raises(ValidationError):
        services.registration_save_draft(registration=registration, raw={"q5": "a" * 200_000})


def test_a_forwarded_invitation_link_lets_nobody_else_in(qs, program):
    ProgramSetup.objects.create(program=program, access_mode="invitation")
    invitation = ProgramInvitation.objects.create(program=program, email="guest@else.test", status="sent")
    stranger = UserFactory(email="stranger@else.test")
    with pytest.raises(ValidationError):
        services.registration_start(program=program, user=stranger, token=invitation.token)
    assert not Membership.objects.filter(user=stranger).exists()
