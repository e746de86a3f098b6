"""Every URL that is not deliberately public sends anonymous visitors to the login page."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Deliberately public: the front door, the program pages participants are sent to, the logo
# that brands them, and allauth's own anonymous pages.
PUBLIC = {
    "home",
    "orgs:logo",
    "orgs:brand_css",  # the organization's colour as a stylesheet, for the same pages
    "programs:public",
    "programs:host_public",
    "programs:host_index",
    "registration:invited",  # an invitation's personal link: it explains the program, then asks to log in
    "accounts:welcome",  # a signed personal link to choose a first password (imported people)
}
SAMPLE = {
    "org_slug": "acme",
    "mentorship_id": "1",
    "mentor_id": "1",
    "request_id": "1",
    "program_slug": "hand-up",
    "token": "x",
    "user_id": "1",
    "version": "1",
    "membership_id": "1",
    "invitation_id": "1",
    "domain_id": "1",
    "question_id": "1",
    "job_id": "1",
    "registration_id": "1",
    "registration_id_": "1",
    "criterion_id": "1",
    "proposal_id": "1",
}


def _walk(patterns, prefix="", namespace=""):  # type: ignore[no-untyped-def]
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield namespace + (p.name or ""), prefix + str(p.pattern)


def _kindred_urls():  # type: ignore[no-untyped-def]
    for name, route in _walk(get_resolver().url_patterns):
        if route.startswith(("django-admin/",)) or name in PUBLIC:
            continue
        if route.startswith("accounts/") and not name.startswith("accounts:"):
            continue  # allauth's pages: login, signup, reset... are anonymous by design
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE[m.group(1)], route)
        yield name, path


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path"), list(_kindred_urls()))
def test_anonymous_is_sent_to_login(client, program, name, path):  # type: ignore[no-untyped-def]
    response = client.get(path)
    if response.status_code == 405:  # POST-only views: the POST must be refused as well
        response = client.post(path)
    assert response.status_code == 302, f"{name} {path} answered {response.status_code}"
    assert response["Location"].startswith("/accounts/login/"), name


def test_the_list_is_not_empty():  # type: ignore[no-untyped-def]
    names = {name for name, _ in _kindred_urls()}
    assert {"programs:dashboard", "programs:create", "orgs:members", "accounts:profile"} <= names
