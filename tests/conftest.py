"""Shared fixtures: alice administers Acme, bob is a member of Acme, charlie is an outsider who
administers Globex. Tests that need PostgreSQL or the browser fail under CI=true instead of
skipping (see `needs`)."""

import os
import shutil
from collections.abc import Iterator

import pytest
from django.db import connection

from kindred.orgs.models import Role
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"
# `KINDRED_CLOCK_AHEAD_DAYS=365 make test` runs the whole suite with the clock moved ahead, so a
# test that only passes near the day it was written shows itself before that day comes.
CLOCK_AHEAD_DAYS = int(os.environ.get("KINDRED_CLOCK_AHEAD_DAYS") or 0)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config: pytest.Config) -> None:
    if CLOCK_AHEAD_DAYS:
        import datetime as dt

        import time_machine

        traveller = time_machine.travel(
            dt.datetime.now(dt.UTC) + dt.timedelta(days=CLOCK_AHEAD_DAYS), tick=True
        )
        traveller.start()
        config.add_cleanup(traveller.stop)


def needs(condition: bool, why: str) -> None:
    """Skip a test whose real dependency is missing, except in CI, where that is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {why}")
    pytest.skip(why)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    # Tasks run in-process in tests (emails land in mail.outbox); tests of the real worker switch back.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
    # Production uses the hashed-manifest storage after collectstatic; tests find files in place.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()  # allauth's rate limits live in the cache
    yield


@pytest.fixture
def acme(db):  # type: ignore[no-untyped-def]
    return OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def globex(db):  # type: ignore[no-untyped-def]
    return OrganizationFactory(name="Globex", slug="globex")


@pytest.fixture
def alice(acme):  # type: ignore[no-untyped-def]
    user = UserFactory(email="alice@acme.test", name="Alice Admin")
    MembershipFactory(organization=acme, user=user, role=Role.ADMIN)
    return user


@pytest.fixture
def bob(acme):  # type: ignore[no-untyped-def]
    user = UserFactory(email="bob@acme.test", name="Bob Member")
    MembershipFactory(organization=acme, user=user, role=Role.MEMBER)
    return user


@pytest.fixture
def charlie(globex):  # type: ignore[no-untyped-def]
    user = UserFactory(email="charlie@globex.test", name="Charlie Outsider")
    MembershipFactory(organization=globex, user=user, role=Role.ADMIN)
    return user


@pytest.fixture
def program(acme, alice):  # type: ignore[no-untyped-def]
    return ProgramFactory(organization=acme, name="Hand-up Mentorship", slug="hand-up", created_by=alice)


@pytest.fixture
def client_for(client):  # type: ignore[no-untyped-def]
    def login(user):  # type: ignore[no-untyped-def]
        client.force_login(user)
        return client

    return login


@pytest.fixture
def postgres(db) -> None:  # type: ignore[no-untyped-def]
    needs(connection.vendor == "postgresql", "this test needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def chromium() -> str:
    needs(shutil.which(CHROMIUM) is not None, f"this test needs Debian's chromium at {CHROMIUM}")
    return CHROMIUM
