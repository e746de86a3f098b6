import itertools

import pytest
from django.core.management import call_command

from kindred.accounts.models import User
from kindred.demo.data import DEMO_LOGINS, DEMO_PASSWORD
from kindred.orgs.models import Membership, Organization
from kindred.pairing.models import Mentorship
from kindred.programs.models import Program, StatusChange
from kindred.registration.models import Registration

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = True


def test_demo_refuses_to_load_without_debug(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not User.objects.exists()


def counts():  # type: ignore[no-untyped-def]
    return (
        User.objects.count(),
        Membership.objects.count(),
        Program.objects.count(),
        Registration.objects.count(),
    )


def test_demo_is_idempotent_and_rich():
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first
    org = Organization.objects.get(slug="northwind")
    assert org.logo_content_type == "image/png"
    statuses = set(Program.objects.filter(organization=org).values_list("status", flat=True))
    assert statuses == {"draft", "registration", "pairing", "running", "completed", "archived"}
    assert Registration.objects.count() > 100


def test_demo_history_follows_each_programs_dates():
    call_command("load_demo")
    for program in Program.objects.exclude(status="draft"):
        changes = list(StatusChange.objects.filter(program=program).order_by("at"))
        assert [c.to_status for c in changes][-1] == program.status
        assert all(a.at < b.at for a, b in itertools.pairwise(changes))
        opened = next(c for c in changes if c.to_status == "registration")
        assert opened.at.date() == program.registration_opens_on
        if program.status in ("running", "completed"):
            running = next(c for c in changes if c.to_status == "running")
            assert running.at.date() == program.starts_on
            mentorships = Mentorship.objects.filter(program=program)
            assert mentorships.exists()
            assert all(m.started_at.date() == program.starts_on for m in mentorships)
    completed = Program.objects.get(status="completed")
    assert set(Mentorship.objects.filter(program=completed).values_list("status", flat=True)) == {"completed"}


@pytest.mark.parametrize(("email", "landing"), [(e, None) for e, _ in DEMO_LOGINS])
def test_demo_logins_work(client, email, landing):
    call_command("load_demo")
    response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/o/northwind/"


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("Associate Product Manager", "Associate"),
        ("Supply Chain Coordinator", "Associate"),
        ("Software Engineer", "Intermediate"),
        ("Senior Accountant", "Senior"),
        ("Engineering Manager", "Senior"),
        ("COO Office Lead", "Senior"),
        ("Director of Product", "Director"),
        ("Head of Learning & Development", "Director"),
        ("VP Marketing", "VP/Executive"),
    ],
)
def test_demo_seniority_follows_the_job_title(title, level):
    from kindred.demo.data import _seniority
    from kindred.registration.pool import SENIORITY

    assert SENIORITY[_seniority(title)] == level
