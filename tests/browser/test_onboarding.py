"""A new customer, in a real browser: sign up, verify the email, create an organization and a
program, and see the launch checklist with its nine steps and the right number left."""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail

from kindred.programs.models import Program
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_create_organization_and_program(page, settings):
    page.goto("/")
    page.get_by_role("link", name="Create your organization").click()
    page.fill("#id_name", "Dana Doe")
    page.fill("input[name=email]", "dana@initech.test")
    page.fill("input[name=password1]", "a-long-passphrase")
    page.fill("input[name=password2]", "a-long-passphrase")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_load_state()
    assert "verify" in page.content().lower() or "confirm" in page.content().lower()

    [message] = [m for m in mail.outbox if "dana@initech.test" in m.to]
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    page.goto(urlparse(link).path)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()

    page.get_by_role("link", name="Create an organization").first.click()
    page.fill("#id_name", "Initech")
    page.get_by_role("button", name="Create organization").click()
    page.get_by_role("link", name="Create your first program").click()

    page.fill("#id_name", "Hand-up Mentorship")
    page.fill("#id_description", "Grow your career with a mentor who has walked the path.")
    page.select_option("#id_purpose", "career")
    assert page.locator("#field-custom_purpose").is_hidden()
    page.get_by_text("Group mentoring").click()
    page.fill("#id_registration_opens_on", "2026-12-01")
    page.fill("#id_registration_closes_on", "2026-12-20")
    page.fill("#id_starts_on", "2027-01-10")
    page.fill("#id_ends_on", "2027-09-30")
    page.get_by_role("button", name="Create program").click()
    page.wait_for_load_state()

    assert page.locator("[data-step]").count() == 9
    assert page.locator(".steps-left").inner_text() == "8 steps left to launch pairing"
    page.screenshot(path=str(ARTIFACTS / "checklist.png"), full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Launch registration").click()
    page.wait_for_load_state()
    assert page.locator(".steps-left").inner_text() == "7 steps left to launch pairing"
    program = Program.objects.get()
    assert (program.structure, program.status, program.organization.name) == (
        "group",
        "registration",
        "Initech",
    )
