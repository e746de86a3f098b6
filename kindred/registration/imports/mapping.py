"""Mapping the file's columns to questions and profile fields: a first guess from the headers,
and the checks of the admin's choice."""

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from kindred.registration.answers import field_name
from kindred.registration.models import Builtin, Question

PROFILE_TARGETS = {
    "email": "Email",
    "name": "Name",
    "job_title": "Job title",
    "department": "Department",
    "manager_email": "Manager's email",
}
PROFILE_FIELDS = ("name", "job_title", "department", "manager_email")
_SYNONYMS = {
    "email": {"email", "e mail", "email address", "e mail address", "work email", "mail"},
    "name": {"name", "full name", "participant", "participant name", "person"},
    "job_title": {"job title", "title", "position", "job"},
    "department": {"department", "dept", "team", "division"},
    "manager_email": {
        "manager",
        "manager email",
        "manager s email",
        "line manager",
        "reports to",
        "supervisor",
    },
}
# fmt: off
_STOP_WORDS = {"a", "an", "and", "are", "do", "for", "how", "in", "is", "many", "of", "or", "the", "to",
               "what", "which", "you", "your"}
# fmt: on


def column_name(index: int) -> str:
    """A spreadsheet's column letter: 0 → A, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def header_label(headers: Sequence[str], index: int) -> str:
    return headers[index] or f"Column {column_name(index)}"


# -- mapping columns to questions -------------------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


def target_choices(questions: Sequence[Question]) -> list[tuple[str, str]]:
    return [("", "Ignore this column"), *PROFILE_TARGETS.items()] + [
        (field_name(q), q.text) for q in questions
    ]


def _question_keys(q: Question) -> set[str]:
    keys = {_norm(q.text)}
    if q.pool_key:
        keys.add(_norm(q.pool_key.replace("_", " ")))
    if q.builtin:
        keys.add(q.builtin)
    if q.builtin == Builtin.CAPACITY:
        keys.add("mentee capacity")
    return keys


def _guess(header: str, questions: Sequence[Question], used: set[str]) -> str:
    if not header:
        return ""
    for target, names in _SYNONYMS.items():
        if header in names and target not in used:
            return target
    free = [q for q in questions if field_name(q) not in used]
    for q in free:
        if header in _question_keys(q):
            return field_name(q)
    scored = [(SequenceMatcher(None, header, _norm(q.text)).ratio(), q) for q in free]
    best = max(scored, key=lambda s: s[0], default=None)
    if best is not None and best[0] >= 0.8:
        return field_name(best[1])
    # Else the one question whose text holds every word of the header ("Years in career").
    words = set(header.split()) - _STOP_WORDS
    containing = [q for q in free if words and words <= set(" ".join(_question_keys(q)).split())]
    return field_name(containing[0]) if len(containing) == 1 else ""


def guess_mapping(headers: Sequence[str], questions: Sequence[Question]) -> list[str]:
    """A first mapping from header text: email and profile columns by their usual names,
    questions by their text, pool key or a word only one question uses."""
    used: set[str] = set()
    mapping = []
    for header in headers:
        target = _guess(_norm(header), questions, used)
        if target:
            used.add(target)
        mapping.append(target)
    return mapping


def mapping_errors(
    mapping: Sequence[str], headers: Sequence[str], questions: Sequence[Question]
) -> list[str]:
    known = {value for value, _ in target_choices(questions)}
    errors = []
    if len(mapping) != len(headers):
        return ["The columns changed; map them again."]
    if "email" not in mapping:
        errors.append("Choose the column that holds email addresses: people are matched by email.")
    labels = dict(target_choices(questions))
    seen: dict[str, int] = {}
    for i, target in enumerate(mapping):
        if not target:
            continue
        if target not in known:
            errors.append(f"{header_label(headers, i)}: its question no longer exists; choose again.")
        elif target in seen:
            errors.append(
                f"{header_label(headers, seen[target])} and {header_label(headers, i)} are both mapped to "
                f"“{labels[target]}”; keep one."
            )
        else:
            seen[target] = i
    return errors


def unmapped_required(mapping: Sequence[str], questions: Sequence[Question]) -> list[Question]:
    """Required questions no column answers: every row that must answer them will be refused."""
    return [q for q in questions if q.required and field_name(q) not in mapping]
