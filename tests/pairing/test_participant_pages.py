"""Participant pages of pairing as participants read them: reasons in their own words, the
profile's layout, the recommendation grid, flash, ended and peer programs, and requests when
mentees don't choose."""

from pathlib import Path

import pytest

from kindred.pairing import criteria
from kindred.pairing.models import Mentorship, MentorshipMember, MentorshipStatus
from kindred.pairing.selectors import Answered, reason_text
from kindred.registration.answers import validate_answers
from kindred.registration.services import answers_write, questions_of
from tests.pairing.test_services import register, set_pairing
from tests.registration.helpers import questionnaire, raw_for

P = "/o/acme/p/hand-up/"
CSS = Path(__file__).resolve().parents[2] / "kindred/static/css/kindred.css"


# -- reason_text: the pure wording ----------------------------------------------------------------


def a(*labels: str, position: float | None = None, keys: tuple[str, ...] | None = None) -> Answered:
    return Answered(labels=labels, keys=keys or tuple(x.lower() for x in labels), position=position)


def test_overlap_names_the_shared_answers_only():
    text = reason_text(
        comparison="overlap",
        mine=a("Negotiation", "Public speaking", "Delegation"),
        theirs=a("Public speaking", "Negotiation", "Coaching"),
        them="Vera",
    )
    assert text == "you both listed Negotiation and Public speaking"


def test_overlap_without_a_shared_answer_claims_nothing():
    assert reason_text(comparison="overlap", mine=a("Negotiation"), theirs=a("Coaching"), them="Vera") is None
    assert reason_text(comparison="overlap", mine=None, theirs=a("Coaching"), them="Vera") is None


def test_overlap_compares_by_meaning_and_shows_the_viewers_label():
    mine = a("Public speaking", keys=("skill:7",))
    theirs = a("Speaking in public", keys=("skill:7",))
    assert reason_text(comparison="overlap", mine=mine, theirs=theirs, them="Vera") == (
        "you both listed Public speaking"
    )


def test_equal():
    assert reason_text(comparison="equal", mine=a("Design"), theirs=a("Design"), them="Vera") == (
        "you both answered Design"
    )
    assert reason_text(comparison="equal", mine=a("Design"), theirs=a("Sales"), them="Vera") is None


def test_ordinal_says_who_ranks_above_from_either_side():
    senior, junior = a("Director", position=4), a("Associate", position=1)
    assert reason_text(comparison="ordinal", mine=junior, theirs=senior, them="Vera") == (
        "Vera ranks above you (Director; you: Associate)"
    )
    assert reason_text(comparison="ordinal", mine=senior, theirs=junior, them="Umar", mentor_side=True) == (
        "you rank above Umar (Director; Umar: Associate)"
    )
    # A mentee above their mentor is not what "mentor ranks higher" says.
    assert reason_text(comparison="ordinal", mine=senior, theirs=junior, them="Vera") is None
    assert reason_text(comparison="ordinal", mine=junior, theirs=senior, them="Vera", min_gap=4) is None


def test_ordinal_reverse_mentoring():
    senior, junior = a("Director", position=4), a("Associate", position=1)
    # The senior mentee is mentored by a junior colleague.
    assert reason_text(comparison="ordinal", mine=senior, theirs=junior, them="Kim", reverse=True) == (
        "you rank above Kim (Director; Kim: Associate)"
    )
    assert reason_text(
        comparison="ordinal", mine=junior, theirs=senior, them="Lee", mentor_side=True, reverse=True
    ) == ("Lee ranks above you (Director; you: Associate)")


def test_closeness():
    paris, berlin = a("Europe/Paris", position=1), a("Europe/Berlin", position=1)
    tokyo = a("Asia/Tokyo", position=9)
    assert reason_text(comparison="closeness", mine=paris, theirs=paris, them="Vera") == (
        "you both answered Europe/Paris"
    )
    assert reason_text(comparison="closeness", mine=paris, theirs=berlin, them="Vera") == (
        "your answers are close (you: Europe/Paris; Vera: Europe/Berlin)"
    )
    assert (
        reason_text(comparison="closeness", mine=paris, theirs=tokyo, them="Vera", max_difference=6) is None
    )
    assert reason_text(comparison="closeness", mine=a("x"), theirs=a("y"), them="Vera") is None  # no position


# -- the pages --------------------------------------------------------------------------------------


@pytest.fixture
def world(program):  # type: ignore[no-untyped-def]
    program.status = "running"
    program.save()
    qs = questionnaire(program)
    criteria.criteria_reset_to_defaults(program=program)
    mentee = register(program, qs, "mentee", seniority=1, name="Mia Mentee")
    mentor = register(program, qs, "mentor", seniority=4, name="Max Mentor")
    return program, qs, mentee, mentor


ENGINE_REASONS = [
    {"criterion": "Mentor is more senior", "weight": "must", "similarity": 1.0, "points": 0.0},
    {"criterion": "Skills to grow ↔ strengths", "weight": 10, "similarity": 0.5, "points": 41.67},
    {"criterion": "Close time zones", "weight": 2, "similarity": 1.0, "points": 16.67},
]


def pair(program, mentee, mentor, reasons=ENGINE_REASONS, status="active"):  # type: ignore[no-untyped-def]
    m = Mentorship.objects.create(program=program, mentor=mentor, reasons=reasons, score=58, status=status)
    MentorshipMember.objects.create(mentorship=m, registration=mentee)
    return m


def shared_skill(qs):  # type: ignore[no-untyped-def]
    """The skill both test people listed: the mentee's first skill to grow is the mentor's strength."""
    return qs["strengths"].options.all()[0].label


def test_mentee_reads_why_in_their_own_words(client_for, world):
    program, qs, mentee, mentor = world
    pair(program, mentee, mentor)
    content = client_for(mentee.user).get(P + "mentorship/").content.decode()
    assert f"you both listed {shared_skill(qs)}" in content
    assert "you both answered Europe/Paris" in content
    assert "Max ranks above you" in content and "(58% match)" in content
    assert "Skills to grow ↔ strengths" not in content and "mentor is more senior" not in content.lower()


def test_mentor_reads_it_from_their_side(client_for, world):
    program, qs, mentee, mentor = world
    pair(program, mentee, mentor)
    content = client_for(mentor.user).get(P + "mentorship/").content.decode()
    assert "you rank above Mia" in content and f"you both listed {shared_skill(qs)}" in content
    assert "My mentees" in content


def test_a_reason_the_answers_no_longer_support_is_not_claimed(client_for, world):
    program, qs, mentee, mentor = world
    other_skills = [str(o.pk) for o in qs["skills_to_grow"].options.all()[3:5]]
    clean, errors = validate_answers(
        list(questions_of(program)), raw_for(qs, role="mentee", skills_to_grow=other_skills)
    )
    assert not errors
    answers_write(mentee, clean)
    pair(program, mentee, mentor)
    content = client_for(mentee.user).get(P + "mentorship/").content.decode()
    assert "you both listed" not in content
    assert "Max ranks above you" in content


def test_a_single_profile_uses_the_cards_width(client_for, world):
    program, _, mentee, mentor = world
    pair(program, mentee, mentor)
    content = client_for(mentee.user).get(P + "mentorship/").content.decode()
    # Not one column of a four-column grid: the person spans the card, answers flow in columns.
    assert 'class="grid cols"' not in content
    assert 'class="mentorship-person"' in content and '<dl class="answers profile">' in content
    assert "dl.answers.profile { display: grid" in CSS.read_text()


def test_choose_cards_explain_in_plain_words_in_a_grid_for_five(client_for, world):
    program, qs, mentee, mentor = world
    program.status = "registration"
    program.save()
    set_pairing(program, mentee_choice=True)
    page = client_for(mentee.user).get(P + "mentors/")
    (candidate, reasons) = page.context["cards"][0]
    assert candidate.registration == mentor
    texts = [r.text for r in reasons]
    assert (
        f"you both listed {shared_skill(qs)}" in texts
        and "Max ranks above you (Director; you: Associate)" in texts
    )
    content = page.content.decode()
    assert f"You both listed {shared_skill(qs)}" in content and "Skills to grow ↔ strengths" not in content
    assert 'class="grid recommendations"' in content
    assert ".grid.recommendations { grid-template-columns: repeat(auto-fit" in CSS.read_text()
    profile = client_for(mentee.user).get(f"{P}mentors/{mentor.pk}/").content.decode()
    assert "Why you could be a good match" in profile and f"You both listed {shared_skill(qs)}" in profile


def test_flash_has_no_long_term_pairs(client_for, world):
    program, _, mentee, _ = world
    program.structure = "flash"
    program.save()
    content = client_for(mentee.user).get(P + "mentorship/").content.decode()
    assert "Flash mentoring has no long-term pairs" in content and "book one-off sessions" in content
    assert "Not paired yet" not in content and "preparing the pairs" not in content


def test_ended_programs_say_so(client_for, world):
    program, _, mentee, mentor = world
    pair(program, mentee, mentor, status=MentorshipStatus.COMPLETED)
    for status, structure in (("completed", "traditional"), ("archived", "flash")):
        program.status, program.structure = status, structure
        program.save()
        content = client_for(mentee.user).get(P + "mentorship/").content.decode()
        assert "This program has ended" in content and "You were paired with Max Mentor" in content
        assert "Not paired yet" not in content


@pytest.fixture
def peers(program):  # type: ignore[no-untyped-def]
    program.structure, program.status = "peer", "pairing"
    program.save()
    qs = questionnaire(program)
    criteria.criteria_reset_to_defaults(program=program)
    set_pairing(program, mentee_choice=True)  # left on by mistake: peers still never choose
    return (
        program,
        register(program, qs, "both", name="Pia Peer"),
        register(program, qs, "both", name="Pete Peer"),
    )


def test_peer_pages_talk_about_buddies(client_for, peers):
    program, pia, pete = peers
    waiting = client_for(pia.user).get(P + "mentorship/").content.decode()
    assert "My buddy" in waiting and "No buddy yet" in waiting
    assert "My mentees" not in waiting and "Requests from mentees" not in waiting
    m = Mentorship.objects.create(
        program=program,
        reasons=[{"criterion": "Shared skills to grow", "weight": 5, "similarity": 1.0, "points": 50}],
    )
    MentorshipMember.objects.bulk_create(
        [MentorshipMember(mentorship=m, registration=r, role="peer") for r in (pia, pete)]
    )
    content = client_for(pia.user).get(P + "mentorship/").content.decode()
    assert (
        "Pete Peer" in content and "Why you were matched: <span" in content and "you both listed" in content
    )
    assert "Shared skills to grow" not in content


def test_peers_cannot_choose_and_requests_say_choice_is_off(client_for, peers):
    _, pia, _ = peers
    client = client_for(pia.user)
    assert client.get(P + "mentors/").status_code == 404
    page = client.get(P + "requests/")
    content = page.content.decode()
    assert page.status_code == 200 and "Mentee choice is off" in content
    assert "You mentor" not in content and "Mentees who choose you appear here" not in content
    assert "My mentees" not in content and "My buddy" in content


def test_requests_page_when_admins_pair(client_for, world):
    _, _, _, mentor = world
    content = client_for(mentor.user).get(P + "requests/").content.decode()
    assert "Mentee choice is off" in content and "mentees don't choose their mentor" in content
    assert "Mentees who choose you appear here" not in content
    mine = client_for(mentor.user).get(P + "mentorship/").content.decode()
    assert "Requests from mentees" not in mine


def test_pages_stay_private(client_for, world, bob, charlie):
    program, _, mentee, mentor = world
    pair(program, mentee, mentor)
    assert client_for(bob).get(P + "mentorship/").status_code == 404  # a member who did not register
    assert client_for(charlie).get(P + "mentorship/").status_code == 404  # another organization
    assert client_for(bob).get(P + "requests/").status_code == 404


def test_a_reason_whose_shared_answers_were_already_named_is_not_repeated():
    from kindred.pairing.selectors import _says

    assert _says("you both listed Design, Research and Operations", "you both listed Operations")
    assert _says("you both listed Sales", "you both answered Sales")
    assert not _says("you both listed Design and Operations", "you both listed Operations and Sales")
    assert not _says("Vera ranks above you (Senior; you: Associate)", "you both listed Senior")


def test_answers_shown_to_a_match_are_labelled_in_the_third_person(client_for, world):
    program, _, mentee, mentor = world
    pair(program, mentee, mentor)
    content = client_for(mentee.user).get(P + "mentorship/").content.decode()
    # Max's answers, read by his mentee: "Seniority: Director", not "What level of seniority do
    # you hold? Director" (a question put to the reader).
    answers = content.split('<dl class="answers profile">')[1].split("</dl>")[0]
    assert "<dt>Seniority</dt><dd>Director</dd>" in answers
    assert "What level of seniority do you hold?" not in answers
