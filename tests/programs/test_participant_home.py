"""The participant home (/o/<org>/ for members, ?view=participant for staff): what to do next in
programs where mentees choose their mentor, and the programs open for registration."""

import datetime as dt

import pytest
from django.utils import timezone

from kindred.pairing.models import MentorRequest, Mentorship, MentorshipMember, PairingSettings
from kindred.registration.models import ProgramInvitation
from kindred.registration.services import setup_for
from tests.factories import ProgramFactory, RegistrationFactory, UserFactory
from tests.pairing.helpers import mentee_choice
from tests.pairing.test_services import register
from tests.registration.helpers import open_program

pytestmark = pytest.mark.django_db
HOME = "/o/acme/"
P = "/o/acme/p/hand-up/"


@pytest.fixture
def choosing(program):  # type: ignore[no-untyped-def]
    """Registration open, mentees choose their mentor (with the mentor's approval)."""
    open_program(program)
    qs, mentee, mentor = mentee_choice(program)
    return program, qs, mentee, mentor


def row_of(response, program):  # type: ignore[no-untyped-def]
    return next(r for r in response.context["rows"] if r.program == program)


def ask(program, mentee, mentor):  # type: ignore[no-untyped-def]
    return MentorRequest.objects.create(
        program=program, mentee=mentee, mentor=mentor, expires_at=timezone.now() + dt.timedelta(days=7)
    )


def test_a_mentee_who_can_choose_is_sent_to_choose(client_for, choosing):
    program, _, mentee, _ = choosing
    response = client_for(mentee.user).get(HOME)
    row = row_of(response, program)
    assert row.choosing and "Choose your mentor" in row.next_step
    content = response.content.decode()
    assert f'href="{P}mentors/">Choose your mentor' in content
    assert "Pairing starts when registration closes" not in content


def test_a_pending_request_says_whose_answer_it_waits_for(client_for, choosing):
    program, _, mentee, mentor = choosing
    request = ask(program, mentee, mentor)
    row = row_of(client_for(mentee.user).get(HOME), program)
    expires = timezone.localtime(request.expires_at)
    assert row.next_step == (
        f"Your request is waiting for Max Mentor's answer (until {expires:%B} {expires.day})."
    )
    content = client_for(mentee.user).get(HOME).content.decode()
    assert f'href="{P}mentors/">See your request' in content and ">Choose your mentor<" not in content


def test_a_matched_mentee_is_sent_to_their_mentorship(client_for, choosing):
    program, _, mentee, mentor = choosing
    m = Mentorship.objects.create(program=program, mentor=mentor)
    MentorshipMember.objects.create(mentorship=m, registration=mentee)
    response = client_for(mentee.user).get(HOME)
    row = row_of(response, program)
    assert row.has_mentor and not row.choosing and "You have a mentor" in row.next_step
    assert f'href="{P}mentorship/"' in response.content.decode()
    assert f'href="{P}mentors/"' not in response.content.decode()


def test_a_mentor_sees_requests_waiting(client_for, choosing):
    program, qs, mentee, mentor = choosing
    ask(program, mentee, mentor)
    ask(program, register(program, qs, "mentee", seniority=1, name="Leo"), mentor)
    response = client_for(mentor.user).get(HOME)
    assert row_of(response, program).next_step == "2 requests waiting for your answer."
    assert f'href="{P}requests/">Answer requests' in response.content.decode()


def test_an_expired_request_is_not_waiting(client_for, choosing):
    program, _, mentee, mentor = choosing
    request = ask(program, mentee, mentor)
    MentorRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    assert row_of(client_for(mentor.user).get(HOME), program).requests_waiting == 0


def test_without_mentee_choice_nothing_changes(client_for, choosing):
    program, _, mentee, _ = choosing
    PairingSettings.objects.filter(program=program).update(mentee_choice=False)
    response = client_for(mentee.user).get(HOME)
    assert (
        row_of(response, program).next_step == "You are registered. Pairing starts when registration closes."
    )
    assert f'href="{P}mentors/"' not in response.content.decode()


def test_peer_programs_never_offer_choosing(client_for, choosing):
    program, _, mentee, _ = choosing
    program.structure = "peer"
    program.save()
    response = client_for(mentee.user).get(HOME)
    assert not row_of(response, program).choosing
    assert f'href="{P}mentors/"' not in response.content.decode()


def test_registration_done_points_a_mentee_to_choosing(client_for, choosing):
    program, _, mentee, mentor = choosing
    done = client_for(mentee.user).get(P + "register/done/").content.decode()
    assert f'href="{P}mentors/">Choose your mentor' in done and "pairing follows" not in done
    for_mentor = client_for(mentor.user).get(P + "register/done/").content.decode()
    assert "Mentees choose you" in for_mentor and f'href="{P}mentors/"' not in for_mentor
    PairingSettings.objects.filter(program=program).update(mentee_choice=False)
    plain = client_for(mentee.user).get(P + "register/done/").content.decode()
    assert "pairing follows" in plain and f'href="{P}mentors/"' not in plain


# -- open for registration ---------------------------------------------------------------------------


@pytest.fixture
def always_open(acme):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    return ProgramFactory(
        organization=acme,
        name="New Hire Buddies",
        slug="buddies",
        structure="peer",
        enrollment="open",
        status="pairing",
        registration_opens_on=today - dt.timedelta(days=60),
        registration_closes_on=today - dt.timedelta(days=30),
    )


def test_always_open_programs_are_open_to_members(client_for, bob, always_open):
    response = client_for(bob).get(HOME)
    assert [r.program for r in response.context["open"]] == [always_open]
    content = response.content.decode()
    assert "Open for registration" in content and 'href="/o/acme/p/buddies/register/">Register' in content
    assert "People join at any time" in row_of(response, always_open).next_step


def test_an_admin_sees_them_in_the_participant_view(client_for, alice, always_open):
    response = client_for(alice).get(HOME + "?view=participant")
    assert always_open in [r.program for r in response.context["open"]]


def test_a_fixed_cohort_past_registration_is_not_open(client_for, bob, always_open):
    always_open.enrollment = "cohort"
    always_open.save()
    assert client_for(bob).get(HOME).context["rows"] == []


def test_always_open_before_it_opens_is_not_listed(client_for, bob, always_open):
    always_open.registration_opens_on = timezone.localdate() + dt.timedelta(days=3)
    always_open.save()
    assert client_for(bob).get(HOME).context["rows"] == []


def test_invitation_only_needs_an_invitation(client_for, bob, always_open):
    setup = setup_for(always_open)
    setup.access_mode = "invitation"
    setup.save()
    assert client_for(bob).get(HOME).context["open"] == []
    ProgramInvitation.objects.create(program=always_open, email="someone.else@acme.test")
    assert client_for(bob).get(HOME).context["open"] == []
    ProgramInvitation.objects.create(program=always_open, email="bob@acme.test")
    assert [r.program for r in client_for(bob).get(HOME).context["open"]] == [always_open]


def test_registered_people_see_it_in_their_programs_not_as_open(client_for, bob, always_open):
    RegistrationFactory(program=always_open, user=bob, role="both")
    response = client_for(bob).get(HOME)
    assert response.context["open"] == [] and [r.program for r in response.context["mine"]] == [always_open]
    assert "My buddy" in response.content.decode() and "My mentees" not in response.content.decode()


def test_outsider_gets_404(client_for, charlie, always_open):
    assert client_for(charlie).get(HOME).status_code == 404


def test_queries_do_not_grow_with_programs(client_for, bob, acme, django_assert_max_num_queries):
    """Mentee choice, requests, mentorships and invitations cost no queries per program."""
    client = client_for(bob)

    def add(n: int) -> None:
        for i in range(n):
            program = ProgramFactory(organization=acme, status="registration", enrollment="open")
            PairingSettings.objects.create(program=program, mentee_choice=True)
            mine = RegistrationFactory(program=program, user=bob, role="both" if i % 2 else "mentee")
            mentor = RegistrationFactory(program=program, user=UserFactory(), role="mentor")
            mentee = RegistrationFactory(program=program, role="mentee")
            ask(program, mine, mentor)
            if i % 2:
                ask(program, mentee, mine)
            m = Mentorship.objects.create(program=program, mentor=mine)
            MentorshipMember.objects.create(mentorship=m, registration=mentee)
            invited = ProgramFactory(
                organization=acme, status="pairing", enrollment="open", registration_opens_on=None
            )
            setup = setup_for(invited)
            setup.access_mode = "invitation"
            setup.save()
            ProgramInvitation.objects.create(program=invited, email="bob@acme.test")

    add(2)
    with django_assert_max_num_queries(14) as small:
        client.get(HOME)
    add(12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(HOME)
    assert len(response.context["mine"]) == 14 and len(response.context["open"]) == 14
    assert sum(r.requests_waiting for r in response.context["mine"]) == 7
    assert all(r.waiting_for for r in response.context["mine"])
