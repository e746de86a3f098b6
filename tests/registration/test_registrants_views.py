import pytest

from kindred.registration.answers import validate_answers
from kindred.registration.services import answers_write, questions_of
from tests.factories import RegistrationFactory, UserFactory
from tests.registration.helpers import questionnaire, raw_for

pytestmark = pytest.mark.django_db
URL = "/o/acme/programs/hand-up/registrants/"


def register(program, qs, role="mentee", **user):  # type: ignore[no-untyped-def]
    registration = RegistrationFactory(program=program, role=role, user=UserFactory(**user))
    clean, errors = validate_answers(list(questions_of(program)), raw_for(qs, role=role))
    assert not errors
    answers_write(registration, clean)
    return registration


@pytest.fixture
def qs(program):  # type: ignore[no-untyped-def]
    return questionnaire(program)


def test_list_filters_and_search(client_for, alice, program, qs):
    dana = register(program, qs, "mentor", name="Dana Mentor")
    erin = register(program, qs, "mentee", name="Erin Mentee")
    RegistrationFactory(program=program, status="withdrawn")
    client = client_for(alice)
    rows = lambda r: {x.pk for x in r.context["page"].object_list}  # noqa: E731
    assert rows(client.get(URL + "?role=mentor")) == {dana.pk}
    assert rows(client.get(URL + "?q=erin")) == {erin.pk}
    assert len(rows(client.get(URL + "?status=withdrawn"))) == 1
    skill = qs["skills_to_grow"].options.first()
    assert rows(client.get(URL + f"?option={skill.pk}")) == {erin.pk}


def test_profile_page_shows_answers(client_for, alice, program, qs):
    registration = register(program, qs, name="Erin Mentee")
    response = client_for(alice).get(f"{URL}{registration.pk}/")
    content = response.content.decode()
    assert "Erin Mentee" in content and "Associate" in content and "Learn to lead" in content


def test_another_programs_registrant_is_404(client_for, alice, program, qs):
    other = RegistrationFactory()
    assert client_for(alice).get(f"{URL}{other.pk}/").status_code == 404


def test_member_forbidden_outsider_404(client_for, bob, charlie, program):
    assert client_for(bob).get(URL).status_code == 403
    assert client_for(charlie).get(URL).status_code == 404


def test_queries_do_not_grow_with_registrants(client_for, alice, program, qs, django_assert_max_num_queries):
    client = client_for(alice)
    register(program, qs)
    with django_assert_max_num_queries(30) as few:
        client.get(URL)
    for _ in range(30):
        register(program, qs)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert response.context["page"].paginator.count == 31


def test_profile_shows_only_the_chosen_single_option(client_for, alice, program, qs):
    registration = register(program, qs, name="Erin Mentee")
    seniority = list(qs["seniority"].options.all())
    content = client_for(alice).get(f"{URL}{registration.pk}/").content.decode()
    assert f'<span class="chip">{seniority[1].label}</span>' in content
    assert f'<span class="chip">{seniority[0].label}</span>' not in content
