"""The launch-checklist steps pairing completes."""

from kindred.pairing.models import Criterion, Mentorship, PairingSettings, Proposal
from kindred.programs.checklist import register_step
from kindred.programs.models import Program


@register_step("pairing_algorithm")
def _algorithm(programs: list[Program]) -> set[int]:
    """Done when the settings were saved and at least one criterion counts."""
    configured = set(
        PairingSettings.objects.filter(program__in=programs, configured_at__isnull=False).values_list(
            "program_id", flat=True
        )
    )
    weighted = set(
        Criterion.objects.filter(program__in=programs)
        .exclude(weight="ignore")
        .values_list("program_id", flat=True)
        .distinct()
    )
    return configured & weighted


@register_step("review_pairing")
def _review(programs: list[Program]) -> set[int]:
    """Done once there are proposals under review or published mentorships."""
    proposed = set(
        Proposal.objects.filter(program__in=programs).values_list("program_id", flat=True).distinct()
    )
    published = set(
        Mentorship.objects.filter(program__in=programs).values_list("program_id", flat=True).distinct()
    )
    return proposed | published
