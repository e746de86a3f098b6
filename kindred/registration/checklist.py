"""The launch-checklist steps this app completes, computed from its data."""

from django.db.models import Q

from kindred.programs.checklist import register_step
from kindred.programs.models import Program
from kindred.registration.models import AccessMode, ProgramInvitation, ProgramSetup, Question


@register_step("questionnaire")
def _questionnaire(programs: list[Program]) -> set[int]:
    """Done when the program asks something beyond the built-in role questions."""
    return set(
        Question.objects.filter(program__in=programs, builtin="")
        .values_list("program_id", flat=True)
        .distinct()
    )


@register_step("participant_access")
def _access(programs: list[Program]) -> set[int]:
    """Done when an admin chose who may register; an invitation-only program also needs invitations."""
    reviewed = dict(
        ProgramSetup.objects.filter(program__in=programs, access_reviewed_at__isnull=False).values_list(
            "program_id", "access_mode"
        )
    )
    invited = set(
        ProgramInvitation.objects.filter(program__in=programs).values_list("program_id", flat=True).distinct()
    )
    return {pid for pid, mode in reviewed.items() if mode != AccessMode.INVITATION or pid in invited}


@register_step("email_invites")
def _emails(programs: list[Program]) -> set[int]:
    return set(
        ProgramSetup.objects.filter(
            Q(program__in=programs) & Q(emails_reviewed_at__isnull=False)
        ).values_list("program_id", flat=True)
    )
