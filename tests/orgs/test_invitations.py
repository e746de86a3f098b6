import datetime as dt

import pytest
import time_machine
from django.core import mail

from kindred.orgs.models import Membership, OrgInvitation, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def invite(client, email="dana@example.test", role="program_manager", capture=None):  # type: ignore[no-untyped-def]
    return client.post("/o/acme/invitations/new/", {"email": email, "role": role})


def test_admin_invites_and_the_email_carries_the_link_and_branding(
    client_for, alice, acme, django_capture_on_commit_callbacks
):
    acme.email_display_name = "Acme Mentoring"
    acme.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client_for(alice))
    assert response.status_code == 302
    invitation = OrgInvitation.objects.get()
    [message] = mail.outbox
    assert message.to == ["dana@example.test"]
    assert message.from_email.startswith("Acme Mentoring <")
    assert f"/invitations/{invitation.token}/" in message.body
    html = message.alternatives[0][0]
    assert acme.primary_colour in html and "Accept the invitation" in html


def test_nothing_is_sent_when_the_transaction_does_not_commit(client_for, alice):
    invite(client_for(alice))  # no on_commit execution: the test transaction never commits
    assert mail.outbox == []


def test_invited_person_accepts_once(client_for, alice):
    invite(client_for(alice))
    token = OrgInvitation.objects.get().token
    dana = UserFactory(email="dana@example.test")
    client = client_for(dana)
    assert client.get(f"/invitations/{token}/").status_code == 200
    response = client.post(f"/invitations/{token}/")
    assert response["Location"] == "/o/acme/"
    assert Membership.objects.get(user=dana).role == Role.PROGRAM_MANAGER
    again = client.post(f"/invitations/{token}/")
    assert again.status_code == 400 and "already been used" in again.content.decode()


def test_someone_else_cannot_use_the_link(client_for, alice, bob):
    invite(client_for(alice))
    token = OrgInvitation.objects.get().token
    response = client_for(bob).post(f"/invitations/{token}/")
    assert response.status_code == 400
    assert bob.memberships.get().role == Role.MEMBER


def test_expired_link_is_refused(client_for, alice):
    invite(client_for(alice))
    token = OrgInvitation.objects.get().token
    dana = UserFactory(email="dana@example.test")
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=15)):
        response = client_for(dana).post(f"/invitations/{token}/")
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user=dana).exists()


def test_reinviting_replaces_the_old_link(client_for, alice):
    client = client_for(alice)
    invite(client)
    invite(client, role="admin")
    old, new = OrgInvitation.objects.order_by("created_at", "pk")
    assert old.status == "revoked" and new.status == "pending"


def test_revoke(client_for, alice):
    client = client_for(alice)
    invite(client)
    invitation = OrgInvitation.objects.get()
    client.post(f"/o/acme/invitations/{invitation.pk}/revoke/")
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_bad_email_and_existing_admin_are_field_errors(client_for, alice):
    client = client_for(alice)
    assert invite(client, email="not-an-email").status_code == 400
    response = invite(client, email="alice@acme.test", role="admin")
    assert response.status_code == 400 and "already an administrator" in response.content.decode()
    assert not OrgInvitation.objects.exists()


def test_member_is_forbidden(client_for, bob):
    assert invite(client_for(bob)).status_code == 403
    assert not OrgInvitation.objects.exists()


def test_outsider_gets_404(client_for, charlie):
    assert invite(client_for(charlie)).status_code == 404


def test_another_organizations_invitation_cannot_be_revoked(client_for, charlie, alice):
    invite(client_for(alice))
    invitation = OrgInvitation.objects.get()
    assert client_for(charlie).post(f"/o/globex/invitations/{invitation.pk}/revoke/").status_code == 404
