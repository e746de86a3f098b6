"""Validation of questionnaire answers, shared by the registration form and the CSV import.

Raw answers are what a form posts: a mapping from `q<question id>` to a string (or a list of
strings for multiple choice). `validate_answers` returns clean values or the errors by field;
it never writes."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kindred.lib.timezones import is_valid_time_zone
from kindred.registration.models import Builtin, ParticipantRole, Question, QuestionKind

TEXT_LIMITS = {QuestionKind.SHORT_TEXT: 200, QuestionKind.LONG_TEXT: 5000}


def field_name(question: Question) -> str:
    return f"q{question.pk}"


@dataclass
class CleanAnswers:
    role: str = ""
    capacity: int = 1
    # question id -> list of option ids, a number, or a text
    options: dict[int, list[int]] = field(default_factory=dict)
    numbers: dict[int, float] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)


def _values(raw: Mapping[str, object], name: str) -> list[str]:
    value = raw.get(name)
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    return [text] if text else []


def role_of(questions: Sequence[Question], raw: Mapping[str, object]) -> str:
    """The role a participant picked (by option value), or "" when none or unknown. Without a role
    question (peer-to-peer programs) everyone takes part both ways."""
    if not any(q.builtin == Builtin.ROLE for q in questions):
        return ParticipantRole.BOTH
    for q in questions:
        if q.builtin == Builtin.ROLE:
            chosen = _values(raw, field_name(q))
            options = {str(o.pk): o.value for o in q.options.all()}
            return options.get(chosen[0], "") if len(chosen) == 1 else ""
    return ""


def validate_answers(
    questions: Sequence[Question], raw: Mapping[str, object]
) -> tuple[CleanAnswers, dict[str, str]]:
    """Check every answer a participant must give (by the role they chose). Questions must come
    with their options prefetched."""
    clean, errors = CleanAnswers(), {}
    role_question = next((q for q in questions if q.builtin == Builtin.ROLE), None)
    clean.role = role_of(questions, raw)
    if role_question is not None and not clean.role:
        errors[field_name(role_question)] = "Choose whether you join as a mentor, a mentee, or both."
        return clean, errors
    for q in questions:
        if q.builtin == Builtin.ROLE or not q.asked_of(clean.role or ParticipantRole.BOTH):
            continue
        name = field_name(q)
        values = _values(raw, name)
        if not values:
            if q.required:
                errors[name] = "This question needs an answer."
            continue
        error = _check(q, values, clean)
        if error:
            errors[name] = error
    if clean.role in (ParticipantRole.MENTOR, ParticipantRole.BOTH):
        capacity_q = next((q for q in questions if q.builtin == Builtin.CAPACITY), None)
        if capacity_q is not None and capacity_q.pk in clean.numbers:
            clean.capacity = int(clean.numbers[capacity_q.pk])
    return clean, errors


def _check(q: Question, values: list[str], clean: CleanAnswers) -> str:
    if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        allowed = {str(o.pk): o.pk for o in q.options.all() if not o.archived}
        if len(set(values)) != len(values):
            return "An option is chosen twice."
        if any(v not in allowed for v in values):
            return "Choose from the options given."
        if q.kind == QuestionKind.SINGLE and len(values) > 1:
            return "Choose one option."
        if q.max_choices and len(values) > q.max_choices:
            return f"Choose at most {q.max_choices}."
        clean.options[q.pk] = [allowed[v] for v in values]
        return ""
    value = values[0]
    if len(values) > 1:
        return "Give one answer."
    if q.kind in (QuestionKind.NUMBER, QuestionKind.SCALE):
        try:
            number = float(value)
        except ValueError:
            return "Enter a number."
        if not math.isfinite(number):
            return "Enter a number."
        low, high = (1, 5) if q.kind == QuestionKind.SCALE else (q.min_value, q.max_value)
        whole_only = q.kind == QuestionKind.SCALE or q.builtin == Builtin.CAPACITY
        if whole_only and number != int(number):
            return "Enter a whole number."
        if low is not None and number < low:
            return f"Enter {low} or more."
        if high is not None and number > high:
            return f"Enter {high} or less."
        clean.numbers[q.pk] = number
        return ""
    if q.kind == QuestionKind.TIMEZONE:
        if not is_valid_time_zone(value):
            return "Choose a time zone from the list."
        clean.texts[q.pk] = value
        return ""
    limit = TEXT_LIMITS.get(QuestionKind(q.kind), 200)
    if len(value) > limit:
        return f"Keep it under {limit} characters (this is {len(value)})."
    clean.texts[q.pk] = value
    return ""
