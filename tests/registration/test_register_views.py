import datetime as dt

import pytest
import time_machine
from django.core import mail

from kindred.registration.answers import field_name
from kindred.registration.models import Answer, ProgramInvitation, ProgramSetup, Registration
from tests.factories import UserFactory
from tests.registration.helpers import open_program, questionnaire, raw_for

pytestmark = pytest.mark.django_db
URL = "/o/acme/p/hand-up/register/"


@pytest.fixture
def qs(program):  # type: ignore[no-untyped-def]
    open_program(program)
    return questionnaire(program)


def test_member_sees_the_form_in_steps(client_for, bob, qs):
    response = client_for(bob).get(URL)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Step 1 of 4: Role selection" in content and "What level of seniority do you hold?" in content
    assert not Registration.objects.filter(user=bob).exists()  # looking writes nothing


def test_submit_registers_and_confirms(client_for, bob, qs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bob).post(URL, {**raw_for(qs), "action": "submit"})
    assert response["Location"] == "/o/acme/p/hand-up/register/done/"
    assert Registration.objects.get(user=bob).status == "submitted"
    assert len(mail.outbox) == 1


def test_errors_are_shown_next_to_the_field_and_nothing_is_saved(client_for, bob, qs):
    response = client_for(bob).post(URL, {**raw_for(qs, years_career="abc"), "action": "submit"})
    assert response.status_code == 400
    content = response.content.decode()
    assert f'id="field-q{qs["years_career"].pk}"' in content and "Enter a number." in content
    assert not Answer.objects.exists()


def test_save_and_continue_later_keeps_a_draft(client_for, bob, qs):
    client = client_for(bob)
    client.post(URL, {**raw_for(qs, years_career="abc"), "action": "save"})
    registration = Registration.objects.get(user=bob)
    assert registration.status == "draft" and registration.draft[f"q{qs['years_career'].pk}"] == "abc"
    assert 'value="abc"' in client.get(URL).content.decode()


def test_autosave(client_for, bob, qs):
    client = client_for(bob)
    client.get(URL)
    response = client.post(URL + "autosave/", {f"q{qs['hope'].pk}": "Grow"})
    assert response.status_code == 200 and response.json()["detail"] == "Saved"
    assert Registration.objects.get(user=bob).draft == {f"q{qs['hope'].pk}": "Grow"}


def test_submitted_answers_come_back_for_editing(client_for, bob, qs):
    client = client_for(bob)
    client.post(URL, {**raw_for(qs), "action": "submit"})
    content = client.get(URL).content.decode()
    role_option = next(o for o in qs["role"].options.all() if o.value == "mentee")
    assert f'value="{role_option.pk}" data-role="mentee"\n        checked' in content or (
        f'value="{role_option.pk}" data-role="mentee"' in content and "checked" in content
    )
    assert "Registered — you can edit your answers" in content


def test_late_registration_is_refused(client_for, bob, qs):
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=30)):
        response = client_for(bob).get(URL)
    assert response.status_code == 403 and "Registration closed on" in response.content.decode()


def test_draft_program_is_404(client_for, bob, program):
    assert client_for(bob).get(URL).status_code == 404


def test_outsider_cannot_register_in_an_open_program(client_for, charlie, qs):
    response = client_for(charlie).get(URL)
    assert response.status_code == 403
    assert "open to people at Acme" in response.content.decode()
    assert not Registration.objects.filter(user=charlie).exists()


def test_invitation_link_lets_a_guest_in(client, qs, program):
    ProgramSetup.objects.create(program=program, access_mode="invitation")
    invitation = ProgramInvitation.objects.create(program=program, email="guest@else.test", status="sent")
    landing = client.get(f"/r/{invitation.token}/")
    assert landing.status_code == 200 and "You're invited to Hand-up Mentorship" in landing.content.decode()
    guest = UserFactory(email="guest@else.test")
    client.force_login(guest)
    assert client.get(URL).status_code == 200
    client.post(URL, {**raw_for(qs), "action": "submit"})
    invitation.refresh_from_db()
    assert invitation.status == "registered"


def test_withdraw_confirms_first(client_for, bob, qs):
    client = client_for(bob)
    client.post(URL, {**raw_for(qs), "action": "submit"})
    assert b"Withdraw from Hand-up Mentorship?" in client.get("/o/acme/p/hand-up/withdraw/").content
    assert Registration.objects.get(user=bob).status == "submitted"
    client.post("/o/acme/p/hand-up/withdraw/")
    assert Registration.objects.get(user=bob).status == "withdrawn"


def test_done_page_needs_a_submitted_registration(client_for, bob, qs):
    assert client_for(bob).get("/o/acme/p/hand-up/register/done/").status_code == 404


def test_a_withdrawn_person_registers_again_only_by_choice(client_for, bob, qs):
    client = client_for(bob)
    client.post(URL, {**raw_for(qs), "action": "submit"})
    client.post("/o/acme/p/hand-up/withdraw/")
    page = client.get(URL)
    assert "You withdrew from Hand-up Mentorship" in page.content.decode()
    assert Registration.objects.get(user=bob).status == "withdrawn"  # opening the page changed nothing
    client.post(URL, {"action": "restart"})
    assert Registration.objects.get(user=bob).status == "draft"


def test_peers_are_not_asked_for_a_role_or_a_capacity(
    client_for, alice, bob, program, django_capture_on_commit_callbacks
):
    program.structure = "peer"
    program.save()
    qs = questionnaire(open_program(program))
    page = client_for(bob).get(URL).content.decode()
    assert qs["role"].text not in page and qs["capacity"].text not in page
    # Peers answer the questions of both sides; no role field is sent and none is needed.
    builtins = {field_name(qs["role"]), field_name(qs["capacity"])}
    raw = {k: v for k, v in raw_for(qs, role="both").items() if k not in builtins}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bob).post(URL, {**raw, "action": "submit"})
    assert response["Location"] == "/o/acme/p/hand-up/register/done/"
    registration = Registration.objects.get(user=bob)
    assert (registration.status, registration.role, registration.capacity) == ("submitted", "both", 1)
    done = client_for(bob).get(URL + "done/").content.decode()
    assert "You joined as <strong>a peer</strong>." in done and "room for" not in done
    assert "as a peer" in mail.outbox[0].body
    # The builder still lists the built-in questions, and says they are not asked.
    builder = client_for(alice).get("/o/acme/programs/hand-up/questionnaire/").content.decode()
    assert qs["role"].text in builder and "not asked: everyone is a peer" in builder


def test_a_mentoring_program_still_requires_a_role(client_for, bob, qs):
    raw = {k: v for k, v in raw_for(qs).items() if k != field_name(qs["role"])}
    response = client_for(bob).post(URL, {**raw, "action": "submit"})
    assert response.status_code == 400
    assert "Choose whether you join as a mentor, a mentee, or both." in response.content.decode()
    assert not Registration.objects.filter(user=bob, status="submitted").exists()


def test_the_done_page_after_registration_closed_offers_no_edit(client_for, bob, qs, program):
    client_for(bob).post(URL, {**raw_for(qs), "action": "submit"})
    open_page = client_for(bob).get(URL + "done/").content.decode()
    assert "You can change your answers until then." in open_page and "Edit my answers" in open_page
    program.status = "pairing"
    program.save()
    closed = client_for(bob).get(URL + "done/").content.decode()
    assert "Registration for this program is closed." in closed
    assert "Pairing is under way" in closed
    assert "Edit my answers" not in closed and "change your answers" not in closed


def test_a_peers_draft_shows_every_answer_to_the_program_team(client_for, alice, bob, program):
    program.structure = "peer"
    program.save()
    qs = questionnaire(open_program(program))
    # A mentee-side question: peers answer both sides, so the team sees it in a draft too.
    client_for(bob).post(URL, {field_name(qs["hope"]): "Learn to lead", "action": "save"})
    registration = Registration.objects.get(user=bob)
    assert registration.status == "draft"
    page = client_for(alice).get(f"/o/acme/programs/hand-up/registrants/{registration.pk}/").content.decode()
    assert "Learn to lead" in page and "Takes part as" in page


def test_the_done_page_reads_the_program_once(client_for, bob, qs):
    client_for(bob).post(URL, {**raw_for(qs), "action": "submit"})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client_for(bob).get(URL + "done/").status_code == 200
    assert sum('FROM "programs_program"' in q["sql"] for q in queries.captured_queries) == 1


def _registered_then_removed(client_for, bob, qs):  # type: ignore[no-untyped-def]
    from kindred.orgs.models import Membership
    from kindred.orgs.services import membership_remove

    client = client_for(bob)
    client.post(URL, {**raw_for(qs), "action": "submit"})
    assert Registration.objects.get(user=bob).status == "submitted"
    membership_remove(membership=Membership.objects.get(user=bob))
    return client


def test_a_removed_member_can_neither_see_nor_edit_their_registration(client_for, bob, qs):
    client = _registered_then_removed(client_for, bob, qs)
    answers = list(Answer.objects.values_list("pk", flat=True))
    assert client.get(URL).status_code == 404
    edited = client.post(URL, {**raw_for(qs, hope="Back again"), "action": "submit"})
    assert edited.status_code == 404
    assert client.post(URL + "autosave/", {f"q{qs['hope'].pk}": "Back"}).status_code == 404
    assert client.get(URL + "done/").status_code == 404
    assert client.post("/o/acme/p/hand-up/withdraw/").status_code == 404
    registration = Registration.objects.get(user=bob)
    assert registration.status == "submitted" and registration.draft == {}
    assert list(Answer.objects.values_list("pk", flat=True)) == answers  # nothing rewritten
    assert not bob.memberships.exists()  # and not let back in by registering


def test_a_removed_member_is_out_of_every_program_of_the_organization(client_for, bob, qs, program):
    from tests.factories import ProgramFactory

    open_program(ProgramFactory(organization=program.organization, slug="second"))
    client = _registered_then_removed(client_for, bob, qs)
    assert client.get("/o/acme/p/second/register/").status_code == 404


def test_someone_at_an_allowed_domain_who_never_joined_still_registers(client, qs, acme):
    from kindred.orgs.models import AllowedDomain

    AllowedDomain.objects.create(organization=acme, domain="acme.test", verified_at=dt.datetime.now(dt.UTC))
    newcomer = UserFactory(email="new@acme.test")
    client.force_login(newcomer)
    assert client.get(URL).status_code == 200
    assert client.post(URL, {**raw_for(qs), "action": "submit"}).status_code == 302
    assert Registration.objects.get(user=newcomer).status == "submitted"
    assert newcomer.memberships.filter(organization=acme).exists()


def test_refused_answers_start_no_registration_and_no_membership(client, qs, acme):
    ProgramSetup.objects.create(program=qs["hope"].program, access_mode="both")
    ProgramInvitation.objects.create(program=qs["hope"].program, email="guest@else.test", status="sent")
    guest = UserFactory(email="guest@else.test")
    client.force_login(guest)
    refused = client.post(URL, {**raw_for(qs, years_career="abc"), "action": "submit"})
    assert refused.status_code == 400 and "Enter a number." in refused.content.decode()
    assert not Registration.objects.filter(user=guest).exists()
    assert not guest.memberships.exists()
    too_long = client.post(URL + "autosave/", {f"q{qs['hope'].pk}": "x" * 200_000})
    assert too_long.status_code == 400 and too_long.json()["detail"] == "Your answers are too long to save."
    assert not Registration.objects.filter(user=guest).exists()


def test_a_drafts_participant_pages_do_not_exist_even_for_its_staff(client_for, alice, program):
    client = client_for(alice)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"action": "submit"}).status_code == 404
    assert client.get("/o/acme/p/hand-up/mentorship/").status_code == 404
    assert not Registration.objects.exists()
