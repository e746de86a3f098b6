from django.conf import settings
from django.db import models
from django.utils import timezone

from kindred.programs.models import Program


class ParticipantRole(models.TextChoices):
    MENTOR = "mentor", "Mentor"
    MENTEE = "mentee", "Mentee"
    BOTH = "both", "Both mentor and mentee"


class RegistrationStatus(models.TextChoices):
    DRAFT = "draft", "Started"
    SUBMITTED = "submitted", "Registered"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Registration(models.Model):
    """One person's participation in one program, with the role they chose."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations")
    role = models.CharField(max_length=10, choices=ParticipantRole.choices)
    capacity = models.PositiveSmallIntegerField(
        default=1, help_text="How many mentees a mentor can take on (group size in group programs)."
    )
    status = models.CharField(
        max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.DRAFT
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("program", "-submitted_at")
        constraints = [models.UniqueConstraint(fields=["program", "user"], name="registration_unique")]
        indexes = [models.Index(fields=["program", "status", "role"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.program} as {self.get_role_display().lower()}"

    @property
    def is_mentor(self) -> bool:
        return self.role in (ParticipantRole.MENTOR, ParticipantRole.BOTH)

    @property
    def is_mentee(self) -> bool:
        return self.role in (ParticipantRole.MENTEE, ParticipantRole.BOTH)
