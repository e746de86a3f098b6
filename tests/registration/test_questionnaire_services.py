import pytest
from django.core.exceptions import ValidationError

from kindred.orgs.models import Skill
from kindred.registration import questionnaire as qs
from kindred.registration.answers import validate_answers
from kindred.registration.models import Answer, Question, QuestionOption
from kindred.registration.pool import POOL
from kindred.registration.services import answers_write, questions_of
from tests.factories import ProgramFactory, RegistrationFactory
from tests.registration.helpers import questionnaire, raw_for

pytestmark = pytest.mark.django_db


def test_every_program_gets_the_two_role_questions_once(program):
    qs.questionnaire_ensure_builtins(program=program)
    qs.questionnaire_ensure_builtins(program=program)
    builtins = list(Question.objects.filter(program=program).exclude(builtin="").order_by("position"))
    assert [q.builtin for q in builtins] == ["role", "capacity"]
    assert [o.value for o in builtins[0].options.all()] == ["mentor", "mentee", "both"]
    assert builtins[1].audience == "mentor" and builtins[1].min_value == 1


def test_group_programs_ask_for_a_group_size(acme):
    group = ProgramFactory(organization=acme, structure="group")
    qs.questionnaire_ensure_builtins(program=group)
    assert "group" in Question.objects.get(program=group, builtin="capacity").text


def test_the_pool_covers_the_seed_questionnaire():
    keys = {p.key for p in POOL}
    assert {
        "seniority",
        "current_role",
        "other_roles",
        "preferred_mentor_role",
        "locations",
        "years_career",
        "years_role",
        "discipline",
        "disciplines_interested",
        "disciplines_experienced",
        "skills_to_grow",
        "strengths",
        "goals",
        "goals_achieved",
        "experiences_hoped",
        "topics_can_help",
    } <= keys
    seniority = next(p for p in POOL if p.key == "seniority")
    assert seniority.options == ["Co-Op", "Associate", "Intermediate", "Senior", "Director", "VP/Executive"]
    for p in POOL:
        if p.pair:
            assert next(x for x in POOL if x.key == p.pair).pair == p.key


def test_adding_a_paired_pool_question_adds_and_links_both(program):
    added = qs.pool_add(program=program, key="skills_to_grow")
    grow, strengths = sorted(added, key=lambda q: q.pool_key != "skills_to_grow")
    grow.refresh_from_db()
    strengths.refresh_from_db()
    assert (grow.linked, strengths.linked) == (strengths, grow)
    assert (grow.audience, strengths.audience) == ("mentee", "mentor")
    assert (
        grow.options.count()
        == Skill.objects.filter(organization=program.organization, kind="skill").count()
        > 10
    )
    with pytest.raises(ValidationError):
        qs.pool_add(program=program, key="strengths")


def test_unknown_pool_key(program):
    with pytest.raises(ValidationError):
        qs.pool_add(program=program, key="favourite_colour")


def test_custom_question_validation(program):
    with pytest.raises(ValidationError) as exc:
        qs.question_create(program=program, kind="single", text="Pick", options=["Only one"])
    assert "options" in exc.value.message_dict
    with pytest.raises(ValidationError):
        qs.question_create(program=program, kind="single", text="Pick", options=["A", "a"])
    with pytest.raises(ValidationError) as exc:
        qs.question_create(program=program, kind="number", text="N", min_value=5, max_value=1)
    assert "max_value" in exc.value.message_dict
    with pytest.raises(ValidationError):
        qs.question_create(program=program, kind="short_text", text="  ")
    assert not Question.objects.filter(program=program, builtin="").exists()


def test_options_keep_their_order(program):
    q = qs.question_create(program=program, kind="single", text="Level", options=["Low", "Mid", "High"])
    assert [o.label for o in q.options.all()] == ["Low", "Mid", "High"]


@pytest.fixture
def answered(program, acme):  # type: ignore[no-untyped-def]
    questions = questionnaire(program)
    registration = RegistrationFactory(program=program)
    clean, errors = validate_answers(list(questions_of(program)), raw_for(questions))
    assert not errors
    answers_write(registration, clean)
    return questions


def test_renaming_an_answered_option_keeps_the_answer(answered):
    seniority = answered["seniority"]
    options = list(seniority.options.all())
    edits = [qs.OptionEdit(o.pk, o.label + " level" if i == 1 else o.label) for i, o in enumerate(options)]
    qs.question_update(question=seniority, options=edits)
    answer = Answer.objects.get(question=seniority)
    assert answer.option.label == "Associate level"


def test_removing_an_answered_option_is_refused(answered):
    seniority = answered["seniority"]
    options = list(seniority.options.all())
    edits = [qs.OptionEdit(o.pk, o.label) for i, o in enumerate(options) if i != 1]
    with pytest.raises(ValidationError) as exc:
        qs.question_update(question=seniority, options=edits)
    assert "Associate" in str(exc.value)
    assert QuestionOption.objects.filter(question=seniority).count() == 6


def test_removing_an_unanswered_option_and_reordering(answered):
    seniority = answered["seniority"]
    options = list(seniority.options.all())
    edits = [qs.OptionEdit(o.pk, o.label) for o in reversed(options) if o.label != "Co-Op"]
    edits.append(qs.OptionEdit(None, "Principal"))
    qs.question_update(question=seniority, options=edits)
    labels = list(QuestionOption.objects.filter(question=seniority).values_list("label", flat=True))
    assert labels == ["VP/Executive", "Director", "Senior", "Intermediate", "Associate", "Principal"]


def test_kind_cannot_change_once_answered(answered):
    with pytest.raises(ValidationError):
        qs.question_update(question=answered["seniority"], kind="multiple")


def test_options_of_another_question_cannot_be_smuggled_in(answered):
    foreign = answered["strengths"].options.first()
    with pytest.raises(ValidationError):
        qs.question_update(
            question=answered["seniority"], options=[qs.OptionEdit(foreign.pk, "x"), qs.OptionEdit(None, "y")]
        )


def test_delete_needs_confirmation_when_answered(answered):
    seniority = answered["seniority"]
    with pytest.raises(ValidationError) as exc:
        qs.question_delete(question=seniority)
    assert "1 people answered" in exc.value.messages[0]
    assert qs.question_delete(question=seniority, confirm_answers=True) == 1
    assert not Question.objects.filter(pk=seniority.pk).exists()


def test_builtins_cannot_be_deleted(answered):
    with pytest.raises(ValidationError):
        qs.question_delete(question=answered["role"])


def test_reorder_keeps_builtins_first(answered, program):
    ids = list(Question.objects.filter(program=program).values_list("pk", flat=True))
    qs.questions_reorder(program=program, ordered_ids=list(reversed(ids)))
    order = list(
        Question.objects.filter(program=program).order_by("position").values_list("builtin", flat=True)
    )
    assert order[:2] in (["capacity", "role"], ["role", "capacity"])
    with pytest.raises(ValidationError):
        qs.questions_reorder(program=program, ordered_ids=ids[:-1])


def test_move_up_and_down(answered, program):
    seniority = answered["seniority"]
    before = list(Question.objects.filter(program=program).values_list("pk", flat=True))
    qs.question_move(question=seniority, direction="down")
    after = list(Question.objects.filter(program=program).values_list("pk", flat=True))
    i = before.index(seniority.pk)
    assert after[i + 1] == seniority.pk


def test_import_copies_independently(answered, program, acme):
    target = ProgramFactory(organization=acme)
    n = qs.questionnaire_import(program=target, source=program)
    assert n == Question.objects.filter(program=program, builtin="").count()
    copy = Question.objects.get(program=target, pool_key="skills_to_grow")
    assert copy.linked.program == target and copy.linked.pool_key == "strengths"
    QuestionOption.objects.filter(question=copy).update(label="changed")
    assert not QuestionOption.objects.filter(question__program=program, label="changed").exists()


def test_import_refuses_another_organization(program, globex):
    with pytest.raises(ValidationError):
        qs.questionnaire_import(program=ProgramFactory(organization=globex), source=program)


def test_skill_lists_feed_skill_questions(answered, acme):
    skill = qs.skill_add(organization=acme, kind="skill", name="Negotiating salaries")
    assert QuestionOption.objects.filter(skill=skill).count() == 2  # skills to grow and strengths
    qs.skill_rename(skill=skill, name="Salary negotiation")
    assert set(QuestionOption.objects.filter(skill=skill).values_list("label", flat=True)) == {
        "Salary negotiation"
    }
    qs.skill_archive(skill=skill)
    assert all(QuestionOption.objects.filter(skill=skill).values_list("archived", flat=True))
    with pytest.raises(ValidationError):
        qs.skill_add(organization=acme, kind="skill", name="salary NEGOTIATION")


def test_answers_are_labelled_for_others_unless_the_pool_question_was_reworded(program):
    from kindred.registration.questionnaire import question_update

    qs = questionnaire(program)
    assert qs["seniority"].label_for_others == "Seniority"
    reworded = question_update(question=qs["seniority"], text="Which office do you sit in?")
    assert reworded.label_for_others == "Which office do you sit in?"
    assert qs["hope"].label_for_others == "What do you hope for?"  # custom: the admin's words
