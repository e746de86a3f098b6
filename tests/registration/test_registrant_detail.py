"""The registrant page: only the questions asked of the registrant's role, a draft's role read from
the draft, and when a withdrawn registrant left. Also the layout of the registration admin pages
around it (the registrants toolbar, the questionnaire's question cards), checked in Chromium."""

import datetime as dt

import pytest

from kindred.registration.answers import field_name, validate_answers
from kindred.registration.selectors import registrant_answers
from kindred.registration.services import answers_write, questions_of
from tests.factories import RegistrationFactory, UserFactory
from tests.registration.helpers import questionnaire, raw_for

pytestmark = pytest.mark.django_db
URL = "/o/acme/programs/hand-up/registrants/"


@pytest.fixture
def qs(program):  # type: ignore[no-untyped-def]
    return questionnaire(program)


def register(program, qs, role, **user):  # type: ignore[no-untyped-def]
    registration = RegistrationFactory(program=program, role=role, user=UserFactory(**user))
    clean, errors = validate_answers(list(questions_of(program)), raw_for(qs, role=role))
    assert not errors
    answers_write(registration, clean)
    return registration


def detail(client, registration):  # type: ignore[no-untyped-def]
    response = client.get(f"{URL}{registration.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_mentee_is_shown_only_the_questions_asked_of_mentees(client_for, alice, program, qs):
    content = detail(client_for(alice), register(program, qs, "mentee"))
    assert qs["skills_to_grow"].text in content and qs["hope"].text in content
    assert qs["strengths"].text not in content
    assert qs["capacity"].text not in content


def test_a_mentor_is_shown_only_the_questions_asked_of_mentors(client_for, alice, program, qs):
    content = detail(client_for(alice), register(program, qs, "mentor"))
    assert qs["strengths"].text in content and qs["capacity"].text in content
    assert qs["skills_to_grow"].text not in content and qs["hope"].text not in content


def test_both_roles_are_shown_every_question(client_for, alice, program, qs):
    content = detail(client_for(alice), register(program, qs, "both"))
    for key in ("strengths", "capacity", "skills_to_grow", "hope", "seniority"):
        assert qs[key].text in content


def test_a_drafts_role_comes_from_the_draft_and_is_labelled_not_submitted(client_for, alice, program, qs):
    draft = RegistrationFactory(program=program, role="", status="draft", draft=raw_for(qs, role="both"))
    content = detail(client_for(alice), draft)
    assert "Not chosen yet" not in content
    assert "Role (draft)" in content and "Both mentor and mentee" in content and "Not submitted" in content
    assert qs["strengths"].text in content and qs["hope"].text in content


def test_a_draft_without_a_role_shows_the_questions_asked_of_everyone(client_for, alice, program, qs):
    seniority = qs["seniority"].options.first()
    draft = RegistrationFactory(
        program=program, role="", status="draft", draft={field_name(qs["seniority"]): str(seniority.pk)}
    )
    content = detail(client_for(alice), draft)
    assert "Not chosen yet" in content
    assert qs["seniority"].text in content
    assert qs["strengths"].text not in content and qs["hope"].text not in content


def test_registrant_answers_reads_the_role_where_the_answers_come_from(program, qs):
    questions = list(questions_of(program))
    submitted = register(program, qs, "mentor")
    assert registrant_answers(submitted, questions).role == "mentor"
    assert not registrant_answers(submitted, questions).from_draft
    draft = RegistrationFactory(program=program, role="", status="draft", draft=raw_for(qs, role="mentee"))
    answers = registrant_answers(draft, questions)
    assert answers.from_draft and answers.role == "mentee" and answers.role_label == "Mentee"


def test_a_withdrawn_registrant_shows_when_and_an_ended_badge(client_for, alice, program, qs):
    registration = register(program, qs, "mentee")
    registration.status = "withdrawn"
    registration.withdrawn_at = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    registration.save()
    content = detail(client_for(alice), registration)
    assert "Withdrawn on Nov 20, 2026" in content
    assert '<span class="badge archived">Withdrawn' in content
    assert '<span class="badge pending">' not in content


def test_member_forbidden_outsider_404(client_for, bob, charlie, program, qs):
    registration = register(program, qs, "mentee")
    assert client_for(bob).get(f"{URL}{registration.pk}/").status_code == 403
    assert client_for(charlie).get(f"{URL}{registration.pk}/").status_code == 404


# -- the questionnaire builder's question cards ------------------------------------------------------


def test_answered_by_has_no_stray_separator(client_for, alice, program, qs):
    register(program, qs, "mentee")
    content = client_for(alice).get("/o/acme/programs/hand-up/questionnaire/").content.decode()
    assert "Answered by 1" in content  # e.g. seniority: chips, then the count on its own line
    assert "From 0 to 60 · answered by 1" in content  # the number's range, then the count
    assert "> · answered by" not in content and "</div> · answered" not in content
