import pytest

from tests.factories import ProgramFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def url(org="acme"):  # type: ignore[no-untyped-def]
    return f"/o/{org}/"


def test_admin_sees_programs_with_counts_and_checklist(client_for, alice, program):
    RegistrationFactory(program=program, role="mentor")
    RegistrationFactory(program=program, role="mentee")
    RegistrationFactory(program=program, role="both")
    RegistrationFactory(program=program, role="mentee", status="withdrawn")
    response = client_for(alice).get(url())
    assert response.status_code == 200
    row = response.context["rows"][0]
    assert row.program == program
    assert (row.program.mentor_count, row.program.mentee_count) == (2, 2)
    assert row.checklist.left == 8
    assert b"8 steps left" in response.content


def test_empty_state_invites_a_first_program(client_for, alice):
    response = client_for(alice).get(url())
    assert b"Create your first program" in response.content


def test_member_sees_their_own_programs_not_the_dashboard(client_for, bob, program):
    program.status = "registration"
    program.save()
    response = client_for(bob).get(url())
    assert response.status_code == 200
    assert response.templates[0].name == "programs/participant_home.html"
    assert "register" in response.context["rows"][0].next_step


def test_member_does_not_see_drafts(client_for, bob, program):
    response = client_for(bob).get(url())
    assert response.context["rows"] == []
    assert b"No programs for you yet" in response.content


def test_outsider_gets_404(client_for, charlie, program):
    assert client_for(charlie).get(url()).status_code == 404


def test_queries_do_not_grow_with_programs(client_for, alice, acme, django_assert_max_num_queries):
    client = client_for(alice)
    for _ in range(3):
        ProgramFactory(organization=acme)
    with django_assert_max_num_queries(13) as small:  # 13th: the worker backlog warning
        client.get(url())
    for _ in range(20):
        p = ProgramFactory(organization=acme)
        RegistrationFactory(program=p)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url())
    assert len(response.context["rows"]) == 23
