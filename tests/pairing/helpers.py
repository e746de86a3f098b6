from kindred.pairing import criteria
from kindred.programs.models import Program
from kindred.registration.models import Question, Registration
from tests.pairing.test_services import register, set_pairing
from tests.registration.helpers import questionnaire


def mentee_choice(program: Program) -> tuple[dict[str, Question], Registration, Registration]:
    """Default criteria, mentee choice on, and one mentee (Mia) who may ask one mentor (Max)."""
    qs = questionnaire(program)
    criteria.criteria_reset_to_defaults(program=program)
    set_pairing(program, mentee_choice=True)
    mentee = register(program, qs, "mentee", seniority=1, name="Mia Mentee")
    mentor = register(program, qs, "mentor", seniority=4, name="Max Mentor")
    return qs, mentee, mentor
