import pytest

from kindred.pairing import criteria
from kindred.pairing.models import Criterion, Exclusion, MatchRun, Mentorship, PairingSettings, Proposal
from tests.pairing.test_services import register
from tests.registration.helpers import questionnaire

pytestmark = pytest.mark.django_db
BASE = "/o/acme/programs/hand-up/pairing/"


@pytest.fixture
def setup(program):  # type: ignore[no-untyped-def]
    qs = questionnaire(program)
    criteria.criteria_reset_to_defaults(program=program)
    mentees = [register(program, qs, "mentee", seniority=1, name=f"Mentee {i}") for i in range(3)]
    mentors = [
        register(program, qs, "mentor", seniority=4, name="Senior Mentor"),
        register(program, qs, "mentor", seniority=5, name="VP Mentor"),
    ]
    return qs, mentees, mentors


def test_criteria_page_previews_reach(client_for, alice, program, setup):
    response = client_for(alice).get(BASE + "criteria/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Mentor is more senior" in content and "Every mentee has at least one possible mentor." in content
    assert response.context["reach"].histogram and sum(response.context["reach"].histogram) == 6


def test_saving_settings_and_criteria_ticks_the_checklist_step(client_for, alice, program, setup):
    client = client_for(alice)
    client.post(
        BASE + "criteria/",
        {"objective": "max_score", "min_score": "10", "max_time_zone_gap": "", "request_expiry_days": "7"},
    )
    settings = PairingSettings.objects.get(program=program)
    assert settings.objective == "max_score" and settings.configured_at
    detail = client.get("/o/acme/programs/hand-up/").content.decode()
    assert '<li class="done sub" data-step="pairing_algorithm">' in detail
    assert "6 steps left" in detail  # general information, questionnaire and pairing algorithm are done


def test_bad_settings_are_field_errors(client_for, alice, program, setup):
    response = client_for(alice).post(
        BASE + "criteria/", {"objective": "max_score", "min_score": "150", "request_expiry_days": "7"}
    )
    assert response.status_code == 400 and "min_score" in response.context["form"].errors


def test_add_edit_remove_criterion(client_for, alice, program, setup):
    qs = setup[0]
    client = client_for(alice)
    response = client.post(
        BASE + "criteria/new/",
        {
            "name": "Same years",
            "mentee_question": qs["years_career"].pk,
            "mentor_question": qs["years_career"].pk,
            "comparison": "closeness",
            "weight": "low",
            "min_gap": 1,
            "max_difference": 5,
        },
    )
    assert response.status_code == 302
    c = Criterion.objects.get(name="Same years")
    bad = client.post(
        f"{BASE}criteria/{c.pk}/",
        {
            "name": "Same years",
            "mentee_question": qs["hope"].pk,
            "mentor_question": qs["hope"].pk,
            "comparison": "ordinal",
            "weight": "low",
            "min_gap": 1,
            "max_difference": 5,
        },
    )
    assert bad.status_code == 400
    client.post(f"{BASE}criteria/{c.pk}/", {"action": "delete"})
    assert not Criterion.objects.filter(pk=c.pk).exists()


def test_run_review_lock_and_publish(client_for, alice, program, setup, django_capture_on_commit_callbacks):
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(BASE + "run/", {"objective": "max_participation"})
    assert MatchRun.objects.get().status == "done"
    assert client.get(BASE + "run/status/").json()["status"] == "done"
    page = client.get(BASE)
    assert page.status_code == 200 and Proposal.objects.count() == 3
    first = Proposal.objects.first()
    client.post(f"{BASE}proposals/{first.pk}/", {"action": "lock"})
    assert Proposal.objects.get(pk=first.pk).locked
    other = Proposal.objects.exclude(pk=first.pk).first()
    client.post(f"{BASE}proposals/{other.pk}/", {"action": "never"})
    assert Exclusion.objects.filter(mentee=other.mentee, mentor=other.mentor).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(BASE + "publish/")
    assert Mentorship.objects.filter(program=program).count() == 2
    assert not Proposal.objects.exists()


def test_manual_assign_shows_ranked_candidates_with_warnings(client_for, alice, program, setup):
    _, mentees, mentors = setup
    client = client_for(alice)
    page = client.get(f"{BASE}assign/{mentees[0].pk}/")
    names = [c["registration"].user.display_name for c in page.context["candidates"]]
    assert set(names) == {"Senior Mentor", "VP Mentor"}
    client.post(f"{BASE}assign/{mentees[0].pk}/", {"mentor": mentors[1].pk})
    proposal = Proposal.objects.get(mentee=mentees[0])
    assert proposal.locked and proposal.manual and proposal.mentor == mentors[1]


def test_member_forbidden_outsider_404(client_for, bob, charlie, program, setup):
    for user, status in ((bob, 403), (charlie, 404)):
        client = client_for(user)
        assert client.get(BASE + "criteria/").status_code == status
        assert client.get(BASE).status_code == status
        assert client.post(BASE + "run/", {"objective": "max_score"}).status_code == status
        assert client.post(BASE + "publish/").status_code == status
    assert not MatchRun.objects.exists()


def test_another_programs_proposal_is_404(client_for, alice, acme, program, setup):
    from tests.factories import ProgramFactory, RegistrationFactory

    other = ProgramFactory(organization=acme)
    foreign = Proposal.objects.create(
        program=other, mentee=RegistrationFactory(program=other), mentor=RegistrationFactory(program=other)
    )
    assert client_for(alice).post(f"{BASE}proposals/{foreign.pk}/", {"action": "remove"}).status_code == 404
    assert Proposal.objects.filter(pk=foreign.pk).exists()


def test_review_queries_do_not_grow_with_proposals(
    client_for, alice, program, setup, django_assert_max_num_queries
):
    from tests.factories import RegistrationFactory

    client = client_for(alice)
    mentor = setup[2][0]
    Proposal.objects.create(program=program, mentee=setup[1][0], mentor=mentor)
    with django_assert_max_num_queries(60) as few:
        client.get(BASE)
    for _ in range(20):
        Proposal.objects.create(program=program, mentee=RegistrationFactory(program=program), mentor=mentor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(BASE)


def test_admin_enters_never_pair_by_email(client_for, alice, program, setup):
    _, mentees, mentors = setup
    client = client_for(alice)
    client.post(
        BASE + "never/",
        {"mentee": mentees[0].user.email.upper(), "mentor": mentors[0].user.email, "reason": "Same team"},
    )
    exclusion = Exclusion.objects.get()
    assert (exclusion.mentee, exclusion.mentor, exclusion.reason) == (mentees[0], mentors[0], "Same team")
    bad = client.post(
        BASE + "never/", {"mentee": "nobody@x.test", "mentor": mentors[0].user.email}, follow=True
    )
    assert "Nobody registered" in bad.content.decode() and Exclusion.objects.count() == 1
    client.post(BASE + "never/", {"remove": exclusion.pk})
    assert not Exclusion.objects.exists()


def test_deleting_a_question_says_which_criteria_go_with_it(client_for, alice, program, setup):
    from kindred.registration.models import Question

    seniority = Question.objects.get(program=program, pool_key="seniority")
    client = client_for(alice)
    page = client.get(f"/o/acme/programs/hand-up/questionnaire/{seniority.pk}/delete/").content.decode()
    assert "Mentor is more senior" in page
    client.post(f"/o/acme/programs/hand-up/questionnaire/{seniority.pk}/delete/", {"confirm": "yes"})
    assert not Criterion.objects.filter(name="Mentor is more senior").exists()


def test_the_preview_is_scored_once_until_something_changes(client_for, alice, program, setup, monkeypatch):
    from kindred.pairing import selectors

    calls = []
    original = selectors.reach
    monkeypatch.setattr(selectors, "reach", lambda problem: calls.append(1) or original(problem))
    client = client_for(alice)
    client.get(BASE + "criteria/")
    client.get(BASE + "criteria/")
    assert len(calls) == 1
    criterion = Criterion.objects.get(name="Close time zones")
    criterion.weight = "high"
    criterion.save()
    client.get(BASE + "criteria/")
    assert len(calls) == 2


def test_review_of_an_ended_program_says_pairing_is_closed(client_for, alice, program, setup):
    program.status = "completed"
    program.save()
    content = client_for(alice).get(BASE).content.decode()
    assert "has ended" in content and "pairing is closed" in content
    assert "Run matching" not in content
