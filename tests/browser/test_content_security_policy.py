"""The Content-Security-Policy in a real browser: each demo user walks the pages they can reach and
Chromium reports no violation (Chromium logs each one as a console error, which the `page`
fixture fails on), while what used to be inline still works: brand colours, progress bars,
confirmations and the email preview."""

from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from kindred.demo.data import DEMO_PASSWORD, load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SKIP = {"account_logout"}
MAX_PAGES = 45


@pytest.fixture
def demo(transactional_db, settings, live_server):  # type: ignore[no-untyped-def]
    settings.SITE_URL = live_server.url  # emails (and their preview) link the logo there
    load_demo()


def log_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def walk(page, start: str) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """Visit same-origin pages reachable from `start` (one per URL pattern); return the pages
    seen and the pages without the strict policy (violations fail the test as console errors)."""
    seen, problems, patterns = [], [], set()
    queue, queued = [start], {start}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        response = page.goto(url)
        page.wait_for_load_state()
        seen.append(url)
        policy = response.headers.get("content-security-policy", "") if response else ""
        if "script-src 'self'" not in policy or "style-src 'self'" not in policy:
            problems.append(f"no strict policy on {url}: {policy!r}")
        origin = urlsplit(page.url).netloc
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            link = urlsplit(href)
            if link.netloc != origin or link.scheme not in ("http", "https"):
                continue
            path = link.path + (f"?{link.query}" if link.query else "")
            try:
                name = resolve(link.path).view_name
            except Resolver404:
                continue
            if path in queued or name in SKIP or name.startswith("admin:") or name in patterns:
                continue
            patterns.add(name)
            queued.add(path)
            queue.append(path)
    return seen, problems


@pytest.mark.parametrize(
    "visitor", ["anonymous", "admin@northwind.test", "mentor@northwind.test", "mentee@northwind.test"]
)
def test_demo_pages_raise_no_policy_violation(demo, page, visitor):  # type: ignore[no-untyped-def]
    if visitor != "anonymous":
        log_in(page, visitor)
    seen, problems = walk(page, "/")
    assert problems == []
    assert len(seen) >= (3 if visitor == "anonymous" else 6), seen


def test_what_was_inline_still_works(demo, page):  # type: ignore[no-untyped-def]
    log_in(page, "admin@northwind.test")

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
