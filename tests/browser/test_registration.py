"""A mentee registers in a real browser, one step at a time: role, profile, skills, experience."""

import pytest

from kindred.registration.models import Answer, Registration
from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD
from tests.registration.helpers import open_program, questionnaire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mentee_registers_through_every_step(page, program, bob):
    open_program(program)
    qs = questionnaire(program)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", bob.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()

    page.goto("/o/acme/p/hand-up/")
    page.get_by_role("link", name="Register").click()
    page.wait_for_load_state()

    step = page.locator("section.step:visible")
    assert "Step 1 of 4: Role selection" in step.locator("h2").inner_text()
    page.get_by_label("Mentee", exact=True).check()
    assert page.locator(f"#field-q{qs['capacity'].pk}").is_hidden()  # mentors only
    step.get_by_role("button", name="Next").click()

    step = page.locator("section.step:visible")
    assert "Participant profile" in step.locator("h2").inner_text()
    page.get_by_label("Associate").check()
    page.select_option(f"#id_q{qs['time_zone'].pk}", "Europe/Paris")
    page.fill(f"#id_q{qs['hope'].pk}", "Learn to lead a team")
    # A locator wait, not wait_for_function("..."): Playwright evals a string predicate in the page,
    # which the Content-Security-Policy (no 'unsafe-eval') refuses.
    page.locator(".autosave-status:not(:empty)").first.wait_for(state="attached")
    step.get_by_role("button", name="Next").click()

    step = page.locator("section.step:visible")
    assert "Skills and goals" in step.locator("h2").inner_text()
    assert page.locator(f"#field-q{qs['strengths'].pk}").is_hidden()
    grow = page.locator(f"#field-q{qs['skills_to_grow'].pk}")
    grow.get_by_label("Negotiation").check()
    grow.get_by_label("Public speaking").check()
    step.get_by_role("button", name="Next").click()

    step = page.locator("section.step:visible")
    page.fill(f"#id_q{qs['years_career'].pk}", "4")
    page.screenshot(path=str(ARTIFACTS / "registration-last-step.png"), full_page=True)
    step.get_by_role("button", name="Submit registration").click()
    page.wait_for_url("**/register/done/")
    assert "You're registered for Hand-up Mentorship" in page.content()

    registration = Registration.objects.get(user=bob, program=program)
    assert (registration.status, registration.role) == ("submitted", "mentee")
    skills = set(
        Answer.objects.filter(registration=registration, question=qs["skills_to_grow"]).values_list(
            "option__label", flat=True
        )
    )
    assert skills == {"Negotiation", "Public speaking"}
    assert Answer.objects.get(registration=registration, question=qs["years_career"]).number == 4
