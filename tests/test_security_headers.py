"""Security headers: the Content-Security-Policy on every page (and the markup that lets it be
strict: no inline script, style or handler in any page template), HSTS and the HTTPS redirect
behind the TLS proxy."""

import re
import runpy
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def directives(header: str) -> dict[str, set[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: set(values) for name, *values in parts}


@pytest.mark.parametrize("who", ["anonymous", "alice", "bob"])
def test_pages_carry_the_exact_policy(client, client_for, alice, bob, program, who):  # type: ignore[no-untyped-def]
    pages = ["/", "/accounts/login/", "/o/acme/programs/hand-up/"]
    browser = client if who == "anonymous" else client_for(alice if who == "alice" else bob)
    for path in pages:
        response = browser.get(path, follow=True)
        assert directives(response["Content-Security-Policy"]) == POLICY, path


def test_error_pages_carry_the_policy_too(client_for, alice):  # type: ignore[no-untyped-def]
    response = client_for(alice).get("/o/nowhere/")
    assert response.status_code == 404
    assert directives(response["Content-Security-Policy"]) == POLICY


def test_a_refused_form_gets_our_own_page_without_inline_style(alice):  # type: ignore[no-untyped-def]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.post("/orgs/new/", {"name": "Forged"})
    assert response.status_code == 403
    assert directives(response["Content-Security-Policy"]) == POLICY
    content = response.content.decode()
    assert "This form has expired" in content and "<style" not in content


# -- the templates ------------------------------------------------------------------------------

TEMPLATES = ROOT / "kindred"
# Emails are read in mail clients, not under our policy, and need inline styles there.
EMAIL_DIR = "email"
INLINE = {
    "an inline <script> (use a static file, or json_script for data)": re.compile(
        r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I
    ),
    "a <style> block (use kindred.css)": re.compile(r"<style\b", re.I),
    # An attribute follows whitespace, or a template tag that adds it ({% if x %}onclick=...).
    "a style attribute (use a class)": re.compile(r"(?:\s|%}|}})style\s*=", re.I),
    "an on* event handler (use data-* and a static script)": re.compile(r"(?:\s|%}|}})on[a-z]+\s*=", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}


def page_templates() -> list[Path]:
    return sorted(
        path for path in TEMPLATES.rglob("*.html") if EMAIL_DIR not in path.relative_to(TEMPLATES).parts
    )


def inline_code(text: str) -> list[str]:
    return [
        f"line {text[: m.start()].count(chr(10)) + 1}: {what}"
        for what, rx in INLINE.items()
        for m in rx.finditer(text)
    ]


def test_no_page_template_has_inline_script_style_or_handler():  # type: ignore[no-untyped-def]
    found = {
        str(path.relative_to(ROOT)): hits
        for path in page_templates()
        if (hits := inline_code(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "the Content-Security-Policy blocks these; move them to static files"


def test_the_template_scan_sees_pages_and_catches_each_kind():  # type: ignore[no-untyped-def]
    names = {p.relative_to(TEMPLATES).as_posix() for p in page_templates()}
    assert {"templates/base.html", "templates/registration/register.html", "templates/500.html"} <= names
    assert not any("/email/" in f"/{name}" for name in names)
    for bad in (
        "<script>alert(1)</script>",
        '<div style="color:red">',
        '<button onclick="go()">',
        '<form {% if x %}onsubmit="return go()"{% endif %}>',
        '<p {{ attrs }}style="color:red">',
        "<style>p{}</style>",
        '<a href="javascript:go()">',
    ):
        assert inline_code(bad), bad
    for fine in (
        '<script src="/static/js/kindred.js"></script>',
        '<script id="d" type="application/json">{}</script>',
        '<span data-width="4">',
        '<p class="one two">Based on your answers</p>',
    ):
        assert not inline_code(fine), fine


# -- the organization's colour as a stylesheet ----------------------------------------------------


def test_brand_css_serves_the_colour_and_a_readable_text_colour(client):  # type: ignore[no-untyped-def]
    response = client.get("/brand.css?colour=0f766e")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert response.content.decode() == (
        ":root { --brand: #0f766e; --on-brand: #ffffff; --brand-ink: #0f766e; }\n"
    )
    assert "immutable" in response["Cache-Control"]
    light = client.get("/brand.css?colour=fde047").content.decode()
    assert "--on-brand: #111827" in light
    assert "--brand-ink: #7e7024" in light  # yellow links would be unreadable on white


@pytest.mark.parametrize("colour", ["", "red", "0F766E", "0f766e;}body{x", "0f766e0", "%00"])
def test_brand_css_refuses_anything_but_a_colour(client, colour):  # type: ignore[no-untyped-def]
    assert client.get("/brand.css", {"colour": colour}).status_code == 404


def test_branded_pages_link_their_colour_instead_of_an_inline_style(client_for, alice, acme):  # type: ignore[no-untyped-def]
    acme.primary_colour = "#0F766E"
    acme.save()
    content = client_for(alice).get("/o/acme/").content.decode()
    assert 'href="/brand.css?colour=0f766e"' in content
    assert "<style" not in content


# -- HTTPS behind the proxy -----------------------------------------------------------------------

SECURITY_SETTINGS = (
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


def settings_from(monkeypatch, **env: str) -> dict:  # type: ignore[no-untyped-def]
    """kindred/settings.py evaluated afresh with this environment (production-shaped)."""
    for name in (
        "DEBUG",
        "BEHIND_HTTPS_PROXY",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "a-production-shaped-secret-key-with-many-characters-0123456789")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "kindred" / "settings.py"))


def apply(settings, values: dict) -> None:  # type: ignore[no-untyped-def]
    for name in SECURITY_SETTINGS:
        setattr(settings, name, values[name])


def test_behind_the_proxy_http_is_redirected_and_https_gets_hsts(client, settings, monkeypatch):  # type: ignore[no-untyped-def]
    apply(settings, settings_from(monkeypatch, BEHIND_HTTPS_PROXY="true"))
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/accounts/login/"
    secure = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_hsts_length_and_subdomains_are_configurable(client, settings, monkeypatch):  # type: ignore[no-untyped-def]
    values = settings_from(
        monkeypatch,
        BEHIND_HTTPS_PROXY="true",
        SECURE_HSTS_SECONDS="3600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
    )
    apply(settings, values)
    secure = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})
    assert secure["Strict-Transport-Security"] == "max-age=3600"
    apply(settings, settings_from(monkeypatch, BEHIND_HTTPS_PROXY="true", SECURE_HSTS_PRELOAD="true"))
    secure = Client().get("/accounts/login/", headers={"x-forwarded-proto": "https"})  # reads settings anew
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_without_the_proxy_there_is_no_redirect_and_no_hsts(client, settings, monkeypatch):  # type: ignore[no-untyped-def]
    apply(settings, settings_from(monkeypatch))
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response
