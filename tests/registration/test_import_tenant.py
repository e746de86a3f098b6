"""The tenant boundary of imports: an import creates accounts and registers the organization's
own members; a person whose account belongs elsewhere is invited, never added, and no import
writes a field of an account its organization did not create. The facts pairing reads are kept
per membership, so one organization's import never changes what another pairs on."""

import re

import pytest
import time_machine

from kindred.accounts.models import User
from kindred.accounts.services import profile_update
from kindred.orgs.facts import managers_of
from kindred.orgs.models import Membership
from kindred.pairing import criteria
from kindred.pairing.problem import build_problem
from kindred.programs.models import Status
from kindred.registration import imports, services
from kindred.registration.invitations import send_invitation_batch
from kindred.registration.models import ImportStatus, ProgramInvitation, ProgramSetup, Registration
from tests.factories import MembershipFactory, ProgramFactory, UserFactory
from tests.registration.helpers import questionnaire
from tests.registration.test_import_run import run
from tests.registration.test_import_services import HEADER, csv_bytes, person, uploaded

pytestmark = pytest.mark.django_db
FACTS_HEADER = [*HEADER, "Department", "Job title", "Line manager"]


def row(email: str, department: str = "", title: str = "", manager: str = "", **over: str) -> list[str]:
    return [*person(email, **over), department, title, manager]


def import_rows(program, admin, rows):  # type: ignore[no-untyped-def]
    job = uploaded(program, admin, csv_bytes(rows, header=FACTS_HEADER))
    job = imports.import_validate(job=job, mapping=job.mapping)
    return job, run(job)


@pytest.fixture
def a_person(acme):  # type: ignore[no-untyped-def]
    """A member of Acme, who signed up herself and left her department and manager empty."""
    user = UserFactory(email="pat@acme.test", name="Pat Own", department="", job_title="", manager_email="")
    MembershipFactory(organization=acme, user=user)
    return user


@pytest.fixture
def globex_program(globex, charlie):  # type: ignore[no-untyped-def]
    program = ProgramFactory(organization=globex, name="Globex Grow", slug="grow", created_by=charlie)
    questionnaire(program)
    return program


def test_a_person_of_another_organization_is_invited_never_added(
    globex_program, charlie, a_person, mailoutbox
):
    program = globex_program
    job, done = import_rows(
        program,
        charlie,
        [row("pat@acme.test", "Sales", "Boss", "ceo@acme.test", Name="Renamed"), row("new@x.test")],
    )
    # The check says so before anything is written.
    assert (job.good_rows, job.joining_rows, job.existing_rows) == (2, 2, 0)
    assert done.status == ImportStatus.DONE
    assert (done.created_count, done.joining_count, done.processed_rows) == (0, 2, 2)
    # No membership in Globex, no registration, not one field of her account written.
    assert not Membership.objects.filter(user=a_person, organization=program.organization).exists()
    assert not Registration.objects.filter(user=a_person).exists()
    pat = User.objects.get(pk=a_person.pk)
    assert (pat.name, pat.department, pat.job_title, pat.manager_email) == ("Pat Own", "", "", "")
    assert Membership.objects.get(user=a_person).department == ""  # Acme's copy untouched too
    # Instead: the program's own invitation, sent by the worker once registration opens.
    invitation = ProgramInvitation.objects.get(program=program, email="pat@acme.test")
    program.status = Status.REGISTRATION
    program.save()
    send_invitation_batch.enqueue(program.pk)
    invitation.refresh_from_db()
    assert invitation.status == "sent"
    assert [m.to for m in mailoutbox if m.subject == "You're invited to Globex Grow"] == [["pat@acme.test"]]
    assert "pat@acme.test" not in [m.to[0] for m in mailoutbox if "registered" in m.subject]
    # The invitation lets her register herself, even though the program is open to members only.
    assert ProgramSetup.objects.get_or_create(program=program)[0].access_mode == "open"
    assert services.may_register(program, a_person, invitation.token) == (True, "")


def _report(client, program, admin, email: str) -> str:  # type: ignore[no-untyped-def]
    job = uploaded(program, admin, csv_bytes([person(email)]))
    job = imports.import_validate(job=job, mapping=job.mapping)
    body = client.get(f"/o/globex/programs/grow/import/{job.pk}/report/").content.decode()
    body = body.replace(f"/import/{job.pk}/", "/import/<job>/").replace(email, "<email>")
    return re.sub(r'(value|nonce)="[^"]+"', "", body)  # the CSRF token and the CSP nonce


@time_machine.travel("2026-11-30 10:00:00+00:00", tick=False)
def test_the_report_does_not_tell_an_account_elsewhere_from_a_new_person(
    client_for, globex_program, charlie, a_person
):
    """Pat has an Acme account, new@x.test has none: Globex's admin sees the same report for both,
    one count of people new to Globex who will be emailed to join."""
    client = client_for(charlie)
    outside = _report(client, globex_program, charlie, "pat@acme.test")
    new = _report(client, globex_program, charlie, "new@x.test")
    assert outside == new
    assert "<strong>1</strong> person will be emailed to join: people new to Globex get" in new
    assert "registers <strong>0</strong> members of Globex" in new
    assert "account outside" not in new and "to invite" not in new


def test_when_nobody_can_be_invited_everyone_new_to_the_organization_is_refused_alike(
    globex_program, charlie, a_person
):
    program = globex_program
    program.status = Status.RUNNING
    program.registration_closes_on = None
    program.save()
    MembershipFactory(organization=program.organization, user=UserFactory(email="own@globex.test"))
    rows = [person("pat@acme.test"), person("new@x.test"), person("own@globex.test")]
    job = uploaded(program, charlie, csv_bytes(rows))
    job = imports.import_validate(job=job, mapping=job.mapping)
    assert job.good_rows == 1  # Globex's own member is registered as ever
    pat, new = job.bad_rows
    assert pat["reason"].replace("pat@acme.test", "<email>") == new["reason"].replace("new@x.test", "<email>")
    assert "is not a member of Globex" in pat["reason"] and "account" not in pat["reason"]
    assert not ProgramInvitation.objects.exists()
    assert not User.objects.filter(email="new@x.test").exists()


def test_a_second_import_cannot_change_another_organizations_facts(globex_program, charlie, a_person):
    # Pat joins Globex too (by herself): Globex may now register her, but not write her facts.
    MembershipFactory(organization=globex_program.organization, user=a_person)
    for _ in range(2):
        _, done = import_rows(
            globex_program, charlie, [row("pat@acme.test", "Sales", "Boss", "ceo@globex.test")]
        )
        assert done.status == ImportStatus.DONE
    assert Registration.objects.filter(program=globex_program, user=a_person, status="submitted").exists()
    pat = User.objects.get(pk=a_person.pk)
    assert (pat.department, pat.job_title, pat.manager_email) == ("", "", "")
    assert set(Membership.objects.filter(user=a_person).values_list("department", "manager_email")) == {
        ("", "")
    }
    assert managers_of(a_person.memberships.get(organization__slug="acme").organization_id) == {}


def test_only_the_organization_that_created_an_account_fills_its_own_copy_of_the_facts(
    globex_program, charlie, acme, program, alice
):
    # Globex's import creates Pat's account, without a department.
    import_rows(globex_program, charlie, [row("pat@new.test")])
    pat = User.objects.get(email="pat@new.test")
    assert pat.created_by_organization == globex_program.organization
    MembershipFactory(organization=acme, user=pat)  # she joins Acme later
    # Globex's second import fills Globex's own copy; Acme's stays as her profile says.
    import_rows(globex_program, charlie, [row("pat@new.test", "Sales", "Analyst", "boss@new.test")])
    facts = dict(Membership.objects.filter(user=pat).values_list("organization__slug", "department"))
    assert facts == {"globex": "Sales", "acme": ""}
    assert User.objects.get(pk=pat.pk).department == ""
    assert managers_of(globex_program.organization_id) == {"pat@new.test": "boss@new.test"}
    assert managers_of(acme.pk) == {}
    # Acme's pairing does not see Globex's fact; Globex's does.
    questionnaire(program)
    for prog in (program, globex_program):
        Registration.objects.update_or_create(
            program=prog, user=pat, defaults={"status": "submitted", "role": "mentee"}
        )
        settings = criteria.settings_for(prog)
        settings.exclude_same_department = True
        criteria.settings_save(settings=settings)
    acme_view = build_problem(program).data["mentees"]
    globex_view = build_problem(globex_program).data["mentees"]
    assert "department" not in acme_view[0]["attributes"]
    assert globex_view[0]["attributes"]["department"] == "sales"
    # Her own profile edit is her word everywhere: every organization's copy follows it.
    profile_update(
        user=pat, name="Pat", job_title="Analyst", department="Finance", time_zone="UTC", manager_email=""
    )
    assert set(Membership.objects.filter(user=pat).values_list("department", flat=True)) == {""}
    assert build_problem(globex_program).data["mentees"][0]["attributes"]["department"] == "finance"
    assert build_problem(program).data["mentees"][0]["attributes"]["department"] == "finance"
