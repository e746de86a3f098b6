"""Kindred's question pool: every question of the seed's questionnaire, ready to add.

Where the seed pairs a mentee question with a mentor question (skills to grow ↔ strengths to
mentor on), the pool entry names its partner in `pair`; adding one adds both, linked, so the
pairing setup can offer them as a criterion."""

from dataclasses import dataclass, field

SENIORITY = ["Co-Op", "Associate", "Intermediate", "Senior", "Director", "VP/Executive"]
ROLES = [
    "Sales",
    "Marketing",
    "Finance",
    "Product",
    "Design",
    "User Research",
    "Engineering",
    "Operations",
    "People",
]
LOCATIONS = ["San Diego", "Vancouver", "Toronto", "Copenhagen"]
DISCIPLINES = [
    "Engineering",
    "Product management",
    "Design",
    "User research",
    "Data & analytics",
    "Sales",
    "Marketing",
    "Finance",
    "People & HR",
    "Operations",
    "Legal",
    "Customer success",
]


@dataclass(frozen=True)
class PoolQuestion:
    key: str
    section: str
    kind: str
    text: str
    audience: str = "both"
    help_text: str = ""
    options: list[str] = field(default_factory=list)
    option_source: str = "own"
    max_choices: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    pair: str = ""  # the pool key of the partner question (mentee side ↔ mentor side)


# How each pool question is labelled when others read the answer (on a mentor's card, in a request
# or a mentorship): in the third person, since "What level of seniority do you hold? Senior"
# reads as a question to the reader.
LABELS_FOR_OTHERS = {
    "seniority": "Seniority",
    "current_role": "Current role",
    "other_roles": "Other roles held",
    "preferred_mentor_role": "Prefers a mentor in",
    "locations": "Open to meeting in",
    "time_zone": "Time zone",
    "years_career": "Years in their career",
    "years_role": "Years in their current role",
    "discipline": "Discipline",
    "disciplines_interested": "Disciplines of interest",
    "disciplines_experienced": "Other disciplines worked in",
    "skills_to_grow": "Skills to grow",
    "strengths": "Strengths to mentor on",
    "goals": "Goals",
    "goals_achieved": "Goals achieved",
    "experiences_hoped": "Hopes to gain",
    "topics_can_help": "Can help with",
}

POOL: tuple[PoolQuestion, ...] = (
    PoolQuestion(
        "seniority",
        "Participant profile",
        "single",
        "What level of seniority do you hold?",
        options=SENIORITY,
        help_text="Used to pair mentees with more senior mentors.",
    ),
    PoolQuestion(
        "current_role", "Participant profile", "single", "What is your current role?", options=ROLES
    ),
    PoolQuestion(
        "other_roles",
        "Participant profile",
        "multiple",
        "What other roles do you have experience in either here or in the past?",
        audience="mentor",
        options=ROLES,
        pair="preferred_mentor_role",
    ),
    PoolQuestion(
        "preferred_mentor_role",
        "Participant profile",
        "multiple",
        "What role do you prefer your mentor has experience in?",
        audience="mentee",
        options=ROLES,
        pair="other_roles",
    ),
    PoolQuestion(
        "locations",
        "Participant profile",
        "multiple",
        "At which locations are you open to holding mentorship sessions?",
        options=LOCATIONS,
    ),
    PoolQuestion("time_zone", "Participant profile", "timezone", "Which time zone do you work in?"),
    PoolQuestion(
        "years_career",
        "Profile questions",
        "number",
        "How many years have you spent in your professional career to date?",
        min_value=0,
        max_value=60,
    ),
    PoolQuestion(
        "years_role",
        "Profile questions",
        "number",
        "How many years have you spent in your current role to date?",
        min_value=0,
        max_value=60,
    ),
    PoolQuestion(
        "discipline",
        "Profile questions",
        "single",
        "What is your current professional discipline?",
        options=DISCIPLINES,
    ),
    PoolQuestion(
        "disciplines_interested",
        "Profile questions",
        "multiple",
        "What other professional disciplines are you interested in learning more about or prefer your "
        "mentor to be from?",
        audience="mentee",
        options=DISCIPLINES,
        pair="disciplines_experienced",
    ),
    PoolQuestion(
        "disciplines_experienced",
        "Profile questions",
        "multiple",
        "What other professional disciplines/functions do you have experience in, either here or at "
        "other employers?",
        audience="mentor",
        options=DISCIPLINES,
        pair="disciplines_interested",
    ),
    PoolQuestion(
        "skills_to_grow",
        "Skills and goals",
        "multiple",
        "Which skills are you looking to grow and develop through this program?",
        audience="mentee",
        option_source="skills",
        max_choices=5,
        pair="strengths",
    ),
    PoolQuestion(
        "strengths",
        "Skills and goals",
        "multiple",
        "Which skills are your greatest strengths, which you can mentor on?",
        audience="mentor",
        option_source="skills",
        max_choices=5,
        pair="skills_to_grow",
    ),
    PoolQuestion(
        "goals",
        "Skills and goals",
        "multiple",
        "Which goals do you hope to achieve through this program?",
        audience="mentee",
        option_source="goals",
        max_choices=3,
        pair="goals_achieved",
    ),
    PoolQuestion(
        "goals_achieved",
        "Skills and goals",
        "multiple",
        "Which goals or accomplishments have you achieved in the past, which you can mentor on?",
        audience="mentor",
        option_source="goals",
        pair="goals",
    ),
    PoolQuestion(
        "experiences_hoped",
        "Experiences",
        "long_text",
        "Describe any experiences or learnings you are hoping to get from this mentoring program.",
        audience="mentee",
        pair="topics_can_help",
    ),
    PoolQuestion(
        "topics_can_help",
        "Experiences",
        "long_text",
        "Describe any experiences or topics you can help with as part of this mentoring program.",
        audience="mentor",
        pair="experiences_hoped",
    ),
)

POOL_BY_KEY = {q.key: q for q in POOL}

DEFAULT_SKILLS = [
    "Negotiation",
    "Public speaking",
    "Giving feedback",
    "Conflict resolution",
    "Delegation",
    "Coaching",
    "Strategic thinking",
    "Stakeholder management",
    "Time management",
    "Decision making",
    "Storytelling",
    "Emotional intelligence",
    "Hiring and interviewing",
    "Project management",
    "Data-driven decisions",
    "Executive presence",
    "Networking",
    "Writing",
    "Prioritisation",
    "Change management",
]
DEFAULT_GOALS = [
    "Get promoted",
    "Move into people management",
    "Transfer departments",
    "Improve work-life balance",
    "Build a professional network",
    "Get a raise",
    "Lead a cross-functional project",
    "Grow confidence",
    "Plan my next career step",
    "Become a subject-matter expert",
]

POOL_TEXTS = {q.key: q.text for q in POOL}  # the stock wording, to tell a reworded question
