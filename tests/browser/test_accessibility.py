"""Accessibility: every page each demo user can reach passes axe-core with no serious or critical
violation, and a participant registers for an open demo program with the keyboard alone. The
same crawl checks the Content-Security-Policy: every page carries it and raises no violation.

The scan crawls instead of listing pages, so a page added later is covered as soon as a link
reaches it. It keeps a few URLs per URL pattern (resolved with Django's resolver) to stay fast.
"""

from collections import defaultdict, deque
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse

from kindred.accounts.models import User
from kindred.demo.data import DEMO_LOGINS, DEMO_PASSWORD
from kindred.orgs.models import Role
from kindred.programs.models import Program
from kindred.registration.models import ProgramInvitation, Registration
from tests.browser.conftest import ARTIFACTS, log_in_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VISITORS = ["anonymous", "admin@northwind.test", "mentor@northwind.test", "mentee@northwind.test"]
# A program's pages change with its lifecycle (a draft has no registrants, a program in pairing
# has proposals, a running one mentorships), so a program page counts once per stage; other pages
# twice per URL pattern.
URLS_PER_PATTERN = 2
STAGE = {"completed": "running", "archived": "running"}  # read-only versions of a running program
# Not followed: leaving the session ends the crawl early, and Django's own admin is Django's
# markup, not ours. Every other link is a GET that only shows a page (state changes are POSTs).
SKIP = {"account_logout"}
SKIP_NAMESPACES = {"admin"}
BLOCKING = {"serious", "critical"}


def entrances() -> list[str]:
    """Pages people arrive at from outside (an email or a shared link) rather than by a link here."""
    program = Program.objects.get(slug="hand-up-mentorship")
    invitation = ProgramInvitation.objects.filter(program=program, registration=None).first()
    assert invitation is not None
    return [reverse("registration:invited", args=[invitation.token]), "/accounts/password/reset/key/x-y/"]


def scan(page, axe, url: str) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """axe-core's violations on the current page, one readable entry each: the serious and
    critical ones, and the moderate and minor ones (reported, not failed)."""
    blocking, advisory = [], []
    for violation in axe.run(page).response["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            found = blocking if violation["impact"] in BLOCKING else advisory
            found.append(
                f"{violation['id']} ({violation['impact']}) at {url}\n"
                f"    target: {target}\n    html: {node['html'][:200]}\n"
                f"    {node.get('failureSummary', violation['help']).replace(chr(10), ' ')}"
            )
    return blocking, advisory


def pattern(path: str, statuses: dict[str, str]) -> str | None:
    """The crawl's dedupe key of a path: its URL pattern name, plus the program's stage on program
    pages; None for a path the crawl does not follow."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    if match.view_name in SKIP or SKIP_NAMESPACES & set(match.namespaces):
        return None
    slug = match.kwargs.get("program_slug")
    return f"{match.view_name} [{statuses.get(slug, '?')}]" if slug else match.view_name


def crawl(page, axe, starts: list[str]) -> tuple[dict[str, list[str]], list[str], list[str]]:  # type: ignore[no-untyped-def]
    """Visit every same-origin page reachable from `starts` (a few per URL pattern) and scan each.

    Returns the URLs visited per URL pattern name, the problems found (serious and critical
    violations, broken links, pages that answer with an error, console errors) and the moderate
    and minor violations.
    """
    statuses = {
        slug: STAGE.get(status, status) for slug, status in Program.objects.values_list("slug", "status")
    }
    origin = ""
    visited: dict[str, list[str]] = defaultdict(list)
    chosen: dict[str, int] = defaultdict(int)
    queued = set(starts)
    queue = deque(starts)
    problems: list[str] = []
    advice: list[str] = []
    console: list[str] = []  # the page fixture fails the test on these; here they get a URL
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    while queue:
        url = queue.popleft()
        console.clear()
        response = page.goto(url)
        here = urlsplit(page.url)
        origin = origin or here.netloc
        landed = here.path + (f"?{here.query}" if here.query else "")
        queued.add(landed)
        if response is None or response.status >= 400:
            problems.append(f"HTTP {response.status if response else '?'} at {url}")
            continue
        visited[pattern(landed, statuses) or resolve(here.path).view_name].append(landed)
        # The same walk checks the Content-Security-Policy: a violation is a console error, and
        # every page must carry the strict policy.
        policy = response.headers.get("content-security-policy", "")
        if "script-src 'self'" not in policy or "style-src 'self'" not in policy:
            problems.append(f"no strict Content-Security-Policy at {landed}: {policy!r}")
        blocking, advisory = scan(page, axe, landed)
        problems += blocking
        advice += advisory
        problems += [f"console error at {landed}: {text[:160]}" for text in console]
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            link = urlsplit(href)
            if link.scheme not in ("http", "https") or link.netloc != origin:
                continue
            path = link.path + (f"?{link.query}" if link.query else "")
            if path in queued:
                continue
            queued.add(path)
            key = pattern(path, statuses)
            if key is None:
                try:
                    resolve(link.path)
                except Resolver404:
                    problems.append(f"broken link {path} on {landed}")
                continue
            if chosen[key] >= (1 if key.endswith("]") else URLS_PER_PATTERN):
                continue
            chosen[key] += 1
            queue.append(path)
    return visited, problems, advice


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_reachable_page_has_no_serious_accessibility_violation(demo, page, visitor):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    if visitor != "anonymous":
        log_in_demo(page, visitor)
    visited, problems, advice = crawl(page, axe, ["/", *(entrances() if visitor == "anonymous" else [])])

    lines = [f"Accessibility crawl as {visitor}: {sum(map(len, visited.values()))} pages, "]
    lines[0] += f"{len({key.split(' [')[0] for key in visited})} URL patterns"
    lines += [f"  {name}: {' '.join(urls)}" for name, urls in sorted(visited.items())]
    lines += ["", f"{len(problems)} problems", *problems]
    lines += ["", f"{len(advice)} moderate or minor violations (not failed)", *advice]
    report = "\n".join(lines)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"accessibility-{visitor.split('@')[0]}.txt").write_text(report + "\n")
    print(report)
    assert len(visited) >= (3 if visitor == "anonymous" else 8), report
    assert problems == [], report


FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), type: el.type || "", name: el.name || "", checked: !!el.checked,
    value: el.value || "", group: el.closest("[data-role-question]") ? "role" : "",
    text: (el.innerText || el.labels?.[0]?.innerText || "").trim(),
    ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    ringColour: style.outlineColor,
    shown: box.width > 0 && box.height > 0 && !el.closest("[hidden]"),
  };
}"""


def contrast_on_white(css_colour: str) -> float:
    """WCAG contrast ratio of an opaque `rgb(r, g, b)` colour against white."""
    channels = [int(c) / 255 for c in css_colour[css_colour.index("(") + 1 : -1].split(",")[:3]]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def tab_to(page, wanted, back: bool = False, limit: int = 80) -> dict:  # type: ignore[no-untyped-def]
    """Press Tab (or Shift+Tab) until the focused element satisfies `wanted`; every element the
    focus passes must be on screen and show a focus ring."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        assert focused["shown"], f"focus went to an element that is not shown: {focused}"
        assert focused["ring"], f"no visible focus ring on {focused}"
        assert contrast_on_white(focused["ringColour"]) >= 3, f"a faint focus ring on {focused}"
        if wanted(focused):
            return focused
    raise AssertionError(f"Tab did not reach the element within {limit} presses")


def answer_by_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    """Tab through the visible step, answering each question the way a keyboard user would, and
    stop on the step's Next or Submit button."""
    answered: set[str] = set()
    while True:
        focused = tab_to(page, lambda f: True)
        if focused["tag"] == "button" and focused["text"] in ("Next", "Submit registration"):
            return
        name = focused["name"]
        if not name or name in answered or name == "csrfmiddlewaretoken":
            continue
        answered.add(name)
        if focused["group"] == "role":
            # Arrow keys move through a radio group and check the option they land on.
            for _ in range(5):
                if (
                    page.evaluate("() => document.activeElement.checked")
                    and page.evaluate("() => document.activeElement.dataset.role") == "mentee"
                ):
                    break
                page.keyboard.press("ArrowDown")
            assert page.evaluate("() => document.activeElement.dataset.role") == "mentee"
        elif focused["type"] in ("radio", "checkbox"):
            if not focused["checked"]:
                page.keyboard.press("Space")
        elif focused["tag"] == "select":
            if not focused["value"]:
                page.keyboard.press("ArrowDown")
        elif focused["type"] == "number":
            if not focused["value"]:
                page.keyboard.type("5")
        elif focused["tag"] in ("input", "textarea") and not focused["value"]:
            page.keyboard.type("I answered this with the keyboard alone.")


def on_heading(page, step: int) -> None:  # type: ignore[no-untyped-def]
    """Focus follows the reader to the new step's heading, not back to the top of the page."""
    page.wait_for_function(f"() => document.activeElement.id === 'step-title-{step}'", timeout=5_000)


def test_a_participant_registers_with_the_keyboard_alone(demo, page):
    from axe_playwright_python.sync_playwright import Axe

    program = Program.objects.get(slug="hand-up-mentorship")
    person = (
        User.objects.filter(memberships__organization=program.organization, memberships__role=Role.MEMBER)
        .exclude(registrations__program=program)
        .exclude(email__in=[email for email, _ in DEMO_LOGINS])
        .order_by("email")
        .first()
    )
    assert person is not None
    axe, problems = Axe(), []
    public = reverse("programs:public", args=["northwind", program.slug])
    page.goto(public)
    tab_to(
        page,
        lambda f: (
            f["tag"] == "a"
            and f["text"] == "Log in"
            and "next=" in page.evaluate("() => document.activeElement.href")
        ),
    )
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/login/**")
    tab_to(page, lambda f: f["name"] == "login")
    page.keyboard.type(person.email)
    tab_to(page, lambda f: f["name"] == "password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: urlsplit(url).path.endswith("/register/"))  # not login's ?next=

    steps = page.locator("section.step").count()
    assert steps > 1
    # Submitting with nothing answered: the page comes back at the first step with an error, and
    # the error messages pass the scan too.
    for number in range(1, steps):
        tab_to(page, lambda f: f["text"] == "Next")
        page.keyboard.press("Enter")
        on_heading(page, number + 1)
    tab_to(page, lambda f: f["text"] == "Submit registration")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".question-field.has-error").count() > 0
    problems += scan(page, axe, f"{page.url} (unanswered)")[0]

    for number in range(1, steps + 1):
        heading = page.locator("section.step:visible h2").inner_text()
        assert heading.startswith(f"Step {number} of {steps}"), heading
        problems += scan(page, axe, f"{page.url} (step {number})")[0]
        answer_by_keyboard(page)
        if number == steps:
            with page.expect_navigation():
                page.keyboard.press("Enter")
            break
        page.keyboard.press("Enter")
        on_heading(page, number + 1)
        if number == 2:
            # From step 3 back to step 2 with Shift+Tab and Space, then forward again.
            tab_to(page, lambda f: f["text"] == "Back", back=True)
            page.keyboard.press("Space")
            on_heading(page, number)
            tab_to(page, lambda f: f["text"] == "Next")
            page.keyboard.press("Enter")
            on_heading(page, number + 1)
    errors = page.locator(".errorlist, .messages").all_inner_texts()
    assert page.url.endswith("/register/done/"), f"not registered: {errors}"
    assert f"You're registered for {program.name}" in page.content()
    problems += scan(page, axe, page.url)[0]

    registration = Registration.objects.get(user=person, program=program)
    assert (registration.status, registration.role) == ("submitted", "mentee")
    assert problems == [], "\n".join(problems)
