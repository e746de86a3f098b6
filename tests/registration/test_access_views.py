import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kindred.registration.models import ProgramInvitation, ProgramSetup

pytestmark = pytest.mark.django_db
URL = "/o/acme/programs/hand-up/access/"


def test_admin_chooses_access_and_the_step_is_done(client_for, alice, program):
    client = client_for(alice)
    assert client.get(URL).status_code == 200
    client.post(URL, {"access_mode": "both", "benefits": "Grow faster"})
    setup = ProgramSetup.objects.get(program=program)
    assert setup.access_mode == "both" and setup.access_reviewed_at
    assert "7 steps left" in client.get("/o/acme/programs/hand-up/").content.decode()


def test_invitation_only_step_needs_invitations(client_for, alice, program):
    client = client_for(alice)
    client.post(URL, {"access_mode": "invitation", "benefits": ""})
    assert "8 steps left" in client.get("/o/acme/programs/hand-up/").content.decode()
    client.post(URL + "invite/", {"emails": "dana@x.test"})
    assert "7 steps left" in client.get("/o/acme/programs/hand-up/").content.decode()


def test_paste_and_upload_invitations(client_for, alice, program, django_capture_on_commit_callbacks):
    from tests.registration.helpers import open_program

    open_program(program)
    client = client_for(alice)
    upload = SimpleUploadedFile("list.csv", b"email\ne@x.test\nf@x.test\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL + "invite/", {"emails": "a@x.test, b@x.test", "file": upload})
    assert response.status_code == 302
    assert sorted(ProgramInvitation.objects.values_list("email", flat=True)) == [
        "a@x.test",
        "b@x.test",
        "e@x.test",
        "f@x.test",
    ]
    assert set(ProgramInvitation.objects.values_list("status", flat=True)) == {
        "sent"
    }  # immediate worker in tests


def test_bad_addresses_invite_nobody(client_for, alice, program):
    response = client_for(alice).post(URL + "invite/", {"emails": "a@x.test, nonsense"})
    assert response.status_code == 400 and "nonsense" in response.content.decode()
    assert not ProgramInvitation.objects.exists()


def test_remind(client_for, alice, program):
    ProgramInvitation.objects.create(program=program, email="a@x.test", status="sent")
    response = client_for(alice).post(URL + "remind/", follow=True)
    assert "A reminder goes to 1 people" in response.content.decode()


def test_member_forbidden_outsider_404(client_for, bob, charlie, program):
    for user, status in ((bob, 403), (charlie, 404)):
        client = client_for(user)
        assert client.get(URL).status_code == status
        assert client.post(URL + "invite/", {"emails": "a@x.test"}).status_code == status
    assert not ProgramInvitation.objects.exists()


def test_invitation_list_queries_do_not_grow(client_for, alice, program, django_assert_max_num_queries):
    client = client_for(alice)
    ProgramInvitation.objects.create(program=program, email="a@x.test")
    with django_assert_max_num_queries(30) as few:
        client.get(URL)
    ProgramInvitation.objects.bulk_create(
        ProgramInvitation(program=program, email=f"p{i}@x.test") for i in range(40)
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)
