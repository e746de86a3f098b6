"""Questionnaire builder: built-in role questions, the pool, custom questions, import from
another program, ordering, editing that never corrupts answers, and the organization's skill
and goal lists that skill questions draw their options from."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max

from kindred.orgs.models import Organization, Skill, SkillKind
from kindred.programs.models import Program, Structure
from kindred.registration.models import (
    CHOICE_KINDS,
    ROLE_SECTION,
    Answer,
    Audience,
    Builtin,
    OptionSource,
    ParticipantRole,
    Question,
    QuestionKind,
    QuestionOption,
)
from kindred.registration.pool import DEFAULT_GOALS, DEFAULT_SKILLS, POOL_BY_KEY, PoolQuestion

DEFAULT_SECTION = "Participant profile"
ROLE_LABELS = {
    ParticipantRole.MENTOR: "Mentor",
    ParticipantRole.MENTEE: "Mentee",
    ParticipantRole.BOTH: "Both mentor & mentee",
}


def _next_position(program: Program, section: str = "") -> int:
    """Where a new question goes: at the end of its section when the section exists (so each
    section stays one step of the form), else at the end."""
    questions = Question.objects.filter(program=program)
    in_section = questions.filter(section=section).aggregate(top=Max("position"))["top"] if section else None
    if in_section is not None:
        later = questions.filter(position__gt=in_section)
        if later.exists():
            later.update(position=F("position") + 10)
        return in_section + 1
    top = questions.aggregate(top=Max("position"))["top"]
    return (top or 0) + 10


def questionnaire_ensure_builtins(*, program: Program) -> None:
    """Give the program the two built-in questions of the "Role selection" section (idempotent;
    a unique constraint makes two simultaneous first visits create them once)."""
    if Question.objects.filter(program=program).exclude(builtin="").count() == 2:
        return
    try:
        with transaction.atomic():
            _create_builtins(program)
    except IntegrityError:
        pass  # someone else created them at the same moment


def _create_builtins(program: Program) -> None:
    existing = set(
        Question.objects.filter(program=program).exclude(builtin="").values_list("builtin", flat=True)
    )
    if Builtin.ROLE not in existing:
        role = Question.objects.create(
            program=program,
            section=ROLE_SECTION,
            position=0,
            kind=QuestionKind.SINGLE,
            builtin=Builtin.ROLE,
            text="Will you participate as a mentor, mentee, or both?",
        )
        QuestionOption.objects.bulk_create(
            QuestionOption(question=role, label=label, value=value, position=i)
            for i, (value, label) in enumerate(ROLE_LABELS.items())
        )
    if Builtin.CAPACITY not in existing:
        group = program.structure == Structure.GROUP
        Question.objects.create(
            program=program,
            section=ROLE_SECTION,
            position=1,
            kind=QuestionKind.NUMBER,
            builtin=Builtin.CAPACITY,
            audience=Audience.MENTOR,
            min_value=1,
            max_value=12 if group else 5,
            text="How large a group can you mentor?"
            if group
            else "How many mentees do you have capacity to take on?",
            help_text="Mentees in your group." if group else "Most mentors take on one or two.",
        )


def _options_from_list(organization: Organization, source: str) -> list[Skill]:
    kind = SkillKind.SKILL if source == OptionSource.SKILLS else SkillKind.GOAL
    skills_ensure_defaults(organization=organization)
    return list(Skill.objects.filter(organization=organization, kind=kind, archived=False))


def _create_question(program: Program, *, position: int, **fields: object) -> Question:
    options: Sequence[str] = fields.pop("options", ())  # type: ignore[assignment]
    question = Question(program=program, position=position, **fields)
    _validate_question(question, options)
    question.save()
    if question.option_source != OptionSource.OWN:
        skills = _options_from_list(program.organization, question.option_source)
        QuestionOption.objects.bulk_create(
            QuestionOption(question=question, label=s.name, skill=s, position=i) for i, s in enumerate(skills)
        )
    elif question.kind in CHOICE_KINDS:
        QuestionOption.objects.bulk_create(
            QuestionOption(question=question, label=label, position=i) for i, label in enumerate(options)
        )
    return question


def _clean_options(options: Sequence[str]) -> list[str]:
    return [o.strip() for o in options if o.strip()]


def _validate_question(question: Question, options: Sequence[str]) -> None:
    errors: dict[str, str] = {}
    if not question.text.strip():
        errors["text"] = "Write the question."
    if question.kind in CHOICE_KINDS and question.option_source == OptionSource.OWN:
        cleaned = _clean_options(options)
        if len(cleaned) < 2:
            errors["options"] = "A choice question needs at least two options, one per line."
        elif len({o.lower() for o in cleaned}) != len(cleaned):
            errors["options"] = "Two options have the same text."
    if question.kind != QuestionKind.MULTIPLE:
        question.max_choices = None
    elif question.max_choices is not None and question.max_choices < 1:
        errors["max_choices"] = "Allow at least one choice, or leave it empty for no limit."
    if question.kind == QuestionKind.NUMBER:
        if (
            question.min_value is not None
            and question.max_value is not None
            and question.min_value > question.max_value
        ):
            errors["max_value"] = "The maximum must not be below the minimum."
    else:
        question.min_value = question.max_value = None
    if errors:
        raise ValidationError(errors)
    question.full_clean(exclude=["program", "linked"])


@transaction.atomic
def question_create(*, program: Program, options: Sequence[str] = (), **fields: object) -> Question:
    """Add a custom question at the end of the questionnaire."""
    fields.pop("builtin", None)
    section = str(fields.get("section") or "").strip() or DEFAULT_SECTION
    fields["section"] = section
    return _create_question(
        program, position=_next_position(program, section), options=_clean_options(options), **fields
    )


@transaction.atomic
def pool_add(*, program: Program, key: str) -> list[Question]:
    """Add a pool question, and its partner when the seed pairs it; returns the questions added."""
    entry = POOL_BY_KEY.get(key)
    if entry is None:
        raise ValidationError("That question is not in the pool.")
    entries = [entry] + ([POOL_BY_KEY[entry.pair]] if entry.pair else [])
    present = set(Question.objects.filter(program=program).values_list("pool_key", flat=True))
    added: dict[str, Question] = {}
    for e in entries:
        if e.key in present:
            continue
        position = _next_position(program, e.section)
        added[e.key] = _create_question(program, position=position, **_pool_fields(e))
    if not added and key in present:
        raise ValidationError("This question is already in the questionnaire.")
    _link_pairs(program)
    return list(added.values())


def _pool_fields(e: PoolQuestion) -> dict[str, object]:
    return dict(
        section=e.section,
        kind=e.kind,
        text=e.text,
        help_text=e.help_text,
        audience=e.audience,
        options=e.options,
        option_source=e.option_source,
        max_choices=e.max_choices,
        min_value=e.min_value,
        max_value=e.max_value,
        pool_key=e.key,
    )


def _link_pairs(program: Program) -> None:
    by_key = {q.pool_key: q for q in Question.objects.filter(program=program).exclude(pool_key="")}
    for key, question in by_key.items():
        partner = by_key.get(POOL_BY_KEY[key].pair) if key in POOL_BY_KEY else None
        if partner is not None and question.linked_id != partner.pk:
            question.linked = partner
            question.save(update_fields=["linked"])


def answer_counts(questions: Sequence[Question]) -> dict[int, int]:
    """How many registrations answered each question (for the builder's warnings)."""
    rows = (
        Answer.objects.filter(question__in=questions)
        .values("question_id")
        .annotate(n=Count("registration_id", distinct=True))
    )
    return {row["question_id"]: row["n"] for row in rows}


@dataclass(frozen=True)
class OptionEdit:
    id: int | None
    label: str


@transaction.atomic
def question_update(
    *, question: Question, options: Sequence[OptionEdit] | None = None, **fields: object
) -> Question:
    """Edit a question. Once it has answers its kind cannot change and answered options cannot be
    removed (rename them instead), so no answer ever points at something it did not mean."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    answered = Answer.objects.filter(question=question).exists()
    if "kind" in fields and fields["kind"] != question.kind and (answered or question.builtin):
        raise ValidationError(
            {"kind": "The type cannot change once people have answered (or on a built-in question)."}
        )
    if question.builtin:
        for locked in ("audience", "kind", "option_source"):
            fields.pop(locked, None)
    for name, value in fields.items():
        setattr(question, name, value)
    if question.builtin == Builtin.CAPACITY:
        # Capacity is a count of mentees: at least 1, and within what the database column holds.
        question.required = True
        question.min_value = max(question.min_value or 1, 1)
        question.max_value = min(question.max_value or 20, 50)
        if question.min_value > question.max_value:
            raise ValidationError({"max_value": "The maximum must not be below the minimum."})
    own_options = question.kind in CHOICE_KINDS and question.option_source == OptionSource.OWN
    labels = (
        [o.label for o in options]
        if options is not None
        else list(question.options.filter(archived=False).values_list("label", flat=True))
    )
    _validate_question(question, labels if own_options else [])
    question.save()
    if options is not None and own_options and not question.builtin:
        _apply_options(question, options)
    return question


def _apply_options(question: Question, options: Sequence[OptionEdit]) -> None:
    current = {o.pk: o for o in question.options.all()}
    kept_ids = {o.id for o in options if o.id is not None}
    unknown = kept_ids - set(current)
    if unknown:
        raise ValidationError({"options": "An option does not belong to this question."})
    removed = [o for pk, o in current.items() if pk not in kept_ids and not o.archived]
    used = set(Answer.objects.filter(option__in=removed).values_list("option_id", flat=True))
    if used:
        names = ", ".join(sorted(current[pk].label for pk in used))
        raise ValidationError({"options": f"People chose {names}: rename it rather than remove it."})
    QuestionOption.objects.filter(pk__in=[o.pk for o in removed]).delete()
    for position, edit in enumerate(options):
        label = edit.label.strip()
        if edit.id is None:
            QuestionOption.objects.create(question=question, label=label, position=position)
        else:
            option = current[edit.id]
            if (option.label, option.position, option.archived) != (label, position, False):
                option.label, option.position, option.archived = label, position, False
                option.save(update_fields=["label", "position", "archived"])


@transaction.atomic
def question_delete(*, question: Question, confirm_answers: bool = False) -> int:
    """Delete a question. Built-in questions cannot go. A question with answers goes only when the
    admin confirmed after being told how many answers go with it; returns that number."""
    if question.builtin:
        raise ValidationError("The role questions are built in: every program needs them.")
    n = Answer.objects.filter(question=question).values("registration_id").distinct().count()
    criteria = criteria_using(question)
    if (n or criteria) and not confirm_answers:
        raise ValidationError(
            f"{n} people answered this question"
            + (f" and {len(criteria)} pairing criteria use it" if criteria else "")
            + "; confirm to delete them too."
        )
    Answer.objects.filter(question=question).delete()
    Question.objects.filter(linked=question).update(linked=None)
    question.delete()
    return n


def criteria_using(question: Question) -> list[str]:
    """Names of the pairing criteria that compare this question (they go if it goes). Read through
    the reverse relations, as pairing sits above this app."""
    names = [*question.criteria_as_mentee.values_list("name", flat=True)]
    names += [*question.criteria_as_mentor.values_list("name", flat=True)]
    return sorted(set(names))


@transaction.atomic
def questions_reorder(*, program: Program, ordered_ids: Sequence[int]) -> None:
    """Put the program's questions in this order (built-in questions stay first)."""
    questions = {q.pk: q for q in Question.objects.select_for_update().filter(program=program)}
    if set(ordered_ids) != set(questions) or len(ordered_ids) != len(questions):
        raise ValidationError("The new order must list every question of the questionnaire exactly once.")
    builtins = [pk for pk in ordered_ids if questions[pk].builtin]
    rest = [pk for pk in ordered_ids if not questions[pk].builtin]
    for position, pk in enumerate(builtins + rest):
        if questions[pk].position != position * 10:
            questions[pk].position = position * 10
            questions[pk].save(update_fields=["position"])


@transaction.atomic
def question_move(*, question: Question, direction: str) -> None:
    """Move a question one place up or down (the keyboard alternative to drag and drop)."""
    ids = list(Question.objects.filter(program_id=question.program_id).values_list("pk", flat=True))
    i = ids.index(question.pk)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
    questions_reorder(program=question.program, ordered_ids=ids)


@transaction.atomic
def questionnaire_import(*, program: Program, source: Program) -> int:
    """Copy another program's questions and options into this one (an independent copy; the
    built-in role questions are not copied since every program has its own). Returns the count."""
    if source.organization_id != program.organization_id:
        raise ValidationError("You can only import from a program of your own organization.")
    if source.pk == program.pk:
        raise ValidationError("Choose another program to import from.")
    copies: dict[int, Question] = {}
    position = _next_position(program)
    for q in Question.objects.filter(program=source, builtin="").prefetch_related("options"):
        old_pk = q.pk
        options = list(q.options.filter(archived=False))
        q.pk, q.id, q.program, q.position = None, None, program, position  # linked_id remapped below
        q.save()
        copies[old_pk] = q
        QuestionOption.objects.bulk_create(
            QuestionOption(question=q, label=o.label, position=o.position, value=o.value, skill_id=o.skill_id)
            for o in options
        )
        position += 10
    for q in copies.values():
        if q.linked_id is not None:
            q.linked = copies.get(q.linked_id)
            q.save(update_fields=["linked"])
    return len(copies)


def questionnaire_is_editable(program: Program) -> bool:
    return not program.has_ended


# -- the organization's skill and goal lists ------------------------------------------------------


@transaction.atomic
def skills_ensure_defaults(*, organization: Organization) -> None:
    """Start an organization's lists with sensible skills and goals, the first time they are needed."""
    if Skill.objects.filter(organization=organization).exists():
        return
    Skill.objects.bulk_create(
        [
            Skill(organization=organization, kind=SkillKind.SKILL, name=n, position=i)
            for i, n in enumerate(DEFAULT_SKILLS)
        ]
        + [
            Skill(organization=organization, kind=SkillKind.GOAL, name=n, position=i)
            for i, n in enumerate(DEFAULT_GOALS)
        ]
    )


@transaction.atomic
def skill_add(*, organization: Organization, kind: str, name: str) -> Skill:
    """Add a skill or goal; every question that draws on that list offers it from now on."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give it a name."})
    if kind not in SkillKind.values:
        raise ValidationError({"kind": "Choose skill or goal."})
    if Skill.objects.filter(organization=organization, kind=kind, name__iexact=name).exists():
        raise ValidationError({"name": f"“{name}” is already on the list."})
    top = Skill.objects.filter(organization=organization, kind=kind).aggregate(top=Max("position"))["top"]
    skill = Skill.objects.create(organization=organization, kind=kind, name=name, position=(top or 0) + 1)
    source = OptionSource.SKILLS if kind == SkillKind.SKILL else OptionSource.GOALS
    questions = Question.objects.filter(program__organization=organization, option_source=source)
    QuestionOption.objects.bulk_create(
        QuestionOption(question=q, label=name, skill=skill, position=skill.position) for q in questions
    )
    return skill


@transaction.atomic
def skill_rename(*, skill: Skill, name: str) -> Skill:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give it a name."})
    clash = Skill.objects.filter(organization_id=skill.organization_id, kind=skill.kind, name__iexact=name)
    if clash.exclude(pk=skill.pk).exists():
        raise ValidationError({"name": f"“{name}” is already on the list."})
    skill.name = name
    skill.save(update_fields=["name"])
    QuestionOption.objects.filter(skill=skill).update(label=name)
    return skill


@transaction.atomic
def skill_archive(*, skill: Skill, archived: bool = True) -> Skill:
    """Retire (or restore) a skill: hidden from new answers, kept in old answers and reports."""
    skill.archived = archived
    skill.save(update_fields=["archived"])
    QuestionOption.objects.filter(skill=skill).update(archived=archived)
    return skill
