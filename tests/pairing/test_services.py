import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from kindred.pairing import criteria, services
from kindred.pairing.models import Criterion, Exclusion, MatchRun, Mentorship, MentorshipMember, Proposal
from kindred.pairing.problem import build_problem
from kindred.pairing.selectors import program_reach
from kindred.registration.answers import validate_answers
from kindred.registration.services import answers_write, questions_of
from tests.factories import MembershipFactory, RegistrationFactory, UserFactory
from tests.registration.helpers import questionnaire, raw_for

pytestmark = pytest.mark.django_db


def register(program, qs, role, seniority=1, name=""):  # type: ignore[no-untyped-def]
    user = UserFactory(name=name or role)
    MembershipFactory(organization=program.organization, user=user)  # registering makes people members
    registration = RegistrationFactory(program=program, role=role, user=user)
    options = list(qs["seniority"].options.all())
    raw = raw_for(qs, role=role, seniority=str(options[seniority].pk))
    clean, errors = validate_answers(list(questions_of(program)), raw)
    assert not errors, errors
    answers_write(registration, clean)
    registration.role, registration.capacity = clean.role, clean.capacity
    registration.save()
    return registration


def set_pairing(program, **fields):  # type: ignore[no-untyped-def]
    """Change the program's pairing settings (mentee_choice=True, exclude_reporting_line=True, ...)."""
    settings = criteria.settings_for(program)
    for name, value in fields.items():
        setattr(settings, name, value)
    criteria.settings_save(settings=settings)
    return settings


@pytest.fixture
def qs(program):  # type: ignore[no-untyped-def]
    return questionnaire(program)


def test_defaults_follow_the_structure(program, qs):
    made = criteria.criteria_reset_to_defaults(program=program)
    names = [c.name for c in made]
    assert names == ["Mentor is more senior", "Skills to grow ↔ strengths", "Close time zones"]
    assert made[0].weight == "must" and not made[0].reverse
    program.structure = "reverse"
    program.save()
    reverse = criteria.criteria_reset_to_defaults(program=program)
    assert reverse[0].name == "Mentor is more junior" and reverse[0].reverse


def test_problem_compares_by_meaning(program, qs):
    criteria.criteria_reset_to_defaults(program=program)
    junior = register(program, qs, "mentee", seniority=1)
    senior = register(program, qs, "mentor", seniority=4)
    data = build_problem(program).data
    mentee = next(m for m in data["mentees"] if m["id"] == f"r{junior.pk}")
    mentor = next(m for m in data["mentors"] if m["id"] == f"r{senior.pk}")
    by_name = {c.name: c for c in Criterion.objects.filter(program=program)}
    senior, skills = by_name["Mentor is more senior"], by_name["Skills to grow ↔ strengths"]
    assert (mentee["attributes"][f"c{senior.pk}e"], mentor["attributes"][f"c{senior.pk}m"]) == (1.0, 4.0)
    assert mentee["attributes"][f"c{skills.pk}e"][0].startswith("skill:")
    assert mentor["attributes"][f"c{skills.pk}m"][0].startswith("skill:")
    assert mentor["capacity"] == 2


def test_reach_counts_mentees_nobody_can_mentor(program, qs):
    criteria.criteria_reset_to_defaults(program=program)
    register(program, qs, "mentee", seniority=5)  # VP: no mentor is more senior
    register(program, qs, "mentee", seniority=1)
    register(program, qs, "mentor", seniority=4)
    result = program_reach(program)
    assert len(result.without_mentor) == 1 and sum(result.histogram) == 1


def test_run_then_publish(program, qs, alice, django_capture_on_commit_callbacks):
    criteria.criteria_reset_to_defaults(program=program)
    mentees = [register(program, qs, "mentee", seniority=1, name=f"Mentee {i}") for i in range(3)]
    mentor = register(program, qs, "mentor", seniority=4, name="Mentor")  # capacity 2
    with django_capture_on_commit_callbacks(execute=True):
        run = services.match_run_start(program=program, by=alice, objective="max_participation")
    run.refresh_from_db()
    assert run.status == "done" and run.stats["matched"] == 2 and len(run.stats["unmatched"]) == 1
    assert Proposal.objects.filter(program=program, mentor=mentor).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        made, _ = services.proposals_publish(program=program, by=alice)
    assert len(made) == 2 and Mentorship.objects.filter(program=program).count() == 2
    assert not Proposal.objects.exists()
    assert len(mail.outbox) == 4  # both sides of both pairs
    to_mentee = next(m for m in mail.outbox if m.to == [made[0].members.get().registration.user.email])
    to_mentor = next(m for m in mail.outbox if m.to == [mentor.user.email])
    # Why, in plain words from the answers: the seniority must-have, seen from each side.
    assert "Your mentor in Hand-up Mentorship is Mentor" in to_mentee.body
    assert "Why you were matched: " in to_mentee.body and "Mentor ranks above you (" in to_mentee.body
    assert "You're mentoring Mentee" in to_mentor.body and "you rank above Mentee (" in to_mentor.body
    with pytest.raises(ValidationError):
        services.proposals_publish(program=program, by=alice)  # nothing twice
    assert MentorshipMember.objects.count() == 2
    assert {m.registration_id for m in MentorshipMember.objects.all()} <= {m.pk for m in mentees}


def test_locked_pairs_stay_on_rerun_and_exclusions_are_respected(
    program, qs, alice, django_capture_on_commit_callbacks
):
    criteria.criteria_reset_to_defaults(program=program)
    a = register(program, qs, "mentee", seniority=1)
    m1 = register(program, qs, "mentor", seniority=4)
    m2 = register(program, qs, "mentor", seniority=3)
    proposal = services.proposal_assign(program=program, mentee=a, mentor=m2)
    assert proposal.locked and proposal.manual
    with django_capture_on_commit_callbacks(execute=True):
        services.match_run_start(program=program, by=alice, objective="max_score")
    assert list(Proposal.objects.values_list("mentee_id", "mentor_id")) == [(a.pk, m2.pk)]
    services.proposal_lock(proposal=Proposal.objects.get(), locked=False)
    services.exclusion_add(program=program, mentee=a, mentor=m2, by=alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.match_run_start(program=program, by=alice, objective="max_score")
    assert list(Proposal.objects.values_list("mentee_id", "mentor_id")) == [(a.pk, m1.pk)]
    assert Exclusion.objects.count() == 1


def test_one_run_at_a_time(program, qs, alice):
    MatchRun.objects.create(program=program, objective="max_score", status="running")
    with pytest.raises(ValidationError):
        services.match_run_start(program=program, by=alice, objective="max_score")


def test_invalid_criterion_is_refused(program, qs):
    bad = Criterion(
        program=program,
        name="x",
        comparison="ordinal",
        mentee_question=qs["hope"],
        mentor_question=qs["hope"],
    )
    with pytest.raises(ValidationError):
        criteria.criterion_save(criterion=bad)


def test_same_department_is_never_paired_when_asked(program, qs, alice, django_capture_on_commit_callbacks):
    criteria.criteria_reset_to_defaults(program=program)
    mentee = register(program, qs, "mentee", seniority=1)
    same = register(program, qs, "mentor", seniority=4)
    other = register(program, qs, "mentor", seniority=3)
    for reg, dept in ((mentee, "Sales"), (same, "sales "), (other, "Finance")):
        reg.user.department = dept
        reg.user.save()
    set_pairing(program, exclude_same_department=True)
    data = build_problem(program).data
    assert data["apart"] == ["department"] and data["exclude"] == []  # linear, not every pair
    assert {m["id"]: m["attributes"]["department"] for m in data["mentors"]} == {
        f"r{same.pk}": "sales",
        f"r{other.pk}": "finance",
    }
    assert program_reach(program).allowed[f"r{mentee.pk}"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.match_run_start(program=program, by=alice, objective="max_score")
    run = MatchRun.objects.get()
    assert run.status == "done", run.error
    assert list(Proposal.objects.values_list("mentor_id", flat=True)) == [other.pk]


def test_the_reporting_line_is_never_paired_when_asked(
    program, qs, alice, django_capture_on_commit_callbacks
):
    criteria.criteria_reset_to_defaults(program=program)
    mentee = register(program, qs, "mentee", seniority=1)
    grand_boss = register(program, qs, "mentor", seniority=5)  # above the mentee's manager
    report = register(program, qs, "mentor", seniority=4)  # reports to the mentee (reverse line)
    other = register(program, qs, "mentor", seniority=3)
    middle = UserFactory(email="middle@example.test")  # the mentee's manager, not in the program
    MembershipFactory(organization=program.organization, user=middle)
    lines = {
        mentee.user: "MIDDLE@example.test",
        middle: grand_boss.user.email,
        grand_boss.user: mentee.user.email,  # a loop in the data stops the walk, not the build
        report.user: mentee.user.email,
    }
    for user, manager in lines.items():
        user.manager_email = manager
        user.save()
    r = lambda reg: f"r{reg.pk}"  # noqa: E731
    assert [r(mentee), r(grand_boss)] not in build_problem(program).data["exclude"]  # off by default
    set_pairing(program, exclude_reporting_line=True)
    exclude = build_problem(program).data["exclude"]
    assert sorted(exclude) == sorted([[r(mentee), r(grand_boss)], [r(mentee), r(report)]])
    assert program_reach(program).allowed[r(mentee)] == 1  # the preview sees it too
    with django_capture_on_commit_callbacks(execute=True):
        services.match_run_start(program=program, by=alice, objective="max_score")
    assert list(Proposal.objects.values_list("mentor_id", flat=True)) == [other.pk]


def test_a_changed_profile_refreshes_the_cached_preview_when_exclusions_read_it(program, qs):
    criteria.criteria_reset_to_defaults(program=program)
    mentee = register(program, qs, "mentee", seniority=1)
    boss = register(program, qs, "mentor", seniority=4)
    set_pairing(program, exclude_reporting_line=True)
    assert program_reach(program).allowed[f"r{mentee.pk}"] == 1
    mentee.user.manager_email = boss.user.email
    mentee.user.save()
    assert program_reach(program).allowed[f"r{mentee.pk}"] == 0


def test_reporting_chain_walks_up_and_stops_at_loops():
    from kindred.pairing.problem import reporting_chain

    managers = {"a": "b", "b": "c", "c": "a", "x": "x"}
    assert reporting_chain("a", managers) == ["b", "c"]
    assert reporting_chain("x", managers) == []
    assert reporting_chain("nobody", managers) == []


def test_peer_circles_are_proposed_and_published_whole(
    program, qs, alice, django_capture_on_commit_callbacks
):
    program.structure = "peer"
    program.save()
    criteria.criteria_reset_to_defaults(program=program)
    set_pairing(program, circle_size=3)
    people = [register(program, qs, "both", seniority=i % 3, name=f"Peer {i}") for i in range(6)]
    with django_capture_on_commit_callbacks(execute=True):
        services.match_run_start(program=program, by=alice, objective="max_score")
    run = MatchRun.objects.get()
    assert run.status == "done", run.error
    assert run.stats["circles"] == 2 and set(Proposal.objects.values_list("circle", flat=True)) == {1, 2}
    made, _ = services.proposals_publish(program=program, by=alice, notify=False)
    assert sorted(m.members.count() for m in made) == [3, 3]
    assert {x.registration_id for m in made for x in m.members.all()} == {p.pk for p in people}
    assert all(m.mentor is None for m in made)


def test_building_and_running_cost_the_same_queries_for_more_people(
    program, qs, alice, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    criteria.criteria_reset_to_defaults(program=program)
    for i in range(4):
        register(program, qs, "mentee" if i % 2 else "mentor", seniority=1 if i % 2 else 4)
    with django_assert_max_num_queries(20) as few:
        build_problem(program)
    for i in range(30):
        register(program, qs, "mentee" if i % 2 else "mentor", seniority=1 if i % 2 else 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        built = build_problem(program)
    assert len(built.registrations) == 34


def test_group_programs_publish_one_group_per_mentor(program, qs, alice, django_capture_on_commit_callbacks):
    program.structure = "group"
    program.save()
    criteria.criteria_reset_to_defaults(program=program)
    mentees = [register(program, qs, "mentee", seniority=1, name=f"Mentee {i}") for i in range(4)]
    mentor = register(program, qs, "mentor", seniority=4)
    mentor.capacity = 4
    mentor.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.match_run_start(program=program, by=alice, objective="max_participation")
    with django_capture_on_commit_callbacks(execute=True):
        made, _ = services.proposals_publish(program=program, by=alice)
    [group] = made
    assert group.mentor == mentor and {m.registration_id for m in group.members.all()} == {
        m.pk for m in mentees
    }
    assert len(mail.outbox) == 5  # the mentor and each mentee
    first = next(m for m in mail.outbox if m.to == [mentees[0].user.email])
    assert "Your mentor in Hand-up Mentorship is mentor" in first.body
    assert "You share the group with Mentee 1, Mentee 2, Mentee 3." in first.body
    to_mentor = next(m for m in mail.outbox if m.to == [mentor.user.email]).body
    assert "With Mentee 0: " in to_mentor and "With Mentee 3: " in to_mentor  # each mentee's own reasons


def test_publish_drops_proposals_that_no_longer_hold(program, qs, alice, django_capture_on_commit_callbacks):
    from kindred.registration.services import registration_withdraw

    criteria.criteria_reset_to_defaults(program=program)
    a, b, c = (register(program, qs, "mentee", seniority=1, name=f"Mentee {i}") for i in range(3))
    mentor = register(program, qs, "mentor", seniority=4)  # capacity 2
    other = register(program, qs, "mentor", seniority=4)
    Proposal.objects.create(program=program, mentee=a, mentor=mentor, score=90)
    Proposal.objects.create(program=program, mentee=b, mentor=mentor, score=80)
    Proposal.objects.create(program=program, mentee=c, mentor=other, score=70)
    # Since the run, the mentor filled one place through mentee choice, and `other` withdrew.
    taken = Mentorship.objects.create(program=program, mentor=mentor)
    MentorshipMember.objects.create(
        mentorship=taken, registration=register(program, qs, "mentee", seniority=1)
    )
    registration_withdraw(registration=other)  # (its proposal is released by the withdrawal)
    Proposal.objects.create(program=program, mentee=c, mentor=other, score=70)
    made, dropped = services.proposals_publish(program=program, by=alice, notify=False)
    assert [m.members.get().registration for m in made] == [a] and dropped == 2


def test_a_run_is_claimed_once(program, qs, alice):
    criteria.criteria_reset_to_defaults(program=program)
    run = MatchRun.objects.create(program=program, objective="max_score")
    services.run_matching.call(run.pk)
    assert services.run_matching.call(run.pk) == {"skipped": True}


def test_a_stale_run_does_not_block_matching_forever(program, qs, alice):
    import datetime as dt

    from django.utils import timezone

    MatchRun.objects.create(
        program=program,
        objective="max_score",
        status="running",
        created_at=timezone.now() - dt.timedelta(hours=2),
    )
    services.match_run_start(program=program, by=alice, objective="max_score")
    assert MatchRun.objects.filter(status="failed").count() == 1


def test_publishing_costs_the_same_queries_for_more_pairs(program, qs, alice, django_assert_max_num_queries):
    criteria.criteria_reset_to_defaults(program=program)

    def propose(n):  # type: ignore[no-untyped-def]
        for i in range(n):
            mentee = register(program, qs, "mentee", seniority=1, name=f"Mentee {i}")
            mentor = register(program, qs, "mentor", seniority=4, name=f"Mentor {i}")
            Proposal.objects.create(program=program, mentee=mentee, mentor=mentor, score=50)

    propose(2)
    with django_assert_max_num_queries(20) as few:
        made, _ = services.proposals_publish(program=program, by=alice)
    assert len(made) == 2
    propose(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        made, _ = services.proposals_publish(program=program, by=alice)
    assert len(made) == 12 and Mentorship.objects.count() == 14


def test_pairing_is_closed_once_the_program_has_ended(program, qs, alice):
    criteria.criteria_reset_to_defaults(program=program)
    mentee = register(program, qs, "mentee", seniority=1)
    mentor = register(program, qs, "mentor", seniority=4)
    program.status = "completed"
    program.save()
    for attempt in (
        lambda: services.match_run_start(program=program, by=alice, objective="max_score"),
        lambda: services.proposal_assign(program=program, mentee=mentee, mentor=mentor),
        lambda: services.proposals_publish(program=program, by=alice),
    ):
        with pytest.raises(ValidationError, match="has ended"):
            attempt()
    assert not MatchRun.objects.exists() and not Proposal.objects.exists()


def test_a_mentee_joining_a_group_is_introduced_without_emailing_the_group_again(
    program, qs, alice, django_capture_on_commit_callbacks
):
    program.structure = "group"
    program.save()
    criteria.criteria_reset_to_defaults(program=program)
    first = [register(program, qs, "mentee", seniority=1, name=f"Early {i}") for i in range(2)]
    mentor = register(program, qs, "mentor", seniority=4, name="Gina Guide")
    mentor.capacity = 3
    mentor.save()
    for _ in range(2):  # run, publish; a newcomer registers; run, publish again
        with django_capture_on_commit_callbacks(execute=True):
            services.match_run_start(program=program, by=alice, objective="max_participation")
        with django_capture_on_commit_callbacks(execute=True):
            services.proposals_publish(program=program, by=alice)
        if not MentorshipMember.objects.filter(registration__user__name="Late Comer").exists():
            assert len(mail.outbox) == 3
            mail.outbox.clear()
            late = register(program, qs, "mentee", seniority=2, name="Late Comer")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([late.user.email, mentor.user.email])
    to_mentor = next(m.body for m in mail.outbox if m.to == [mentor.user.email])
    assert "Late Comer (Engineer) joins your group" in to_mentor and "Early" not in to_mentor
    to_late = next(m.body for m in mail.outbox if m.to == [late.user.email])
    assert "Your mentor in Hand-up Mentorship is Gina Guide" in to_late and "Early 0" in to_late
    # Each mentee keeps her own pair's score and reasons.
    members = MentorshipMember.objects.filter(mentorship__mentor=mentor)
    assert members.count() == 3 and all(m.reasons and m.score is not None for m in members)
    assert {m.registration_id for m in members} == {first[0].pk, first[1].pk, late.pk}
    assert services.send_introductions.call([members[0].mentorship_id]) == 0  # nobody twice


def test_a_reassigned_mentee_and_the_new_mentor_are_introduced(
    program, qs, alice, django_capture_on_commit_callbacks
):
    from kindred.pairing import mentorships as ms

    criteria.criteria_reset_to_defaults(program=program)
    mentee = register(program, qs, "mentee", seniority=1, name="Mia Mentee")
    old = register(program, qs, "mentor", seniority=4, name="Old Mentor")
    new = register(program, qs, "mentor", seniority=5, name="New Mentor")
    mentorship = Mentorship.objects.create(program=program, mentor=old)
    MentorshipMember.objects.create(
        mentorship=mentorship, registration=mentee, introduced_at="2026-01-01T00:00Z"
    )
    with django_capture_on_commit_callbacks(execute=True):
        ms.mentorship_reassign(mentorship=mentorship, mentee=mentee, mentor=new, by=alice)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([mentee.user.email, new.user.email])
    to_mentee = next(m.body for m in mail.outbox if m.to == [mentee.user.email])
    # Nobody scored this pair: the reasons come from the answers, the must-have first.
    assert (
        "Your mentor in Hand-up Mentorship is New Mentor" in to_mentee and "New ranks above you" in to_mentee
    )


def test_a_lock_wins_over_a_reporting_line_found_after_it(
    program, qs, alice, django_capture_on_commit_callbacks
):
    criteria.criteria_reset_to_defaults(program=program)
    mentee = register(program, qs, "mentee", seniority=1)
    boss = register(program, qs, "mentor", seniority=4)
    register(program, qs, "mentor", seniority=4)
    services.proposal_assign(program=program, mentee=mentee, mentor=boss)  # locked by the admin
    mentee.user.manager_email = boss.user.email  # then the profile says boss is her manager
    mentee.user.save()
    set_pairing(program, exclude_reporting_line=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.match_run_start(program=program, by=alice, objective="max_score")
    assert MatchRun.objects.get().status == "done"
    assert list(Proposal.objects.filter(mentee=mentee).values_list("mentor_id", flat=True)) == [boss.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.proposals_publish(program=program, by=alice)
    assert MentorshipMember.objects.filter(registration=mentee).count() == 1


def test_a_locked_peer_pair_later_in_one_reporting_line_still_runs(
    program, qs, alice, django_capture_on_commit_callbacks
):
    program.structure = "peer"
    program.save()
    criteria.criteria_reset_to_defaults(program=program)
    a, b, *_ = (register(program, qs, "both", seniority=1, name=f"Peer {i}") for i in range(4))
    services.proposal_assign(program=program, mentee=a, mentor=b)
    a.user.manager_email = b.user.email
    a.user.save()
    set_pairing(program, exclude_reporting_line=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.match_run_start(program=program, by=alice, objective="max_score")
    run = MatchRun.objects.get()
    assert run.status == "done", run.error
    assert Proposal.objects.filter(mentee=a, mentor=b, locked=True).exists()
    assert Proposal.objects.count() == 2  # a–b as locked, c–d by the engine
