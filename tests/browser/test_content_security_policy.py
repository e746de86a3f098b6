"""The Content-Security-Policy in a real browser: what used to be inline still works (brand
colours, progress bars, confirmations and the email preview). That no page raises a violation is
checked by the accessibility crawl, which visits every page each demo user can reach."""

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import log_in_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_what_was_inline_still_works(demo, page):  # type: ignore[no-untyped-def]
    log_in_demo(page, "admin@northwind.test")

    # The organization's colour arrives from /brand.css.
    page.goto("/o/northwind/")
    brand = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()")
    assert brand == "#0f766e"

    # Progress bars take their width from data-width.
    bars = page.locator(".progress > span[data-width]")
    assert bars.count() > 0
    widths = bars.evaluate_all("spans => spans.map(s => [Number(s.dataset.width), s.style.width])")
    assert all(style == f"{percent}%" for percent, style in widths), widths

    # A confirmation still asks, and cancelling keeps the page.
    detail = "/o/northwind/programs/hand-up-mentorship/"
    page.goto(detail)
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.locator("form[data-confirm] button").first.click()
    assert asked and asked[0].startswith("Move Hand-up"), asked
    assert urlsplit(page.url).path == detail

    # The email preview shows the email with its own inline styles, inside our page.
    page.goto("/o/northwind/programs/hand-up-mentorship/emails/")
    frame = page.frame_locator("iframe.email-preview").first
    button = frame.get_by_text("Register now")
    assert button.evaluate("a => getComputedStyle(a).backgroundColor") == "rgb(15, 118, 110)"
