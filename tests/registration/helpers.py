"""Building blocks for registration tests: a program with a small real questionnaire."""

from kindred.programs.models import Program
from kindred.registration.answers import field_name
from kindred.registration.models import Builtin, Question
from kindred.registration.questionnaire import pool_add, question_create
from kindred.registration.services import questions_of


def open_program(program: Program) -> Program:
    """Launch registration with a window around today: opened 24 days ago, closing in 25 days
    (November 1 to December 20, 2026 in the tests that freeze time at November 25)."""
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    program.status = "registration"
    program.registration_opens_on = today - dt.timedelta(days=24)
    program.registration_closes_on = today + dt.timedelta(days=25)
    program.starts_on = max(program.starts_on, program.registration_closes_on + dt.timedelta(days=7))
    program.ends_on = max(program.ends_on, program.starts_on + dt.timedelta(days=240))
    program.save()
    return program


def questionnaire(program: Program) -> dict[str, Question]:
    """Role, capacity, seniority (single), skills to grow / strengths (multiple, max 5),
    years in career (number 0..60), a required short text and the time zone."""
    pool_add(program=program, key="seniority")
    pool_add(program=program, key="skills_to_grow")
    pool_add(program=program, key="years_career")
    pool_add(program=program, key="time_zone")
    question_create(
        program=program, kind="short_text", text="What do you hope for?", audience="mentee", required=True
    )
    qs = {q.builtin or q.pool_key or "hope": q for q in questions_of(program)}
    return qs


def raw_for(qs: dict[str, Question], role: str = "mentee", **over: object) -> dict[str, object]:
    role_q = qs[Builtin.ROLE]
    role_option = next(o for o in role_q.options.all() if o.value == role)
    seniority = list(qs["seniority"].options.all())
    skills = list(qs["skills_to_grow"].options.all())
    strengths = list(qs["strengths"].options.all())
    raw: dict[str, object] = {
        field_name(role_q): str(role_option.pk),
        field_name(qs["seniority"]): str(seniority[1].pk),
        field_name(qs["years_career"]): "3",
        field_name(qs["time_zone"]): "Europe/Paris",
    }
    if role in ("mentee", "both"):
        raw[field_name(qs["skills_to_grow"])] = [str(skills[0].pk), str(skills[1].pk)]
        raw[field_name(qs["hope"])] = "Learn to lead"
    if role in ("mentor", "both"):
        raw[field_name(qs["capacity"])] = "2"
        raw[field_name(qs["strengths"])] = [str(strengths[0].pk)]
    raw.update({field_name(qs[k]) if k in qs else k: v for k, v in over.items()})
    return raw
