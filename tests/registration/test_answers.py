import pytest

from kindred.registration.answers import field_name, validate_answers
from tests.registration.helpers import questionnaire, raw_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def qs(program):  # type: ignore[no-untyped-def]
    return questionnaire(program)


def check(qs, raw):  # type: ignore[no-untyped-def]
    return validate_answers(list(qs.values()), raw)


def test_a_complete_mentee_answer_is_clean(qs):
    clean, errors = check(qs, raw_for(qs))
    assert errors == {}
    assert clean.role == "mentee"
    assert clean.options[qs["seniority"].pk] == [list(qs["seniority"].options.all())[1].pk]
    assert clean.numbers[qs["years_career"].pk] == 3
    assert clean.texts[qs["time_zone"].pk] == "Europe/Paris"


def test_mentor_questions_are_not_asked_of_mentees(qs):
    clean, errors = check(qs, raw_for(qs))
    assert qs["strengths"].pk not in clean.options and errors == {}


def test_mentor_capacity_is_read(qs):
    clean, errors = check(qs, raw_for(qs, role="mentor"))
    assert errors == {} and clean.capacity == 2


def test_both_answers_everything(qs):
    clean, errors = check(qs, raw_for(qs, role="both"))
    assert errors == {}
    assert qs["strengths"].pk in clean.options and qs["skills_to_grow"].pk in clean.options


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("seniority", "999999", "Choose from the options given."),
        ("seniority", "abc", "Choose from the options given."),
        ("years_career", "sixty", "Enter a number."),
        ("years_career", "61", "Enter 60 or less."),
        ("years_career", "-1", "Enter 0 or more."),
        ("years_career", "nan", "Enter a number."),
        ("time_zone", "Mars/Olympus", "Choose a time zone from the list."),
        ("hope", "x" * 201, "Keep it under 200 characters (this is 201)."),
        ("hope", "   ", "This question needs an answer."),
    ],
)
def test_bad_answers_are_named(qs, key, value, message):
    _, errors = check(qs, raw_for(qs, **{key: value}))
    assert errors == {field_name(qs[key]): message}


def test_max_choices_is_enforced(qs):
    six = [str(o.pk) for o in list(qs["skills_to_grow"].options.all())[:6]]
    _, errors = check(qs, raw_for(qs, skills_to_grow=six))
    assert errors == {field_name(qs["skills_to_grow"]): "Choose at most 5."}


def test_single_choice_takes_one(qs):
    two = [str(o.pk) for o in list(qs["seniority"].options.all())[:2]]
    _, errors = check(qs, raw_for(qs, seniority=two))
    assert errors == {field_name(qs["seniority"]): "Choose one option."}


def test_an_option_of_another_question_is_refused(qs):
    other = str(qs["strengths"].options.first().pk)
    _, errors = check(qs, raw_for(qs, skills_to_grow=[other]))
    assert field_name(qs["skills_to_grow"]) in errors


def test_archived_options_cannot_be_chosen(qs):
    option = qs["seniority"].options.first()
    option.archived = True
    option.save()
    _, errors = check(qs, raw_for(qs, seniority=str(option.pk)))
    assert field_name(qs["seniority"]) in errors


def test_role_is_required_first(qs):
    _, errors = check(qs, {})
    assert list(errors) == [field_name(qs["role"])]


def test_capacity_must_be_whole_and_in_range(qs):
    _, errors = check(qs, raw_for(qs, role="mentor", capacity="1.5"))
    assert errors == {field_name(qs["capacity"]): "Enter a whole number."}
    _, errors = check(qs, raw_for(qs, role="mentor", capacity="0"))
    assert errors == {field_name(qs["capacity"]): "Enter 1 or more."}
