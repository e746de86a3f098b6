"""In a real browser: an administrator runs matching, locks a pair and publishes; then a mentee
left unmatched chooses a mentor from their recommendations, and the mentor accepts."""

import pytest

from kindred.pairing import criteria
from kindred.pairing.models import Mentorship, MentorshipMember, Proposal
from tests.browser.conftest import ARTIFACTS, log_in
from tests.pairing.test_services import register, set_pairing
from tests.registration.helpers import questionnaire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_runs_locks_publishes_then_a_mentee_chooses(page, program, alice):
    program.status = "pairing"
    program.save()
    qs = questionnaire(program)
    criteria.criteria_reset_to_defaults(program=program)
    mentees = [register(program, qs, "mentee", seniority=1, name=f"Mentee {i}") for i in range(3)]
    mentor = register(program, qs, "mentor", seniority=4, name="Morgan Mentor")  # room for 2

    log_in(page, alice.email)
    page.goto("/o/acme/programs/hand-up/pairing/")
    page.get_by_role("button", name="Run matching").click()
    page.wait_for_load_state()
    rows = page.locator("#proposals tbody tr")
    assert rows.count() == 2
    rows.first.get_by_role("button", name="Lock").click()
    page.wait_for_load_state()
    assert page.locator("#proposals tbody tr.locked").count() == 1
    locked = Proposal.objects.get(locked=True)
    page.screenshot(path=str(ARTIFACTS / "pairing-review.png"), full_page=True)
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Publish 2 pairs").click()
    page.wait_for_load_state()
    assert "Published 2 mentorships" in page.content()
    assert MentorshipMember.objects.filter(
        registration=locked.mentee, mentorship__mentor=locked.mentor
    ).exists()

    # A second mentor joins; mentees now choose, and mentors approve.
    second = register(program, qs, "mentor", seniority=5, name="Vera Mentor")
    set_pairing(program, mentee_choice=True, mentor_approval=True)
    left = next(m for m in mentees if not MentorshipMember.objects.filter(registration=m).exists())

    log_in(page, left.user.email)
    page.goto("/o/acme/p/hand-up/mentors/")
    cards = page.locator(".recommendation")
    assert cards.count() == 1 and "Vera Mentor" in cards.first.inner_text()  # Morgan is full
    cards.first.get_by_role("link", name="View profile & ask").click()
    page.fill("#message", "I'd like to learn how you lead.")
    page.get_by_role("button", name="Ask Vera Mentor to mentor me").click()
    page.wait_for_load_state()
    assert "Request sent" in page.content()

    log_in(page, second.user.email)
    page.goto("/o/acme/p/hand-up/requests/")
    assert (
        "I&#x27;d like to learn how you lead." in page.content()
        or "I'd like to learn how you lead." in page.content()
    )
    page.get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    assert f"You're now mentoring {left.user.display_name}" in page.content().replace("&#x27;", "'")
    assert Mentorship.objects.filter(mentor=second, members__registration=left, status="active").exists()
    assert mentor.capacity == 2
