import pytest

from kindred.registration.models import Answer, Question
from tests.factories import ProgramFactory
from tests.registration.helpers import questionnaire

pytestmark = pytest.mark.django_db
BASE = "/o/acme/programs/hand-up/questionnaire/"


def test_admin_sees_builder_with_role_section_and_pool(client_for, alice, program):
    response = client_for(alice).get(BASE)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Will you participate as a mentor, mentee, or both?" in content
    assert "How many mentees do you have capacity to take on?" in content
    assert "Browse the question pool" in content and "What level of seniority do you hold?" in content


def test_member_forbidden_outsider_404(client_for, bob, charlie, program):
    assert client_for(bob).get(BASE).status_code == 403
    assert client_for(charlie).get(BASE).status_code == 404
    assert client_for(bob).post(BASE + "pool/", {"key": "seniority"}).status_code == 403
    assert client_for(charlie).post(BASE + "pool/", {"key": "seniority"}).status_code == 404
    assert not Question.objects.filter(pool_key="seniority").exists()


def test_pool_add_then_checklist_step_is_done(client_for, alice, program):
    client = client_for(alice)
    client.post(BASE + "pool/", {"key": "goals"})
    assert set(
        Question.objects.filter(program=program).exclude(pool_key="").values_list("pool_key", flat=True)
    ) == {"goals", "goals_achieved"}
    detail = client.get("/o/acme/programs/hand-up/").content.decode()
    assert "7 steps left" in detail


def test_create_custom_question_with_ordered_options(client_for, alice, program):
    response = client_for(alice).post(
        BASE + "new/",
        {
            "section": "About you",
            "text": "Which office?",
            "help_text": "",
            "kind": "single",
            "audience": "both",
            "required": "on",
            "option_id": ["", "", "", ""],
            "option_label": ["Oslo", "Lima", "", "Pune"],
        },
    )
    assert response.status_code == 302
    q = Question.objects.get(text="Which office?")
    assert [o.label for o in q.options.all()] == ["Oslo", "Lima", "Pune"]


def test_create_shows_field_errors(client_for, alice, program):
    response = client_for(alice).post(
        BASE + "new/",
        {
            "section": "About you",
            "text": "",
            "kind": "single",
            "audience": "both",
            "option_id": [""],
            "option_label": ["Only"],
        },
    )
    assert response.status_code == 400
    assert "text" in response.context["form"].errors
    assert not Question.objects.filter(program=program, builtin="").exists()


def test_edit_warns_when_answered_and_refuses_removing_answered_option(client_for, alice, program):
    from tests.registration.test_questionnaire_services import answered  # noqa: F401

    qs = questionnaire(program)
    from kindred.registration.answers import validate_answers
    from kindred.registration.services import answers_write, questions_of
    from tests.factories import RegistrationFactory
    from tests.registration.helpers import raw_for

    clean, _ = validate_answers(list(questions_of(program)), raw_for(qs))
    answers_write(RegistrationFactory(program=program), clean)
    seniority = qs["seniority"]
    options = list(seniority.options.all())
    client = client_for(alice)
    page = client.get(f"{BASE}{seniority.pk}/")
    assert "1 person has answered this question" in page.content.decode()
    response = client.post(
        f"{BASE}{seniority.pk}/",
        {
            "section": seniority.section,
            "text": seniority.text,
            "help_text": "",
            "kind": "single",
            "audience": "both",
            "required": "on",
            "option_id": [str(o.pk) for o in options if o.label != "Associate"],
            "option_label": [o.label for o in options if o.label != "Associate"],
        },
    )
    assert response.status_code == 400
    assert "rename it rather than remove it" in response.content.decode()
    assert Answer.objects.filter(option__label="Associate").exists()


def test_delete_asks_then_deletes(client_for, alice, program):
    questionnaire(program)
    q = Question.objects.get(program=program, pool_key="seniority")
    client = client_for(alice)
    assert b"Delete this question?" in client.get(f"{BASE}{q.pk}/delete/").content
    client.post(f"{BASE}{q.pk}/delete/")
    assert not Question.objects.filter(pk=q.pk).exists()


def test_builtin_cannot_be_deleted(client_for, alice, program):
    questionnaire(program)
    role = Question.objects.get(program=program, builtin="role")
    response = client_for(alice).post(f"{BASE}{role.pk}/delete/", follow=True)
    assert "built in" in response.content.decode()
    assert Question.objects.filter(pk=role.pk).exists()


def test_another_programs_question_is_404(client_for, alice, acme, program):
    other = ProgramFactory(organization=acme)
    questionnaire(other)
    q = Question.objects.filter(program=other, builtin="").first()
    assert client_for(alice).get(f"{BASE}{q.pk}/").status_code == 404


def test_move_and_drag_reorder(client_for, alice, program):
    questionnaire(program)
    client = client_for(alice)
    ids = list(Question.objects.filter(program=program).values_list("pk", flat=True))
    seniority = Question.objects.get(program=program, pool_key="seniority")
    client.post(f"{BASE}{seniority.pk}/move/", {"direction": "down"})
    after = list(Question.objects.filter(program=program).values_list("pk", flat=True))
    assert after.index(seniority.pk) == ids.index(seniority.pk) + 1
    response = client.post(BASE + "reorder/", {"order": list(reversed(after))})
    assert response.status_code == 200
    bad = client.post(BASE + "reorder/", {"order": ["x"]})
    assert bad.status_code == 400 and bad.json()["detail"]


def test_import_from_another_program(client_for, alice, acme, program):
    source = ProgramFactory(organization=acme, name="Last year")
    questionnaire(source)
    response = client_for(alice).post(BASE + "import/", {"source": source.pk}, follow=True)
    assert "Copied 6 questions from Last year" in response.content.decode()
    assert Question.objects.filter(program=program, builtin="").count() == 6


def test_import_from_another_organization_is_refused(client_for, alice, globex, program):
    foreign = ProgramFactory(organization=globex)
    questionnaire(foreign)
    client_for(alice).post(BASE + "import/", {"source": foreign.pk})
    assert not Question.objects.filter(program=program, builtin="").exists()


def test_preview_shows_every_step(client_for, alice, program):
    questionnaire(program)
    response = client_for(alice).get(BASE + "preview/")
    content = response.content.decode()
    assert response.status_code == 200 and "This is exactly what participants see" in content
    assert "Step 1 of 4: Role selection" in content and "Step 3 of 4: Skills and goals" in content


def test_builder_queries_do_not_grow_with_questions(
    client_for, alice, program, django_assert_max_num_queries
):
    client = client_for(alice)
    questionnaire(program)
    with django_assert_max_num_queries(40) as few:
        client.get(BASE)
    from kindred.registration.questionnaire import pool_add

    for key in ("current_role", "locations", "discipline", "disciplines_interested", "goals"):
        pool_add(program=program, key=key)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(BASE)
