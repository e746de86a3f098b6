"""A NUL byte is refused with a 400 wherever a request carries text, before any view or query."""

import json

import pytest

from kindred.orgs.models import Skill
from kindred.registration.models import Registration

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/r/%00/", "/invitations/%00/", "/o/acme%00/", "/?q=%00", "/?x%00=1"])
def test_anonymous_nul_in_the_url_is_a_400(client, acme, path):  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_nul_in_a_search_is_a_400(client_for, alice, program):  # type: ignore[no-untyped-def]
    assert client_for(alice).get("/o/acme/members/", {"q": "bob\x00"}).status_code == 400


def test_nul_in_a_form_field_is_refused_and_nothing_is_written(client_for, alice, acme):  # type: ignore[no-untyped-def]
    response = client_for(alice).post(
        "/o/acme/skills/", {"action": "add", "kind": "skill", "name": "Go\x00lang"}
    )
    assert response.status_code == 400
    assert not Skill.objects.filter(name__startswith="Go").exists()


def test_nul_in_a_field_name_or_a_multipart_form_is_refused(client_for, alice, acme):  # type: ignore[no-untyped-def]
    client = client_for(alice)
    assert client.post("/o/acme/skills/", {"na\x00me": "x"}).status_code == 400
    multipart = client.post("/o/acme/skills/", {"name": "x\x00"}, format="multipart")
    assert multipart.status_code == 400


def test_json_clients_get_a_json_error(client_for, bob, program):  # type: ignore[no-untyped-def]
    response = client_for(bob).post(
        "/o/acme/p/hand-up/register/autosave/",
        data=json.dumps({"q1": "a\x00b"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The request contains a NUL") and response.json()["errors"]
    assert not Registration.objects.exists()


def test_nul_in_the_session_cookie_never_reaches_the_session_table(client, acme):  # type: ignore[no-untyped-def]
    # An octal escape in a quoted cookie value: Django's cookie parser turns it into a NUL.
    assert client.get("/", HTTP_COOKIE='sessionid="\\000abcdefghijkl"').status_code == 400


def test_a_file_may_contain_nul_bytes(client_for, alice, program):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("people.csv", b"email\nx@acme.test\x00\n", content_type="text/csv")
    response = client_for(alice).post("/o/acme/programs/hand-up/import/", {"file": upload})
    assert "NUL character" not in response.content.decode()
