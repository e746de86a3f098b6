import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from kindred.pairing import choice, criteria
from kindred.pairing.models import MentorRequest, Mentorship, MentorshipMember
from tests.pairing.test_services import register, set_pairing
from tests.registration.helpers import questionnaire

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(program):  # type: ignore[no-untyped-def]
    program.status = "pairing"
    program.save()
    qs = questionnaire(program)
    criteria.criteria_reset_to_defaults(program=program)
    settings = set_pairing(program, mentee_choice=True, mentor_approval=True)
    mentees = [register(program, qs, "mentee", seniority=1, name=f"Mentee {i}") for i in range(4)]
    mentors = [register(program, qs, "mentor", seniority=4, name=f"Mentor {i}") for i in range(3)]
    vp = register(program, qs, "mentee", seniority=5, name="VP")  # nobody is more senior
    return program, mentees, mentors, vp, settings


def test_recommendations_are_allowed_mentors_with_room(world):
    program, mentees, mentors, vp, _ = world
    found = choice.recommendations(program=program, mentee=mentees[0])
    assert {c.registration.pk for c in found} == {m.pk for m in mentors}
    assert all(0 <= c.score <= 100 and c.reasons for c in found)
    assert choice.recommendations(program=program, mentee=vp) == []


def test_popular_mentors_rotate_down(world):
    program, mentees, _, _, _ = world
    first = choice.recommendations(program=program, mentee=mentees[0])[0].registration
    for m in mentees[1:3]:
        choice.request_create(program=program, mentee=m, mentor=first, message="")
    top = choice.recommendations(program=program, mentee=mentees[3])[0].registration
    assert top != first  # the mentor with two waiting requests is no longer shown first


def test_request_with_approval_then_accept(world, django_capture_on_commit_callbacks):
    program, mentees, mentors, _, _ = world
    with django_capture_on_commit_callbacks(execute=True):
        request = choice.request_create(program=program, mentee=mentees[0], mentor=mentors[0], message="Hi!")
    assert request.status == "pending" and mail.outbox[-1].to == [mentors[0].user.email]
    with pytest.raises(ValidationError):
        choice.request_create(
            program=program, mentee=mentees[0], mentor=mentors[1], message=""
        )  # one at a time
    with django_capture_on_commit_callbacks(execute=True):
        mentorship = choice.request_accept(request=request, by=mentors[0].user)
    assert mentorship.mentor == mentors[0] and mail.outbox[-1].to == [mentees[0].user.email]
    with pytest.raises(ValidationError):
        choice.request_create(
            program=program, mentee=mentees[0], mentor=mentors[1], message=""
        )  # already paired


def test_without_approval_the_request_is_accepted_at_once(world):
    program, mentees, mentors, _, settings = world
    settings.mentor_approval = False
    settings.save()
    request = choice.request_create(program=program, mentee=mentees[0], mentor=mentors[0], message="")
    assert request.status == "accepted" and Mentorship.objects.get().mentor == mentors[0]


def test_full_mentors_are_not_offered_and_cannot_be_asked(world):
    program, mentees, mentors, _, settings = world
    settings.mentor_approval = False
    settings.save()
    for m in mentees[:2]:
        choice.request_create(program=program, mentee=m, mentor=mentors[0], message="")  # capacity 2
    assert mentors[0].pk not in {
        c.registration.pk for c in choice.eligible_mentors(program=program, mentee=mentees[2])
    }
    with pytest.raises(ValidationError):
        choice.request_create(program=program, mentee=mentees[2], mentor=mentors[0], message="")


def test_accepting_past_capacity_is_refused(world):
    program, mentees, mentors, _, _ = world
    requests = [
        choice.request_create(program=program, mentee=m, mentor=mentors[0], message="") for m in mentees[:3]
    ]
    choice.request_accept(request=requests[0], by=mentors[0].user)
    choice.request_accept(request=requests[1], by=mentors[0].user)
    with pytest.raises(ValidationError) as exc:
        choice.request_accept(request=requests[2], by=mentors[0].user)
    assert "no room left" in exc.value.messages[0]
    assert MentorshipMember.objects.count() == 2


def test_decline_ask_and_expire(world, django_capture_on_commit_callbacks):
    program, mentees, mentors, _, _ = world
    r1 = choice.request_create(program=program, mentee=mentees[0], mentor=mentors[0], message="")
    with django_capture_on_commit_callbacks(execute=True):
        choice.request_ask_more(request=r1, question="What do you want to learn?")
    assert "What do you want to learn?" in mail.outbox[-1].body
    choice.request_decline(request=r1, response="I'm full this quarter")
    assert MentorRequest.objects.get(pk=r1.pk).status == "declined"
    r2 = choice.request_create(program=program, mentee=mentees[0], mentor=mentors[1], message="")
    with django_capture_on_commit_callbacks(execute=True):
        n = choice.requests_expire(now=r2.expires_at + dt.timedelta(seconds=1))
    assert n == 1 and MentorRequest.objects.get(pk=r2.pk).status == "expired"
    assert "expired" in mail.outbox[-1].subject
    choice.request_create(
        program=program, mentee=mentees[0], mentor=mentors[2], message=""
    )  # can choose again


def test_choice_off_means_no_requests(world):
    program, mentees, mentors, _, settings = world
    settings.mentee_choice = False
    settings.save()
    with pytest.raises(ValidationError):
        choice.request_create(program=program, mentee=mentees[0], mentor=mentors[0], message="")


def test_an_expired_request_cannot_be_accepted_even_before_the_sweep(world):
    import time_machine

    program, mentees, mentors, _, _ = world
    request = choice.request_create(program=program, mentee=mentees[0], mentor=mentors[0], message="")
    with time_machine.travel(request.expires_at + dt.timedelta(minutes=1)), pytest.raises(ValidationError):
        choice.request_accept(request=request, by=mentors[0].user)
    assert not Mentorship.objects.exists()


def test_no_requests_once_the_program_is_over(world):
    program, mentees, mentors, _, _ = world
    program.status = "archived"
    program.save()
    with pytest.raises(ValidationError):
        choice.request_create(program=program, mentee=mentees[0], mentor=mentors[0], message="")


def test_withdrawing_releases_requests_proposals_and_mentorships(world):
    from kindred.pairing.models import Proposal
    from kindred.registration.services import registration_withdraw

    program, mentees, mentors, _, settings = world
    pending = choice.request_create(program=program, mentee=mentees[0], mentor=mentors[0], message="")
    Proposal.objects.create(program=program, mentee=mentees[1], mentor=mentors[0])
    settings.mentor_approval = False
    settings.save()
    choice.request_create(program=program, mentee=mentees[2], mentor=mentors[1], message="")
    registration_withdraw(registration=mentors[0])
    assert MentorRequest.objects.get(pk=pending.pk).status == "cancelled"
    assert not Proposal.objects.exists()
    registration_withdraw(registration=mentees[2])
    ended = Mentorship.objects.get(mentor=mentors[1])
    assert ended.status == "ended" and "withdrew" in ended.end_reason


def test_one_mentees_choice_reads_only_their_answers_and_the_mentors(world):
    program, mentees, mentors, _, _ = world
    _, registrations = choice._single_mentee(program, mentees[0])
    assert {r.pk for r in registrations.values()} == {mentees[0].pk} | {m.pk for m in mentors}
