import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kindred.pairing import choice, criteria
from kindred.pairing.models import Exclusion, MentorRequest, Mentorship, MentorshipMember
from tests.pairing.helpers import mentee_choice
from tests.pairing.test_services import register

pytestmark = pytest.mark.django_db
P = "/o/acme/p/hand-up/"
A = "/o/acme/programs/hand-up/mentorships/"


@pytest.fixture
def world(program):  # type: ignore[no-untyped-def]
    program.status = "pairing"
    program.save()
    _, mentee, mentor = mentee_choice(program)
    return program, mentee, mentor


def paired(program, mentee, mentor):  # type: ignore[no-untyped-def]
    m = Mentorship.objects.create(
        program=program, mentor=mentor, reasons=[{"criterion": "Skills", "points": 40}]
    )
    MentorshipMember.objects.create(mentorship=m, registration=mentee)
    return m


def test_my_mentorship_shows_the_mentor_and_why(client_for, world):
    program, mentee, mentor = world
    paired(program, mentee, mentor)
    content = client_for(mentee.user).get(P + "mentorship/").content.decode()
    assert "Max Mentor" in content and "Why you were matched: skills" in content
    mentor_view = client_for(mentor.user).get(P + "mentorship/").content.decode()
    assert "My mentees" in mentor_view and "Mia Mentee" in mentor_view


def test_not_a_good_fit_returns_to_the_pool(client_for, world, alice, django_capture_on_commit_callbacks):
    from django.core import mail

    program, mentee, mentor = world
    m = paired(program, mentee, mentor)
    client = client_for(mentee.user)
    empty = client.post(f"{P}mentorship/{m.pk}/not-a-fit/", {"reason": ""}, follow=True)
    assert "why" in empty.content.decode() and Mentorship.objects.get().status == "active"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{P}mentorship/{m.pk}/not-a-fit/", {"reason": "We never found a time"})
    m.refresh_from_db()
    assert m.status == "ended" and "never found a time" in m.end_reason
    assert Exclusion.objects.filter(mentee=mentee, mentor=mentor).exists()
    assert mail.outbox[-1].to == ["alice@acme.test"] and "never found a time" in mail.outbox[-1].body
    assert m.events.get().by == mentee.user


def test_someone_else_cannot_end_it(client_for, world, bob):
    program, mentee, mentor = world
    m = paired(program, mentee, mentor)
    other = register(program, questionnaire_of(program), "mentee", name="Other")
    client_for(other.user).post(f"{P}mentorship/{m.pk}/not-a-fit/", {"reason": "x"})
    assert Mentorship.objects.get().status == "active"


def questionnaire_of(program):  # type: ignore[no-untyped-def]
    from kindred.registration.services import questions_of

    return {q.builtin or q.pool_key or "hope": q for q in questions_of(program)}


def test_choose_ask_and_accept(client_for, world):
    _, mentee, mentor = world
    page = client_for(mentee.user).get(P + "mentors/")
    assert [c.registration for c in page.context["recommended"]] == [mentor]
    profile = client_for(mentee.user).get(f"{P}mentors/{mentor.pk}/")
    assert "Ask Max Mentor to mentor me" in profile.content.decode()
    client_for(mentee.user).post(f"{P}mentors/{mentor.pk}/", {"message": "Please!"})
    request = MentorRequest.objects.get()
    assert (request.status, request.message) == ("pending", "Please!")
    requests_page = client_for(mentor.user).get(P + "requests/")
    assert "Please!" in requests_page.content.decode()
    client_for(mentor.user).post(P + "requests/", {"request": request.pk, "action": "accept"})
    assert Mentorship.objects.get(mentor=mentor).members.get().registration == mentee


def test_mentee_cancels(client_for, world):
    program, mentee, mentor = world
    request = choice.request_create(program=program, mentee=mentee, mentor=mentor, message="")
    client_for(mentee.user).post(f"{P}requests/{request.pk}/cancel/")
    assert MentorRequest.objects.get().status == "cancelled"


def test_another_mentors_request_cannot_be_answered(client_for, world):
    program, mentee, mentor = world
    qs = questionnaire_of(program)
    other = register(program, qs, "mentor", seniority=5, name="Other Mentor")
    request = choice.request_create(program=program, mentee=mentee, mentor=mentor, message="")
    assert (
        client_for(other.user).post(P + "requests/", {"request": request.pk, "action": "accept"}).status_code
        == 404
    )
    assert MentorRequest.objects.get().status == "pending"


def test_pages_need_a_registration_and_choice_on(client_for, world, bob, charlie):
    program, mentee, mentor = world
    assert client_for(bob).get(P + "mentorship/").status_code == 404  # a member who did not register
    assert client_for(charlie).get(P + "mentors/").status_code == 404  # another organization
    assert client_for(mentor.user).get(P + "mentors/").status_code == 404  # mentors don't choose
    settings = criteria.settings_for(program)
    settings.mentee_choice = False
    settings.save()
    assert client_for(mentee.user).get(P + "mentors/").status_code == 404


def test_admin_lists_ends_and_reassigns(client_for, alice, world):
    program, mentee, mentor = world
    m = paired(program, mentee, mentor)
    other = register(program, questionnaire_of(program), "mentor", seniority=5, name="Other Mentor")
    client = client_for(alice)
    listing = client.get(A + "?status=active")
    assert [x.pk for x in listing.context["page"].object_list] == [m.pk]
    client.post(f"{A}{m.pk}/", {"action": "reassign", "mentee": mentee.pk, "mentor": other.pk})
    m.refresh_from_db()
    assert m.status == "ended" and Mentorship.objects.get(status="active").mentor == other
    new = Mentorship.objects.get(status="active")
    bad = client.post(f"{A}{new.pk}/", {"action": "end", "reason": ""}, follow=True)
    assert "Say why" in bad.content.decode()
    client.post(f"{A}{new.pk}/", {"action": "end", "reason": "Left the company"})
    assert Mentorship.objects.get(pk=new.pk).status == "ended"


def test_reassigning_offers_mentors_with_room_first(client_for, alice, world):
    program, mentee, mentor = world
    m = paired(program, mentee, mentor)
    qs = questionnaire_of(program)
    full = register(program, qs, "mentor", seniority=5, name="Aaron Full")  # first by name
    full.capacity = 1
    full.save()
    paired(program, register(program, qs, "mentee", seniority=1, name="Taken Mentee"), full)
    register(program, qs, "mentor", seniority=5, name="Zoe Roomy")
    mentors = client_for(alice).get(f"{A}{m.pk}/").context["mentors"]
    names = [x.user.display_name for x, _ in mentors if x.pk != mentor.pk]
    assert names == ["Zoe Roomy", "Aaron Full"]


def test_admin_pages_member_forbidden_outsider_404(client_for, bob, charlie, world):
    assert client_for(bob).get(A).status_code == 403
    assert client_for(charlie).get(A).status_code == 404


def test_program_completion_completes_mentorships(world, alice):
    from kindred.programs.services import program_change_status

    program, mentee, mentor = world
    m = paired(program, mentee, mentor)
    program = program_change_status(program=program, to="running", by=alice)
    program_change_status(program=program, to="completed", by=alice)
    m.refresh_from_db()
    assert m.status == "completed" and m.events.get().kind == "completed"


def test_an_ended_program_takes_no_more_requests_and_cancels_those_waiting(world, alice):
    from kindred.pairing import choice
    from kindred.programs.services import program_change_status

    program, mentee, mentor = world
    request = choice.request_create(program=program, mentee=mentee, mentor=mentor, message="Hi")
    assert request.status == "pending"
    program = program_change_status(program=program, to="running", by=alice)
    program_change_status(program=program, to="completed", by=alice)
    request.refresh_from_db()
    assert request.status == "cancelled"
    request.status = "pending"  # even one missed by the cancelling cannot be accepted now
    request.save()
    with pytest.raises(ValidationError, match="not pairing people now"):
        choice.request_accept(request=request, by=mentor.user)
    assert not Mentorship.objects.filter(program=program, status="active").exists()


def test_the_sweep_completes_programs_past_their_end(world, alice):
    import datetime as dt

    from django.core.management import call_command

    from kindred.programs.models import Program

    program, mentee, mentor = world
    m = paired(program, mentee, mentor)
    program.status, program.ends_on = "running", dt.date(2020, 1, 1)
    program.starts_on = dt.date(2019, 6, 1)
    program.save()
    call_command("sweep")
    assert Program.objects.get(pk=program.pk).status == "completed"
    m.refresh_from_db()
    assert m.status == "completed"


def test_registration_cannot_reopen_once_pairs_are_published(world, alice):
    from django.core.exceptions import ValidationError

    from kindred.programs.services import program_change_status

    program, mentee, mentor = world
    paired(program, mentee, mentor)
    with pytest.raises(ValidationError):
        program_change_status(program=program, to="registration", by=alice)


def test_the_mentorship_page_costs_the_same_queries_for_one_mentee_or_many(
    client_for, world, django_assert_max_num_queries
):
    program, mentee, mentor = world
    program.structure = "group"
    program.save()
    group = paired(program, mentee, mentor)
    client = client_for(mentor.user)
    with CaptureQueriesContext(connection) as one:
        assert client.get(P + "mentorship/").status_code == 200
    qs = questionnaire_of(program)
    for i in range(6):
        more = register(program, qs, "mentee", seniority=1, name=f"Extra {i}")
        MentorshipMember.objects.create(mentorship=group, registration=more)
    with django_assert_max_num_queries(len(one.captured_queries)):
        content = client.get(P + "mentorship/").content.decode()
    assert "Extra 5" in content


def test_the_first_session_is_the_next_step_only_at_the_start(client_for, world):
    program, mentee, mentor = world
    m = paired(program, mentee, mentor)
    client = client_for(mentee.user)
    assert "Next step:</strong> schedule your first session" in client.get(P + "mentorship/").content.decode()
    Mentorship.objects.filter(pk=m.pk).update(started_at=timezone.now() - dt.timedelta(days=90))
    content = client.get(P + "mentorship/").content.decode()
    assert "schedule your first session" not in content and "Together since" in content


def test_a_mentor_without_mentees_sees_the_requests_waiting(client_for, world):
    program, mentee, mentor = world
    choice.request_create(program=program, mentee=mentee, mentor=mentor, message="Hi")
    content = client_for(mentor.user).get(P + "mentorship/").content.decode()
    assert "1 request is waiting for your answer." in content
    assert content.count("Requests from mentees</a>") == 1
    requests = client_for(mentor.user).get(P + "requests/").content.decode()
    assert "Waiting for your answer" in requests and "Waiting for the mentor" not in requests


def test_the_admin_mentorship_page_shows_since_when_and_why(client_for, alice, world):
    program, mentee, mentor = world
    m = paired(program, mentee, mentor)
    content = client_for(alice).get(f"{A}{m.pk}/").content.decode()
    assert f"Since {m.started_at:%b} {m.started_at.day}" in content and "Skills +40" in content


@pytest.mark.parametrize("posted", ["²", "9" * 30, "-1", "abc", ""])
def test_a_mentors_request_action_with_a_malformed_id_is_a_404(client_for, world, posted):
    program, mentee, mentor = world
    choice.request_create(program=program, mentee=mentee, mentor=mentor, message="")
    response = client_for(mentor.user).post(P + "requests/", {"request": posted, "action": "accept"})
    assert response.status_code == 404
    assert MentorRequest.objects.get().status == "pending"


def test_free_text_over_its_limit_is_refused_with_a_message(client_for, world):
    program, mentee, mentor = world
    request = choice.request_create(program=program, mentee=mentee, mentor=mentor, message="")
    page = client_for(mentor.user).post(
        P + "requests/", {"request": request.pk, "action": "decline", "response": "n" * 2001}, follow=True
    )
    assert "Keep it under 2,000 characters (this is 2,001)." in page.content.decode()
    assert MentorRequest.objects.get().status == "pending"
    asked = client_for(mentee.user).post(f"{P}mentors/{mentor.pk}/", {"message": "p" * 60_000}, follow=True)
    assert "Keep it under 2,000 characters" in asked.content.decode()


def test_a_long_not_a_fit_reason_is_refused_rather_than_cut(client_for, world):
    # The reason is kept in a 300-character history note with the person's name: a longer one was
    # silently cut. Now the person is told, and nothing ends.
    program, mentee, mentor = world
    m = paired(program, mentee, mentor)
    page = client_for(mentee.user).post(
        f"{P}mentorship/{m.pk}/not-a-fit/", {"reason": "r" * 1000}, follow=True
    )
    assert "Keep it under 250 characters" in page.content.decode()
    assert Mentorship.objects.get().status == "active"


def test_a_search_of_sixty_thousand_characters_is_cut_not_a_500(client_for, world, alice):
    program, mentee, mentor = world
    paired(program, mentee, mentor)
    page = client_for(alice).get(A, {"q": "M" * 60_000})
    assert page.status_code == 200 and page.context["query"] == "M" * 200
    choose = client_for(mentee.user).get(P + "mentors/", {"q": "x" * 60_000})
    assert choose.status_code == 200 and choose.context["query"] == "x" * 200


def test_a_member_removed_from_the_organization_loses_every_participant_page(client_for, world):
    from kindred.orgs.models import Membership

    program, mentee, mentor = world
    m = paired(program, mentee, mentor)
    Membership.objects.filter(user=mentee.user).delete()
    client = client_for(mentee.user)
    for url in (P + "mentorship/", P + "mentors/", f"{P}mentors/{mentor.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{P}mentorship/{m.pk}/not-a-fit/", {"reason": "x"}).status_code == 404
    assert Mentorship.objects.get().status == "active"
