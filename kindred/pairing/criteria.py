"""The criteria editor's services: defaults from the seed's pool per structure, and edits."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kindred.pairing.models import Comparison, Criterion, PairingSettings, Weight
from kindred.programs.models import Program, Structure
from kindred.registration.models import Question, QuestionKind


@dataclass(frozen=True)
class Default:
    name: str
    mentee_key: str
    mentor_key: str
    comparison: str
    weight: str
    reverse: bool = False
    max_difference: float = 6


TRADITIONAL = (
    Default("Mentor is more senior", "seniority", "seniority", Comparison.ORDINAL, Weight.MUST),
    Default(
        "Mentor has experience in the role the mentee wants",
        "preferred_mentor_role",
        "other_roles",
        Comparison.OVERLAP,
        Weight.HIGH,
    ),
    Default(
        "Mentor works in the role the mentee wants",
        "preferred_mentor_role",
        "current_role",
        Comparison.OVERLAP,
        Weight.HIGH,
    ),
    Default("Skills to grow ↔ strengths", "skills_to_grow", "strengths", Comparison.OVERLAP, Weight.HIGH),
    Default("Goals ↔ goals achieved", "goals", "goals_achieved", Comparison.OVERLAP, Weight.MEDIUM),
    Default(
        "Disciplines of interest ↔ experience",
        "disciplines_interested",
        "disciplines_experienced",
        Comparison.OVERLAP,
        Weight.MEDIUM,
    ),
    Default("Can meet in the same location", "locations", "locations", Comparison.OVERLAP, Weight.LOW),
    Default("Close time zones", "time_zone", "time_zone", Comparison.CLOSENESS, Weight.LOW, max_difference=6),
)
REVERSE = tuple(
    Default("Mentor is more junior", d.mentee_key, d.mentor_key, d.comparison, d.weight, reverse=True)
    if d.mentee_key == "seniority"
    else d
    for d in TRADITIONAL
)
PEER = (
    Default(
        "Similar seniority", "seniority", "seniority", Comparison.CLOSENESS, Weight.HIGH, max_difference=2
    ),
    Default("Shared skills to grow", "skills_to_grow", "skills_to_grow", Comparison.OVERLAP, Weight.MEDIUM),
    Default("Shared goals", "goals", "goals", Comparison.OVERLAP, Weight.MEDIUM),
    Default(
        "Shared interests",
        "disciplines_interested",
        "disciplines_interested",
        Comparison.OVERLAP,
        Weight.MEDIUM,
    ),
    Default("Same discipline", "discipline", "discipline", Comparison.EQUAL, Weight.LOW),
    Default("Can meet in the same location", "locations", "locations", Comparison.OVERLAP, Weight.LOW),
    Default("Close time zones", "time_zone", "time_zone", Comparison.CLOSENESS, Weight.LOW, max_difference=4),
)
DEFAULTS = {
    Structure.TRADITIONAL: TRADITIONAL,
    Structure.GROUP: TRADITIONAL,
    Structure.FLASH: TRADITIONAL,
    Structure.REVERSE: REVERSE,
    Structure.PEER: PEER,
}


def settings_for(program: Program) -> PairingSettings:
    settings, _ = PairingSettings.objects.get_or_create(program=program)
    return settings


@transaction.atomic
def criteria_reset_to_defaults(*, program: Program) -> list[Criterion]:
    """Replace the program's criteria with the sensible defaults for its structure, using the
    pool questions its questionnaire has (a default whose questions are missing is skipped)."""
    by_key = {q.pool_key: q for q in Question.objects.filter(program=program).exclude(pool_key="")}
    Criterion.objects.filter(program=program).delete()
    created = []
    for position, d in enumerate(DEFAULTS[Structure(program.structure)]):
        mentee, mentor = by_key.get(d.mentee_key), by_key.get(d.mentor_key)
        if mentee is None or mentor is None:
            continue
        created.append(
            Criterion.objects.create(
                program=program,
                position=position,
                name=d.name,
                comparison=d.comparison,
                weight=d.weight,
                mentee_question=mentee,
                mentor_question=mentor,
                reverse=d.reverse,
                max_difference=d.max_difference,
            )
        )
    return created


COMPATIBLE = {
    Comparison.OVERLAP: {QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SHORT_TEXT},
    Comparison.EQUAL: {
        QuestionKind.SINGLE,
        QuestionKind.NUMBER,
        QuestionKind.SCALE,
        QuestionKind.SHORT_TEXT,
        QuestionKind.TIMEZONE,
    },
    Comparison.ORDINAL: {QuestionKind.SINGLE, QuestionKind.NUMBER, QuestionKind.SCALE},
    Comparison.CLOSENESS: {
        QuestionKind.SINGLE,
        QuestionKind.NUMBER,
        QuestionKind.SCALE,
        QuestionKind.TIMEZONE,
    },
}


def _check(criterion: Criterion) -> None:
    errors = {}
    for side in ("mentee_question", "mentor_question"):
        q: Question = getattr(criterion, side)
        if q.program_id != criterion.program_id:
            errors[side] = "Choose a question of this program."
        elif q.kind not in COMPATIBLE[Comparison(criterion.comparison)]:
            errors[side] = f"A {q.get_kind_display().lower()} question cannot be compared this way."
    if criterion.comparison == Comparison.CLOSENESS and criterion.max_difference <= 0:
        errors["max_difference"] = "The maximum difference must be above 0."
    if not criterion.name.strip():
        errors["name"] = "Name the criterion."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def criterion_save(*, criterion: Criterion) -> Criterion:
    """Validate and save a criterion (new or edited)."""
    _check(criterion)
    if criterion.pk is None:
        last = Criterion.objects.filter(program_id=criterion.program_id).order_by("-position").first()
        criterion.position = (last.position + 1) if last else 0
    criterion.save()
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: Criterion) -> None:
    criterion.delete()


@transaction.atomic
def settings_save(*, settings: PairingSettings) -> PairingSettings:
    """Save the pairing settings; this is what ticks "Set up pairing algorithm"."""
    if settings.min_score > 100:
        raise ValidationError({"min_score": "The minimum score is a percentage (0–100)."})
    if settings.circle_size < 2 or settings.circle_size > 8:
        raise ValidationError({"circle_size": "Circles have 2 to 8 people."})
    if settings.request_expiry_days < 1:
        raise ValidationError({"request_expiry_days": "Requests need at least a day."})
    settings.configured_at = timezone.now()
    settings.save()
    return settings
