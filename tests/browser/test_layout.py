"""Layout checks in Chromium at 1280 px: toolbars that fit one row, question tools that stay put."""

import pytest

from tests.browser.conftest import log_in
from tests.registration.helpers import questionnaire
from tests.registration.test_registrant_detail import URL, register

BOX = "el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_registrants_toolbar_fits_one_row_and_shows_the_whole_placeholder(page, alice, program):
    qs = questionnaire(program)
    register(program, qs, "mentee")
    log_in(page, alice.email)
    page.goto(URL + "?q=a")  # with the "Clear" link too
    toolbar = page.locator("form.toolbar")
    tops = {round(toolbar.locator(s).evaluate(BOX)[1] / 10) for s in ("#q", "#role", "#status", "#option")}
    search = toolbar.locator("#q").evaluate(BOX)
    button = toolbar.get_by_role("button", name="Filter").evaluate(BOX)
    assert button[1] < search[3] and button[3] > search[1], "Filter wrapped to a row of its own"
    assert len(tops) == 1, "the filters wrapped"
    fits = toolbar.locator("#q").evaluate(
        "el => { const c = document.createElement('canvas').getContext('2d');"
        " c.font = getComputedStyle(el).font;"
        " return c.measureText(el.placeholder).width <= el.clientWidth - 20; }"
    )
    assert fits, "the search placeholder is cut off"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_question_tools_stay_top_right_beside_a_long_type_line(page, alice, program):
    qs = questionnaire(program)
    log_in(page, alice.email)
    page.goto("/o/acme/programs/hand-up/questionnaire/")
    card = page.locator(f"#question-{qs['skills_to_grow'].pk}")
    assert "linked to" in card.locator(".question-head .kicker").inner_text().lower()
    kicker = card.locator(".question-head .kicker").evaluate(BOX)
    tools = card.locator(".question-tools").evaluate(BOX)
    box = card.evaluate(BOX)
    assert kicker[3] - kicker[1] > 20, "the type line should be long enough to wrap in this test"
    assert tools[1] < kicker[1] + 10, "the buttons dropped below the type line"
    assert tools[0] >= kicker[2], "the buttons are not beside the type line"
    assert box[2] - tools[2] < 40, "the buttons are not at the right"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_members_search_shows_its_whole_placeholder_beside_the_filter_button(page, alice):
    log_in(page, alice.email)
    page.goto("/o/acme/members/?q=a")
    toolbar = page.locator("form.toolbar")
    box = "el => { const r = el.getBoundingClientRect(); return [r.top, r.bottom]; }"
    search, button = toolbar.locator("#q").evaluate(box), toolbar.get_by_role("button").evaluate(box)
    assert button[0] < search[1] and button[1] > search[0], "Filter wrapped to a row of its own"
    fits = toolbar.locator("#q").evaluate(
        "el => { const c = document.createElement('canvas').getContext('2d');"
        " c.font = getComputedStyle(el).font;"
        " return c.measureText(el.placeholder).width <= el.clientWidth - 20; }"
    )
    assert fits, "the search placeholder is cut off"
