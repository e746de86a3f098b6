"""Every URL, every form field, hostile values: never a 5xx, never a partial write, never a write
into another organization.

The URLs come from the resolver, so a new URL is covered the day it is added, or this test fails
until `KWARGS` says how to fill its parameters. The fields come from the pages themselves: every
<form> a role can see is parsed and posted back with each field replaced by hostile values
(a few per field, rotating, so a run takes seconds rather than hours). Endpoints that scripts
post to, with no <form>, are listed in `SCRIPT_FIELDS`; a POST-only URL that neither reaches fails.

Each request runs in a savepoint that is rolled back, so one request's writes never change what
the next one sees. Around each POST the tenant tables are snapshotted: a refused request (4xx, a
form shown again with errors, or an error message) must have written nothing, and no request by
Acme's people may change, delete or point a new row at a row of Globex."""

import datetime as dt
import importlib
import inspect
import logging
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from django import forms
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.db import connection, models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone

import kindred
from kindred.accounts.welcome import welcome_token
from kindred.orgs.models import AllowedDomain, Organization, OrgInvitation, Role, Skill
from kindred.pairing import criteria
from kindred.pairing.models import (
    Criterion,
    Exclusion,
    MentorRequest,
    Mentorship,
    MentorshipMember,
    Proposal,
)
from kindred.programs.models import Program
from kindred.registration.models import ImportJob, ProgramInvitation, Question, QuestionOption, Registration
from kindred.registration.questionnaire import skills_ensure_defaults
from kindred.registration.services import setup_for
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory, UserFactory
from tests.pairing.test_services import register, set_pairing
from tests.registration.helpers import open_program, questionnaire

pytestmark = pytest.mark.django_db

# -- the hostile values ------------------------------------------------------------------------------

SUPERSCRIPT_TWO = "²"  # str.isdigit() says yes, int() says no
THIRTY_DIGITS = "9" * 30
HUGE_TEXT = "a" * 60_000  # over SQLite's 50,000-byte LIKE pattern limit
LONG_TEXT = "b" * 1_000
UNICODE = "\u202eevil\u200f e\u0301\u0301 🧑🏽‍🚀 مرحبا"  # RTL override and mark, combining, emoji
NUL = "x\x00y"
# Every field gets these; one of ROTATING besides (and other-tenant ids where the field holds an id).
ALWAYS = [HUGE_TEXT, SUPERSCRIPT_TWO, THIRTY_DIGITS]
ROTATING = [LONG_TEXT, "-1", "0", "abc", UNICODE, NUL]

# -- the world: two organizations with everything a page can show ------------------------------------


@dataclass
class Tenant:
    org: Organization
    admin: Any
    participant: Any
    program: Program
    objects: dict[str, int] = field(default_factory=dict)  # URL kwarg -> the id to put there


def build_tenant(slug: str, program_slug: str) -> Tenant:
    """An organization with an administrator, a program open for registration with mentee choice,
    and a participant who is both mentor and mentee: a mentorship, requests both ways, a proposal,
    an exclusion, invitations, an allowed domain, an import waiting for its mapping."""
    org = OrganizationFactory(name=slug.title(), slug=slug)
    admin = UserFactory(email=f"admin@{slug}.test", name=f"{slug.title()} Admin")
    MembershipFactory(organization=org, user=admin, role=Role.ADMIN)
    program = ProgramFactory(organization=org, slug=program_slug, name=f"{slug.title()} Mentoring")
    open_program(program)
    qs = questionnaire(program)
    criteria.criteria_reset_to_defaults(program=program)
    set_pairing(program, mentee_choice=True)
    setup_for(program)  # created on first use otherwise, by whichever request comes first
    skills_ensure_defaults(organization=org)
    participant = register(program, qs, "both", seniority=2, name=f"{slug.title()} Participant")
    mentee = register(program, qs, "mentee", seniority=0, name=f"{slug.title()} Mentee")
    mentor = register(program, qs, "mentor", seniority=4, name=f"{slug.title()} Mentor")
    # The participant mentors (so their page offers "not a good fit") and is not paired as a
    # mentee (so choosing a mentor, and cancelling their request, are open to them).
    mentorship = Mentorship.objects.create(program=program, mentor=participant)
    MentorshipMember.objects.create(mentorship=mentorship, registration=mentee)
    expires = timezone.now() + dt.timedelta(days=7)
    MentorRequest.objects.create(program=program, mentee=mentee, mentor=participant, expires_at=expires)
    mine = MentorRequest.objects.create(
        program=program, mentee=participant, mentor=mentor, expires_at=expires
    )
    proposal = Proposal.objects.create(program=program, mentee=mentee, mentor=mentor, score=50)
    Exclusion.objects.create(program=program, mentee=mentee, mentor=participant, by=admin)
    other = MembershipFactory(organization=org, role=Role.MEMBER)
    org_invitation = OrgInvitation.objects.create(
        organization=org, email=f"new@{slug}.test", role=Role.ADMIN, invited_by=admin
    )
    domain = AllowedDomain.objects.create(organization=org, domain=f"{slug}.test")
    program_invitation = ProgramInvitation.objects.create(
        program=program, email=f"guest@{slug}.test", status="sent"
    )
    ProgramInvitation.objects.create(program=program, email=f"bounced@{slug}.test", status="failed")
    ProgramFactory(organization=org, slug=f"{program_slug}-next", name="Next round")  # a draft
    org.custom_domain = f"mentoring.{slug}.test"  # not proven yet
    org.save()
    ImportJob.objects.create(  # uploaded, waiting for its mapping
        program=program,
        created_by=admin,
        file_name="people.csv",
        format="csv",
        content=b"email,name\nnew@example.test,New Person\n",
        headers=["email", "name"],
        rows=[[2, ["new@example.test", "New Person"]]],  # as the worker reads it (imports.read)
        mapping=["email", "name"],
    )
    job = ImportJob.objects.create(  # checked: its report offers to confirm, its mapping to redo
        program=program,
        created_by=admin,
        file_name="checked.csv",
        format="csv",
        content=b"email\nchecked@example.test\n",
        headers=["email"],
        rows=[[2, ["checked@example.test"]]],
        mapping=["email"],
        status="validated",
        total_rows=1,
        good_rows=1,
    )
    tenant = Tenant(org, admin, participant.user, program)
    tenant.objects = {
        "org_slug": org.slug,
        "program_slug": program.slug,
        "membership_id": other.pk,
        "invitation_id": org_invitation.pk,
        "domain_id": domain.pk,
        "question_id": qs["hope"].pk,
        "registration_id": mentee.pk,
        "registration_id_": mentee.pk,
        "criterion_id": Criterion.objects.filter(program=program).first().pk,  # type: ignore[union-attr]
        "proposal_id": proposal.pk,
        "mentorship_id": mentorship.pk,
        "mentor_id": mentor.pk,
        "request_id": mine.pk,
        "job_id": job.pk,
        "user_id": participant.user.pk,
    }
    TOKENS[slug] = {
        "registration:invited": program_invitation.token,
        "orgs:invitation_accept": org_invitation.token,
        "accounts:welcome": welcome_token(participant.user),
    }
    return tenant


TOKENS: dict[str, dict[str, str]] = {}

# How to fill every kwarg of every URL pattern, from the tenant whose pages are being visited.
# A new kwarg name makes test_every_url_pattern_can_be_built fail until it is added here.
KWARGS: dict[str, Callable[[Tenant, str], str]] = {
    **{
        name: (lambda n: lambda t, url_name: str(t.objects[n]))(name)
        for name in (
            "org_slug",
            "program_slug",
            "membership_id",
            "invitation_id",
            "domain_id",
            "question_id",
            "registration_id",
            "registration_id_",
            "criterion_id",
            "proposal_id",
            "mentorship_id",
            "mentor_id",
            "request_id",
            "job_id",
            "user_id",
        )
    },
    "version": lambda t, url_name: "0",
    "token": lambda t, url_name: TOKENS[t.org.slug][url_name],
    # allauth's e-mail confirmation and password reset keys: any value exercises the page.
    "key": lambda t, url_name: "not-a-real-key",
    "uidb36": lambda t, url_name: "1",
    # Django's admin site: for superusers, so the three roles meet its login page.
    "app_label": lambda t, url_name: "auth",
    "content_type_id": lambda t, url_name: "1",
    "object_id": lambda t, url_name: "1",
    "url": lambda t, url_name: "no-such-page/",
}

# Hostile replacements for a kwarg in the URL itself, by converter.
PATH_VALUES = {
    "id": [THIRTY_DIGITS, "0", quote(SUPERSCRIPT_TWO), "-1"],
    "num": [THIRTY_DIGITS, quote(SUPERSCRIPT_TWO)],
    "slug": [quote("ﬁ-ünïcode"), "s" * 1000, "%00"],
    "str": ["%00", "t" * 1000, quote(UNICODE)],
    "regex": ["%00", "k" * 1000],
}

# Endpoints that pages' scripts post to, with no <form> of their own: URL name -> field names
# ("q*" stands for every answer field of the registration form).
SCRIPT_FIELDS = {
    "registration:questions_reorder": ["order"],
    "registration:autosave": ["q*"],
}

# Fields that carry an id: which model, so another organization's object can be sent instead.
# A field whose value looks like an id and is not listed here fails the test.
ID_FIELDS: dict[str, type[models.Model]] = {
    "skill": Skill,
    "request": MentorRequest,
    "mentor": Registration,
    "mentee": Registration,
    "remove": Exclusion,
    "source": Program,
    "order": Question,
    "option_id": QuestionOption,
    "option": QuestionOption,
    "mentee_question": Question,
    "mentor_question": Question,
}
ANSWER_FIELD = re.compile(r"q\d+")  # registration answers: option ids of choice questions
NOT_IDS = {"page", "capacity", "max_choices", "min_value", "max_value", "weight", "group_size"}


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield namespace + (p.name or ""), prefix + str(p.pattern), p


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    parts: tuple[tuple[str, str], ...]  # (kwarg, converter) in order; converter "regex" for re_path

    def build(self, values: dict[str, str]) -> str:
        if "^" in self.route or "(?P<" in self.route:
            return _fill_regex(self.route, values)
        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: values[m.group(2)], self.route)


def _fill_regex(route: str, values: dict[str, str]) -> str:
    """A re_path route (allauth's) with its named groups filled in and the anchors removed."""
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], route)
    return "/" + text.replace("^", "").replace("$", "")


def routes() -> list[Route]:
    found = []
    for name, route, _pattern in _walk(get_resolver().url_patterns):
        if "(?P<" in route:
            parts = tuple((k, "regex") for k in re.findall(r"\(\?P<(\w+)>", route))
        else:
            parts = tuple((k, c or "str") for c, k in re.findall(r"<(?:(\w+):)?(\w+)>", route))
        found.append(Route(name, route, parts))
    return found


# -- reading forms out of pages -----------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str
    values: list[str] = field(default_factory=list)  # the value it would post as the page is
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def signature(self) -> tuple[str, str, tuple[str, ...], tuple[tuple[str, str], ...]]:
        path = re.sub(r"\d+", "N", self.action)
        return (path, self.method, tuple(sorted(self.fields)), tuple(sorted(set(self.buttons))))


class FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.links: set[str] = set()
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "a" and attrs.get("href"):
            self.links.add(attrs["href"])
        if tag == "form":
            action = attrs.get("action") or self.page_url
            if action.startswith("?"):
                action = urlsplit(self.page_url).path + action
            self._form = Form(action, (attrs.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        if tag == "option" and self._select is not None:
            self._select.options.append(attrs.get("value", ""))
            if "selected" in attrs:
                self._select.values.append(attrs.get("value", ""))
            return
        form, name = self._form, attrs.get("name", "")
        if form is None or not name:
            return
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "image"):
                form.buttons.append((name, attrs.get("value", "")))
                return
            f = form.fields.setdefault(name, Field(name, kind))
            if kind in ("checkbox", "radio"):
                f.options.append(attrs.get("value", "on"))
                if "checked" in attrs:
                    f.values.append(attrs.get("value", "on"))
            elif kind != "file":
                f.values.append(attrs.get("value", ""))
        elif tag == "button" and attrs.get("type", "submit") == "submit":
            form.buttons.append((name, attrs.get("value", "")))
        elif tag == "select":
            self._select = form.fields.setdefault(name, Field(name, "select"))
        elif tag == "textarea":
            self._textarea = form.fields.setdefault(name, Field(name, "textarea", [""]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.values[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def default_payload(form: Form) -> dict[str, list[str]]:
    """What submitting the form untouched would post."""
    payload: dict[str, list[str]] = {}
    for f in form.fields.values():
        if f.values:
            payload[f.name] = list(f.values)
        elif f.kind == "radio" and f.options:
            payload[f.name] = [f.options[0]]
        elif f.kind == "select":
            chosen = [o for o in f.options if o]
            payload[f.name] = chosen[:1]
    return payload


def looks_like_id(f: Field) -> bool:
    if f.name in NOT_IDS or f.kind in ("number", "text", "textarea", "email", "search"):
        return False
    candidates = [v for v in f.values + f.options if v]
    return bool(candidates) and all(v.isascii() and v.isdigit() for v in candidates)


# -- the database before and after --------------------------------------------------------------------

TENANT_MODELS = [
    m
    for m in apps.get_models()
    if m.__module__.startswith("kindred.") or m._meta.label == "account.EmailAddress"
]
Snapshot = dict[str, dict[int, tuple[Any, ...]]]


def snapshot() -> Snapshot:
    out: Snapshot = {}
    for model in TENANT_MODELS:
        names = [f.attname for f in model._meta.concrete_fields if not isinstance(f, models.BinaryField)]
        out[model._meta.label] = {row[0]: row for row in model.objects.order_by().values_list("pk", *names)}
    return out


def writes() -> int:
    """Rows inserted, updated or deleted so far on this connection (SQLite) or in this transaction
    (PostgreSQL), rolled back or not: a cheap way to know whether a request wrote anything at all."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
        else:
            cursor.execute(
                "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables"
            )
        return int(cursor.fetchone()[0])


def changed_rows(before: Snapshot, after: Snapshot) -> list[tuple[str, int, str]]:
    changes = []
    for label, rows in after.items():
        old = before[label]
        changes += [
            (label, pk, "new" if pk not in old else "changed") for pk, r in rows.items() if old.get(pk) != r
        ]
        changes += [(label, pk, "deleted") for pk in old.keys() - rows.keys()]
    return changes


def foreign_rows(before: Snapshot, after: Snapshot) -> Snapshot:
    """The rows of another organization, to be checked unchanged: every row that appeared when
    that organization was built."""
    return {
        label: {pk: r for pk, r in rows.items() if pk not in before[label]} for label, rows in after.items()
    }


def references(label: str, row: tuple[Any, ...], foreign: Snapshot) -> bool:
    """Whether a row (as in a snapshot) points at a row of the other organization."""
    model = apps.get_model(label)
    names = [f for f in model._meta.concrete_fields if not isinstance(f, models.BinaryField)]
    for f, value in zip(names, row[1:], strict=True):
        if f.is_relation and value is not None and value in foreign.get(f.related_model._meta.label, {}):
            return True
    return False


# -- the run ------------------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


@dataclass
class Run:
    client: Client
    tenant: Tenant
    other: Tenant
    foreign: Snapshot
    baseline: Snapshot  # every request is rolled back: the database before each one is this
    failures: list[str] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)
    posted: set[str] = field(default_factory=set)
    post_only: set[str] = field(default_factory=set)
    requests: int = 0
    seen_forms: set[Any] = field(default_factory=set)

    def send(
        self, method: str, url: str, data: dict[str, list[str]] | None = None, *, check_writes: bool
    ) -> Any:
        """One request in a rolled-back savepoint; a 5xx, an exception, a partial write or a write
        into the other organization is recorded as a failure."""
        self.requests += 1
        cookies = dict(self.client.cookies.items())  # a request that logs out must not log us out
        what = f"{method} {url[:120]}" + (f" {_short(data)}" if data else "")
        response = None
        try:
            with transaction.atomic():
                written = writes() if check_writes else 0
                try:
                    if method == "GET":
                        response = self.client.get(url, data or {})
                    else:
                        response = self.client.post(url, data or {})
                except Exception as exc:  # every exception is the finding
                    self.failures.append(f"{what}: raised {type(exc).__name__}: {str(exc)[:200]}")
                    raise _Rollback from exc
                if response.status_code >= 500:
                    self.failures.append(f"{what}: answered {response.status_code}")
                if check_writes and writes() != written:
                    self._check_writes(what, response, self.baseline, snapshot())
                raise _Rollback
        except _Rollback:
            pass
        self.client.cookies.clear()
        for key, morsel in cookies.items():
            self.client.cookies[key] = morsel
        return response

    def _check_writes(self, what: str, response: Any, before: Snapshot, after: Snapshot) -> None:
        changes = changed_rows(before, after)
        if not changes:
            return
        for label, pk, how in changes:
            if pk in self.foreign.get(label, {}) or (
                how != "deleted" and references(label, after[label][pk], self.foreign)
            ):
                self.failures.append(f"{what}: wrote into the other organization: {how} {label} {pk}")
        if refused(response):
            self.failures.append(f"{what}: refused ({response.status_code}) but wrote {changes[:5]}")


def refused(response: Any) -> bool:
    """A 4xx, a form shown again with its errors, or a redirect carrying only an error message."""
    if 400 <= response.status_code < 500:
        return True
    if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
        content = response.content.decode(errors="replace")
        return 'class="errorlist' in content or 'aria-invalid="true"' in content
    queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
    levels = {m.level for m in queued}
    return message_levels.ERROR in levels and message_levels.SUCCESS not in levels


def _short(data: dict[str, list[str]]) -> str:
    return str({k: [v[:20] + ("…" if len(v) > 20 else "") for v in vs] for k, vs in data.items()})[:200]


def variations(run: Run, f: Field, index: int) -> list[str]:
    values = [*ALWAYS, ROTATING[index % len(ROTATING)]]
    if looks_like_id(f) or ANSWER_FIELD.fullmatch(f.name):
        model = QuestionOption if ANSWER_FIELD.fullmatch(f.name) else ID_FIELDS.get(f.name)
        if model is None:
            run.failures.append(f"field {f.name!r} holds an id: say which model in ID_FIELDS")
        else:
            theirs = run.foreign.get(model._meta.label, {})
            values += [str(pk) for pk in sorted(theirs)[:1]]
    return values


def attack_form(run: Run, form: Form) -> None:
    if form.signature() in run.seen_forms:
        return
    run.seen_forms.add(form.signature())
    try:
        match = resolve(urlsplit(form.action).path)
    except Resolver404:
        return  # a form leaving Kindred (none today)
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name or ""
    base = default_payload(form)
    buttons = form.buttons or [("", "")]
    method = "GET" if form.method == "get" else "POST"
    if method == "POST":
        run.posted.add(name)
    for i, f in enumerate(form.fields.values()):
        for j, value in enumerate(variations(run, f, i)):
            payload = {**base, f.name: [value]}
            button, pressed = buttons[(i + j) % len(buttons)]
            if button:
                payload[button] = [pressed]
            run.send(method, form.action, payload, check_writes=method == "POST")
    for button in {b for b, _ in buttons if b}:
        for value in (LONG_TEXT, SUPERSCRIPT_TWO):
            run.send(method, form.action, {**base, button: [value]}, check_writes=method == "POST")


def visit(run: Run, route: Route, url: str) -> None:
    response = run.send("GET", url, check_writes=False)
    if response is None:
        return
    if response.status_code == 405:
        run.post_only.add(route.name)
        run.send("POST", url, {}, check_writes=True)
        return
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return
    parser = FormParser(url)
    parser.feed(response.content.decode(errors="replace"))
    for form in parser.forms:
        attack_form(run, form)
    params = {p for link in parser.links if link.startswith("?") for p in re.findall(r"[?&]([\w-]+)=", link)}
    for param in sorted(params):
        for value in (HUGE_TEXT, SUPERSCRIPT_TWO, THIRTY_DIGITS):
            run.send("GET", url, {param: [value]}, check_writes=False)


def attack_path(run: Run, route: Route, values: dict[str, str]) -> None:
    """Each kwarg of the URL in turn: hostile values, then the other organization's object."""
    for kwarg, converter in route.parts:
        hostile = list(PATH_VALUES.get(converter, PATH_VALUES["str"]))
        if kwarg in run.other.objects and kwarg in KWARGS:
            theirs = KWARGS[kwarg](run.other, route.name)
            if theirs != values[kwarg]:
                hostile.append(theirs)
        for value in hostile:
            url = route.build({**values, kwarg: value})
            response = run.send("GET", url, check_writes=False)
            if response is not None and response.status_code == 405:
                run.send("POST", url, {}, check_writes=True)


def script_fields(run: Run, route: Route, url: str) -> None:
    fields = SCRIPT_FIELDS.get(route.name)
    if fields is None:
        return
    run.posted.add(route.name)
    names = []
    for name in fields:
        if name == "q*":
            names += [
                f"q{pk}"
                for pk in Question.objects.filter(program=run.tenant.program).values_list("pk", flat=True)
            ]
        else:
            names.append(name)
    for i, name in enumerate(names):
        for value in variations(run, Field(name, "hidden", ["1"]), i):
            run.send("POST", url, {name: [value]}, check_writes=True)


def run_as(role: str, acme: Tenant, globex: Tenant, foreign: Snapshot) -> Run:
    client = Client(raise_request_exception=True)
    if role == "administrator":
        client.force_login(acme.admin)
    elif role == "participant":
        client.force_login(acme.participant)
    run = Run(client, acme, globex, foreign, snapshot())
    for route in routes():
        values = {kwarg: KWARGS[kwarg](acme, route.name) for kwarg, _ in route.parts}
        url = route.build(values)
        run.reached.add(route.name)
        visit(run, route, url)
        script_fields(run, route, url)
        attack_path(run, route, values)
    # A NUL and over-long text everywhere a request carries text.
    for url in ("/r/%00/", "/invitations/%00/", "/?q=%00", "/accounts/login/"):
        run.send(
            "POST" if url.startswith("/accounts") else "GET",
            url,
            {"email": [NUL]} if "login" in url else None,
            check_writes=True,
        )
    return run


@pytest.fixture(autouse=True)
def _quiet_4xx_logs() -> Iterator[None]:
    # Thousands of expected 400s and 404s: Django logs each one as a warning.
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture
def world() -> tuple[Tenant, Tenant, Snapshot]:
    acme = build_tenant("acme", "hand-up")
    # An organization Acme's participant may join by themselves (not the other tenant: joining it
    # is a write there, on purpose).
    initech = OrganizationFactory(name="Initech", slug="initech")
    domain = acme.participant.email.split("@")[1]
    AllowedDomain.objects.create(organization=initech, domain=domain, verified_at=timezone.now())
    before = snapshot()
    globex = build_tenant("globex", "g-program")
    return acme, globex, foreign_rows(before, snapshot())


def test_every_url_pattern_can_be_built() -> None:
    missing = {f"{r.name} ({kwarg})" for r in routes() for kwarg, _ in r.parts if kwarg not in KWARGS}
    assert not missing, f"say how to fill these URL kwargs in KWARGS: {sorted(missing)}"
    unnamed = [r.route for r in routes() if not r.name.split(":")[-1] and not r.name.startswith("admin:")]
    assert not unnamed, f"name these URL patterns: {unnamed}"
    bare_ints = [r.name for r in routes() if any(c == "int" for _, c in r.parts)]
    assert not bare_ints, f"use <id:...> (bounded) rather than <int:...>: {bare_ints}"


def test_no_hostile_input_gets_a_5xx_or_a_partial_write(world) -> None:  # type: ignore[no-untyped-def]
    acme, globex, foreign = world
    failures, post_only, posted = [], set(), set()
    for role in ("anonymous", "participant", "administrator"):
        run = run_as(role, acme, globex, foreign)
        failures += [f"[{role}] {failure}" for failure in run.failures]
        assert run.reached == {r.name for r in routes()}
        post_only |= run.post_only
        posted |= run.posted
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:80])
    unreached = post_only - posted
    assert not unreached, f"POST-only URLs that no form or SCRIPT_FIELDS reaches: {sorted(unreached)}"


def test_every_text_field_of_every_form_has_a_length_cap() -> None:
    get_resolver().url_patterns  # noqa: B018 - the root urls register the converters apps' urls use
    unbounded = []
    for module in pkgutil.walk_packages(kindred.__path__, "kindred."):
        if any(part in module.name for part in (".migrations", ".management", "kindred.matching")):
            continue
        for name, obj in vars(importlib.import_module(module.name)).items():
            if inspect.isclass(obj) and issubclass(obj, forms.BaseForm) and obj.__module__ == module.name:
                unbounded += [
                    f"{module.name}.{name}.{field_name}"
                    for field_name, f in obj.base_fields.items()
                    if isinstance(f, forms.CharField) and f.max_length is None
                ]
    assert not unbounded, f"give these fields a max_length (or text_limits for a TextField): {unbounded}"
