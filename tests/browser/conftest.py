from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from kindred.demo.data import DEMO_PASSWORD, load_demo
from tests.conftest import CHROMIUM_ARGS
from tests.factories import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def page(chromium, live_server, monkeypatch) -> Iterator:  # type: ignore[no-untyped-def]
    """A Playwright page in Debian's headless Chromium, pointed at the live test server."""
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (reading mail.outbox, checking rows) are still plain synchronous code. Only for
    # this test: a later one (manage.py check --deploy) must not inherit it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        # A form sent back with its errors answers 400, which Chromium logs as a failed load;
        # that page is expected. A failing script, fetch or image is not.
        rejected_forms: set[str] = set()

        def on_response(r) -> None:  # type: ignore[no-untyped-def]
            if r.status == 400 and r.request.is_navigation_request():
                rejected_forms.add(r.url)

        def on_console(m) -> None:  # type: ignore[no-untyped-def]
            if m.type == "error" and not (
                m.text.startswith("Failed to load resource") and m.location.get("url") in rejected_forms
            ):
                errors.append(m.text)

        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", on_response)
        page.on("console", on_console)
        yield page
        browser.close()
        # ORM calls made while Playwright's loop runs get their own connection (asgiref keys
        # connections by context); close it here or PostgreSQL cannot drop the test database.
        connections.close_all()
        assert errors == [], f"browser console errors: {errors}"


def log_in(page, email: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Log in through the real login form (after leaving any earlier session)."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def log_in_demo(page, email: str) -> None:  # type: ignore[no-untyped-def]
    log_in(page, email, DEMO_PASSWORD)


@pytest.fixture
def demo(transactional_db, live_server, settings):  # type: ignore[no-untyped-def]
    """The demo organization in the test database."""
    # Email previews show images by absolute URL: point them at this server, not the default port.
    settings.SITE_URL = live_server.url
    load_demo()
