"""The launch checklist (the seed's "N steps left to launch pairing").

Every step's done-state is computed from data, never ticked by hand. Each step has a provider:
a function that takes many programs and returns the ids of those for which the step is done, so
a dashboard of any size costs a fixed number of queries. Apps higher up the stack (registration,
pairing, content) register the providers for their steps in their AppConfig.ready(); a step with
no provider yet is shown as not done and not yet available.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from kindred.programs.models import Program, Purpose, Status, Structure

Provider = Callable[[list[Program]], set[int]]


@dataclass(frozen=True)
class StepDef:
    key: str
    title: str
    group: str
    help: str
    url_name: str  # a URL name taking (org_slug, program_slug)


STEPS: tuple[StepDef, ...] = (
    StepDef("general", "General information", "", "Goal, structure, dates and cadence.", "programs:edit"),
    StepDef(
        "questionnaire",
        "Set up questionnaire",
        "Plan registration",
        "The questions pairing will use.",
        "registration:questionnaire",
    ),
    StepDef(
        "pairing_algorithm",
        "Set up pairing algorithm",
        "Plan registration",
        "Which answers matter, and how much.",
        "pairing:criteria",
    ),
    StepDef(
        "participant_access",
        "Participant access",
        "Plan registration",
        "Who may register: your domains, invitations or both.",
        "registration:access",
    ),
    StepDef(
        "email_invites",
        "Review email invites",
        "Plan registration",
        "The invitation and reminder emails.",
        "registration:emails",
    ),
    StepDef(
        "launch_registration",
        "Launch registration",
        "",
        "Open registration to participants.",
        "programs:detail",
    ),
    StepDef(
        "review_pairing",
        "Review pairing process",
        "",
        "Run matching and review the proposals.",
        "pairing:review",
    ),
    StepDef(
        "session_content",
        "Plan session content",
        "",
        "Agenda templates and resources for the sessions.",
        "content:agendas",
    ),
    StepDef(
        "launch_pairing", "Launch pairing", "", "Publish the pairs and start the program.", "programs:detail"
    ),
)

_providers: dict[str, Provider] = {}


def register_step(key: str) -> Callable[[Provider], Provider]:
    """Decorator for an app to say how one step's done-state is computed."""
    if key not in {s.key for s in STEPS}:
        raise ValueError(f"unknown checklist step {key!r}")

    def decorate(provider: Provider) -> Provider:
        _providers[key] = provider
        return provider

    return decorate


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    group: str
    help: str
    done: bool
    available: bool
    url: str
    applies: bool = True  # False: the step has no meaning for this program's structure


@dataclass(frozen=True)
class Checklist:
    steps: tuple[Step, ...]
    launched: bool = False  # pairing is launched: the program runs, or ran

    @property
    def total(self) -> int:
        return sum(s.applies for s in self.steps)

    @property
    def left(self) -> int:
        return sum(s.applies and not s.done for s in self.steps)

    @property
    def done_count(self) -> int:
        return self.total - self.left

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / self.total)


def _url(step: StepDef, program: Program) -> str:
    try:
        url = reverse(step.url_name, args=[program.organization.slug, program.slug])
    except NoReverseMatch:
        return ""
    return url + ("#lifecycle" if step.key.startswith("launch_") else "")


# Steps that mean nothing for a structure: flash mentoring has no long-term pairs to review.
NOT_FOR = {"review_pairing": {Structure.FLASH}}
LAUNCHED = (Status.RUNNING, Status.COMPLETED, Status.ARCHIVED)


def checklists_for(programs: Iterable[Program]) -> dict[int, Checklist]:
    """The checklist of each program, keyed by program id, in one query per step at most."""
    programs = list(programs)
    done_by_step = {key: provider(programs) for key, provider in _providers.items()}
    result = {}
    for program in programs:
        steps = []
        for step in STEPS:
            url = _url(step, program)
            steps.append(
                Step(
                    key=step.key,
                    title=step.title,
                    group=step.group,
                    help=step.help,
                    done=program.pk in done_by_step.get(step.key, set()),
                    available=step.key in _providers and bool(url),
                    url=url,
                    applies=program.structure not in NOT_FOR.get(step.key, ()),
                )
            )
        result[program.pk] = Checklist(tuple(steps), launched=program.status in LAUNCHED)
    return result


def checklist_for(program: Program) -> Checklist:
    return checklists_for([program])[program.pk]


GENERAL_FIELDS = ("description", "registration_opens_on", "registration_closes_on", "starts_on", "ends_on")
LABELS = {
    "description": "description",
    "registration_opens_on": "registration opening date",
    "registration_closes_on": "registration closing date",
    "starts_on": "start date",
    "ends_on": "end date",
}


def missing_general_information(program: Program) -> list[str]:
    """Names of the general-information fields still empty (what blocks opening registration)."""
    missing = [LABELS[f] for f in GENERAL_FIELDS if not getattr(program, f)]
    if program.purpose == Purpose.CUSTOM and not program.custom_purpose.strip():
        missing.append("your goal")
    return [str(m) for m in missing]


@register_step("general")
def _general_done(programs: list[Program]) -> set[int]:
    return {p.pk for p in programs if not missing_general_information(p)}


@register_step("launch_registration")
def _registration_launched(programs: list[Program]) -> set[int]:
    return {p.pk for p in programs if p.status != Status.DRAFT}


@register_step("launch_pairing")
def _pairing_launched(programs: list[Program]) -> set[int]:
    return {p.pk for p in programs if p.status in LAUNCHED}
